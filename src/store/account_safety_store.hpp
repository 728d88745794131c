#pragma once
// Reversible identity changes and known sign-in devices (issue 16 items 3-4, migration 13).
// identity_changes: one row per change of an account's email or phone, holding the old and new
// value and the keyed hash of the one-time undo token sent to the old address. known_devices:
// one row per (user, keyed hash of user-agent family + network) with when it was last seen.
// Thread-safe and blocking, like every store.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dfauth::store {

struct IdentityChange {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string field;      ///< "email" or "phone_number"
  std::string old_value;  ///< the address the undo restores
  std::string new_value;  ///< the address it replaced
  std::string token_hash;
  int64_t created_at = 0;
  int64_t expires_at = 0;  ///< the undo works while now < expires_at
  int64_t used_at = 0;     ///< 0: not used
};

/// What a sign-in from a device tells: the first device the user is ever seen with, one seen
/// within the window (or racing a sighting that just recorded it), or one new or not seen for
/// the window, for which exactly one of any parallel sightings gets kNew.
enum class DeviceSighting { kFirstOfUser, kKnown, kNew };

class AccountSafetyStore {
 public:
  virtual ~AccountSafetyStore() = default;

  /// Stores `change` (its id ignored) and returns its id.
  virtual int64_t AddIdentityChange(const IdentityChange& change) = 0;
  /// The change `id`, or nullopt.
  virtual std::optional<IdentityChange> FindIdentityChange(int64_t id) = 0;
  /// Marks the change used at `now` when it is unused and now < expires_at. Atomic across
  /// threads and replicas: of parallel calls exactly one gets true.
  virtual bool SpendIdentityChange(int64_t id, int64_t now) = 0;

  /// Records a sign-in of `user_id` from `device_hash` at `now`: last_seen_at becomes `now`.
  /// kNew when the device was unknown or last seen at or before now - `window` seconds, unless
  /// the user had no device at all (kFirstOfUser); otherwise kKnown. Atomic: parallel
  /// sightings of one new device yield one kNew (or one kFirstOfUser).
  virtual DeviceSighting SeeDevice(int64_t user_id, std::string_view device_hash, int64_t now, int64_t window) = 0;
};

}  // namespace dfauth::store
