#include <utility>  // Boost 1.74 Asio under C++20 needs std::exchange declared first

#include "http/server.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <charconv>
#include <array>
#include <atomic>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>
#include <typeinfo>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "dfauth/error.hpp"
#include "http/body.hpp"
#include "http/client_ip.hpp"
#include "http/envelope.hpp"
#include "http/metrics.hpp"
#include "http/wire.hpp"
#include "http/work_pool.hpp"
#include "text/json_string.hpp"
#include "text/timestamp.hpp"

namespace dfauth::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

constexpr std::size_t kDrainLimit = 1024 * 1024;
constexpr std::chrono::seconds kDrainTimeout{2};

// The access and error logs are one valid JSON line each, written like the guard's.
using text::AppendJsonString;
using text::UtcTimestamp;

void LogLine(const std::string& line) {
  // One fwrite per line: stdio locks the stream, so lines from many threads do not interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void LogError(std::string_view message) {
  std::string line = "{\"ts\":\"" + UtcTimestamp() + "\",\"level\":\"error\",\"msg\":";
  AppendJsonString(line, message);
  line += "}\n";
  LogLine(line);
}

std::string Demangle(const char* name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && demangled ? demangled : name;
  std::free(demangled);
  return out;
}

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",    "POST",    "PUT",  "PATCH",
                                                "DELETE", "OPTIONS", "HEAD"};
  for (std::string_view known : kKnown) {
    if (known == method) return known;
  }
  return "OTHER";  // bounded label cardinality whatever clients send
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

void ParseQuery(std::string_view query, std::multimap<std::string, std::string>& out) {
  for (auto& [key, value] : ParseUrlEncoded(query, true)) out.emplace(std::move(key), std::move(value));
}

struct ListenAddress {
  asio::ip::address address;
  uint16_t port = 0;
};

ListenAddress ParseListen(const std::string& listen) {
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("LISTEN must be host:port: " + listen);
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  ListenAddress out;
  boost::system::error_code ec;
  out.address = asio::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("LISTEN host is not an IP address: " + listen);
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoul(port_text) > 65535) {
    throw std::invalid_argument("LISTEN port is not a number in 0..65535: " + listen);
  }
  out.port = static_cast<uint16_t>(std::stoul(port_text));
  return out;
}

class Session;

/// What one I/O thread owns; touched only from that thread.
struct Context {
  asio::io_context io{1};
  std::optional<WorkGuard> guard;
  std::map<Session*, std::weak_ptr<Session>> sessions;

  /// Queues an access-log line: the lines of one turn of the event loop leave in one write
  /// (a system call per request cost more than the rest of the log line).
  void Log(std::string_view line) {
    log_buffer.append(line);
    if (log_buffer.size() >= kLogBufferLimit) return FlushLog();
    if (log_flush_posted) return;
    log_flush_posted = true;
    asio::post(io, [this] { FlushLog(); });
  }
  void FlushLog() {
    log_flush_posted = false;
    if (!log_buffer.empty()) LogLine(log_buffer);
    log_buffer.clear();
  }
  ~Context() { FlushLog(); }  // lines of a loop that stopped before its flush ran

 private:
  static constexpr std::size_t kLogBufferLimit = 64 * 1024;
  std::string log_buffer;
  bool log_flush_posted = false;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions opts, const Router& r, Authenticator auth, Metrics& m)
      : options(std::move(opts)),
        router(r),
        authenticator(std::move(auth)),
        metrics(m),
        proxies(options.trusted_proxies),
        default_pool("dfauth-worker", options.worker_threads, options.worker_queue_limit),
        hash_pool("dfauth-hash", options.hash_threads, options.hash_queue_limit),
        network_pool("dfauth-net", options.network_threads, options.network_queue_limit) {
    const int n = std::max(1, options.io_threads);
    for (int i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<Context>());
      contexts.back()->guard.emplace(asio::make_work_guard(contexts.back()->io));
    }
    acceptor.emplace(contexts[0]->io);
    signals.emplace(contexts[0]->io);
    allow_all_origins = std::find(options.cors_allowed_origins.begin(),
                                  options.cors_allowed_origins.end(),
                                  "*") != options.cors_allowed_origins.end();
    metrics.SetQueueDepthSource("default", [this] { return default_pool.QueueDepth(); });
    metrics.SetQueueDepthSource("hashing", [this] { return hash_pool.QueueDepth(); });
    metrics.SetQueueDepthSource("network", [this] { return network_pool.QueueDepth(); });
  }

  ~Impl() {
    metrics.SetQueueDepthSource("default", {});
    metrics.SetQueueDepthSource("hashing", {});
    metrics.SetQueueDepthSource("network", {});
    StopPools();
  }

  void StopPools() {
    default_pool.Stop();
    hash_pool.Stop();
    network_pool.Stop();
  }

  WorkPool& PoolFor(const Route* route) {
    switch (route ? route->options.pool : Pool::kDefault) {
      case Pool::kHashing: return hash_pool;
      case Pool::kNetwork: return network_pool;
      case Pool::kDefault: break;
    }
    return default_pool;
  }

  bool OriginAllowed(std::string_view origin) const {
    if (allow_all_origins) return true;
    return std::find(options.cors_allowed_origins.begin(), options.cors_allowed_origins.end(),
                     origin) != options.cors_allowed_origins.end();
  }

  void DoAccept();
  void CloseIdle(Context& context);

  ServerOptions options;
  const Router& router;
  Authenticator authenticator;
  Metrics& metrics;
  ProxyList proxies;
  Throttle throttle;
  bool allow_all_origins = false;
  WorkPool default_pool;
  WorkPool hash_pool;
  WorkPool network_pool;
  std::vector<std::unique_ptr<Context>> contexts;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::signal_set> signals;
  std::atomic<bool> stopping{false};
  std::size_t next_context = 0;  // used on contexts[0] only
};

namespace {

/// One connection: reads a request, has it answered on a pool, writes the response, repeats.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, Context& context, tcp::socket socket)
      : server_(server), context_(context), stream_(std::move(socket)) {
    boost::system::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ip_ = NormalizeIp(endpoint.address().to_string()).value_or("");
    auto local = stream_.socket().local_endpoint(ec);
    if (!ec) {
      local_host_ = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                            : local.address().to_string();
      local_host_ += ":" + std::to_string(local.port());
    }
  }

  void Start() {
    context_.sessions.emplace(this, weak_from_this());
    ReadRequest();
  }

  /// Shutdown: a connection waiting for a request is closed; one mid-request finishes it.
  void OnShutdown() {
    if (phase_ == Phase::kIdle) Close();
  }

 private:
  enum class Phase { kIdle, kHeader, kBody, kProcessing, kWriting, kClosing, kClosed };

  void ReadRequest() {
    if (server_.stopping) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    parser_->body_limit(server_.options.body_limit);
    request_ = Request{};
    match_ = RouteMatch{};
    cors_origin_.clear();
    if (buffer_.size() > 0) return ReadHeader();
    // Wait for the first byte apart so that an idle keep-alive connection can be told from a
    // request in progress (shutdown closes the former, finishes the latter).
    phase_ = Phase::kIdle;
    stream_.expires_after(first_request_ ? server_.options.header_timeout
                                         : server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    phase_ = Phase::kHeader;
    first_request_ = false;
    if (ParseBuffered()) return;
    stream_.expires_after(server_.options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  /// Parses what the buffer already holds; true when that settled the request (answered, or an
  /// error written). A small request usually arrives whole in one read: parsing it here spares
  /// the event-loop round trips of Beast's asynchronous read, which posts every step.
  bool ParseBuffered() {
    beast::error_code ec;
    parser_->eager(true);
    while (buffer_.size() > 0 && !parser_->is_done()) {
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) return false;  // the rest comes asynchronously
      if (ec) {
        OnReadError(ec);
        return true;
      }
      if (used == 0) return false;
    }
    if (!parser_->is_header_done()) return false;
    OnHeader({});  // done: answered; or waiting for the body (perhaps after 100 Continue)
    return true;
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return Process();
    auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      continue_.emplace(bhttp::status::continue_, 11);
      phase_ = Phase::kWriting;
      stream_.expires_after(server_.options.body_timeout);
      bhttp::async_write(stream_, *continue_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                           if (ec) return self->Close();
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    phase_ = Phase::kBody;
    stream_.expires_after(server_.options.body_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->OnReadError(ec);
          self->Process();
        });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return WriteFatal(ApiError(431, "headers_too_large", "Request headers are too large."));
    }
    if (ec == bhttp::error::body_limit) {
      return WriteFatal(ApiError(413, "request_too_large", "Request body is too large."));
    }
    if (&ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category() && ec != bhttp::error::end_of_stream &&
        ec != bhttp::error::partial_message) {
      return WriteFatal(ApiError(400, "parse_error", "Malformed HTTP request."));
    }
    Close();  // timeout, reset, end of stream, shutdown
  }

  /// Answers an error that leaves the connection unusable, then closes it.
  void WriteFatal(const ApiError& error) {
    started_ = SteadyClock::now();
    if (parser_) {
      // Filled once the request line parsed, even when a limit stopped the parser later.
      request_.method = std::string(parser_->get().method_string());
      std::string_view target = parser_->get().target();
      request_.path = std::string(target.substr(0, target.find('?')));
    }
    close_after_write_ = true;
    Write(ErrorResponse(error));
  }

  void Process() {
    phase_ = Phase::kProcessing;
    started_ = SteadyClock::now();
    stream_.expires_never();
    BuildRequest();
    if (auto origin = request_.Header("Origin"); origin && server_.OriginAllowed(*origin)) {
      cors_origin_ = std::string(*origin);
    }
    const bool preflight = request_.method == "OPTIONS" && request_.Header("Origin") &&
                           request_.Header("Access-Control-Request-Method");
    match_ = preflight ? RouteMatch{} : server_.router.Match(request_.method, request_.path);
    const bool has_pre_route = static_cast<bool>(server_.options.pre_route);
    if (!has_pre_route && preflight) return Write(PreflightResponse());
    if (!has_pre_route && !match_.path_found) return Write(ErrorResponse(errors::NotFound()));

    // One trip to a pool per request: the pre-route hook (it may read the database), then
    // authentication, throttling and the handler, all in one job.
    WorkPool& pool = server_.PoolFor(match_.route);
    auto self = shared_from_this();
    // The guard keeps this I/O thread's run() going while the job is away on the pool.
    auto guard = std::make_shared<WorkGuard>(asio::make_work_guard(context_.io));
    bool queued = pool.TrySubmit([self, guard, preflight] {
      Response response = self->Answer(preflight);
      asio::post(self->context_.io, [self, guard, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
    if (!queued) Write(ErrorResponse(errors::ServiceUnavailable()));
  }

  /// Runs on a pool: the pre-route hook, then the preflight, 404 or the route's pipeline.
  Response Answer(bool preflight) {
    if (server_.options.pre_route) {
      if (std::optional<Response> early = RunPreRoute()) return std::move(*early);
    }
    if (preflight) return PreflightResponse();
    if (!match_.path_found) return ErrorResponse(errors::NotFound());
    return Handle();
  }

  /// A preflight carries no credentials: answered without authentication (interface.md §3).
  Response PreflightResponse() const {
    Response response = Response::Empty(204);
    if (!cors_origin_.empty()) {
      response.headers = {{"Access-Control-Allow-Methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT"},
                          {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                          {"Access-Control-Max-Age", "86400"}};
    }
    return response;
  }

  /// Runs on the route's pool: the pre-route hook, its failures answered like a handler's.
  std::optional<Response> RunPreRoute() {
    try {
      return server_.options.pre_route(request_);
    } catch (const ApiError& error) {
      return ErrorResponse(error);
    } catch (const std::exception& e) {
      LogError("unhandled " + Demangle(typeid(e).name()) + " in pre-route hook");
      return ErrorResponse(ApiError(500, "server_error", "A server error occurred."));
    }
  }

  void BuildRequest() {
    auto& message = parser_->get();
    request_.method = std::string(message.method_string());
    request_.target = std::string(message.target());
    std::string_view target = request_.target;
    std::size_t question = target.find('?');
    request_.path = SanitizeUtf8(UrlDecode(target.substr(0, question), false));
    if (question != std::string_view::npos) ParseQuery(target.substr(question + 1), request_.query);
    for (const auto& field : message) {
      std::string name(field.name_string());
      auto [it, inserted] = request_.headers.emplace(name, std::string(field.value()));
      if (!inserted) {
        // Repeated headers are one comma-separated list (RFC 9110 §5.3).
        it->second += ", ";
        it->second += field.value();
      }
    }
    request_.body = std::move(message.body());
    request_.peer_ip = peer_ip_;
    request_.client_ip = ClientIp(peer_ip_, request_.Header("X-Forwarded-For"), server_.proxies);
    std::string scheme = "http";
    if (auto proto = request_.Header("X-Forwarded-Proto");
        proto && (*proto == "https" || *proto == "http") && server_.proxies.Contains(peer_ip_)) {
      scheme = std::string(*proto);
    }
    auto host = request_.Header("Host");
    request_.scheme_host = scheme + "://" + (host && !host->empty() ? std::string(*host) : local_host_);
  }

  /// Runs on a pool thread: authentication, throttling, permission, then the handler.
  Response Handle() {
    Server::Impl& server = server_;
    const Route* route = match_.route;
    try {
      const bool authenticate = server.authenticator && (route == nullptr || route->options.authenticate);
      request_.caller = authenticate ? server.authenticator(request_) : Caller{};
      const bool authenticated = request_.caller.Authenticated();
      std::optional<int64_t> wait =
          authenticated
              ? server.throttle.Hit("user:" + std::to_string(request_.caller.user_id),
                                    server.options.throttle_user)
              : server.throttle.Hit("anon:" + request_.client_ip, server.options.throttle_anon);
      if (wait) throw ThrottledError(*wait);
      if (route == nullptr) {
        // reference-contract §1.1: authorisation first, then 405.
        if (!authenticated && !match_.path_public) throw errors::NotAuthenticated();
        std::vector<std::string> allowed = match_.allowed_methods;
        if (std::find(allowed.begin(), allowed.end(), "OPTIONS") == allowed.end()) {
          allowed.push_back("OPTIONS");
        }
        if (request_.method == "OPTIONS") {
          Response response = Response::Json(200, "{}");
          response.headers.emplace_back("Allow", Join(allowed, ", "));
          return response;
        }
        Response response = ErrorResponse(errors::MethodNotAllowed(request_.method));
        response.headers.emplace_back("Allow", Join(allowed, ", "));
        return response;
      }
      if (route->options.auth_required && !authenticated) throw errors::NotAuthenticated();
      request_.path_params = match_.params;
      return route->handler(request_);
    } catch (const ApiError& error) {
      return ErrorResponse(error);
    } catch (const std::exception& e) {
      // The type says what broke; messages may carry request data, so they stay out of logs.
      LogError("unhandled " + Demangle(typeid(e).name()) + " on " +
               (route ? route->options.name : request_.method));
      return ErrorResponse(ApiError(500, "server_error", "A server error occurred."));
    } catch (...) {
      LogError("unhandled non-standard exception on " +
               (route ? route->options.name : request_.method));
      return ErrorResponse(ApiError(500, "server_error", "A server error occurred."));
    }
  }

  void Write(Response response) {
    phase_ = Phase::kWriting;
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    if (!response.content_type.empty()) {
      response_.set(bhttp::field::content_type, response.content_type);
    }
    for (auto& [name, value] : response.headers) response_.insert(name, value);
    if (!cors_origin_.empty()) {
      response_.set(bhttp::field::access_control_allow_origin, cors_origin_);
      response_.set(bhttp::field::vary, "Origin");
      response_.set(bhttp::field::access_control_allow_credentials, "true");
    }
    response_.body() = std::move(response.body);
    const bool keep_alive = !close_after_write_ && !server_.stopping && parser_ &&
                            parser_->is_done() && parser_->get().keep_alive();
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    AccessLog(response.status);

    stream_.expires_after(server_.options.body_timeout);  // a client that never reads is dropped
    head_ = ResponseHead(response_);
    const std::array<asio::const_buffer, 2> wire = {asio::buffer(head_), asio::buffer(response_.body())};
    asio::async_write(stream_, wire,
                       [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                         if (ec) return self->Close();
                         // After a fatal error the client may still be sending: drain so that
                         // the close does not reset the connection and lose the response.
                         if (self->close_after_write_) return self->DrainAndClose();
                         if (!keep_alive) return self->Close();
                         self->ReadRequest();
                       });
  }

  void AccessLog(int status) {
    const auto elapsed = SteadyClock::now() - started_;
    const double seconds = std::chrono::duration<double>(elapsed).count();
    const Route* route = match_.route ? match_.route : match_.path_route;
    server_.metrics.ObserveRequest(route ? std::string_view(route->options.name) : "unmatched",
                                   MethodLabel(request_.method), status, seconds);
    std::string line = "{\"ts\":\"" + UtcTimestamp() + "\",\"method\":";
    AppendJsonString(line, request_.method);
    line += ",\"path\":";
    AppendJsonString(line, route && route->options.log_pattern ? route->pattern : request_.path);
    line += ",\"status\":";
    line += std::to_string(status);
    line += ",\"duration_ms\":";
    // Milliseconds with three decimals, from whole microseconds (integer formatting is cheaper).
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    char digits[24];
    line.append(digits, std::to_chars(digits, digits + sizeof digits, micros / 1000).ptr);
    line += '.';
    const auto fraction = micros % 1000;
    line += static_cast<char>('0' + fraction / 100);
    line += static_cast<char>('0' + fraction / 10 % 10);
    line += static_cast<char>('0' + fraction % 10);
    line += ",\"user_id\":";
    line += request_.caller.Authenticated() ? std::to_string(request_.caller.user_id) : "null";
    line += ",\"ip\":";
    AppendJsonString(line, request_.client_ip.empty() ? peer_ip_ : request_.client_ip);
    line += "}\n";
    context_.Log(line);
  }

  /// Half-closes, then reads what the client still sends for a while before closing: closing
  /// with unread data would reset the connection and lose the response just written.
  void DrainAndClose() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosing;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    stream_.expires_after(kDrainTimeout);
    DrainSome();
  }

  void DrainSome() {
    stream_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kDrainLimit) return self->Close();
                              self->DrainSome();
                            });
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
    context_.sessions.erase(this);
  }

  Server::Impl& server_;
  Context& context_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  bhttp::response<bhttp::string_body> response_;
  std::string head_;  ///< response_'s head as written (wire.hpp)
  Request request_;
  RouteMatch match_;
  std::string peer_ip_;
  std::string local_host_ = "localhost";
  std::string cors_origin_;
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  bool close_after_write_ = false;
  SteadyClock::time_point started_ = SteadyClock::now();
  std::array<char, 4096> drain_{};
  std::size_t drained_ = 0;
};

}  // namespace

void Server::Impl::DoAccept() {
  Context& context = *contexts[next_context++ % contexts.size()];
  acceptor->async_accept(context.io, [this, &context](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      auto session = std::make_shared<Session>(*this, context, std::move(socket));
      asio::post(context.io, [session] { session->Start(); });
    }
    // Errors such as EMFILE concern one connection attempt; keep accepting the others.
    DoAccept();
  });
}

void Server::Impl::CloseIdle(Context& context) {
  // Copy first: closing a session erases it from the map.
  std::vector<std::shared_ptr<Session>> sessions;
  for (auto& [raw, weak] : context.sessions) {
    if (auto session = weak.lock()) sessions.push_back(std::move(session));
  }
  for (auto& session : sessions) session->OnShutdown();
  context.guard.reset();
}

Server::Server(ServerOptions options, const Router& router, Authenticator authenticator,
               Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(authenticator),
                                   metrics)) {}

Server::~Server() = default;

uint16_t Server::Bind() {
  ListenAddress listen = ParseListen(impl_->options.listen);
  tcp::endpoint endpoint(listen.address, listen.port);
  tcp::acceptor& acceptor = *impl_->acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  const uint16_t port = acceptor.local_endpoint().port();
  const std::string host = listen.address.is_v6() ? "[" + listen.address.to_string() + "]"
                                                   : listen.address.to_string();
  // The signals are taken before the line that tells a supervisor (or a test) that the server
  // is up: a SIGTERM sent right after it is a clean stop, never the default kill. Asio keeps a
  // signal that arrives before Run() waits for it.
  impl_->signals->add(SIGINT);
  impl_->signals->add(SIGTERM);
  std::fprintf(stderr, "listening on http://%s:%u\n", host.c_str(), static_cast<unsigned>(port));
  return port;
}

void Server::Run() {
  Impl& impl = *impl_;
  impl.signals->async_wait([this](const beast::error_code& ec, int) {
    if (!ec) Shutdown();
  });
  if (!impl.stopping) impl.DoAccept();

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl.contexts.size(); ++i) {
    threads.emplace_back([&impl, i] { impl.contexts[i]->io.run(); });
  }
  impl.contexts[0]->io.run();
  for (auto& thread : threads) thread.join();
  // Every job held a work guard until its response was posted back, so the pools are idle.
  impl.StopPools();
}

void Server::Shutdown() {
  Impl& impl = *impl_;
  if (impl.stopping.exchange(true)) return;
  asio::post(impl.contexts[0]->io, [&impl] {
    beast::error_code ec;
    impl.acceptor->close(ec);
    impl.signals->cancel(ec);
  });
  for (auto& context : impl.contexts) {
    Context* c = context.get();
    asio::post(c->io, [&impl, c] { impl.CloseIdle(*c); });
  }
}

}  // namespace dfauth::http
