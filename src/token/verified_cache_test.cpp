#include "token/verified_cache.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace dfauth::token {
namespace {

VerifiedClaims Claims(const std::string& jti, int64_t user_id) {
  VerifiedClaims c;
  c.type = "sliding";
  c.jti = jti;
  c.user_id = user_id;
  c.exp = 2000;
  c.iat = 1000;
  c.nbf = 1000;
  c.refresh_exp = 3000;
  return c;
}

TEST(VerifiedTokenCache, FindsExactlyTheStoredBytesUnderTheSameKeys) {
  VerifiedTokenCache cache(64);
  EXPECT_FALSE(cache.Find("aaa.bbb.ccc", 1).has_value());
  cache.Put("aaa.bbb.ccc", 1, Claims("j1", 7));
  auto hit = cache.Find("aaa.bbb.ccc", 1);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->type, "sliding");
  EXPECT_EQ(hit->jti, "j1");
  EXPECT_EQ(hit->user_id, 7);
  EXPECT_EQ(hit->exp, 2000);
  EXPECT_EQ(hit->iat, 1000);
  EXPECT_EQ(hit->nbf, 1000);
  EXPECT_EQ(hit->refresh_exp, 3000);
  // One byte off, a prefix, a longer string: other tokens.
  EXPECT_FALSE(cache.Find("aaa.bbb.ccd", 1).has_value());
  EXPECT_FALSE(cache.Find("aaa.bbb.cc", 1).has_value());
  EXPECT_FALSE(cache.Find("aaa.bbb.cccc", 1).has_value());
  // Another key set: a miss, even for the same bytes.
  EXPECT_FALSE(cache.Find("aaa.bbb.ccc", 2).has_value());
}

TEST(VerifiedTokenCache, ASlotHoldsOneTokenAndTheNewestWins) {
  VerifiedTokenCache cache(1);  // every token shares the one slot
  cache.Put("first", 1, Claims("j1", 1));
  cache.Put("second", 1, Claims("j2", 2));
  EXPECT_FALSE(cache.Find("first", 1).has_value());
  ASSERT_TRUE(cache.Find("second", 1).has_value());
  EXPECT_EQ(cache.Find("second", 1)->jti, "j2");
}

TEST(VerifiedTokenCache, ParallelUseKeepsEachTokenWithItsOwnClaims) {
  VerifiedTokenCache cache(16);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const int id = t * 10000 + i % 50;
        const std::string token = "token-" + std::to_string(id);
        cache.Put(token, 1, Claims("jti-" + std::to_string(id), id));
        auto hit = cache.Find(token, 1);
        // Another thread may have taken the slot meanwhile; a hit must be this token's claims.
        if (hit && (hit->user_id != id || hit->jti != "jti-" + std::to_string(id))) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace dfauth::token
