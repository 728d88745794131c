#include "auth/password_reset.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "crypto/password.hpp"
#include "dfauth/error.hpp"
#include "notify/test_util.hpp"
#include "otp/code.hpp"
#include "store/testing.hpp"

namespace dfauth::auth {
namespace {

using notify::testing::RecordingNotifier;

class PasswordResetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.secret_key = "unit-test-key";
    settings_.argon2_memory_kib = 64;  // fast hashing: the rules, not the cost, are under test
    settings_.argon2_time_cost = 1;
    settings_.otp_throttle_factor = 0;
    settings_.site_url = "https://app.example.com/#";
    db_ = store::testing::OpenSqliteFile(tmp_.File("db.sqlite3"), 4);
    store::User u;
    u.username = "alice";
    u.email = "alice@x.io";
    u.password_hash = crypto::HashPassword("old pass phrase", {64, 1});
    u.date_joined = 1;
    alice_ = db_->Users().CreateUser(u);
  }

  PasswordResetService& Make() {
    auto clock = [this] { return now_; };
    devices_ = std::make_unique<otp::DeviceService>(settings_, *db_, db_->Devices(), notifier_, clock);
    login_ = std::make_unique<LoginService>(LoginOptions{}, *db_, devices_.get());
    users_ = std::make_unique<identity::UserService>(settings_, *db_, &db_->Devices(), clock);
    resets_ = std::make_unique<PasswordResetService>(settings_, *db_, *devices_, *users_, *login_, notifier_);
    return *resets_;
  }

  std::string LastCode() {
    EXPECT_FALSE(notifier_.messages.empty());
    return notifier_.messages.back().variables.at("code");
  }

  static std::string ErrorCode(const std::function<void()>& f) {
    try {
      f();
    } catch (const ApiError& e) {
      return std::to_string(e.Status()) + " " + e.Code();
    }
    return "none";
  }

  const ResetAddress alice_address_{"email", "alice@x.io"};
  store::testing::TempDir tmp_;
  config::Settings settings_;
  std::unique_ptr<store::Database> db_;
  RecordingNotifier notifier_;
  int64_t now_ = 1'700'000'000;
  int64_t alice_ = 0;
  std::unique_ptr<otp::DeviceService> devices_;
  std::unique_ptr<LoginService> login_;
  std::unique_ptr<identity::UserService> users_;
  std::unique_ptr<PasswordResetService> resets_;
};

TEST_F(PasswordResetTest, CodeLivesForTheTimeoutToTheSecond) {
  settings_.password_reset_timeout = 600;
  PasswordResetService& resets = Make();
  resets.Request(alice_address_);
  ASSERT_EQ(notifier_.messages.size(), 1u);
  const notify::Message& sent = notifier_.messages[0];
  EXPECT_EQ(sent.template_name, "password_reset_email");
  EXPECT_EQ(sent.to, "alice@x.io");
  EXPECT_EQ(sent.variables.at("valid_minutes"), "10");
  const std::string code = sent.variables.at("code");
  EXPECT_TRUE(otp::LooksNumeric(code));
  EXPECT_EQ(sent.variables.at("reset_link").rfind("https://app.example.com/#/reset-password/", 0), 0u);
  now_ += 600;  // valid_until is exclusive
  EXPECT_EQ(ErrorCode([&] { resets.Confirm(alice_address_, code, "new pass phrase", std::nullopt); }),
            "400 wrong_otp");
  resets.Request(alice_address_);
  now_ += 599;
  store::User done = resets.Confirm(alice_address_, LastCode(), "new pass phrase", std::nullopt);
  EXPECT_EQ(done.id, alice_);
  EXPECT_TRUE(crypto::VerifyPassword("new pass phrase", done.password_hash, {64, 1}).ok);
  EXPECT_EQ(done.tokens_valid_after, now_ + 1);  // the earlier tokens end with this second
  EXPECT_EQ(notifier_.messages.back().template_name, "password_changed_email");
}

TEST_F(PasswordResetTest, StoredHashIsKeyedApartFromSignInCodes) {
  PasswordResetService& resets = Make();
  resets.Request(alice_address_);
  auto row = db_->PasswordResets().FindReset(alice_, "email");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->code_hash.size(), 64u);
  // A device's code is HMAC(SECRET_KEY, "<id>|<code>"); the reset row's never equals it, so a
  // copied hash cannot pass as a sign-in code of a device with the same id.
  EXPECT_NE(row->code_hash, otp::HashCode(settings_.secret_key, row->id, LastCode()));
  EXPECT_EQ(row->valid_until, now_ + settings_.password_reset_timeout);
}

TEST_F(PasswordResetTest, UnknownAndInactiveAddressesSendNothingButCountTheSend) {
  settings_.throttle_otp_send = {1, 3600, false};
  PasswordResetService& resets = Make();
  const ResetAddress unknown{"email", "nobody@x.io"};
  resets.Request(unknown);
  EXPECT_EQ(ErrorCode([&] { resets.Request(unknown); }), "429 throttled");  // as for an account
  resets.Request(alice_address_);
  EXPECT_EQ(ErrorCode([&] { resets.Request(alice_address_); }), "429 throttled");
  ASSERT_EQ(notifier_.messages.size(), 1u);
  EXPECT_EQ(notifier_.messages[0].to, "alice@x.io");
  users_->SetActive(alice_, false);
  now_ += 3600;
  resets.Request(alice_address_);
  EXPECT_EQ(notifier_.messages.size(), 1u);  // a deactivated account gets no code
}

TEST_F(PasswordResetTest, RefusedPasswordDoesNotSpendTheCodeAndAWrongOneCountsOnce) {
  settings_.otp_max_attempts = 2;
  PasswordResetService& resets = Make();
  resets.Request(alice_address_);
  const std::string code = LastCode();
  EXPECT_EQ(ErrorCode([&] { resets.Confirm(alice_address_, code, "short", std::nullopt); }), "400 invalid");
  EXPECT_EQ(db_->PasswordResets().FindReset(alice_, "email")->attempts, 0);
  const std::string wrong = code == "000000" ? "000001" : "000000";
  EXPECT_EQ(ErrorCode([&] { resets.Confirm(alice_address_, wrong, "new pass phrase", std::nullopt); }),
            "400 wrong_otp");
  EXPECT_EQ(db_->PasswordResets().FindReset(alice_, "email")->attempts, 1);
  resets.Confirm(alice_address_, code, "new pass phrase", std::nullopt);
  EXPECT_EQ(db_->PasswordResets().FindReset(alice_, "email")->code_hash, "");
}

}  // namespace
}  // namespace dfauth::auth
