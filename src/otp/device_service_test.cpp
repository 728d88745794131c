#include "otp/device_service.hpp"
#include "store/testing.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "dfauth/error.hpp"
#include "otp/code.hpp"
#include "store/testing.hpp"
#include "notify/test_util.hpp"

namespace dfauth::otp {
namespace {

namespace fs = std::filesystem;

using notify::testing::RecordingNotifier;

class DeviceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.secret_key = "unit-test-key";
    settings_.otp_throttle_factor = 0;
    settings_.throttle_otp_send = config::Rate{};
    db_ = store::testing::OpenSqliteFile(tmp_.Path() + "/db.sqlite3", 8);
    devices_ = &db_->Devices();
    service_ = std::make_unique<DeviceService>(settings_, *db_, *devices_, notifier_, [this] { return now_.load(); });
    user_.username = "alice";
    user_.email = "alice@x.io";
    user_.date_joined = 1;
    user_.id = db_->Users().CreateUser(user_);
  }
  void TearDown() override {
    service_.reset();
    db_.reset();
  }

  /// Sends a code to a fresh email device and returns (device, code).
  std::pair<store::Device, std::string> Send(const std::string& address) {
    store::Device d = service_->DeviceFor(user_, "email", address, true);
    EXPECT_EQ(service_->SendCode(user_, d, "/next"), SendResult::kSent);
    return {d, notifier_.messages.back().variables.at("code")};
  }

  ::dfauth::store::testing::TempDir tmp_;  ///< removed after the fixture, with the database in it
  config::Settings settings_;
  std::unique_ptr<store::Database> db_;
  store::DeviceStore* devices_ = nullptr;
  RecordingNotifier notifier_;
  std::atomic<int64_t> now_{1'700'000'000};
  std::unique_ptr<DeviceService> service_;
  store::User user_;
};

TEST_F(DeviceServiceTest, SendQueuesTheOtpMessageWithMagicLink) {
  auto [device, code] = Send("alice@x.io");
  ASSERT_EQ(notifier_.messages.size(), 1u);
  const auto& m = notifier_.messages[0];
  EXPECT_EQ(m.template_name, "otp_email");
  EXPECT_EQ(m.to, "alice@x.io");
  EXPECT_TRUE(LooksNumeric(code));
  EXPECT_EQ(m.variables.at("valid_minutes"), "5");
  EXPECT_NE(m.variables.at("magic_link").find("?redirect_path=/next"), std::string::npos);
  // Stored as a keyed hash, never in clear.
  auto stored = devices_->FindDevice(user_.id, "email", device.id);
  EXPECT_EQ(stored->code_hash, HashCode("unit-test-key", device.id, code));
  EXPECT_EQ(stored->valid_until, now_.load() + 300);
}

TEST_F(DeviceServiceTest, CodeIsValidUntilItsExpiry) {
  auto [device, code] = Send("alice@x.io");
  now_ += 300;
  EXPECT_EQ(service_->Verify(device, code), Verification::kWrong);
  auto [again, code2] = Send("alice@x.io");
  now_ += 299;
  EXPECT_EQ(service_->Verify(again, code2), Verification::kOk);
}

TEST_F(DeviceServiceTest, CooldownKeepsThePreviousCode) {
  settings_.otp_email_cooldown_duration = 60;
  auto [device, code] = Send("alice@x.io");
  now_ += 59;
  EXPECT_EQ(service_->SendCode(user_, device, ""), SendResult::kCooldown);
  EXPECT_EQ(notifier_.messages.size(), 1u);
  now_ += 1;
  EXPECT_EQ(service_->SendCode(user_, device, ""), SendResult::kSent);
  EXPECT_EQ(notifier_.messages.size(), 2u);
}

TEST_F(DeviceServiceTest, SendThrottlePerDestinationAnswers429WithRetryAfter) {
  settings_.throttle_otp_send = config::Rate{2, 3600, false};
  now_ = 3600 * 1000 + 600;
  store::Device d = service_->DeviceFor(user_, "email", "alice@x.io", true);
  service_->SendCode(user_, d, "");
  service_->SendCode(user_, d, "");
  try {
    service_->SendCode(user_, d, "");
    FAIL() << "expected 429";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.Status(), 429);
    EXPECT_EQ(e.Code(), "throttled");
    ASSERT_EQ(e.headers.size(), 1u);
    EXPECT_EQ(e.headers[0], (std::pair<std::string, std::string>{"Retry-After", "3000"}));
  }
  now_ += 3000;  // the next window
  EXPECT_EQ(service_->SendCode(user_, d, ""), SendResult::kSent);
}

TEST_F(DeviceServiceTest, TwentyParallelCorrectSubmissionsGiveExactlyOneSuccess) {
  auto [device, code] = Send("alice@x.io");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, d = device, c = code] {
      if (service_->Verify(d, c) == Verification::kOk) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
}

TEST_F(DeviceServiceTest, ConfirmCopiesTheAddressAndRefusesATakenOne) {
  store::User other;
  other.username = "bob";
  other.email = "bob@x.io";
  other.date_joined = 1;
  other.id = db_->Users().CreateUser(other);
  auto created = service_->Create(user_, "email", std::string("New@X.IO"));
  EXPECT_FALSE(created.device.confirmed);
  EXPECT_EQ(created.device.destination, "New@x.io");
  service_->SendCode(user_, created.device, "");
  service_->Confirm(user_, "email", std::to_string(created.device.id), notifier_.messages.back().variables.at("code"));
  EXPECT_EQ(db_->Users().FindUserById(user_.id)->email, "New@x.io");
  EXPECT_TRUE(devices_->FindDevice(user_.id, "email", created.device.id)->confirmed);

  auto taken = service_->Create(user_, "email", std::string("bob@x.io"));
  service_->SendCode(user_, taken.device, "");
  try {
    service_->Confirm(user_, "email", std::to_string(taken.device.id), notifier_.messages.back().variables.at("code"));
    FAIL() << "expected 400";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.Status(), 400);
    EXPECT_EQ(e.Entries()[0].field, std::optional<std::string>("email"));
  }
  EXPECT_FALSE(devices_->FindDevice(user_.id, "email", taken.device.id)->confirmed);
}

TEST_F(DeviceServiceTest, LastConfirmedDeviceOfA2faUserCannotBeDeleted) {
  auto backup = service_->Create(user_, "static", std::nullopt);
  EXPECT_TRUE(backup.device.confirmed);
  EXPECT_EQ(backup.codes.size(), 10u);
  user_.two_fa_required = true;
  db_->Users().UpdateUser(user_);
  EXPECT_THROW(service_->Delete(user_, "static", std::to_string(backup.device.id)), ApiError);
  user_.two_fa_required = false;
  db_->Users().UpdateUser(user_);
  service_->Delete(user_, "static", std::to_string(backup.device.id));
  EXPECT_TRUE(service_->List(user_.id).empty());
}

TEST_F(DeviceServiceTest, MissingForeignAndMalformedIdsAreNotFound) {
  auto totp = service_->Create(user_, "totp", std::string("phone"));
  EXPECT_NE(totp.url.find("otpauth://totp/df-auth:alice?secret="), std::string::npos);
  for (const char* id : {"abc", "", "-1", "0", "99999", "1e3"}) {
    try {
      service_->Get(user_.id, "totp", id);
      FAIL() << id;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.Status(), 404) << id;
    }
  }
  EXPECT_THROW(service_->Get(user_.id + 1, "totp", std::to_string(totp.device.id)), ApiError);
  EXPECT_THROW(service_->Get(user_.id, "email", std::to_string(totp.device.id)), ApiError);
  EXPECT_EQ(service_->Get(user_.id, "totp", std::to_string(totp.device.id)).name, "phone");
}

TEST_F(DeviceServiceTest, ListFollowsTheConfiguredTypeOrder) {
  auto sms = service_->Create(user_, "sms", std::string("+31612345678"));
  auto totp = service_->Create(user_, "totp", std::nullopt);
  auto email = service_->Create(user_, "email", std::string("a@x.io"));
  auto list = service_->List(user_.id);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, email.device.id);
  EXPECT_EQ(list[1].id, totp.device.id);
  EXPECT_EQ(list[2].id, sms.device.id);
}

}  // namespace
}  // namespace dfauth::otp
