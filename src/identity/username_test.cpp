#include "identity/username.hpp"

#include <gtest/gtest.h>

namespace dfauth::identity {
namespace {

const std::vector<std::string> kFields = {"username", "email", "phone_number"};

TEST(DeriveUsername, PrefersSubmittedUsername) {
  EXPECT_EQ(DeriveUsername(kFields, {{"username", "bob"}, {"email", "b@x.io"}}), "bob");
}

TEST(DeriveUsername, SkipsEmptyAndAbsentFieldsInOrder) {
  EXPECT_EQ(DeriveUsername(kFields, {{"username", ""}, {"email", "b@x.io"},
                                     {"phone_number", "+31612345678"}}),
            "b@x.io");
  EXPECT_EQ(DeriveUsername(kFields, {{"phone_number", "+31612345678"}}), "+31612345678");
}

TEST(DeriveUsername, FollowsConfiguredOrderNotMapOrder) {
  EXPECT_EQ(DeriveUsername({"phone_number", "email"},
                           {{"email", "b@x.io"}, {"phone_number", "+31612345678"}}),
            "+31612345678");
}

TEST(DeriveUsername, IgnoresNonIdentityFields) {
  EXPECT_EQ(DeriveUsername({"email"}, {{"username", "bob"}, {"first_name", "Bob"}}), "");
}

TEST(DeriveUsername, EmptyWhenNothingGiven) {
  EXPECT_EQ(DeriveUsername(kFields, {}), "");
  EXPECT_EQ(DeriveUsername({}, {{"username", "bob"}}), "");
}

}  // namespace
}  // namespace dfauth::identity
