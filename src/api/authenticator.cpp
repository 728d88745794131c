#include <memory>

#include "api/context.hpp"
#include "dfauth/error.hpp"

namespace dfauth::api {

http::Caller Authenticate(token::TokenService& tokens, const http::Request& request) {
  http::Caller caller;
  auto header = request.Header("Authorization");
  if (!header) return caller;
  std::string_view value = *header;
  // Only the Bearer scheme authenticates; another scheme leaves the request anonymous (§1.1).
  auto space = value.find(' ');
  std::string_view scheme = value.substr(0, space);
  if (scheme != "Bearer") return caller;
  std::string_view rest = space == std::string_view::npos ? std::string_view{} : value.substr(space + 1);
  if (rest.empty() || rest.find(' ') != std::string_view::npos)
    throw ApiError(401, "authentication_failed",
                   "Authorization header must contain two space-delimited values")
        .WithHeader("WWW-Authenticate", errors::kWwwAuthenticate);
  auto authenticated = tokens.Authenticate(rest);
  caller.user_id = authenticated.user.id;
  caller.jti = authenticated.jti;
  caller.sid = authenticated.sid;
  caller.principal = std::make_shared<const store::User>(std::move(authenticated.user));
  return caller;
}

token::SessionStart SessionStartOf(const http::Request& request, token::SignInMethod method) {
  token::SessionStart start;
  start.method = method;
  start.ip = request.client_ip;
  if (auto agent = request.Header("User-Agent")) start.user_agent = store::TruncateUserAgent(*agent);
  return start;
}

const store::User& CallerUser(const http::Request& request) {
  if (!request.caller.principal) throw errors::NotAuthenticated();
  return *static_cast<const store::User*>(request.caller.principal.get());
}

}  // namespace dfauth::api
