#pragma once
// Request-rate throttling as DRF's SimpleRateThrottle does it: a sliding window of request
// timestamps per key, counted in this process's memory (interface.md: THROTTLE_ANON/USER).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dfauth/error.hpp"

namespace dfauth::http {

struct RateLimit {
  int64_t count = 0;
  int64_t period_seconds = 60;
  bool off = true;
};


/// The 429 `throttled` error with its Retry-After header for a wait of `seconds`.
ApiError ThrottledError(int64_t seconds);

class Throttle {
 public:
  using Clock = std::chrono::steady_clock;

  /// `max_keys` bounds memory: keys beyond it are not tracked (and so not throttled).
  explicit Throttle(std::size_t max_keys = 1'000'000);
  ~Throttle();

  /// Records a request for `key`: nullopt when allowed, else the whole seconds to wait (≥ 1).
  std::optional<int64_t> Hit(std::string_view key, const RateLimit& limit, Clock::time_point now);
  std::optional<int64_t> Hit(std::string_view key, const RateLimit& limit) {
    return Hit(key, limit, Clock::now());
  }
  /// Keys currently tracked (for tests and metrics).
  std::size_t KeyCount() const;

 private:
  struct Shard;
  static constexpr std::size_t kShards = 16;
  std::size_t max_keys_per_shard_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace dfauth::http
