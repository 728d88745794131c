#include "http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace dfauth::http {
namespace {

/// The segments of `path` between slashes, into `out` (cleared first).
void Split(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool MatchSegments(const Route& route, const std::vector<std::string_view>& parts,
                   std::map<std::string, std::string>* params) {
  if (route.segments.size() != parts.size()) return false;
  // Compare everything first, so that a route that does not match costs no allocation.
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& seg = route.segments[i];
    if (IsParam(seg)) {
      // A parameter is one non-empty segment; '.' is excluded as in DRF's default lookup regex.
      if (parts[i].empty() || parts[i].find('.') != std::string_view::npos) return false;
    } else if (seg != parts[i]) {
      return false;
    }
  }
  if (params) {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::string& seg = route.segments[i];
      if (IsParam(seg)) (*params)[seg.substr(1, seg.size() - 2)] = std::string(parts[i]);
    }
  }
  return true;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must be an absolute path: " + pattern);
  }
  auto route = std::make_unique<Route>();
  std::vector<std::string_view> parts;
  Split(pattern, parts);
  for (std::string_view part : parts) route->segments.emplace_back(part);
  if (options.name.empty()) options.name = pattern;
  route->method = std::move(method);
  route->pattern = std::move(pattern);
  route->handler = std::move(handler);
  route->options = std::move(options);
  if (std::any_of(route->segments.begin(), route->segments.end(), IsParam)) {
    param_routes_.push_back(route.get());
  }
  routes_.push_back(std::move(route));
  // A path written without parameters matches the same routes on every request: work them out
  // now, for every such pattern (a new route may match an older pattern too).
  exact_.clear();
  for (const auto& r : routes_) {
    if (std::any_of(r->segments.begin(), r->segments.end(), IsParam)) continue;
    if (exact_.count(r->pattern)) continue;
    Split(r->pattern, parts);
    std::vector<Candidate>& candidates = exact_[r->pattern];
    for (const auto& other : routes_) {
      std::map<std::string, std::string> params;
      if (MatchSegments(*other, parts, &params)) candidates.push_back({other.get(), std::move(params)});
    }
  }
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  RouteMatch match;
  auto take = [&](const Route* route, std::map<std::string, std::string>& params) {
    if (match.route == nullptr && route->method == method) {
      match.route = route;
      match.params = std::move(params);
    } else if (!match.path_found) {
      match.params = params;  // the path's, until a route of the method is found
    }
    if (!match.path_found) match.path_route = route;
    match.path_found = true;
    match.path_public =
        match.path_public && route->options.path_public.value_or(!route->options.auth_required);
    if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(), route->method) ==
        match.allowed_methods.end()) {
      match.allowed_methods.push_back(route->method);
    }
  };
  if (auto it = exact_.find(path); it != exact_.end()) {
    for (const Candidate& candidate : it->second) {
      std::map<std::string, std::string> params = candidate.params;
      take(candidate.route, params);
    }
  } else {
    // One buffer per thread: matching runs for every request and need not allocate.
    thread_local std::vector<std::string_view> parts;
    Split(path, parts);
    // A path that is no route's exact pattern can only match routes with parameters.
    for (const Route* route : param_routes_) {
      if (route->segments.size() != parts.size()) continue;
      // Parameters are kept from the first route of the path and from the one chosen only.
      const bool wanted = match.route == nullptr && (!match.path_found || route->method == method);
      std::map<std::string, std::string> params;
      if (MatchSegments(*route, parts, wanted ? &params : nullptr)) take(route, params);
    }
  }
  if (!match.path_found) match.path_public = false;
  return match;
}

}  // namespace dfauth::http
