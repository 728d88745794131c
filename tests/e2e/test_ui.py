"""The hosted sign-in page (issue 14 item 4) over HTTP: GET ui/login/ and its assets, the strict
CSP (nothing inline, this origin only) shared with the magic-link page. The browser runs of the
same pages are tests/browser/test_pages.py."""

import re
import unittest

from harness import Client, Server

P = "/api/v1/auth/"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")


class HostedPagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.c = Client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def assert_page(self, path):
        r = self.c.get(path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(r.headers["content-security-policy"], CSP)
        self.assertEqual(r.headers["cache-control"], "no-store")
        self.assertEqual(r.headers["referrer-policy"], "no-referrer")
        self.assertEqual(r.headers["x-frame-options"], "DENY")
        html = r.body.decode()
        # One script and one style sheet, both from df-auth; nothing inline, nothing external.
        self.assertEqual(re.findall(r"<script[^>]*>", html), [f'<script src="{P}ui/ui.js">'])
        self.assertEqual(re.findall(r"<link[^>]*>", html), [f'<link rel="stylesheet" href="{P}ui/ui.css">'])
        self.assertNotIn("<style", html)
        self.assertIsNone(re.search(r"\son[a-z]+=", html))  # no inline event handler
        self.assertNotIn("http", html)  # no absolute URL: no external request
        self.assertIn('<p id="status" role="status" aria-live="polite"></p>', html)
        return html

    def test_login_page(self):
        html = self.assert_page("ui/login/")
        # Every field has its label.
        for field in ("login", "password", "code-email", "code", "twofa-device", "twofa-code"):
            self.assertIn(f'<label for="{field}">', html)
            self.assertIn(f'id="{field}"', html)

    def test_magic_page_uses_the_same_frame(self):
        html = self.assert_page("magic/eA")
        self.assertIn('<button id="magic-go" type="submit" disabled>Sign in</button>', html)

    def test_assets(self):
        js = self.c.get("ui/ui.js")
        self.assertEqual((js.status, js.headers["content-type"]), (200, "text/javascript; charset=utf-8"))
        self.assertEqual(js.headers["x-content-type-options"], "nosniff")
        self.assertIn('call("POST", "token/"', js.body.decode())
        css = self.c.get("ui/ui.css")
        self.assertEqual((css.status, css.headers["content-type"]), (200, "text/css; charset=utf-8"))
        self.assertIn(":focus-visible{outline:3px solid #f5a700", css.body.decode())
        # The script keeps the token in memory: localStorage only for the magic link's redirect.
        self.assertEqual(js.body.decode().count("localStorage.setItem"), 1)


if __name__ == "__main__":
    unittest.main()
