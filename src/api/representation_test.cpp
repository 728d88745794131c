#include "api/representation.hpp"

#include <gtest/gtest.h>

namespace dfauth::api {
namespace {

store::User Alice() {
  store::User user;
  user.id = 42;
  user.username = "alice";
  user.email = "alice@example.com";
  user.first_name = "Al\"ice\xc3\xa9";  // a quote to escape, non-ASCII kept
  user.last_name = "Smith";
  user.extra_json = R"({"age":31,"vip":true,"other":"x"})";
  return user;
}

TEST(UserRepresentation, DefaultFieldsInTheReferencesOrder) {
  config::Settings settings;
  EXPECT_EQ(UserRepresentation(settings, Alice()),
            R"({"first_name":"Al\"iceé","last_name":"Smith","username":"alice",)"
            R"("email":"alice@example.com","phone_number":null,"id":"42"})");
}

TEST(UserRepresentation, EachFieldOnceWhereFirstNamedThenExtraFieldsThenId) {
  config::Settings settings;
  settings.user_optional_fields = {"email", "password", "last_name"};
  settings.user_identity_fields = {config::IdentityField::kPhoneNumber, config::IdentityField::kEmail};
  settings.user_extra_fields = {{"age", "int"}, {"birthday", "date"}, {"vip", "bool"}};
  store::User user = Alice();
  user.phone_number = "+31612345678";
  EXPECT_EQ(UserRepresentation(settings, user),
            R"({"email":"alice@example.com","last_name":"Smith","phone_number":"+31612345678",)"
            R"("age":31,"birthday":null,"vip":true,"id":"42"})");
  user.extra_json = "not json";  // a damaged value reads as absent, never as an error
  EXPECT_EQ(UserRepresentation(settings, user),
            R"({"email":"alice@example.com","last_name":"Smith","phone_number":"+31612345678",)"
            R"("age":null,"birthday":null,"vip":null,"id":"42"})");
}

TEST(UserRepresentation, ControlCharactersAndInvalidUtf8AreEscapedOrReplaced) {
  config::Settings settings;
  settings.user_optional_fields = {};
  settings.user_identity_fields = {config::IdentityField::kUsername};
  store::User user = Alice();
  user.username = std::string("a\tb\\c\x01\xff", 7);
  EXPECT_EQ(UserRepresentation(settings, user), "{\"username\":\"a\\tb\\\\c\\u0001\xef\xbf\xbd\",\"id\":\"42\"}");
}

}  // namespace
}  // namespace dfauth::api
