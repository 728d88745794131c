#include "http/open_files.hpp"

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <algorithm>

namespace dfauth::http {
namespace {

TEST(ConnectionLimit, ZeroTakesWhatTheOpenFileLimitLeaves) {
  EXPECT_EQ(ConnectionLimit(0, 20000), 20000u - kReservedDescriptors);
  EXPECT_EQ(ConnectionLimit(0, 1024), 1024u - kReservedDescriptors);
  EXPECT_EQ(ConnectionLimit(0, 100), 1u);
}

TEST(ConnectionLimit, AConfiguredNumberIsCappedToTheRoom) {
  EXPECT_EQ(ConnectionLimit(5, 20000), 5u);
  EXPECT_EQ(ConnectionLimit(19744, 20000), 19744u);
  EXPECT_EQ(ConnectionLimit(50000, 20000), 20000u - kReservedDescriptors);
}

TEST(RaiseOpenFileLimit, TheSoftLimitEndsAtTheHardOne) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  rlimit lowered = before;
  lowered.rlim_cur = std::min<rlim_t>(before.rlim_max, 512);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const OpenFileLimit limit = RaiseOpenFileLimit();
  rlimit after{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, before.rlim_max);
  EXPECT_EQ(limit.soft, before.rlim_max);
  EXPECT_EQ(limit.hard, before.rlim_max);
  EXPECT_EQ(limit.raised, before.rlim_max > 512);
  setrlimit(RLIMIT_NOFILE, &before);
}

}  // namespace
}  // namespace dfauth::http
