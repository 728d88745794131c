#include <gtest/gtest.h>

#include <stdexcept>

#include "api/context.hpp"
#include "store/errors.hpp"

namespace dfauth::api {
namespace {

TEST(TranslateError, StoreUnavailableIs503WithTheDetailForTheLogOnly) {
  std::optional<ApiError> mapped = TranslateError(store::StoreUnavailable("server closed the connection"));
  ASSERT_TRUE(mapped.has_value());
  EXPECT_EQ(mapped->Status(), 503);
  EXPECT_EQ(mapped->Code(), "service_unavailable");
  EXPECT_EQ(mapped->Entries().front().message, "Service temporarily unavailable, try again later.");
  EXPECT_EQ(mapped->LogDetail(), "database unavailable: server closed the connection");
}

TEST(TranslateError, AnythingElseIsLeftUnhandled) {
  EXPECT_FALSE(TranslateError(std::runtime_error("x")).has_value());
  EXPECT_FALSE(TranslateError(store::DuplicateError("email")).has_value());
}

}  // namespace
}  // namespace dfauth::api
