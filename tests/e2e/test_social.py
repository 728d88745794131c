"""social/ routes end to end against fake providers on loopback (reference-contract R17, R18;
interface.md §3 "Social" and §4's associate-by-email rule)."""
import threading
import time
import unittest

from fakes_social import FakeProviders, RsaKey, apple_claims, google_claims
from harness import Client, Server, assert_error, decode_jwt_payload
from webauthn_authenticator import Authenticator

GOOGLE_CLIENT = "google-client-1.apps.googleusercontent.com"
FACEBOOK_APP = "fb-app-1"
APPLE_CLIENT = "com.example.app"


def social_env(fake, **extra):
    env = {
        "DF_AUTH_SOCIAL_AUTH_GOOGLE_OAUTH2_KEY": GOOGLE_CLIENT,
        "DF_AUTH_SOCIAL_AUTH_GOOGLE_OAUTH2_USERINFO_URL": fake.url("/google/userinfo"),
        "DF_AUTH_SOCIAL_AUTH_GOOGLE_OAUTH2_JWKS_URL": fake.url("/jwks/google"),
        "DF_AUTH_SOCIAL_AUTH_FACEBOOK_KEY": FACEBOOK_APP,
        "DF_AUTH_SOCIAL_AUTH_FACEBOOK_USERINFO_URL": fake.url("/facebook/me"),
        "DF_AUTH_SOCIAL_AUTH_APPLE_ID_CLIENT": APPLE_CLIENT,
        "DF_AUTH_SOCIAL_AUTH_APPLE_ID_JWKS_URL": fake.url("/jwks/apple"),
    }
    env.update(extra)
    return env


class SocialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.key_a = RsaKey("key-a")
        cls.key_b = RsaKey("key-b")
        cls.stranger = RsaKey("key-a")  # same kid as key_a, another key: forgeries
        cls.fake = FakeProviders().start()
        cls.fake.jwks["google"] = [cls.key_a]
        cls.fake.jwks["apple"] = [cls.key_a]
        cls.server = Server(env=social_env(cls.fake)).__enter__()
        cls.c = Client(cls.server)
        cls.counter = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()
        cls.fake.stop()
        for key in (cls.key_a, cls.key_b, cls.stranger):
            key.remove()

    def setUp(self):
        self.fake.mode = "ok"

    # -- helpers ---------------------------------------------------------------------------------

    def unique(self, prefix):
        SocialTest.counter += 1
        return f"{prefix}{SocialTest.counter}"

    def google_token(self, sub, email, verified=True, **profile):
        """An access token the fake Google userinfo answers with this profile."""
        token = self.unique("ya29.token-")
        body = {"sub": sub, "email": email, "email_verified": verified}
        body.update(profile)
        self.fake.google_tokens[token] = body
        return token

    def social(self, provider, access_token, token=None, path="social/", **extra):
        body = {"provider": provider, "access_token": access_token}
        body.update(extra)
        return self.c.post(path, body, token=token)

    def me(self, token):
        r = self.c.get("users/0/", token=token)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def links_of(self, user_id):
        return self.server.sql("SELECT provider, uid FROM social_links WHERE user_id = ? ORDER BY id",
                               (int(user_id),))

    def user_count(self):
        return self.server.sql("SELECT count(*) FROM users")[0][0]

    def signup_with_password(self, email):
        username = self.unique("user")
        r = self.c.signup(username=username, email=email, password="a good password 1")
        self.assertEqual(r.status, 201, r)
        return r.json()["id"], self.c.login(username=username, password="a good password 1")

    # -- login -----------------------------------------------------------------------------------

    def test_new_user_gets_names_username_and_email_from_google(self):
        sub = self.unique("g-sub-")
        email = f"{self.unique('grace')}@Example.COM"
        access = self.google_token(sub, email, given_name="Grace", family_name="Hopper")
        r = self.social("google-oauth2", access)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(set(body), {"token", "provider"})
        self.assertEqual(body["provider"], "google-oauth2")
        me = self.me(body["token"])
        local = email.split("@")[0]
        self.assertEqual((me["username"], me["email"], me["first_name"], me["last_name"]),
                         (local, local + "@example.com", "Grace", "Hopper"))
        self.assertEqual(self.links_of(me["id"]), [("google-oauth2", sub)])
        # The userinfo call carried the token as a Bearer header.
        self.assertIn(("/google/userinfo", {}, f"Bearer {access}"), self.fake.requests)
        # Logging in again reaches the same user through the link.
        again = self.social("google-oauth2", self.google_token(sub, "other@example.com"))
        self.assertEqual(again.status, 200, again)
        self.assertEqual(decode_jwt_payload(again.json()["token"])["user_id"], int(me["id"]))

    def test_google_name_is_split_when_given_and_family_names_are_absent(self):
        access = self.google_token(self.unique("g-"), f"{self.unique('ada')}@example.com",
                                   name="Ada King Lovelace")
        me = self.me(self.social("google-oauth2", access).json()["token"])
        self.assertEqual((me["first_name"], me["last_name"]), ("Ada", "King Lovelace"))

    def test_body_names_fill_what_the_provider_left_empty(self):
        access = self.google_token(self.unique("g-"), f"{self.unique('nn')}@example.com")
        r = self.social("google-oauth2", access, first_name="Body", last_name="Name")
        me = self.me(r.json()["token"])
        self.assertEqual((me["first_name"], me["last_name"]), ("Body", "Name"))

    def test_facebook_login_uses_graph_fields(self):
        token = self.unique("fb-token-")
        fb_id = self.unique("10")
        email = f"{self.unique('fbuser')}@example.com"
        self.fake.facebook_tokens[token] = {"id": fb_id, "name": "Alan Turing", "first_name": "Alan",
                                            "last_name": "Turing", "email": email}
        r = self.social("facebook", token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["provider"], "facebook")
        me = self.me(r.json()["token"])
        self.assertEqual((me["email"], me["first_name"], me["last_name"]), (email, "Alan", "Turing"))
        self.assertEqual(self.links_of(me["id"]), [("facebook", fb_id)])
        path, query, _ = [req for req in self.fake.requests if req[1].get("access_token") == token][0]
        self.assertEqual((path, query["fields"]), ("/facebook/me", "id,name,email,first_name,last_name"))

    def test_existing_user_is_found_by_verified_email(self):
        email = f"{self.unique('owner')}@example.com"
        user_id, _ = self.signup_with_password(email)
        users_before = self.user_count()
        r = self.social("google-oauth2", self.google_token(self.unique("g-"), email.upper()))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(decode_jwt_payload(r.json()["token"])["user_id"], int(user_id))
        self.assertEqual(self.user_count(), users_before)

    def test_unverified_email_of_another_account_is_refused_without_link_or_account(self):
        email = f"{self.unique('victim')}@example.com"
        user_id, _ = self.signup_with_password(email)
        users_before = self.user_count()
        sub = self.unique("g-")
        r = self.social("google-oauth2", self.google_token(sub, email, verified=False))
        assert_error(self, r, 400, "invalid", field="email", message="User with this email already exists.")
        self.assertEqual(self.user_count(), users_before)
        self.assertEqual(self.links_of(user_id), [])
        self.assertEqual(self.server.sql("SELECT 1 FROM social_links WHERE uid = ?", (sub,)), [])

    def test_two_fa_required_user_gets_2fa_required(self):
        access = self.google_token(self.unique("g-"), f"{self.unique('tfa')}@example.com")
        user_id = self.me(self.social("google-oauth2", access).json()["token"])["id"]
        self.server.sql("UPDATE users SET two_fa_required = TRUE WHERE id = ?", (int(user_id),))
        r = self.social("google-oauth2", access)
        assert_error(self, r, 401, "2fa_required", message="2FA is required for this user.")
        self.assertIn("devices", r.json()["errors"][0]["extra_data"])
        self.server.sql("UPDATE users SET two_fa_required = FALSE WHERE id = ?", (int(user_id),))

    def test_two_fa_is_satisfied_by_otp_of_a_confirmed_device(self):
        access = self.google_token(self.unique("g-"), f"{self.unique('tfa2')}@example.com")
        jwt = self.social("google-oauth2", access).json()["token"]
        device = self.c.post("otp-devices/", {"type": "static"}, token=jwt)
        self.assertEqual(device.status, 201, device)
        codes = device.json()["extra_data"]["codes"]
        self.assertEqual(self.c.patch("users/0/two-fa/", {"is_required": True}, token=jwt).status, 200)
        r = self.social("google-oauth2", access)
        assert_error(self, r, 401, "2fa_required")
        self.assertEqual([d["type"] for d in r.json()["errors"][0]["extra_data"]["devices"]], ["static"])
        ok = self.social("google-oauth2", access, otp=codes[0])
        self.assertEqual(ok.status, 200, ok)
        # The connect route passes the same gate for the caller.
        other = self.google_token(self.unique("g-"), f"{self.unique('tfa3')}@example.com")
        assert_error(self, self.social("google-oauth2", other, token=jwt, path="social/connect/"),
                     401, "2fa_required")
        r = self.social("google-oauth2", other, token=jwt, path="social/connect/", otp=codes[1])
        self.assertEqual(r.status, 200, r)

    def test_two_fa_is_satisfied_by_a_passkey(self):
        access = self.google_token(self.unique("g-"), f"{self.unique('tfa4')}@example.com")
        jwt = self.social("google-oauth2", access).json()["token"]
        authenticator = Authenticator()
        started = self.c.post("passkeys/registration/options/", {}, token=jwt).json()
        cred, credential = authenticator.create(started["options"])
        r = self.c.post("passkeys/registration/verify/", {"challenge_id": started["challenge_id"],
                                                          "credential": credential, "name": "key"}, token=jwt)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.c.patch("users/0/two-fa/", {"is_required": True}, token=jwt).status, 200)
        r = self.social("google-oauth2", access)
        assert_error(self, r, 401, "2fa_required")
        self.assertEqual([d["type"] for d in r.json()["errors"][0]["extra_data"]["devices"]], ["passkey"])

        def assertion(**kw):
            options = self.c.post("passkeys/authentication/options/", {}).json()
            return {"challenge_id": options["challenge_id"],
                    "credential": authenticator.get(options["options"], cred, **kw)}
        assert_error(self, self.social("google-oauth2", access, **assertion(tamper=True)), 401, "2fa_required")
        assert_error(self, self.social("google-oauth2", access, challenge_id="x", credential="no"), 400, "invalid",
                     field="credential", message="Not a valid credential.")
        ok = self.social("google-oauth2", access, **assertion())
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(self.me(ok.json()["token"])["id"], self.me(jwt)["id"])
        # A spent assertion is no second factor the next time.
        used = assertion()
        self.assertEqual(self.social("google-oauth2", access, **used).status, 200)
        assert_error(self, self.social("google-oauth2", access, **used), 401, "2fa_required")
        # The connect route passes the same gate for the caller.
        other = self.google_token(self.unique("g-"), f"{self.unique('tfa5')}@example.com")
        r = self.social("google-oauth2", other, token=jwt, path="social/connect/", **assertion())
        self.assertEqual(r.status, 200, r)

    def test_inactive_user_is_refused(self):
        access = self.google_token(self.unique("g-"), f"{self.unique('off')}@example.com")
        user_id = self.me(self.social("google-oauth2", access).json()["token"])["id"]
        self.server.sql("UPDATE users SET is_active = FALSE WHERE id = ?", (int(user_id),))
        assert_error(self, self.social("google-oauth2", access), 401, "authentication_failed")

    # -- provider failures -----------------------------------------------------------------------

    def test_provider_refusal_is_401(self):
        assert_error(self, self.social("google-oauth2", "ya29.unknown"), 401, "authentication_failed",
                     message="Incorrect authentication credentials.")
        assert_error(self, self.social("facebook", "unknown"), 401, "authentication_failed")
        calls = len(self.fake.requests)
        assert_error(self, self.social("google-oauth2", "abc\r\nX-Injected: 1"), 401, "authentication_failed")
        self.assertEqual(len(self.fake.requests), calls)  # refused before any provider call

    def test_provider_down_or_garbage_is_502(self):
        access = self.google_token(self.unique("g-"), f"{self.unique('down')}@example.com")
        for mode in ("down", "garbage"):
            self.fake.mode = mode
            assert_error(self, self.social("google-oauth2", access), 502, "provider_error",
                         message="The provider could not be reached.")
            assert_error(self, self.social("facebook", "whatever"), 502, "provider_error")

    # -- ID tokens -------------------------------------------------------------------------------

    def test_google_id_token_in_access_token_or_id_token_field(self):
        sub = self.unique("gid-")
        email = f"{self.unique('idt')}@example.com"
        id_token = self.key_a.id_token(google_claims(GOOGLE_CLIENT, sub, email, given_name="Id",
                                                     family_name="Token"))
        r = self.social("google-oauth2", id_token)
        self.assertEqual(r.status, 200, r)
        me = self.me(r.json()["token"])
        self.assertEqual((me["email"], me["first_name"], me["last_name"]), (email, "Id", "Token"))
        r2 = self.c.post("social/", {"provider": "google-oauth2", "id_token": id_token})
        self.assertEqual(r2.status, 200, r2)
        self.assertEqual(decode_jwt_payload(r2.json()["token"])["user_id"], int(me["id"]))

    def test_forged_expired_and_wrong_audience_id_tokens_are_401(self):
        email = f"{self.unique('bad')}@example.com"
        bad = {
            "forged": self.stranger.id_token(google_claims(GOOGLE_CLIENT, "forged", email)),
            "expired": self.key_a.id_token(google_claims(GOOGLE_CLIENT, "exp", email, lifetime=-3600)),
            "audience": self.key_a.id_token(google_claims("someone-else", "aud", email)),
            "issuer": self.key_a.id_token(dict(google_claims(GOOGLE_CLIENT, "iss", email),
                                               iss="https://evil.example")),
        }
        for name, token in bad.items():
            with self.subTest(name):
                assert_error(self, self.social("google-oauth2", token), 401, "authentication_failed")
        apple_for_google = self.key_a.id_token(google_claims(APPLE_CLIENT, "x", email))
        assert_error(self, self.social("apple-id", apple_for_google), 401, "authentication_failed")

    def test_apple_id_token_honours_email_verified_and_takes_names_from_the_body(self):
        email = f"{self.unique('apple')}@privaterelay.appleid.com"
        token = self.key_a.id_token(apple_claims(APPLE_CLIENT, self.unique("apl-"), email,
                                                 verified="true", given_name="Ignored"))
        r = self.social("apple-id", "opaque-access", id_token=token, first_name="Tim", last_name="C")
        self.assertEqual(r.status, 200, r)
        me = self.me(r.json()["token"])
        self.assertEqual((me["email"], me["first_name"], me["last_name"]), (email, "Tim", "C"))
        # An Apple account whose email is not verified never takes over an existing account.
        owner_email = f"{self.unique('appleowner')}@example.com"
        self.signup_with_password(owner_email)
        unverified = self.key_a.id_token(apple_claims(APPLE_CLIENT, self.unique("apl-"), owner_email,
                                                      verified="false"))
        assert_error(self, self.social("apple-id", unverified), 400, "invalid", field="email")

    def test_jwks_rotation_picks_up_a_new_kid(self):
        email = f"{self.unique('rot')}@example.com"
        first = self.social("google-oauth2", self.key_a.id_token(google_claims(GOOGLE_CLIENT, "rot", email)))
        self.assertEqual(first.status, 200, first)
        fetches = self.fake.jwks_fetches["google"]
        self.fake.jwks["google"] = [self.key_a, self.key_b]  # the provider rotates
        rotated = self.key_b.id_token(google_claims(GOOGLE_CLIENT, "rot", email))
        r = self.social("google-oauth2", rotated)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.fake.jwks_fetches["google"], fetches + 1)
        # The new key is cached now: no further fetch.
        self.assertEqual(self.social("google-oauth2", rotated).status, 200)
        self.assertEqual(self.fake.jwks_fetches["google"], fetches + 1)

    # -- connect, connections, disconnect --------------------------------------------------------

    def test_connect_list_conflict_and_disconnect(self):
        user_id, token = self.signup_with_password(f"{self.unique('conn')}@example.com")
        sub = self.unique("g-conn-")
        access = self.google_token(sub, f"{self.unique('gmail')}@gmail.com", given_name="Con")
        r = self.social("google-oauth2", access, token=token, path="social/connect/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["provider"], "google-oauth2")
        self.assertEqual(decode_jwt_payload(r.json()["token"])["user_id"], int(user_id))
        self.assertEqual(self.me(token)["first_name"], "Con")

        listing = self.c.get("social/connections/", token=token)
        self.assertEqual(listing.status, 200, listing)
        self.assertEqual(listing.json(), {"count": 1, "next": None, "previous": None,
                                          "results": [{"provider": "google-oauth2", "uid": sub}]})

        _, other = self.signup_with_password(f"{self.unique('thief')}@example.com")
        assert_error(self, self.social("google-oauth2", access, token=other, path="social/connect/"),
                     400, "invalid", message="This account is already in use.")

        r = self.c.delete("social/google-oauth2/", token=token)
        self.assertEqual((r.status, r.body), (204, b""))
        self.assertEqual(self.c.get("social/connections/", token=token).json()["count"], 0)
        assert_error(self, self.c.delete("social/google-oauth2/", token=token), 404, "not_found")

    def test_connections_are_paginated_with_absolute_urls(self):
        user_id, token = self.signup_with_password(f"{self.unique('pages')}@example.com")
        subs = []
        for _ in range(3):
            sub = self.unique("g-page-")
            subs.append(sub)
            # links of three accounts of one provider
            self.server.sql("INSERT INTO social_links(user_id, provider, uid, created_at) VALUES(?,?,?,?)",
                            (int(user_id), "google-oauth2", sub, 1))
        page = self.c.get("social/connections/?limit=1&offset=1", token=token).json()
        base = self.server.url("social/connections/")
        self.assertEqual(page, {"count": 3, "next": base + "?limit=1&offset=2",
                                "previous": base + "?limit=1",
                                "results": [{"provider": "google-oauth2", "uid": subs[1]}]})

    def test_disconnecting_the_only_way_to_log_in_is_refused(self):
        token = self.unique("fb-only-")
        self.fake.facebook_tokens[token] = {"id": self.unique("20"), "name": "No Mail"}
        r = self.social("facebook", token)
        self.assertEqual(r.status, 200, r)
        jwt = r.json()["token"]
        self.assertIsNone(self.me(jwt)["email"])
        assert_error(self, self.c.delete("social/facebook/", token=jwt), 400, "invalid")
        self.assertEqual(self.c.get("social/connections/", token=jwt).json()["count"], 1)

    def test_connect_needs_authentication(self):
        assert_error(self, self.social("google-oauth2", "x", path="social/connect/"), 401, "not_authenticated")
        assert_error(self, self.c.get("social/connections/"), 401, "not_authenticated")

    # -- request validation ----------------------------------------------------------------------

    def test_unknown_provider_and_missing_fields(self):
        assert_error(self, self.social("twitter", "x"), 400, "invalid_choice", field="provider",
                     message='"twitter" is not a valid choice.')
        r = self.c.post("social/", {})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"errors": [
            {"message": "This field is required.", "code": "required", "field": "access_token"},
            {"message": "This field is required.", "code": "required", "field": "provider"}]})

    def test_authenticated_caller_gets_403_on_social_login(self):
        _, token = self.signup_with_password(f"{self.unique('authed')}@example.com")
        assert_error(self, self.social("google-oauth2", "x", token=token), 403, "permission_denied",
                     message="You do not have permission to perform this action.")

    def test_metrics_count_social_logins(self):
        self.social("google-oauth2", self.google_token(self.unique("g-"), f"{self.unique('m')}@example.com"))
        text = self.c.get("/metrics").body.decode()
        lines = [l for l in text.splitlines() if l.startswith("dfauth_social_logins_total{")]
        self.assertTrue(any('provider="google-oauth2"' in l and 'outcome="success"' in l for l in lines), lines)


class SocialPairAndUnreachableTest(unittest.TestCase):
    """A server whose Facebook endpoint is a closed port, in the pair token profile."""

    def test_pair_profile_returns_refresh_and_an_unreachable_provider_is_502(self):
        fake = FakeProviders().start()
        closed = FakeProviders()  # bound, then closed: nothing listens on its port
        closed_url = closed.url("/facebook/me")
        closed.httpd.server_close()
        try:
            env = social_env(fake, DF_AUTH_JWT_PROFILE="pair",
                             DF_AUTH_SOCIAL_AUTH_FACEBOOK_USERINFO_URL=closed_url)
            with Server(env=env) as server:
                c = Client(server)
                fake.google_tokens["t"] = {"sub": "p1", "email": "pair@example.com", "email_verified": True}
                r = c.post("social/", {"provider": "google-oauth2", "access_token": "t"})
                self.assertEqual(r.status, 200, r)
                self.assertEqual(set(r.json()), {"token", "refresh", "provider"})
                started = time.monotonic()
                assert_error(self, c.post("social/", {"provider": "facebook", "access_token": "t"}),
                             502, "provider_error")
                self.assertLess(time.monotonic() - started, 10)
        finally:
            fake.stop()


class SlowProviderTest(unittest.TestCase):
    """Provider calls wait on their own pool: while social logins hang on a slow provider, every
    other route still answers."""

    def test_routes_answer_while_social_logins_wait_on_the_provider(self):
        fake = FakeProviders().start()
        held = threading.Event()
        try:
            with Server(env=social_env(fake)) as server:
                c = Client(server, timeout=10)
                r = c.signup(username="steady", email="steady@example.com", password="a good password 1")
                self.assertEqual(r.status, 201, r)
                token = c.login(username="steady", password="a good password 1")
                hanging = 4  # more than the database workers of a machine with up to 8 cores
                results = [None] * hanging

                def social(i):
                    fake.google_tokens[f"slow{i}"] = {"sub": f"slow{i}", "email": f"slow{i}@example.com",
                                                       "email_verified": True}
                    results[i] = Client(server, timeout=60).post(
                        "social/", {"provider": "google-oauth2", "access_token": f"slow{i}"})

                fake.hold = held
                threads = [threading.Thread(target=social, args=(i,)) for i in range(hanging)]
                for t in threads:
                    t.start()
                deadline = time.monotonic() + 20
                while fake.waiting < hanging and time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertEqual(fake.waiting, hanging)
                # Every provider call is now held: the database routes must not wait for them.
                r = c.post("token/verify/", {"token": token})
                self.assertEqual((r.status, r.json()), (200, {}))
                r = c.get("users/0/", token=token)
                self.assertEqual((r.status, r.json()["username"]), (200, "steady"))
                self.assertEqual([t.is_alive() for t in threads], [True] * hanging)
                self.assertEqual(results, [None] * hanging)
                held.set()
                for t in threads:
                    t.join(30)
                self.assertEqual([r.status for r in results], [200] * hanging)
                self.assertEqual(sorted(r.json()["provider"] for r in results), ["google-oauth2"] * hanging)
        finally:
            held.set()
            fake.stop()


if __name__ == "__main__":
    unittest.main()
