#pragma once
// DATABASE_URL: the one parser `check-config`, the store opener and the importer share, and the
// mask that keeps its password out of every line df-auth prints.

#include <optional>
#include <string>
#include <string_view>

namespace dfauth::net {

enum class DatabaseKind { kSqlite, kPostgres };

struct DatabaseUrl {
  DatabaseKind kind = DatabaseKind::kSqlite;
  /// SQLite: the file ("rel.db", "/abs/path.db") or ":memory:". Empty for PostgreSQL, whose URL
  /// goes to libpq as it is.
  std::string sqlite_path;
};

/// `sqlite://PATH`, `sqlite://:memory:`, `postgresql://…` or `postgres://…` in libpq's URI
/// form ([user[:password]@][host][:port][,host[:port]…][/database][?key=value&…]). On a bad
/// URL: nullopt, and `*error` says what is wrong without repeating the URL.
std::optional<DatabaseUrl> ParseDatabaseUrl(std::string_view url, std::string* error);

/// The URL with its password replaced by ******** (in the user-info and in ?password=).
std::string MaskDatabaseUrl(std::string_view url);

}  // namespace dfauth::net
