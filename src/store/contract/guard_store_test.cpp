#include "store/guard_store.hpp"
#include "store/contract/backend.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "store/errors.hpp"

namespace dfauth::store {
namespace {

class GuardStoreTest : public contract::BackendTest {
 protected:
  void SetUp() override {
    contract::BackendTest::SetUp();
    guard_ = &Db().Guard();
  }

  GuardStore* guard_ = nullptr;
};

TEST_P(GuardStoreTest, BansAreListedUntilTheyExpireAndCanBeLifted) {
  guard_->Ban("203.0.113.9", 1100, "honeypot_path");
  guard_->Ban("2001:db8::/32", 1050, "cli");
  auto bans = guard_->ActiveBans(1000);
  ASSERT_EQ(bans.size(), 2u);
  EXPECT_EQ(bans[0].ip, "2001:db8::/32");
  EXPECT_EQ(bans[0].until, 1050);
  EXPECT_EQ(bans[0].reason, "cli");
  EXPECT_EQ(bans[1].ip, "203.0.113.9");
  EXPECT_EQ(bans[1].until, 1100);
  EXPECT_EQ(guard_->ActiveBans(1050).size(), 1u);  // until is exclusive
  EXPECT_TRUE(guard_->ActiveBans(1100).empty());

  // A second ban keeps the later end and takes the new reason.
  guard_->Ban("203.0.113.9", 1080, "honeypot_field");
  bans = guard_->ActiveBans(1000);
  EXPECT_EQ(bans[1].until, 1100);
  EXPECT_EQ(bans[1].reason, "honeypot_field");
  guard_->Ban("203.0.113.9", 1200, "cli");
  EXPECT_EQ(guard_->ActiveBans(1000)[1].until, 1200);

  EXPECT_TRUE(guard_->Unban("203.0.113.9"));
  EXPECT_FALSE(guard_->Unban("203.0.113.9"));
  EXPECT_EQ(guard_->ActiveBans(1000).size(), 1u);
}

TEST_P(GuardStoreTest, CountersAreKeyedByKindKeyAndWindow) {
  EXPECT_EQ(guard_->Count("login_account", "7", 3600), 0);
  EXPECT_EQ(guard_->Increment("login_account", "7", 3600, 7200), 1);
  EXPECT_EQ(guard_->Increment("login_account", "7", 3600, 7200), 2);
  EXPECT_EQ(guard_->Increment("login_account", "7", 3600, 7200, 5), 7);
  EXPECT_EQ(guard_->Increment("login_account", "7", 7200, 10800), 1);  // the next window
  EXPECT_EQ(guard_->Increment("login_ip", "7", 3600, 7200), 1);        // another kind
  EXPECT_EQ(guard_->Increment("login_account", "8", 3600, 7200), 1);   // another key
  EXPECT_EQ(guard_->Count("login_account", "7", 3600), 7);

  guard_->Reset("login_account", "7");
  EXPECT_EQ(guard_->Count("login_account", "7", 3600), 0);
  EXPECT_EQ(guard_->Count("login_account", "7", 7200), 0);
  EXPECT_EQ(guard_->Count("login_ip", "7", 3600), 1);
  EXPECT_EQ(guard_->Count("login_account", "8", 3600), 1);
}

TEST_P(GuardStoreTest, PurgeDropsExpiredRowsOnly) {
  guard_->Ban("198.51.100.1", 500, "cli");
  guard_->Ban("198.51.100.2", 1500, "cli");
  guard_->Increment("otp_send", "a@example.com", 0, 900);
  guard_->Increment("otp_send", "b@example.com", 0, 1100);
  EXPECT_TRUE(guard_->PurgeExpired(1000, 1000));
  EXPECT_FALSE(guard_->Unban("198.51.100.1"));
  EXPECT_TRUE(guard_->Unban("198.51.100.2"));
  EXPECT_EQ(guard_->Count("otp_send", "a@example.com", 0), 0);
  EXPECT_EQ(guard_->Count("otp_send", "b@example.com", 0), 1);
}

TEST_P(GuardStoreTest, PurgeGoesInBoundedRoundsUntilNothingExpiredIsLeft) {
  // 450 expired counters and 3 expired bans beside live ones: a round of 1 row stops after its
  // first transaction (50 counters and the 3 bans), the next after 50 more, a round of 400 takes
  // the last 350, finds nothing more and says so; live rows stay.
  for (int i = 0; i < 450; ++i) guard_->Increment("otp_send", "x" + std::to_string(i), 0, 900);
  guard_->Increment("otp_send", "live", 0, 5000);
  for (int i = 0; i < 3; ++i) guard_->Ban("198.51.100." + std::to_string(i), 500, "cli");
  guard_->Ban("198.51.100.9", 5000, "cli");
  auto expired_left = [&] {
    int64_t n = 0;
    for (int i = 0; i < 450; ++i) n += guard_->Count("otp_send", "x" + std::to_string(i), 0);
    return n;
  };
  EXPECT_FALSE(guard_->PurgeExpired(1000, 1));
  EXPECT_EQ(expired_left(), 400);
  EXPECT_FALSE(guard_->Unban("198.51.100.0"));
  EXPECT_FALSE(guard_->PurgeExpired(1000, 1));
  EXPECT_EQ(expired_left(), 350);
  EXPECT_TRUE(guard_->PurgeExpired(1000, 400));
  EXPECT_EQ(expired_left(), 0);
  EXPECT_EQ(guard_->Count("otp_send", "live", 0), 1);
  EXPECT_TRUE(guard_->Unban("198.51.100.9"));
}

TEST_P(GuardStoreTest, FiftyThreadsNeverLoseOrRepeatAnIncrement) {
  constexpr int kThreads = 50;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> seen(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &seen] {
      for (int i = 0; i < kEach; ++i) seen[t].push_back(guard_->Increment("login_ip", "::1", 0, 99));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(guard_->Count("login_ip", "::1", 0), kThreads * kEach);
  // Every increment read back its own result: the values are exactly 1..500, each once.
  std::set<int64_t> values;
  for (const auto& list : seen) values.insert(list.begin(), list.end());
  EXPECT_EQ(values.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*values.begin(), 1);
  EXPECT_EQ(*values.rbegin(), kThreads * kEach);
}

DFAUTH_ON_EVERY_BACKEND(GuardStoreTest);

}  // namespace
}  // namespace dfauth::store
