#include "http/work_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace dfauth::http {
namespace {

TEST(WorkPoolTest, RefusesWhenQueueIsFull) {
  WorkPool pool("test", 1, 2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();  // the worker is busy: further jobs wait in the queue
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_EQ(pool.QueueDepth(), 2u);
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));
  release.set_value();
  pool.Stop();  // drains the queue before joining
  EXPECT_EQ(ran.load(), 2);
  EXPECT_EQ(pool.QueueDepth(), 0u);
}

TEST(WorkPoolTest, RefusesAfterStopAndSurvivesThrowingJobs) {
  WorkPool pool("test", 2, 8);
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.TrySubmit([] { throw std::runtime_error("boom"); }));
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  pool.Stop();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));
  pool.Stop();  // idempotent
}

// Submitters on several threads while the workers run and Stop() comes in: every accepted job
// runs exactly once, and a refused one never runs.
TEST(WorkPoolTest, ParallelSubmittersEveryAcceptedJobRunsOnce) {
  WorkPool pool("test", 3, 64);
  std::atomic<int> accepted{0};
  std::atomic<int> ran{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (pool.TrySubmit([&] { ++ran; })) ++accepted;
        (void)pool.QueueDepth();
      }
    });
  }
  for (int i = 0; i < 2; ++i) submitters[i].join();
  pool.Stop();  // the other two submitters are still at it
  for (int i = 2; i < 4; ++i) submitters[i].join();
  EXPECT_GT(accepted.load(), 0);
  EXPECT_EQ(ran.load(), accepted.load());
  EXPECT_EQ(pool.QueueDepth(), 0u);
}

TEST(WorkPoolTest, ZeroQueueLimitRefusesEverything) {
  WorkPool pool("test", 1, 0);
  EXPECT_FALSE(pool.TrySubmit([] {}));
}

}  // namespace
}  // namespace dfauth::http
