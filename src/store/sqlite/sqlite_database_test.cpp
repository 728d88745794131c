// What only the SQLite backend has: its migrations applied to old files, :memory:, paths,
// and the pool's read-only readers. The contract every backend keeps is in store/contract/.
#include "store/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

#include "store/database.hpp"
#include "store/errors.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/testing.hpp"

namespace dfauth::store {
namespace {

namespace fs = std::filesystem;

const int kMigrationCount = static_cast<int>(sqlite::Migrations().size());
int LatestVersion() {
  int latest = 0;
  for (const auto& m : sqlite::Migrations()) latest = std::max(latest, m.version);
  return latest;
}

using testing::TempDir;

User MakeUser(std::string username, std::optional<std::string> email = std::nullopt,
              std::optional<std::string> phone = std::nullopt) {
  User user;
  user.username = std::move(username);
  user.email = std::move(email);
  user.phone_number = std::move(phone);
  user.date_joined = 1700000000;
  return user;
}

RefreshTokenRecord Refresh(std::string jti, std::string family, int64_t user_id,
                           std::string access_jti, int64_t expires_at = 2000) {
  return {std::move(jti), std::move(family), user_id, std::move(access_jti), 1000, expires_at};
}

TEST(SqliteDatabase, AMissingLowerMigrationMakesTheSchemaOld) {
  TempDir dir;
  const std::string path = dir.File("gap.db");
  auto store = OpenDatabase("sqlite://" + path, 1);
  ASSERT_EQ(store->Migrate(), kMigrationCount);
  ASSERT_GE(LatestVersion(), 3);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM schema_migrations WHERE version = 2", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  // Versions 1 and 3.. are recorded, 2 is not: the schema counts as version 1.
  EXPECT_EQ(store->SchemaVersion(), 1);
  EXPECT_LT(store->SchemaVersion(), store->LatestSchemaVersion());
}

// Migration 6 re-keys refresh_tokens by (family, jti): rows written under version 5 keep
// working, spent ones stay spent.
TEST(SqliteDatabase, RefreshTokensSurviveTheRekeying) {
  TempDir dir;
  const std::string path = dir.File("v5.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto exec = [&](const std::string& sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "") << " in " << sql.substr(0, 80);
    sqlite3_free(error);
  };
  exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
       "applied_at INTEGER NOT NULL)");
  for (const auto& m : sqlite::Migrations()) {
    if (m.version > 5) continue;
    exec(m.sql);
    exec("INSERT INTO schema_migrations VALUES(" + std::to_string(m.version) + ", 'm', 0)");
  }
  exec("INSERT INTO users(id, username, password, date_joined) VALUES(7, 'alice', '', 0)");
  exec("INSERT INTO token_families(family, user_id) VALUES('f1', 7), ('f2', 7)");
  exec("INSERT INTO refresh_tokens(jti, family, user_id, access_jti, issued_at, expires_at, "
       "spent_at) VALUES('r1', 'f1', 7, 'a1', 1000, 2000, 1100), "
       "('r2', 'f1', 7, 'a2', 1100, 2100, NULL), ('s1', 'f2', 7, 'b1', 1000, 2000, NULL)");
  sqlite3_close(db);

  auto store = OpenDatabase("sqlite://" + path, 2);
  EXPECT_EQ(store->SchemaVersion(), 5);
  EXPECT_EQ(store->Migrate(), kMigrationCount - 5);
  EXPECT_EQ(store->SchemaVersion(), LatestVersion());
  EXPECT_EQ(store->Tokens().RotateRefreshToken({"r2", 1000}, Refresh("r3", "f1", 7, "a3"), 1200),
            SpendResult::kSpent);
  EXPECT_EQ(store->Tokens().RotateRefreshToken({"r1", 1000}, Refresh("r4", "f1", 7, "a4"), 1300),
            SpendResult::kAlreadySpent);
  for (const char* jti : {"r1", "a1", "r2", "a2", "r3", "a3"}) {
    EXPECT_TRUE(store->Tokens().IsJtiRevoked(jti)) << jti;
  }
  // Deleting the user still takes its refresh tokens (through token_families).
  EXPECT_TRUE(store->Users().DeleteUser(7));
  EXPECT_EQ(store->Tokens().RotateRefreshToken({"s1", 1000}, Refresh("s2", "f2", 7, "b2"), 1300),
            SpendResult::kUnknown);
}

TEST(SqliteDatabase, MemoryStoreWorks) {
  auto store = OpenDatabase("sqlite://:memory:", 8);
  EXPECT_EQ(store->Migrate(), kMigrationCount);
  EXPECT_EQ(store->SchemaVersion(), LatestVersion());
  int64_t id = store->Users().CreateUser(MakeUser("mem", "mem@example.com"));
  ASSERT_TRUE(store->Users().FindUserByEmail("MEM@example.com"));
  EXPECT_EQ(store->Users().FindUserById(id)->username, "mem");
  // Each :memory: store is its own database.
  auto other = OpenDatabase("sqlite://:memory:", 1);
  EXPECT_EQ(other->SchemaVersion(), 0);
}

TEST(SqliteDatabase, OpenDatabaseRejectsBadUrls) {
  EXPECT_THROW(OpenDatabase("mysql://x", 1), std::invalid_argument);
  EXPECT_THROW(OpenDatabase("sqlite://", 1), std::invalid_argument);
  EXPECT_THROW(OpenDatabase("sqlite:///nonexistent-dir-dfauth/x/y.db", 1), StoreUnavailable);
}

TEST(SqliteDatabase, AbsoluteAndRelativePaths) {
  TempDir dir;
  std::string absolute = dir.File("abs.db");
  ASSERT_EQ(absolute.front(), '/');
  OpenDatabase("sqlite://" + absolute, 1)->Migrate();  // sqlite:///abs/path
  EXPECT_TRUE(fs::exists(absolute));

  auto cwd = fs::current_path();
  fs::current_path(dir.File(""));
  OpenDatabase("sqlite://rel.db", 1)->Migrate();
  fs::current_path(cwd);
  EXPECT_TRUE(fs::exists(dir.File("rel.db")));
}

// Pooled connections only read: a write must go through the writer (WriteLease).
TEST(SqliteDatabase, PooledConnectionsRefuseWrites) {
  TempDir dir;
  auto db = testing::OpenSqliteFile(dir.File("ro.db"), 1);
  sqlite::Pool pool(dir.File("ro.db"), 2);
  {
    sqlite::Pool::Lease reader(pool);
    EXPECT_THROW(reader->Prepare("INSERT INTO server_settings(key, value) VALUES('k', 'v')").Run(),
                 StoreUnavailable);
  }
  {
    sqlite::Pool::WriteLease writer(pool);
    writer->Prepare("INSERT INTO server_settings(key, value) VALUES('k', 'v')").Run();
  }
  EXPECT_EQ(db->Keys().GetSetting("k"), "v");
}

}  // namespace
}  // namespace dfauth::store
