"""The OpenAPI document at GET /api/v1/schema/ checked by tools nobody on the team wrote:
@apidevtools/swagger-parser validates it and @redocly/cli lints it clean under its
recommended-strict rules (npm packages in tests/node/, installed by scripts/install-deps)
(issue 14 item 3). That every served route is in the document is checked by
api/openapi_test.cpp and test_schema.py."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import Client, Server

TOOLS = os.path.join(os.environ.get("DFAUTH_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                     "tests", "node")
# Settings that change the document's shape: the default, and the pair profile with issuer,
# audience and a social provider.
CONFIGURATIONS = {
    "default": {},
    "pair": {"DF_AUTH_JWT_PROFILE": "pair", "DF_AUTH_JWT_ISSUER": "https://auth.example",
             "DF_AUTH_JWT_AUDIENCE": "app", "DF_AUTH_SOCIAL_AUTH_GOOGLE_OAUTH2_KEY": "client-id",
             "DF_AUTH_SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET": "client-secret"},
}


def run_tool(*args):
    modules = os.path.join(TOOLS, "node_modules")
    if not os.path.isdir(modules):
        raise AssertionError(f"{modules} is missing: run scripts/install-deps")
    return subprocess.run(args, cwd=TOOLS, capture_output=True, text=True, timeout=120)


class OpenApiToolsTest(unittest.TestCase):
    def documents(self):
        for name, env in CONFIGURATIONS.items():
            with Server(env=env) as server:
                r = Client(server).get("/api/v1/schema/?format=json")
                self.assertEqual(r.status, 200)
                doc = r.json()
            path = os.path.join(tempfile.mkdtemp(prefix="dfauth-openapi-"), f"{name}.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            yield name, path, doc

    def test_swagger_parser_validates_the_document(self):
        for name, path, doc in self.documents():
            with self.subTest(configuration=name):
                done = run_tool("node", "openapi_check.mjs", path)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertEqual(done.stdout.strip(),
                                 f"valid: {doc['info']['title']} {doc['info']['version']}, {len(doc['paths'])} paths")

    def test_redocly_lints_the_document_clean(self):
        for name, path, _ in self.documents():
            with self.subTest(configuration=name):
                done = run_tool(os.path.join("node_modules", ".bin", "redocly"), "lint", "--config", "redocly.yaml",
                                "--format", "stylish", path)
                self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
                self.assertIn("Woohoo! Your API description is valid.", done.stdout + done.stderr)

    def test_the_tools_refuse_a_broken_document(self):
        # The checks can fail: a dangling $ref and an operation without responses are found.
        _, path, doc = next(self.documents())
        first = next(iter(doc["paths"].values()))
        method = next(iter(first))
        first[method]["responses"] = {}
        first[method]["requestBody"] = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}
        with open(path, "w") as f:
            json.dump(doc, f)
        self.assertEqual(run_tool("node", "openapi_check.mjs", path).returncode, 1)
        self.assertNotEqual(run_tool(os.path.join("node_modules", ".bin", "redocly"), "lint", "--config",
                                     "redocly.yaml", path).returncode, 0)


if __name__ == "__main__":
    unittest.main()
