#include "text/percent.hpp"

#include <gtest/gtest.h>

namespace dfauth::text {
namespace {

TEST(PercentEncode, KeepsUnreservedAndEncodesTheRestUpperCase) {
  EXPECT_EQ(PercentEncode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(PercentEncode("a b&c=d/e?"), "a%20b%26c%3Dd%2Fe%3F");
  EXPECT_EQ(PercentEncode("+%"), "%2B%25");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");  // é in UTF-8
  EXPECT_EQ(PercentEncode(std::string_view("\0", 1)), "%00");
  EXPECT_EQ(PercentEncode(""), "");
}

}  // namespace
}  // namespace dfauth::text
