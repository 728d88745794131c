#include "identity/password_policy.hpp"

#include <gtest/gtest.h>

namespace dfauth::identity {
namespace {

/// The message of the Django rule `password` breaks (code "invalid"), nullopt when none.
std::optional<std::string> MessageOf(std::string_view password, std::size_t min_length) {
  auto problem = CheckPassword(password, min_length);
  if (!problem) return std::nullopt;
  EXPECT_EQ(problem->code, "invalid");
  return problem->message;
}

TEST(CheckPassword, AcceptsStrongPassword) {
  EXPECT_EQ(MessageOf("correct horse battery staple", 8), std::nullopt);
  EXPECT_EQ(MessageOf("Xk9#mQ2!vL", 8), std::nullopt);
}

TEST(CheckPassword, TooShortNamesTheMinimum) {
  EXPECT_EQ(MessageOf("Xk9#mQ2", 8),
            "This password is too short. It must contain at least 8 characters.");
  EXPECT_EQ(MessageOf("", 8),
            "This password is too short. It must contain at least 8 characters.");
  EXPECT_EQ(MessageOf("", 1),
            "This password is too short. It must contain at least 1 character.");
}

TEST(CheckPassword, CountsCodePointsNotBytes) {
  // Seven characters, fourteen UTF-8 bytes: still too short.
  EXPECT_EQ(MessageOf("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8),
            "This password is too short. It must contain at least 8 characters.");
  EXPECT_EQ(MessageOf("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8),
            std::nullopt);
}

TEST(CheckPassword, SpacesCountAndLongPasswordsAreNotTruncated) {
  EXPECT_EQ(MessageOf("        ", 8), std::nullopt);
  EXPECT_EQ(MessageOf(std::string(200, 'z') + "q", 8), std::nullopt);
  EXPECT_EQ(MessageOf(std::string(4096, 'k'), 4097),
            "This password is too short. It must contain at least 4097 characters.");
}

TEST(CheckPassword, RejectsCommonPasswordsIgnoringCaseAndSurroundingSpace) {
  EXPECT_EQ(MessageOf("password", 8), "This password is too common.");
  EXPECT_EQ(MessageOf("PassWord1", 8), "This password is too common.");
  EXPECT_EQ(MessageOf("  qwertyuiop ", 8), "This password is too common.");
  EXPECT_EQ(MessageOf("iloveyou", 8), "This password is too common.");
}

TEST(CheckPassword, CommonBeatsNumeric) {
  EXPECT_EQ(MessageOf("12345678", 8), "This password is too common.");
}

TEST(CheckPassword, RejectsEntirelyNumeric) {
  EXPECT_EQ(MessageOf("80417295316", 8), "This password is entirely numeric.");
  EXPECT_EQ(MessageOf("8041729531a", 8), std::nullopt);
}

TEST(CheckPassword, TooShortBeatsCommon) {
  EXPECT_EQ(MessageOf("abc", 8),
            "This password is too short. It must contain at least 8 characters.");
}

TEST(IsCommonPassword, ListIsCompiledIn) {
  EXPECT_TRUE(IsCommonPassword("123456"));
  EXPECT_TRUE(IsCommonPassword("letmein"));
  EXPECT_TRUE(IsCommonPassword("password?"));  // escaped '?' survives
  EXPECT_FALSE(IsCommonPassword("Xk9#mQ2!vL"));
  EXPECT_FALSE(IsCommonPassword(""));
}

}  // namespace
}  // namespace dfauth::identity
