"""Passkeys (issue 15) against the real binary, with webauthn_authenticator's software
authenticator: registration (ES256, EdDSA, RS256; attestation none, packed self and packed with an
x5c certificate), the list,
sign-in with the same token body as a password login, deletion, and every refused check: wrong
origin, wrong RP id hash, replayed and expired challenges, a tampered signature, a sign-count
regression (the passkey is flagged as cloned), UV absent when required, another user's handle,
a challenge of the other ceremony; malformed bodies are 400 on `credential` / `challenge_id`."""

import re
import time
import unittest

from harness import Client, Server, assert_error, decode_jwt_payload
from webauthn_authenticator import AttestationCertificate, Authenticator, b64url, cbor

PASSWORD = "passkey pass phrase 1"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FAILED = "Incorrect authentication credentials."


class PasskeysTest(unittest.TestCase):
    counter = 0

    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        cls.c = Client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def setUp(self):
        self.authenticator = Authenticator()
        self.log_mark = len(self.server.stderr_lines)

    def new_user(self):
        PasskeysTest.counter += 1
        name = f"pk{PasskeysTest.counter}"
        r = self.c.signup(username=name, password=PASSWORD)
        self.assertEqual(r.status, 201, r)
        return r.json()["id"], self.c.login(username=name, password=PASSWORD)

    def registration_options(self, token):
        r = self.c.post("passkeys/registration/options/", {}, token=token)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def register(self, token, alg="ES256", fmt="none", name="laptop", **kw):
        """Registers a passkey; returns (Credential, the 201 body)."""
        started = self.registration_options(token)
        cred, body = self.authenticator.create(started["options"], alg=alg, fmt=fmt, **kw)
        r = self.c.post("passkeys/registration/verify/",
                        {"challenge_id": started["challenge_id"], "credential": body, "name": name}, token=token)
        self.assertEqual(r.status, 201, r)
        return cred, r.json()

    def authentication_options(self):
        r = self.c.post("passkeys/authentication/options/", {})
        self.assertEqual(r.status, 200, r)
        return r.json()

    def sign_in(self, cred, **kw):
        started = self.authentication_options()
        body = self.authenticator.get(started["options"], cred, **kw)
        return self.c.post("passkeys/authentication/verify/",
                           {"challenge_id": started["challenge_id"], "credential": body})

    def assert_refused(self, r, check, server=None):
        """401 authentication_failed, and a log line since the last one (not the client) names
        the failed check."""
        server = server or self.server
        assert_error(self, r, 401, "authentication_failed", message=FAILED)
        self.assertNotIn(check, r.body.decode())
        needle = re.compile(r"refused: check " + re.escape(check) + r"(?![a-z_])")
        deadline = time.monotonic() + 5
        while True:
            lines = server.stderr_lines[self.log_mark:]
            hit = next((i for i, line in enumerate(lines) if needle.search(line)), None)
            if hit is not None:
                self.log_mark += hit + 1
                return
            if time.monotonic() > deadline:
                self.fail(f"no log line names check {check!r}: {lines}")
            time.sleep(0.02)

    # -- registration and options -------------------------------------------------------------

    def test_registration_options_are_exact(self):
        user_id, token = self.new_user()
        first = self.registration_options(token)
        self.assertEqual(list(first), ["challenge_id", "options"])
        self.assertRegex(first["challenge_id"], r"^[0-9a-f]{32}$")
        o = first["options"]
        self.assertRegex(o["challenge"], r"^[A-Za-z0-9_-]{43}$")  # 32 random bytes, unpadded
        self.assertEqual({k: v for k, v in o.items() if k != "challenge"}, {
            "rp": {"id": "localhost", "name": "df-auth"},
            "user": {"id": b64url(user_id.encode()), "name": f"pk{PasskeysTest.counter}",
                     "displayName": f"pk{PasskeysTest.counter}"},
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -8},
                                 {"type": "public-key", "alg": -257}],
            "timeout": 300000,
            "excludeCredentials": [],
            "authenticatorSelection": {"residentKey": "required", "requireResidentKey": True,
                                       "userVerification": "required"},
            "attestation": "none",
        })
        self.assertNotEqual(self.registration_options(token)["options"]["challenge"], o["challenge"])
        cred, _ = self.register(token)
        # The caller's passkeys are excluded from the next registration.
        self.assertEqual(self.registration_options(token)["options"]["excludeCredentials"],
                         [{"type": "public-key", "id": b64url(cred.id), "transports": ["internal", "hybrid"]}])
        r = self.c.post("passkeys/registration/options/", {})
        assert_error(self, r, 401, "not_authenticated")

    def test_every_algorithm_and_attestation_registers_and_signs_in(self):
        user_id, token = self.new_user()
        before = int(time.time())
        made = []
        for alg in ("ES256", "EdDSA", "RS256"):
            for fmt in ("none", "packed"):
                cred, body = self.register(token, alg=alg, fmt=fmt, name=f"{alg}-{fmt}")
                self.assertEqual(list(body), ["id", "name", "created_at", "last_used_at", "backed_up"])
                self.assertEqual((body["name"], body["last_used_at"], body["backed_up"]), (f"{alg}-{fmt}", None, False))
                self.assertRegex(body["created_at"], ISO)
                made.append((cred, body))
        for cred, body in made:
            r = self.sign_in(cred)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(list(r.json()), ["token"])  # the sliding profile's password-login body
            claims = decode_jwt_payload(r.json()["token"])
            self.assertEqual(str(claims["user_id"]), user_id)
            me = self.c.get(f"users/{user_id}/", token=r.json()["token"])
            self.assertEqual(me.status, 200, me)
        listed = self.c.get("passkeys/", token=token).json()
        self.assertEqual((listed["count"], listed["next"], listed["previous"]), (6, None, None))
        self.assertEqual([p["id"] for p in listed["results"]], [b["id"] for _, b in made])
        for p in listed["results"]:
            self.assertRegex(p["last_used_at"], ISO)
            self.assertGreaterEqual(p["last_used_at"], p["created_at"])
        page = self.c.get("passkeys/?limit=2&offset=2", token=token).json()
        self.assertEqual([p["id"] for p in page["results"]], [b["id"] for _, b in made[2:4]])
        self.assertTrue(page["next"].endswith("passkeys/?limit=2&offset=4"), page)
        self.assertGreaterEqual(int(time.time()), before)
        # The session of a passkey sign-in says so.
        sessions = self.c.get("sessions/", token=r.json()["token"]).json()["results"]
        self.assertEqual(sessions[0]["method"], "passkey")

    def test_the_pair_profile_answers_token_and_refresh(self):
        with Server(env={"DF_AUTH_JWT_PROFILE": "pair"}) as server:
            c = Client(server)
            self.assertEqual(c.signup(username="pairpk", password=PASSWORD).status, 201)
            tokens = c.post("token/", {"username": "pairpk", "password": PASSWORD}).json()
            self.assertEqual(sorted(tokens), ["refresh", "token"])
            started = c.post("passkeys/registration/options/", {}, token=tokens["token"]).json()
            cred, body = self.authenticator.create(started["options"])
            r = c.post("passkeys/registration/verify/", {"challenge_id": started["challenge_id"], "credential": body},
                       token=tokens["token"])
            self.assertEqual((r.status, r.json()["name"]), (201, "Passkey"))
            started = c.post("passkeys/authentication/options/", {}).json()
            r = c.post("passkeys/authentication/verify/", {"challenge_id": started["challenge_id"],
                                                           "credential": self.authenticator.get(started["options"], cred)})
            self.assertEqual((r.status, list(r.json())), (200, list(tokens)))  # as a password login writes it

    def test_authentication_options_are_exact(self):
        started = self.authentication_options()
        self.assertRegex(started["challenge_id"], r"^[0-9a-f]{32}$")
        o = started["options"]
        self.assertRegex(o["challenge"], r"^[A-Za-z0-9_-]{43}$")
        self.assertEqual({k: v for k, v in o.items() if k != "challenge"},
                         {"timeout": 300000, "rpId": "localhost", "allowCredentials": [],
                          "userVerification": "required"})

    def test_delete_is_the_owners_only(self):
        _, token = self.new_user()
        _, other = self.new_user()
        cred, body = self.register(token)
        assert_error(self, self.c.delete(f"passkeys/{body['id']}/", token=other), 404, "not_found")
        assert_error(self, self.c.delete("passkeys/999999/", token=token), 404, "not_found")
        assert_error(self, self.c.delete("passkeys/abc/", token=token), 404, "not_found")
        self.assertEqual(self.c.delete(f"passkeys/{body['id']}/", token=token).status, 204)
        self.assertEqual(self.c.get("passkeys/", token=token).json()["count"], 0)
        assert_error(self, self.c.delete(f"passkeys/{body['id']}/", token=token), 404, "not_found")
        # A deleted passkey signs nobody in.
        self.assert_refused(self.sign_in(cred), "credential_unknown")

    # -- refused registrations ----------------------------------------------------------------

    def verify_registration(self, token, challenge_id, body):
        return self.c.post("passkeys/registration/verify/", {"challenge_id": challenge_id, "credential": body},
                           token=token)

    def test_registration_checks(self):
        _, token = self.new_user()
        _, other = self.new_user()
        cases = [
            ("origin", {"origin": "https://evil.example"}),
            ("rp_id_hash", {"rp_id": "evil.example"}),
            ("user_verified", {"uv": False}),
            ("type", {"kind": "webauthn.get"}),
            ("challenge", {"challenge": b64url(b"\0" * 32)}),
            ("backup_state", {"backed_up": True}),  # BS without BE
        ]
        for check, kw in cases:
            with self.subTest(check=check):
                started = self.registration_options(token)
                _, body = self.authenticator.create(started["options"], **kw)
                self.assert_refused(self.verify_registration(token, started["challenge_id"], body), check)
        # The challenge is bound to its user.
        started = self.registration_options(token)
        _, body = self.authenticator.create(started["options"])
        self.assert_refused(self.verify_registration(other, started["challenge_id"], body), "challenge_user")
        # ... and used once, even by a refused attempt.
        self.assert_refused(self.verify_registration(token, started["challenge_id"], body), "challenge_unknown")
        # A credential id registered already (to anyone) is refused.
        cred, _ = self.register(token)
        started = self.registration_options(other)
        _, body = self.authenticator.create(started["options"], credential_id=cred.id)
        self.assert_refused(self.verify_registration(other, started["challenge_id"], body), "credential_id_taken")
        # id must be base64url(rawId); extension outputs nobody asked for are refused.
        started = self.registration_options(token)
        _, body = self.authenticator.create(started["options"])
        body["id"] = b64url(b"another id")
        self.assert_refused(self.verify_registration(token, started["challenge_id"], body), "id")
        started = self.registration_options(token)
        _, body = self.authenticator.create(started["options"], extension_results={"credProps": {"rk": True}})
        self.assert_refused(self.verify_registration(token, started["challenge_id"], body), "client_extensions")
        # An authentication challenge is not a registration one.
        started = self.authentication_options()
        _, body = self.authenticator.create(started["options"] | {"rp": {"id": "localhost"},
                                                                  "user": {"id": b64url(b"1")}})
        self.assert_refused(self.verify_registration(token, started["challenge_id"], body), "challenge_ceremony")
        self.assertEqual(self.c.get("passkeys/", token=token).json()["count"], 1)

    def test_packed_attestation_with_a_certificate(self):
        _, token = self.new_user()
        aaguid = bytes(range(1, 17))
        # A leaf of each algorithm, the credential's key another one: both register and sign in.
        for cert_alg, cred_alg in (("ES256", "EdDSA"), ("RS256", "ES256"), ("EdDSA", "RS256")):
            with self.subTest(certificate=cert_alg):
                cred, body = self.register(token, alg=cred_alg, fmt="packed", name=f"x5c-{cert_alg}", aaguid=aaguid,
                                           certificate=AttestationCertificate(cert_alg, aaguid=aaguid))
                self.assertEqual(body["name"], f"x5c-{cert_alg}")
                self.assertEqual(self.sign_in(cred).status, 200)
        # Without the AAGUID extension (it is optional).
        self.register(token, fmt="packed", aaguid=aaguid, certificate=AttestationCertificate())
        cases = [
            ("attestation_certificate_aaguid", AttestationCertificate(aaguid=bytes(16))),
            ("attestation_certificate_aaguid", AttestationCertificate(aaguid=aaguid, aaguid_critical=True)),
            ("attestation_certificate_subject", AttestationCertificate(aaguid=aaguid, ou="Sales")),
            ("attestation_certificate_ca", AttestationCertificate(aaguid=aaguid, ca=True)),
        ]
        for check, certificate in cases:
            with self.subTest(check=check):
                started = self.registration_options(token)
                _, body = self.authenticator.create(started["options"], fmt="packed", aaguid=aaguid,
                                                    certificate=certificate)
                self.assert_refused(self.verify_registration(token, started["challenge_id"], body), check)
        # The statement signed by the credential's key while x5c holds another key's certificate.
        started = self.registration_options(token)
        _, body = self.authenticator.create(started["options"], fmt="packed", aaguid=aaguid,
                                            certificate=AttestationCertificate(aaguid=aaguid).der)
        self.assert_refused(self.verify_registration(token, started["challenge_id"], body), "attestation_signature")
        # x5c bytes that are not a certificate: malformed, 400 on `credential`.
        started = self.registration_options(token)
        _, body = self.authenticator.create(started["options"], fmt="packed", certificate=b"not a certificate")
        r = self.verify_registration(token, started["challenge_id"], body)
        assert_error(self, r, 400, "invalid", field="credential", message="Not a valid credential.")
        self.assertEqual(self.c.get("passkeys/", token=token).json()["count"], 4)

    def test_malformed_bodies_are_400_on_their_field(self):
        _, token = self.new_user()

        def response(**members):
            return lambda good: dict(good, response=dict(good["response"], **members))
        mutations = {
            "truncated CBOR": response(attestationObject=b64url(b"\xa3\x63fmt")),
            "not base64url": response(clientDataJSON="not base64url!"),
            "short authData": response(attestationObject=b64url(
                cbor({"fmt": "none", "attStmt": {}, "authData": b"\0" * 20}))),
            "clientDataJSON not JSON": response(clientDataJSON=b64url(b"{nope")),
            "no response": lambda good: {k: v for k, v in good.items() if k != "response"},
            "a string": lambda good: "a string",
            "an array": lambda good: [1],
            "rawId a number": lambda good: dict(good, rawId=7),
        }
        for what, mutate in mutations.items():
            with self.subTest(what):
                started = self.registration_options(token)
                _, good = self.authenticator.create(started["options"])
                r = self.verify_registration(token, started["challenge_id"], mutate(good))
                assert_error(self, r, 400, "invalid", field="credential", message="Not a valid credential.")
        started = self.registration_options(token)
        _, good = self.authenticator.create(started["options"])
        r = self.c.post("passkeys/registration/verify/", {"challenge_id": "x"}, token=token)
        assert_error(self, r, 400, "required", field="credential")
        r = self.c.post("passkeys/registration/verify/", {"credential": good}, token=token)
        assert_error(self, r, 400, "required", field="challenge_id")
        r = self.c.post("passkeys/authentication/verify/", {"challenge_id": {"a": 1}, "credential": good})
        assert_error(self, r, 400, "invalid", field="challenge_id")
        r = self.c.post("passkeys/authentication/verify/", {"challenge_id": "x", "credential": good})
        assert_error(self, r, 400, "invalid", field="credential")  # no authenticatorData
        self.assertEqual(self.c.get("passkeys/", token=token).json()["count"], 0)

    # -- refused sign-ins ---------------------------------------------------------------------

    def test_sign_in_checks(self):
        user_id, token = self.new_user()
        other_id, _ = self.new_user()
        cred, _ = self.register(token)
        cases = [
            ("origin", {"origin": "http://localhost:3001"}),
            ("rp_id_hash", {"rp_id": "example.com"}),
            ("user_verified", {"uv": False}),
            ("signature", {"tamper": True}),
            ("type", {"kind": "webauthn.create"}),
            ("cross_origin", {"cross_origin": True}),
            ("backup_eligible", {"backup_eligible": True}),
            ("user_handle", {"user_handle": other_id.encode()}),
        ]
        for check, kw in cases:
            with self.subTest(check=check):
                self.assert_refused(self.sign_in(cred, **kw), check)
        # None of them counted as a use: the passkey still signs in.
        r = self.sign_in(cred)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(str(decode_jwt_payload(r.json()["token"])["user_id"]), user_id)

    def test_a_replayed_assertion_and_an_expired_challenge_are_refused(self):
        _, token = self.new_user()
        cred, _ = self.register(token)
        started = self.authentication_options()
        body = self.authenticator.get(started["options"], cred)
        verify = {"challenge_id": started["challenge_id"], "credential": body}
        self.assertEqual(self.c.post("passkeys/authentication/verify/", verify).status, 200)
        self.assert_refused(self.c.post("passkeys/authentication/verify/", verify), "challenge_unknown")
        # The same assertion on a fresh challenge: its clientData names the old one.
        verify["challenge_id"] = self.authentication_options()["challenge_id"]
        self.assert_refused(self.c.post("passkeys/authentication/verify/", verify), "challenge")
        # A registration challenge does not sign anyone in.
        started = self.registration_options(token)
        body = self.authenticator.get({"rpId": "localhost", "challenge": started["options"]["challenge"]}, cred)
        self.assert_refused(self.c.post("passkeys/authentication/verify/",
                                        {"challenge_id": started["challenge_id"], "credential": body}),
                            "challenge_ceremony")

    def test_an_expired_challenge_is_refused(self):
        with Server(env={"DF_AUTH_WEBAUTHN_CHALLENGE_TIMEOUT": "1"}) as server:
            c = Client(server)
            self.assertEqual(c.signup(username="expk", password=PASSWORD).status, 201)
            token = c.login(username="expk", password=PASSWORD)
            started = c.post("passkeys/registration/options/", {}, token=token).json()
            _, body = self.authenticator.create(started["options"])
            time.sleep(2.1)
            r = c.post("passkeys/registration/verify/", {"challenge_id": started["challenge_id"], "credential": body},
                       token=token)
            self.log_mark = 0
            self.assert_refused(r, "challenge_expired", server)

    def test_a_sign_count_regression_refuses_and_flags_the_passkey(self):
        _, token = self.new_user()
        cred, body = self.register(token)
        self.assertEqual(self.sign_in(cred, sign_count=5).status, 200)
        self.assert_refused(self.sign_in(cred, sign_count=5), "sign_count")
        self.assert_refused(self.sign_in(cred, sign_count=3), "sign_count")
        self.server.wait_stderr("flagged as cloned")
        flagged = self.server.sql("SELECT cloned, sign_count FROM passkeys WHERE id = ?", (body["id"],))
        self.assertEqual([tuple(bool(v) if i == 0 else v for i, v in enumerate(row)) for row in flagged],
                         [(True, 5)])
        self.assertEqual(self.sign_in(cred, sign_count=6).status, 200)
        # An authenticator without a counter (always 0) is not a regression.
        cred0, _ = self.register(token, name="no counter")
        for _ in range(2):
            self.assertEqual(self.sign_in(cred0, sign_count=0).status, 200)

    def test_the_audit_log_records_passkeys_and_their_sign_ins(self):
        uid, token = self.new_user()
        cred, body = self.register(token)
        pid = body["id"]
        self.assertEqual(self.sign_in(cred, sign_count=5).status, 200)
        self.assert_refused(self.sign_in(cred, sign_count=5), "sign_count")
        self.assert_refused(self.sign_in(cred, sign_count=9, tamper=True), "signature")
        self.assertEqual(self.c.delete(f"passkeys/{pid}/", token=token).status, 204)
        out = self.server.run_cli("audit", "list", "--user", uid)
        self.assertEqual(out.returncode, 0, out.stderr)
        # Newest first; the cloned flag is written before the refusal it causes.
        self.assertEqual([line.split("\t")[1:] for line in out.stdout.splitlines()], [
            ["passkey_deleted", "success", "passkey", f"user={uid}", f"actor={uid}", "ip=-", f"passkey {pid}"],
            ["login", "failure", "passkey", f"user={uid}", "actor=-", "ip=127.0.0.1", "signature"],
            ["login", "failure", "passkey", f"user={uid}", "actor=-", "ip=127.0.0.1", "sign_count"],
            ["passkey_cloned", "success", "passkey", f"user={uid}", "actor=-", "ip=-", f"passkey {pid}"],
            ["login", "success", "passkey", f"user={uid}", f"actor={uid}", "ip=127.0.0.1", "-"],
            ["passkey_created", "success", "passkey", f"user={uid}", f"actor={uid}", "ip=-", f"passkey {pid}"],
            ["login", "success", "password", f"user={uid}", f"actor={uid}", "ip=127.0.0.1", "-"],
        ])

    def test_failed_sign_ins_count_towards_the_account_lock(self):
        with Server(env={"DF_AUTH_THROTTLE_LOGIN_FAILURES": "2/hour"}) as server:
            c = Client(server)
            self.assertEqual(c.signup(username="lockpk", password=PASSWORD).status, 201)
            token = c.login(username="lockpk", password=PASSWORD)
            started = c.post("passkeys/registration/options/", {}, token=token).json()
            cred, body = self.authenticator.create(started["options"])
            r = c.post("passkeys/registration/verify/", {"challenge_id": started["challenge_id"], "credential": body},
                       token=token)
            self.assertEqual(r.status, 201, r)
            self.log_mark = 0

            def attempt(**kw):
                started = c.post("passkeys/authentication/options/", {}).json()
                return c.post("passkeys/authentication/verify/", {
                    "challenge_id": started["challenge_id"],
                    "credential": self.authenticator.get(started["options"], cred, **kw)})
            self.assert_refused(attempt(tamper=True), "signature", server)
            self.assert_refused(attempt(tamper=True), "signature", server)
            # Locked: a good assertion is refused too, and so is the password.
            self.assert_refused(attempt(), "login_limit", server)
            assert_error(self, c.post("token/", {"username": "lockpk", "password": PASSWORD}), 401,
                         "authentication_failed")

    def test_preferred_user_verification_accepts_a_passkey_without_uv(self):
        with Server(env={"DF_AUTH_WEBAUTHN_USER_VERIFICATION": "preferred"}) as server:
            c = Client(server)
            self.assertEqual(c.signup(username="pref", password=PASSWORD).status, 201)
            token = c.login(username="pref", password=PASSWORD)
            started = c.post("passkeys/registration/options/", {}, token=token).json()
            self.assertEqual(started["options"]["authenticatorSelection"]["userVerification"], "preferred")
            cred, body = self.authenticator.create(started["options"], uv=False)
            r = c.post("passkeys/registration/verify/", {"challenge_id": started["challenge_id"], "credential": body},
                       token=token)
            self.assertEqual(r.status, 201, r)
            started = c.post("passkeys/authentication/options/", {}).json()
            r = c.post("passkeys/authentication/verify/", {"challenge_id": started["challenge_id"],
                                                           "credential": self.authenticator.get(started["options"],
                                                                                                cred, uv=False)})
            self.assertEqual(r.status, 200, r)

    # -- 2FA ----------------------------------------------------------------------------------

    def test_a_passkey_is_a_second_factor(self):
        user_id, token = self.new_user()
        name = f"pk{PasskeysTest.counter}"
        # A passkey alone lets 2FA be enabled (no lock-out: it can pass the gate).
        cred, body = self.register(token, name="key")
        r = self.c.patch("users/0/two-fa/", {"is_required": True}, token=token)
        self.assertEqual((r.status, r.json()), (200, {"is_required": True}))
        # token/ with the password only: 2fa_required lists the passkey as a device.
        r = self.c.post("token/", {"username": name, "password": PASSWORD})
        assert_error(self, r, 401, "2fa_required")
        self.assertEqual(r.json()["errors"][0]["extra_data"], {"devices": [
            {"id": body["id"], "name": "key", "type": "passkey", "confirmed": True, "extra_data": {}}]})
        # The password plus an assertion in place of otp signs in.
        started = self.authentication_options()
        assertion = self.authenticator.get(started["options"], cred)
        r = self.c.post("token/", {"username": name, "password": PASSWORD,
                                   "challenge_id": started["challenge_id"], "credential": assertion})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(str(decode_jwt_payload(r.json()["token"])["user_id"]), user_id)
        # Replayed: the challenge is spent, the gate refuses and the log says why.
        r = self.c.post("token/", {"username": name, "password": PASSWORD,
                                   "challenge_id": started["challenge_id"], "credential": assertion})
        assert_error(self, r, 401, "2fa_required")
        self.server.wait_stderr("passkey authentication refused: check challenge_unknown")
        # A tampered assertion is no second factor either; a malformed one is 400.
        started = self.authentication_options()
        r = self.c.post("token/", {"username": name, "password": PASSWORD, "challenge_id": started["challenge_id"],
                                   "credential": self.authenticator.get(started["options"], cred, tamper=True)})
        assert_error(self, r, 401, "2fa_required")
        r = self.c.post("token/", {"username": name, "password": PASSWORD, "challenge_id": "x", "credential": "no"})
        assert_error(self, r, 400, "invalid", field="credential")
        # A wrong password with a good assertion is still a wrong password.
        started = self.authentication_options()
        r = self.c.post("token/", {"username": name, "password": "wrong", "challenge_id": started["challenge_id"],
                                   "credential": self.authenticator.get(started["options"], cred)})
        assert_error(self, r, 401, "authentication_failed")
        # A UV passkey sign-in is two factors by itself.
        self.assertEqual(self.sign_in(cred).status, 200)
        # The last second factor cannot go.
        assert_error(self, self.c.delete(f"passkeys/{body['id']}/", token=token), 400, "invalid",
                     message="Cannot remove the last device")

    def test_another_users_passkey_is_not_a_second_factor(self):
        _, token = self.new_user()
        name = f"pk{PasskeysTest.counter}"
        self.register(token)
        self.assertEqual(self.c.patch("users/0/two-fa/", {"is_required": True}, token=token).status, 200)
        _, other_token = self.new_user()
        theirs, _ = self.register(other_token)
        started = self.authentication_options()
        r = self.c.post("token/", {"username": name, "password": PASSWORD, "challenge_id": started["challenge_id"],
                                   "credential": self.authenticator.get(started["options"], theirs)})
        assert_error(self, r, 401, "2fa_required")
        self.server.wait_stderr("refused: check credential_owner")

    def test_a_passkey_without_uv_needs_the_gate(self):
        with Server(env={"DF_AUTH_WEBAUTHN_USER_VERIFICATION": "preferred"}) as server:
            c = Client(server)
            self.assertEqual(c.signup(username="uvless", password=PASSWORD).status, 201)
            token = c.login(username="uvless", password=PASSWORD)
            started = c.post("passkeys/registration/options/", {}, token=token).json()
            cred, body = self.authenticator.create(started["options"], uv=False)
            r = c.post("passkeys/registration/verify/", {"challenge_id": started["challenge_id"], "credential": body},
                       token=token)
            self.assertEqual(r.status, 201, r)
            self.assertEqual(c.patch("users/0/two-fa/", {"is_required": True}, token=token).status, 200)
            started = c.post("passkeys/authentication/options/", {}).json()
            r = c.post("passkeys/authentication/verify/", {"challenge_id": started["challenge_id"],
                                                           "credential": self.authenticator.get(started["options"],
                                                                                                cred, uv=False)})
            assert_error(self, r, 401, "2fa_required")
            started = c.post("passkeys/authentication/options/", {}).json()
            r = c.post("passkeys/authentication/verify/", {"challenge_id": started["challenge_id"],
                                                           "credential": self.authenticator.get(started["options"],
                                                                                                cred, uv=True)})
            self.assertEqual(r.status, 200, r)

    def test_nothing_secret_is_logged(self):
        _, token = self.new_user()
        cred, _ = self.register(token)
        self.assert_refused(self.sign_in(cred, tamper=True), "signature")
        log = self.server.stderr()
        self.assertNotIn(b64url(cred.id), log)
        self.assertIn("refused: check signature, credential ", log)
        self.server.assert_no_secret_logged()


if __name__ == "__main__":
    unittest.main()
