"""df-auth's tokens checked by a client nobody on the team wrote: PyJWT (Debian python3-jwt), as a
Python resource server would check them: asymmetric tokens through /.well-known/jwks.json with
PyJWKClient, HS256 tokens with the shared secret; the algorithm pinned, issuer and audience
required (issue 14 item 6)."""
import unittest

import jwt

from harness import TEST_SECRET_KEY, Client, Server

ISSUER = "https://auth.example"
AUDIENCE = "resource-server"
PASSWORD = "pyjwt password 1"


class PyJwtVerifiesOurTokensTest(unittest.TestCase):
    def sign_in(self, server, profile):
        c = Client(server)
        r = c.request("POST", "users/", {"username": "erin", "password": PASSWORD})
        self.assertEqual(r.status, 201, r.body)
        uid = int(r.json()["id"])
        body = c.request("POST", "token/", {"username": "erin", "password": PASSWORD}).json()
        self.assertEqual(set(body), {"token"} if profile == "sliding" else {"token", "refresh"})
        return uid, body

    def decode(self, token, key, algorithm):
        return jwt.decode(token, key, algorithms=[algorithm], audience=AUDIENCE, issuer=ISSUER,
                          options={"require": ["exp", "iat", "jti", "iss", "aud", "token_type"]})

    def check_algorithm(self, algorithm, kty):
        for profile, token_type in (("sliding", "sliding"), ("pair", "access")):
            env = {"DF_AUTH_JWT_ALGORITHM": algorithm, "DF_AUTH_JWT_PROFILE": profile,
                   "DF_AUTH_JWT_ISSUER": ISSUER, "DF_AUTH_JWT_AUDIENCE": AUDIENCE}
            with self.subTest(profile=profile), Server(env=env) as server:
                uid, body = self.sign_in(server, profile)
                token = body["token"]
                self.assertEqual(jwt.get_unverified_header(token)["alg"], algorithm)
                jwks = jwt.PyJWKClient(server.url("/.well-known/jwks.json"), cache_keys=False)
                signing_key = jwks.get_signing_key_from_jwt(token)
                self.assertEqual(signing_key.key_id, jwt.get_unverified_header(token)["kid"])
                self.assertEqual(signing_key._jwk_data["kty"], kty)
                claims = self.decode(token, signing_key.key, algorithm)
                self.assertEqual((claims["user_id"], claims["token_type"]), (uid, token_type))
                self.assertEqual((claims["iss"], claims["aud"]), (ISSUER, AUDIENCE))
                if profile == "pair":
                    refresh = jwt.decode(body["refresh"], signing_key.key, algorithms=[algorithm],
                                         audience=AUDIENCE, issuer=ISSUER)
                    self.assertEqual((refresh["user_id"], refresh["token_type"]), (uid, "refresh"))
                # The same client refuses what it must: a changed payload, another audience, and
                # the token presented as HS256-signed with the public key (algorithm pinned).
                header, payload, signature = token.split(".")
                forged = ".".join((header, payload[:-2] + ("AA" if payload[-2:] != "AA" else "AB"), signature))
                with self.assertRaises(jwt.InvalidTokenError):
                    self.decode(forged, signing_key.key, algorithm)
                with self.assertRaises(jwt.InvalidAudienceError):
                    jwt.decode(token, signing_key.key, algorithms=[algorithm], audience="another", issuer=ISSUER)
                with self.assertRaises(jwt.InvalidAlgorithmError):
                    jwt.decode(token, signing_key.key, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)

    def test_rs256_tokens_verify_through_jwks(self):
        self.check_algorithm("RS256", "RSA")

    def test_es256_tokens_verify_through_jwks(self):
        self.check_algorithm("ES256", "EC")

    def test_eddsa_tokens_verify_through_jwks(self):
        self.check_algorithm("EdDSA", "OKP")

    def test_hs256_tokens_verify_with_the_shared_secret(self):
        env = {"DF_AUTH_JWT_ISSUER": ISSUER, "DF_AUTH_JWT_AUDIENCE": AUDIENCE}
        with Server(env=env) as server:
            uid, body = self.sign_in(server, "sliding")
            token = body["token"]
            self.assertEqual(jwt.get_unverified_header(token)["alg"], "HS256")
            claims = self.decode(token, TEST_SECRET_KEY, "HS256")
            self.assertEqual((claims["user_id"], claims["token_type"]), (uid, "sliding"))
            self.assertEqual(claims["exp"] - claims["iat"], 1209600)
            with self.assertRaises(jwt.InvalidSignatureError):
                self.decode(token, TEST_SECRET_KEY + "x", "HS256")
            # Under HS256 the JWKS publishes no key: a resource server finds none to trust.
            self.assertEqual(Client(server).request("GET", "/.well-known/jwks.json").json(), {"keys": []})


if __name__ == "__main__":
    unittest.main()
