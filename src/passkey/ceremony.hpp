#pragma once
// The relying party's checks of both WebAuthn ceremonies (issue 15, WebAuthn L3 §7.1 and §7.2),
// on the bytes the client sent: clientDataJSON (type, challenge, exact origin, crossOrigin),
// rpIdHash, UP, UV per WEBAUTHN_USER_VERIFICATION, the algorithm allow-list, BE/BS, unrequested
// extension outputs, the attestation (none; packed, self or x5c) and the assertion signature. A failed
// check throws CeremonyFailure naming it (for the log; the client gets 401
// authentication_failed); malformed bytes throw ParseError (400 on `credential`). Challenges,
// credential-id uniqueness, user handles and the stored sign count are the caller's: they need
// the store.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "passkey/parse.hpp"

namespace dfauth::passkey {

/// A check that failed; what() is its name ("origin", "rp_id_hash", "signature", …).
class CeremonyFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RelyingParty {
  std::string rp_id;                 ///< WEBAUTHN_RP_ID (resolved)
  std::vector<std::string> origins;  ///< WEBAUTHN_ORIGINS (resolved), compared exactly
  bool user_verification_required = true;
};

/// What a verified registration stores.
struct RegisteredCredential {
  std::string credential_id;  ///< raw bytes
  std::string public_key;     ///< COSE_Key bytes
  int64_t algorithm = 0;
  uint32_t sign_count = 0;
  std::string aaguid;         ///< 16 raw bytes
  bool user_verified = false;
  bool backup_eligible = false;
  bool backed_up = false;
};

/// Registration (§7.1): `challenge` is the base64url challenge the options carried.
RegisteredCredential VerifyRegistration(const RelyingParty& rp, std::string_view challenge,
                                        std::string_view client_data_json, std::string_view attestation_object);

/// What a verified assertion reports (the caller judges the sign count against the stored one).
struct Assertion {
  uint32_t sign_count = 0;
  bool user_verified = false;
  bool backed_up = false;
};

/// Authentication (§7.2) with a stored credential's COSE key and its BE flag.
Assertion VerifyAssertion(const RelyingParty& rp, std::string_view challenge, std::string_view public_key,
                          bool backup_eligible, std::string_view client_data_json,
                          std::string_view authenticator_data, std::string_view signature);

/// §7.2 step 21: a count that is non-zero (either side) and does not grow means a cloned
/// authenticator.
bool SignCountRegressed(int64_t stored, uint32_t presented);

}  // namespace dfauth::passkey
