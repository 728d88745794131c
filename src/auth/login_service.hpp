#pragma once
// POST token/: the credential checks of reference-contract R1 and §4, in AUTHENTICATION_BACKENDS
// order, then the 2FA gate and the active check, inside the guard's failed-login limits
// (THROTTLE_LOGIN_FAILURES(_IP)). Blocks (database, password hashing): run it on the hashing pool.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/choices.hpp"
#include "crypto/password.hpp"
#include "dfauth/error.hpp"
#include "otp/device_service.hpp"
#include "store/database.hpp"

namespace dfauth::identity { class BreachedFilter; }

namespace dfauth::guard { class Guard; }

namespace dfauth::auth {

/// Submitted credential fields, non-empty values only (reference R1 step 1).
using Credentials = std::map<std::string, std::string>;

/// A second factor other than an OTP (a passkey assertion, issue 15): returns when it proves
/// `user`, throws ApiError 401 (log detail: the failed check) when it does not, ApiError 400
/// when malformed.
using SecondFactor = std::function<void(const store::User& user)>;

/// A proven user and the backend that proved it.
struct Authenticated {
  store::User user;
  config::AuthBackend method = config::AuthBackend::kPassword;
  /// The login was an OTP from a confirmed device: it is the second factor too (interface.md §3).
  bool second_factor = false;
};

/// Why credentials were refused: what the failed-login limits count (interface.md §3 2FA gate).
enum class LoginFailure {
  kWrongCredentials,   ///< 401 authentication_failed: no backend proved a user, or it is inactive
  kWrongOtp,           ///< 400 wrong_otp (401 authentication_failed under PREVENT_ENUMERATION)
  kTwoFactorRequired,  ///< 401 2fa_required: the second factor was missing or wrong
};

/// A refused login: the ApiError the client gets, and the failure it counts as.
class LoginError : public ApiError {
 public:
  LoginError(LoginFailure failure, ApiError error) : ApiError(std::move(error)), failure_(failure) {}
  LoginFailure Failure() const noexcept { return failure_; }

 private:
  LoginFailure failure_;
};

/// The settings a login reads (mapped from config::Settings by the app).
struct LoginOptions {
  /// AUTHENTICATION_BACKENDS, in the order tried.
  std::vector<config::AuthBackend> backends = {config::AuthBackend::kSmsOtp, config::AuthBackend::kEmailOtp,
                                               config::AuthBackend::kPassword};
  /// USER_IDENTITY_FIELDS: the fields that name the account, in order.
  std::vector<config::IdentityField> identity_fields = {
      config::IdentityField::kUsername, config::IdentityField::kEmail, config::IdentityField::kPhoneNumber};
  std::string test_user_email;       ///< TEST_USER_EMAIL (empty: the test_email backend proves nobody)
  bool prevent_enumeration = false;  ///< PREVENT_ENUMERATION
  crypto::Argon2Params argon2;       ///< ARGON2_MEMORY_KIB, ARGON2_TIME_COST
  /// PASSWORD_BREACHED_FILTER (null: off). An imported Django password (pbkdf2_sha256, whose
  /// plain text import-django cannot know) is checked at the sign-in that upgrades it: on the
  /// filter, `on_breached_import(user id)` is called; the sign-in is never refused for it.
  const identity::BreachedFilter* breached = nullptr;
  std::function<void(int64_t)> on_breached_import;
};

class LoginService {
 public:
  LoginService(LoginOptions options, store::Database& store);
  /// With OTP devices: the sms_otp/email_otp backends and a 2FA gate that checks devices.
  /// With a guard: logins are held to THROTTLE_LOGIN_FAILURES(_IP).
  LoginService(LoginOptions options, store::Database& store, otp::DeviceService* devices,
               guard::Guard* guard = nullptr);

  /// The user these credentials prove, after the 2FA gate and the active check, inside the
  /// guard's failed-login limits for the account named and `client_ip`: a locked account or IP
  /// is refused like a wrong password before any credential is checked, and the outcome is
  /// settled with the guard. Throws LoginError (401 authentication_failed, 400 wrong_otp,
  /// 401 2fa_required), ApiError 401 authentication_failed when locked, and the store's errors.
  /// `passkey`, when given, is tried by the 2FA gate in place of `otp`.
  Authenticated Login(const Credentials& credentials, std::string_view client_ip, const SecondFactor& passkey = {});

  /// The 2FA gate (reference-contract §4.6, interface.md §3): when the user requires 2FA,
  /// `otp` must verify against one of its confirmed devices, or `passkey` prove the user, else
  /// 401 2fa_required with the device list (confirmed devices, then passkeys as type
  /// `passkey`). Social login calls it too.
  void PassTwoFactorGate(const store::User& user, const std::optional<std::string>& otp,
                         const SecondFactor& passkey = {});

  /// The user the credentials prove, or nullopt (no 2FA gate, no active check): what
  /// `otp/` uses to learn who is asking.
  std::optional<Authenticated> Identify(const Credentials& credentials);

 private:
  std::optional<store::User> PasswordBackend(const Credentials& credentials);
  std::optional<store::User> TestEmailBackend(const Credentials& credentials);
  /// sms_otp (phone_number) / email_otp (email) + otp: reference §4.3 "Authenticate"; a wrong,
  /// expired or throttled code throws WrongOtp(). Under DEFER_IDENTITY_UPDATE an address no user
  /// holds yet is looked up on pending devices (DeviceService::SignInWithPendingAddress).
  std::optional<Authenticated> OtpBackend(config::AuthBackend backend, const Credentials& credentials);
  /// 400 wrong_otp; under PREVENT_ENUMERATION 401 authentication_failed, as for an unknown address.
  LoginError WrongOtp() const;
  std::optional<store::User> FindByIdentity(config::IdentityField field, const std::string& value);
  /// Login without the guard: the backends, the 2FA gate and the active check.
  Authenticated Authenticate(const Credentials& credentials, const SecondFactor& passkey);
  /// The key of the failure counter of the account a login names: the user id of the first
  /// identity field present (as the password backend looks it up); nullopt when none exists.
  std::optional<std::string> NamedAccount(const Credentials& credentials);

  const LoginOptions options_;
  store::Database& store_;
  otp::DeviceService* devices_ = nullptr;
  guard::Guard* guard_ = nullptr;
};

}  // namespace dfauth::auth
