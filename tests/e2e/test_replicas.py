"""Two `df-auth serve` processes on one database behave as one server (interface.md §5): what
one issues the other accepts, what one revokes the other refuses at the next request, counters
kept in the database add up across both, a refresh token is spent once, an OTP code is used
once, a ban reaches both within a second and the outbox sends each message once. Runs on the
suite's backend: two replicas on one PostgreSQL database (e2e_pg), or two processes on one
SQLite file (e2e)."""

import concurrent.futures
import tempfile
import time
import unittest

from harness import Client, Server, assert_error
from otp_support import Outbox

PASSWORD = "replica password 1"


class Replicas:
    """A and B on one database, file delivery into one outbox folder."""

    def __init__(self, **env):
        self.outbox = Outbox()
        settings = {"DF_AUTH_OTP_THROTTLE_FACTOR": "0", "DF_AUTH_THROTTLE_OTP_SEND": "off",
                    "DF_AUTH_THROTTLE_LOGIN_FAILURES": "off", "DF_AUTH_THROTTLE_LOGIN_FAILURES_IP": "off"}
        settings.update(self.outbox.env())
        settings.update({f"DF_AUTH_{k}": v for k, v in env.items()})
        self.a = Server(env=settings).start()
        try:
            self.b = Server(env=settings, database_of=self.a).start()
        except BaseException:
            self.a.kill()
            self.a.cleanup()
            raise
        self.ca, self.cb = Client(self.a), Client(self.b)

    def close(self):
        try:
            self.b.stop()
            self.a.stop()
        finally:
            self.b.cleanup()
            self.a.cleanup()

    def signup(self, username):
        r = self.ca.post("users/", {"username": username, "password": PASSWORD})
        assert r.status == 201, r
        return r.json()["id"]


def replicas(testcase, **env):
    pair = Replicas(**env)
    testcase.addCleanup(pair.close)
    return pair


class SlidingReplicasTest(unittest.TestCase):
    def setUp(self):
        self.r = replicas(self)

    def test_a_token_issued_by_a_is_accepted_by_b(self):
        self.r.signup("ann")
        token = self.r.ca.login(username="ann", password=PASSWORD)
        me = self.r.cb.get("users/0/", token=token)
        self.assertEqual((me.status, me.json()["username"]), (200, "ann"))
        self.assertEqual(self.r.cb.post("token/verify/", {"token": token}).status, 200)

    def test_a_blacklist_on_a_is_refused_on_b(self):
        self.r.signup("bea")
        token = self.r.ca.login(username="bea", password=PASSWORD)
        self.assertEqual(self.r.cb.get("users/0/", token=token).status, 200)
        self.assertEqual(self.r.ca.post("token/blacklist/", {"token": token}).status, 200)
        assert_error(self, self.r.cb.get("users/0/", token=token), 401, "token_not_valid")
        assert_error(self, self.r.cb.post("token/refresh/", {"token": token}), 401, "token_not_valid")

    def test_a_password_change_on_a_is_refused_on_b(self):
        self.r.signup("cid")
        token = self.r.ca.login(username="cid", password=PASSWORD)
        self.assertEqual(self.r.cb.get("users/0/", token=token).status, 200)
        r = self.r.ca.post("users/0/set-password/", {"old_password": PASSWORD, "new_password": "new password 22"},
                           token=token)
        self.assertEqual(r.status, 200, r)
        assert_error(self, self.r.cb.get("users/0/", token=token), 401, "token_not_valid")
        assert_error(self, self.r.cb.post("token/", {"username": "cid", "password": PASSWORD}), 401,
                     "authentication_failed")
        self.assertEqual(self.r.cb.login(username="cid", password="new password 22").count("."), 2)

    def test_logout_everywhere_and_deactivation_hold_on_both(self):
        dee = self.r.signup("dee")
        eve = self.r.signup("eve")
        dee_token = self.r.ca.login(username="dee", password=PASSWORD)
        eve_token = self.r.cb.login(username="eve", password=PASSWORD)
        r = self.r.a.run_cli("users", "revoke-tokens", dee)
        self.assertEqual((r.returncode, r.stdout), (0, f"tokens of user {dee} revoked\n"), r.stderr)
        r = self.r.a.run_cli("users", "deactivate", eve)
        self.assertEqual((r.returncode, r.stdout), (0, f"user {eve} deactivated\n"), r.stderr)
        for client in (self.r.ca, self.r.cb):
            assert_error(self, client.get("users/0/", token=dee_token), 401, "token_not_valid")
            assert_error(self, client.get("users/0/", token=eve_token), 401, "token_not_valid")
            assert_error(self, client.post("token/", {"username": "eve", "password": PASSWORD}), 401,
                         "authentication_failed")

    def test_a_ban_by_the_cli_reaches_both_within_a_second(self):
        self.assertEqual(self.r.ca.get("/health/live").status, 200)
        self.assertEqual(self.r.cb.get("/health/live").status, 200)
        r = self.r.a.run_cli("guard", "block", "127.0.0.1", "--for", "600")
        self.assertEqual(r.returncode, 0, r.stderr)
        blocked_at = time.monotonic()
        pending = {"a": self.r.a, "b": self.r.b}
        seen = {}
        while pending and time.monotonic() - blocked_at < 3:
            for name, server in list(pending.items()):
                if Client(server).get("/health/live").status == 403:
                    seen[name] = time.monotonic() - blocked_at
                    del pending[name]
            time.sleep(0.02)
        self.assertEqual(sorted(seen), ["a", "b"], seen)
        self.assertLessEqual(max(seen.values()), 1.0, seen)
        self.assertEqual(self.r.a.run_cli("guard", "unblock", "127.0.0.1").returncode, 0)

    def test_an_otp_sent_through_a_verifies_through_b_once(self):
        r = self.r.ca.post("otp/", {"email": "otp-user@x.io"})
        self.assertEqual(r.status, 200, r)
        code = self.r.outbox.email_code("otp-user@x.io")
        ok = self.r.cb.post("token/", {"email": "otp-user@x.io", "otp": code})
        self.assertEqual(ok.status, 200, ok)
        for client in (self.r.cb, self.r.ca):
            assert_error(self, client.post("token/", {"email": "otp-user@x.io", "otp": code}), 400, "wrong_otp",
                         message="Wrong or expired one-time password")

    def test_the_outbox_of_both_sends_each_message_once(self):
        count = 40
        for i in range(count):
            client = self.r.ca if i % 2 == 0 else self.r.cb
            self.assertEqual(client.post("otp/", {"email": f"mail{i}@x.io"}).status, 200)
        deadline = time.monotonic() + 20
        while len(self.r.outbox.emails_all()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a second copy, if any, would land now
        recipients = sorted(m["To"] for _, m in self.r.outbox.emails_all())
        self.assertEqual(recipients, sorted(f"mail{i}@x.io" for i in range(count)))


class CountersAcrossReplicasTest(unittest.TestCase):
    def test_failed_logins_from_a_and_b_add_up_to_the_limit_exactly(self):
        r = replicas(self, THROTTLE_LOGIN_FAILURES="6/hour")
        fay = r.signup("fay")
        wrong = r.ca.post("token/", {"username": "fay", "password": "wrong password"})
        assert_error(self, wrong, 401, "authentication_failed")

        def attempt(i):
            client = Client(r.a if i % 2 else r.b)
            try:
                return client.post("token/", {"username": "fay", "password": "wrong password"}).status
            finally:
                client.close()

        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(attempt, range(60)))
        self.assertEqual(statuses, [401] * 60)
        # Locked on both for the rest of the window, and the stored count is the limit, not 2x.
        for client in (r.ca, r.cb):
            assert_error(self, client.post("token/", {"username": "fay", "password": PASSWORD}), 401,
                         "authentication_failed")
        self.assertEqual(r.a.sql("SELECT key, count FROM security_counters WHERE kind = ?", ("login_account",)),
                         [(str(fay), 6)])

    def test_otp_sends_to_one_address_from_a_and_b_add_up_to_the_limit_exactly(self):
        r = replicas(self, THROTTLE_OTP_SEND="5/hour")

        def send(i):
            client = Client(r.a if i % 2 else r.b)
            try:
                return client.post("otp/", {"email": "limited@x.io"}).status
            finally:
                client.close()

        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(send, range(24)))
        self.assertEqual(sorted(statuses), [200] * 5 + [429] * 19, statuses)
        deadline = time.monotonic() + 10
        while len(r.outbox.emails("limited@x.io")) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        self.assertEqual(len(r.outbox.emails("limited@x.io")), 5)


class PairReplicasTest(unittest.TestCase):
    def test_fifty_parallel_refreshes_over_a_and_b_give_exactly_one_success(self):
        r = replicas(self, JWT_PROFILE="pair")
        r.signup("gus")
        pair = r.ca.post("token/", {"username": "gus", "password": PASSWORD}).json()
        refresh = pair["refresh"]

        def attempt(i):
            client = Client(r.a if i % 2 else r.b)
            try:
                return client.post("token/refresh/", {"refresh": refresh})
            finally:
                client.close()

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(attempt, range(50)))
        statuses = [x.status for x in results]
        self.assertEqual(statuses.count(200), 1, statuses)
        self.assertEqual(statuses.count(401), 49, statuses)
        # The 49 reuses revoked the family on both: the winner's new tokens are refused too.
        winner = next(x.json() for x in results if x.status == 200)
        for client in (r.ca, r.cb):
            assert_error(self, client.get("users/0/", token=winner["token"]), 401, "token_not_valid")
            assert_error(self, client.post("token/refresh/", {"refresh": winner["refresh"]}), 401, "token_not_valid")


if __name__ == "__main__":
    unittest.main()
