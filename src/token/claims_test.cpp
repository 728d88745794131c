#include "token/claims.hpp"

#include <gtest/gtest.h>

#include "dfauth/error.hpp"

namespace dfauth::token {
namespace {

const ClaimRules kRules{"", "", "token_type"};
constexpr int64_t kNow = 1'700'000'000;

/// The message of the 401 ReadClaims throws, or "accepted".
std::string Refusal(std::string_view payload, const ClaimRules& rules = kRules) {
  try {
    ReadClaims(payload, rules, {"access"}, kNow);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.Status(), 401);
    EXPECT_EQ(e.Code(), "token_not_valid");
    return e.Entries().front().message;
  }
  return "accepted";
}

TEST(ReadClaims, ReadsEveryClaimOfAValidToken) {
  VerifiedClaims c = ReadClaims(
      R"({"token_type":"access","exp":1700000100,"iat":1699999900,"nbf":1699999999,"jti":"j1","user_id":42,"refresh_exp":1700000500})",
      kRules, {"refresh", "access"}, kNow);
  EXPECT_EQ(c.type, "access");
  EXPECT_EQ(c.jti, "j1");
  EXPECT_EQ(c.user_id, 42);
  EXPECT_EQ(c.exp, 1700000100);
  EXPECT_EQ(c.iat, 1699999900);
  EXPECT_EQ(c.nbf, std::optional<int64_t>(1699999999));
  EXPECT_EQ(c.refresh_exp, std::optional<int64_t>(1700000500));
}

TEST(ReadClaims, TimeIsJudgedWithoutLeeway) {
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1700000000,"jti":"j","user_id":1})"), "Token is invalid or expired");
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1700000001,"jti":"j","user_id":1})"), "accepted");
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1700000001,"nbf":1700000001,"jti":"j","user_id":1})"),
            "Token is invalid or expired");
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":"1700000001","jti":"j","user_id":1})"), "Token is invalid or expired");
}

TEST(ReadClaims, TypeJtiAndUserAreRequired) {
  EXPECT_EQ(Refusal(R"({"token_type":"refresh","exp":1700000001,"jti":"j","user_id":1})"), "Token has wrong type");
  EXPECT_EQ(Refusal(R"({"exp":1700000001,"jti":"j","user_id":1})"), "Token is invalid or expired");
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1700000001,"jti":"","user_id":1})"), "Token is invalid or expired");
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1700000001,"jti":"j","user_id":"1"})"), "Token is invalid or expired");
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1700000001,"jti":"j","user_id":1,"iat":"x"})"),
            "Token is invalid or expired");
  EXPECT_EQ(Refusal("[1]"), "Token is invalid or expired");
  EXPECT_EQ(Refusal("{"), "Token is invalid or expired");
}

TEST(ReadClaims, IssuerAndAudienceAreExact) {
  const ClaimRules scoped{"https://auth", "app", "token_type"};
  const std::string base = R"("token_type":"access","exp":1700000001,"jti":"j","user_id":1)";
  EXPECT_EQ(Refusal("{" + base + R"(,"iss":"https://auth","aud":"app"})", scoped), "accepted");
  EXPECT_EQ(Refusal("{" + base + R"(,"iss":"https://auth","aud":["x","app"]})", scoped), "accepted");
  EXPECT_EQ(Refusal("{" + base + R"(,"iss":"https://other","aud":"app"})", scoped), "Token is invalid or expired");
  EXPECT_EQ(Refusal("{" + base + R"(,"iss":"https://auth"})", scoped), "Token is invalid or expired");
  // An audience nobody configured: the token is meant for someone else.
  EXPECT_EQ(Refusal("{" + base + R"(,"aud":"app"})"), "Token is invalid or expired");
}

TEST(ReadClaims, AClaimNamedTwiceIsRefused) {
  // Whichever copy a parser keeps, the other one is a token someone else reads differently.
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1600000000,"exp":1700000100,"jti":"j","user_id":1})"),
            "Token is invalid or expired");
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1700000100,"jti":"j","user_id":1,"user_id":2})"),
            "Token is invalid or expired");
  EXPECT_EQ(Refusal(R"({"token_type":"refresh","token_type":"access","exp":1700000100,"jti":"j","user_id":1})"),
            "Token is invalid or expired");
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1700000100,"jti":"j","user_id":1,"x":{"a":1,"a":1}})"),
            "Token is invalid or expired");
  EXPECT_EQ(Refusal(R"({"token_type":"access","exp":1700000100,"jti":"j","user_id":1,"x":{"a":1},"y":{"a":1}})"),
            "accepted");
}

/// The reason ClaimsRejected carries, or "accepted".
std::string Reason(std::string_view payload, const ClaimRules& rules = kRules) {
  try {
    ReadClaims(payload, rules, {"access"}, kNow);
  } catch (const ClaimsRejected& e) {
    EXPECT_EQ(e.Code(), "token_not_valid");
    return e.Reason();
  }
  return "accepted";
}

TEST(ReadClaims, LeewayWidensExpAndNbfByItsSeconds) {
  const ClaimRules lenient{"", "", "token_type", 30};
  EXPECT_EQ(Reason(R"({"token_type":"access","exp":1699999971,"jti":"j","user_id":1})", lenient), "accepted");
  EXPECT_EQ(Reason(R"({"token_type":"access","exp":1699999970,"jti":"j","user_id":1})", lenient), "expired");
  EXPECT_EQ(Reason(R"({"token_type":"access","exp":1700000100,"nbf":1700000030,"jti":"j","user_id":1})", lenient),
            "accepted");
  EXPECT_EQ(Reason(R"({"token_type":"access","exp":1700000100,"nbf":1700000031,"jti":"j","user_id":1})", lenient),
            "not yet valid (nbf)");
}

TEST(ReadClaims, EachRefusalNamesItsReason) {
  const ClaimRules scoped{"https://auth", "app", "token_type"};
  const std::string base = R"("exp":1700000001,"jti":"j","user_id":1)";
  EXPECT_EQ(Reason(R"({"token_type":"access","exp":1700000000,"jti":"j","user_id":1})"), "expired");
  EXPECT_EQ(Reason(R"({"token_type":"refresh",)" + base + "}"), "wrong token type refresh");
  EXPECT_EQ(Reason("{" + base + R"(,"token_type":"access","iss":"https://other","aud":"app"})", scoped), "wrong issuer");
  EXPECT_EQ(Reason("{" + base + R"(,"token_type":"access","iss":"https://auth","aud":"other"})", scoped), "wrong audience");
  EXPECT_EQ(Reason("{" + base + R"(,"token_type":"access","iss":"https://auth"})", scoped), "audience missing");
  EXPECT_EQ(Reason("{" + base + "}"), "token type missing");
  EXPECT_EQ(Reason("[1]"), "payload is not one JSON object");
}

}  // namespace
}  // namespace dfauth::token
