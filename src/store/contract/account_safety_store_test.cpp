#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/account_safety_store.hpp"
#include "store/contract/backend.hpp"

namespace dfauth::store {
namespace {

class AccountSafetyStoreTest : public contract::BackendTest {
 protected:
  void SetUp() override {
    contract::BackendTest::SetUp();
    safety_ = &Db().AccountSafety();
    ada_ = NewUser("ada");
  }

  IdentityChange Change(int64_t user_id, int64_t expires_at) {
    IdentityChange c;
    c.user_id = user_id;
    c.field = "email";
    c.old_value = "ada@old.io";
    c.new_value = "ada@new.io";
    c.token_hash = "hash-1";
    c.created_at = 100;
    c.expires_at = expires_at;
    return c;
  }

  AccountSafetyStore* safety_ = nullptr;
  int64_t ada_ = 0;
};

TEST_P(AccountSafetyStoreTest, AddedChangeIsFoundAsStored) {
  const int64_t id = safety_->AddIdentityChange(Change(ada_, 700));
  EXPECT_GT(id, 0);
  auto found = safety_->FindIdentityChange(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->user_id, ada_);
  EXPECT_EQ(found->field, "email");
  EXPECT_EQ(found->old_value, "ada@old.io");
  EXPECT_EQ(found->new_value, "ada@new.io");
  EXPECT_EQ(found->token_hash, "hash-1");
  EXPECT_EQ(found->created_at, 100);
  EXPECT_EQ(found->expires_at, 700);
  EXPECT_EQ(found->used_at, 0);
  EXPECT_NE(safety_->AddIdentityChange(Change(ada_, 700)), id);
  EXPECT_FALSE(safety_->FindIdentityChange(id + 100));
}

TEST_P(AccountSafetyStoreTest, SpendWorksOnceAndOnlyBeforeExpiry) {
  const int64_t id = safety_->AddIdentityChange(Change(ada_, 700));
  EXPECT_FALSE(safety_->SpendIdentityChange(id, 700));  // expired at 700
  EXPECT_TRUE(safety_->SpendIdentityChange(id, 699));
  EXPECT_EQ(safety_->FindIdentityChange(id)->used_at, 699);
  EXPECT_FALSE(safety_->SpendIdentityChange(id, 699));
  EXPECT_FALSE(safety_->SpendIdentityChange(id + 100, 200));
}

TEST_P(AccountSafetyStoreTest, ParallelSpendsOnTwoReplicasHaveOneWinner) {
  const int64_t id = safety_->AddIdentityChange(Change(ada_, 700));
  auto replica = Open(4);
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      AccountSafetyStore& store = i % 2 == 0 ? *safety_ : replica->AccountSafety();
      if (store.SpendIdentityChange(id, 200)) ++wins;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
}

TEST_P(AccountSafetyStoreTest, SightingsTellFirstKnownAndNewAfterTheWindow) {
  EXPECT_EQ(safety_->SeeDevice(ada_, "dev-a", 1000, 90), DeviceSighting::kFirstOfUser);
  EXPECT_EQ(safety_->SeeDevice(ada_, "dev-a", 1050, 90), DeviceSighting::kKnown);
  EXPECT_EQ(safety_->SeeDevice(ada_, "dev-b", 1060, 90), DeviceSighting::kNew);
  EXPECT_EQ(safety_->SeeDevice(ada_, "dev-b", 1070, 90), DeviceSighting::kKnown);
  // Last seen at 1050: still known at 1139, new again at 1140 (90 s later).
  EXPECT_EQ(safety_->SeeDevice(ada_, "dev-a", 1139, 90), DeviceSighting::kKnown);
  EXPECT_EQ(safety_->SeeDevice(ada_, "dev-a", 1229, 90), DeviceSighting::kNew);
  EXPECT_EQ(safety_->SeeDevice(ada_, "dev-a", 1230, 90), DeviceSighting::kKnown);
  // Devices are per user.
  const int64_t bob = NewUser("bob");
  EXPECT_EQ(safety_->SeeDevice(bob, "dev-a", 1300, 90), DeviceSighting::kFirstOfUser);
  EXPECT_EQ(safety_->SeeDevice(bob, "dev-c", 1300, 90), DeviceSighting::kNew);
}

TEST_P(AccountSafetyStoreTest, ParallelSightingsOfOneNewDeviceYieldOneNew) {
  safety_->SeeDevice(ada_, "home", 1000, 90);
  auto replica = Open(4);
  std::atomic<int> fresh{0}, known{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      AccountSafetyStore& store = i % 2 == 0 ? *safety_ : replica->AccountSafety();
      auto s = store.SeeDevice(ada_, "hotel", 1010, 90);
      if (s == DeviceSighting::kNew) ++fresh;
      if (s == DeviceSighting::kKnown) ++known;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(fresh.load(), 1);
  EXPECT_EQ(known.load(), 15);
}

TEST_P(AccountSafetyStoreTest, DeletingTheUserDeletesItsRows) {
  const int64_t id = safety_->AddIdentityChange(Change(ada_, 700));
  safety_->SeeDevice(ada_, "dev-a", 1000, 90);
  ASSERT_TRUE(Db().Users().DeleteUser(ada_));
  EXPECT_FALSE(safety_->FindIdentityChange(id));
  const int64_t ada2 = NewUser("ada2");
  EXPECT_EQ(safety_->SeeDevice(ada2, "dev-a", 1000, 90), DeviceSighting::kFirstOfUser);
}

DFAUTH_ON_EVERY_BACKEND(AccountSafetyStoreTest);

}  // namespace
}  // namespace dfauth::store
