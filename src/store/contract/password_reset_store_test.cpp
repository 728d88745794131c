#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/contract/backend.hpp"
#include "store/password_reset_store.hpp"

namespace dfauth::store {
namespace {

class PasswordResetStoreTest : public contract::BackendTest {
 protected:
  void SetUp() override {
    contract::BackendTest::SetUp();
    resets_ = &Db().PasswordResets();
    ada_ = NewUser("ada");
  }

  PasswordResetStore* resets_ = nullptr;
  int64_t ada_ = 0;
};

TEST_P(PasswordResetStoreTest, EnsureCreatesOneRowPerChannelWithoutALiveCode) {
  Device first = resets_->EnsureReset(ada_, "email", "ada@x.io", 100);
  EXPECT_GT(first.id, 0);
  EXPECT_EQ(first.user_id, ada_);
  EXPECT_EQ(first.type, "email");
  EXPECT_EQ(first.destination, "ada@x.io");
  EXPECT_EQ(first.code_hash, "");
  EXPECT_EQ(first.valid_until, 0);
  EXPECT_EQ(first.attempts, 0);
  EXPECT_EQ(first.created_at, 100);
  // Again: the same row, now pointing at the address given last.
  Device again = resets_->EnsureReset(ada_, "email", "ada@y.io", 200);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(again.destination, "ada@y.io");
  EXPECT_EQ(again.created_at, 100);
  Device sms = resets_->EnsureReset(ada_, "sms", "+14155550100", 300);
  EXPECT_NE(sms.id, first.id);
  EXPECT_EQ(resets_->FindReset(ada_, "sms")->destination, "+14155550100");
  EXPECT_FALSE(resets_->FindReset(ada_ + 1, "email"));
}

TEST_P(PasswordResetStoreTest, UpdateWritesTheCodeFieldsOnlyWhenAsked) {
  const int64_t id = resets_->EnsureReset(ada_, "email", "ada@x.io", 100).id;
  EXPECT_TRUE(resets_->UpdateReset(id, [](Device& row) {
    row.code_hash = "h1";
    row.valid_until = 700;
    row.attempts = 2;
    row.throttle_failures = 3;
    row.throttle_until = 650;
    row.last_sent_at = 100;
    return true;
  }));
  EXPECT_TRUE(resets_->UpdateReset(id, [](Device& row) {
    row.code_hash = "not written";
    return false;
  }));
  auto found = resets_->FindReset(ada_, "email");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->code_hash, "h1");
  EXPECT_EQ(found->valid_until, 700);
  EXPECT_EQ(found->attempts, 2);
  EXPECT_EQ(found->throttle_failures, 3);
  EXPECT_EQ(found->throttle_until, 650);
  EXPECT_EQ(found->last_sent_at, 100);
  EXPECT_FALSE(resets_->UpdateReset(id + 1000, [](Device&) { return true; }));
}

TEST_P(PasswordResetStoreTest, TwentyConsumersOnTwoReplicasGiveExactlyOneSuccess) {
  const int64_t id = resets_->EnsureReset(ada_, "email", "ada@x.io", 100).id;
  resets_->UpdateReset(id, [](Device& row) {
    row.code_hash = "the-code";
    return true;
  });
  auto replica = Open(4);
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      PasswordResetStore& store = i % 2 == 0 ? *resets_ : replica->PasswordResets();
      bool won = false;
      store.UpdateReset(id, [&](Device& row) {
        if (row.code_hash != "the-code") return false;
        row.code_hash.clear();
        won = true;
        return true;
      });
      if (won) ++successes;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(successes.load(), 1);
  EXPECT_EQ(resets_->FindReset(ada_, "email")->code_hash, "");
}

TEST_P(PasswordResetStoreTest, DeletingTheUserDeletesItsResets) {
  resets_->EnsureReset(ada_, "email", "ada@x.io", 100);
  ASSERT_TRUE(Db().Users().DeleteUser(ada_));
  EXPECT_FALSE(resets_->FindReset(ada_, "email"));
}

DFAUTH_ON_EVERY_BACKEND(PasswordResetStoreTest);

}  // namespace
}  // namespace dfauth::store
