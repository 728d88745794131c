#pragma once
// Passkeys (issue 15): the two WebAuthn ceremonies with their stored state. Challenges are
// database rows (every replica sees them), taken once, bound to their ceremony and, for a
// registration, to its user, and expiring after WEBAUTHN_CHALLENGE_TIMEOUT; expired ones are
// purged in bounded rounds. The byte checks are ceremony.hpp's; this adds what needs the store:
// the credential id new (registration), the userHandle mapping to the owner, the stored BE and
// sign count (a count that does not grow refuses the sign-in and flags the passkey as cloned),
// and the guard's failed-login limits around a sign-in. A failed check is 401
// authentication_failed whose log detail names the check and a hash of the credential id, never
// the bytes; malformed input is 400 invalid on `credential`. Blocking (store): call from a pool.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "passkey/ceremony.hpp"
#include "store/database.hpp"

namespace dfauth::guard { class Guard; }

namespace dfauth::passkey {

/// WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS resolved: empty ones come from SITE_URL (its host, its
/// scheme://host[:port]); UV from WEBAUTHN_USER_VERIFICATION.
RelyingParty RelyingPartyOf(const config::Settings& settings);

/// The user handle of the options (user.id) and of assertions: base64url of the decimal user id.
std::string UserHandleOf(int64_t user_id);

/// A challenge handed to the client.
struct IssuedChallenge {
  std::string id;         ///< challenge_id
  std::string challenge;  ///< base64url
};

/// The fields of a PublicKeyCredential JSON (WebAuthn L3 toJSON()); byte fields base64url.
struct CredentialJson {
  std::string id;
  std::string raw_id;
  std::string type;
  std::string client_data_json;
  std::string attestation_object;  ///< registration
  std::vector<std::string> transports;  ///< registration, as the client reported them
  std::string authenticator_data;  ///< authentication
  std::string signature;           ///< authentication
  std::optional<std::string> user_handle;  ///< authentication
  bool has_client_extension_results = false;  ///< a non-empty clientExtensionResults
};

/// A verified sign-in: the credential's owner and whether the user was verified (UV).
struct SignedIn {
  store::User user;
  bool user_verified = false;
};

class PasskeyService {
 public:
  using Clock = std::function<int64_t()>;
  PasskeyService(const config::Settings& settings, store::Database& store, guard::Guard* guard = nullptr,
                 Clock clock = {});

  const RelyingParty& Rp() const noexcept { return rp_; }
  const std::string& RpName() const noexcept { return settings_.webauthn_rp_name; }
  int64_t TimeoutSeconds() const noexcept { return settings_.webauthn_challenge_timeout; }

  /// A registration challenge bound to `user_id`.
  IssuedChallenge BeginRegistration(int64_t user_id);
  /// Verifies a registration and stores the passkey under `name`.
  store::Passkey FinishRegistration(int64_t user_id, std::string_view challenge_id, const CredentialJson& credential,
                                    const std::string& name);
  /// An authentication challenge (discoverable credentials: no user).
  IssuedChallenge BeginAuthentication();
  /// Verifies an assertion inside the failed-login limits of the owner and `client_ip`;
  /// updates the sign count, BS and last use. An inactive owner is refused like a bad check.
  SignedIn FinishAuthentication(std::string_view challenge_id, const CredentialJson& credential,
                                std::string_view client_ip);

  /// The second factor of a password login (token/ with challenge_id + credential in place of
  /// otp): an assertion of one of `user`'s passkeys on an authentication challenge; no guard
  /// ticket of its own (the login holds one). Throws as FinishAuthentication does.
  void VerifySecondFactor(const store::User& user, std::string_view challenge_id, const CredentialJson& credential);

  std::vector<store::Passkey> List(int64_t user_id);
  /// 404 for a missing or another user's passkey; 400 when it is the last second factor of a
  /// user who requires 2FA (confirmed OTP devices and passkeys counted together).
  void Delete(const store::User& user, std::string_view id_text);

 private:
  IssuedChallenge Begin(std::string_view ceremony, int64_t user_id);
  /// Takes the challenge: unknown, expired, another ceremony's or another user's → failure.
  store::WebAuthnChallenge TakeChallenge(std::string_view id, std::string_view ceremony, int64_t user_id);
  /// The raw credential id after checking type and id == base64url(rawId).
  std::string CheckIdentity(const CredentialJson& credential);
  struct DecodedAssertion;
  DecodedAssertion DecodeAssertion(const CredentialJson& credential);
  /// The checks of a stored passkey's assertion, then its sign count, BS and last use written;
  /// whether the user was verified.
  bool CheckStoredAssertion(const std::optional<store::Passkey>& passkey, const store::WebAuthnChallenge& challenge,
                            const CredentialJson& credential, const DecodedAssertion& decoded);
  void PurgeNowAndThen(int64_t now);
  int64_t Now() const;

  const config::Settings& settings_;
  store::Database& store_;
  guard::Guard* guard_;
  Clock clock_;
  RelyingParty rp_;
  std::atomic<int64_t> last_purge_{0};
};

}  // namespace dfauth::passkey
