import unittest

import harness
from harness import Client, Server


class HarnessSmokeTest(unittest.TestCase):
    def test_server_starts_answers_liveness_and_stops_cleanly(self):
        with Server() as server:
            resp = Client(server).get("/health/live")
            self.assertEqual(resp.status, 200, resp)


class SecretsHygieneCheckTest(unittest.TestCase):
    """The suite-wide check (harness.SECRETS) catches what it is for: every Server.stop() scans
    the log, every error body and check-config output is scanned, so the whole e2e suite runs
    under it."""

    def test_secrets_sent_and_received_are_remembered(self):
        with Server() as server:
            c = Client(server)
            self.assertEqual(c.signup(username="hygiene", password="hygiene pass 1").status, 201)
            token = c.login(username="hygiene", password="hygiene pass 1")
            self.assertIn("hygiene pass 1", harness.SECRETS)
            self.assertIn(token, harness.SECRETS)
            self.assertIn(harness.TEST_SECRET_KEY, harness.SECRETS)

    def test_a_secret_in_the_log_fails_the_stop(self):
        server = Server().start()
        try:
            harness.remember_secret("leaked-0123456789")
            # The access log names the path: a secret put in it reaches the log.
            self.assertEqual(Client(server).get("/leaked-0123456789").status, 404)
            server.wait_stderr("/leaked-0123456789")
            with self.assertRaisesRegex(AssertionError, "secrets in the server's log: \\['leaked-0123456789'\\]"):
                server.stop()
        finally:
            server.kill()
            server.cleanup()
            harness.SECRETS.discard("leaked-0123456789")

    def test_codes_match_as_whole_digit_runs_and_words_are_not_secrets(self):
        harness.remember_secret("493817")
        harness.remember_secret("password")
        try:
            self.assertEqual(harness.secrets_in('"otp": "493817"'), ["493817"])
            self.assertEqual(harness.secrets_in("duration_ms 1493817.5"), [])
            self.assertNotIn("password", harness.SECRETS)
            harness.remember_secret("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&issuer=df-auth")
            self.assertIn("JBSWY3DPEHPK3PXP", harness.SECRETS)
        finally:
            harness.SECRETS.difference_update({"493817", "JBSWY3DPEHPK3PXP",
                                               "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&issuer=df-auth"})
