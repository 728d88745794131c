"""Sessions (issue 16 item 1): every sign-in starts one, its tokens carry its id as `sid`;
GET sessions/ lists the caller's live ones newest first, DELETE sessions/{id}/ and POST
sessions/revoke-others/ revoke them (refused at the next request, on every replica), a
password change revokes the others, and `df-auth users sessions` lists and revokes them too."""

import calendar
import re
import time
import unittest

from harness import Client, assert_error, decode_jwt_payload
from otp_support import Outbox, otp_server
from test_replicas import Replicas

PASSWORD = "session pass phrase 1"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


def epoch(iso):
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


class SessionsTest(unittest.TestCase):
    """Sliding profile (the default), one server, file delivery for the OTP codes."""

    @classmethod
    def setUpClass(cls):
        cls.outbox = Outbox()
        cls.server = otp_server(cls.outbox).__enter__()
        cls.c = Client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def sign_in(self, agent, **credentials):
        r = self.c.post("token/", credentials, headers={"User-Agent": agent})
        self.assertEqual(r.status, 200, r)
        return r.json()["token"]

    def otp_user(self, address):
        """A user made by POST otp/ with a password; returns the token of its OTP sign-in."""
        r = self.c.post("otp/", {"email": address, "password": PASSWORD})
        self.assertEqual(r.status, 200, r)
        code = self.outbox.email_code(address)
        return self.sign_in("agent-otp/1.0", email=address, otp=code)

    def sessions(self, token, query=""):
        r = self.c.get("sessions/" + query, token=token)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_two_sign_ins_are_two_sessions_with_exact_fields(self):
        before = int(time.time())
        otp_token = self.otp_user("ses1@example.com")
        pw_token = self.sign_in("agent-pw/2.0", email="ses1@example.com", password=PASSWORD)
        after = int(time.time())
        page = self.sessions(pw_token)
        self.assertEqual((page["count"], page["next"], page["previous"]), (2, None, None))
        newest, oldest = page["results"]
        self.assertEqual(list(newest), ["id", "created_at", "last_used_at", "ip", "user_agent", "method", "current"])
        self.assertEqual({k: newest[k] for k in ("ip", "user_agent", "method", "current")},
                         {"ip": "127.0.0.1", "user_agent": "agent-pw/2.0", "method": "password", "current": True})
        self.assertEqual({k: oldest[k] for k in ("ip", "user_agent", "method", "current")},
                         {"ip": "127.0.0.1", "user_agent": "agent-otp/1.0", "method": "otp", "current": False})
        for s in (newest, oldest):
            self.assertRegex(s["id"], SESSION_ID)
            self.assertRegex(s["created_at"], ISO)
            # Reads stay reads: last_used_at is the sign-in's second within the first minute.
            self.assertEqual(s["last_used_at"], s["created_at"])
            self.assertTrue(before <= epoch(s["created_at"]) <= after, s)
        self.assertNotEqual(newest["id"], oldest["id"])
        # The tokens name their sessions; the other token sees the other one as current.
        self.assertEqual(decode_jwt_payload(pw_token)["sid"], newest["id"])
        self.assertEqual(decode_jwt_payload(otp_token)["sid"], oldest["id"])
        self.assertEqual([s["current"] for s in self.sessions(otp_token)["results"]], [False, True])
        # Paginated: limit 1 is the newest, with a link to the next page.
        one = self.sessions(pw_token, "?limit=1")
        self.assertEqual((one["count"], [s["id"] for s in one["results"]]), (2, [newest["id"]]))
        self.assertTrue(one["next"].endswith("/api/v1/auth/sessions/?limit=1&offset=1"), one["next"])
        # A sliding refresh continues the session: same sid, still current.
        refreshed = self.c.post("token/refresh/", {"token": otp_token})
        self.assertEqual(refreshed.status, 200, refreshed)
        self.assertEqual(decode_jwt_payload(refreshed.json()["token"])["sid"], oldest["id"])
        self.assertEqual(self.sessions(refreshed.json()["token"])["count"], 2)

    def test_the_magic_sign_in_page_labels_its_session_magic_link(self):
        token = self.otp_user("ses-magic@example.com")
        r = self.c.post("otp/", {"email": "ses-magic@example.com"})
        self.assertEqual(r.status, 200, r)
        code = self.outbox.email_code("ses-magic@example.com", count=2)
        # What the page of GET magic/{segment} sends with the link's code.
        self.assertIn('src="/api/v1/auth/ui/ui.js"', self.c.get("magic/eA").body.decode())
        self.assertIn('{"X-Sign-In-Method": "magic_link"}', self.c.get("ui/ui.js").body.decode())
        r = self.c.post("token/", {"email": "ses-magic@example.com", "otp": code},
                        headers={"X-Sign-In-Method": "magic_link", "User-Agent": "browser"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([s["method"] for s in self.sessions(token)["results"]], ["magic_link", "otp"])

    def test_a_long_user_agent_is_cut_to_256_characters(self):
        token = self.otp_user("ses-ua@example.com")
        long_token = self.sign_in("u" * 300, email="ses-ua@example.com", password=PASSWORD)
        [newest, _] = self.sessions(token)["results"]
        self.assertEqual(newest["user_agent"], "u" * 256)
        self.assertEqual(self.c.get("users/0/", token=long_token).status, 200)

    def test_deleting_a_session_refuses_its_tokens_at_the_next_request(self):
        first = self.otp_user("ses2@example.com")
        second = self.sign_in("agent-2", email="ses2@example.com", password=PASSWORD)
        first_sid = decode_jwt_payload(first)["sid"]
        self.assertEqual(self.c.get("users/0/", token=first).status, 200)
        r = self.c.delete(f"sessions/{first_sid}/", token=second)
        self.assertEqual((r.status, r.body), (204, b""))
        assert_error(self, self.c.get("users/0/", token=first), 401, "token_not_valid")
        assert_error(self, self.c.post("token/refresh/", {"token": first}), 401, "token_not_valid")
        assert_error(self, self.c.post("token/verify/", {"token": first}), 401, "token_not_valid")
        self.assertEqual(self.c.get("users/0/", token=second).status, 200)
        page = self.sessions(second)
        self.assertEqual((page["count"], [s["id"] for s in page["results"]]),
                         (1, [decode_jwt_payload(second)["sid"]]))
        # Gone now: a second DELETE is 404, as otp-devices/ answers.
        assert_error(self, self.c.delete(f"sessions/{first_sid}/", token=second), 404, "not_found",
                     message="Not found.")

    def test_an_unknown_or_foreign_session_is_404(self):
        mine = self.otp_user("ses3@example.com")
        theirs = self.otp_user("ses4@example.com")
        their_sid = decode_jwt_payload(theirs)["sid"]
        assert_error(self, self.c.delete(f"sessions/{their_sid}/", token=mine), 404, "not_found", message="Not found.")
        assert_error(self, self.c.delete("sessions/AAAAAAAAAAAAAAAAAAAAAA/", token=mine), 404, "not_found")
        self.assertEqual(self.c.get("users/0/", token=theirs).status, 200)
        self.assertEqual(self.sessions(theirs)["count"], 1)
        assert_error(self, self.c.get("sessions/"), 401, "not_authenticated")
        assert_error(self, self.c.post("sessions/revoke-others/"), 401, "not_authenticated")

    def test_revoke_others_revokes_every_other_session_and_counts_them(self):
        keep = self.otp_user("ses5@example.com")
        others = [self.sign_in(f"agent-{i}", email="ses5@example.com", password=PASSWORD) for i in range(2)]
        r = self.c.post("sessions/revoke-others/", token=keep)
        self.assertEqual((r.status, r.json()), (200, {"revoked": 2}))
        for token in others:
            assert_error(self, self.c.get("users/0/", token=token), 401, "token_not_valid")
            assert_error(self, self.c.post("token/refresh/", {"token": token}), 401, "token_not_valid")
            assert_error(self, self.c.post("token/verify/", {"token": token}), 401, "token_not_valid")
        self.assertEqual(self.c.get("users/0/", token=keep).status, 200)
        self.assertEqual([s["current"] for s in self.sessions(keep)["results"]], [True])
        r = self.c.post("sessions/revoke-others/", token=keep)
        self.assertEqual((r.status, r.json()), (200, {"revoked": 0}))

    def test_a_password_change_revokes_the_other_sessions(self):
        current = self.otp_user("ses6@example.com")
        other = self.sign_in("agent-other", email="ses6@example.com", password=PASSWORD)
        r = self.c.post("users/0/set-password/", {"old_password": PASSWORD, "new_password": "another pass phrase 2"},
                        token=current)
        self.assertEqual(r.status, 200, r)
        assert_error(self, self.c.get("users/0/", token=other), 401, "token_not_valid")
        fresh = self.sign_in("agent-new", email="ses6@example.com", password="another pass phrase 2")
        listed = [s["id"] for s in self.sessions(fresh)["results"]]
        # The new sign-in and the session the change was made from; the other one is gone.
        self.assertEqual(listed, [decode_jwt_payload(fresh)["sid"], decode_jwt_payload(current)["sid"]])

    def test_last_used_at_is_written_at_most_once_a_minute(self):
        watcher = self.otp_user("ses7@example.com")
        token = self.sign_in("agent-used", email="ses7@example.com", password=PASSWORD)
        sid = decode_jwt_payload(token)["sid"]
        # As if signed in two minutes ago and not used since (moved back in the table).
        self.server.sql("UPDATE sessions SET created_at = created_at - 120, last_used_at = last_used_at - 120 "
                        "WHERE id = ?", (sid,))
        listed = {s["id"]: s for s in self.sessions(watcher)["results"]}
        self.assertEqual(listed[decode_jwt_payload(watcher)["sid"]]["last_used_at"],
                         listed[decode_jwt_payload(watcher)["sid"]]["created_at"])
        self.assertEqual(listed[sid]["last_used_at"], listed[sid]["created_at"])  # a read wrote nothing
        # Its next use writes the time of use.
        self.assertEqual(self.c.get("users/0/", token=token).status, 200)
        s = {s["id"]: s for s in self.sessions(watcher)["results"]}[sid]
        self.assertTrue(118 <= epoch(s["last_used_at"]) - epoch(s["created_at"]) <= 125, s)
        self.assertTrue(abs(epoch(s["last_used_at"]) - time.time()) <= 5, s)
        # Within the minute that follows, uses write nothing (the replica remembers its touch).
        self.server.sql("UPDATE sessions SET last_used_at = created_at WHERE id = ?", (sid,))
        for _ in range(3):
            self.assertEqual(self.c.get("users/0/", token=token).status, 200)
        self.assertEqual(self.c.post("token/refresh/", {"token": token}).status, 200)
        s = {s["id"]: s for s in self.sessions(watcher)["results"]}[sid]
        self.assertEqual(s["last_used_at"], s["created_at"])

    def test_the_cli_lists_and_revokes_a_users_sessions(self):
        first = self.otp_user("ses8@example.com")
        second = self.sign_in("agent-cli", email="ses8@example.com", password=PASSWORD)
        user_id = self.c.get("users/0/", token=first).json()["id"]
        first_sid, second_sid = decode_jwt_payload(first)["sid"], decode_jwt_payload(second)["sid"]
        out = self.server.run_cli("users", "sessions", user_id)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = [line.split("\t") for line in out.stdout.splitlines()]
        self.assertEqual([(l[0], l[3], l[4], l[5]) for l in lines],
                         [(second_sid, "password", "127.0.0.1", "agent-cli"), (first_sid, "otp", "127.0.0.1", "agent-otp/1.0")])
        out = self.server.run_cli("users", "sessions", user_id, "--revoke", first_sid)
        self.assertEqual((out.returncode, out.stdout), (0, f"session {first_sid} of user {user_id} revoked\n"), out.stderr)
        assert_error(self, self.c.get("users/0/", token=first), 401, "token_not_valid")
        out = self.server.run_cli("users", "sessions", user_id, "--revoke", first_sid)
        self.assertEqual(out.returncode, 1, out)
        self.assertIn(f"user {user_id} has no live session {first_sid}", out.stderr)
        out = self.server.run_cli("users", "sessions", user_id, "--revoke-all")
        self.assertEqual((out.returncode, out.stdout), (0, f"revoked 1 sessions of user {user_id}\n"), out.stderr)
        assert_error(self, self.c.get("users/0/", token=second), 401, "token_not_valid")
        out = self.server.run_cli("users", "sessions", user_id)
        self.assertEqual((out.returncode, out.stdout), (0, ""), out.stderr)


class PairSessionsTest(unittest.TestCase):
    """JWT_PROFILE=pair: a refresh family belongs to one session."""

    @classmethod
    def setUpClass(cls):
        cls.outbox = Outbox()
        cls.server = otp_server(cls.outbox, JWT_PROFILE="pair").__enter__()
        cls.c = Client(cls.server)
        r = cls.c.post("users/", {"username": "pairy", "password": PASSWORD})
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def sign_in(self):
        r = self.c.post("token/", {"username": "pairy", "password": PASSWORD})
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_a_deleted_sessions_access_and_refresh_tokens_are_refused(self):
        one, two = self.sign_in(), self.sign_in()
        sid = decode_jwt_payload(one["token"])["sid"]
        self.assertEqual(decode_jwt_payload(one["refresh"])["sid"], sid)
        # A rotation keeps the session.
        rotated = self.c.post("token/refresh/", {"refresh": one["refresh"]})
        self.assertEqual(rotated.status, 200, rotated)
        one = rotated.json()
        self.assertEqual((decode_jwt_payload(one["token"])["sid"], decode_jwt_payload(one["refresh"])["sid"]), (sid, sid))
        r = self.c.delete(f"sessions/{sid}/", token=two["token"])
        self.assertEqual(r.status, 204, r)
        assert_error(self, self.c.get("users/0/", token=one["token"]), 401, "token_not_valid")
        assert_error(self, self.c.post("token/refresh/", {"refresh": one["refresh"]}), 401, "token_not_valid")
        again = self.c.post("token/refresh/", {"refresh": two["refresh"]})
        self.assertEqual(again.status, 200, again)
        self.assertEqual(decode_jwt_payload(again.json()["token"])["sid"], decode_jwt_payload(two["token"])["sid"])
        self.assertEqual(self.c.get("users/0/", token=again.json()["token"]).status, 200)
        current = [s["current"] for s in self.c.get("sessions/", token=again.json()["token"]).json()["results"]]
        self.assertEqual(current, [True])  # one's session is gone: two's only
        r = self.c.post("sessions/revoke-others/", token=again.json()["token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.c.get("sessions/", token=again.json()["token"]).json()["count"], 1)


class ReplicaSessionsTest(unittest.TestCase):
    def setUp(self):
        self.r = Replicas()
        self.addCleanup(self.r.close)

    def test_a_session_deleted_on_a_is_refused_on_b_at_the_next_request(self):
        self.r.signup("rep")
        gone = self.r.ca.login(username="rep", password="replica password 1")
        kept = self.r.ca.login(username="rep", password="replica password 1")
        self.assertEqual(self.r.cb.get("users/0/", token=gone).status, 200)
        r = self.r.ca.delete(f"sessions/{decode_jwt_payload(gone)['sid']}/", token=kept)
        self.assertEqual(r.status, 204, r)
        assert_error(self, self.r.cb.get("users/0/", token=gone), 401, "token_not_valid")
        assert_error(self, self.r.cb.post("token/refresh/", {"token": gone}), 401, "token_not_valid")
        self.assertEqual(self.r.cb.get("users/0/", token=kept).status, 200)
        # revoke-others on B: A refuses at once.
        third = self.r.cb.login(username="rep", password="replica password 1")
        r = self.r.cb.post("sessions/revoke-others/", token=third)
        self.assertEqual((r.status, r.json()), (200, {"revoked": 1}))
        assert_error(self, self.r.ca.get("users/0/", token=kept), 401, "token_not_valid")
        self.assertEqual(self.r.ca.get("users/0/", token=third).status, 200)


if __name__ == "__main__":
    unittest.main()
