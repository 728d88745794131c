#include "auth/login_service.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>

#include "crypto/password.hpp"
#include "dfauth/error.hpp"
#include "guard/guard.hpp"
#include "store/testing.hpp"
#include "notify/test_util.hpp"

namespace dfauth::auth {
namespace {

constexpr const char* kIp = "192.0.2.7";

using notify::testing::RecordingNotifier;

class LoginServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.secret_key = "unit-test-key";
    settings_.argon2_memory_kib = 64;  // fast hashing: the rules, not the cost, are under test
    settings_.argon2_time_cost = 1;
    settings_.otp_throttle_factor = 0;
    settings_.throttle_otp_send = config::Rate{};
    settings_.blacklist_disposable_email_domains = false;
    settings_.throttle_login_failures = {2, 3600, false};
    settings_.throttle_login_failures_ip = {10, 3600, false};
    db_ = store::testing::OpenSqliteFile(tmp_.File("db.sqlite3"), 4);
    user_.username = "alice";
    user_.email = "alice@x.io";
    user_.password_hash = crypto::HashPassword("right-password", {64, 1});
    user_.date_joined = 1;
    user_.id = db_->Users().CreateUser(user_);
  }

  /// What the app maps from settings_ (application.cpp's ToLoginOptions).
  LoginOptions Options() const {
    LoginOptions o;
    o.backends = settings_.authentication_backends;
    o.identity_fields = settings_.user_identity_fields;
    o.test_user_email = settings_.test_user_email;
    o.prevent_enumeration = settings_.prevent_enumeration;
    o.argon2 = {static_cast<uint64_t>(settings_.argon2_memory_kib),
                static_cast<uint32_t>(settings_.argon2_time_cost)};
    return o;
  }

  /// The service under test, with the guard and OTP devices (built after settings changes).
  LoginService& Make() {
    guard_ = std::make_unique<guard::Guard>(settings_, db_->Guard(), [this] { return now_; });
    devices_ = std::make_unique<otp::DeviceService>(settings_, *db_, db_->Devices(), notifier_,
                                                    [this] { return now_; });
    login_ = std::make_unique<LoginService>(Options(), *db_, devices_.get(), guard_.get());
    return *login_;
  }

  /// The LoginError `login` throws (failing the test when it throws something else or nothing).
  template <typename F>
  static std::optional<LoginError> Refusal(F&& login) {
    try {
      login();
    } catch (const LoginError& e) {
      return e;
    } catch (const ApiError& e) {
      ADD_FAILURE() << "an ApiError that is no LoginError: " << e.Code();
      return std::nullopt;
    }
    ADD_FAILURE() << "no error";
    return std::nullopt;
  }

  int64_t AccountFailures() { return db_->Guard().Count("login_account", std::to_string(user_.id), Window()); }
  int64_t IpFailures() { return db_->Guard().Count("login_ip", kIp, Window()); }
  int64_t Window() const { return now_ - now_ % 3600; }

  store::testing::TempDir tmp_;
  config::Settings settings_;
  std::unique_ptr<store::Database> db_;
  RecordingNotifier notifier_;
  int64_t now_ = 1'700'000'000;
  std::unique_ptr<guard::Guard> guard_;
  std::unique_ptr<otp::DeviceService> devices_;
  std::unique_ptr<LoginService> login_;
  store::User user_;
};

TEST_F(LoginServiceTest, WrongPasswordIsAWrongCredentialCountedForTheAccountAndTheIp) {
  LoginService& login = Make();
  auto e = Refusal([&] { login.Login({{"username", "alice"}, {"password", "wrong"}}, kIp); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Failure(), LoginFailure::kWrongCredentials);
  EXPECT_EQ(e->Status(), 401);
  EXPECT_EQ(e->Code(), "authentication_failed");
  EXPECT_EQ(e->Entries().front().message, "Incorrect authentication credentials.");
  EXPECT_EQ(AccountFailures(), 1);
  EXPECT_EQ(IpFailures(), 1);
}

TEST_F(LoginServiceTest, LockedAccountIsRefusedLikeAWrongPasswordBeforeTheCheck) {
  LoginService& login = Make();
  // The email names the same account whatever the case of its domain.
  Refusal([&] { login.Login({{"email", "alice@X.IO"}, {"password", "wrong"}}, kIp); });
  Refusal([&] { login.Login({{"username", "alice"}, {"password", "wrong"}}, "192.0.2.8"); });
  EXPECT_EQ(AccountFailures(), 2);
  try {
    login.Login({{"username", "alice"}, {"password", "right-password"}}, kIp);
    FAIL() << "a locked account logged in";
  } catch (const LoginError&) {
    FAIL() << "a lock is not a judged credential";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.Status(), 401);
    EXPECT_EQ(e.Code(), "authentication_failed");
    EXPECT_EQ(e.Entries().front().message, "Incorrect authentication credentials.");
  }
  EXPECT_EQ(AccountFailures(), 2);
  EXPECT_EQ(IpFailures(), 1);
}

TEST_F(LoginServiceTest, SuccessResetsTheAccountButKeepsTheIpFailures) {
  LoginService& login = Make();
  Refusal([&] { login.Login({{"username", "alice"}, {"password", "wrong"}}, kIp); });
  Authenticated done = login.Login({{"username", "alice"}, {"password", "right-password"}}, kIp);
  EXPECT_EQ(done.user.id, user_.id);
  EXPECT_EQ(done.method, config::AuthBackend::kPassword);
  EXPECT_EQ(AccountFailures(), 0);
  EXPECT_EQ(IpFailures(), 1);
}

TEST_F(LoginServiceTest, UnknownAccountCountsForTheIpOnly) {
  LoginService& login = Make();
  auto e = Refusal([&] { login.Login({{"username", "nobody"}, {"password", "wrong"}}, kIp); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Failure(), LoginFailure::kWrongCredentials);
  EXPECT_EQ(AccountFailures(), 0);
  EXPECT_EQ(IpFailures(), 1);
}

TEST_F(LoginServiceTest, TwoFactorWithoutOtpCountsForTheAccountOnlyAndAWrongOtpForBoth) {
  user_.two_fa_required = true;
  db_->Users().UpdateUser(user_);
  LoginService& login = Make();
  auto e = Refusal([&] { login.Login({{"username", "alice"}, {"password", "right-password"}}, kIp); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Failure(), LoginFailure::kTwoFactorRequired);
  EXPECT_EQ(e->Status(), 401);
  EXPECT_EQ(e->Code(), "2fa_required");
  EXPECT_EQ(e->Entries().front().extra_data_json, "{\"devices\":[]}");
  EXPECT_EQ(AccountFailures(), 1);
  EXPECT_EQ(IpFailures(), 0);
  e = Refusal([&] {
    login.Login({{"username", "alice"}, {"password", "right-password"}, {"otp", "123456"}}, kIp);
  });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Failure(), LoginFailure::kTwoFactorRequired);
  EXPECT_EQ(AccountFailures(), 2);
  EXPECT_EQ(IpFailures(), 1);
}

TEST_F(LoginServiceTest, WrongOtpIsTypedAndUnderPreventEnumerationAnswersAsAWrongPassword) {
  LoginService& login = Make();
  store::Device device = devices_->DeviceFor(user_, "email", "alice@x.io", true);
  ASSERT_EQ(devices_->SendCode(user_, device, ""), otp::SendResult::kSent);
  const std::string code = notifier_.messages.back().variables.at("code");
  const std::string wrong = code == "000000" ? "111111" : "000000";
  auto e = Refusal([&] { login.Login({{"email", "alice@x.io"}, {"otp", wrong}}, kIp); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Failure(), LoginFailure::kWrongOtp);
  EXPECT_EQ(e->Status(), 400);
  EXPECT_EQ(e->Code(), "wrong_otp");
  EXPECT_EQ(e->Entries().front().message, "Wrong or expired one-time password");
  EXPECT_EQ(AccountFailures(), 1);
  EXPECT_EQ(IpFailures(), 1);

  settings_.prevent_enumeration = true;
  LoginService& strict = Make();  // the options are copied when the service is built
  e = Refusal([&] { strict.Login({{"email", "alice@x.io"}, {"otp", wrong}}, kIp); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Failure(), LoginFailure::kWrongOtp);
  EXPECT_EQ(e->Status(), 401);
  EXPECT_EQ(e->Code(), "authentication_failed");
}

TEST_F(LoginServiceTest, WithoutAGuardNothingIsCounted) {
  LoginService login(Options(), *db_);
  auto e = Refusal([&] { login.Login({{"username", "alice"}, {"password", "wrong"}}, kIp); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e->Failure(), LoginFailure::kWrongCredentials);
  EXPECT_EQ(login.Login({{"username", "alice"}, {"password", "right-password"}}, kIp).user.id, user_.id);
  EXPECT_EQ(AccountFailures(), 0);
  EXPECT_EQ(IpFailures(), 0);
}

}  // namespace
}  // namespace dfauth::auth
