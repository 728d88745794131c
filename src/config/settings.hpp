#pragma once
// The typed configuration of df-auth (interface.md §2, §6). One member per documented key, named
// after the key in lower snake case; the defaults below are the documented ones. Built once by
// config::LoadSettings and then passed around by const reference, never changed after start.
// Included almost everywhere, so it stays free of toml++ and nlohmann.

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/choices.hpp"

namespace dfauth::config {

/// A request rate `N/period`; `off` (the default-constructed value) means unlimited.
struct Rate {
  int64_t count = 0;
  int64_t period_seconds = 0;
  bool off = true;

  friend bool operator==(const Rate&, const Rate&) = default;
};

/// Number of hardware threads, at least 1 (hardware_concurrency may say 0).
inline int64_t CpuCount() {
  return std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()));
}

/// Every setting of df-auth with its documented default.
struct Settings {
  // --- server and storage ---
  std::string listen = "127.0.0.1:8000";
  std::string database_url = "sqlite://df-auth.sqlite3";
  int64_t database_pool_size = 2 * CpuCount();
  bool auto_migrate = true;
  std::string secret_key;  ///< empty: the app generates one and stores it in the database
  std::string api_prefix = "/api/v1/auth/";
  int64_t worker_threads = CpuCount();
  std::vector<std::string> trusted_proxies;
  std::vector<std::string> cors_allowed_origins;
  int64_t http_header_timeout = 10;  ///< seconds from a request's first byte to its blank line
  int64_t http_body_timeout = 30;    ///< seconds to read a body (and to write a response)
  int64_t http_idle_timeout = 75;    ///< seconds a kept-alive connection waits for a request
  int64_t http_max_connections = 0;  ///< 0: as many as the open-file limit allows

  // --- accounts (django-df-auth's settings) ---
  bool signup_allowed = true;
  bool invite_allowed = true;
  bool otp_auto_create_account = true;
  bool otp_send_unauthorized_user = true;
  bool otp_identity_update_field = true;
  bool defer_identity_update = false;
  bool auto_send_identity_verification_otp = false;
  std::vector<IdentityField> user_identity_fields = {IdentityField::kUsername, IdentityField::kEmail,
                                                    IdentityField::kPhoneNumber};
  std::vector<std::string> user_optional_fields = {"first_name", "last_name", "password"};
  std::map<std::string, std::string> user_extra_fields;  ///< name -> string|bool|int|date
  std::map<std::string, std::string> user_field_types = {{"email", "CharField"}};
  std::vector<AuthBackend> authentication_backends = {AuthBackend::kSmsOtp, AuthBackend::kEmailOtp,
                                                     AuthBackend::kPassword};
  std::vector<std::string> user_social_auth_fields = {"first_name", "last_name"};
  std::vector<std::string> required_auth_fields;
  std::string test_user_email;  ///< empty: the review-account backdoor is off

  // --- OTP ---
  std::vector<DeviceType> otp_device_types = {DeviceType::kEmail, DeviceType::kTotp, DeviceType::kSms,
                                             DeviceType::kStatic};
  int64_t otp_email_token_validity = 300;
  int64_t otp_twilio_token_validity = 300;
  int64_t otp_email_cooldown_duration = 0;
  int64_t otp_sms_cooldown_duration = 0;
  int64_t otp_max_attempts = 5;
  int64_t otp_throttle_factor = 1;
  std::string otp_totp_issuer = "df-auth";
  std::string otp_email_subject = "Your sign-in code";
  std::string otp_twilio_token_template = "{token}";
  std::string templates_dir;
  int64_t invite_token_validity = 604800;

  // --- delivery (Django's EMAIL_* defaults) ---
  std::string email_backend = "console";
  std::string email_host = "localhost";
  int64_t email_port = 25;
  std::string email_host_user;
  std::string email_host_password;
  bool email_use_tls = false;
  bool email_use_ssl = false;
  std::string default_from_email = "webmaster@localhost";
  std::string email_file_path;
  std::string sms_backend = "console";
  std::string sms_file_path;
  std::string otp_twilio_account;
  std::string otp_twilio_auth;
  std::string otp_twilio_from;
  std::string otp_twilio_messaging_service_sid;
  std::string otp_twilio_url = "https://api.twilio.com";
  std::string site_url = "http://localhost:3000/#";
  std::string site_login_url = "/login/";

  // --- social login (python-social-auth's names) ---
  std::string social_auth_google_oauth2_key;
  std::string social_auth_google_oauth2_secret;
  std::string social_auth_facebook_key;
  std::string social_auth_facebook_secret;
  std::string social_auth_apple_id_client;
  std::string social_auth_apple_id_team;
  std::string social_auth_apple_id_key;
  std::string social_auth_apple_id_secret;
  std::string social_auth_google_oauth2_userinfo_url =
      "https://www.googleapis.com/oauth2/v3/userinfo";
  std::string social_auth_facebook_userinfo_url = "https://graph.facebook.com/me";
  std::string social_auth_apple_id_jwks_url = "https://appleid.apple.com/auth/keys";
  std::string social_auth_google_oauth2_jwks_url = "https://www.googleapis.com/oauth2/v3/certs";
  std::string social_auth_associate_by_email = "verified";

  // --- tokens ---
  std::string jwt_algorithm = "HS256";
  std::string jwt_private_key_file;
  JwtProfile jwt_profile = JwtProfile::kSliding;
  int64_t access_token_lifetime = 300;
  int64_t refresh_token_lifetime = 1209600;
  int64_t sliding_token_lifetime = 1209600;
  int64_t sliding_token_refresh_lifetime = 1209600;
  std::string jwt_issuer;
  std::string jwt_audience;
  std::string token_type_claim = "token_type";

  // --- throttles and passwords ---
  Rate throttle_anon{100, 60, false};
  Rate throttle_user{1000, 60, false};
  Rate throttle_otp_send{5, 3600, false};
  Rate throttle_login_failures{100, 3600, false};
  Rate throttle_login_failures_ip{1000, 3600, false};
  std::string password_hasher = "argon2id";
  int64_t argon2_memory_kib = 19456;
  int64_t argon2_time_cost = 2;
  int64_t password_min_length = 8;
  std::string password_breached_filter;  ///< Bloom filter file of breached passwords; empty: off

  // --- blacklisting and abuse protection (§6) ---
  std::vector<std::string> blacklist_email_regex;
  bool blacklist_disposable_email_domains = true;
  std::string blacklist_email_domains_file;
  std::vector<std::string> blacklist_phone_regex;
  std::vector<std::string> blacklist_phone_types = {"PREMIUM_RATE", "SHARED_COST"};
  bool blacklist_username_words = true;
  std::vector<std::string> blacklist_username_regex;
  std::vector<std::string> blacklist_otp_destination_regex;
  std::vector<std::string> blacklist_ips;
  std::vector<std::string> honeypot_paths = {"/wp-login.php", "/.env", "/admin.php"};
  int64_t honeypot_ban_duration = 86400;
  std::string honeypot_field = "website";
  bool prevent_enumeration = false;

  std::string metrics_token;  ///< empty: /metrics is open

  // --- additions beyond the reference (§8) ---
  int64_t password_reset_timeout = 600;
  std::string password_reset_url = "/reset-password/";
  // Passkeys (issue 15). Empty RP id / origins: derived from SITE_URL (WebAuthnRpId/Origins).
  std::string webauthn_rp_id;
  std::string webauthn_rp_name = "df-auth";
  std::vector<std::string> webauthn_origins;
  std::string webauthn_user_verification = "required";
  int64_t webauthn_challenge_timeout = 300;
  int64_t audit_log_retention_days = 90;
  int64_t identity_change_undo_days = 7;
  bool signin_alerts = true;

  // --- filled by the loader ---
  std::vector<std::string> warnings;   ///< to log once at start
  std::set<std::string> explicitly_set;  ///< keys given in the file or the environment
};

}  // namespace dfauth::config
