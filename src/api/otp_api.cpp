// POST otp/: request a one-time password (reference-contract R5 and §4.3 "Generate challenge",
// with interface.md §3: echo identity fields only, an address the caller does not own gets an
// unconfirmed device, cooldown, THROTTLE_OTP_SEND).
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/guard_checks.hpp"
#include "guard/guard.hpp"
#include "api/fields.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"
#include "identity/email.hpp"

namespace dfauth::api {
namespace {

constexpr const char* kIdentityNames[] = {"username", "email", "phone_number"};

void AddName(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

const std::string* NonEmpty(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() || it->second.empty() ? nullptr : &it->second;
}

bool Owns(const store::User& user, const std::string& type, const std::string& destination) {
  if (type == "email") {
    if (!user.email) return false;
    std::string a = *user.email, b = destination;
    for (auto* s : {&a, &b})
      for (auto& c : *s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return a == b;
  }
  return user.phone_number && *user.phone_number == destination;
}

}  // namespace

void RegisterOtpRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  // Auto-create hashes a password: the hashing pool.
  const http::RouteOptions options{.auth_required = false, .pool = http::Pool::kHashing};

  router.Add("POST", prefix + "otp/", [&ctx](http::Request& request) {
    otp::DeviceService& devices = *ctx.devices;
    std::vector<std::string> names = ctx.settings.user_identity_fields;
    for (const char* n : kIdentityNames) AddName(names, n);
    for (const auto& n : ctx.settings.user_optional_fields) AddName(names, n);
    for (const auto& n : ctx.settings.required_auth_fields) AddName(names, n);
    for (const char* n : {"otp", "password", "redirect_path"}) AddName(names, n);
    nlohmann::json body = http::ParseBody(request);
    auto fields = ReadFields(body, names);
    NormalizePhoneField(fields);
    auto echo = [&fields] {
      nlohmann::ordered_json out = nlohmann::ordered_json::object();
      for (const char* n : kIdentityNames)
        if (const std::string* v = NonEmpty(fields, n)) out[n] = *v;
      return JsonResponse(out);
    };
    if (HoneypotTriggered(ctx, body, request)) return echo();  // as if sent; nothing is

    // Who is asking (R5 step 2): the caller, else whoever the credentials prove.
    std::optional<store::User> target;
    if (request.caller.Authenticated()) {
      target = CallerUser(request);
    } else {
      auth::Credentials credentials;
      for (const auto& [k, v] : fields)
        if (!v.empty() && k != "redirect_path") credentials[k] = v;
      if (auto found = ctx.login.Identify(credentials)) target = std::move(found->user);
    }
    if (!target && !ctx.settings.otp_send_unauthorized_user)
      throw ApiError(401, "unauthorized_otp_request", "Please log in to request your OTP code.")
          .WithHeader("WWW-Authenticate", errors::kWwwAuthenticate);

    // The first OTP backend, in AUTHENTICATION_BACKENDS order, whose identity field is present.
    std::string type, field;
    for (const auto& backend : ctx.settings.authentication_backends) {
      if (backend == "sms_otp" && NonEmpty(fields, "phone_number") && devices.IsConfiguredType("sms")) {
        type = "sms", field = "phone_number";
        break;
      }
      if (backend == "email_otp" && NonEmpty(fields, "email") && devices.IsConfiguredType("email")) {
        type = "email", field = "email";
        break;
      }
    }
    if (type.empty())
      throw ApiError(401, "not_found", "Authorization backend not found")
          .WithHeader("WWW-Authenticate", errors::kWwwAuthenticate);
    const std::string destination =
        field == "email" ? identity::NormalizeEmail(fields[field]) : fields[field];
    if (ctx.guard != nullptr) {
      if (field == "email") ctx.guard->CheckEmail(destination);
      else ctx.guard->CheckPhone(destination, field);
    }

    bool owned = true;  // an anonymous request is for the account that holds the address
    if (target) {
      owned = Owns(*target, type, destination);
    } else {
      target = field == "email" ? ctx.store.Users().FindUserByEmail(destination) : ctx.store.Users().FindUserByPhone(destination);
      if (!target) {
        if ((!ctx.settings.otp_auto_create_account || !ctx.settings.signup_allowed) &&
            ctx.settings.prevent_enumeration)
          return echo();  // PREVENT_ENUMERATION: the same answer as for an existing account
        if (!ctx.settings.otp_auto_create_account || !ctx.settings.signup_allowed)
          throw ApiError(401, "user_does_not_exist",
                         "User with this identity does not exist, try signup instead")
              .WithHeader("WWW-Authenticate", errors::kWwwAuthenticate);
        try {
          target = ctx.users.CreateFromOtp(fields, field, destination);
        } catch (const ApiError&) {
          // A concurrent request created the account first: use it.
          target = field == "email" ? ctx.store.Users().FindUserByEmail(destination) : ctx.store.Users().FindUserByPhone(destination);
          if (!target) throw;
        }
      }
    }
    if (!target->is_active)
      throw ApiError(400, "user_inactive", "Your account was deactivated. Please contact support");

    // BLACKLIST_OTP_DESTINATION_REGEX: never send there; the answer stays the usual one, like
    // a cooldown, so that it tells nothing.
    if (ctx.guard != nullptr && !ctx.guard->OtpDestinationAllowed(destination)) return echo();
    store::Device device = devices.DeviceFor(*target, type, destination, owned);
    auto it = fields.find("redirect_path");
    auto sent = devices.SendCode(*target, device, it == fields.end() ? std::string() : it->second);
    ctx.metrics.Increment("dfauth_otp_requests_total", "POST otp/ requests by channel and outcome",
                          {{"channel", type}, {"outcome", sent == otp::SendResult::kSent ? "sent" : "cooldown"}});

    return echo();
  }, options);
}

}  // namespace dfauth::api
