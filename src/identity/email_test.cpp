#include "identity/email.hpp"

#include <gtest/gtest.h>

namespace dfauth::identity {
namespace {

TEST(NormalizeEmail, LowerCasesOnlyTheDomain) {
  EXPECT_EQ(NormalizeEmail("Foo@EXAMPLE.com"), "Foo@example.com");
  EXPECT_EQ(NormalizeEmail("a@B@C.IO"), "a@B@c.io");  // the part after the last '@'
}

TEST(NormalizeEmail, StripsOnlyWhenThereIsAnAt) {
  EXPECT_EQ(NormalizeEmail("  Foo@Example.COM \n"), "Foo@example.com");
  EXPECT_EQ(NormalizeEmail(" Not-An-Email "), " Not-An-Email ");
  EXPECT_EQ(NormalizeEmail(""), "");
}

TEST(IsValidEmail, AcceptsCommonAddresses) {
  EXPECT_TRUE(IsValidEmail("alice@example.com"));
  EXPECT_TRUE(IsValidEmail("Alice.B+tag@mail.Example.co.uk"));
  EXPECT_TRUE(IsValidEmail("o'brien!#$%&*/=?^_`{|}~-@x.io"));
  EXPECT_TRUE(IsValidEmail("a@localhost"));
  EXPECT_TRUE(IsValidEmail("a@xn--bcher-kva.ch"));
  EXPECT_TRUE(IsValidEmail("a@b\xc3\xbc" "cher.ch"));
}

TEST(IsValidEmail, AcceptsQuotedLocalPart) {
  EXPECT_TRUE(IsValidEmail("\"john\\ doe\"@example.com"));
  EXPECT_TRUE(IsValidEmail("\"\"@example.com"));
  EXPECT_FALSE(IsValidEmail("\"john doe\"@example.com"));  // Django: a space must be escaped
  EXPECT_TRUE(IsValidEmail("\"a\\\"b\"@example.com"));
  EXPECT_FALSE(IsValidEmail("\"a\"b\"@example.com"));
  EXPECT_FALSE(IsValidEmail("\"ab\\\"@example.com"));
  EXPECT_FALSE(IsValidEmail("\"a\nb\"@example.com"));
}

TEST(IsValidEmail, AcceptsAddressLiterals) {
  EXPECT_TRUE(IsValidEmail("a@[192.168.0.1]"));
  EXPECT_TRUE(IsValidEmail("a@[::1]"));
  EXPECT_TRUE(IsValidEmail("a@[2001:db8::ffff:1.2.3.4]"));
  EXPECT_FALSE(IsValidEmail("a@[256.1.1.1]"));
  EXPECT_FALSE(IsValidEmail("a@[01.1.1.1]"));
  EXPECT_FALSE(IsValidEmail("a@[example.com]"));
  EXPECT_FALSE(IsValidEmail("a@[]"));
}

TEST(IsValidEmail, RejectsMalformedLocalPart) {
  EXPECT_FALSE(IsValidEmail("not-an-email"));
  EXPECT_FALSE(IsValidEmail(""));
  EXPECT_FALSE(IsValidEmail("@example.com"));
  EXPECT_FALSE(IsValidEmail(".a@example.com"));
  EXPECT_FALSE(IsValidEmail("a.@example.com"));
  EXPECT_FALSE(IsValidEmail("a..b@example.com"));
  EXPECT_FALSE(IsValidEmail("a b@example.com"));
  EXPECT_FALSE(IsValidEmail("\xc3\xa9@example.com"));
}

TEST(IsValidEmail, RejectsMalformedDomain) {
  EXPECT_FALSE(IsValidEmail("a@"));
  EXPECT_FALSE(IsValidEmail("a@example"));
  EXPECT_FALSE(IsValidEmail("a@LOCALHOST"));
  EXPECT_FALSE(IsValidEmail("a@example.c"));
  EXPECT_FALSE(IsValidEmail("a@example.com."));
  EXPECT_FALSE(IsValidEmail("a@.example.com"));
  EXPECT_FALSE(IsValidEmail("a@-example.com"));
  EXPECT_FALSE(IsValidEmail("a@example-.com"));
  EXPECT_FALSE(IsValidEmail("a@example.com-"));
  EXPECT_FALSE(IsValidEmail("a@exa_mple.com"));
  EXPECT_FALSE(IsValidEmail("a@example.com\n"));
  EXPECT_FALSE(IsValidEmail("a@" + std::string(64, 'x') + ".com"));
  EXPECT_TRUE(IsValidEmail("a@" + std::string(63, 'x') + ".com"));
  EXPECT_TRUE(IsValidEmail("a@x.-com"));  // Django's TLD rule only forbids a trailing '-'
}

TEST(IsValidEmail, LimitsTotalLengthTo254) {
  const std::string domain = "@" + std::string(60, 'd') + "." + std::string(60, 'd') + ".com";
  const std::string local = std::string(254 - domain.size(), 'l');
  EXPECT_TRUE(IsValidEmail(local + domain));
  EXPECT_FALSE(IsValidEmail("l" + local + domain));
}

}  // namespace
}  // namespace dfauth::identity
