// The HTTP request path: raw bytes → Beast's request parser with the server's limits → the
// request as session.cpp builds it (SetTarget, AddHeader, SetPeer) → the real pipeline (CORS,
// pre-route guard hook, router, authenticator, throttles, handlers) over the real app wiring
// on a SQLite database in a scratch directory (created once, in LLVMFuzzerInitialize). Up to
// four pipelined requests per input share the connection's bytes, so that a sign-up can be
// followed by a login.
// Properties: no response is a 500 (a handler or lower layer let an exception through), and
// every JSON response body parses as JSON.
// "$TOKEN" in the input is replaced by a valid bearer token of an existing active user (made
// again when a request deleted or deactivated it), so the authenticated routes are reached.
//
// The wiring mirrors app::Serve (src/app/application.cpp) minus the sockets, the outbox sender
// thread (messages only queue) and the network: provider fetches fail as an unreachable
// provider would.

#include <utility>  // Boost 1.74 Asio under C++20 needs std::exchange declared first

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "api/context.hpp"
#include "auth/login_service.hpp"
#include "config/loader.hpp"
#include "fuzz_support.hpp"
#include "guard/guard.hpp"
#include "http/envelope.hpp"
#include "http/metrics.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "identity/user_service.hpp"
#include "notify/delivery.hpp"
#include "otp/device_service.hpp"
#include "otp/otp_request.hpp"
#include "social/jwks_cache.hpp"
#include "social/provider.hpp"
#include "social/providers.hpp"
#include "social/social_service.hpp"
#include "store/database.hpp"
#include "store/user_store.hpp"
#include "token/token_service.hpp"

namespace {

using namespace dfauth;
namespace bhttp = boost::beast::http;

constexpr std::size_t kHeaderLimit = 16 * 1024;  // http::ServerOptions' defaults
constexpr std::size_t kBodyLimit = 1024 * 1024;
constexpr int kMaxRequests = 4;

social::FetchResponse Unreachable(const std::string&, const std::vector<std::string>&) {
  throw social::ProviderUnavailable();
}

/// app::Serve's components, built once.
struct App {
  config::Settings settings;
  std::unique_ptr<store::Database> store;
  std::unique_ptr<token::TokenService> tokens;
  http::Metrics metrics;
  std::unique_ptr<notify::Delivery> delivery;
  std::unique_ptr<guard::Guard> guard;
  std::unique_ptr<otp::DeviceService> devices;
  std::unique_ptr<auth::LoginService> login;
  std::unique_ptr<identity::UserService> users;
  std::unique_ptr<otp::OtpRequestService> otp_requests;
  std::unique_ptr<social::JwksCache> jwks;
  std::unique_ptr<social::SocialService> social;
  std::unique_ptr<auth::PasswordResetService> password_resets;
  std::unique_ptr<auth::IdentityChangeService> identity_changes;
  std::unique_ptr<passkey::PasskeyService> passkeys;
  http::Router router;
  std::unique_ptr<api::ApiContext> context;
  std::unique_ptr<http::Pipeline> pipeline;
  int64_t user_id = 0;
  uint32_t peer = 0;

  App() {
    const std::string dir = fuzz::ScratchDir();
    // Cheap hashing (a login must not cost 20 MiB of Argon2 per run), CORS for one origin so
    // that its code is reached; the rest is the documented defaults.
    settings = config::LoadSettings(std::nullopt, {{"DF_AUTH_DATABASE_URL", "sqlite://" + dir + "/fuzz.sqlite3"},
                                                   {"DF_AUTH_DATABASE_POOL_SIZE", "1"},
                                                   {"DF_AUTH_SECRET_KEY", "fuzz-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"},
                                                   {"DF_AUTH_ARGON2_MEMORY_KIB", "8"},
                                                   {"DF_AUTH_ARGON2_TIME_COST", "1"},
                                                   {"DF_AUTH_EMAIL_BACKEND", "file"},
                                                   {"DF_AUTH_EMAIL_FILE_PATH", dir + "/mail"},
                                                   {"DF_AUTH_SMS_BACKEND", "file"},
                                                   {"DF_AUTH_SMS_FILE_PATH", dir + "/sms"},
                                                   {"DF_AUTH_CORS_ALLOWED_ORIGINS", "https://app.example"},
                                                   {"DF_AUTH_TRUSTED_PROXIES", "127.0.0.1/32"}});
    store = store::OpenDatabase(settings.database_url, 1);
    store->Migrate();
    token::TokenOptions o;
    o.algorithm = token::ParseAlgorithm(settings.jwt_algorithm).value();
    o.profile = settings.jwt_profile;
    o.access_lifetime = settings.access_token_lifetime;
    o.refresh_lifetime = settings.refresh_token_lifetime;
    o.sliding_lifetime = settings.sliding_token_lifetime;
    o.sliding_refresh_lifetime = settings.sliding_token_refresh_lifetime;
    o.issuer = settings.jwt_issuer;
    o.audience = settings.jwt_audience;
    o.type_claim = settings.token_type_claim;
    o.secret_key = settings.secret_key;
    tokens = std::make_unique<token::TokenService>(o, *store);
    tokens->LoadKeys();
    delivery = std::make_unique<notify::Delivery>(settings, *store);
    guard = std::make_unique<guard::Guard>(settings, store->Guard());
    devices = std::make_unique<otp::DeviceService>(settings, *store, store->Devices(), *delivery);
    auth::LoginOptions lo;
    lo.backends = settings.authentication_backends;
    lo.identity_fields = settings.user_identity_fields;
    lo.test_user_email = settings.test_user_email;
    lo.prevent_enumeration = settings.prevent_enumeration;
    lo.argon2 = {static_cast<uint64_t>(settings.argon2_memory_kib), static_cast<uint32_t>(settings.argon2_time_cost)};
    login = std::make_unique<auth::LoginService>(lo, *store, devices.get(), guard.get());
    users = std::make_unique<identity::UserService>(settings, *store, &store->Devices());
    otp::OtpRequestOptions ro;
    ro.backends = settings.authentication_backends;
    ro.auto_create_account = settings.otp_auto_create_account;
    ro.signup_allowed = settings.signup_allowed;
    ro.send_unauthorized_user = settings.otp_send_unauthorized_user;
    ro.prevent_enumeration = settings.prevent_enumeration;
    auth::LoginService& login_ref = *login;
    guard::Guard& guard_ref = *guard;
    otp_requests = std::make_unique<otp::OtpRequestService>(
        ro, *store, *devices, *users,
        [&login_ref](const identity::FieldValues& credentials) -> std::optional<store::User> {
          if (auto found = login_ref.Identify(credentials)) return std::move(found->user);
          return std::nullopt;
        },
        otp::OtpRequestService::DestinationGuard{
            [&guard_ref](const std::string& field, const std::string& destination) {
              if (field == "email") guard_ref.CheckEmail(destination);
              else guard_ref.CheckPhone(destination, field);
            },
            [&guard_ref](const std::string& destination) { return guard_ref.OtpDestinationAllowed(destination); }});
    jwks = std::make_unique<social::JwksCache>(Unreachable);
    social = std::make_unique<social::SocialService>(
        settings, *store, store->Social(), *tokens, social::MakeProviders(settings, Unreachable, *jwks, {}),
        [&login_ref](const store::User& user, const std::optional<std::string>& otp,
                     const auth::SecondFactor& passkey) { login_ref.PassTwoFactorGate(user, otp, passkey); },
        [](const std::string&, const std::string&) {});
    social->SetIdentityCheck([&guard_ref](const std::optional<std::string>& email, const std::string& username) {
      if (email) guard_ref.CheckEmail(*email);
      guard_ref.CheckUsername(username);
    });
    password_resets = std::make_unique<auth::PasswordResetService>(
        settings, *store, *devices, *users, *login, *delivery,
        [&guard_ref](const std::string& destination) { return guard_ref.OtpDestinationAllowed(destination); });
    identity_changes = std::make_unique<auth::IdentityChangeService>(settings, *store, *users, *password_resets,
                                                                     *delivery);
    passkeys = std::make_unique<passkey::PasskeyService>(settings, *store, guard.get());
    context = std::make_unique<api::ApiContext>(api::ApiContext{settings, *store, *tokens, *login, *users, metrics,
                                                                *social, *devices, *otp_requests, *guard,
                                                                *password_resets, *identity_changes, *passkeys});
    api::RegisterRoutes(router, *context);

    http::PipelineRules rules;
    rules.cors_allowed_origins = settings.cors_allowed_origins;
    rules.trusted_proxies = settings.trusted_proxies;
    rules.throttle_anon = {settings.throttle_anon.count, settings.throttle_anon.period_seconds, settings.throttle_anon.off};
    rules.throttle_user = {settings.throttle_user.count, settings.throttle_user.period_seconds, settings.throttle_user.off};
    rules.translate_error = api::TranslateError;
    rules.pre_route = [&guard_ref](const http::Request& request) -> std::optional<http::Response> {
      if (guard_ref.IsIpBlocked(request.client_ip)) {
        return http::ErrorResponse(ApiError(403, "ip_blocked", guard::kIpBlockedMessage));
      }
      if (guard_ref.IsHoneypotPath(request.path)) {
        guard_ref.HoneypotHit(request.client_ip, "honeypot_path");
        return http::ErrorResponse(errors::NotFound());
      }
      return std::nullopt;
    };
    token::TokenService& tokens_ref = *tokens;
    pipeline = std::make_unique<http::Pipeline>(
        rules, router, [&tokens_ref](const http::Request& request) { return api::Authenticate(tokens_ref, request); });
  }

  /// A bearer token of an active user, the user made again when a request removed it.
  std::string Token() {
    auto user = user_id ? store->Users().FindUserById(user_id) : std::nullopt;
    if (!user || !user->is_active) {
      store::User u;
      u.username = "fuzz" + std::to_string(++users_made);
      u.email = u.username + "@fuzz.example";
      u.is_active = true;
      u.password_hash = "!";
      user_id = store->Users().CreateUser(u);
      user = store->Users().FindUserById(user_id);
    }
    return tokens->Issue(*user, {}).token;
  }

  /// A peer address of its own per run (10.x.y.z): a ban or a throttle a run earns stays its own.
  std::string NextPeer() {
    ++peer;
    return "10." + std::to_string((peer >> 16) & 255) + "." + std::to_string((peer >> 8) & 255) + "." +
           std::to_string(peer & 255);
  }

  int users_made = 0;
};

App* the_app = nullptr;

std::string WithToken(std::string_view input, const std::string& token) {
  std::string out;
  constexpr std::string_view kMark = "$TOKEN";
  std::size_t start = 0;
  for (std::size_t at = input.find(kMark); at != std::string_view::npos; at = input.find(kMark, start)) {
    out.append(input.substr(start, at - start));
    out += token;
    start = at + kMark.size();
  }
  out.append(input.substr(start));
  return out;
}

void Check(const http::Response& response) {
  if (response.status >= 500) {
    std::fprintf(stderr, "status %d body %s\n", response.status, response.body.c_str());
    fuzz::Require(false, "a 5xx answer");
  }
  if (response.content_type.starts_with("application/json")) {
    fuzz::Require(nlohmann::json::accept(response.body), "a JSON response that is not JSON");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // the error log of every 4xx would drown the fuzzer's
  the_app = new App();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  App& app = *the_app;
  const std::string input = WithToken(std::string_view(reinterpret_cast<const char*>(data), size), app.Token());
  const std::string peer_ip = app.NextPeer();
  boost::asio::const_buffer rest(input.data(), input.size());
  for (int n = 0; n < kMaxRequests && rest.size() > 0; ++n) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kHeaderLimit));
    parser.body_limit(kBodyLimit);
    parser.eager(true);
    boost::beast::error_code ec;
    while (rest.size() > 0 && !parser.is_done()) {
      const std::size_t used = parser.put(rest, ec);
      rest += used;
      if (ec || used == 0) break;
    }
    if (ec == bhttp::error::need_more || !ec) {
      if (!parser.is_done()) {
        parser.put_eof(ec);  // the connection ends here
        if (ec || !parser.is_done()) return 0;
      }
    } else {
      return 0;  // answered 400/413/431 by session.cpp, connection closed
    }
    auto& message = parser.get();
    http::Request request;
    request.method = std::string(message.method_string());
    http::SetTarget(request, std::string(message.target()));
    for (const auto& field : message) http::AddHeader(request, field.name_string(), field.value());
    request.body = std::move(message.body());
    app.pipeline->SetPeer(request, peer_ip, "127.0.0.1:8000");
    Check(app.pipeline->Run(request));
    if (!message.keep_alive()) break;
  }
  return 0;
}
