"""otp-devices/ end to end (reference-contract R12–R16 with interface.md §3: 404 for missing or
foreign devices, 400 for unknown types, TOTP enrolment, static backup codes, pagination)."""
import re
import time
import unittest

from harness import Client, assert_error
from otp_support import Outbox, otp_server, secret_of, totp

PASSWORD = "a long pass phrase"
TYPE_ERROR = "Invalid device type. Must be one of email, totp, sms, static"


class DevicesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.outbox = Outbox()
        cls.server = otp_server(cls.outbox).__enter__()
        cls.c = Client(cls.server)
        cls.counter = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def new_user(self):
        DevicesTest.counter += 1
        name = f"dev{DevicesTest.counter}"
        self.assertEqual(self.c.signup(username=name, password=PASSWORD).status, 201)
        return self.c.login(username=name, password=PASSWORD)

    def create(self, token, status=201, **body):
        r = self.c.post("otp-devices/", body, token=token)
        self.assertEqual(r.status, status, r)
        return r.json()

    def test_anonymous_callers_get_401(self):
        for method, path in (("GET", "otp-devices/"), ("POST", "otp-devices/"), ("GET", "otp-devices/1/?type=email"),
                             ("DELETE", "otp-devices/1/?type=email"), ("POST", "otp-devices/1/confirm/?type=email")):
            assert_error(self, self.c.request(method, path, body={}), 401, "not_authenticated")

    def test_create_email_and_sms_devices(self):
        token = self.new_user()
        device = self.create(token, type="email", name="Dev@EXAMPLE.com")
        self.assertEqual({k: v for k, v in device.items() if k != "id"},
                         {"name": "Dev@example.com", "type": "email", "confirmed": False, "extra_data": {}})
        self.assertIsInstance(device["id"], int)
        # The same address again: the existing device, unchanged (reference R13).
        self.assertEqual(self.create(token, type="email", name="Dev@example.com"), device)
        sms = self.create(token, type="sms", name="+31 6 12345674")
        self.assertEqual((sms["name"], sms["type"], sms["confirmed"]), ("+31612345674", "sms", False))
        time.sleep(0.2)
        self.assertEqual(self.outbox.emails("Dev@example.com"), [])  # creation sends nothing

    def test_create_errors(self):
        token = self.new_user()
        assert_error(self, self.c.post("otp-devices/", {"name": "x"}, token=token), 400, "required", field="type",
                     message="This field is required.")
        assert_error(self, self.c.post("otp-devices/", {"type": "yubikey"}, token=token), 400, "invalid",
                     field="type", message=TYPE_ERROR)
        assert_error(self, self.c.post("otp-devices/", {"type": ""}, token=token), 400, "invalid", field="type")
        for kind in ("email", "sms"):
            assert_error(self, self.c.post("otp-devices/", {"type": kind}, token=token), 400, "required", field="name")
        assert_error(self, self.c.post("otp-devices/", {"type": "sms", "name": "not a phone"}, token=token), 400,
                     "invalid", field="name", message="Enter a valid phone number.")
        assert_error(self, self.c.post("otp-devices/", {"type": None}, token=token), 400, "null", field="type")

    def test_totp_enrolment_discloses_the_secret_once(self):
        token = self.new_user()
        me = self.c.get("users/0/", token=token).json()
        device = self.create(token, type="totp", name="phone")
        self.assertEqual((device["name"], device["type"], device["confirmed"]), ("phone", "totp", False))
        url = device["extra_data"]["url"]
        self.assertRegex(url, r"^otpauth://totp/df-auth:" + re.escape(me["username"]) +
                         r"\?secret=[A-Z2-7]{32}&algorithm=SHA1&digits=6&period=30&issuer=df-auth$")
        self.assertTrue(device["extra_data"]["qr_svg"].startswith("<svg "))
        self.assertEqual(set(device["extra_data"]), {"url", "qr_svg"})
        detail = self.c.get(f"otp-devices/{device['id']}/?type=totp", token=token)
        self.assertEqual((detail.status, detail.json()["extra_data"]), (200, {}))
        listed = self.c.get("otp-devices/", token=token).json()["results"]
        self.assertEqual(listed[0]["extra_data"], {})
        # A second TOTP create is a new device with a new secret (no re-disclosure).
        other = self.create(token, type="totp", name="tablet")
        self.assertNotEqual(other["id"], device["id"])
        self.assertNotEqual(secret_of(other["extra_data"]["url"]), secret_of(url))
        # Confirm with a code computed from the otpauth secret; a replay is refused.
        code = totp(secret_of(url))
        path = f"otp-devices/{device['id']}/confirm/?type=totp"
        r = self.c.post(path, {"otp": code}, token=token)
        self.assertEqual((r.status, r.json()), (200, {}))
        self.assertTrue(self.c.get(f"otp-devices/{device['id']}/?type=totp", token=token).json()["confirmed"])
        assert_error(self, self.c.post(path, {"otp": code}, token=token), 400, "invalid", field="otp",
                     message="Invalid OTP code")

    def test_a_new_sign_in_factor_is_announced_to_the_account_email(self):
        DevicesTest.counter += 1
        address = f"notice{DevicesTest.counter}@example.com"
        self.assertEqual(self.c.signup(email=address, password=PASSWORD).status, 201)
        token = self.c.login(username=address, password=PASSWORD)
        device = self.create(token, type="totp", name="phone")
        path = f"otp-devices/{device['id']}/confirm/?type=totp"
        self.assertEqual(self.c.post(path, {"otp": totp(secret_of(device["extra_data"]["url"]))}, token=token).status, 200)
        text = self.outbox.wait_email(address)
        self.assertIn("a new sign-in device was added to your account", text)
        self.create(token, type="static", name="backup")
        self.outbox.wait_email(address, count=2)
        # confirming the account's own address is no news
        self.c.post("otp/", {"email": address}, token=token)
        code = self.outbox.email_code(address)
        email_device = [d for d in self.c.get("otp-devices/", token=token).json()["results"] if d["type"] == "email"][0]
        r = self.c.post(f"otp-devices/{email_device['id']}/confirm/?type=email", {"otp": code}, token=token)
        self.assertEqual(r.status, 200)
        time.sleep(0.5)
        self.assertEqual(len(self.outbox.emails(address)), 3)

    def test_static_device_returns_ten_codes_once_and_is_confirmed(self):
        token = self.new_user()
        device = self.create(token, type="static", name="backup")
        codes = device["extra_data"]["codes"]
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        for code in codes:
            self.assertRegex(code, r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$")
        self.assertTrue(device["confirmed"])
        detail = self.c.get(f"otp-devices/{device['id']}/?type=static", token=token).json()
        self.assertEqual(detail, {"id": device["id"], "name": "backup", "type": "static", "confirmed": True,
                                  "extra_data": {}})

    def test_detail_routes_need_a_configured_type(self):
        token = self.new_user()
        device = self.create(token, type="totp", name="t")
        for suffix in ("", "?type=", "?type=yubikey", "?type=EMAIL"):
            for method, path in (("GET", f"otp-devices/{device['id']}/{suffix}"),
                                 ("DELETE", f"otp-devices/{device['id']}/{suffix}"),
                                 ("POST", f"otp-devices/{device['id']}/confirm/{suffix}")):
                assert_error(self, self.c.request(method, path, body={"otp": "1"}, token=token), 400, "invalid",
                             message=TYPE_ERROR)

    def test_missing_foreign_and_non_numeric_ids_are_404(self):
        token = self.new_user()
        other = self.new_user()
        device = self.create(token, type="totp", name="t")
        for path in (f"otp-devices/{device['id']}/?type=email",       # wrong type
                     "otp-devices/999999/?type=totp", "otp-devices/abc/?type=totp", "otp-devices/-1/?type=totp"):
            assert_error(self, self.c.get(path, token=token), 404, "not_found")
        for method, path in (("GET", f"otp-devices/{device['id']}/?type=totp"),
                             ("DELETE", f"otp-devices/{device['id']}/?type=totp"),
                             ("POST", f"otp-devices/{device['id']}/confirm/?type=totp")):
            assert_error(self, self.c.request(method, path, body={"otp": "123456"}, token=other), 404, "not_found")
        self.assertEqual(self.c.get(f"otp-devices/{device['id']}/?type=totp", token=token).status, 200)

    def test_delete_and_methods(self):
        token = self.new_user()
        device = self.create(token, type="email", name="gone@x.io")
        path = f"otp-devices/{device['id']}/?type=email"
        assert_error(self, self.c.patch(path, {"name": "x"}, token=token), 405, "method_not_allowed")
        r = self.c.delete(path, token=token)
        self.assertEqual((r.status, r.body), (204, b""))
        assert_error(self, self.c.get(path, token=token), 404, "not_found")
        assert_error(self, self.c.delete(path, token=token), 404, "not_found")

    def test_confirm_errors_and_email_confirmation(self):
        token = self.new_user()
        device = self.create(token, type="email", name="conf@x.io")
        path = f"otp-devices/{device['id']}/confirm/?type=email"
        assert_error(self, self.c.post(path, {}, token=token), 400, "required", field="otp")
        assert_error(self, self.c.post(path, {"otp": "123456"}, token=token), 400, "invalid", field="otp",
                     message="Invalid OTP code")  # no code was sent yet
        self.assertEqual(self.c.post("otp/", {"email": "conf@x.io"}, token=token).status, 200)
        code = self.outbox.email_code("conf@x.io")
        r = self.c.post(path, {"otp": code}, token=token)
        self.assertEqual((r.status, r.json()), (200, {}))
        self.assertEqual(self.c.get("users/0/", token=token).json()["email"], "conf@x.io")

    def test_list_order_and_pagination(self):
        token = self.new_user()
        sms = self.create(token, type="sms", name="+31612345675")
        totp_device = self.create(token, type="totp", name="t")
        email = self.create(token, type="email", name="page@x.io")
        backup = self.create(token, type="static", name="b")
        r = self.c.get("otp-devices/", token=token)
        body = r.json()
        self.assertEqual(list(body), ["count", "next", "previous", "results"])
        self.assertEqual((body["count"], body["next"], body["previous"]), (4, None, None))
        # Grouped by OTP_DEVICE_TYPES order: email, totp, sms, static.
        self.assertEqual([d["id"] for d in body["results"]],
                         [email["id"], totp_device["id"], sms["id"], backup["id"]])
        base = f"http://127.0.0.1:{self.server.port}/api/v1/auth/otp-devices/"
        page = self.c.get("otp-devices/?limit=1&offset=1", token=token).json()
        self.assertEqual(page["count"], 4)
        self.assertEqual([d["id"] for d in page["results"]], [totp_device["id"]])
        self.assertEqual(page["next"], base + "?limit=1&offset=2")
        self.assertEqual(page["previous"], base + "?limit=1")
        last = self.c.get("otp-devices/?limit=2&offset=3", token=token).json()
        self.assertEqual((last["next"], last["previous"]), (None, base + "?limit=2&offset=1"))
        self.assertEqual([d["id"] for d in last["results"]], [backup["id"]])
        only = self.c.get("otp-devices/?type=totp", token=token).json()
        self.assertEqual([d["id"] for d in only["results"]], [totp_device["id"]])
        assert_error(self, self.c.get("otp-devices/?type=nope", token=token), 400, "invalid", message=TYPE_ERROR)


class DeviceTypesSettingTest(unittest.TestCase):
    def test_only_configured_types_are_offered(self):
        outbox = Outbox()
        with otp_server(outbox, OTP_DEVICE_TYPES="email,totp") as server:
            c = Client(server)
            c.signup(username="limited", password=PASSWORD)
            token = c.login(username="limited", password=PASSWORD)
            assert_error(self, c.post("otp-devices/", {"type": "static"}, token=token), 400, "invalid",
                         field="type", message="Invalid device type. Must be one of email, totp")
            assert_error(self, c.get("otp-devices/1/?type=sms", token=token), 400, "invalid",
                         message="Invalid device type. Must be one of email, totp")
            self.assertEqual(c.post("otp-devices/", {"type": "totp"}, token=token).status, 201)


if __name__ == "__main__":
    unittest.main()
