#include "guard/guard.hpp"
#include "store/testing.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "config/loader.hpp"
#include "dfauth/error.hpp"
#include "store/database.hpp"

namespace dfauth::guard {
namespace {

namespace fs = std::filesystem;

class GuardTest : public ::testing::Test {
 protected:
  GuardTest() {
    store_ = store::OpenDatabase("sqlite://" + tmp_.Path() + "/db.sqlite3", 4);
    store_->Migrate();
    guard_store_ = &store_->Guard();
    settings_.blacklist_disposable_email_domains = false;  // fast: enabled where tested
  }

  Guard& Make() {
    guard_ = std::make_unique<Guard>(settings_, *guard_store_, [this] { return now_.load(); });
    guard_->SetRefusalObserver([this](std::string_view rule) {
      std::lock_guard lock(refusals_mutex_);  // refusals come from every request thread
      ++refusals_[std::string(rule)];
    });
    return *guard_;
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = tmp_.Path() + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  /// The field of the 400 blacklisted error `check` throws, or "" when it throws nothing.
  template <typename F>
  static std::string RefusedField(F&& check) {
    try {
      check();
    } catch (const ApiError& e) {
      EXPECT_EQ(e.Status(), 400);
      EXPECT_EQ(e.Code(), "blacklisted");
      EXPECT_EQ(e.Entries().front().message, kBlacklistedMessage);
      return e.Entries().front().field.value_or("(none)");
    }
    return "";
  }

  ::dfauth::store::testing::TempDir tmp_;  ///< removed after the fixture, with the database in it
  config::Settings settings_;
  std::unique_ptr<store::Database> store_;
  store::GuardStore* guard_store_ = nullptr;
  std::unique_ptr<Guard> guard_;
  std::atomic<int64_t> now_{1'700'000'000};
  std::mutex refusals_mutex_;
  std::map<std::string, int> refusals_;  ///< guarded by refusals_mutex_ while threads run
};

TEST_F(GuardTest, UsernameWordsCatchVariantsAndLetLongerWordsPass) {
  Guard& g = Make();
  for (const char* bad : {"shit", "sh1t", "Shït", "holy_SHIT_99", "SH!T.x", "fuck-you", "ｆｕｃｋ",
                          "sh\xE2\x80\x8Bit", "\xD1\x95hit", "Scheiße", "hurensohn", "godverdomme",
                          "pizda", "ПИЗДА", "orospu", "sharmouta", "cabrón", "putain", "a$$hole", "shit1",
                          "FUCK!"}) {
    EXPECT_EQ(RefusedField([&] { g.CheckUsername(bad); }), "username") << bad;
  }
  for (const char* ok : {"Scunthorpe", "Dickens", "classic", "assassin", "shitake_mushroom_fan",
                         "Essex", "cockburn", "Sussex", "therapist", "jane.doe", "bob1977", "",
                         "Ахмед", "Françoise", "hello!", "user_1", "c00lguy"}) {
    EXPECT_EQ(RefusedField([&] { g.CheckUsername(ok); }), "") << ok;
  }
  EXPECT_EQ(RefusedField([&] { g.CheckUsername("pussy", "login_name"); }), "login_name");
  EXPECT_EQ(refusals_["username_words"], 22);
}

TEST_F(GuardTest, UsernameWordsCanBeTurnedOffAndRegexesAdd) {
  settings_.blacklist_username_words = false;
  settings_.blacklist_username_regex = {"^admin", "root$"};
  Guard& g = Make();
  EXPECT_EQ(RefusedField([&] { g.CheckUsername("shit"); }), "");
  EXPECT_EQ(RefusedField([&] { g.CheckUsername("administrator"); }), "username");
  EXPECT_EQ(RefusedField([&] { g.CheckUsername("superroot"); }), "username");
  EXPECT_EQ(RefusedField([&] { g.CheckUsername("xadmin"); }), "");  // anchored: search honours ^
  EXPECT_EQ(refusals_["username_regex"], 2);
}

TEST_F(GuardTest, EmailRegexSearchesAnywhere) {
  settings_.blacklist_email_regex = {"@spam\\.example$", "xx"};
  Guard& g = Make();
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("joe@spam.example"); }), "email");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("axxb@good.example"); }), "email");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("joe@spam.example.org", "invitee"); }), "");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("joe@spam.example", "invitee"); }), "invitee");
  EXPECT_EQ(refusals_["email_regex"], 3);
}

TEST_F(GuardTest, DisposableDomainsIncludeSubdomains) {
  settings_.blacklist_disposable_email_domains = true;
  Guard& g = Make();
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("a@mailinator.com"); }), "email");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("a@sub.MAILINATOR.com"); }), "email");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("a@gmail.com"); }), "");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("a@mailinator.com.example.org"); }), "");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("no-at-sign"); }), "");
  EXPECT_EQ(refusals_["disposable_email_domain"], 2);
}

TEST_F(GuardTest, DomainsFileFormat) {
  settings_.blacklist_email_domains_file =
      WriteFile("domains.txt", "# spam domains\n\nspam.example\r\n  Evil.Example  \n#not.example\n");
  Guard& g = Make();
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("x@spam.example"); }), "email");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("x@mx.evil.example"); }), "email");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("x@not.example"); }), "");
  EXPECT_EQ(RefusedField([&] { g.CheckEmail("x@mailinator.com"); }), "");  // disposable list off
  EXPECT_EQ(refusals_["email_domains_file"], 2);
}

TEST_F(GuardTest, UnreadableDomainsFileIsAConfigErrorNamingTheKey) {
  settings_.blacklist_email_domains_file = tmp_.Path() + "/missing.txt";
  try {
    Make();
    FAIL() << "no error";
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(e.key, "BLACKLIST_EMAIL_DOMAINS_FILE");
  }
  settings_.blacklist_email_domains_file = tmp_.Path();  // a directory
  EXPECT_THROW(Make(), config::ConfigError);
  settings_.blacklist_email_domains_file = WriteFile("empty.txt", "");
  EXPECT_NO_THROW(Make());
}

TEST_F(GuardTest, PhoneTypesAndRegex) {
  settings_.blacklist_phone_regex = {"^\\+7"};
  Guard& g = Make();
  EXPECT_EQ(RefusedField([&] { g.CheckPhone("+19005550123"); }), "phone_number");  // US premium
  EXPECT_EQ(RefusedField([&] { g.CheckPhone("+449098790000"); }), "phone_number");  // UK 09…
  EXPECT_EQ(RefusedField([&] { g.CheckPhone("+33899123456"); }), "phone_number");  // FR 089…
  EXPECT_EQ(RefusedField([&] { g.CheckPhone("+79123456789"); }), "phone_number");  // regex
  EXPECT_EQ(RefusedField([&] { g.CheckPhone("+31612345678"); }), "");
  EXPECT_EQ(RefusedField([&] { g.CheckPhone("+12015550123", "phone"); }), "");
  EXPECT_EQ(refusals_["phone_type"], 3);
  EXPECT_EQ(refusals_["phone_regex"], 1);
}

TEST_F(GuardTest, PhoneTypesCanBeEmptied) {
  settings_.blacklist_phone_types = {};
  Guard& g = Make();
  EXPECT_EQ(RefusedField([&] { g.CheckPhone("+19005550123"); }), "");
}

TEST_F(GuardTest, OtpDestinations) {
  settings_.blacklist_otp_destination_regex = {"@blocked\\.example$", "^\\+4470"};
  Guard& g = Make();
  EXPECT_FALSE(g.OtpDestinationAllowed("a@blocked.example"));
  EXPECT_FALSE(g.OtpDestinationAllowed("+447000000000"));
  EXPECT_TRUE(g.OtpDestinationAllowed("a@ok.example"));
  EXPECT_TRUE(g.OtpDestinationAllowed("+31612345678"));
  EXPECT_EQ(refusals_["otp_destination_regex"], 2);
}

TEST_F(GuardTest, BlocklistCoversIpv4AndIpv6) {
  settings_.blacklist_ips = {"203.0.113.0/24", "2001:db8::/32"};
  Guard& g = Make();
  EXPECT_TRUE(g.IsIpBlocked("203.0.113.77"));
  EXPECT_TRUE(g.IsIpBlocked("2001:db8:1::9"));
  EXPECT_FALSE(g.IsIpBlocked("203.0.114.1"));
  EXPECT_FALSE(g.IsIpBlocked("2001:db9::1"));
  EXPECT_FALSE(g.IsIpBlocked(""));
  EXPECT_EQ(refusals_["ip_blocklist"], 2);
}

TEST_F(GuardTest, BansHoldUntilTheyExpireAndSpareTrustedProxies) {
  settings_.trusted_proxies = {"10.0.0.0/8"};
  settings_.honeypot_ban_duration = 60;
  Guard& g = Make();
  EXPECT_FALSE(g.IsIpBlocked("198.51.100.4"));
  g.HoneypotHit("198.51.100.4", "honeypot_path");
  EXPECT_TRUE(g.IsIpBlocked("198.51.100.4"));  // at once, in this process
  EXPECT_TRUE(g.IsIpBlocked("::ffff:198.51.100.4"));
  EXPECT_FALSE(g.IsIpBlocked("198.51.100.5"));
  now_ += 59;
  EXPECT_TRUE(g.IsIpBlocked("198.51.100.4"));
  now_ += 1;
  EXPECT_FALSE(g.IsIpBlocked("198.51.100.4"));
  EXPECT_EQ(refusals_["honeypot_path"], 1);
  EXPECT_EQ(refusals_["ip_ban"], 3);

  EXPECT_FALSE(g.Ban("10.1.2.3", 60, "cli"));     // a trusted proxy
  EXPECT_FALSE(g.Ban("10.9.0.0/16", 60, "cli"));  // inside the trusted network
  EXPECT_FALSE(g.Ban("0.0.0.0/0", 60, "cli"));    // around it
  EXPECT_FALSE(g.Ban("nonsense", 60, "cli"));
  g.HoneypotHit("10.1.2.3", "honeypot_field");
  EXPECT_FALSE(g.IsIpBlocked("10.1.2.3"));
  EXPECT_TRUE(g.ActiveBans().empty());

  EXPECT_TRUE(g.Ban("2001:db8:aa::/48", 100, "cli"));
  EXPECT_TRUE(g.IsIpBlocked("2001:db8:aa:1::1"));
  auto bans = g.ActiveBans();
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].ip, "2001:db8:aa::/48");
  EXPECT_EQ(bans[0].until, now_ + 100);
  EXPECT_EQ(bans[0].reason, "cli");
  EXPECT_TRUE(g.Unban("2001:db8:aa:0::/48"));
  EXPECT_FALSE(g.IsIpBlocked("2001:db8:aa:1::1"));
}

TEST_F(GuardTest, BansOfAnotherProcessAreSeenAfterTheRefresh) {
  Guard& g = Make();
  EXPECT_FALSE(g.IsIpBlocked("192.0.2.1"));  // loads the (empty) ban list
  guard_store_->Ban("192.0.2.1", now_ + 600, "cli");  // as `df-auth guard block` would
  EXPECT_FALSE(g.IsIpBlocked("192.0.2.1"));  // still the cached list within the same second
  now_ += 1;
  EXPECT_TRUE(g.IsIpBlocked("192.0.2.1"));
  guard_store_->Unban("192.0.2.1");
  now_ += 1;
  EXPECT_FALSE(g.IsIpBlocked("192.0.2.1"));
}

// Request threads check a banned address while bans come and go (every Ban and Unban drops the
// snapshot, so the checkers reload it all the time): the standing ban is seen by every check,
// and a new ban is seen at once by the thread that made it, however the reloads interleave.
TEST_F(GuardTest, ParallelChecksAndBansSeeEveryBanAtOnce) {
  Guard& g = Make();
  ASSERT_TRUE(g.Ban("198.51.100.1", 600, "cli"));
  constexpr int kCheckers = 3;
  constexpr int kChecks = 300;
  constexpr int kBans = 60;
  std::atomic<int> blocked{0};
  std::atomic<int> seen_at_once{0};
  std::atomic<int> lifted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kCheckers; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kChecks; ++i) {
        if (g.IsIpBlocked("198.51.100.1")) ++blocked;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < kBans; ++i) {
      const std::string ip = "203.0.113." + std::to_string(i + 1);
      ASSERT_TRUE(g.Ban(ip, 600, "cli"));
      if (g.IsIpBlocked(ip)) ++seen_at_once;
      if (g.Unban(ip) && !g.IsIpBlocked(ip)) ++lifted;
    }
  });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(blocked.load(), kCheckers * kChecks);
  EXPECT_EQ(seen_at_once.load(), kBans);
  EXPECT_EQ(lifted.load(), kBans);
  EXPECT_EQ(refusals_["ip_ban"], kCheckers * kChecks + kBans);
}

TEST_F(GuardTest, HoneypotPathsAndField) {
  Guard& g = Make();
  EXPECT_TRUE(g.IsHoneypotPath("/wp-login.php"));
  EXPECT_TRUE(g.IsHoneypotPath("/.env"));
  EXPECT_FALSE(g.IsHoneypotPath("/.env/x"));
  EXPECT_FALSE(g.IsHoneypotPath("/api/v1/auth/token/"));
  EXPECT_EQ(g.HoneypotField(), "website");
  EXPECT_FALSE(g.PreventEnumeration());
}

TEST_F(GuardTest, AccountLimitLocksForTheRestOfTheWindow) {
  settings_.throttle_login_failures = {3, 3600, false};
  settings_.throttle_login_failures_ip = {};  // off
  Guard& g = Make();
  for (int i = 0; i < 3; ++i) {
    auto ticket = g.AdmitLogin("42", "192.0.2.1");
    ASSERT_TRUE(ticket);
    g.FinishLogin(*ticket, LoginOutcome::kFailed);
  }
  EXPECT_FALSE(g.AdmitLogin("42", "192.0.2.1"));
  EXPECT_FALSE(g.AdmitLogin("42", "192.0.2.99"));  // any IP: the account is locked
  EXPECT_TRUE(g.AdmitLogin("43", "192.0.2.1"));    // other accounts are not
  EXPECT_TRUE(g.AdmitLogin(std::nullopt, "192.0.2.1"));
  EXPECT_EQ(refusals_["login_failures_account"], 2);
  now_ = now_ - now_ % 3600 + 3600;  // the next window
  EXPECT_TRUE(g.AdmitLogin("42", "192.0.2.1"));
}

TEST_F(GuardTest, SuccessResetsTheAccountButNotTheIp) {
  settings_.throttle_login_failures = {3, 3600, false};
  settings_.throttle_login_failures_ip = {3, 3600, false};
  Guard& g = Make();
  g.FinishLogin(*g.AdmitLogin("7", "192.0.2.1"), LoginOutcome::kFailed);
  g.FinishLogin(*g.AdmitLogin("7", "192.0.2.1"), LoginOutcome::kFailed);
  g.FinishLogin(*g.AdmitLogin("7", "192.0.2.1"), LoginOutcome::kSucceeded);
  const int64_t window = now_ - now_ % 3600;
  EXPECT_EQ(guard_store_->Count("login_account", "7", window), 0);
  EXPECT_EQ(guard_store_->Count("login_ip", "192.0.2.1", window), 2);
  // Not counted and 2FA-without-otp outcomes give back what they did not use.
  g.FinishLogin(*g.AdmitLogin("7", "192.0.2.1"), LoginOutcome::kNotCounted);
  g.FinishLogin(*g.AdmitLogin("7", "192.0.2.1"), LoginOutcome::kFailedAccountOnly);
  EXPECT_EQ(guard_store_->Count("login_account", "7", window), 1);
  EXPECT_EQ(guard_store_->Count("login_ip", "192.0.2.1", window), 2);
  g.FinishLogin(*g.AdmitLogin("8", "192.0.2.1"), LoginOutcome::kFailed);
  EXPECT_FALSE(g.AdmitLogin("9", "192.0.2.1"));  // the IP's limit, over all accounts
  EXPECT_EQ(guard_store_->Count("login_account", "9", window), 0);
  EXPECT_TRUE(g.AdmitLogin("9", "192.0.2.2"));
  EXPECT_EQ(refusals_["login_failures_ip"], 1);
}

TEST_F(GuardTest, AccountRefusalGivesTheIpSlotBack) {
  settings_.throttle_login_failures = {1, 60, false};
  settings_.throttle_login_failures_ip = {10, 60, false};
  Guard& g = Make();
  g.FinishLogin(*g.AdmitLogin("1", "192.0.2.1"), LoginOutcome::kFailed);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(g.AdmitLogin("1", "192.0.2.1"));
  EXPECT_EQ(guard_store_->Count("login_ip", "192.0.2.1", now_ - now_ % 60), 1);
}

}  // namespace
}  // namespace dfauth::guard
