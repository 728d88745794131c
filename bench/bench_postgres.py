"""`bench/run --db postgres` (issue 12, item 6): df-auth on PostgreSQL with one and with two
replicas, beside the Django reference on the same PostgreSQL (DJREF_DB=postgres), in one run.

Both servers use Debian's cluster 15/main on 127.0.0.1:5432 (djref's run.sh starts it and makes
its role and database; this script adds a role and two databases for df-auth). Two replicas are
measured with two wrk processes at once, one per replica, each with half the connections, and
their rates summed. Beside every run the CPU seconds of df-auth, PostgreSQL and wrk are read from
/proc, and the database's commits and written rows from pg_stat_database, per request: the
figures docs/scaling.md is built from. Writes bench/results/postgres-latest.md.
"""
import os
import statistics
import subprocess
import threading
import time
import uuid

import bench
from bench import LUA, PASSWORD, PEER, USER, DfAuth, hs256, post_json, wait_idle, wrk

PG_ROLE, PG_PASSWORD = "dfauth_bench", "dfauth-bench-password"
DATABASES = ("dfauth_bench_sliding", "dfauth_bench_pair")
PG_URL = "postgresql://{role}:{password}@127.0.0.1:5432/{db}"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def psql(sql, db="postgres"):
    return subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-qAtX", "-d", db, "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def prepare_cluster():
    subprocess.run(["pg_ctlcluster", "15", "main", "start"], capture_output=True)
    subprocess.run(["pg_ctlcluster", "15", "main", "status"], check=True, capture_output=True)
    if psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{PG_ROLE}'") != "1":
        psql(f"CREATE ROLE {PG_ROLE} LOGIN PASSWORD '{PG_PASSWORD}'")
    for db in DATABASES:
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        psql(f"CREATE DATABASE {db} OWNER {PG_ROLE}")


def url_of(db):
    return PG_URL.format(role=PG_ROLE, password=PG_PASSWORD, db=db)


# --- CPU and database counters --------------------------------------------------------------

def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / CLK_TCK


def postgres_pids():
    out = subprocess.run(["pgrep", "-u", "postgres", "-f", "postgres"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def db_counters(db):
    row = psql(f"SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
               f"WHERE datname = '{db}'")
    commits, written = row.split("|")
    return int(commits), int(written)


def machine_busy_during(seconds, out):
    out.append(bench.cpu_busy(seconds))


# --- measurement ----------------------------------------------------------------------------

def measure(jobs, duration, db, replicas_pids):
    """Runs the wrk jobs [(url, script, env, conns, wrk_pid_box)] at once; returns summed req/s,
    the worst p50/p99, and per-request CPU and database figures."""
    wait_idle()
    pg_before, ours_before = cpu_seconds(postgres_pids()), cpu_seconds(replicas_pids)
    commits_before, written_before = db_counters(db) if db else (0, 0)
    results, threads, busy = [None] * len(jobs), [], []
    started = time.time()
    for i, (url, script, env, conns) in enumerate(jobs):
        def run(i=i, url=url, script=script, env=env, conns=conns):
            results[i] = wrk(url, script, env, conns, duration, threads=1 if len(jobs) > 1 else 2)
        threads.append(threading.Thread(target=run))
    busy_thread = threading.Thread(target=machine_busy_during, args=(bench.seconds(duration) - 1, busy))
    for t in threads + [busy_thread]:
        t.start()
    for t in threads + [busy_thread]:
        t.join()
    elapsed = time.time() - started
    requests = sum(r["requests"] for r in results) or 1
    commits_after, written_after = db_counters(db) if db else (0, 0)
    return {
        "rps": sum(r["rps"] for r in results),
        "p50": max(r["p50"] or 0 for r in results), "p99": max(r["p99"] or 0 for r in results),
        "non2xx": sum(r["non2xx"] for r in results), "requests": requests,
        "ours_cpu_us": 1e6 * (cpu_seconds(replicas_pids) - ours_before) / requests,
        "pg_cpu_us": 1e6 * (cpu_seconds(postgres_pids()) - pg_before) / requests,
        "commits": (commits_after - commits_before) / requests,
        "rows_written": (written_after - written_before) / requests,
        "busy": busy[0] if busy else None, "elapsed": elapsed,
    }


def bulk_refresh_tokens(db, user_id, count, paths):
    """`count` single-use refresh tokens (pair profile) per file in `paths`, inserted with COPY."""
    now = int(time.time())
    families, tokens_rows = [], []
    for path in paths:
        tokens = []
        for _ in range(count):
            family = uuid.uuid4().hex[:16]
            jti = family + uuid.uuid4().hex[:16]
            families.append(f"{family}\t{user_id}")
            tokens_rows.append(f"{jti}\t{family}\t{user_id}\t{uuid.uuid4().hex}\t{now}\t{now + 86400}")
            tokens.append(hs256({"token_type": "refresh", "exp": now + 86400, "iat": now, "jti": jti,
                                 "user_id": user_id}))
        with open(path, "w") as f:
            f.write("\n".join(tokens) + "\n")
    for table, columns, rows in (("token_families", "family, user_id", families),
                                 ("refresh_tokens", "jti, family, user_id, access_jti, issued_at, expires_at",
                                  tokens_rows)):
        subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-qAtX", "-d", db, "-c",
                        f"COPY {table}({columns}) FROM STDIN"], input="\n".join(rows) + "\n",
                       check=True, capture_output=True, text=True)


def run_postgres(args, binary, work):
    prepare_cluster()
    env_sliding = {"DF_AUTH_DATABASE_URL": url_of("dfauth_bench_sliding"), "DF_AUTH_THROTTLE_OTP_SEND": "off"}
    env_pair = {"DF_AUTH_DATABASE_URL": url_of("dfauth_bench_pair"), "DF_AUTH_JWT_PROFILE": "pair",
                "DF_AUTH_TOKEN_TYPE_CLAIM": "token_type"}
    started = []
    try:
        a = DfAuth(binary, work, "pg-sliding-a", env_sliding)
        a.cli("createsuperuser", "--username", USER, "--email", "bench@example.com", "--password-stdin",
              stdin=PASSWORD + "\n")
        started.append(a.start())
        b = DfAuth(binary, work, "pg-sliding-b", env_sliding)
        started.append(b.start())
        pa = DfAuth(binary, work, "pg-pair-a", env_pair)
        pa.cli("createsuperuser", "--username", USER, "--password-stdin", stdin=PASSWORD + "\n")
        started.append(pa.start())
        pb = DfAuth(binary, work, "pg-pair-b", env_pair)
        started.append(pb.start())
        pair_user = int(psql(f"SELECT id FROM users WHERE username = '{USER}'", "dfauth_bench_pair"))
        django = None
        if not args.skip_django:
            subprocess.run([os.path.join(PEER, "run.sh"), "-d"], check=True, capture_output=True,
                           env={**os.environ, "DJREF_DB": "postgres"})
            django = "http://127.0.0.1:8001/api/v1/auth"
        token = post_json(a.base + "/token/", {"username": USER, "password": PASSWORD})["token"]
        dj_token = post_json(django + "/token/", {"username": USER, "password": PASSWORD})["token"] if django else None

        def spec(endpoint, base, tok, conns, tokens_file=None):
            if endpoint == "verify":
                return base + "/token/verify/", f"{PEER}/bench/post_json.lua", {"WRK_BODY": f'{{"token":"{tok}"}}'}, conns
            if endpoint == "users0":
                return base + "/users/0/", f"{PEER}/bench/get_bearer.lua", {"WRK_TOKEN": tok}, conns
            if endpoint == "refresh":
                return base + "/token/refresh/", f"{PEER}/bench/post_json.lua", {"WRK_BODY": f'{{"token":"{tok}"}}'}, conns
            if endpoint == "pair refresh":
                return base + "/token/refresh/", f"{LUA}/refresh_pair.lua", {"TOKENS_FILE": tokens_file}, conns
            if endpoint == "login":
                body = f'{{"username":"{USER}","password":"{PASSWORD}"}}'
                return base + "/token/", f"{PEER}/bench/post_json.lua", {"WRK_BODY": body}, conns
            if endpoint == "otp":
                return base + "/otp/", f"{PEER}/bench/post_json.lua", {"WRK_BODY": '{"email":"bench@example.com"}'}, conns
            raise ValueError(endpoint)

        plan = ["users0", "verify", "refresh", "pair refresh", "login", "otp"]
        results = {}
        files = [os.path.join(work, f"pg-refresh-{i}.txt") for i in range(3)]
        for rnd in range(args.rounds):
            for endpoint in plan:
                conns = args.login_conns if endpoint == "login" else args.conns
                pair = endpoint == "pair refresh"
                one_a, two = (pa, [pa, pb]) if pair else (a, [a, b])
                db = "dfauth_bench_pair" if pair else "dfauth_bench_sliding"
                if pair:
                    bulk_refresh_tokens(db, pair_user, int(os.environ.get("PAIR_TOKENS", 300000)), files)
                runs = [("df-auth ×1", [spec(endpoint, one_a.base, token, conns, files[0])], db, [one_a.proc.pid]),
                        ("df-auth ×2", [spec(endpoint, s.base, token, conns // 2, files[1 + i]) for i, s in enumerate(two)],
                         db, [s.proc.pid for s in two])]
                if django and not pair and endpoint != "otp":
                    runs.append(("Django", [spec(endpoint, django, dj_token, conns)], None, []))
                if rnd % 2:
                    runs.reverse()
                for name, jobs, database, pids in runs:
                    r = measure(jobs, args.duration, database, pids)
                    results.setdefault((endpoint, name), []).append(r)
                    print(f"round {rnd + 1} {endpoint:<13} {name:<11} {r['rps']:>9.0f} req/s  p99 {r['p99']} ms  "
                          f"non-2xx {r['non2xx']}  machine {r['busy']:.0f} % busy", flush=True)
    finally:
        for s in started:
            s.stop()
        if not args.skip_django:
            subprocess.run([os.path.join(PEER, "run.sh"), "stop"], capture_output=True)
    report(results, args)


def report(results, args):
    med = lambda key, field: statistics.median(r[field] for r in results[key])
    names = {"users0": "GET users/0/", "verify": "POST token/verify/", "refresh": "POST token/refresh/ (sliding)",
             "pair refresh": "POST token/refresh/ (pair)", "login": "POST token/ (password)",
             "otp": "POST otp/ (email, console)"}
    lines = [f"# df-auth on PostgreSQL ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"{os.cpu_count()} cores, everything on this machine: PostgreSQL 15 (Debian cluster 15/main, default "
             f"settings), the servers and wrk. wrk -c{args.conns} (logins -c{args.login_conns}), {args.duration}, "
             f"{args.rounds} alternating rounds, medians. ×2: two replicas on one database, one wrk each with half "
             "the connections, rates summed. CPU µs per request: df-auth's processes and all PostgreSQL "
             "processes, from /proc; commits and rows written per request from pg_stat_database.", "",
             "| endpoint | ×1 req/s | p99 ms | ×2 req/s | ×2 ÷ ×1 | Django req/s | ×1 ÷ Django | df-auth CPU µs/req "
             "| PostgreSQL CPU µs/req | commits/req | rows written/req | machine busy ×1 / ×2 |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for e, label in names.items():
        one, two, dj = (e, "df-auth ×1"), (e, "df-auth ×2"), (e, "Django")
        if one not in results:
            continue
        paired_two = statistics.median(x["rps"] / y["rps"] for x, y in zip(results[two], results[one]) if y["rps"])
        paired_dj = (statistics.median(x["rps"] / y["rps"] for x, y in zip(results[one], results[dj]) if y["rps"])
                     if dj in results else None)
        lines.append("| " + " | ".join([
            label, f"{med(one, 'rps'):.0f}", f"{med(one, 'p99'):.2f}", f"{med(two, 'rps'):.0f}", f"{paired_two:.2f}",
            f"{med(dj, 'rps'):.0f}" if dj in results else "–", f"{paired_dj:.1f}×" if paired_dj else "–",
            f"{med(one, 'ours_cpu_us'):.0f}", f"{med(one, 'pg_cpu_us'):.0f}", f"{med(one, 'commits'):.2f}",
            f"{med(one, 'rows_written'):.2f}", f"{med(one, 'busy'):.0f} % / {med(two, 'busy'):.0f} %"]) + " |")
    lines += ["", "With every process on 2 cores, a second replica can only add throughput where one replica "
              "leaves the cores idle; when the machine is ~100 % busy under ×1, the ratio ×2 ÷ ×1 measures the "
              "machine, not the design (the load generator and PostgreSQL share the same cores)."]
    path = os.path.join(bench.ROOT, "bench", "results", "postgres-latest.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
