#include "http/access_log.hpp"

#include <gtest/gtest.h>

namespace dfauth::http {
namespace {

using std::chrono::microseconds;

class AccessLogTest : public ::testing::Test {
 protected:
  AccessLogTest() {
    RouteOptions secret;
    secret.log_pattern = true;
    router_.Add("GET", "/api/users/{id}/", [](Request&) { return Response::Json(200, "{}"); });
    router_.Add("GET", "/api/magic/{code}/", [](Request&) { return Response::Json(200, "{}"); },
                secret);
    request_.method = "GET";
    request_.peer_ip = "10.0.0.1";
    request_.client_ip = "198.51.100.7";
  }

  Router router_;
  Request request_;
};

TEST_F(AccessLogTest, LineOfAnAuthenticatedRequest) {
  request_.path = "/api/users/7/";
  request_.caller.user_id = 7;
  RouteMatch match = router_.Match("GET", request_.path);
  EXPECT_EQ(AccessLogLine("2026-01-02T03:04:05.678Z", request_, match, 200, microseconds(12345)),
            "{\"ts\":\"2026-01-02T03:04:05.678Z\",\"method\":\"GET\",\"path\":\"/api/users/7/\","
            "\"status\":200,\"duration_ms\":12.345,\"user_id\":7,\"ip\":\"198.51.100.7\"}\n");
}

TEST_F(AccessLogTest, SecretPathIsLoggedAsItsPattern) {
  request_.path = "/api/magic/s3cr3t/";
  RouteMatch match = router_.Match("GET", request_.path);
  EXPECT_EQ(AccessLogLine("T", request_, match, 200, microseconds(5)),
            "{\"ts\":\"T\",\"method\":\"GET\",\"path\":\"/api/magic/{code}/\",\"status\":200,"
            "\"duration_ms\":0.005,\"user_id\":null,\"ip\":\"198.51.100.7\"}\n");
  // A method the route does not serve is logged by the path's first route too.
  request_.method = "DELETE";
  EXPECT_EQ(AccessLogLine("T", request_, router_.Match("DELETE", request_.path), 405,
                          microseconds(1000)),
            "{\"ts\":\"T\",\"method\":\"DELETE\",\"path\":\"/api/magic/{code}/\",\"status\":405,"
            "\"duration_ms\":1.000,\"user_id\":null,\"ip\":\"198.51.100.7\"}\n");
}

TEST_F(AccessLogTest, UnparsedRequestShowsThePeerAndEscapesText) {
  Request request;
  request.method = "G\"T";
  request.path = "/a\\b";
  request.peer_ip = "10.0.0.1";
  EXPECT_EQ(AccessLogLine("T", request, RouteMatch{}, 413, microseconds(1234567)),
            "{\"ts\":\"T\",\"method\":\"G\\\"T\",\"path\":\"/a\\\\b\",\"status\":413,"
            "\"duration_ms\":1234.567,\"user_id\":null,\"ip\":\"10.0.0.1\"}\n");
}

TEST_F(AccessLogTest, MetricLabels) {
  EXPECT_EQ(RouteLabel(router_.Match("GET", "/api/users/7/")), "/api/users/{id}/");
  EXPECT_EQ(RouteLabel(router_.Match("PUT", "/api/users/7/")), "/api/users/{id}/");
  EXPECT_EQ(RouteLabel(router_.Match("GET", "/nope/")), "unmatched");
  EXPECT_EQ(MethodLabel("PATCH"), "PATCH");
  EXPECT_EQ(MethodLabel("BREW"), "OTHER");
  EXPECT_EQ(MethodLabel("get"), "OTHER");
}

TEST(AccessLogBufferTest, AsksForOneFlushPerBatch) {
  AccessLogBuffer buffer;
  testing::internal::CaptureStderr();
  EXPECT_TRUE(buffer.Append("a\n"));
  EXPECT_FALSE(buffer.Append("b\n"));
  buffer.Flush();
  EXPECT_TRUE(buffer.Append("c\n"));
  buffer.Flush();
  buffer.Flush();  // nothing queued: writes nothing
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "a\nb\nc\n");
}

TEST(AccessLogBufferTest, FullBufferIsWrittenAtOnce) {
  AccessLogBuffer buffer;
  const std::string line(64 * 1024, 'x');
  testing::internal::CaptureStderr();
  EXPECT_TRUE(buffer.Append("a\n"));
  EXPECT_FALSE(buffer.Append(line));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "a\n" + line);
  testing::internal::CaptureStderr();
  EXPECT_TRUE(buffer.Append("b\n"));  // the flush asked for before may have been dropped
  buffer.Flush();
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "b\n");
}

}  // namespace
}  // namespace dfauth::http
