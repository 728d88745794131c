#pragma once
// The HTTP/1.1 server: I/O threads parse and route, bounded pools run the handlers. The rules
// between request and response are pipeline.hpp's, a connection's steps session.cpp's; Beast
// and Asio stay out of this header.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"
#include "http/pipeline.hpp"
#include "http/router.hpp"
#include "http/throttle.hpp"

namespace dfauth::http {

class Metrics;

struct ServerOptions {
  /// IPv4:port, [IPv6]:port or localhost:port (net/listen_address.hpp); port 0 picks a free one
  std::string listen = "127.0.0.1:8000";
  int io_threads = 1;
  int worker_threads = 4;
  std::size_t worker_queue_limit = 1024;
  int hash_threads = 1;
  std::size_t hash_queue_limit = 64;
  int network_threads = 4;
  std::size_t network_queue_limit = 256;
  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 1024 * 1024;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds idle_timeout{75};
  /// Open connections; one accepted beyond it is answered 503 service_unavailable and closed.
  /// 0: no limit of its own (the open-file limit still applies: see open_files.hpp).
  std::size_t max_connections = 0;
  /// A request's deadline, from its last byte read: one still waiting for a pool when it passes
  /// is answered 503 service_unavailable without being run (dropped, not done late: its client
  /// has likely given up, and the work would only delay the requests behind it).
  std::chrono::milliseconds request_deadline{10'000};
  /// CORS, trusted proxies, throttles, the pre-route hook (the app wires the guard's IP
  /// blocklist and honeypot paths there, so that http needs no knowledge of them) and the
  /// translation of lower layers' errors: the pipeline's rules, as given.
  PipelineRules pipeline;
  /// Run on a worker (never an I/O thread: it may read files and the database) at each SIGHUP,
  /// while every connection stays open; empty: SIGHUP is not taken.
  std::function<void()> on_reload;
};

class Server {
 public:
  /// `router` and `metrics` must outlive the server. Throws std::invalid_argument for a bad
  /// trusted proxy; Bind throws it for a bad LISTEN.
  Server(ServerOptions options, const Router& router, Authenticator authenticator,
         Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds LISTEN and logs "listening on http://HOST:PORT" to stderr; returns the bound port.
  uint16_t Bind();
  /// Serves until Shutdown (or SIGTERM/SIGINT) has completed; call Bind first. A SIGHUP runs
  /// options.on_reload.
  void Run();
  /// Graceful stop from any thread: stop accepting, finish and write in-flight requests, close
  /// idle connections, then Run returns.
  void Shutdown();

 private:
  void WaitForSignal();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dfauth::http
