"""The soak driver behind tests/soak/run: CLIENTS threads, each a user's life in a loop (sign up,
OTP sign-in by email, password sign-in, refreshes, users/0, a TOTP device enrolled and 2FA
switched on and off, a device deleted), for MINUTES minutes against one df-auth; the RSS is read
from /proc every minute; the start is the end of a 5-minute warm-up, because SQLite's page cache
(2 MiB per pooled connection, SQLite's default) fills as the database grows: with a 20 s warm-up
a 30-minute run measured +18.8 % (29.3 -> 34.8 MB) and most of it was the caches filling. Exits 1
when any answer was a 5xx, an answer was not the expected one, or the RSS grew more than 10 %
from the end of the warm-up to the end of the run."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import harness  # noqa: E402
from harness import Client  # noqa: E402
from otp_support import Outbox, otp_server, secret_of, totp  # noqa: E402

PASSWORD = "soak password 1"
WARM_UP_SECONDS = 300


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.server_errors = 0
        self.unexpected = []

    def record(self, kind, seconds, status, expected):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if status >= 500:
                self.server_errors += 1
            if status not in expected and len(self.unexpected) < 20:
                self.unexpected.append((kind, status))


def life(c, outbox, stats, index, n):
    def call(kind, expected, method, path, body=None, token=None):
        start = time.monotonic()
        r = c.request(method, path, body, token=token)
        stats.record(kind, time.monotonic() - start, r.status, expected)
        return r

    name = f"soak{index}x{n}"
    email = f"{name}@example.com"
    call("signup", {201}, "POST", "users/", {"username": name, "email": email, "password": PASSWORD})
    call("otp", {200}, "POST", "otp/", {"email": email})
    code = outbox.email_code(email)
    outbox.forget(email)
    token = call("otp login", {200}, "POST", "token/", {"email": email, "otp": code}).json()["token"]
    token = call("login", {200}, "POST", "token/", {"username": name, "password": PASSWORD}).json()["token"]
    for _ in range(5):
        token = call("refresh", {200}, "POST", "token/refresh/", {"token": token}).json()["token"]
        call("users/0", {200}, "GET", "users/0/", token=token)
    device = call("device add", {201}, "POST", "otp-devices/", {"type": "totp", "name": "phone"}, token=token).json()
    secret = secret_of(device["extra_data"]["url"])
    call("device confirm", {200}, "POST", f"otp-devices/{device['id']}/confirm/?type=totp", {"otp": totp(secret)},
         token=token)
    call("2fa on", {200}, "PATCH", "users/0/two-fa/", {"is_required": True}, token=token)
    call("2fa challenge", {401}, "POST", "token/", {"username": name, "password": PASSWORD})
    token = call("2fa login", {200}, "POST", "token/", {"username": name, "password": PASSWORD,
                                                        "otp": totp(secret, step_offset=1)}).json()["token"]
    call("2fa off", {200}, "PATCH", "users/0/two-fa/", {"is_required": False}, token=token)
    call("device delete", {204}, "DELETE", f"otp-devices/{device['id']}/?type=totp", token=token)
    outbox.forget(email)  # notices such as a new device's


def main(minutes, clients):
    harness.CHECK_SECRETS = False  # the e2e suite checks the logs; hours of tokens would not scan
    outbox = Outbox()
    server = otp_server(outbox, THROTTLE_ANON="off", THROTTLE_USER="off").start()
    stats = Stats()
    stop = threading.Event()
    try:
        def worker(index):
            c, n = Client(server), 0
            while not stop.is_set():
                n += 1
                life(c, outbox, stats, index, n)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        time.sleep(WARM_UP_SECONDS)
        rss_start = rss_kib(server.proc.pid)
        started = time.monotonic()
        with stats.lock:
            counted_from = sum(len(v) for v in stats.latencies.values())
        samples = [rss_kib(server.proc.pid)]
        end = started + max(0.0, minutes * 60 - WARM_UP_SECONDS)
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(60.0, left))
            samples.append(rss_kib(server.proc.pid))
        stop.set()
        for t in threads:
            t.join(30)
        elapsed = time.monotonic() - started
        rss_end = rss_kib(server.proc.pid)
    finally:
        server.stop()
        server.cleanup()
    total = sum(len(v) for v in stats.latencies.values())
    print(f"soak: {minutes} min, {clients} clients, {total} requests, "
          f"{(total - counted_from) / elapsed:.0f} req/s after the warm-up")
    for kind, values in sorted(stats.latencies.items()):
        values.sort()
        print(f"  {kind:15} {len(values):8} requests  p50 {values[len(values) // 2] * 1e3:7.2f} ms  "
              f"p99 {values[len(values) * 99 // 100] * 1e3:7.2f} ms")
    growth = (rss_end - rss_start) / rss_start * 100
    print(f"5xx: {stats.server_errors}; unexpected answers: {stats.unexpected or 'none'}")
    print(f"RSS: {rss_start} KiB after the {WARM_UP_SECONDS} s warm-up, {rss_end} KiB at the end ({growth:+.1f} %)")
    print("RSS each minute after the warm-up (KiB): " + " ".join(str(v) for v in samples))
    ok = stats.server_errors == 0 and not stats.unexpected and growth <= 10
    print("soak: PASS" if ok else "soak: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]), int(sys.argv[2])))
