#include "http/throttle.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace dfauth::http {

struct Throttle::Shard {
  struct Entry {
    std::deque<Clock::time_point> history;  // newest at the front, as DRF keeps it
    Clock::duration period{};
  };
  std::mutex mutex;
  std::unordered_map<std::string, Entry> entries;
  Clock::time_point next_sweep{};

  // Drops keys whose newest request is older than their window: they count nothing anymore.
  void Sweep(Clock::time_point now) {
    for (auto it = entries.begin(); it != entries.end();) {
      const Entry& e = it->second;
      if (e.history.empty() || e.history.front() <= now - e.period) {
        it = entries.erase(it);
      } else {
        ++it;
      }
    }
    next_sweep = now + std::chrono::seconds(60);
  }
};

ApiError ThrottledError(int64_t seconds) {
  return ApiError(429, "throttled",
                  "Request was throttled. Expected available in " + std::to_string(seconds) +
                      " seconds.")
      .WithHeader("Retry-After", std::to_string(seconds));
}

Throttle::Throttle(std::size_t max_keys)
    : max_keys_per_shard_(std::max<std::size_t>(1, max_keys / kShards)),
      shards_(new Shard[kShards]) {}

Throttle::~Throttle() = default;

std::optional<int64_t> Throttle::Hit(std::string_view key, const RateLimit& limit,
                                     Clock::time_point now) {
  if (limit.off) return std::nullopt;
  const Clock::duration period = std::chrono::seconds(limit.period_seconds);
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mutex);
  if (now >= shard.next_sweep) shard.Sweep(now);

  auto it = shard.entries.find(std::string(key));
  if (it == shard.entries.end()) {
    if (shard.entries.size() >= max_keys_per_shard_) {
      shard.Sweep(now);
      if (shard.entries.size() >= max_keys_per_shard_) return std::nullopt;  // fail open, bounded
    }
    it = shard.entries.emplace(std::string(key), Shard::Entry{}).first;
  }
  Shard::Entry& entry = it->second;
  entry.period = period;
  auto& history = entry.history;
  while (!history.empty() && history.back() <= now - period) history.pop_back();
  if (static_cast<int64_t>(history.size()) >= limit.count) {
    // DRF: wait = period - (now - oldest) / available, with available = 1 when throttled;
    // the client is told ceil(wait).
    Clock::duration remaining = history.empty() ? period : period - (now - history.back());
    using Fraction = std::chrono::duration<double>;
    double seconds = std::chrono::duration_cast<Fraction>(remaining).count();
    int64_t wait = static_cast<int64_t>(seconds);
    if (static_cast<double>(wait) < seconds) ++wait;
    return std::max<int64_t>(1, wait);
  }
  history.push_front(now);
  return std::nullopt;
}

std::size_t Throttle::KeyCount() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].entries.size();
  }
  return total;
}

}  // namespace dfauth::http
