#pragma once
// Passkeys (WebAuthn credentials, issue 15) and the challenges of their ceremonies (migration
// 11). Byte strings (credential id, COSE public key) are stored base64url-encoded; the rules
// (parsing, signature, sign count) live in src/passkey. Challenges are rows so that every
// replica sees them; TakeChallenge removes one atomically so it is used at most once.
// Thread-safe and blocking, like every store.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dfauth::store {

struct Passkey {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string credential_id;  ///< base64url of the raw credential id (unique across users)
  std::string public_key;     ///< base64url of the COSE_Key from the attested credential data
  int64_t algorithm = 0;      ///< COSE algorithm: -7 ES256, -8 EdDSA, -257 RS256
  int64_t sign_count = 0;
  bool user_verified = false;    ///< UV at registration
  bool backup_eligible = false;  ///< BE, fixed at registration
  bool backed_up = false;        ///< BS, as last seen
  std::string aaguid;            ///< hex
  std::string transports;        ///< comma-separated, as the client reported them
  std::string name;
  int64_t created_at = 0;
  int64_t last_used_at = 0;      ///< 0: never used to sign in
  bool cloned = false;           ///< a sign count that did not grow was seen (cloned authenticator)
};

/// One ceremony's challenge: `ceremony` is "registration" (bound to `user_id`) or
/// "authentication" (user_id 0: discoverable credentials).
struct WebAuthnChallenge {
  std::string id;         ///< the challenge_id the client gets (random hex)
  std::string ceremony;
  int64_t user_id = 0;
  std::string challenge;  ///< base64url of the random challenge bytes
  int64_t expires_at = 0;
};

class PasskeyStore {
 public:
  virtual ~PasskeyStore() = default;

  /// Inserts the passkey; its id, or nullopt when the credential id is taken (by anyone).
  virtual std::optional<int64_t> CreatePasskey(const Passkey& passkey) = 0;
  /// The passkey with this credential id (any user), or nullopt.
  virtual std::optional<Passkey> FindPasskeyByCredential(std::string_view credential_id) = 0;
  /// The user's passkey of this id, or nullopt (also for another user's).
  virtual std::optional<Passkey> FindPasskey(int64_t user_id, int64_t id) = 0;
  /// The user's passkeys ordered by id.
  virtual std::vector<Passkey> ListPasskeys(int64_t user_id) = 0;
  /// False when the user has no such passkey.
  virtual bool DeletePasskey(int64_t user_id, int64_t id) = 0;
  /// Atomically (across threads and replicas): reads the passkey, calls `mutate`, and writes
  /// sign_count, backed_up, last_used_at, cloned and name back when it returns true. False when
  /// the passkey does not exist.
  virtual bool UpdatePasskey(int64_t id, const std::function<bool(Passkey&)>& mutate) = 0;

  virtual void SaveChallenge(const WebAuthnChallenge& challenge) = 0;
  /// Deletes the challenge and returns it (expired or not: the caller judges), or nullopt when
  /// it does not exist or another request took it first.
  virtual std::optional<WebAuthnChallenge> TakeChallenge(std::string_view id) = 0;
  /// Deletes challenges that expired before `now`, in short transactions, and stops once about
  /// `row_limit` went: true when nothing expired is left.
  virtual bool PurgeExpiredChallenges(int64_t now, int64_t row_limit) = 0;
};

}  // namespace dfauth::store
