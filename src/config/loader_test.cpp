#include "config/loader.hpp"
#include "config/temp_file_test_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "config/keys.hpp"

namespace dfauth::config {
namespace {

using test_support::TempFile;

using Env = std::map<std::string, std::string>;

const std::string kConsoleWarning =
    "EMAIL_BACKEND: console email backend prints messages to standard output; development only";

// The key named by the ConfigError that loading throws, or "<no error>".
std::string ErrorKey(const std::optional<std::string>& toml, const Env& env) {
  std::optional<TempFile> file;
  if (toml) file.emplace(*toml);
  try {
    LoadSettings(file ? std::optional(file->Path()) : std::nullopt, env);
  } catch (const ConfigError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(e.key + ": ")) << e.what();
    return e.key;
  }
  return "<no error>";
}

std::string FileErrorKey(const std::string& toml) { return ErrorKey(toml, {}); }
std::string EnvErrorKey(const std::string& var, const std::string& value) {
  return ErrorKey(std::nullopt, {{var, value}});
}

std::string LineOf(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(key + " = ")) return line;
  }
  return "<missing>";
}

TEST(LoadSettings, DefaultsAreTheDocumentedOnes) {
  Settings s = LoadSettings(std::nullopt, {});
  EXPECT_EQ(s.listen, "127.0.0.1:8000");
  EXPECT_EQ(s.database_url, "sqlite://df-auth.sqlite3");
  EXPECT_EQ(s.database_pool_size, 2 * CpuCount());
  EXPECT_EQ(s.worker_threads, CpuCount());
  EXPECT_GE(s.worker_threads, 1);
  EXPECT_TRUE(s.auto_migrate);
  EXPECT_EQ(s.secret_key, "");
  EXPECT_EQ(s.api_prefix, "/api/v1/auth/");
  EXPECT_EQ(s.user_identity_fields,
            (std::vector<IdentityField>{IdentityField::kUsername, IdentityField::kEmail,
                                        IdentityField::kPhoneNumber}));
  EXPECT_EQ(s.user_field_types, (std::map<std::string, std::string>{{"email", "CharField"}}));
  EXPECT_EQ(s.authentication_backends,
            (std::vector<AuthBackend>{AuthBackend::kSmsOtp, AuthBackend::kEmailOtp,
                                      AuthBackend::kPassword}));
  EXPECT_EQ(s.otp_device_types, (std::vector<DeviceType>{DeviceType::kEmail, DeviceType::kTotp,
                                                         DeviceType::kSms, DeviceType::kStatic}));
  EXPECT_EQ(s.email_host, "localhost");
  EXPECT_EQ(s.email_port, 25);
  EXPECT_EQ(s.default_from_email, "webmaster@localhost");
  EXPECT_EQ(s.social_auth_google_oauth2_userinfo_url,
            "https://www.googleapis.com/oauth2/v3/userinfo");
  EXPECT_EQ(s.social_auth_apple_id_jwks_url, "https://appleid.apple.com/auth/keys");
  EXPECT_EQ(s.jwt_algorithm, "HS256");
  EXPECT_EQ(s.jwt_profile, JwtProfile::kSliding);
  EXPECT_EQ(s.access_token_lifetime, 300);
  EXPECT_EQ(s.sliding_token_refresh_lifetime, 1209600);
  EXPECT_EQ(s.token_type_claim, "token_type");
  EXPECT_EQ(s.throttle_anon, (Rate{100, 60, false}));
  EXPECT_EQ(s.throttle_login_failures_ip, (Rate{1000, 3600, false}));
  EXPECT_EQ(s.argon2_memory_kib, 19456);
  EXPECT_EQ(s.argon2_time_cost, 2);
  EXPECT_EQ(s.password_min_length, 8);
  EXPECT_EQ(s.blacklist_phone_types, (std::vector<std::string>{"PREMIUM_RATE", "SHARED_COST"}));
  EXPECT_EQ(s.honeypot_paths,
            (std::vector<std::string>{"/wp-login.php", "/.env", "/admin.php"}));
  EXPECT_EQ(s.honeypot_ban_duration, 86400);
  EXPECT_TRUE(s.explicitly_set.empty());
  EXPECT_EQ(s.warnings, std::vector<std::string>{kConsoleWarning});
}

TEST(LoadSettings, EnvironmentWinsOverFileWhichWinsOverDefaults) {
  TempFile file(
      "LISTEN = \"0.0.0.0:9000\"\n"
      "JWT_PROFILE = \"pair\"\n"
      "USER_EXTRA_FIELDS = { age = \"int\", born = \"date\" }\n");
  Settings s = LoadSettings(file.Path(), {{"DF_AUTH_LISTEN", "[::1]:0"}, {"HOME", "/root"}});
  EXPECT_EQ(s.listen, "[::1]:0");
  EXPECT_EQ(s.jwt_profile, JwtProfile::kPair);
  EXPECT_EQ(s.user_extra_fields,
            (std::map<std::string, std::string>{{"age", "int"}, {"born", "date"}}));
  EXPECT_EQ(s.api_prefix, "/api/v1/auth/");
  EXPECT_EQ(s.explicitly_set,
            (std::set<std::string>{"LISTEN", "JWT_PROFILE", "USER_EXTRA_FIELDS"}));
}

TEST(LoadSettings, WebAuthnKeysAreValidated) {
  Settings s = LoadSettings(std::nullopt, {});
  EXPECT_EQ(s.webauthn_rp_id, "");
  EXPECT_EQ(s.webauthn_rp_name, "df-auth");
  EXPECT_TRUE(s.webauthn_origins.empty());
  EXPECT_EQ(s.webauthn_user_verification, "required");
  EXPECT_EQ(s.webauthn_challenge_timeout, 300);
  EXPECT_EQ(FileErrorKey("WEBAUTHN_ORIGINS = [\"https://app.example/login\"]\n"), "WEBAUTHN_ORIGINS");
  EXPECT_EQ(FileErrorKey("WEBAUTHN_ORIGINS = [\"app.example\"]\n"), "WEBAUTHN_ORIGINS");
  EXPECT_EQ(FileErrorKey("WEBAUTHN_RP_ID = \"https://app.example\"\n"), "WEBAUTHN_RP_ID");
  EXPECT_EQ(FileErrorKey("WEBAUTHN_USER_VERIFICATION = \"discouraged\"\n"), "WEBAUTHN_USER_VERIFICATION");
  EXPECT_EQ(FileErrorKey("WEBAUTHN_CHALLENGE_TIMEOUT = 0\n"), "WEBAUTHN_CHALLENGE_TIMEOUT");
  TempFile file("WEBAUTHN_ORIGINS = [\"https://app.example\", \"http://localhost:3000\"]\n"
                "WEBAUTHN_RP_ID = \"app.example\"\nWEBAUTHN_USER_VERIFICATION = \"preferred\"\n");
  Settings set = LoadSettings(file.Path(), {});
  EXPECT_EQ(set.webauthn_origins, (std::vector<std::string>{"https://app.example", "http://localhost:3000"}));
  EXPECT_EQ(set.webauthn_rp_id, "app.example");
  EXPECT_EQ(set.webauthn_user_verification, "preferred");
  // In the environment the origins are comma-separated.
  Settings env = LoadSettings(std::nullopt, {{"DF_AUTH_WEBAUTHN_ORIGINS", "https://a.example,https://b.example:8443"}});
  EXPECT_EQ(env.webauthn_origins, (std::vector<std::string>{"https://a.example", "https://b.example:8443"}));
}

TEST(LoadSettings, ErrorsNameTheKey) {
  EXPECT_EQ(FileErrorKey("NO_SUCH_KEY = 1\n"), "NO_SUCH_KEY");
  EXPECT_EQ(FileErrorKey("listen = \"127.0.0.1:1\"\n"), "listen");  // names are exact
  EXPECT_EQ(FileErrorKey("[server]\nLISTEN = \"127.0.0.1:1\"\n"), "server");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_NO_SUCH_KEY", "1"), "NO_SUCH_KEY");
  EXPECT_EQ(EnvErrorKey("DFAUTH_NO_SUCH_KEY", "1"), "<no error>");  // not our prefix
  // Wrong TOML types.
  EXPECT_EQ(FileErrorKey("AUTO_MIGRATE = \"yes\"\n"), "AUTO_MIGRATE");
  EXPECT_EQ(FileErrorKey("WORKER_THREADS = \"4\"\n"), "WORKER_THREADS");
  EXPECT_EQ(FileErrorKey("WORKER_THREADS = 4.0\n"), "WORKER_THREADS");
  EXPECT_EQ(FileErrorKey("CORS_ALLOWED_ORIGINS = \"https://a.com\"\n"), "CORS_ALLOWED_ORIGINS");
  EXPECT_EQ(FileErrorKey("CORS_ALLOWED_ORIGINS = [1, 2]\n"), "CORS_ALLOWED_ORIGINS");
  EXPECT_EQ(FileErrorKey("USER_EXTRA_FIELDS = { age = 1 }\n"), "USER_EXTRA_FIELDS");
  EXPECT_EQ(FileErrorKey("SECRET_KEY = 12\n"), "SECRET_KEY");
  // Wrong environment values.
  EXPECT_EQ(EnvErrorKey("DF_AUTH_AUTO_MIGRATE", "yes"), "AUTO_MIGRATE");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_ACCESS_TOKEN_LIFETIME", "5m"), "ACCESS_TOKEN_LIFETIME");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_ACCESS_TOKEN_LIFETIME", "99999999999999999999"),
            "ACCESS_TOKEN_LIFETIME");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_FIELD_TYPES", "email=EmailField"), "USER_FIELD_TYPES");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_FIELD_TYPES", "{\"email\": 1}"), "USER_FIELD_TYPES");
  // Bad values.
  EXPECT_EQ(EnvErrorKey("DF_AUTH_JWT_ALGORITHM", "HS512"), "JWT_ALGORITHM");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_JWT_ALGORITHM", "none"), "JWT_ALGORITHM");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_JWT_PROFILE", "Sliding"), "JWT_PROFILE");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_PASSWORD_HASHER", "md5"), "PASSWORD_HASHER");
  EXPECT_EQ(FileErrorKey("BLACKLIST_EMAIL_REGEX = [\"^ok$\", \"(unclosed\"]\n"),
            "BLACKLIST_EMAIL_REGEX");
  EXPECT_EQ(FileErrorKey("BLACKLIST_USERNAME_REGEX = [\"\"]\n"), "BLACKLIST_USERNAME_REGEX");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33"), "TRUSTED_PROXIES");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_BLACKLIST_IPS", "example.com"), "BLACKLIST_IPS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_BLACKLIST_IPS", "::1/129"), "BLACKLIST_IPS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_THROTTLE_ANON", "5/week"), "THROTTLE_ANON");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_THROTTLE_USER", "0/min"), "THROTTLE_USER");
  EXPECT_EQ(FileErrorKey("THROTTLE_ANON = 100\n"), "THROTTLE_ANON");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_LISTEN", "localhost"), "LISTEN");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_LISTEN", "127.0.0.1:65536"), "LISTEN");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_LISTEN", "300.1.1.1:80"), "LISTEN");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_LISTEN", "[::1:80"), "LISTEN");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_LISTEN", "[zz]:80"), "LISTEN");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_LISTEN", ":80"), "LISTEN");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_DATABASE_URL", "mysql://x"), "DATABASE_URL");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_API_PREFIX", "/api"), "API_PREFIX");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_WORKER_THREADS", "0"), "WORKER_THREADS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_DATABASE_POOL_SIZE", "-1"), "DATABASE_POOL_SIZE");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_SLIDING_TOKEN_LIFETIME", "0"), "SLIDING_TOKEN_LIFETIME");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_ARGON2_MEMORY_KIB", "7"), "ARGON2_MEMORY_KIB");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_ARGON2_TIME_COST", "0"), "ARGON2_TIME_COST");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_PASSWORD_MIN_LENGTH", "0"), "PASSWORD_MIN_LENGTH");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_OTP_MAX_ATTEMPTS", "0"), "OTP_MAX_ATTEMPTS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_AUTHENTICATION_BACKENDS", "password,ldap"),
            "AUTHENTICATION_BACKENDS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_AUTHENTICATION_BACKENDS", "password,password"),
            "AUTHENTICATION_BACKENDS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_IDENTITY_FIELDS", ""), "USER_IDENTITY_FIELDS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_IDENTITY_FIELDS", "nickname"), "USER_IDENTITY_FIELDS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_OPTIONAL_FIELDS", "age"), "USER_OPTIONAL_FIELDS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_SOCIAL_AUTH_FIELDS", "password"), "USER_SOCIAL_AUTH_FIELDS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_OTP_DEVICE_TYPES", "email,yubikey"), "OTP_DEVICE_TYPES");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_EXTRA_FIELDS", "{\"age\": \"float\"}"), "USER_EXTRA_FIELDS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_EXTRA_FIELDS", "{\"email\": \"string\"}"),
            "USER_EXTRA_FIELDS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_EXTRA_FIELDS", "{\"my-age\": \"int\"}"), "USER_EXTRA_FIELDS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_FIELD_TYPES", "{\"age\": \"CharField\"}"),
            "USER_FIELD_TYPES");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_USER_FIELD_TYPES", "{\"email\": \"URLField\"}"),
            "USER_FIELD_TYPES");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_BLACKLIST_PHONE_TYPES", "PREMIUM_RATE,SATELLITE"),
            "BLACKLIST_PHONE_TYPES");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_SOCIAL_AUTH_ASSOCIATE_BY_EMAIL", "sometimes"),
            "SOCIAL_AUTH_ASSOCIATE_BY_EMAIL");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_EMAIL_BACKEND", "pigeon"), "EMAIL_BACKEND");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_SMS_BACKEND", "pigeon"), "SMS_BACKEND");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_HONEYPOT_PATHS", "wp-login.php"), "HONEYPOT_PATHS");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_TOKEN_TYPE_CLAIM", ""), "TOKEN_TYPE_CLAIM");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_TOKEN_TYPE_CLAIM", "exp"), "TOKEN_TYPE_CLAIM");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_TOKEN_TYPE_CLAIM", "user_id"), "TOKEN_TYPE_CLAIM");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_JWT_PRIVATE_KEY_FILE", "/nonexistent/key.pem"),
            "JWT_PRIVATE_KEY_FILE");
  EXPECT_EQ(EnvErrorKey("DF_AUTH_JWT_PRIVATE_KEY_FILE",
                        std::filesystem::temp_directory_path().string()),
            "JWT_PRIVATE_KEY_FILE");
  // The file itself.
  EXPECT_EQ(FileErrorKey("LISTEN = \n"), "config");
  EXPECT_EQ(ErrorKey(std::nullopt, {}), "<no error>");
}

TEST(LoadSettings, MissingFileIsAConfigError) {
  try {
    LoadSettings("/nonexistent/df-auth.toml", {});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key, "config");
    EXPECT_EQ(std::string(e.what()),
              "config: configuration file \"/nonexistent/df-auth.toml\" does not exist");
  }
}

TEST(LoadSettings, MessagesSayWhereTheValueCameFrom) {
  TempFile file("JWT_ALGORITHM = \"HS512\"\n");
  try {
    LoadSettings(file.Path(), {});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "JWT_ALGORITHM: \"HS512\" is not one of HS256, RS256, "
                                     "ES256, EdDSA (in \"" + file.Path() + "\")");
  }
  try {
    LoadSettings(std::nullopt, {{"DF_AUTH_AUTO_MIGRATE", "yes"}});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "AUTO_MIGRATE: expected a boolean, got \"yes\" "
              "(from environment variable DF_AUTH_AUTO_MIGRATE)");
  }
}

TEST(LoadSettings, SecretValuesStayOutOfTypeErrors) {
  try {
    LoadSettings(std::nullopt, {{"DF_AUTH_SOCIAL_AUTH_FACEBOOK_SECRET", "s3cret"},
                                {"DF_AUTH_USER_FIELD_TYPES", "s3cret"}});
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key, "USER_FIELD_TYPES");
  }
}

TEST(LoadSettings, AcceptsEveryListenForm) {
  for (const char* listen : {"127.0.0.1:0", "0.0.0.0:65535", "[::1]:8000", "[::]:80",
                             "localhost:8000"}) {
    EXPECT_EQ(LoadSettings(std::nullopt, {{"DF_AUTH_LISTEN", listen}}).listen, listen);
  }
}

// The server binds without resolving names, so the check refuses what it could not bind.
TEST(LoadSettings, RefusesListenHostNamesTheServerCannotBind) {
  for (const char* listen : {"auth-1.internal:443", "*:80", "::1:80"}) {
    EXPECT_EQ(EnvErrorKey("DF_AUTH_LISTEN", listen), "LISTEN") << listen;
  }
  try {
    LoadSettings(std::nullopt, {{"DF_AUTH_LISTEN", "auth-1.internal:443"}});
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "LISTEN: \"auth-1.internal:443\": the host must be an IPv4 address, [IPv6] or "
              "localhost (names are not resolved) (from environment variable DF_AUTH_LISTEN)");
  }
}

TEST(LoadSettings, ParsesListsBooleansTablesAndRatesFromEnvironment) {
  Settings s = LoadSettings(
      std::nullopt,
      {{"DF_AUTH_CORS_ALLOWED_ORIGINS", " https://a.example , https://b.example,"},
       {"DF_AUTH_TRUSTED_PROXIES", ""},
       {"DF_AUTH_BLACKLIST_EMAIL_REGEX", R"(["^x{2,3}@", "@spam\\.example$"])"},
       {"DF_AUTH_AUTO_MIGRATE", "FALSE"},
       {"DF_AUTH_SIGNUP_ALLOWED", "0"},
       {"DF_AUTH_PREVENT_ENUMERATION", "True"},
       {"DF_AUTH_EMAIL_USE_TLS", "1"},
       {"DF_AUTH_USER_EXTRA_FIELDS", R"({"age": "int", "newsletter": "bool"})"},
       {"DF_AUTH_USER_FIELD_TYPES", R"({"email": "EmailField"})"},
       {"DF_AUTH_THROTTLE_ANON", "10/m"},
       {"DF_AUTH_THROTTLE_USER", "off"},
       {"DF_AUTH_THROTTLE_OTP_SEND", "3/day"},
       {"DF_AUTH_THROTTLE_LOGIN_FAILURES", "7/second"},
       {"DF_AUTH_ACCESS_TOKEN_LIFETIME", " 60 "},
       {"DF_AUTH_SECRET_KEY", " keep spaces "}});
  EXPECT_EQ(s.cors_allowed_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_TRUE(s.trusted_proxies.empty());
  EXPECT_EQ(s.blacklist_email_regex,
            (std::vector<std::string>{"^x{2,3}@", "@spam\\.example$"}));
  EXPECT_FALSE(s.auto_migrate);
  EXPECT_FALSE(s.signup_allowed);
  EXPECT_TRUE(s.prevent_enumeration);
  EXPECT_TRUE(s.email_use_tls);
  EXPECT_EQ(s.user_extra_fields,
            (std::map<std::string, std::string>{{"age", "int"}, {"newsletter", "bool"}}));
  EXPECT_EQ(s.user_field_types, (std::map<std::string, std::string>{{"email", "EmailField"}}));
  EXPECT_EQ(s.throttle_anon, (Rate{10, 60, false}));
  EXPECT_EQ(s.throttle_user, (Rate{0, 0, true}));
  EXPECT_EQ(s.throttle_otp_send, (Rate{3, 86400, false}));
  EXPECT_EQ(s.throttle_login_failures, (Rate{7, 1, false}));
  EXPECT_EQ(s.access_token_lifetime, 60);
  EXPECT_EQ(s.secret_key, " keep spaces ");
}

TEST(ParseRate, AcceptsEveryUnitSpelling) {
  EXPECT_EQ(ParseRate("5/s"), (Rate{5, 1, false}));
  EXPECT_EQ(ParseRate("5/sec"), (Rate{5, 1, false}));
  EXPECT_EQ(ParseRate("5/min"), (Rate{5, 60, false}));
  EXPECT_EQ(ParseRate("5/minute"), (Rate{5, 60, false}));
  EXPECT_EQ(ParseRate("5/h"), (Rate{5, 3600, false}));
  EXPECT_EQ(ParseRate("5/hour"), (Rate{5, 3600, false}));
  EXPECT_EQ(ParseRate("5/d"), (Rate{5, 86400, false}));
  EXPECT_EQ(ParseRate("off"), Rate{});
  EXPECT_EQ(ParseRate("5"), std::nullopt);
  EXPECT_EQ(ParseRate("/min"), std::nullopt);
  EXPECT_EQ(ParseRate("-5/min"), std::nullopt);
  EXPECT_EQ(ParseRate("5/mins"), std::nullopt);
  EXPECT_EQ(FormatRate(Rate{5, 3600, false}), "5/hour");
  EXPECT_EQ(FormatRate(Rate{}), "off");
}

TEST(FormatEffective, MasksSecrets) {
  Settings s;
  s.secret_key = "s3cret-key";
  s.email_host_password = "s3cret-smtp";
  s.otp_twilio_auth = "s3cret-twilio";
  s.social_auth_google_oauth2_secret = "s3cret-google";
  s.social_auth_facebook_secret = "s3cret-fb";
  s.social_auth_apple_id_secret = "s3cret-apple";
  s.metrics_token = "s3cret-metrics";
  s.database_url = "postgresql://df:s3cret-db@db.internal:5432/auth";
  std::string text = FormatEffective(s);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_EQ(LineOf(text, "SECRET_KEY"), "SECRET_KEY = \"********\"");
  EXPECT_EQ(LineOf(text, "METRICS_TOKEN"), "METRICS_TOKEN = \"********\"");
  EXPECT_EQ(LineOf(text, "SOCIAL_AUTH_APPLE_ID_SECRET"),
            "SOCIAL_AUTH_APPLE_ID_SECRET = \"********\"");
  EXPECT_EQ(LineOf(text, "DATABASE_URL"),
            "DATABASE_URL = \"postgresql://df:********@db.internal:5432/auth\"");
  // Empty secrets show as empty, so that "not set" stays visible.
  EXPECT_EQ(LineOf(FormatEffective(Settings{}), "SECRET_KEY"), "SECRET_KEY = \"\"");

  s.database_url = "postgresql://db.internal/auth?user=df&password=s3cret-q&sslmode=require";
  EXPECT_EQ(LineOf(FormatEffective(s), "DATABASE_URL"),
            "DATABASE_URL = \"postgresql://db.internal/auth?user=df&password=********"
            "&sslmode=require\"");
  s.database_url = "sqlite:///var/lib/df-auth/db.sqlite3";
  EXPECT_EQ(LineOf(FormatEffective(s), "DATABASE_URL"),
            "DATABASE_URL = \"sqlite:///var/lib/df-auth/db.sqlite3\"");
}

TEST(FormatEffective, OneLinePerKeyInDocumentedOrderAndReadableBack) {
  Settings s = LoadSettings(std::nullopt, {});
  s.user_extra_fields = {{"age", "int"}};
  s.otp_email_subject = "Say \"hi\"\\";
  s.throttle_user = Rate{};
  std::string text = FormatEffective(s);
  EXPECT_EQ(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')), Keys().size());
  EXPECT_TRUE(text.starts_with("LISTEN = \"127.0.0.1:8000\"\n"));
  EXPECT_TRUE(text.ends_with("SIGNIN_ALERTS = true\n"));
  EXPECT_EQ(LineOf(text, "USER_FIELD_TYPES"), "USER_FIELD_TYPES = { email = \"CharField\" }");
  EXPECT_EQ(LineOf(text, "THROTTLE_ANON"), "THROTTLE_ANON = \"100/min\"");
  EXPECT_EQ(LineOf(text, "USER_IDENTITY_FIELDS"),
            "USER_IDENTITY_FIELDS = [\"username\", \"email\", \"phone_number\"]");
  // The output is valid TOML that loads back to the same settings.
  TempFile file(text);
  Settings back = LoadSettings(file.Path(), {});
  EXPECT_EQ(FormatEffective(back), text);
  EXPECT_EQ(back.otp_email_subject, "Say \"hi\"\\");
  EXPECT_EQ(back.explicitly_set.size(), Keys().size());
}

TEST(Warnings, ImplementedFeatureKeysDoNotWarn) {
  Settings s = LoadSettings(std::nullopt, {{"DF_AUTH_SMS_BACKEND", "twilio"},
                                           {"DF_AUTH_PREVENT_ENUMERATION", "true"},
                                           {"DF_AUTH_HONEYPOT_FIELD", "website"},
                                           {"DF_AUTH_SIGNUP_ALLOWED", "false"}});
  EXPECT_EQ(s.sms_backend, "twilio");
  EXPECT_TRUE(s.prevent_enumeration);
  EXPECT_EQ(s.warnings, (std::vector<std::string>{kConsoleWarning}));
}

TEST(Warnings, WeakArgon2AndTestUserAreReported) {
  Settings s = LoadSettings(std::nullopt, {{"DF_AUTH_ARGON2_MEMORY_KIB", "8"},
                                           {"DF_AUTH_ARGON2_TIME_COST", "1"},
                                           {"DF_AUTH_TEST_USER_EMAIL", "review@example.com"}});
  EXPECT_EQ(s.warnings,
            (std::vector<std::string>{
                "ARGON2_MEMORY_KIB = 8 is weaker than OWASP (19456); for tests and benchmarks "
                "only",
                "ARGON2_TIME_COST = 1 is weaker than OWASP (2); for tests and benchmarks only",
                "TEST_USER_EMAIL is set: the review-account backdoor is on (review@example.com "
                "logs in with no other credential)",
                kConsoleWarning}));
}

TEST(Keys, TableIsConsistent) {
  std::set<std::string_view> names;
  for (const auto& d : Keys()) {
    EXPECT_TRUE(names.insert(d.name).second) << d.name;
    EXPECT_FALSE(d.doc.empty()) << d.name;
  }
  EXPECT_EQ(Keys().size(), 115u);
  for (auto name : kNotYetImplementedKeys) EXPECT_NE(FindKey(name), nullptr) << name;
  EXPECT_EQ(FindKey("listen"), nullptr);
  EXPECT_FALSE(IsNotYetImplemented("HONEYPOT_FIELD"));
  EXPECT_FALSE(IsNotYetImplemented("PREVENT_ENUMERATION"));
  EXPECT_FALSE(IsNotYetImplemented("BLACKLIST_IPS"));
  EXPECT_FALSE(IsNotYetImplemented("METRICS_TOKEN"));
}

TEST(ExampleToml, CommittedFileIsInSync) {
  const std::string path = std::string(DFAUTH_SOURCE_DIR) + "/configs/df-auth.example.toml";
  if (std::getenv("DFAUTH_REGENERATE_EXAMPLE") != nullptr) {
    std::ofstream(path) << ExampleToml();
  }
  std::ifstream in(path);
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), ExampleToml())
      << "regenerate: DFAUTH_REGENERATE_EXAMPLE=1 config_tests --gtest_filter=ExampleToml.*";
}

TEST(ExampleToml, UncommentedExampleLoadsAsTheDefaults) {
  std::istringstream in(ExampleToml());
  std::string uncommented;
  int keys = 0;
  const std::regex key_line("^# ([A-Z0-9_]+ = .*)$");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, key_line)) {
      uncommented += m[1].str() + "\n";
      ++keys;
    }
  }
  EXPECT_EQ(static_cast<size_t>(keys), Keys().size());
  TempFile file(uncommented);
  Settings loaded = LoadSettings(file.Path(), {});
  Settings defaults;
  loaded.database_pool_size = defaults.database_pool_size;  // machine-dependent defaults
  loaded.worker_threads = defaults.worker_threads;
  EXPECT_EQ(FormatEffective(loaded), FormatEffective(defaults));
}

}  // namespace
}  // namespace dfauth::config
