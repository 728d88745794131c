#pragma once
// Plain request/response values shared by the server, the router and the handlers. Kept free
// of Beast, Asio and nlohmann so that every handler file compiles quickly.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dfauth::http {

/// Header names compare case-insensitively.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const noexcept;
  using is_transparent = void;
};

/// Who sent the request, as established by the authenticator.
struct Caller {
  int64_t user_id = 0;   ///< 0: anonymous
  std::string jti;       ///< the jti of the bearer token, when authenticated
  std::string sid;       ///< its session's id (empty: a token from before sessions)
  /// The authenticator's view of the user (opaque to http; the api layer knows its type),
  /// so a handler does not load the user a second time.
  std::shared_ptr<const void> principal;
  bool Authenticated() const noexcept { return user_id != 0; }
};

struct Request {
  std::string method;  ///< "GET", "POST", …
  std::string target;  ///< as received: path + optional query
  std::string path;    ///< percent-decoded path, without the query
  std::multimap<std::string, std::string> query;  ///< decoded query parameters
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
  std::string peer_ip;    ///< the TCP peer
  std::string client_ip;  ///< peer_ip, or X-Forwarded-For when the peer is a trusted proxy
  std::map<std::string, std::string> path_params;  ///< filled by the router ({id} → value)
  Caller caller;          ///< filled by the authenticator
  std::string scheme_host;  ///< "http://host:port" from the Host header, for absolute URLs

  std::optional<std::string_view> Header(std::string_view name) const;
  std::optional<std::string_view> QueryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Response Empty(int status) {
    Response r;
    r.status = status;
    r.content_type.clear();
    return r;
  }
};

}  // namespace dfauth::http
