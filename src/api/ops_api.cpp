// The router root, health, metrics and JWKS (interface.md §3 "New routes").
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/routes_internal.hpp"
#include "crypto/primitives.hpp"

namespace dfauth::api {

void RegisterOpsRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  const http::RouteOptions anyone{.auth_required = false};

  router.Add("GET", prefix, [prefix](http::Request& request) {
    nlohmann::ordered_json out;
    for (const char* name : {"token", "users", "otp", "otp-devices", "social"})
      out[name] = request.scheme_host + prefix + name + "/";
    return JsonResponse(out);
  }, http::RouteOptions{.name = "root"});

  router.Add("GET", "/health/live", [](http::Request&) {
    return JsonResponse(nlohmann::json{{"status", "ok"}});
  }, anyone);

  router.Add("GET", "/health/ready", [&ctx](http::Request&) {
    bool ok = false;
    try {
      ok = ctx.store.Ping();
    } catch (const std::exception&) {
      ok = false;
    }
    if (!ok) throw errors::ServiceUnavailable("The database is not reachable.");
    return JsonResponse(nlohmann::json{{"status", "ok"}, {"database", "ok"}});
  }, anyone);

  router.Add("GET", "/metrics", [&ctx](http::Request& request) {
    if (!ctx.settings.metrics_token.empty()) {
      auto header = request.Header("Authorization");
      std::string expected = "Bearer " + ctx.settings.metrics_token;
      if (!header || !crypto::ConstantTimeEquals(*header, expected)) throw errors::NotAuthenticated();
    }
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = ctx.metrics.Serialize();
    return r;
  }, http::RouteOptions{.auth_required = false, .authenticate = false});

  router.Add("GET", "/.well-known/jwks.json", [&ctx](http::Request&) {
    return http::Response::Json(200, ctx.tokens.JwksJson());
  }, anyone);
}

}  // namespace dfauth::api
