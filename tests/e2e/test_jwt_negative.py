"""The JWT negative suite (hardening issue 13 item 3; RFC 8725), on every token-taking route.

Every route whose OpenAPI operation names the jwtAuth scheme (the authenticator reads
`Authorization: Bearer` before the handler runs, on required and optional routes alike) gets
each bad token as a bearer token; token/refresh/, token/verify/ and token/blacklist/ get it in
the JSON body too. Each must answer 401 with exactly one envelope entry, code token_not_valid;
no answer of the whole suite may be a 5xx. Servers: HS256 with the sliding and the pair
profile, RS256 (pair, iss/aud required), ES256 (sliding) and EdDSA (pair), the asymmetric ones
on a key file written here so that the tests know the public key the attacker knows.

Tokens are forged with forge.py. Each bad token differs from one the server accepts (a
positive control per server proves the forge) in the one way its case names, and where the
attack needs it, it is signed with the real key so that only the check under test refuses it.
"""
import hashlib
import json
import socket
import time
import unittest

from cryptography.hazmat.primitives import serialization

import forge
from harness import API_PREFIX
from jwt_negative_support import (ATTACKER_SECRET, BEARER_OPTIONAL, BEARER_REQUIRED, CASES, DESTRUCTIVE, ISSUER, RESPONSES, Listener,
                                  NegativeSuite, attacker_certificate_der, b64json, flip_pad_bit, public_jwk)


def tearDownModule():
    # "No 500 in the whole suite": every answer of every test, counted.
    server_errors = [s for s in RESPONSES if s >= 500]
    servers = sorted({server for server, _ in CASES})
    print(f"\njwt negative suite: {len(CASES)} bad tokens ({len(set(n for _, n in CASES))} distinct cases) "
          f"on {len(servers)} servers, {len(RESPONSES)} responses, "
          f"{sum(1 for s in RESPONSES if s == 401)} of them 401, {len(server_errors)} 5xx")
    assert not server_errors, server_errors


WRONG_TYPE = "Token has wrong type"


class CommonCases(NegativeSuite):
    """The cases every server gets."""

    def test_positive_control_the_forge_and_every_route(self):
        # Each case below spoils one thing of this token: the server must take it as it is.
        for name, token in {"forged": self.good(), "issued": self.real["token"]}.items():
            for method, path in BEARER_REQUIRED + BEARER_OPTIONAL:
                if (method, path) in DESTRUCTIVE:
                    continue
                r = self.send(method, path, token)
                # The handler ran: what it answers (400 for an empty body, POST token/'s 401 without
                # credentials, POST social/'s 403 for a caller already signed in) is not the token's.
                self.assertLess(r.status, 500, (name, method, path, r))
                if r.status >= 400:
                    self.assertNotIn(r.json()["errors"][0]["code"],
                                     ("token_not_valid", "not_authenticated", "ip_blocked"), (name, method, path, r))
            r = self.send("post", "token/verify/", token, in_body="token")
            self.assertEqual((r.status, r.json()), (200, {}), name)
        r = self.send("get", "users/{id}/", self.good())
        self.assertEqual((r.status, r.json()["id"]), (200, str(self.uid)))

    def test_alg_none_in_every_spelling(self):
        h64, p64, s64 = self.good().split(".")
        for alg in ("none", "None", "NONE", "nOnE"):
            for header in (self.header(alg=alg), {"alg": alg}, {"alg": alg, "typ": "JWT"}):
                self.refused(f"alg {alg} {sorted(header)}, no signature", f"{b64json(header)}.{p64}.")
                self.refused(f"alg {alg} {sorted(header)}, the real signature", f"{b64json(header)}.{p64}.{s64}")
            # signed with the real key over the none header: still no algorithm we use
            self.refused(f"alg {alg}, signed", self.good(header=self.header(alg=alg)))

    def test_algorithms_other_than_the_configured_one(self):
        claims = self.claims()
        bad_alg_values = ["", self.ALG.lower(), self.ALG + " ", " " + self.ALG, [self.ALG], 256, None]
        for value in bad_alg_values:
            raw = dict(self.header(), alg=value)  # alg: null stays in the header
            self.refused(f"alg {value!r}, signed", forge.jws(raw, claims, self.signer()))
        self.refused("no alg, signed", self.good(header=self.header(alg=None)))
        for alg in ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"):
            if alg == self.ALG:
                continue
            if alg.startswith("HS"):  # with the server's own SECRET_KEY, the right HMAC
                digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
                token = forge.jws(self.header(alg=alg), claims,
                                  lambda s, d=digest: forge.hs256_mac(forge.TEST_SECRET_KEY, s, d))
            else:
                token = forge.jws(self.header(alg=alg), claims, self.attacker_signer(alg))
            self.refused(f"alg {alg}", token)

    def test_kid_with_a_path_sql_or_10_kb_of_text(self):
        kids = {"relative path to /dev/null": "../../../../../../../../../dev/null",
                "absolute path": "/dev/null", "path with NUL": "/etc/passwd\u0000",
                "SQL union": "x' UNION SELECT 'attacker-secret-0123456789' --",
                "SQL or": "x' OR '1'='1", "SQL stacked": "1; DROP TABLE users; --",
                "10 KB of text": "A" * 10240}
        keys = {"empty key (/dev/null)": b"", "the SQL's key": ATTACKER_SECRET.encode()}
        for name, kid in kids.items():
            for key_name, key in keys.items():
                token = forge.jws(self.header(alg="HS256", kid=kid), self.claims(),
                                  lambda s, k=key: forge.hs256_mac(k, s))
                self.refused(f"kid {name}, HS256 with {key_name}", token)
            if self.ALG != "HS256":
                self.refused(f"kid {name}, attacker's {self.ALG} key",
                             forge.jws(self.header(kid=kid), self.claims(), self.attacker_signer()))
                # our own key under a kid that names none of ours: keys are found by kid only
                self.refused(f"kid {name}, our key", self.good(header=self.header(kid=kid)))
        # with the real key: a kid that is not a string, or 10 KB of it, is no token of ours
        for value in (1, None, {"a": 1}, ["x"], "A" * 10240):
            self.refused(f"kid {str(value)[:20]!r}, signed",
                         forge.jws(dict(self.header(), kid=value), self.claims(), self.signer()))

    def test_jku_x5u_jwk_x5c_headers_are_ignored_and_fetch_nothing(self):
        listener = Listener()
        self.addCleanup(listener.close)
        attacker_kid = "attacker-key"
        alg = self.ALG
        attacker_jwk = public_jwk(alg, attacker_kid)
        headers = {
            "jku": {"jku": listener.url + "/jwks.json", "kid": attacker_kid},
            "jku with our kid": {"jku": listener.url + "/jwks.json"},
            "jku on localhost": {"jku": listener.url.replace("127.0.0.1", "localhost") + "/.well-known/jwks.json",
                                 "kid": attacker_kid},
            "x5u": {"x5u": listener.url + "/cert.pem", "kid": attacker_kid},
            "jwk": {"jwk": attacker_jwk, "kid": attacker_kid},
            "jwk with our kid": {"jwk": attacker_jwk},
            "jwk and jku": {"jwk": attacker_jwk, "jku": listener.url + "/jwks.json", "kid": attacker_kid},
        }
        for name, extra in headers.items():
            self.refused(f"{name} header", forge.jws(self.header(**extra), self.claims(), self.attacker_signer()))
        if alg != "HS256":
            cert = attacker_certificate_der(alg)
            self.refused("x5c header", forge.jws(self.header(x5c=[forge.base64.b64encode(cert).decode()], kid=None),
                                                 self.claims(), self.attacker_signer()))
        time.sleep(0.3)  # a fetch made in the background would have arrived by now
        self.assertEqual(listener.connections, 0, "the server fetched a key from a token's header")
        # ...and the listener would have seen one: connect to it ourselves.
        socket.create_connection(listener.sock.getsockname(), timeout=2).close()
        deadline = time.monotonic() + 2
        while listener.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(listener.connections, 1)

    def test_wrong_typ_header(self):
        for typ in ("at+jwt", "JWE", "JOSE", "JOSE+JSON", "", "JWT ", "secevent+jwt", "application/jose",
                    1, None, ["JWT"]):
            self.refused(f"typ {typ!r}", forge.jws(dict(self.header(), typ=typ), self.claims(), self.signer()))
        # RFC 7515 §4.1.9: media types are case-insensitive, "application/" may be left out,
        # and typ is optional (RFC 7519 §5.1).
        for header in (self.header(typ="jwt"), self.header(typ="application/jwt"), self.header(typ=None)):
            r = self.send("get", "users/{id}/", self.good(header=header))
            self.assertEqual(r.status, 200, (header, r))

    def test_wrong_token_type_claim(self):
        bearer_type = "access" if self.PROFILE == "pair" else "sliding"
        for value in ("id", "", bearer_type.upper(), bearer_type + " ", "Bearer"):
            self.refused(f"token_type {value!r}", self.good(claims=self.claims(token_type=value)), message=WRONG_TYPE)
        for value in (1, ["sliding"], {"t": "access"}):
            self.refused(f"token_type {value!r}", self.good(claims=self.claims(token_type=value)))
        self.refused("token_type missing", self.good(claims=self.claims(token_type=None)))
        raw = json.dumps(self.claims()).replace('"token_type": "', '"type": "')
        self.refused("type claim under another name", self.good(claims=raw))
        raw = json.dumps(self.claims()).replace(f'"token_type": "{bearer_type}"', '"token_type": null')
        self.refused("token_type null", self.good(claims=raw))

    def test_refresh_used_as_access_and_the_reverse(self):
        if self.PROFILE == "pair":
            for name, token in {"issued refresh": self.real["refresh"],
                                "forged refresh": self.good(claims=self.refresh_claims())}.items():
                self.refused(f"{name} as bearer", token, scope="bearer", message=WRONG_TYPE)
            self.refused("issued access as refresh", self.real["token"], scope="refresh", message=WRONG_TYPE)
            self.refused("forged access as refresh", self.good(), scope="refresh", message=WRONG_TYPE)
            self.refused("sliding type", self.good(claims=self.claims(token_type="sliding")),
                         scope="bearer+refresh", message=WRONG_TYPE)
        else:
            for other in ("access", "refresh"):
                self.refused(f"{other} type", self.good(claims=self.claims(token_type=other)),
                             scope="bearer+refresh", message=WRONG_TYPE)
            now = int(time.time())
            self.refused("refresh_exp passed", self.good(claims=self.claims(refresh_exp=now - 1)), scope="refresh")

    def test_expired_or_not_yet_valid(self):
        now = int(time.time())
        for name, claims in {"expired a second ago": self.claims(exp=now - 1), "exp now": self.claims(exp=now),
                             "expired a day ago": self.claims(exp=now - 86400), "exp missing": self.claims(exp=None),
                             "exp 0": self.claims(exp=0), "exp negative": self.claims(exp=-1),
                             "exp a string": self.claims(exp=str(now + 600)), "exp true": self.claims(exp=True),
                             "nbf in 5 minutes": self.claims(nbf=now + 300),
                             "nbf in a year": self.claims(nbf=now + 31536000),
                             "nbf a string": self.claims(nbf="0")}.items():
            self.refused(name, self.good(claims=claims))
        for name, number in {"exp 1e400 (infinity)": "1e400", "exp NaN": "NaN", "exp 2^64": str(2 ** 64)}.items():
            raw = json.dumps(self.claims(exp=123456789)).replace("123456789", number)
            self.refused(name, self.good(claims=raw))
        self.refused("exp null", self.good(claims=json.dumps(self.claims(exp=123456789)).replace("123456789", "null")))

    def test_wrong_issuer_or_audience(self):
        if not self.SCOPED:
            # no audience configured: a token meant for some audience is not for us
            for aud in ("app", ["app"], ""):
                self.refused(f"aud {aud!r} unasked for", self.good(claims=self.claims(aud=aud)))
            return
        for name, claims in {"iss wrong": self.claims(iss="https://evil.example"), "iss missing": self.claims(iss=None),
                             "iss with a trailing slash": self.claims(iss=ISSUER + "/"),
                             "iss upper-case": self.claims(iss=ISSUER.upper()), "iss a list": self.claims(iss=[ISSUER]),
                             "aud wrong": self.claims(aud="other"), "aud missing": self.claims(aud=None),
                             "aud a list without ours": self.claims(aud=["other", "apps"]),
                             "aud empty list": self.claims(aud=[]), "aud a number": self.claims(aud=1),
                             "aud a prefix": self.claims(aud="ap"), "aud upper-case": self.claims(aud="APP")}.items():
            self.refused(name, self.good(claims=claims))

    def test_oversized_header_and_token(self):
        # A 10 KB header, signed with the real key (the bearer header stays under 16 KiB).
        self.refused("10 KB header", self.good(header=self.header(x="h" * 10240)))
        members = json.dumps(self.header(**{f"m{i}": i for i in range(1000)}), separators=(",", ":"))
        self.assertGreater(len(members), 10240)
        self.refused("10 KB header of 1000 members", self.good(header=members))
        # 100 KB tokens in the JSON body of the body routes (the body limit is 1 MiB).
        huge = self.good(claims=self.claims(x="p" * 75000))
        self.assertGreater(len(huge), 100000)
        self.refused("100 KB token", huge, scope="body")
        self.refused("100 KB header", self.good(header=self.header(x="h" * 75000)), scope="body")
        # A bearer token just under the 16 KiB header limit: still token_not_valid, and 2 KB
        # more is the transport's 431 (so the first one was within the limit).
        under = self.sized_token(15800)
        self.refused("bearer token just under the header limit", under, scope="bearer")
        r = self.send("get", "users/{id}/", self.sized_token(17000))
        self.assertEqual((r.status, r.json()["errors"][0]["code"]), (431, "headers_too_large"))

    def sized_token(self, length):
        """A good token but for its size: `length` characters (up to 3 more)."""
        n = (length - len(self.good(claims=self.claims(x="")))) * 3 // 4
        token = self.good(claims=self.claims(x="p" * n))
        while len(token) < length:  # base64 rounding
            n += 1
            token = self.good(claims=self.claims(x="p" * n))
        return token

    def test_duplicate_json_keys(self):
        header = json.dumps(self.header())[1:-1]
        claims = self.claims()
        body = json.dumps(claims)[1:-1]
        now = int(time.time())
        headers = {"alg none then ours": '{"alg":"none",' + header + "}",
                   "alg ours then none": "{" + header + ',"alg":"none"}',
                   "alg ours twice": '{"alg":"' + self.ALG + '",' + header + "}",
                   "typ twice": "{" + header + ',"typ":"JWE"}'}
        if self.kid:
            headers["kid twice"] = '{"kid":"attacker",' + header + "}"
        for name, raw in headers.items():
            self.refused(f"header: {name}", self.good(header=raw, claims=claims))
        payloads = {"exp past then future": f'{{"exp":{now - 3600},' + body + "}",
                    "exp future then past": "{" + body + f',"exp":{now - 3600}}}',
                    "user_id victim then mallory": f'{{"user_id":{self.victim_id},' + body + "}",
                    "user_id mallory then victim": "{" + body + f',"user_id":{self.victim_id}}}',
                    "token_type twice": '{"token_type":"refresh",' + body + "}",
                    "jti twice": '{"jti":"' + "0" * 32 + '",' + body + "}",
                    "the same member twice": "{" + body + ',"iat":' + str(claims["iat"]) + "}"}
        for name, raw in payloads.items():
            self.refused(f"payload: {name}", self.good(claims=raw))

    def test_non_canonical_base64url(self):
        # Segments whose encodings have leftover bits and '-' or '_' (so that padding, '+' '/'
        # and set trailing bits all apply), signed as sent: only the encoding check can refuse.
        def shaped(make):
            for extra in range(3):
                seg = b64json(make("???~~~" + "a" * extra))
                if len(seg) % 4 in (2, 3) and ("-" in seg or "_" in seg):
                    return seg
            raise AssertionError("no segment shape found")
        h64 = shaped(lambda x: self.header(x=x))
        sign = lambda h, p: forge.sign_segments(h, p, self.signer())
        for _ in range(200):  # a signature with '-' or '_' in it (each jti gives another)
            p64 = shaped(lambda x: self.claims(x=x))
            good = sign(h64, p64)
            if "-" in good.split(".")[2] or "_" in good.split(".")[2]:
                break
        self.assertEqual(self.send("get", "users/{id}/", good).status, 200, "the canonical token is good")
        s64 = good.split(".")[2]
        pad = lambda seg: seg + "=" * (-len(seg) % 4)
        std = lambda seg: seg.replace("-", "+").replace("_", "/")
        cases = {"header padded": sign(pad(h64), p64), "payload padded": sign(h64, pad(p64)),
                 "signature padded": f"{h64}.{p64}.{pad(s64)}",
                 "header in the + / alphabet": sign(std(h64), p64), "payload in the + / alphabet": sign(h64, std(p64)),
                 "header trailing bits set": sign(flip_pad_bit(h64), p64),
                 "payload trailing bits set": sign(h64, flip_pad_bit(p64)),
                 "signature trailing bits set": f"{h64}.{p64}.{flip_pad_bit(s64)}",
                 "tab in the payload": sign(h64, p64[:10] + "\t" + p64[10:]),
                 "tab in the signature": f"{h64}.{p64}.{s64[:5]}\t{s64[5:]}",
                 "percent-encoded": good.replace("-", "%2D").replace("_", "%5F")}
        signature = forge.base64.urlsafe_b64decode(pad(s64))
        std_signature = forge.base64.b64encode(signature).decode().rstrip("=")
        cases["signature in the + / alphabet"] = f"{h64}.{p64}.{std_signature}"
        for name, token in cases.items():
            self.assertNotEqual(token, good, name)
            self.refused(name, token)
        # Whitespace that a header cannot carry (or that splits it: 401 authentication_failed
        # by the two-values rule, reference-contract §1 item 5) is refused in the body.
        for name, token in {"space inside": sign(h64, p64[:10] + " " + p64[10:]),
                            "newline inside": f"{h64}.{p64}\n.{s64}", "CRLF inside": f"{h64}.\r\n{p64}.{s64}",
                            "leading space": " " + good, "trailing newline": good + "\n"}.items():
            self.refused(name, token, scope="body")

    def test_signature_stripped_or_mangled(self):
        good = self.good()
        h64, p64, s64 = good.split(".")
        other = self.good().split(".")[2]
        sig = forge.base64.urlsafe_b64decode(s64 + "=" * (-len(s64) % 4))
        flipped = bytes([sig[0] ^ 1]) + sig[1:]
        for name, token in {"signature stripped": f"{h64}.{p64}.", "two parts": f"{h64}.{p64}",
                            "four parts": f"{good}.", "five parts (JWE-shaped)": f"{h64}.{p64}.{s64}.{s64}.{s64}",
                            "no header": f".{p64}.{s64}", "no payload": f"{h64}..{s64}", "dots only": "..",
                            "another token's signature": f"{h64}.{p64}.{other}",
                            "one bit flipped": f"{h64}.{p64}.{forge.b64url(flipped)}",
                            "one byte short": f"{h64}.{p64}.{forge.b64url(sig[:-1])}",
                            "one byte long": f"{h64}.{p64}.{forge.b64url(sig + b'x')}",
                            "signature of a none token": f"{b64json({'alg': 'none'})}.{p64}.{s64}",
                            "payload swapped":
                                f"{h64}.{b64json(dict(self.claims(), user_id=self.victim_id))}.{s64}"}.items():
            self.refused(name, token)


class HS256SlidingTest(CommonCases, unittest.TestCase):
    ALG, PROFILE = "HS256", "sliding"

    def test_route_list_matches_the_openapi_security_entries(self):
        doc = self.c.request("GET", "/api/v1/schema/").json()
        required, optional = set(), set()
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                security = op.get("security", [])
                if not any("jwtAuth" in requirement for requirement in security):
                    continue
                rel = path[len(API_PREFIX):] if path.startswith(API_PREFIX) else path
                (optional if {} in security else required).add((method, rel))
        self.assertEqual(required, set(BEARER_REQUIRED))
        self.assertEqual(optional, set(BEARER_OPTIONAL))
        self.assertEqual(len(required) + len(optional), 46)

    def test_body_token_of_another_json_type_is_a_clear_4xx(self):
        # Not a token at all: the field rules of every body (a number reads as its text, as DRF's
        # CharField has it), and the 1 MiB body limit; never a 5xx.
        for path in ("token/refresh/", "token/verify/", "token/blacklist/"):
            for value, status, code in ((123, 401, "token_not_valid"), (["a.b.c"], 400, "invalid"),
                                        ({"a": 1}, 400, "invalid"), (True, 400, "invalid"), (None, 400, "null"),
                                        ("", 400, "required" if path == "token/blacklist/" else "blank"),
                                        ("x" * 1100000, 413, "request_too_large")):
                r = self.c.request("POST", path, {"token": value})
                RESPONSES.append(r.status)
                self.assertEqual((r.status, r.json()["errors"][0]["code"]), (status, code), (path, str(value)[:20]))


class HS256PairScopedTest(CommonCases, unittest.TestCase):
    ALG, PROFILE, SCOPED = "HS256", "pair", True


class RS256PairScopedTest(CommonCases, unittest.TestCase):
    ALG, PROFILE, SCOPED = "RS256", "pair", True

    def public_key(self):
        return self.private_key.public_key()

    def test_hs256_signed_with_the_rs256_public_key_in_each_encoding(self):
        pub = self.public_key()
        pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        pkcs1 = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        jwks = self.c.request("GET", "/.well-known/jwks.json")
        self.assertEqual(jwks.status, 200)
        jwk = jwks.json()["keys"][0]
        self.assertEqual(jwk["kid"], self.kid)
        numbers = pub.public_numbers()
        encodings = {
            "PEM": pem,
            "PEM without trailing newline": pem.rstrip(b"\n"),
            "PEM with CRLF": pem.replace(b"\n", b"\r\n"),
            "DER SubjectPublicKeyInfo": pub.public_bytes(serialization.Encoding.DER,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo),
            "PKCS#1 PEM": pkcs1,
            "PKCS#1 DER": pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1),
            "OpenSSH": pub.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
            "the JWKS document as served": jwks.body,
            "the JWK as served": json.dumps(jwk).encode(),
            "the JWK compact": json.dumps(jwk, separators=(",", ":")).encode(),
            "n (base64url)": jwk["n"].encode(),
            "n (bytes)": numbers.n.to_bytes(256, "big"),
            "n (decimal)": str(numbers.n).encode(),
            "e (base64url)": jwk["e"].encode(),
            "kid": self.kid.encode(),
        }
        for name, key in encodings.items():
            for header in ({"alg": "HS256", "typ": "JWT"}, {"alg": "HS256", "kid": self.kid, "typ": "JWT"}):
                token = forge.jws(header, self.claims(), lambda s, key=key: forge.hs256_mac(key, s))
                self.refused(f"HS256 with {name} ({sorted(header)})", token)
        # and the shared SECRET_KEY, which this server still has, is no RS256 key either
        self.refused("HS256 with SECRET_KEY", forge.sign(self.claims()))

    def test_rsa_signature_values_out_of_form(self):
        token = self.good()
        h64, p64, s64 = token.split(".")
        sig = forge.base64.urlsafe_b64decode(s64 + "==")
        n = self.public_key().public_numbers().n
        for name, bad in {"zero": bytes(256), "one": (1).to_bytes(256, "big"),
                          "the modulus": n.to_bytes(256, "big"), "leading zero byte": b"\0" + sig,
                          "one byte short": sig[1:], "empty": b""}.items():
            self.refused(f"RS256 signature {name}", f"{h64}.{p64}.{forge.b64url(bad)}" if bad else f"{h64}.{p64}.")


class ES256SlidingTest(CommonCases, unittest.TestCase):
    ALG, PROFILE = "ES256", "sliding"

    def test_hs256_signed_with_the_es256_public_key_in_each_encoding(self):
        pub = self.private_key.public_key()
        jwk = self.c.request("GET", "/.well-known/jwks.json").json()["keys"][0]
        point = pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        for name, key in {"PEM": pem, "PEM without trailing newline": pem.rstrip(b"\n"),
                          "DER": pub.public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo),
                          "the JWK as served": json.dumps(jwk).encode(), "x (base64url)": jwk["x"].encode(),
                          "uncompressed point": point}.items():
            token = forge.jws({"alg": "HS256", "kid": self.kid, "typ": "JWT"}, self.claims(),
                              lambda s, key=key: forge.hs256_mac(key, s))
            self.refused(f"HS256 with {name}", token)

    def test_invalid_curve_point_and_out_of_range_signatures(self):
        # A signature that does verify, for a verifier without the on-curve check, against a
        # point not on P-256, that point offered as the token's own jwk, with a kid naming it.
        q = forge.off_curve_point()
        self.assertFalse(forge.on_p256(q))
        off_jwk = {"kty": "EC", "crv": "P-256", "x": forge.b64url(q[0].to_bytes(32, "big")),
                   "y": forge.b64url(q[1].to_bytes(32, "big"))}
        for header in (self.header(jwk=off_jwk), self.header(jwk=off_jwk, kid="off-curve"),
                       self.header(kid=None, jwk=off_jwk)):
            h64 = forge.b64url(json.dumps(header).encode())
            p64 = forge.b64url(json.dumps(self.claims()).encode())
            sig = forge.off_curve_signature(f"{h64}.{p64}")
            self.assertTrue(forge.naive_es256_verify(q, f"{h64}.{p64}", sig), "the forgery must be real")
            self.refused(f"off-curve jwk {sorted(header)}", f"{h64}.{p64}.{forge.b64url(sig)}")
        n = forge.P256_N
        token = self.good()
        h64, p64, s64 = token.split(".")
        sig = forge.base64.urlsafe_b64decode(s64 + "==")
        r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
        bad = {"r = s = 0 (psychic signature)": forge.es256_raw(0, 0),
               "r = 0": forge.es256_raw(0, s), "s = 0": forge.es256_raw(r, 0),
               "r = n": forge.es256_raw(n, s), "s = n": forge.es256_raw(r, n),
               "r = s = n": forge.es256_raw(n, n), "r = n + 1": forge.es256_raw(n + 1, s),
               "r = s = 2^256 - 1": forge.es256_raw(2 ** 256 - 1, 2 ** 256 - 1),
               "DER instead of r||s": self.der_signature(r, s),
               "63 bytes": sig[1:], "65 bytes": b"\0" + sig}
        for name, value in bad.items():
            self.refused(f"ES256 signature {name}", f"{h64}.{p64}.{forge.b64url(value)}")

    @staticmethod
    def der_signature(r, s):
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
        return encode_dss_signature(r, s)


class EdDSAPairTest(CommonCases, unittest.TestCase):
    ALG, PROFILE = "EdDSA", "pair"

    def test_hs256_signed_with_the_ed25519_public_key_in_each_encoding(self):
        pub = self.private_key.public_key()
        jwk = self.c.request("GET", "/.well-known/jwks.json").json()["keys"][0]
        self.assertEqual((jwk["kty"], jwk["crv"], jwk["kid"]), ("OKP", "Ed25519", self.kid))
        pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        for name, key in {"PEM": pem, "PEM without trailing newline": pem.rstrip(b"\n"),
                          "DER": pub.public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo),
                          "raw": pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
                          "the JWK as served": json.dumps(jwk).encode(), "x (base64url)": jwk["x"].encode()}.items():
            token = forge.jws({"alg": "HS256", "kid": self.kid, "typ": "JWT"}, self.claims(),
                              lambda s, key=key: forge.hs256_mac(key, s))
            self.refused(f"HS256 with {name}", token)

    def test_ed25519_signature_values_out_of_form(self):
        h64, p64, s64 = self.good().split(".")
        sig = forge.base64.urlsafe_b64decode(s64 + "==")
        # S at or above the group order L (RFC 8032 §5.1.7: must be refused, the malleability check)
        order = 2 ** 252 + 27742317777372353535851937790883648493
        s_plus_l = (int.from_bytes(sig[32:], "little") + order).to_bytes(32, "little")
        for name, value in {"zero": bytes(64), "S + L": sig[:32] + s_plus_l, "63 bytes": sig[1:],
                            "65 bytes": sig + b"\0",
                            "R of the identity": (1).to_bytes(32, "little") + bytes(32)}.items():
            self.refused(f"Ed25519 signature {name}", f"{h64}.{p64}.{forge.b64url(value)}")


if __name__ == "__main__":
    unittest.main()
