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
}

}  // namespace
}  // namespace dfauth::text
