#pragma once
// The admin API's rules (issue 14 item 1): what a staff member may see and do to another
// account. Each action is the domain function the CLI `df-auth users …` calls too
// (identity::UserService, otp::DeviceService), given the staff member as the audit actor; this
// service adds the staff check, the lookups and the OTP challenge. Blocking: call it from a pool.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "identity/user_service.hpp"
#include "otp/device_service.hpp"
#include "store/database.hpp"
#include "token/session_service.hpp"

namespace dfauth::admin {

/// One user as an admin sees it.
struct UserDetail {
  store::User user;
  std::vector<store::Device> devices;      ///< of configured types
  std::vector<store::SocialLink> social;   ///< ordered by id
  store::SessionPage sessions;             ///< live ones, newest first (the first kSessionsShown)
};

class AdminService {
 public:
  static constexpr int64_t kSessionsShown = 100;
  static constexpr int64_t kSocialShown = 100;

  AdminService(store::Database& store, identity::UserService& users, otp::DeviceService& devices,
               token::SessionService& sessions);

  /// 403 permission_denied unless `caller` is an active staff member.
  static void RequireStaff(const store::User& caller);

  /// Users whose username, email or phone contains `search`, ordered by id.
  store::UserPage Search(const std::string& search, int64_t offset, int64_t limit);
  /// 404 not_found for no such user.
  UserDetail Show(int64_t user_id);
  /// Activates or deactivates (deactivation revokes every token); the user as now stored.
  store::User SetActive(int64_t user_id, bool active, const audit::Actor& staff);
  store::User RevokeTokens(int64_t user_id, const audit::Actor& staff);
  /// Requiring 2FA needs a confirmed device (400 invalid is_required otherwise).
  store::User SetTwoFactorRequired(int64_t user_id, bool required, const audit::Actor& staff);
  /// 404 not_found for an unknown type or id; 400 for the last device of a 2FA user.
  void DeleteDevice(int64_t user_id, const std::string& type, const std::string& device_id, const audit::Actor& staff);
  /// Sends a code to the user's email or sms device `device_id` (the code goes to the device,
  /// never back to the admin); false when the cooldown held and nothing was sent. 400 invalid
  /// on `type` for another type, 404 for no such device, 429 past THROTTLE_OTP_SEND.
  bool SendOtpChallenge(int64_t user_id, const std::string& type, const std::string& device_id,
                        const audit::Actor& staff);
  /// The audit log, newest first.
  store::AuditPage Audit(const store::AuditFilter& filter);

 private:
  store::User Require(int64_t user_id);

  store::Database& store_;
  identity::UserService& users_;
  otp::DeviceService& devices_;
  token::SessionService& sessions_;
};

}  // namespace dfauth::admin
