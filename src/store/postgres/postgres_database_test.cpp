// What only the PostgreSQL backend has: URLs that carry passwords, a server that can refuse the
// login or end a session, and a pool that must recover from that. The contract every backend
// keeps is in store/contract/. The malformed-URL test needs no server and always runs; the
// others are registered only when DFAUTH_TEST_POSTGRES_URL names one (never skipped-but-green).
#include "store/postgres/postgres_database.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/contract/backend.hpp"
#include "store/database.hpp"
#include "store/errors.hpp"
#include "store/source.hpp"

namespace dfauth::store {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "s3cretPW";

/// Runs one admin query on the test server and gives the first cell of its first row.
std::optional<std::string> AdminScalar(const std::string& sql) {
  PGconn* conn = PQconnectdb(contract::PostgresTestUrl());
  if (PQstatus(conn) != CONNECTION_OK) {
    PQfinish(conn);
    throw std::runtime_error("DFAUTH_TEST_POSTGRES_URL: cannot connect");
  }
  PGresult* result = PQexec(conn, sql.c_str());
  std::optional<std::string> cell;
  if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) cell = PQgetvalue(result, 0, 0);
  const bool ok = PQresultStatus(result) == PGRES_TUPLES_OK || PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string error = PQerrorMessage(conn);
  PQclear(result);
  PQfinish(conn);
  if (!ok) throw std::runtime_error(sql + ": " + error);
  return cell;
}

/// The test server's URL with its password replaced by `password`.
std::string WithPassword(const std::string& url, const std::string& password) {
  const auto start = url.find("://") + 3;
  const auto at = url.find('@', start);
  const auto colon = url.find(':', start);
  if (at == std::string::npos || colon == std::string::npos || colon > at) {
    return url.substr(0, start) + "postgres:" + password + "@" + url.substr(start);
  }
  return url.substr(0, colon + 1) + password + url.substr(at);
}

/// The database a scratch URL names (the path after host[:port], before any parameters).
std::string DatabaseName(const std::string& url) {
  const auto slash = url.find('/', url.find("://") + 3);
  return url.substr(slash + 1, url.find('?') == std::string::npos ? std::string::npos : url.find('?') - slash - 1);
}

template <typename Call>
std::string InvalidArgumentMessage(Call call) {
  try {
    call();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "no std::invalid_argument";
  return {};
}

// URLs that pass a quick look but not libpq's parser: libpq's reason quotes the offending part
// (here the password, or the parameter naming it), which must not reach the message.
TEST(PostgresUrl, AMalformedUrlIsInvalidArgumentWithoutThePassword) {
  const std::string urls[] = {
      std::string("postgresql://df:") + kPassword + "%00@127.0.0.1:1/auth",
      std::string("postgresql://df:") + kPassword + "%zz@127.0.0.1:1/auth",
      std::string("postgresql://df:pw@127.0.0.1:1/auth?") + kPassword + "=1",
      std::string("postgresql://df:pw@[::1/auth?password=") + kPassword,
  };
  for (const auto& url : urls) {
    SCOPED_TRACE(::testing::Message() << "URL #" << (&url - urls));
    const std::string database = InvalidArgumentMessage([&] { postgres::OpenPostgresDatabase(url, 1); });
    EXPECT_NE(database.find("DATABASE_URL"), std::string::npos) << database;
    for (const std::string& message : {database, InvalidArgumentMessage([&] { OpenSource(url); })}) {
      EXPECT_EQ(message.find(kPassword), std::string::npos) << message;
      EXPECT_EQ(message.find("127.0.0.1"), std::string::npos) << message;
    }
  }
  // Through the opener the server uses, the same.
  const std::string message =
      InvalidArgumentMessage([&] { OpenDatabase(std::string("postgresql://df:") + kPassword + "%00@h/auth", 1); });
  EXPECT_EQ(message.find(kPassword), std::string::npos) << message;
}

// --- With a server ----------------------------------------------------------------------------

std::string UnavailableDetail(const std::string& url) {
  try {
    OpenDatabase(url, 2);
  } catch (const StoreUnavailable& e) {
    EXPECT_EQ(std::string(e.what()).find(kPassword), std::string::npos);
    return e.Detail();
  }
  ADD_FAILURE() << "no StoreUnavailable";
  return {};
}

class PostgresServerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PostgresServerTest, AWrongPasswordIsStoreUnavailableWithoutThePassword) {
  const std::string right = contract::PostgresTestUrl();
  const std::string detail = UnavailableDetail(WithPassword(right, kPassword));
  EXPECT_NE(detail.find("password authentication failed"), std::string::npos) << detail;
  EXPECT_EQ(detail.find(kPassword), std::string::npos) << detail;
  EXPECT_EQ(detail.find('\n'), std::string::npos) << detail;
  EXPECT_EQ(detail.find(right), std::string::npos) << detail;
}

TEST_P(PostgresServerTest, AnUnreachableServerIsStoreUnavailableWithoutThePassword) {
  const std::string detail =
      UnavailableDetail(std::string("postgresql://df:") + kPassword + "@127.0.0.1:1/auth?connect_timeout=2");
  EXPECT_FALSE(detail.empty());
  EXPECT_EQ(detail.find(kPassword), std::string::npos) << detail;
  EXPECT_EQ(detail.find('\n'), std::string::npos) << detail;
}

// A database with a user, and the server-side view of the pool's sessions on it.
class PostgresPoolTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = scratch_.Open(4);
    db_->Migrate();
    User u;
    u.username = "alice";
    u.date_joined = 1;
    alice_ = db_->Users().CreateUser(u);
  }

  std::string Sessions(const std::string& what) const {
    return "SELECT " + what + " FROM pg_stat_activity WHERE datname = '" + DatabaseName(scratch_.Url()) +
           "' AND pid <> pg_backend_pid()";
  }
  int SessionCount() const { return std::stoi(AdminScalar("SELECT count(*) FROM (" + Sessions("pid") + ") s").value()); }
  /// Terminates every session of the pool and waits until the server has ended them.
  void KillSessions(bool wait) const {
    AdminScalar("SELECT count(pg_terminate_backend(pid)) FROM (" + Sessions("pid") + ") s");
    for (int i = 0; wait && i < 500 && SessionCount() > 0; ++i) std::this_thread::sleep_for(10ms);
  }

  contract::ScratchDatabase scratch_{"postgres"};
  std::unique_ptr<Database> db_;
  int64_t alice_ = 0;
};

TEST_P(PostgresPoolTest, SuggestsOneWorkerPerConnectionAndOpensNoMore) {
  EXPECT_EQ(db_->SuggestedWorkers(2), 4);
  EXPECT_EQ(db_->SuggestedWorkers(64), 4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(db_->Users().FindUserById(alice_));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(SessionCount(), 1);
  EXPECT_LE(SessionCount(), 4);
}

// The call right after the kill may meet the dying session (503); the one after that works.
TEST_P(PostgresPoolTest, AKilledConnectionIsReplaced) {
  ASSERT_TRUE(db_->Users().FindUserById(alice_));
  KillSessions(/*wait=*/false);
  try {
    EXPECT_TRUE(db_->Users().FindUserById(alice_));
  } catch (const StoreUnavailable&) {
    // the statement met the terminated session; the pool drops it
  }
  EXPECT_TRUE(db_->Users().FindUserById(alice_));
  EXPECT_TRUE(db_->Ping());
}

// Sessions the server ended while idle are replaced before anything is sent on them: no call
// fails, on any of the pool's connections.
TEST_P(PostgresPoolTest, IdleConnectionsTheServerEndedAreReplacedBeforeUse) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) db_->Users().FindUserById(alice_);
    });
  }
  for (auto& t : threads) t.join();
  KillSessions(/*wait=*/true);
  ASSERT_EQ(SessionCount(), 0);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(db_->Users().FindUserById(alice_)) << i;
}

// A session killed inside a transaction: the write is not committed, the caller gets 503, and
// the pool goes on with a new connection.
TEST_P(PostgresPoolTest, ASessionKilledInATransactionFailsTheCallAndWritesNothing) {
  Device d;
  d.user_id = alice_;
  d.type = "email";
  d.destination = "a@x.io";
  d.created_at = 1;
  const int64_t id = db_->Devices().CreateDevice(d);
  EXPECT_THROW(db_->Devices().UpdateDevice(id,
                                           [&](Device& device) {
                                             KillSessions(/*wait=*/true);
                                             device.attempts = 5;
                                             return true;
                                           }),
               StoreUnavailable);
  auto after = db_->Devices().FindDevice(alice_, "email", id);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->attempts, 0);
  EXPECT_TRUE(db_->Devices().UpdateDevice(id, [](Device& device) {
    device.attempts = 1;
    return true;
  }));
  EXPECT_EQ(db_->Devices().FindDevice(alice_, "email", id)->attempts, 1);
}

std::vector<std::string> WithServer() {
  if (contract::PostgresTestUrl()) return {"postgres"};
  return {};
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresServerTest, ::testing::ValuesIn(WithServer()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(Postgres, PostgresPoolTest, ::testing::ValuesIn(WithServer()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
// Without a server these suites have no instance: they are absent, not skipped.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PostgresServerTest);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PostgresPoolTest);

}  // namespace
}  // namespace dfauth::store
