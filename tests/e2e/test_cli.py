"""The command line: configuration errors, check-config, migrate, createsuperuser, users, help."""
import os
import unittest

from harness import Client, Server


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_help_for_every_command(self):
        for args in (["--help"], ["serve", "--help"], ["migrate", "--help"], ["check-config", "--help"],
                     ["createsuperuser", "--help"], ["users", "--help"], ["users", "list", "--help"],
                     ["keys", "--help"], ["keys", "rotate", "--help"]):
            out = self.server.run_cli(*args)
            self.assertEqual(out.returncode, 0, args)
            self.assertIn("Usage", out.stdout + out.stderr, args)

    def test_a_schema_newer_than_the_binary_is_refused_naming_both_versions(self):
        server = Server().start()
        self.addCleanup(server.cleanup)
        server.stop()
        latest = server.sql("SELECT max(version) FROM schema_migrations")[0][0]
        server.sql("INSERT INTO schema_migrations(version, name, applied_at) VALUES(?, 'from a newer release', 0)",
                   (latest + 1,))
        for command in ("serve", "migrate"):
            out = server.run_cli(command, timeout=20)
            self.assertEqual(out.returncode, 2, out.stderr)
            self.assertIn(f"DATABASE_URL: the database schema is at version {latest + 1}, newer than this "
                          f"build's {latest}", out.stderr)

    def test_check_config_masks_secrets(self):
        out = self.server.run_cli("check-config", env_extra={"DF_AUTH_METRICS_TOKEN": "very-secret-token"})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn('SECRET_KEY = "********"', out.stdout)
        self.assertIn('METRICS_TOKEN = "********"', out.stdout)
        self.assertNotIn("very-secret-token", out.stdout)

    def test_config_option_before_or_after_the_command(self):
        path = os.path.join(self.server.workdir, "custom.toml")
        with open(path, "w") as f:
            f.write('OTP_TOTP_ISSUER = "from-the-file"\n')
        for args in (["--config", path, "check-config"], ["check-config", "--config", path]):
            out = self.server.run_cli(*args)
            self.assertEqual(out.returncode, 0, (args, out.stderr))
            self.assertIn('OTP_TOTP_ISSUER = "from-the-file"\n', out.stdout, args)
        # serve reads it too: a bad value there stops it with exit 2, naming the key
        with open(path, "w") as f:
            f.write('OTP_MAX_ATTEMPTS = "five"\n')
        out = self.server.run_cli("serve", "--config", path, timeout=20)
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("OTP_MAX_ATTEMPTS: expected an integer", out.stderr)

    def test_configuration_errors_exit_2_and_name_the_key(self):
        cases = {"DF_AUTH_NO_SUCH_KEY": "1", "DF_AUTH_SIGNUP_ALLOWED": "perhaps",
                 "DF_AUTH_JWT_ALGORITHM": "none", "DF_AUTH_THROTTLE_ANON": "lots",
                 "DF_AUTH_LISTEN": "nowhere", "DF_AUTH_BLACKLIST_EMAIL_REGEX": "(unclosed"}
        for key, value in cases.items():
            for command in (["check-config"], ["serve"]):
                out = self.server.run_cli(*command, env_extra={key: value})
                self.assertEqual(out.returncode, 2, (key, command, out.stderr))
                self.assertIn(key.removeprefix("DF_AUTH_"), out.stderr, key)

    def test_feature_keys_are_implemented_and_do_not_warn(self):
        out = self.server.run_cli("check-config", env_extra={"DF_AUTH_PREVENT_ENUMERATION": "true",
                                                             "DF_AUTH_SMS_BACKEND": "console"})
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("PREVENT_ENUMERATION = true", out.stdout)
        self.assertNotIn("not in this version", out.stderr)

    def test_migrate_is_idempotent(self):
        first = self.server.run_cli("migrate")
        second = self.server.run_cli("migrate")
        self.assertEqual((first.returncode, second.returncode), (0, 0))
        self.assertEqual(first.stdout, second.stdout)
        self.assertRegex(first.stdout, r"^schema version \d+\n$")

    def test_createsuperuser_and_user_administration(self):
        out = self.server.run_cli("createsuperuser", "--username", "root", "--email", "root@example.com",
                                  "--password-stdin", input="root password 1\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        c = Client(self.server)
        self.assertEqual(c.request("POST", "token/", {"username": "root", "password": "root password 1"}).status, 200)
        listed = self.server.run_cli("users", "list")
        row = [line for line in listed.stdout.splitlines() if "\troot\t" in line]
        self.assertEqual(len(row), 1, listed.stdout)
        uid = row[0].split("\t")[0]
        self.assertTrue(row[0].endswith("\troot@example.com\t-\tactive"), row[0])
        dup = self.server.run_cli("createsuperuser", "--username", "root")
        self.assertEqual(dup.returncode, 1)
        self.assertEqual(dup.stderr, "error: username: A user with that username already exists.\n")
        # Checked as a sign-up is: the email normalised and unique, the password policy applied.
        taken = self.server.run_cli("createsuperuser", "--username", "root2", "--email", "ROOT@Example.COM")
        self.assertEqual(taken.stderr, "error: email: User with this email already exists.\n")
        weak = self.server.run_cli("createsuperuser", "--username", "root3", "--password-stdin", input="80417295316\n")
        self.assertEqual((weak.returncode, weak.stderr),
                         (1, "error: password: This password is entirely numeric.\n"))
        self.assertEqual(self.server.run_cli("users", "delete", uid).returncode, 0)
        self.assertEqual(self.server.run_cli("users", "show", uid).returncode, 1)
        self.assertEqual(c.request("POST", "token/", {"username": "root", "password": "root password 1"}).status, 401)

    def test_usage_errors_exit_2(self):
        self.assertEqual(self.server.run_cli("users").returncode, 2)
        self.assertEqual(self.server.run_cli("nonsense").returncode, 2)


if __name__ == "__main__":
    unittest.main()
