"""GET /api/v1/schema/ (OpenAPI 3 document of every route) and GET /api/v1/swagger/ (interactive
docs page), interface.md §3 "New routes"."""
import base64
import hashlib
import re
import unittest

from harness import Client, Server

P = "/api/v1/auth/"
# Every (method, path) the server registers with its default settings.
KNOWN = {
    ("get", P), ("get", "/health/live"), ("get", "/health/ready"), ("get", "/metrics"),
    ("get", "/.well-known/jwks.json"),
    ("post", P + "token/"), ("post", P + "token/refresh/"), ("post", P + "token/verify/"),
    ("post", P + "token/blacklist/"),
    ("post", P + "users/"), ("get", P + "users/{id}/"), ("patch", P + "users/{id}/"),
    ("post", P + "users/{id}/set-password/"), ("get", P + "users/{id}/two-fa/"),
    ("patch", P + "users/{id}/two-fa/"),
    ("post", P + "social/"), ("post", P + "social/connect/"), ("get", P + "social/connections/"),
    ("delete", P + "social/{provider}/"),
    ("post", P + "otp/"), ("get", P + "otp-devices/"), ("post", P + "otp-devices/"),
    ("get", P + "otp-devices/{id}/"), ("delete", P + "otp-devices/{id}/"),
    ("post", P + "otp-devices/{id}/confirm/"), ("get", P + "magic/{segment}"),
    ("get", P + "ui/login/"), ("get", P + "ui/ui.js"), ("get", P + "ui/ui.css"),
    ("get", P + "sessions/"), ("delete", P + "sessions/{id}/"), ("post", P + "sessions/revoke-others/"),
    ("post", P + "password-reset/"), ("post", P + "password-reset/confirm/"),
    ("post", P + "identity-change/undo/"),
    ("get", P + "admin/users/"), ("get", P + "admin/users/{id}/"), ("post", P + "admin/users/{id}/activate/"),
    ("post", P + "admin/users/{id}/deactivate/"), ("post", P + "admin/users/{id}/revoke-tokens/"),
    ("post", P + "admin/users/{id}/require-2fa/"), ("post", P + "admin/users/{id}/clear-2fa/"),
    ("delete", P + "admin/users/{id}/devices/{type}/{device_id}/"), ("post", P + "admin/users/{id}/otp-challenge/"),
    ("get", P + "admin/audit/"),
    ("post", P + "passkeys/registration/options/"), ("post", P + "passkeys/registration/verify/"),
    ("get", P + "passkeys/"), ("delete", P + "passkeys/{id}/"), ("post", P + "passkeys/authentication/options/"),
    ("post", P + "passkeys/authentication/verify/"), ("get", P + "ui/passkeys/"),
    ("get", "/api/v1/schema/"), ("get", "/api/v1/swagger/"),
}
PROTECTED = {
    ("get", P), ("get", P + "users/{id}/"), ("patch", P + "users/{id}/"),
    ("post", P + "users/{id}/set-password/"), ("get", P + "users/{id}/two-fa/"),
    ("patch", P + "users/{id}/two-fa/"), ("post", P + "social/connect/"),
    ("get", P + "social/connections/"), ("delete", P + "social/{provider}/"),
    ("get", P + "otp-devices/"), ("post", P + "otp-devices/"), ("get", P + "otp-devices/{id}/"),
    ("delete", P + "otp-devices/{id}/"), ("post", P + "otp-devices/{id}/confirm/"),
    ("get", P + "sessions/"), ("delete", P + "sessions/{id}/"), ("post", P + "sessions/revoke-others/"),
    ("get", P + "admin/users/"), ("get", P + "admin/users/{id}/"), ("post", P + "admin/users/{id}/activate/"),
    ("post", P + "admin/users/{id}/deactivate/"), ("post", P + "admin/users/{id}/revoke-tokens/"),
    ("post", P + "admin/users/{id}/require-2fa/"), ("post", P + "admin/users/{id}/clear-2fa/"),
    ("delete", P + "admin/users/{id}/devices/{type}/{device_id}/"), ("post", P + "admin/users/{id}/otp-challenge/"),
    ("get", P + "admin/audit/"),
    ("post", P + "passkeys/registration/options/"), ("post", P + "passkeys/registration/verify/"),
    ("get", P + "passkeys/"), ("delete", P + "passkeys/{id}/"),
}
BEARER = [{"jwtAuth": []}]
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def operations(doc):
    return {(m, path): op for path, item in doc["paths"].items() for m, op in item.items()}


def resolve(doc, ref):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        cls.c = Client(cls.server)
        r = cls.c.get("/api/v1/schema/")
        cls.resp = r
        cls.doc = r.json()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def assert_valid_openapi(self, doc):
        for key in ("openapi", "info", "paths"):
            self.assertIn(key, doc)
        self.assertTrue(doc["openapi"].startswith("3.0."), doc["openapi"])
        self.assertIn("title", doc["info"])
        self.assertIn("version", doc["info"])
        ids = []
        for path, item in doc["paths"].items():
            self.assertTrue(path.startswith("/"), path)
            for name in re.findall(r"\{([^}]+)\}", path):
                for method, op in item.items():
                    declared = [p for p in op.get("parameters", []) if p["in"] == "path"]
                    self.assertIn(name, [p["name"] for p in declared], (method, path))
                    self.assertTrue(all(p["required"] is True for p in declared))
            for method, op in item.items():
                self.assertIn(method, METHODS)
                self.assertTrue(op.get("responses"), (method, path))
                for status, response in op["responses"].items():
                    self.assertRegex(status, r"^([1-5][0-9][0-9]|default)$")
                    if "$ref" not in response:
                        self.assertIn("description", response)
                for requirement in op.get("security", []):
                    for scheme in requirement:
                        self.assertIn(scheme, doc["components"]["securitySchemes"])
                ids.append(op["operationId"])
        self.assertEqual(len(ids), len(set(ids)), "operationIds must be unique")
        found = list(refs(doc))
        self.assertGreater(len(found), 20)
        for ref in found:
            self.assertIsNotNone(resolve(doc, ref), ref)

    def test_schema_status_and_content_type(self):
        self.assertEqual(self.resp.status, 200)
        self.assertEqual(self.resp.headers["content-type"], "application/vnd.oai.openapi+json")
        plain = self.c.get("/api/v1/schema/?format=json")
        self.assertEqual(plain.status, 200)
        self.assertEqual(plain.headers["content-type"], "application/json")
        self.assertEqual(plain.json(), self.doc)
        accept = self.c.get("/api/v1/schema/", headers={"Accept": "application/json"})
        self.assertEqual(accept.headers["content-type"], "application/json")

    def test_schema_is_public_even_with_a_bad_token(self):
        r = self.c.get("/api/v1/schema/", token="not-a-token")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json(), self.doc)

    def test_valid_openapi(self):
        self.assert_valid_openapi(self.doc)

    def test_every_route_appears(self):
        self.assertEqual(set(operations(self.doc)), KNOWN)

    def test_bearer_security_on_protected_routes(self):
        ops = operations(self.doc)
        for key in PROTECTED:
            self.assertEqual(ops[key]["security"], BEARER, key)
        for key in KNOWN - PROTECTED:
            self.assertNotEqual(ops[key]["security"], BEARER, key)
        self.assertEqual(ops[("post", P + "users/")]["security"], [{"jwtAuth": []}, {}])
        self.assertEqual(ops[("get", "/api/v1/schema/")]["security"], [])
        self.assertEqual(self.doc["components"]["securitySchemes"]["jwtAuth"],
                         {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})

    def test_main_operations_are_described(self):
        ops = operations(self.doc)
        token = ops[("post", P + "token/")]
        self.assertEqual(token["requestBody"]["content"]["application/json"]["schema"],
                         {"$ref": "#/components/schemas/Credentials"})
        self.assertEqual(token["responses"]["200"]["content"]["application/json"]["schema"],
                         {"$ref": "#/components/schemas/Tokens"})
        self.assertEqual(ops[("post", P + "users/")]["responses"]["201"]["content"]
                         ["application/json"]["schema"], {"$ref": "#/components/schemas/User"})
        self.assertIn("204", ops[("delete", P + "otp-devices/{id}/")]["responses"])
        self.assertEqual(set(ops[("delete", P + "sessions/{id}/")]["responses"]), {"204", "401", "403", "404"})
        self.assertEqual(ops[("get", P + "sessions/")]["responses"]["200"]["content"]["application/json"]["schema"],
                         {"$ref": "#/components/schemas/SessionPage"})
        self.assertEqual(ops[("post", P + "sessions/revoke-others/")]["responses"]["200"]["content"]
                         ["application/json"]["schema"], {"$ref": "#/components/schemas/SessionsRevoked"})
        reset = ops[("post", P + "password-reset/")]
        self.assertEqual(set(reset["responses"]), {"200", "400", "401", "403", "429"})
        self.assertEqual(reset["requestBody"]["content"]["application/json"]["schema"],
                         {"$ref": "#/components/schemas/PasswordResetRequest"})
        confirm = ops[("post", P + "password-reset/confirm/")]
        self.assertEqual(set(confirm["responses"]), {"200", "400", "401", "403", "409"})
        self.assertEqual(confirm["responses"]["200"]["content"]["application/json"]["schema"],
                         {"$ref": "#/components/schemas/Tokens"})
        self.assertEqual(self.doc["components"]["schemas"]["PasswordResetConfirm"]["required"], ["otp", "new_password"])
        self.assertEqual(ops[("post", P + "token/refresh/")]["operationId"], "token_refresh_post")
        schemas = self.doc["components"]["schemas"]
        self.assertEqual(schemas["Refresh"]["required"], ["token"])
        self.assertEqual(schemas["ErrorEnvelope"]["properties"]["errors"]["items"],
                         {"$ref": "#/components/schemas/Error"})
        self.assertEqual(set(schemas["Error"]["properties"]), {"message", "code", "field"})
        self.assertEqual(ops[("post", P + "token/")]["responses"]["400"],
                         {"$ref": "#/components/responses/Error"})

    def test_swagger_page(self):
        r = self.c.get("/api/v1/swagger/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        page = r.body.decode()
        self.assertTrue(page.startswith("<!doctype html>"))
        self.assertIn('"/api/v1/schema/"', page)
        csp = r.headers["content-security-policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertIn("connect-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertNotIn("http", csp)  # no external origin anywhere
        self.assertNotRegex(page, r"(src|href)=\"https?:")
        # The inline script and style are exactly what the CSP hashes allow.
        script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
        style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
        for text, directive in ((script, "script-src"), (style, "style-src")):
            digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
            self.assertIn(f"{directive} 'sha256-{digest}'", csp)
        self.assertEqual(r.headers["x-content-type-options"], "nosniff")

    def test_docs_are_get_only(self):
        r = self.c.post("/api/v1/schema/", {})
        self.assertEqual(r.status, 405)


class SchemaSettingsTest(unittest.TestCase):
    def test_prefix_and_pair_profile(self):
        env = {"DF_AUTH_API_PREFIX": "/auth/", "DF_AUTH_JWT_PROFILE": "pair",
               "DF_AUTH_METRICS_TOKEN": "scrape-secret-123"}
        with Server(env=env) as server:
            r = Client(server).get("/api/v1/schema/")
            self.assertEqual(r.status, 200, server.stderr())
            doc = r.json()
            paths = set(doc["paths"])
            self.assertIn("/auth/token/refresh/", paths)
            self.assertFalse([p for p in paths if p.startswith("/api/v1/auth/")])
            schemas = doc["components"]["schemas"]
            self.assertEqual(schemas["Refresh"]["required"], ["refresh"])
            self.assertEqual(schemas["Tokens"]["required"], ["token", "refresh"])
            self.assertEqual(doc["paths"]["/metrics"]["get"]["security"], [{"metricsToken": []}])
            self.assertNotIn("scrape-secret-123", r.body.decode())
            SchemaTest.assert_valid_openapi(self, doc)


if __name__ == "__main__":
    unittest.main()
