#include "token/jws.hpp"

#include <gtest/gtest.h>

#include "crypto/primitives.hpp"

namespace dfauth::token {
namespace {

// RFC 7515 Appendix A: the shared payload and the three worked examples.
constexpr char kRfcPayload[] =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
constexpr char kRfcPayloadB64[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

constexpr char kA1Jwk[] =
    "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"
    "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjA"
    "zZr1Z9CAow\"}";
constexpr char kA1Token[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

constexpr char kA2Jwk[] =
    "{\"kty\":\"RSA\","
    "\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx"
    "HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs"
    "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH"
    "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV"
    "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8"
    "NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\","
    "\"e\":\"AQAB\","
    "\"d\":\"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97I"
    "jlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0"
    "BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn"
    "439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYT"
    "CBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLh"
    "BOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ\","
    "\"p\":\"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdi"
    "YrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPG"
    "BY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc\","
    "\"q\":\"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxa"
    "ewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA"
    "-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc\","
    "\"dp\":\"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3Q"
    "CLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb"
    "34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0\","
    "\"dq\":\"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa"
    "7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-ky"
    "NlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU\","
    "\"qi\":\"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2o"
    "y26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLU"
    "W0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U\"}";
constexpr char kA2Signature[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

constexpr char kA3Jwk[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
constexpr char kA3Token[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 Appendix A.
constexpr char kEdJwk[] =
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
    "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\","
    "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
constexpr char kEdSignature[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

KeyLookup Only(const Key& key) {
  return [&key](std::string_view) { return &key; };
}

// A token whose header is `header_json`, signed correctly by `key` (for header-level tests).
std::string SignedWithHeader(const std::string& header_json, const Key& key) {
  return Sign(header_json, "{\"sub\":\"x\"}", key);
}

std::string Segment(std::string_view token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  std::size_t end = token.find('.', start);
  return std::string(token.substr(start, end == std::string_view::npos ? token.npos : end - start));
}

TEST(Jws, Rfc7515A1Hs256VerifiesWithTheJwkKey) {
  Key key = KeyFromJwk(kA1Jwk);
  EXPECT_EQ(key.alg, Algorithm::kHS256);
  auto verified = Verify(kA1Token, Algorithm::kHS256, Only(key));
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->header_json, "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
  EXPECT_EQ(verified->payload_json, kRfcPayload);
  // Signing the same header and payload reproduces the RFC's token byte for byte.
  EXPECT_EQ(Sign("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}", kRfcPayload, key), kA1Token);
}

TEST(Jws, Rfc7515A1TamperedTokenIsRejected) {
  Key key = KeyFromJwk(kA1Jwk);
  std::string tampered = kA1Token;
  tampered[tampered.size() - 1] = 'j';  // last signature character
  EXPECT_FALSE(Verify(tampered, Algorithm::kHS256, Only(key)));
  std::string payload_changed = kA1Token;
  payload_changed[45] = payload_changed[45] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Verify(payload_changed, Algorithm::kHS256, Only(key)));
  Key other{Algorithm::kHS256, "", "another secret", nullptr};
  EXPECT_FALSE(Verify(kA1Token, Algorithm::kHS256, Only(other)));
}

TEST(Jws, Rfc7515A2Rs256VerifiesAndSignsExactly) {
  Key priv = KeyFromJwk(kA2Jwk);
  EXPECT_EQ(priv.alg, Algorithm::kRS256);
  std::string token = std::string("eyJhbGciOiJSUzI1NiJ9.") + kRfcPayloadB64 + "." + kA2Signature;
  // Verify with the public half only, as a relying party would.
  Key pub = KeyFromJwk(PublicJwk(priv));
  auto verified = Verify(token, Algorithm::kRS256, Only(pub));
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->payload_json, kRfcPayload);
  // RSASSA-PKCS1-v1_5 is deterministic: our signature equals the RFC's.
  EXPECT_EQ(Sign("{\"alg\":\"RS256\"}", kRfcPayload, priv), token);
}

TEST(Jws, Rfc7515A3Es256Verifies) {
  Key key = KeyFromJwk(kA3Jwk);
  EXPECT_EQ(key.alg, Algorithm::kES256);
  auto verified = Verify(kA3Token, Algorithm::kES256, Only(key));
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->payload_json, kRfcPayload);
  std::string tampered = kA3Token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'U' ? 'V' : 'U';
  EXPECT_FALSE(Verify(tampered, Algorithm::kES256, Only(key)));
}

TEST(Jws, Es256SignaturesAreRawRsConcatenation) {
  Key key = GenerateKeyPair(Algorithm::kES256);
  std::string token = Sign(MakeHeader(key), "{}", key);
  EXPECT_EQ(crypto::Base64UrlDecode(Segment(token, 2))->size(), 64u);
  EXPECT_TRUE(Verify(token, Algorithm::kES256, Only(key)));
}

TEST(Jws, Rfc8037A4Ed25519SignatureIsExact) {
  Key key = KeyFromJwk(kEdJwk);
  EXPECT_EQ(key.alg, Algorithm::kEdDSA);
  std::string token = Sign("{\"alg\":\"EdDSA\"}", "Example of Ed25519 signing", key);
  EXPECT_EQ(token, std::string("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.") +
                       kEdSignature);
  Key pub = KeyFromJwk(PublicJwk(key));
  auto verified = Verify(token, Algorithm::kEdDSA, Only(pub));
  ASSERT_TRUE(verified.has_value());
  EXPECT_EQ(verified->payload_json, "Example of Ed25519 signing");
  // RFC 8037 A.3: the thumbprint of this key.
  EXPECT_EQ(Thumbprint(key), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(Jws, Rfc7638ThumbprintExample) {
  Key key = KeyFromJwk(
      "{\"kty\":\"RSA\",\"n\":"
      "\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6t"
      "Soc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
      "FDW2"
      "QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
      "bFTWhAI4vMQFh6WeZu0"
      "fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\","
      "\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}");
  EXPECT_EQ(key.kid, "2011-04-29");
  EXPECT_EQ(Thumbprint(key), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(Jws, PublicJwkHasExactMembers) {
  Key ed = KeyFromJwk(kEdJwk);
  EXPECT_EQ(PublicJwk(ed),
            "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"11qYAYKxCrfVS_"
            "7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}");
  Key ec = KeyFromJwk(kA3Jwk);
  EXPECT_EQ(
      PublicJwk(ec),
      "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
      "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}");
  Key hs{Algorithm::kHS256, "", "secret", nullptr};
  EXPECT_THROW(PublicJwk(hs), KeyError);
}

TEST(Jws, AlgNoneIsRejected) {
  Key key{Algorithm::kHS256, "", "secret", nullptr};
  std::string none = std::string("eyJhbGciOiJub25lIn0.") + kRfcPayloadB64 + ".";
  EXPECT_FALSE(Verify(none, Algorithm::kHS256, Only(key)));
  // Even with a (bogus) signature part, "none" and "None" never match the pinned algorithm.
  for (const char* alg : {"none", "None", "NONE", "hs256"}) {
    std::string header = crypto::Base64UrlEncode(std::string("{\"alg\":\"") + alg + "\"}");
    std::string input = header + "." + kRfcPayloadB64;
    std::string token = input + "." + crypto::Base64UrlEncode(crypto::HmacSha256("secret", input));
    EXPECT_FALSE(Verify(token, Algorithm::kHS256, Only(key))) << alg;
  }
}

TEST(Jws, MissingOrNonStringAlgIsRejected) {
  Key key{Algorithm::kHS256, "", "secret", nullptr};
  EXPECT_FALSE(Verify(SignedWithHeader("{\"typ\":\"JWT\"}", key), Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(
      Verify(SignedWithHeader("{\"alg\":[\"HS256\"]}", key), Algorithm::kHS256, Only(key)));
  EXPECT_TRUE(Verify(SignedWithHeader("{\"alg\":\"HS256\"}", key), Algorithm::kHS256, Only(key)));
}

TEST(Jws, AlgorithmConfusionWithRsaPublicPemIsRejected) {
  Key rsa = GenerateKeyPair(Algorithm::kRS256);
  Key rsa_public = KeyFromJwk(PublicJwk(rsa));
  // The classic attack: HMAC the token with the server's public key PEM as the secret.
  Key forged_hmac{Algorithm::kHS256, "", PublicKeyPem(rsa), nullptr};
  std::string forged = Sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"user_id\":1}", forged_hmac);
  EXPECT_FALSE(Verify(forged, Algorithm::kRS256, Only(rsa_public)));
  // A lookup that hands out a key of another algorithm is refused too.
  EXPECT_FALSE(Verify(forged, Algorithm::kHS256, Only(rsa_public)));
}

TEST(Jws, WrongPinnedAlgorithmIsRejected) {
  Key ed = GenerateKeyPair(Algorithm::kEdDSA);
  std::string token = Sign(MakeHeader(ed), "{}", ed);
  EXPECT_TRUE(Verify(token, Algorithm::kEdDSA, Only(ed)));
  EXPECT_FALSE(Verify(token, Algorithm::kES256, Only(ed)));
  EXPECT_FALSE(Verify(token, Algorithm::kRS256, Only(ed)));
  // A key of the right algorithm but a different pair does not verify.
  Key other = GenerateKeyPair(Algorithm::kEdDSA);
  EXPECT_FALSE(Verify(token, Algorithm::kEdDSA, Only(other)));
}

TEST(Jws, BadSignatureIsRejected) {
  Key key{Algorithm::kHS256, "", "secret", nullptr};
  std::string token = Sign("{\"alg\":\"HS256\"}", "{}", key);
  std::string sig = *crypto::Base64UrlDecode(Segment(token, 2));
  sig[0] ^= 1;
  std::string bad = token.substr(0, token.rfind('.') + 1) + crypto::Base64UrlEncode(sig);
  EXPECT_FALSE(Verify(bad, Algorithm::kHS256, Only(key)));
  std::string truncated = token.substr(0, token.size() - 2);
  EXPECT_FALSE(Verify(truncated, Algorithm::kHS256, Only(key)));
}

TEST(Jws, MalformedBase64IsRejected) {
  Key key = KeyFromJwk(kA1Jwk);
  std::string token = kA1Token;
  EXPECT_FALSE(Verify(token + "=", Algorithm::kHS256, Only(key)));  // padding
  std::string plus = token;
  plus[3] = '+';
  EXPECT_FALSE(Verify(plus, Algorithm::kHS256, Only(key)));  // standard alphabet
  std::string space = token;
  space.insert(10, " ");
  EXPECT_FALSE(Verify(space, Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(Verify("a.b.c", Algorithm::kHS256, Only(key)));  // lone sextets
}

TEST(Jws, WrongNumberOfPartsIsRejected) {
  Key key = KeyFromJwk(kA1Jwk);
  std::string token = kA1Token;
  EXPECT_FALSE(Verify(token.substr(0, token.rfind('.')), Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(Verify(token + ".e30", Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(Verify(token + ".", Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(Verify("", Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(Verify("..", Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(Verify("garbage", Algorithm::kHS256, Only(key)));
}

TEST(Jws, HeaderMustBeAJsonObjectWithoutCrit) {
  Key key{Algorithm::kHS256, "", "secret", nullptr};
  EXPECT_FALSE(Verify(SignedWithHeader("[\"HS256\"]", key), Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(Verify(SignedWithHeader("not json", key), Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(Verify(SignedWithHeader("{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}", key),
                      Algorithm::kHS256, Only(key)));
  EXPECT_FALSE(
      Verify(SignedWithHeader("{\"alg\":\"HS256\",\"kid\":5}", key), Algorithm::kHS256, Only(key)));
}

TEST(Jws, DuplicateHeaderMembersAreRejected) {
  Key key{Algorithm::kHS256, "", "secret", nullptr};
  // Signed with the right key: only the duplicate can refuse them. A parser that keeps the last
  // copy would read HS256 from the first; one that keeps the first, none from the second.
  for (const char* header : {R"({"alg":"none","alg":"HS256"})", R"({"alg":"HS256","alg":"none"})",
                             R"({"alg":"HS256","alg":"HS256"})", R"({"alg":"HS256","typ":"JWT","typ":"JWT"})",
                             R"({"alg":"HS256","kid":"a","kid":"b"})"}) {
    EXPECT_FALSE(Verify(SignedWithHeader(header, key), Algorithm::kHS256, Only(key))) << header;
  }
  EXPECT_TRUE(Verify(SignedWithHeader(R"({"alg":"HS256","kid":"a","typ":"JWT"})", key), Algorithm::kHS256, Only(key)));
}

TEST(Jws, TypMustNameAJwtWhenPresent) {
  Key key{Algorithm::kHS256, "", "secret", nullptr};
  for (const char* typ : {"\"JWT\"", "\"jwt\"", "\"application/jwt\"", "\"Application/JWT\""}) {
    std::string header = std::string(R"({"alg":"HS256","typ":)") + typ + "}";
    EXPECT_TRUE(Verify(SignedWithHeader(header, key), Algorithm::kHS256, Only(key))) << header;
  }
  EXPECT_TRUE(Verify(SignedWithHeader(R"({"alg":"HS256"})", key), Algorithm::kHS256, Only(key)));
  for (const char* typ : {"\"at+jwt\"", "\"JWE\"", "\"JOSE\"", "\"\"", "\"JWT \"", "\"application/jose\"",
                          "1", "null", "[\"JWT\"]"}) {
    std::string header = std::string(R"({"alg":"HS256","typ":)") + typ + "}";
    EXPECT_FALSE(Verify(SignedWithHeader(header, key), Algorithm::kHS256, Only(key))) << header;
  }
}

TEST(Jws, OversizedTokenIsRejected) {
  Key key{Algorithm::kHS256, "", "secret", nullptr};
  std::string small =
      Sign("{\"alg\":\"HS256\"}", "{\"pad\":\"" + std::string(5000, 'a') + "\"}", key);
  EXPECT_TRUE(Verify(small, Algorithm::kHS256, Only(key)));
  std::string big =
      Sign("{\"alg\":\"HS256\"}", "{\"pad\":\"" + std::string(7000, 'a') + "\"}", key);
  ASSERT_GT(big.size(), kMaxTokenLength);
  EXPECT_FALSE(Verify(big, Algorithm::kHS256, Only(key)));
}

TEST(Jws, KidSelectsTheVerifyingKey) {
  Key a = GenerateKeyPair(Algorithm::kES256);
  Key b = GenerateKeyPair(Algorithm::kES256);
  KeyLookup lookup = [&](std::string_view kid) -> const Key* {
    if (kid == a.kid) return &a;
    if (kid == b.kid) return &b;
    return nullptr;
  };
  EXPECT_TRUE(Verify(Sign(MakeHeader(a), "{}", a), Algorithm::kES256, lookup));
  EXPECT_TRUE(Verify(Sign(MakeHeader(b), "{}", b), Algorithm::kES256, lookup));
  Key unknown = GenerateKeyPair(Algorithm::kES256);
  EXPECT_FALSE(Verify(Sign(MakeHeader(unknown), "{}", unknown), Algorithm::kES256, lookup));
  // A token claiming a's kid but signed by b fails.
  Key b_as_a = b;
  b_as_a.kid = a.kid;
  EXPECT_FALSE(Verify(Sign(MakeHeader(b_as_a), "{}", b), Algorithm::kES256, lookup));
}

TEST(Jws, MakeHeaderHasAlgKidTyp) {
  Key hs{Algorithm::kHS256, "", "secret", nullptr};
  EXPECT_EQ(MakeHeader(hs), "{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  Key ed = KeyFromJwk(kEdJwk);
  ed.kid = "k1";
  EXPECT_EQ(MakeHeader(ed), "{\"alg\":\"EdDSA\",\"kid\":\"k1\",\"typ\":\"JWT\"}");
}

TEST(Jws, AlgorithmNamesRoundTrip) {
  for (Algorithm alg :
       {Algorithm::kHS256, Algorithm::kRS256, Algorithm::kES256, Algorithm::kEdDSA}) {
    EXPECT_EQ(ParseAlgorithm(AlgorithmName(alg)), alg);
  }
  EXPECT_EQ(ParseAlgorithm("none"), std::nullopt);
  EXPECT_EQ(ParseAlgorithm("hs256"), std::nullopt);
  EXPECT_EQ(ParseAlgorithm("Ed25519"), std::nullopt);
}

TEST(Jws, PemRoundTripKeepsKidAndChecksAlgorithm) {
  for (Algorithm alg : {Algorithm::kRS256, Algorithm::kES256, Algorithm::kEdDSA}) {
    Key key = GenerateKeyPair(alg);
    EXPECT_EQ(key.kid.size(), 43u);
    Key loaded = LoadPrivateKeyPem(PrivateKeyPem(key), alg);
    EXPECT_EQ(loaded.kid, key.kid);
    std::string token = Sign(MakeHeader(loaded), "{\"a\":1}", loaded);
    EXPECT_TRUE(Verify(token, alg, Only(key))) << AlgorithmName(alg);
  }
  Key ec = GenerateKeyPair(Algorithm::kES256);
  EXPECT_THROW(LoadPrivateKeyPem(PrivateKeyPem(ec), Algorithm::kRS256), KeyError);
  EXPECT_THROW(LoadPrivateKeyPem(PrivateKeyPem(ec), Algorithm::kEdDSA), KeyError);
  EXPECT_THROW(LoadPrivateKeyPem("not a pem", Algorithm::kES256), KeyError);
  EXPECT_THROW(LoadPrivateKeyPem(PublicKeyPem(ec), Algorithm::kES256), KeyError);
}

TEST(Jws, WeakRsaAndOtherCurvesAreRefused) {
  EXPECT_THROW(KeyFromJwk("{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}"), KeyError);
  EXPECT_THROW(KeyFromJwk("{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AQAB\",\"y\":\"AQAB\"}"),
               KeyError);
  // A point that is not on P-256 (x of the RFC key with y = 1).
  EXPECT_THROW(KeyFromJwk("{\"kty\":\"EC\",\"crv\":\"P-256\","
                          "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                          "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}"),
               KeyError);
  EXPECT_THROW(KeyFromJwk("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AQAB\"}"), KeyError);
  EXPECT_THROW(KeyFromJwk("[]"), KeyError);
  EXPECT_THROW(KeyFromJwk("{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"RS256\","
                          "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                          "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"),
               KeyError);
}

TEST(Jws, LoadPrivateKeyFileNamesTheSetting) {
  try {
    LoadPrivateKeyFile("/nonexistent/key.pem", Algorithm::kEdDSA);
    FAIL() << "expected KeyError";
  } catch (const KeyError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("JWT_PRIVATE_KEY_FILE")) << e.what();
  }
}

}  // namespace
}  // namespace dfauth::token
