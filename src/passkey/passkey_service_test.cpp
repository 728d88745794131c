#include "passkey/passkey_service.hpp"

#include <gtest/gtest.h>

namespace dfauth::passkey {
namespace {

TEST(RelyingPartyOf, EmptySettingsComeFromSiteUrl) {
  config::Settings s;
  s.site_url = "https://app.example:8443/#/login";
  RelyingParty rp = RelyingPartyOf(s);
  EXPECT_EQ(rp.rp_id, "app.example");
  EXPECT_EQ(rp.origins, (std::vector<std::string>{"https://app.example:8443"}));
  EXPECT_TRUE(rp.user_verification_required);
  s.site_url = "http://user@[::1]:3000";
  rp = RelyingPartyOf(s);
  EXPECT_EQ(rp.rp_id, "[::1]");
  EXPECT_EQ(rp.origins, (std::vector<std::string>{"http://[::1]:3000"}));
  s.site_url = "localhost:3000";  // no scheme: no origin to derive
  EXPECT_TRUE(RelyingPartyOf(s).origins.empty());
}

TEST(RelyingPartyOf, SetValuesWin) {
  config::Settings s;
  s.site_url = "https://app.example/";
  s.webauthn_rp_id = "example";
  s.webauthn_origins = {"https://a.example", "https://b.example"};
  s.webauthn_user_verification = "preferred";
  RelyingParty rp = RelyingPartyOf(s);
  EXPECT_EQ(rp.rp_id, "example");
  EXPECT_EQ(rp.origins, s.webauthn_origins);
  EXPECT_FALSE(rp.user_verification_required);
}

TEST(UserHandleOf, IsBase64UrlOfTheDecimalId) {
  EXPECT_EQ(UserHandleOf(1), "MQ");
  EXPECT_EQ(UserHandleOf(12345), "MTIzNDU");
}

}  // namespace
}  // namespace dfauth::passkey
