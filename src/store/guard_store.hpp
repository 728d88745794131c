#pragma once
// Storage of the guard (interface.md §6, issue 5): IP bans and security counters that every
// replica sees (failed logins per account and per IP, OTP sends per destination). Thread-safe
// and blocking, like store::Store: call it from a pool thread. Times are Unix seconds.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dfauth::store {

/// One ban of an address or network.
struct IpBan {
  std::string ip;      ///< canonical address ("203.0.113.9", "2001:db8::1") or CIDR ("10.0.0.0/8")
  int64_t until = 0;   ///< the ban holds while now < until
  std::string reason;  ///< "honeypot_path", "honeypot_field", "cli", …
};

class GuardStore {
 public:
  virtual ~GuardStore() = default;

  /// Bans `ip` until `until`; an existing ban of the same text gets the later end and `reason`.
  virtual void Ban(std::string_view ip, int64_t until, std::string_view reason) = 0;
  /// Lifts the ban of exactly this text; false when there was none.
  virtual bool Unban(std::string_view ip) = 0;
  /// Bans still in force at `now`, ordered by ip.
  virtual std::vector<IpBan> ActiveBans(int64_t now) = 0;

  /// Atomically adds `delta` (may be negative; the value never drops below 0) to the counter
  /// (kind, key, window_start) and returns its new value; the row may be purged after
  /// `expires_at`. Concurrent calls never lose an increment.
  virtual int64_t Increment(std::string_view kind, std::string_view key, int64_t window_start,
                            int64_t expires_at, int64_t delta = 1) = 0;
  /// Adds one unless the counter already reached `limit`: the new value, or nullopt (nothing
  /// changed) at the limit. Atomic like Increment, so concurrent callers never pass the limit.
  virtual std::optional<int64_t> IncrementBelow(std::string_view kind, std::string_view key,
                                                int64_t window_start, int64_t expires_at,
                                                int64_t limit) = 0;
  /// The counter's value (0 when absent).
  virtual int64_t Count(std::string_view kind, std::string_view key, int64_t window_start) = 0;
  /// Deletes every window of the counter (kind, key).
  virtual void Reset(std::string_view kind, std::string_view key) = 0;
  /// Deletes expired bans and counters in short transactions of at most 50 rows per table,
  /// until about `row_limit` rows went (so that millions of expired counters left by an attack
  /// never hold the writer for long). True when nothing expired is left.
  virtual bool PurgeExpired(int64_t now, int64_t row_limit) = 0;
};


}  // namespace dfauth::store
