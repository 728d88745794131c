"""users/ routes end to end (reference-contract R6–R11 with interface.md §3 fixes)."""
import json
import unittest

import forge

from harness import Client, Server, assert_error

MISSING = object()


class UsersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        cls.c = Client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def signup(self, **fields):
        return self.c.request("POST", "users/", fields)

    def token_for(self, username, password):
        r = self.c.request("POST", "token/", {"username": username, "password": password})
        self.assertEqual(r.status, 200, r.body)
        return r.json()["token"]

    def test_signup_with_email_and_password_answers_the_reference_representation(self):
        r = self.signup(email="a@b.co", password="a good password", first_name="A")
        self.assertEqual(r.status, 201)
        body = r.json()
        self.assertEqual(list(body.keys()), ["first_name", "last_name", "username", "email", "phone_number", "id"])
        self.assertEqual({k: v for k, v in body.items() if k != "id"},
                         {"first_name": "A", "last_name": "", "username": "a@b.co", "email": "a@b.co",
                          "phone_number": None})
        self.assertRegex(body["id"], r"^[0-9]+$")
        self.assertNotIn("password", body)
        token = self.token_for("a@b.co", "a good password")
        me = self.c.request("GET", "users/0/", token=token)
        self.assertEqual((me.status, me.json()), (200, body))
        self.assertEqual(self.c.request("GET", "users/abc/", token=token).json(), body)

    def test_email_domain_is_normalised_and_duplicates_are_case_insensitive(self):
        r = self.signup(email="Foo@EXAMPLE.com")
        self.assertEqual(r.status, 201)
        self.assertEqual((r.json()["email"], r.json()["username"]), ("Foo@example.com", "Foo@example.com"))
        for email in ("Foo@example.com", "foo@example.COM", "FOO@EXAMPLE.COM"):
            assert_error(self, self.signup(email=email), 400, "invalid", field="email",
                         message="User with this email already exists.")

    def test_phone_is_normalised_to_e164_and_becomes_the_username_of_a_phone_signup(self):
        r = self.signup(phone_number="+310612345670")
        self.assertEqual(r.status, 201)
        self.assertEqual((r.json()["phone_number"], r.json()["username"]), ("+31612345670", "+31612345670"))
        assert_error(self, self.signup(phone_number="+31 6 12345670"), 400, "invalid", field="phone_number",
                     message="User with this phone number already exists.")
        assert_error(self, self.signup(phone_number="not a phone"), 400, "invalid", field="phone_number",
                     message="Enter a valid phone number.")

    def test_signup_without_any_identity_is_refused(self):
        for body in ({}, {"username": ""}, {"first_name": "X", "password": "a good password"}):
            r = self.c.request("POST", "users/", body)
            assert_error(self, r, 400, "invalid", field=None)

    def test_duplicate_username_is_400_not_500(self):
        self.assertEqual(self.signup(username="dupe").status, 201)
        assert_error(self, self.signup(username="dupe"), 400, "invalid", field="username",
                     message="A user with that username already exists.")

    def test_weak_passwords_are_refused(self):
        assert_error(self, self.signup(username="weak1", password="short"), 400, "invalid", field="password",
                     message="This password is too short. It must contain at least 8 characters.")
        assert_error(self, self.signup(username="weak2", password="password"), 400, "invalid", field="password",
                     message="This password is too common.")

    def test_invitation_records_the_inviter(self):
        self.signup(username="inviter", password="inviter password")
        token = self.token_for("inviter", "inviter password")
        r = self.c.request("POST", "users/", {"email": "inv@b.co", "phone_number": "+31612345671"}, token=token)
        self.assertEqual(r.status, 201)
        self.assertEqual(r.json()["phone_number"], "+31612345671")
        shown = self.server.run_cli("users", "show", r.json()["id"])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        inviter_id = self.c.request("GET", "users/0/", token=token).json()["id"]
        self.assertEqual(json.loads(shown.stdout)["invited_by"], int(inviter_id))

    def test_profile_routes_require_authentication_and_known_methods(self):
        assert_error(self, self.c.request("GET", "users/0/"), 401, "not_authenticated",
                     message="Authentication credentials were not provided.")
        assert_error(self, self.c.request("GET", "users/"), 401, "not_authenticated")
        self.signup(username="methods", password="methods password")
        token = self.token_for("methods", "methods password")
        assert_error(self, self.c.request("GET", "users/", token=token), 405, "method_not_allowed",
                     message='Method "GET" not allowed.')
        assert_error(self, self.c.request("PUT", "users/0/", {}, token=token), 405, "method_not_allowed",
                     message='Method "PUT" not allowed.')
        assert_error(self, self.c.request("DELETE", "users/0/", token=token), 405, "method_not_allowed")

    def test_patch_profile_rules(self):
        self.signup(username="patcher", password="patcher password", email="patcher@b.co")
        self.signup(username="taken")
        token = self.token_for("patcher", "patcher password")
        r = self.c.request("PATCH", "users/0/", {"first_name": "Pat", "last_name": "Cher"}, token=token)
        self.assertEqual(r.status, 200)
        self.assertEqual((r.json()["first_name"], r.json()["last_name"]), ("Pat", "Cher"))
        assert_error(self, self.c.request("PATCH", "users/0/", {"email": "other@b.co"}, token=token), 400,
                     "invalid", field="email", message="You need to confirm your email first.")
        assert_error(self, self.c.request("PATCH", "users/0/", {"phone_number": "+31612345672"}, token=token), 400,
                     "invalid", field="phone_number", message="You need to confirm your phone number first.")
        assert_error(self, self.c.request("PATCH", "users/0/", {"password": "new password 1"}, token=token), 400,
                     "invalid", field="password")
        assert_error(self, self.c.request("PATCH", "users/0/", {"username": "taken"}, token=token), 400,
                     "invalid", field="username")
        r = self.c.request("PATCH", "users/0/", {"email": ""}, token=token)
        self.assertEqual((r.status, r.json()["email"]), (200, None))
        self.assertEqual(self.token_for("patcher", "patcher password").count("."), 2, "password unchanged")

    def test_set_password_errors(self):
        self.signup(username="setter", password="setter password")
        token = self.token_for("setter", "setter password")
        r = self.c.request("POST", "users/0/set-password/", {}, token=token)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"errors": [
            {"message": "This field is required.", "code": "required", "field": "old_password"},
            {"message": "This field is required.", "code": "required", "field": "new_password"}]})
        assert_error(self, self.c.request("POST", "users/0/set-password/",
                                          {"old_password": "wrong", "new_password": "another password"}, token=token),
                     400, "invalid", field="old_password", message="Old password is incorrect.")
        assert_error(self, self.c.request("POST", "users/0/set-password/",
                                          {"old_password": "setter password", "new_password": "12345678"}, token=token),
                     400, "invalid", field="new_password")
        assert_error(self, self.c.request("POST", "users/0/set-password/", {"old_password": "x"}), 401,
                     "not_authenticated")

    def test_two_fa_cannot_lock_the_user_out(self):
        self.signup(username="twofa", password="twofa password")
        token = self.token_for("twofa", "twofa password")
        r = self.c.request("GET", "users/0/two-fa/", token=token)
        self.assertEqual((r.status, r.json()), (200, {"is_required": False}))
        assert_error(self, self.c.request("PATCH", "users/0/two-fa/", {"is_required": True}, token=token), 400,
                     "invalid", field="is_required")
        assert_error(self, self.c.request("PATCH", "users/0/two-fa/", {"is_required": "maybe"}, token=token), 400,
                     "invalid", field="is_required", message="Must be a valid boolean.")
        for body in ({"is_required": False}, {"is_required": "false"}, {}):
            r = self.c.request("PATCH", "users/0/two-fa/", body, token=token)
            self.assertEqual((r.status, r.json()), (200, {"is_required": False}))
        assert_error(self, self.c.request("PUT", "users/0/two-fa/", {}, token=token), 405, "method_not_allowed")

    def test_inactive_user_cannot_log_in_and_its_tokens_stop_working(self):
        r = self.signup(username="sleeper", password="sleeper password")
        token = self.token_for("sleeper", "sleeper password")
        out = self.server.run_cli("users", "deactivate", r.json()["id"])
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.c.request("GET", "users/0/", token=token).status, 401)
        assert_error(self, self.c.request("POST", "token/refresh/", {"token": token}), 401, "token_not_valid")
        assert_error(self, self.c.request("POST", "token/", {"username": "sleeper", "password": "sleeper password"}),
                     401, "authentication_failed")
        self.assertEqual(self.server.run_cli("users", "activate", r.json()["id"]).returncode, 0)
        self.token_for("sleeper", "sleeper password")

    def test_revoke_tokens_logs_the_user_out_everywhere(self):
        r = self.signup(username="everywhere", password="everywhere password")
        tokens = [self.token_for("everywhere", "everywhere password") for _ in range(2)]
        out = self.server.run_cli("users", "revoke-tokens", r.json()["id"])
        self.assertEqual(out.returncode, 0, out.stderr)
        for token in tokens:
            assert_error(self, self.c.request("GET", "users/0/", token=token), 401, "token_not_valid")
        fresh = self.token_for("everywhere", "everywhere password")
        self.assertEqual(self.c.request("GET", "users/0/", token=fresh).status, 200)

    def test_django_pbkdf2_hash_verifies_and_is_upgraded_to_argon2id(self):
        r = self.signup(username="legacy")
        # Django's make_password("legacy password", salt="saltsalt1234", hasher pbkdf2_sha256, 260000 iterations)
        legacy = forge.django_pbkdf2("legacy password", "saltsalt1234", 260000)
        self.server.sql("UPDATE users SET password=? WHERE id=?", (legacy, int(r.json()["id"])))
        self.token_for("legacy", "legacy password")
        stored = self.server.sql("SELECT password FROM users WHERE id=?", (int(r.json()["id"]),))[0][0]
        self.assertTrue(stored.startswith("$argon2id$"), stored[:20])
        self.token_for("legacy", "legacy password")


class SignupPolicyTest(unittest.TestCase):
    def test_signup_and_invite_switches(self):
        with Server(env={"DF_AUTH_SIGNUP_ALLOWED": "false", "DF_AUTH_INVITE_ALLOWED": "false"}) as server:
            c = Client(server)
            assert_error(self, c.request("POST", "users/", {"username": "x"}), 401, "not_authenticated")
            server.run_cli("createsuperuser", "--username", "admin", "--password-stdin", input="admin password\n")
            token = c.request("POST", "token/", {"username": "admin", "password": "admin password"}).json()["token"]
            assert_error(self, c.request("POST", "users/", {"username": "y"}, token=token), 403, "permission_denied",
                         message="You do not have permission to perform this action.")


class FieldConfigurationTest(unittest.TestCase):
    def test_extra_fields_and_email_field_type(self):
        env = {"DF_AUTH_USER_EXTRA_FIELDS": '{"birthday": "date", "newsletter": "bool", "age": "int"}',
               "DF_AUTH_USER_FIELD_TYPES": '{"email": "EmailField"}'}
        with Server(env=env) as server:
            c = Client(server)
            assert_error(self, c.request("POST", "users/", {"email": "not-an-email"}), 400, "invalid",
                         field="email", message="Enter a valid email address.")
            r = c.request("POST", "users/", {"email": "x@y.io", "birthday": "2000-02-29", "newsletter": True, "age": 42})
            self.assertEqual(r.status, 201, r.body)
            body = r.json()
            self.assertEqual((body["birthday"], body["newsletter"], body["age"]), ("2000-02-29", True, 42))
            r = c.request("POST", "users/", {"email": "z@y.io", "birthday": "2001-02-29", "age": "x"})
            self.assertEqual(r.status, 400)
            # extra fields are validated and represented in name order
            self.assertEqual([(e["field"], e["code"]) for e in r.json()["errors"]],
                             [("age", "invalid"), ("birthday", "invalid")])

    def test_default_email_field_accepts_any_string_as_the_reference(self):
        with Server() as server:
            r = Client(server).request("POST", "users/", {"email": "not-an-email"})
            self.assertEqual((r.status, r.json()["email"]), (201, "not-an-email"))


class TestUserEmailTest(unittest.TestCase):
    def test_review_account_logs_in_with_email_only_and_warns_at_start(self):
        env = {"DF_AUTH_TEST_USER_EMAIL": "review@example.com",
               "DF_AUTH_AUTHENTICATION_BACKENDS": "test_email,password"}
        with Server(env=env) as server:
            c = Client(server)
            assert_error(self, c.request("POST", "token/", {"email": "review@example.com"}), 401,
                         "authentication_failed")  # no such user yet: 401, not the reference's 500
            c.request("POST", "users/", {"email": "review@example.com"})
            r = c.request("POST", "token/", {"email": "review@example.com"})
            self.assertEqual(r.status, 200)
            self.assertTrue("TEST_USER_EMAIL" in server.stderr())


if __name__ == "__main__":
    unittest.main()
