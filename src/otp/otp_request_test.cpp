#include "otp/otp_request.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>

#include "dfauth/error.hpp"
#include "store/testing.hpp"
#include "notify/test_util.hpp"

namespace dfauth::otp {
namespace {

using notify::testing::RecordingNotifier;

class OtpRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.secret_key = "unit-test-key";
    settings_.otp_throttle_factor = 0;
    settings_.throttle_otp_send = config::Rate{};
    db_ = store::testing::OpenSqliteFile(tmp_.File("db.sqlite3"), 4);
    alice_.username = "alice";
    alice_.email = "alice@x.io";
    alice_.date_joined = 1;
    alice_.id = db_->Users().CreateUser(alice_);
  }

  /// The service under test (built after settings changes), identifying nobody unless told.
  OtpRequestService& Make(OtpRequestService::DestinationGuard guard = {}) {
    devices_ = std::make_unique<DeviceService>(settings_, *db_, db_->Devices(), notifier_, [this] { return now_; });
    users_ = std::make_unique<identity::UserService>(settings_, *db_, &db_->Devices(), [this] { return now_; });
    OtpRequestOptions options;  // what application.cpp's ToOtpRequestOptions maps
    options.backends = settings_.authentication_backends;
    options.auto_create_account = settings_.otp_auto_create_account;
    options.signup_allowed = settings_.signup_allowed;
    options.send_unauthorized_user = settings_.otp_send_unauthorized_user;
    options.prevent_enumeration = settings_.prevent_enumeration;
    service_ = std::make_unique<OtpRequestService>(
        std::move(options), *db_, *devices_, *users_,
        [this](const identity::FieldValues& credentials) {
          identified_with_ = credentials;
          return identified_;
        },
        std::move(guard));
    return *service_;
  }

  /// The ApiError `request` throws (failing the test when it throws nothing).
  template <typename F>
  static ApiError Refusal(F&& request) {
    try {
      request();
    } catch (const ApiError& e) {
      return e;
    }
    ADD_FAILURE() << "no error";
    return ApiError(0, "none", "");
  }

  static std::string Header(const ApiError& e, const std::string& name) {
    for (const auto& [k, v] : e.headers)
      if (k == name) return v;
    return "";
  }

  store::testing::TempDir tmp_;
  config::Settings settings_;
  std::unique_ptr<store::Database> db_;
  RecordingNotifier notifier_;
  int64_t now_ = 1'700'000'000;
  std::unique_ptr<DeviceService> devices_;
  std::unique_ptr<identity::UserService> users_;
  std::unique_ptr<OtpRequestService> service_;
  std::optional<store::User> identified_;
  identity::FieldValues identified_with_;
  store::User alice_;
};

TEST_F(OtpRequestTest, AnonymousRequestForAKnownAddressSendsToItsHolderThenCoolsDown) {
  settings_.otp_email_cooldown_duration = 60;
  OtpRequestService& service = Make();
  OtpRequestResult first = service.Request({{"email", "alice@X.IO"}, {"redirect_path", "/next"}}, nullptr);
  EXPECT_EQ(first.channel, "email");
  ASSERT_TRUE(first.sent);
  EXPECT_EQ(*first.sent, SendResult::kSent);
  ASSERT_EQ(notifier_.messages.size(), 1u);
  EXPECT_EQ(notifier_.messages[0].to, "alice@x.io");
  EXPECT_NE(notifier_.messages[0].variables.at("magic_link").find("?redirect_path=/next"), std::string::npos);
  // The credentials tried are the submitted non-blank fields without the redirect.
  EXPECT_EQ(identified_with_, (identity::FieldValues{{"email", "alice@X.IO"}}));
  auto device = devices_->FindByDestination(alice_.id, "email", "alice@x.io");
  ASSERT_TRUE(device);
  EXPECT_TRUE(device->confirmed);  // the holder's own address

  OtpRequestResult second = service.Request({{"email", "alice@x.io"}}, nullptr);
  ASSERT_TRUE(second.sent);
  EXPECT_EQ(*second.sent, SendResult::kCooldown);
  EXPECT_EQ(notifier_.messages.size(), 1u);
}

TEST_F(OtpRequestTest, UnknownAddressCreatesTheAccount) {
  OtpRequestService& service = Make();
  OtpRequestResult done = service.Request({{"email", "bob@x.io"}, {"first_name", "Bob"}}, nullptr);
  ASSERT_TRUE(done.sent);
  EXPECT_EQ(*done.sent, SendResult::kSent);
  auto bob = db_->Users().FindUserByEmail("bob@x.io");
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->username, "bob@x.io");
  EXPECT_EQ(bob->first_name, "Bob");
  EXPECT_EQ(notifier_.messages.at(0).to, "bob@x.io");
}

TEST_F(OtpRequestTest, UnknownAddressWithoutAutoCreateIsRefusedOrUnderPreventEnumerationAnsweredAlike) {
  settings_.otp_auto_create_account = false;
  OtpRequestService& service = Make();
  ApiError e = Refusal([&] { service.Request({{"email", "bob@x.io"}}, nullptr); });
  EXPECT_EQ(e.Status(), 401);
  EXPECT_EQ(e.Code(), "user_does_not_exist");
  EXPECT_EQ(e.Entries().front().message, "User with this identity does not exist, try signup instead");
  EXPECT_EQ(Header(e, "WWW-Authenticate"), errors::kWwwAuthenticate);

  settings_.prevent_enumeration = true;
  OtpRequestService& quiet = Make();  // the options are copied when the service is built
  OtpRequestResult done = quiet.Request({{"email", "bob@x.io"}}, nullptr);
  EXPECT_EQ(done.channel, "email");
  EXPECT_FALSE(done.sent);
  EXPECT_FALSE(db_->Users().FindUserByEmail("bob@x.io"));
  EXPECT_TRUE(notifier_.messages.empty());
}

TEST_F(OtpRequestTest, FieldsWithoutAnOtpBackendAreRefused) {
  OtpRequestService& service = Make();
  ApiError e = Refusal([&] { service.Request({{"username", "alice"}, {"email", ""}}, nullptr); });
  EXPECT_EQ(e.Status(), 401);
  EXPECT_EQ(e.Code(), "not_found");
  EXPECT_EQ(e.Entries().front().message, "Authorization backend not found");
  EXPECT_EQ(Header(e, "WWW-Authenticate"), errors::kWwwAuthenticate);
}

TEST_F(OtpRequestTest, AnonymousRequestsNeedCredentialsWhenOtpSendUnauthorizedUserIsOff) {
  settings_.otp_send_unauthorized_user = false;
  OtpRequestService& service = Make();
  ApiError e = Refusal([&] { service.Request({{"email", "alice@x.io"}}, nullptr); });
  EXPECT_EQ(e.Status(), 401);
  EXPECT_EQ(e.Code(), "unauthorized_otp_request");
  EXPECT_EQ(e.Entries().front().message, "Please log in to request your OTP code.");
  EXPECT_EQ(Header(e, "WWW-Authenticate"), errors::kWwwAuthenticate);
  identified_ = alice_;
  OtpRequestResult done = service.Request({{"email", "alice@x.io"}, {"password", "pw"}}, nullptr);
  ASSERT_TRUE(done.sent);
  EXPECT_EQ(*done.sent, SendResult::kSent);
}

TEST_F(OtpRequestTest, BackendOrderPicksTheChannel) {
  OtpRequestService& service = Make();
  EXPECT_EQ(service.Request({{"email", "alice@x.io"}, {"phone_number", "+14155550123"}}, &alice_).channel, "sms");
  settings_.authentication_backends = {config::AuthBackend::kEmailOtp, config::AuthBackend::kSmsOtp,
                                       config::AuthBackend::kPassword};
  OtpRequestService& email_first = Make();
  EXPECT_EQ(email_first.Request({{"email", "alice@x.io"}, {"phone_number", "+14155550123"}}, &alice_).channel, "email");
  settings_.otp_device_types = {config::DeviceType::kSms};
  EXPECT_EQ(Make().Request({{"email", "alice@x.io"}, {"phone_number", "+14155550124"}}, &alice_).channel, "sms");
}

TEST_F(OtpRequestTest, ACallersAddressOfAnotherCaseIsOwnedAndAForeignOneGetsAnUnconfirmedDevice) {
  OtpRequestService& service = Make();
  service.Request({{"email", "ALICE@x.io"}}, &alice_);
  auto own = devices_->FindByDestination(alice_.id, "email", "ALICE@x.io");
  ASSERT_TRUE(own);
  EXPECT_TRUE(own->confirmed);
  service.Request({{"email", "elsewhere@x.io"}}, &alice_);
  auto foreign = devices_->FindByDestination(alice_.id, "email", "elsewhere@x.io");
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(foreign->confirmed);
  EXPECT_FALSE(db_->Users().FindUserByEmail("elsewhere@x.io"));  // no account is created for a caller
  EXPECT_TRUE(identified_with_.empty());                          // nor are credentials tried
}

TEST_F(OtpRequestTest, InactiveAccountIsRefused) {
  alice_.is_active = false;
  db_->Users().UpdateUser(alice_);
  OtpRequestService& service = Make();
  ApiError e = Refusal([&] { service.Request({{"email", "alice@x.io"}}, nullptr); });
  EXPECT_EQ(e.Status(), 400);
  EXPECT_EQ(e.Code(), "user_inactive");
  EXPECT_EQ(e.Entries().front().message, "Your account was deactivated. Please contact support");
  EXPECT_TRUE(notifier_.messages.empty());
}

TEST_F(OtpRequestTest, TheGuardChecksTheNormalisedDestinationAndMaySilenceIt) {
  std::vector<std::pair<std::string, std::string>> checked;
  OtpRequestService& service = Make(
      {[&](const std::string& field, const std::string& destination) { checked.emplace_back(field, destination); },
       [](const std::string& destination) { return destination != "alice@x.io"; }});
  OtpRequestResult done = service.Request({{"email", "alice@X.IO"}}, nullptr);
  EXPECT_EQ(checked, (std::vector<std::pair<std::string, std::string>>{{"email", "alice@x.io"}}));
  EXPECT_EQ(done.channel, "email");
  EXPECT_FALSE(done.sent);
  EXPECT_TRUE(notifier_.messages.empty());
  EXPECT_FALSE(devices_->FindByDestination(alice_.id, "email", "alice@x.io"));

  OtpRequestService& refusing = Make({[](const std::string&, const std::string&) {
    throw ApiError(400, "blacklisted", "This value is not allowed.", std::string("phone_number"));
  }});
  ApiError e = Refusal([&] { refusing.Request({{"phone_number", "+14155550123"}}, nullptr); });
  EXPECT_EQ(e.Code(), "blacklisted");
  EXPECT_FALSE(db_->Users().FindUserByPhone("+14155550123"));
}

}  // namespace
}  // namespace dfauth::otp
