"""The guard end to end (issue 5; interface.md §6): the IP blocklist on every route, honeypot
paths and their expiring bans, `df-auth guard` on a running server, failed-login limits."""
import concurrent.futures
import re
import time
import unittest

from harness import Client, Server, assert_error

BLOCKED_MESSAGE = "Your address is blocked."
PASSWORD = "correct horse 1"


def wait_for(predicate, timeout=5.0, step=0.1):
    """Polls `predicate` until it is true or `timeout` seconds have passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def metric(server, name, labels):
    """The value of one sample in /metrics (a fresh connection: the caller may be blocked)."""
    text = Client(server).get("/metrics").body.decode()
    match = re.search(re.escape(name + "{" + labels + "}") + r" (\S+)", text)
    return float(match.group(1)) if match else 0.0


class BlocklistTest(unittest.TestCase):
    def test_a_blocked_address_gets_403_on_every_route(self):
        with Server(env={"DF_AUTH_BLACKLIST_IPS": "10.0.0.0/8,127.0.0.1/32"}) as server:
            c = server.client()
            for method, path in [("GET", "/health/live"), ("GET", "/metrics"), ("POST", "token/"),
                                 ("GET", "users/0/"), ("GET", "/no/such/path"), ("DELETE", "token/"),
                                 ("GET", "/wp-login.php")]:
                r = c.request(method, path, body={} if method == "POST" else None)
                assert_error(self, r, 403, "ip_blocked", message=BLOCKED_MESSAGE)
            preflight = c.request("OPTIONS", "token/", headers={
                "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
            assert_error(self, preflight, 403, "ip_blocked")
            self.assertIn('"rule":"ip_blocklist"', server.stderr())

    def test_other_addresses_and_ipv6_cidrs_pass(self):
        with Server(env={"DF_AUTH_BLACKLIST_IPS": "::1/128,2001:db8::/32,10.0.0.0/8"}) as server:
            c = server.client()
            self.assertEqual(c.get("/health/live").status, 200)
            self.assertEqual(metric(server, "dfauth_guard_refusals_total", 'rule="ip_blocklist"'), 0)


class DomainsFileTest(unittest.TestCase):
    def test_an_unreadable_domains_file_stops_the_start_naming_the_key(self):
        server = Server()
        try:
            for command in (["check-config"], ["serve"]):
                out = server.run_cli(*command, env_extra={
                    "DF_AUTH_BLACKLIST_EMAIL_DOMAINS_FILE": server.workdir + "/missing.txt"})
                self.assertEqual(out.returncode, 2, (command, out.stderr))
                self.assertIn("BLACKLIST_EMAIL_DOMAINS_FILE", out.stderr)
        finally:
            server.cleanup()


class HoneypotTest(unittest.TestCase):
    def test_a_honeypot_path_bans_behind_a_bland_404_until_the_ban_expires(self):
        # 3 s: long enough that the 403 right after the trap is seen under a loaded sanitizer run
        # (at 1 s the ban could end before the next request), short enough to wait out.
        with Server(env={"DF_AUTH_HONEYPOT_BAN_DURATION": "3"}) as server:
            c = server.client()
            unknown = c.get("/no-such-page")
            trap = c.get("/wp-login.php")
            self.assertEqual((trap.status, trap.body), (unknown.status, unknown.body))
            assert_error(self, trap, 404, "not_found", message="Not found.")
            assert_error(self, c.get("/health/live"), 403, "ip_blocked", message=BLOCKED_MESSAGE)
            # The ban is over within about four seconds.
            self.assertTrue(wait_for(lambda: c.get("/health/live").status == 200, timeout=10))
            self.assertEqual(server.run_cli("guard", "list").stdout, "")
            self.assertEqual(metric(server, "dfauth_guard_refusals_total", 'rule="honeypot_path"'), 1)
            self.assertGreaterEqual(metric(server, "dfauth_guard_refusals_total", 'rule="ip_ban"'), 1)

    def test_behind_a_trusted_proxy_the_client_is_banned_never_the_proxy(self):
        env = {"DF_AUTH_TRUSTED_PROXIES": "127.0.0.1/32", "DF_AUTH_HONEYPOT_PATHS": "/.git/config"}
        with Server(env=env) as server:
            c = server.client()
            via = {"X-Forwarded-For": "198.51.100.23"}
            assert_error(self, c.get("/.git/config", headers=via), 404, "not_found")
            assert_error(self, c.get("/health/live", headers=via), 403, "ip_blocked")
            # The proxy itself (and the other clients behind it) pass.
            self.assertEqual(c.get("/health/live").status, 200)
            self.assertEqual(c.get("/health/live", headers={"X-Forwarded-For": "198.51.100.24"}).status, 200)
            # A spoofed left-most entry does not help: the right-most untrusted one is the client.
            spoofed = {"X-Forwarded-For": "203.0.113.1, 198.51.100.23"}
            assert_error(self, c.get("/health/live", headers=spoofed), 403, "ip_blocked")
            # A honeypot hit by the proxy's own address bans nothing.
            self.assertEqual(c.get("/.git/config").status, 404)
            self.assertEqual(c.get("/health/live").status, 200)
            listed = server.run_cli("guard", "list")
            self.assertEqual(listed.returncode, 0, listed.stderr)
            self.assertRegex(listed.stdout, r"^198\.51\.100\.23\tuntil \d+\thoneypot_path\n$")


class GuardCliTest(unittest.TestCase):
    def test_block_and_unblock_reach_a_running_server(self):
        with Server() as server:
            c = server.client()
            self.assertEqual(c.get("/health/live").status, 200)
            r = server.run_cli("guard", "block", "127.0.0.1", "--for", "600")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, "blocked 127.0.0.1 for 600 s\n")
            self.assertTrue(wait_for(lambda: c.get("/health/live").status == 403))
            listed = server.run_cli("guard", "list").stdout
            self.assertRegex(listed, r"^127\.0\.0\.1\tuntil \d+\tcli\n$")
            until = int(listed.split("\t")[1].split()[1])
            self.assertAlmostEqual(until - time.time(), 600, delta=30)
            r = server.run_cli("guard", "unblock", "127.0.0.1")
            self.assertEqual((r.returncode, r.stdout), (0, "unblocked 127.0.0.1\n"), r.stderr)
            self.assertTrue(wait_for(lambda: c.get("/health/live").status == 200))

    def test_networks_defaults_and_errors(self):
        with Server(env={"DF_AUTH_HONEYPOT_BAN_DURATION": "3600"}) as server:
            r = server.run_cli("guard", "block", "2001:DB8:ffff::/32")
            self.assertEqual((r.returncode, r.stdout), (0, "blocked 2001:db8::/32 for 3600 s\n"), r.stderr)
            r = server.run_cli("guard", "block", "127.0.0.0/8", "--for", "60")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(wait_for(lambda: server.client().get("/health/live").status == 403))
            for bad in ("not-an-ip", "1.2.3.4/33", "::1/129", "300.1.1.1"):
                r = server.run_cli("guard", "block", bad)
                self.assertEqual(r.returncode, 2, (bad, r.stdout, r.stderr))
                self.assertIn("not an IP address", r.stderr)
            self.assertEqual(server.run_cli("guard", "unblock", "nope").returncode, 2)
            r = server.run_cli("guard", "unblock", "192.0.2.1")
            self.assertEqual(r.returncode, 1)
            self.assertIn("not banned", r.stderr)
            self.assertEqual(server.run_cli("guard", "unblock", "127.0.0.0/8").returncode, 0)
            self.assertEqual(server.run_cli("guard", "list").stdout.count("\n"), 1)

    def test_a_trusted_proxy_is_never_blocked(self):
        with Server(env={"DF_AUTH_TRUSTED_PROXIES": "10.0.0.0/8"}) as server:
            r = server.run_cli("guard", "block", "10.1.2.3")
            self.assertEqual(r.returncode, 1)
            self.assertIn("TRUSTED_PROXIES", r.stderr)
            self.assertEqual(server.run_cli("guard", "list").stdout, "")


def signup(c, username, password=PASSWORD):
    r = c.post("users/", {"username": username, "password": password})
    assert r.status == 201, r
    return int(r.json()["id"])


class LoginFailuresTest(unittest.TestCase):
    def counter(self, server, kind):
        return dict(server.sql("SELECT key, count FROM security_counters WHERE kind = ?", (kind,)))

    def test_parallel_wrong_logins_never_pass_the_account_limit(self):
        with Server(env={"DF_AUTH_THROTTLE_LOGIN_FAILURES": "5/hour"}) as server:
            c = server.client()
            alice = signup(c, "alice")
            signup(c, "bob")
            wrong = c.post("token/", {"username": "alice", "password": "wrong password"})
            assert_error(self, wrong, 401, "authentication_failed")

            def attempt(_):
                client = Client(server)
                try:
                    return client.post("token/", {"username": "alice", "password": "wrong password"})
                finally:
                    client.close()

            with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
                results = list(pool.map(attempt, range(200)))
            for r in results:
                self.assertEqual((r.status, r.body), (wrong.status, wrong.body))
            # Locked for the rest of the window: the right password gets the wrong password's answer.
            locked = c.post("token/", {"username": "alice", "password": PASSWORD})
            self.assertEqual((locked.status, locked.body), (wrong.status, wrong.body))
            self.assertEqual(locked.headers.get("www-authenticate"), wrong.headers.get("www-authenticate"))
            # Every attempt past the limit was refused before its password was checked: the stored
            # count is exactly the limit.
            self.assertEqual(self.counter(server, "login_account"), {str(alice): 5})
            self.assertEqual(self.counter(server, "login_ip"), {"127.0.0.1": 5})
            # Other accounts are not locked.
            self.assertEqual(c.post("token/", {"username": "bob", "password": PASSWORD}).status, 200)
            self.assertEqual(
                metric(server, "dfauth_guard_refusals_total", 'rule="login_failures_account"'), 197)

    def test_the_ip_limit_covers_all_accounts_and_a_success_resets_only_the_account(self):
        env = {"DF_AUTH_THROTTLE_LOGIN_FAILURES": "3/hour", "DF_AUTH_THROTTLE_LOGIN_FAILURES_IP": "4/hour"}
        with Server(env=env) as server:
            c = server.client()
            signup(c, "carol")
            signup(c, "dave")
            for _ in range(2):
                assert_error(self, c.post("token/", {"username": "carol", "password": "nope"}),
                             401, "authentication_failed")
            self.assertEqual(c.post("token/", {"username": "carol", "password": PASSWORD}).status, 200)
            self.assertEqual(self.counter(server, "login_account"), {})  # reset by the success
            self.assertEqual(self.counter(server, "login_ip"), {"127.0.0.1": 2})  # kept
            # Bad input is no failed login.
            assert_error(self, c.post("token/", {"phone_number": "not a phone", "password": "x"}),
                         400, "invalid", field="phone_number")
            self.assertEqual(self.counter(server, "login_ip"), {"127.0.0.1": 2})
            # Unknown accounts count for the IP only.
            assert_error(self, c.post("token/", {"username": "nobody", "password": "nope"}),
                         401, "authentication_failed")
            assert_error(self, c.post("token/", {"email": "carol@nowhere.example", "password": "nope"}),
                         401, "authentication_failed")
            self.assertEqual(self.counter(server, "login_ip"), {"127.0.0.1": 4})
            # The IP's limit is reached: even the right password of another account is refused.
            assert_error(self, c.post("token/", {"username": "dave", "password": PASSWORD}),
                         401, "authentication_failed")
            self.assertEqual(self.counter(server, "login_account"), {})
            self.assertEqual(metric(server, "dfauth_guard_refusals_total", 'rule="login_failures_ip"'), 1)

    def test_limits_off(self):
        env = {"DF_AUTH_THROTTLE_LOGIN_FAILURES": "off", "DF_AUTH_THROTTLE_LOGIN_FAILURES_IP": "off"}
        with Server(env=env) as server:
            c = server.client()
            signup(c, "erin")
            for _ in range(5):
                c.post("token/", {"username": "erin", "password": "nope"})
            self.assertEqual(c.post("token/", {"username": "erin", "password": PASSWORD}).status, 200)
            self.assertEqual(self.counter(server, "login_account"), {})


if __name__ == "__main__":
    unittest.main()
