"""SIGHUP (`systemctl reload df-auth`): the signing keys and the blacklist file are read again
while every connection stays open; a file that cannot be read keeps what the server had."""

import os
import signal
import tempfile
import time
import unittest

from harness import Client, Server, assert_error, decode_jwt_payload

RELOADED = "reload: signing keys and blacklist file read again"


def kid_of(token):
    return decode_jwt_payload(token, part=0)["kid"]


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="dfauth-reload-")
        self.domains = os.path.join(self.dir, "domains.txt")
        self.write_domains("first.example\n")
        self.server = Server(env={"DF_AUTH_JWT_ALGORITHM": "ES256",
                                  "DF_AUTH_BLACKLIST_EMAIL_DOMAINS_FILE": self.domains}).__enter__()
        self.addCleanup(self.server.__exit__, None, None, None)

    def write_domains(self, text):
        # Written beside and renamed, as a deploy tool does: a reload never reads half a file.
        with open(self.domains + ".new", "w") as f:
            f.write(text)
        os.replace(self.domains + ".new", self.domains)

    def reload(self, expected_line, timeout=5):
        """Sends SIGHUP and waits for one more `expected_line` than before it."""
        before = self.server.stderr().count(expected_line)
        os.kill(self.server.proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while self.server.stderr().count(expected_line) == before:
            if time.monotonic() > deadline:
                raise AssertionError(f"{expected_line!r} not logged after SIGHUP:\n{self.server.stderr()}")
            time.sleep(0.02)

    def signup(self, client, name, domain):
        return client.signup(username=name, email=f"{name}@{domain}", password="a long enough password")

    def test_the_blacklist_file_is_read_again_on_the_same_open_connection(self):
        c = Client(self.server)
        assert_error(self, self.signup(c, "ann", "first.example"), 400, "blacklisted", field="email")
        self.assertEqual(self.signup(c, "bob", "second.example").status, 201)
        sock = c._connection().sock
        self.write_domains("second.example\n")
        self.reload(RELOADED)
        assert_error(self, self.signup(c, "cat", "second.example"), 400, "blacklisted", field="email")
        self.assertEqual(self.signup(c, "dan", "first.example").status, 201)
        self.assertIs(c._connection().sock, sock)  # the keep-alive connection lived through it

    def test_a_rotated_key_signs_after_the_reload_and_the_old_one_still_verifies(self):
        c = Client(self.server)
        self.assertEqual(self.signup(c, "eve", "ok.example").status, 201)
        old = c.login(username="eve", password="a long enough password")
        rotated = self.server.run_cli("keys", "rotate")
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        # Without the signal this replica would keep signing with the key it loaded at start.
        self.assertEqual(kid_of(c.login(username="eve", password="a long enough password")), kid_of(old))
        self.reload(RELOADED)
        new = c.login(username="eve", password="a long enough password")
        self.assertNotEqual(kid_of(new), kid_of(old))
        kids = sorted(k["kid"] for k in c.get("/.well-known/jwks.json").json()["keys"])
        self.assertEqual(kids, sorted([kid_of(old), kid_of(new)]))
        for token in (old, new):
            r = c.get("users/0/", token=token)
            self.assertEqual((r.status, r.json()["username"]), (200, "eve"))

    def test_an_unreadable_file_keeps_the_old_list_and_the_server_serving(self):
        c = Client(self.server)
        os.remove(self.domains)
        self.reload("reload: blacklist file kept as it was: BLACKLIST_EMAIL_DOMAINS_FILE: cannot read")
        self.assertNotIn(RELOADED, self.server.stderr())
        assert_error(self, self.signup(c, "fay", "first.example"), 400, "blacklisted", field="email")
        self.assertEqual(self.signup(c, "gus", "second.example").status, 201)
        self.assertEqual(self.server.proc.poll(), None)


if __name__ == "__main__":
    unittest.main()
