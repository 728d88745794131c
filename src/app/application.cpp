#include "app/application.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "api/context.hpp"
#include "auth/login_service.hpp"
#include "config/loader.hpp"
#include "crypto/primitives.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "identity/user_service.hpp"
#include "store/store.hpp"
#include "token/token_service.hpp"

namespace dfauth::app {

config::Settings LoadConfiguration(const std::optional<std::string>& config_file) {
  std::optional<std::string> file = config_file;
  if (!file && std::filesystem::exists("df-auth.toml")) file = "df-auth.toml";  // the default, when present
  config::Settings settings = config::LoadSettings(file, config::ProcessEnvironment());
  return settings;
}

std::unique_ptr<store::Store> OpenConfiguredStore(const config::Settings& settings) {
  try {
    return store::OpenStore(settings.database_url, static_cast<int>(settings.database_pool_size));
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError("DATABASE_URL", e.what());
  }
}

void ResolveSecretKey(config::Settings& settings, store::Store& store) {
  if (!settings.secret_key.empty()) return;
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*(-_=+)";
  std::string generated;
  for (int i = 0; i < 50; ++i)
    generated += kAlphabet[crypto::RandomUniform(static_cast<uint32_t>(kAlphabet.size()))];
  bool existed = store.GetSetting("secret_key").has_value();
  settings.secret_key = store.PutSettingIfAbsent("secret_key", generated);
  if (!existed)
    spdlog::warn("SECRET_KEY is not set: generated one and stored it in the database; set "
                 "SECRET_KEY to share it between replicas or keep it across databases");
}

namespace {

http::RateLimit ToRateLimit(const config::Rate& rate) {
  return http::RateLimit{rate.count, rate.period_seconds, rate.off};
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
  return o;
}

}  // namespace

int Serve(config::Settings settings) {
  for (const auto& warning : settings.warnings) spdlog::warn("{}", warning);
  auto store = OpenConfiguredStore(settings);
  if (settings.auto_migrate) {
    int applied = store->Migrate();
    if (applied > 0) spdlog::info("applied {} migration(s); schema version {}", applied, store->SchemaVersion());
  } else if (store->SchemaVersion() < store->LatestSchemaVersion()) {
    spdlog::error("the database schema is at version {} but this build needs {}: run `df-auth migrate`",
                  store->SchemaVersion(), store->LatestSchemaVersion());
    return 1;
  }
  ResolveSecretKey(settings, *store);

  token::TokenService tokens(ToTokenOptions(settings), *store);
  tokens.LoadKeys();
  auth::LoginService login(settings, *store);
  identity::UserService users(settings, *store);
  http::Metrics metrics;
  http::Router router;
  api::ApiContext context{settings, *store, tokens, login, users, metrics};
  api::RegisterRoutes(router, context);

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http::ServerOptions options;
  options.listen = settings.listen;
  options.io_threads = static_cast<int>(settings.worker_threads);
  options.worker_threads = std::max(4, static_cast<int>(settings.database_pool_size));
  options.worker_queue_limit = 4096;
  options.hash_threads = cores;
  options.hash_queue_limit = 1024;
  options.cors_allowed_origins = settings.cors_allowed_origins;
  options.trusted_proxies = settings.trusted_proxies;
  options.throttle_anon = ToRateLimit(settings.throttle_anon);
  options.throttle_user = ToRateLimit(settings.throttle_user);
  options.metrics_token = settings.metrics_token;

  http::Server server(options, router,
                      [&tokens](const http::Request& request) { return api::Authenticate(tokens, request); },
                      metrics);
  server.Bind();
  server.Run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace dfauth::app
