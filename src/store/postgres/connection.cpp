#include "store/postgres/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <stdexcept>
#include <utility>

#include "store/errors.hpp"

namespace dfauth::store::postgres {
namespace {

constexpr std::string_view kMask = "********";

/// libpq's message on one line (it ends with a newline and may hold a second "DETAIL" line).
std::string OneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return text;
}

// libpq's parse errors quote what they could not parse: a percent-escape of the password, or
// the whole URI. Only the fixed text around the quotes is kept; an unclosed quote drops the rest.
std::string WithoutQuotedText(std::string_view text) {
  std::string out;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') {
      if (!quoted) out += "\"...";
      else out += '"';
      quoted = !quoted;
    } else if (!quoted) {
      out += c;
    }
  }
  return out;
}

// libpq does not print passwords in its connection errors; this makes sure, in case a future
// libpq, a proxy's message or a server's reply quotes it.
std::string MaskPassword(std::string text, const std::string& url) {
  PQconninfoOption* options = PQconninfoParse(url.c_str(), nullptr);
  if (options == nullptr) return text;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) != "password" || o->val == nullptr || *o->val == '\0') continue;
    const std::string password = o->val;
    for (auto at = text.find(password); at != std::string::npos; at = text.find(password, at + kMask.size())) {
      text.replace(at, password.size(), kMask);
    }
  }
  PQconninfoFree(options);
  return text;
}

// The field SQLite names for the same constraint ("UNIQUE constraint failed: users.email_ci"
// → "email"; a composite key by its first column), by PostgreSQL's default constraint names.
constexpr std::pair<std::string_view, const char*> kFieldOfConstraint[] = {
    {"users_pkey", "id"},
    {"users_username_key", "username"},
    {"users_email_ci_key", "email"},
    {"users_phone_number_key", "phone_number"},
    {"revoked_tokens_pkey", "jti"},
    {"token_families_pkey", "family"},
    {"refresh_tokens_pkey", "family"},
    {"server_settings_pkey", "key"},
    {"signing_keys_pkey", "kid"},
    {"otp_devices_pkey", "id"},
    {"otp_static_codes_pkey", "device_id"},
    {"otp_send_counters_pkey", "destination"},
    {"outbox_pkey", "id"},
    {"ip_bans_pkey", "ip"},
    {"security_counters_pkey", "kind"},
    {"social_links_pkey", "id"},
    {"social_links_provider_uid_key", "provider"},
    {"schema_migrations_pkey", "version"},
};

// By constraint name first: the DETAIL line ("Key (email_ci)=(a@x.io) already exists.") is
// translated when the server's lc_messages is not English, and absent without SELECT rights.
std::string DuplicateField(const pg_result* result) {
  const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
  for (const auto& [name, field] : kFieldOfConstraint) {
    if (constraint != nullptr && name == constraint) return field;
  }
  const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
  std::string_view text = detail ? detail : "";
  const auto open = text.find("Key (");
  if (open == std::string_view::npos) return "unknown";
  text.remove_prefix(open + 5);
  text = text.substr(0, text.find_first_of(",)"));
  if (text == "email_ci") return "email";
  return std::string(text);
}

// The server ends the session: connection failures (08…), admin or crash shutdown (57P01,
// 57P02) and "the database system is starting up / shutting down" (57P03).
bool SessionOver(const char* sqlstate) {
  if (sqlstate == nullptr) return false;
  const std::string_view state(sqlstate);
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

}  // namespace

void CheckConninfo(const std::string& url, const std::string& what) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string reason = error ? OneLine(error) : "cannot be parsed";
    PQfreemem(error);
    throw std::invalid_argument(what + "is malformed: " + WithoutQuotedText(reason));
  }
  PQconninfoFree(options);
}

pg_conn* ConnectOrThrow(const std::string& url) {
  CheckConninfo(url, "the URL ");  // else libpq's parse error, quoting the URL, would be the reason
  // connect_timeout comes first so that a value in the URL wins over this default.
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"5", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) throw StoreUnavailable("postgresql: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = MaskPassword(OneLine(PQerrorMessage(conn)), url);
    PQfinish(conn);
    throw StoreUnavailable("postgresql: " + reason);
  }
  // libpq prints NOTICEs ("relation … already exists, skipping") to stderr by default: they
  // are not errors, and stderr is the server's log and the CLI's one-line error channel.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return conn;
}

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

Connection::Connection(const std::string& url) : conn_(ConnectOrThrow(url)) {
  // Notices stay unprinted (see ConnectOrThrow), but one that arrives while the connection is
  // idle is the server's farewell (libpq hands an unasked-for ERROR/FATAL to the notice
  // receiver): the session is over.
  PQsetNoticeReceiver(
      conn_,
      [](void* self, const PGresult* notice) {
        const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
        const std::string_view level = severity ? severity : "";
        if (level == "FATAL" || level == "PANIC" || SessionOver(PQresultErrorField(notice, PG_DIAG_SQLSTATE))) {
          static_cast<Connection*>(self)->broken_ = true;
        }
      },
      this);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

bool Connection::Broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }

bool Connection::Reusable() const { return !Broken() && PQtransactionStatus(conn_) == PQTRANS_IDLE; }

bool Connection::StillOpen() {
  if (Broken()) return false;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (poll(&fd, 1, 0) == 0) return true;  // nothing unasked for: the usual case, one system call
  // Usually the server's FATAL before it closes the socket. The first read takes it in (the
  // receiver above marks the connection), PQisBusy parses it, a second read meets the end of
  // the stream; a plain NOTICE leaves the connection as it was.
  if (PQconsumeInput(conn_) == 0) return false;
  PQisBusy(conn_);
  if (PQconsumeInput(conn_) == 0) return false;
  return !Broken();
}

void Connection::Fail(pg_result* result, std::string_view context) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state && std::string_view(state) == "23505") {
    std::string field = DuplicateField(result);
    PQclear(result);
    throw DuplicateError(field);
  }
  // A session the server ended stays unusable even while libpq still counts the socket open.
  if (SessionOver(state) || PQstatus(conn_) != CONNECTION_OK) broken_ = true;
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
