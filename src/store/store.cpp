#include "store/store.hpp"

#include <stdexcept>

#include "store/sqlite/sqlite_store.hpp"

namespace dfauth::store {

std::unique_ptr<Store> OpenStore(const std::string& database_url, int pool_size) {
  // Error messages never repeat the URL: a PostgreSQL URL may carry a password.
  constexpr std::string_view kSqlite = "sqlite://";
  std::string_view url = database_url;
  if (url.starts_with(kSqlite)) {
    // sqlite://relative.db, sqlite:///abs/path.db (the third slash starts the path),
    // sqlite://:memory:
    std::string path(url.substr(kSqlite.size()));
    if (path.empty()) throw std::invalid_argument("DATABASE_URL names no SQLite file");
    return std::make_unique<sqlite::SqliteStore>(path, pool_size);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    throw std::invalid_argument("PostgreSQL is not supported by this version");
  }
  throw std::invalid_argument("DATABASE_URL must start with sqlite://");
}

}  // namespace dfauth::store
