"""The scale section of bench/run (issue 17): df-auth with 1,000 rows against df-auth with N
users and N live refresh families (`bench/run --scale N`; default SCALE_USERS, 1,000,000).

Both databases are created and migrated by `df-auth migrate`, then filled straight through
SQLite (not through HTTP): per chunk of a million rows, one INSERT ... SELECT over a counting
CTE per table, in one transaction, with synchronous=OFF and no rollback journal while filling.
Every filled user has the same precomputed password hash (nothing is hashed per row), one
session, one token family and that family's live refresh token, as a pair-profile sign-in files
them. Both servers then run at once and are measured in alternating rounds (medians), on login,
GET users/0/, pair token/refresh/ and POST otp/ (a new address each), so that the machine's
drift does not land on one size only.
"""
import base64
import json
import os
import random
import sqlite3
import statistics
import time

import bench
from bench import LUA, PASSWORD, PEER, USER, DfAuth, hs256, post_json, rss_mb, wait_idle, wrk

CHUNK = 1_000_000
REFRESH_LIFETIME = 86400
SESSION_LIFETIME = 30 * 86400
CHEAP_ARGON2 = {"DF_AUTH_ARGON2_MEMORY_KIB": "64", "DF_AUTH_ARGON2_TIME_COST": "1"}


def fill(db, count, password_hash, now):
    """Adds `count` users user<id> (ids after the existing ones), each with a session
    s<id as 21 hex digits>, a token family with a random 16-hex id and its live refresh token
    (jti = family + 16 zeros). Returns the first filled id."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=OFF")  # a throw-away fill: no rollback journal, no WAL
    con.execute("PRAGMA cache_size=-4000000")  # KiB: the random family keys stay in memory
    first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM users").fetchone()[0]
    ids = "WITH RECURSIVE c(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM c WHERE i < ?2) "
    for lo in range(first, first + count, CHUNK):
        hi = min(lo + CHUNK, first + count) - 1
        con.execute("BEGIN")
        con.execute(ids + "INSERT INTO users(id, username, email, email_ci, password, date_joined) "
                    "SELECT i, 'user' || i, 'user' || i || '@example.com', 'user' || i || '@example.com', ?3, ?4 "
                    "FROM c", (lo, hi, password_hash, now))
        con.execute(ids + "INSERT INTO sessions(id, user_id, created_at, last_used_at, expires_at, ip, "
                    "user_agent, method) SELECT printf('s%021x', i), i, ?3, ?3, ?4, '127.0.0.1', 'bench-fill', "
                    "'password' FROM c", (lo, hi, now, now + SESSION_LIFETIME))
        con.execute(ids + "INSERT INTO token_families(family, user_id) SELECT lower(hex(randomblob(8))), i FROM c",
                    (lo, hi))
        con.execute("INSERT INTO refresh_tokens(family, jti, user_id, access_jti, issued_at, expires_at) "
                    "SELECT family, family || '0000000000000000', user_id, lower(hex(randomblob(16))), ?3, ?4 "
                    "FROM token_families WHERE user_id BETWEEN ?1 AND ?2 ORDER BY family",
                    (lo, hi, now, now + REFRESH_LIFETIME))
        con.execute("COMMIT")
        if count > CHUNK:
            print(f"  filled {hi - first + 1:,} of {count:,}", flush=True)
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    return first


def add_refresh_families(db, user_ids, path, now, sessions=True):
    """Files one new live family (random id, with its session unless `sessions` is false) per
    entry of `user_ids`, as a pair sign-in would, and writes their refresh tokens to `path` for
    refresh_pair.lua."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    with_sessions, sessions, families, tokens, lines = sessions, [], [], [], []
    for uid in user_ids:
        family = os.urandom(8).hex()
        jti = family + os.urandom(8).hex()
        sid = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
        sessions.append((sid, uid, now, now, now + SESSION_LIFETIME))
        families.append((family, uid))
        tokens.append((family, jti, uid, os.urandom(16).hex(), now, now + REFRESH_LIFETIME))
        claims = {"token_type": "refresh", "exp": now + REFRESH_LIFETIME, "iat": now, "jti": jti, "sid": sid,
                  "user_id": uid}
        if not with_sessions:
            del claims["sid"]
        lines.append(hs256(claims))
    con.executemany("INSERT INTO sessions(id, user_id, created_at, last_used_at, expires_at, ip, user_agent, method) "
                    "VALUES(?, ?, ?, ?, ?, '127.0.0.1', 'bench-fill', 'password')", sessions if with_sessions else [])
    con.executemany("INSERT INTO token_families(family, user_id) VALUES(?, ?)", families)
    con.executemany("INSERT INTO refresh_tokens(family, jti, user_id, access_jti, issued_at, expires_at) "
                    "VALUES(?, ?, ?, ?, ?, ?)", tokens)
    con.commit()
    con.close()
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def db_bytes(db):
    return sum(os.path.getsize(db + suffix) for suffix in ("", "-wal") if os.path.exists(db + suffix))


def scale_test(binary, work, big, conns, rounds=3, duration="5s"):
    """Measures both sizes; returns {size: {...}} with req/s, p50/p99 per workload, fill
    seconds, database bytes and RSS."""
    sizes = (1000, big)
    pair_tokens = int(os.environ.get("SCALE_PAIR_TOKENS", 200000))
    servers, info, logins = {}, {}, {}
    runs = {n: {} for n in sizes}
    try:
        for n in sizes:
            s = DfAuth(binary, work, f"scale{n}", {**CHEAP_ARGON2, "DF_AUTH_JWT_PROFILE": "pair",
                                                  "DF_AUTH_TOKEN_TYPE_CLAIM": "token_type",
                                                  "DF_AUTH_THROTTLE_OTP_SEND": "off"})
            s.cli("migrate")
            s.cli("createsuperuser", "--username", USER, "--password-stdin", stdin=PASSWORD + "\n")
            con = sqlite3.connect(s.db)  # closed before the fill, which needs the database alone
            h = con.execute("SELECT password FROM users WHERE username=?", (USER,)).fetchone()[0]
            con.close()
            t0 = time.time()
            first = fill(s.db, n, h, int(time.time()))
            info[n] = {"fill_s": time.time() - t0, "db_bytes": db_bytes(s.db), "first": first}
            print(f"scale {n:,}: filled in {info[n]['fill_s']:.1f} s, database {info[n]['db_bytes'] / 1e6:.0f} MB",
                  flush=True)
            s.start()
            info[n]["rss_start"] = rss_mb(s.proc.pid)
            servers[n] = s
            logins[n] = json.dumps({"username": f"user{first + n // 2}", "password": PASSWORD})
        for rnd in range(rounds):
            for n in (list(sizes) if rnd % 2 == 0 else list(reversed(sizes))):
                s, first = servers[n], info[n]["first"]
                tokens_file = os.path.join(work, f"scale{n}-tokens.txt")
                # an access token lives 5 minutes (pair profile): a fresh one for each round
                access = post_json(s.base + "/token/", {"username": USER, "password": PASSWORD})["token"]
                add_refresh_families(s.db, [random.randrange(first, first + n) for _ in range(pair_tokens)],
                                     tokens_file, int(time.time()))
                plan = {
                    "login": (s.base + "/token/", f"{PEER}/bench/post_json.lua", {"WRK_BODY": logins[n]}, 16),
                    "users0": (s.base + "/users/0/", f"{PEER}/bench/get_bearer.lua", {"WRK_TOKEN": access}, conns),
                    "pair refresh": (s.base + "/token/refresh/", f"{LUA}/refresh_pair.lua",
                                     {"TOKENS_FILE": tokens_file}, conns),
                    "otp": (s.base + "/otp/", f"{LUA}/numbered.lua",
                            {"WRK_TEMPLATE": json.dumps({"email": f"scale-r{rnd}-{{n}}@example.com"})}, conns),
                }
                for name, (url, script, env, c) in plan.items():
                    wait_idle()
                    r = wrk(url, script, env, c, duration)
                    runs[n].setdefault(name, []).append(r)
                    print(f"scale {n:>10,} round {rnd + 1} {name:<13} {r['rps']:>8.0f} req/s  p50 {r['p50']} ms  "
                          f"p99 {r['p99']} ms  non-2xx {r['non2xx']}", flush=True)
        for n in sizes:
            info[n]["rss_end"] = rss_mb(servers[n].proc.pid)
    finally:
        for s in servers.values():
            s.stop()
    out = {}
    for n in sizes:
        med = {k: {q: statistics.median((x[q] or 0) for x in v) for q in ("rps", "p50", "p99")} | 
                  {"non2xx": sum(x["non2xx"] for x in v)} for k, v in runs[n].items()}
        info[n]["db_bytes_end"] = db_bytes(servers[n].db)
        out[n] = {"runs": med, "raw": runs[n], **info[n], "rounds": rounds, "duration": duration}
    small = out[1000]["raw"]
    for name in small:
        # paired like the main table: the ratio of the two sizes' runs of one round
        rps = [a["rps"] / b["rps"] for a, b in zip(small[name], out[big]["raw"][name]) if b["rps"] > 0]
        out[big].setdefault("ratio", {})[name] = statistics.median(rps) if rps else None
    for n in sizes:
        o = out[n]
        print(f"scale {n:>10,}: fill {o['fill_s']:.1f} s, database {o['db_bytes'] / 1e6:.0f} MB, RSS "
              f"{o['rss_start']:.1f} MB at start, {o['rss_end']:.1f} MB after the runs", flush=True)
    for name, ratio in out[big]["ratio"].items():
        print(f"scale {name}: req/s at 1,000 / at {big:,} = {ratio:.2f} (target <= 1.5)", flush=True)
    return out


def report_lines(scale):
    """The scale section of latest.md."""
    small, big = min(scale), max(scale)
    names = {"login": "POST token/ (password, cheap Argon2id)", "users0": "GET users/0/",
             "pair refresh": "POST token/refresh/ (pair)", "otp": "POST otp/ (new address each)"}
    lines = [f"Scale: {big:,} users and {big:,} live refresh families (each with its session) against "
             f"{small:,} of each, both servers up at once (pair profile, Argon2id at m=64 KiB t=1 so that the "
             f"lookup shows), {scale[small]['rounds']} alternating rounds of {scale[small]['duration']}, medians; "
             f"each pair refresh run spends {int(os.environ.get('SCALE_PAIR_TOKENS', 200000)):,} refresh tokens "
             "filed just before it into new families of random filled users.", "",
             f"| workload | req/s at {small:,} | p50 / p99 ms | req/s at {big:,} | p50 / p99 ms | "
             f"req/s ratio {small:,} ÷ {big:,} (target ≤ 1.5) |",
             "|---|---|---|---|---|---|"]
    for name, label in names.items():
        a, b = scale[small]["runs"][name], scale[big]["runs"][name]
        ratio = scale[big]["ratio"][name]
        lines.append(f"| {label} | {a['rps']:.0f} | {a['p50']:.2f} / {a['p99']:.2f} | {b['rps']:.0f} | "
                     f"{b['p50']:.2f} / {b['p99']:.2f} | {ratio:.2f} |")
    lines += ["", "| rows | fill s | database MB after fill / after runs | RSS MB at start / after runs |",
              "|---|---|---|---|"]
    for n in (small, big):
        o = scale[n]
        lines.append(f"| {n:,} | {o['fill_s']:.1f} | {o['db_bytes'] / 1e6:.0f} / {o['db_bytes_end'] / 1e6:.0f} | "
                     f"{o['rss_start']:.1f} / {o['rss_end']:.1f} |")
    non2xx = {f"{n:,} {k}": v["non2xx"] for n in (small, big) for k, v in scale[n]["runs"].items() if v["non2xx"]}
    if non2xx:
        lines += ["", "Non-2xx answers in the scale runs: " + ", ".join(f"{k}: {v}" for k, v in non2xx.items())]
    return lines + [""]
