#pragma once
// A thin RAII layer over libpq: one Connection is used by one thread at a time, statements are
// prepared once per connection (cached by SQL text) and run with text parameters, and
// PostgreSQL errors become the store's exceptions in one place: 23505 → DuplicateError naming
// the field, anything else → StoreUnavailable. A connection whose socket failed, or whose
// server said it is going away (SQLSTATE class 08, 57P01-57P03), says so (Broken()), and the
// pool replaces it. No message ever holds the URL or the password.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace dfauth::store::postgres {

/// Throws std::invalid_argument when libpq cannot parse `url` (an unknown parameter, a bad
/// escape), with libpq's reason minus every quoted part: libpq quotes the offending text,
/// which can be the password or the whole URL. `what` names the URL ("DATABASE_URL ").
void CheckConninfo(const std::string& url, const std::string& what);

/// Opens a libpq connection to `url` (connect_timeout 5 s unless the URL sets one); throws
/// StoreUnavailable with libpq's one-line reason, the password masked should it appear.
pg_conn* ConnectOrThrow(const std::string& url);

/// The parameters of one statement ($1, $2, … in order), as text or NULL.
class Params {
 public:
  Params& Add(int64_t value) { values_.emplace_back(std::to_string(value)); return *this; }
  Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
  Params& Add(std::string_view value) { values_.emplace_back(std::string(value)); return *this; }
  Params& Add(const char* value) { return Add(std::string_view(value)); }
  Params& Add(const std::string& value) { return Add(std::string_view(value)); }
  Params& Add(bool value) { values_.emplace_back(value ? "t" : "f"); return *this; }
  Params& Add(const std::optional<int64_t>& value) {
    if (value) return Add(*value);
    values_.emplace_back(std::nullopt);
    return *this;
  }
  Params& Add(const std::optional<std::string>& value) {
    values_.push_back(value);
    return *this;
  }
  const std::vector<std::optional<std::string>>& Values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

/// The result of one statement (owns the PGresult).
class Rows {
 public:
  explicit Rows(pg_result* result) : result_(result) {}
  Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  Rows& operator=(Rows&&) = delete;
  ~Rows();

  int Count() const;
  bool Empty() const { return Count() == 0; }
  /// Rows an INSERT/UPDATE/DELETE touched.
  int64_t Affected() const;
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;  ///< "" for NULL
  int64_t Int64(int row, int column) const;     ///< 0 for NULL
  bool Bool(int row, int column) const;         ///< PostgreSQL's "t"
  std::optional<int64_t> OptionalInt64(int row, int column) const;
  std::optional<std::string> OptionalText(int row, int column) const;

 private:
  pg_result* result_;
};

class Connection {
 public:
  /// Connects to `url` (libpq's URI form; connect_timeout 5 s unless the URL sets one).
  /// Throws StoreUnavailable with libpq's one-line reason (never the URL).
  explicit Connection(const std::string& url);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  /// Runs `sql` ($n placeholders) as a statement prepared on this connection at first use.
  Rows Run(std::string_view sql, const Params& params = {});
  /// Runs one or more statements without parameters (BEGIN, COMMIT, schema scripts).
  void Exec(const std::string& sql);
  /// True once the connection to the server is lost; the pool then opens a new one.
  bool Broken() const;
  /// Fit to be lent again: not broken and outside any transaction (one left open or aborted
  /// would poison the next unit of work).
  bool Reusable() const;
  /// For an idle connection, before it is lent: false when the server has closed it or sent
  /// it a farewell (a terminated backend, a restart, idle_session_timeout). Nothing is sent,
  /// so replacing it then re-runs nothing.
  bool StillOpen();

 private:
  [[noreturn]] void Fail(pg_result* result, std::string_view context);

  pg_conn* conn_ = nullptr;
  bool broken_ = false;  ///< the server said the session is over (see Fail)
  std::unordered_map<std::string, std::string> prepared_;  ///< SQL text → statement name
};

/// BEGIN on construction, ROLLBACK on destruction unless Commit() ran.
class Transaction {
 public:
  explicit Transaction(Connection& connection, const char* begin = "BEGIN");
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void Commit();

 private:
  Connection& connection_;
  bool active_ = true;
};

}  // namespace dfauth::store::postgres
