#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/contract/backend.hpp"
#include "store/errors.hpp"

namespace dfauth::store {
namespace {

constexpr int64_t kAll = std::numeric_limits<int64_t>::max();

User MakeUser(std::string username, std::optional<std::string> email = std::nullopt,
              std::optional<std::string> phone = std::nullopt) {
  User user;
  user.username = std::move(username);
  user.email = std::move(email);
  user.phone_number = std::move(phone);
  user.date_joined = 1700000000;
  return user;
}

RefreshTokenRecord Refresh(std::string jti, std::string family, int64_t user_id,
                           std::string access_jti, int64_t expires_at = 2000) {
  return {std::move(jti), std::move(family), user_id, std::move(access_jti), 1000, expires_at};
}

class TokenStoreTest : public contract::BackendTest {};

TEST_P(TokenStoreTest, RevokeJti) {
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("j1"));
  Db().Tokens().RevokeJti("j1", 500);
  EXPECT_TRUE(Db().Tokens().IsJtiRevoked("j1"));
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("j2"));
  Db().Tokens().RevokeJti("j1", 400);  // revoking again is fine and keeps the later expiry
  EXPECT_TRUE(Db().Tokens().PurgeExpiredTokens(450, kAll));
  EXPECT_TRUE(Db().Tokens().IsJtiRevoked("j1"));
  EXPECT_TRUE(Db().Tokens().PurgeExpiredTokens(501, kAll));
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("j1"));
}

TEST_P(TokenStoreTest, FindTokenSubjectAndStateJoinUserAndRevocation) {
  int64_t id = Db().Users().CreateUser(MakeUser("alice"));
  Db().Users().RevokeUserTokens(id, 1234);
  Db().Tokens().RevokeJti("gone", 500);
  auto live = Db().Tokens().FindTokenSubject(id, "fresh");
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->user.username, "alice");
  EXPECT_FALSE(live->jti_revoked);
  auto revoked = Db().Tokens().FindTokenSubject(id, "gone");
  ASSERT_TRUE(revoked.has_value());
  EXPECT_TRUE(revoked->jti_revoked);
  EXPECT_FALSE(Db().Tokens().FindTokenSubject(id + 1000, "fresh").has_value());
  // The same answers without the user's row (token/verify/).
  auto state = Db().Tokens().FindTokenState(id, "fresh");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->tokens_valid_after, 1234);
  EXPECT_FALSE(state->jti_revoked);
  EXPECT_TRUE(state->is_active);
  EXPECT_TRUE(Db().Tokens().FindTokenState(id, "gone")->jti_revoked);
  EXPECT_FALSE(Db().Tokens().FindTokenState(id + 1000, "fresh").has_value());
  User user = *Db().Users().FindUserById(id);
  user.is_active = false;
  Db().Users().UpdateUser(user);
  EXPECT_FALSE(Db().Tokens().FindTokenState(id, "fresh")->is_active);
}

TEST_P(TokenStoreTest, RefreshRotationAndReuseRevokesFamily) {
  int64_t id = Db().Users().CreateUser(MakeUser("alice"));
  Db().Tokens().SaveRefreshToken(Refresh("r1", "f1", id, "a1"));
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r1", 1000}, Refresh("r2", "f1", id, "a2"), 1100),
            SpendResult::kSpent);
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("a2"));
  // The token saved by the rotation is the one that can be spent next.
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r2", 1000}, Refresh("r3", "f1", id, "a3"), 1150),
            SpendResult::kSpent);

  // Reuse of r1: the whole family is revoked, and the would-be next token is not saved.
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r1", 1000}, Refresh("x", "f1", id, "ax"), 1200),
            SpendResult::kAlreadySpent);
  for (const char* jti : {"r1", "a1", "r2", "a2", "r3", "a3"}) {
    EXPECT_TRUE(Db().Tokens().IsJtiRevoked(jti)) << jti;
  }
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("x"));
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("ax"));
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r3", 1000}, Refresh("r4", "f1", id, "a4"), 1300),
            SpendResult::kRevoked);
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"x", 1000}, Refresh("r5", "f1", id, "a5"), 1300),
            SpendResult::kUnknown);
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"nope", 1000}, Refresh("r6", "f1", id, "a6"), 1300),
            SpendResult::kUnknown);
  // A jti is looked up inside its own family only.
  Db().Tokens().SaveRefreshToken(Refresh("s1", "f2", id, "b1"));
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"s1", 1000}, Refresh("r7", "f1", id, "a7"), 1300),
            SpendResult::kUnknown);

  // Another family of the same user is untouched.
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("b1"));
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"s1", 1000}, Refresh("s2", "f2", id, "b2"), 1300),
            SpendResult::kSpent);
}

TEST_P(TokenStoreTest, RevokeFamily) {
  int64_t id = Db().Users().CreateUser(MakeUser("alice"));
  Db().Tokens().SaveRefreshToken(Refresh("r1", "f1", id, "a1"));
  Db().Tokens().RotateRefreshToken({"r1", 1000}, Refresh("r2", "f1", id, "a2"), 1100);
  Db().Tokens().SaveRefreshToken(Refresh("s1", "f2", id, "b1"));
  Db().Tokens().RevokeFamily("f1", 1200);
  for (const char* jti : {"r1", "a1", "r2", "a2"}) EXPECT_TRUE(Db().Tokens().IsJtiRevoked(jti)) << jti;
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("b1"));
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r2", 1000}, Refresh("r3", "f1", id, "a3"), 1300),
            SpendResult::kRevoked);
  Db().Tokens().RevokeFamily("unknown", 1200);  // no-op
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("unknown"));
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"s1", 1000}, Refresh("s2", "f2", id, "b2"), 1300),
            SpendResult::kSpent);
}

TEST_P(TokenStoreTest, PurgeExpiredTokens) {
  int64_t id = Db().Users().CreateUser(MakeUser("alice"));
  Db().Tokens().SaveRefreshToken(Refresh("old", "old", id, "a-old", 1000));
  Db().Tokens().SaveRefreshToken(Refresh("new", "new", id, "a-new", 3000));
  Db().Tokens().RevokeJti("x-old", 1000);
  Db().Tokens().RevokeJti("x-new", 3000);
  EXPECT_TRUE(Db().Tokens().PurgeExpiredTokens(2000, kAll));
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("x-old"));
  EXPECT_TRUE(Db().Tokens().IsJtiRevoked("x-new"));
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"old", 1000}, Refresh("old2", "old", id, "a-old2"), 2000),
            SpendResult::kUnknown);
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"new", 1000}, Refresh("new2", "new", id, "a-new2"), 2000),
            SpendResult::kSpent);
}

TEST_P(TokenStoreTest, PurgeWorksInChunksAndKeepsLiveFamilies) {
  int64_t id = Db().Users().CreateUser(MakeUser("alice"));
  // More rows than one purge transaction takes (200), in every table the purge touches.
  for (int i = 0; i < 1100; ++i) {
    const std::string n = std::to_string(i);
    Db().Tokens().SaveRefreshToken(Refresh("t" + n, "f" + n, id, "a" + n, 1000 + i));
    Db().Tokens().RevokeJti("x" + n, 1000 + i);
  }
  // A family with an expired (spent) token and a live one keeps the live one.
  Db().Tokens().SaveRefreshToken(Refresh("k1", "keep", id, "ak1", 1500));
  ASSERT_EQ(Db().Tokens().RotateRefreshToken({"k1", 1000}, Refresh("k2", "keep", id, "ak2", 9000), 1400),
            SpendResult::kSpent);
  // Everything above but t1099/x1099 has expired. A bounded call stops after its first
  // transaction (200 revocations, 200 families with their tokens) and says more is left.
  EXPECT_FALSE(Db().Tokens().PurgeExpiredTokens(1099 + 1000, 1));
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("x199"));
  EXPECT_TRUE(Db().Tokens().IsJtiRevoked("x200"));
  EXPECT_TRUE(Db().Tokens().PurgeExpiredTokens(1099 + 1000, kAll));
  for (int i : {0, 199, 200, 599, 1000, 1098}) {
    const std::string n = std::to_string(i);
    EXPECT_FALSE(Db().Tokens().IsJtiRevoked("x" + n)) << n;
    EXPECT_EQ(Db().Tokens().RotateRefreshToken({"t" + n, 1000}, Refresh("u" + n, "f" + n, id, "b" + n), 2100),
              SpendResult::kUnknown)
        << n;
  }
  EXPECT_TRUE(Db().Tokens().IsJtiRevoked("x1099"));
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"t1099", 1000}, Refresh("u", "f1099", id, "b"), 2100),
            SpendResult::kSpent);
  // k1 (expired) is gone, so presenting it is no longer recognised as reuse; k2 still rotates.
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"k1", 1000}, Refresh("k9", "keep", id, "ak9"), 2100),
            SpendResult::kUnknown);
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"k2", 1000}, Refresh("k3", "keep", id, "ak3"), 2100),
            SpendResult::kSpent);
}

// The rotation judges the presented token's subject as FindTokenState would: a refused
// rotation changes nothing, so the same token rotates once the subject is fit again.
TEST_P(TokenStoreTest, RotationChecksTheSubjectFirst) {
  int64_t id = Db().Users().CreateUser(MakeUser("alice"));
  Db().Tokens().SaveRefreshToken(Refresh("r1", "f1", id, "a1"));
  Db().Tokens().SaveRefreshToken(Refresh("s1", "f2", id, "b1"));

  // Tokens revoked after the presented one was issued (1000), or after the next one's (1000).
  Db().Users().RevokeUserTokens(id, 1001);
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r1", 1000}, Refresh("r2", "f1", id, "a2"), 1100),
            SpendResult::kRefused);
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r1", 1001}, Refresh("r2", "f1", id, "a2"), 1100),
            SpendResult::kRefused);
  RefreshTokenRecord later = Refresh("r2", "f1", id, "a2");
  later.issued_at = 1001;
  ASSERT_EQ(Db().Tokens().RotateRefreshToken({"r1", 1001}, later, 1100), SpendResult::kSpent);

  User user = *Db().Users().FindUserById(id);
  user.is_active = false;
  Db().Users().UpdateUser(user);
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r2", 1001}, Refresh("r3", "f1", id, "a3"), 1200),
            SpendResult::kRefused);
  // A spent token of an inactive user is refused, and its family survives the reuse.
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r1", 1001}, Refresh("x", "f1", id, "ax"), 1200),
            SpendResult::kRefused);
  EXPECT_FALSE(Db().Tokens().IsJtiRevoked("r2"));
  user.is_active = true;
  Db().Users().UpdateUser(user);
  later = Refresh("r3", "f1", id, "a3");
  later.issued_at = 1001;
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r2", 1001}, later, 1200), SpendResult::kSpent);

  // A revoked jti or session is kRevoked, whatever the user; the token stays unspent.
  Db().Tokens().RevokeJti("s1", 5000);
  later = Refresh("s2", "f2", id, "b2");
  later.issued_at = 1001;
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"s1", 1001}, later, 1200), SpendResult::kRevoked);
  Db().Tokens().SaveRefreshToken(Refresh("t1", "f3", id, "c1"));
  Db().Tokens().RevokeJti(SessionRevocationKey("sess-1"), 5000);
  later = Refresh("t2", "f3", id, "c2");
  later.issued_at = 1001;
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"t1", 1001, "sess-1"}, later, 1200), SpendResult::kRevoked);
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"t1", 1001, "sess-2"}, later, 1200), SpendResult::kSpent);

  // An unknown token is kUnknown, whatever its user.
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"x", 1001}, Refresh("y", "f9", id + 1, "ay"), 1200),
            SpendResult::kUnknown);
}

TEST_P(TokenStoreTest, FiftyThreadsSpendOneJtiOnce) {
  Database* store = &Db();
  int64_t id = store->Users().CreateUser(MakeUser("alice"));
  store->Tokens().SaveRefreshToken(Refresh("r1", "r1", id, "a1"));

  std::atomic<int> spent{0}, already{0}, revoked{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      switch (store->Tokens().RotateRefreshToken({"r1", 1000}, Refresh("r2", "r1", id, "a2"), 1100)) {
        case SpendResult::kSpent: ++spent; break;
        case SpendResult::kAlreadySpent: ++already; break;
        case SpendResult::kRevoked: ++revoked; break;
        default: ++other; break;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(spent.load(), 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(already.load() + revoked.load(), 49);
  EXPECT_GE(already.load(), 1);
  EXPECT_TRUE(store->Tokens().IsJtiRevoked("a1"));
}

DFAUTH_ON_EVERY_BACKEND(TokenStoreTest);

}  // namespace
}  // namespace dfauth::store
