#pragma once
// OTP devices of a user (reference-contract R12–R16, §3.3, §7.2–§7.3 with interface.md §3):
// creation per type, confirmation with identity copy, deletion with the last-device rule,
// verification through the store's atomic update, and issuing codes (cooldown,
// THROTTLE_OTP_SEND, delivery through the Notifier). Blocking (database): call from a pool.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.hpp"
#include "config/settings.hpp"
#include "notify/notifier.hpp"
#include "otp/verifier.hpp"
#include "store/device_store.hpp"
#include "store/database.hpp"

namespace dfauth::otp {

/// A device just created, with what is disclosed once (TOTP URL and QR, backup codes).
struct CreatedDevice {
  store::Device device;
  std::string url;                 ///< TOTP only
  std::string qr_svg;              ///< TOTP only
  std::vector<std::string> codes;  ///< static only
};

enum class SendResult {
  kSent,      ///< a new code was issued and queued for delivery
  kCooldown,  ///< the cooldown holds: nothing sent, the previous code stays valid
};

class DeviceService {
 public:
  using Clock = std::function<int64_t()>;
  DeviceService(const config::Settings& settings, store::Database& store, store::DeviceStore& devices,
                notify::Notifier& notifier, Clock clock = {});

  /// Whether `type` is one of OTP_DEVICE_TYPES.
  bool IsConfiguredType(config::DeviceType type) const;
  /// Whether `type` (a request's or a stored device's) names one of OTP_DEVICE_TYPES.
  bool IsConfiguredType(std::string_view type) const;
  /// 400 invalid "Invalid device type. Must be one of email, totp, sms, static" unless configured.
  void RequireConfiguredType(const std::optional<std::string>& type) const;

  /// The user's devices of configured types, in OTP_DEVICE_TYPES order, then by id.
  std::vector<store::Device> List(int64_t user_id) const;
  /// The confirmed ones among List().
  std::vector<store::Device> ConfirmedDevices(int64_t user_id) const;

  /// Creates a device (R13): email/sms need `name` (the address/number; an existing device for
  /// it is returned unchanged), totp is always new and unconfirmed, static is created confirmed
  /// with 10 codes. Throws ApiError 400 (required/invalid).
  CreatedDevice Create(const store::User& user, const std::string& type,
                       const std::optional<std::string>& name);
  /// The caller's device `id_text` of `type`; 404 not_found for missing/foreign/non-numeric ids.
  store::Device Get(int64_t user_id, const std::string& type, std::string_view id_text) const;
  /// Deletes it; 400 invalid "Cannot remove the last device" for the last confirmed device of
  /// a 2FA user. Audited with `actor` (none given: the user itself).
  void Delete(const store::User& user, const std::string& type, std::string_view id_text,
              std::optional<audit::Actor> actor = std::nullopt);
  /// Verifies `otp` on the device and marks it confirmed; copies its email/phone to the user
  /// when OTP_IDENTITY_UPDATE_FIELD (uniqueness: 400 invalid). 400 invalid "Invalid OTP code".
  void Confirm(const store::User& user, const std::string& type, std::string_view id_text,
               const std::string& otp);

  /// DEFER_IDENTITY_UPDATE sign-in with a code sent to a pending address (one that sits on
  /// unconfirmed devices only, maybe of several users: the invitation link, the code sent at
  /// sign-up). The code is tried on the live-code device of each active holder, counting a failure
  /// on each it does not open (as the 2FA gate does); the device it opens is confirmed as Confirm
  /// does (the address moves to its user).
  struct PendingSignIn {
    bool tried = false;                ///< some holder had a live code
    std::optional<store::User> user;   ///< the holder whose device the code opened
  };
  PendingSignIn SignInWithPendingAddress(const std::string& type, const std::string& destination,
                                         const std::string& code);

  /// One atomic verification attempt of `candidate` on the device.
  Verification Verify(const store::Device& device, std::string_view candidate);

  /// The user's first device of a configured `type` for `destination` (case-insensitive).
  std::optional<store::Device> FindByDestination(int64_t user_id, const std::string& type,
                                                 const std::string& destination) const;
  /// The user's device of `type` ("email"/"sms") for `destination`, created when missing
  /// (confirmed or not as `confirmed_if_new` says).
  store::Device DeviceFor(const store::User& user, const std::string& type,
                          const std::string& destination, bool confirmed_if_new);
  /// Issues a new code for an email/sms device and queues the OTP message (cooldown honoured;
  /// 429 throttled when THROTTLE_OTP_SEND is exceeded for the destination).
  SendResult SendCode(const store::User& user, const store::Device& device,
                      const std::string& redirect_path);
  /// After sign-up/invitation: an invitee gets the invitation (magic link valid
  /// INVITE_TOKEN_VALIDITY); otherwise AUTO_SEND_IDENTITY_VERIFICATION_OTP sends a code to each
  /// unconfirmed email/sms device.
  void AfterRegistration(const store::User& user, std::optional<int64_t> inviter);

  int64_t Now() const;
  /// The audit entry of a new device.
  void RecordCreated(const store::Device& device);

  /// Writes one row holding an issued code (a device, a password reset) atomically, as
  /// DeviceStore::UpdateDevice does.
  using CodeRowUpdate = std::function<bool(int64_t id, const std::function<bool(store::Device&)>& mutate)>;
  /// Issues a code on `row` through `update`, its stored hash keyed by `hash_key`: nullopt while
  /// `cooldown` holds (the previous code stays valid); 429 throttled past THROTTLE_OTP_SEND for
  /// the row's destination. The one issuing path of sign-in codes and reset codes.
  std::optional<std::string> IssueCodeOn(const store::Device& row, int64_t validity, int64_t cooldown,
                                         std::string_view hash_key, const CodeRowUpdate& update);
  /// OTP_EMAIL_COOLDOWN_DURATION or OTP_SMS_COOLDOWN_DURATION, by channel ("email"/"sms").
  int64_t CooldownOf(std::string_view channel) const;
  /// Counts one message to `destination`; throws 429 throttled past THROTTLE_OTP_SEND.
  void CountSend(const std::string& destination);

 private:
  /// Emails the account that a sign-in factor was added (new_device_email).
  void NotifyNewDevice(const store::User& user, const store::Device& device);
  std::optional<store::Device> Find(int64_t user_id, const std::string& type, std::string_view id_text) const;
  VerifyPolicy Policy() const;
  /// Issues a code valid `validity` seconds; nullopt when the cooldown holds.
  std::optional<std::string> Issue(const store::Device& device, int64_t validity, int64_t cooldown);
  void CopyIdentity(const store::User& user, const store::Device& device);
  /// Verifies `otp` on the user's device; when right, marks it confirmed, tells the account of
  /// a new factor and copies the address when OTP_IDENTITY_UPDATE_FIELD (400 invalid when the
  /// address went to someone else meanwhile; the device is then unconfirmed again).
  Verification ConfirmWithCode(const store::User& user, const store::Device& device,
                               std::string_view otp);

  const config::Settings& settings_;
  store::Database& store_;
  store::DeviceStore& devices_;
  notify::Notifier& notifier_;
  Clock clock_;
};

}  // namespace dfauth::otp
