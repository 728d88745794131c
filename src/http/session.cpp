#include "http/session.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "dfauth/error.hpp"
#include "http/client_ip.hpp"
#include "http/envelope.hpp"
#include "http/metrics.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"
#include "http/wire.hpp"
#include "http/work_pool.hpp"
#include "text/timestamp.hpp"

namespace dfauth::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kDrainLimit = 1024 * 1024;
constexpr std::chrono::seconds kDrainTimeout{2};

std::string HostPort(const tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace

WorkPool& SessionShared::PoolFor(const Route* route) const {
  switch (route ? route->options.pool : Pool::kDefault) {
    case Pool::kHashing: return hash_pool;
    case Pool::kNetwork: return network_pool;
    case Pool::kDefault: break;
  }
  return default_pool;
}

void IoContext::Log(std::string_view line) {
  if (log.Append(line)) asio::post(io, [this] { log.Flush(); });
}

/// One connection: reads a request, has it answered on a pool, writes the response, repeats.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(SessionShared& shared, IoContext& context, tcp::socket socket)
      : shared_(shared), context_(context), stream_(std::move(socket)) {
    ++shared_.open_connections;
    boost::system::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ip_ = NormalizeIp(endpoint.address().to_string()).value_or("");
    auto local = stream_.socket().local_endpoint(ec);
    if (!ec) local_host_ = HostPort(local);
  }

  ~Session() { --shared_.open_connections; }

  void Start() {
    context_.sessions.emplace(this, weak_from_this());
    ReadRequest();
  }

  /// Over HTTP_MAX_CONNECTIONS: 503 at once, then the close (a limit answered, not a hang).
  void Refuse() {
    context_.sessions.emplace(this, weak_from_this());
    parser_.reset();
    WriteFatal(errors::ServiceUnavailable());
  }

  /// Shutdown: a connection waiting for a request is closed; one mid-request finishes it.
  void OnShutdown() {
    if (phase_ == Phase::kIdle) Close();
  }

 private:
  enum class Phase { kIdle, kHeader, kBody, kProcessing, kWriting, kClosing, kClosed };

  const ServerOptions& Options() const { return shared_.options; }

  void ReadRequest() {
    if (shared_.stopping) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(Options().header_limit));
    parser_->body_limit(Options().body_limit);
    request_ = Request{};
    request_.peer_ip = peer_ip_;  // for the access log of a request that fails to parse
    routing_ = Routing{};
    if (buffer_.size() > 0) return ReadHeader();
    // Wait for the first byte apart so that an idle keep-alive connection can be told from a
    // request in progress (shutdown closes the former, finishes the latter).
    phase_ = Phase::kIdle;
    stream_.expires_after(first_request_ ? Options().header_timeout : Options().idle_timeout);
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
    // One deadline for the whole header, however it trickles in (slowloris).
    stream_.expires_after(Options().header_timeout);
    ContinueHeader();
  }

  /// Parses what is buffered, then reads more until the header is in. Read by hand rather than
  /// with Beast's async_read_header so that the raw header bytes are seen before the parser
  /// joins folded lines (HasObsFold).
  void ContinueHeader() {
    if (ParseBuffered()) return;
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->Close();  // timeout, reset, end of stream
                              self->buffer_.commit(n);
                              self->ContinueHeader();
                            });
  }

  /// Parses what the buffer already holds; true when that settled the request (answered, or an
  /// error written). A small request usually arrives whole in one read: parsing it here spares
  /// the event-loop round trips of Beast's asynchronous read, which posts every step.
  bool ParseBuffered() {
    beast::error_code ec;
    parser_->eager(true);
    while (buffer_.size() > 0 && !parser_->is_done()) {
      if (!parser_->is_header_done() &&
          HasObsFold({static_cast<const char*>(buffer_.data().data()), buffer_.size()})) {
        OnReadError(bhttp::error::bad_field);
        return true;
      }
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) break;  // the rest comes asynchronously
      if (ec) {
        OnReadError(ec);
        return true;
      }
      if (used == 0) break;
    }
    if (!parser_->is_header_done()) return false;
    OnHeader({});  // done: answered; or waiting for the body (perhaps after 100 Continue)
    return true;
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    if (AmbiguousFraming(parser_->get())) return OnReadError(bhttp::error::bad_transfer_encoding);
    if (parser_->is_done()) return Process();
    auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      continue_.emplace(bhttp::status::continue_, 11);
      phase_ = Phase::kWriting;
      stream_.expires_after(Options().body_timeout);
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
    stream_.expires_after(Options().body_timeout);
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
    if (&ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
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
    routing_ = shared_.pipeline.Match(request_);
    if (auto answer = shared_.pipeline.AnswerWithoutPool(routing_)) return Write(std::move(*answer));

    // One trip to a pool per request: the pre-route hook (it may read the database), then
    // authentication, throttling and the handler, all in one job.
    WorkPool& pool = shared_.PoolFor(routing_.match.route);
    auto self = shared_from_this();
    // The guard keeps this I/O thread's run() going while the job is away on the pool.
    auto guard = std::make_shared<WorkGuard>(asio::make_work_guard(context_.io));
    bool queued = pool.TrySubmit([self, guard] {
      const bool late = SteadyClock::now() - self->started_ > self->Options().request_deadline;
      Response response = late ? ErrorResponse(errors::ServiceUnavailable())
                               : self->shared_.pipeline.Answer(self->request_, self->routing_);
      asio::post(self->context_.io, [self, guard, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    });
    if (!queued) Write(ErrorResponse(errors::ServiceUnavailable()));
  }

  void BuildRequest() {
    auto& message = parser_->get();
    request_.method = std::string(message.method_string());
    SetTarget(request_, std::string(message.target()));
    for (const auto& field : message) AddHeader(request_, field.name_string(), field.value());
    request_.body = std::move(message.body());
    shared_.pipeline.SetPeer(request_, peer_ip_, local_host_);
  }

  void Write(Response response) {
    phase_ = Phase::kWriting;
    Pipeline::AddCorsHeaders(response, routing_);
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    if (!response.content_type.empty()) {
      response_.set(bhttp::field::content_type, response.content_type);
    }
    for (auto& [name, value] : response.headers) response_.insert(name, value);
    response_.body() = std::move(response.body);
    const bool keep_alive = !close_after_write_ && !shared_.stopping && parser_ &&
                            parser_->is_done() && parser_->get().keep_alive();
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    AccessLog(response.status);

    stream_.expires_after(Options().body_timeout);  // a client that never reads is dropped
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
    shared_.metrics.ObserveRequest(RouteLabel(routing_.match), MethodLabel(request_.method), status,
                                   std::chrono::duration<double>(elapsed).count());
    context_.Log(AccessLogLine(text::UtcTimestamp(), request_, routing_.match, status,
                               std::chrono::duration_cast<std::chrono::microseconds>(elapsed)));
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
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(4096),
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

  SessionShared& shared_;
  IoContext& context_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  bhttp::response<bhttp::string_body> response_;
  std::string head_;  ///< response_'s head as written (wire.hpp)
  Request request_;
  Routing routing_;
  std::string peer_ip_;
  std::string local_host_ = "localhost";
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  bool close_after_write_ = false;
  SteadyClock::time_point started_ = SteadyClock::now();
  std::size_t drained_ = 0;
};

void StartSession(SessionShared& shared, IoContext& context, tcp::socket socket) {
  const std::size_t limit = shared.options.max_connections;
  const bool refuse = limit > 0 && shared.open_connections.load() >= limit;
  auto session = std::make_shared<Session>(shared, context, std::move(socket));
  if (refuse) {
    asio::post(context.io, [session] { session->Refuse(); });
  } else {
    asio::post(context.io, [session] { session->Start(); });
  }
}

void CloseIdleSessions(IoContext& context) {
  // Copy first: closing a session erases it from the map.
  std::vector<std::shared_ptr<Session>> sessions;
  for (auto& [raw, weak] : context.sessions) {
    if (auto session = weak.lock()) sessions.push_back(std::move(session));
  }
  for (auto& session : sessions) session->OnShutdown();
}

}  // namespace dfauth::http
