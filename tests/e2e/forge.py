"""Builds tokens the way an attacker (or a correct signer) would, to prove what the server
refuses: HS256 with the test server's SECRET_KEY or any other key, RS256 and ES256 with a
python3-cryptography private key, headers and payloads as raw JSON text (duplicate keys),
and ES256 signatures from raw (r, s) integers."""
import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid

from harness import TEST_SECRET_KEY


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json_bytes(part) -> bytes:
    """A header or payload: a dict is dumped as json.dumps does; str/bytes are used as they are
    (raw JSON text, e.g. with duplicate keys)."""
    if isinstance(part, dict):
        return json.dumps(part).encode()
    return part.encode() if isinstance(part, str) else part


def hs256_mac(key, signing_input: str, digest=hashlib.sha256) -> bytes:
    """HMAC-SHA256 (or `digest`: hashlib.sha384 for HS384 ...) of the signing input."""
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, signing_input.encode(), digest).digest()


def jws(header, claims, signer) -> str:
    """`b64url(header).b64url(claims).b64url(signer(signing_input))`; `signer` takes the
    signing input (str) and returns the signature bytes."""
    signing_input = b64url(_json_bytes(header)) + "." + b64url(_json_bytes(claims))
    return signing_input + "." + b64url(signer(signing_input))


def sign_segments(h64: str, p64: str, signer) -> str:
    """A token over segments given as text (non-canonical base64url, say), signed as they are."""
    signing_input = h64 + "." + p64
    return signing_input + "." + b64url(signer(signing_input))


def sign(claims: dict, header: dict | None = None, key: str = TEST_SECRET_KEY) -> str:
    header = header or {"alg": "HS256", "typ": "JWT"}
    return jws(header, claims, lambda s: hs256_mac(key, s))


# -- asymmetric signers (python3-cryptography) --------------------------------------------------

def rs256_signer(private_key):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    return lambda s: private_key.sign(s.encode(), padding.PKCS1v15(), hashes.SHA256())


def es256_raw(r: int, s: int) -> bytes:
    """A JWS ES256 signature: r and s as 32 big-endian bytes each (RFC 7518 §3.4)."""
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def es256_signer(private_key):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    def signer(s):
        r, s_ = decode_dss_signature(private_key.sign(s.encode(), ec.ECDSA(hashes.SHA256())))
        return es256_raw(r, s_)
    return signer


def private_key_pem(private_key) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


# -- claims -------------------------------------------------------------------------------------

def sliding_claims(user_id: int, **overrides) -> dict:
    now = int(time.time())
    claims = {"token_type": "sliding", "exp": now + 600, "iat": now, "jti": uuid.uuid4().hex,
              "refresh_exp": now + 600, "user_id": user_id}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def access_claims(user_id: int, **overrides) -> dict:
    """The pair profile's access token claims (token_type access, 5 minutes)."""
    now = int(time.time())
    claims = {"token_type": "access", "exp": now + 300, "iat": now, "jti": uuid.uuid4().hex,
              "user_id": user_id}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


# -- P-256 by hand (for signatures that verify against points NOT on the curve) ---------------

P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
P256_A = P256_P - 3
P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b
P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
P256_G = (0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
          0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5)


def on_p256(point) -> bool:
    x, y = point
    return 0 <= x < P256_P and 0 <= y < P256_P and (y * y - (x ** 3 + P256_A * x + P256_B)) % P256_P == 0


def _add(p, q):
    """Affine addition with the short-Weierstrass formulas, which never use b: this is what a
    verifier that skips the on-curve check computes (None is the point at infinity)."""
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2 and (y1 + y2) % P256_P == 0:
        return None
    if p == q:
        lam = (3 * x1 * x1 + P256_A) * pow(2 * y1, -1, P256_P) % P256_P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P256_P) % P256_P
    x3 = (lam * lam - x1 - x2) % P256_P
    return x3, (lam * (x1 - x3) - y1) % P256_P


def _mul(k, p):
    result = None
    while k:
        if k & 1:
            result = _add(result, p)
        p = _add(p, p)
        k >>= 1
    return result


def naive_es256_verify(point, signing_input: str, signature: bytes) -> bool:
    """ECDSA P-256 verification without range or on-curve checks (the broken verifier)."""
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    e = int.from_bytes(hashlib.sha256(signing_input.encode()).digest(), "big")
    try:
        w = pow(s, -1, P256_N)
    except ValueError:
        return False
    total = _add(_mul(e * w % P256_N, P256_G), _mul(r * w % P256_N, point))
    return total is not None and total[0] % P256_N == r


def off_curve_point():
    """(x, 0) with x random: not on P-256 (b differs), and of order 2 for the b-free formulas,
    so that u2·Q vanishes whenever u2 is even."""
    while True:
        point = (secrets.randbelow(P256_P - 1) + 1, 0)
        if not on_p256(point):
            return point


def off_curve_signature(signing_input: str) -> bytes:
    """A signature (r, s) that naive_es256_verify accepts for off_curve_point()'s points: pick s,
    take R = (e/s)·G and r = x(R); keep it when r/s is even (then u2·Q is the infinity)."""
    e = int.from_bytes(hashlib.sha256(signing_input.encode()).digest(), "big")
    while True:
        s = secrets.randbelow(P256_N - 1) + 1
        point = _mul(e * pow(s, -1, P256_N) % P256_N, P256_G)
        r = point[0] % P256_N
        if r and (r * pow(s, -1, P256_N) % P256_N) % 2 == 0:
            return es256_raw(r, s)


def django_pbkdf2(password: str, salt: str, iterations: int) -> str:
    """The string Django's PBKDF2PasswordHasher stores for this password."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"
