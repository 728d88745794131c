// users/ (sign-up, invitation), users/{any}/ (the caller), users/{any}/set-password/
// (reference-contract R6–R9 with interface.md §3 fixes).
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/representation.hpp"
#include "api/routes_internal.hpp"
#include "api/guard_checks.hpp"
#include "crypto/primitives.hpp"
#include "http/body.hpp"
#include "identity/email.hpp"
#include "identity/phone.hpp"
#include "identity/username.hpp"
#include "identity/field_types.hpp"

namespace dfauth::api {
namespace {

std::set<std::string> TypedExtraFields(const config::Settings& settings) {
  std::set<std::string> typed;
  for (const auto& [name, type] : settings.user_extra_fields)
    if (type == "bool" || type == "int") typed.insert(name);
  return typed;
}

/// A 201 body indistinguishable from a real sign-up's, for answers that must not reveal that
/// nothing was created (honeypot, PREVENT_ENUMERATION).
http::Response PlausibleSignup(ApiContext& ctx, const std::map<std::string, std::string>& fields) {
  store::User fake;
  auto get = [&](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  fake.first_name = get("first_name");
  fake.last_name = get("last_name");
  if (!get("email").empty()) fake.email = identity::NormalizeEmail(get("email"));
  if (auto phone = identity::ParsePhone(get("phone_number"))) fake.phone_number = phone->e164;
  std::map<std::string, std::string> identities;
  if (!get("username").empty()) identities["username"] = get("username");
  if (fake.email) identities["email"] = *fake.email;
  if (fake.phone_number) identities["phone_number"] = *fake.phone_number;
  fake.username = identity::DeriveUsername(config::Names(ctx.settings.user_identity_fields), identities);
  fake.id = ctx.store.Users().CountUsers() + 1 + crypto::RandomUniform(16);
  return http::Response::Json(201, UserRepresentation(ctx.settings, fake));
}

/// POST users/: a sign-up, or an invitation when the caller is signed in (reference R6).
http::Response SignUp(ApiContext& ctx, http::Request& request) {
  std::optional<int64_t> inviter;
  if (request.caller.Authenticated()) {
    if (!ctx.settings.invite_allowed) throw errors::PermissionDenied();
    inviter = request.caller.user_id;
  } else if (!ctx.settings.signup_allowed) {
    throw errors::NotAuthenticated();
  }
  nlohmann::json body = http::ParseBody(request);
  auto fields = ReadFields(body, ctx.users.WritableFields(), TypedExtraFields(ctx.settings));
  // A bot filled the hidden field, or (PREVENT_ENUMERATION) the account exists: answer as a
  // sign-up that worked, create and send nothing.
  if (!inviter && HoneypotTriggered(ctx, body, request)) return PlausibleSignup(ctx, fields);
  CheckIdentityFields(ctx, fields);
  store::User user;
  try {
    user = ctx.users.Register(fields, inviter);
  } catch (const identity::DuplicateIdentityError&) {
    if (!inviter && ctx.settings.prevent_enumeration) return PlausibleSignup(ctx, fields);
    throw;
  }
  // The invitation message, or AUTO_SEND_IDENTITY_VERIFICATION_OTP's codes (issue 3).
  ctx.devices.AfterRegistration(user, inviter);
  return http::Response::Json(201, UserRepresentation(ctx.settings, user));
}

}  // namespace

void RegisterUserRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  http::RouteOptions signup{.auth_required = false, .path_public = false, .pool = http::Pool::kHashing};
  http::RouteOptions authed{};
  http::RouteOptions authed_hashing{.pool = http::Pool::kHashing};

  router.Add("POST", prefix + "users/", [&ctx](http::Request& request) { return SignUp(ctx, request); }, signup);

  router.Add("GET", prefix + "users/{id}/", [&ctx](http::Request& request) {
    return http::Response::Json(200, UserRepresentation(ctx.settings, CallerUser(request)));
  }, authed);

  router.Add("PATCH", prefix + "users/{id}/", [&ctx](http::Request& request) {
    auto fields = ReadFields(http::ParseBody(request), ctx.users.WritableFields(),
                             TypedExtraFields(ctx.settings));
    CheckIdentityFields(ctx, fields);
    store::User user = ctx.users.Update(CallerUser(request), fields);
    return http::Response::Json(200, UserRepresentation(ctx.settings, user));
  }, authed);

  router.Add("POST", prefix + "users/{id}/set-password/", [&ctx](http::Request& request) {
    auto fields = ReadFields(http::ParseBody(request), {"old_password", "new_password"});
    std::vector<ErrorEntry> missing;
    for (const char* name : {"old_password", "new_password"})
      if (!fields.count(name)) missing.push_back({"required", "This field is required.", name, {}});
    if (!missing.empty()) throw ApiError(400, std::move(missing));
    ctx.users.SetPassword(CallerUser(request), fields["old_password"], fields["new_password"], request.caller.sid);
    return JsonResponse(nlohmann::json::object());
  }, authed_hashing);

  router.Add("GET", prefix + "users/{id}/two-fa/", [](http::Request& request) {
    return JsonResponse(nlohmann::json{{"is_required", CallerUser(request).two_fa_required}});
  }, authed);

  router.Add("PATCH", prefix + "users/{id}/two-fa/", [&ctx](http::Request& request) {
    auto fields = ReadFields(http::ParseBody(request), {"is_required"}, {"is_required"});
    const store::User& user = CallerUser(request);
    bool required = user.two_fa_required;
    if (auto it = fields.find("is_required"); it != fields.end()) {
      auto parsed = identity::ParseBoolean(it->second);
      if (!parsed) throw errors::Invalid("Must be a valid boolean.", std::string("is_required"));
      required = ctx.users.SetTwoFactorRequired(user, *parsed);
    }
    return JsonResponse(nlohmann::json{{"is_required", required}});
  }, authed);
}

}  // namespace dfauth::api
