#pragma once
// Registration (sign-up and invitation), profile updates and password changes: the rules of
// reference-contract R6, R8, R9 with the fixes of interface.md §3 and §4.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "store/store.hpp"

namespace dfauth::identity {

/// Submitted user fields after type conversion: name → text ("" = blank). Absent = not sent.
using FieldValues = std::map<std::string, std::string>;

class UserService {
 public:
  using Clock = std::function<int64_t()>;
  UserService(const config::Settings& settings, store::Store& store, Clock clock = {});

  /// The writable fields of the user representation, in the reference's order
  /// (optional fields, then identity fields, then USER_EXTRA_FIELDS).
  const std::vector<std::string>& WritableFields() const { return writable_fields_; }

  /// Creates a user (sign-up when `inviter` is empty, invitation otherwise). Hashes the
  /// password (call it from the hashing pool). Throws ApiError 400 with one entry per bad field.
  store::User Register(const FieldValues& input, std::optional<int64_t> inviter);

  /// Applies a partial update of the caller's profile; throws ApiError 400.
  store::User Update(const store::User& current, const FieldValues& input);

  /// Checks the old password, stores the new one and revokes every earlier token of the user.
  void SetPassword(const store::User& user, const std::string& old_password,
                   const std::string& new_password);

  /// Turns the 2FA requirement on or off; turning it on needs a confirmed OTP device (else
  /// 400 invalid: no lock-out). Returns the stored value.
  bool SetTwoFactorRequired(const store::User& user, bool required);

  /// Activates or deactivates a user; deactivation revokes every earlier token.
  void SetActive(int64_t user_id, bool active);

 private:
  int64_t Now() const;

  const config::Settings& settings_;
  store::Store& store_;
  Clock clock_;
  std::vector<std::string> writable_fields_;
};

}  // namespace dfauth::identity
