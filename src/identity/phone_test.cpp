#include "identity/phone.hpp"

#include <gtest/gtest.h>

namespace dfauth::identity {
namespace {

TEST(ParsePhone, DropsTrunkZeroAfterCountryCode) {
  const auto phone = ParsePhone("+310612345678");
  ASSERT_TRUE(phone.has_value());
  EXPECT_EQ(phone->e164, "+31612345678");
  EXPECT_EQ(phone->type, "MOBILE");
}

TEST(ParsePhone, IgnoresSpacesAndPunctuation) {
  EXPECT_EQ(ParsePhone("+31 6 12345678")->e164, "+31612345678");
  EXPECT_EQ(ParsePhone("+31 (0)6-1234-5678")->e164, "+31612345678");
}

TEST(ParsePhone, ReportsPremiumRate) {
  const auto phone = ParsePhone("+1 900 234 5678");
  ASSERT_TRUE(phone.has_value());
  EXPECT_EQ(phone->e164, "+19002345678");
  EXPECT_EQ(phone->type, "PREMIUM_RATE");
}

TEST(ParsePhone, ReportsTollFree) { EXPECT_EQ(ParsePhone("+1 800 555 0199")->type, "TOLL_FREE"); }

TEST(ParsePhone, RejectsGarbageEmptyAndUnallocatedRanges) {
  EXPECT_EQ(ParsePhone("not a phone"), std::nullopt);
  EXPECT_EQ(ParsePhone(""), std::nullopt);
  EXPECT_EQ(ParsePhone("+44 7700 900123"), std::nullopt);
  EXPECT_EQ(ParsePhone("+31 6 1234"), std::nullopt);
  EXPECT_EQ(ParsePhone(std::string(300, '1')), std::nullopt);
  EXPECT_EQ(ParsePhone(std::string("+3161234\0" "5678", 13)), std::nullopt);
  EXPECT_EQ(ParsePhone("+31\xff\xfe" "612345678"), std::nullopt);
}

TEST(ParsePhone, NationalFormNeedsDefaultRegion) {
  EXPECT_EQ(ParsePhone("06 12345678"), std::nullopt);
  const auto phone = ParsePhone("06 12345678", "NL");
  ASSERT_TRUE(phone.has_value());
  EXPECT_EQ(phone->e164, "+31612345678");
  EXPECT_EQ(ParsePhone("06 12345678", "nl")->e164, "+31612345678");
  EXPECT_EQ(ParsePhone("0906 123 4567", "GB")->type, "PREMIUM_RATE");
}

TEST(ParsePhone, InternationalFormIgnoresDefaultRegion) {
  EXPECT_EQ(ParsePhone("+31612345678", "US")->e164, "+31612345678");
}

}  // namespace
}  // namespace dfauth::identity
