#include "text/utf8.hpp"

#include <gtest/gtest.h>

namespace dfauth::text {
namespace {

TEST(SanitizeUtf8, KeepsValidAndReplacesInvalid) {
  EXPECT_EQ(SanitizeUtf8(""), "");
  EXPECT_EQ(SanitizeUtf8("h\xC3\xA9llo \xF0\x9F\x98\x80"), "h\xC3\xA9llo \xF0\x9F\x98\x80");
  EXPECT_EQ(SanitizeUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(SanitizeUtf8("a\xC3"), "a\xEF\xBF\xBD");  // truncated at the end
  EXPECT_EQ(SanitizeUtf8("\xF4\x90\x80\x80"),  // past U+10FFFF
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  // A truncated sequence is one replacement, and the byte that ended it is read again.
  EXPECT_EQ(SanitizeUtf8("\xE2\x82" "a"), "\xEF\xBF\xBD" "a");
  EXPECT_EQ(SanitizeUtf8("\xF0\x9F\x98"), "\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("\xF0\x9F\xC3\xA9"), "\xEF\xBF\xBD\xC3\xA9");
  EXPECT_EQ(SanitizeUtf8("\xE0\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
}

}  // namespace
}  // namespace dfauth::text
