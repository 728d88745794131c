#include "otp/totp.hpp"

#include <gtest/gtest.h>

#include "otp/qr.hpp"

namespace dfauth::otp {
namespace {

// RFC 6238 appendix B: the SHA-1 key is the ASCII "12345678901234567890".
constexpr const char* kRfcKey = "3132333435363738393031323334353637383930";

TEST(Totp, MatchesRfc6238VectorsTruncatedToSixDigits) {
  EXPECT_EQ(TotpCode(kRfcKey, 59 / 30), "287082");
  EXPECT_EQ(TotpCode(kRfcKey, 1111111109 / 30), "081804");
  EXPECT_EQ(TotpCode(kRfcKey, 1234567890 / 30), "005924");
}

TEST(Totp, AcceptsOneStepEitherSideAndReportsTheStep) {
  const int64_t now = 1111111109;
  const int64_t step = now / 30;
  EXPECT_EQ(MatchTotpStep(kRfcKey, TotpCode(kRfcKey, step), now), step);
  EXPECT_EQ(MatchTotpStep(kRfcKey, TotpCode(kRfcKey, step - 1), now), step - 1);
  EXPECT_EQ(MatchTotpStep(kRfcKey, TotpCode(kRfcKey, step + 1), now), step + 1);
  EXPECT_EQ(MatchTotpStep(kRfcKey, TotpCode(kRfcKey, step - 2), now), std::nullopt);
  EXPECT_EQ(MatchTotpStep(kRfcKey, TotpCode(kRfcKey, step + 2), now), std::nullopt);
}

TEST(Totp, RejectsMalformedCodes) {
  EXPECT_EQ(MatchTotpStep(kRfcKey, "", 59), std::nullopt);
  EXPECT_EQ(MatchTotpStep(kRfcKey, "28708", 59), std::nullopt);
  EXPECT_EQ(MatchTotpStep(kRfcKey, "28708x", 59), std::nullopt);
  EXPECT_EQ(MatchTotpStep(kRfcKey, "2870822", 59), std::nullopt);
}

TEST(Totp, OtpauthUrlCarriesBase32SecretAndIssuer) {
  EXPECT_EQ(TotpSecretBase32(kRfcKey), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(OtpauthUrl("df-auth", "bob smith", kRfcKey),
            "otpauth://totp/df-auth:bob%20smith?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&algorithm=SHA1&digits=6&period=30&issuer=df-auth");
}

TEST(Totp, GeneratedSecretsAreTwentyRandomBytes) {
  std::string a = GenerateTotpSecret(), b = GenerateTotpSecret();
  EXPECT_EQ(a.size(), 40u);
  EXPECT_NE(a, b);
}

TEST(Qr, RendersAnSvgDocumentWithModules) {
  std::string svg = QrSvg("otpauth://totp/x?secret=ABC");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", 0), 0u);
  EXPECT_NE(svg.find("<path fill=\"#000\" d=\"M"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
}

}  // namespace
}  // namespace dfauth::otp
