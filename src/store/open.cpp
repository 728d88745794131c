// The one place that names backends: a DATABASE_URL's scheme picks the Database.
#include <stdexcept>

#include "store/database.hpp"
#include "store/postgres/postgres_database.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace dfauth::store {

std::unique_ptr<Database> OpenDatabase(const std::string& database_url, int pool_size) {
  // Error messages never repeat the URL: a PostgreSQL URL may carry a password.
  constexpr std::string_view kSqlite = "sqlite://";
  std::string_view url = database_url;
  if (url.starts_with(kSqlite)) {
    // sqlite://relative.db, sqlite:///abs/path.db (the third slash starts the path),
    // sqlite://:memory:
    std::string path(url.substr(kSqlite.size()));
    if (path.empty()) throw std::invalid_argument("DATABASE_URL names no SQLite file");
    return sqlite::OpenSqliteDatabase(path, pool_size);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return postgres::OpenPostgresDatabase(database_url, pool_size);
  }
  throw std::invalid_argument("DATABASE_URL must start with sqlite://, postgresql:// or postgres://");
}

}  // namespace dfauth::store
