"""The HTTP layer end to end: envelope for 404/405/413/431, CORS, router root, health, metrics,
throttling, access log hygiene, graceful shutdown. Slow and hostile clients: test_hostile_http.py."""
import json
import unittest

from harness import Client, Server, assert_error


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"DF_AUTH_CORS_ALLOWED_ORIGINS": "https://app.example"}).__enter__()
        cls.c = Client(cls.server)
        cls.c.request("POST", "users/", {"username": "henry", "password": "henry password"})
        cls.token = cls.c.request("POST", "token/", {"username": "henry", "password": "henry password"}).json()["token"]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_unknown_path_is_404_in_the_envelope(self):
        for path in ("nope/", "/nope", "token"):
            assert_error(self, self.c.request("GET", path), 404, "not_found")

    def test_wrong_method_on_a_public_route_is_405(self):
        assert_error(self, self.c.request("GET", "token/"), 405, "method_not_allowed",
                     message='Method "GET" not allowed.')

    def test_body_over_one_mebibyte_is_413(self):
        big = b'{"username": "' + b"x" * (1024 * 1024 + 10) + b'"}'
        r = Client(self.server).request("POST", "token/", raw=big, headers={"Content-Type": "application/json"})
        assert_error(self, r, 413, "request_too_large")

    def test_headers_over_16_kib_are_431(self):
        r = Client(self.server).request("GET", "users/0/", headers={"X-Big": "y" * (17 * 1024)})
        assert_error(self, r, 431, "headers_too_large")

    def test_cors_preflight_is_204_without_authentication(self):
        r = self.c.request("OPTIONS", "users/0/", headers={"Origin": "https://app.example",
                                                           "Access-Control-Request-Method": "PATCH"})
        self.assertEqual(r.status, 204)
        self.assertEqual(r.headers.get("access-control-allow-origin"), "https://app.example")
        self.assertIn("PATCH", r.headers.get("access-control-allow-methods", ""))
        r = self.c.request("GET", "users/0/", token=self.token, headers={"Origin": "https://app.example"})
        self.assertEqual(r.headers.get("access-control-allow-origin"), "https://app.example")
        r = self.c.request("GET", "users/0/", token=self.token, headers={"Origin": "https://evil.example"})
        self.assertNotIn("access-control-allow-origin", r.headers)

    def test_anonymous_options_on_a_protected_route_is_401(self):
        assert_error(self, self.c.request("OPTIONS", "users/0/"), 401, "not_authenticated")

    def test_router_root_lists_absolute_urls_for_an_authenticated_caller(self):
        assert_error(self, self.c.request("GET", ""), 401, "not_authenticated")
        r = self.c.request("GET", "", token=self.token)
        base = f"http://127.0.0.1:{self.server.port}/api/v1/auth/"
        self.assertEqual(r.json(), {"token": base + "token/", "users": base + "users/", "otp": base + "otp/",
                                    "otp-devices": base + "otp-devices/", "social": base + "social/"})

    def test_health_and_metrics(self):
        self.assertEqual(self.c.request("GET", "/health/live").status, 200)
        r = self.c.request("GET", "/health/ready")
        self.assertEqual((r.status, r.json()["status"]), (200, "ok"))
        text = self.c.request("GET", "/metrics").body.decode()
        self.assertIn("dfauth_http_requests_total", text)
        self.assertIn("dfauth_http_request_duration_seconds_bucket", text)
        self.assertRegex(text, r'dfauth_logins_total\{method="password",outcome="success"\} [1-9]')
        c = Client(self.server)
        c.request("POST", "token/", {"username": "henry", "password": "wrong"})
        text = c.request("GET", "/metrics").body.decode()
        self.assertRegex(text, r'dfauth_logins_total\{method="none",outcome="authentication_failed"\} [1-9]')

    def test_access_log_has_one_json_line_per_request_and_no_secrets(self):
        self.c.request("POST", "token/", {"username": "henry", "password": "henry password"})
        log = self.server.wait_stderr('"path":"/api/v1/auth/token/"')
        self.assertNotIn("henry password", log)
        self.assertNotIn(self.token, log)
        line = [l for l in log.splitlines() if '"path":"/api/v1/auth/token/"' in l][-1]
        entry = json.loads(line)
        self.assertEqual(sorted(entry), ["duration_ms", "ip", "method", "path", "status", "ts", "user_id"])
        self.assertEqual((entry["method"], entry["status"], entry["ip"]), ("POST", 200, "127.0.0.1"))
        self.assertRegex(line, r'"duration_ms":\d+\.\d{3},')  # milliseconds, three decimals


class MetricsTokenTest(unittest.TestCase):
    def test_metrics_token_protects_metrics(self):
        with Server(env={"DF_AUTH_METRICS_TOKEN": "scrape-secret"}) as server:
            c = Client(server)
            assert_error(self, c.request("GET", "/metrics"), 401, "not_authenticated")
            r = c.request("GET", "/metrics", headers={"Authorization": "Bearer scrape-secret"})
            self.assertEqual(r.status, 200)


class ThrottleTest(unittest.TestCase):
    def test_anonymous_rate_is_enforced_with_retry_after(self):
        with Server(env={"DF_AUTH_THROTTLE_ANON": "3/min"}) as server:
            c = Client(server)
            statuses = [c.request("POST", "token/verify/", {"token": "x"}).status for _ in range(3)]
            self.assertEqual(statuses, [401, 401, 401])
            r = c.request("POST", "token/verify/", {"token": "x"})
            assert_error(self, r, 429, "throttled")
            self.assertRegex(r.json()["errors"][0]["message"],
                             r"^Request was throttled\. Expected available in \d+ seconds\.$")
            self.assertTrue(1 <= int(r.headers["retry-after"]) <= 60)


class ShutdownTest(unittest.TestCase):
    def test_sigterm_exits_zero(self):
        server = Server().__enter__()
        self.assertEqual(Client(server).request("GET", "/health/live").status, 200)
        server.stop()  # asserts exit code 0


if __name__ == "__main__":
    unittest.main()
