#!/usr/bin/python3
"""Pair-profile token/refresh/ on PostgreSQL with DATABASE_POOL_SIZE 4, 16 and 32 (one replica,
wrk -c64, 10 s each): shows whether the pool or the CPU bounds the rotation rate. Needs
build-release (bench/run builds it) and root (Debian cluster 15/main, as bench/run --db postgres).
Usage: /usr/bin/python3 bench/pg_pair_pool.py"""
import os, sys, tempfile
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench, bench_postgres as bp
work = tempfile.mkdtemp()
bp.prepare_cluster()
binary = os.path.join(os.path.dirname(HERE), "build-release", "df-auth")
for pool in (4, 16, 32):
    bp.psql("DROP DATABASE IF EXISTS dfauth_bench_pair WITH (FORCE)"); bp.psql(f"CREATE DATABASE dfauth_bench_pair OWNER {bp.PG_ROLE}")
    env = {"DF_AUTH_DATABASE_URL": bp.url_of("dfauth_bench_pair"), "DF_AUTH_JWT_PROFILE": "pair",
           "DF_AUTH_TOKEN_TYPE_CLAIM": "token_type", "DF_AUTH_DATABASE_POOL_SIZE": str(pool)}
    s = bench.DfAuth(binary, work, f"pair{pool}", env)
    s.cli("createsuperuser", "--username", bench.USER, "--password-stdin", stdin=bench.PASSWORD + "\n")
    s.start()
    uid = int(bp.psql(f"SELECT id FROM users WHERE username = '{bench.USER}'", "dfauth_bench_pair"))
    f = os.path.join(work, "t.txt")
    bp.bulk_refresh_tokens("dfauth_bench_pair", uid, 200000, [f])
    r = bp.measure([(s.base + "/token/refresh/", f"{bench.LUA}/refresh_pair.lua", {"TOKENS_FILE": f}, 64)], "10s", "dfauth_bench_pair", [s.proc.pid])
    print(f"pool {pool}: {r['rps']:.0f} req/s p99 {r['p99']} ms non2xx {r['non2xx']} df-auth {r['ours_cpu_us']:.0f} us/req pg {r['pg_cpu_us']:.0f} us/req busy {r['busy']:.0f}%", flush=True)
    s.stop()
