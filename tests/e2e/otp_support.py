"""Helpers for the OTP end-to-end tests: a server whose email and SMS backends write one file
per message, readers for the newest message to an address, and TOTP in pure Python."""

import base64
import email
import email.policy
import hashlib
import hmac
import os
import re
import struct
import tempfile
import time

from harness import Server

CODE_LINE = re.compile(r"^\s*(\d{6})\s*$", re.MULTILINE)
LINK = re.compile(r"(\S*/login/([A-Za-z0-9_\-=]+)(\?redirect_path=\S*)?)")


class Outbox:
    """The folders the file backends write to."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="dfauth-otp-mail-")
        self.mail = os.path.join(self.root, "mail")
        self.sms = os.path.join(self.root, "sms")

    def env(self):
        return {"DF_AUTH_EMAIL_BACKEND": "file", "DF_AUTH_EMAIL_FILE_PATH": self.mail,
                "DF_AUTH_SMS_BACKEND": "file", "DF_AUTH_SMS_FILE_PATH": self.sms}

    def _files(self, folder, suffix):
        if not os.path.isdir(folder):
            return []
        names = [n for n in os.listdir(folder) if n.endswith(suffix) and not n.startswith(".")]
        # "<unix ms>-<outbox id>.<ext>": sort by the number pair, newest last.
        return sorted(names, key=lambda n: tuple(int(p) for p in n.split(".")[0].split("-")))

    def emails_all(self):
        """Every email, oldest first, as (text part, message)."""
        out = []
        for name in self._files(self.mail, ".eml"):
            try:
                with open(os.path.join(self.mail, name), "rb") as f:
                    msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            except FileNotFoundError:  # forget() on another thread
                continue
            out.append((msg.get_body(("plain",)).get_content(), msg))
        return out

    def emails(self, to):
        """Every email to `to` (case-insensitive), oldest first, as (text part, message)."""
        return [(text, msg) for text, msg in self.emails_all() if msg["To"].lower() == to.lower()]

    def sms_messages(self, to):
        out = []
        for name in self._files(self.sms, ".sms"):
            with open(os.path.join(self.sms, name)) as f:
                text = f.read()
            head, _, body = text.partition("\n\n")
            if head == f"To: {to}":
                out.append(body.strip())
        return out

    def wait_email(self, to, count=1, timeout=10):
        """The text of the count-th email to `to`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.emails(to)
            if len(found) >= count:
                return found[count - 1][0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no email #{count} to {to} within {timeout} s")
            time.sleep(0.05)

    def wait_sms(self, to, count=1, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            found = self.sms_messages(to)
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no SMS #{count} to {to} within {timeout} s")
            time.sleep(0.05)

    def email_code(self, to, count=1, timeout=10):
        """The code of the count-th email to `to` that carries one (notices such as
        new_device_email carry none and are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            texts = [text for text, _ in self.emails(to) if CODE_LINE.search(text)]
            if len(texts) >= count:
                return code_in(texts[count - 1])
            if time.monotonic() > deadline:
                raise AssertionError(f"no code email #{count} to {to} within {timeout} s")
            time.sleep(0.05)

    def forget(self, to):
        """Deletes every email to `to` (a long run keeps the folder, which each read scans, small)."""
        for name in self._files(self.mail, ".eml"):
            path = os.path.join(self.mail, name)
            try:
                with open(path, "rb") as f:
                    msg = email.message_from_bytes(f.read(), policy=email.policy.default)
                if msg["To"].lower() == to.lower():
                    os.remove(path)
            except FileNotFoundError:  # forgotten on another thread
                pass

    def sms_code(self, to, count=1):
        return code_in(self.wait_sms(to, count))


def code_in(text):
    match = CODE_LINE.search(text)
    if not match:
        raise AssertionError(f"no standalone 6-digit code in {text!r}")
    return match.group(1)


def magic_link_in(text):
    """(link, segment, redirect query or None) of the magic sign-in link in a message."""
    match = LINK.search(text)
    if not match:
        raise AssertionError(f"no magic link in {text!r}")
    return match.group(1), match.group(2), match.group(3)


def decode_segment(segment):
    """The (email, code) a magic-link segment carries: base64url of "<email>/<code>"."""
    text = base64.urlsafe_b64decode(segment).decode()
    address, _, code = text.rpartition("/")
    return address, code


def otp_server(outbox, **env):
    """A Server with file delivery into `outbox`; no back-off, no send limit and no failed-login
    lock-out unless asked (so each test sees the OTP rule it is about)."""
    settings = {"DF_AUTH_OTP_THROTTLE_FACTOR": "0", "DF_AUTH_THROTTLE_OTP_SEND": "off",
                "DF_AUTH_THROTTLE_LOGIN_FAILURES": "off", "DF_AUTH_THROTTLE_LOGIN_FAILURES_IP": "off"}
    settings.update(outbox.env())
    settings.update({f"DF_AUTH_{k}": v for k, v in env.items()})
    return Server(env=settings)


def secret_of(otpauth_url):
    match = re.search(r"[?&]secret=([A-Z2-7]+)", otpauth_url)
    if not match:
        raise AssertionError(f"no secret in {otpauth_url}")
    return match.group(1)


def totp(secret_b32, step_offset=0, now=None):
    """RFC 6238 (SHA-1, 6 digits, 30 s) for the base32 secret, at now + step_offset steps."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if now is None else now) // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 15
    value = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000
    return f"{value:06d}"
