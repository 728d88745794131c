// GET {API_PREFIX}magic/{segment}: the sign-in page for deployments without a front-end
// (interface.md §3). The segment is the magic link's base64url("<email>/<code>"); the page
// decodes it in the browser and posts token/ only when the person clicks, so neither the GET
// nor a link scanner that opens the URL spends the code. The server never echoes the segment
// into the page (no injection), and the page is neither cached nor sent as a referrer.
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/routes_internal.hpp"
#include "crypto/primitives.hpp"

namespace dfauth::api {
namespace {

constexpr const char* kPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
button{font-size:1rem;padding:.6rem 1.2rem}#status{margin-top:1rem}</style>
</head><body>
<h1>Sign in</h1>
<p id="who"></p>
<button id="go" type="button" disabled>Sign in</button>
<p id="status" role="status"></p>
<script nonce="@NONCE@">
(function () {
  var tokenUrl = @TOKEN_URL@;
  var status = document.getElementById("status");
  var button = document.getElementById("go");
  function decode(segment) {
    var b64 = segment.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bytes = atob(b64), text = "";
    try { text = decodeURIComponent(escape(bytes)); } catch (e) { return null; }
    var slash = text.lastIndexOf("/");
    if (slash < 1) return null;
    return {email: text.slice(0, slash), otp: text.slice(slash + 1)};
  }
  var parts = location.pathname.split("/");
  var link = null;
  try { link = decode(decodeURIComponent(parts[parts.length - 1])); } catch (e) { link = null; }
  if (!link) { status.textContent = "This sign-in link is not valid."; return; }
  document.getElementById("who").textContent = "Continue as " + link.email + "?";
  button.disabled = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "Signing in\u2026";
    fetch(tokenUrl, {method: "POST", headers: {"Content-Type": "application/json", "X-Sign-In-Method": "magic_link"},
                     body: JSON.stringify({email: link.email, otp: link.otp})})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (!res.ok) {
          var e = res.body && res.body.errors && res.body.errors[0];
          status.textContent = (e && e.message) || "Sign-in failed.";
          return;
        }
        try { localStorage.setItem("df-auth-token", res.body.token); } catch (e) {}
        var next = new URLSearchParams(location.search).get("redirect_path");
        // Only same-site paths: an open redirect would hand the session to anyone's page.
        if (next && next.charAt(0) === "/" && next.charAt(1) !== "/" && next.charAt(1) !== "\\") {
          location.assign(next);
        } else {
          status.textContent = "You are signed in.";
        }
      })
      .catch(function () { status.textContent = "Sign-in failed: the server could not be reached."; button.disabled = false; });
  });
})();
</script>
</body></html>
)html";

std::string Replace(std::string text, std::string_view from, const std::string& to) {
  auto at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

}  // namespace

void RegisterMagicRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  // The segment is the code: the access log writes the pattern, never the path.
  const http::RouteOptions options{.auth_required = false, .authenticate = false, .log_pattern = true};
  // The token URL is configuration, JSON-escaped into the script (and '<' escaped so it can
  // never close the script element).
  std::string token_url = nlohmann::json(prefix + "token/").dump();
  for (std::size_t at = token_url.find('<'); at != std::string::npos; at = token_url.find('<', at))
    token_url.replace(at, 1, "\\u003c");

  router.Add("GET", prefix + "magic/{segment}", [token_url](http::Request&) {
    const std::string nonce = crypto::Base64UrlEncode(crypto::RandomBytes(16));
    http::Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = Replace(Replace(kPage, "@NONCE@", nonce), "@TOKEN_URL@", token_url);
    r.headers = {
        {"Cache-Control", "no-store"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"},
        {"X-Content-Type-Options", "nosniff"},
        {"Content-Security-Policy", "default-src 'none'; script-src 'nonce-" + nonce +
                                        "'; style-src 'unsafe-inline'; connect-src 'self'; "
                                        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
    };
    return r;
  }, options);
}

}  // namespace dfauth::api
