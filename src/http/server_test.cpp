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
    options_.cors_allowed_origins = {"https://app.example"};
    options_.trusted_proxies = {"127.0.0.1/32"};
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

TEST_F(ServerTest, AuthorisationBeforeMethodNotAllowed) {
  Start();
  Client client(port_);
  auto anonymous = client.Request("PUT", "/api/private/");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->headers["WWW-Authenticate"], "Bearer realm=\"api\"");
  EXPECT_EQ(anonymous->body,
            R"({"errors":[{"message":"Authentication credentials were not provided.","code":"not_authenticated"}]})");

  auto authenticated = client.Request("PUT", "/api/private/", "Authorization: Bearer user-7\r\n");
  ASSERT_TRUE(authenticated);
  EXPECT_EQ(authenticated->status, 405);
  EXPECT_EQ(authenticated->body,
            R"({"errors":[{"message":"Method \"PUT\" not allowed.","code":"method_not_allowed"}]})");
  EXPECT_EQ(authenticated->headers["Allow"], "GET, POST, OPTIONS");

  auto public_path = client.Request("PUT", "/api/public/");
  ASSERT_TRUE(public_path);
  EXPECT_EQ(public_path->status, 405);

  auto options_private = client.Request("OPTIONS", "/api/private/");
  ASSERT_TRUE(options_private);
  EXPECT_EQ(options_private->status, 401);
  auto options_public = client.Request("OPTIONS", "/api/public/");
  ASSERT_TRUE(options_public);
  EXPECT_EQ(options_public->status, 200);
  EXPECT_EQ(options_public->body, "{}");
  EXPECT_EQ(options_public->headers["Allow"], "GET, OPTIONS");
}

TEST_F(ServerTest, AuthenticatedRouteAndBadToken) {
  Start();
  Client client(port_);
  auto ok = client.Request("GET", "/api/private/", "Authorization: Bearer user-42\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"user":42})");
  auto other_scheme = client.Request("GET", "/api/private/", "Authorization: Token x\r\n");
  ASSERT_TRUE(other_scheme);
  EXPECT_EQ(other_scheme->status, 401);
  auto bad = client.Request("GET", "/api/private/", "Authorization: Bearer bad\r\n");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(bad->body, R"({"errors":[{"message":"Token is invalid or expired","code":"token_not_valid"}]})");
}

TEST_F(ServerTest, HandlerExceptionIs500WithoutDetail) {
  Start();
  Client client(port_);
  auto r = client.Request("GET", "/api/boom/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, R"({"errors":[{"message":"A server error occurred.","code":"server_error"}]})");
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

TEST_F(ServerTest, PreflightIsAnsweredWithoutAuthentication) {
  Start();
  Client client(port_);
  auto r = client.Request("OPTIONS", "/api/private/",
                          "Origin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->headers["Access-Control-Allow-Origin"], "https://app.example");
  EXPECT_EQ(r->headers["Access-Control-Allow-Credentials"], "true");
  EXPECT_EQ(r->headers["Vary"], "Origin");
  EXPECT_EQ(r->headers["Access-Control-Allow-Headers"], "Authorization, Content-Type");
  EXPECT_EQ(r->headers["Access-Control-Allow-Methods"], "DELETE, GET, OPTIONS, PATCH, POST, PUT");
  EXPECT_EQ(r->headers["Access-Control-Max-Age"], "86400");
  EXPECT_EQ(r->body, "");

  auto foreign = client.Request("OPTIONS", "/api/private/",
                                "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 204);
  EXPECT_EQ(foreign->headers.count("Access-Control-Allow-Origin"), 0u);
  EXPECT_EQ(foreign->headers.count("Access-Control-Allow-Methods"), 0u);

  auto simple = client.Request("GET", "/api/public/", "Origin: https://app.example\r\n");
  ASSERT_TRUE(simple);
  EXPECT_EQ(simple->status, 200);
  EXPECT_EQ(simple->headers["Access-Control-Allow-Origin"], "https://app.example");
  EXPECT_EQ(simple->headers["Vary"], "Origin");
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

TEST_F(ServerTest, ThrottleAnswers429WithRetryAfter) {
  options_.throttle_anon = RateLimit{2, 60, false};
  options_.throttle_user = RateLimit{1, 3600, false};
  Start();
  Client client(port_);
  EXPECT_EQ(client.Request("GET", "/api/public/")->status, 200);
  EXPECT_EQ(client.Request("GET", "/api/public/")->status, 200);
  auto r = client.Request("GET", "/api/public/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->headers["Retry-After"], "60");
  EXPECT_EQ(r->body,
            R"({"errors":[{"message":"Request was throttled. Expected available in 60 seconds.","code":"throttled"}]})");
  // Another client address (through the trusted proxy) has its own budget; users are keyed by id.
  EXPECT_EQ(client.Request("GET", "/api/public/", "X-Forwarded-For: 198.51.100.8\r\n")->status, 200);
  EXPECT_EQ(client.Request("GET", "/api/private/", "Authorization: Bearer user-1\r\n")->status, 200);
  auto user = client.Request("GET", "/api/private/", "Authorization: Bearer user-1\r\n");
  EXPECT_EQ(user->status, 429);
  EXPECT_EQ(user->headers["Retry-After"], "3600");
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


TEST_F(ServerTest, PreRouteHookAnswersBeforeRoutingAndAuthentication) {
  std::atomic<int> calls{0};
  options_.pre_route = [&calls](const Request& r) -> std::optional<Response> {
    ++calls;
    // Seen on every request, unknown paths and preflights included, before authentication.
    EXPECT_FALSE(r.caller.Authenticated());
    if (r.path == "/blocked/" || r.path == "/api/private/" || r.method == "OPTIONS") {
      return Response::Json(403, R"({"blocked":")" + r.path + "\"}");
    }
    if (r.path == "/throws/") throw ApiError(418, "teapot", "short and stout");
    return std::nullopt;
  };
  Start();
  Client client(port_);
  auto blocked = client.Request("GET", "/blocked/");
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->status, 403);
  EXPECT_EQ(blocked->body, R"({"blocked":"/blocked/"})");
  // A protected route is answered by the hook before its 401 (with a bad token, before 401 too).
  auto private_route = client.Request("GET", "/api/private/", "Authorization: Bearer bad\r\n");
  ASSERT_TRUE(private_route);
  EXPECT_EQ(private_route->status, 403);
  auto preflight = client.Request("OPTIONS", "/api/public/",
                                  "Origin: https://app.example\r\nAccess-Control-Request-Method: GET\r\n");
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 403);
  EXPECT_EQ(preflight->headers["Access-Control-Allow-Origin"], "https://app.example");
  auto thrown = client.Request("GET", "/throws/");
  ASSERT_TRUE(thrown);
  EXPECT_EQ(thrown->status, 418);
  EXPECT_EQ(thrown->body, R"({"errors":[{"message":"short and stout","code":"teapot"}]})");
  // nullopt: routing goes on as without a hook.
  auto passed = client.Request("GET", "/api/public/");
  ASSERT_TRUE(passed);
  EXPECT_EQ(passed->status, 200);
  auto unknown = client.Request("GET", "/nope/");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto authenticated = client.Request("GET", "/api/private/?x", "Authorization: Bearer user-7\r\n");
  ASSERT_TRUE(authenticated);
  EXPECT_EQ(authenticated->status, 403);  // the hook sees the path without the query
  EXPECT_EQ(calls.load(), 7);
}

}  // namespace
}  // namespace dfauth::http
