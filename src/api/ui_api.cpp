// GET {API_PREFIX}ui/login/ (the hosted sign-in page for deployments without a front-end,
// issue 14), ui/passkeys/ (add a passkey, sign in with one: issue 15) and their two assets,
// GET {API_PREFIX}ui/ui.js and ui/ui.css, which the magic-link page (magic_api.cpp) shares.
// All public and static: no database, nothing of the request echoed.
#include "api/context.hpp"
#include "api/routes_internal.hpp"
#include "api/ui_page.hpp"

namespace dfauth::api {
namespace {

http::Response Asset(std::string_view content_type, std::string_view text) {
  http::Response r;
  r.content_type = std::string(content_type);
  r.body = std::string(text);
  r.headers = {{"Cache-Control", "no-cache"}, {"X-Content-Type-Options", "nosniff"}};
  return r;
}

}  // namespace

http::Response HostedPage(const std::string& prefix, std::string_view title, std::string_view body) {
  // API_PREFIX is checked to be a path (CheckApiPrefix); it goes in attributes, so escape the
  // characters that could leave one anyway.
  std::string base;
  for (char c : prefix) {
    if (c == '"') base += "&quot;";
    else if (c == '<') base += "&lt;";
    else if (c == '&') base += "&amp;";
    else base += c;
  }
  http::Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<meta name=\"referrer\" content=\"no-referrer\">\n<title>") +
           std::string(title) + "</title>\n<link rel=\"stylesheet\" href=\"" + base + "ui/ui.css\">\n"
           "</head><body>\n<main>\n<h1>" + std::string(title) + "</h1>\n" + std::string(body) +
           "</main>\n<script src=\"" + base + "ui/ui.js\"></script>\n</body></html>\n";
  r.headers = {
      {"Cache-Control", "no-store"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
                                  "connect-src 'self'; base-uri 'none'; form-action 'none'; "
                                  "frame-ancestors 'none'"},
  };
  return r;
}

void RegisterUiRoutes(http::Router& router, ApiContext&, const std::string& prefix) {
  const http::RouteOptions options{.auth_required = false, .authenticate = false};
  router.Add("GET", prefix + "ui/login/", [prefix](http::Request&) {
    return HostedPage(prefix, "Sign in", UiLoginBody());
  }, options);
  router.Add("GET", prefix + "ui/passkeys/", [prefix](http::Request&) {
    return HostedPage(prefix, "Passkeys", UiPasskeysBody());
  }, options);
  router.Add("GET", prefix + "ui/ui.js", [](http::Request&) {
    return Asset("text/javascript; charset=utf-8", UiScript());
  }, options);
  router.Add("GET", prefix + "ui/ui.css", [](http::Request&) {
    return Asset("text/css; charset=utf-8", UiStyle());
  }, options);
}

}  // namespace dfauth::api
