#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/testing.hpp"
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <limits>
#include <thread>

#include "store/migrations/sqlite_migrations.hpp"
#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace dfauth::store {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kAll = std::numeric_limits<int64_t>::max();

// Each feature appends its own numbered migration, in whatever order they land.
const int kMigrationCount = static_cast<int>(migrations::SqliteMigrations().size());
int LatestVersion() {
  int latest = 0;
  for (const auto& m : migrations::SqliteMigrations()) latest = std::max(latest, m.version);
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

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore("sqlite://" + dir_.File("db.sqlite3"), 4);
    ASSERT_EQ(store_->Migrate(), kMigrationCount);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST(SqliteStoreSchema, MigrateIsIdempotentAndVersioned) {
  TempDir dir;
  auto store = OpenStore("sqlite://" + dir.File("a.db"), 2);
  EXPECT_EQ(store->SchemaVersion(), 0);
  EXPECT_EQ(store->LatestSchemaVersion(), LatestVersion());
  EXPECT_EQ(store->Migrate(), kMigrationCount);
  EXPECT_EQ(store->Migrate(), 0);
  EXPECT_EQ(store->SchemaVersion(), LatestVersion());
  EXPECT_TRUE(store->Ping());
  // A second store on the same file sees the applied schema.
  auto again = OpenStore("sqlite://" + dir.File("a.db"), 1);
  EXPECT_EQ(again->Migrate(), 0);
  EXPECT_EQ(again->SchemaVersion(), LatestVersion());
}

TEST(SqliteStoreSchema, AMissingLowerMigrationMakesTheSchemaOld) {
  TempDir dir;
  const std::string path = dir.File("gap.db");
  auto store = OpenStore("sqlite://" + path, 1);
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
TEST(SqliteStoreSchema, RefreshTokensSurviveTheRekeying) {
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
  for (const auto& m : migrations::SqliteMigrations()) {
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

  auto store = OpenStore("sqlite://" + path, 2);
  EXPECT_EQ(store->SchemaVersion(), 5);
  EXPECT_EQ(store->Migrate(), kMigrationCount - 5);
  EXPECT_EQ(store->SchemaVersion(), LatestVersion());
  EXPECT_EQ(store->RotateRefreshToken("r2", Refresh("r3", "f1", 7, "a3"), 1200),
            SpendResult::kSpent);
  EXPECT_EQ(store->RotateRefreshToken("r1", Refresh("r4", "f1", 7, "a4"), 1300),
            SpendResult::kAlreadySpent);
  for (const char* jti : {"r1", "a1", "r2", "a2", "r3", "a3"}) {
    EXPECT_TRUE(store->IsJtiRevoked(jti)) << jti;
  }
  // Deleting the user still takes its refresh tokens (through token_families).
  EXPECT_TRUE(store->DeleteUser(7));
  EXPECT_EQ(store->RotateRefreshToken("s1", Refresh("s2", "f2", 7, "b2"), 1300),
            SpendResult::kUnknown);
}

TEST(SqliteStoreSchema, ConcurrentMigrateAppliesOnce) {
  TempDir dir;
  auto a = OpenStore("sqlite://" + dir.File("race.db"), 1);
  auto b = OpenStore("sqlite://" + dir.File("race.db"), 1);
  int applied_a = -1;
  int applied_b = -1;
  std::thread ta([&] { applied_a = a->Migrate(); });
  std::thread tb([&] { applied_b = b->Migrate(); });
  ta.join();
  tb.join();
  EXPECT_EQ(applied_a + applied_b, kMigrationCount);
  EXPECT_EQ(a->SchemaVersion(), LatestVersion());
}

TEST(SqliteStoreSchema, MemoryStoreWorks) {
  auto store = OpenStore("sqlite://:memory:", 8);
  EXPECT_EQ(store->Migrate(), kMigrationCount);
  EXPECT_EQ(store->SchemaVersion(), LatestVersion());
  int64_t id = store->CreateUser(MakeUser("mem", "mem@example.com"));
  ASSERT_TRUE(store->FindUserByEmail("MEM@example.com"));
  EXPECT_EQ(store->FindUserById(id)->username, "mem");
  // Each :memory: store is its own database.
  auto other = OpenStore("sqlite://:memory:", 1);
  EXPECT_EQ(other->SchemaVersion(), 0);
}

TEST(SqliteStoreSchema, OpenStoreRejectsOtherUrls) {
  try {
    OpenStore("postgresql://user:secret@localhost/db", 4);
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "PostgreSQL is not supported by this version");
  }
  EXPECT_THROW(OpenStore("mysql://x", 1), std::invalid_argument);
  EXPECT_THROW(OpenStore("sqlite://", 1), std::invalid_argument);
  EXPECT_THROW(OpenStore("sqlite:///nonexistent-dir-dfauth/x/y.db", 1), StoreUnavailable);
}

TEST(SqliteStoreSchema, AbsoluteAndRelativePaths) {
  TempDir dir;
  std::string absolute = dir.File("abs.db");
  ASSERT_EQ(absolute.front(), '/');
  OpenStore("sqlite://" + absolute, 1)->Migrate();  // sqlite:///abs/path
  EXPECT_TRUE(fs::exists(absolute));

  auto cwd = fs::current_path();
  fs::current_path(dir.File(""));
  OpenStore("sqlite://rel.db", 1)->Migrate();
  fs::current_path(cwd);
  EXPECT_TRUE(fs::exists(dir.File("rel.db")));
}

TEST_F(SqliteStoreTest, CreateAndFindUsers) {
  User user = MakeUser("alice", "foo@example.com", "+14155550100");
  user.first_name = "Alice";
  user.last_name = "Liddell";
  user.password_hash = "argon2$hash";
  user.is_staff = true;
  user.two_fa_required = true;
  user.last_login = 1700000100;
  user.extra_json = R"({"nick":"al"})";
  user.tokens_valid_after = 5;
  user.is_registering = true;
  int64_t id = store_->CreateUser(user);
  EXPECT_EQ(id, 1);

  auto found = store_->FindUserById(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->email, "foo@example.com");
  EXPECT_EQ(found->phone_number, "+14155550100");
  EXPECT_EQ(found->first_name, "Alice");
  EXPECT_EQ(found->last_name, "Liddell");
  EXPECT_EQ(found->password_hash, "argon2$hash");
  EXPECT_TRUE(found->is_active);
  EXPECT_TRUE(found->is_staff);
  EXPECT_FALSE(found->is_superuser);
  EXPECT_TRUE(found->two_fa_required);
  EXPECT_EQ(found->date_joined, 1700000000);
  EXPECT_EQ(found->last_login, 1700000100);
  EXPECT_EQ(found->extra_json, R"({"nick":"al"})");
  EXPECT_EQ(found->tokens_valid_after, 5);
  EXPECT_EQ(found->invited_by, std::nullopt);
  EXPECT_TRUE(found->is_registering);

  EXPECT_EQ(store_->FindUserByUsername("alice")->id, id);
  EXPECT_FALSE(store_->FindUserByUsername("Alice"));  // usernames are case-sensitive
  EXPECT_EQ(store_->FindUserByEmail("Foo@Example.com")->id, id);
  EXPECT_EQ(store_->FindUserByEmail("foo@example.com")->email, "foo@example.com");
  EXPECT_FALSE(store_->FindUserByEmail("foo@example.org"));
  EXPECT_FALSE(store_->FindUserByEmail(""));
  EXPECT_EQ(store_->FindUserByPhone("+14155550100")->id, id);
  EXPECT_FALSE(store_->FindUserByPhone("+14155550101"));
  EXPECT_FALSE(store_->FindUserById(99));

  User bob = MakeUser("bob");
  bob.invited_by = id;
  int64_t bob_id = store_->CreateUser(bob);
  auto bob_found = store_->FindUserById(bob_id);
  EXPECT_EQ(bob_found->email, std::nullopt);
  EXPECT_EQ(bob_found->phone_number, std::nullopt);
  EXPECT_EQ(bob_found->last_login, std::nullopt);
  EXPECT_EQ(bob_found->invited_by, id);
  EXPECT_EQ(bob_found->extra_json, "{}");

  EXPECT_EQ(store_->CountUsers(), 2);
  auto users = store_->ListUsers(0, 10);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].username, "alice");
  EXPECT_EQ(users[1].username, "bob");
  auto page = store_->ListUsers(1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].username, "bob");
}

std::string DuplicateFieldOf(Store& store, const User& user) {
  try {
    store.CreateUser(user);
  } catch (const DuplicateError& e) {
    return e.Field();
  }
  return "<no error>";
}

TEST_F(SqliteStoreTest, DuplicatesNameTheirField) {
  store_->CreateUser(MakeUser("alice", "foo@example.com", "+14155550100"));
  EXPECT_EQ(DuplicateFieldOf(*store_, MakeUser("alice")), "username");
  EXPECT_EQ(DuplicateFieldOf(*store_, MakeUser("a2", "foo@example.com")), "email");
  EXPECT_EQ(DuplicateFieldOf(*store_, MakeUser("a3", "FOO@Example.COM")), "email");
  EXPECT_EQ(DuplicateFieldOf(*store_, MakeUser("a4", std::nullopt, "+14155550100")),
            "phone_number");
  // Usernames differing in case, and absent emails/phones, do not collide.
  EXPECT_NO_THROW(store_->CreateUser(MakeUser("Alice")));
  EXPECT_NO_THROW(store_->CreateUser(MakeUser("nobody1")));
  EXPECT_NO_THROW(store_->CreateUser(MakeUser("nobody2")));
  EXPECT_EQ(store_->CountUsers(), 4);

  // UpdateUser checks the same constraints.
  User other = *store_->FindUserByUsername("nobody1");
  other.email = "Foo@example.com";
  try {
    store_->UpdateUser(other);
    FAIL() << "expected DuplicateError";
  } catch (const DuplicateError& e) {
    EXPECT_EQ(e.Field(), "email");
  }
}

TEST_F(SqliteStoreTest, UpdateUserReplacesEveryColumn) {
  int64_t id = store_->CreateUser(MakeUser("alice", "a@example.com", "+14155550100"));
  User user = *store_->FindUserById(id);
  user.username = "alice2";
  user.email = "New@Example.com";
  user.phone_number = std::nullopt;
  user.first_name = "A";
  user.is_active = false;
  user.is_superuser = true;
  user.last_login = 42;
  user.extra_json = R"({"x":1})";
  store_->UpdateUser(user);

  auto found = store_->FindUserById(id);
  EXPECT_EQ(found->username, "alice2");
  EXPECT_EQ(found->email, "New@Example.com");
  EXPECT_EQ(found->phone_number, std::nullopt);
  EXPECT_EQ(found->first_name, "A");
  EXPECT_FALSE(found->is_active);
  EXPECT_TRUE(found->is_superuser);
  EXPECT_EQ(found->last_login, 42);
  EXPECT_EQ(found->extra_json, R"({"x":1})");
  EXPECT_FALSE(store_->FindUserByEmail("a@example.com"));
  EXPECT_EQ(store_->FindUserByEmail("new@example.com")->id, id);
  EXPECT_FALSE(store_->FindUserByPhone("+14155550100"));
  // The freed phone number can be taken by someone else.
  EXPECT_NO_THROW(store_->CreateUser(MakeUser("bob", std::nullopt, "+14155550100")));
}

TEST_F(SqliteStoreTest, DeleteCascadesTokensAndKeepsInvitees) {
  int64_t alice = store_->CreateUser(MakeUser("alice"));
  User bob = MakeUser("bob");
  bob.invited_by = alice;
  int64_t bob_id = store_->CreateUser(bob);
  store_->SaveRefreshToken(Refresh("r1", "r1", alice, "a1"));

  EXPECT_TRUE(store_->DeleteUser(alice));
  EXPECT_FALSE(store_->DeleteUser(alice));
  EXPECT_FALSE(store_->FindUserById(alice));
  EXPECT_EQ(store_->FindUserById(bob_id)->invited_by, std::nullopt);
  EXPECT_EQ(store_->RotateRefreshToken("r1", Refresh("r2", "r1", alice, "a2"), 1500),
            SpendResult::kUnknown);
  // The family row went too: the same family id can be used for a new user.
  int64_t carol = store_->CreateUser(MakeUser("carol"));
  store_->SaveRefreshToken(Refresh("r2", "r1", carol, "a2"));
  EXPECT_EQ(store_->RotateRefreshToken("r2", Refresh("r3", "r1", carol, "a3"), 1500),
            SpendResult::kSpent);
}

TEST_F(SqliteStoreTest, ReplacePasswordHashIsCompareAndSet) {
  User user = MakeUser("alice");
  user.password_hash = "old";
  int64_t id = store_->CreateUser(user);
  EXPECT_FALSE(store_->ReplacePasswordHash(id, "other", "new"));
  EXPECT_EQ(store_->FindUserById(id)->password_hash, "old");
  EXPECT_TRUE(store_->ReplacePasswordHash(id, "old", "new"));
  EXPECT_EQ(store_->FindUserById(id)->password_hash, "new");
  EXPECT_FALSE(store_->ReplacePasswordHash(id, "old", "newer"));
  EXPECT_FALSE(store_->ReplacePasswordHash(id + 1, "new", "newer"));
  EXPECT_EQ(store_->FindUserById(id)->password_hash, "new");
}

TEST_F(SqliteStoreTest, RevokeUserTokensNeverLowers) {
  int64_t id = store_->CreateUser(MakeUser("alice"));
  EXPECT_EQ(store_->FindUserById(id)->tokens_valid_after, 0);
  store_->RevokeUserTokens(id, 100);
  EXPECT_EQ(store_->FindUserById(id)->tokens_valid_after, 100);
  store_->RevokeUserTokens(id, 50);
  EXPECT_EQ(store_->FindUserById(id)->tokens_valid_after, 100);
  store_->RevokeUserTokens(id, 101);
  EXPECT_EQ(store_->FindUserById(id)->tokens_valid_after, 101);
}

TEST_F(SqliteStoreTest, RevokeJti) {
  EXPECT_FALSE(store_->IsJtiRevoked("j1"));
  store_->RevokeJti("j1", 500);
  EXPECT_TRUE(store_->IsJtiRevoked("j1"));
  EXPECT_FALSE(store_->IsJtiRevoked("j2"));
  store_->RevokeJti("j1", 400);  // revoking again is fine and keeps the later expiry
  EXPECT_TRUE(store_->PurgeExpiredTokens(450, kAll));
  EXPECT_TRUE(store_->IsJtiRevoked("j1"));
  EXPECT_TRUE(store_->PurgeExpiredTokens(501, kAll));
  EXPECT_FALSE(store_->IsJtiRevoked("j1"));
}

TEST_F(SqliteStoreTest, FindTokenSubjectAndStateJoinUserAndRevocation) {
  int64_t id = store_->CreateUser(MakeUser("alice"));
  store_->RevokeUserTokens(id, 1234);
  store_->RevokeJti("gone", 500);
  auto live = store_->FindTokenSubject(id, "fresh");
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->user.username, "alice");
  EXPECT_FALSE(live->jti_revoked);
  auto revoked = store_->FindTokenSubject(id, "gone");
  ASSERT_TRUE(revoked.has_value());
  EXPECT_TRUE(revoked->jti_revoked);
  EXPECT_FALSE(store_->FindTokenSubject(id + 1000, "fresh").has_value());
  // The same answers without the user's row (token/verify/).
  auto state = store_->FindTokenState(id, "fresh");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->tokens_valid_after, 1234);
  EXPECT_FALSE(state->jti_revoked);
  EXPECT_TRUE(state->is_active);
  EXPECT_TRUE(store_->FindTokenState(id, "gone")->jti_revoked);
  EXPECT_FALSE(store_->FindTokenState(id + 1000, "fresh").has_value());
  User user = *store_->FindUserById(id);
  user.is_active = false;
  store_->UpdateUser(user);
  EXPECT_FALSE(store_->FindTokenState(id, "fresh")->is_active);
}

TEST_F(SqliteStoreTest, RefreshRotationAndReuseRevokesFamily) {
  int64_t id = store_->CreateUser(MakeUser("alice"));
  store_->SaveRefreshToken(Refresh("r1", "f1", id, "a1"));
  EXPECT_EQ(store_->RotateRefreshToken("r1", Refresh("r2", "f1", id, "a2"), 1100),
            SpendResult::kSpent);
  EXPECT_FALSE(store_->IsJtiRevoked("a2"));
  // The token saved by the rotation is the one that can be spent next.
  EXPECT_EQ(store_->RotateRefreshToken("r2", Refresh("r3", "f1", id, "a3"), 1150),
            SpendResult::kSpent);

  // Reuse of r1: the whole family is revoked, and the would-be next token is not saved.
  EXPECT_EQ(store_->RotateRefreshToken("r1", Refresh("x", "f1", id, "ax"), 1200),
            SpendResult::kAlreadySpent);
  for (const char* jti : {"r1", "a1", "r2", "a2", "r3", "a3"}) {
    EXPECT_TRUE(store_->IsJtiRevoked(jti)) << jti;
  }
  EXPECT_FALSE(store_->IsJtiRevoked("x"));
  EXPECT_FALSE(store_->IsJtiRevoked("ax"));
  EXPECT_EQ(store_->RotateRefreshToken("r3", Refresh("r4", "f1", id, "a4"), 1300),
            SpendResult::kRevoked);
  EXPECT_EQ(store_->RotateRefreshToken("x", Refresh("r5", "f1", id, "a5"), 1300),
            SpendResult::kUnknown);
  EXPECT_EQ(store_->RotateRefreshToken("nope", Refresh("r6", "f1", id, "a6"), 1300),
            SpendResult::kUnknown);
  // A jti is looked up inside its own family only.
  store_->SaveRefreshToken(Refresh("s1", "f2", id, "b1"));
  EXPECT_EQ(store_->RotateRefreshToken("s1", Refresh("r7", "f1", id, "a7"), 1300),
            SpendResult::kUnknown);

  // Another family of the same user is untouched.
  EXPECT_FALSE(store_->IsJtiRevoked("b1"));
  EXPECT_EQ(store_->RotateRefreshToken("s1", Refresh("s2", "f2", id, "b2"), 1300),
            SpendResult::kSpent);
}

TEST_F(SqliteStoreTest, RevokeFamily) {
  int64_t id = store_->CreateUser(MakeUser("alice"));
  store_->SaveRefreshToken(Refresh("r1", "f1", id, "a1"));
  store_->RotateRefreshToken("r1", Refresh("r2", "f1", id, "a2"), 1100);
  store_->SaveRefreshToken(Refresh("s1", "f2", id, "b1"));
  store_->RevokeFamily("f1", 1200);
  for (const char* jti : {"r1", "a1", "r2", "a2"}) EXPECT_TRUE(store_->IsJtiRevoked(jti)) << jti;
  EXPECT_FALSE(store_->IsJtiRevoked("b1"));
  EXPECT_EQ(store_->RotateRefreshToken("r2", Refresh("r3", "f1", id, "a3"), 1300),
            SpendResult::kRevoked);
  store_->RevokeFamily("unknown", 1200);  // no-op
  EXPECT_FALSE(store_->IsJtiRevoked("unknown"));
  EXPECT_EQ(store_->RotateRefreshToken("s1", Refresh("s2", "f2", id, "b2"), 1300),
            SpendResult::kSpent);
}

TEST_F(SqliteStoreTest, PurgeExpiredTokens) {
  int64_t id = store_->CreateUser(MakeUser("alice"));
  store_->SaveRefreshToken(Refresh("old", "old", id, "a-old", 1000));
  store_->SaveRefreshToken(Refresh("new", "new", id, "a-new", 3000));
  store_->RevokeJti("x-old", 1000);
  store_->RevokeJti("x-new", 3000);
  EXPECT_TRUE(store_->PurgeExpiredTokens(2000, kAll));
  EXPECT_FALSE(store_->IsJtiRevoked("x-old"));
  EXPECT_TRUE(store_->IsJtiRevoked("x-new"));
  EXPECT_EQ(store_->RotateRefreshToken("old", Refresh("old2", "old", id, "a-old2"), 2000),
            SpendResult::kUnknown);
  EXPECT_EQ(store_->RotateRefreshToken("new", Refresh("new2", "new", id, "a-new2"), 2000),
            SpendResult::kSpent);
}

TEST_F(SqliteStoreTest, PurgeWorksInChunksAndKeepsLiveFamilies) {
  int64_t id = store_->CreateUser(MakeUser("alice"));
  // More rows than one purge transaction takes (200), in every table the purge touches.
  for (int i = 0; i < 1100; ++i) {
    const std::string n = std::to_string(i);
    store_->SaveRefreshToken(Refresh("t" + n, "f" + n, id, "a" + n, 1000 + i));
    store_->RevokeJti("x" + n, 1000 + i);
  }
  // A family with an expired (spent) token and a live one keeps the live one.
  store_->SaveRefreshToken(Refresh("k1", "keep", id, "ak1", 1500));
  ASSERT_EQ(store_->RotateRefreshToken("k1", Refresh("k2", "keep", id, "ak2", 9000), 1400),
            SpendResult::kSpent);
  // Everything above but t1099/x1099 has expired. A bounded call stops after its first
  // transaction (200 revocations, 200 families with their tokens) and says more is left.
  EXPECT_FALSE(store_->PurgeExpiredTokens(1099 + 1000, 1));
  EXPECT_FALSE(store_->IsJtiRevoked("x199"));
  EXPECT_TRUE(store_->IsJtiRevoked("x200"));
  EXPECT_TRUE(store_->PurgeExpiredTokens(1099 + 1000, kAll));
  for (int i : {0, 199, 200, 599, 1000, 1098}) {
    const std::string n = std::to_string(i);
    EXPECT_FALSE(store_->IsJtiRevoked("x" + n)) << n;
    EXPECT_EQ(store_->RotateRefreshToken("t" + n, Refresh("u" + n, "f" + n, id, "b" + n), 2100),
              SpendResult::kUnknown)
        << n;
  }
  EXPECT_TRUE(store_->IsJtiRevoked("x1099"));
  EXPECT_EQ(store_->RotateRefreshToken("t1099", Refresh("u", "f1099", id, "b"), 2100),
            SpendResult::kSpent);
  // k1 (expired) is gone, so presenting it is no longer recognised as reuse; k2 still rotates.
  EXPECT_EQ(store_->RotateRefreshToken("k1", Refresh("k9", "keep", id, "ak9"), 2100),
            SpendResult::kUnknown);
  EXPECT_EQ(store_->RotateRefreshToken("k2", Refresh("k3", "keep", id, "ak3"), 2100),
            SpendResult::kSpent);
}

TEST(SqliteStoreConcurrency, FiftyThreadsSpendOneJtiOnce) {
  TempDir dir;
  auto store = OpenStore("sqlite://" + dir.File("spend.db"), 8);
  store->Migrate();
  int64_t id = store->CreateUser(MakeUser("alice"));
  store->SaveRefreshToken(Refresh("r1", "r1", id, "a1"));

  std::atomic<int> spent{0}, already{0}, revoked{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      switch (store->RotateRefreshToken("r1", Refresh("r2", "r1", id, "a2"), 1100)) {
        case SpendResult::kSpent: ++spent; break;
        case SpendResult::kAlreadySpent: ++already; break;
        case SpendResult::kRevoked: ++revoked; break;
        default: ++other; break;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(spent.load(), 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(already.load() + revoked.load(), 49);
  EXPECT_GE(already.load(), 1);
  EXPECT_TRUE(store->IsJtiRevoked("a1"));
}

// Pooled connections only read: a write must go through the writer (WriteLease).
TEST(SqliteStoreSchema, PooledConnectionsRefuseWrites) {
  TempDir dir;
  sqlite::SqliteStore store(dir.File("ro.db"), 2);
  store.Migrate();
  {
    sqlite::SqliteStore::Lease reader(store);
    EXPECT_THROW(reader->Prepare("INSERT INTO server_settings(key, value) VALUES('k', 'v')").Run(),
                 StoreUnavailable);
  }
  {
    sqlite::SqliteStore::WriteLease writer(store);
    writer->Prepare("INSERT INTO server_settings(key, value) VALUES('k', 'v')").Run();
  }
  EXPECT_EQ(store.GetSetting("k"), "v");
}

TEST_F(SqliteStoreTest, SettingsPutIfAbsent) {
  EXPECT_EQ(store_->GetSetting("k"), std::nullopt);
  EXPECT_EQ(store_->PutSettingIfAbsent("k", "v1"), "v1");
  EXPECT_EQ(store_->PutSettingIfAbsent("k", "v2"), "v1");
  EXPECT_EQ(store_->GetSetting("k"), "v1");
}

TEST(SqliteStoreConcurrency, SettingsPutIfAbsentRace) {
  TempDir dir;
  auto store = OpenStore("sqlite://" + dir.File("settings.db"), 8);
  store->Migrate();
  std::vector<std::string> results(16);
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = store->PutSettingIfAbsent("secret", "value" + std::to_string(i)); });
  }
  for (auto& t : threads) t.join();
  auto stored = store->GetSetting("secret");
  ASSERT_TRUE(stored);
  for (const auto& r : results) EXPECT_EQ(r, *stored);
}

TEST_F(SqliteStoreTest, SigningKeys) {
  EXPECT_TRUE(store_->ListSigningKeys().empty());
  store_->AddSigningKey({"k1", "RS256", "pem1", 100, std::nullopt});
  store_->AddSigningKey({"k2", "ES256", "pem2", 200, std::nullopt});
  store_->AddSigningKey({"k3", "RS256", "pem3", 300, std::nullopt});
  auto keys = store_->ListSigningKeys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].kid, "k3");
  EXPECT_EQ(keys[1].kid, "k2");
  EXPECT_EQ(keys[2].kid, "k1");
  EXPECT_EQ(keys[2].alg, "RS256");
  EXPECT_EQ(keys[2].private_pem, "pem1");
  EXPECT_EQ(keys[2].created_at, 100);

  store_->RetireSigningKeys("RS256", "k3", 400);
  keys = store_->ListSigningKeys();
  EXPECT_EQ(keys[0].retired_at, std::nullopt);  // k3 kept
  EXPECT_EQ(keys[1].retired_at, std::nullopt);  // k2 is another alg
  EXPECT_EQ(keys[2].retired_at, 400);           // k1 retired
  store_->RetireSigningKeys("RS256", "k3", 500);
  EXPECT_EQ(store_->ListSigningKeys()[2].retired_at, 400);  // the first retirement stands

  try {
    store_->AddSigningKey({"k1", "RS256", "pem", 600, std::nullopt});
    FAIL() << "expected DuplicateError";
  } catch (const DuplicateError& e) {
    EXPECT_EQ(e.Field(), "kid");
  }
}

}  // namespace
}  // namespace dfauth::store
