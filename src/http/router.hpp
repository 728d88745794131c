#pragma once
// Routes: (method, path pattern) → handler, with what the pipeline must do before the handler.
// Patterns are absolute paths whose segments may be `{name}` (one segment, no '/' or '.').

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/message.hpp"

namespace dfauth::http {

/// Which bounded pool runs the handler. Handlers block (database, hashing); I/O threads never run them.
enum class Pool {
  kDefault,  ///< database work
  kHashing,  ///< may hash a password: at most cores-many at once
  kNetwork,  ///< waits on another server (social providers): never holds a database worker
};

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  bool auth_required = true;  ///< anonymous callers get 401 not_authenticated
  /// For a method the path does not serve: anonymous callers get 401 before 405 unless every
  /// route of the path is public (reference-contract §1.1). Default: !auth_required.
  std::optional<bool> path_public;
  Pool pool = Pool::kDefault;
  std::string name;  ///< metrics label; defaults to the pattern
  /// Run the authenticator (Bearer JWT). False where the Authorization header means something
  /// else (/metrics and its METRICS_TOKEN).
  bool authenticate = true;
  /// The path carries a secret (the magic link's code): the access log writes the route
  /// pattern instead of the path.
  bool log_pattern = false;
};

struct RouteMatch {
  const struct Route* route = nullptr;   ///< set when method and path match
  bool path_found = false;               ///< the path exists (maybe for other methods)
  bool path_public = true;               ///< every route of the path is public
  std::vector<std::string> allowed_methods;
  std::map<std::string, std::string> params;
  const struct Route* path_route = nullptr;  ///< the first route of the path (metrics label)
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  RouteMatch Match(std::string_view method, std::string_view path) const;
  const std::vector<std::unique_ptr<Route>>& Routes() const { return routes_; }

 private:
  struct Candidate {
    const Route* route;
    std::map<std::string, std::string> params;
  };
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<const Route*> param_routes_;  ///< the routes with a {parameter}, in order
  /// For each pattern without parameters: every route matching that exact path, in order.
  std::unordered_map<std::string, std::vector<Candidate>, PathHash, std::equal_to<>> exact_;
};

}  // namespace dfauth::http
