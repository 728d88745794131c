"""`df-auth import-django`: a django-df-auth SQLite database (tables as Django's migrations
create them: the user model, df_auth, django-otp, otp_twilio, python-social-auth) imported into
an empty df-auth database, then used through the API of the real binary."""

import base64
import hashlib
import json
import os
import sqlite3
import tempfile
import unittest

from harness import Client, Server, assert_error, decode_jwt_payload
from otp_support import totp

DJANGO_SCHEMA = """
CREATE TABLE "app_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL,
  "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE,
  "first_name" varchar(150) NOT NULL, "last_name" varchar(150) NOT NULL, "is_staff" bool NOT NULL,
  "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "email" varchar(255) NULL UNIQUE,
  "phone_number" varchar(32) NULL UNIQUE);
CREATE TABLE "df_auth_user2fa" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "is_required" bool NOT NULL,
  "user_id" integer NOT NULL UNIQUE REFERENCES "app_user" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "df_auth_userregistration" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  "is_registering" bool NOT NULL, "invited_by_id" integer NULL REFERENCES "app_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "user_id" integer NOT NULL UNIQUE REFERENCES "app_user" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "otp_email_emaildevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL,
  "confirmed" bool NOT NULL, "user_id" integer NOT NULL REFERENCES "app_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "token" varchar(16) NULL, "valid_until" datetime NOT NULL, "email" varchar(254) NULL,
  "throttling_failure_count" integer unsigned NOT NULL, "throttling_failure_timestamp" datetime NULL);
CREATE TABLE "otp_twilio_twiliosmsdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL,
  "confirmed" bool NOT NULL, "number" varchar(30) NOT NULL, "key" varchar(40) NOT NULL, "last_t" bigint NOT NULL,
  "user_id" integer NOT NULL REFERENCES "app_user" ("id") DEFERRABLE INITIALLY DEFERRED, "token" varchar(16) NULL,
  "valid_until" datetime NOT NULL, "throttling_failure_count" integer unsigned NOT NULL,
  "throttling_failure_timestamp" datetime NULL);
CREATE TABLE "otp_totp_totpdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL,
  "confirmed" bool NOT NULL, "key" varchar(80) NOT NULL, "step" smallint unsigned NOT NULL, "t0" bigint NOT NULL,
  "digits" smallint unsigned NOT NULL, "tolerance" smallint unsigned NOT NULL, "drift" smallint NOT NULL,
  "last_t" bigint NOT NULL, "user_id" integer NOT NULL REFERENCES "app_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "throttling_failure_count" integer unsigned NOT NULL, "throttling_failure_timestamp" datetime NULL);
CREATE TABLE "otp_static_staticdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL,
  "confirmed" bool NOT NULL, "user_id" integer NOT NULL REFERENCES "app_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "throttling_failure_count" integer unsigned NOT NULL, "throttling_failure_timestamp" datetime NULL);
CREATE TABLE "otp_static_statictoken" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "token" varchar(16) NOT NULL,
  "device_id" integer NOT NULL REFERENCES "otp_static_staticdevice" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "social_auth_usersocialauth" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  "provider" varchar(32) NOT NULL, "uid" varchar(255) NOT NULL, "extra_data" text NOT NULL,
  "user_id" integer NOT NULL REFERENCES "app_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "created" datetime NOT NULL, "modified" datetime NOT NULL);
"""

TOTP_KEY_HEX = "3132333435363738393031323334353637383930"  # RFC 6238's test key


def django_hash(password, salt="importsalt123", iterations=1000):
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def make_django_db(path):
    db = sqlite3.connect(path)
    db.executescript(DJANGO_SCHEMA)
    users = [
        # id, password, last_login, superuser, username, first, last, staff, active, joined, email, phone
        (7, django_hash("old django pw 1"), "2024-05-01 12:34:56.123456", 1, "admin", "Ada", "Min", 1, 1,
         "2024-01-02 03:04:05", "Admin@Example.COM", None),
        (42, django_hash("second pw 22"), None, 0, "bob", "", "", 0, 1, "2024-02-03 04:05:06",
         "bob@x.io", "+31612345678"),
        (43, "!unusable", None, 0, "gone", "", "", 0, 0, "2024-02-03 04:05:06", None, None),
    ]
    db.executemany("INSERT INTO app_user VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", users)
    db.execute("INSERT INTO df_auth_user2fa(is_required, user_id) VALUES (1, 42)")
    db.execute("INSERT INTO df_auth_userregistration(is_registering, invited_by_id, user_id) VALUES (1, 7, 42)")
    db.execute("INSERT INTO otp_email_emaildevice(name, confirmed, user_id, token, valid_until, email, "
               "throttling_failure_count) VALUES ('mail', 1, 42, '123456', '2030-01-01 00:00:00', NULL, 0)")
    db.execute("INSERT INTO otp_email_emaildevice(name, confirmed, user_id, token, valid_until, email, "
               "throttling_failure_count) VALUES ('nowhere', 0, 43, NULL, '2030-01-01 00:00:00', NULL, 0)")
    db.execute("INSERT INTO otp_twilio_twiliosmsdevice(name, confirmed, number, key, last_t, user_id, token, "
               "valid_until, throttling_failure_count) VALUES ('phone', 0, '+31612345678', 'k', -1, 42, NULL, "
               "'2030-01-01 00:00:00', 0)")
    db.execute("INSERT INTO otp_totp_totpdevice(name, confirmed, key, step, t0, digits, tolerance, drift, last_t, "
               "user_id, throttling_failure_count) VALUES ('app', 1, ?, 30, 0, 6, 1, 0, -1, 42, 0)", (TOTP_KEY_HEX,))
    db.execute("INSERT INTO otp_totp_totpdevice(name, confirmed, key, step, t0, digits, tolerance, drift, last_t, "
               "user_id, throttling_failure_count) VALUES ('eight', 1, ?, 30, 0, 8, 1, 0, -1, 42, 0)", (TOTP_KEY_HEX,))
    db.execute("INSERT INTO otp_static_staticdevice(name, confirmed, user_id, throttling_failure_count) "
               "VALUES ('backup', 1, 42, 0)")
    db.executemany("INSERT INTO otp_static_statictoken(token, device_id) VALUES (?, 1)",
                   [("abcd2345",), ("efgh6723",)])
    db.execute("INSERT INTO social_auth_usersocialauth(provider, uid, extra_data, user_id, created, modified) "
               "VALUES ('google-oauth2', 'g-123', ?, 42, '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
               (json.dumps({"auth_time": 1700000000}),))
    db.commit()
    db.close()


class ImportDjangoTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dfauth-django-")
        self.source = os.path.join(self.tmp, "django.sqlite3")
        make_django_db(self.source)
        with open(self.source, "rb") as f:
            self.source_digest = hashlib.sha256(f.read()).hexdigest()
        self.server = Server().__enter__()
        self.addCleanup(self.server.__exit__, None, None, None)
        self.c = Client(self.server)

    def import_django(self, *extra):
        return self.server.run_cli("import-django", "--from", f"sqlite://{self.source}", *extra)

    def test_users_devices_and_links_arrive_and_work(self):
        r = self.import_django()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "imported 3 users (1 with 2FA required), 4 OTP devices, 1 social links; "
                                           "skipped 2 devices df-auth cannot use (TOTP other than 6 digits / 30 s, "
                                           "email without an address)")
        with open(self.source, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), self.source_digest)  # read-only

        # The Django PBKDF2 hash signs in; the id (the JWT's user_id) is the Django one.
        token = self.c.login(username="admin", password="old django pw 1")
        self.assertEqual(decode_jwt_payload(token)["user_id"], 7)
        me = self.c.get("users/0/", token=token).json()
        self.assertEqual((me["id"], me["email"], me["first_name"]), ("7", "Admin@example.com", "Ada"))
        shown = json.loads(self.server.run_cli("users", "show", "7").stdout)
        self.assertEqual((shown["is_superuser"], shown["is_staff"], shown["date_joined"]),
                         (True, True, 1704164645))  # 2024-01-02 03:04:05 UTC

        # Bob: 2FA required, his devices came along (confirmed flags kept), invited by admin.
        r = self.c.post("token/", {"username": "bob", "password": "second pw 22"})
        self.assertEqual((r.status, r.json()["errors"][0]["code"]), (401, "2fa_required"))
        self.assertEqual(sorted((d["type"], d["name"]) for d in r.json()["errors"][0]["extra_data"]["devices"]),
                         [("email", "mail"), ("static", "backup"), ("totp", "app")])
        secret = base64.b32encode(bytes.fromhex(TOTP_KEY_HEX)).decode()
        bob = self.c.login(username="bob", password="second pw 22", otp=totp(secret))
        self.assertEqual(decode_jwt_payload(bob)["user_id"], 42)
        # A Django backup code works once (stored hashed now).
        self.c.login(username="bob", password="second pw 22", otp="ABCD-2345")
        assert_error(self, self.c.post("token/", {"username": "bob", "password": "second pw 22", "otp": "abcd2345"}),
                     401, "2fa_required")
        devices = {d["type"]: d for d in self.c.get("otp-devices/", token=bob).json()["results"]}
        self.assertEqual(sorted(devices), ["email", "sms", "static", "totp"])
        self.assertEqual((devices["sms"]["name"], devices["sms"]["confirmed"]), ("phone", False))
        self.assertEqual(json.loads(self.server.run_cli("users", "show", "42").stdout)["invited_by"], 7)
        links = self.c.get("social/connections/", token=bob).json()
        self.assertEqual([(l["provider"], l["uid"]) for l in links["results"]], [("google-oauth2", "g-123")])

        # The inactive user with an unusable password came along, and cannot sign in.
        assert_error(self, self.c.post("token/", {"username": "gone", "password": "!unusable"}), 401,
                     "authentication_failed")
        # New sign-ups continue after the imported ids.
        r = self.c.signup(username="newcomer", password="a good password 1")
        self.assertEqual((r.status, r.json()["id"]), (201, "44"))

    def test_refuses_a_database_that_already_has_users(self):
        self.assertEqual(self.c.signup(username="first", password="a good password 1").status, 201)
        r = self.import_django()
        self.assertEqual(r.returncode, 1)
        self.assertIn("already has users", r.stderr)

    def test_emails_equal_but_for_case_name_the_user(self):
        db = sqlite3.connect(self.source)
        db.execute("INSERT INTO app_user VALUES (50, '', NULL, 0, 'carol', '', '', 0, 1, "
                   "'2024-02-03 04:05:06', 'BOB@x.io', NULL)")
        db.commit()
        db.close()
        r = self.import_django()
        self.assertEqual(r.returncode, 1)
        self.assertIn("user 50 (carol): its email is taken by an earlier user", r.stderr)

    def test_refuses_other_sources_and_ambiguous_user_tables(self):
        r = self.server.run_cli("import-django", "--from", "postgresql://localhost/django")
        self.assertEqual(r.returncode, 1)
        self.assertIn("SQLite databases only", r.stderr)
        db = sqlite3.connect(self.source)
        db.execute('CREATE TABLE "auth_user" ("id" integer PRIMARY KEY, "password" text, "username" text, '
                   '"email" text, "is_active" bool, "date_joined" datetime)')
        db.commit()
        db.close()
        r = self.import_django()
        self.assertEqual(r.returncode, 1)
        self.assertIn("several user tables in the source (app_user, auth_user)", r.stderr)
        r = self.import_django("--user-table", "auth_user")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the user table auth_user has no column first_name, last_name, is_staff, is_superuser, "
                      "last_login", r.stderr)
        r = self.import_django("--user-table", "app_user")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_missing_or_foreign_file_is_named(self):
        missing = os.path.join(self.tmp, "none.sqlite3")
        r = self.server.run_cli("import-django", "--from", f"sqlite://{missing}")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"cannot read the Django database sqlite://{missing}: sqlite open", r.stderr)
        self.assertFalse(os.path.exists(missing))  # read-only: nothing was created
        garbage = os.path.join(self.tmp, "garbage.sqlite3")
        with open(garbage, "w") as f:
            f.write("not a database\n" * 100)
        r = self.server.run_cli("import-django", "--from", f"sqlite://{garbage}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("file is not a database", r.stderr)


if __name__ == "__main__":
    unittest.main()
