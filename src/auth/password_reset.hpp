#pragma once
// POST password-reset/ and password-reset/confirm/ (issue 16 item 2, interface.md §8): a
// 6-digit code to the account's email or phone, valid PASSWORD_RESET_TIMEOUT, single use,
// OTP_MAX_ATTEMPTS wrong tries, issued through the OTP machinery (THROTTLE_OTP_SEND, the
// cooldowns); confirming it sets the password (policy applied), revokes every session and
// mails a notice. The request answers alike whether or not the account exists. Blocks
// (database, password hashing): call it from the hashing pool.

#include <functional>
#include <optional>
#include <string>

#include "auth/login_service.hpp"
#include "config/settings.hpp"
#include "identity/user_service.hpp"
#include "notify/notifier.hpp"
#include "otp/device_service.hpp"
#include "store/database.hpp"

namespace dfauth::auth {

/// Where a reset code goes: `channel` "email" (destination normalised) or "sms" (E.164).
struct ResetAddress {
  std::string channel;
  std::string destination;
};

class PasswordResetService {
 public:
  /// False when no code may be sent to the destination (BLACKLIST_OTP_DESTINATION_REGEX);
  /// empty: every destination is allowed.
  using DestinationAllowed = std::function<bool(const std::string& destination)>;

  PasswordResetService(const config::Settings& settings, store::Database& store, otp::DeviceService& devices,
                       identity::UserService& users, LoginService& login, notify::Notifier& notifier,
                       DestinationAllowed allowed = {});

  /// Sends a reset code to the active account holding the address, if any; nothing tells the
  /// caller whether one does (an unknown address counts THROTTLE_OTP_SEND and makes a code as
  /// well). Throws only 429 throttled (THROTTLE_OTP_SEND, the same for every address).
  void Request(const ResetAddress& address);

  /// Checks `code` (400 wrong_otp on `otp`, one attempt counted when wrong), then the policy on
  /// `new_password` (400 invalid on `new_password`) and, for a 2FA user, `two_fa_otp` on a
  /// confirmed device or `passkey` (LoginService::PassTwoFactorGate; 401 2fa_required with the
  /// devices): neither refusal spends the code.
  /// Then spends it atomically (one winner among parallel confirms; the others get 400
  /// wrong_otp), stores the password, revokes every token and session and mails the notice.
  /// Returns the user, for the new session's tokens.
  store::User Confirm(const ResetAddress& address, const std::string& code, const std::string& new_password,
                      const std::optional<std::string>& two_fa_otp, const SecondFactor& passkey = {});

 private:
  std::optional<store::User> Holder(const ResetAddress& address);
  /// One atomic try of `code` on the reset row: `spend` consumes a right code; otherwise a
  /// right code is left as it is and only a wrong one is written (its attempt counted).
  otp::Verification Try(int64_t row_id, const std::string& code, bool spend);
  void NotifyChanged(const store::User& user);

  const config::Settings& settings_;
  store::Database& store_;
  otp::DeviceService& devices_;
  identity::UserService& users_;
  LoginService& login_;
  notify::Notifier& notifier_;
  DestinationAllowed allowed_;
  /// HMAC key of stored reset codes: derived from SECRET_KEY for this purpose only, so a reset
  /// code's hash never verifies as a device's sign-in code.
  const std::string hash_key_;
};

}  // namespace dfauth::auth
