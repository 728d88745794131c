// POST otp/: request a one-time password (reference-contract R5 and §4.3 "Generate challenge",
// with interface.md §3: echo identity fields only). The use case is otp::OtpRequestService.
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/guard_checks.hpp"
#include "api/fields.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"
#include "otp/otp_request.hpp"

namespace dfauth::api {
namespace {

constexpr const char* kIdentityNames[] = {"username", "email", "phone_number"};

void AddName(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

/// The fields POST otp/ reads: the identities, the optional user fields (an auto-created
/// account takes them), the login credentials and the magic link's redirect.
std::vector<std::string> RequestFieldNames(const config::Settings& settings) {
  std::vector<std::string> names = config::Names(settings.user_identity_fields);
  for (const char* n : kIdentityNames) AddName(names, n);
  for (const auto& n : settings.user_optional_fields) AddName(names, n);
  for (const auto& n : settings.required_auth_fields) AddName(names, n);
  for (const char* n : {"otp", "password", "redirect_path"}) AddName(names, n);
  return names;
}

/// The one answer of every request that is not refused (sent, cooldown, or nothing sent):
/// the identity fields as submitted.
http::Response EchoIdentities(const std::map<std::string, std::string>& fields) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const char* n : kIdentityNames)
    if (auto it = fields.find(n); it != fields.end() && !it->second.empty()) out[n] = it->second;
  return JsonResponse(out);
}

}  // namespace

void RegisterOtpRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  // Auto-create hashes a password: the hashing pool.
  const http::RouteOptions options{.auth_required = false, .pool = http::Pool::kHashing};

  router.Add("POST", prefix + "otp/", [&ctx](http::Request& request) {
    nlohmann::json body = http::ParseBody(request);
    auto fields = ReadFields(body, RequestFieldNames(ctx.settings));
    NormalizePhoneField(fields);
    if (HoneypotTriggered(ctx, body, request)) return EchoIdentities(fields);  // as if sent; nothing is
    const store::User* caller = request.caller.Authenticated() ? &CallerUser(request) : nullptr;
    otp::OtpRequestResult done = ctx.otp_requests.Request(fields, caller);
    if (done.sent)
      ctx.metrics.Increment("dfauth_otp_requests_total", "POST otp/ requests by channel and outcome",
                            {{"channel", done.channel},
                             {"outcome", *done.sent == otp::SendResult::kSent ? "sent" : "cooldown"}});
    return EchoIdentities(fields);
  }, options);
}

}  // namespace dfauth::api
