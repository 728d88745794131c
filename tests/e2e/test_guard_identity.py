"""The guard at every identity entry point (issue 5 × issues 3–4): blacklisted emails, phones
and usernames refused with 400 blacklisted, the honeypot field, PREVENT_ENUMERATION and the
OTP destination blacklist, through the real binary."""
import time
import unittest

from harness import Client, assert_error
from otp_support import Outbox, otp_server

GENERIC = "This value is not allowed."


class IdentityBlacklistTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.outbox = Outbox()
        cls.server = otp_server(cls.outbox, BLACKLIST_EMAIL_REGEX="^spam[.]", BLACKLIST_PHONE_REGEX=r"^\+3161234567[0-4]$",
                                BLACKLIST_OTP_DESTINATION_REGEX="@silent[.]example$").__enter__()
        cls.c = Client(cls.server)
        cls.c.request("POST", "users/", {"username": "owner", "password": "owner password 1"})
        cls.token = cls.c.request("POST", "token/", {"username": "owner", "password": "owner password 1"}).json()["token"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_signup_refuses_each_blacklisted_identity_without_naming_the_rule(self):
        cases = [({"email": "spam.king@example.com"}, "email"),
                 ({"email": "someone@mailinator.com"}, "email"),            # shipped disposable list
                 ({"email": "someone@eu.mailinator.com"}, "email"),         # and its subdomains
                 ({"phone_number": "+31612345671"}, "phone_number"),        # BLACKLIST_PHONE_REGEX
                 ({"phone_number": "+1 900 234 5678"}, "phone_number"),     # PREMIUM_RATE
                 ({"username": "Sh1t_happens"}, "username")]                # l33t of a listed word
        for body, field in cases:
            r = self.c.request("POST", "users/", body)
            assert_error(self, r, 400, "blacklisted", field=field, message=GENERIC)
        self.assertEqual(self.c.request("POST", "users/", {"username": "Scunthorpe"}).status, 201)

    def test_invite_patch_otp_and_device_create_are_guarded_too(self):
        assert_error(self, self.c.request("POST", "users/", {"email": "spam.x@example.com"}, token=self.token),
                     400, "blacklisted", field="email")
        assert_error(self, self.c.request("PATCH", "users/0/", {"username": "holy_SHIT_99"}, token=self.token),
                     400, "blacklisted", field="username")
        assert_error(self, self.c.request("POST", "otp/", {"email": "x@mailinator.com"}), 400, "blacklisted",
                     field="email")
        assert_error(self, self.c.request("POST", "otp-devices/", {"type": "email", "name": "spam.y@example.com"},
                                          token=self.token), 400, "blacklisted", field="email")

    def test_otp_is_never_sent_to_a_blacklisted_destination_and_the_answer_tells_nothing(self):
        r = self.c.request("POST", "otp/", {"email": "quiet@silent.example"})
        self.assertEqual((r.status, r.json()), (200, {"email": "quiet@silent.example"}))
        r = self.c.request("POST", "otp/", {"email": "loud@example.org"})
        self.assertEqual(r.status, 200)
        self.outbox.wait_email("loud@example.org")  # delivery works: the silence is the rule's
        time.sleep(0.5)
        self.assertEqual(self.outbox.emails("quiet@silent.example"), [])


class HoneypotFieldTest(unittest.TestCase):
    def test_a_filled_hidden_field_answers_as_success_creates_nothing_and_bans(self):
        outbox = Outbox()
        with otp_server(outbox, HONEYPOT_BAN_DURATION="60") as server:
            c = Client(server)
            r = c.request("POST", "users/", {"email": "bot@example.com", "website": "http://spam"})
            self.assertEqual(r.status, 201)
            self.assertEqual(r.json()["email"], "bot@example.com")
            self.assertEqual(r.json()["username"], "bot@example.com")
            assert_error(self, Client(server).request("GET", "/health/live"), 403, "ip_blocked")
            listed = server.run_cli("guard", "list")
            self.assertIn("127.0.0.1", listed.stdout)
            self.assertNotIn("bot@example.com", server.run_cli("users", "list").stdout)

    def test_otp_honeypot_sends_nothing(self):
        outbox = Outbox()
        with otp_server(outbox) as server:
            r = Client(server).request("POST", "otp/", {"email": "bot2@example.com", "website": "x"})
            self.assertEqual((r.status, r.json()), (200, {"email": "bot2@example.com"}))
            time.sleep(0.5)
            self.assertEqual(outbox.emails("bot2@example.com"), [])


class PreventEnumerationTest(unittest.TestCase):
    def test_answers_do_not_depend_on_whether_the_account_exists(self):
        outbox = Outbox()
        with otp_server(outbox, PREVENT_ENUMERATION="true", OTP_AUTO_CREATE_ACCOUNT="false") as server:
            c = Client(server)
            self.assertEqual(c.request("POST", "users/", {"email": "known@example.com"}).status, 201)
            known = c.request("POST", "otp/", {"email": "known@example.com"})
            unknown = c.request("POST", "otp/", {"email": "unknown@example.com"})
            self.assertEqual((known.status, unknown.status), (200, 200))
            again = c.request("POST", "users/", {"email": "known@example.com"})
            self.assertEqual(again.status, 201)
            self.assertEqual(sorted(again.json()), ["email", "first_name", "id", "last_name", "phone_number", "username"])
            wrong = c.request("POST", "token/", {"username": "known@example.com", "password": "nope nope 1"})
            nobody = c.request("POST", "token/", {"username": "nobody@example.com", "password": "nope nope 1"})
            self.assertEqual((wrong.status, wrong.json()), (nobody.status, nobody.json()))
            # A wrong code for a known address answers as an unknown address does.
            code = outbox.email_code("known@example.com")
            bad = "000000" if code != "000000" else "111111"
            wrong = c.request("POST", "token/", {"email": "known@example.com", "otp": bad})
            nobody = c.request("POST", "token/", {"email": "unknown@example.com", "otp": bad})
            self.assertEqual((wrong.status, wrong.json()), (nobody.status, nobody.json()))
            self.assertEqual(wrong.status, 401)
            self.assertEqual(c.request("POST", "token/", {"email": "known@example.com", "otp": code}).status, 200)


if __name__ == "__main__":
    unittest.main()
