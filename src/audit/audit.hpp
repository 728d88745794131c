#pragma once
// The one recorder of the audit log (issue 14 item 2): every domain service that signs someone
// in, refuses a login, changes a password, a device, 2FA or a social link, revokes tokens, or
// acts for an admin calls Record. What goes in is named here (event, method, outcome, user,
// actor, client IP, a short detail); never a secret: callers pass ids and names, not codes,
// passwords or tokens. Blocking (one store write): call it where the store is called.

#include <cstdint>
#include <optional>
#include <string>

#include "store/database.hpp"

namespace dfauth::audit {

/// Event names (the `event` column), one per kind of change.
namespace event {
inline constexpr const char* kLogin = "login";                        ///< outcome success / failure / locked
inline constexpr const char* kPasswordChange = "password_change";
inline constexpr const char* kPasswordReset = "password_reset";
inline constexpr const char* kDeviceCreated = "device_created";
inline constexpr const char* kDeviceConfirmed = "device_confirmed";
inline constexpr const char* kDeviceDeleted = "device_deleted";
inline constexpr const char* kTwoFactorRequired = "2fa_required";
inline constexpr const char* kTwoFactorCleared = "2fa_cleared";
inline constexpr const char* kSocialConnected = "social_connected";
inline constexpr const char* kSocialDisconnected = "social_disconnected";
inline constexpr const char* kTokensRevoked = "tokens_revoked";      ///< every earlier token of the user
inline constexpr const char* kSessionRevoked = "session_revoked";    ///< detail: how many
inline constexpr const char* kUserActivated = "user_activated";
inline constexpr const char* kUserDeactivated = "user_deactivated";
inline constexpr const char* kStaffChanged = "staff_changed";        ///< detail on / off
inline constexpr const char* kOtpChallengeSent = "otp_challenge_sent";
inline constexpr const char* kIdentityChanged = "identity_changed";          ///< detail: the field
inline constexpr const char* kIdentityChangeUndone = "identity_change_undone";  ///< detail: the field
inline constexpr const char* kNewDeviceSignIn = "new_device_sign_in";      ///< method: how
inline constexpr const char* kPasskeyCreated = "passkey_created";    ///< detail: passkey ID
inline constexpr const char* kPasskeyDeleted = "passkey_deleted";    ///< detail: passkey ID
inline constexpr const char* kPasskeyCloned = "passkey_cloned";      ///< sign count regressed; detail: passkey ID
}  // namespace event

inline constexpr const char* kSuccess = "success";
inline constexpr const char* kFailure = "failure";
inline constexpr const char* kLocked = "locked";

/// Who caused an event and from where: the signed-in user (or a staff member acting for
/// another) and the client IP; a CLI command has neither.
struct Actor {
  std::optional<int64_t> id;
  std::string ip;
};

struct Entry {
  std::string event;
  std::optional<int64_t> user_id;
  Actor actor;
  std::string method;
  std::string outcome = kSuccess;
  std::string detail;
};

/// Appends `entry` at `now` (Unix seconds). Throws the store's errors.
void Record(store::Database& db, int64_t now, const Entry& entry);

/// Retention (AUDIT_LOG_RETENTION_DAYS): deletes entries older than `retention_days` before
/// `now`, at most about `row_limit` rows; true when nothing older is left. 0 days keeps all.
bool PurgeExpired(store::Database& db, int64_t now, int64_t retention_days, int64_t row_limit);

/// One line of `df-auth audit list`: tab-separated time (ISO 8601 UTC), event, outcome,
/// method, user, actor, ip, detail; "-" for an empty field.
std::string FormatLine(const store::AuditEvent& e);

}  // namespace dfauth::audit
