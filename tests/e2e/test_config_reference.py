"""docs/configuration.md is the output of `df-auth config-reference`, generated from the one key
table (src/config/keys.cpp): this test fails when the two drift apart, and checks that the
reference covers every key check-config knows, with the defaults check-config shows."""
import os
import re
import unittest

from harness import Server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE = os.path.join(ROOT, "docs", "configuration.md")
REGENERATE = "build/df-auth config-reference > docs/configuration.md"
ROW = re.compile(r"^\| `([A-Z0-9_]+)` \| `DF_AUTH_([A-Z0-9_]+)` \| (.*?) \| (.*?) \| (yes|no) \| (.*) \|$")


class ConfigReferenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()  # its environment and working directory; never started
        cls.generated = cls.server.run_cli("config-reference")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def rows(self):
        return {m.group(1): m for m in map(ROW.match, self.generated.stdout.splitlines()) if m}

    def test_committed_file_is_the_binary_output(self):
        self.assertEqual((self.generated.returncode, self.generated.stderr), (0, ""))
        with open(REFERENCE, encoding="utf-8") as f:
            committed = f.read()
        self.assertTrue(committed == self.generated.stdout,
                        f"docs/configuration.md differs from `df-auth config-reference`; "
                        f"regenerate it from the checkout's root: {REGENERATE}")

    def test_every_key_of_check_config_has_one_row_with_its_default(self):
        effective = self.server.run_cli("check-config", env_extra={
            "DF_AUTH_SECRET_KEY": None, "DF_AUTH_ARGON2_MEMORY_KIB": None, "DF_AUTH_ARGON2_TIME_COST": None,
            "DF_AUTH_THROTTLE_ANON": None, "DF_AUTH_THROTTLE_USER": None, "DF_AUTH_LISTEN": None,
            "DF_AUTH_DATABASE_URL": None, "DF_AUTH_DATABASE_POOL_SIZE": "8", "DF_AUTH_WORKER_THREADS": "4"})
        self.assertEqual(effective.returncode, 0, effective.stderr)
        defaults = dict(line.split(" = ", 1) for line in effective.stdout.splitlines())
        rows = self.rows()
        self.assertEqual(list(rows), list(defaults))  # the same keys, in the same order
        self.assertEqual(len(rows), 115)  # config_tests counts the table too
        for key, row in rows.items():
            self.assertEqual(row.group(2), key)
            if key == "DATABASE_POOL_SIZE":
                self.assertEqual(row.group(4), "2 x cores")
            elif key == "WORKER_THREADS":
                self.assertEqual(row.group(4), "the number of cores")
            else:  # Markdown escapes a pipe in a cell
                self.assertEqual(row.group(4), "`" + defaults[key].replace("|", "\\|") + "`", key)

    def test_types_choices_and_secrets_come_from_the_table(self):
        rows = self.rows()
        self.assertEqual(rows["EMAIL_BACKEND"].group(3), "one of `console`, `file`, `smtp`")
        self.assertEqual(rows["JWT_PROFILE"].group(3), "one of `sliding`, `pair`")
        self.assertEqual(rows["OTP_DEVICE_TYPES"].group(3), "list of `email`, `totp`, `sms`, `static`")
        self.assertEqual(rows["EMAIL_PORT"].group(3), "integer, 1 to 65535")
        self.assertEqual(rows["OTP_EMAIL_COOLDOWN_DURATION"].group(3), "integer ≥ 0")
        self.assertEqual(rows["THROTTLE_ANON"].group(3), "rate")
        self.assertEqual(rows["USER_EXTRA_FIELDS"].group(3), "table of strings")
        self.assertEqual(rows["PREVENT_ENUMERATION"].group(3), "boolean")
        secret = sorted(key for key, row in rows.items() if row.group(5) == "yes")
        self.assertEqual(secret, ["EMAIL_HOST_PASSWORD", "METRICS_TOKEN", "OTP_TWILIO_AUTH", "SECRET_KEY",
                                  "SOCIAL_AUTH_APPLE_ID_SECRET", "SOCIAL_AUTH_FACEBOOK_SECRET",
                                  "SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET"])
        self.assertEqual(rows["METRICS_TOKEN"].group(6),
                         "when set, /metrics needs Authorization: Bearer &lt;it>")

    def test_needs_no_configuration(self):
        # It documents the keys, so a broken configuration must not stop it.
        out = self.server.run_cli("config-reference", env_extra={"DF_AUTH_NO_SUCH_KEY": "1"})
        self.assertEqual((out.returncode, out.stdout), (0, self.generated.stdout))


if __name__ == "__main__":
    unittest.main()
