#pragma once
// Internal to src/config: the one table of setting keys. Each descriptor names a key, points at
// its Settings member and carries what the loader, the validation, check-config and the example
// file need, so the key list is written once.

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/settings.hpp"

namespace dfauth::config {

using Member = std::variant<std::string Settings::*, bool Settings::*, int64_t Settings::*,
                            std::vector<std::string> Settings::*, Rate Settings::*,
                            std::map<std::string, std::string> Settings::*>;

struct KeyDescriptor;
/// A key-specific check; returns an error message, empty when the value is fine.
using Check = std::string (*)(const KeyDescriptor&, const Settings&);

struct KeyDescriptor {
  std::string_view name;  ///< the documented key, also DF_AUTH_<name>
  Member member;
  std::string_view doc;   ///< one line, for the example file
  bool secret = false;    ///< masked by FormatEffective when non-empty
  std::span<const std::string_view> choices = {};  ///< allowed values (strings) or items (lists)
  int64_t min = std::numeric_limits<int64_t>::min();  ///< integers only
  int64_t max = std::numeric_limits<int64_t>::max();
  Check check = nullptr;
  std::string_view example = {};  ///< example-file value when the default depends on the machine
};

/// Keys whose feature this version does not have yet: accepted, type-checked, and ignored with a
/// warning when set. Shrink this list as features land.
inline constexpr std::string_view kNotYetImplementedKeys[] = {
    "OTP_AUTO_CREATE_ACCOUNT", "OTP_SEND_UNAUTHORIZED_USER", "OTP_IDENTITY_UPDATE_FIELD",
    "DEFER_IDENTITY_UPDATE", "AUTO_SEND_IDENTITY_VERIFICATION_OTP", "USER_SOCIAL_AUTH_FIELDS",
    "OTP_DEVICE_TYPES", "OTP_EMAIL_TOKEN_VALIDITY", "OTP_TWILIO_TOKEN_VALIDITY",
    "OTP_EMAIL_COOLDOWN_DURATION", "OTP_SMS_COOLDOWN_DURATION", "OTP_MAX_ATTEMPTS",
    "OTP_THROTTLE_FACTOR", "OTP_TOTP_ISSUER", "OTP_EMAIL_SUBJECT", "OTP_TWILIO_TOKEN_TEMPLATE",
    "TEMPLATES_DIR", "INVITE_TOKEN_VALIDITY",
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS", "EMAIL_USE_SSL", "DEFAULT_FROM_EMAIL", "EMAIL_FILE_PATH",
    "SMS_BACKEND", "SMS_FILE_PATH", "OTP_TWILIO_ACCOUNT", "OTP_TWILIO_AUTH", "OTP_TWILIO_FROM",
    "OTP_TWILIO_MESSAGING_SERVICE_SID", "OTP_TWILIO_URL", "SITE_URL", "SITE_LOGIN_URL",
    "SOCIAL_AUTH_GOOGLE_OAUTH2_KEY", "SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET",
    "SOCIAL_AUTH_FACEBOOK_KEY", "SOCIAL_AUTH_FACEBOOK_SECRET", "SOCIAL_AUTH_APPLE_ID_CLIENT",
    "SOCIAL_AUTH_APPLE_ID_TEAM", "SOCIAL_AUTH_APPLE_ID_KEY", "SOCIAL_AUTH_APPLE_ID_SECRET",
    "SOCIAL_AUTH_GOOGLE_OAUTH2_USERINFO_URL", "SOCIAL_AUTH_FACEBOOK_USERINFO_URL",
    "SOCIAL_AUTH_APPLE_ID_JWKS_URL", "SOCIAL_AUTH_GOOGLE_OAUTH2_JWKS_URL",
    "SOCIAL_AUTH_ASSOCIATE_BY_EMAIL",
    "THROTTLE_OTP_SEND", "THROTTLE_LOGIN_FAILURES", "THROTTLE_LOGIN_FAILURES_IP",
    "BLACKLIST_EMAIL_REGEX", "BLACKLIST_DISPOSABLE_EMAIL_DOMAINS", "BLACKLIST_EMAIL_DOMAINS_FILE",
    "BLACKLIST_PHONE_REGEX", "BLACKLIST_PHONE_TYPES", "BLACKLIST_USERNAME_WORDS",
    "BLACKLIST_USERNAME_REGEX", "BLACKLIST_OTP_DESTINATION_REGEX", "BLACKLIST_IPS",
    "HONEYPOT_PATHS", "HONEYPOT_BAN_DURATION", "HONEYPOT_FIELD", "PREVENT_ENUMERATION",
};

/// All keys in documented order (interface.md §2, then §6, then METRICS_TOKEN).
std::span<const KeyDescriptor> Keys();

/// The descriptor of `name` (exact, upper case), or nullptr.
const KeyDescriptor* FindKey(std::string_view name);

/// Whether `name` is in kNotYetImplementedKeys.
bool IsNotYetImplemented(std::string_view name);

/// Parses `N/sec|second|s|min|minute|m|hour|h|day|d` or `off`; nullopt when malformed.
std::optional<Rate> ParseRate(std::string_view text);

/// The canonical text of a rate (`100/min`, `off`).
std::string FormatRate(const Rate& rate);

/// Whether `text` is an IPv4 or IPv6 address with an optional /prefix-length.
bool IsCidr(std::string_view text);

}  // namespace dfauth::config
