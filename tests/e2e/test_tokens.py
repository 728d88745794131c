"""Token routes end to end: token/, token/refresh/, token/verify/, token/blacklist/, JWKS
(reference-contract R1–R4, §7.4; interface.md §4)."""
import concurrent.futures
import re
import time
import unittest

import forge
from harness import Client, Server, assert_error, decode_jwt_payload

# The reference's claims plus `sid`, the session the sign-in started (issue 16 item 1).
SLIDING_KEYS = {"token_type", "exp", "iat", "jti", "refresh_exp", "sid", "user_id"}


class SlidingProfileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        cls.c = Client(cls.server)
        r = cls.c.request("POST", "users/", {"username": "alice", "email": "alice@example.com",
                                             "phone_number": "+31612345678", "password": "correct horse 1"})
        assert r.status == 201, r.body
        cls.alice_id = int(r.json()["id"])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def login(self, **fields):
        return self.c.request("POST", "token/", fields)

    def test_password_login_returns_only_a_sliding_token_with_the_reference_claims(self):
        r = self.login(username="alice", password="correct horse 1")
        self.assertEqual(r.status, 200)
        self.assertEqual(list(r.json().keys()), ["token"])
        claims = decode_jwt_payload(r.json()["token"])
        self.assertEqual(set(claims), SLIDING_KEYS)
        self.assertEqual(claims["token_type"], "sliding")
        self.assertEqual(claims["user_id"], self.alice_id)
        self.assertEqual(claims["exp"] - claims["iat"], 1209600)
        self.assertEqual(claims["refresh_exp"] - claims["iat"], 1209600)
        self.assertRegex(claims["jti"], r"^[0-9a-f]{32}$")

    def test_login_by_email_or_phone_with_password(self):
        for fields in ({"email": "ALICE@example.com"}, {"email": "alice@EXAMPLE.com"},
                       {"phone_number": "+31 6 12345678"}):
            r = self.login(password="correct horse 1", **fields)
            self.assertEqual(r.status, 200, fields)
            self.assertEqual(decode_jwt_payload(r.json()["token"])["user_id"], self.alice_id)

    def test_form_encoded_and_multipart_logins_work(self):
        r = self.c.request("POST", "token/", {"username": "alice", "password": "correct horse 1"}, form=True)
        self.assertEqual(r.status, 200)
        r = self.c.request("POST", "token/", {"username": "alice", "password": "correct horse 1"}, multipart=True)
        self.assertEqual(r.status, 200)

    def test_wrong_credentials_are_401_authentication_failed_with_www_authenticate(self):
        for fields in ({"username": "alice", "password": "wrong"}, {"username": "nobody", "password": "x"},
                       {}, {"username": "alice"}, {"email": "nobody@example.com", "otp": "123456"}):
            r = self.login(**fields)
            assert_error(self, r, 401, "authentication_failed", message="Incorrect authentication credentials.")
            self.assertEqual(r.headers.get("www-authenticate"), 'Bearer realm="api"')
        # Alice's sign-up made an email device: a code she never received is a wrong OTP (R1).
        assert_error(self, self.login(email="alice@example.com", otp="123456"), 400, "wrong_otp",
                     message="Wrong or expired one-time password")

    def test_bad_field_types_are_400(self):
        assert_error(self, self.login(username=None, password="x"), 400, "null", field="username",
                     message="This field may not be null.")
        assert_error(self, self.login(username={"a": 1}, password="x"), 400, "invalid", field="username",
                     message="Not a valid string.")
        assert_error(self, self.login(username="alice", password=["x"]), 400, "invalid", field="password")
        assert_error(self, self.login(phone_number="not a phone", password="x"), 400, "invalid",
                     field="phone_number", message="Enter a valid phone number.")

    def test_malformed_json_is_400_parse_error(self):
        r = self.c.request("POST", "token/", raw=b'{"username": "alice",', headers={"Content-Type": "application/json"})
        assert_error(self, r, 400, "parse_error")
        self.assertTrue(r.json()["errors"][0]["message"].startswith("JSON parse error - "))

    def test_sliding_refresh_keeps_jti_and_refresh_exp(self):
        token = self.login(username="alice", password="correct horse 1").json()["token"]
        before = decode_jwt_payload(token)
        time.sleep(1.1)
        r = self.c.request("POST", "token/refresh/", {"token": token})
        self.assertEqual(r.status, 200)
        self.assertEqual(list(r.json().keys()), ["token"])
        after = decode_jwt_payload(r.json()["token"])
        self.assertEqual(after["jti"], before["jti"])
        self.assertEqual(after["refresh_exp"], before["refresh_exp"])
        self.assertEqual(after["user_id"], before["user_id"])
        self.assertGreater(after["iat"], before["iat"])
        self.assertEqual(after["exp"] - after["iat"], 1209600)

    def test_refresh_verify_blacklist_error_cases(self):
        for path in ("token/refresh/", "token/verify/"):
            assert_error(self, self.c.request("POST", path, {}), 400, "required", field="token",
                         message="This field is required.")
            assert_error(self, self.c.request("POST", path, {"token": "garbage"}), 401, "token_not_valid")
        assert_error(self, self.c.request("POST", "token/blacklist/", {}), 400, "required", field="token")
        assert_error(self, self.c.request("POST", "token/blacklist/", {"token": "a.b.c"}), 401, "token_not_valid")

    def test_verify_valid_token_is_200_empty_object(self):
        token = self.login(username="alice", password="correct horse 1").json()["token"]
        r = self.c.request("POST", "token/verify/", {"token": token})
        self.assertEqual((r.status, r.json()), (200, {}))

    def test_blacklisted_token_is_refused_everywhere(self):
        token = self.login(username="alice", password="correct horse 1").json()["token"]
        self.assertEqual(self.c.request("GET", "users/0/", token=token).status, 200)
        r = self.c.request("POST", "token/blacklist/", {"token": token})
        self.assertEqual((r.status, r.json()), (200, {}))
        assert_error(self, self.c.request("GET", "users/0/", token=token), 401, "token_not_valid")
        assert_error(self, self.c.request("POST", "token/verify/", {"token": token}), 401, "token_not_valid")
        assert_error(self, self.c.request("POST", "token/refresh/", {"token": token}), 401, "token_not_valid")

    def test_forged_and_invalid_tokens_are_refused_with_401_token_not_valid(self):
        uid = self.alice_id
        now = int(time.time())
        good = forge.sign(forge.sliding_claims(uid))
        self.assertEqual(self.c.request("GET", "users/0/", token=good).status, 200, "the forge must be right")
        bad_tokens = {
            "bad signature": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
            "other key": forge.sign(forge.sliding_claims(uid), key="another-secret"),
            "alg none": forge.b64url(b'{"alg":"none","typ":"JWT"}') + "." + good.split(".")[1] + ".",
            "alg HS512": forge.sign(forge.sliding_claims(uid), header={"alg": "HS512", "typ": "JWT"}),
            "expired": forge.sign(forge.sliding_claims(uid, exp=now - 1)),
            "nbf in future": forge.sign(forge.sliding_claims(uid, nbf=now + 300)),
            "no exp": forge.sign(forge.sliding_claims(uid, exp=None)),
            "no type": forge.sign(forge.sliding_claims(uid, token_type=None)),
            "access type": forge.sign(forge.sliding_claims(uid, token_type="access")),
            "refresh type": forge.sign(forge.sliding_claims(uid, token_type="refresh")),
            "unknown user": forge.sign(forge.sliding_claims(999999)),
            "two parts": "abc.def",
        }
        for name, token in bad_tokens.items():
            r = self.c.request("GET", "users/0/", token=token)
            expected = "authentication_failed" if name == "unknown user" else "token_not_valid"
            assert_error(self, r, 401, expected)
            r = self.c.request("POST", "token/verify/", {"token": token})
            # verify/ accepts every token type this server signs (simplejwt's UntypedToken)
            self.assertEqual(r.status, 200 if name in ("access type", "refresh type") else 401, name)
        expired = forge.sign(forge.sliding_claims(uid, exp=now - 1))
        assert_error(self, self.c.request("POST", "token/refresh/", {"token": expired}), 401, "token_not_valid")
        past_refresh = forge.sign(forge.sliding_claims(uid, refresh_exp=now - 1))
        assert_error(self, self.c.request("POST", "token/refresh/", {"token": past_refresh}), 401, "token_not_valid")

    def test_invalid_bearer_header_on_a_public_route_is_401(self):
        r = self.c.request("POST", "token/", {"username": "alice", "password": "correct horse 1"},
                           headers={"Authorization": "Bearer"})
        assert_error(self, r, 401, "authentication_failed")
        r = self.c.request("GET", "users/0/", headers={"Authorization": "Token abc"})
        assert_error(self, r, 401, "not_authenticated")

    def test_password_change_revokes_earlier_tokens_and_new_token_works_at_once(self):
        self.c.request("POST", "users/", {"username": "bob", "password": "first password 1"})
        old = self.login(username="bob", password="first password 1").json()["token"]
        r = self.c.request("POST", "users/0/set-password/",
                           {"old_password": "first password 1", "new_password": "second password 2"}, token=old)
        self.assertEqual((r.status, r.json()), (200, {}))
        assert_error(self, self.c.request("GET", "users/0/", token=old), 401, "token_not_valid")
        new = self.login(username="bob", password="second password 2").json()["token"]
        self.assertEqual(self.c.request("GET", "users/0/", token=new).status, 200)
        assert_error(self, self.login(username="bob", password="first password 1"), 401, "authentication_failed")

    def test_jwks_is_empty_under_hs256(self):
        r = self.c.request("GET", "/.well-known/jwks.json")
        self.assertEqual((r.status, r.json()), (200, {"keys": []}))


class TypeClaimNameTest(unittest.TestCase):
    def test_token_type_claim_name_is_configurable(self):
        with Server(env={"DF_AUTH_TOKEN_TYPE_CLAIM": "sliding"}) as server:
            c = Client(server)
            c.request("POST", "users/", {"username": "carol", "password": "carol password 1"})
            token = c.request("POST", "token/", {"username": "carol", "password": "carol password 1"}).json()["token"]
            claims = decode_jwt_payload(token)
            self.assertEqual(claims["sliding"], "sliding")
            self.assertNotIn("token_type", claims)
            self.assertEqual(c.request("GET", "users/0/", token=token).status, 200)


class IssuerAudienceTest(unittest.TestCase):
    def test_issuer_and_audience_are_set_and_required(self):
        with Server(env={"DF_AUTH_JWT_ISSUER": "https://auth.example", "DF_AUTH_JWT_AUDIENCE": "app"}) as server:
            c = Client(server)
            uid = int(c.request("POST", "users/", {"username": "dave", "password": "dave password 1"}).json()["id"])
            token = c.request("POST", "token/", {"username": "dave", "password": "dave password 1"}).json()["token"]
            claims = decode_jwt_payload(token)
            self.assertEqual((claims["iss"], claims["aud"]), ("https://auth.example", "app"))
            self.assertEqual(c.request("GET", "users/0/", token=token).status, 200)
            for claims in (forge.sliding_claims(uid), forge.sliding_claims(uid, iss="https://auth.example"),
                           forge.sliding_claims(uid, iss="https://evil.example", aud="app"),
                           forge.sliding_claims(uid, iss="https://auth.example", aud="other")):
                assert_error(self, c.request("GET", "users/0/", token=forge.sign(claims)), 401, "token_not_valid")
            ok = forge.sign(forge.sliding_claims(uid, iss="https://auth.example", aud="app"))
            self.assertEqual(c.request("GET", "users/0/", token=ok).status, 200)


class PairProfileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"DF_AUTH_JWT_PROFILE": "pair"}).__enter__()
        cls.c = Client(cls.server)
        assert cls.c.request("POST", "users/", {"username": "erin", "password": "erin password 1"}).status == 201

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def pair(self):
        r = self.c.request("POST", "token/", {"username": "erin", "password": "erin password 1"})
        self.assertEqual(r.status, 200)
        self.assertEqual(sorted(r.json().keys()), ["refresh", "token"])
        return r.json()["token"], r.json()["refresh"]

    def test_pair_claims_and_types(self):
        access, refresh = self.pair()
        a, r = decode_jwt_payload(access), decode_jwt_payload(refresh)
        self.assertEqual(set(a), {"token_type", "exp", "iat", "jti", "sid", "user_id"})
        self.assertEqual(set(r), {"token_type", "exp", "iat", "jti", "sid", "user_id"})
        self.assertEqual(a["sid"], r["sid"])
        self.assertEqual((a["token_type"], r["token_type"]), ("access", "refresh"))
        self.assertEqual(a["exp"] - a["iat"], 300)
        self.assertEqual(r["exp"] - r["iat"], 1209600)
        # an access token never passes as a refresh token, nor the reverse
        assert_error(self, self.c.request("POST", "token/refresh/", {"refresh": access}), 401, "token_not_valid")
        assert_error(self, self.c.request("GET", "users/0/", token=refresh), 401, "token_not_valid")
        assert_error(self, self.c.request("POST", "token/refresh/", {}), 400, "required", field="refresh")

    def test_rotation_and_reuse_detection_revoke_the_family(self):
        access1, refresh1 = self.pair()
        r = self.c.request("POST", "token/refresh/", {"refresh": refresh1})
        self.assertEqual(r.status, 200)
        access2, refresh2 = r.json()["token"], r.json()["refresh"]
        self.assertEqual(self.c.request("GET", "users/0/", token=access2).status, 200)
        # reuse of the spent refresh token: refused, and the whole family is revoked
        assert_error(self, self.c.request("POST", "token/refresh/", {"refresh": refresh1}), 401, "token_not_valid")
        assert_error(self, self.c.request("POST", "token/refresh/", {"refresh": refresh2}), 401, "token_not_valid")
        assert_error(self, self.c.request("GET", "users/0/", token=access2), 401, "token_not_valid")

    def test_blacklisting_a_refresh_token(self):
        access, refresh = self.pair()
        r = self.c.request("POST", "token/blacklist/", {"refresh": refresh})
        self.assertEqual((r.status, r.json()), (200, {}))
        assert_error(self, self.c.request("POST", "token/refresh/", {"refresh": refresh}), 401, "token_not_valid")

    def test_fifty_concurrent_refreshes_of_one_token_give_exactly_one_success(self):
        _, refresh = self.pair()

        def attempt(_):
            return Client(self.server).request("POST", "token/refresh/", {"refresh": refresh}).status

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(attempt, range(50)))
        self.assertEqual(statuses.count(200), 1, statuses)
        self.assertEqual(statuses.count(401), 49, statuses)


class AsymmetricKeysTest(unittest.TestCase):
    def test_es256_tokens_jwks_and_rotation(self):
        server = Server(env={"DF_AUTH_JWT_ALGORITHM": "ES256"}).start()
        self.addCleanup(server.cleanup)
        try:
            c = Client(server)
            c.request("POST", "users/", {"username": "fay", "password": "fay password 1"})
            token1 = c.request("POST", "token/", {"username": "fay", "password": "fay password 1"}).json()["token"]
            header = decode_jwt_payload(token1, part=0)
            self.assertEqual(header["alg"], "ES256")
            jwks = c.request("GET", "/.well-known/jwks.json").json()["keys"]
            self.assertEqual([k["kid"] for k in jwks], [header["kid"]])
            self.assertEqual((jwks[0]["kty"], jwks[0]["crv"]), ("EC", "P-256"))
            self.assertNotIn("d", jwks[0])
            # an HS256 token signed with the secret key is algorithm confusion here
            uid = decode_jwt_payload(token1)["user_id"]
            assert_error(self, c.request("GET", "users/0/", token=forge.sign(forge.sliding_claims(uid))),
                         401, "token_not_valid")
        finally:
            server.stop()
        rotated = server.run_cli("keys", "rotate")
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        listed = server.run_cli("keys", "list")
        self.assertEqual(len(listed.stdout.strip().splitlines()), 2, listed.stdout)
        again = Server(env={"DF_AUTH_JWT_ALGORITHM": "ES256"}, workdir=server.workdir).start()
        try:
            c = Client(again)
            self.assertEqual(c.request("GET", "users/0/", token=token1).status, 200, "old key keeps verifying")
            token2 = c.request("POST", "token/", {"username": "fay", "password": "fay password 1"}).json()["token"]
            self.assertNotEqual(decode_jwt_payload(token2, part=0)["kid"], header["kid"])
            self.assertEqual(len(c.request("GET", "/.well-known/jwks.json").json()["keys"]), 2)
        finally:
            again.stop()

    def test_keys_generate_adds_a_key_only_when_none_is_active(self):
        server = Server(env={"DF_AUTH_JWT_ALGORITHM": "ES256"})  # the CLI on its database; not serving
        self.addCleanup(server.cleanup)
        first = server.run_cli("keys", "generate")
        second = server.run_cli("keys", "generate")
        self.assertEqual((first.returncode, first.stderr, second.returncode), (0, "", 0))
        self.assertRegex(first.stdout, r"^[A-Za-z0-9_-]{43}\n$")  # the RFC 7638 thumbprint
        self.assertEqual(second.stdout, first.stdout)
        self.assertEqual(second.stderr, "keys: an active ES256 key exists; nothing generated (rotate makes a new one)\n")
        eddsa = server.run_cli("keys", "generate", "--alg", "EdDSA")
        self.assertEqual(eddsa.returncode, 0, eddsa.stderr)
        self.assertNotEqual(eddsa.stdout, first.stdout)
        listed = server.run_cli("keys", "list").stdout.splitlines()
        self.assertEqual(sorted(line.split("\t")[1] for line in listed), ["ES256", "EdDSA"])
        self.assertTrue(all(line.endswith("\tactive") for line in listed), listed)


if __name__ == "__main__":
    unittest.main()
