#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "store/device_store.hpp"
#include "store/contract/backend.hpp"

namespace dfauth::store {
namespace {

class DeviceStoreTest : public contract::BackendTest {
 protected:
  void SetUp() override {
    contract::BackendTest::SetUp();
    devices_ = &Db().Devices();
    User u;
    u.username = "alice";
    u.date_joined = 1;
    alice_ = Db().Users().CreateUser(u);
    u.username = "bob";
    bob_ = Db().Users().CreateUser(u);
  }

  Device Email(int64_t user, std::string address) {
    Device d;
    d.user_id = user;
    d.type = "email";
    d.name = address;
    d.destination = std::move(address);
    d.created_at = 100;
    return d;
  }

  DeviceStore* devices_ = nullptr;
  int64_t alice_ = 0, bob_ = 0;
};

TEST_P(DeviceStoreTest, CreateFindAndListKeepEveryColumn) {
  Device d = Email(alice_, "a@x.io");
  d.confirmed = true;
  d.code_hash = "abc";
  d.valid_until = 500;
  d.last_totp_step = 7;
  d.id = devices_->CreateDevice(d);
  auto found = devices_->FindDevice(alice_, "email", d.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->destination, "a@x.io");
  EXPECT_TRUE(found->confirmed);
  EXPECT_EQ(found->code_hash, "abc");
  EXPECT_EQ(found->valid_until, 500);
  EXPECT_EQ(found->last_totp_step, 7);
  EXPECT_EQ(found->created_at, 100);
  EXPECT_FALSE(devices_->FindDevice(alice_, "sms", d.id));   // the type is part of the key
  EXPECT_FALSE(devices_->FindDevice(bob_, "email", d.id));   // another user's device
  EXPECT_EQ(devices_->ListDevices(alice_).size(), 1u);
  EXPECT_TRUE(devices_->ListDevices(bob_).empty());
}

TEST_P(DeviceStoreTest, DestinationLookupIgnoresCaseAndTakesTheFirst) {
  int64_t first = devices_->CreateDevice(Email(alice_, "A@x.io"));
  devices_->CreateDevice(Email(alice_, "a@x.io"));
  auto found = devices_->FindDeviceByDestination(alice_, "email", "a@X.IO");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, first);
  EXPECT_FALSE(devices_->FindDeviceByDestination(bob_, "email", "a@x.io"));
}

TEST_P(DeviceStoreTest, PendingDevicesOfAnAddressAcrossUsers) {
  int64_t a = devices_->CreateDevice(Email(alice_, "Shared@x.io"));
  int64_t b = devices_->CreateDevice(Email(bob_, "shared@X.io"));
  Device confirmed = Email(bob_, "shared@x.io");
  confirmed.confirmed = true;
  devices_->CreateDevice(confirmed);
  devices_->CreateDevice(Email(alice_, "other@x.io"));
  Device sms = Email(alice_, "shared@x.io");
  sms.type = "sms";
  devices_->CreateDevice(sms);

  auto pending = devices_->ListPendingDevices("email", "SHARED@x.io", 10);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, a);
  EXPECT_EQ(pending[0].user_id, alice_);
  EXPECT_EQ(pending[1].id, b);
  EXPECT_EQ(pending[1].user_id, bob_);
  EXPECT_EQ(devices_->ListPendingDevices("email", "shared@x.io", 1).size(), 1u);
  EXPECT_TRUE(devices_->ListPendingDevices("email", "nobody@x.io", 10).empty());
}

TEST_P(DeviceStoreTest, DeleteOnlyTheOwnersDevice) {
  int64_t id = devices_->CreateDevice(Email(alice_, "a@x.io"));
  EXPECT_FALSE(devices_->DeleteDevice(bob_, "email", id));
  EXPECT_FALSE(devices_->DeleteDevice(alice_, "sms", id));
  EXPECT_TRUE(devices_->DeleteDevice(alice_, "email", id));
  EXPECT_FALSE(devices_->FindDevice(alice_, "email", id));
}

TEST_P(DeviceStoreTest, StaticCodesAreSavedAndRemovedThroughUpdate) {
  Device d;
  d.user_id = alice_;
  d.type = "static";
  d.static_code_hashes = {"h1", "h2", "h3"};
  int64_t id = devices_->CreateDevice(d);
  std::vector<std::string> seen;
  EXPECT_TRUE(devices_->UpdateDevice(id, [&](Device& row) {
    seen = row.static_code_hashes;
    row.static_code_hashes.erase(row.static_code_hashes.begin() + 1);
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"h1", "h2", "h3"}));
  devices_->UpdateDevice(id, [&](Device& row) {
    seen = row.static_code_hashes;
    return false;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"h1", "h3"}));
  EXPECT_FALSE(devices_->UpdateDevice(99999, [](Device&) { return true; }));
}

TEST_P(DeviceStoreTest, UpdateReturningFalseWritesNothing) {
  int64_t id = devices_->CreateDevice(Email(alice_, "a@x.io"));
  devices_->UpdateDevice(id, [](Device& row) {
    row.attempts = 9;
    return false;
  });
  EXPECT_EQ(devices_->FindDevice(alice_, "email", id)->attempts, 0);
  devices_->UpdateDevice(id, [](Device& row) {
    row.attempts = 9;
    row.confirmed = true;
    return true;
  });
  EXPECT_EQ(devices_->FindDevice(alice_, "email", id)->attempts, 9);
  EXPECT_TRUE(devices_->FindDevice(alice_, "email", id)->confirmed);
}

TEST_P(DeviceStoreTest, TwentyThreadsConsumingOneCodeGiveExactlyOneSuccess) {
  Device d = Email(alice_, "a@x.io");
  d.code_hash = "the-code";
  int64_t id = devices_->CreateDevice(d);
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&] {
      bool won = false;
      devices_->UpdateDevice(id, [&](Device& row) {
        if (row.code_hash != "the-code") return false;
        row.code_hash.clear();
        won = true;
        return true;
      });
      if (won) ++successes;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(successes.load(), 1);
  EXPECT_EQ(devices_->FindDevice(alice_, "email", id)->code_hash, "");
}

TEST_P(DeviceStoreTest, SendCounterCountsPerDestinationAndWindow) {
  EXPECT_EQ(devices_->CountSend("a@x.io", 3600), 1);
  EXPECT_EQ(devices_->CountSend("a@x.io", 3600), 2);
  EXPECT_EQ(devices_->CountSend("b@x.io", 3600), 1);
  EXPECT_EQ(devices_->CountSend("a@x.io", 7200), 1);  // a new window starts over
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&] {
      devices_->CountSend("c@x.io", 3600);
      ++done;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(devices_->CountSend("c@x.io", 3600), 11);
}

TEST_P(DeviceStoreTest, DeletingTheUserDeletesItsDevices) {
  int64_t id = devices_->CreateDevice(Email(alice_, "a@x.io"));
  EXPECT_TRUE(Db().Users().DeleteUser(alice_));
  EXPECT_FALSE(devices_->FindDevice(alice_, "email", id));
}

DFAUTH_ON_EVERY_BACKEND(DeviceStoreTest);

}  // namespace
}  // namespace dfauth::store
