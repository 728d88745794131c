#!/usr/bin/python3
"""Side-by-side benchmark of df-auth (interface.md §7, issue 6). Run through bench/run.

Starts df-auth (SQLite, sliding and pair profiles), the Django reference (djref) and a bare
Beast "hello" server (the floor), then measures them in alternating rounds with wrk on loopback,
and writes bench/results/latest.md and bench/results/latest.png. Standard library only.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.environ.get("PEER", os.path.join(ROOT, "..", "shared", "peers", "django"))
SECRET = "djref-dev-secret-key-not-for-production-0123456789"
LUA = os.path.join(ROOT, "bench", "lua")
USER, PASSWORD = "bench", "bench-password"
SIGNUP_PASSWORD = "Bench-signup-pass-1729"
OTP_CODE = "314159"
# OTP logins spend one code each: codes filed before each run, more than a run can spend
OTP_CODES_DFAUTH = int(os.environ.get("OTP_CODES", 150000))
OTP_CODES_DJANGO = int(os.environ.get("OTP_CODES_DJANGO", 20000))


# --- machine state ------------------------------------------------------------------------

def cpu_busy(seconds=1.0):
    def snap():
        with open("/proc/stat") as f:
            v = list(map(int, f.readline().split()[1:9]))
        return sum(v), v[3] + v[4]
    t1, i1 = snap()
    time.sleep(seconds)
    t2, i2 = snap()
    return 100.0 * ((t2 - t1) - (i2 - i1)) / max(1, t2 - t1)


IDLE_LIMIT = 10.0  # % busy; an idle machine of this kind reads 0-1 %
IDLE_PATIENCE = float(os.environ.get("IDLE_PATIENCE", 60))  # seconds to wait for it at most


def wait_idle(limit=IDLE_LIMIT, patience=None):
    """Waits until the machine is under `limit` % busy (the previous run's server, Django's
    workers above all, may still be finishing its queue); returns the last reading."""
    start = time.time()
    patience = IDLE_PATIENCE if patience is None else patience
    while True:
        busy = cpu_busy()
        if busy <= limit or time.time() - start > patience:
            return busy


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


# --- servers ------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def post_json(url, body, token=None):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


class DfAuth:
    def __init__(self, binary, workdir, name, env=None):
        self.binary, self.name = binary, name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.env = dict(os.environ)
        self.env.update({
            "DF_AUTH_SECRET_KEY": SECRET, "DF_AUTH_TOKEN_TYPE_CLAIM": "sliding",
            "DF_AUTH_THROTTLE_ANON": "off", "DF_AUTH_THROTTLE_USER": "off",
            "DF_AUTH_DATABASE_URL": f"sqlite://{self.dir}/db.sqlite3",
            "DF_AUTH_LISTEN": f"127.0.0.1:{self.port}",
        })
        self.env.update(env or {})
        self.proc = None

    @property
    def db(self):
        return f"{self.dir}/db.sqlite3"

    def cli(self, *args, stdin=None):
        return subprocess.run([self.binary, *args], cwd=self.dir, env=self.env, input=stdin,
                              capture_output=True, text=True, check=True)

    def start(self):
        self.cli("migrate")
        self.proc = subprocess.Popen([self.binary, "serve"], cwd=self.dir, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=open(f"{self.dir}/log", "w"))
        wait_http(f"http://127.0.0.1:{self.port}/health/ready")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}/api/v1/auth"


# --- bulk loading (a fast loader, not the API) ----------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(claims):
    head = b64url(b'{"alg":"HS256","typ":"JWT"}') + "." + b64url(json.dumps(claims, separators=(",", ":")).encode())
    return head + "." + b64url(hmac.new(SECRET.encode(), head.encode(), hashlib.sha256).digest())


def otp_codes_dfauth(db, count, secret=SECRET):
    """Files `count` users otp<n>@example.com with a confirmed email device holding the code
    OTP_CODE (hashed as otp/code.cpp HashCode does: HMAC-SHA256(secret, "<device id>|<code>"),
    hex), valid for an hour; returns the first n."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    now = int(time.time())
    first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM users").fetchone()[0]
    device = con.execute("SELECT coalesce(max(id), 0) + 1 FROM otp_devices").fetchone()[0]
    users, devices = [], []
    for i in range(count):
        n, d, email = first + i, device + i, f"otp{first + i}@example.com"
        users.append((n, f"otp{n}", email, email, now))
        code_hash = hmac.new(secret.encode(), f"{d}|{OTP_CODE}".encode(), hashlib.sha256).hexdigest()
        devices.append((d, n, email, email, code_hash, now + 3600, now))
    con.executemany("INSERT INTO users(id, username, email, email_ci, date_joined) VALUES(?, ?, ?, ?, ?)", users)
    con.executemany("INSERT INTO otp_devices(id, user_id, type, name, destination, confirmed, code_hash, valid_until, "
                    "created_at) VALUES(?, ?, 'email', ?, ?, 1, ?, ?, ?)", devices)
    con.commit()
    con.close()
    return first


def otp_codes_django(db, count):
    """The same for djref: users with a django-otp EmailDevice whose token is OTP_CODE
    (django-otp keeps it in clear); returns the first n."""
    con = sqlite3.connect(db, timeout=30)
    first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM djref_user").fetchone()[0]
    joined = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    until = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 3600))
    cols = {r[1] for r in con.execute("PRAGMA table_info(otp_email_emaildevice)")}
    con.executemany("INSERT INTO djref_user(id, password, is_superuser, username, first_name, last_name, email, "
                    "is_staff, is_active, date_joined) VALUES(?, '!', 0, ?, '', '', ?, 0, 1, ?)",
                    ((first + i, f"otp{first + i}", f"otp{first + i}@example.com", joined) for i in range(count)))
    extra = [c for c in ("throttling_failure_count",) if c in cols]
    con.executemany(f"INSERT INTO otp_email_emaildevice(name, confirmed, user_id, token, valid_until, email"
                    f"{''.join(', ' + c for c in extra)}) VALUES(?, 1, ?, ?, ?, ?{', 0' * len(extra)})",
                    ((f"otp{first + i}@example.com", first + i, OTP_CODE, until, f"otp{first + i}@example.com")
                     for i in range(count)))
    con.commit()
    con.close()
    return first


# --- wrk ----------------------------------------------------------------------------------

def wrk(url, script, env, conns, duration, threads=2):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}", "--timeout", "10s", "--latency",
                          "-s", script, url], env={**os.environ, **env}, capture_output=True, text=True).stdout

    def latency(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": latency(50), "p99": latency(99),
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "requests": int(total.group(1)) if total else 0}


# --- main ---------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build-release"))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("ROUNDS", 5)))
    ap.add_argument("--duration", default=os.environ.get("DURATION", "10s"))
    ap.add_argument("--conns", type=int, default=int(os.environ.get("CONNS", 64)))
    ap.add_argument("--login-conns", type=int, default=int(os.environ.get("LOGIN_CONNS", 16)))
    ap.add_argument("--scale", "--scale-users", dest="scale_users", type=int,
                    default=int(os.environ.get("SCALE_USERS", 1000000)),
                    help="users and live refresh families of the scale section (10000000: issue 17); 0: no scale section")
    ap.add_argument("--scale-only", action="store_true", help="the scale section alone")
    ap.add_argument("--skip-django", action="store_true")
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                    help="postgres: one and two replicas on PostgreSQL beside Django on PostgreSQL (bench_postgres.py)")
    args = ap.parse_args()
    binary = os.path.join(args.build, "df-auth")
    work = tempfile.mkdtemp(prefix="dfauth-bench-")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    if args.scale_only:
        import scale
        report_scale_only(scale.scale_test(binary, work, args.scale_users, args.conns), args)
        shutil.rmtree(work, ignore_errors=True)
        return
    if args.db == "postgres":
        import bench_postgres
        bench_postgres.run_postgres(args, binary, work)
        shutil.rmtree(work, ignore_errors=True)
        return
    started = []
    try:
        sliding = DfAuth(binary, work, "sliding", {"DF_AUTH_THROTTLE_OTP_SEND": "off"})
        sliding.cli("createsuperuser", "--username", USER, "--email", "bench@example.com", "--password-stdin", stdin=PASSWORD + "\n")
        sliding.start()
        started.append(sliding)
        idle_rss = rss_mb(sliding.proc.pid)
        pair = DfAuth(binary, work, "pair", {"DF_AUTH_JWT_PROFILE": "pair", "DF_AUTH_TOKEN_TYPE_CLAIM": "token_type"})
        pair.cli("createsuperuser", "--username", USER, "--password-stdin", stdin=PASSWORD + "\n")
        refresh_file = os.path.join(work, "refresh_tokens.txt")
        pair_user = sqlite3.connect(pair.db).execute("SELECT id FROM users WHERE username=?", (USER,)).fetchone()[0]
        pair.start()
        started.append(pair)
        hello_port = free_port()
        hello = subprocess.Popen([os.path.join(args.build, "hello_server"), str(hello_port)])
        started.append(hello)
        wait_http(f"http://127.0.0.1:{hello_port}/")
        servers = {"df-auth": sliding.base, "floor": f"http://127.0.0.1:{hello_port}"}
        if not args.skip_django:
            os.environ["DJREF_DATA_DIR"] = os.path.join(work, "djref")
            subprocess.run([os.path.join(PEER, "run.sh"), "-d"], check=True, capture_output=True)
            servers["django"] = "http://127.0.0.1:8001/api/v1/auth"
        token = {name: post_json(base + "/token/", {"username": USER, "password": PASSWORD})["token"]
                 for name, base in servers.items() if name != "floor"}

        otp_first = {}

        def job(endpoint, server):
            """(url, lua script, env, connections) for one measurement in round `rnd`."""
            base = servers.get(server)
            if endpoint == "pair refresh" and server == "df-auth":
                return pair.base + "/token/refresh/", f"{LUA}/refresh_pair.lua", {"TOKENS_FILE": refresh_file}, args.conns
            if server == "floor":
                return base + "/", f"{LUA}/get.lua", {}, args.conns
            if endpoint == "verify":
                return base + "/token/verify/", f"{PEER}/bench/post_json.lua", {"WRK_BODY": json.dumps({"token": token[server]})}, args.conns
            if endpoint == "users0":
                return base + "/users/0/", f"{PEER}/bench/get_bearer.lua", {"WRK_TOKEN": token[server]}, args.conns
            if endpoint == "refresh":
                return base + "/token/refresh/", f"{PEER}/bench/post_json.lua", {"WRK_BODY": json.dumps({"token": token[server]})}, args.conns
            if endpoint == "login":
                return base + "/token/", f"{PEER}/bench/post_json.lua", {"WRK_BODY": json.dumps({"username": USER, "password": PASSWORD})}, args.login_conns
            if endpoint == "otp":  # a new address each: an account and a device are created
                return base + "/otp/", f"{LUA}/numbered.lua", {"WRK_TEMPLATE": json.dumps({"email": f"new-r{rnd}-{{n}}@example.com"})}, args.conns
            if endpoint == "otp login":  # each request spends one pre-filled code (otp_codes_*)
                return base + "/token/", f"{LUA}/numbered.lua", {"WRK_TEMPLATE": json.dumps({"email": f"otp{{n}}@example.com", "otp": OTP_CODE}),
                                                                "WRK_FIRST": str(otp_first[server])}, args.conns
            if endpoint == "signup":
                return base + "/users/", f"{LUA}/numbered.lua", {"WRK_TEMPLATE": json.dumps({"username": f"signup-r{rnd}-{{n}}", "password": SIGNUP_PASSWORD})}, args.login_conns
            if endpoint == "health":
                return base.replace("/api/v1/auth", "") + "/health/live", f"{LUA}/get.lua", {}, args.conns
            raise ValueError(endpoint)

        # The floor runs beside every endpoint it is compared with, in the same round: this
        # machine's speed drifts over minutes, and a ratio must compare runs made side by side.
        plan = [("verify", ["df-auth", "django", "floor"]), ("users0", ["df-auth", "django", "floor"]),
                ("refresh", ["df-auth", "django", "floor"]), ("pair refresh", ["df-auth", "floor"]),
                ("login", ["df-auth", "django", "raw"]), ("signup", ["df-auth", "django", "raw"]),
                ("otp", ["df-auth", "django", "floor"]), ("otp login", ["df-auth", "django"]), ("health", ["df-auth", "floor"])]
        if os.environ.get("ENDPOINTS"):  # a subset, comma-separated (e.g. "otp login,signup")
            wanted = os.environ["ENDPOINTS"].split(",")
            plan = [p for p in plan if p[0] in wanted]
        results = {}
        busy_notes = []
        for rnd in range(args.rounds):
            for endpoint, names in plan:
                order = names if rnd % 2 == 0 else list(reversed(names))  # alternate
                for server in order:
                    if server not in servers and server != "raw":
                        continue
                    if server == "raw":  # the login's ceiling: Argon2id verifications/s on every core
                        if (busy := wait_idle()) > IDLE_LIMIT:
                            busy_notes.append(f"round {rnd + 1} {endpoint} raw: machine {busy:.0f}% busy before the run")
                        out = subprocess.run([os.path.join(args.build, "hash_rate"), str(seconds(args.duration))],
                                             capture_output=True, text=True, check=True).stdout
                        results.setdefault((endpoint, server), []).append({"rps": float(out.strip()), "p50": None, "p99": None})
                        print(f"round {rnd + 1} {endpoint:<13} {server:<8} {float(out):>10.1f} hashes/s", flush=True)
                        continue
                    if endpoint == "pair refresh" and server == "df-auth":  # fresh single-use tokens
                        import scale as scale_mod  # sessionless, as the earlier runs' tokens
                        scale_mod.add_refresh_families(pair.db, [pair_user] * int(os.environ.get("PAIR_TOKENS", 600000)),
                                                       refresh_file, int(time.time()), sessions=False)
                    if endpoint == "otp login":  # fresh single-use codes
                        otp_first[server] = (otp_codes_dfauth(sliding.db, OTP_CODES_DFAUTH) if server == "df-auth"
                                             else otp_codes_django(os.path.join(work, "djref", "db.sqlite3"), OTP_CODES_DJANGO))
                    url, script, env, conns = job(endpoint, server)
                    busy = wait_idle()
                    if busy > IDLE_LIMIT:
                        busy_notes.append(f"round {rnd + 1} {endpoint} {server}: machine {busy:.0f}% busy before the run")
                    r = wrk(url, script, env, conns, args.duration)
                    results.setdefault((endpoint, server), []).append(r)
                    print(f"round {rnd + 1} {endpoint:<13} {server:<8} {r['rps']:>10.0f} req/s  p50 {r['p50']} ms  p99 {r['p99']} ms  non-2xx {r['non2xx']}", flush=True)
        rss_after = rss_mb(sliding.proc.pid)
        requests_served = sum(r["requests"] for (e, s), rs in results.items() if s == "df-auth" and e != "pair refresh" for r in rs)

        # 10,000 idle keep-alive connections
        conns = []
        for _ in range(10000):
            s = socket.create_connection(("127.0.0.1", sliding.port))
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: bench\r\n\r\n")
            conns.append(s)
        for s in conns:
            s.recv(4096)
        time.sleep(1)
        rss_10k = rss_mb(sliding.proc.pid)
        for s in conns:
            s.close()

        slow_smtp = slow_smtp_test(binary, work)
        scale_out = None
        if args.scale_users:
            import scale as scale_mod
            try:  # a failed fill (a full disk at 10M) must not lose the rest of the run's report
                scale_out = scale_mod.scale_test(binary, work, args.scale_users, args.conns)
            except Exception as e:
                print(f"scale section failed: {e!r}", flush=True)
                busy_notes.append(f"the scale section failed: {e!r}")
    finally:
        for s in started:
            (s.stop() if isinstance(s, DfAuth) else (s.terminate(), s.wait()))
        if not args.skip_django:
            subprocess.run([os.path.join(PEER, "run.sh"), "stop"], capture_output=True)
    report(results, idle_rss, rss_after, requests_served, rss_10k, scale_out, slow_smtp, busy_notes, args)
    shutil.rmtree(work, ignore_errors=True)


def slow_smtp_test(binary, work, count=300):
    """POST otp/ (a new address each time, one keep-alive connection, sequential) while the SMTP
    server takes 1 s to accept each message: the request must not wait for delivery."""
    import http.client
    sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
    from fakes_delivery import FakeSmtp
    smtp = FakeSmtp(delay=1.0).start()
    s = DfAuth(binary, work, "slowsmtp", {
        "DF_AUTH_EMAIL_BACKEND": "smtp", "DF_AUTH_EMAIL_HOST": "127.0.0.1", "DF_AUTH_EMAIL_PORT": str(smtp.port),
        "DF_AUTH_DEFAULT_FROM_EMAIL": "bench@example.com", "DF_AUTH_THROTTLE_OTP_SEND": "off"})
    try:
        s.start()
        wait_idle()
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        times = []
        for i in range(count):
            body = json.dumps({"email": f"slow{i}@example.com"})
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/auth/otp/", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            times.append((time.perf_counter() - t0) * 1000)
            if r.status != 200:
                raise RuntimeError(f"otp/ answered {r.status}")
        conn.close()
        times.sort()
        out = {"p50": times[len(times) // 2], "p99": times[int(len(times) * 0.99) - 1], "max": times[-1],
               "count": count}
        print(f"otp/ with a 1 s SMTP server: p50 {out['p50']:.2f} ms, p99 {out['p99']:.2f} ms, max {out['max']:.2f} ms", flush=True)
        return out
    finally:
        s.stop()
        smtp.close()


def seconds(duration):
    """wrk's duration ("10s", "1m") in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    return float(duration[:-1]) * units[duration[-1]] if duration[-1] in units else float(duration)


def paired_ratio(results, endpoint, other):
    """Median over rounds of df-auth's req/s over `other`'s, each pair measured side by side in
    one round (the rounds are the lists' positions); None when `other` did not run."""
    ours, theirs = results.get((endpoint, "df-auth")), results.get((endpoint, other))
    if not ours or not theirs or len(ours) != len(theirs):
        return None
    return statistics.median(a["rps"] / b["rps"] for a, b in zip(ours, theirs) if b["rps"] > 0)


def report(results, idle_rss, rss_after, served, rss_10k, scale_out, slow_smtp, busy_notes, args):
    med = {k: statistics.median(r["rps"] for r in v) for k, v in results.items()}
    p50 = {k: statistics.median(r["p50"] or 0 for r in v) for k, v in results.items()}
    p99 = {k: statistics.median(r["p99"] or 0 for r in v) for k, v in results.items()}
    non2xx = {k: sum(r.get("non2xx", 0) for r in v) for k, v in results.items()}
    lines = [f"# df-auth benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"{os.cpu_count()} cores; wrk -t2 -c{args.conns} -d{args.duration} (logins and sign-ups -c{args.login_conns}), "
             f"{args.rounds} alternating rounds, median req/s; request-rate throttles off; HS256, SQLite.",
             "The floor (a bare Beast hello server) runs beside each endpoint in every round. Each ratio is "
             "the median over the rounds of df-auth's req/s over the other server's in the same round.", "",
             "| endpoint | df-auth req/s | p50 ms | p99 ms | Django req/s | × Django | floor req/s | % of floor |",
             "|---|---|---|---|---|---|---|---|"]
    chart = []
    for e, label in NAMES.items():
        k = (e, "df-auth")
        if k not in med:
            continue
        dj, floor = med.get((e, "django")), med.get((e, "floor"))
        to_django, to_floor = paired_ratio(results, e, "django"), paired_ratio(results, e, "floor")
        cells = [label, f"{med[k]:.0f}", f"{p50[k]:.2f}", f"{p99[k]:.2f}",
                 f"{dj:.0f}" if dj else "–", f"{to_django:.1f}×" if to_django else "–",
                 f"{floor:.0f}" if floor else "–", f"{100 * to_floor:.0f} %" if to_floor else "–"]
        lines.append("| " + " | ".join(cells) + " |")
        chart.append((label, med[k], dj or 0))
    lines += ["", "POST otp/: a new address each request (an account and an email device are created, the "
              "message queued; console backend). OTP token/: each request spends one code filed "
              "beforehand (email + otp, a confirmed email device; djref: a django-otp EmailDevice). "
              "Sign-up: POST users/ with a new username and a password each request. Django has no pair profile."]
    for e, what in (("login", "logins"), ("signup", "sign-ups")):
        if (e, "df-auth") in med and (e, "raw") in med:
            lines += ["", f"Raw Argon2id verifications/s on all cores (m=19456 KiB, t=2), measured beside the {what} in "
                      f"every round: median {med[(e, 'raw')]:.1f}; df-auth {what}/s: median {med[(e, 'df-auth')]:.1f}; "
                      f"{what} ÷ raw, paired: {100 * (paired_ratio(results, e, 'raw') or 0):.0f} % (target ≥ 90 %)."]
    bad = {k: v for k, v in non2xx.items() if v}
    if bad:
        lines += ["", "Non-2xx answers: " + ", ".join(f"{e} {s}: {v}" for (e, s), v in bad.items())]
    lines += ["", f"Memory (RSS): idle {idle_rss:.1f} MB; after {served:,} requests {rss_after:.1f} MB; "
              f"with 10,000 idle keep-alive connections {rss_10k:.1f} MB.", "",
              f"POST otp/ while the SMTP server takes 1 s per message ({slow_smtp['count']} sequential requests, "
              f"a new address each, one keep-alive connection, Python client): p50 {slow_smtp['p50']:.2f} ms, "
              f"p99 {slow_smtp['p99']:.2f} ms, max {slow_smtp['max']:.2f} ms (target: p99 < 5 ms).", ""]
    if scale_out:
        import scale
        lines += scale.report_lines(scale_out)
    if busy_notes:
        lines += ["", f"Busy machine (over {IDLE_LIMIT:.0f} % after waiting up to {IDLE_PATIENCE:.0f} s) before:"]
        lines += [f"- {n}" for n in busy_notes]
    write_report(lines, chart, scale_out)


NAMES = {"verify": "POST token/verify/", "users0": "GET users/0/", "refresh": "POST token/refresh/ (sliding)",
         "pair refresh": "POST token/refresh/ (pair)", "login": "POST token/ (password)",
         "signup": "POST users/ (sign-up)", "otp": "POST otp/ (email, new address each)",
         "otp login": "POST token/ (email + OTP)", "health": "GET /health/live"}


def report_scale_only(scale_out, args):
    import scale
    write_report([f"# df-auth scale benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
                  "`bench/run --scale-only`: the scale section alone.", ""] + scale.report_lines(scale_out),
                 [], scale_out, name="scale-latest")


def write_report(lines, chart, scale_out, name="latest"):
    """bench/results/<name>.md and, with gnuplot, <name>.png: req/s of df-auth and Django per
    endpoint (log scale: logins and API reads differ by three orders), and the scale section's
    req/s at both sizes."""
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    md = os.path.join(ROOT, "bench", "results", f"{name}.md")
    with open(md, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    if not shutil.which("gnuplot"):
        return
    data = os.path.join(ROOT, "bench", "results", f"{name}.dat")
    sdata = os.path.join(ROOT, "bench", "results", f"{name}-scale.dat")
    with open(data, "w") as f:
        for label, a, b in chart:
            f.write(f"\"{label}\" {a:.0f} {b if b else 'NaN'}\n")
    plots = []
    if chart:
        plots.append(f"set title 'df-auth vs Django reference (median req/s, log scale; no bar: Django lacks the route)'; "
                     f"plot '{data}' using 2:xtic(1) title 'df-auth', '' using 3 title 'Django';")
    if scale_out:
        small, big = min(scale_out), max(scale_out)
        with open(sdata, "w") as f:
            for k, label in (("login", "login (cheap Argon2id)"), ("users0", "GET users/0/"),
                             ("pair refresh", "pair refresh"), ("otp", "POST otp/ (new address)")):
                f.write(f"\"{label}\" {scale_out[small]['runs'][k]['rps']:.0f} {scale_out[big]['runs'][k]['rps']:.0f}\n")
        plots.append(f"set title 'df-auth with {small:,} and {big:,} users + live refresh families (median req/s)'; "
                     f"plot '{sdata}' using 2:xtic(1) title '{small:,} rows', '' using 3 title '{big:,} rows';")
    png = os.path.join(ROOT, "bench", "results", f"{name}.png")
    subprocess.run(["gnuplot", "-e", f"""
set terminal png size 1100,{420 * len(plots)}; set output '{png}';
set multiplot layout {len(plots)},1;
set style data histograms; set style histogram clustered gap 1; set style fill solid border -1;
set ylabel 'req/s'; set logscale y; set yrange [1:*]; set xtics rotate by -15 font ',9'; set key top right;
{' '.join(plots)}
unset multiplot"""], check=False)
    for path in (data, sdata):
        if os.path.exists(path):
            os.remove(path)


if __name__ == "__main__":
    main()
