// GET /api/v1/schema/ (the OpenAPI document of every route) and GET /api/v1/swagger/ (an
// interactive docs page), interface.md §3. Both are public, read-only and touch no database.
// The page is self-contained (no CDN: docs must work offline and must not load third-party
// code next to a bearer token); its one script and one style are allowed by hash in the CSP.
#include <memory>
#include <mutex>

#include "api/context.hpp"
#include "api/openapi.hpp"
#include "api/routes_internal.hpp"
#include "crypto/primitives.hpp"

namespace dfauth::api {
namespace {

constexpr const char* kSchemaPath = "/api/v1/schema/";
constexpr const char* kSwaggerPath = "/api/v1/swagger/";

constexpr const char* kStyle = R"css(
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem}
h1{font-size:1.4rem}.op{border:1px solid #ccc;border-radius:4px;margin:.4rem 0}
.op>summary{cursor:pointer;padding:.4rem;font-family:monospace}
.m{display:inline-block;min-width:4.5rem;font-weight:bold}
.lock{color:#a60}.body{padding:.4rem .8rem}
textarea{width:100%;min-height:6rem;font-family:monospace}
pre{background:#f4f4f4;padding:.5rem;overflow:auto;white-space:pre-wrap}
label{display:block;margin:.3rem 0}input[type=text]{width:20rem}
)css";

constexpr const char* kScript = R"js(
(function () {
  "use strict";
  var schemaUrl = "/api/v1/schema/";
  var list = document.getElementById("ops");
  var tokenInput = document.getElementById("token");
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function resolve(doc, schema) {
    var seen = 0;
    while (schema && schema.$ref && seen++ < 10) {
      var parts = schema.$ref.replace(/^#\//, "").split("/"), node = doc;
      for (var i = 0; i < parts.length; i++) node = node && node[parts[i]];
      schema = node;
    }
    return schema || {};
  }
  function example(doc, schema) {
    schema = resolve(doc, schema);
    var out = {};
    var props = schema.properties || {};
    Object.keys(props).forEach(function (k) {
      var p = resolve(doc, props[k]);
      out[k] = p.type === "boolean" ? false : p.type === "integer" ? 0 : "";
    });
    return out;
  }
  function render(doc, path, method, op) {
    var box = el("details", null, "op");
    var head = el("summary");
    head.appendChild(el("span", method.toUpperCase(), "m"));
    head.appendChild(document.createTextNode(path + "  "));
    var secured = (op.security || []).length > 0 && Object.keys(op.security[0]).length > 0;
    if (secured) head.appendChild(el("span", "\uD83D\uDD12", "lock"));
    if (op.summary) head.appendChild(document.createTextNode(" " + op.summary));
    box.appendChild(head);
    var body = el("div", null, "body");
    body.appendChild(el("div", "operationId: " + op.operationId));
    var inputs = {};
    (op.parameters || []).forEach(function (p) {
      if (p.in !== "path") return;
      var label = el("label", p.name + " ");
      var input = el("input");
      input.type = "text";
      label.appendChild(input);
      body.appendChild(label);
      inputs[p.name] = input;
    });
    var text = null;
    if (op.requestBody) {
      var media = op.requestBody.content && op.requestBody.content["application/json"];
      text = el("textarea");
      text.value = JSON.stringify(example(doc, media && media.schema), null, 2);
      body.appendChild(el("div", "JSON body"));
      body.appendChild(text);
    }
    var send = el("button", "Send");
    send.type = "button";
    var status = el("div");
    var out = el("pre");
    body.appendChild(send);
    body.appendChild(status);
    body.appendChild(out);
    send.addEventListener("click", function () {
      var url = path.replace(/\{([^}]+)\}/g, function (m, name) {
        return encodeURIComponent(inputs[name] ? inputs[name].value : "");
      });
      var headers = {"Accept": "application/json"};
      var token = tokenInput.value.trim();
      if (token) headers["Authorization"] = "Bearer " + token;
      var init = {method: method.toUpperCase(), headers: headers};
      if (text) { headers["Content-Type"] = "application/json"; init.body = text.value; }
      status.textContent = "Sending\u2026";
      out.textContent = "";
      fetch(url, init).then(function (r) {
        return r.text().then(function (t) {
          status.textContent = r.status + " " + r.statusText;
          try { t = JSON.stringify(JSON.parse(t), null, 2); } catch (e) {}
          out.textContent = t;
        });
      }).catch(function (e) { status.textContent = "Request failed: " + e; });
    });
    box.appendChild(body);
    return box;
  }
  fetch(schemaUrl, {headers: {"Accept": "application/json"}})
    .then(function (r) { return r.json(); })
    .then(function (doc) {
      document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
      Object.keys(doc.paths).sort().forEach(function (path) {
        Object.keys(doc.paths[path]).forEach(function (method) {
          list.appendChild(render(doc, path, method, doc.paths[path][method]));
        });
      });
    })
    .catch(function (e) { list.textContent = "Could not load the schema: " + e; });
})();
)js";

std::string CspHash(std::string_view text) {
  return "'sha256-" + crypto::Base64Encode(crypto::Sha256(text)) + "'";
}

}  // namespace

void RegisterDocsRoutes(http::Router& router, ApiContext& ctx) {
  const http::RouteOptions options{.auth_required = false, .name = "schema", .authenticate = false};

  // Built on the first request: by then every route is registered, this one included.
  struct Cache {
    std::once_flag once;
    std::string document;
  };
  auto cache = std::make_shared<Cache>();
  const http::Router* routes = &router;
  const config::Settings* settings = &ctx.settings;
  router.Add("GET", kSchemaPath, [cache, routes, settings](http::Request& request) {
    std::call_once(cache->once, [&] { cache->document = BuildOpenApiDocument(*routes, *settings); });
    http::Response r;
    // DRF-spectacular's JSON media type; a client asking for plain JSON gets that label.
    auto accept = request.Header("Accept");
    const bool plain = (accept && accept->find("application/json") != std::string_view::npos &&
                        accept->find("openapi") == std::string_view::npos) ||
                       request.QueryParam("format") == std::optional<std::string_view>("json");
    r.content_type = plain ? "application/json" : "application/vnd.oai.openapi+json";
    r.body = cache->document;
    return r;
  }, options);

  const std::string page = std::string(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>df-auth API</title>\n<style>") +
      kStyle + "</style>\n</head><body>\n<h1 id=\"title\">df-auth API</h1>\n"
      "<p>Schema: <a href=\"" + kSchemaPath + "\">" + kSchemaPath + "</a></p>\n"
      "<label>Bearer token <input type=\"text\" id=\"token\" autocomplete=\"off\"></label>\n"
      "<div id=\"ops\"></div>\n<script>" + kScript + "</script>\n</body></html>\n";
  const std::string csp = "default-src 'none'; script-src " + CspHash(kScript) + "; style-src " +
                          CspHash(kStyle) + "; connect-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";
  http::RouteOptions page_options = options;
  page_options.name = "swagger";
  router.Add("GET", kSwaggerPath, [page, csp](http::Request&) {
    http::Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = page;
    r.headers = {
        {"Content-Security-Policy", csp},
        {"X-Content-Type-Options", "nosniff"},
        {"X-Frame-Options", "DENY"},
        {"Referrer-Policy", "no-referrer"},
    };
    return r;
  }, page_options);
}

}  // namespace dfauth::api
