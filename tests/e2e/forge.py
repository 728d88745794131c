"""Builds HS256 tokens with the test server's SECRET_KEY, to prove what the server refuses."""
import base64
import hashlib
import hmac
import json
import time
import uuid

from harness import TEST_SECRET_KEY


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict, header: dict | None = None, key: str = TEST_SECRET_KEY) -> str:
    header = header or {"alg": "HS256", "typ": "JWT"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    mac = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(mac)


def sliding_claims(user_id: int, **overrides) -> dict:
    now = int(time.time())
    claims = {"token_type": "sliding", "exp": now + 600, "iat": now, "jti": uuid.uuid4().hex,
              "refresh_exp": now + 600, "user_id": user_id}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def django_pbkdf2(password: str, salt: str, iterations: int) -> str:
    """The string Django's PBKDF2PasswordHasher stores for this password."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"
