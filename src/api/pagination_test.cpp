#include "api/pagination.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace dfauth::api {
namespace {

http::Request ListRequest(std::multimap<std::string, std::string> query) {
  http::Request request;
  request.scheme_host = "http://h";
  request.path = "/api/v1/auth/otp-devices/";
  request.query = std::move(query);
  return request;
}

nlohmann::ordered_json Results(int n) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (int i = 0; i < n; ++i) out.push_back(i);
  return out;
}

TEST(Pagination, DefaultsAndMalformedValuesFallBackAsDrfDoes) {
  EXPECT_EQ(ReadPage(ListRequest({})).limit, 100);
  EXPECT_EQ(ReadPage(ListRequest({})).offset, 0);
  Page page = ReadPage(ListRequest({{"limit", "0"}, {"offset", "-1"}}));
  EXPECT_EQ(page.limit, 100);
  EXPECT_EQ(page.offset, 0);
  page = ReadPage(ListRequest({{"limit", "2x"}, {"offset", "3"}}));
  EXPECT_EQ(page.limit, 100);
  EXPECT_EQ(page.offset, 3);
  page = ReadPage(ListRequest({{"limit", "7"}, {"offset", "99999999999999999999"}}));
  EXPECT_EQ(page.limit, 7);
  EXPECT_EQ(page.offset, 0);
}

TEST(Pagination, OnePageHasNoLinks) {
  auto request = ListRequest({});
  EXPECT_EQ(PageJson(request, ReadPage(request), 2, Results(2)).dump(),
            R"({"count":2,"next":null,"previous":null,"results":[0,1]})");
}

TEST(Pagination, MiddlePageLinksBothWaysWithTheQuerySortedAndEncoded) {
  auto request = ListRequest({{"type", "a&b c"}, {"offset", "2"}, {"limit", "2"}});
  const auto out = PageJson(request, ReadPage(request), 7, Results(2));
  EXPECT_EQ(out["count"], 7);
  EXPECT_EQ(out["next"], "http://h/api/v1/auth/otp-devices/?limit=2&offset=4&type=a%26b%20c");
  EXPECT_EQ(out["previous"], "http://h/api/v1/auth/otp-devices/?limit=2&type=a%26b%20c");
}

TEST(Pagination, PreviousKeepsAnOffsetBeyondOnePageAndTheLastPageHasNoNext) {
  auto request = ListRequest({{"limit", "2"}, {"offset", "5"}});
  const auto out = PageJson(request, ReadPage(request), 7, Results(2));
  EXPECT_TRUE(out["next"].is_null());
  EXPECT_EQ(out["previous"], "http://h/api/v1/auth/otp-devices/?limit=2&offset=3");
}

}  // namespace
}  // namespace dfauth::api
