#include "social/id_token.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/primitives.hpp"

namespace dfauth::social {
namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr char kUrl[] = "https://jwks.test/google";
constexpr char kClient[] = "client-123.apps.googleusercontent.com";

class IdTokenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    signer_ = new token::Key(token::GenerateKeyPair(token::Algorithm::kRS256));
    signer_->kid = "k1";
    stranger_ = new token::Key(token::GenerateKeyPair(token::Algorithm::kRS256));
    stranger_->kid = "k1";  // same kid, other key: a forgery
  }
  static void TearDownTestSuite() {
    delete signer_;
    delete stranger_;
  }

  IdTokenTest()
      : jwks_([](const std::string&, const std::vector<std::string>&) {
          auto jwk = nlohmann::json::parse(token::PublicJwk(*signer_));
          jwk["kid"] = "k1";
          return FetchResponse{200, nlohmann::json{{"keys", {jwk}}}.dump(), ""};
        }, [] { return kNow; }) {}

  static nlohmann::json Claims() {
    return {{"iss", "https://accounts.google.com"}, {"aud", kClient}, {"sub", "1001"},
            {"email", "Ada@Example.com"}, {"email_verified", true}, {"given_name", "Ada"},
            {"family_name", "Lovelace"}, {"iat", kNow - 10}, {"exp", kNow + 3600}};
  }

  static std::string SignWith(const token::Key& key, const nlohmann::json& claims) {
    return token::Sign(token::MakeHeader(key), claims.dump(), key);
  }

  SocialIdentity Check(const std::string& id_token, IdTokenCheck check = Google()) {
    return VerifyIdToken(id_token, check, jwks_, kNow);
  }

  static IdTokenCheck Google() {
    return {kUrl, {"https://accounts.google.com", "accounts.google.com"}, kClient, true};
  }

  void ExpectRejected(const std::string& id_token, IdTokenCheck check = Google()) {
    try {
      Check(id_token, check);
      FAIL() << "accepted";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.Status(), 401);
      EXPECT_EQ(e.Code(), "authentication_failed");
    }
  }

  static token::Key* signer_;
  static token::Key* stranger_;
  JwksCache jwks_;
};

token::Key* IdTokenTest::signer_ = nullptr;
token::Key* IdTokenTest::stranger_ = nullptr;

TEST_F(IdTokenTest, AValidTokenGivesTheIdentity) {
  auto id = Check(SignWith(*signer_, Claims()));
  EXPECT_EQ(id.uid, "1001");
  EXPECT_EQ(id.email, "Ada@Example.com");
  EXPECT_TRUE(id.email_verified);
  EXPECT_EQ(id.first_name, "Ada");
  EXPECT_EQ(id.last_name, "Lovelace");
  EXPECT_EQ(nlohmann::json::parse(id.extra_json)["sub"], "1001");
}

TEST_F(IdTokenTest, IssuerWithoutSchemeAndAudienceListAreAccepted) {
  auto claims = Claims();
  claims["iss"] = "accounts.google.com";
  claims["aud"] = {"other", kClient};
  EXPECT_EQ(Check(SignWith(*signer_, claims)).uid, "1001");
}

TEST_F(IdTokenTest, StringEmailVerifiedAndSplitNamesAsApple) {
  auto claims = Claims();
  claims["email_verified"] = "true";
  claims.erase("given_name");
  claims.erase("family_name");
  claims["name"] = "Ada King Lovelace";
  auto id = Check(SignWith(*signer_, claims));
  EXPECT_TRUE(id.email_verified);
  EXPECT_EQ(id.first_name, "Ada");
  EXPECT_EQ(id.last_name, "King Lovelace");
  claims["email_verified"] = "false";
  IdTokenCheck no_names = Google();
  no_names.take_names = false;
  auto apple = Check(SignWith(*signer_, claims), no_names);
  EXPECT_FALSE(apple.email_verified);
  EXPECT_EQ(apple.first_name, "");
  EXPECT_EQ(apple.last_name, "");
}

TEST_F(IdTokenTest, ForgedSignatureIsRejected) { ExpectRejected(SignWith(*stranger_, Claims())); }

TEST_F(IdTokenTest, WrongAudienceIsRejected) {
  auto claims = Claims();
  claims["aud"] = "someone-else";
  ExpectRejected(SignWith(*signer_, claims));
  claims.erase("aud");
  ExpectRejected(SignWith(*signer_, claims));
}

TEST_F(IdTokenTest, WrongIssuerIsRejected) {
  auto claims = Claims();
  claims["iss"] = "https://evil.example";
  ExpectRejected(SignWith(*signer_, claims));
  ExpectRejected(SignWith(*signer_, Claims()),
                 IdTokenCheck{kUrl, {"https://appleid.apple.com"}, kClient, false});
}

TEST_F(IdTokenTest, ExpiryAndIssueTimeAreChecked) {
  auto claims = Claims();
  claims["exp"] = kNow - kIdTokenLeeway;
  ExpectRejected(SignWith(*signer_, claims));
  claims["exp"] = kNow - kIdTokenLeeway + 1;  // within the tolerated skew
  EXPECT_EQ(Check(SignWith(*signer_, claims)).uid, "1001");
  claims = Claims();
  claims["iat"] = kNow + kIdTokenLeeway + 1;
  ExpectRejected(SignWith(*signer_, claims));
  claims.erase("iat");
  ExpectRejected(SignWith(*signer_, claims));
  claims = Claims();
  claims.erase("exp");
  ExpectRejected(SignWith(*signer_, claims));
}

TEST_F(IdTokenTest, OtherAlgorithmsAndUnknownKidsAreRejected) {
  // HS256 with the public key's JWK as a secret (algorithm confusion) and "none".
  token::Key hs{token::Algorithm::kHS256, "k1", token::PublicJwk(*signer_), nullptr};
  ExpectRejected(SignWith(hs, Claims()));
  std::string none = crypto::Base64UrlEncode(R"({"alg":"none","kid":"k1"})") + "." +
                     crypto::Base64UrlEncode(Claims().dump()) + ".";
  ExpectRejected(none);
  token::Key other = *signer_;
  other.kid = "k2";
  ExpectRejected(SignWith(other, Claims()));
}

TEST_F(IdTokenTest, MissingSubjectIsRejected) {
  auto claims = Claims();
  claims.erase("sub");
  ExpectRejected(SignWith(*signer_, claims));
}

TEST(IdTokenShape, LooksLikeJwt) {
  EXPECT_TRUE(LooksLikeJwt("aa.bb.cc"));
  EXPECT_TRUE(LooksLikeJwt("eyJh-_.eyJ0.c2ln"));
  EXPECT_FALSE(LooksLikeJwt("ya29.a0AfH6SMB"));
  EXPECT_FALSE(LooksLikeJwt("aa..cc"));
  EXPECT_FALSE(LooksLikeJwt("aa.bb.cc.dd"));
  EXPECT_FALSE(LooksLikeJwt("aa.bb.c/c"));
  EXPECT_FALSE(LooksLikeJwt(""));
}

TEST(IdTokenShape, SplitName) {
  EXPECT_EQ(SplitName("Ada Lovelace"), std::make_pair(std::string("Ada"), std::string("Lovelace")));
  EXPECT_EQ(SplitName("Cher"), std::make_pair(std::string("Cher"), std::string("")));
  EXPECT_EQ(SplitName("  "), std::make_pair(std::string(""), std::string("")));
}

}  // namespace
}  // namespace dfauth::social
