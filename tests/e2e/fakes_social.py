"""Fake OAuth providers for the social e2e tests (Python standard library + the openssl CLI).

One loopback HTTP server plays Google (userinfo, JWKS), Facebook (Graph `me`) and Apple (JWKS).
RSA keys and RS256 ID tokens are made with the `openssl` command-line tool, since the standard
library has no RSA.
"""

import base64
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class RsaKey:
    """An RSA-2048 key pair in a temp file, with its public JWK and an RS256 signer."""

    def __init__(self, kid):
        self.kid = kid
        fd, self.path = tempfile.mkstemp(prefix="dfauth-social-key-", suffix=".pem")
        os.close(fd)
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                        "-out", self.path], check=True, capture_output=True)
        out = subprocess.run(["openssl", "rsa", "-in", self.path, "-noout", "-modulus"],
                             check=True, capture_output=True, text=True).stdout
        modulus = bytes.fromhex(out.strip().split("=", 1)[1])
        self.jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
                    "n": b64url(modulus), "e": b64url((65537).to_bytes(3, "big"))}

    def sign(self, data):
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.path], input=data,
                              check=True, capture_output=True).stdout

    def id_token(self, claims, kid=None):
        header = {"alg": "RS256", "typ": "JWT", "kid": kid or self.kid}
        signing_input = f"{b64url(json.dumps(header))}.{b64url(json.dumps(claims))}"
        return f"{signing_input}.{b64url(self.sign(signing_input.encode()))}"

    def remove(self):
        os.unlink(self.path)


def google_claims(client_id, sub, email=None, verified=True, lifetime=3600, **extra):
    now = int(time.time())
    claims = {"iss": "https://accounts.google.com", "aud": client_id, "sub": sub,
              "iat": now, "exp": now + lifetime}
    if email is not None:
        claims["email"] = email
        claims["email_verified"] = verified
    claims.update(extra)
    return claims


def apple_claims(client_id, sub, email=None, verified="true", lifetime=3600, **extra):
    claims = google_claims(client_id, sub, lifetime=lifetime, **extra)
    claims["iss"] = "https://appleid.apple.com"
    if email is not None:
        claims["email"] = email
        claims["email_verified"] = verified
    return claims


class FakeProviders:
    """The fake endpoints. Tests fill `google_tokens` / `facebook_tokens` (access token →
    profile), set `jwks[name]` (lists of RsaKey) and switch `mode` to "down" (503) or
    "garbage" (200, not JSON) to break the userinfo endpoints. With `hold` set to a
    threading.Event, userinfo calls wait for it (at most 30 s) before answering; `waiting` counts
    the calls that arrived and wait."""

    def __init__(self):
        self.google_tokens = {}
        self.facebook_tokens = {}
        self.jwks = {"google": [], "apple": []}
        self.jwks_fetches = {"google": 0, "apple": 0}
        self.mode = "ok"
        self.hold = None
        self.waiting = 0
        self.requests = []  # (path, query, authorization) of each userinfo call
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _send(self, handler, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler):
        parsed = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        path = parsed.path
        if path.startswith("/jwks/"):
            name = path[len("/jwks/"):]
            with self.lock:
                self.jwks_fetches[name] = self.jwks_fetches.get(name, 0) + 1
                keys = [k.jwk for k in self.jwks.get(name, [])]
            return self._send(handler, 200, {"keys": keys}, {"Cache-Control": "public, max-age=3600"})
        with self.lock:
            self.requests.append((path, query, handler.headers.get("Authorization")))
            mode, hold = self.mode, self.hold
            if hold is not None:
                self.waiting += 1
        if hold is not None:
            hold.wait(30)
        if mode == "down":
            return self._send(handler, 503, {"error": "unavailable"})
        if mode == "garbage":
            return self._send(handler, 200, b"<html>not json</html>")
        if path == "/google/userinfo":
            auth = handler.headers.get("Authorization", "")
            token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
            profile = self.google_tokens.get(token)
            if profile is None:
                return self._send(handler, 401, {"error": "invalid_request",
                                                 "error_description": "Invalid Credentials"})
            return self._send(handler, 200, profile)
        if path == "/facebook/me":
            profile = self.facebook_tokens.get(query.get("access_token"))
            if profile is None:
                return self._send(handler, 400, {"error": {"message": "Invalid OAuth access token.",
                                                           "type": "OAuthException", "code": 190}})
            fields = query.get("fields", "").split(",")
            return self._send(handler, 200, {k: v for k, v in profile.items() if k in fields})
        return self._send(handler, 404, {"error": "not found"})
