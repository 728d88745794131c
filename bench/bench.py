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
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.environ.get("PEER", os.path.join(ROOT, "..", "shared", "peers", "django"))
SECRET = "djref-dev-secret-key-not-for-production-0123456789"
LUA = os.path.join(ROOT, "bench", "lua")
USER, PASSWORD = "bench", "bench-password"


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


def wait_idle(limit=IDLE_LIMIT, patience=60.0):
    """Waits until the machine is under `limit` % busy (the previous run's server, Django's
    workers above all, may still be finishing its queue); returns the last reading."""
    start = time.time()
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


def bulk_users(db, count, password_hash):
    """Inserts `count` users user0..user{count-1} with one precomputed hash."""
    con = sqlite3.connect(db)
    now = int(time.time())
    con.execute("PRAGMA synchronous=OFF")
    rows = ((f"user{i}", f"user{i}@example.com", f"user{i}@example.com", password_hash, now)
            for i in range(count))
    con.executemany("INSERT INTO users(username, email, email_ci, password, date_joined) VALUES(?,?,?,?,?)", rows)
    con.commit()
    con.close()


def bulk_refresh_tokens(db, user_id, count, path):
    """Issues `count` single-use refresh tokens (pair profile) straight into the store and a
    file that the wrk script spends one by one: a refresh token works once."""
    con = sqlite3.connect(db)
    now = int(time.time())
    fams, rows, tokens = [], [], []
    for _ in range(count):
        family = uuid.uuid4().hex[:16]
        jti = family + uuid.uuid4().hex[:16]
        fams.append((family, user_id))
        rows.append((jti, family, user_id, uuid.uuid4().hex, now, now + 86400))
        tokens.append(hs256({"token_type": "refresh", "exp": now + 86400, "iat": now, "jti": jti, "user_id": user_id}))
    con.executemany("INSERT INTO token_families(family, user_id) VALUES(?,?)", fams)
    con.executemany("INSERT INTO refresh_tokens(jti, family, user_id, access_jti, issued_at, expires_at) VALUES(?,?,?,?,?,?)", rows)
    con.commit()
    con.close()
    with open(path, "w") as f:
        f.write("\n".join(tokens) + "\n")


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
    ap.add_argument("--scale-users", type=int, default=int(os.environ.get("SCALE_USERS", 1000000)))
    ap.add_argument("--skip-django", action="store_true")
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                    help="postgres: one and two replicas on PostgreSQL beside Django on PostgreSQL (bench_postgres.py)")
    args = ap.parse_args()
    binary = os.path.join(args.build, "df-auth")
    work = tempfile.mkdtemp(prefix="dfauth-bench-")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
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
            subprocess.run([os.path.join(PEER, "run.sh"), "-d"], check=True, capture_output=True)
            servers["django"] = "http://127.0.0.1:8001/api/v1/auth"
        token = {name: post_json(base + "/token/", {"username": USER, "password": PASSWORD})["token"]
                 for name, base in servers.items() if name != "floor"}

        def job(endpoint, server):
            """(url, lua script, env, connections) for one measurement."""
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
            if endpoint == "otp":
                return base + "/otp/", f"{PEER}/bench/post_json.lua", {"WRK_BODY": json.dumps({"email": "bench@example.com"})}, args.conns
            if endpoint == "health":
                return base.replace("/api/v1/auth", "") + "/health/live", f"{LUA}/get.lua", {}, args.conns
            raise ValueError(endpoint)

        # The floor runs beside every endpoint it is compared with, in the same round: this
        # machine's speed drifts over minutes, and a ratio must compare runs made side by side.
        plan = [("verify", ["df-auth", "django", "floor"]), ("users0", ["df-auth", "django", "floor"]),
                ("refresh", ["df-auth", "django", "floor"]), ("pair refresh", ["df-auth", "floor"]),
                ("login", ["df-auth", "django", "raw"]), ("otp", ["df-auth", "floor"]), ("health", ["df-auth", "floor"])]
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
                            busy_notes.append(f"round {rnd + 1} login raw: machine {busy:.0f}% busy before the run")
                        out = subprocess.run([os.path.join(args.build, "hash_rate"), str(seconds(args.duration))],
                                             capture_output=True, text=True, check=True).stdout
                        results.setdefault((endpoint, server), []).append({"rps": float(out.strip()), "p50": None, "p99": None})
                        print(f"round {rnd + 1} {endpoint:<13} {server:<8} {float(out):>10.1f} hashes/s", flush=True)
                        continue
                    url, script, env, conns = job(endpoint, server)
                    if endpoint == "pair refresh" and server == "df-auth":  # fresh single-use tokens
                        bulk_refresh_tokens(pair.db, pair_user, int(os.environ.get("PAIR_TOKENS", 600000)), refresh_file)
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
        scale = scale_test(binary, work, args.scale_users)
    finally:
        for s in started:
            (s.stop() if isinstance(s, DfAuth) else (s.terminate(), s.wait()))
        if not args.skip_django:
            subprocess.run([os.path.join(PEER, "run.sh"), "stop"], capture_output=True)
    report(results, idle_rss, rss_after, requests_served, rss_10k, scale, slow_smtp, busy_notes, args)
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


def scale_test(binary, work, big, rounds=3):
    """p50/p99 of password login (cheap Argon2id) and GET users/0/ with 1,000 and `big` users:
    both servers run at once and are measured in alternating rounds (medians), so that the
    machine's drift does not land on one size only."""
    cheap = {"DF_AUTH_ARGON2_MEMORY_KIB": "64", "DF_AUTH_ARGON2_TIME_COST": "1"}
    servers, load_s, tokens, logins = {}, {}, {}, {}
    try:
        for n in (1000, big):
            s = DfAuth(binary, work, f"scale{n}", cheap)
            s.cli("migrate")
            s.cli("createsuperuser", "--username", USER, "--password-stdin", stdin=PASSWORD + "\n")
            h = sqlite3.connect(s.db).execute("SELECT password FROM users WHERE username=?", (USER,)).fetchone()[0]
            t0 = time.time()
            bulk_users(s.db, n, h)
            load_s[n] = time.time() - t0
            s.start()
            servers[n] = s
            logins[n] = {"username": f"user{n // 2}", "password": PASSWORD}
            tokens[n] = post_json(s.base + "/token/", logins[n])["token"]
        runs = {n: {"login": [], "users0": []} for n in servers}
        for rnd in range(rounds):
            for n in (list(servers) if rnd % 2 == 0 else list(reversed(servers))):
                s = servers[n]
                wait_idle()
                runs[n]["login"].append(wrk(s.base + "/token/", f"{PEER}/bench/post_json.lua",
                                            {"WRK_BODY": json.dumps(logins[n])}, 8, "5s"))
                wait_idle()
                runs[n]["users0"].append(wrk(s.base + "/users/0/", f"{PEER}/bench/get_bearer.lua",
                                             {"WRK_TOKEN": tokens[n]}, 8, "5s"))
    finally:
        for s in servers.values():
            s.stop()
    out = {}
    for n, r in runs.items():
        med = {k: {q: statistics.median(x[q] for x in v) for q in ("p50", "p99")} for k, v in r.items()}
        out[n] = {**med, "load_s": load_s[n], "rounds": rounds}
        print(f"scale {n:>8} users: login p50 {med['login']['p50']:.3f} p99 {med['login']['p99']:.3f} ms; "
              f"users/0 p50 {med['users0']['p50']:.3f} p99 {med['users0']['p99']:.3f} ms "
              f"(medians of {rounds}; loaded in {load_s[n]:.1f} s)", flush=True)
    return out


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


def report(results, idle_rss, rss_after, served, rss_10k, scale, slow_smtp, busy_notes, args):
    med = {k: statistics.median(r["rps"] for r in v) for k, v in results.items()}
    p50 = {k: statistics.median(r["p50"] or 0 for r in v) for k, v in results.items()}
    p99 = {k: statistics.median(r["p99"] or 0 for r in v) for k, v in results.items()}
    lines = [f"# df-auth benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"{os.cpu_count()} cores; wrk -t2 -c{args.conns} -d{args.duration} (logins -c{args.login_conns}), "
             f"{args.rounds} alternating rounds, median req/s; request-rate throttles off; HS256, SQLite.",
             "The floor (a bare Beast hello server) runs beside each endpoint in every round. Each ratio is "
             "the median over the rounds of df-auth's req/s over the other server's in the same round.", "",
             "| endpoint | df-auth req/s | p50 ms | p99 ms | Django req/s | × Django | floor req/s | % of floor |",
             "|---|---|---|---|---|---|---|---|"]
    names = {"verify": "POST token/verify/", "users0": "GET users/0/", "refresh": "POST token/refresh/ (sliding)",
             "pair refresh": "POST token/refresh/ (pair)", "login": "POST token/ (password)", "otp": "POST otp/ (email, console)",
             "health": "GET /health/live"}
    chart = []
    for e, label in names.items():
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
    login, raw = med.get(("login", "df-auth"), 0), med.get(("login", "raw"), 0)
    to_raw = paired_ratio(results, "login", "raw") or 0
    lines += ["", f"Raw Argon2id verifications/s on all cores (m=19456 KiB, t=2), measured beside the logins in "
              f"every round: median {raw:.1f}; df-auth logins/s: median {login:.1f}; logins ÷ raw, paired: "
              f"{100 * to_raw:.0f} % (target ≥ 90 %).", "",
              f"Memory (RSS): idle {idle_rss:.1f} MB; after {served:,} requests {rss_after:.1f} MB; "
              f"with 10,000 idle keep-alive connections {rss_10k:.1f} MB.", "",
              f"POST otp/ while the SMTP server takes 1 s per message ({slow_smtp['count']} sequential requests, "
              f"a new address each, one keep-alive connection, Python client): p50 {slow_smtp['p50']:.2f} ms, "
              f"p99 {slow_smtp['p99']:.2f} ms, max {slow_smtp['max']:.2f} ms (target: p99 < 5 ms).", ""]
    if scale:
        lines += ["| users | login p50 / p99 ms | GET users/0/ p50 / p99 ms | bulk load s |", "|---|---|---|---|"]
        for n, v in scale.items():
            lines.append(f"| {n:,} | {v['login']['p50']:.3f} / {v['login']['p99']:.3f} | "
                         f"{v['users0']['p50']:.3f} / {v['users0']['p99']:.3f} | {v['load_s']:.1f} |")
        small, large = min(scale), max(scale)
        lines += ["", "p50 at {:,} users ÷ p50 at {:,} (target ≤ 1.5): login {:.2f}, users/0 {:.2f} "
                  "(both sizes served at once, measured in {} alternating rounds, medians).".format(
                      large, small, scale[large]["login"]["p50"] / scale[small]["login"]["p50"],
                      scale[large]["users0"]["p50"] / scale[small]["users0"]["p50"], scale[small]["rounds"])]
    if busy_notes:
        lines += ["", "Busy machine during:"] + [f"- {n}" for n in busy_notes]
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    md = os.path.join(ROOT, "bench", "results", "latest.md")
    with open(md, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    data = os.path.join(ROOT, "bench", "results", "latest.dat")
    with open(data, "w") as f:
        for label, a, b in chart:
            f.write(f"\"{label}\" {a:.0f} {b:.0f}\n")
    if shutil.which("gnuplot"):
        png = os.path.join(ROOT, "bench", "results", "latest.png")
        subprocess.run(["gnuplot", "-e", f"""
set terminal png size 1000,500; set output '{png}';
set style data histograms; set style histogram clustered gap 1; set style fill solid border -1;
set ylabel 'req/s'; set xtics rotate by -20; set key top right; set title 'df-auth vs Django reference (median req/s)';
plot '{data}' using 2:xtic(1) title 'df-auth', '' using 3 title 'Django'"""], check=False)
    os.remove(data)


if __name__ == "__main__":
    main()
