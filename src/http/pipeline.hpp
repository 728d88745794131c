#pragma once
// The product rules between a parsed request and its response, on plain values (no socket,
// no Beast): who the client is, CORS, the pre-route hook, 404, authentication, throttling,
// 401 before 405, the handler and its failures. session.cpp runs these steps around the
// connection's reads and writes; tests run them directly.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dfauth/error.hpp"
#include "http/client_ip.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "http/throttle.hpp"

namespace dfauth::http {

/// The caller of a request from `Authorization: Bearer …`: anonymous when absent or another
/// scheme; throws ApiError for a bad token. Runs on a pool thread (it may block).
using Authenticator = std::function<Caller(const Request&)>;

/// Runs for every request before routing and authentication; a response it returns is the
/// answer, nullopt lets the request continue (ServerOptions::pre_route).
using PreRouteHook = std::function<std::optional<Response>(const Request&)>;

struct PipelineRules {
  std::vector<std::string> cors_allowed_origins;  ///< "*" allows every origin
  std::vector<std::string> trusted_proxies;       ///< CIDRs whose X-Forwarded-* are believed
  RateLimit throttle_anon;                        ///< keyed by client IP
  RateLimit throttle_user;                        ///< keyed by user id
  PreRouteHook pre_route;
  /// The answer for an exception a lower layer threw that is not an ApiError (the api layer
  /// maps the store's to 503); nullopt, or empty: a 500 and the type in the error log.
  std::function<std::optional<ApiError>(const std::exception&)> translate_error;
  /// Told the type of every unhandled exception; empty: the error log (access_log.hpp).
  std::function<void(std::string_view)> log_error;
};

/// What the first step learnt about a request, for the later ones.
struct Routing {
  RouteMatch match;
  bool preflight = false;   ///< a CORS preflight: answered without authentication
  std::string cors_origin;  ///< the request's Origin when allowed; empty otherwise
};

class Pipeline {
 public:
  /// `router` must outlive the pipeline. Throws std::invalid_argument for a bad proxy CIDR.
  Pipeline(PipelineRules rules, const Router& router, Authenticator authenticator);

  /// Sets peer_ip, client_ip (X-Forwarded-For through trusted proxies) and scheme_host (Host,
  /// else `local_host`; https when a trusted proxy says so). Call once the headers are in.
  void SetPeer(Request& request, std::string peer_ip, std::string_view local_host) const;

  /// Step 1, on the I/O thread (never blocks): the CORS origin, preflight, the route match.
  Routing Match(const Request& request) const;
  /// The answer when no pool is needed: a preflight or an unknown path, unless a pre-route
  /// hook must see them first (it may block).
  std::optional<Response> AnswerWithoutPool(const Routing& routing) const;
  /// Step 2, on the route's pool (may block): the hook, then the preflight, 404 or the route.
  Response Answer(Request& request, const Routing& routing);
  /// Step 3, on every response of a routed request: the CORS headers for an allowed origin.
  static void AddCorsHeaders(Response& response, const Routing& routing);

  /// The three steps in a row, as a connection runs them minus the trip to the pool.
  Response Run(Request& request);

 private:
  std::optional<Response> RunPreRoute(const Request& request) const;
  Response Handle(Request& request, const RouteMatch& match);
  Response MethodNotServed(const Request& request, const RouteMatch& match) const;
  Response Unhandled(const std::exception* error, const std::string& what) const;
  /// The error's envelope; its log detail, when it has one, goes to the error log.
  Response Answered(const ApiError& error) const;
  bool OriginAllowed(std::string_view origin) const;

  PipelineRules rules_;
  const Router& router_;
  Authenticator authenticator_;
  ProxyList proxies_;
  Throttle throttle_;
  bool allow_all_origins_ = false;
};

/// Sets target, path (percent-decoded, invalid UTF-8 replaced) and query from the request
/// target as received.
void SetTarget(Request& request, std::string target);

/// Adds a received header field; a repeated name joins one comma-separated list (RFC 9110 §5.3).
void AddHeader(Request& request, std::string_view name, std::string_view value);

}  // namespace dfauth::http
