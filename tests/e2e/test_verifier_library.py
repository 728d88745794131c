"""The C++ verifier library (include/dfauth/verifier.hpp) against a real df-auth, through its
example CLI examples/verify_token (issue 14 item 9): tokens of each asymmetric algorithm verify
through /.well-known/jwks.json with the algorithm pinned, issuer, audience and token type
checked; a key rotation (`keys rotate` + SIGHUP) is picked up by one more JWKS fetch; revocation
is left to df-auth (a blacklisted access token still verifies in the library and is refused by
df-auth)."""
import os
import signal
import subprocess
import time
import unittest

from harness import Client, Server, decode_jwt_payload

ISSUER = "https://auth.example"
AUDIENCE = "orders-service"
PASSWORD = "library password 1"
RELOADED = "reload: signing keys and blacklist file read again"


def verify_token_binary():
    path = os.environ.get("DFAUTH_VERIFY_TOKEN_BIN")
    if not path or not os.access(path, os.X_OK):
        raise AssertionError("DFAUTH_VERIFY_TOKEN_BIN names no executable (ctest sets it to build/verify_token)")
    return path


def kid_of(token):
    return decode_jwt_payload(token, part=0)["kid"]


class VerifierLibraryTest(unittest.TestCase):
    def start(self, algorithm):
        env = {"DF_AUTH_JWT_ALGORITHM": algorithm, "DF_AUTH_JWT_PROFILE": "pair",
               "DF_AUTH_JWT_ISSUER": ISSUER, "DF_AUTH_JWT_AUDIENCE": AUDIENCE}
        server = Server(env=env).__enter__()
        self.addCleanup(server.__exit__, None, None, None)
        c = Client(server)
        r = c.signup(username="lib", password=PASSWORD)
        self.assertEqual(r.status, 201, r.body)
        uid = int(r.json()["id"])
        body = c.post("token/", {"username": "lib", "password": PASSWORD}).json()
        return server, c, uid, body

    def cli(self, server, token, *options):
        p = subprocess.run([verify_token_binary(), "--issuer", ISSUER, "--audience", AUDIENCE, *options,
                            server.url("/.well-known/jwks.json"), token],
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout.strip()

    def test_each_algorithm_verifies_and_each_refusal_names_its_reason(self):
        for algorithm in ("RS256", "ES256", "EdDSA"):
            with self.subTest(algorithm=algorithm):
                server, _, uid, body = self.start(algorithm)
                access, refresh = body["token"], body["refresh"]
                self.assertEqual(self.cli(server, access, "--alg", algorithm),
                                 (0, f"user_id={uid} kid={kid_of(access)} alg={algorithm}"))
                self.assertEqual(self.cli(server, "Bearer " + access, "--alg", "RS256,ES256,EdDSA"),
                                 (0, f"user_id={uid} kid={kid_of(access)} alg={algorithm}"))
                self.assertEqual(self.cli(server, refresh, "--alg", algorithm),
                                 (1, "error 401 token_not_valid: wrong token type refresh"))
                other = "ES256" if algorithm != "ES256" else "EdDSA"
                self.assertEqual(self.cli(server, access, "--alg", other),
                                 (1, "error 401 token_not_valid: malformed token or algorithm not accepted"))
                p = subprocess.run([verify_token_binary(), "--issuer", ISSUER, "--audience", "another",
                                    server.url("/.well-known/jwks.json"), access],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual((p.returncode, p.stdout.strip()), (1, "error 401 token_not_valid: wrong audience"))
                header, payload, signature = access.split(".")
                forged = ".".join((header, payload[:-2] + ("AA" if payload[-2:] != "AA" else "AB"), signature))
                self.assertEqual(self.cli(server, forged, "--alg", algorithm),
                                 (1, "error 401 token_not_valid: signature does not verify"))

    def test_a_key_rotation_costs_one_fetch_and_revocation_stays_with_df_auth(self):
        server, c, uid, body = self.start("ES256")
        old = body["token"]
        p = subprocess.Popen([verify_token_binary(), "--issuer", ISSUER, "--audience", AUDIENCE, "--alg", "ES256",
                              server.url("/.well-known/jwks.json"), "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addCleanup(p.kill)

        def ask(token):
            p.stdin.write(token + "\n")
            p.stdin.flush()
            return p.stdout.readline().strip()

        self.assertEqual(ask(old), f"user_id={uid} kid={kid_of(old)} alg=ES256 fetches=1")
        self.assertEqual(ask(old), f"user_id={uid} kid={kid_of(old)} alg=ES256 fetches=1")  # cached
        rotated = server.run_cli("keys", "rotate")
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        before = server.stderr().count(RELOADED)
        os.kill(server.proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + 5
        while server.stderr().count(RELOADED) == before:
            self.assertLess(time.monotonic(), deadline, server.stderr())
            time.sleep(0.02)
        new = c.post("token/", {"username": "lib", "password": PASSWORD}).json()
        self.assertNotEqual(kid_of(new["token"]), kid_of(old))
        # The unknown kid refetches the key set once; the old key is still in it.
        self.assertEqual(ask(new["token"]), f"user_id={uid} kid={kid_of(new['token'])} alg=ES256 fetches=2")
        self.assertEqual(ask(old), f"user_id={uid} kid={kid_of(old)} alg=ES256 fetches=2")
        # Revocation is df-auth's: after the access token is blacklisted, df-auth refuses it at
        # once, while the library (no revocation list) accepts it until its exp.
        r = c.post("token/blacklist/", {"token": new["token"]})
        self.assertEqual((r.status, r.json()), (200, {}))
        self.assertEqual(c.get("users/0/", token=new["token"]).status, 401)
        self.assertEqual(ask(new["token"]), f"user_id={uid} kid={kid_of(new['token'])} alg=ES256 fetches=2")
        p.stdin.close()
        self.assertEqual(p.wait(10), 0)


if __name__ == "__main__":
    unittest.main()
