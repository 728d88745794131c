#pragma once
// What the handlers need, built once by the app and passed to RegisterRoutes.

#include "auth/login_service.hpp"
#include "auth/identity_change.hpp"
#include "auth/password_reset.hpp"
#include "config/settings.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "identity/user_service.hpp"
#include "otp/device_service.hpp"
#include "otp/otp_request.hpp"
#include "passkey/passkey_service.hpp"
#include "store/database.hpp"
#include "token/token_service.hpp"

namespace dfauth::social { class SocialService; }
namespace dfauth::guard { class Guard; }

namespace dfauth::api {

struct ApiContext {
  const config::Settings& settings;
  store::Database& store;
  token::TokenService& tokens;
  auth::LoginService& login;
  identity::UserService& users;
  http::Metrics& metrics;
  social::SocialService& social;
  otp::DeviceService& devices;
  otp::OtpRequestService& otp_requests;
  guard::Guard& guard;  ///< blacklists and login-failure limits
  auth::PasswordResetService& password_resets;
  auth::IdentityChangeService& identity_changes;
  passkey::PasskeyService& passkeys;
};

/// Mounts every route of interface.md §3 on the router.
void RegisterRoutes(http::Router& router, ApiContext& context);

/// The request authenticator: Bearer token → caller (user loaded once, kept as principal).
http::Caller Authenticate(token::TokenService& tokens, const http::Request& request);

/// The client's answer for an exception from below the api layer: the store's StoreUnavailable
/// is 503 service_unavailable with its detail for the log; nullopt for anything else (a 500).
std::optional<ApiError> TranslateError(const std::exception& error);

/// What a sign-in by `method` on `request` records of the client (IP, User-Agent).
token::SessionStart SessionStartOf(const http::Request& request, token::SignInMethod method);

/// The authenticated user of a request (the principal the authenticator stored).
const store::User& CallerUser(const http::Request& request);

}  // namespace dfauth::api
