"""Audit log (issue 14 item 2) through the real binary: sign-ins with method and outcome,
failures, lockouts, password and device changes, session revocations; `df-auth audit list
[--user ID] [--since T]` prints them newest first, one line each; no secret in any column;
AUDIT_LOG_RETENTION_DAYS purges old entries."""

import time
import unittest

from harness import Client, Server, decode_jwt_payload, remember_secret, secrets_in
from otp_support import Outbox, otp_server

PASSWORD = "audit test phrase 1"
WRONG = "not the audit phrase 9"


class AuditTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.outbox = Outbox()
        cls.server = otp_server(cls.outbox, THROTTLE_LOGIN_FAILURES="3/hour").__enter__()
        cls.c = Client(cls.server)
        remember_secret([PASSWORD, WRONG])

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def user(self, name):
        r = self.c.signup(username=name, password=PASSWORD)
        self.assertEqual(r.status, 201, r)
        return int(r.json()["id"])

    def entries(self, uid):
        """The user's entries as `audit list --user` prints them, newest first, split in fields."""
        out = self.server.run_cli("audit", "list", "--user", uid)
        self.assertEqual(out.returncode, 0, out.stderr)
        return [line.split("\t") for line in out.stdout.splitlines()]

    def test_sign_ins_failures_and_lockout_with_method_outcome_and_ip(self):
        uid = self.user("audit-login")
        token = self.c.login(username="audit-login", password=PASSWORD)
        for _ in range(3):
            self.assertEqual(self.c.post("token/", {"username": "audit-login", "password": WRONG}).status, 401)
        # The fourth wrong password meets the lock (THROTTLE_LOGIN_FAILURES 3/hour).
        self.assertEqual(self.c.post("token/", {"username": "audit-login", "password": WRONG}).status, 401)
        lines = self.entries(uid)
        self.assertEqual([line[1:] for line in lines],
                         [["login", "locked", "password", f"user={uid}", "actor=-", "ip=127.0.0.1", "-"]] +
                         [["login", "failure", "password", f"user={uid}", "actor=-", "ip=127.0.0.1",
                           "wrong_credentials"]] * 3 +
                         [["login", "success", "password", f"user={uid}", f"actor={uid}", "ip=127.0.0.1", "-"]])
        for line in lines:
            self.assertRegex(line[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(decode_jwt_payload(token)["user_id"], uid)

    def test_password_change_device_and_session_changes(self):
        uid = self.user("audit-changes")
        token = self.c.login(username="audit-changes", password=PASSWORD)
        other = self.c.login(username="audit-changes", password=PASSWORD)
        created = self.c.post("otp-devices/", {"type": "static"}, token=token)
        self.assertEqual(created.status, 201, created)
        device = created.json()["id"]
        self.assertEqual(self.c.delete(f"otp-devices/{device}/?type=static", token=token).status, 204)
        self.assertEqual(self.c.post("sessions/revoke-others/", token=token).json(), {"revoked": 1})
        new_password = "audit new phrase 2"
        remember_secret(new_password)
        r = self.c.post(f"users/{uid}/set-password/", {"old_password": PASSWORD, "new_password": new_password},
                        token=token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.c.get(f"users/{uid}/", token=other).status, 401)
        events = [(line[1], line[3], line[5], line[7]) for line in self.entries(uid)]
        self.assertEqual(events, [
            ("password_change", "-", f"actor={uid}", "-"),
            ("session_revoked", "-", f"actor={uid}", "1"),
            ("device_deleted", "static", f"actor={uid}", f"device {device}"),
            ("device_created", "static", f"actor={uid}", f"device {device}"),
            ("login", "password", f"actor={uid}", "-"),
            ("login", "password", f"actor={uid}", "-"),
        ])
        # The backup codes the device showed once, the passwords and the tokens: none in the table.
        remember_secret(created.json()["extra_data"]["codes"])
        self.assertEqual(secrets_in(str(self.server.sql("SELECT * FROM audit_log"))), [])

    def test_list_filters_by_since_and_refuses_a_bad_time(self):
        uid = self.user("audit-since")
        self.c.login(username="audit-since", password=PASSWORD)
        now = int(time.time())
        self.assertEqual(len(self.entries(uid)), 1)
        later = self.server.run_cli("audit", "list", "--user", uid, "--since", now + 3600)
        self.assertEqual((later.returncode, later.stdout), (0, ""))
        earlier = self.server.run_cli("audit", "list", "--user", uid, "--since",
                                      time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600)))
        self.assertEqual(len(earlier.stdout.splitlines()), 1, earlier.stderr)
        bad = self.server.run_cli("audit", "list", "--since", "yesterday")
        self.assertEqual((bad.returncode, bad.stdout), (2, ""))
        self.assertEqual(bad.stderr,
                         "audit: --since must be ISO 8601 UTC (2026-12-07T05:30:00Z) or Unix seconds (got yesterday)\n")


class AuditRetentionTest(unittest.TestCase):

    def test_entries_older_than_the_retention_are_purged(self):
        with Server(env={"DF_AUTH_AUDIT_LOG_RETENTION_DAYS": "1"}) as server:
            c = Client(server)
            now = int(time.time())
            for at, event in ((now - 3 * 86400, "old"), (now - 2 * 86400, "older"), (now - 3600, "recent")):
                server.sql("INSERT INTO audit_log(at, event, method, outcome, ip, detail) VALUES(?, ?, '', 'success', '', '')",
                           (at, event))
            r = c.signup(username="audit-retention", password=PASSWORD)
            self.assertEqual(r.status, 201, r)
            c.login(username="audit-retention", password=PASSWORD)  # the first sign-in runs the purge
            events = [row[0] for row in server.sql("SELECT event FROM audit_log ORDER BY id")]
            self.assertEqual(events, ["recent", "login"])


if __name__ == "__main__":
    unittest.main()
