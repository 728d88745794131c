#pragma once
// The audit log (issue 14 item 2): one row per security event (a sign-in and its outcome, a
// lockout, a password, device, 2FA or social-link change, a token revocation, an admin action),
// with the time, the client IP, the user it concerns and the actor who caused it. Rows never
// hold a secret (no password, code, token or key): src/audit writes them. No foreign key: an
// entry outlives the user it names. Backend-neutral, thread-safe and blocking; Unix seconds.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dfauth::store {

struct AuditEvent {
  int64_t id = 0;
  int64_t at = 0;                   ///< Unix seconds
  std::string event;                ///< what happened: login, password_change, admin_deactivate, …
  std::string method;               ///< how (password, otp, totp, google-oauth2, …); "" when none
  std::string outcome;              ///< success, failure, locked
  std::optional<int64_t> user_id;   ///< the user it concerns
  std::optional<int64_t> actor_id;  ///< who did it (the user, a staff member); nullopt: anonymous or CLI
  std::string ip;                   ///< the client IP; "" when there is no request (CLI)
  std::string detail;               ///< a short non-secret note (a device id, a provider)
};

struct AuditFilter {
  std::optional<int64_t> user_id;  ///< only entries concerning this user
  std::optional<int64_t> since;    ///< only entries at or after this time
  int64_t limit = 100;
  int64_t offset = 0;
};

struct AuditPage {
  int64_t count = 0;  ///< entries matching the filter in all
  std::vector<AuditEvent> events;  ///< newest first (time, then insertion order)
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  /// Appends `event` (its id is ignored); returns the new id.
  virtual int64_t Append(const AuditEvent& event) = 0;
  /// The page of entries `filter` selects, newest first.
  virtual AuditPage List(const AuditFilter& filter) = 0;
  /// Deletes entries older than `before`, at most about `row_limit` rows per call (in chunks);
  /// true when none is left.
  virtual bool PurgeBefore(int64_t before, int64_t row_limit) = 0;
};

}  // namespace dfauth::store
