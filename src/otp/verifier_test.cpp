#include "otp/verifier.hpp"

#include <gtest/gtest.h>

#include "otp/code.hpp"
#include "otp/totp.hpp"

namespace dfauth::otp {
namespace {

constexpr const char* kKey = "unit-test-secret";
const VerifyPolicy kPolicy{kKey, 5, 1};

store::Device EmailDevice(const std::string& code, int64_t now, int64_t validity = 300) {
  store::Device d;
  d.id = 7;
  d.type = "email";
  IssueCode(d, HashCode(kKey, d.id, code), now, validity);
  return d;
}

TEST(Code, NumericCodesAreSixDigits) {
  for (int i = 0; i < 50; ++i) {
    std::string code = GenerateNumericCode();
    EXPECT_TRUE(LooksNumeric(code)) << code;
  }
}

TEST(Code, HashIsKeyedAndBoundToTheDevice) {
  std::string h = HashCode(kKey, 7, "123456");
  EXPECT_EQ(h.size(), 64u);
  EXPECT_EQ(h, HashCode(kKey, 7, "123456"));
  EXPECT_NE(h, HashCode(kKey, 8, "123456"));
  EXPECT_NE(h, HashCode("other-key", 7, "123456"));
  EXPECT_NE(h, HashCode(kKey, 7, "123457"));
}

TEST(Code, StaticCodesAreTenDistinctFromTheAlphabet) {
  auto codes = GenerateStaticCodes();
  ASSERT_EQ(codes.size(), 10u);
  for (const auto& c : codes) {
    EXPECT_EQ(c.size(), 8u);
    EXPECT_EQ(c.find_first_not_of(kStaticAlphabet), std::string::npos) << c;
  }
  EXPECT_EQ(NormalizeStaticCode("ab cd-ef gh"), "ABCDEFGH");
}

TEST(Verifier, RightCodeIsAcceptedOnce) {
  auto d = EmailDevice("123456", 1000);
  EXPECT_EQ(ApplyVerification(d, "123456", 1001, kPolicy), Verification::kOk);
  EXPECT_TRUE(d.code_hash.empty());
  EXPECT_EQ(ApplyVerification(d, "123456", 1002, kPolicy), Verification::kWrong);
}

TEST(Verifier, ExpiredCodeIsWrong) {
  auto d = EmailDevice("123456", 1000, 300);
  EXPECT_EQ(ApplyVerification(d, "123456", 1300, kPolicy), Verification::kWrong);
}

TEST(Verifier, BackOffDoublesAndARefusedAttemptDoesNotCount) {
  // Waits of 1, 2, 4 s (factor 1), each one second longer in whole seconds so that a failure
  // late in its second still waits the full back-off.
  auto d = EmailDevice("123456", 1000);
  EXPECT_EQ(ApplyVerification(d, "000000", 1000, kPolicy), Verification::kWrong);
  EXPECT_EQ(d.throttle_failures, 1);
  EXPECT_EQ(d.throttle_until, 1002);
  // Within the back-off even the right code is refused, and nothing is counted.
  EXPECT_EQ(ApplyVerification(d, "123456", 1001, kPolicy), Verification::kThrottled);
  EXPECT_EQ(d.throttle_failures, 1);
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(ApplyVerification(d, "000000", 1002, kPolicy), Verification::kWrong);
  EXPECT_EQ(d.throttle_until, 1005);
  EXPECT_EQ(ApplyVerification(d, "000000", 1005, kPolicy), Verification::kWrong);
  EXPECT_EQ(d.throttle_until, 1010);
  EXPECT_EQ(ApplyVerification(d, "123456", 1009, kPolicy), Verification::kThrottled);
  EXPECT_EQ(ApplyVerification(d, "123456", 1010, kPolicy), Verification::kOk);
  EXPECT_EQ(d.throttle_failures, 0);
  EXPECT_EQ(d.throttle_until, 0);
}

TEST(Verifier, ThrottleFactorScalesTheWait) {
  auto d = EmailDevice("123456", 1000);
  ApplyVerification(d, "000000", 1000, VerifyPolicy{kKey, 5, 3});
  EXPECT_EQ(d.throttle_until, 1004);
  ApplyVerification(d, "000000", 1004, VerifyPolicy{kKey, 5, 3});
  EXPECT_EQ(d.throttle_until, 1011);
}

TEST(Verifier, CodeIsVoidAfterMaxAttempts) {
  auto d = EmailDevice("123456", 1000);
  int64_t now = 1000;
  const VerifyPolicy no_backoff{kKey, 5, 0};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ApplyVerification(d, "000000", now, no_backoff), Verification::kWrong);
  EXPECT_TRUE(d.code_hash.empty());
  EXPECT_EQ(ApplyVerification(d, "123456", now, no_backoff), Verification::kWrong);
}

TEST(Verifier, FourWrongTriesLeaveTheCodeUsable) {
  auto d = EmailDevice("123456", 1000);
  const VerifyPolicy no_backoff{kKey, 5, 0};
  for (int i = 0; i < 4; ++i) ApplyVerification(d, "000000", 1000, no_backoff);
  EXPECT_EQ(ApplyVerification(d, "123456", 1000, no_backoff), Verification::kOk);
}

TEST(Verifier, TotpAcceptsAdjacentStepsAndRefusesReplay) {
  store::Device d;
  d.id = 3;
  d.type = "totp";
  d.secret = GenerateTotpSecret();
  const int64_t now = 1'700'000'000;
  const int64_t step = now / 30;
  const VerifyPolicy no_backoff{kKey, 5, 0};
  EXPECT_EQ(ApplyVerification(d, TotpCode(d.secret, step - 1), now, no_backoff), Verification::kOk);
  EXPECT_EQ(d.last_totp_step, step - 1);
  EXPECT_EQ(ApplyVerification(d, TotpCode(d.secret, step - 1), now, no_backoff), Verification::kWrong);
  EXPECT_EQ(ApplyVerification(d, TotpCode(d.secret, step + 1), now, no_backoff), Verification::kOk);
  // A code of an earlier step than the last accepted one is a replay too.
  EXPECT_EQ(ApplyVerification(d, TotpCode(d.secret, step), now, no_backoff), Verification::kWrong);
  EXPECT_EQ(ApplyVerification(d, TotpCode(d.secret, step + 2), now, no_backoff), Verification::kWrong);
}

TEST(Verifier, StaticCodesWorkOnceEach) {
  store::Device d;
  d.id = 9;
  d.type = "static";
  auto codes = GenerateStaticCodes();
  for (const auto& c : codes) d.static_code_hashes.push_back(HashCode(kKey, d.id, c));
  const VerifyPolicy no_backoff{kKey, 5, 0};
  std::string lower = codes[3];
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(ApplyVerification(d, lower, 100, no_backoff), Verification::kOk);
  EXPECT_EQ(d.static_code_hashes.size(), 9u);
  EXPECT_EQ(ApplyVerification(d, codes[3], 100, no_backoff), Verification::kWrong);
  EXPECT_EQ(ApplyVerification(d, codes[4], 100, no_backoff), Verification::kOk);
  EXPECT_EQ(d.static_code_hashes.size(), 8u);
}

TEST(Verifier, CouldMatchSeparatesCodeShapes) {
  store::Device email;
  email.type = "email";
  store::Device backup;
  backup.type = "static";
  EXPECT_TRUE(CouldMatch(email, "012345"));
  EXPECT_FALSE(CouldMatch(email, "ABCDEFGH"));
  EXPECT_TRUE(CouldMatch(backup, "abcd-efgh"));
  EXPECT_FALSE(CouldMatch(backup, "012345"));
}

}  // namespace
}  // namespace dfauth::otp
