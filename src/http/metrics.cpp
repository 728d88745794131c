#include "http/metrics.hpp"

#include <mutex>
#include <unordered_map>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace dfauth::http {

struct Metrics::Impl {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("dfauth_http_requests_total")
          .Help("HTTP requests answered, by route, method and status")
          .Register(registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram()
          .Name("dfauth_http_request_duration_seconds")
          .Help("Time from a request read to its response ready, by route")
          .Register(registry);
  prometheus::Family<prometheus::Gauge>& queue_depth =
      prometheus::BuildGauge()
          .Name("dfauth_pool_queue_depth")
          .Help("Jobs waiting in a worker pool")
          .Register(registry);

  std::mutex mutex;  // guards the maps below; prometheus families lock themselves
  std::map<std::string, prometheus::Family<prometheus::Counter>*, std::less<>> counters;
  std::map<std::string, std::pair<std::function<std::size_t()>, prometheus::Gauge*>> depths;
  std::map<std::string, prometheus::Histogram*, std::less<>> latency_by_route;
  /// name → its source and the counter it is copied into at each scrape.
  std::map<std::string, std::pair<std::function<double()>, prometheus::Counter*>> counter_sources;
  /// "route method status" → its counter: the family's own lookup builds a label map per call.
  std::unordered_map<std::string, prometheus::Counter*> request_counters;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

prometheus::Registry& Metrics::Registry() { return impl_->registry; }

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                             double seconds) {
  std::string key;
  key.reserve(route.size() + method.size() + 5);
  key.append(route).append(1, ' ').append(method).append(1, ' ').append(std::to_string(status));
  prometheus::Counter* counter = nullptr;
  prometheus::Histogram* histogram = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    auto found = impl_->request_counters.find(key);
    if (found == impl_->request_counters.end()) {
      counter = &impl_->requests.Add({{"route", std::string(route)},
                                      {"method", std::string(method)},
                                      {"status", std::to_string(status)}});
      impl_->request_counters.emplace(std::move(key), counter);
    } else {
      counter = found->second;
    }
    auto it = impl_->latency_by_route.find(route);
    if (it == impl_->latency_by_route.end()) {
      static const prometheus::Histogram::BucketBoundaries kBuckets = {
          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
      histogram = &impl_->latency.Add({{"route", std::string(route)}}, kBuckets);
      impl_->latency_by_route.emplace(std::string(route), histogram);
    } else {
      histogram = it->second;
    }
  }
  counter->Increment();
  histogram->Observe(seconds);
}

void Metrics::Increment(std::string_view name, std::string_view help,
                        const std::map<std::string, std::string>& labels) {
  prometheus::Family<prometheus::Counter>* family = nullptr;
  {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->counters.find(name);
    if (it == impl_->counters.end()) {
      family = &prometheus::BuildCounter()
                    .Name(std::string(name))
                    .Help(std::string(help))
                    .Register(impl_->registry);
      impl_->counters.emplace(std::string(name), family);
    } else {
      family = it->second;
    }
  }
  family->Add(labels).Increment();
}

void Metrics::SetQueueDepthSource(const std::string& pool, std::function<std::size_t()> depth) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->depths.find(pool);
  if (!depth) {
    if (it != impl_->depths.end()) {
      impl_->queue_depth.Remove(it->second.second);
      impl_->depths.erase(it);
    }
    return;
  }
  if (it == impl_->depths.end()) {
    prometheus::Gauge* gauge = &impl_->queue_depth.Add({{"pool", pool}});
    impl_->depths.emplace(pool, std::make_pair(std::move(depth), gauge));
  } else {
    it->second.first = std::move(depth);
  }
}

void Metrics::SetCounterSource(const std::string& name, const std::string& help,
                               std::function<double()> value) {
  std::lock_guard lock(impl_->mutex);
  auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(impl_->registry);
  impl_->counter_sources[name] = {std::move(value), &family.Add({})};
}

std::string Metrics::Serialize() {
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& [pool, source] : impl_->depths) {
      source.second->Set(static_cast<double>(source.first()));
    }
    for (auto& [name, source] : impl_->counter_sources) {
      // A prometheus counter only grows: add what the source counted since the last scrape.
      const double delta = source.first() - source.second->Value();
      if (delta > 0) source.second->Increment(delta);
    }
  }
  return prometheus::TextSerializer().Serialize(impl_->registry.Collect());
}

}  // namespace dfauth::http
