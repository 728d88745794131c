#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "store/contract/backend.hpp"
#include "store/errors.hpp"

namespace dfauth::store {
namespace {

class DatabaseTest : public contract::BackendTest {};

// Migrations start from an empty database: this fixture opens none.
class MigrationTest : public ::testing::TestWithParam<std::string> {
 protected:
  contract::ScratchDatabase scratch_{GetParam()};
};

TEST_P(MigrationTest, MigrateIsIdempotentAndVersioned) {
  auto db = scratch_.Open(2);
  const int latest = db->LatestSchemaVersion();
  EXPECT_GE(latest, 7);
  EXPECT_EQ(db->SchemaVersion(), 0);
  EXPECT_EQ(db->Migrate(), latest);
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
  EXPECT_EQ(applied_a + applied_b, a->LatestSchemaVersion());
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
