#include "token/session_service.hpp"

#include "audit/audit.hpp"

#include <algorithm>

#include "crypto/primitives.hpp"
#include "token/keys.hpp"

namespace dfauth::token {

std::string_view SignInMethodName(SignInMethod method) {
  switch (method) {
    case SignInMethod::kPassword: return "password";
    case SignInMethod::kOtp: return "otp";
    case SignInMethod::kMagicLink: return "magic_link";
    case SignInMethod::kSocial: return "social";
    case SignInMethod::kPasskey: return "passkey";
    case SignInMethod::kPasswordReset: return "password_reset";
  }
  return "password";
}

SessionService::SessionService(const TokenOptions& options, store::Database& store, Clock clock)
    : options_(options), store_(store), clock_(clock ? std::move(clock) : Clock(UnixNow)) {}

int64_t SessionService::ExpiresAt(int64_t now) const {
  // sliding: every refreshed copy dies by refresh_exp (start + SLIDING_TOKEN_REFRESH_LIFETIME)
  // + SLIDING_TOKEN_LIFETIME. pair: the refresh token issued at the last rotation; a rotation
  // raises the expiry (Used), at most kTouchInterval late, hence the margin. The margin also
  // covers an iat a second ahead (a token issued in the second of a revocation).
  const int64_t margin = store::SessionStore::kTouchInterval + 1;
  if (options_.profile == config::JwtProfile::kSliding)
    return now + options_.sliding_refresh_lifetime + options_.sliding_lifetime + margin;
  return now + std::max(options_.refresh_lifetime, options_.access_lifetime) + margin;
}

int64_t SessionService::RevokeUntil(int64_t now) const { return ExpiresAt(now); }

store::Session SessionService::Start(int64_t user_id, const SessionStart& start) {
  const int64_t now = clock_();
  store::Session session;
  session.id = crypto::Base64UrlEncode(crypto::RandomBytes(16));
  session.user_id = user_id;
  session.created_at = now;
  session.last_used_at = now;
  session.expires_at = ExpiresAt(now);
  session.ip = start.ip;
  session.user_agent = store::TruncateUserAgent(start.user_agent);
  session.method = std::string(SignInMethodName(start.method));
  store_.Sessions().Create(session);
  audit::Record(store_, now, {audit::event::kLogin, user_id, {user_id, session.ip}, session.method});
  return session;
}

store::SessionPage SessionService::List(int64_t user_id, int64_t limit, int64_t offset) {
  return store_.Sessions().ListForUser(user_id, clock_(), limit, offset);
}

bool SessionService::Revoke(int64_t user_id, std::string_view id) {
  const int64_t now = clock_();
  const bool revoked = store_.Sessions().Revoke(id, user_id, now, RevokeUntil(now));
  if (revoked) audit::Record(store_, now, {audit::event::kSessionRevoked, user_id, {user_id, {}}, "", audit::kSuccess, "1"});
  return revoked;
}

int64_t SessionService::RevokeOthers(int64_t user_id, std::string_view keep_id) {
  const int64_t now = clock_();
  const int64_t revoked = store_.Sessions().RevokeOthers(user_id, keep_id, now, RevokeUntil(now));
  if (revoked > 0)
    audit::Record(store_, now, {audit::event::kSessionRevoked, user_id, {user_id, {}}, "", audit::kSuccess, std::to_string(revoked)});
  return revoked;
}

void SessionService::Used(std::string_view sid) {
  if (sid.empty()) return;
  const int64_t now = clock_();
  {
    std::lock_guard lock(touch_mutex_);
    auto it = last_touch_.find(std::string(sid));
    if (it != last_touch_.end() && now - it->second < store::SessionStore::kTouchInterval &&
        now >= it->second)
      return;
    // Bounded: a full table starts over (each session then writes at most once more).
    if (it == last_touch_.end() && last_touch_.size() >= kMaxThrottleEntries) last_touch_.clear();
    last_touch_[std::string(sid)] = now;
  }
  try {
    // Only the pair profile's sessions live on with use (a sliding session ends by refresh_exp).
    const int64_t expires_at = options_.profile == config::JwtProfile::kPair ? ExpiresAt(now) : 0;
    store_.Sessions().Touch(sid, now, expires_at);
  } catch (const std::exception&) {
    // last_used_at is informational: a failed write must not fail the request it rides on.
  }
}

bool SessionService::PurgeExpired(int64_t now, int64_t row_limit) {
  return store_.Sessions().PurgeExpiredSessions(now, row_limit);
}

}  // namespace dfauth::token
