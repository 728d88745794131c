#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/contract/backend.hpp"
#include "store/errors.hpp"
#include "store/postgres/migrations.hpp"
#include "store/sqlite/migrations.hpp"

namespace dfauth::store {
namespace {

class DatabaseTest : public contract::BackendTest {};

// Migrations start from an empty database: this fixture opens none.
class MigrationTest : public ::testing::TestWithParam<std::string> {
 protected:
  contract::ScratchDatabase scratch_{GetParam()};
};

/// Runs `sql` on the scratch database as the backend's own client would (no df-auth code), to
/// build a database as an older release left it.
void ExecRaw(const contract::ScratchDatabase& scratch, const std::string& sql) {
  if (scratch.Backend() == "sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(scratch.Url().substr(std::string("sqlite://").size()).c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
    return;
  }
  PGconn* conn = PQconnectdb(scratch.Url().c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* result = PQexec(conn, sql.c_str());
  EXPECT_TRUE(PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK)
      << PQerrorMessage(conn);
  PQclear(result);
  PQfinish(conn);
}

/// The scratch database at schema `version`: that release's migrations, applied by hand.
void MigrateByHandTo(const contract::ScratchDatabase& scratch, int version) {
  ExecRaw(scratch, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                   "applied_at BIGINT NOT NULL)");
  auto migrations = scratch.Backend() == "sqlite" ? sqlite::Migrations() : postgres::Migrations();
  for (const auto& m : migrations) {
    if (m.version > version) continue;
    ExecRaw(scratch, m.sql);
    ExecRaw(scratch, "INSERT INTO schema_migrations VALUES(" + std::to_string(m.version) + ", 'm', 0)");
  }
}

/// How many migrations this build knows on the scratch database's backend (numbers reserved by
/// features merged elsewhere may be missing, so this can be less than LatestSchemaVersion()).
int KnownMigrations(const contract::ScratchDatabase& scratch) {
  return static_cast<int>((scratch.Backend() == "sqlite" ? sqlite::Migrations() : postgres::Migrations()).size());
}

// Migration 8 turns the outbox's milliseconds into seconds: a message queued under version 7
// is still due, claimed once, and a sent one is purged by its age in seconds.
TEST_P(MigrationTest, OutboxRowsSurviveTheMoveToSeconds) {
  MigrateByHandTo(scratch_, 7);
  ExecRaw(scratch_,
          "INSERT INTO outbox(channel, recipient, text, created_at, attempts, next_attempt_at, sent_at) VALUES"
          "('email', 'due@x.io', 'code', 1700000000123, 0, 1700000000999, NULL),"
          "('sms', '+31612345678', '', 1700000000500, 1, NULL, 1700000001700)");
  auto db = scratch_.Open(1);
  EXPECT_EQ(db->SchemaVersion(), 7);
  EXPECT_EQ(db->Migrate(), KnownMigrations(scratch_) - 7);
  auto due = db->Outbox().Find(1);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->created_at, 1700000000);
  EXPECT_EQ(due->next_attempt_at, std::optional<int64_t>(1700000000));
  EXPECT_EQ(db->Outbox().ListDue(1700000000, 10).size(), 1u);
  EXPECT_TRUE(db->Outbox().Claim(1, 1700000000, 1700000060));
  auto replica = scratch_.Open(1);  // a second replica's claim of the same row loses
  EXPECT_FALSE(replica->Outbox().Claim(1, 1700000000, 1700000060));
  auto sent = db->Outbox().Find(2);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->sent_at, std::optional<int64_t>(1700000001));
  EXPECT_EQ(db->Outbox().PurgeFinished(1700000001), 1);
  EXPECT_FALSE(db->Outbox().Find(2).has_value());
}

TEST_P(MigrationTest, MigrateIsIdempotentAndVersioned) {
  auto db = scratch_.Open(2);
  const int latest = db->LatestSchemaVersion();
  EXPECT_GE(latest, 7);
  EXPECT_EQ(db->SchemaVersion(), 0);
  EXPECT_EQ(db->Migrate(), KnownMigrations(scratch_));
  EXPECT_EQ(db->Migrate(), 0);
  EXPECT_EQ(db->SchemaVersion(), latest);
  EXPECT_TRUE(db->Ping());
  // A second pool on the same database sees the applied schema.
  auto again = scratch_.Open(1);
  EXPECT_EQ(again->Migrate(), 0);
  EXPECT_EQ(again->SchemaVersion(), latest);
}

// Two replicas starting at once: one applies each migration, the other finds it done.
TEST_P(MigrationTest, ConcurrentMigrateAppliesOnce) {
  auto a = scratch_.Open(1);
  auto b = scratch_.Open(1);
  int applied_a = -1;
  int applied_b = -1;
  std::thread ta([&] { applied_a = a->Migrate(); });
  std::thread tb([&] { applied_b = b->Migrate(); });
  ta.join();
  tb.join();
  EXPECT_EQ(applied_a + applied_b, KnownMigrations(scratch_));
  EXPECT_EQ(a->SchemaVersion(), a->LatestSchemaVersion());
  EXPECT_EQ(b->SchemaVersion(), a->LatestSchemaVersion());
}

TEST_P(DatabaseTest, SettingsPutIfAbsent) {
  EXPECT_EQ(Db().Keys().GetSetting("k"), std::nullopt);
  EXPECT_EQ(Db().Keys().PutSettingIfAbsent("k", "v1"), "v1");
  EXPECT_EQ(Db().Keys().PutSettingIfAbsent("k", "v2"), "v1");
  EXPECT_EQ(Db().Keys().GetSetting("k"), "v1");
}

TEST_P(DatabaseTest, SettingsPutIfAbsentRace) {
  Database* store = &Db();
  std::vector<std::string> results(16);
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = store->Keys().PutSettingIfAbsent("secret", "value" + std::to_string(i)); });
  }
  for (auto& t : threads) t.join();
  auto stored = store->Keys().GetSetting("secret");
  ASSERT_TRUE(stored);
  for (const auto& r : results) EXPECT_EQ(r, *stored);
}

TEST_P(DatabaseTest, SigningKeys) {
  EXPECT_TRUE(Db().Keys().ListSigningKeys().empty());
  Db().Keys().AddSigningKey({"k1", "RS256", "pem1", 100, std::nullopt});
  Db().Keys().AddSigningKey({"k2", "ES256", "pem2", 200, std::nullopt});
  Db().Keys().AddSigningKey({"k3", "RS256", "pem3", 300, std::nullopt});
  auto keys = Db().Keys().ListSigningKeys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].kid, "k3");
  EXPECT_EQ(keys[1].kid, "k2");
  EXPECT_EQ(keys[2].kid, "k1");
  EXPECT_EQ(keys[2].alg, "RS256");
  EXPECT_EQ(keys[2].private_pem, "pem1");
  EXPECT_EQ(keys[2].created_at, 100);

  Db().Keys().RetireSigningKeys("RS256", "k3", 400);
  keys = Db().Keys().ListSigningKeys();
  EXPECT_EQ(keys[0].retired_at, std::nullopt);  // k3 kept
  EXPECT_EQ(keys[1].retired_at, std::nullopt);  // k2 is another alg
  EXPECT_EQ(keys[2].retired_at, 400);           // k1 retired
  Db().Keys().RetireSigningKeys("RS256", "k3", 500);
  EXPECT_EQ(Db().Keys().ListSigningKeys()[2].retired_at, 400);  // the first retirement stands

  try {
    Db().Keys().AddSigningKey({"k1", "RS256", "pem", 600, std::nullopt});
    FAIL() << "expected DuplicateError";
  } catch (const DuplicateError& e) {
    EXPECT_EQ(e.Field(), "kid");
  }
}

DFAUTH_ON_EVERY_BACKEND(MigrationTest);
DFAUTH_ON_EVERY_BACKEND(DatabaseTest);

}  // namespace
}  // namespace dfauth::store
