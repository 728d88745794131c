// The text of the hosted pages (ui/login/, ui/passkeys/, magic/): the forms, the one script and the one style sheet (no framework,
// no external request). The script finds the API prefix from its own URL ({prefix}ui/ui.js),
// keeps the token in memory only, and posts nothing until the person submits or clicks.
#include "api/ui_page.hpp"

namespace dfauth::api {
namespace {

constexpr const char* kStyle = R"css(
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.1rem;margin-top:2rem}
label{display:block;margin:.8rem 0 .2rem}
input,select{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box;border:1px solid #666;border-radius:3px}
button{font-size:1rem;padding:.5rem 1.1rem;margin-top:.8rem;border:1px solid #0b4f9c;border-radius:3px;background:#0b5fbd;color:#fff;cursor:pointer}
button[disabled]{opacity:.6;cursor:default}
button.link{background:none;color:#0b5fbd;border:none;padding:0;text-decoration:underline}
:focus-visible{outline:3px solid #f5a700;outline-offset:2px}
#status{margin-top:1rem;min-height:1.5rem}#status.error{color:#a10000}
#done{padding:1rem;border:1px solid #2a7a2a;background:#eef8ee;border-radius:4px}
[hidden]{display:none!important}
)css";

constexpr const char* kScript = R"js(
(function () {
  "use strict";
  var self = document.currentScript;
  var api = new URL(self.src).pathname.replace(/ui\/ui\.js$/, "");
  var token = null;  // in memory only: never stored by the login page
  var pending = null;  // the first factor of a sign-in waiting for its 2FA code
  function $(id) { return document.getElementById(id); }
  function say(text, error) {
    var s = $("status");
    s.textContent = text;
    s.className = error ? "error" : "";
  }
  function show(id, on) { var e = $(id); if (e) e.hidden = !on; }
  function call(method, path, body, headers) {
    var h = {"Accept": "application/json"};
    if (body) h["Content-Type"] = "application/json";
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    return fetch(api + path, {method: method, headers: h, body: body ? JSON.stringify(body) : undefined,
                              credentials: "same-origin", cache: "no-store"})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (b) { return {status: r.status, body: b}; });
      });
  }
  function firstError(res) { return (res.body && res.body.errors && res.body.errors[0]) || {}; }
  function failed() { say("Sign-in failed: the server could not be reached.", true); }
  function busy(form, on) {
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = on; });
  }
  function identity(login) {
    login = login.trim();
    return login.indexOf("@") > 0 ? {email: login} : {username: login};
  }
  function signedIn(t) {
    token = t;
    ["password-form", "code-request-form", "code-form", "twofa-form", "magic-form", "code-heading",
     "passkey-sign-in", "password-heading"].forEach(function (id) { show(id, false); });
    return call("GET", "users/0/", null, {"Authorization": "Bearer " + token}).then(function (res) {
      var u = res.body || {};
      $("who").textContent = "Signed in as " + (u.username || u.email || u.phone_number || ("user " + u.id)) + ".";
      show("done", true);
      say("You are signed in.");
      $("sign-out").focus();
      if ($("passkeys")) return listPasskeys();
    });
  }
  function askSecondFactor(credentials, error, headers) {
    pending = {credentials: credentials, headers: headers};
    var devices = (error.extra_data && error.extra_data.devices) || [];
    var select = $("twofa-device");
    select.textContent = "";
    devices.forEach(function (d) {
      var o = document.createElement("option");
      o.value = d.type + ":" + d.name;
      o.textContent = d.name + " (" + d.type + ")";
      select.appendChild(o);
    });
    ["password-form", "code-request-form", "code-form", "magic-form", "code-heading", "passkey-sign-in",
     "password-heading"].forEach(function (id) { show(id, false); });
    show("twofa-form", true);
    syncSend();
    say("Enter the code from your device to finish signing in.");
    $("twofa-code").focus();
  }
  function syncSend() {
    var v = $("twofa-device").value || "";
    show("twofa-send", v.indexOf("email:") === 0 || v.indexOf("sms:") === 0);
  }
  function signIn(credentials, form, headers) {
    busy(form, true);
    say("Signing in\u2026");
    return call("POST", "token/", credentials, headers).then(function (res) {
      busy(form, false);
      if (res.status === 200) return onToken(res.body.token || res.body.access);
      var e = firstError(res);
      if (res.status === 401 && e.code === "2fa_required" && !pending) {
        return askSecondFactor(credentials, e, headers);
      }
      say(e.message || "Sign-in failed.", true);
    }, function () { busy(form, false); failed(); });
  }
  var onToken = signedIn;
  function on(id, event, handler) { var e = $(id); if (e) e.addEventListener(event, handler); }

  on("password-form", "submit", function (ev) {
    ev.preventDefault();
    var c = identity($("login").value);
    c.password = $("password").value;
    signIn(c, ev.target);
  });
  on("code-request-form", "submit", function (ev) {
    ev.preventDefault();
    var form = ev.target;
    busy(form, true);
    call("POST", "otp/", {email: $("code-email").value.trim()}).then(function (res) {
      busy(form, false);
      if (res.status !== 200) { say(firstError(res).message || "Could not send a code.", true); return; }
      show("code-form", true);
      say("We sent a code to " + $("code-email").value.trim() + ". Enter it below.");
      $("code").focus();
    }, function () { busy(form, false); failed(); });
  });
  on("code-form", "submit", function (ev) {
    ev.preventDefault();
    signIn({email: $("code-email").value.trim(), otp: $("code").value.trim()}, ev.target);
  });
  on("twofa-device", "change", syncSend);
  on("twofa-send", "click", function () {
    var v = $("twofa-device").value, at = v.indexOf(":");
    var body = {};
    Object.keys(pending.credentials).forEach(function (k) { if (k !== "otp") body[k] = pending.credentials[k]; });
    body[v.slice(0, at) === "sms" ? "phone_number" : "email"] = v.slice(at + 1);
    call("POST", "otp/", body).then(function (res) {
      say(res.status === 200 ? "Code sent to " + v.slice(at + 1) + "." : (firstError(res).message || "Could not send a code."), res.status !== 200);
    }, failed);
  });
  on("twofa-form", "submit", function (ev) {
    ev.preventDefault();
    var c = {};
    Object.keys(pending.credentials).forEach(function (k) { c[k] = pending.credentials[k]; });
    c.otp = $("twofa-code").value.trim();
    signIn(c, ev.target, pending.headers);
  });
  on("sign-out", "click", function () {
    token = null;
    pending = null;
    location.reload();
  });

  // The passkeys page (ui/passkeys/): sign in with a passkey, and once signed in list the
  // caller's passkeys and add one. The options and credentials travel in the WebAuthn JSON forms
  // (parse*OptionsFromJSON, toJSON()), as the passkeys/ routes take them.
  function bearer() { return {"Authorization": "Bearer " + token}; }
  function ceremonyFailed(e, what) {
    // The person cancelling the browser's dialog is a NotAllowedError: not an error of the page.
    say(e && e.name === "NotAllowedError" ? what + " cancelled." : (e && e.message) || what + " failed.", true);
  }
  function listPasskeys() {
    return call("GET", "passkeys/", null, bearer()).then(function (res) {
      var list = $("passkey-list");
      list.textContent = "";
      ((res.body && res.body.results) || []).forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = p.name + " (added " + p.created_at.slice(0, 10) + ")";
        list.appendChild(li);
      });
      show("passkeys-none", list.children.length === 0);
      show("passkeys", true);
    });
  }
  on("passkey-add-form", "submit", function (ev) {
    ev.preventDefault();
    var form = ev.target;
    busy(form, true);
    say("Follow your browser's steps to create a passkey\u2026");
    call("POST", "passkeys/registration/options/", {}, bearer()).then(function (res) {
      if (res.status !== 200) throw new Error(firstError(res).message || "Could not start.");
      var options = PublicKeyCredential.parseCreationOptionsFromJSON(res.body.options);
      return navigator.credentials.create({publicKey: options}).then(function (credential) {
        return call("POST", "passkeys/registration/verify/", {challenge_id: res.body.challenge_id,
                    credential: credential.toJSON(), name: $("passkey-name").value.trim()}, bearer());
      });
    }).then(function (res) {
      busy(form, false);
      if (res.status !== 201) { say(firstError(res).message || "The passkey was not added.", true); return; }
      $("passkey-name").value = "";
      return listPasskeys().then(function () { say("Passkey \u201c" + res.body.name + "\u201d added."); });
    }).catch(function (e) { busy(form, false); ceremonyFailed(e, "Adding the passkey"); });
  });
  on("passkey-sign-in", "submit", function (ev) {
    ev.preventDefault();
    var form = ev.target;
    busy(form, true);
    say("Follow your browser's steps to use your passkey\u2026");
    call("POST", "passkeys/authentication/options/", {}).then(function (res) {
      if (res.status !== 200) throw new Error(firstError(res).message || "Could not start.");
      var options = PublicKeyCredential.parseRequestOptionsFromJSON(res.body.options);
      return navigator.credentials.get({publicKey: options}).then(function (credential) {
        return call("POST", "passkeys/authentication/verify/", {challenge_id: res.body.challenge_id,
                    credential: credential.toJSON()});
      });
    }).then(function (res) {
      busy(form, false);
      if (res.status === 200) return signedIn(res.body.token || res.body.access);
      say(firstError(res).message || "Sign-in failed.", true);
    }).catch(function (e) { busy(form, false); ceremonyFailed(e, "Signing in with a passkey"); });
  });

  // The magic-link page: the link's segment is base64url("<email>/<code>"); it is decoded here and
  // posted only on click, so opening the URL (or a link scanner doing so) spends nothing.
  var go = $("magic-go");
  if (!go) return;
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
  if (!link) { say("This sign-in link is not valid.", true); return; }
  $("magic-who").textContent = "Continue as " + link.email + "?";
  go.disabled = false;
  onToken = function (t) {
    var next = new URLSearchParams(location.search).get("redirect_path");
    // Only same-site paths: an open redirect would hand the session to anyone's page. The
    // front-end at that path picks the token up from localStorage; without one it stays in memory.
    if (next && next.charAt(0) === "/" && next.charAt(1) !== "/" && next.charAt(1) !== "\\") {
      try { localStorage.setItem("df-auth-token", t); } catch (e) {}
      location.assign(next);
      return;
    }
    return signedIn(t);
  };
  $("magic-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    signIn({email: link.email, otp: link.otp}, ev.target, {"X-Sign-In-Method": "magic_link"});
  });
})();
)js";

constexpr const char* kSecondFactorAndResult = R"html(
<form id="twofa-form" hidden>
<h2>Two-factor authentication</h2>
<label for="twofa-device">Device</label>
<select id="twofa-device"></select>
<button id="twofa-send" type="button" class="link" hidden>Send me a code</button>
<label for="twofa-code">Code</label>
<input id="twofa-code" name="otp" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Verify</button>
</form>
<section id="done" hidden aria-labelledby="who">
<p id="who"></p>
<button id="sign-out" type="button">Sign out</button>
</section>
<p id="status" role="status" aria-live="polite"></p>
)html";

const std::string kLoginBody = std::string(R"html(
<form id="password-form">
<label for="login">Username or email</label>
<input id="login" name="login" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<h2 id="code-heading">Or sign in with a code by email</h2>
<form id="code-request-form">
<label for="code-email">Email</label>
<input id="code-email" name="email" type="email" autocomplete="email" required>
<button type="submit">Email me a code</button>
</form>
<form id="code-form" hidden>
<label for="code">Code from the email</label>
<input id="code" name="otp" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Sign in with the code</button>
</form>
)html") + kSecondFactorAndResult;

const std::string kPasskeysBody = std::string(R"html(
<form id="passkey-sign-in">
<button type="submit">Sign in with a passkey</button>
</form>
<h2 id="password-heading">Or sign in with your password</h2>
<form id="password-form">
<label for="login">Username or email</label>
<input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<section id="passkeys" hidden aria-labelledby="passkeys-heading">
<h2 id="passkeys-heading">Your passkeys</h2>
<p id="passkeys-none">You have no passkey yet.</p>
<ul id="passkey-list"></ul>
<form id="passkey-add-form">
<label for="passkey-name">Name of the new passkey</label>
<input id="passkey-name" name="name" maxlength="255" placeholder="Passkey">
<button type="submit">Add a passkey</button>
</form>
</section>
)html") + kSecondFactorAndResult;

const std::string kMagicBody = std::string(R"html(
<form id="magic-form">
<p id="magic-who"></p>
<button id="magic-go" type="submit" disabled>Sign in</button>
</form>
)html") + kSecondFactorAndResult;

}  // namespace

std::string_view UiScript() { return kScript; }
std::string_view UiStyle() { return kStyle; }
std::string_view UiLoginBody() { return kLoginBody; }
std::string_view UiMagicBody() { return kMagicBody; }
std::string_view UiPasskeysBody() { return kPasskeysBody; }

}  // namespace dfauth::api
