// GET {API_PREFIX}magic/{segment}: the sign-in page for deployments without a front-end
// (interface.md §3). The segment is the magic link's base64url("<email>/<code>"); the hosted
// pages' script (ui_assets.cpp) decodes it in the browser and posts token/ only when the person
// clicks, so neither the GET nor a link scanner that opens the URL spends the code. The server
// never echoes the segment into the page (no injection), and the page is neither cached nor sent
// as a referrer.
#include "api/context.hpp"
#include "api/routes_internal.hpp"
#include "api/ui_page.hpp"

namespace dfauth::api {

void RegisterMagicRoutes(http::Router& router, ApiContext&, const std::string& prefix) {
  // The segment is the code: the access log writes the pattern, never the path.
  const http::RouteOptions options{.auth_required = false, .authenticate = false, .log_pattern = true};
  router.Add("GET", prefix + "magic/{segment}", [prefix](http::Request&) {
    return HostedPage(prefix, "Sign in", UiMagicBody());
  }, options);
}

}  // namespace dfauth::api
