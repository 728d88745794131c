#include "passkey/signature.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>

#include "crypto/primitives.hpp"

namespace dfauth::passkey {
namespace {

// A software authenticator's key: makes the COSE key and signs like one.
struct TestKey {
  EVP_PKEY* pkey = nullptr;
  CoseKey cose;
  ~TestKey() { EVP_PKEY_free(pkey); }

  std::string Sign(std::string_view message) const {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    const EVP_MD* digest = cose.alg == kAlgEdDsa ? nullptr : EVP_sha256();
    size_t len = 0;
    EXPECT_EQ(EVP_DigestSignInit(md, nullptr, digest, nullptr, pkey), 1);
    EXPECT_EQ(EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()), 1);
    std::string sig(len, '\0');
    EXPECT_EQ(EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()), 1);
    sig.resize(len);
    EVP_MD_CTX_free(md);
    return sig;
  }
};

std::string BnBytes(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
  std::string out(BN_num_bytes(bn), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

void MakeEs256(TestKey& k) {
  k.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  unsigned char point[65];
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(k.pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len), 1);
  ASSERT_EQ(len, 65u);
  k.cose = {.kty = 2, .alg = kAlgEs256, .crv = 1, .x = std::string(reinterpret_cast<char*>(point) + 1, 32),
            .y = std::string(reinterpret_cast<char*>(point) + 33, 32)};
}

void MakeEd25519(TestKey& k) {
  k.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  std::string x(32, '\0');
  size_t len = 32;
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(k.pkey, reinterpret_cast<unsigned char*>(x.data()), &len), 1);
  k.cose = {.kty = 1, .alg = kAlgEdDsa, .crv = 6, .x = x};
}

void MakeRs256(TestKey& k) {
  k.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  k.cose = {.kty = 3, .alg = kAlgRs256, .n = BnBytes(k.pkey, OSSL_PKEY_PARAM_RSA_N),
            .e = BnBytes(k.pkey, OSSL_PKEY_PARAM_RSA_E)};
}

class SignatureTest : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override {
    if (GetParam() == kAlgEs256) MakeEs256(key_);
    else if (GetParam() == kAlgEdDsa) MakeEd25519(key_);
    else MakeRs256(key_);
  }
  TestKey key_;
};

TEST_P(SignatureTest, AGoodSignatureVerifiesAndAnyChangeIsRefused) {
  const std::string message = SignedMessage(std::string(37, 'a'), R"({"type":"webauthn.get"})");
  ASSERT_EQ(message.size(), 37u + 32u);
  EXPECT_EQ(message.substr(37), crypto::Sha256(R"({"type":"webauthn.get"})"));
  ASSERT_TRUE(IsAcceptedKey(key_.cose));
  const std::string sig = key_.Sign(message);
  EXPECT_TRUE(VerifySignature(key_.cose, message, sig));
  std::string tampered = sig;
  tampered[tampered.size() / 2] ^= 0x01;
  EXPECT_FALSE(VerifySignature(key_.cose, message, tampered));
  std::string other = message;
  other[32] ^= 0x04;  // the UV flag
  EXPECT_FALSE(VerifySignature(key_.cose, other, sig));
  EXPECT_FALSE(VerifySignature(key_.cose, message, ""));
  // Another key of the same algorithm does not verify it.
  TestKey second;
  if (GetParam() == kAlgEs256) MakeEs256(second);
  else if (GetParam() == kAlgEdDsa) MakeEd25519(second);
  else MakeRs256(second);
  EXPECT_FALSE(VerifySignature(second.cose, message, sig));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, SignatureTest, ::testing::Values(kAlgEs256, kAlgEdDsa, kAlgRs256),
                         [](const auto& info) {
                           return info.param == kAlgEs256 ? "ES256" : info.param == kAlgEdDsa ? "EdDSA" : "RS256";
                         });

TEST(IsAcceptedKey, RefusesOtherAlgorithmsCurvesAndShortKeys) {
  CoseKey ec{.kty = 2, .alg = kAlgEs256, .crv = 1, .x = std::string(32, 'x'), .y = std::string(32, 'y')};
  EXPECT_TRUE(IsAcceptedKey(ec));
  CoseKey p384 = ec;
  p384.crv = 2;
  EXPECT_FALSE(IsAcceptedKey(p384));
  CoseKey es384 = ec;
  es384.alg = -35;
  EXPECT_FALSE(IsAcceptedKey(es384));
  CoseKey mismatched = ec;
  mismatched.alg = kAlgEdDsa;  // an EC2 key claiming EdDSA
  EXPECT_FALSE(IsAcceptedKey(mismatched));
  CoseKey rsa{.kty = 3, .alg = kAlgRs256, .n = std::string(128, 'n'), .e = "\x01\x00\x01"};
  EXPECT_FALSE(IsAcceptedKey(rsa));  // 1024-bit modulus
  rsa.n = std::string(256, 'n');
  EXPECT_TRUE(IsAcceptedKey(rsa));
  // A key refused is never verified against.
  EXPECT_FALSE(VerifySignature(p384, "m", "s"));
}

}  // namespace
}  // namespace dfauth::passkey
