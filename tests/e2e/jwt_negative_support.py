"""Support of test_jwt_negative.py: the token-taking routes, the server each suite class runs,
forging with its keys, and asking every route (see that file's docstring)."""
import json
import os
import shutil
import socket
import tempfile
import threading
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

import forge
from harness import TEST_SECRET_KEY, Client, Server, decode_jwt_payload, remember_secret

# The operations that authenticate a Bearer JWT: (method, path template). The test
# test_route_list_matches_the_openapi_security_entries fails when the router has one more.
BEARER_REQUIRED = [
    ("get", ""),
    ("get", "users/{id}/"), ("patch", "users/{id}/"), ("post", "users/{id}/set-password/"),
    ("get", "users/{id}/two-fa/"), ("patch", "users/{id}/two-fa/"),
    ("get", "otp-devices/"), ("post", "otp-devices/"), ("get", "otp-devices/{id}/"),
    ("delete", "otp-devices/{id}/"), ("post", "otp-devices/{id}/confirm/"),
    ("post", "social/connect/"), ("get", "social/connections/"), ("delete", "social/{provider}/"),
    ("get", "sessions/"), ("delete", "sessions/{id}/"), ("post", "sessions/revoke-others/"),
    # admin/: a valid non-staff token reaches the handler, which answers 403 permission_denied.
    ("get", "admin/users/"), ("get", "admin/users/{id}/"), ("post", "admin/users/{id}/activate/"),
    ("post", "admin/users/{id}/deactivate/"), ("post", "admin/users/{id}/revoke-tokens/"),
    ("post", "admin/users/{id}/require-2fa/"), ("post", "admin/users/{id}/clear-2fa/"),
    ("delete", "admin/users/{id}/devices/{type}/{device_id}/"), ("post", "admin/users/{id}/otp-challenge/"),
    ("get", "admin/audit/"),
    ("post", "passkeys/registration/options/"), ("post", "passkeys/registration/verify/"),
    ("get", "passkeys/"), ("delete", "passkeys/{id}/"),
]
# Accepted, it ends the user's other sessions (the issued token's among them): the positive
# control does not call it; the bad tokens do.
DESTRUCTIVE = {("post", "sessions/revoke-others/")}
BEARER_OPTIONAL = [
    ("post", "token/"), ("post", "token/refresh/"), ("post", "token/verify/"),
    ("post", "token/blacklist/"), ("post", "users/"), ("post", "otp/"), ("post", "social/"),
    ("post", "password-reset/"), ("post", "password-reset/confirm/"), ("post", "identity-change/undo/"),
    ("get", "/health/live"), ("get", "/health/ready"), ("get", "/.well-known/jwks.json"),
    ("post", "passkeys/authentication/options/"), ("post", "passkeys/authentication/verify/"),
]
BODY_ROUTES = ["token/refresh/", "token/verify/", "token/blacklist/"]

ISSUER, AUDIENCE = "https://auth.example", "app"
ATTACKER_SECRET = "attacker-secret-0123456789"
ATTACKER_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_EC = ec.generate_private_key(ec.SECP256R1())
ATTACKER_ED = ed25519.Ed25519PrivateKey.generate()


def concrete(path):
    return (path.replace("{id}", "0").replace("{provider}", "google").replace("{type}", "email")
            .replace("{device_id}", "0"))


def b64json(obj) -> str:
    return forge.b64url(json.dumps(obj).encode())


_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def flip_pad_bit(segment: str) -> str:
    """The same bytes, non-canonically: the last character's lowest bit, which encodes no data
    when the length is not a multiple of 4, flipped."""
    assert len(segment) % 4 in (2, 3), segment
    return segment[:-1] + _B64URL[_B64URL.index(segment[-1]) ^ 1]


def public_jwk(alg, kid):
    """The attacker's key as a JWK (what a jwk header would offer)."""
    if alg == "HS256":
        return {"kty": "oct", "k": forge.b64url(ATTACKER_SECRET.encode()), "kid": kid}
    if alg == "RS256":
        n = ATTACKER_RSA.public_key().public_numbers()
        return {"kty": "RSA", "n": forge.b64url(n.n.to_bytes(256, "big")),
                "e": forge.b64url(n.e.to_bytes(3, "big")), "kid": kid}
    if alg == "EdDSA":
        raw = ATTACKER_ED.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": forge.b64url(raw), "kid": kid}
    n = ATTACKER_EC.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": forge.b64url(n.x.to_bytes(32, "big")),
            "y": forge.b64url(n.y.to_bytes(32, "big")), "kid": kid}


def attacker_certificate_der(alg):
    """A self-signed certificate of the attacker's key (what an x5c header would carry)."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID
    key = {"RS256": ATTACKER_RSA, "EdDSA": ATTACKER_ED}.get(alg, ATTACKER_EC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "df-auth")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, None if alg == "EdDSA" else hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


class NegativeSuite:
    """One server, a user and its real tokens; subclasses set ALG, PROFILE and SCOPED."""
    ALG = "HS256"
    PROFILE = "sliding"
    SCOPED = False  # JWT_ISSUER and JWT_AUDIENCE configured

    @classmethod
    def setUpClass(cls):
        cls.keydir = tempfile.mkdtemp(prefix="dfauth-jwtneg-")
        env = {"DF_AUTH_JWT_PROFILE": cls.PROFILE}
        cls.private_key = None
        if cls.ALG != "HS256":
            cls.private_key = {"RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
                               "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
                               "EdDSA": ed25519.Ed25519PrivateKey.generate}[cls.ALG]()
            path = os.path.join(cls.keydir, "signing.pem")
            with open(path, "wb") as f:
                f.write(forge.private_key_pem(cls.private_key))
            env.update({"DF_AUTH_JWT_ALGORITHM": cls.ALG, "DF_AUTH_JWT_PRIVATE_KEY_FILE": path})
        if cls.SCOPED:
            env.update({"DF_AUTH_JWT_ISSUER": ISSUER, "DF_AUTH_JWT_AUDIENCE": AUDIENCE})
        cls.server = Server(env=env).__enter__()
        cls.c = Client(cls.server)
        r = cls.c.request("POST", "users/", {"username": "mallory", "password": "mallory password 1"})
        assert r.status == 201, r
        cls.uid = int(r.json()["id"])
        r = cls.c.request("POST", "users/", {"username": "victim", "password": "victim password 1"})
        assert r.status == 201, r
        cls.victim_id = int(r.json()["id"])
        r = cls.c.request("POST", "token/", {"username": "mallory", "password": "mallory password 1"})
        assert r.status == 200, r
        cls.real = r.json()
        cls.real_header = decode_jwt_payload(cls.real["token"], part=0)
        cls.kid = cls.real_header.get("kid")
        cls.responses = 0

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.__exit__(None, None, None)
        finally:
            shutil.rmtree(cls.keydir, ignore_errors=True)

    # -- forging ---------------------------------------------------------------------------------

    def signer(self):
        """Signs with the server's real key."""
        if self.ALG == "HS256":
            return lambda s: forge.hs256_mac(TEST_SECRET_KEY, s)
        if self.ALG == "RS256":
            return forge.rs256_signer(self.private_key)
        if self.ALG == "EdDSA":
            return lambda s: self.private_key.sign(s.encode())
        return forge.es256_signer(self.private_key)

    def attacker_signer(self, alg=None):
        alg = alg or self.ALG
        if alg.startswith("HS"):
            return lambda s: forge.hs256_mac(ATTACKER_SECRET, s)
        if alg.startswith("RS") or alg.startswith("PS"):
            return forge.rs256_signer(ATTACKER_RSA)
        if alg == "EdDSA":
            return lambda s: ATTACKER_ED.sign(s.encode())
        return forge.es256_signer(ATTACKER_EC)

    def header(self, **overrides):
        """The header the server writes ({"alg","kid","typ"}), with overrides (None removes)."""
        h = {"alg": self.ALG}
        if self.kid:
            h["kid"] = self.kid
        h["typ"] = "JWT"
        h.update(overrides)
        return {k: v for k, v in h.items() if v is not None}

    def claims(self, **overrides):
        """Valid claims of the bearer type (sliding or access) for mallory."""
        scope = {"iss": ISSUER, "aud": AUDIENCE} if self.SCOPED else {}
        scope.update(overrides)
        if self.PROFILE == "pair":
            return forge.access_claims(self.uid, **scope)
        return forge.sliding_claims(self.uid, **scope)

    def good(self, header=None, claims=None):
        """A token the server accepts unless `header`/`claims` (dict or raw JSON) spoil it."""
        return forge.jws(self.header() if header is None else header,
                         self.claims() if claims is None else claims, self.signer())

    def refresh_claims(self, **overrides):
        """Claims of the type token/refresh/ reads (sliding, or the pair's refresh)."""
        if self.PROFILE == "pair":
            return self.claims(token_type="refresh", exp=int(time.time()) + 3600, **overrides)
        return self.claims(**overrides)

    # -- asking ----------------------------------------------------------------------------------

    def send(self, method, path, token, in_body=None, headers=None):
        """One request; `token` as bearer, or in the body field `in_body`. Never a 5xx."""
        body = None
        send_headers = dict(headers or {})
        if in_body is not None:
            body = {in_body: token}
        else:
            send_headers["Authorization"] = f"Bearer {token}"
            if method in ("post", "patch"):
                body = {}
        if in_body is None:
            remember_secret(token)
        r = self.c.request(method.upper(), concrete(path), body, headers=send_headers)
        type(self).responses += 1
        RESPONSES.append(r.status)
        self.assertLess(r.status, 500, (method, path, r))
        return r

    def body_field(self, path):
        if path == "token/verify/":
            return "token"
        return "refresh" if self.PROFILE == "pair" else "token"

    def assert_token_not_valid(self, r, message, what):
        self.assertEqual(r.status, 401, (what, r))
        self.assertEqual(r.json(), {"errors": [{"message": message, "code": "token_not_valid"}]}, what)
        self.assertEqual(r.headers.get("www-authenticate"), 'Bearer realm="api"', what)

    def refused(self, name, token, scope="all", message="Token is invalid or expired"):
        """`token` is 401 token_not_valid with `message` on every bearer route (scope "all",
        "bearer", "bearer+refresh") and in the body of the body routes ("all", "body"; only
        token/refresh/'s for "bearer+refresh" and "refresh")."""
        if scope in ("all", "bearer", "bearer+refresh"):
            for method, path in BEARER_REQUIRED + BEARER_OPTIONAL:
                with self.subTest(case=name, route=f"{method} {path}"):
                    self.assert_token_not_valid(self.send(method, path, token), message, (name, method, path))
        body_routes = {"all": BODY_ROUTES, "body": BODY_ROUTES, "bearer+refresh": ["token/refresh/"],
                       "refresh": ["token/refresh/"]}.get(scope, [])
        CASES.append((type(self).__name__, name))
        for path in body_routes:
            with self.subTest(case=name, route=f"body of {path}"):
                r = self.send("post", path, token, in_body=self.body_field(path))
                self.assert_token_not_valid(r, message, (name, "body", path))


RESPONSES = []  # every status the suite saw (tearDownModule checks for 5xx)
CASES = []  # (server class, case name) of every refused() call


class Listener:
    """A TCP socket on 127.0.0.1 that counts the connections it accepts (jku/x5u targets)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
