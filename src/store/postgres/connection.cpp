#include "store/postgres/connection.hpp"

#include <libpq-fe.h>

#include <charconv>

#include "store/errors.hpp"

namespace dfauth::store::postgres {
namespace {

/// libpq's message on one line (it ends with a newline and may hold a second "DETAIL" line).
std::string OneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return text;
}

// "Key (email_ci)=(a@x.io) already exists." → "email". The domain knows the identity fields
// by their user-facing names, not by the derived column that enforces them; a composite key
// is named by its first column, as on SQLite.
std::string DuplicateField(const char* detail) {
  std::string_view text = detail ? detail : "";
  const auto open = text.find("Key (");
  if (open == std::string_view::npos) return "unknown";
  text.remove_prefix(open + 5);
  text = text.substr(0, text.find_first_of(",)"));
  if (text == "email_ci") return "email";
  return std::string(text);
}

}  // namespace

Rows::~Rows() { PQclear(result_); }
int Rows::Count() const { return PQntuples(result_); }
int64_t Rows::Affected() const {
  const char* text = PQcmdTuples(result_);
  int64_t n = 0;
  std::from_chars(text, text + std::char_traits<char>::length(text), n);
  return n;
}
bool Rows::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
std::string Rows::Text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column), PQgetlength(result_, row, column));
}
int64_t Rows::Int64(int row, int column) const {
  const char* text = PQgetvalue(result_, row, column);
  int64_t n = 0;
  std::from_chars(text, text + PQgetlength(result_, row, column), n);
  return n;
}
bool Rows::Bool(int row, int column) const { return PQgetvalue(result_, row, column)[0] == 't'; }
std::optional<int64_t> Rows::OptionalInt64(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int64(row, column);
}
std::optional<std::string> Rows::OptionalText(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Text(row, column);
}

Connection::Connection(const std::string& url) {
  // connect_timeout comes first so that a value in the URL wins over this default.
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"5", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) throw StoreUnavailable("postgresql: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string reason = OneLine(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreUnavailable("postgresql: " + reason);
  }
  // libpq prints NOTICEs ("relation … already exists, skipping") to stderr by default: they
  // are not errors, and stderr is the server's log and the CLI's one-line error channel.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

bool Connection::Broken() const { return PQstatus(conn_) != CONNECTION_OK; }

void Connection::Fail(pg_result* result, std::string_view context) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state && std::string_view(state) == "23505") {
    std::string field = DuplicateField(PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL));
    PQclear(result);
    throw DuplicateError(field);
  }
  // The primary message only: the DETAIL line may quote row values. Our SQL is fixed text and
  // every value is a parameter, so the message carries no secrets.
  std::string message = result && PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)
                            ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)
                            : OneLine(PQerrorMessage(conn_));
  PQclear(result);
  throw StoreUnavailable("postgresql " + std::string(context) + ": " + OneLine(message));
}

Rows Connection::Run(std::string_view sql, const Params& params) {
  std::string key(sql);
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    PGresult* prepared = PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) Fail(prepared, "prepare");
    PQclear(prepared);
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.Values().size());
  for (const auto& v : params.Values()) values.push_back(v ? v->c_str() : nullptr);
  PGresult* result = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()), values.data(),
                                    nullptr, nullptr, /*resultFormat=*/0);
  const auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) Fail(result, "query");
  return Rows(result);
}

void Connection::Exec(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) Fail(result, "exec");
  PQclear(result);
}

Transaction::Transaction(Connection& connection, const char* begin) : connection_(connection) {
  connection_.Exec(begin);
}

Transaction::~Transaction() {
  if (!active_) return;
  try {
    if (!connection_.Broken()) connection_.Exec("ROLLBACK");
  } catch (const std::exception&) {
    // The connection is gone or aborted; the pool drops a broken one.
  }
}

void Transaction::Commit() {
  connection_.Exec("COMMIT");
  active_ = false;
}

}  // namespace dfauth::store::postgres
