#include "verifier/verifier_impl.hpp"

#include <gtest/gtest.h>

#include <map>

namespace dfauth {
namespace {

constexpr int64_t kNow = 1'700'000'000;
const std::string kUrl = "http://auth.test/.well-known/jwks.json";

/// A JWKS endpoint in memory: the keys it publishes, the Cache-Control it sends, its fetches.
struct FakeJwks {
  std::vector<token::Key> keys;
  std::string cache_control = "max-age=300";
  int fetches = 0;

  social::Fetcher Fetcher() {
    return [this](const std::string& url, const std::vector<std::string>&) {
      ++fetches;
      std::string body = R"({"keys":[)";
      for (size_t i = 0; i < keys.size(); ++i) {
        std::string jwk = token::PublicJwk(keys[i]);
        jwk.pop_back();  // the closing brace: add kid and alg
        body += (i ? "," : "") + jwk + R"(,"kid":")" + keys[i].kid + R"(","alg":")" +
                std::string(token::AlgorithmName(keys[i].alg)) + R"(","use":"sig"})";
      }
      return social::FetchResponse{url == kUrl ? 200 : 404, body + "]}", cache_control};
    };
  }
};

std::string Claims(std::string_view type, int64_t exp, std::string_view extra = "") {
  return R"({"token_type":")" + std::string(type) + R"(","exp":)" + std::to_string(exp) +
         R"(,"iat":1699999000,"jti":"abc","user_id":7,"iss":"https://auth","aud":"svc")" +
         std::string(extra) + "}";
}

std::string SignedBy(const token::Key& key, const std::string& payload) {
  return token::Sign(token::MakeHeader(key), payload, key);
}

struct VerifierTest : ::testing::Test {
  FakeJwks jwks;
  int64_t now = kNow;
  token::Key es = token::GenerateKeyPair(token::Algorithm::kES256);

  Verifier Make(VerifierOptions options = {}) {
    if (options.jwks_url.empty() && options.hs256_secret.empty()) options.jwks_url = kUrl;
    options.issuer = "https://auth";
    options.audience = "svc";
    return Verifier(std::make_unique<Verifier::Impl>(options, jwks.Fetcher(), [this] { return now; }));
  }

  std::string Reason(const Verifier& v, const std::string& token) {
    try {
      v.Verify(token);
    } catch (const ApiError& e) {
      EXPECT_EQ(e.Status(), 401);
      EXPECT_EQ(e.Code(), "token_not_valid");
      return e.Entries().front().message;
    }
    return "accepted";
  }
};

TEST_F(VerifierTest, AGoodTokenGivesItsClaimsAndKid) {
  jwks.keys = {es};
  Verifier v = Make();
  VerifiedToken t = v.Verify("Bearer " + SignedBy(es, Claims("access", kNow + 60, R"(,"sid":"s1")")));
  EXPECT_EQ(t.user_id, 7);
  EXPECT_EQ(t.token_type, "access");
  EXPECT_EQ(t.jti, "abc");
  EXPECT_EQ(t.sid, "s1");
  EXPECT_EQ(t.exp, kNow + 60);
  EXPECT_EQ(t.alg, "ES256");
  EXPECT_EQ(t.kid, es.kid);
  EXPECT_EQ(jwks.fetches, 1);
  v.Verify(SignedBy(es, Claims("access", kNow + 60)));  // a bare token, from the cache
  EXPECT_EQ(jwks.fetches, 1);
}

TEST_F(VerifierTest, EachRefusalNamesItsReason) {
  jwks.keys = {es};
  Verifier v = Make();
  std::string good = SignedBy(es, Claims("access", kNow + 60));
  std::string tampered = good;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Reason(v, tampered), "signature does not verify");
  EXPECT_EQ(Reason(v, SignedBy(es, Claims("access", kNow - 31))), "expired");
  EXPECT_EQ(Reason(v, SignedBy(es, Claims("access", kNow - 29))), "accepted");  // 30 s leeway
  EXPECT_EQ(Reason(v, SignedBy(es, Claims("refresh", kNow + 60))), "wrong token type refresh");
  EXPECT_EQ(Reason(v, SignedBy(es, R"({"token_type":"access","exp":1700000060,"jti":"j","user_id":1,"iss":"https://auth","aud":"other"})")),
            "wrong audience");
  EXPECT_EQ(Reason(v, "not.a.token"), "malformed token or algorithm not accepted");
  EXPECT_EQ(Reason(v, ""), "no token");
}

TEST_F(VerifierTest, TheAlgorithmIsPinnedNotTakenFromTheToken) {
  token::Key ed = token::GenerateKeyPair(token::Algorithm::kEdDSA);
  jwks.keys = {es, ed};
  Verifier only_es = Make({.algorithms = {"ES256"}});
  EXPECT_EQ(Reason(only_es, SignedBy(ed, Claims("access", kNow + 60))), "malformed token or algorithm not accepted");
  // HS256 signed with the public key's bytes as secret: no key of the JWKS is an HS256 key.
  token::Key forged{token::Algorithm::kHS256, es.kid, token::PublicKeyPem(es), nullptr};
  Verifier both = Make({.algorithms = {"ES256", "EdDSA"}});
  EXPECT_EQ(Reason(both, SignedBy(forged, Claims("access", kNow + 60))), "malformed token or algorithm not accepted");
  EXPECT_EQ(both.Verify(SignedBy(ed, Claims("access", kNow + 60))).alg, "EdDSA");
  // An ES256 header over a key the JWKS has as EdDSA: the key's algorithm must match too.
  token::Key lying = ed;
  lying.alg = token::Algorithm::kES256;
  EXPECT_THROW(token::Sign(token::MakeHeader(lying), Claims("access", kNow + 60), lying), token::KeyError);
}

TEST_F(VerifierTest, AnUnknownKidRefetchesOnceAMinuteAndFindsTheRotatedKey) {
  jwks.keys = {es};
  Verifier v = Make();
  v.Verify(SignedBy(es, Claims("access", kNow + 600)));
  EXPECT_EQ(jwks.fetches, 1);
  token::Key next = token::GenerateKeyPair(token::Algorithm::kES256);
  jwks.keys = {es, next};  // df-auth rotated
  EXPECT_EQ(v.Verify(SignedBy(next, Claims("access", kNow + 600))).kid, next.kid);
  EXPECT_EQ(jwks.fetches, 2);
  EXPECT_EQ(v.JwksFetches(), 2);
  // A kid nobody publishes: one refetch a minute at most.
  token::Key stranger = token::GenerateKeyPair(token::Algorithm::kES256);
  EXPECT_EQ(Reason(v, SignedBy(stranger, Claims("access", kNow + 600))), "unknown key id");
  EXPECT_EQ(Reason(v, SignedBy(stranger, Claims("access", kNow + 600))), "unknown key id");
  EXPECT_EQ(jwks.fetches, 2);
  now += 61;
  EXPECT_EQ(Reason(v, SignedBy(stranger, Claims("access", kNow + 600))), "unknown key id");
  EXPECT_EQ(jwks.fetches, 3);
}

TEST_F(VerifierTest, TheDocumentIsKeptForItsMaxAge) {
  jwks.keys = {es};
  jwks.cache_control = "public, max-age=120";
  Verifier v = Make();
  v.Verify(SignedBy(es, Claims("access", kNow + 600)));
  now += 119;
  v.Verify(SignedBy(es, Claims("access", kNow + 600)));
  EXPECT_EQ(jwks.fetches, 1);
  now += 2;
  v.Verify(SignedBy(es, Claims("access", kNow + 600)));
  EXPECT_EQ(jwks.fetches, 2);
}

TEST_F(VerifierTest, Hs256ModeUsesTheSharedSecret) {
  Verifier v = Make({.hs256_secret = "a shared secret of df-auth", .algorithms = {"HS256"}});
  token::Key secret{token::Algorithm::kHS256, "", "a shared secret of df-auth", nullptr};
  token::Key other{token::Algorithm::kHS256, "", "another secret", nullptr};
  EXPECT_EQ(v.Verify(SignedBy(secret, Claims("access", kNow + 60))).user_id, 7);
  EXPECT_EQ(Reason(v, SignedBy(other, Claims("access", kNow + 60))), "signature does not verify");
  EXPECT_EQ(jwks.fetches, 0);
}

TEST_F(VerifierTest, AnUnreachableJwksIs503) {
  Verifier v = Make({.jwks_url = "http://auth.test/elsewhere"});
  try {
    v.Verify(SignedBy(es, Claims("access", kNow + 60)));
    FAIL() << "accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.Status(), 503);
    EXPECT_EQ(e.Code(), "jwks_unavailable");
  }
}

TEST_F(VerifierTest, OptionsThatCannotWorkAreRefused) {
  auto field_of = [&](VerifierOptions o) -> std::string {
    try {
      Make(std::move(o));
    } catch (const ApiError& e) {
      EXPECT_EQ(e.Code(), "invalid_config");
      return e.Entries().front().field.value_or("");
    }
    return "accepted";
  };
  EXPECT_EQ(field_of({.algorithms = {"none"}}), "algorithms");
  EXPECT_EQ(field_of({.algorithms = {}}), "algorithms");
  EXPECT_EQ(field_of({.jwks_url = kUrl, .algorithms = {"HS256"}}), "hs256_secret");
  EXPECT_EQ(field_of({.hs256_secret = "s", .algorithms = {"RS256"}}), "jwks_url");
  EXPECT_EQ(field_of({.leeway = std::chrono::seconds(-1)}), "leeway");
}

}  // namespace
}  // namespace dfauth
