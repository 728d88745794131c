#include "text/timestamp.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace dfauth::text {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

system_clock::time_point At(long long ms) { return system_clock::time_point(milliseconds(ms)); }

TEST(UtcSeconds, WholeSecondsWithoutAFraction) {
  EXPECT_EQ(UtcSeconds(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(UtcSeconds(1796595492), "2026-12-06T22:18:12Z");
}

TEST(UtcTimestamp, Iso8601WithMilliseconds) {
  EXPECT_EQ(UtcTimestamp(At(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(UtcTimestamp(At(1700000000123)), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(UtcTimestamp(At(951782400999)), "2000-02-29T00:00:00.999Z");  // leap day
}

TEST(UtcTimestamp, TruncatesSubMilliseconds) {
  EXPECT_EQ(UtcTimestamp(At(1700000000123) + std::chrono::microseconds(999)),
            "2023-11-14T22:13:20.123Z");
  // Before the epoch the millisecond still counts forward within its second.
  EXPECT_EQ(UtcTimestamp(At(-1)), "1969-12-31T23:59:59.999Z");
}

TEST(UtcTimestamp, SecondsFormattedOnceStillFollowTheClock) {
  // The date and time of a second are kept per thread: the next second, an earlier one, and
  // the same second again must each come out right.
  EXPECT_EQ(UtcTimestamp(At(1700000000001)), "2023-11-14T22:13:20.001Z");
  EXPECT_EQ(UtcTimestamp(At(1700000000999)), "2023-11-14T22:13:20.999Z");
  EXPECT_EQ(UtcTimestamp(At(1700000001000)), "2023-11-14T22:13:21.000Z");
  EXPECT_EQ(UtcTimestamp(At(1700000000050)), "2023-11-14T22:13:20.050Z");
  EXPECT_EQ(UtcTimestamp(At(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(UtcTimestamp(At(86400000)), "1970-01-02T00:00:00.000Z");
}

TEST(UtcTimestamp, NowHasTheSameShape) {
  const std::string now = UtcTimestamp();
  ASSERT_EQ(now.size(), 24u);
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now[19], '.');
  EXPECT_EQ(now.back(), 'Z');
}

}  // namespace
}  // namespace dfauth::text

namespace dfauth::text {
namespace {

TEST(UtcSeconds, WholeSecondsWithoutFraction) {
  EXPECT_EQ(UtcSeconds(1765085400), "2025-12-07T05:30:00Z");
  EXPECT_EQ(UtcSeconds(0), "1970-01-01T00:00:00Z");
}

TEST(ParseUtc, UnixSecondsDatesAndDateTimes) {
  EXPECT_EQ(ParseUtc("1765085400"), std::optional<int64_t>(1765085400));
  EXPECT_EQ(ParseUtc("2025-12-07"), std::optional<int64_t>(1765065600));
  EXPECT_EQ(ParseUtc("2025-12-07T05:30:00"), std::optional<int64_t>(1765085400));
  EXPECT_EQ(ParseUtc("2025-12-07T05:30:00Z"), std::optional<int64_t>(1765085400));
  EXPECT_EQ(ParseUtc("2025-12-07T05:30:00+00:00"), std::optional<int64_t>(1765085400));
  EXPECT_EQ(ParseUtc(""), std::nullopt);
  EXPECT_EQ(ParseUtc("yesterday"), std::nullopt);
  EXPECT_EQ(ParseUtc("2025-12-07T05:30:00+02:00"), std::nullopt);
  EXPECT_EQ(ParseUtc("12x"), std::nullopt);
}

}  // namespace
}  // namespace dfauth::text
