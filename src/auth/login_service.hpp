#pragma once
// POST token/: the credential checks of reference-contract R1 and §4, in AUTHENTICATION_BACKENDS
// order, then the 2FA gate and the active check. Blocks (database, password hashing): run it on
// the hashing pool.

#include <functional>
#include <map>
#include <string>

#include "config/settings.hpp"
#include "otp/device_service.hpp"
#include "store/database.hpp"

namespace dfauth::auth {

/// Submitted credential fields, non-empty values only (reference R1 step 1).
using Credentials = std::map<std::string, std::string>;

/// A proven user and the backend that proved it ("password", "test_email", …).
struct Authenticated {
  store::User user;
  std::string method;
  /// The login was an OTP from a confirmed device: it is the second factor too (interface.md §3).
  bool second_factor = false;
};

class LoginService {
 public:
  LoginService(const config::Settings& settings, store::Database& store);
  /// With OTP devices: the sms_otp/email_otp backends and a 2FA gate that checks devices.
  LoginService(const config::Settings& settings, store::Database& store, otp::DeviceService* devices);

  /// The user these credentials prove, after the 2FA gate and the active check.
  /// Throws ApiError: 401 authentication_failed, 400 wrong_otp, 401 2fa_required.
  Authenticated Login(const Credentials& credentials);

  /// The 2FA gate (reference-contract §4.6, interface.md §3): when the user requires 2FA,
  /// `otp` must verify against one of its confirmed devices, else 401 2fa_required with the
  /// device list. Social login calls it too.
  void PassTwoFactorGate(const store::User& user, const std::optional<std::string>& otp);

  /// The user the credentials prove, or nullopt (no 2FA gate, no active check): what
  /// `otp/` uses to learn who is asking.
  std::optional<Authenticated> Identify(const Credentials& credentials);

 private:
  std::optional<store::User> PasswordBackend(const Credentials& credentials);
  std::optional<store::User> TestEmailBackend(const Credentials& credentials);
  /// sms_otp (phone_number) / email_otp (email) + otp: reference §4.3 "Authenticate"; a wrong,
  /// expired or throttled code throws WrongOtp(). Under DEFER_IDENTITY_UPDATE an address no user
  /// holds yet is looked up on pending devices (DeviceService::SignInWithPendingAddress).
  std::optional<Authenticated> OtpBackend(const std::string& backend, const Credentials& credentials);
  /// 400 wrong_otp; under PREVENT_ENUMERATION 401 authentication_failed, as for an unknown address.
  ApiError WrongOtp() const;
  std::optional<store::User> FindByIdentity(const std::string& field, const std::string& value);

  const config::Settings& settings_;
  store::Database& store_;
  otp::DeviceService* devices_ = nullptr;
};

}  // namespace dfauth::auth
