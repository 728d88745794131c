#pragma once
// The per-resource registration functions RegisterRoutes calls (one file each).

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "api/context.hpp"

namespace dfauth::api {

void RegisterTokenRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
void RegisterUserRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
void RegisterOpsRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
void RegisterOtpRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
void RegisterOtpDeviceRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
void RegisterMagicRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
/// GET ui/login/ and the hosted pages' ui/ui.js and ui/ui.css (ui_api.cpp).
void RegisterUiRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
void RegisterSessionRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
void RegisterPasswordResetRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
void RegisterIdentityChangeRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
/// The `credential` of a passkey verify body (an attestation when `registration`, else an
/// assertion) and its `challenge_id`: 400 on the field when absent or malformed (passkeys_api.cpp).
passkey::CredentialJson ReadPasskeyCredential(const nlohmann::json& body, bool registration);
std::string ReadPasskeyChallengeId(const nlohmann::json& body);
/// A passkey in place of an OTP as the second factor (token/, password-reset/confirm/): when the
/// body has `credential`, a SecondFactor verifying that assertion on `challenge_id` (both read
/// now: 400 on the field when malformed); empty otherwise.
auth::SecondFactor ReadPasskeySecondFactor(ApiContext& ctx, const nlohmann::json& body);
/// passkeys/: registration, list, delete and sign-in with a passkey (passkeys_api.cpp, issue 15).
void RegisterPasskeyRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
void RegisterSocialRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
/// admin/ (admin_api.cpp): staff only.
void RegisterAdminRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix);
/// 200 {"token"} (pair profile: + "refresh"): the answer of every route that signs in.
http::Response TokensResponse(const token::IssuedTokens& issued);
/// GET /api/v1/schema/ and /api/v1/swagger/ (absolute paths, as the reference mounts them).
void RegisterDocsRoutes(http::Router& router, ApiContext& ctx);

}  // namespace dfauth::api
