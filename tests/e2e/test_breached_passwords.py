"""Breached passwords offline (issue 16 item 5): `df-auth passwords build-filter` turns a list
in Have I Been Pwned's format (HASH:COUNT, 1M generated lines here) into a Bloom filter file;
PASSWORD_BREACHED_FILTER maps it and sign-up, set-password and password reset refuse a listed
password with 400 password_breached on the route's password field. A missing, truncated or
foreign filter stops the server with exit 2 naming the key; a 128 MiB filter leaves the
server's RSS flat. Real binary, both backends."""

import hashlib
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import unittest

from harness import Client, Server, assert_error
from test_import_django import DJANGO_SCHEMA, django_hash
from test_password_reset import ResetCase

LINES = 1_000_000
BREACHED_MESSAGE = "This password has appeared in a data breach; choose another."
KEY = "DF_AUTH_PASSWORD_BREACHED_FILTER"
STATE = {}


def listed(i):
    """The i-th password of the generated breach list."""
    return f"leaked pass phrase {i}"


def unlisted(i):
    return f"fresh unlisted phrase {i}"


def setUpModule():
    STATE["dir"] = tempfile.mkdtemp(prefix="dfauth-breached-")
    hibp = os.path.join(STATE["dir"], "pwned-passwords-sha1.txt")
    with open(hibp, "w", newline="") as f:
        f.writelines(f"{hashlib.sha1(listed(i).encode()).hexdigest().upper()}:{i % 5000 + 1}\r\n"
                     for i in range(LINES))
    STATE["hibp"] = hibp
    STATE["filter"] = os.path.join(STATE["dir"], "breached.filter")
    start = time.monotonic()
    done = subprocess.run([os.environ["DFAUTH_BIN"], "passwords", "build-filter", "--from", hibp,
                           "--out", STATE["filter"]], capture_output=True, text=True, timeout=300)
    STATE["build_seconds"] = time.monotonic() - start
    STATE["build"] = done
    print(f"\nbuild-filter: {LINES} HIBP lines ({os.path.getsize(hibp)} bytes) in "
          f"{STATE['build_seconds']:.2f} s, filter {os.path.getsize(STATE['filter'])} bytes",
          file=sys.stderr)


def tearDownModule():
    shutil.rmtree(STATE["dir"], ignore_errors=True)


def filter_env():
    return {KEY: STATE["filter"]}


class BuildFilterTest(unittest.TestCase):
    def test_a_million_hibp_lines_make_the_filter_the_summary_describes(self):
        done = STATE["build"]
        self.assertEqual(done.returncode, 0, done.stderr)
        # 1e-6: m = ceil(-n ln p / ln^2 2), k = round(m/n ln 2); 4096 header bytes + whole words.
        bits, hashes = 28_755_176, 20
        size = 4096 + (bits + 63) // 64 * 8
        self.assertEqual(os.path.getsize(STATE["filter"]), size)
        self.assertTrue(done.stdout.startswith(
            f"wrote {STATE['filter']}: {LINES} SHA-1 hashes (HIBP), {bits} bits, {hashes} hashes, {size} bytes, "
            "fp 1e-06, "), done.stdout)
        self.assertEqual(done.stderr, "")  # no progress bar: stderr is not a terminal
        self.assertEqual([n for n in os.listdir(STATE["dir"]) if ".tmp." in n], [])  # renamed into place
        with open(STATE["filter"], "rb") as f:
            header = f.read(48)
        self.assertEqual(header[:8], b"DFABLOOM")
        self.assertEqual(struct.unpack("<IIQQQ", header[8:40]), (1, hashes, bits, LINES, 4096))
        self.assertEqual(header[40:48], hashlib.sha256(header[:40]).digest()[:8])

    def test_progress_goes_to_a_terminal(self):
        import pty
        master, terminal = pty.openpty()
        done = subprocess.run([os.environ["DFAUTH_BIN"], "passwords", "build-filter", "--from", STATE["hibp"],
                               "--out", os.path.join(STATE["dir"], "tty.filter"), "--fp", "0.01"],
                              stdout=subprocess.PIPE, stderr=terminal, timeout=120)
        os.close(terminal)
        shown = os.read(master, 1 << 16).decode()
        os.close(master)
        self.assertEqual(done.returncode, 0, shown)
        self.assertIn("\rcounting  100% (44 MiB of 44 MiB)", shown)
        self.assertIn("\rinserting   2% (1 MiB of 44 MiB)", shown)
        self.assertTrue(shown.endswith("\rinserting 100% (44 MiB of 44 MiB)\r\n"), shown)  # the tty's CRLF

    def test_a_plain_list_and_a_bad_hibp_line(self):
        plain = os.path.join(STATE["dir"], "plain.txt")
        with open(plain, "w") as f:
            f.write("".join(f"{listed(i)}\n" for i in range(1000)))
        out = os.path.join(STATE["dir"], "plain.filter")
        done = subprocess.run([os.environ["DFAUTH_BIN"], "passwords", "build-filter", "--from", plain,
                               "--out", out, "--fp", "1e-4"], capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(": 1000 passwords, 19171 bits, 13 hashes, 6496 bytes, fp 0.0001, ", done.stdout)
        bad = os.path.join(STATE["dir"], "bad.txt")
        with open(bad, "w") as f:
            f.write(hashlib.sha1(b"x").hexdigest() + ":1\nnot a hash\n")
        done = subprocess.run([os.environ["DFAUTH_BIN"], "passwords", "build-filter", "--from", bad,
                               "--out", os.path.join(STATE["dir"], "bad.filter")],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 1)
        self.assertEqual(done.stderr, f"passwords build-filter: {bad}:2: not an HIBP line (40 hex digits, "
                                      "optionally :COUNT)\n")
        self.assertFalse(os.path.exists(os.path.join(STATE["dir"], "bad.filter")))


class BreachedPasswordsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env=filter_env()).start()
        cls.c = Client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def test_the_filter_is_announced_at_start(self):
        self.assertIn(f"breached-password filter: {LINES} passwords, 28755176 bits, 20 hashes, mapped from "
                      f"{STATE['filter']}", self.server.stderr())

    def test_signup_with_a_listed_password_is_refused(self):
        for i in (0, 123_456, LINES - 1):
            r = self.c.signup(username=f"breached{i}", email=f"breached{i}@example.com", password=listed(i))
            assert_error(self, r, 400, "password_breached", field="password", message=BREACHED_MESSAGE)
            self.assertEqual(len(r.json()["errors"]), 1, r)
        self.assertEqual(self.server.sql("SELECT count(*) FROM users WHERE username LIKE ?", ("breached%",)), [(0,)])
        r = self.c.signup(username="clean1", email="clean1@example.com", password=unlisted(1))
        self.assertEqual(r.status, 201, r)
        # Django's rules still come first: a short listed password is "too short".
        assert_error(self, self.c.signup(username="short", password="12"), 400, "invalid", field="password")

    def test_set_password_to_a_listed_password_is_refused(self):
        r = self.c.signup(username="changer", password=unlisted(2))
        self.assertEqual(r.status, 201, r)
        token = self.c.login(username="changer", password=unlisted(2))
        r = self.c.post("users/0/set-password/", {"old_password": unlisted(2), "new_password": listed(42)},
                        token=token)
        assert_error(self, r, 400, "password_breached", field="new_password", message=BREACHED_MESSAGE)
        self.assertEqual(self.c.login(username="changer", password=unlisted(2)).count("."), 2, "unchanged")
        r = self.c.post("users/0/set-password/", {"old_password": unlisted(2), "new_password": unlisted(3)},
                        token=token)
        self.assertIn(r.status, (200, 204), r)
        self.assertEqual(self.c.login(username="changer", password=unlisted(3)).count("."), 2)


class BreachedResetTest(ResetCase):
    """Password reset through the SMTP sink: the policy function it calls checks the filter."""

    @classmethod
    def setUpClass(cls):
        cls.fakes_env = {"PASSWORD_BREACHED_FILTER": STATE["filter"]}  # smtp_env adds the prefix
        super().setUpClass()

    def test_reset_to_a_listed_password_is_refused_and_the_code_still_works(self):
        from otp_support import code_in
        address, _ = self.new_user()
        code = code_in(self.request_code(address))
        assert_error(self, self.confirm(address, code, password=listed(7)), 400, "password_breached",
                     field="new_password", message=BREACHED_MESSAGE)
        r = self.confirm(address, code, password=unlisted(7))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.c.login(email=address, password=unlisted(7)).count("."), 2)


def write_filter(path, bits, hashes, passwords):
    """A filter file written from the documented layout alone (breached_filter.hpp), sparse: the
    bits of `passwords` set, the rest a hole."""
    header = b"DFABLOOM" + struct.pack("<IIQQQ", 1, hashes, bits, len(passwords), 4096)
    header += hashlib.sha256(header).digest()[:8]
    data = {}
    for password in passwords:
        digest = hashlib.sha1(password.encode()).digest()
        index = int.from_bytes(digest[:8], "little") % bits
        step = int.from_bytes(digest[8:16], "little") % bits or 1
        for _ in range(hashes):
            data[index // 8] = data.get(index // 8, 0) | 1 << (index % 8)
            index = (index + step) % bits
    with open(path, "wb") as f:
        f.write(header)
        for offset, byte in data.items():
            f.seek(4096 + offset)
            f.write(bytes([byte]))
        f.truncate(4096 + (bits + 63) // 64 * 8)


def memory_kib(pid, path):
    """VmRSS, RssAnon and RssFile of `pid` (/proc/PID/status), and "filter": the resident KiB of
    its mapping of `path` (/proc/PID/smaps)."""
    values = {"filter": 0}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile"):
                values[name] = int(rest.split()[0])
    inside = False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            fields = line.split()
            if fields and "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:
                inside = len(fields) >= 6 and fields[5] == path
            elif inside and fields[0] == "Rss:":
                values["filter"] += int(fields[1])
    return values


class LargeFilterTest(unittest.TestCase):
    def test_a_128_mib_filter_leaves_the_rss_flat(self):
        path = os.path.join(STATE["dir"], "large.filter")
        bits = 128 * 1024 * 1024 * 8
        write_filter(path, bits, 20, [listed(i) for i in range(100)])
        size = os.path.getsize(path)
        self.assertEqual(size, 4096 + 128 * 1024 * 1024)
        server = Server(env={KEY: path}).start()
        self.addCleanup(server.cleanup)
        self.addCleanup(server.kill)  # first, when the test fails before stop()
        c = Client(server)
        # Both answers once first, so the code they run is paged in before the measurement.
        self.assertEqual(c.signup(username="warmup", password=unlisted(0)).status, 201)
        self.assertEqual(c.signup(username="warmup2", password=listed(99)).status, 400)
        before = memory_kib(server.proc.pid, path)
        for i in range(40):
            assert_error(self, c.signup(username=f"big{i}", password=listed(i)), 400, "password_breached",
                         field="password")
        for i in range(10):
            self.assertEqual(c.signup(username=f"fine{i}", password=unlisted(100 + i)).status, 201)
        after = memory_kib(server.proc.pid, path)
        print(f"\nwith a {size >> 20} MiB filter, before/after 50 checks: VmRSS {before['VmRSS']}/{after['VmRSS']} "
              f"KiB, RssFile {before['RssFile']}/{after['RssFile']} KiB, RssAnon {before['RssAnon']}/"
              f"{after['RssAnon']} KiB, the filter's mapping {before['filter']}/{after['filter']} KiB", file=sys.stderr)
        # 50 checks probe at most 50 * 20 pages of the file (4000 KiB; the kernel's fault-around
        # may map a cached neighbour too, hence the factor 2); the file is 131076 KiB.
        self.assertGreater(after["filter"], before["filter"], (before, after))  # it is the mapping checked
        self.assertLessEqual(after["filter"] - before["filter"], 2 * 50 * 20 * 4, (before, after))
        self.assertLess(after["filter"], size // 1024 // 20, (before, after))
        # File-backed pages grew by the probed pages, not by the file. (Anonymous memory is the
        # allocator's: under ASan its quarantine of freed blocks alone grows it by ~8 MiB here.)
        self.assertLess(after["RssFile"] - before["RssFile"], 8 * 1024, (before, after))
        server.stop()


class ImportTest(unittest.TestCase):
    """import-django never refuses: it counts the hashes it can check (Django's unsalted SHA-1);
    a salted (pbkdf2) one is checked at the sign-in that upgrades it, logged, and let in."""

    def test_import_reports_and_the_first_sign_in_logs(self):
        source = os.path.join(STATE["dir"], "django.sqlite3")
        db = sqlite3.connect(source)
        db.executescript(DJANGO_SCHEMA)
        joined = "2024-01-02 03:04:05"
        db.executemany("INSERT INTO app_user VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", [
            (1, django_hash(listed(5)), None, False, "leaky", "", "", False, True, joined, None, None),
            (2, "sha1$$" + hashlib.sha1(listed(6).encode()).hexdigest(), None, False, "legacy", "", "", False, True,
             joined, None, None),
            (3, django_hash(unlisted(9)), None, False, "fine", "", "", False, True, joined, None, None),
            (4, "sha1$$" + hashlib.sha1(unlisted(8).encode()).hexdigest(), None, False, "old", "", "", False, True,
             joined, None, None)])
        db.commit()
        db.close()
        with Server(env=filter_env()) as server:
            r = server.run_cli("import-django", "--from", f"sqlite://{source}")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, "imported 4 users (0 with 2FA required), 0 OTP devices, 0 social links; "
                                       "breached passwords: 1 of 2 unsalted SHA-1 hashes are on "
                                       "PASSWORD_BREACHED_FILTER (imported anyway); the other 2 are salted and "
                                       "checked at each user's first sign-in\n")
            c = Client(server)
            line = "signed in with an imported password that is on PASSWORD_BREACHED_FILTER"
            c.login(username="fine", password=unlisted(9))
            c.login(username="leaky", password=listed(5))  # let in
            server.wait_stderr(f"user 1 {line}")
            c.login(username="leaky", password=listed(5))  # upgraded now: not again
            c.login(username="fine", password=unlisted(9))
            warned = [l.split(" signed in")[0].split()[-1] for l in server.stderr_lines if line in l]
            self.assertEqual(warned, ["1"])


class BadFilterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()  # its environment and working dir; never started

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def serve_with(self, path):
        """serve's stderr with PASSWORD_BREACHED_FILTER=path (check-config says the same)."""
        out = self.server.run_cli("serve", env_extra={KEY: path}, timeout=20)
        self.assertEqual(out.returncode, 2, out.stderr)
        checked = self.server.run_cli("check-config", env_extra={KEY: path}, timeout=20)
        self.assertEqual((checked.returncode, checked.stderr.splitlines()[-1]), (2, out.stderr.splitlines()[-1]))
        return out.stderr

    def test_missing_truncated_and_foreign_files_exit_2_naming_the_key(self):
        missing = os.path.join(STATE["dir"], "absent.filter")
        self.assertIn(f'PASSWORD_BREACHED_FILTER: cannot read file "{missing}"', self.serve_with(missing))
        truncated = os.path.join(STATE["dir"], "truncated.filter")
        shutil.copyfile(STATE["filter"], truncated)
        size = os.path.getsize(truncated)
        os.truncate(truncated, size - 4096)
        self.assertIn(f'PASSWORD_BREACHED_FILTER: "{truncated}" is not a breached-password filter of df-auth: '
                      f"truncated or padded: {size - 4096} bytes, the header says {size}",
                      self.serve_with(truncated))
        self.assertIn(f'PASSWORD_BREACHED_FILTER: "{STATE["hibp"]}" is not a breached-password filter of df-auth: '
                      "unknown format (no DFABLOOM magic)", self.serve_with(STATE["hibp"]))


if __name__ == "__main__":
    unittest.main()
