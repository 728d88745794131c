"""Faults (issue 13 item 5): `kill -9` of the server in the middle of a mixed write load loses
nothing it acknowledged; a full disk (SQLite on a small tmpfs) or a database made read-only
(`chattr +i` on the file, its WAL and directory, which refuses writes through descriptors already
open)
answers 503 service_unavailable, corrupts nothing and recovers by itself when it clears. After the kill every acknowledged
otp/ is mailed and a refresh token spent before the kill stays spent."""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from harness import BACKEND, Client, Server, assert_error
from otp_support import Outbox

LOAD_SECONDS = 2.0


class Worker(threading.Thread):
    """One client doing one kind of write in a loop, one request at a time, so that at the kill
    it has at most one request in flight: `acked` holds what the server answered 2xx for,
    `in_flight` the request that had no answer."""

    def __init__(self, server, kind, index):
        super().__init__(daemon=True)
        self.c = Client(server, timeout=5)
        self.kind, self.index = kind, index
        self.acked, self.in_flight = [], None
        self.stop = threading.Event()
        self.state = {}

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                self.step(n)
            except OSError:
                return  # the server died under the request: it stays in flight
            except AssertionError:
                return

    def step(self, n):
        tag = f"{self.kind}{self.index}x{n}"
        if self.kind == "signup":
            self.in_flight = tag
            r = self.c.post("users/", {"username": tag, "password": f"pw {tag} 1"})
            assert r.status == 201, r
        elif self.kind == "otp":
            self.in_flight = f"{tag}@example.com"
            r = self.c.post("otp/", {"email": self.in_flight})
            assert r.status == 200, r
        elif self.kind == "refresh":
            self.in_flight = self.state["refresh"]
            r = self.c.post("token/refresh/", {"refresh": self.state["refresh"]})
            assert r.status == 200, r
            self.state["refresh"] = r.json()["refresh"]
            self.in_flight = self.state["refresh"]
        elif self.kind == "password":
            new = f"changed {tag} 1"
            self.in_flight = new
            r = self.c.post("users/0/set-password/", {"old_password": self.state["password"], "new_password": new},
                            token=self.state["token"])
            assert r.status in (200, 204), r
            self.state["password"] = new
            self.state["token"] = self.c.post("token/", {"username": self.state["username"],
                                                         "password": new}).json()["token"]
        self.acked.append(self.in_flight)
        self.in_flight = None


class KillNineTest(unittest.TestCase):
    def test_nothing_acknowledged_is_lost_when_the_server_is_killed(self):
        self.outbox = Outbox()
        env = {"DF_AUTH_JWT_PROFILE": "pair", "DF_AUTH_THROTTLE_OTP_SEND": "off", **self.outbox.env()}
        server = Server(env=env).start()
        try:
            c = Client(server)
            workers = []
            for i in range(2):
                workers.append(Worker(server, "signup", i))
                workers.append(Worker(server, "otp", i))
                r = c.post("users/", {"username": f"rot{i}", "password": "rotation pw 1"})
                self.assertEqual(r.status, 201)
                w = Worker(server, "refresh", i)
                w.state["refresh"] = c.post("token/", {"username": f"rot{i}", "password": "rotation pw 1"}).json()["refresh"]
                workers.append(w)
                self.assertEqual(c.post("users/", {"username": f"pwd{i}", "password": "first password 1"}).status, 201)
                w = Worker(server, "password", i)
                w.state.update(username=f"pwd{i}", password="first password 1",
                               token=c.post("token/", {"username": f"pwd{i}", "password": "first password 1"}).json()["token"])
                workers.append(w)
            for w in workers:
                w.start()
            time.sleep(LOAD_SECONDS)
            server.proc.send_signal(signal.SIGKILL)  # mid-load: every worker has a request out
            for w in workers:
                w.join(10)
            server.kill()
            again = Server(env=env, workdir=server.workdir).start()
            try:
                self.check(again, workers)
            finally:
                again.stop()
        finally:
            server.kill()
            server.cleanup()

    def check_mail(self, w):
        """Every acknowledged otp/ mails its code after the restart: once, or (only for the one message
        the sender had in flight at the kill) twice with the same outbox id in the Message-ID. A message
        the killed sender had claimed but not sent is due again when its claim's lease ends
        (Delivery::kLeaseSeconds, 60 s after the claim), so the wait covers the lease and a margin."""
        deadline = time.monotonic() + 75
        while True:
            ids = {}
            for _, msg in self.outbox.emails_all():  # one scan of the folder per round
                ids.setdefault(msg["To"].lower(), []).append(msg["Message-ID"].strip("<>").split(".")[0])
            missing = [a for a in w.acked if a.lower() not in ids]
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(missing, [])
        for address in w.acked:
            got = ids[address.lower()]
            self.assertIn(len(got), (1, 2), address)
            if len(got) == 2:
                self.assertEqual(got[0], got[1], address)
                self.duplicates += 1
        self.mailed += len(w.acked)

    def check(self, server, workers):
        self.duplicates = self.mailed = 0
        c = Client(server)
        counts = {}
        for w in workers:
            counts.setdefault(w.kind, [0, 0])
            counts[w.kind][0] += len(w.acked)
            if w.kind == "signup":
                present = {row[0] for row in server.sql("SELECT username FROM users WHERE username LIKE ?",
                                                        (f"signup{w.index}x%",))}
                counts[w.kind][1] += len(present & set(w.acked))
                # The unanswered sign-up may or may not have been committed; nothing else exists.
                self.assertLessEqual(present - set(w.acked), {w.in_flight} if w.in_flight else set())
                if w.acked:
                    last = w.acked[-1]
                    self.assertEqual(c.post("token/", {"username": last, "password": f"pw {last} 1"}).status, 200)
            elif w.kind == "otp":
                present = {row[0] for row in server.sql("SELECT email FROM users WHERE email LIKE ?",
                                                        (f"otp{w.index}x%",))}
                counts[w.kind][1] += len(present & set(w.acked))
                self.check_mail(w)
            elif w.kind == "refresh":
                # The last acknowledged refresh token is live, unless the unanswered rotation spent
                # it (then the family's reuse rule applies: that is rotation, not loss).
                r = c.post("token/refresh/", {"refresh": w.acked[-1] if w.acked else w.state["refresh"]})
                if w.in_flight is None or r.status == 200:
                    self.assertEqual(r.status, 200, r)
                    counts[w.kind][1] += len(w.acked)
                    if len(w.acked) >= 2:  # a token spent before the kill stays spent after it
                        assert_error(self, c.post("token/refresh/", {"refresh": w.acked[-2]}), 401,
                                     "token_not_valid")
                else:
                    assert_error(self, r, 401, "token_not_valid")
                    counts[w.kind][1] += len(w.acked)  # spent by the unanswered request: it was stored
            elif w.kind == "password":
                # The last acknowledged password, or the one of the unanswered change (the kill may
                # also have come during the sign-in that follows an answered change).
                candidates = sorted({w.state["password"], *([w.in_flight] if w.in_flight else [])})
                ok = [p for p in candidates
                      if c.post("token/", {"username": w.state["username"], "password": p}).status == 200]
                self.assertEqual(len(ok), 1, (candidates, ok))
                counts[w.kind][1] += len(w.acked)
        self.assertLessEqual(self.duplicates, 1, "only the message being sent at the kill may go twice")
        print(f"\nkill -9 checker ({BACKEND}): acknowledged vs found: "
              + ", ".join(f"{k} {a}/{f}" for k, (a, f) in sorted(counts.items()))
              + f"; otp/ mails after the restart: {self.mailed} acknowledged, {self.duplicates} sent twice")
        for kind, (acked, found) in counts.items():
            self.assertEqual(found, acked, kind)
        self.assertGreater(sum(a for a, _ in counts.values()), 20, "the load made too few writes to judge")


@unittest.skipUnless(BACKEND == "sqlite", "a full disk under SQLite: the PostgreSQL outage test covers its backend")
class DiskFullTest(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.fail("mounting a tmpfs needs root (scripts/test runs as root)")
        self.mount = tempfile.mkdtemp(prefix="dfauth-full-")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", self.mount], check=True)

    def tearDown(self):
        subprocess.run(["umount", "-l", self.mount], check=False)
        shutil.rmtree(self.mount, ignore_errors=True)

    def test_full_disk_is_503_then_recovers_without_corruption(self):
        with Server(database_url=f"sqlite://{self.mount}/db.sqlite3") as server:
            c = Client(server)
            self.assertEqual(c.post("users/", {"username": "before", "password": "before full 1"}).status, 201)
            token = c.login(username="before", password="before full 1")
            filler = os.path.join(self.mount, "filler")
            with open(filler, "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                except OSError:
                    pass
            statuses = set()
            for i in range(60):  # sign-ups write user rows: the WAL must grow
                r = c.post("users/", {"username": f"full{i}", "password": "during full 1"})
                statuses.add(r.status)
                if r.status == 503:
                    assert_error(self, r, 503, "service_unavailable")
            self.assertIn(503, statuses)
            self.assertLessEqual(statuses, {201, 503})
            # Reads still answer while the disk is full (a login writes last_login: it is a write).
            self.assertEqual(c.get("users/0/", token=token).json()["username"], "before")
            self.assertEqual(c.post("token/verify/", {"token": token}).status, 200)
            os.remove(filler)
            r = c.post("users/", {"username": "after", "password": "after full 1"})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(c.post("token/", {"username": "after", "password": "after full 1"}).status, 200)
        check = subprocess.run(["sqlite3", f"{self.mount}/db.sqlite3", "PRAGMA integrity_check"],
                               capture_output=True, text=True)
        self.assertEqual(check.stdout.strip(), "ok")


@unittest.skipUnless(BACKEND == "sqlite", "a read-only file under SQLite: the PostgreSQL outage test covers its backend")
class ReadOnlyDatabaseTest(unittest.TestCase):
    """The database's files and directory made immutable while the server runs (as a file system
    remounted read-only after an error does to it): writes through the open files fail."""

    def setUp(self):
        if os.geteuid() != 0:
            self.fail("chattr +i needs root (scripts/test runs as root)")
        self.dir = tempfile.mkdtemp(prefix="dfauth-ro-")
        self.frozen = []

    def tearDown(self):
        self.thaw()
        shutil.rmtree(self.dir, ignore_errors=True)

    def chattr(self, flag, paths):
        subprocess.run(["chattr", flag, *paths], check=True)

    def freeze(self):
        # The database, its WAL and the directory. Not the -shm file: it is SQLite's shared-memory
        # index, mapped into the process, and a write fault on an immutable mapped file is SIGBUS
        # (as on any file system forced read-only under a mapped file): that is no longer the
        # database being read-only but the memory under the process going away.
        files = sorted(os.path.join(self.dir, n) for n in os.listdir(self.dir))
        self.assertEqual([os.path.basename(f) for f in files], ["db.sqlite3", "db.sqlite3-shm", "db.sqlite3-wal"])
        self.frozen = [f for f in files if not f.endswith("-shm")] + [self.dir]
        self.chattr("+i", self.frozen)

    def thaw(self):
        if self.frozen:
            self.chattr("-i", self.frozen)
            self.frozen = []

    def test_read_only_database_is_503_then_recovers_without_corruption(self):
        with Server(database_url=f"sqlite://{self.dir}/db.sqlite3") as server:
            c = Client(server)
            self.assertEqual(c.post("users/", {"username": "before", "password": "before frozen 1"}).status, 201)
            token = c.login(username="before", password="before frozen 1")
            self.freeze()
            for i in range(5):
                assert_error(self, c.post("users/", {"username": f"frozen{i}", "password": "during frozen 1"}),
                             503, "service_unavailable")
            # Reads still answer.
            self.assertEqual(c.get("users/0/", token=token).json()["username"], "before")
            self.assertEqual(c.post("token/verify/", {"token": token}).status, 200)
            self.thaw()
            r = c.post("users/", {"username": "after", "password": "after frozen 1"})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(c.post("token/", {"username": "after", "password": "after frozen 1"}).status, 200)
        check = subprocess.run(["sqlite3", f"{self.dir}/db.sqlite3",
                                "PRAGMA integrity_check; SELECT group_concat(username) FROM (SELECT username FROM users ORDER BY id)"],
                               capture_output=True, text=True)
        self.assertEqual(check.stdout.split(), ["ok", "before,after"])


if __name__ == "__main__":
    unittest.main()
