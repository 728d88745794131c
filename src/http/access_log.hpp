#pragma once
// The server's two logs on stderr, one valid JSON line each (written like the guard's): the
// access log (a line per answered request, beside the request metrics) and the error log.
// Plain values only: the lines are built and tested without a connection.

#include <chrono>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "http/router.hpp"

namespace dfauth::http {

/// Writes `text` (whole lines) to stderr in one call, so that lines from many threads do not
/// interleave (stdio locks the stream per call).
void WriteLog(std::string_view text);

/// Writes an error line {"ts","level":"error","msg"}.
void LogError(std::string_view message);

/// The access-log line of an answered request, newline included: the route pattern replaces a
/// path that carries a secret, the user id is null for anonymous callers, and the address is
/// the client's (the peer's when the request never got that far).
std::string AccessLogLine(std::string_view timestamp, const Request& request,
                          const RouteMatch& match, int status,
                          std::chrono::microseconds elapsed);

/// The request metrics' labels: the matched route (or the first route of the path, for a method
/// it does not serve), else "unmatched"; the method, or "OTHER" for one df-auth never serves,
/// so that clients cannot grow the label set.
std::string_view RouteLabel(const RouteMatch& match);
std::string_view MethodLabel(std::string_view method);

/// Access-log lines of one turn of an event loop, written together: a system call per request
/// cost more than the rest of the line. Touched from one thread only.
class AccessLogBuffer {
 public:
  /// Queues `line`; true when the caller must schedule Flush (the first line since the last
  /// flush). A full buffer is flushed at once and asks for nothing.
  bool Append(std::string_view line);
  void Flush();
  ~AccessLogBuffer() { Flush(); }  // lines of a loop that stopped before its flush ran

 private:
  static constexpr std::size_t kLimit = 64 * 1024;
  std::string buffer_;
  bool flush_pending_ = false;
};

}  // namespace dfauth::http
