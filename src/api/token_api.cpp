// token/, token/refresh/, token/verify/, token/blacklist/ (reference-contract R1–R4, interface.md §4).
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"

namespace dfauth::api {
namespace {

/// The one token string a body must carry under `field`.
std::string RequiredToken(const http::Request& request, const std::string& field) {
  auto fields = ReadFields(http::ParseBody(request), {field});
  RequireFields(fields, {field});
  return fields[field];
}

/// The credentials of a POST token/ body: identity fields, otp, password and
/// REQUIRED_AUTH_FIELDS, the phone in E.164, blank values dropped (reference R1 step 1).
auth::Credentials ReadCredentials(const config::Settings& settings, const nlohmann::json& body) {
  std::vector<std::string> names = config::Names(settings.user_identity_fields);
  names.insert(names.end(), {"otp", "password"});
  for (const auto& f : settings.required_auth_fields) names.push_back(f);
  auto fields = ReadFields(body, names);
  RequireFields(fields, settings.required_auth_fields);
  NormalizePhoneField(fields);
  auth::Credentials credentials;
  for (auto& [k, v] : fields)
    if (!v.empty()) credentials[k] = v;
  return credentials;
}

/// The body field token/refresh/ reads: the pair profile's refresh token, else the sliding token.
std::string RefreshField(const config::Settings& settings) {
  return settings.jwt_profile == config::JwtProfile::kPair ? "refresh" : "token";
}

/// The session method of a POST token/ login: a code is "otp" ("magic_link" when the magic
/// sign-in page, or a front-end doing its job, says so with X-Sign-In-Method: magic_link; the
/// code is an email OTP either way, so the header changes nothing but this label), else
/// "password".
token::SignInMethod SignInMethodOf(config::AuthBackend backend, const http::Request& request) {
  switch (backend) {
    case config::AuthBackend::kPassword: return token::SignInMethod::kPassword;
    case config::AuthBackend::kEmailOtp:
      if (request.Header("X-Sign-In-Method") == std::optional<std::string_view>("magic_link"))
        return token::SignInMethod::kMagicLink;
      return token::SignInMethod::kOtp;
    case config::AuthBackend::kSmsOtp:
    case config::AuthBackend::kTestEmail: return token::SignInMethod::kOtp;
  }
  return token::SignInMethod::kPassword;
}

}  // namespace

http::Response TokensResponse(const token::IssuedTokens& issued) {
  nlohmann::json out = {{"token", issued.token}};
  if (issued.refresh) out["refresh"] = *issued.refresh;
  return JsonResponse(out);
}

void RegisterTokenRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  const http::RouteOptions anyone{.auth_required = false};
  http::RouteOptions hashing = anyone;
  hashing.pool = http::Pool::kHashing;

  router.Add("POST", prefix + "token/", [&ctx](http::Request& request) {
    const nlohmann::json body = http::ParseBody(request);
    auth::Credentials credentials = ReadCredentials(ctx.settings, body);
    // A passkey assertion in place of otp as the second factor (issue 15).
    const auth::SecondFactor passkey = ReadPasskeySecondFactor(ctx, body);
    static constexpr const char* kHelp = "Logins on POST token/ by method and outcome";
    try {
      auth::Authenticated done = ctx.login.Login(credentials, request.client_ip, passkey);
      auto response = TokensResponse(ctx.tokens.Issue(done.user, SessionStartOf(request, SignInMethodOf(done.method, request))));
      ctx.metrics.Increment("dfauth_logins_total", kHelp, {{"method", std::string(config::Name(done.method))}, {"outcome", "success"}});
      return response;
    } catch (const ApiError& e) {
      ctx.metrics.Increment("dfauth_logins_total", kHelp, {{"method", "none"}, {"outcome", e.Code()}});
      throw;
    }
  }, hashing);

  router.Add("POST", prefix + "token/refresh/", [&ctx](http::Request& request) {
    const std::string field = RefreshField(ctx.settings);
    return TokensResponse(ctx.tokens.Refresh(RequiredToken(request, field)));
  }, anyone);

  router.Add("POST", prefix + "token/verify/", [&ctx](http::Request& request) {
    ctx.tokens.Verify(RequiredToken(request, "token"));
    return JsonResponse(nlohmann::json::object());
  }, anyone);

  router.Add("POST", prefix + "token/blacklist/", [&ctx](http::Request& request) {
    auto fields = ReadFields(http::ParseBody(request), {"refresh", "token"});
    std::string presented;
    if (auto it = fields.find("refresh"); it != fields.end() && !it->second.empty()) presented = it->second;
    else if (auto t = fields.find("token"); t != fields.end() && !t->second.empty()) presented = t->second;
    else RequireFields({}, {RefreshField(ctx.settings)});
    ctx.tokens.Blacklist(presented);
    return JsonResponse(nlohmann::json::object());
  }, anyone);
}

}  // namespace dfauth::api
