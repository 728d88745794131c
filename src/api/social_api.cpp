// social/, social/connect/, social/connections/, social/{provider}/ (reference-contract R17,
// R18; interface.md §3 "Social").
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"
#include "social/social_service.hpp"

namespace dfauth::api {
namespace {

constexpr int64_t kPageSize = 100;

/// The body of social/ and social/connect/ as the reference's serializer reads it: errors in
/// field order (access_token, provider); an `id_token` may stand in for `access_token`.
social::SocialRequest ReadSocialRequest(const ApiContext& ctx, const http::Request& request) {
  std::vector<std::string> names = {"access_token", "provider", "id_token", "otp", "password"};
  for (const auto& f : ctx.settings.user_social_auth_fields) names.push_back(f);
  auto fields = ReadFields(http::ParseBody(request), names);
  auto value = [&](const std::string& name) -> std::optional<std::string> {
    auto it = fields.find(name);
    if (it == fields.end()) return std::nullopt;
    return it->second;
  };
  social::SocialRequest out;
  out.id_token = value("id_token");
  if (out.id_token && out.id_token->empty()) out.id_token.reset();
  std::vector<ErrorEntry> errors;
  auto access_token = value("access_token");
  if (!access_token && !out.id_token) errors.push_back({"required", "This field is required.", "access_token", {}});
  else if (access_token && access_token->empty() && !out.id_token)
    errors.push_back({"blank", "This field may not be blank.", "access_token", {}});
  auto provider = value("provider");
  if (!provider) errors.push_back({"required", "This field is required.", "provider", {}});
  else if (!ctx.social->Offers(*provider))
    errors.push_back({"invalid_choice", "\"" + *provider + "\" is not a valid choice.", "provider", {}});
  if (!errors.empty()) throw ApiError(400, std::move(errors));
  out.access_token = access_token.value_or("");
  out.provider = *provider;
  out.otp = value("otp");
  if (out.otp && out.otp->empty()) out.otp.reset();
  for (const auto& f : ctx.settings.user_social_auth_fields)
    if (auto v = value(f)) out.fields[f] = *v;
  return out;
}

http::Response TokenResponse(const social::SocialResult& result, const std::string& provider) {
  nlohmann::json out = {{"token", result.tokens.token}, {"provider", provider}};
  if (result.tokens.refresh) out["refresh"] = *result.tokens.refresh;
  return JsonResponse(out);
}

/// A non-negative integer query parameter, or `fallback` (DRF's LimitOffsetPagination).
int64_t QueryInt(const http::Request& request, std::string_view name, int64_t fallback, bool positive) {
  auto raw = request.QueryParam(name);
  if (!raw) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || end != raw->data() + raw->size() || value < 0 || (positive && value == 0))
    return fallback;
  return value;
}

/// The page URL DRF builds: the request URL with `limit`/`offset` replaced (omitted when null).
nlohmann::json PageUrl(const http::Request& request, int64_t limit, std::optional<int64_t> offset) {
  std::multimap<std::string, std::string> query;
  for (const auto& [k, v] : request.query)
    if (k != "limit" && k != "offset") query.emplace(k, v);
  query.emplace("limit", std::to_string(limit));
  if (offset) query.emplace("offset", std::to_string(*offset));
  std::string url = request.scheme_host + request.path;
  char sep = '?';
  for (const auto& [k, v] : query) {
    url += sep;
    url += k + "=" + v;
    sep = '&';
  }
  return url;
}

}  // namespace

void RegisterSocialRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  if (ctx.social == nullptr) return;
  const http::RouteOptions authed{};
  // Logging in and connecting ask the provider (userinfo, JWKS): they wait on its network, on
  // their own pool, so that a slow provider never holds the workers every other route needs.
  const http::RouteOptions anyone_asking{.auth_required = false, .pool = http::Pool::kNetwork};
  const http::RouteOptions authed_asking{.pool = http::Pool::kNetwork};

  router.Add("POST", prefix + "social/", [&ctx](http::Request& request) {
    if (request.caller.Authenticated()) throw errors::PermissionDenied();
    auto body = ReadSocialRequest(ctx, request);
    return TokenResponse(ctx.social->Login(body), body.provider);
  }, anyone_asking);

  router.Add("POST", prefix + "social/connect/", [&ctx](http::Request& request) {
    auto body = ReadSocialRequest(ctx, request);
    return TokenResponse(ctx.social->Connect(CallerUser(request), body), body.provider);
  }, authed_asking);

  router.Add("GET", prefix + "social/connections/", [&ctx](http::Request& request) {
    const int64_t user_id = CallerUser(request).id;
    const int64_t limit = QueryInt(request, "limit", kPageSize, true);
    const int64_t offset = QueryInt(request, "offset", 0, false);
    const int64_t count = ctx.social->CountConnections(user_id);
    nlohmann::ordered_json out;
    out["count"] = count;
    out["next"] = offset + limit < count ? PageUrl(request, limit, offset + limit) : nlohmann::json();
    out["previous"] = offset <= 0               ? nlohmann::json()
                      : offset - limit <= 0     ? PageUrl(request, limit, std::nullopt)
                                                : PageUrl(request, limit, offset - limit);
    out["results"] = nlohmann::ordered_json::array();
    for (const auto& link : ctx.social->Connections(user_id, offset, limit))
      out["results"].push_back({{"provider", link.provider}, {"uid", link.uid}});
    return JsonResponse(out);
  }, authed);

  router.Add("DELETE", prefix + "social/{provider}/", [&ctx](http::Request& request) {
    ctx.social->Disconnect(CallerUser(request), request.path_params.at("provider"));
    return http::Response::Empty(204);
  }, authed);
}

}  // namespace dfauth::api
