#include "http/metrics.hpp"

#include <gtest/gtest.h>

namespace dfauth::http {
namespace {

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(MetricsTest, RequestsCountersHistogramAndQueueDepth) {
  Metrics metrics;
  metrics.ObserveRequest("/token/", "POST", 200, 0.002);
  metrics.ObserveRequest("/token/", "POST", 200, 0.004);
  metrics.Increment("dfauth_logins_total", "Logins", {{"method", "password"}, {"outcome", "ok"}});
  std::size_t depth = 3;
  metrics.SetQueueDepthSource("hashing", [&] { return depth; });
  std::string text = metrics.Serialize();
  EXPECT_TRUE(Has(text, "dfauth_http_requests_total{method=\"POST\",route=\"/token/\",status=\"200\"} 2"))
      << text;
  EXPECT_TRUE(Has(text, "dfauth_http_request_duration_seconds_count{route=\"/token/\"} 2")) << text;
  EXPECT_TRUE(Has(text, "dfauth_http_request_duration_seconds_bucket{route=\"/token/\",le=\"0.0025\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "dfauth_logins_total{method=\"password\",outcome=\"ok\"} 1")) << text;
  EXPECT_TRUE(Has(text, "dfauth_pool_queue_depth{pool=\"hashing\"} 3")) << text;
  metrics.SetQueueDepthSource("hashing", {});
  EXPECT_FALSE(Has(metrics.Serialize(), "pool=\"hashing\""));
}

// A counter kept elsewhere (the SQLite writer's commits) is copied in at each scrape.
TEST(MetricsTest, CounterSourceIsReadAtEachScrape) {
  Metrics metrics;
  double commits = 7;
  metrics.SetCounterSource("dfauth_sqlite_commits_total", "Commits", [&] { return commits; });
  EXPECT_TRUE(Has(metrics.Serialize(), "dfauth_sqlite_commits_total 7\n"));
  commits = 12;
  EXPECT_TRUE(Has(metrics.Serialize(), "dfauth_sqlite_commits_total 12\n"));
}

}  // namespace
}  // namespace dfauth::http
