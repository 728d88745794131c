#pragma once
// OTP devices (email, sms, totp, static), their issued codes and throttle state, static backup
// codes, and the per-destination send counter of THROTTLE_OTP_SEND. Domain words only; the
// rules (hashing, back-off, TOTP windows) live in src/otp. Every read-modify-write goes through
// UpdateDevice, which runs the caller's pure function under the row's write lock, so a
// verification is one atomic compare-and-consume. Thread-safe and blocking, like Store.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/errors.hpp"

namespace dfauth::store {

struct Device {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string type;         ///< email, sms, totp, static
  std::string name;
  std::string destination;  ///< email address or E.164 number; empty for totp/static
  bool confirmed = false;
  std::string secret;       ///< TOTP key (hex); never returned by the API after create, never logged
  std::string code_hash;    ///< hex HMAC of the issued code; empty when none is live
  int64_t valid_until = 0;  ///< the issued code expires at this time
  int64_t attempts = 0;     ///< wrong tries against the issued code
  int64_t throttle_failures = 0;  ///< consecutive failed verifications (django-otp back-off)
  int64_t throttle_until = 0;     ///< verifications are refused before this time
  int64_t last_totp_step = -1;    ///< the last accepted TOTP step (replay refusal)
  int64_t last_sent_at = 0;       ///< when the last code was issued (cooldown)
  int64_t created_at = 0;
  /// Unused static backup codes (hashes). Loaded and saved by UpdateDevice for static devices.
  std::vector<std::string> static_code_hashes;
};

class DeviceStore {
 public:
  virtual ~DeviceStore() = default;

  /// Inserts the device (id assigned, static_code_hashes stored too); returns the id.
  virtual int64_t CreateDevice(const Device& device) = 0;
  /// The user's device of this type and id, or nullopt (also for another user's device).
  virtual std::optional<Device> FindDevice(int64_t user_id, std::string_view type, int64_t id) = 0;
  /// The user's first device (lowest id) of `type` whose destination equals `destination`
  /// case-insensitively.
  virtual std::optional<Device> FindDeviceByDestination(int64_t user_id, std::string_view type,
                                                        std::string_view destination) = 0;
  /// Unconfirmed devices of `type` for `destination` (case-insensitive) of any user, by id, at
  /// most `limit` (DEFER_IDENTITY_UPDATE: a pending address may sit with several users).
  virtual std::vector<Device> ListPendingDevices(std::string_view type, std::string_view destination,
                                                 int limit) = 0;
  /// All devices of the user ordered by id (static_code_hashes not loaded).
  virtual std::vector<Device> ListDevices(int64_t user_id) = 0;
  /// Deletes the device; false when the user has no such device.
  virtual bool DeleteDevice(int64_t user_id, std::string_view type, int64_t id) = 0;
  /// Atomically: reads the device (with its static codes), calls `mutate`, and writes the
  /// device back when it returns true. Concurrent calls for one device run one after another.
  /// False when the device does not exist.
  virtual bool UpdateDevice(int64_t id, const std::function<bool(Device&)>& mutate) = 0;
  /// Adds one to the send counter of `destination` in the window starting at `window_start`
  /// and returns the new count (atomic across threads and processes). Drops older windows.
  virtual int64_t CountSend(std::string_view destination, int64_t window_start) = 0;
};


}  // namespace dfauth::store
