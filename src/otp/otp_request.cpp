#include "otp/otp_request.hpp"

#include "dfauth/error.hpp"
#include "identity/email.hpp"
#include "otp/address.hpp"

namespace dfauth::otp {
namespace {

const std::string* NonEmpty(const identity::FieldValues& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() || it->second.empty() ? nullptr : &it->second;
}

/// Whether the address is the user's own: a code to any other goes to an unconfirmed device.
bool Owns(const store::User& user, const std::string& type, const std::string& destination) {
  if (type == "email") return user.email && LowerAscii(*user.email) == LowerAscii(destination);
  return user.phone_number && *user.phone_number == destination;
}

ApiError Unauthorized(std::string code, std::string message) {
  return ApiError(401, std::move(code), std::move(message))
      .WithHeader("WWW-Authenticate", errors::kWwwAuthenticate);
}

}  // namespace

OtpRequestService::OtpRequestService(OtpRequestOptions options, store::Database& store,
                                     DeviceService& devices, identity::UserService& users,
                                     Identify identify, DestinationGuard guard)
    : options_(std::move(options)), store_(store), devices_(devices), users_(users),
      identify_(std::move(identify)), guard_(std::move(guard)) {}

std::optional<store::User> OtpRequestService::Identified(const identity::FieldValues& fields) const {
  if (!identify_) return std::nullopt;
  identity::FieldValues credentials;
  for (const auto& [k, v] : fields)
    if (!v.empty() && k != "redirect_path") credentials[k] = v;
  return identify_(credentials);
}

OtpRequestService::Channel OtpRequestService::PickChannel(const identity::FieldValues& fields) const {
  using config::AuthBackend, config::DeviceType;
  for (const auto backend : options_.backends) {
    if (backend == AuthBackend::kSmsOtp && NonEmpty(fields, "phone_number") &&
        devices_.IsConfiguredType(DeviceType::kSms))
      return {"sms", "phone_number"};
    if (backend == AuthBackend::kEmailOtp && NonEmpty(fields, "email") &&
        devices_.IsConfiguredType(DeviceType::kEmail))
      return {"email", "email"};
  }
  throw Unauthorized("not_found", "Authorization backend not found");
}

std::optional<store::User> OtpRequestService::Holder(const std::string& field, const std::string& destination) {
  return field == "email" ? store_.Users().FindUserByEmail(destination) : store_.Users().FindUserByPhone(destination);
}

std::optional<store::User> OtpRequestService::AccountFor(const identity::FieldValues& fields,
                                                         const std::string& field,
                                                         const std::string& destination) {
  if (auto holder = Holder(field, destination)) return holder;
  const bool may_create = options_.auto_create_account && options_.signup_allowed;
  // PREVENT_ENUMERATION: the same answer as for an existing account.
  if (!may_create && options_.prevent_enumeration) return std::nullopt;
  if (!may_create)
    throw Unauthorized("user_does_not_exist", "User with this identity does not exist, try signup instead");
  try {
    return users_.CreateFromOtp(fields, field, destination);
  } catch (const ApiError&) {
    // A concurrent request created the account first: use it.
    if (auto holder = Holder(field, destination)) return holder;
    throw;
  }
}

OtpRequestResult OtpRequestService::Request(const identity::FieldValues& fields, const store::User* caller) {
  std::optional<store::User> target = caller != nullptr ? std::optional<store::User>(*caller) : Identified(fields);
  if (!target && !options_.send_unauthorized_user)
    throw Unauthorized("unauthorized_otp_request", "Please log in to request your OTP code.");
  const Channel channel = PickChannel(fields);
  const std::string& value = fields.at(channel.field);
  const std::string destination = channel.field == "email" ? identity::NormalizeEmail(value) : value;
  if (guard_.check) guard_.check(channel.field, destination);

  OtpRequestResult result{channel.type, std::nullopt};
  bool owned = true;  // an anonymous request is for the account that holds the address
  if (target) owned = Owns(*target, channel.type, destination);
  else if (!(target = AccountFor(fields, channel.field, destination))) return result;
  if (!target->is_active)
    throw ApiError(400, "user_inactive", "Your account was deactivated. Please contact support");

  // BLACKLIST_OTP_DESTINATION_REGEX: never send there; the answer stays the usual one, like a
  // cooldown, so that it tells nothing.
  if (guard_.allowed && !guard_.allowed(destination)) return result;
  store::Device device = devices_.DeviceFor(*target, channel.type, destination, owned);
  auto redirect = fields.find("redirect_path");
  result.sent = devices_.SendCode(*target, device, redirect == fields.end() ? std::string() : redirect->second);
  return result;
}

}  // namespace dfauth::otp
