// password-reset/ and password-reset/confirm/ (issue 16 item 2, interface.md §8). The use case is
// auth::PasswordResetService; this file reads the body and writes the answer.
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"
#include "identity/email.hpp"

namespace dfauth::api {
namespace {

/// The address of a body: `email` when given, else `phone_number` (E.164); 400 required on
/// `email` when neither is, 400 invalid on a phone number that does not parse.
auth::ResetAddress ReadAddress(std::map<std::string, std::string>& fields) {
  NormalizePhoneField(fields);
  if (auto it = fields.find("email"); it != fields.end() && !it->second.empty())
    return {"email", identity::NormalizeEmail(it->second)};
  if (auto it = fields.find("phone_number"); it != fields.end() && !it->second.empty())
    return {"sms", it->second};
  throw errors::Required("email");
}

}  // namespace

void RegisterPasswordResetRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  const http::RouteOptions anyone{.auth_required = false};
  // Confirming hashes the new password: the hashing pool.
  const http::RouteOptions hashing{.auth_required = false, .pool = http::Pool::kHashing};

  router.Add("POST", prefix + "password-reset/", [&ctx](http::Request& request) {
    auto fields = ReadFields(http::ParseBody(request), {"email", "phone_number"});
    ctx.password_resets.Request(ReadAddress(fields));
    // One answer for every address, known or not.
    return JsonResponse(nlohmann::json::object());
  }, anyone);

  router.Add("POST", prefix + "password-reset/confirm/", [&ctx](http::Request& request) {
    const nlohmann::json body = http::ParseBody(request);
    auto fields = ReadFields(body, {"email", "phone_number", "otp", "new_password", "two_fa_otp"});
    auth::ResetAddress address = ReadAddress(fields);
    RequireFields(fields, {"otp", "new_password"});
    std::optional<std::string> two_fa_otp;
    if (auto it = fields.find("two_fa_otp"); it != fields.end() && !it->second.empty()) two_fa_otp = it->second;
    // Or a passkey assertion {challenge_id, credential} as the second factor, as on token/.
    const auth::SecondFactor passkey = ReadPasskeySecondFactor(ctx, body);
    store::User user = ctx.password_resets.Confirm(address, fields["otp"], fields["new_password"], two_fa_otp, passkey);
    return TokensResponse(ctx.tokens.Issue(user, SessionStartOf(request, token::SignInMethod::kPasswordReset)));
  }, hashing);
}

}  // namespace dfauth::api
