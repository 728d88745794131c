#include "store/postgres/postgres_source.hpp"

#include <libpq-fe.h>

#include "store/errors.hpp"
#include "store/postgres/connection.hpp"

namespace dfauth::store::postgres {
namespace {

/// libpq's message on one line, without the trailing newline.
std::string Reason(const PGconn* conn) {
  std::string text = PQerrorMessage(conn);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

class Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}
  ~Result() { PQclear(result_); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  PGresult* get() const { return result_; }

 private:
  PGresult* result_;
};

class PostgresSource final : public Source {
 public:
  explicit PostgresSource(const std::string& url) {
    conn_ = ConnectOrThrow(url);  // the URL checked, libpq's reason with no password
    try {
      Command("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
      Command("SET LOCAL TimeZone = 'UTC'");
    } catch (...) {
      PQfinish(conn_);  // the destructor does not run for a constructor that throws
      throw;
    }
  }
  ~PostgresSource() override {
    Command("ROLLBACK", /*check=*/false);
    PQfinish(conn_);
  }
  PostgresSource(const PostgresSource&) = delete;
  PostgresSource& operator=(const PostgresSource&) = delete;

  std::vector<std::string> Tables() override {
    std::vector<std::string> out;
    Query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
          "AND table_type = 'BASE TABLE' ORDER BY table_name", {},
          [&](const SourceRow& row) { out.push_back(row.Text(0)); });
    return out;
  }

  std::set<std::string> Columns(const std::string& table) override {
    std::set<std::string> out;
    Query("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
          "AND table_name = $1", {table},
          [&](const SourceRow& row) { out.insert(row.Text(0)); });
    return out;
  }

  void Each(const std::string& sql, const std::function<void(const SourceRow&)>& row) override {
    Query(sql, {}, row);
  }

 private:
  void Command(const char* sql, bool check = true) {
    Result result(PQexec(conn_, sql));
    if (check && PQresultStatus(result.get()) != PGRES_COMMAND_OK) throw StoreUnavailable("postgresql: " + Reason(conn_));
  }

  void Query(const std::string& sql, const std::vector<std::string>& params,
             const std::function<void(const SourceRow&)>& row) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    Result result(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                               nullptr, nullptr, /*resultFormat=*/0));
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) throw StoreUnavailable("postgresql: " + Reason(conn_));
    const int rows = PQntuples(result.get());
    const int columns = PQnfields(result.get());
    for (int r = 0; r < rows; ++r) {
      std::vector<std::optional<std::string>> cells;
      cells.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(result.get(), r, c)) {
          cells.emplace_back(std::nullopt);
        } else {
          cells.emplace_back(std::string(PQgetvalue(result.get(), r, c), PQgetlength(result.get(), r, c)));
        }
      }
      row(SourceRow(std::move(cells)));
    }
  }

  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<Source> OpenPostgresSource(const std::string& url) { return std::make_unique<PostgresSource>(url); }

}  // namespace dfauth::store::postgres
