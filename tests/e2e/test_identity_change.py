"""Reversible identity change (issue 16 item 3): when an account's email changes (a confirmed
device copied into the user, or PATCH users/0/), the OLD address gets a notice with a one-time
undo link SITE_URL + /undo-identity-change/ + token, valid IDENTITY_CHANGE_UNDO_DAYS. POST
identity-change/undo/ {"token"} restores the old address, ends every session and token of the
user and sends a password-reset code to the restored address; a used, expired, foreign or
malformed token is 400 invalid_token on `token`. Real binary, the SMTP sink and fake Twilio."""

import concurrent.futures
import re
import time
import unittest

import test_password_reset as reset
from harness import assert_error
from otp_support import code_in
from test_delivery import SITE

UNDO_LINK = re.compile(re.escape(SITE) + r"/undo-identity-change/([0-9]+\.[A-Za-z0-9_\-]+)")
NOTICE_SUBJECT = "Your account's email address was changed"


class IdentityChangeCase(reset.ResetCase):
    def mails_with(self, address, subject, count=1):
        """The first `count` mails to `address` with `subject` (waits up to 10 s for them)."""
        deadline = time.monotonic() + 10
        while True:
            mails = [m for m in self.smtp.to(address) if m.message()["Subject"] == subject]
            if len(mails) >= count:
                return mails
            self.assertLess(time.monotonic(), deadline, f"no mail #{count} '{subject}' to {address}")
            time.sleep(0.05)

    def undo_token(self, address, count=1):
        text = self.mails_with(address, NOTICE_SUBJECT, count)[count - 1].text()
        found = UNDO_LINK.search(text)
        self.assertIsNotNone(found, text)
        return found.group(1), text

    def confirm_email_device(self, token, new_address):
        """Adds an email device for `new_address` and confirms it with the code mailed there."""
        r = self.c.post("otp-devices/", {"type": "email", "name": new_address}, token=token)
        self.assertEqual(r.status, 201, r)
        device = r.json()
        r = self.c.post("otp/", {"email": new_address}, token=token)
        self.assertEqual(r.status, 200, r)
        code = code_in(self.smtp.wait_to(new_address).text())
        r = self.c.post(f"otp-devices/{device['id']}/confirm/?type=email", {"otp": code}, token=token)
        self.assertEqual(r.status, 200, r)
        return device

    def undo(self, token):
        return self.c.post("identity-change/undo/", {"token": token})


class DeviceCopyTest(IdentityChangeCase):
    """OTP_IDENTITY_UPDATE_FIELD=true (the default): a confirmed email device becomes the email."""

    def test_the_undo_link_after_the_attacker_changed_the_password(self):
        victim, stolen = self.new_user()
        attacker_mail = "attacker-" + victim
        self.confirm_email_device(stolen, attacker_mail)
        self.assertEqual(self.c.get("users/0/", token=stolen).json()["email"], attacker_mail)
        r = self.c.post("users/0/set-password/", {"old_password": reset.PASSWORD, "new_password": "attacker pass 9"},
                        token=stolen)
        self.assertEqual(r.status, 200, r)
        attacker = self.c.login(email=attacker_mail, password="attacker pass 9")

        token, text = self.undo_token(victim)
        self.assertIn(f"changed from {victim} to {attacker_mail}", text)
        self.assertIn("valid 7 days, once", text)
        r = self.undo(token)
        self.assertEqual((r.status, r.json()), (200, {}), r)

        # Every token of the account is refused, the attacker's address signs in no more.
        for old in (stolen, attacker):
            assert_error(self, self.c.get("users/0/", token=old), 401, "token_not_valid")
        assert_error(self, self.c.post("token/", {"email": attacker_mail, "password": "attacker pass 9"}), 401,
                     "authentication_failed")
        # The reset code went to the restored address; with it the victim sets a password.
        code = code_in(self.reset_mail(victim).text())
        r = self.confirm(victim, code)
        self.assertEqual(r.status, 200, r)
        me = self.c.get("users/0/", token=r.json()["token"]).json()
        self.assertEqual(me["email"], victim)
        devices = self.c.get("otp-devices/", token=r.json()["token"]).json()["results"]
        self.assertNotIn(attacker_mail, [d["name"] for d in devices])
        self.assertEqual(self.c.post("token/", {"email": victim, "password": reset.NEW_PASSWORD}).status, 200)
        # The undo mailed nothing to the attacker's address (only the device code earlier).
        self.assertEqual([m.message()["Subject"] for m in self.smtp.to(attacker_mail)
                          if m.message()["Subject"] in (NOTICE_SUBJECT, "Reset your password")], [])

    def test_a_used_undo_token_is_refused(self):
        victim, stolen = self.new_user()
        self.confirm_email_device(stolen, "new-" + victim)
        token, _ = self.undo_token(victim)
        self.assertEqual(self.undo(token).status, 200)
        assert_error(self, self.undo(token), 400, "invalid_token", field="token",
                     message="The undo link is invalid, used or expired.")

    def test_parallel_undos_of_one_token_have_exactly_one_winner(self):
        victim, stolen = self.new_user()
        self.confirm_email_device(stolen, "par-" + victim)
        token, _ = self.undo_token(victim)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = sorted(pool.map(lambda _: self.c.__class__(self.server).post(
                "identity-change/undo/", {"token": token}).status, range(8)))
        self.assertEqual(statuses, [200] + [400] * 7)
        self.assertEqual(len(self.mails_with(victim, "Reset your password")), 1)

    def test_bad_tokens_are_a_400_on_token(self):
        victim, stolen = self.new_user()
        self.confirm_email_device(stolen, "bad-" + victim)
        token, _ = self.undo_token(victim)
        change_id, secret = token.split(".")
        assert_error(self, self.c.post("identity-change/undo/", {}), 400, "required", field="token")
        assert_error(self, self.undo(""), 400, "blank", field="token")  # as DRF: may not be blank
        for bad in ("garbage", ".", "1.", ".x", "-1.abc", f"{change_id}.{secret[:-1]}A" if secret[-1] != "A"
                    else f"{change_id}.{secret[:-1]}B", f"{int(change_id) + 1000}.{secret}",
                    f"{change_id}.{secret}x", "9" * 30 + ".x", token + "." + token):
            assert_error(self, self.undo(bad), 400, "invalid_token", field="token")
        # Expired: the same token once its time is up.
        self.server.sql("UPDATE identity_changes SET expires_at = 1 WHERE id = ?", (int(change_id),))
        assert_error(self, self.undo(token), 400, "invalid_token", field="token")
        self.assertEqual(self.c.get("users/0/", token=stolen).json()["email"], "bad-" + victim)

    def test_the_token_is_stored_hashed(self):
        victim, stolen = self.new_user()
        self.confirm_email_device(stolen, "hash-" + victim)
        token, _ = self.undo_token(victim)
        change_id, secret = token.split(".")
        rows = self.server.sql("SELECT token_hash, old_value, new_value FROM identity_changes WHERE id = ?",
                               (int(change_id),))
        self.assertEqual(len(rows), 1)
        stored, old, new = rows[0]
        self.assertEqual((old, new), (victim, "hash-" + victim))
        self.assertEqual(len(stored), 64)
        self.assertNotIn(secret, stored)


class PatchTest(IdentityChangeCase):
    """OTP_IDENTITY_UPDATE_FIELD=false: the email changes by PATCH users/0/ after the device."""

    fakes_env = {"OTP_IDENTITY_UPDATE_FIELD": "false"}

    def test_patch_notifies_the_old_address_and_the_undo_restores_it(self):
        victim, token = self.new_user()
        new = "patched-" + victim
        self.confirm_email_device(token, new)
        self.assertEqual(self.c.get("users/0/", token=token).json()["email"], victim)
        self.assertEqual([m for m in self.smtp.to(victim) if m.message()["Subject"] == NOTICE_SUBJECT], [])
        r = self.c.patch("users/0/", {"email": new}, token=token)
        self.assertEqual((r.status, r.json()["email"]), (200, new), r)
        undo_token, _ = self.undo_token(victim)
        # A PATCH that keeps the address sends nothing more.
        self.assertEqual(self.c.patch("users/0/", {"first_name": "Ada"}, token=token).status, 200)
        self.assertEqual(self.undo(undo_token).status, 200)
        assert_error(self, self.c.get("users/0/", token=token), 401, "token_not_valid")
        self.assertEqual(self.server.sql("SELECT email FROM users WHERE email = ?", (victim,)), [(victim,)])
        time.sleep(0.5)
        self.assertEqual(len([m for m in self.smtp.to(victim) if m.message()["Subject"] == NOTICE_SUBJECT]), 1)

    def test_a_patched_phone_number_is_told_by_sms_and_restored_with_a_reset_code(self):
        old_phone, new_phone = "+31612345691", "+31612345692"
        victim, token = self.new_user(phone_number=old_phone)
        user_id = self.server.sql("SELECT id FROM users WHERE email = ?", (victim,))[0][0]
        # The new number needs a confirmed SMS device first (reference R7).
        before = len(self.fakes.twilio.posts)
        r = self.c.post("otp-devices/", {"type": "sms", "name": new_phone}, token=token)
        self.assertEqual(r.status, 201, r)
        device = r.json()
        self.assertEqual(self.c.post("otp/", {"phone_number": new_phone}, token=token).status, 200)
        code = re.search(r"\d{6}", self.fakes.twilio.wait_count(before + 1)[before].form["Body"]).group(0)
        r = self.c.post(f"otp-devices/{device['id']}/confirm/?type=sms", {"otp": code}, token=token)
        self.assertEqual(r.status, 200, r)
        before = len(self.fakes.twilio.posts)
        r = self.c.patch("users/0/", {"phone_number": "+31 6 12345692"}, token=token)
        self.assertEqual((r.status, r.json()["phone_number"]), (200, new_phone), r)
        notice = self.fakes.twilio.wait_count(before + 1)[before]
        self.assertEqual((notice.form["To"], notice.form["From"]), (old_phone, "+15005550006"))
        found = re.fullmatch(r"The phone number of your account was changed\. Not you\? Undo within 7 days: "
                             + UNDO_LINK.pattern, notice.form["Body"])
        self.assertIsNotNone(found, notice.form["Body"])
        # The email did not change: no mail notice.
        self.assertEqual([m for m in self.smtp.to(victim) if m.message()["Subject"] == NOTICE_SUBJECT], [])
        r = self.undo(found.group(1))
        self.assertEqual((r.status, r.json()), (200, {}), r)
        self.assertEqual(self.server.sql("SELECT phone_number FROM users WHERE id = ?", (user_id,)), [(old_phone,)])
        assert_error(self, self.c.get("users/0/", token=token), 401, "token_not_valid")
        reset_sms = self.fakes.twilio.wait_count(before + 2)[before + 1]
        self.assertEqual(reset_sms.form["To"], old_phone)
        self.assertRegex(reset_sms.form["Body"], r"^Your password reset code is \d{6}$")
        self.assertEqual(self.server.sql(
            "SELECT event, user_id, detail FROM audit_log WHERE user_id = ? AND event IN ('identity_changed', 'identity_change_undone') ORDER BY id",
            (user_id,)), [("identity_changed", user_id, "phone_number"), ("identity_change_undone", user_id, "phone_number")])


if __name__ == "__main__":
    unittest.main()
