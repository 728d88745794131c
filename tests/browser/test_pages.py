"""Browser tests (issue 14 item 5): Debian's chromium, driven headless by playwright-core
(tests/node), against a real df-auth on loopback with the SMTP sink for its email. Each scenario
runs pages.mjs once, asserts exactly what the page showed and sent, that the console stayed free
of errors (a CSP violation is one), and that its screenshot decodes and is not one colour. The
screenshots go to DFAUTH_BROWSER_SHOTS (CTest: build/browser-shots), never into the tree."""

import base64
import json
import os
import socket
import struct
import subprocess
import sys
import unittest
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from fakes_delivery import FakeSmtp  # noqa: E402
from harness import Client, Server, assert_error, decode_jwt_payload  # noqa: E402
from otp_support import code_in, decode_segment, magic_link_in, secret_of, totp  # noqa: E402
from test_delivery import smtp_env  # noqa: E402

PASSWORD = "browser pass phrase 1"
SHOTS = os.environ.get("DFAUTH_BROWSER_SHOTS", os.path.join(HERE, "..", "..", "build", "browser-shots"))


def png_colours(path):
    """How many distinct pixel values an 8-bit RGB/RGBA PNG has, counting stops past one (1: blank)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"{path} is not a PNG")
    at, idat, width, height, channels = 8, b"", 0, 0, 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        chunk = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            if depth != 8 or colour not in (2, 6):
                raise AssertionError(f"unexpected PNG format depth={depth} colour={colour}")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        at += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    previous, seen = bytearray(stride), set()
    for y in range(height):
        row_at = y * (stride + 1)
        kind, row = raw[row_at], bytearray(raw[row_at + 1:row_at + 1 + stride])
        for i in range(stride):
            a = row[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + a) & 255
            elif kind == 2:
                row[i] = (row[i] + b) & 255
            elif kind == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        seen.update(bytes(row[i:i + channels]) for i in range(0, stride, channels * 7))
        if len(seen) > 1:
            return len(seen)
        previous = row
    return len(seen)


class BrowserPagesTest(unittest.TestCase):
    counter = 0

    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.smtp = FakeSmtp().start()
        cls.server = Server(env=smtp_env(cls.smtp, THROTTLE_LOGIN_FAILURES="off",
                                         THROTTLE_LOGIN_FAILURES_IP="off")).start()
        cls.c = Client(cls.server)
        cls.base = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(cls.server.url("")))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()
        cls.smtp.close()

    def new_user(self):
        BrowserPagesTest.counter += 1
        name = f"browser{BrowserPagesTest.counter}"
        self.assertEqual(self.c.signup(username=name, password=PASSWORD).status, 201)
        return name

    def run_page(self, scenario, answers=None, base=None, **args):
        """Runs pages.mjs SCENARIO against `base` (this class's server by default); `answers` maps
        each value it asks for to a function giving it."""
        shot = os.path.join(SHOTS, f"{scenario}.png")
        if os.path.exists(shot):
            os.remove(shot)
        with subprocess.Popen(["node", os.path.join(HERE, "pages.mjs"), scenario, base or self.base, shot, json.dumps(args)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proc:
            try:
                for line in proc.stdout:
                    message = json.loads(line)
                    if "need" not in message:
                        break
                    proc.stdin.write(str(answers[message["need"]]()) + "\n")
                    proc.stdin.flush()
                proc.wait(timeout=60)
            finally:
                if proc.poll() is None:
                    proc.kill()
        self.assertNotIn("error", message, message.get("error"))
        self.assertGreater(png_colours(shot), 1, f"{shot} is one colour")
        return message

    def test_swagger_page_renders_and_sends_token(self):
        name = self.new_user()
        out = self.run_page("swagger", login=name, password=PASSWORD)
        self.assertEqual(out["console"], [])
        result = out["result"]
        self.assertEqual(result["status"], "200 OK")
        self.assertEqual(result["token_keys"], ["token"])
        self.assertTrue(result["title"].startswith("df-auth "), result["title"])
        schema = self.c.get("/api/v1/schema/").json()
        self.assertEqual(result["operations"], sum(len(ops) for ops in schema["paths"].values()))
        # Nothing but this origin: the page, its schema and the one request the test made.
        self.assertEqual(out["requests"], ["GET /api/v1/swagger/", "GET /api/v1/schema/", "POST /api/v1/auth/token/"])

    def test_login_page_signs_in_with_a_password(self):
        name = self.new_user()
        out = self.run_page("password", login=name, password=PASSWORD)
        self.assertEqual(out["console"], [])
        self.assertEqual(out["result"], {"who": f"Signed in as {name}.", "status": "You are signed in.",
                                         "focused": "sign-out"})
        self.assertEqual(out["requests"], ["GET /api/v1/auth/ui/login/", "GET /api/v1/auth/ui/ui.css",
                                           "GET /api/v1/auth/ui/ui.js", "POST /api/v1/auth/token/",
                                           "GET /api/v1/auth/users/0/"])

    def test_login_page_email_code_through_the_smtp_sink(self):
        address = "browser-code@x.io"
        out = self.run_page("email_code", {"code": lambda: code_in(self.smtp.wait_to(address).text())}, email=address)
        self.assertEqual(out["console"], [])
        self.assertEqual(out["result"], {"sent": f"We sent a code to {address}. Enter it below.", "focused": "code",
                                         "who": f"Signed in as {address}.", "status": "You are signed in."})
        self.assertEqual(out["requests"][3:], ["POST /api/v1/auth/otp/", "POST /api/v1/auth/token/",
                                               "GET /api/v1/auth/users/0/"])

    def test_login_page_asks_a_two_factor_user_for_a_totp_code(self):
        name = self.new_user()
        token = self.c.login(username=name, password=PASSWORD)
        device = self.c.post("otp-devices/", {"type": "totp", "name": "phone"}, token=token).json()
        secret = secret_of(device["extra_data"]["url"])
        self.assertEqual(self.c.post(f"otp-devices/{device['id']}/confirm/?type=totp", {"otp": totp(secret)},
                                     token=token).status, 200)
        self.assertEqual(self.c.patch("users/0/two-fa/", {"is_required": True}, token=token).status, 200)
        # The confirm spent this step's code; the next step's is fresh and accepted (±1 step).
        out = self.run_page("two_factor", {"totp": lambda: totp(secret, step_offset=1)}, login=name, password=PASSWORD)
        # The 401 of the first attempt is the one message Chromium logs.
        self.assertEqual(out["console"], ["Failed to load resource: the server responded with a status of 401 "
                                          "(Unauthorized)"])
        self.assertEqual(out["result"], {
            "asked": {"status": "Enter the code from your device to finish signing in.", "devices": ["phone (totp)"],
                      "focused": "twofa-code", "send_shown": False},
            "who": f"Signed in as {name}.", "status": "You are signed in."})
        self.assertEqual(out["requests"][3:], ["POST /api/v1/auth/token/", "POST /api/v1/auth/token/",
                                               "GET /api/v1/auth/users/0/"])

    def test_the_csp_refuses_an_inline_script_and_the_console_check_sees_it(self):
        out = self.run_page("csp_probe")
        self.assertEqual(out["result"], {"title": "Sign in"})
        self.assertEqual(len(out["console"]), 1, out["console"])
        self.assertTrue(out["console"][0].startswith("Executing inline script violates the following Content Security "
                                                     "Policy directive 'script-src 'self''."), out["console"])

    def test_magic_link_page_signs_in_on_click_not_on_load(self):
        address = "browser-magic@x.io"
        self.assertEqual(self.c.post("otp/", {"email": address}).status, 200)
        _, segment, _ = magic_link_in(self.smtp.wait_to(address).text())
        # Before the click the page has made no request but its own three (no POST token/).
        out = self.run_page("magic", {"loaded": lambda: "ok"}, segment=segment)
        self.assertEqual(out["console"], [])
        self.assertEqual(out["result"]["before"], {
            "requests": [f"GET /api/v1/auth/magic/{segment}", "GET /api/v1/auth/ui/ui.css", "GET /api/v1/auth/ui/ui.js"],
            "who": f"Continue as {address}?", "enabled": True})
        self.assertEqual(out["result"]["who"], f"Signed in as {address}.")
        self.assertEqual(out["requests"][3:], ["POST /api/v1/auth/token/", "GET /api/v1/auth/users/0/"])
        # The click spent the code: it works once.
        _, code = decode_segment(segment)
        assert_error(self, self.c.post("token/", {"email": address, "otp": code}), 400, "wrong_otp")


class BrowserPasskeyTest(unittest.TestCase):
    """ui/passkeys/ with Chromium's virtual authenticator. WebAuthn refuses an IP address as the
    RP id, so this server listens on a port chosen here and names itself http://localhost:PORT."""

    def test_passkeys_page_adds_a_passkey_and_signs_in_with_it(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        base = f"http://localhost:{port}"
        with Server(env={"DF_AUTH_LISTEN": f"127.0.0.1:{port}", "DF_AUTH_SITE_URL": base}) as server:
            c = Client(server)
            self.assertEqual(c.signup(username="browser-passkey", password=PASSWORD).status, 201)
            uid = int(c.get("users/0/", token=c.login(username="browser-passkey", password=PASSWORD)).json()["id"])
            out = BrowserPagesTest.run_page(self, "passkey", base=base, login="browser-passkey", password=PASSWORD,
                                            name="laptop key")
            self.assertEqual(out["console"], [])
            result = out["result"]
            self.assertEqual(result["before"], {"who": "Signed in as browser-passkey.", "none": True})
            self.assertEqual(len(result["added"]["list"]), 1)
            self.assertRegex(result["added"]["list"][0], r"^laptop key \(added \d{4}-\d\d-\d\d\)$")
            self.assertEqual((result["added"]["status"], result["added"]["none"]),
                             ("Passkey \u201claptop key\u201d added.", False))
            self.assertEqual(len(result["stored"]), 1)
            self.assertEqual(result["stored"][0]["resident"], True)
            self.assertEqual(result["stored"][0]["rpId"], "localhost")
            self.assertEqual(base64.b64decode(result["stored"][0]["userHandle"]), str(uid).encode())
            self.assertEqual(result["signed_out"], {"passkeys_shown": False})
            self.assertEqual((result["who"], result["status"]), ("Signed in as browser-passkey.", "You are signed in."))
            self.assertEqual(result["list"], result["added"]["list"])
            self.assertEqual(result["requests"], ["POST /api/v1/auth/passkeys/authentication/options/",
                                                  "POST /api/v1/auth/passkeys/authentication/verify/",
                                                  "GET /api/v1/auth/users/0/", "GET /api/v1/auth/passkeys/"])
            # The token the page got from the passkey works on its own, and its session says passkey.
            me = c.get("users/0/", token=result["token"])
            self.assertEqual((me.status, me.json()["username"]), (200, "browser-passkey"))
            self.assertEqual(decode_jwt_payload(result["token"])["user_id"], uid)
            self.assertEqual(server.sql("SELECT name, sign_count > 0 FROM passkeys"), [("laptop key", 1)])


if __name__ == "__main__":
    unittest.main()
