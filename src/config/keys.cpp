#include "config/keys.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "net/database_url.hpp"
#include "net/ip_net.hpp"
#include "net/listen_address.hpp"

namespace dfauth::config {
namespace {

constexpr int64_t kMaxUint32 = 4294967295;

// --- allowed values ---------------------------------------------------------------------------
constexpr std::span<const std::string_view> kIdentityFields = NamesOf(IdentityField{});
// The reference lets email and phone_number be plain optional fields (not identities) too.
constexpr std::string_view kOptionalFields[] = {"first_name", "last_name", "password", "username", "email", "phone_number"};
constexpr std::string_view kSocialFields[] = {"first_name", "last_name"};
constexpr std::string_view kEmailBackends[] = {"console", "file", "smtp"};
constexpr std::string_view kSmsBackends[] = {"console", "file", "twilio"};
constexpr std::string_view kAssociateByEmail[] = {"verified", "always", "never"};
constexpr std::string_view kAlgorithms[] = {"HS256", "RS256", "ES256", "EdDSA"};
constexpr std::string_view kHashers[] = {"argon2id"};
constexpr std::string_view kUserVerification[] = {"required", "preferred"};
constexpr std::string_view kPhoneTypes[] = {
    "PREMIUM_RATE", "SHARED_COST", "TOLL_FREE", "VOIP", "PERSONAL_NUMBER", "PAGER",
    "UAN", "VOICEMAIL", "MOBILE", "FIXED_LINE", "FIXED_LINE_OR_MOBILE", "UNKNOWN"};
constexpr std::string_view kExtraFieldTypes[] = {"string", "bool", "int", "date"};
constexpr std::string_view kSerializerFields[] = {"CharField", "EmailField"};
// Columns and API names of the built-in user; a custom field must not shadow them.
constexpr std::string_view kBuiltInUserFields[] = {
    "id", "pk", "username", "email", "phone_number", "first_name", "last_name", "password",
    "is_active", "is_staff", "is_superuser", "is_2fa_enabled", "date_joined", "last_login",
    "groups", "user_permissions"};

bool Contains(std::span<const std::string_view> set, std::string_view value) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

std::string Joined(std::span<const std::string_view> set) {
  std::string out;
  for (auto v : set) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// --- key-specific checks ----------------------------------------------------------------------
const std::vector<std::string>& ListOf(const KeyDescriptor& d, const Settings& s) {
  return s.*std::get<std::vector<std::string> Settings::*>(d.member);
}
const std::string& StringOf(const KeyDescriptor& d, const Settings& s) {
  return s.*std::get<std::string Settings::*>(d.member);
}

std::string CheckListen(const KeyDescriptor& d, const Settings& s) {
  // The server's own parser: a value accepted here is one it can bind.
  std::string error;
  return net::ParseListenAddress(StringOf(d, s), &error) ? "" : error;
}

std::string CheckDatabaseUrl(const KeyDescriptor& d, const Settings& s) {
  std::string error;
  return net::ParseDatabaseUrl(StringOf(d, s), &error) ? "" : error;
}

std::string CheckApiPrefix(const KeyDescriptor& d, const Settings& s) {
  std::string_view v = StringOf(d, s);
  if (v.empty() || v.front() != '/' || v.back() != '/') return "must start and end with '/'";
  return "";
}

std::string CheckTypeClaim(const KeyDescriptor& d, const Settings& s) {
  const std::string& name = StringOf(d, s);
  if (name.empty()) return "must not be empty";
  // The type sits beside these claims in every token; sharing a name would overwrite one.
  for (const char* taken : {"exp", "iat", "nbf", "jti", "refresh_exp", "user_id", "iss", "aud"}) {
    if (name == taken) return "must not be a claim df-auth sets itself (" + name + ")";
  }
  return "";
}

std::string CheckCidrs(const KeyDescriptor& d, const Settings& s) {
  // The parser the guard and the HTTP layer use later, so what passes here works there.
  try {
    net::IpSet checked(ListOf(d, s));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

std::string CheckRegexes(const KeyDescriptor& d, const Settings& s) {
  for (const auto& item : ListOf(d, s)) {
    // An empty pattern matches every value: surely a mistake in a blacklist.
    if (item.empty()) return "an empty pattern would match everything";
    try {
      std::regex re(item, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return "bad regex \"" + item + "\": " + e.what();
    }
  }
  return "";
}

std::string CheckPaths(const KeyDescriptor& d, const Settings& s) {
  for (const auto& item : ListOf(d, s)) {
    if (item.empty() || item.front() != '/') return "\"" + item + "\" must start with '/'";
  }
  return "";
}

std::string CheckIdentityFields(const KeyDescriptor&, const Settings& s) {
  return s.user_identity_fields.empty() ? "needs at least one of " + Joined(kIdentityFields) : "";
}

std::string CheckExtraFields(const KeyDescriptor&, const Settings& s) {
  for (const auto& [name, type] : s.user_extra_fields) {
    if (!IsIdentifier(name)) return "field name \"" + name + "\" is not an identifier";
    if (Contains(kBuiltInUserFields, name)) {
      return "field name \"" + name + "\" clashes with a built-in user field";
    }
    if (!Contains(kExtraFieldTypes, type)) {
      return "field \"" + name + "\": type \"" + type + "\" is not one of " +
             Joined(kExtraFieldTypes);
    }
  }
  return "";
}

std::string CheckFieldTypes(const KeyDescriptor&, const Settings& s) {
  for (const auto& [name, type] : s.user_field_types) {
    if (!Contains(kIdentityFields, name) && !Contains(kOptionalFields, name)) {
      return "\"" + name + "\" is not an identity or optional user field";
    }
    if (!Contains(kSerializerFields, type)) {
      return "field \"" + name + "\": \"" + type + "\" is not one of " + Joined(kSerializerFields);
    }
  }
  return "";
}

std::string CheckReadableFile(const KeyDescriptor& d, const Settings& s) {
  const std::string& path = StringOf(d, s);
  if (path.empty()) return "";
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!std::filesystem::is_regular_file(path, ec) || !in) {
    return "cannot read file \"" + path + "\"";
  }
  return "";
}

// A WebAuthn origin as a browser writes it: scheme://host[:port], nothing after.
std::string CheckOrigins(const KeyDescriptor& d, const Settings& s) {
  static const std::regex kOrigin(R"(^https?://[A-Za-z0-9.\-\[\]:]+$)");
  for (const auto& item : ListOf(d, s)) {
    if (!std::regex_match(item, kOrigin)) return "\"" + item + "\" is not an origin (scheme://host[:port])";
  }
  return "";
}

std::string CheckRpId(const KeyDescriptor& d, const Settings& s) {
  const std::string& v = StringOf(d, s);
  static const std::regex kHost(R"(^[A-Za-z0-9.\-]*$)");
  return std::regex_match(v, kHost) ? "" : "must be a host name (no scheme, port or path)";
}

// --- the table --------------------------------------------------------------------------------
using S = Settings;

const KeyDescriptor kKeys[] = {
    // §2
    {.name = "LISTEN", .member = &S::listen,
     .doc = "address:port to listen on; port 0 picks a free port (logged)",
     .check = CheckListen},
    {.name = "DATABASE_URL", .member = &S::database_url,
     .doc = "sqlite://PATH, sqlite://:memory:, or postgresql://user:pass@host:port/db[?sslmode=…]",
     .check = CheckDatabaseUrl},
    {.name = "DATABASE_POOL_SIZE", .member = &S::database_pool_size,
     .doc = "database connections (PostgreSQL) or reader connections (SQLite)",
     .min = 1, .example = "8", .default_text = "2 x cores"},
    {.name = "AUTO_MIGRATE", .member = &S::auto_migrate,
     .doc = "serve applies pending migrations at start"},
    {.name = "SECRET_KEY", .member = &S::secret_key,
     .doc = "HS256 signing key and OTP HMAC key; empty: generated and stored in the database",
     .secret = true},
    {.name = "API_PREFIX", .member = &S::api_prefix,
     .doc = "where the API routes are mounted; starts and ends with /", .check = CheckApiPrefix},
    {.name = "WORKER_THREADS", .member = &S::worker_threads,
     .doc = "I/O threads", .min = 1, .example = "4", .default_text = "the number of cores"},
    {.name = "TRUSTED_PROXIES", .member = &S::trusted_proxies,
     .doc = "CIDRs whose X-Forwarded-For is believed; otherwise the peer is the client IP",
     .check = CheckCidrs},
    {.name = "CORS_ALLOWED_ORIGINS", .member = &S::cors_allowed_origins,
     .doc = "origins allowed by CORS"},
    {.name = "HTTP_HEADER_TIMEOUT", .member = &S::http_header_timeout,
     .doc = "seconds a client has to send a request's headers, from its first byte (slowloris)",
     .min = 1, .max = 86400},
    {.name = "HTTP_BODY_TIMEOUT", .member = &S::http_body_timeout,
     .doc = "seconds a client has to send a request body, and to read a response", .min = 1,
     .max = 86400},
    {.name = "HTTP_IDLE_TIMEOUT", .member = &S::http_idle_timeout,
     .doc = "seconds a kept-alive connection may wait for its next request", .min = 1,
     .max = 86400},
    {.name = "HTTP_MAX_CONNECTIONS", .member = &S::http_max_connections,
     .doc = "open connections; more are answered 503 and closed; 0: the open-file limit "
            "(raised to its hard limit at start) less 256 kept for the database and files",
     .min = 0},
    {.name = "SIGNUP_ALLOWED", .member = &S::signup_allowed,
     .doc = "anonymous sign-up is allowed (also gates OTP auto-create)"},
    {.name = "INVITE_ALLOWED", .member = &S::invite_allowed,
     .doc = "authenticated users may invite others"},
    {.name = "OTP_AUTO_CREATE_ACCOUNT", .member = &S::otp_auto_create_account,
     .doc = "an OTP request for an unknown email/phone creates the account"},
    {.name = "OTP_SEND_UNAUTHORIZED_USER", .member = &S::otp_send_unauthorized_user,
     .doc = "anonymous callers may request an OTP"},
    {.name = "OTP_IDENTITY_UPDATE_FIELD", .member = &S::otp_identity_update_field,
     .doc = "confirming a device copies its email/phone onto the user"},
    {.name = "DEFER_IDENTITY_UPDATE", .member = &S::defer_identity_update,
     .doc = "email/phone given at sign-up reach the user only when their device is confirmed"},
    {.name = "AUTO_SEND_IDENTITY_VERIFICATION_OTP",
     .member = &S::auto_send_identity_verification_otp,
     .doc = "sign-up sends a verification OTP to each new unconfirmed device"},
    {.name = "USER_IDENTITY_FIELDS", .member = &S::user_identity_fields,
     .doc = "ordered identity fields, unique per user, usable to log in",
     .check = CheckIdentityFields},
    {.name = "USER_OPTIONAL_FIELDS", .member = &S::user_optional_fields,
     .doc = "extra writable user fields", .choices = kOptionalFields},
    {.name = "USER_EXTRA_FIELDS", .member = &S::user_extra_fields,
     .doc = "custom profile fields: name = \"string\" | \"bool\" | \"int\" | \"date\"",
     .check = CheckExtraFields},
    {.name = "USER_FIELD_TYPES", .member = &S::user_field_types,
     .doc = "per-field serializer: EmailField validates the email format, CharField accepts any",
     .check = CheckFieldTypes},
    {.name = "AUTHENTICATION_BACKENDS", .member = &S::authentication_backends,
     .doc = "enabled login methods in the order tried: sms_otp, email_otp, password, test_email"},
    {.name = "USER_SOCIAL_AUTH_FIELDS", .member = &S::user_social_auth_fields,
     .doc = "fields a social login may fill from the request body", .choices = kSocialFields},
    {.name = "REQUIRED_AUTH_FIELDS", .member = &S::required_auth_fields,
     .doc = "fields required on token/ and passed to authentication"},
    {.name = "TEST_USER_EMAIL", .member = &S::test_user_email,
     .doc = "app-store review account that logs in by email alone (a backdoor: warns at start)"},
    {.name = "OTP_DEVICE_TYPES", .member = &S::otp_device_types,
     .doc = "OTP device types offered, in this order"},
    {.name = "OTP_EMAIL_TOKEN_VALIDITY", .member = &S::otp_email_token_validity,
     .doc = "seconds an emailed code stays valid", .min = 1},
    {.name = "OTP_TWILIO_TOKEN_VALIDITY", .member = &S::otp_twilio_token_validity,
     .doc = "seconds an SMS code stays valid", .min = 1},
    {.name = "OTP_EMAIL_COOLDOWN_DURATION", .member = &S::otp_email_cooldown_duration,
     .doc = "minimum seconds between two emails to one device (0: off)", .min = 0},
    {.name = "OTP_SMS_COOLDOWN_DURATION", .member = &S::otp_sms_cooldown_duration,
     .doc = "minimum seconds between two SMS to one device (0: off)", .min = 0},
    {.name = "OTP_MAX_ATTEMPTS", .member = &S::otp_max_attempts,
     .doc = "wrong codes accepted per issued code before it is void", .min = 1},
    {.name = "OTP_THROTTLE_FACTOR", .member = &S::otp_throttle_factor,
     .doc = "back-off: after n failures wait factor * 2^(n-1) seconds (0: off)", .min = 0},
    {.name = "OTP_TOTP_ISSUER", .member = &S::otp_totp_issuer,
     .doc = "issuer in the otpauth:// URI"},
    {.name = "OTP_EMAIL_SUBJECT", .member = &S::otp_email_subject,
     .doc = "subject of the OTP email"},
    {.name = "OTP_TWILIO_TOKEN_TEMPLATE", .member = &S::otp_twilio_token_template,
     .doc = "SMS body; {token} is replaced by the code"},
    {.name = "TEMPLATES_DIR", .member = &S::templates_dir,
     .doc = "folder whose files override the built-in message templates; empty: built-in"},
    {.name = "INVITE_TOKEN_VALIDITY", .member = &S::invite_token_validity,
     .doc = "seconds an invitation's sign-in link stays valid (once)", .min = 1},
    {.name = "EMAIL_BACKEND", .member = &S::email_backend,
     .doc = "console (stdout, development), file (EMAIL_FILE_PATH) or smtp",
     .choices = kEmailBackends},
    {.name = "EMAIL_HOST", .member = &S::email_host, .doc = "SMTP server host"},
    {.name = "EMAIL_PORT", .member = &S::email_port, .doc = "SMTP server port", .min = 1,
     .max = 65535},
    {.name = "EMAIL_HOST_USER", .member = &S::email_host_user, .doc = "SMTP user name"},
    {.name = "EMAIL_HOST_PASSWORD", .member = &S::email_host_password, .doc = "SMTP password",
     .secret = true},
    {.name = "EMAIL_USE_TLS", .member = &S::email_use_tls, .doc = "SMTP with STARTTLS"},
    {.name = "EMAIL_USE_SSL", .member = &S::email_use_ssl, .doc = "SMTP over implicit TLS"},
    {.name = "DEFAULT_FROM_EMAIL", .member = &S::default_from_email,
     .doc = "sender address of outgoing email"},
    {.name = "EMAIL_FILE_PATH", .member = &S::email_file_path,
     .doc = "folder for the file email backend (one file per message)"},
    {.name = "SMS_BACKEND", .member = &S::sms_backend,
     .doc = "console (stdout, development), file (SMS_FILE_PATH) or twilio",
     .choices = kSmsBackends},
    {.name = "SMS_FILE_PATH", .member = &S::sms_file_path,
     .doc = "folder for the file SMS backend (one file per message)"},
    {.name = "OTP_TWILIO_ACCOUNT", .member = &S::otp_twilio_account,
     .doc = "Twilio account SID"},
    {.name = "OTP_TWILIO_AUTH", .member = &S::otp_twilio_auth, .doc = "Twilio auth token",
     .secret = true},
    {.name = "OTP_TWILIO_FROM", .member = &S::otp_twilio_from, .doc = "Twilio sender number"},
    {.name = "OTP_TWILIO_MESSAGING_SERVICE_SID", .member = &S::otp_twilio_messaging_service_sid,
     .doc = "Twilio messaging service, used instead of OTP_TWILIO_FROM when set"},
    {.name = "OTP_TWILIO_URL", .member = &S::otp_twilio_url, .doc = "Twilio REST API base URL"},
    {.name = "SITE_URL", .member = &S::site_url, .doc = "front-end base URL of magic links"},
    {.name = "SITE_LOGIN_URL", .member = &S::site_login_url,
     .doc = "path appended to SITE_URL for magic links"},
    {.name = "SOCIAL_AUTH_GOOGLE_OAUTH2_KEY", .member = &S::social_auth_google_oauth2_key,
     .doc = "Google client id; google-oauth2 is offered when set"},
    {.name = "SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET", .member = &S::social_auth_google_oauth2_secret,
     .doc = "Google client secret", .secret = true},
    {.name = "SOCIAL_AUTH_FACEBOOK_KEY", .member = &S::social_auth_facebook_key,
     .doc = "Facebook app id; facebook is offered when set"},
    {.name = "SOCIAL_AUTH_FACEBOOK_SECRET", .member = &S::social_auth_facebook_secret,
     .doc = "Facebook app secret", .secret = true},
    {.name = "SOCIAL_AUTH_APPLE_ID_CLIENT", .member = &S::social_auth_apple_id_client,
     .doc = "Apple service/bundle id; apple-id is offered when set, ID tokens must have it as aud"},
    {.name = "SOCIAL_AUTH_APPLE_ID_TEAM", .member = &S::social_auth_apple_id_team,
     .doc = "Apple team id"},
    {.name = "SOCIAL_AUTH_APPLE_ID_KEY", .member = &S::social_auth_apple_id_key,
     .doc = "Apple key id"},
    {.name = "SOCIAL_AUTH_APPLE_ID_SECRET", .member = &S::social_auth_apple_id_secret,
     .doc = "Apple private key", .secret = true},
    {.name = "SOCIAL_AUTH_GOOGLE_OAUTH2_USERINFO_URL",
     .member = &S::social_auth_google_oauth2_userinfo_url, .doc = "Google userinfo endpoint"},
    {.name = "SOCIAL_AUTH_FACEBOOK_USERINFO_URL", .member = &S::social_auth_facebook_userinfo_url,
     .doc = "Facebook Graph user endpoint"},
    {.name = "SOCIAL_AUTH_APPLE_ID_JWKS_URL", .member = &S::social_auth_apple_id_jwks_url,
     .doc = "Apple ID token signing keys"},
    {.name = "SOCIAL_AUTH_GOOGLE_OAUTH2_JWKS_URL",
     .member = &S::social_auth_google_oauth2_jwks_url, .doc = "Google ID token signing keys"},
    {.name = "SOCIAL_AUTH_ASSOCIATE_BY_EMAIL", .member = &S::social_auth_associate_by_email,
     .doc = "link a social login to the user with its email: verified, always or never",
     .choices = kAssociateByEmail},
    {.name = "JWT_ALGORITHM", .member = &S::jwt_algorithm,
     .doc = "token signature: HS256, RS256, ES256 or EdDSA", .choices = kAlgorithms},
    {.name = "JWT_PRIVATE_KEY_FILE", .member = &S::jwt_private_key_file,
     .doc = "PEM private key for RS256/ES256/EdDSA; empty: keys from df-auth keys",
     .check = CheckReadableFile},
    {.name = "JWT_PROFILE", .member = &S::jwt_profile,
     .doc = "sliding (one token, the reference's) or pair (access + rotating refresh)"},
    {.name = "ACCESS_TOKEN_LIFETIME", .member = &S::access_token_lifetime,
     .doc = "seconds an access token (pair profile) is valid", .min = 1},
    {.name = "REFRESH_TOKEN_LIFETIME", .member = &S::refresh_token_lifetime,
     .doc = "seconds a refresh token (pair profile) is valid", .min = 1},
    {.name = "SLIDING_TOKEN_LIFETIME", .member = &S::sliding_token_lifetime,
     .doc = "seconds a sliding token is valid", .min = 1},
    {.name = "SLIDING_TOKEN_REFRESH_LIFETIME", .member = &S::sliding_token_refresh_lifetime,
     .doc = "seconds a sliding token can be refreshed after it was first issued", .min = 1},
    {.name = "JWT_ISSUER", .member = &S::jwt_issuer,
     .doc = "iss claim, set and checked when given"},
    {.name = "JWT_AUDIENCE", .member = &S::jwt_audience,
     .doc = "aud claim, set and checked when given"},
    {.name = "TOKEN_TYPE_CLAIM", .member = &S::token_type_claim,
     .doc = "name of the token type claim (django-df-auth's recommended settings: sliding)",
     .check = CheckTypeClaim},
    {.name = "THROTTLE_ANON", .member = &S::throttle_anon,
     .doc = "requests per client IP: N/sec|min|hour|day or off"},
    {.name = "THROTTLE_USER", .member = &S::throttle_user,
     .doc = "requests per user: N/sec|min|hour|day or off"},
    {.name = "THROTTLE_OTP_SEND", .member = &S::throttle_otp_send,
     .doc = "OTP messages per destination (email address or phone number)"},
    {.name = "THROTTLE_LOGIN_FAILURES", .member = &S::throttle_login_failures,
     .doc = "failed logins per account before it is locked for the rest of the window"},
    {.name = "THROTTLE_LOGIN_FAILURES_IP", .member = &S::throttle_login_failures_ip,
     .doc = "failed logins per client IP, all accounts together"},
    {.name = "PASSWORD_HASHER", .member = &S::password_hasher,
     .doc = "hasher of new passwords (Django pbkdf2_sha256 hashes are verified and upgraded)",
     .choices = kHashers},
    {.name = "ARGON2_MEMORY_KIB", .member = &S::argon2_memory_kib,
     .doc = "Argon2id memory in KiB (OWASP: 19456); lower values warn", .min = 8,
     .max = kMaxUint32},
    {.name = "ARGON2_TIME_COST", .member = &S::argon2_time_cost,
     .doc = "Argon2id passes (OWASP: 2); lower values warn", .min = 1, .max = kMaxUint32},
    {.name = "PASSWORD_MIN_LENGTH", .member = &S::password_min_length,
     .doc = "minimum password length at sign-up and set-password", .min = 1},
    {.name = "PASSWORD_BREACHED_FILTER", .member = &S::password_breached_filter,
     .doc = "breached-password Bloom filter (df-auth passwords build-filter), memory-mapped: new "
            "passwords on it are refused (400 password_breached); empty: off",
     .check = CheckReadableFile},
    // §6
    {.name = "BLACKLIST_EMAIL_REGEX", .member = &S::blacklist_email_regex,
     .doc = "regexes (searched, not fully matched) of refused email addresses",
     .check = CheckRegexes},
    {.name = "BLACKLIST_DISPOSABLE_EMAIL_DOMAINS", .member = &S::blacklist_disposable_email_domains,
     .doc = "refuse addresses at the shipped list of disposable-mail domains"},
    {.name = "BLACKLIST_EMAIL_DOMAINS_FILE", .member = &S::blacklist_email_domains_file,
     .doc = "text file of more refused domains, one a line (# comments)", .check = CheckReadableFile},
    {.name = "BLACKLIST_PHONE_REGEX", .member = &S::blacklist_phone_regex,
     .doc = "regexes of refused phone numbers (E.164 form)", .check = CheckRegexes},
    {.name = "BLACKLIST_PHONE_TYPES", .member = &S::blacklist_phone_types,
     .doc = "refused libphonenumber number types", .choices = kPhoneTypes},
    {.name = "BLACKLIST_USERNAME_WORDS", .member = &S::blacklist_username_words,
     .doc = "refuse usernames containing a word of the shipped offensive-word list"},
    {.name = "BLACKLIST_USERNAME_REGEX", .member = &S::blacklist_username_regex,
     .doc = "regexes of refused usernames", .check = CheckRegexes},
    {.name = "BLACKLIST_OTP_DESTINATION_REGEX", .member = &S::blacklist_otp_destination_regex,
     .doc = "regexes of emails/phones OTPs are never sent to", .check = CheckRegexes},
    {.name = "BLACKLIST_IPS", .member = &S::blacklist_ips,
     .doc = "CIDRs refused everywhere with 403 ip_blocked", .check = CheckCidrs},
    {.name = "HONEYPOT_PATHS", .member = &S::honeypot_paths,
     .doc = "paths whose request bans the client IP", .check = CheckPaths},
    {.name = "HONEYPOT_BAN_DURATION", .member = &S::honeypot_ban_duration,
     .doc = "seconds a honeypot ban lasts", .min = 1},
    {.name = "HONEYPOT_FIELD", .member = &S::honeypot_field,
     .doc = "hidden form field; a sign-up or OTP request that fills it is faked and banned"},
    {.name = "PREVENT_ENUMERATION", .member = &S::prevent_enumeration,
     .doc = "otp/, sign-up and login answer alike whether or not the account exists"},
    {.name = "METRICS_TOKEN", .member = &S::metrics_token,
     .doc = "when set, /metrics needs Authorization: Bearer <it>", .secret = true},
    // §8
    {.name = "PASSWORD_RESET_TIMEOUT", .member = &S::password_reset_timeout,
     .doc = "seconds a password-reset code stays valid", .min = 1},
    {.name = "PASSWORD_RESET_URL", .member = &S::password_reset_url,
     .doc = "path appended to SITE_URL for the password-reset link"},
    {.name = "WEBAUTHN_RP_ID", .member = &S::webauthn_rp_id,
     .doc = "passkeys' relying-party id (a host name); empty: the host of SITE_URL", .check = CheckRpId},
    {.name = "WEBAUTHN_RP_NAME", .member = &S::webauthn_rp_name,
     .doc = "relying-party name authenticators show"},
    {.name = "WEBAUTHN_ORIGINS", .member = &S::webauthn_origins,
     .doc = "exact origins passkey ceremonies may come from; empty: the origin of SITE_URL",
     .check = CheckOrigins},
    {.name = "WEBAUTHN_USER_VERIFICATION", .member = &S::webauthn_user_verification,
     .doc = "required (a passkey without UV is refused) or preferred", .choices = kUserVerification},
    {.name = "WEBAUTHN_CHALLENGE_TIMEOUT", .member = &S::webauthn_challenge_timeout,
     .doc = "seconds a passkey challenge stays valid", .min = 1, .max = 86400},
    {.name = "AUDIT_LOG_RETENTION_DAYS", .member = &S::audit_log_retention_days,
     .doc = "days audit entries are kept (0: for ever); older ones are purged hourly in bounded rounds", .min = 0},
    {.name = "IDENTITY_CHANGE_UNDO_DAYS", .member = &S::identity_change_undo_days,
     .doc = "days the undo link mailed to the old email or phone after a change works", .min = 1},
    {.name = "SIGNIN_ALERTS", .member = &S::signin_alerts,
     .doc = "mail the account on a sign-in from a device not seen for 90 days"},
};

}  // namespace

std::span<const KeyDescriptor> Keys() { return kKeys; }

const KeyDescriptor* FindKey(std::string_view name) {
  for (const auto& d : kKeys) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

bool IsNotYetImplemented(std::string_view name) {
  return Contains(kNotYetImplementedKeys, name);
}

std::optional<Rate> ParseRate(std::string_view text) {
  if (text == "off") return Rate{};
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  int64_t count = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + slash, count);
  if (ec != std::errc() || p != text.data() + slash || count < 1) return std::nullopt;
  static const std::map<std::string_view, int64_t> kPeriods = {
      {"s", 1},     {"sec", 1},      {"second", 1}, {"m", 60},   {"min", 60},
      {"minute", 60}, {"h", 3600},   {"hour", 3600}, {"d", 86400}, {"day", 86400}};
  auto it = kPeriods.find(text.substr(slash + 1));
  if (it == kPeriods.end()) return std::nullopt;
  return Rate{count, it->second, false};
}

std::string FormatRate(const Rate& rate) {
  if (rate.off) return "off";
  const char* unit = rate.period_seconds == 1       ? "sec"
                     : rate.period_seconds == 60    ? "min"
                     : rate.period_seconds == 3600  ? "hour"
                     : rate.period_seconds == 86400 ? "day"
                                                    : nullptr;
  if (unit == nullptr) {
    return std::to_string(rate.count) + "/" + std::to_string(rate.period_seconds) + "s";
  }
  return std::to_string(rate.count) + "/" + unit;
}

}  // namespace dfauth::config
