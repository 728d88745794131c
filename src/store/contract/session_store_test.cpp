#include <gtest/gtest.h>

#include "store/contract/backend.hpp"
#include "store/session_store.hpp"

namespace dfauth::store {
namespace {

class SessionStoreTest : public contract::BackendTest {
 protected:
  void SetUp() override {
    contract::BackendTest::SetUp();
    sessions_ = &Db().Sessions();
  }

  Session Make(const std::string& id, int64_t user_id, int64_t created_at, int64_t expires_at = 10000) {
    Session s;
    s.id = id;
    s.user_id = user_id;
    s.created_at = created_at;
    s.last_used_at = created_at;
    s.expires_at = expires_at;
    s.ip = "203.0.113.7";
    s.user_agent = "curl/8.5";
    s.method = "password";
    sessions_->Create(s);
    return s;
  }

  SessionStore* sessions_ = nullptr;
};

TEST_P(SessionStoreTest, CreateAndFindKeepEveryField) {
  const int64_t ada = NewUser("ada");
  Session s;
  s.id = "AAAAAAAAAAAAAAAAAAAAAA";
  s.user_id = ada;
  s.created_at = 100;
  s.last_used_at = 100;
  s.expires_at = 5000;
  s.ip = "2001:db8::1";
  s.user_agent = std::string(300, 'x');
  s.method = "otp";
  sessions_->Create(s);
  auto found = sessions_->Find(s.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, s.id);
  EXPECT_EQ(found->user_id, ada);
  EXPECT_EQ(found->created_at, 100);
  EXPECT_EQ(found->last_used_at, 100);
  EXPECT_EQ(found->expires_at, 5000);
  EXPECT_EQ(found->ip, "2001:db8::1");
  EXPECT_EQ(found->user_agent, std::string(256, 'x'));  // truncated
  EXPECT_EQ(found->method, "otp");
  EXPECT_FALSE(found->revoked_at);
  EXPECT_FALSE(sessions_->Find("nope"));
}

TEST_P(SessionStoreTest, ListIsTheUsersLiveSessionsNewestFirstPaginated) {
  const int64_t ada = NewUser("ada");
  const int64_t bob = NewUser("bob");
  Make("s1", ada, 10);
  Make("s2", ada, 20);
  Make("s3", ada, 30);
  Make("old", ada, 5, 50);  // expired at now=100
  Make("b1", bob, 40);
  SessionPage page = sessions_->ListForUser(ada, 100, 2, 0);
  EXPECT_EQ(page.count, 3);
  ASSERT_EQ(page.sessions.size(), 2u);
  EXPECT_EQ(page.sessions[0].id, "s3");
  EXPECT_EQ(page.sessions[1].id, "s2");
  page = sessions_->ListForUser(ada, 100, 2, 2);
  EXPECT_EQ(page.count, 3);
  ASSERT_EQ(page.sessions.size(), 1u);
  EXPECT_EQ(page.sessions[0].id, "s1");
  ASSERT_TRUE(sessions_->Revoke("s2", ada, 100, 200));
  page = sessions_->ListForUser(ada, 100, 10, 0);
  EXPECT_EQ(page.count, 2);
  ASSERT_EQ(page.sessions.size(), 2u);
  EXPECT_EQ(page.sessions[0].id, "s3");
  EXPECT_EQ(page.sessions[1].id, "s1");
}

TEST_P(SessionStoreTest, SessionsOfOneSecondListInCreationOrderNewestFirst) {
  const int64_t ada = NewUser("ada");
  Make("zz", ada, 30);
  Make("aa", ada, 30);
  Make("mm", ada, 30);
  SessionPage page = sessions_->ListForUser(ada, 100, 10, 0);
  ASSERT_EQ(page.sessions.size(), 3u);
  EXPECT_EQ(page.sessions[0].id, "mm");
  EXPECT_EQ(page.sessions[1].id, "aa");
  EXPECT_EQ(page.sessions[2].id, "zz");
}

TEST_P(SessionStoreTest, TouchWritesAtMostOnceAMinute) {
  const int64_t ada = NewUser("ada");
  Make("s1", ada, 1000, 2000);
  EXPECT_FALSE(sessions_->Touch("s1", 1059, 0));
  EXPECT_EQ(sessions_->Find("s1")->last_used_at, 1000);
  EXPECT_TRUE(sessions_->Touch("s1", 1060, 0));
  EXPECT_EQ(sessions_->Find("s1")->last_used_at, 1060);
  EXPECT_EQ(sessions_->Find("s1")->expires_at, 2000);  // never lowered
  EXPECT_FALSE(sessions_->Touch("s1", 1100, 9000));
  EXPECT_TRUE(sessions_->Touch("s1", 1120, 9000));
  EXPECT_EQ(sessions_->Find("s1")->expires_at, 9000);
  EXPECT_FALSE(sessions_->Touch("unknown", 5000, 0));
}

TEST_P(SessionStoreTest, RevokeFilesTheSessionKeyForTheTokenCheck) {
  const int64_t ada = NewUser("ada");
  const int64_t eve = NewUser("eve");
  Make("s1", ada, 10, 5000);
  EXPECT_FALSE(sessions_->Revoke("s1", eve, 100, 200));  // another user's
  EXPECT_FALSE(sessions_->Revoke("nope", ada, 100, 200));
  EXPECT_FALSE(Db().Tokens().FindTokenState(ada, "jti-1", "s1")->jti_revoked);
  EXPECT_TRUE(sessions_->Revoke("s1", ada, 100, 200));
  EXPECT_FALSE(sessions_->Revoke("s1", ada, 101, 200));  // already
  EXPECT_EQ(sessions_->Find("s1")->revoked_at, 100);
  EXPECT_TRUE(Db().Tokens().IsJtiRevoked(SessionRevocationKey("s1")));
  EXPECT_TRUE(Db().Tokens().FindTokenState(ada, "jti-1", "s1")->jti_revoked);
  EXPECT_TRUE(Db().Tokens().FindTokenSubject(ada, "jti-1", "s1")->jti_revoked);
  // Without a sid only the jti counts; another session is untouched.
  EXPECT_FALSE(Db().Tokens().FindTokenState(ada, "jti-1")->jti_revoked);
  EXPECT_FALSE(Db().Tokens().FindTokenSubject(ada, "jti-1", "s2")->jti_revoked);
  // The revocation lives until the session's own expiry (5000 > 200): purged after it only.
  Db().Tokens().PurgeExpiredTokens(4999, 1000);
  EXPECT_TRUE(Db().Tokens().IsJtiRevoked(SessionRevocationKey("s1")));
  Db().Tokens().PurgeExpiredTokens(5001, 1000);
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked(SessionRevocationKey("s1")));
}

TEST_P(SessionStoreTest, RevokeOthersKeepsOneAndCountsTheRest) {
  const int64_t ada = NewUser("ada");
  const int64_t bob = NewUser("bob");
  Make("s1", ada, 10);
  Make("s2", ada, 20);
  Make("s3", ada, 30);
  Make("b1", bob, 40);
  ASSERT_TRUE(sessions_->Revoke("s3", ada, 50, 60));
  EXPECT_EQ(sessions_->RevokeOthers(ada, "s1", 100, 200), 1);  // s2 only: s3 was already
  EXPECT_EQ(sessions_->RevokeOthers(ada, "s1", 100, 200), 0);
  EXPECT_FALSE(sessions_->Find("s1")->revoked_at);
  EXPECT_EQ(sessions_->Find("s2")->revoked_at, 100);
  EXPECT_EQ(sessions_->Find("s3")->revoked_at, 50);
  EXPECT_FALSE(sessions_->Find("b1")->revoked_at);
  EXPECT_TRUE(Db().Tokens().IsJtiRevoked(SessionRevocationKey("s2")));
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked(SessionRevocationKey("s1")));
  EXPECT_EQ(sessions_->RevokeOthers(ada, "", 100, 200), 1);  // empty keep: all
  EXPECT_EQ(sessions_->Find("s1")->revoked_at, 100);
  // A default-constructed view (no data pointer, what `= {}` passes) is empty too, not NULL.
  Make("b2", bob, 41);
  EXPECT_EQ(sessions_->RevokeOthers(bob, std::string_view{}, 100, 200), 2);
}

TEST_P(SessionStoreTest, PurgeDeletesExpiredSessionsInBoundedRounds) {
  const int64_t ada = NewUser("ada");
  for (int i = 0; i < 450; ++i) Make("e" + std::to_string(i), ada, 1, 100);
  Make("live", ada, 1, 1000);
  EXPECT_FALSE(sessions_->PurgeExpiredSessions(200, 300));  // 400 went (two rounds of 200)
  EXPECT_TRUE(sessions_->PurgeExpiredSessions(200, 300));
  EXPECT_FALSE(sessions_->Find("e0"));
  EXPECT_TRUE(sessions_->Find("live"));
}

TEST_P(SessionStoreTest, DeletingTheUserDeletesItsSessions) {
  const int64_t ada = NewUser("ada");
  Make("s1", ada, 10);
  ASSERT_TRUE(Db().Users().DeleteUser(ada));
  EXPECT_FALSE(sessions_->Find("s1"));
}

DFAUTH_ON_EVERY_BACKEND(SessionStoreTest);

}  // namespace
}  // namespace dfauth::store
