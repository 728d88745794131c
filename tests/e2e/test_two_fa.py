"""2FA end to end (reference-contract R1, R10/R11, §4.6, §5.6 with interface.md §3 and §4): TOTP,
email and static devices, the gate's counting rules, the last-device rule and set-2fa."""
import time
import unittest

from harness import Client, assert_error
from otp_support import Outbox, otp_server, secret_of, totp

PASSWORD = "a long pass phrase"


class TwoFactorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.outbox = Outbox()
        # Back-off on (factor 1): the counting rules below would show as refusals.
        cls.server = otp_server(cls.outbox, OTP_THROTTLE_FACTOR="1").__enter__()
        cls.c = Client(cls.server)
        cls.counter = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def new_user(self, **fields):
        TwoFactorTest.counter += 1
        name = f"tfa{TwoFactorTest.counter}"
        self.assertEqual(self.c.signup(username=name, password=PASSWORD, **fields).status, 201)
        return name, self.c.login(username=name, password=PASSWORD)

    def enable(self, token, expect=200):
        r = self.c.patch("users/0/two-fa/", {"is_required": True}, token=token)
        self.assertEqual(r.status, expect, r)
        return r

    def enrol_totp(self, token, name="phone"):
        r = self.c.post("otp-devices/", {"type": "totp", "name": name}, token=token)
        device = r.json()
        secret = secret_of(device["extra_data"]["url"])
        r = self.c.post(f"otp-devices/{device['id']}/confirm/?type=totp", {"otp": totp(secret)}, token=token)
        self.assertEqual(r.status, 200, r)
        return device, secret

    def test_enabling_needs_a_confirmed_device(self):
        _, token = self.new_user()
        r = self.enable(token, expect=400)
        assert_error(self, r, 400, "invalid", field="is_required")
        self.assertEqual(self.c.get("users/0/two-fa/", token=token).json(), {"is_required": False})
        # An unconfirmed device is not enough either.
        self.c.post("otp-devices/", {"type": "totp", "name": "x"}, token=token)
        self.enable(token, expect=400)

    def test_totp_second_factor(self):
        name, token = self.new_user()
        device, secret = self.enrol_totp(token)
        self.assertEqual(self.enable(token).json(), {"is_required": True})
        r = self.c.post("token/", {"username": name, "password": PASSWORD})
        self.assertEqual(r.status, 401)
        self.assertNotIn("www-authenticate", r.headers)
        self.assertEqual(r.json(), {"errors": [{
            "message": "2FA is required for this user.", "code": "2fa_required",
            "extra_data": {"devices": [{"id": device["id"], "name": "phone", "type": "totp", "confirmed": True,
                                        "extra_data": {}}]}}]})
        # The confirm used this step's code; the next step's code is fresh and within ±1.
        self.c.login(username=name, password=PASSWORD, otp=totp(secret, step_offset=1))
        # The same code again is a replay.
        assert_error(self, self.c.post("token/", {"username": name, "password": PASSWORD,
                                                  "otp": totp(secret, step_offset=1)}), 401, "2fa_required")

    def test_password_only_attempts_count_nothing_on_devices(self):
        name, token = self.new_user()
        _, secret = self.enrol_totp(token)
        self.enable(token)
        for _ in range(10):
            assert_error(self, self.c.post("token/", {"username": name, "password": PASSWORD}), 401, "2fa_required")
        # With back-off on, a counted failure would refuse the right code now.
        self.c.login(username=name, password=PASSWORD, otp=totp(secret, step_offset=1))

    def test_wrong_password_never_reaches_the_gate(self):
        name, token = self.new_user()
        self.enrol_totp(token)
        self.enable(token)
        assert_error(self, self.c.post("token/", {"username": name, "password": "wrong one", "otp": "123456"}),
                     401, "authentication_failed")

    def test_email_device_second_factor(self):
        name, token = self.new_user(email="second@x.io")
        [device] = self.c.get("otp-devices/", token=token).json()["results"]
        self.assertEqual(self.c.post("otp/", {"email": "second@x.io"}, token=token).status, 200)
        code = self.outbox.email_code("second@x.io")
        self.assertEqual(self.c.post(f"otp-devices/{device['id']}/confirm/?type=email", {"otp": code},
                                     token=token).status, 200)
        self.enable(token)
        r = self.c.post("token/", {"username": name, "password": PASSWORD})
        assert_error(self, r, 401, "2fa_required")
        self.assertEqual([(d["type"], d["name"]) for d in r.json()["errors"][0]["extra_data"]["devices"]],
                         [("email", "second@x.io")])
        # Reference §5.6 step 4: credentials identify the user, the code goes to the device.
        r = self.c.post("otp/", {"username": name, "password": PASSWORD, "email": "second@x.io"})
        self.assertEqual((r.status, r.json()), (200, {"username": name, "email": "second@x.io"}))
        code = self.outbox.email_code("second@x.io", count=2)
        self.c.login(username=name, password=PASSWORD, otp=code)

    def test_email_otp_login_from_a_confirmed_device_passes_the_gate(self):
        # interface.md §3: verified once, the code is both factors ("works with magic links").
        self.c.post("otp/", {"email": "magic2fa@x.io"})  # auto-created, device confirmed
        token = self.c.login(email="magic2fa@x.io", otp=self.outbox.email_code("magic2fa@x.io"))
        self.enable(token)
        self.c.post("otp/", {"email": "magic2fa@x.io"})
        self.c.login(email="magic2fa@x.io", otp=self.outbox.email_code("magic2fa@x.io", count=2))

    def test_email_otp_login_from_an_unconfirmed_device_does_not(self):
        name, token = self.new_user(email="half@x.io")
        self.enrol_totp(token)
        self.enable(token)
        # The sign-up device of half@x.io is unconfirmed: its code is one factor only.
        self.assertEqual(self.c.post("otp/", {"email": "half@x.io"}).status, 200)
        r = self.c.post("token/", {"email": "half@x.io", "otp": self.outbox.email_code("half@x.io")})
        assert_error(self, r, 401, "2fa_required")
        self.assertEqual([d["type"] for d in r.json()["errors"][0]["extra_data"]["devices"]], ["totp"])

    def test_static_backup_codes_each_work_once(self):
        name, token = self.new_user()
        codes = self.c.post("otp-devices/", {"type": "static", "name": "backup"}, token=token).json()["extra_data"]["codes"]
        self.enable(token)  # the static device is confirmed at creation
        self.c.login(username=name, password=PASSWORD, otp=codes[0])
        assert_error(self, self.c.post("token/", {"username": name, "password": PASSWORD, "otp": codes[0]}),
                     401, "2fa_required")
        time.sleep(2.1)  # the replayed code counted one failure: a 1 s back-off, counted in whole seconds (up to 2 s)
        self.c.login(username=name, password=PASSWORD, otp=codes[1].lower())

    def test_a_wrong_code_counts_on_the_devices_checked(self):
        name, token = self.new_user()
        _, secret = self.enrol_totp(token)
        self.enable(token)
        right = totp(secret, step_offset=1)
        wrong = f"{(int(right) + 1) % 1000000:06d}"
        assert_error(self, self.c.post("token/", {"username": name, "password": PASSWORD, "otp": wrong}),
                     401, "2fa_required")
        # One failure on the TOTP device: its back-off (at least 1 s) refuses even the right code now.
        assert_error(self, self.c.post("token/", {"username": name, "password": PASSWORD, "otp": right}),
                     401, "2fa_required")

    def test_last_confirmed_device_cannot_be_removed_while_2fa_is_on(self):
        _, token = self.new_user()
        device, _ = self.enrol_totp(token)
        self.enable(token)
        path = f"otp-devices/{device['id']}/?type=totp"
        assert_error(self, self.c.delete(path, token=token), 400, "invalid", message="Cannot remove the last device")
        backup = self.c.post("otp-devices/", {"type": "static"}, token=token).json()
        self.assertEqual(self.c.delete(path, token=token).status, 204)
        assert_error(self, self.c.delete(f"otp-devices/{backup['id']}/?type=static", token=token), 400, "invalid",
                     message="Cannot remove the last device")
        self.assertEqual(self.c.patch("users/0/two-fa/", {"is_required": False}, token=token).status, 200)
        self.assertEqual(self.c.delete(f"otp-devices/{backup['id']}/?type=static", token=token).status, 204)

    def test_set_2fa_command(self):
        name, token = self.new_user()
        user_id = self.c.get("users/0/", token=token).json()["id"]
        refused = self.server.run_cli("users", "set-2fa", user_id, "on")
        self.assertEqual(refused.returncode, 1, refused.stdout)
        self.assertIn("Confirm a device first", refused.stderr)
        self.enrol_totp(token)
        done = self.server.run_cli("users", "set-2fa", user_id, "on")
        self.assertEqual((done.returncode, done.stdout.strip()), (0, f"2FA required for user {user_id}"))
        self.assertEqual(self.c.get("users/0/two-fa/", token=token).json(), {"is_required": True})
        assert_error(self, self.c.post("token/", {"username": name, "password": PASSWORD}), 401, "2fa_required")
        off = self.server.run_cli("users", "set-2fa", user_id, "off")
        self.assertEqual((off.returncode, off.stdout.strip()), (0, f"2FA not required for user {user_id}"))
        self.c.login(username=name, password=PASSWORD)
        self.assertNotEqual(self.server.run_cli("users", "set-2fa", user_id, "maybe").returncode, 0)


if __name__ == "__main__":
    unittest.main()
