#pragma once
// POST otp/: requesting a one-time password (reference-contract R5 and §4.3 "Generate
// challenge", with interface.md §3: an address the caller does not own gets an unconfirmed
// device, OTP_AUTO_CREATE_ACCOUNT, cooldown, THROTTLE_OTP_SEND). Blocks (database, and password
// hashing when it creates the account): call it from the hashing pool.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/choices.hpp"
#include "identity/user_service.hpp"
#include "otp/device_service.hpp"
#include "store/database.hpp"

namespace dfauth::otp {

/// How a request ended when it was not refused. Every such request gets the same answer, sent
/// or not, so that it tells nothing about the account.
struct OtpRequestResult {
  std::string channel;            ///< "email" or "sms"
  std::optional<SendResult> sent; ///< empty when nothing was issued (no account under
                                  ///< PREVENT_ENUMERATION, a blacklisted destination)
};

/// The settings a request for a code reads (mapped from config::Settings by the app).
struct OtpRequestOptions {
  /// AUTHENTICATION_BACKENDS: the first OTP backend whose field is given picks the channel.
  std::vector<config::AuthBackend> backends = {config::AuthBackend::kSmsOtp, config::AuthBackend::kEmailOtp,
                                               config::AuthBackend::kPassword};
  bool auto_create_account = true;      ///< OTP_AUTO_CREATE_ACCOUNT
  bool signup_allowed = true;           ///< SIGNUP_ALLOWED (also gates the auto-create)
  bool send_unauthorized_user = true;   ///< OTP_SEND_UNAUTHORIZED_USER
  bool prevent_enumeration = false;     ///< PREVENT_ENUMERATION
};

class OtpRequestService {
 public:
  /// The user the submitted credentials prove, if any (auth::LoginService::Identify), passed in
  /// so that otp does not depend on auth.
  using Identify = std::function<std::optional<store::User>(const identity::FieldValues& credentials)>;
  /// The guard's say on a destination, passed in so that otp does not depend on guard: `check`
  /// throws 400 blacklisted on `field` (email or phone_number); `allowed` is false when no code
  /// may be sent there (BLACKLIST_OTP_DESTINATION_REGEX). Either may be empty (no guard).
  struct DestinationGuard {
    std::function<void(const std::string& field, const std::string& destination)> check;
    std::function<bool(const std::string& destination)> allowed;
  };

  OtpRequestService(OtpRequestOptions options, store::Database& store, DeviceService& devices,
                    identity::UserService& users, Identify identify, DestinationGuard guard = {});

  /// Sends a code for the submitted fields (read by the api, phone in E.164) to the caller
  /// (`caller`, null when anonymous) or to whoever the credentials prove, else to the account
  /// holding the address (created when OTP_AUTO_CREATE_ACCOUNT). Throws ApiError 401
  /// unauthorized_otp_request, 401 not_found (no OTP backend for the fields), 401
  /// user_does_not_exist, 400 user_inactive, 400 blacklisted, 429 throttled, and the field
  /// errors of an account it creates.
  OtpRequestResult Request(const identity::FieldValues& fields, const store::User* caller);

 private:
  struct Channel {
    std::string type;   ///< device type: email or sms
    std::string field;  ///< the field holding the destination: email or phone_number
  };
  /// Who is asking (R5 step 2) when the caller is anonymous: whoever the credentials prove.
  std::optional<store::User> Identified(const identity::FieldValues& fields) const;
  /// The first OTP backend, in AUTHENTICATION_BACKENDS order, whose identity field is present
  /// and whose device type is configured; 401 not_found when there is none.
  Channel PickChannel(const identity::FieldValues& fields) const;
  /// The account holding `destination`, created when missing and allowed; nullopt when none
  /// may be named (PREVENT_ENUMERATION), else 401 user_does_not_exist.
  std::optional<store::User> AccountFor(const identity::FieldValues& fields, const std::string& field,
                                        const std::string& destination);
  std::optional<store::User> Holder(const std::string& field, const std::string& destination);

  const OtpRequestOptions options_;
  store::Database& store_;
  DeviceService& devices_;
  identity::UserService& users_;
  Identify identify_;
  DestinationGuard guard_;
};

}  // namespace dfauth::otp
