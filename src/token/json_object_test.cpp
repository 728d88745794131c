#include "token/json_object.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dfauth::token {
namespace {

TEST(ParseUniqueObject, ParsesAnObject) {
  auto doc = ParseUniqueObject(R"({"alg":"HS256","typ":"JWT","n":{"a":1,"b":[{"a":2}]}})");
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["alg"], "HS256");
  EXPECT_EQ((*doc)["n"]["b"][0]["a"], 2);
}

TEST(ParseUniqueObject, RefusesADuplicateNameAtAnyDepth) {
  EXPECT_FALSE(ParseUniqueObject(R"({"alg":"none","alg":"HS256"})"));
  EXPECT_FALSE(ParseUniqueObject(R"({"alg":"HS256","alg":"HS256"})"));
  EXPECT_FALSE(ParseUniqueObject(R"({"exp":1,"user_id":2,"exp":3})"));
  EXPECT_FALSE(ParseUniqueObject(R"({"a":{"x":1,"x":2}})"));
  EXPECT_FALSE(ParseUniqueObject(R"({"a":[{"x":1},{"y":1,"y":2}]})"));
  // the same name in sibling or nested objects is no duplicate
  EXPECT_TRUE(ParseUniqueObject(R"({"x":{"x":{"x":1}},"y":[{"x":1},{"x":2}]})"));
  // escapes are compared decoded: "\u0061" is "a"
  EXPECT_FALSE(ParseUniqueObject(R"({"a":1,"\u0061":2})"));
}

TEST(ParseUniqueObject, RefusesWhatIsNotOneObject) {
  for (const char* text : {"", "[]", "1", "\"x\"", "null", "{", R"({"a":1}{"b":2})", R"({"a":1,})",
                           R"({'a':1})"}) {
    EXPECT_FALSE(ParseUniqueObject(text)) << text;
  }
}

TEST(ParseUniqueObject, ManyMembersStayCheap) {
  std::string text = "{";
  for (int i = 0; i < 1000; ++i) text += (i ? ",\"m" : "\"m") + std::to_string(i) + "\":" + std::to_string(i);
  EXPECT_TRUE(ParseUniqueObject(text + "}"));
  EXPECT_FALSE(ParseUniqueObject(text + ",\"m999\":0}"));
}

}  // namespace
}  // namespace dfauth::token
