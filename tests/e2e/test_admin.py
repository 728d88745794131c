"""Admin API (issue 14 item 1) through the real binary: staff only (anonymous 401, non-staff
403 in the envelope), user search and detail, activate/deactivate, revoke-tokens, require and
clear 2FA, device deletion, the OTP challenge (the code goes to the device, never into the
answer), the audit view; every action is audited with the staff member as actor; `df-auth users
set-staff` grants and withdraws the permission."""

import re
import unittest

from harness import Client, assert_error, decode_jwt_payload, secrets_in
from otp_support import Outbox, code_in, otp_server

PASSWORD = "admin test phrase 1"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
USER_KEYS = ["id", "username", "email", "phone_number", "first_name", "last_name", "is_active", "is_staff",
             "is_superuser", "two_fa_required", "date_joined", "last_login"]


class AdminTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.outbox = Outbox()
        cls.server = otp_server(cls.outbox).__enter__()
        cls.c = Client(cls.server)
        out = cls.server.run_cli("createsuperuser", "--username", "boss", "--email", "boss@example.com",
                                 "--password-stdin", input=PASSWORD + "\n")
        assert out.returncode == 0, out.stderr
        cls.boss_token = cls.c.login(username="boss", password=PASSWORD)
        cls.boss_id = decode_jwt_payload(cls.boss_token)["user_id"]

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def member(self, address):
        """A user made by POST otp/ (its email device confirmed by the sign-in); (id, token)."""
        r = self.c.post("otp/", {"email": address, "password": PASSWORD})
        self.assertEqual(r.status, 200, r)
        token = self.c.login(email=address, otp=self.outbox.email_code(address))
        return decode_jwt_payload(token)["user_id"], token

    def admin(self, method, path, body=None, token=None):
        return self.c.request(method, "admin/" + path, body, token=token or self.boss_token)

    def audit_of(self, uid):
        r = self.admin("GET", f"audit/?user={uid}")
        self.assertEqual(r.status, 200, r)
        return r.json()["results"]

    def test_anonymous_gets_401_and_non_staff_403_on_every_route(self):
        uid, token = self.member("adm-plain@example.com")
        routes = [("GET", "users/"), ("GET", f"users/{uid}/"), ("POST", f"users/{uid}/activate/"),
                  ("POST", f"users/{uid}/deactivate/"), ("POST", f"users/{uid}/revoke-tokens/"),
                  ("POST", f"users/{uid}/require-2fa/"), ("POST", f"users/{uid}/clear-2fa/"),
                  ("DELETE", f"users/{uid}/devices/email/1/"), ("POST", f"users/{uid}/otp-challenge/"),
                  ("GET", "audit/")]
        for method, path in routes:
            with self.subTest(method=method, path=path):
                anon = self.c.request(method, "admin/" + path, {} if method == "POST" else None)
                assert_error(self, anon, 401, "not_authenticated",
                             message="Authentication credentials were not provided.")
                denied = self.c.request(method, "admin/" + path, {} if method == "POST" else None, token=token)
                assert_error(self, denied, 403, "permission_denied",
                             message="You do not have permission to perform this action.")
        # Nothing happened to the user on the way.
        self.assertEqual(self.c.get(f"users/{uid}/", token=token).status, 200)

    def test_search_lists_exact_users_paginated(self):
        uid, _ = self.member("adm-search-1@example.com")
        uid2, _ = self.member("adm-search-2@example.com")
        r = self.admin("GET", "users/?search=ADM-SEARCH")
        self.assertEqual(r.status, 200, r)
        page = r.json()
        self.assertEqual((page["count"], page["next"], page["previous"]), (2, None, None))
        first = page["results"][0]
        self.assertEqual(list(first), USER_KEYS)
        self.assertRegex(first["date_joined"], ISO)
        self.assertEqual({k: v for k, v in first.items() if k != "date_joined"},
                         {"id": uid, "username": first["username"], "email": "adm-search-1@example.com",
                          "phone_number": None, "first_name": "", "last_name": "", "is_active": True,
                          "is_staff": False, "is_superuser": False, "two_fa_required": False,
                          "last_login": first["last_login"]})
        self.assertEqual(page["results"][1]["id"], uid2)
        one = self.admin("GET", "users/?search=adm-search&limit=1&offset=1").json()
        self.assertEqual((one["count"], [u["id"] for u in one["results"]]), (2, [uid2]))
        self.assertEqual(one["previous"], self.server.url("admin/users/?limit=1&search=adm-search"))
        self.assertEqual(self.admin("GET", "users/?search=nobody-here").json()["count"], 0)

    def test_detail_shows_devices_2fa_social_and_sessions(self):
        uid, token = self.member("adm-detail@example.com")
        r = self.admin("GET", f"users/{uid}/")
        self.assertEqual(r.status, 200, r)
        d = r.json()
        self.assertEqual(list(d), USER_KEYS + ["devices", "social", "sessions", "sessions_count"])
        self.assertEqual(len(d["devices"]), 1)
        self.assertEqual({k: d["devices"][0][k] for k in ("type", "name", "confirmed")},
                         {"type": "email", "name": "adm-detail@example.com", "confirmed": True})
        self.assertEqual(d["social"], [])
        self.assertEqual(d["sessions_count"], 1)
        self.assertEqual(d["sessions"][0]["id"], decode_jwt_payload(token)["sid"])
        self.assertEqual((d["sessions"][0]["method"], d["sessions"][0]["ip"]), ("otp", "127.0.0.1"))
        assert_error(self, self.admin("GET", "users/999999/"), 404, "not_found")
        assert_error(self, self.admin("GET", "users/abc/"), 404, "not_found")

    def test_deactivate_refuses_tokens_and_activate_restores_login(self):
        uid, token = self.member("adm-active@example.com")
        r = self.admin("POST", f"users/{uid}/deactivate/")
        self.assertEqual((r.status, r.json()["id"], r.json()["is_active"]), (200, uid, False))
        self.assertEqual(self.c.get(f"users/{uid}/", token=token).status, 401)
        self.assertEqual(self.c.post("token/", {"email": "adm-active@example.com", "password": PASSWORD}).status, 401)
        r = self.admin("POST", f"users/{uid}/activate/")
        self.assertEqual((r.status, r.json()["is_active"]), (200, True))
        self.c.login(email="adm-active@example.com", password=PASSWORD)
        events = [(e["event"], e["outcome"], e["actor"], e["ip"]) for e in self.audit_of(uid)[:4]]
        self.assertEqual(events, [("login", "success", uid, "127.0.0.1"),
                                  ("user_activated", "success", self.boss_id, "127.0.0.1"),
                                  ("login", "failure", None, "127.0.0.1"),  # the inactive account's try
                                  ("user_deactivated", "success", self.boss_id, "127.0.0.1")])

    def test_revoke_tokens_logs_the_user_out_everywhere(self):
        uid, token = self.member("adm-revoke@example.com")
        r = self.admin("POST", f"users/{uid}/revoke-tokens/")
        self.assertEqual((r.status, r.json()["id"]), (200, uid))
        self.assertEqual(self.c.get(f"users/{uid}/", token=token).status, 401)
        latest = self.audit_of(uid)[0]
        self.assertEqual({k: latest[k] for k in ("event", "outcome", "user", "actor")},
                         {"event": "tokens_revoked", "outcome": "success", "user": uid, "actor": self.boss_id})

    def test_require_and_clear_2fa(self):
        uid, _ = self.member("adm-2fa@example.com")
        r = self.admin("POST", f"users/{uid}/require-2fa/")
        self.assertEqual((r.status, r.json()["two_fa_required"]), (200, True))
        assert_error(self, self.c.post("token/", {"email": "adm-2fa@example.com", "password": PASSWORD}),
                     401, "2fa_required")
        r = self.admin("POST", f"users/{uid}/clear-2fa/")
        self.assertEqual((r.status, r.json()["two_fa_required"]), (200, False))
        self.c.login(email="adm-2fa@example.com", password=PASSWORD)
        events = [(e["event"], e["actor"]) for e in self.audit_of(uid) if e["event"].startswith("2fa_")]
        self.assertEqual(events, [("2fa_cleared", self.boss_id), ("2fa_required", self.boss_id)])
        # A user without a confirmed device cannot be locked out.
        bare = self.c.signup(username="adm-2fa-bare", password=PASSWORD)
        self.assertEqual(bare.status, 201, bare)
        bare_id = int(bare.json()["id"])
        assert_error(self, self.admin("POST", f"users/{bare_id}/require-2fa/"), 400, "invalid", field="is_required")

    def test_delete_device(self):
        uid, token = self.member("adm-device@example.com")
        created = self.c.post("otp-devices/", {"type": "totp"}, token=token)
        self.assertEqual(created.status, 201, created)
        device_id = created.json()["id"]
        self.assertEqual(self.admin("DELETE", f"users/{uid}/devices/totp/{device_id}/").status, 204)
        listed = self.c.get("otp-devices/", token=token).json()
        self.assertEqual([d["type"] for d in listed["results"]], ["email"])
        assert_error(self, self.admin("DELETE", f"users/{uid}/devices/totp/{device_id}/"), 404, "not_found")
        assert_error(self, self.admin("DELETE", f"users/{uid}/devices/nonsense/{device_id}/"), 404, "not_found")
        latest = self.audit_of(uid)[0]
        self.assertEqual({k: latest[k] for k in ("event", "method", "actor", "detail")},
                         {"event": "device_deleted", "method": "totp", "actor": self.boss_id,
                          "detail": f"device {device_id}"})

    def test_otp_challenge_sends_to_the_device_and_never_answers_the_code(self):
        uid, _ = self.member("adm-challenge@example.com")
        device_id = self.admin("GET", f"users/{uid}/").json()["devices"][0]["id"]
        self.outbox.forget("adm-challenge@example.com")
        r = self.admin("POST", f"users/{uid}/otp-challenge/", {"type": "email", "device_id": str(device_id)})
        self.assertEqual((r.status, r.json()), (200, {"sent": True}))
        code = code_in(self.outbox.wait_email("adm-challenge@example.com"))
        self.assertNotIn(code, r.body if isinstance(r.body, str) else r.body.decode())
        # The code works for the user, as a sign-in code does.
        self.c.login(email="adm-challenge@example.com", otp=code)
        assert_error(self, self.admin("POST", f"users/{uid}/otp-challenge/", {"type": "totp", "device_id": "1"}),
                     400, "invalid", field="type")
        assert_error(self, self.admin("POST", f"users/{uid}/otp-challenge/", {"type": "email"}),
                     400, "required", field="device_id")
        assert_error(self, self.admin("POST", f"users/{uid}/otp-challenge/", {"type": "email", "device_id": "99999"}),
                     404, "not_found")
        sent = [e for e in self.audit_of(uid) if e["event"] == "otp_challenge_sent"]
        self.assertEqual([(e["actor"], e["method"], e["outcome"]) for e in sent], [(self.boss_id, "email", "success")])
        self.assertEqual(secrets_in(str(self.server.sql("SELECT * FROM audit_log"))), [])

    def test_audit_view_filters_and_rejects_bad_input(self):
        uid, _ = self.member("adm-audit@example.com")
        page = self.admin("GET", f"audit/?user={uid}&limit=1").json()
        self.assertEqual(page["count"], 1)  # the OTP sign-in (its device came with it, confirmed)
        entry = page["results"][0]
        self.assertEqual(list(entry), ["id", "at", "event", "method", "outcome", "user", "actor", "ip", "detail"])
        self.assertEqual({k: entry[k] for k in ("event", "method", "outcome", "user", "actor", "ip")},
                         {"event": "login", "method": "otp", "outcome": "success", "user": uid, "actor": uid,
                          "ip": "127.0.0.1"})
        self.assertRegex(entry["at"], ISO)
        self.assertEqual(self.admin("GET", f"audit/?user={uid}&since=2999-01-01").json()["count"], 0)
        assert_error(self, self.admin("GET", "audit/?user=me"), 400, "invalid", field="user")
        assert_error(self, self.admin("GET", "audit/?since=yesterday"), 400, "invalid", field="since")

    def test_set_staff_from_the_cli_grants_and_withdraws_access(self):
        uid, token = self.member("adm-staff@example.com")
        out = self.server.run_cli("users", "set-staff", uid, "on")
        self.assertEqual((out.returncode, out.stdout), (0, f"user {uid} is staff\n"), out.stderr)
        self.assertEqual(self.c.get("admin/users/?search=adm-staff", token=token).json()["count"], 1)
        out = self.server.run_cli("users", "set-staff", uid, "off")
        self.assertEqual((out.returncode, out.stdout), (0, f"user {uid} is not staff\n"), out.stderr)
        assert_error(self, self.c.get("admin/users/", token=token), 403, "permission_denied")
        self.assertEqual(self.server.run_cli("users", "set-staff", "999999", "on").returncode, 1)
        details = [e["detail"] for e in self.audit_of(uid) if e["event"] == "staff_changed"]
        self.assertEqual(details, ["off", "on"])


if __name__ == "__main__":
    unittest.main()
