"""Password reset (issue 16 item 2): POST password-reset/ sends a 6-digit code (and, by email, a
link SITE_URL + PASSWORD_RESET_URL carrying it) with one answer for every address;
POST password-reset/confirm/ sets the password (policy applied), revokes every earlier session,
mails a notice and signs in. Single use, OTP_MAX_ATTEMPTS, PASSWORD_RESET_TIMEOUT,
THROTTLE_OTP_SEND, the 2FA rule of interface.md §8 and parallel confirms. Real binary, the SMTP
sink and the fake Twilio on loopback."""

import concurrent.futures
import re
import time
import unittest

from fakes_delivery import FakeSmtp, FakeTwilio
from harness import Client, Server, assert_error
from otp_support import code_in, decode_segment, secret_of, totp
from test_delivery import SITE, smtp_env
from webauthn_authenticator import Authenticator

PASSWORD = "old pass phrase 1"
NEW_PASSWORD = "new pass phrase 2"
RESET_LINK = re.compile(re.escape(SITE) + r"/reset-password/([A-Za-z0-9_\-=]+)")


def other_code(code):
    """A six-digit code that is not `code`."""
    return f"{(int(code) + 1) % 1000000:06d}"


class Fakes:
    """An SMTP sink and a fake Twilio, and a server delivering to them."""

    def __init__(self, **extra):
        self.smtp = FakeSmtp().start()
        self.twilio = FakeTwilio().start()
        env = smtp_env(self.smtp, SMS_BACKEND="twilio", OTP_TWILIO_URL=self.twilio.url,
                       OTP_TWILIO_ACCOUNT=self.twilio.account, OTP_TWILIO_AUTH=self.twilio.auth_token,
                       OTP_TWILIO_FROM="+15005550006", **extra)
        self.server = Server(env=env).start()

    def close(self):
        self.server.stop()
        self.server.cleanup()
        self.smtp.close()
        self.twilio.close()


class ResetCase(unittest.TestCase):
    counter = 0
    fakes_env = {}

    @classmethod
    def setUpClass(cls):
        cls.fakes = Fakes(**cls.fakes_env)
        cls.smtp = cls.fakes.smtp
        cls.server = cls.fakes.server
        cls.c = Client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.fakes.close()

    def new_user(self, **fields):
        """A signed-up user with PASSWORD; returns (address, token of a password login)."""
        ResetCase.counter += 1
        address = f"reset{ResetCase.counter}-{type(self).__name__.lower()}@example.com"
        r = self.c.signup(username=address.split("@")[0], email=address, password=PASSWORD, **fields)
        self.assertEqual(r.status, 201, r)
        return address, self.c.login(email=address, password=PASSWORD)

    def request_code(self, address, count=1):
        """Asks for a reset code for `address`; returns the text of the count-th reset mail."""
        r = self.c.post("password-reset/", {"email": address})
        self.assertEqual((r.status, r.json()), (200, {}), r)
        return self.reset_mail(address, count).text()

    def reset_mail(self, address, count=1):
        deadline = time.monotonic() + 10
        while True:
            mails = [m for m in self.smtp.to(address) if m.message()["Subject"] == "Reset your password"]
            if len(mails) >= count:
                return mails[count - 1]
            self.assertLess(time.monotonic(), deadline, f"no reset mail #{count} to {address}")
            time.sleep(0.05)

    def confirm(self, address, code, password=NEW_PASSWORD, client=None, **extra):
        body = {"email": address, "otp": code, "new_password": password}
        body.update(extra)
        return (client or self.c).post("password-reset/confirm/", body)


class PasswordResetTest(ResetCase):
    """Sliding profile (the default), no back-off, no send limit."""

    def test_known_and_unknown_addresses_get_the_same_answer(self):
        known, _ = self.new_user()
        unknown = "nobody-" + known
        answers = [self.c.post("password-reset/", {"email": a}) for a in (unknown, known)]
        self.assertEqual([(r.status, r.body, r.headers.get("content-type")) for r in answers],
                         [(200, b"{}", "application/json")] * 2)
        self.reset_mail(known)
        # The unknown address was asked first and the sender keeps the outbox order: by now its
        # message would have arrived.
        self.assertEqual(self.smtp.to(unknown), [])
        # The same for phone numbers (the one of an account and one of none).
        r = self.c.signup(username="resetphone0", phone_number="+31612345680", password=PASSWORD)
        self.assertEqual(r.status, 201, r)
        phones = [self.c.post("password-reset/", {"phone_number": p}) for p in ("+31612345681", "+31612345680")]
        self.assertEqual([(r.status, r.body) for r in phones], [(200, b"{}")] * 2)
        posts = self.fakes.twilio.wait_count(1)
        self.assertEqual([p.form["To"] for p in posts], ["+31612345680"])

    def test_reset_sets_the_password_and_ends_every_earlier_session(self):
        address, first = self.new_user()
        second = self.c.login(email=address, password=PASSWORD)
        text = self.request_code(address)
        r = self.confirm(address, code_in(text))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.json()), ["token"])
        token = r.json()["token"]
        me = self.c.get("users/0/", token=token)
        self.assertEqual((me.status, me.json().get("email")), (200, address), me)
        for old in (first, second):
            assert_error(self, self.c.get("users/0/", token=old), 401, "token_not_valid")
            assert_error(self, self.c.post("token/refresh/", {"token": old}), 401, "token_not_valid")
        # The new token's session is the only one left, started by the reset.
        page = self.c.get("sessions/", token=token).json()
        self.assertEqual([(s["method"], s["current"]) for s in page["results"]], [("password_reset", True)])
        assert_error(self, self.c.post("token/", {"email": address, "password": PASSWORD}), 401,
                     "authentication_failed")
        self.assertEqual(self.c.post("token/", {"email": address, "password": NEW_PASSWORD}).status, 200)
        # The notice, and no code or link in it.
        notice = self.smtp.wait_to(address, 2).message()
        self.assertEqual(notice["Subject"], "Your password was changed")
        body = notice.get_body(("plain",)).get_content()
        self.assertIn("your password was changed", body)
        self.assertNotIn(code_in(text), body)

    def test_email_carries_the_code_and_a_link_with_it(self):
        address, _ = self.new_user()
        text = self.request_code(address)
        code = code_in(text)
        self.assertIn("It is valid for 10 minutes, once.", text)
        links = RESET_LINK.findall(text)
        self.assertEqual(len(links), 1, text)
        self.assertEqual(decode_segment(links[0]), (address, code))
        self.assertEqual(self.confirm(address, code).status, 200)

    def test_code_is_single_use(self):
        address, _ = self.new_user()
        code = code_in(self.request_code(address))
        self.assertEqual(self.confirm(address, code).status, 200)
        assert_error(self, self.confirm(address, code, password="third pass phrase 3"), 400, "wrong_otp",
                     field="otp", message="Wrong or expired one-time password")
        self.assertEqual(self.c.post("token/", {"email": address, "password": NEW_PASSWORD}).status, 200)

    def test_wrong_codes_count_and_the_fifth_voids_the_code(self):
        address, _ = self.new_user()
        code = code_in(self.request_code(address))
        for _ in range(4):
            assert_error(self, self.confirm(address, other_code(code)), 400, "wrong_otp", field="otp")
        # Four wrong tries leave the code usable...
        self.assertEqual(self.confirm(address, code).status, 200)
        # ...the fifth (OTP_MAX_ATTEMPTS = 5) voids it: the right code is refused after it.
        code = code_in(self.request_code(address, count=2))
        for _ in range(5):
            assert_error(self, self.confirm(address, other_code(code), password="third pass phrase 3"), 400,
                         "wrong_otp", field="otp")
        assert_error(self, self.confirm(address, code, password="third pass phrase 3"), 400, "wrong_otp",
                     field="otp")
        self.assertEqual(self.c.post("token/", {"email": address, "password": NEW_PASSWORD}).status, 200)

    def test_a_password_the_policy_refuses_keeps_the_code_usable(self):
        address, token = self.new_user()
        code = code_in(self.request_code(address))
        assert_error(self, self.confirm(address, code, password="short"), 400, "invalid", field="new_password",
                     message="This password is too short. It must contain at least 8 characters.")
        assert_error(self, self.confirm(address, code, password="12345678901"), 400, "invalid",
                     field="new_password")
        # Nothing changed: the old password and session still work; the code still does.
        self.assertEqual(self.c.get("users/0/", token=token).status, 200)
        self.assertEqual(self.confirm(address, code).status, 200)

    def test_two_fa_user_needs_a_second_factor_that_does_not_spend_the_code(self):
        address, token = self.new_user()
        r = self.c.post("otp-devices/", {"type": "totp", "name": "phone"}, token=token)
        device = r.json()
        secret = secret_of(device["extra_data"]["url"])
        r = self.c.post(f"otp-devices/{device['id']}/confirm/?type=totp", {"otp": totp(secret)}, token=token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.c.patch("users/0/two-fa/", {"is_required": True}, token=token).status, 200)
        code = code_in(self.request_code(address))
        as_token = self.c.post("token/", {"email": address, "password": PASSWORD})
        self.assertEqual(as_token.status, 401, as_token)
        without = self.confirm(address, code)
        self.assertEqual((without.status, without.json()), (401, as_token.json()))
        self.assertEqual(without.json()["errors"][0]["extra_data"]["devices"],
                         [{"id": device["id"], "name": "phone", "type": "totp", "confirmed": True, "extra_data": {}}])
        assert_error(self, self.confirm(address, code, two_fa_otp=other_code(totp(secret, step_offset=1))), 401,
                     "2fa_required")
        # Neither refusal spent the reset code; the second factor goes in two_fa_otp.
        r = self.confirm(address, code, two_fa_otp=totp(secret, step_offset=1))
        self.assertEqual(r.status, 200, r)
        assert_error(self, self.c.get("users/0/", token=token), 401, "token_not_valid")

    def test_a_passkey_is_a_resets_second_factor(self):
        address, token = self.new_user()
        started = self.c.post("passkeys/registration/options/", {}, token=token).json()
        authenticator = Authenticator()
        origin = "https://app.example.com"  # the origin of SITE_URL, hence WEBAUTHN_ORIGINS
        cred, credential = authenticator.create(started["options"], origin=origin)
        r = self.c.post("passkeys/registration/verify/", {"challenge_id": started["challenge_id"],
                                                          "credential": credential, "name": "key"}, token=token)
        self.assertEqual(r.status, 201, r)
        passkey_id = r.json()["id"]
        self.assertEqual(self.c.patch("users/0/two-fa/", {"is_required": True}, token=token).status, 200)
        code = code_in(self.request_code(address))
        without = self.confirm(address, code)
        assert_error(self, without, 401, "2fa_required")
        self.assertEqual(without.json()["errors"][0]["extra_data"]["devices"],
                         [{"id": passkey_id, "name": "key", "type": "passkey", "confirmed": True, "extra_data": {}}])

        def assertion(**kw):
            options = self.c.post("passkeys/authentication/options/", {}).json()
            return {"challenge_id": options["challenge_id"],
                    "credential": authenticator.get(options["options"], cred, origin=origin, **kw)}
        # A tampered assertion is no second factor; a malformed one is 400 on its field. Neither
        # spends the reset code.
        assert_error(self, self.confirm(address, code, **assertion(tamper=True)), 401, "2fa_required")
        assert_error(self, self.confirm(address, code, challenge_id="x", credential="no"), 400, "invalid",
                     field="credential", message="Not a valid credential.")
        assert_error(self, self.confirm(address, code, credential=assertion()["credential"]), 400, "required",
                     field="challenge_id")
        r = self.confirm(address, code, **assertion())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.json()), ["token"])
        assert_error(self, self.c.get("users/0/", token=token), 401, "token_not_valid")
        # The new password is set: with it, token/ asks for the second factor.
        assert_error(self, self.c.post("token/", {"email": address, "password": NEW_PASSWORD}), 401, "2fa_required")
        assert_error(self, self.c.post("token/", {"email": address, "password": PASSWORD}), 401, "authentication_failed")

    def test_parallel_confirms_of_one_code_have_exactly_one_winner(self):
        address, _ = self.new_user()
        code = code_in(self.request_code(address))
        clients = [Client(self.server) for _ in range(8)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: self.confirm(address, code, password=f"parallel pass {i}",
                                                           client=clients[i]), range(8)))
        statuses = sorted(r.status for r in answers)
        self.assertEqual(statuses, [200] + [400] * 7, answers)
        winner = next(i for i, r in enumerate(answers) if r.status == 200)
        for r in answers:
            if r.status == 400:
                assert_error(self, r, 400, "wrong_otp", field="otp")
        self.assertEqual(self.c.post("token/", {"email": address, "password": f"parallel pass {winner}"}).status,
                         200)

    def test_phone_path_sends_the_code_by_twilio(self):
        phone = "+31612345682"
        r = self.c.signup(username="resetphone1", phone_number=phone, password=PASSWORD)
        self.assertEqual(r.status, 201, r)
        before = len(self.fakes.twilio.posts)
        r = self.c.post("password-reset/", {"phone_number": "+31 6 12345682"})
        self.assertEqual((r.status, r.json()), (200, {}))
        post = self.fakes.twilio.wait_count(before + 1)[before]
        self.assertEqual((post.form["To"], post.form["From"]), (phone, "+15005550006"))
        code = post.form["Body"][-6:]
        self.assertEqual(post.form["Body"], f"Your password reset code is {code}")
        self.assertRegex(code, r"^\d{6}$")
        r = self.c.post("password-reset/confirm/", {"phone_number": phone, "otp": code, "new_password": NEW_PASSWORD})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.c.post("token/", {"phone_number": phone, "password": NEW_PASSWORD}).status, 200)
        # The code of the phone is not the email's: another address of the account refuses it.
        assert_error(self, self.c.post("password-reset/confirm/", {"phone_number": phone, "otp": code,
                                                                    "new_password": PASSWORD}), 400, "wrong_otp",
                     field="otp")

    def test_bad_input_is_a_clear_400(self):
        assert_error(self, self.c.post("password-reset/", {}), 400, "required", field="email")
        assert_error(self, self.c.post("password-reset/", {"phone_number": "not a number"}), 400, "invalid",
                     field="phone_number")
        r = self.c.post("password-reset/confirm/", {"email": "x@example.com"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual([(e["code"], e["field"]) for e in r.json()["errors"]],
                         [("required", "otp"), ("required", "new_password")])
        # An address without an account is refused as a wrong code is: nothing to learn.
        assert_error(self, self.confirm("nobody@example.com", "123456"), 400, "wrong_otp", field="otp")
        address, _ = self.new_user()
        assert_error(self, self.confirm(address, "123456"), 400, "wrong_otp", field="otp")  # nothing sent yet
        assert_error(self, self.confirm(address, "abc"), 400, "wrong_otp", field="otp")
        self.assertEqual(self.c.post("password-reset/", [1, 2]).status, 400)


class PasswordResetLimitsTest(ResetCase):
    """A one-second code and three messages an hour per destination."""
    fakes_env = {"PASSWORD_RESET_TIMEOUT": "1", "THROTTLE_OTP_SEND": "3/hour"}

    def test_an_expired_code_is_refused(self):
        address, _ = self.new_user()
        code = code_in(self.request_code(address))
        time.sleep(2.2)
        assert_error(self, self.confirm(address, code), 400, "wrong_otp", field="otp")
        self.assertEqual(self.c.post("token/", {"email": address, "password": PASSWORD}).status, 200)

    def test_the_send_limit_answers_alike_for_known_and_unknown_addresses(self):
        known, _ = self.new_user()
        unknown = "nobody-" + known
        for address in (known, unknown):
            statuses = [self.c.post("password-reset/", {"email": address}).status for _ in range(3)]
            self.assertEqual(statuses, [200, 200, 200])
            r = self.c.post("password-reset/", {"email": address})
            assert_error(self, r, 429, "throttled")
        self.reset_mail(known, 3)
        self.assertEqual(self.smtp.to(unknown), [])


class PasswordResetPairTest(ResetCase):
    """JWT_PROFILE=pair: the confirm answers a pair; earlier refresh tokens are refused."""
    fakes_env = {"JWT_PROFILE": "pair"}

    def test_confirm_answers_a_pair_and_old_refresh_tokens_are_refused(self):
        ResetCase.counter += 1
        address = f"reset{ResetCase.counter}-pair@example.com"
        self.assertEqual(self.c.signup(username=f"resetpair{ResetCase.counter}", email=address,
                                       password=PASSWORD).status, 201)
        old = self.c.post("token/", {"email": address, "password": PASSWORD}).json()
        code = code_in(self.request_code(address))
        r = self.confirm(address, code)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(r.json()), ["refresh", "token"])
        assert_error(self, self.c.post("token/refresh/", {"refresh": old["refresh"]}), 401, "token_not_valid")
        assert_error(self, self.c.get("users/0/", token=old["token"]), 401, "token_not_valid")
        fresh = self.c.post("token/refresh/", {"refresh": r.json()["refresh"]})
        self.assertEqual(fresh.status, 200, fresh)


if __name__ == "__main__":
    unittest.main()
