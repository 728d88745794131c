"""Sign-in alerts (issue 16 item 4, SIGNIN_ALERTS, on by default): a successful sign-in by any
method from a device not seen for the user in 90 days (user-agent family + /24 or /48 network,
kept as a keyed hash) mails the account "New sign-in to your account" with the time, the
approximate network, the device, the method and a link to the sessions page; never for the first
sign-in after sign-up, never twice for one device, once for parallel sign-ins from one new
device. Real binary behind a trusted proxy (X-Forwarded-For), the SMTP sink."""

import concurrent.futures
import re
import time
import unittest

import test_password_reset as reset
from harness import Client
from otp_support import code_in
from test_delivery import SITE

ALERT = "New sign-in to your account"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Mobile Safari/537.36")
SAFARI_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.1 Safari/605.1.15")
SETTLE = 0.7  # seconds within which a queued mail reaches the sink


class AlertCase(reset.ResetCase):
    fakes_env = {"TRUSTED_PROXIES": "127.0.0.1/32"}

    def sign_in(self, address, agent, ip="198.51.100.7", client=None, **credentials):
        body = credentials or {"email": address, "password": reset.PASSWORD}
        r = (client or self.c).post("token/", body, headers={"User-Agent": agent, "X-Forwarded-For": ip})
        self.assertEqual(r.status, 200, r)
        return r.json()["token"]

    def alerts(self, address, count=None):
        """The alerts mailed to `address`: waits for `count` of them, then SETTLE more seconds."""
        deadline = time.monotonic() + 10
        while count is not None and len(self._alerts(address)) < count:
            self.assertLess(time.monotonic(), deadline, f"no alert #{count} to {address}")
            time.sleep(0.05)
        time.sleep(SETTLE)
        return self._alerts(address)

    def _alerts(self, address):
        return [m for m in self.smtp.to(address) if m.message()["Subject"] == ALERT]

    def new_account(self):
        """A signed-up user that has not signed in yet."""
        reset.ResetCase.counter += 1
        address = f"alert{reset.ResetCase.counter}-{type(self).__name__.lower()}@example.com"
        r = self.c.signup(username=address.split("@")[0], email=address, password=reset.PASSWORD)
        self.assertEqual(r.status, 201, r)
        return address


class SignInAlertsTest(AlertCase):
    def test_none_after_the_first_sign_in_after_sign_up(self):
        address = self.new_account()
        self.sign_in(address, FIREFOX)
        self.sign_in(address, FIREFOX)
        self.assertEqual(self.alerts(address), [])

    def test_a_new_device_is_told_once_with_time_network_device_method_and_link(self):
        address = self.new_account()
        self.sign_in(address, FIREFOX, ip="198.51.100.7")
        before = time.gmtime()
        self.sign_in(address, CHROME_ANDROID, ip="203.0.113.45")
        mails = self.alerts(address, 1)
        self.assertEqual(len(mails), 1)
        text = mails[0].text()
        self.assertIn("Network: 203.0.113.0/24\n", text)
        self.assertIn("Device: Chrome on Android\n", text)
        self.assertIn("Method: password\n", text)
        self.assertIn(SITE + "/sessions/\n", text)
        stamp = re.search(r"Time: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC\n", text)
        self.assertIsNotNone(stamp, text)
        self.assertIn(stamp.group(1), {time.strftime("%Y-%m-%d %H:%M", before),
                                       time.strftime("%Y-%m-%d %H:%M", time.gmtime())})
        self.assertNotIn("203.0.113.45", text)  # only the network, not the address
        # The same device again, and from another address of the same /24: nothing more.
        self.sign_in(address, CHROME_ANDROID, ip="203.0.113.45")
        self.sign_in(address, CHROME_ANDROID, ip="203.0.113.200")
        # Another browser version of the same family is the same device too.
        self.sign_in(address, CHROME_ANDROID.replace("Chrome/120", "Chrome/121"), ip="203.0.113.9")
        self.assertEqual(len(self.alerts(address)), 1)
        # Another network (same browser) and another browser (same network) are new devices.
        self.sign_in(address, CHROME_ANDROID, ip="192.0.2.1")
        self.sign_in(address, SAFARI_MAC, ip="203.0.113.45")
        texts = [m.text() for m in self.alerts(address, 3)]
        self.assertEqual(len(texts), 3)
        self.assertIn("Network: 192.0.2.0/24\nDevice: Chrome on Android\n", texts[1])
        self.assertIn("Network: 203.0.113.0/24\nDevice: Safari on macOS\n", texts[2])

    def test_ipv6_devices_are_told_by_their_48(self):
        address = self.new_account()
        self.sign_in(address, FIREFOX, ip="198.51.100.7")
        self.sign_in(address, FIREFOX, ip="2001:db8:1:2::10")
        self.sign_in(address, FIREFOX, ip="2001:db8:1:ffff::99")
        mails = self.alerts(address, 1)
        self.assertEqual(len(mails), 1)
        self.assertIn("Network: 2001:db8:1::/48\n", mails[0].text())

    def test_parallel_sign_ins_from_one_new_device_mail_once(self):
        address = self.new_account()
        self.sign_in(address, FIREFOX)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: self.sign_in(address, SAFARI_MAC, ip="192.0.2.77", client=Client(self.server)),
                          range(8)))
        self.assertEqual(len(self.alerts(address, 1)), 1)

    def test_a_user_who_signed_in_before_devices_were_kept_is_told(self):
        # A user with a live session but no device rows (signed in before the upgrade that keeps
        # them): the first device then seen is new, unlike the first sign-in after sign-up.
        address = self.new_account()
        self.sign_in(address, FIREFOX)
        user_id = self.server.sql("SELECT id FROM users WHERE email = ?", (address,))[0][0]
        self.server.sql("DELETE FROM known_devices WHERE user_id = ?", (user_id,))
        self.sign_in(address, SAFARI_MAC, ip="192.0.2.8")
        mails = self.alerts(address, 1)
        self.assertEqual(len(mails), 1)
        self.assertIn("Network: 192.0.2.0/24\nDevice: Safari on macOS\n", mails[0].text())
        self.assertEqual(self.server.sql(
            "SELECT event, method, ip FROM audit_log WHERE user_id = ? AND event = 'new_device_sign_in'", (user_id,)),
            [("new_device_sign_in", "password", "192.0.2.8")])

    def test_a_device_not_seen_for_90_days_is_new_again(self):
        address = self.new_account()
        self.sign_in(address, FIREFOX)
        self.sign_in(address, SAFARI_MAC)
        self.assertEqual(len(self.alerts(address, 1)), 1)
        user_id = self.server.sql("SELECT id FROM users WHERE email = ?", (address,))[0][0]
        # 89 days: still known.
        self.server.sql("UPDATE known_devices SET last_seen_at = last_seen_at - 89 * 86400 WHERE user_id = ?",
                        (user_id,))
        self.sign_in(address, SAFARI_MAC)
        self.assertEqual(len(self.alerts(address)), 1)
        # 90 days since it was last seen: new again.
        self.server.sql("UPDATE known_devices SET last_seen_at = last_seen_at - 90 * 86400 WHERE user_id = ?",
                        (user_id,))
        self.sign_in(address, SAFARI_MAC)
        self.assertEqual(len(self.alerts(address, 2)), 2)

    def test_otp_sign_in_is_told_with_its_method(self):
        address = self.new_account()
        self.sign_in(address, FIREFOX)
        r = self.c.post("otp/", {"email": address})
        self.assertEqual(r.status, 200, r)
        code = code_in(self.smtp.wait_to(address).text())
        self.sign_in(address, CHROME_ANDROID, email=address, otp=code)
        mails = self.alerts(address, 1)
        self.assertEqual(len(mails), 1)
        self.assertIn("Method: otp\n", mails[0].text())

    def test_devices_are_kept_hashed(self):
        address = self.new_account()
        self.sign_in(address, FIREFOX, ip="198.51.100.7")
        rows = self.server.sql("SELECT device_hash FROM known_devices kd JOIN users u ON u.id = kd.user_id "
                               "WHERE u.email = ?", (address,))
        self.assertEqual(len(rows), 1)
        self.assertRegex(rows[0][0], r"^[0-9a-f]{64}$")


class AlertsOffTest(AlertCase):
    fakes_env = {"TRUSTED_PROXIES": "127.0.0.1/32", "SIGNIN_ALERTS": "false"}

    def test_no_alert_and_no_device_rows_when_off(self):
        address = self.new_account()
        self.sign_in(address, FIREFOX)
        self.sign_in(address, SAFARI_MAC, ip="192.0.2.1")
        self.assertEqual(self.alerts(address), [])
        self.assertEqual(self.server.sql("SELECT count(*) FROM known_devices"), [(0,)])


if __name__ == "__main__":
    unittest.main()
