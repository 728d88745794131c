// The product rules on plain values: no socket, no thread (server_test.cpp covers the wire).

#include "http/pipeline.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "dfauth/error.hpp"

namespace dfauth::http {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

RouteOptions Public() {
  RouteOptions options;
  options.auth_required = false;
  return options;
}

/// "Bearer user-N" authenticates user N; "Bearer bad" is an invalid token.
Caller TestAuthenticator(const Request& request) {
  auto header = request.Header("Authorization");
  if (!header || header->rfind("Bearer ", 0) != 0) return Caller{};
  std::string_view token = header->substr(7);
  if (token.rfind("user-", 0) != 0) throw errors::TokenNotValid();
  Caller caller;
  caller.user_id = std::stoll(std::string(token.substr(5)));
  return caller;
}

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    rules_.cors_allowed_origins = {"https://app.example"};
    rules_.trusted_proxies = {"127.0.0.1/32"};
    rules_.log_error = [this](std::string_view line) { errors_.emplace_back(line); };
    router_.Add("GET", "/api/public/", [](Request& r) {
      return Response::Json(200, R"({"ip":")" + r.client_ip + "\"}");
    }, Public());
    router_.Add("GET", "/api/private/", [](Request& r) {
      return Response::Json(200, "{\"user\":" + std::to_string(r.caller.user_id) + "}");
    });
    router_.Add("POST", "/api/private/", [](Request&) { return Response::Json(201, "{}"); });
    router_.Add("GET", "/api/echo/{name}/", [](Request& r) {
      return Response::Json(200, "{\"name\":\"" + r.path_params.at("name") + "\"}");
    }, Public());
    router_.Add("GET", "/api/boom/", [](Request&) -> Response {
      throw std::runtime_error("secret detail");
    }, Public());
    router_.Add("GET", "/api/odd/", [](Request&) -> Response { throw 42; }, Public());
    router_.Add("GET", "/api/vary/", [](Request&) {
      Response response = Response::Json(200, "{}");
      response.headers = {{"vary", "Accept"}, {"X-Kept", "1"}};
      return response;
    }, Public());
  }

  Pipeline& Make() {
    pipeline_.emplace(rules_, router_, TestAuthenticator);
    return *pipeline_;
  }

  /// A request as a connection from 127.0.0.1 would build it.
  Request Build(std::string method, std::string target, const Headers& headers = {}) {
    Request request;
    request.method = std::move(method);
    SetTarget(request, std::move(target));
    for (const auto& [name, value] : headers) AddHeader(request, name, value);
    pipeline_->SetPeer(request, "127.0.0.1", "127.0.0.1:8000");
    return request;
  }

  Response Run(std::string method, std::string target, const Headers& headers = {}) {
    if (!pipeline_) Make();
    Request request = Build(std::move(method), std::move(target), headers);
    return pipeline_->Run(request);
  }

  PipelineRules rules_;
  Router router_;
  std::optional<Pipeline> pipeline_;
  std::vector<std::string> errors_;
};

TEST_F(PipelineTest, UnknownPathIs404Envelope) {
  Response r = Run("GET", "/nope/");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"errors":[{"message":"Not found.","code":"not_found"}]})");
  EXPECT_EQ(r.headers, Headers{});
}

TEST_F(PipelineTest, AuthorisationBeforeMethodNotAllowed) {
  Response anonymous = Run("PUT", "/api/private/");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.headers, (Headers{{"WWW-Authenticate", "Bearer realm=\"api\""}}));
  EXPECT_EQ(anonymous.body,
            R"({"errors":[{"message":"Authentication credentials were not provided.","code":"not_authenticated"}]})");

  Response authenticated = Run("PUT", "/api/private/", {{"Authorization", "Bearer user-7"}});
  EXPECT_EQ(authenticated.status, 405);
  EXPECT_EQ(authenticated.body,
            R"({"errors":[{"message":"Method \"PUT\" not allowed.","code":"method_not_allowed"}]})");
  EXPECT_EQ(authenticated.headers, (Headers{{"Allow", "GET, POST, OPTIONS"}}));

  EXPECT_EQ(Run("PUT", "/api/public/").status, 405);
  EXPECT_EQ(Run("OPTIONS", "/api/private/").status, 401);
  Response options_public = Run("OPTIONS", "/api/public/");
  EXPECT_EQ(options_public.status, 200);
  EXPECT_EQ(options_public.body, "{}");
  EXPECT_EQ(options_public.headers, (Headers{{"Allow", "GET, OPTIONS"}}));
}

TEST_F(PipelineTest, AuthenticatedRouteAndBadToken) {
  Response ok = Run("GET", "/api/private/", {{"Authorization", "Bearer user-42"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"user":42})");
  EXPECT_EQ(Run("GET", "/api/private/", {{"Authorization", "Token x"}}).status, 401);
  Response bad = Run("GET", "/api/private/", {{"Authorization", "Bearer bad"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.body, R"({"errors":[{"message":"Token is invalid or expired","code":"token_not_valid"}]})");
  // A bad token fails on a public route too: the authenticator runs wherever it may.
  EXPECT_EQ(Run("GET", "/api/public/", {{"Authorization", "Bearer bad"}}).status, 401);
}

TEST_F(PipelineTest, RouteThatSkipsTheAuthenticator) {
  RouteOptions options = Public();
  options.authenticate = false;
  router_.Add("GET", "/metrics", [](Request& r) {
    return Response::Json(200, std::to_string(r.caller.user_id));
  }, options);
  Response r = Run("GET", "/metrics", {{"Authorization", "Bearer bad"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "0");
}

TEST_F(PipelineTest, HandlerExceptionIs500WithoutDetail) {
  Response r = Run("GET", "/api/boom/");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"errors":[{"message":"A server error occurred.","code":"server_error"}]})");
  Response odd = Run("GET", "/api/odd/");
  EXPECT_EQ(odd.status, 500);
  EXPECT_EQ(errors_, (std::vector<std::string>{"unhandled std::runtime_error on /api/boom/",
                                               "unhandled non-standard exception on /api/odd/"}));
}

// A lower layer's failure the rules translate: the client gets the translation, the operator
// its log detail; whatever the translation does not know stays a 500.
TEST_F(PipelineTest, TranslatedExceptionIsItsAnswerAndItsDetailIsLogged) {
  rules_.translate_error = [](const std::exception& e) -> std::optional<ApiError> {
    if (std::string_view(e.what()) != "secret detail") return std::nullopt;
    return errors::ServiceUnavailable().WithLogDetail("database unavailable: connection refused");
  };
  Make();
  Request request = Build("GET", "/api/boom/");
  Response r = pipeline_->Run(request);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body,
            R"({"errors":[{"message":"Service temporarily unavailable, try again later.","code":"service_unavailable"}]})");
  request = Build("GET", "/api/odd/");
  EXPECT_EQ(pipeline_->Run(request).status, 500);
  EXPECT_EQ(errors_, (std::vector<std::string>{"database unavailable: connection refused",
                                               "unhandled non-standard exception on /api/odd/"}));
}

TEST_F(PipelineTest, PathParamsAndQueryReachTheHandler) {
  Make();
  Request request = Build("GET", "/api/echo/al%69ce/?q=a+b%21&q=last&bare");
  EXPECT_EQ(request.path, "/api/echo/alice/");
  EXPECT_EQ(request.target, "/api/echo/al%69ce/?q=a+b%21&q=last&bare");
  EXPECT_EQ(request.query, (std::multimap<std::string, std::string>{
                               {"q", "a b!"}, {"q", "last"}, {"bare", ""}}));
  EXPECT_EQ(pipeline_->Run(request).body, R"({"name":"alice"})");
  EXPECT_EQ(Build("GET", "/bad%FF/").path, "/bad\xEF\xBF\xBD/");  // U+FFFD
}

TEST_F(PipelineTest, RepeatedHeadersJoinInOneList) {
  Request request;
  AddHeader(request, "Accept", "a");
  AddHeader(request, "accept", "b");
  EXPECT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers.at("ACCEPT"), "a, b");
}

TEST_F(PipelineTest, PeerClientAddressAndSchemeHost) {
  Make();
  Request direct = Build("GET", "/", {{"Host", "auth.example"}});
  EXPECT_EQ(direct.peer_ip, "127.0.0.1");
  EXPECT_EQ(direct.client_ip, "127.0.0.1");
  EXPECT_EQ(direct.scheme_host, "http://auth.example");
  Request proxied = Build("GET", "/", {{"X-Forwarded-For", "198.51.100.7"}, {"X-Forwarded-Proto", "https"}});
  EXPECT_EQ(proxied.client_ip, "198.51.100.7");
  EXPECT_EQ(proxied.scheme_host, "https://127.0.0.1:8000");  // no Host: the local address

  Request untrusted;
  untrusted.headers = {{"X-Forwarded-For", "198.51.100.7"}, {"X-Forwarded-Proto", "https"},
                       {"Host", "h"}};
  pipeline_->SetPeer(untrusted, "203.0.113.9", "127.0.0.1:8000");
  EXPECT_EQ(untrusted.client_ip, "203.0.113.9");
  EXPECT_EQ(untrusted.scheme_host, "http://h");
}

TEST_F(PipelineTest, PreflightIsAnsweredWithoutAuthentication) {
  Response r = Run("OPTIONS", "/api/private/",
                   {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.content_type, "");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.headers, (Headers{{"Access-Control-Allow-Methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT"},
                                {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                                {"Access-Control-Max-Age", "86400"},
                                {"Access-Control-Allow-Origin", "https://app.example"},
                                {"Vary", "Origin"},
                                {"Access-Control-Allow-Credentials", "true"}}));

  Response foreign = Run("OPTIONS", "/api/private/",
                         {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(foreign.status, 204);
  EXPECT_EQ(foreign.headers, Headers{});
  // A preflight of an unknown path is still a preflight (no route is matched).
  EXPECT_EQ(Run("OPTIONS", "/nope/", {{"Origin", "https://app.example"},
                                      {"Access-Control-Request-Method", "GET"}}).status, 204);

  Response simple = Run("GET", "/api/public/", {{"Origin", "https://app.example"}});
  EXPECT_EQ(simple.status, 200);
  EXPECT_EQ(simple.headers, (Headers{{"Access-Control-Allow-Origin", "https://app.example"},
                                     {"Vary", "Origin"},
                                     {"Access-Control-Allow-Credentials", "true"}}));
}

TEST_F(PipelineTest, CorsHeadersReplaceTheHandlersOwn) {
  Response r = Run("GET", "/api/vary/", {{"Origin", "https://app.example"}});
  EXPECT_EQ(r.headers, (Headers{{"X-Kept", "1"},
                                {"Access-Control-Allow-Origin", "https://app.example"},
                                {"Vary", "Origin"},
                                {"Access-Control-Allow-Credentials", "true"}}));
}

TEST_F(PipelineTest, StarAllowsEveryOrigin) {
  rules_.cors_allowed_origins = {"*"};
  Response r = Run("GET", "/nope/", {{"Origin", "https://any.example"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers, (Headers{{"Access-Control-Allow-Origin", "https://any.example"},
                                {"Vary", "Origin"},
                                {"Access-Control-Allow-Credentials", "true"}}));
}

TEST_F(PipelineTest, ThrottleAnswers429WithRetryAfter) {
  rules_.throttle_anon = RateLimit{2, 60, false};
  rules_.throttle_user = RateLimit{1, 3600, false};
  EXPECT_EQ(Run("GET", "/api/public/").status, 200);
  EXPECT_EQ(Run("GET", "/api/public/").status, 200);
  Response r = Run("GET", "/api/public/");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers, (Headers{{"Retry-After", "60"}}));
  EXPECT_EQ(r.body,
            R"({"errors":[{"message":"Request was throttled. Expected available in 60 seconds.","code":"throttled"}]})");
  // Throttled before 404/405 and 401: the budget is per caller, whatever the path.
  EXPECT_EQ(Run("PUT", "/api/private/").status, 429);
  // Another client address (through the trusted proxy) has its own budget; users are keyed by id.
  EXPECT_EQ(Run("GET", "/api/public/", {{"X-Forwarded-For", "198.51.100.8"}}).status, 200);
  EXPECT_EQ(Run("GET", "/api/private/", {{"Authorization", "Bearer user-1"}}).status, 200);
  Response user = Run("GET", "/api/private/", {{"Authorization", "Bearer user-1"}});
  EXPECT_EQ(user.status, 429);
  EXPECT_EQ(user.headers, (Headers{{"Retry-After", "3600"}}));
  EXPECT_EQ(Run("GET", "/api/private/", {{"Authorization", "Bearer user-2"}}).status, 200);
}

TEST_F(PipelineTest, WithoutHookPreflightAnd404NeedNoPool) {
  Pipeline& pipeline = Make();
  Request preflight = Build("OPTIONS", "/api/private/",
                            {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}});
  Routing routing = pipeline.Match(preflight);
  EXPECT_TRUE(routing.preflight);
  EXPECT_EQ(routing.cors_origin, "https://app.example");
  EXPECT_EQ(routing.match.route, nullptr);
  ASSERT_TRUE(pipeline.AnswerWithoutPool(routing));
  EXPECT_EQ(pipeline.AnswerWithoutPool(routing)->status, 204);

  Routing unknown = pipeline.Match(Build("GET", "/nope/"));
  ASSERT_TRUE(pipeline.AnswerWithoutPool(unknown));
  EXPECT_EQ(pipeline.AnswerWithoutPool(unknown)->status, 404);

  Routing known = pipeline.Match(Build("GET", "/api/public/"));
  ASSERT_NE(known.match.route, nullptr);
  EXPECT_EQ(known.match.route->pattern, "/api/public/");
  EXPECT_FALSE(pipeline.AnswerWithoutPool(known));
}

TEST_F(PipelineTest, WithHookEveryRequestGoesToThePool) {
  rules_.pre_route = [](const Request&) -> std::optional<Response> { return std::nullopt; };
  Pipeline& pipeline = Make();
  EXPECT_FALSE(pipeline.AnswerWithoutPool(pipeline.Match(Build("GET", "/nope/"))));
  EXPECT_FALSE(pipeline.AnswerWithoutPool(pipeline.Match(
      Build("OPTIONS", "/api/private/",
            {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "POST"}}))));
}

TEST_F(PipelineTest, PreRouteHookAnswersBeforeRoutingAndAuthentication) {
  int calls = 0;
  rules_.pre_route = [&calls](const Request& r) -> std::optional<Response> {
    ++calls;
    // Seen on every request, unknown paths and preflights included, before authentication.
    EXPECT_FALSE(r.caller.Authenticated());
    if (r.path == "/blocked/" || r.path == "/api/private/" || r.method == "OPTIONS") {
      return Response::Json(403, R"({"blocked":")" + r.path + "\"}");
    }
    if (r.path == "/throws/") throw ApiError(418, "teapot", "short and stout");
    if (r.path == "/breaks/") throw std::logic_error("detail");
    return std::nullopt;
  };
  Response blocked = Run("GET", "/blocked/");
  EXPECT_EQ(blocked.status, 403);
  EXPECT_EQ(blocked.body, R"({"blocked":"/blocked/"})");
  // A protected route is answered by the hook before its 401 (with a bad token, before 401 too).
  EXPECT_EQ(Run("GET", "/api/private/", {{"Authorization", "Bearer bad"}}).status, 403);
  Response preflight = Run("OPTIONS", "/api/public/",
                           {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(preflight.status, 403);
  EXPECT_EQ(preflight.headers, (Headers{{"Access-Control-Allow-Origin", "https://app.example"},
                                        {"Vary", "Origin"},
                                        {"Access-Control-Allow-Credentials", "true"}}));
  Response thrown = Run("GET", "/throws/");
  EXPECT_EQ(thrown.status, 418);
  EXPECT_EQ(thrown.body, R"({"errors":[{"message":"short and stout","code":"teapot"}]})");
  Response broken = Run("GET", "/breaks/");
  EXPECT_EQ(broken.status, 500);
  EXPECT_EQ(errors_, (std::vector<std::string>{"unhandled std::logic_error in pre-route hook"}));
  // nullopt: routing goes on as without a hook.
  EXPECT_EQ(Run("GET", "/api/public/").status, 200);
  EXPECT_EQ(Run("GET", "/nope/").status, 404);
  // The hook sees the path without the query.
  EXPECT_EQ(Run("GET", "/api/private/?x", {{"Authorization", "Bearer user-7"}}).status, 403);
  EXPECT_EQ(calls, 8);
}

TEST(PipelineRulesTest, BadTrustedProxyIsRefused) {
  PipelineRules rules;
  rules.trusted_proxies = {"10.0.0.0/33"};
  Router router;
  EXPECT_THROW(Pipeline(rules, router, nullptr), std::invalid_argument);
}

TEST(PipelineRulesTest, WithoutAuthenticatorEveryCallerIsAnonymous) {
  Router router;
  router.Add("GET", "/private/", [](Request&) { return Response::Json(200, "{}"); });
  Pipeline pipeline({}, router, nullptr);
  Request request;
  request.method = "GET";
  SetTarget(request, "/private/");
  request.headers = {{"Authorization", "Bearer user-1"}};
  EXPECT_EQ(pipeline.Run(request).status, 401);
}

}  // namespace
}  // namespace dfauth::http
