#pragma once
// Registration (sign-up and invitation), profile updates and password changes: the rules of
// reference-contract R6, R8, R9 with the fixes of interface.md §3 and §4.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "audit/audit.hpp"
#include "config/settings.hpp"
#include "dfauth/error.hpp"
#include "store/device_store.hpp"
#include "store/database.hpp"

namespace dfauth::identity {

/// Submitted user fields after type conversion: name → text ("" = blank). Absent = not sent.
using FieldValues = std::map<std::string, std::string>;

/// A 400 whose every entry says a username, email or phone is already taken: PREVENT_ENUMERATION
/// answers such a sign-up as one that worked, so it is told apart by type, not by message.
class BreachedFilter;

class DuplicateIdentityError : public ApiError {
 public:
  using ApiError::ApiError;
};

class UserService {
 public:
  using Clock = std::function<int64_t()>;
  UserService(const config::Settings& settings, store::Database& store, Clock clock = {});
  /// With the OTP device store: sign-up creates the unconfirmed email/SMS devices (reference R6
  /// step 4, DEFER_IDENTITY_UPDATE keeps the address on the device only), PATCH accepts an
  /// email/phone of a confirmed device, and 2FA can be enabled once a device is confirmed.
  UserService(const config::Settings& settings, store::Database& store, store::DeviceStore* devices,
              Clock clock = {});

  /// Every new password (sign-up, invitation, set-password, reset, createsuperuser) is checked
  /// against `filter` too (400 password_breached); null: no filter. Not owned; outlives this.
  void SetBreachedFilter(const BreachedFilter* filter) { breached_ = filter; }

  /// The writable fields of the user representation, in the reference's order
  /// (optional fields, then identity fields, then USER_EXTRA_FIELDS).
  const std::vector<std::string>& WritableFields() const { return writable_fields_; }

  /// Creates a user (sign-up when `inviter` is empty, invitation otherwise). Hashes the
  /// password (call it from the hashing pool). Throws ApiError 400 with one entry per bad field;
  /// DuplicateIdentityError when the only faults are identities already taken.
  store::User Register(const FieldValues& input, std::optional<int64_t> inviter);

  /// Creates the account an OTP request for an unknown identity asks for (reference §4.3 with
  /// the §10 fixes: username derived, email normalised, password hashed; no devices). The
  /// identity (`field` = email or phone_number, `value` normalised) is always stored. Call it
  /// from the hashing pool. Throws ApiError 400 (field errors, a concurrent duplicate).
  store::User CreateFromOtp(const FieldValues& input, const std::string& field, const std::string& value);

  /// `df-auth createsuperuser`: a staff superuser from `username` and optional `email` and
  /// `password` (empty: no usable password), checked and normalised as a sign-up is (the
  /// password policy applies), without devices. Hashes the password (not on an I/O thread).
  /// Throws ApiError 400; DuplicateIdentityError when the username or email is taken.
  store::User CreateSuperuser(const FieldValues& input);

  /// Applies a partial update of the caller's profile; throws ApiError 400.
  store::User Update(const store::User& current, const FieldValues& input);

  /// Checks the old password, stores the new one and revokes every earlier token of the user
  /// and every session but `current_session` (ASVS 3.3.3; empty: all of them).
  void SetPassword(const store::User& user, const std::string& old_password,
                   const std::string& new_password, std::string_view current_session = {});

  /// 400 on `new_password` when it breaks the password policy: invalid (PASSWORD_MIN_LENGTH,
  /// common passwords, only digits) or password_breached (the breached-password filter).
  void CheckNewPassword(const std::string& new_password) const;

  /// A proven password reset: stores the new password (policy applied) without the old one and
  /// revokes every earlier token and every session of the user. Hashes (call from the hashing
  /// pool); 409 conflict when the password changed meanwhile.
  void ResetPassword(const store::User& user, const std::string& new_password);

  /// Turns the 2FA requirement on or off; turning it on needs a confirmed OTP device (else
  /// 400 invalid: no lock-out). Returns the stored value.
  /// Audited with `actor` (none given: the user itself).
  bool SetTwoFactorRequired(const store::User& user, bool required, std::optional<audit::Actor> actor = std::nullopt);

  /// Activates or deactivates a user; deactivation revokes every earlier token. Audited with
  /// `actor` (a staff member, or none for the CLI). 404 not_found for no such user.
  void SetActive(int64_t user_id, bool active, const audit::Actor& actor = {});

  /// Revokes every token issued to the user so far (log out everywhere); audited. 404 not_found.
  void RevokeTokens(int64_t user_id, const audit::Actor& actor = {});

  /// Grants or withdraws is_staff (the admin API's permission); audited. 404 not_found.
  void SetStaff(int64_t user_id, bool staff, const audit::Actor& actor = {});

 private:
  int64_t Now() const;
  /// Hashes and stores `new_password` over `user`'s current hash, then revokes the user's earlier
  /// tokens and every session but `current_session` (empty: all).
  void StorePassword(const store::User& user, const std::string& new_password, std::string_view current_session);
  /// True when the user has a confirmed device of `type` for `destination` (case-insensitive).
  bool HasConfirmedDevice(int64_t user_id, const std::string& type, const std::string& destination) const;
  /// Creates the unconfirmed sign-up device of `type` for `destination` (configured types only).
  void CreateSignupDevice(int64_t user_id, config::DeviceType type, const std::string& destination);

  const config::Settings& settings_;
  store::Database& store_;
  store::DeviceStore* devices_ = nullptr;
  const BreachedFilter* breached_ = nullptr;
  Clock clock_;
  std::vector<std::string> writable_fields_;
};

}  // namespace dfauth::identity
