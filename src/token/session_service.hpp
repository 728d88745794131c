#pragma once
// Sessions (issue 16 item 1): one per sign-in, named by the `sid` claim of its tokens. Starting
// one, listing, revoking and the throttled last_used_at, with the lifetimes the token profile
// gives them. The routes (api/sessions_api.cpp) and `df-auth users sessions` call these.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/database.hpp"
#include "token/token_options.hpp"

namespace dfauth::token {

/// How a session began. kPasskey is reserved for passkeys (not built yet).
enum class SignInMethod { kPassword, kOtp, kMagicLink, kSocial, kPasskey, kPasswordReset };
/// "password", "otp", "magic_link", "social", "passkey", "password_reset": the `method` of GET sessions/.
std::string_view SignInMethodName(SignInMethod method);

/// What a sign-in knows of the client.
struct SessionStart {
  SignInMethod method = SignInMethod::kPassword;
  std::string ip;
  std::string user_agent;
};

/// Thread-safe.
class SessionService {
 public:
  /// In-memory last-touch entries kept per replica before the table is cleared.
  static constexpr std::size_t kMaxThrottleEntries = 65536;

  SessionService(const TokenOptions& options, store::Database& store, Clock clock);

  /// Creates a session of `user_id` (random 128-bit base64url id) and returns it.
  store::Session Start(int64_t user_id, const SessionStart& start);
  /// The user's live sessions, newest first.
  store::SessionPage List(int64_t user_id, int64_t limit, int64_t offset);
  /// Revokes the user's live session `id`: false when there is none (unknown or foreign).
  bool Revoke(int64_t user_id, std::string_view id);
  /// Revokes every live session of the user but `keep_id` (empty: all); how many.
  int64_t RevokeOthers(int64_t user_id, std::string_view keep_id);
  /// A token of session `sid` was used: last_used_at is written at most once a
  /// SessionStore::kTouchInterval per session (per replica in memory, and in the store's
  /// condition), and a pair session's expiry follows its rotations. Never throws.
  void Used(std::string_view sid);
  /// Deletes a bounded share of expired sessions; true when none is left.
  bool PurgeExpired(int64_t now, int64_t row_limit);

 private:
  /// When a session started or used at `now` ends: no token of it outlives this.
  int64_t ExpiresAt(int64_t now) const;
  /// Until when a revocation at `now` must be kept: past every token alive at `now`.
  int64_t RevokeUntil(int64_t now) const;

  TokenOptions options_;
  store::Database& store_;
  Clock clock_;
  std::mutex touch_mutex_;
  std::unordered_map<std::string, int64_t> last_touch_;  ///< guarded by touch_mutex_
};

}  // namespace dfauth::token
