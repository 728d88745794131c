"""PostgreSQL faults (PostgreSQL only; registered as e2e_pg.test_pg_outage): the cluster stopped
and restarted under load, and the errors at start. The outage test runs its own throw-away
cluster (scripts/pg-cluster), so stopping it never disturbs the other tests."""

import concurrent.futures
import os
import subprocess
import tempfile
import threading
import time
import unittest

from harness import Client, Server, assert_error, create_postgres_database, drop_postgres_database, postgres_url

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PG_CLUSTER = os.path.join(ROOT, "scripts", "pg-cluster")
PASSWORD = "outage password 1"
REQUEST_TIMEOUT = 10  # no request may take longer than this, outage or not


def cluster(*args):
    return subprocess.run([PG_CLUSTER, *args], check=True, capture_output=True, text=True,
                          timeout=120).stdout.strip()


class Load:
    """Threads that sign up users and read their profile until stopped, recording every answer."""

    def __init__(self, server, threads=4):
        self.server = server
        self.results = []  # (time, kind, status, error code or None, seconds taken, username)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        token_client = Client(server)
        assert token_client.signup(username="reader", password=PASSWORD).status == 201
        self.token = token_client.login(username="reader", password=PASSWORD)
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads)
        self.futures = [self.pool.submit(self.run, i) for i in range(threads)]

    def run(self, worker):
        client = Client(self.server, timeout=REQUEST_TIMEOUT + 5)
        n = 0
        while not self.stopping.is_set():
            n += 1
            username = f"w{worker}n{n}"
            for kind in ("signup", "read"):
                began = time.monotonic()
                try:
                    if kind == "signup":
                        r = client.post("users/", {"username": username, "password": PASSWORD})
                    else:
                        r = client.get("users/0/", token=self.token)
                    status = r.status
                    code = r.json()["errors"][0]["code"] if status >= 400 else None
                except Exception as e:  # a hang or a dropped connection is what we look for
                    status, code = "exception", repr(e)
                with self.lock:
                    self.results.append((time.monotonic(), kind, status, code, time.monotonic() - began,
                                         username))
            time.sleep(0.01)

    def stop(self):
        self.stopping.set()
        for f in self.futures:
            f.result(60)
        self.pool.shutdown()
        return list(self.results)


class OutageTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="dfauth-outage-")
        os.rmdir(self.dir)
        self.admin_url = cluster("start", self.dir)
        self.addCleanup(cluster, "stop", self.dir)
        self.url = self.admin_url.rsplit("/", 1)[0] + "/outage"
        subprocess.run(["psql", self.admin_url, "-qc", "CREATE DATABASE outage"], check=True, timeout=30)
        self.server = Server(database_url=self.url, env={"DF_AUTH_DATABASE_POOL_SIZE": "4"}).start()
        self.addCleanup(self.server.cleanup)

    def ready(self):
        return Client(self.server, timeout=REQUEST_TIMEOUT + 5).get("/health/ready")

    def test_a_restart_under_load_answers_503_then_recovers_by_itself_and_loses_nothing(self):
        self.assertEqual(self.ready().status, 200)
        load = Load(self.server)
        time.sleep(1.0)
        down_at = time.monotonic()
        cluster("stop-server", self.dir)
        time.sleep(3.0)
        ready_down = self.ready()
        up_at = time.monotonic()
        cluster("start-server", self.dir)
        # Recovery needs no help: the first ready answer after the restart counts from up_at.
        deadline = up_at + 15
        while self.ready().status != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        recovered_at = time.monotonic()
        time.sleep(1.0)
        results = load.stop()

        statuses = [r[2] for r in results]
        print(f"\noutage: {len(results)} requests, {statuses.count(200)} x 200, {statuses.count(201)} x 201, "
              f"{statuses.count(503)} x 503; slowest {max(r[4] for r in results):.3f} s; ready again "
              f"{recovered_at - up_at:.2f} s after the restart", flush=True)
        assert_error(self, ready_down, 503, "service_unavailable")
        self.assertLess(recovered_at - up_at, 15, "not ready within 15 s of the restart")
        unexpected = [r for r in results if r[2] not in (200, 201, 503)]
        self.assertEqual(unexpected, [], "only 200, 201 and 503 may be answered")
        self.assertEqual({r[3] for r in results if r[2] == 503}, {"service_unavailable"})
        self.assertLess(max(r[4] for r in results), REQUEST_TIMEOUT, "a request waited too long")
        during = [r for r in results if down_at + 0.5 < r[0] < up_at]
        self.assertTrue(during and all(r[2] == 503 for r in during), during[:5])
        after = [r for r in results if r[0] > recovered_at + 0.2]
        self.assertTrue(after, "no requests after the recovery")
        self.assertEqual({r[2] for r in after if r[1] == "read"}, {200})
        self.assertEqual({r[2] for r in after if r[1] == "signup"}, {201})
        # Every sign-up acknowledged with 201 is in the database.
        acknowledged = {r[5] for r in results if r[1] == "signup" and r[2] == 201}
        stored = {row[0] for row in self.server.sql("SELECT username FROM users")}
        self.assertEqual(acknowledged - stored, set())
        self.assertGreater(len(acknowledged), 10)
        self.assertIsNone(self.server.proc.poll(), "the server died")
        self.server.stop()


class StartErrorsTest(unittest.TestCase):
    def run_serve(self, url):
        server = Server(database_url=url)
        self.addCleanup(server.cleanup)
        return server.run_cli("serve", timeout=30)

    def test_a_wrong_password_is_one_line_exit_1_without_the_password(self):
        name = create_postgres_database()
        self.addCleanup(drop_postgres_database, name)
        url = postgres_url(name)
        wrong = url.replace("postgres:", "postgres:wrong-", 1)
        self.assertNotEqual(wrong, url)
        out = self.run_serve(wrong)
        self.assertEqual(out.returncode, 1, out.stderr)
        lines = [line for line in out.stderr.strip().splitlines() if " warning " not in line]
        self.assertEqual(len(lines), 1, out.stderr)
        self.assertRegex(lines[0], r'^database unavailable: postgresql: connection to server at "127\.0\.0\.1", '
                                   r'port \d+ failed: FATAL:  password authentication failed for user "postgres"$')
        self.assertNotIn("wrong-", out.stderr)

    def test_an_unreachable_host_is_one_line_exit_1(self):
        out = self.run_serve("postgresql://df:s3cret@127.0.0.1:1/auth")
        self.assertEqual(out.returncode, 1, out.stderr)
        lines = [line for line in out.stderr.strip().splitlines() if " warning " not in line]
        self.assertEqual(len(lines), 1, out.stderr)
        self.assertTrue(lines[0].startswith('database unavailable: postgresql: connection to server at "127.0.0.1", '
                                            'port 1 failed: Connection refused'), lines[0])
        self.assertNotIn("s3cret", out.stderr)

    def test_a_malformed_url_is_exit_2_naming_the_key_with_the_password_masked(self):
        out = self.run_serve("postgresql://df:s3cret@db:99999/auth")
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("DATABASE_URL", out.stderr)
        self.assertIn("has a bad host or port", out.stderr)
        self.assertNotIn("s3cret", out.stderr)
        checker = Server(database_url="postgresql://df:s3cret@db:99999/auth")
        self.addCleanup(checker.cleanup)
        out = checker.run_cli("check-config")
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertNotIn("s3cret", out.stdout + out.stderr)


if __name__ == "__main__":
    unittest.main()
