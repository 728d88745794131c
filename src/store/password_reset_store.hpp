#pragma once
// Password-reset codes (issue 16 item 2): one row per user and channel ("email" or "sms")
// holding the last issued code. The row is a store::Device value (type = channel,
// destination, code_hash, valid_until, attempts, throttle_failures, throttle_until,
// last_sent_at, created_at) so that the rules of src/otp/verifier apply to it unchanged; it
// is never a sign-in device (its own table, never listed, never a login code). Thread-safe and
// blocking, like every store.

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "store/device_store.hpp"

namespace dfauth::store {

class PasswordResetStore {
 public:
  virtual ~PasswordResetStore() = default;

  /// The user's row for `channel`, created without a live code when missing; its destination
  /// is set to `destination` (the address the next code goes to). Safe when two requests race.
  virtual Device EnsureReset(int64_t user_id, std::string_view channel, std::string_view destination,
                             int64_t now) = 0;
  /// The user's row for `channel`, or nullopt.
  virtual std::optional<Device> FindReset(int64_t user_id, std::string_view channel) = 0;
  /// Atomically (across threads and replicas): reads the row, calls `mutate`, and writes the
  /// code fields back when it returns true. False when the row does not exist.
  virtual bool UpdateReset(int64_t id, const std::function<bool(Device&)>& mutate) = 0;
};

}  // namespace dfauth::store
