#pragma once
// Tokens: revoked jtis and refresh-token families (rotation, reuse detection, purge).
// Backend-neutral, thread-safe and blocking. Times are Unix seconds (UTC).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/session_store.hpp"
#include "store/user_store.hpp"

namespace dfauth::store {

struct RefreshTokenRecord {
  std::string jti;
  std::string family;      ///< one per login; every rotation of it keeps it
  int64_t user_id = 0;
  std::string access_jti;  ///< the access token issued beside it (revoked with the family)
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

enum class SpendResult {
  kSpent,         ///< this call spent it: the caller may issue the next pair
  kAlreadySpent,  ///< reuse of a spent token: the family has now been revoked
  kRevoked,       ///< the family was revoked before
  kUnknown,       ///< never issued here
  kRefused,       ///< its user is not fit (see PresentedRefresh): nothing changed
};

/// The refresh token presented for rotation, as its verified claims say. Its rotation is
/// refused (kRefused) unless the user `next.user_id` exists, is active and revoked no tokens
/// after `issued_at` (nor after the next token's issue time); a revoked `jti` or session
/// (SecondRevocationKey) is kRevoked. These are the checks FindTokenState serves, made inside
/// the rotation so that a refresh costs one round trip.
struct PresentedRefresh {
  std::string_view jti;
  int64_t issued_at = 0;
  std::string_view sid;
};

/// The second key FindTokenSubject/FindTokenState look up: the session's revocation key, or
/// the jti again when the token has no session.
inline std::string SecondRevocationKey(std::string_view jti, std::string_view sid) {
  return sid.empty() ? std::string(jti) : SessionRevocationKey(sid);
}

class TokenStore {
 public:
  virtual ~TokenStore() = default;

  /// The user a token names and whether the token's jti is revoked, in one round trip (the
  /// check every authenticated request makes). nullopt when the user does not exist.
  struct TokenSubject {
    User user;
    bool jti_revoked = false;
  };
  /// A non-empty `sid` also counts the token revoked when its session is (the revocation key
  /// SessionRevocationKey(sid) is looked up in the same query).
  virtual std::optional<TokenSubject> FindTokenSubject(int64_t user_id, std::string_view jti,
                                                       std::string_view sid = {}) = 0;
  /// The same check without reading the user's row (token/verify/ and the sliding refresh need
  /// no more): the user's tokens_valid_after and is_active, and whether the jti is revoked;
  /// nullopt when the user does not exist.
  struct TokenState {
    int64_t tokens_valid_after = 0;
    bool jti_revoked = false;
    bool is_active = false;
  };
  virtual std::optional<TokenState> FindTokenState(int64_t user_id, std::string_view jti,
                                                   std::string_view sid = {}) = 0;
  /// Records a revoked jti until `expires_at` (after which the token is expired anyway).
  virtual void RevokeJti(std::string_view jti, int64_t expires_at) = 0;
  virtual bool IsJtiRevoked(std::string_view jti) = 0;
  /// Saves the first refresh token of a new family (a login).
  virtual void SaveRefreshToken(const RefreshTokenRecord& record) = 0;
  /// Spends refresh token `jti` of family `next.family` and saves `next` in the same
  /// transaction: both land or neither. Exactly one of any number of concurrent calls for one
  /// jti gets kSpent, across processes; the others save nothing. Reuse of a spent token revokes
  /// its whole family (every refresh and access jti of it) and answers kAlreadySpent. An
  /// unknown token is kUnknown; for a known one the revoked jti or session comes first
  /// (kRevoked), then the user (kRefused), then the family's state: a reused token of a
  /// refused user revokes nothing.
  virtual SpendResult RotateRefreshToken(const PresentedRefresh& presented,
                                         const RefreshTokenRecord& next, int64_t now) = 0;
  /// Revokes a family (blacklisting a refresh token); an unknown family is ignored.
  virtual void RevokeFamily(std::string_view family, int64_t now) = 0;
  /// Deletes revoked-jti and refresh rows that expired before `now`, in short transactions, and
  /// stops once about `row_limit` rows went: true when nothing expired is left.
  virtual bool PurgeExpiredTokens(int64_t now, int64_t row_limit) = 0;
};

}  // namespace dfauth::store
