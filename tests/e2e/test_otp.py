"""POST otp/ and OTP logins end to end (reference-contract R1, R5, §4.3, §5.2–§5.5, §5.7, §7.2–§7.3
with interface.md §3), including the seed README's registration flows, brute force and races."""
import concurrent.futures
import http.client
import json
import time
import unittest

from harness import Client, assert_error
from otp_support import Outbox, decode_segment, magic_link_in, otp_server

PASSWORD = "a long pass phrase"


def post_json(port, path, body):
    """One request on its own connection (for parallel load); returns (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/auth/" + path, json.dumps(body), {"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


class OtpTest(unittest.TestCase):
    """Default settings (auto-create on), file delivery, no back-off (factor 0)."""

    @classmethod
    def setUpClass(cls):
        cls.outbox = Outbox()
        cls.server = otp_server(cls.outbox).__enter__()
        cls.c = Client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def request_code(self, **body):
        r = self.c.post("otp/", body)
        self.assertEqual(r.status, 200, r)
        return r

    def devices(self, token):
        r = self.c.get("otp-devices/", token=token)
        self.assertEqual(r.status, 200, r)
        return r.json()["results"]

    # --- immediate account creation (seed README default flow) -------------------------------

    def test_immediate_account_creation_with_email(self):
        r = self.request_code(email="New.User@EXAMPLE.com", first_name="Nia", password=PASSWORD)
        self.assertEqual(r.json(), {"email": "New.User@EXAMPLE.com"})  # identity fields only
        code = self.outbox.email_code("New.User@example.com")
        token = self.c.login(email="New.User@example.com", otp=code)
        me = self.c.get("users/0/", token=token).json()
        self.assertEqual({k: me[k] for k in ("username", "email", "first_name")},
                         {"username": "New.User@example.com", "email": "New.User@example.com", "first_name": "Nia"})
        [device] = self.devices(token)
        self.assertEqual({k: device[k] for k in ("name", "type", "confirmed", "extra_data")},
                         {"name": "New.User@example.com", "type": "email", "confirmed": True, "extra_data": {}})
        # The submitted password was stored hashed: password login works.
        self.c.login(username="New.User@example.com", password=PASSWORD)
        # The code is single use.
        assert_error(self, self.c.post("token/", {"email": "New.User@example.com", "otp": code}), 400,
                     "wrong_otp", message="Wrong or expired one-time password")

    def test_several_auto_created_accounts_get_distinct_usernames(self):
        for address in ("auto1@x.io", "auto2@x.io", "auto3@x.io"):
            self.request_code(email=address)
            token = self.c.login(email=address, otp=self.outbox.email_code(address))
            self.assertEqual(self.c.get("users/0/", token=token).json()["username"], address)

    def test_immediate_account_creation_with_phone(self):
        r = self.request_code(phone_number="+31 6 12345671")
        self.assertEqual(r.json(), {"phone_number": "+31612345671"})
        code = self.outbox.sms_code("+31612345671")
        token = self.c.login(phone_number="+31612345671", otp=code)
        me = self.c.get("users/0/", token=token).json()
        self.assertEqual((me["username"], me["phone_number"], me["email"]), ("+31612345671", "+31612345671", None))

    def test_sms_backend_wins_when_both_identities_are_given(self):
        r = self.request_code(email="both@x.io", phone_number="+31612345672")
        self.assertEqual(r.json(), {"email": "both@x.io", "phone_number": "+31612345672"})
        self.outbox.sms_code("+31612345672")
        time.sleep(0.3)
        self.assertEqual(self.outbox.emails("both@x.io"), [])

    def test_wrong_code_is_400_and_unknown_identity_is_401(self):
        self.request_code(email="wrong@x.io")
        code = self.outbox.email_code("wrong@x.io")
        bad = "000000" if code != "000000" else "111111"
        assert_error(self, self.c.post("token/", {"email": "wrong@x.io", "otp": bad}), 400, "wrong_otp")
        assert_error(self, self.c.post("token/", {"email": "nobody@x.io", "otp": code}), 401, "authentication_failed")
        self.c.login(email="wrong@x.io", otp=code)

    def test_errors_of_otp_requests(self):
        for body in ({}, {"username": "x"}, {"username": "x", "password": "y"}, {"email": ""}):
            r = self.c.post("otp/", body)
            assert_error(self, r, 401, "not_found", message="Authorization backend not found")
            self.assertEqual(r.headers.get("www-authenticate"), 'Bearer realm="api"')
        assert_error(self, self.c.post("otp/", {"phone_number": "12"}), 400, "invalid", field="phone_number",
                     message="Enter a valid phone number.")
        assert_error(self, self.c.post("otp/", {"email": None}), 400, "null", field="email")

    def test_inactive_user_cannot_request_a_code(self):
        self.request_code(email="sleepy@x.io")
        token = self.c.login(email="sleepy@x.io", otp=self.outbox.email_code("sleepy@x.io"))
        user_id = self.c.get("users/0/", token=token).json()["id"]
        self.assertEqual(self.server.run_cli("users", "deactivate", user_id).returncode, 0)
        assert_error(self, self.c.post("otp/", {"email": "sleepy@x.io"}), 400, "user_inactive",
                     message="Your account was deactivated. Please contact support")

    def test_otp_in_the_request_is_checked_before_sending(self):
        self.request_code(email="check@x.io")
        assert_error(self, self.c.post("otp/", {"email": "check@x.io", "otp": "999999"}), 400, "wrong_otp")

    def test_authenticated_request_for_a_foreign_address_makes_an_unconfirmed_device(self):
        self.c.signup(username="owner1", password=PASSWORD)
        token = self.c.login(username="owner1", password=PASSWORD)
        r = self.c.post("otp/", {"email": "Someone.Else@x.io"}, token=token)
        self.assertEqual((r.status, r.json()), (200, {"email": "Someone.Else@x.io"}))
        [device] = self.devices(token)
        self.assertEqual((device["type"], device["confirmed"], device["name"]), ("email", False, "Someone.Else@x.io"))
        # Not proven: PATCH refuses it (interface.md §3).
        assert_error(self, self.c.patch("users/0/", {"email": "Someone.Else@x.io"}, token=token), 400, "invalid",
                     field="email", message="You need to confirm your email first.")
        code = self.outbox.email_code("Someone.Else@x.io")
        r = self.c.post(f"otp-devices/{device['id']}/confirm/?type=email", {"otp": code}, token=token)
        self.assertEqual((r.status, r.json()), (200, {}))
        # Confirmation copied the address to the user (OTP_IDENTITY_UPDATE_FIELD) ...
        self.assertEqual(self.c.get("users/0/", token=token).json()["email"], "Someone.Else@x.io")
        # ... and PATCH now accepts it.
        r = self.c.patch("users/0/", {"email": "someone.else@X.IO"}, token=token)
        self.assertEqual(r.status, 200, r)

    def test_confirming_an_address_another_user_holds_is_400(self):
        self.request_code(email="taken@x.io")
        self.c.signup(username="taker", password=PASSWORD)
        token = self.c.login(username="taker", password=PASSWORD)
        self.request_code_as(token, email="taken@x.io")
        [device] = self.devices(token)
        code = self.outbox.email_code("taken@x.io", count=2)
        assert_error(self, self.c.post(f"otp-devices/{device['id']}/confirm/?type=email", {"otp": code}, token=token),
                     400, "invalid", field="email", message="User with this email already exists.")

    def request_code_as(self, token, **body):
        r = self.c.post("otp/", body, token=token)
        self.assertEqual(r.status, 200, r)

    def test_verified_registration_flow(self):
        # Seed README "Verified Registration": sign up, request a code, confirm the device.
        r = self.c.signup(email="verify@x.io", password=PASSWORD)
        self.assertEqual(r.status, 201, r)
        token = self.c.login(username="verify@x.io", password=PASSWORD)
        [device] = self.devices(token)
        self.assertEqual((device["type"], device["confirmed"]), ("email", False))
        time.sleep(0.2)
        self.assertEqual(self.outbox.emails("verify@x.io"), [])  # sign-up sends nothing by default
        self.request_code_as(token, email="verify@x.io")
        code = self.outbox.email_code("verify@x.io")
        r = self.c.post(f"otp-devices/{device['id']}/confirm/?type=email", {"otp": code}, token=token)
        self.assertEqual((r.status, r.json()), (200, {}))
        self.assertTrue(self.devices(token)[0]["confirmed"])

    def test_magic_link_page_and_token(self):
        self.request_code(email="magic@x.io", redirect_path="/dash?a=1")
        text = self.outbox.wait_email("magic@x.io")
        link, segment, query = magic_link_in(text)
        self.assertTrue(link.startswith("http://localhost:3000/#/login/"), link)
        self.assertEqual(query, "?redirect_path=/dash?a=1")
        address, code = decode_segment(segment)
        self.assertEqual(address, "magic@x.io")
        page = self.c.get(f"magic/{segment}")
        self.assertEqual(page.status, 200)
        self.assertTrue(page.headers["content-type"].startswith("text/html"))
        self.assertEqual(page.headers.get("cache-control"), "no-store")
        self.assertEqual(page.headers.get("referrer-policy"), "no-referrer")
        html = page.body.decode()
        # The hosted pages' script (served by df-auth, CSP script-src 'self') posts token/ on click.
        self.assertIn('<script src="/api/v1/auth/ui/ui.js"></script>', html)
        self.assertIn("script-src 'self'", page.headers["content-security-policy"])
        self.assertNotIn(segment, html)  # never reflected
        self.assertNotIn(code, html)
        # nor logged: the access log writes the route pattern for this path (the line is written
        # after the response, so wait for it)
        deadline = time.monotonic() + 5
        while '"path":"/api/v1/auth/magic/{segment}"' not in self.server.stderr() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertIn('"path":"/api/v1/auth/magic/{segment}"', self.server.stderr())
        self.assertNotIn(segment, self.server.stderr())
        # Opening the page twice spent nothing: the front-end's post still works, once.
        self.c.get(f"magic/{segment}")
        self.c.login(email=address, otp=code)
        assert_error(self, self.c.post("token/", {"email": address, "otp": code}), 400, "wrong_otp")

    def test_a_new_code_replaces_the_previous_one(self):
        self.request_code(email="again@x.io")
        first = self.outbox.email_code("again@x.io")
        self.request_code(email="again@x.io")
        second = self.outbox.email_code("again@x.io", count=2)
        if first != second:
            assert_error(self, self.c.post("token/", {"email": "again@x.io", "otp": first}), 400, "wrong_otp")
        self.c.login(email="again@x.io", otp=second)

    def test_code_is_void_after_max_attempts(self):
        self.request_code(email="five@x.io")
        code = self.outbox.email_code("five@x.io")
        wrong = [f"{(int(code) + i) % 1000000:06d}" for i in range(1, 6)]
        for w in wrong:
            assert_error(self, self.c.post("token/", {"email": "five@x.io", "otp": w}), 400, "wrong_otp")
        assert_error(self, self.c.post("token/", {"email": "five@x.io", "otp": code}), 400, "wrong_otp")

    def test_brute_force_of_1000_parallel_guesses_never_succeeds(self):
        self.request_code(email="brute@x.io")
        code = self.outbox.email_code("brute@x.io")
        guesses = [f"{(int(code) + i) % 1000000:06d}" for i in range(1, 1001)]
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            results = list(pool.map(
                lambda g: post_json(self.server.port, "token/", {"email": "brute@x.io", "otp": g}), guesses))
        statuses = [s for s, _ in results]
        self.assertEqual(statuses.count(200), 0)
        self.assertFalse([s for s in statuses if s >= 500], "no 5xx")
        self.assertEqual(set(statuses), {400})
        self.assertEqual({json.loads(b)["errors"][0]["code"] for _, b in results}, {"wrong_otp"})
        # OTP_MAX_ATTEMPTS made the code void: the right one is refused now.
        assert_error(self, self.c.post("token/", {"email": "brute@x.io", "otp": code}), 400, "wrong_otp")

    def test_two_parallel_correct_submissions_one_wins(self):
        for round_ in range(3):
            address = f"race{round_}@x.io"
            self.request_code(email=address)
            code = self.outbox.email_code(address)
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                statuses = sorted(s for s, _ in pool.map(
                    lambda _: post_json(self.server.port, "token/", {"email": address, "otp": code}), range(2)))
            self.assertEqual(statuses, [200, 400])


class OtpSettingsTest(unittest.TestCase):
    """Settings that change otp/: each case starts its own server."""

    def run_server(self, **env):
        outbox = Outbox()
        server = otp_server(outbox, **env).__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        return outbox, server, Client(server)

    def test_auto_create_off_answers_user_does_not_exist(self):
        for env in ({"OTP_AUTO_CREATE_ACCOUNT": "false"}, {"SIGNUP_ALLOWED": "false"}):
            _, _, c = self.run_server(**env)
            r = c.post("otp/", {"email": "ghost@x.io"})
            assert_error(self, r, 401, "user_does_not_exist",
                         message="User with this identity does not exist, try signup instead")

    def test_unauthorized_requests_refused_unless_credentials_identify(self):
        outbox, _, c = self.run_server(OTP_SEND_UNAUTHORIZED_USER="false")
        self.assertEqual(c.signup(username="known", email="known@x.io", password=PASSWORD).status, 201)
        assert_error(self, c.post("otp/", {"email": "known@x.io"}), 401, "unauthorized_otp_request",
                     message="Please log in to request your OTP code.")
        r = c.post("otp/", {"username": "known", "password": PASSWORD, "email": "known@x.io"})
        self.assertEqual((r.status, r.json()), (200, {"username": "known", "email": "known@x.io"}))
        outbox.email_code("known@x.io")

    def test_cooldown_sends_nothing_and_keeps_the_code(self):
        outbox, _, c = self.run_server(OTP_EMAIL_COOLDOWN_DURATION="60")
        self.assertEqual(c.post("otp/", {"email": "cool@x.io"}).status, 200)
        code = outbox.email_code("cool@x.io")
        r = c.post("otp/", {"email": "cool@x.io"})
        self.assertEqual((r.status, r.json()), (200, {"email": "cool@x.io"}))
        time.sleep(0.3)
        self.assertEqual(len(outbox.emails("cool@x.io")), 1)
        c.login(email="cool@x.io", otp=code)

    def test_throttle_otp_send_per_destination(self):
        outbox, server, c = self.run_server(THROTTLE_OTP_SEND="2/hour")
        for _ in range(2):
            self.assertEqual(c.post("otp/", {"email": "spam@x.io"}).status, 200)
        r = c.post("otp/", {"email": "SPAM@x.io"})
        assert_error(self, r, 429, "throttled")
        retry = int(r.headers["retry-after"])
        self.assertTrue(1 <= retry <= 3600, retry)
        self.assertEqual(r.json()["errors"][0]["message"],
                         f"Request was throttled. Expected available in {retry} seconds.")
        self.assertEqual(c.post("otp/", {"email": "other@x.io"}).status, 200)  # per destination
        outbox.wait_email("spam@x.io", count=2)
        time.sleep(0.3)
        self.assertEqual(len(outbox.emails("spam@x.io")), 2)

    def test_expired_code_is_refused(self):
        outbox, _, c = self.run_server(OTP_EMAIL_TOKEN_VALIDITY="1")
        c.post("otp/", {"email": "late@x.io"})
        code = outbox.email_code("late@x.io")
        time.sleep(2.1)
        assert_error(self, c.post("token/", {"email": "late@x.io", "otp": code}), 400, "wrong_otp")

    def test_back_off_refuses_even_the_right_code_until_it_passes(self):
        outbox, _, c = self.run_server(OTP_THROTTLE_FACTOR="1")
        c.post("otp/", {"email": "slow@x.io"})
        code = outbox.email_code("slow@x.io")
        bad = "000000" if code != "000000" else "111111"
        assert_error(self, c.post("token/", {"email": "slow@x.io", "otp": bad}), 400, "wrong_otp")
        assert_error(self, c.post("token/", {"email": "slow@x.io", "otp": code}), 400, "wrong_otp")
        time.sleep(2.2)  # a 1 s back-off, counted in whole seconds (up to 2 s)
        c.login(email="slow@x.io", otp=code)

    def test_deferred_identity_flow(self):
        outbox, _, c = self.run_server(
            USER_IDENTITY_FIELDS="username", USER_OPTIONAL_FIELDS="email,phone_number,password",
            DEFER_IDENTITY_UPDATE="true", OTP_IDENTITY_UPDATE_FIELD="true")
        r = c.signup(username="john", email="shared@x.io", password=PASSWORD)
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json()["email"], r.json()["username"]), (None, "john"))
        r = c.signup(username="jane", email="shared@x.io", password=PASSWORD)
        self.assertEqual((r.status, r.json()["email"]), (201, None))  # the same unconfirmed email
        john = c.login(username="john", password=PASSWORD)
        [device] = c.get("otp-devices/", token=john).json()["results"]
        self.assertEqual((device["type"], device["name"], device["confirmed"]), ("email", "shared@x.io", False))
        self.assertEqual(c.post("otp/", {"email": "shared@x.io"}, token=john).status, 200)
        code = outbox.email_code("shared@x.io")
        self.assertEqual(c.get("users/0/", token=john).json()["email"], None)
        r = c.post(f"otp-devices/{device['id']}/confirm/?type=email", {"otp": code}, token=john)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(c.get("users/0/", token=john).json()["email"], "shared@x.io")
        # Jane can no longer take the address: 400, never 500.
        jane = c.login(username="jane", password=PASSWORD)
        [jane_device] = c.get("otp-devices/", token=jane).json()["results"]
        assert_error(self, c.post(f"otp-devices/{jane_device['id']}/confirm/?type=email", {"otp": "123456"},
                                  token=jane), 400, "invalid", field="email")

    def test_auto_send_verification_code_at_signup(self):
        outbox, _, c = self.run_server(AUTO_SEND_IDENTITY_VERIFICATION_OTP="true")
        r = c.signup(email="welcome@x.io", phone_number="+31612345673", password=PASSWORD)
        self.assertEqual(r.status, 201, r)
        email_code = outbox.email_code("welcome@x.io")
        sms_code = outbox.sms_code("+31612345673")
        token = c.login(username="welcome@x.io", password=PASSWORD)
        devices = {d["type"]: d for d in c.get("otp-devices/", token=token).json()["results"]}
        for kind, code in (("email", email_code), ("sms", sms_code)):
            r = c.post(f"otp-devices/{devices[kind]['id']}/confirm/?type={kind}", {"otp": code}, token=token)
            self.assertEqual(r.status, 200, r)
        self.assertTrue(all(d["confirmed"] for d in c.get("otp-devices/", token=token).json()["results"]))

    def test_auto_send_with_deferred_identity(self):
        outbox, _, c = self.run_server(
            USER_IDENTITY_FIELDS="username", USER_OPTIONAL_FIELDS="email,phone_number,password",
            DEFER_IDENTITY_UPDATE="true", AUTO_SEND_IDENTITY_VERIFICATION_OTP="true")
        self.assertEqual(c.signup(username="kim", email="kim@x.io", password=PASSWORD).status, 201)
        code = outbox.email_code("kim@x.io")
        token = c.login(username="kim", password=PASSWORD)
        [device] = c.get("otp-devices/", token=token).json()["results"]
        self.assertEqual(c.post(f"otp-devices/{device['id']}/confirm/?type=email", {"otp": code}, token=token).status, 200)
        self.assertEqual(c.get("users/0/", token=token).json()["email"], "kim@x.io")

    def test_invite_only_flow_with_the_invitation_link(self):
        outbox, server, c = self.run_server(SIGNUP_ALLOWED="false")
        assert_error(self, c.signup(email="anon@x.io"), 401, "not_authenticated")
        created = server.run_cli("createsuperuser", "--username", "boss", "--password-stdin", input=PASSWORD + "\n")
        self.assertEqual(created.returncode, 0, created.stderr)
        boss = c.login(username="boss", password=PASSWORD)
        r = c.post("users/", {"email": "invitee@x.io"}, token=boss)
        self.assertEqual(r.status, 201, r)
        text = outbox.wait_email("invitee@x.io")
        self.assertIn("boss", text)
        _, segment, _ = magic_link_in(text)
        address, code = decode_segment(segment)
        self.assertEqual(address, "invitee@x.io")
        self.assertEqual(code, outbox.email_code("invitee@x.io"))
        token = c.login(email=address, otp=code)
        self.assertEqual(c.get("users/0/", token=token).json()["email"], "invitee@x.io")
        # Once.
        assert_error(self, c.post("token/", {"email": address, "otp": code}), 400, "wrong_otp")
        # The invitee may request codes later although sign-up is closed.
        self.assertEqual(c.post("otp/", {"email": "invitee@x.io"}).status, 200)
        c.login(email="invitee@x.io", otp=outbox.email_code("invitee@x.io", count=2))

    def test_deferred_identity_invitation_link_signs_in_and_confirms_the_address(self):
        outbox, _, c = self.run_server(
            DEFER_IDENTITY_UPDATE="true")
        c.signup(username="host", password=PASSWORD)
        host = c.login(username="host", password=PASSWORD)
        r = c.post("users/", {"username": "guest", "email": "guest@x.io"}, token=host)
        self.assertEqual((r.status, r.json()["email"]), (201, None))
        _, segment, _ = magic_link_in(outbox.wait_email("guest@x.io"))
        address, code = decode_segment(segment)
        self.assertEqual(address, "guest@x.io")
        bad = "000000" if code != "000000" else "111111"
        assert_error(self, c.post("token/", {"email": address, "otp": bad}), 400, "wrong_otp")
        assert_error(self, c.post("token/", {"email": "nobody@x.io", "otp": code}), 401, "authentication_failed")
        token = c.login(email=address, otp=code)
        me = c.get("users/0/", token=token).json()
        self.assertEqual((me["username"], me["email"]), ("guest", "guest@x.io"))
        [device] = c.get("otp-devices/", token=token).json()["results"]
        self.assertEqual((device["name"], device["confirmed"]), ("guest@x.io", True))
        # Once: the address is the user's now, and the spent code opens nothing.
        assert_error(self, c.post("token/", {"email": address, "otp": code}), 400, "wrong_otp")
        self.assertEqual(c.post("otp/", {"email": address}).status, 200)
        c.login(email=address, otp=outbox.email_code(address, count=2))

    def test_deferred_identity_shared_pending_address_goes_to_the_first_to_sign_in(self):
        outbox, _, c = self.run_server(
            DEFER_IDENTITY_UPDATE="true", AUTO_SEND_IDENTITY_VERIFICATION_OTP="true")
        self.assertEqual(c.signup(username="john", email="both@x.io", password=PASSWORD).status, 201)
        john_code = outbox.email_code("both@x.io")
        self.assertEqual(c.signup(username="jane", email="both@x.io", password=PASSWORD).status, 201)
        jane_code = outbox.email_code("both@x.io", count=2)
        jane = c.login(email="both@x.io", otp=jane_code)
        self.assertEqual(c.get("users/0/", token=jane).json()["username"], "jane")
        # John's code was sent to the same address, but the address is Jane's now.
        assert_error(self, c.post("token/", {"email": "both@x.io", "otp": john_code}), 400, "wrong_otp")
        john = c.login(username="john", password=PASSWORD)
        self.assertEqual(c.get("users/0/", token=john).json()["email"], None)

    def test_invitation_link_expires_after_invite_token_validity(self):
        outbox, server, c = self.run_server(INVITE_TOKEN_VALIDITY="1")
        c.signup(username="host", password=PASSWORD)
        host = c.login(username="host", password=PASSWORD)
        self.assertEqual(c.post("users/", {"email": "slowpoke@x.io"}, token=host).status, 201)
        _, segment, _ = magic_link_in(outbox.wait_email("slowpoke@x.io"))
        address, code = decode_segment(segment)
        time.sleep(2.1)
        assert_error(self, c.post("token/", {"email": address, "otp": code}), 400, "wrong_otp")


if __name__ == "__main__":
    unittest.main()
