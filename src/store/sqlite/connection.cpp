#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include <mutex>

#include "store/errors.hpp"

namespace dfauth::store::sqlite {

namespace {

constexpr int kBusyTimeoutMs = 5000;

// "UNIQUE constraint failed: users.email_ci" → "email". The domain knows the identity
// fields by their user-facing names, not by the derived column that enforces them.
std::string DuplicateField(std::string_view message) {
  auto colon = message.find(": ");
  std::string_view rest = colon == std::string_view::npos ? message : message.substr(colon + 2);
  // A composite key lists "t.a, t.b": the first column names it well enough.
  rest = rest.substr(0, rest.find(','));
  if (auto dot = rest.find('.'); dot != std::string_view::npos) rest = rest.substr(dot + 1);
  if (rest == "email_ci") return "email";
  return std::string(rest);
}

// Process-wide settings, made before the first connection opens (sqlite3_config refuses them
// later). Memory statistics off: with them on, every allocation inside SQLite takes one global
// mutex, which the worker threads then fight over on every statement (measured with perf).
void ConfigureProcessOnce() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

void ThrowSqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    throw DuplicateError(DuplicateField(message));
  }
  // Busy after the timeout, I/O, a full disk, corruption, or any other failure: the caller
  // can only answer "try again later". The SQL text is ours and values are bound, so the
  // message carries no secrets.
  throw StoreUnavailable("sqlite " + std::string(context) + ": " + message);
}

// --- Statement -----------------------------------------------------------------------------

Statement::~Statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) {
    ThrowSqliteError(db_, rc, "bind");
  }
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  // SQLite binds a null pointer as NULL; an empty view (even `std::string_view{}`) is ''.
  if (int rc = sqlite3_bind_text64(stmt_, index, value.data() ? value.data() : "", value.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8);
      rc != SQLITE_OK) {
    ThrowSqliteError(db_, rc, "bind");
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) ThrowSqliteError(db_, rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::Bind(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

bool Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  ThrowSqliteError(db_, rc, "step");
}

void Statement::Run() {
  while (Step()) {
  }
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<int64_t> Statement::OptionalInt64(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int64(column);
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

// --- Connection ----------------------------------------------------------------------------

Connection::Connection(const std::string& target, bool uri, bool in_memory) {
  ConfigureProcessOnce();
  // NOMUTEX: a connection is leased to one thread at a time, so SQLite's own per-connection
  // mutex would only cost time.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (uri) flags |= SQLITE_OPEN_URI;
  int rc = sqlite3_open_v2(target.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw StoreUnavailable("sqlite open: " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
  try {
    // The busy timeout first: switching to WAL itself needs a lock another process may hold.
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    if (!in_memory) Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Statement Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) ThrowSqliteError(db_, rc, "prepare");
    it = cache_.emplace(std::string(sql), stmt).first;
  }
  return Statement(db_, it->second);
}

void Connection::Exec(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);  // the same text is available from sqlite3_errmsg
  if (rc != SQLITE_OK) ThrowSqliteError(db_, rc, "exec");
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

int64_t Connection::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

// --- Transaction ---------------------------------------------------------------------------

Transaction::Transaction(Connection& connection, TransactionMode mode)
    : connection_(connection), nested_(connection.InTransaction()) {
  if (nested_) {
    connection_.Prepare("SAVEPOINT tx").Run();
  } else {
    connection_.Prepare(mode == TransactionMode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN").Run();
  }
}

Transaction::~Transaction() {
  if (!active_) return;
  try {
    if (nested_) {
      connection_.Prepare("ROLLBACK TO tx").Run();
      connection_.Prepare("RELEASE tx").Run();
    } else {
      connection_.Prepare("ROLLBACK").Run();
    }
  } catch (...) {
    // A failed statement may already have rolled the transaction back; nothing to undo.
  }
}

void Transaction::Commit() {
  connection_.Prepare(nested_ ? "RELEASE tx" : "COMMIT").Run();
  active_ = false;
}

}  // namespace dfauth::store::sqlite
