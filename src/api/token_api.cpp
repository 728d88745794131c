// token/, token/refresh/, token/verify/, token/blacklist/ (reference-contract R1–R4, interface.md §4).
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/routes_internal.hpp"
#include "guard/guard.hpp"
#include "http/body.hpp"
#include "identity/email.hpp"

namespace dfauth::api {
namespace {

nlohmann::json TokensBody(const token::IssuedTokens& issued) {
  nlohmann::json out = {{"token", issued.token}};
  if (issued.refresh) out["refresh"] = *issued.refresh;
  return out;
}

/// The one token string a body must carry under `field`.
std::string RequiredToken(const http::Request& request, const std::string& field) {
  auto fields = ReadFields(http::ParseBody(request), {field});
  RequireFields(fields, {field});
  return fields[field];
}

/// The account a login names: the user of the first identity field present (as the password
/// backend looks it up), as the key of its failure counter; nullopt when there is none.
std::optional<std::string> NamedAccount(ApiContext& ctx, const auth::Credentials& credentials) {
  for (const auto& field : ctx.settings.user_identity_fields) {
    auto it = credentials.find(field);
    if (it == credentials.end()) continue;
    std::optional<store::User> user;
    if (field == "username") user = ctx.store.Users().FindUserByUsername(it->second);
    else if (field == "email") user = ctx.store.Users().FindUserByEmail(identity::NormalizeEmail(it->second));
    else if (field == "phone_number") user = ctx.store.Users().FindUserByPhone(it->second);  // E.164 already
    return user ? std::optional<std::string>(std::to_string(user->id)) : std::nullopt;
  }
  return std::nullopt;
}

/// How a refused login counts against THROTTLE_LOGIN_FAILURES(_IP) (interface.md §3 2FA gate).
guard::LoginOutcome FailureOutcome(const ApiError& e, const auth::Credentials& credentials) {
  const std::string& code = e.Code();
  if (code == "authentication_failed" || code == "wrong_otp") return guard::LoginOutcome::kFailed;
  if (code == "2fa_required") {
    return credentials.contains("otp") ? guard::LoginOutcome::kFailed
                                       : guard::LoginOutcome::kFailedAccountOnly;
  }
  return guard::LoginOutcome::kNotCounted;  // bad input, 503: no credential was judged
}

/// LoginService::Login inside the guard's failed-login limits: a locked account or IP is
/// refused exactly like a wrong password, before any credential is checked.
auth::Authenticated GuardedLogin(ApiContext& ctx, const http::Request& request,
                                 const auth::Credentials& credentials) {
  if (ctx.guard == nullptr) return ctx.login.Login(credentials);
  auto ticket = ctx.guard->AdmitLogin(NamedAccount(ctx, credentials), request.client_ip);
  if (!ticket) throw errors::AuthenticationFailed();
  try {
    auth::Authenticated done = ctx.login.Login(credentials);
    ctx.guard->FinishLogin(*ticket, guard::LoginOutcome::kSucceeded);
    return done;
  } catch (const ApiError& e) {
    ctx.guard->FinishLogin(*ticket, FailureOutcome(e, credentials));
    throw;
  } catch (...) {
    ctx.guard->FinishLogin(*ticket, guard::LoginOutcome::kNotCounted);
    throw;
  }
}

}  // namespace

void RegisterTokenRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  const http::RouteOptions anyone{.auth_required = false};
  http::RouteOptions hashing = anyone;
  hashing.pool = http::Pool::kHashing;

  router.Add("POST", prefix + "token/", [&ctx](http::Request& request) {
    std::vector<std::string> names = ctx.settings.user_identity_fields;
    names.insert(names.end(), {"otp", "password"});
    for (const auto& f : ctx.settings.required_auth_fields) names.push_back(f);
    auto fields = ReadFields(http::ParseBody(request), names);
    RequireFields(fields, ctx.settings.required_auth_fields);
    NormalizePhoneField(fields);
    auth::Credentials credentials;
    for (auto& [k, v] : fields)
      if (!v.empty()) credentials[k] = v;
    static constexpr const char* kHelp = "Logins on POST token/ by method and outcome";
    try {
      auth::Authenticated done = GuardedLogin(ctx, request, credentials);
      auto response = JsonResponse(TokensBody(ctx.tokens.Issue(done.user)));
      ctx.metrics.Increment("dfauth_logins_total", kHelp, {{"method", done.method}, {"outcome", "success"}});
      return response;
    } catch (const ApiError& e) {
      ctx.metrics.Increment("dfauth_logins_total", kHelp, {{"method", "none"}, {"outcome", e.Code()}});
      throw;
    }
  }, hashing);

  router.Add("POST", prefix + "token/refresh/", [&ctx](http::Request& request) {
    const std::string field = ctx.settings.jwt_profile == "pair" ? "refresh" : "token";
    return JsonResponse(TokensBody(ctx.tokens.Refresh(RequiredToken(request, field))));
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
    else RequireFields({}, {ctx.settings.jwt_profile == "pair" ? "refresh" : "token"});
    ctx.tokens.Blacklist(presented);
    return JsonResponse(nlohmann::json::object());
  }, anyone);
}

}  // namespace dfauth::api
