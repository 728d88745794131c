#include "passkey/signature.hpp"

#include <gtest/gtest.h>

#include <string>

#include "crypto/primitives.hpp"
#include "passkey/test_support.hpp"

namespace dfauth::passkey {
namespace {

using namespace test_support;

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
