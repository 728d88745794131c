#include "text/json_string.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dfauth::text {
namespace {

TEST(JsonString, QuotesAndEscapes) {
  EXPECT_EQ(JsonString(""), "\"\"");
  EXPECT_EQ(JsonString("plain /api/v1/"), "\"plain /api/v1/\"");
  EXPECT_EQ(JsonString("say \"hi\" \\ bye"), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(JsonString("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(JsonString(std::string("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(JsonString("\b\f"), R"("\b\f")");
}

TEST(JsonString, KeepsUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(JsonString("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(JsonString("bad \xFF\xC3"), "\"bad \xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonString, AppendsToWhatIsThere) {
  std::string line = "{\"msg\":";
  AppendJsonString(line, "x\"y");
  EXPECT_EQ(line, R"({"msg":"x\"y")");
}

}  // namespace
}  // namespace dfauth::text
