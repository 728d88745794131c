// The one place that names backends: a DATABASE_URL's scheme picks the Database (and the
// importer's Source).
#include <stdexcept>

#include "net/database_url.hpp"
#include "store/database.hpp"
#include "store/postgres/postgres_database.hpp"
#include "store/postgres/postgres_source.hpp"
#include "store/source.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "store/sqlite/sqlite_source.hpp"

namespace dfauth::store {
namespace {

// Error messages never repeat the URL: a PostgreSQL URL may carry a password.
net::DatabaseUrl Parse(const std::string& url, const std::string& what) {
  std::string error;
  auto parsed = net::ParseDatabaseUrl(url, &error);
  if (!parsed) throw std::invalid_argument(what + error);
  return *parsed;
}

}  // namespace

std::unique_ptr<Database> OpenDatabase(const std::string& database_url, int pool_size) {
  const net::DatabaseUrl url = Parse(database_url, "DATABASE_URL ");
  if (url.kind == net::DatabaseKind::kSqlite) return sqlite::OpenSqliteDatabase(url.sqlite_path, pool_size);
  return postgres::OpenPostgresDatabase(database_url, pool_size);
}

std::unique_ptr<Source> OpenSource(const std::string& source_url) {
  const net::DatabaseUrl url = Parse(source_url, "");
  if (url.kind == net::DatabaseKind::kSqlite) return sqlite::OpenSqliteSource(url.sqlite_path);
  return postgres::OpenPostgresSource(source_url);
}

}  // namespace dfauth::store
