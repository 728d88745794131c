#pragma once
// One connection's steps, as in Beast's advanced server: wait for a request, read its header
// (answering 100 Continue), read its body, have the pipeline answer it on a pool, write the
// response, then read the next one or close. Internal to http (server.cpp and session.cpp):
// it includes Asio.

#include <utility>  // Boost 1.74 Asio under C++20 needs std::exchange declared first

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http/access_log.hpp"
#include "http/router.hpp"

namespace dfauth::http {

class Metrics;
class Pipeline;
class Session;
class WorkPool;
struct ServerOptions;

using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

/// What every connection of one server shares; it outlives them all.
struct SessionShared {
  const ServerOptions& options;  ///< limits and timeouts
  Pipeline& pipeline;
  Metrics& metrics;
  WorkPool& default_pool;
  WorkPool& hash_pool;
  WorkPool& network_pool;
  std::atomic<bool> stopping{false};  ///< set by Shutdown: finish the request, then close
  std::atomic<std::size_t> open_connections{0};  ///< sessions alive, on every I/O thread

  /// The pool that runs `route` (the default pool for a request without one).
  WorkPool& PoolFor(const Route* route) const;
};

/// What one I/O thread owns; touched only from that thread.
struct IoContext {
  boost::asio::io_context io{1};
  std::optional<WorkGuard> guard;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  AccessLogBuffer log;

  /// Queues an access-log line, written at the end of this turn of the event loop.
  void Log(std::string_view line);
};

/// Starts serving an accepted connection on `context`'s thread; over ServerOptions::
/// max_connections it is answered 503 service_unavailable and closed instead.
void StartSession(SessionShared& shared, IoContext& context, boost::asio::ip::tcp::socket socket);

/// Shutdown on `context`'s thread: connections waiting for a request close; one mid-request
/// finishes it first.
void CloseIdleSessions(IoContext& context);

}  // namespace dfauth::http
