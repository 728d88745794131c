#pragma once
// Reversible identity change (issue 16 item 3). When an account's email or phone number changes
// (PATCH users/0/, a confirmed device copied into the user; import-django aside), the OLD
// address gets a notice with a one-time undo link valid IDENTITY_CHANGE_UNDO_DAYS. POST
// identity-change/undo/ {"token"} restores the old address, removes the device of the address
// that replaced it, ends every session and token of the user and sends a password-reset code to
// the restored address. Blocks on the database: call it from a worker, never an I/O thread.

#include <functional>
#include <string>

#include "auth/password_reset.hpp"
#include "config/settings.hpp"
#include "identity/user_service.hpp"
#include "notify/notifier.hpp"
#include "store/database.hpp"

namespace dfauth::auth {

class IdentityChangeService {
 public:
  using Clock = std::function<int64_t()>;
  IdentityChangeService(const config::Settings& settings, store::Database& store, identity::UserService& users,
                        PasswordResetService& resets, notify::Notifier& notifier, Clock clock = {});

  /// The user was stored as `after` over `before`: for the email and the phone number that had
  /// a value and now have another (or none), records the change with a new undo token (kept as
  /// a keyed hash) and sends the old address the notice with the link. Nothing when neither
  /// changed (an email differing only in case is the same address).
  void Changed(const store::User& before, const store::User& after);

  /// Spends `token` and undoes its change; returns the restored user. 400 invalid_token on
  /// `token` for a used, expired, unknown or malformed one; 409 conflict when the old address
  /// now belongs to another account (the token is then not spent).
  store::User Undo(const std::string& token);

 private:
  int64_t Now() const;
  std::string HashSecret(std::string_view secret) const;
  void SendNotice(const store::User& user, const std::string& field, const std::string& old_value,
                  const std::string& new_value, const std::string& token);

  const config::Settings& settings_;
  store::Database& store_;
  identity::UserService& users_;
  PasswordResetService& resets_;
  notify::Notifier& notifier_;
  Clock clock_;
  /// HMAC key of stored undo tokens: derived from SECRET_KEY for this purpose only.
  const std::string hash_key_;
};

}  // namespace dfauth::auth
