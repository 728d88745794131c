#include "http/pipeline.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <typeinfo>

#include "dfauth/error.hpp"
#include "http/access_log.hpp"
#include "http/envelope.hpp"
#include "http/text.hpp"

namespace dfauth::http {
namespace {

std::string Demangle(const char* name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && demangled ? demangled : name;
  std::free(demangled);
  return out;
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

bool SameName(std::string_view a, std::string_view b) {
  CaseInsensitiveLess less;
  return !less(a, b) && !less(b, a);
}

/// Replaces every field named `name` (any case) with one at the end, as Beast's set() does:
/// a handler's own value of a CORS header never goes out twice.
void SetHeader(Response& response, std::string_view name, std::string value) {
  std::erase_if(response.headers, [name](const auto& field) { return SameName(field.first, name); });
  response.headers.emplace_back(std::string(name), std::move(value));
}

/// A preflight carries no credentials: answered without authentication (interface.md §3).
Response PreflightResponse(const Routing& routing) {
  Response response = Response::Empty(204);
  if (!routing.cors_origin.empty()) {
    response.headers = {{"Access-Control-Allow-Methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT"},
                        {"Access-Control-Allow-Headers", "Authorization, Content-Type"},
                        {"Access-Control-Max-Age", "86400"}};
  }
  return response;
}

/// The answers that need neither the hook's verdict nor a route.
std::optional<Response> Settled(const Routing& routing) {
  if (routing.preflight) return PreflightResponse(routing);
  if (!routing.match.path_found) return ErrorResponse(errors::NotFound());
  return std::nullopt;
}

}  // namespace

void SetTarget(Request& request, std::string target) {
  request.target = std::move(target);
  std::string_view view = request.target;
  const std::size_t question = view.find('?');
  request.path = SanitizeUtf8(UrlDecode(view.substr(0, question), false));
  if (question == std::string_view::npos) return;
  for (auto& [key, value] : ParseUrlEncoded(view.substr(question + 1), true)) {
    request.query.emplace(std::move(key), std::move(value));
  }
}

void AddHeader(Request& request, std::string_view name, std::string_view value) {
  auto [it, inserted] = request.headers.emplace(std::string(name), std::string(value));
  if (inserted) return;
  it->second += ", ";
  it->second += value;
}

Pipeline::Pipeline(PipelineRules rules, const Router& router, Authenticator authenticator)
    : rules_(std::move(rules)),
      router_(router),
      authenticator_(std::move(authenticator)),
      proxies_(rules_.trusted_proxies) {
  const auto& origins = rules_.cors_allowed_origins;
  allow_all_origins_ = std::find(origins.begin(), origins.end(), "*") != origins.end();
  if (!rules_.log_error) rules_.log_error = LogError;
}

void Pipeline::SetPeer(Request& request, std::string peer_ip, std::string_view local_host) const {
  request.peer_ip = std::move(peer_ip);
  request.client_ip = ClientIp(request.peer_ip, request.Header("X-Forwarded-For"), proxies_);
  std::string scheme = "http";
  if (auto proto = request.Header("X-Forwarded-Proto");
      proto && (*proto == "https" || *proto == "http") && proxies_.Contains(request.peer_ip)) {
    scheme = std::string(*proto);
  }
  auto host = request.Header("Host");
  request.scheme_host =
      scheme + "://" + std::string(host && !host->empty() ? *host : local_host);
}

bool Pipeline::OriginAllowed(std::string_view origin) const {
  if (allow_all_origins_) return true;
  const auto& origins = rules_.cors_allowed_origins;
  return std::find(origins.begin(), origins.end(), origin) != origins.end();
}

Routing Pipeline::Match(const Request& request) const {
  Routing routing;
  auto origin = request.Header("Origin");
  if (origin && OriginAllowed(*origin)) routing.cors_origin = std::string(*origin);
  routing.preflight = request.method == "OPTIONS" && origin &&
                      request.Header("Access-Control-Request-Method");
  if (!routing.preflight) routing.match = router_.Match(request.method, request.path);
  return routing;
}

std::optional<Response> Pipeline::AnswerWithoutPool(const Routing& routing) const {
  if (rules_.pre_route) return std::nullopt;
  return Settled(routing);
}

Response Pipeline::Answer(Request& request, const Routing& routing) {
  if (rules_.pre_route) {
    if (std::optional<Response> early = RunPreRoute(request)) return std::move(*early);
  }
  if (std::optional<Response> settled = Settled(routing)) return std::move(*settled);
  return Handle(request, routing.match);
}

void Pipeline::AddCorsHeaders(Response& response, const Routing& routing) {
  if (routing.cors_origin.empty()) return;
  SetHeader(response, "Access-Control-Allow-Origin", routing.cors_origin);
  SetHeader(response, "Vary", "Origin");
  SetHeader(response, "Access-Control-Allow-Credentials", "true");
}

Response Pipeline::Run(Request& request) {
  const Routing routing = Match(request);
  std::optional<Response> response = AnswerWithoutPool(routing);
  if (!response) response = Answer(request, routing);
  AddCorsHeaders(*response, routing);
  return std::move(*response);
}

std::optional<Response> Pipeline::RunPreRoute(const Request& request) const {
  try {
    return rules_.pre_route(request);
  } catch (const ApiError& error) {
    return Answered(error);
  } catch (const std::exception& e) {
    return Unhandled(&e, "unhandled " + Demangle(typeid(e).name()) + " in pre-route hook");
  }
}

/// Authentication, throttling, permission, then the handler; every failure is an envelope.
Response Pipeline::Handle(Request& request, const RouteMatch& match) {
  const Route* route = match.route;
  try {
    const bool authenticate = authenticator_ && (route == nullptr || route->options.authenticate);
    request.caller = authenticate ? authenticator_(request) : Caller{};
    const bool authenticated = request.caller.Authenticated();
    std::optional<int64_t> wait =
        authenticated
            ? throttle_.Hit("user:" + std::to_string(request.caller.user_id), rules_.throttle_user)
            : throttle_.Hit("anon:" + request.client_ip, rules_.throttle_anon);
    if (wait) throw ThrottledError(*wait);
    if (route == nullptr) {
      // reference-contract §1.1: authorisation first, then 405.
      if (!authenticated && !match.path_public) throw errors::NotAuthenticated();
      return MethodNotServed(request, match);
    }
    if (route->options.auth_required && !authenticated) throw errors::NotAuthenticated();
    request.path_params = match.params;
    return route->handler(request);
  } catch (const ApiError& error) {
    return Answered(error);
  } catch (const std::exception& e) {
    // The type says what broke; messages may carry request data, so they stay out of logs.
    return Unhandled(&e, "unhandled " + Demangle(typeid(e).name()) + " on " +
                             (route ? route->options.name : request.method));
  } catch (...) {
    return Unhandled(nullptr, "unhandled non-standard exception on " +
                                  (route ? route->options.name : request.method));
  }
}

/// A path served for other methods: OPTIONS lists them, anything else is 405; both say Allow.
Response Pipeline::MethodNotServed(const Request& request, const RouteMatch& match) const {
  std::vector<std::string> allowed = match.allowed_methods;
  if (std::find(allowed.begin(), allowed.end(), "OPTIONS") == allowed.end()) {
    allowed.push_back("OPTIONS");
  }
  Response response = request.method == "OPTIONS"
                          ? Response::Json(200, "{}")
                          : ErrorResponse(errors::MethodNotAllowed(request.method));
  response.headers.emplace_back("Allow", Join(allowed, ", "));
  return response;
}

Response Pipeline::Unhandled(const std::exception* error, const std::string& what) const {
  if (error != nullptr && rules_.translate_error) {
    if (std::optional<ApiError> mapped = rules_.translate_error(*error)) return Answered(*mapped);
  }
  rules_.log_error(what);
  return ErrorResponse(ApiError(500, "server_error", "A server error occurred."));
}

Response Pipeline::Answered(const ApiError& error) const {
  if (!error.LogDetail().empty()) rules_.log_error(error.LogDetail());
  return ErrorResponse(error);
}

}  // namespace dfauth::http
