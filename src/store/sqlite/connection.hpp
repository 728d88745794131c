#pragma once
// A thin RAII layer over the sqlite3 C API: one Connection is used by one thread at a time
// (opened NOMUTEX), prepared statements are cached per connection by SQL text, and SQLite
// errors become the store's exceptions (DuplicateError, StoreUnavailable) in one place.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace dfauth::store::sqlite {

/// Throws the store exception for SQLite result `rc` on `db` (DuplicateError for a unique
/// violation, StoreUnavailable otherwise).
[[noreturn]] void ThrowSqliteError(sqlite3* db, int rc, std::string_view context);

/// A cached prepared statement in use. Binding indexes start at 1, column indexes at 0.
/// The destructor resets it and clears its bindings, so the cache never holds a statement
/// that keeps a read snapshot open.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, bool value) { return Bind(index, static_cast<int64_t>(value ? 1 : 0)); }
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<int64_t>& value);
  Statement& Bind(int index, const std::optional<std::string>& value);

  /// Advances; true when a row is available, false when the statement is done.
  bool Step();
  /// Runs a statement that returns no rows of interest.
  void Run();

  int ColumnCount() const;
  bool IsNull(int column) const;
  int64_t Int64(int column) const;
  bool Bool(int column) const { return Int64(column) != 0; }
  std::string Text(int column) const;
  std::optional<int64_t> OptionalInt64(int column) const;
  std::optional<std::string> OptionalText(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

/// One database connection with its statement cache.
class Connection {
 public:
  /// Opens `target` (a file path, or a `file:` URI when `uri` is set) and applies the
  /// connection pragmas; WAL is enabled unless `in_memory`. Throws StoreUnavailable.
  Connection(const std::string& target, bool uri, bool in_memory);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  /// The cached statement for `sql` (prepared on first use), ready to bind.
  Statement Prepare(std::string_view sql);
  /// Runs one or more statements without parameters (schema scripts, pragmas).
  void Exec(const std::string& sql);
  /// Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t Changes() const;
  int64_t LastInsertRowid() const;
  /// True while a transaction is open (false again after SQLite rolled one back on an error).
  bool InTransaction() const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*, StringHash, std::equal_to<>> cache_;
};

enum class TransactionMode {
  kDeferred,   ///< reads only: the snapshot is taken at the first read
  kImmediate,  ///< takes the write lock at once, so writers queue on busy_timeout
};

/// BEGIN on construction, ROLLBACK on destruction unless Commit() ran. Inside an open
/// transaction (the writer's group transaction, see Pool::WriteLease) it is a SAVEPOINT instead:
/// RELEASE on Commit(), ROLLBACK TO on destruction without it.
class Transaction {
 public:
  Transaction(Connection& connection, TransactionMode mode);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  void Commit();

 private:
  Connection& connection_;
  bool nested_;
  bool active_ = true;
};

}  // namespace dfauth::store::sqlite
