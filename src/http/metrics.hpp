#pragma once
// Prometheus metrics of the process (interface.md §3: GET /metrics). prometheus-cpp stays out
// of this header so that any area can count things through the small methods below.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace dfauth::http {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// The underlying registry, for metrics that need more than the helpers below.
  prometheus::Registry& Registry();

  /// Counts one answered request and observes its latency.
  void ObserveRequest(std::string_view route, std::string_view method, int status,
                      double seconds);
  /// Adds one to counter `name` (created on first use with `help`) for `labels`.
  void Increment(std::string_view name, std::string_view help,
                 const std::map<std::string, std::string>& labels);
  /// Reports `depth()` as dfauth_pool_queue_depth{pool} at each scrape; an empty function removes it.
  void SetQueueDepthSource(const std::string& pool, std::function<std::size_t()> depth);
  /// Reports `value()` as counter `name` (created with `help`) at each scrape, for counts kept
  /// elsewhere (the SQLite writer's units and commits).
  void SetCounterSource(const std::string& name, const std::string& help, std::function<double()> value);
  /// The Prometheus text exposition of every metric.
  std::string Serialize();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dfauth::http
