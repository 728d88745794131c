#include "http/router.hpp"

#include <gtest/gtest.h>

namespace dfauth::http {
namespace {

RouteOptions Public(Pool pool = Pool::kDefault) {
  RouteOptions options;
  options.auth_required = false;
  options.pool = pool;
  return options;
}

Handler Named(std::string name) {
  return [name](Request&) { return Response::Json(200, name); };
}

Request Dummy() { return Request{}; }

TEST(RouterTest, ExactAndParamSegments) {
  Router router;
  router.Add("GET", "/api/v1/auth/users/{id}/", Named("user"));
  router.Add("POST", "/api/v1/auth/token/", Named("token"), Public());

  RouteMatch m = router.Match("GET", "/api/v1/auth/users/42/");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/auth/users/{id}/");
  EXPECT_EQ(m.params, (std::map<std::string, std::string>{{"id", "42"}}));
  Request r = Dummy();
  EXPECT_EQ(m.route->handler(r).body, "user");

  m = router.Match("POST", "/api/v1/auth/token/");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->options.name, "/api/v1/auth/token/");  // name defaults to the pattern
}

TEST(RouterTest, ParamRejectsEmptyDottedAndMultiSegment) {
  Router router;
  router.Add("GET", "/users/{id}/", Named("user"));
  EXPECT_FALSE(router.Match("GET", "/users//").path_found);
  EXPECT_FALSE(router.Match("GET", "/users/a.json/").path_found);
  EXPECT_FALSE(router.Match("GET", "/users/a/b/").path_found);
  EXPECT_TRUE(router.Match("GET", "/users/me/").path_found);
}

TEST(RouterTest, TrailingSlashIsSignificant) {
  Router router;
  router.Add("POST", "/token/", Named("token"));
  EXPECT_FALSE(router.Match("POST", "/token").path_found);
  EXPECT_FALSE(router.Match("POST", "/token//").path_found);
  EXPECT_TRUE(router.Match("POST", "/token/").path_found);
}

TEST(RouterTest, OtherMethodReportsAllowedMethods) {
  Router router;
  router.Add("GET", "/users/{id}/", Named("get"));
  router.Add("PATCH", "/users/{id}/", Named("patch"));
  RouteMatch m = router.Match("PUT", "/users/7/");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_found);
  EXPECT_EQ(m.allowed_methods, (std::vector<std::string>{"GET", "PATCH"}));
  EXPECT_EQ(m.params.at("id"), "7");
  ASSERT_NE(m.path_route, nullptr);
  EXPECT_EQ(m.path_route->method, "GET");
}

// The chosen route's own parameter names, even when another route of the path came first.
TEST(RouterTest, ChosenRouteKeepsItsOwnParameters) {
  Router router;
  router.Add("GET", "/items/{x}/", Named("get"));
  router.Add("PATCH", "/items/{y}/", Named("patch"));
  RouteMatch patch = router.Match("PATCH", "/items/7/");
  ASSERT_NE(patch.route, nullptr);
  EXPECT_EQ(patch.route->method, "PATCH");
  EXPECT_EQ(patch.params, (std::map<std::string, std::string>{{"y", "7"}}));
  RouteMatch get = router.Match("GET", "/items/7/");
  EXPECT_EQ(get.params, (std::map<std::string, std::string>{{"x", "7"}}));
  EXPECT_EQ(router.Match("PUT", "/items/7/").params, (std::map<std::string, std::string>{{"x", "7"}}));
}

// A path written without parameters is answered from a table built at Add: the same routes,
// order and parameters as matching segment by segment, including routes added later.
TEST(RouterTest, ExactPathsMatchLikeAnyOther) {
  Router router;
  router.Add("GET", "/users/{id}/", Named("get"));
  router.Add("POST", "/users/me/", Named("me"));
  RouteMatch get = router.Match("GET", "/users/me/");
  ASSERT_NE(get.route, nullptr);
  EXPECT_EQ(get.route->pattern, "/users/{id}/");
  EXPECT_EQ(get.params.at("id"), "me");
  EXPECT_EQ(get.allowed_methods, (std::vector<std::string>{"GET", "POST"}));
  RouteMatch post = router.Match("POST", "/users/me/");
  ASSERT_NE(post.route, nullptr);
  EXPECT_EQ(post.route->pattern, "/users/me/");
  EXPECT_TRUE(post.params.empty());
  EXPECT_EQ(post.path_route->pattern, "/users/{id}/");
  router.Add("DELETE", "/users/{id}/", Named("delete"));
  EXPECT_EQ(router.Match("PUT", "/users/me/").allowed_methods,
            (std::vector<std::string>{"GET", "POST", "DELETE"}));
  EXPECT_EQ(router.Match("PUT", "/users/7/").allowed_methods,
            (std::vector<std::string>{"GET", "DELETE"}));
}

TEST(RouterTest, PathPublicOnlyWhenEveryRouteIsPublic) {
  Router router;
  router.Add("POST", "/users/", Named("signup"), Public());
  router.Add("GET", "/users/", Named("list"), RouteOptions{});
  router.Add("POST", "/token/", Named("token"), Public());
  router.Add("POST", "/social/", Named("social"), {.auth_required = false, .path_public = false, .pool = Pool::kDefault, .name = {}});
  EXPECT_FALSE(router.Match("PUT", "/users/").path_public);
  EXPECT_TRUE(router.Match("PUT", "/token/").path_public);
  EXPECT_FALSE(router.Match("PUT", "/social/").path_public);
}

TEST(RouterTest, FirstAddedRouteWins) {
  Router router;
  router.Add("GET", "/users/me/", Named("me"));
  router.Add("GET", "/users/{id}/", Named("any"));
  Request r = Dummy();
  EXPECT_EQ(router.Match("GET", "/users/me/").route->handler(r).body, "me");
  EXPECT_EQ(router.Match("GET", "/users/5/").route->handler(r).body, "any");
}

TEST(RouterTest, RejectsRelativePattern) {
  Router router;
  EXPECT_THROW(router.Add("GET", "users/", Named("x")), std::invalid_argument);
}

TEST(MessageTest, HeadersAreCaseInsensitiveAndQueryTakesLastValue) {
  Request r;
  r.headers.emplace("Content-Type", "application/json");
  r.query.emplace("type", "email");
  r.query.emplace("type", "sms");
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("CONTENT-TYPE"), "application/json");
  EXPECT_FALSE(r.Header("Accept").has_value());
  EXPECT_EQ(r.QueryParam("type"), "sms");
  EXPECT_FALSE(r.QueryParam("limit").has_value());
}

}  // namespace
}  // namespace dfauth::http
