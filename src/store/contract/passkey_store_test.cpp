#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/contract/backend.hpp"
#include "store/passkey_store.hpp"

namespace dfauth::store {
namespace {

class PasskeyStoreTest : public contract::BackendTest {
 protected:
  void SetUp() override {
    contract::BackendTest::SetUp();
    passkeys_ = &Db().Passkeys();
    ada_ = NewUser("ada");
    bob_ = NewUser("bob");
  }

  Passkey Make(int64_t user_id, const std::string& credential_id) {
    Passkey p;
    p.user_id = user_id;
    p.credential_id = credential_id;
    p.public_key = "pQECAyYgASFYIA";
    p.algorithm = -7;
    p.sign_count = 5;
    p.user_verified = true;
    p.backup_eligible = true;
    p.backed_up = false;
    p.aaguid = "00112233445566778899aabbccddeeff";
    p.transports = "internal,hybrid";
    p.name = "laptop";
    p.created_at = 100;
    return p;
  }

  PasskeyStore* passkeys_ = nullptr;
  int64_t ada_ = 0;
  int64_t bob_ = 0;
};

TEST_P(PasskeyStoreTest, CreateStoresEveryFieldAndCredentialIdsAreUniqueAcrossUsers) {
  auto id = passkeys_->CreatePasskey(Make(ada_, "cred-1"));
  ASSERT_TRUE(id);
  EXPECT_GT(*id, 0);
  auto found = passkeys_->FindPasskeyByCredential("cred-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, *id);
  EXPECT_EQ(found->user_id, ada_);
  EXPECT_EQ(found->public_key, "pQECAyYgASFYIA");
  EXPECT_EQ(found->algorithm, -7);
  EXPECT_EQ(found->sign_count, 5);
  EXPECT_TRUE(found->user_verified);
  EXPECT_TRUE(found->backup_eligible);
  EXPECT_FALSE(found->backed_up);
  EXPECT_EQ(found->aaguid, "00112233445566778899aabbccddeeff");
  EXPECT_EQ(found->transports, "internal,hybrid");
  EXPECT_EQ(found->name, "laptop");
  EXPECT_EQ(found->created_at, 100);
  EXPECT_EQ(found->last_used_at, 0);
  EXPECT_FALSE(found->cloned);
  // The same credential id again, for the same or another user: refused, nothing written.
  EXPECT_FALSE(passkeys_->CreatePasskey(Make(ada_, "cred-1")));
  EXPECT_FALSE(passkeys_->CreatePasskey(Make(bob_, "cred-1")));
  EXPECT_TRUE(passkeys_->ListPasskeys(bob_).empty());
  // Case matters: base64url ids differing in case are different credentials.
  EXPECT_TRUE(passkeys_->CreatePasskey(Make(bob_, "CRED-1")));
  EXPECT_FALSE(passkeys_->FindPasskeyByCredential("cred-2"));
}

TEST_P(PasskeyStoreTest, FindListAndDeleteAreTheOwnersOnly) {
  const int64_t a1 = *passkeys_->CreatePasskey(Make(ada_, "a1"));
  const int64_t b1 = *passkeys_->CreatePasskey(Make(bob_, "b1"));
  const int64_t a2 = *passkeys_->CreatePasskey(Make(ada_, "a2"));
  auto list = passkeys_->ListPasskeys(ada_);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, a1);
  EXPECT_EQ(list[1].id, a2);
  EXPECT_EQ(passkeys_->FindPasskey(ada_, a1)->credential_id, "a1");
  EXPECT_FALSE(passkeys_->FindPasskey(ada_, b1));
  EXPECT_FALSE(passkeys_->DeletePasskey(ada_, b1));
  EXPECT_TRUE(passkeys_->FindPasskey(bob_, b1));
  EXPECT_TRUE(passkeys_->DeletePasskey(ada_, a1));
  EXPECT_FALSE(passkeys_->DeletePasskey(ada_, a1));
  ASSERT_EQ(passkeys_->ListPasskeys(ada_).size(), 1u);
  EXPECT_EQ(passkeys_->ListPasskeys(ada_)[0].id, a2);
}

TEST_P(PasskeyStoreTest, UpdateWritesTheUseFieldsOnlyWhenAsked) {
  const int64_t id = *passkeys_->CreatePasskey(Make(ada_, "a1"));
  EXPECT_TRUE(passkeys_->UpdatePasskey(id, [](Passkey& p) {
    p.sign_count = 9;
    p.backed_up = true;
    p.last_used_at = 700;
    p.cloned = true;
    p.name = "phone";
    return true;
  }));
  EXPECT_TRUE(passkeys_->UpdatePasskey(id, [](Passkey& p) {
    p.sign_count = 1000;
    return false;
  }));
  auto p = passkeys_->FindPasskey(ada_, id);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->sign_count, 9);
  EXPECT_TRUE(p->backed_up);
  EXPECT_EQ(p->last_used_at, 700);
  EXPECT_TRUE(p->cloned);
  EXPECT_EQ(p->name, "phone");
  EXPECT_FALSE(passkeys_->UpdatePasskey(id + 1000, [](Passkey&) { return true; }));
}

TEST_P(PasskeyStoreTest, TwentyConcurrentSignInsOnTwoReplicasEachSeeTheLastCount) {
  const int64_t id = *passkeys_->CreatePasskey(Make(ada_, "a1"));
  auto replica = Open(4);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  // Every thread presents count 6: only the first may pass (a count must grow).
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      PasskeyStore& store = i % 2 == 0 ? *passkeys_ : replica->Passkeys();
      store.UpdatePasskey(id, [&](Passkey& p) {
        if (6 <= p.sign_count) return false;
        p.sign_count = 6;
        ++accepted;
        return true;
      });
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(passkeys_->FindPasskey(ada_, id)->sign_count, 6);
}

TEST_P(PasskeyStoreTest, ChallengesAreTakenOnceInAConcurrentRaceOfTwoReplicas) {
  passkeys_->SaveChallenge({"c1", "registration", ada_, "Y2hhbGxlbmdl", 400});
  auto taken = passkeys_->TakeChallenge("c1");
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->id, "c1");
  EXPECT_EQ(taken->ceremony, "registration");
  EXPECT_EQ(taken->user_id, ada_);
  EXPECT_EQ(taken->challenge, "Y2hhbGxlbmdl");
  EXPECT_EQ(taken->expires_at, 400);
  EXPECT_FALSE(passkeys_->TakeChallenge("c1"));
  EXPECT_FALSE(passkeys_->TakeChallenge("nope"));

  passkeys_->SaveChallenge({"c2", "authentication", 0, "eA", 400});
  auto replica = Open(4);
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      PasskeyStore& store = i % 2 == 0 ? *passkeys_ : replica->Passkeys();
      if (store.TakeChallenge("c2")) ++winners;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(PasskeyStoreTest, PurgeDeletesExpiredChallengesInBoundedRounds) {
  for (int i = 0; i < 450; ++i) passkeys_->SaveChallenge({"e" + std::to_string(i), "authentication", 0, "x", 100});
  passkeys_->SaveChallenge({"live", "authentication", 0, "x", 1000});
  EXPECT_FALSE(passkeys_->PurgeExpiredChallenges(200, 300));  // 400 went (two rounds of 200)
  EXPECT_TRUE(passkeys_->PurgeExpiredChallenges(200, 300));
  EXPECT_FALSE(passkeys_->TakeChallenge("e0"));
  EXPECT_FALSE(passkeys_->TakeChallenge("e449"));
  EXPECT_TRUE(passkeys_->TakeChallenge("live"));
}

TEST_P(PasskeyStoreTest, DeletingTheUserDeletesItsPasskeys) {
  const int64_t id = *passkeys_->CreatePasskey(Make(ada_, "a1"));
  ASSERT_TRUE(Db().Users().DeleteUser(ada_));
  EXPECT_FALSE(passkeys_->FindPasskey(ada_, id));
  EXPECT_FALSE(passkeys_->FindPasskeyByCredential("a1"));
}

DFAUTH_ON_EVERY_BACKEND(PasskeyStoreTest);

}  // namespace
}  // namespace dfauth::store
