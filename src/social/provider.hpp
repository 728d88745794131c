#pragma once
// One social provider (google-oauth2, facebook, apple-id): proves a client-held token and says
// who the account is. Blocks on outbound HTTP: call it from a worker pool.

#include <optional>
#include <string>

#include "dfauth/error.hpp"

namespace dfauth::social {

/// The provider account a token proves.
struct SocialIdentity {
  std::string uid;                   ///< the provider's stable id (sub, Graph id)
  std::optional<std::string> email;  ///< as the provider gave it (not normalised)
  bool email_verified = false;       ///< the provider vouches for the address
  std::string first_name;
  std::string last_name;
  std::string extra_json = "{}";     ///< the provider's profile, a JSON object (no tokens)
};

class Provider {
 public:
  virtual ~Provider() = default;
  /// The provider choice name ("google-oauth2", "facebook", "apple-id").
  virtual std::string Name() const = 0;
  /// Checks the token(s) with the provider. Throws ProviderRejected (401 authentication_failed)
  /// or ProviderUnavailable (502 provider_error).
  virtual SocialIdentity Authenticate(const std::string& access_token,
                                      const std::optional<std::string>& id_token) = 0;
};

/// The provider refused the token, or an ID token failed a check: 401 authentication_failed.
inline ApiError ProviderRejected() { return errors::AuthenticationFailed(); }

/// The provider could not be reached or answered nonsense: 502 provider_error.
inline ApiError ProviderUnavailable() {
  return ApiError(502, "provider_error", "The provider could not be reached.");
}

}  // namespace dfauth::social
