#include "social/jwks_cache.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dfauth/error.hpp"

namespace dfauth::social {
namespace {

std::string JwkWithKid(const token::Key& key, const std::string& kid) {
  auto jwk = nlohmann::json::parse(token::PublicJwk(key));
  jwk["kid"] = kid;
  jwk["alg"] = "RS256";
  jwk["use"] = "sig";
  return jwk.dump();
}

class JwksCacheTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_a_ = new token::Key(token::GenerateKeyPair(token::Algorithm::kRS256));
    key_b_ = new token::Key(token::GenerateKeyPair(token::Algorithm::kRS256));
  }
  static void TearDownTestSuite() {
    delete key_a_;
    delete key_b_;
  }

  JwksCache MakeCache() {
    return JwksCache(
        [this](const std::string& url, const std::vector<std::string>&) {
          ++fetches_;
          last_url_ = url;
          return response_;
        },
        [this] { return now_; });
  }

  void Serve(std::vector<std::pair<const token::Key*, std::string>> keys, std::string cache_control = "") {
    std::string body = "{\"keys\":[";
    for (size_t i = 0; i < keys.size(); ++i)
      body += (i ? "," : "") + JwkWithKid(*keys[i].first, keys[i].second);
    body += "]}";
    response_ = {200, body, std::move(cache_control)};
  }

  static token::Key* key_a_;
  static token::Key* key_b_;
  FetchResponse response_;
  int fetches_ = 0;
  std::string last_url_;
  int64_t now_ = 1'700'000'000;
};

token::Key* JwksCacheTest::key_a_ = nullptr;
token::Key* JwksCacheTest::key_b_ = nullptr;

TEST_F(JwksCacheTest, KeepsTheDocumentForItsMaxAge) {
  Serve({{key_a_, "a"}}, "public, max-age=120, must-revalidate");
  auto cache = MakeCache();
  auto key = cache.Find("https://jwks.test/certs", "a");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->kid, "a");
  EXPECT_EQ(key->alg, token::Algorithm::kRS256);
  EXPECT_EQ(last_url_, "https://jwks.test/certs");
  now_ += 119;
  EXPECT_NE(cache.Find("https://jwks.test/certs", "a"), nullptr);
  EXPECT_EQ(fetches_, 1);
  now_ += 1;
  EXPECT_NE(cache.Find("https://jwks.test/certs", "a"), nullptr);
  EXPECT_EQ(fetches_, 2);
}

TEST_F(JwksCacheTest, WithoutCacheControlKeepsOneHour) {
  Serve({{key_a_, "a"}});
  auto cache = MakeCache();
  cache.Find("u", "a");
  now_ += 3599;
  cache.Find("u", "a");
  EXPECT_EQ(fetches_, 1);
  now_ += 1;
  cache.Find("u", "a");
  EXPECT_EQ(fetches_, 2);
}

TEST_F(JwksCacheTest, UnknownKidRefetchesOnceAndPicksUpARotatedKey) {
  Serve({{key_a_, "a"}});
  auto cache = MakeCache();
  ASSERT_NE(cache.Find("u", "a"), nullptr);
  Serve({{key_a_, "a"}, {key_b_, "b"}});
  now_ += 5;
  auto b = cache.Find("u", "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->kid, "b");
  EXPECT_EQ(fetches_, 2);
}

TEST_F(JwksCacheTest, UnknownKidRefetchesAtMostOnceAMinute) {
  Serve({{key_a_, "a"}});
  auto cache = MakeCache();
  cache.Find("u", "a");
  EXPECT_EQ(cache.Find("u", "x1"), nullptr);  // refetch 1
  EXPECT_EQ(fetches_, 2);
  now_ += 59;
  EXPECT_EQ(cache.Find("u", "x2"), nullptr);  // within the minute: no fetch
  EXPECT_EQ(fetches_, 2);
  now_ += 1;
  EXPECT_EQ(cache.Find("u", "x3"), nullptr);
  EXPECT_EQ(fetches_, 3);
}

TEST_F(JwksCacheTest, FirstLoadAnswersAnUnknownKidWithoutASecondFetch) {
  Serve({{key_a_, "a"}});
  auto cache = MakeCache();
  EXPECT_EQ(cache.Find("u", "zz"), nullptr);
  EXPECT_EQ(fetches_, 1);
}

TEST_F(JwksCacheTest, EmptyKidMatchesOnlyASingleKeySet) {
  Serve({{key_a_, "a"}});
  auto cache = MakeCache();
  EXPECT_NE(cache.Find("u", ""), nullptr);
  Serve({{key_a_, "a"}, {key_b_, "b"}});
  auto other = MakeCache();
  EXPECT_EQ(other.Find("u", ""), nullptr);
}

TEST_F(JwksCacheTest, UrlsAreCachedApart) {
  Serve({{key_a_, "a"}});
  auto cache = MakeCache();
  cache.Find("u1", "a");
  cache.Find("u2", "a");
  cache.Find("u1", "a");
  EXPECT_EQ(fetches_, 2);
}

TEST_F(JwksCacheTest, ProviderFailuresAre502) {
  auto cache = MakeCache();
  for (FetchResponse bad : {FetchResponse{500, "{}", ""}, FetchResponse{200, "not json", ""},
                            FetchResponse{200, "{\"keys\":3}", ""}, FetchResponse{404, "", ""}}) {
    response_ = bad;
    try {
      cache.Find("u-" + std::to_string(fetches_), "a");
      FAIL() << bad.body;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.Status(), 502);
      EXPECT_EQ(e.Code(), "provider_error");
      EXPECT_EQ(e.Entries().front().message, "The provider could not be reached.");
    }
  }
}

TEST_F(JwksCacheTest, UnusableKeysAreSkipped) {
  response_ = {200,
               "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"bad\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
               "{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\"}," +
                   JwkWithKid(*key_a_, "a") + "]}",
               ""};
  auto cache = MakeCache();
  EXPECT_NE(cache.Find("u", "a"), nullptr);
  EXPECT_EQ(cache.Find("u", "bad"), nullptr);
}

TEST(MaxAge, ReadsTheDirective) {
  EXPECT_EQ(MaxAge("public, max-age=19942, must-revalidate, no-transform"), 19942);
  EXPECT_EQ(MaxAge("Max-Age=5"), 5);
  EXPECT_EQ(MaxAge("no-cache"), std::nullopt);
  EXPECT_EQ(MaxAge("max-age="), std::nullopt);
}

}  // namespace
}  // namespace dfauth::social
