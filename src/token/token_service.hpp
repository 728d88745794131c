#pragma once
// Issuing and checking df-auth's JWTs: the sliding profile (the reference's wire behaviour) and
// the pair profile (access + rotating refresh with reuse detection). Revocation lives in the
// store, so every replica honours it at the next request.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/choices.hpp"
#include "store/database.hpp"
#include "token/jws.hpp"
#include "token/session_service.hpp"
#include "token/token_options.hpp"
#include "token/verified_cache.hpp"

namespace dfauth::token {


struct IssuedTokens {
  std::string token;                   ///< sliding token, or the access token (pair)
  std::optional<std::string> refresh;  ///< the refresh token (pair profile only)
};

struct AuthenticatedToken {
  store::User user;
  std::string jti;
  std::string type;
  int64_t exp = 0;
  std::string sid;  ///< the token's session; empty for a token issued before sessions
};

/// Thread-safe after LoadKeys. Every token rejection throws errors::TokenNotValid (401).
class TokenService {
 public:
  /// Throws std::invalid_argument naming the setting for an unusable option.
  TokenService(TokenOptions options, store::Database& store, Clock clock = {});
  ~TokenService();

  /// Prepares the keys: HS256 uses SECRET_KEY; the others sign with JWT_PRIVATE_KEY_FILE when
  /// set, else with the newest unretired key of the algorithm in the store (generated and
  /// stored when there is none), and verify with every stored key of the algorithm.
  /// Throws std::runtime_error naming JWT_PRIVATE_KEY_FILE for a bad key file.
  void LoadKeys();

  /// A sign-in of `user`: starts a session and issues its first tokens, which carry its id as
  /// `sid` (pair: starts a refresh family).
  IssuedTokens Issue(const store::User& user, const SessionStart& start);
  /// Called by Issue once the session started: the one place every sign-in method passes
  /// (sign-in alerts, issue 16 item 4). Set before serving; it must not throw.
  using SignInObserver = std::function<void(const store::User& user, const SessionStart& start)>;
  void SetSignInObserver(SignInObserver observer) { signed_in_ = std::move(observer); }
  /// Sessions: listing and revoking them (the routes and the CLI call these).
  SessionService& Sessions() { return sessions_; }
  /// sliding: a new token with the same jti and refresh_exp; pair: spends the refresh token and
  /// issues the next pair of its family (a reused one revokes the family).
  IssuedTokens Refresh(std::string_view presented);
  /// Checks a bearer token (sliding or access) and loads its user; 401 authentication_failed
  /// for a deleted or inactive user.
  AuthenticatedToken Authenticate(std::string_view bearer_token);
  /// Returns when `token` is one of ours (any type), unexpired and unrevoked.
  void Verify(std::string_view token);
  /// Revokes a valid token (a refresh token revokes its whole family).
  void Blacklist(std::string_view token);
  /// {"keys":[…]}: the public keys that verify our tokens; empty under HS256.
  std::string JwksJson() const;

 private:
  struct KeySet;
  struct Claims;

  std::shared_ptr<const KeySet> Keys() const;
  std::shared_ptr<const KeySet> BuildKeySet();
  /// A fresh key set from the store when the last reload is kKeyReloadInterval old; else null.
  std::shared_ptr<const KeySet> ReloadKeysIfDue(int64_t now);
  /// The claims of a valid, unrevoked token of one of `types`, with its user.
  Claims Decode(std::string_view token, std::initializer_list<std::string_view> types);
  /// Signature, type and times (through the verified-token cache), not the store.
  VerifiedClaims Check(std::string_view token, std::initializer_list<std::string_view> types);
  /// What the store says of an existing user's token: a revoked jti, or a token older than the
  /// user's last revocation, throws.
  static void JudgeSubject(const VerifiedClaims& claims, bool jti_revoked,
                           int64_t tokens_valid_after);
  /// Check, then JudgeSubject on the store's TokenState (not the whole user row); a token
  /// whose user is gone throws. `state` receives the user's state.
  VerifiedClaims CheckWithState(std::string_view token,
                                std::initializer_list<std::string_view> types,
                                store::TokenStore::TokenState& state);
  /// Signature and claims, without the store; fills `claims`, returns the keys that verified.
  std::shared_ptr<const KeySet> CheckToken(std::string_view token,
                                           std::initializer_list<std::string_view> types,
                                           int64_t now, VerifiedClaims& claims);
  std::string SignClaims(const std::string& payload_json);
  IssuedTokens IssueSliding(int64_t user_id, int64_t tokens_valid_after, const std::string& jti,
                            std::optional<int64_t> refresh_exp, const std::string& sid);
  /// Signs an access + refresh pair of `family` for `user_id`, issued no earlier than
  /// `tokens_valid_after`; the refresh token's row is returned unsaved.
  std::pair<IssuedTokens, store::RefreshTokenRecord> SignPair(int64_t user_id,
                                                              int64_t tokens_valid_after,
                                                              const std::string& family,
                                                              const std::string& sid);
  int64_t Now() const;
  /// Deletes expired revocations and refresh tokens once an hour (kPurgeEverySeconds), on the
  /// thread of a login or refresh that finds the hour passed; one thread at a time. A round
  /// deletes at most kPurgeRowsPerRound rows; what is left goes in rounds a second apart.
  void PurgeExpiredHourly();

  TokenOptions options_;
  store::Database& store_;
  Clock clock_;
  mutable std::mutex keys_mutex_;
  std::shared_ptr<const KeySet> keys_;
  int64_t last_reload_ = 0;  ///< guarded by keys_mutex_
  std::atomic<uint64_t> key_generations_{0};
  std::atomic<int64_t> last_purge_{0};
  VerifiedTokenCache verified_;
  SessionService sessions_;
  SignInObserver signed_in_;
};

}  // namespace dfauth::token
