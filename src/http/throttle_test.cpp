#include "http/throttle.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "http/envelope.hpp"

namespace dfauth::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
const Throttle::Clock::time_point kT0 = Throttle::Clock::time_point{} + std::chrono::hours(1);

TEST(ThrottleTest, SlidingWindowAndWait) {
  Throttle throttle;
  RateLimit limit{3, 60, false};
  EXPECT_EQ(throttle.Hit("ip:1", limit, kT0), std::nullopt);
  EXPECT_EQ(throttle.Hit("ip:1", limit, kT0 + seconds(10)), std::nullopt);
  EXPECT_EQ(throttle.Hit("ip:1", limit, kT0 + seconds(20)), std::nullopt);
  // Oldest at t0: available again at t0+60.
  EXPECT_EQ(throttle.Hit("ip:1", limit, kT0 + seconds(30)), 30);
  EXPECT_EQ(throttle.Hit("ip:1", limit, kT0 + milliseconds(30500)), 30);  // ceil(29.5)
  EXPECT_EQ(throttle.Hit("ip:1", limit, kT0 + milliseconds(59999)), 1);
  // Refused hits are not recorded: at t0+60 the first request left the window.
  EXPECT_EQ(throttle.Hit("ip:1", limit, kT0 + seconds(60)), std::nullopt);
  EXPECT_EQ(throttle.Hit("ip:1", limit, kT0 + seconds(61)), 9);  // oldest now t0+10
  // Other keys are independent.
  EXPECT_EQ(throttle.Hit("ip:2", limit, kT0 + seconds(61)), std::nullopt);
}

TEST(ThrottleTest, OffNeverThrottles) {
  Throttle throttle;
  RateLimit off{0, 60, true};
  for (int i = 0; i < 100; ++i) EXPECT_EQ(throttle.Hit("k", off, kT0), std::nullopt);
  EXPECT_EQ(throttle.KeyCount(), 0u);
}

TEST(ThrottleTest, KeyCapFailsOpenAndStaleKeysExpire) {
  Throttle throttle(16);  // one key per shard
  RateLimit limit{1, 1, false};
  std::size_t refused = 0;
  for (int i = 0; i < 200; ++i) {
    if (throttle.Hit("k" + std::to_string(i), limit, kT0)) ++refused;
  }
  EXPECT_EQ(refused, 0u);
  EXPECT_LE(throttle.KeyCount(), 16u);
  // Past every window, new keys sweep the stale ones away.
  for (int i = 0; i < 200; ++i) throttle.Hit("n" + std::to_string(i), limit, kT0 + seconds(120));
  EXPECT_LE(throttle.KeyCount(), 16u);
  EXPECT_GE(throttle.KeyCount(), 1u);
}

TEST(ThrottleTest, ParallelHitsOnOneKeyAllowExactlyTheLimit) {
  Throttle throttle;
  RateLimit limit{100, 60, false};
  std::atomic<int> allowed{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        // Each thread also spreads hits over keys of its own, which share the shards.
        throttle.Hit("own:" + std::to_string(t) + ":" + std::to_string(i), limit, kT0);
        (throttle.Hit("ip:1", limit, kT0) ? refused : allowed)++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
  EXPECT_EQ(refused.load(), 8 * 200 - 100);
  EXPECT_EQ(throttle.KeyCount(), 8u * 200u + 1u);
}

TEST(ThrottleTest, ThrottledErrorShape) {
  ApiError e = ThrottledError(42);
  Response r = ErrorResponse(e);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body,
            R"({"errors":[{"message":"Request was throttled. Expected available in 42 seconds.","code":"throttled"}]})");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Retry-After", "42"}));
}

}  // namespace
}  // namespace dfauth::http
