#include "auth/signin_alerts.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "notify/test_util.hpp"
#include "store/testing.hpp"

namespace dfauth::auth {
namespace {

TEST(UserAgentFamily, NamesBrowserAndSystemOrTheProduct) {
  EXPECT_EQ(UserAgentFamily("Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"),
            "Firefox on Linux");
  EXPECT_EQ(UserAgentFamily("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91"),
            "Edge on Windows");
  EXPECT_EQ(UserAgentFamily("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                            "Chrome/120.0.0.0 Mobile Safari/537.36"),
            "Chrome on Android");
  EXPECT_EQ(UserAgentFamily("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
                            "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"),
            "Safari on iOS");
  EXPECT_EQ(UserAgentFamily("curl/8.5.0"), "curl");
  EXPECT_EQ(UserAgentFamily("Python-urllib/3.11"), "Python-urllib");
  EXPECT_EQ(UserAgentFamily(""), "unknown");
  EXPECT_EQ(UserAgentFamily("/"), "unknown");
}

TEST(ApproximateNetwork, IsThe24OrThe48) {
  EXPECT_EQ(ApproximateNetwork("203.0.113.45"), "203.0.113.0/24");
  EXPECT_EQ(ApproximateNetwork("::ffff:203.0.113.45"), "203.0.113.0/24");
  EXPECT_EQ(ApproximateNetwork("2001:db8:1:2::10"), "2001:db8:1::/48");
  EXPECT_EQ(ApproximateNetwork("2001:DB8:abcd:ffff::1"), "2001:db8:abcd::/48");
  EXPECT_EQ(ApproximateNetwork(""), "unknown");
  EXPECT_EQ(ApproximateNetwork("not an ip"), "unknown");
  EXPECT_EQ(ApproximateNetwork("10.0.0.0/8"), "unknown");
}

class SignInAlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.secret_key = "unit-test-key";
    settings_.site_url = "https://app.example.com";
    db_ = store::testing::OpenSqliteFile(tmp_.File("db.sqlite3"), 4);
    user_.username = "alice";
    user_.email = "alice@x.io";
    user_.date_joined = 1;
    user_.id = db_->Users().CreateUser(user_);
    alerts_ = std::make_unique<SignInAlerts>(settings_, *db_, notifier_, [this] { return now_; });
  }

  token::SessionStart Start(std::string agent, std::string ip) {
    return {token::SignInMethod::kMagicLink, std::move(ip), std::move(agent)};
  }

  store::testing::TempDir tmp_;
  config::Settings settings_;
  std::unique_ptr<store::Database> db_;
  notify::testing::RecordingNotifier notifier_;
  int64_t now_ = 1'700'000'000;  // 2023-11-14 22:13:20 UTC
  store::User user_;
  std::unique_ptr<SignInAlerts> alerts_;
};

TEST_F(SignInAlertsTest, FirstSignInIsSilentANewDeviceMailsOnceWithItsFacts) {
  alerts_->SignedIn(user_, Start("curl/8", "198.51.100.7"));
  EXPECT_TRUE(notifier_.messages.empty());
  alerts_->SignedIn(user_, Start("curl/9", "198.51.100.200"));  // the same family and /24
  EXPECT_TRUE(notifier_.messages.empty());
  alerts_->SignedIn(user_, Start("curl/8", "2001:db8::1"));
  ASSERT_EQ(notifier_.messages.size(), 1u);
  const notify::Message& m = notifier_.messages[0];
  EXPECT_EQ(m.template_name, "new_signin_email");
  EXPECT_EQ(m.to, "alice@x.io");
  EXPECT_EQ(m.variables.at("time"), "2023-11-14 22:13 UTC");
  EXPECT_EQ(m.variables.at("network"), "2001:db8::/48");
  EXPECT_EQ(m.variables.at("device"), "curl");
  EXPECT_EQ(m.variables.at("method"), "magic_link");
  EXPECT_EQ(m.variables.at("sessions_link"), "https://app.example.com/sessions/");
  alerts_->SignedIn(user_, Start("curl/8", "2001:db8::2"));
  EXPECT_EQ(notifier_.messages.size(), 1u);
  // Seen again within 90 days keeps it known; 90 days after the last sighting it is new.
  now_ += kKnownDeviceWindow - 1;
  alerts_->SignedIn(user_, Start("curl/8", "2001:db8::2"));
  EXPECT_EQ(notifier_.messages.size(), 1u);
  now_ += kKnownDeviceWindow;
  alerts_->SignedIn(user_, Start("curl/8", "2001:db8::2"));
  EXPECT_EQ(notifier_.messages.size(), 2u);
}

TEST_F(SignInAlertsTest, OffMeansNoMailAndNoRecord) {
  settings_.signin_alerts = false;
  alerts_->SignedIn(user_, Start("curl/8", "198.51.100.7"));
  alerts_->SignedIn(user_, Start("Firefox/1", "192.0.2.7"));
  EXPECT_TRUE(notifier_.messages.empty());
  settings_.signin_alerts = true;
  // Nothing was recorded: this is the first sign-in the feature sees.
  alerts_->SignedIn(user_, Start("Firefox/1", "192.0.2.7"));
  EXPECT_TRUE(notifier_.messages.empty());
}

TEST_F(SignInAlertsTest, PhoneOnlyAccountIsRecordedWithoutMail) {
  store::User phone = user_;
  phone.email.reset();
  alerts_->SignedIn(phone, Start("curl/8", "198.51.100.7"));
  alerts_->SignedIn(phone, Start("Firefox/1", "192.0.2.7"));
  EXPECT_TRUE(notifier_.messages.empty());
}

}  // namespace
}  // namespace dfauth::auth
