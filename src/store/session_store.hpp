#pragma once
// Sessions: one per sign-in (password, OTP, magic link, social, passkey). The tokens of a
// session carry its id in their `sid` claim; revoking a session also files `sid:<id>` among the
// revoked jtis (until every token of it has expired), which the per-request token check reads
// in the same query as the token's own jti, so every replica refuses them at the next request.
// Backend-neutral, thread-safe and blocking. Times are Unix seconds (UTC).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dfauth::store {

/// The key a revoked session is filed under in the revoked-jti table.
inline std::string SessionRevocationKey(std::string_view session_id) {
  return "sid:" + std::string(session_id);
}

struct Session {
  std::string id;  ///< random, 128 bits, base64url
  int64_t user_id = 0;
  int64_t created_at = 0;
  int64_t last_used_at = 0;
  int64_t expires_at = 0;  ///< no token of the session outlives it
  std::string ip;
  std::string user_agent;  ///< at most kMaxUserAgent characters (truncated by Create)
  std::string method;      ///< password, otp, magic_link, social, passkey
  std::optional<int64_t> revoked_at;
};

struct SessionPage {
  int64_t count = 0;  ///< live sessions of the user in all
  std::vector<Session> sessions;
};

class SessionStore {
 public:
  static constexpr std::size_t kMaxUserAgent = 256;
  /// Touch writes last_used_at only when it is at least this old.
  static constexpr int64_t kTouchInterval = 60;

  virtual ~SessionStore() = default;

  /// Inserts the session (its user_agent truncated to kMaxUserAgent bytes at a UTF-8 boundary).
  virtual void Create(const Session& session) = 0;
  /// The user's live sessions (not revoked, unexpired at `now`), newest first (created_at, then
  /// creation order), `limit` from `offset`, with their count.
  virtual SessionPage ListForUser(int64_t user_id, int64_t now, int64_t limit, int64_t offset) = 0;
  /// The session, revoked or not; nullopt when unknown.
  virtual std::optional<Session> Find(std::string_view id) = 0;
  /// last_used_at = now (and expires_at raised to `expires_at`) when last_used_at < now - 60;
  /// true when it wrote.
  virtual bool Touch(std::string_view id, int64_t now, int64_t expires_at) = 0;
  /// Revokes the user's live session `id` at `now` and files its revocation key until
  /// max(its expires_at, `revoke_until`), in one transaction; false when the user has no such
  /// live session (unknown, another user's, already revoked).
  virtual bool Revoke(std::string_view id, int64_t user_id, int64_t now, int64_t revoke_until) = 0;
  /// Revokes every live session of the user but `keep_id` (empty: all), as Revoke does; the
  /// number revoked.
  virtual int64_t RevokeOthers(int64_t user_id, std::string_view keep_id, int64_t now,
                               int64_t revoke_until) = 0;
  /// Deletes sessions that expired before `now`, in short transactions, and stops once about
  /// `row_limit` went: true when nothing expired is left.
  virtual bool PurgeExpiredSessions(int64_t now, int64_t row_limit) = 0;
};

/// `agent` cut to at most SessionStore::kMaxUserAgent bytes, never inside a UTF-8 sequence.
inline std::string TruncateUserAgent(std::string_view agent) {
  if (agent.size() <= SessionStore::kMaxUserAgent) return std::string(agent);
  std::size_t end = SessionStore::kMaxUserAgent;
  while (end > 0 && (static_cast<unsigned char>(agent[end]) & 0xC0) == 0x80) --end;
  return std::string(agent.substr(0, end));
}

}  // namespace dfauth::store
