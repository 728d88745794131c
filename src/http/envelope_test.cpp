#include "http/envelope.hpp"

#include <gtest/gtest.h>

namespace dfauth::http {
namespace {

TEST(EnvelopeTest, FieldAbsentWhenUnset) {
  EXPECT_EQ(ErrorBody(errors::NotFound()),
            R"({"errors":[{"message":"Not found.","code":"not_found"}]})");
}

TEST(EnvelopeTest, FieldPresentWhenSet) {
  EXPECT_EQ(ErrorBody(errors::Required("password")),
            R"({"errors":[{"message":"This field is required.","code":"required","field":"password"}]})");
}

TEST(EnvelopeTest, ExtraDataCopiedRaw) {
  ApiError error = ApiError(401, "2fa_required", "2FA required").WithExtraData(R"({"devices":[1,2]})");
  EXPECT_EQ(ErrorBody(error),
            R"({"errors":[{"message":"2FA required","code":"2fa_required","extra_data":{"devices":[1,2]}}]})");
}

TEST(EnvelopeTest, SeveralEntriesInOrderAndEscaped) {
  ApiError error(400, {{"required", "This field is required.", "access_token", ""},
                       {"invalid", "Method \"PUT\" \\ \n", std::nullopt, ""}});
  EXPECT_EQ(ErrorBody(error),
            R"({"errors":[{"message":"This field is required.","code":"required","field":"access_token"},)"
            R"({"message":"Method \"PUT\" \\ \n","code":"invalid"}]})");
}

TEST(EnvelopeTest, InvalidUtf8DoesNotThrow) {
  EXPECT_EQ(ErrorBody(ApiError(400, "invalid", "bad \xff")),
            "{\"errors\":[{\"message\":\"bad \xEF\xBF\xBD\",\"code\":\"invalid\"}]}");
}

TEST(EnvelopeTest, ResponseCarriesStatusAndHeaders) {
  Response r = ErrorResponse(errors::NotAuthenticated());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.content_type, "application/json");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(r.headers[0].second, "Bearer realm=\"api\"");
  EXPECT_EQ(r.body,
            R"({"errors":[{"message":"Authentication credentials were not provided.","code":"not_authenticated"}]})");
}

}  // namespace
}  // namespace dfauth::http
