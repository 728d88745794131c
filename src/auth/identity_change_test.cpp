#include "auth/identity_change.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "crypto/password.hpp"
#include "dfauth/error.hpp"
#include "notify/test_util.hpp"
#include "store/testing.hpp"

namespace dfauth::auth {
namespace {

using notify::testing::RecordingNotifier;

class IdentityChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.secret_key = "unit-test-key";
    settings_.argon2_memory_kib = 64;
    settings_.argon2_time_cost = 1;
    settings_.otp_throttle_factor = 0;
    settings_.site_url = "https://app.example.com";
    db_ = store::testing::OpenSqliteFile(tmp_.File("db.sqlite3"), 4);
    store::User u;
    u.username = "alice";
    u.email = "alice@x.io";
    u.phone_number = "+31612345678";
    u.password_hash = crypto::HashPassword("old pass phrase", {64, 1});
    u.date_joined = 1;
    u.id = db_->Users().CreateUser(u);
    alice_ = u;
    auto clock = [this] { return now_; };
    devices_ = std::make_unique<otp::DeviceService>(settings_, *db_, db_->Devices(), notifier_, clock);
    login_ = std::make_unique<LoginService>(LoginOptions{}, *db_, devices_.get());
    users_ = std::make_unique<identity::UserService>(settings_, *db_, &db_->Devices(), clock);
    resets_ = std::make_unique<PasswordResetService>(settings_, *db_, *devices_, *users_, *login_, notifier_);
    changes_ = std::make_unique<IdentityChangeService>(settings_, *db_, *users_, *resets_, notifier_, clock);
  }

  /// Stores `after` over alice and announces it; returns the token of the notice sent.
  std::string Change(const store::User& after) {
    db_->Users().UpdateUser(after);
    changes_->Changed(alice_, after);
    const std::string link = notifier_.messages.back().variables.at("undo_link");
    const std::string prefix = "https://app.example.com/undo-identity-change/";
    EXPECT_EQ(link.substr(0, prefix.size()), prefix);
    return link.substr(prefix.size());
  }

  std::string ErrorOf(const std::string& token) {
    try {
      changes_->Undo(token);
    } catch (const ApiError& e) {
      return std::to_string(e.Status()) + " " + e.Code() + " " + e.Entries().front().field.value_or("");
    }
    return "none";
  }

  store::testing::TempDir tmp_;
  config::Settings settings_;
  std::unique_ptr<store::Database> db_;
  RecordingNotifier notifier_;
  int64_t now_ = 1'700'000'000;
  store::User alice_;
  std::unique_ptr<otp::DeviceService> devices_;
  std::unique_ptr<LoginService> login_;
  std::unique_ptr<identity::UserService> users_;
  std::unique_ptr<PasswordResetService> resets_;
  std::unique_ptr<IdentityChangeService> changes_;
};

TEST_F(IdentityChangeTest, OldEmailGetsTheNoticeAndTheUndoRestoresIt) {
  store::User after = alice_;
  after.email = "mallory@evil.io";
  const std::string token = Change(after);
  ASSERT_EQ(notifier_.messages.size(), 1u);
  const notify::Message notice = notifier_.messages[0];
  EXPECT_EQ(notice.template_name, "identity_changed_email");
  EXPECT_EQ(notice.to, "alice@x.io");
  EXPECT_EQ(notice.variables.at("new_value"), "mallory@evil.io");
  EXPECT_EQ(notice.variables.at("valid_days"), "7");
  store::User restored = changes_->Undo(token);
  EXPECT_EQ(restored.email, "alice@x.io");
  EXPECT_EQ(db_->Users().FindUserById(alice_.id)->email, "alice@x.io");
  EXPECT_GT(db_->Users().FindUserById(alice_.id)->tokens_valid_after, now_);
  // The reset code went to the restored address.
  ASSERT_EQ(notifier_.messages.size(), 2u);
  EXPECT_EQ(notifier_.messages[1].template_name, "password_reset_email");
  EXPECT_EQ(notifier_.messages[1].to, "alice@x.io");
  EXPECT_EQ(ErrorOf(token), "400 invalid_token token");
}

TEST_F(IdentityChangeTest, TheLinkLastsTheConfiguredDaysToTheSecond) {
  settings_.identity_change_undo_days = 2;
  store::User after = alice_;
  after.email = "new@x.io";
  const std::string token = Change(after);
  now_ += 2 * 86400;
  EXPECT_EQ(ErrorOf(token), "400 invalid_token token");
  now_ -= 1;
  EXPECT_EQ(ErrorOf(token), "none");
}

TEST_F(IdentityChangeTest, PhoneChangeTextsTheOldNumber) {
  store::User after = alice_;
  after.phone_number = "+31612345679";
  Change(after);
  ASSERT_EQ(notifier_.messages.size(), 1u);
  EXPECT_EQ(notifier_.messages[0].channel, notify::Channel::kSms);
  EXPECT_EQ(notifier_.messages[0].template_name, "identity_changed_sms");
  EXPECT_EQ(notifier_.messages[0].to, "+31612345678");
}

TEST_F(IdentityChangeTest, NoNoticeWithoutAChangeOfAddress) {
  store::User same = alice_;
  same.first_name = "Alice";
  changes_->Changed(alice_, same);
  store::User recased = alice_;
  recased.email = "ALICE@x.io";
  changes_->Changed(alice_, recased);
  store::User none_before = alice_;
  none_before.phone_number.reset();
  store::User added = none_before;
  added.phone_number = "+31612345670";
  changes_->Changed(none_before, added);
  EXPECT_TRUE(notifier_.messages.empty());
  // Removing an address is a change the old one hears of.
  store::User removed = alice_;
  removed.email.reset();
  changes_->Changed(alice_, removed);
  EXPECT_EQ(notifier_.messages.size(), 1u);
}

TEST_F(IdentityChangeTest, MalformedAndForeignTokensAreRefusedAlike) {
  store::User after = alice_;
  after.email = "new@x.io";
  const std::string token = Change(after);
  const auto dot = token.find('.');
  for (const std::string bad : {std::string(), std::string("x"), std::string("0.abc"), std::string("12"),
                                token.substr(0, dot + 1) + "wrong", std::string("99") + token.substr(dot),
                                token + "=", std::string(200, '1') + ".a"})
    EXPECT_EQ(ErrorOf(bad), "400 invalid_token token") << bad;
  EXPECT_EQ(ErrorOf(token), "none");
}

TEST_F(IdentityChangeTest, AnOldAddressTakenMeanwhileIsAConflictThatKeepsTheToken) {
  store::User after = alice_;
  after.email = "new@x.io";
  const std::string token = Change(after);
  store::User bob;
  bob.username = "bob";
  bob.email = "alice@x.io";
  bob.date_joined = 1;
  bob.id = db_->Users().CreateUser(bob);
  EXPECT_EQ(ErrorOf(token), "409 conflict token");
  ASSERT_TRUE(db_->Users().DeleteUser(bob.id));
  EXPECT_EQ(ErrorOf(token), "none");
}

}  // namespace
}  // namespace dfauth::auth
