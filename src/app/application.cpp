#include "app/application.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <thread>

#include "api/context.hpp"
#include "auth/identity_change.hpp"
#include "auth/login_service.hpp"
#include "auth/signin_alerts.hpp"
#include "config/loader.hpp"
#include "crypto/primitives.hpp"
#include "guard/guard.hpp"
#include "http/envelope.hpp"
#include "http/metrics.hpp"
#include "http/open_files.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "identity/breached_filter.hpp"
#include "identity/user_service.hpp"
#include "notify/delivery.hpp"
#include "otp/device_service.hpp"
#include "otp/otp_request.hpp"
#include "store/device_store.hpp"
#include "store/guard_store.hpp"
#include "social/jwks_cache.hpp"
#include "social/providers.hpp"
#include "social/social_service.hpp"
#include "store/social_store.hpp"
#include "store/database.hpp"
#include "token/token_service.hpp"

namespace dfauth::app {

config::Settings LoadConfiguration(const std::optional<std::string>& config_file) {
  std::optional<std::string> file = config_file;
  if (!file && std::filesystem::exists("df-auth.toml")) file = "df-auth.toml";  // the default, when present
  config::Settings settings = config::LoadSettings(file, config::ProcessEnvironment());
  return settings;
}

std::unique_ptr<store::Database> OpenConfiguredStore(const config::Settings& settings) {
  try {
    return store::OpenDatabase(settings.database_url, static_cast<int>(settings.database_pool_size));
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError("DATABASE_URL", e.what());
  }
}

void RequireKnownSchema(store::Database& store) {
  const int version = store.SchemaVersion();
  const int latest = store.LatestSchemaVersion();
  if (version > latest) {
    throw config::ConfigError("DATABASE_URL", "the database schema is at version " + std::to_string(version) +
                                                  ", newer than this build's " + std::to_string(latest) +
                                                  ": run the df-auth release that migrated it, or a newer one");
  }
}

std::unique_ptr<identity::BreachedFilter> OpenBreachedFilter(const config::Settings& settings) {
  if (settings.password_breached_filter.empty()) return nullptr;
  try {
    auto filter = identity::BreachedFilter::Open(settings.password_breached_filter);
    spdlog::info("breached-password filter: {} passwords, {} bits, {} hashes, mapped from {}", filter->Items(),
                 filter->Bits(), filter->Hashes(), settings.password_breached_filter);
    return filter;
  } catch (const identity::BreachedFilterError& e) {
    throw config::ConfigError("PASSWORD_BREACHED_FILTER", e.what());
  }
}

void ResolveSecretKey(config::Settings& settings, store::Database& store) {
  if (!settings.secret_key.empty()) return;
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*(-_=+)";
  std::string generated;
  for (int i = 0; i < 50; ++i)
    generated += kAlphabet[crypto::RandomUniform(static_cast<uint32_t>(kAlphabet.size()))];
  bool existed = store.Keys().GetSetting("secret_key").has_value();
  settings.secret_key = store.Keys().PutSettingIfAbsent("secret_key", generated);
  if (!existed)
    spdlog::warn("SECRET_KEY is not set: generated one and stored it in the database; set "
                 "SECRET_KEY to share it between replicas or keep it across databases");
}

token::TokenOptions ToTokenOptions(const config::Settings& s) {
  token::TokenOptions o;
  o.algorithm = token::ParseAlgorithm(s.jwt_algorithm).value();
  o.profile = s.jwt_profile;
  o.access_lifetime = s.access_token_lifetime;
  o.refresh_lifetime = s.refresh_token_lifetime;
  o.sliding_lifetime = s.sliding_token_lifetime;
  o.sliding_refresh_lifetime = s.sliding_token_refresh_lifetime;
  o.issuer = s.jwt_issuer;
  o.audience = s.jwt_audience;
  o.type_claim = s.token_type_claim;
  o.secret_key = s.secret_key;
  o.private_key_file = s.jwt_private_key_file;
  o.audit_retention_days = s.audit_log_retention_days;
  return o;
}

namespace {

http::RateLimit ToRateLimit(const config::Rate& rate) {
  return http::RateLimit{rate.count, rate.period_seconds, rate.off};
}

auth::LoginOptions ToLoginOptions(const config::Settings& s) {
  auth::LoginOptions o;
  o.backends = s.authentication_backends;
  o.identity_fields = s.user_identity_fields;
  o.test_user_email = s.test_user_email;
  o.prevent_enumeration = s.prevent_enumeration;
  o.argon2 = {static_cast<uint64_t>(s.argon2_memory_kib), static_cast<uint32_t>(s.argon2_time_cost)};
  return o;
}

otp::OtpRequestOptions ToOtpRequestOptions(const config::Settings& s) {
  otp::OtpRequestOptions o;
  o.backends = s.authentication_backends;
  o.auto_create_account = s.otp_auto_create_account;
  o.signup_allowed = s.signup_allowed;
  o.send_unauthorized_user = s.otp_send_unauthorized_user;
  o.prevent_enumeration = s.prevent_enumeration;
  return o;
}

/// Who an anonymous POST otp/ is from: the user its credentials prove (otp does not depend on auth).
otp::OtpRequestService::Identify IdentifyFor(auth::LoginService& login) {
  return [&login](const identity::FieldValues& credentials) -> std::optional<store::User> {
    if (auto found = login.Identify(credentials)) return std::move(found->user);
    return std::nullopt;
  };
}

/// The guard's checks of an OTP destination (otp does not depend on guard).
otp::OtpRequestService::DestinationGuard OtpDestinationGuard(guard::Guard& guard) {
  return {[&guard](const std::string& field, const std::string& destination) {
            if (field == "email") guard.CheckEmail(destination);
            else guard.CheckPhone(destination, field);
          },
          [&guard](const std::string& destination) { return guard.OtpDestinationAllowed(destination); }};
}

}  // namespace

namespace {

/// The schema checked and, with AUTO_MIGRATE, brought up to date; false when it is behind and
/// migrating is the operator's call.
bool PrepareSchema(store::Database& store, const config::Settings& settings) {
  RequireKnownSchema(store);
  if (settings.auto_migrate) {
    int applied = store.Migrate();
    if (applied > 0) spdlog::info("applied {} migration(s); schema version {}", applied, store.SchemaVersion());
    return true;
  }
  if (store.SchemaVersion() < store.LatestSchemaVersion()) {
    spdlog::error("the database schema is at version {} but this build needs {}: run `df-auth migrate`",
                  store.SchemaVersion(), store.LatestSchemaVersion());
    return false;
  }
  return true;
}

/// Social login: provider calls run inside the request, on the network pool (issue 4); the 2FA
/// gate and the guard's identity checks are the ones a password login meets.
std::unique_ptr<social::SocialService> MakeSocialService(const config::Settings& settings, store::Database& store,
                                                         token::TokenService& tokens, social::JwksCache& jwks,
                                                         auth::LoginService& login, guard::Guard& guard,
                                                         http::Metrics& metrics) {
  auto service = std::make_unique<social::SocialService>(
      settings, store, store.Social(), tokens, social::MakeProviders(settings, social::CurlFetcher(), jwks, {}),
      [&login](const store::User& user, const std::optional<std::string>& otp, const auth::SecondFactor& passkey) {
        login.PassTwoFactorGate(user, otp, passkey);
      },
      [&metrics](const std::string& provider, const std::string& outcome) {
        metrics.Increment("dfauth_social_logins_total", "Social logins and connects by provider and outcome",
                          {{"provider", provider}, {"outcome", outcome}});
      });
  service->SetIdentityCheck([&guard](const std::optional<std::string>& email, const std::string& username) {
    if (email) guard.CheckEmail(*email);
    guard.CheckUsername(username);
  });
  return service;
}

http::ServerOptions ToServerOptions(const config::Settings& settings, const store::Database& store, guard::Guard& guard) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http::ServerOptions options;
  options.listen = settings.listen;
  options.io_threads = static_cast<int>(settings.worker_threads);
  options.header_timeout = std::chrono::seconds(settings.http_header_timeout);
  options.body_timeout = std::chrono::seconds(settings.http_body_timeout);
  options.idle_timeout = std::chrono::seconds(settings.http_idle_timeout);
  // Each connection is a descriptor: take the hard limit, and stay under it with a 503.
  const http::OpenFileLimit files = http::RaiseOpenFileLimit();
  const auto configured = static_cast<std::uint64_t>(settings.http_max_connections);
  options.max_connections = http::ConnectionLimit(configured, files.soft);
  if (configured > options.max_connections) {
    spdlog::warn("HTTP_MAX_CONNECTIONS {} exceeds the open-file limit {} less {} reserved: {} connections",
                 configured, files.soft, http::kReservedDescriptors, options.max_connections);
  }
  spdlog::info("up to {} connections (open-file limit {}{})", options.max_connections, files.soft,
               files.raised ? ", raised to the hard limit" : "");
  // The backend knows what suits it (an embedded database is CPU-bound, a networked one waits on
  // round trips). Hashing and provider calls have pools of their own, so nothing slow holds
  // these workers.
  options.worker_threads = store.SuggestedWorkers(cores);
  options.worker_queue_limit = 4096;
  options.hash_threads = cores;
  options.hash_queue_limit = 1024;
  // Social logins wait on the provider (up to its 10 s timeout): threads that mostly sleep.
  options.network_threads = std::max(4, 4 * cores);
  options.network_queue_limit = 1024;
  options.pipeline.cors_allowed_origins = settings.cors_allowed_origins;
  options.pipeline.trusted_proxies = settings.trusted_proxies;
  options.pipeline.throttle_anon = ToRateLimit(settings.throttle_anon);
  options.pipeline.throttle_user = ToRateLimit(settings.throttle_user);
  options.pipeline.translate_error = api::TranslateError;
  // Before routing and authentication, on every path: blocked addresses get 403 everywhere, and a
  // honeypot path bans its caller behind the same 404 as any unknown path (no hint).
  options.pipeline.pre_route = [&guard](const http::Request& request) -> std::optional<http::Response> {
    if (guard.IsIpBlocked(request.client_ip)) {
      return http::ErrorResponse(ApiError(403, "ip_blocked", guard::kIpBlockedMessage));
    }
    if (guard.IsHoneypotPath(request.path)) {
      guard.HoneypotHit(request.client_ip, "honeypot_path");
      return http::ErrorResponse(errors::NotFound());
    }
    return std::nullopt;
  };
  return options;
}

/// SIGHUP (`systemctl reload`): the signing keys (JWT_PRIVATE_KEY_FILE and the database's) and
/// the blacklist file are read again; a part that fails keeps what it had and says why.
void Reload(token::TokenService& tokens, guard::Guard& guard) {
  bool ok = true;
  try {
    tokens.LoadKeys();
  } catch (const std::exception& e) {
    ok = false;
    spdlog::error("reload: signing keys kept as they were: {}", e.what());
  }
  try {
    guard.ReloadFiles();
  } catch (const std::exception& e) {
    ok = false;
    spdlog::error("reload: blacklist file kept as it was: {}", e.what());
  }
  if (ok) spdlog::info("reload: signing keys and blacklist file read again");
}

}  // namespace

int Serve(config::Settings settings) {
  for (const auto& warning : settings.warnings) spdlog::warn("{}", warning);
  const auto breached = OpenBreachedFilter(settings);
  auto store = OpenConfiguredStore(settings);
  if (!PrepareSchema(*store, settings)) return 1;
  ResolveSecretKey(settings, *store);

  token::TokenService tokens(ToTokenOptions(settings), *store);
  tokens.LoadKeys();
  http::Metrics metrics;
  if (store->GroupCommitCounts()) {  // SQLite: how well its writer groups the writes
    metrics.SetCounterSource("dfauth_sqlite_write_units_total", "Write units done by the SQLite writer",
                             [&store] { return static_cast<double>(store->GroupCommitCounts()->units); });
    metrics.SetCounterSource("dfauth_sqlite_commits_total", "Transactions the SQLite writer committed (a group of units each)",
                             [&store] { return static_cast<double>(store->GroupCommitCounts()->commits); });
  }
  // The outbox sender (issue 3): requests only queue messages; this thread delivers them.
  notify::Delivery delivery(settings, *store);
  delivery.SetOutcomeCallback([&metrics](std::string_view channel, std::string_view outcome) {
    metrics.Increment("dfauth_messages_sent_total", "Message send attempts by channel and outcome",
                      {{"channel", std::string(channel)}, {"outcome", std::string(outcome)}});
  });
  // The guard (issue 5): blacklists, bans, honeypots and failed-login limits; its refusals are
  // counted by rule.
  guard::Guard guard(settings, store->Guard());
  guard.SetRefusalObserver([&metrics](std::string_view rule) {
    metrics.Increment("dfauth_guard_refusals_total", "Refusals by the guard, by rule", {{"rule", std::string(rule)}});
  });
  // OTP devices, codes and 2FA (issue 3): logins, sign-up and the otp routes share them.
  otp::DeviceService devices(settings, *store, store->Devices(), delivery);
  auth::LoginOptions login_options = ToLoginOptions(settings);
  login_options.breached = breached.get();
  login_options.on_breached_import = [&metrics](int64_t user_id) {
    spdlog::warn("user {} signed in with an imported password that is on PASSWORD_BREACHED_FILTER "
                 "(not refused; ask the user to change it)", user_id);
    metrics.Increment("dfauth_breached_imported_passwords_total",
                      "Imported passwords found on the breached-password filter at their first sign-in", {});
  };
  auth::LoginService login(std::move(login_options), *store, &devices, &guard);
  identity::UserService users(settings, *store, &store->Devices());
  users.SetBreachedFilter(breached.get());
  otp::OtpRequestService otp_requests(ToOtpRequestOptions(settings), *store, devices, users, IdentifyFor(login),
                                      OtpDestinationGuard(guard));
  social::JwksCache jwks(social::CurlFetcher());
  auto social = MakeSocialService(settings, *store, tokens, jwks, login, guard, metrics);

  http::Router router;
  auth::PasswordResetService password_resets(settings, *store, devices, users, login, delivery,
                                             [&guard](const std::string& destination) {
                                               return guard.OtpDestinationAllowed(destination);
                                             });
  // Reversible identity changes and sign-in alerts (issue 16 items 3-4): the one place an
  // identity change is announced (profile update, device copy) and the one place a session starts.
  auth::IdentityChangeService identity_changes(settings, *store, users, password_resets, delivery);
  const identity::IdentityChanged announce = [&identity_changes](const store::User& before, const store::User& after) {
    identity_changes.Changed(before, after);
  };
  users.SetIdentityChanged(announce);
  devices.SetIdentityChanged(announce);
  auth::SignInAlerts signin_alerts(settings, *store, delivery);
  tokens.SetSignInObserver([&signin_alerts](const store::User& user, const token::SessionStart& start) {
    signin_alerts.SignedIn(user, start);
  });
  passkey::PasskeyService passkeys(settings, *store, &guard);
  api::ApiContext context{settings, *store,  tokens,       login, users,           metrics,         *social,
                          devices,  otp_requests, guard, password_resets, identity_changes, passkeys};
  api::RegisterRoutes(router, context);
  http::ServerOptions server_options = ToServerOptions(settings, *store, guard);
  server_options.on_reload = [&tokens, &guard] { Reload(tokens, guard); };
  http::Server server(std::move(server_options), router,
                      [&tokens](const http::Request& request) { return api::Authenticate(tokens, request); },
                      metrics);
  server.Bind();
  delivery.Start();
  server.Run();
  delivery.Stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace dfauth::app
