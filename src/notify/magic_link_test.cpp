#include "notify/magic_link.hpp"

#include <gtest/gtest.h>

namespace dfauth::notify {
namespace {

TEST(MagicLink, MatchesTheReferenceExample) {
  config::Settings s;
  s.site_url = "https://app.example.com/#";
  EXPECT_EQ(MagicLink(s, "bob@x.io", "872866", "/dash?a=1"),
            "https://app.example.com/#/login/Ym9iQHguaW8vODcyODY2?redirect_path=/dash?a=1");
}

TEST(MagicLink, KeepsPaddingAndOmitsAnEmptyRedirect) {
  config::Settings s;  // defaults: http://localhost:3000/# + /login/
  // "a@b.c/123456" is 12 bytes: no padding; "ab@b.c/123456" is 13 bytes: "==" kept.
  EXPECT_EQ(MagicLink(s, "a@b.c", "123456", ""), "http://localhost:3000/#/login/YUBiLmMvMTIzNDU2");
  EXPECT_EQ(MagicLink(s, "ab@b.c", "123456", ""), "http://localhost:3000/#/login/YWJAYi5jLzEyMzQ1Ng==");
}

TEST(MagicLink, UsesUrlSafeAlphabetAndSiteLoginUrl) {
  config::Settings s;
  s.site_url = "https://x.test";
  s.site_login_url = "/m/";
  // bytes 0xfb 0xff give '-' and '_' in base64url ('+' and '/' in plain base64)
  EXPECT_EQ(MagicLink(s, "\xfb\xff", "1", ""), "https://x.test/m/-_8vMQ==");
}

}  // namespace
}  // namespace dfauth::notify
