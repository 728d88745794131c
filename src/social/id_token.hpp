#pragma once
// OpenID Connect ID tokens (Google, Apple): RS256 only, signed by a key of the provider's JWKS,
// with the issuer, audience, expiry and issue time checked.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "social/jwks_cache.hpp"
#include "social/provider.hpp"

namespace dfauth::social {

struct IdTokenCheck {
  std::string jwks_url;
  std::vector<std::string> issuers;  ///< accepted `iss` values
  std::string audience;              ///< the client id `aud` must name
  bool take_names = true;            ///< read given_name/family_name/name (Apple: no)
};

/// Seconds of clock skew tolerated on exp and iat.
inline constexpr int64_t kIdTokenLeeway = 60;

/// Whether `value` has the form of a JWS compact token (three base64url parts).
bool LooksLikeJwt(std::string_view value);

/// The identity an ID token proves: uid = sub, email, email_verified (bool or "true"), names.
/// Throws ProviderRejected for any failed check, ProviderUnavailable when the JWKS cannot be had.
SocialIdentity VerifyIdToken(std::string_view id_token, const IdTokenCheck& check, JwksCache& jwks,
                             int64_t now);

/// Splits a full name into first and last name at the first space ("Ada King Lovelace" →
/// "Ada", "King Lovelace"), as python-social-auth's get_user_names does.
std::pair<std::string, std::string> SplitName(std::string_view full_name);

}  // namespace dfauth::social
