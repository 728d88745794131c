// social/, social/connect/, social/connections/, social/{provider}/ (reference-contract R17,
// R18; interface.md §3 "Social").
#include <nlohmann/json.hpp>

#include <algorithm>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/pagination.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"
#include "social/social_service.hpp"

namespace dfauth::api {
namespace {

/// The body of social/ and social/connect/ as the reference's serializer reads it: errors in
/// field order (access_token, provider); an `id_token` may stand in for `access_token`.
social::SocialRequest ReadSocialRequest(ApiContext& ctx, const http::Request& request) {
  std::vector<std::string> names = {"access_token", "provider", "id_token", "otp", "password"};
  for (const auto& f : ctx.settings.user_social_auth_fields) names.push_back(f);
  const nlohmann::json body = http::ParseBody(request);
  auto fields = ReadFields(body, names);
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
  else if (!ctx.social.Offers(*provider))
    errors.push_back({"invalid_choice", "\"" + *provider + "\" is not a valid choice.", "provider", {}});
  if (!errors.empty()) throw ApiError(400, std::move(errors));
  out.access_token = access_token.value_or("");
  out.provider = *provider;
  out.session = SessionStartOf(request, token::SignInMethod::kSocial);
  out.otp = value("otp");
  if (out.otp && out.otp->empty()) out.otp.reset();
  // Or a passkey assertion {challenge_id, credential} as the second factor, as on token/.
  out.passkey = ReadPasskeySecondFactor(ctx, body);
  for (const auto& f : ctx.settings.user_social_auth_fields)
    if (auto v = value(f)) out.fields[f] = *v;
  return out;
}

http::Response TokenResponse(const social::SocialResult& result, const std::string& provider) {
  nlohmann::json out = {{"token", result.tokens.token}, {"provider", provider}};
  if (result.tokens.refresh) out["refresh"] = *result.tokens.refresh;
  return JsonResponse(out);
}

}  // namespace

void RegisterSocialRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  const http::RouteOptions authed{};
  // Logging in and connecting ask the provider (userinfo, JWKS): they wait on its network, on
  // their own pool, so that a slow provider never holds the workers every other route needs.
  const http::RouteOptions anyone_asking{.auth_required = false, .pool = http::Pool::kNetwork};
  const http::RouteOptions authed_asking{.pool = http::Pool::kNetwork};

  router.Add("POST", prefix + "social/", [&ctx](http::Request& request) {
    if (request.caller.Authenticated()) throw errors::PermissionDenied();
    auto body = ReadSocialRequest(ctx, request);
    return TokenResponse(ctx.social.Login(body), body.provider);
  }, anyone_asking);

  router.Add("POST", prefix + "social/connect/", [&ctx](http::Request& request) {
    auto body = ReadSocialRequest(ctx, request);
    return TokenResponse(ctx.social.Connect(CallerUser(request), body), body.provider);
  }, authed_asking);

  router.Add("GET", prefix + "social/connections/", [&ctx](http::Request& request) {
    const int64_t user_id = CallerUser(request).id;
    const Page page = ReadPage(request);
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (const auto& link : ctx.social.Connections(user_id, page.offset, page.limit))
      results.push_back({{"provider", link.provider}, {"uid", link.uid}});
    const nlohmann::ordered_json out = PageJson(request, page, ctx.social.CountConnections(user_id), std::move(results));
    return JsonResponse(out);
  }, authed);

  router.Add("DELETE", prefix + "social/{provider}/", [&ctx](http::Request& request) {
    ctx.social.Disconnect(CallerUser(request), request.path_params.at("provider"));
    return http::Response::Empty(204);
  }, authed);
}

}  // namespace dfauth::api
