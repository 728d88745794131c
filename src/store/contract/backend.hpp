#pragma once
// The store contract runs against every backend from one test body: SQLite always, PostgreSQL
// when DFAUTH_TEST_POSTGRES_URL names a server on which the test may create databases
// (scripts/test starts one). Each test gets a fresh, empty, migrated database, dropped at its
// end; Open() gives another pool on the same database, as a second replica would have.
// Header-only test support; never linked into the product.

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/testing.hpp"

namespace dfauth::store::contract {

inline const char* PostgresTestUrl() {
  const char* url = std::getenv("DFAUTH_TEST_POSTGRES_URL");
  return url && *url ? url : nullptr;
}

inline std::vector<std::string> Backends() {
  std::vector<std::string> names{"sqlite"};
  if (PostgresTestUrl()) names.push_back("postgres");
  return names;
}

/// `url` with its database (the path after host[:port]) replaced by `database`.
inline std::string WithDatabase(const std::string& url, const std::string& database) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const auto query = url.find('?');
  std::string base = url.substr(0, slash == std::string::npos ? std::min(query, url.size()) : slash);
  std::string params = query == std::string::npos ? "" : url.substr(query);
  return base + "/" + database + params;
}

/// One scratch database of a backend: created empty, removed at the end.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& backend) : backend_(backend) {
    if (backend == "sqlite") {
      url_ = "sqlite://" + dir_.File("db.sqlite3");
      return;
    }
    static std::atomic<int> counter{0};
    name_ = "dfauth_contract_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    Admin("DROP DATABASE IF EXISTS " + name_);
    Admin("CREATE DATABASE " + name_);
    url_ = WithDatabase(PostgresTestUrl(), name_);
  }
  ~ScratchDatabase() {
    if (!name_.empty()) Admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& Url() const { return url_; }
  const std::string& Backend() const { return backend_; }
  /// A new pool on this database (not migrated).
  std::unique_ptr<Database> Open(int pool_size) const { return OpenDatabase(url_, pool_size); }

 private:
  static void Admin(const std::string& sql) {
    PGconn* conn = PQconnectdb(PostgresTestUrl());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string error = PQerrorMessage(conn);
      PQfinish(conn);
      throw std::runtime_error("DFAUTH_TEST_POSTGRES_URL: " + error);
    }
    PGresult* result = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    std::string error = PQerrorMessage(conn);
    PQclear(result);
    PQfinish(conn);
    if (!ok) throw std::runtime_error(sql + ": " + error);
  }

  std::string backend_;
  testing::TempDir dir_;
  std::string name_;
  std::string url_;
};

/// The fixture of a contract test: `Db()` is a fresh migrated database of the backend the
/// test runs on, pooled with kPoolSize connections.
class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  static constexpr int kPoolSize = 8;
  void SetUp() override {
    db_ = scratch_.Open(kPoolSize);
    migrated_ = db_->Migrate();
  }
  void TearDown() override { db_.reset(); }

  Database& Db() { return *db_; }
  /// A new user named `username` (no identity but the name); its id.
  int64_t NewUser(const std::string& username) {
    User u;
    u.username = username;
    u.date_joined = 1;
    return db_->Users().CreateUser(u);
  }
  /// Another pool on the same database (a replica), not migrated again.
  std::unique_ptr<Database> Open(int pool_size) { return scratch_.Open(pool_size); }
  const ScratchDatabase& Scratch() const { return scratch_; }
  int MigrationsApplied() const { return migrated_; }

 private:
  ScratchDatabase scratch_{GetParam()};
  std::unique_ptr<Database> db_;
  int migrated_ = 0;
};

}  // namespace dfauth::store::contract

/// Runs every TEST_P of `suite` once per backend, named by it (Backends/Suite.Test/sqlite).
#define DFAUTH_ON_EVERY_BACKEND(suite)                                                       \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::ValuesIn(::dfauth::store::contract::Backends()), \
                           [](const ::testing::TestParamInfo<std::string>& info) { return info.param; })
