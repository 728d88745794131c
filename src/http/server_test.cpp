#include "http/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "dfauth/error.hpp"
#include "http/metrics.hpp"

namespace dfauth::http {
namespace {

RouteOptions Public(Pool pool = Pool::kDefault) {
  RouteOptions options;
  options.auth_required = false;
  options.pool = pool;
  return options;
}

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
};

/// A blocking HTTP/1.1 client over a plain POSIX socket, enough to read our own responses.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ADD_FAILURE() << "connect failed";
    }
  }
  ~Client() { ::close(fd_); }

  void Send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  /// Reads one response; nullopt when the connection closed (or timed out) first.
  std::optional<RawResponse> Read() {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    RawResponse response;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    std::size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    response.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t eol = head.find("\r\n", pos);
      if (eol == std::string::npos) eol = head.size();
      std::string line = head.substr(pos, eol - pos);
      std::size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      response.headers[line.substr(0, colon)] = value;
      pos = eol + 2;
    }
    std::size_t length = 0;
    if (auto it = response.headers.find("Content-Length"); it != response.headers.end()) {
      length = std::stoul(it->second);
    }
    while (buffer_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

  /// True when the server closed the connection (EOF or reset) before the 5 s receive timeout.
  bool ClosedByPeer() {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  std::optional<RawResponse> Request(const std::string& method, const std::string& target,
                                     const std::string& extra_headers = "",
                                     const std::string& body = "") {
    Send(method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers +
         (body.empty() ? "" : "Content-Length: " + std::to_string(body.size()) + "\r\n") +
         "\r\n" + body);
    return Read();
  }

 private:
  bool Fill() {
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

/// "Bearer user-N" authenticates user N; "Bearer bad" is an invalid token.
Caller TestAuthenticator(const Request& request) {
  auto header = request.Header("Authorization");
  if (!header || header->rfind("Bearer ", 0) != 0) return Caller{};
  std::string_view token = header->substr(7);
  if (token.rfind("user-", 0) == 0) {
    Caller caller;
    caller.user_id = std::stoll(std::string(token.substr(5)));
    caller.jti = "jti";
    return caller;
  }
  throw errors::TokenNotValid();
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() {
    options_.listen = "127.0.0.1:0";
    options_.io_threads = 2;
    options_.worker_threads = 2;
    options_.hash_threads = 1;
    options_.pipeline.cors_allowed_origins = {"https://app.example"};
    options_.pipeline.trusted_proxies = {"127.0.0.1/32"};
    router_.Add("GET", "/api/public/", [](Request& r) {
      return Response::Json(200, R"({"ip":")" + r.client_ip + R"(","host":")" + r.scheme_host + "\"}");
    }, Public());
    router_.Add("GET", "/api/private/", [](Request& r) {
      return Response::Json(200, "{\"user\":" + std::to_string(r.caller.user_id) + "}");
    });
    router_.Add("POST", "/api/private/", [](Request&) { return Response::Json(201, "{}"); });
    router_.Add("GET", "/api/slow/", [](Request&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return Response::Json(200, R"({"slow":true})");
    }, Public());
    router_.Add("POST", "/api/echo/{name}/", [](Request& r) {
      return Response::Json(200, "{\"name\":\"" + r.path_params.at("name") + "\",\"size\":" +
                                     std::to_string(r.body.size()) + ",\"q\":\"" +
                                     std::string(r.QueryParam("q").value_or("")) + "\"}");
    }, Public(Pool::kHashing));
    router_.Add("GET", "/api/boom/", [](Request&) -> Response {
      throw std::runtime_error("secret detail");
    }, Public());
  }

  ~ServerTest() override { Stop(); }

  void Start() {
    server_ = std::make_unique<Server>(options_, router_, TestAuthenticator, metrics_);
    port_ = server_->Bind();
    thread_ = std::thread([this] { server_->Run(); });
  }

  void Stop() {
    if (!server_) return;
    server_->Shutdown();
    thread_.join();
    server_.reset();
  }

  ServerOptions options_;
  Router router_;
  Metrics metrics_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

TEST_F(ServerTest, UnknownPathIs404Envelope) {
  Start();
  Client client(port_);
  auto r = client.Request("GET", "/nope/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->headers["Content-Type"], "application/json");
  EXPECT_EQ(r->body, R"({"errors":[{"message":"Not found.","code":"not_found"}]})");
}

// The rules are pipeline_test.cpp's; this checks that their answers reach the wire whole.
TEST_F(ServerTest, PipelineAnswersReachTheWire) {
  Start();
  Client client(port_);
  auto preflight = client.Request("OPTIONS", "/api/private/",
                                  "Origin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n");
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->headers["Access-Control-Allow-Origin"], "https://app.example");
  EXPECT_EQ(preflight->headers["Access-Control-Allow-Credentials"], "true");
  EXPECT_EQ(preflight->headers["Vary"], "Origin");
  EXPECT_EQ(preflight->headers["Access-Control-Allow-Methods"], "DELETE, GET, OPTIONS, PATCH, POST, PUT");
  EXPECT_EQ(preflight->headers.count("Content-Type"), 0u);
  EXPECT_EQ(preflight->body, "");

  auto anonymous = client.Request("PUT", "/api/private/");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->headers["WWW-Authenticate"], "Bearer realm=\"api\"");
  auto authenticated = client.Request("PUT", "/api/private/", "Authorization: Bearer user-7\r\n");
  ASSERT_TRUE(authenticated);
  EXPECT_EQ(authenticated->status, 405);
  EXPECT_EQ(authenticated->headers["Allow"], "GET, POST, OPTIONS");
  auto ok = client.Request("GET", "/api/private/", "Authorization: Bearer user-42\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, R"({"user":42})");
  auto boom = client.Request("GET", "/api/boom/");
  ASSERT_TRUE(boom);
  EXPECT_EQ(boom->status, 500);
  EXPECT_EQ(boom->body, R"({"errors":[{"message":"A server error occurred.","code":"server_error"}]})");
}

TEST_F(ServerTest, PreRouteHookRunsForEveryRequest) {
  std::atomic<int> calls{0};
  options_.pipeline.pre_route = [&calls](const Request& r) -> std::optional<Response> {
    ++calls;
    if (r.path == "/blocked/" || r.method == "OPTIONS") return Response::Json(403, "{}");
    return std::nullopt;
  };
  Start();
  Client client(port_);
  EXPECT_EQ(client.Request("GET", "/blocked/")->status, 403);
  auto preflight = client.Request("OPTIONS", "/api/public/",
                                  "Origin: https://app.example\r\nAccess-Control-Request-Method: GET\r\n");
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 403);
  EXPECT_EQ(preflight->headers["Access-Control-Allow-Origin"], "https://app.example");
  EXPECT_EQ(client.Request("GET", "/nope/")->status, 404);
  EXPECT_EQ(client.Request("GET", "/api/public/")->status, 200);
  EXPECT_EQ(calls.load(), 4);
}

TEST_F(ServerTest, BadListenIsRefusedByBind) {
  options_.listen = "auth-1.internal:443";
  Server server(options_, router_, TestAuthenticator, metrics_);
  try {
    server.Bind();
    ADD_FAILURE() << "bound";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "LISTEN: \"auth-1.internal:443\": the host must be an IPv4 address, [IPv6] or "
              "localhost (names are not resolved)");
  }
}

TEST_F(ServerTest, PathParamsQueryAndBodyReachTheHandler) {
  Start();
  Client client(port_);
  auto r = client.Request("POST", "/api/echo/al%69ce/?q=a+b%21", "", "hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"name":"alice","size":5,"q":"a b!"})");
}

TEST_F(ServerTest, BodyOverLimitIs413AndCloses) {
  Start();
  Client client(port_);
  client.Send("POST /api/echo/x/ HTTP/1.1\r\nHost: test\r\nContent-Length: 2000000\r\n\r\n");
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, R"({"errors":[{"message":"Request body is too large.","code":"request_too_large"}]})");
  EXPECT_EQ(r->headers["Connection"], "close");
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  Start();
  Client client(port_);
  std::string chunk(64 * 1024, 'a');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  client.Send("POST /api/echo/x/ HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 17; ++i) client.Send(size_line + chunk + "\r\n");
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, HeadersOverLimitAre431) {
  Start();
  Client client(port_);
  auto r = client.Request("GET", "/api/public/", "X-Big: " + std::string(17 * 1024, 'x') + "\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->body, R"({"errors":[{"message":"Request headers are too large.","code":"headers_too_large"}]})");
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  Start();
  Client client(port_);
  auto first = client.Request("GET", "/api/public/");
  auto second = client.Request("GET", "/api/public/", "X-Forwarded-For: 198.51.100.7\r\n");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, R"({"ip":"127.0.0.1","host":"http://test"})");
  // The peer 127.0.0.1 is a trusted proxy here, so its X-Forwarded-For is believed.
  EXPECT_EQ(second->body, R"({"ip":"198.51.100.7","host":"http://test"})");
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  Client client(port_);
  client.Send("GET /api/slow/ HTTP/1.1\r\nHost: test\r\n\r\n"
              "GET /api/public/ HTTP/1.1\r\nHost: test\r\n\r\n");
  auto first = client.Read();
  auto second = client.Read();
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->body, R"({"slow":true})");
  EXPECT_EQ(second->body, R"({"ip":"127.0.0.1","host":"http://test"})");
}

TEST_F(ServerTest, ExpectContinueGetsInterimResponse) {
  Start();
  Client client(port_);
  client.Send("POST /api/echo/x/ HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\n"
              "Content-Length: 3\r\n\r\n");
  auto interim = client.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  client.Send("abc");
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"name":"x","size":3,"q":""})");
}

TEST_F(ServerTest, FullQueueIs503) {
  options_.worker_queue_limit = 0;
  Start();
  Client client(port_);
  auto r = client.Request("GET", "/api/public/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body,
            R"({"errors":[{"message":"Service temporarily unavailable, try again later.","code":"service_unavailable"}]})");
}

// One worker busy for 300 ms: the request queued behind it is past its 100 ms deadline when
// the worker gets to it, so it is answered 503 and never run; the next one is served.
TEST_F(ServerTest, RequestStillQueuedAtItsDeadlineIsDroppedNotRun) {
  options_.worker_threads = 1;
  options_.request_deadline = std::chrono::milliseconds(100);
  std::atomic<int> runs{0};
  router_.Add("GET", "/api/count/", [&runs](Request&) {
    ++runs;
    return Response::Json(200, "{}");
  }, Public());
  Start();
  Client slow(port_);
  Client queued(port_);
  slow.Send("GET /api/slow/ HTTP/1.1\r\nHost: test\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  queued.Send("GET /api/count/ HTTP/1.1\r\nHost: test\r\n\r\n");
  auto late = queued.Read();
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 503);
  EXPECT_EQ(runs.load(), 0);
  EXPECT_EQ(slow.Read()->status, 200);
  EXPECT_EQ(queued.Request("GET", "/api/count/")->status, 200);
  EXPECT_EQ(runs.load(), 1);
}

TEST_F(ServerTest, SlowHeaderClientIsDropped) {
  options_.header_timeout = std::chrono::seconds(1);
  Start();
  Client client(port_);
  client.Send("GET /api/public/ HTTP/1.1\r\nHost: te");
  // Dropped after 1 s; the client's own receive timeout is 5 s.
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST_F(ServerTest, ShutdownLetsInFlightRequestFinish) {
  Start();
  Client client(port_);
  Client idle(port_);
  ASSERT_EQ(idle.Request("GET", "/api/public/")->status, 200);  // now an idle keep-alive
  client.Send("GET /api/slow/ HTTP/1.1\r\nHost: test\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server_->Shutdown();
  auto r = client.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"slow":true})");
  EXPECT_EQ(r->headers["Connection"], "close");
  EXPECT_TRUE(idle.ClosedByPeer());
  thread_.join();  // Run returned
  server_.reset();
}

TEST_F(ServerTest, MetricsCountRequestsByRoute) {
  Start();
  Client client(port_);
  client.Request("GET", "/api/public/");
  client.Request("GET", "/nope/");
  Stop();
  std::string text = metrics_.Serialize();
  EXPECT_NE(text.find("dfauth_http_requests_total{method=\"GET\",route=\"/api/public/\",status=\"200\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("dfauth_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace dfauth::http
