"""Fake delivery services for the end-to-end tests, Python standard library only.

FakeSmtp: a small asyncio SMTP server on 127.0.0.1 (EHLO/HELO, optional AUTH PLAIN/LOGIN,
MAIL, RCPT, DATA, RSET, NOOP, QUIT) that records every message. It can delay each message
(like a slow relay), hold the next one, and be stopped and started again on the same port to
simulate an outage. With `tls="starttls"` it advertises STARTTLS, upgrades the session on it and
refuses MAIL (and hides AUTH) until then; with `tls="implicit"` it speaks TLS from the first byte
(smtps). `make_test_certificate` writes the self-signed certificate both use.

FakeTwilio: Twilio's Messages resource (`POST /2010-04-01/Accounts/{sid}/Messages.json`) on
http.server in a thread: checks HTTP basic auth, records the form posts, and answers with a
configurable status.
"""

import asyncio
import base64
import email
import email.policy
import http.server
import json
import os
import ssl
import subprocess
import threading
import time
import urllib.parse


class SmtpMessage:
    def __init__(self, mail_from, rcpt, data, auth, tls):
        self.mail_from = mail_from  # the address inside MAIL FROM:<...>
        self.rcpt = rcpt            # list of RCPT TO addresses
        self.data = data            # bytes as received after dot-unstuffing (CRLF line ends)
        self.auth = auth            # (user, password) when the client authenticated
        self.tls = tls              # whether the session was TLS when MAIL FROM came
        self.received_at = time.monotonic()

    def message(self):
        return email.message_from_bytes(self.data, policy=email.policy.default)

    def text(self):
        # Python keeps the CRLF of a 7bit part; compare texts with "\n" line ends.
        return self.message().get_body(("plain",)).get_content().replace("\r\n", "\n")


def make_test_certificate(folder):
    """Writes a self-signed certificate for 127.0.0.1/localhost and its key into `folder`;
    returns (cert_path, key_path). The certificate is also the CA a client must trust."""
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class FakeSmtp:
    def __init__(self, delay=0.0, credentials=None, tls=None, certificate=None):
        """`delay`: seconds each message waits before the final 250; `credentials`:
        (user, password) to advertise and require AUTH; `tls`: None (plain), "starttls" or
        "implicit", with `certificate` = (cert_path, key_path) from make_test_certificate."""
        if tls not in (None, "starttls", "implicit"):
            raise ValueError(f"tls must be None, 'starttls' or 'implicit', not {tls!r}")
        self.delay = delay
        self.credentials = credentials
        self.tls = tls
        self._ssl = None
        if tls:
            self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ssl.load_cert_chain(*certificate)
        self.port = None
        self.messages = []
        self.connections = 0
        self._next_delays = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server = None
        self._writers = set()

    # -- control (from the test thread) -----------------------------------------------------

    def start(self):
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self):
        """Closes the listening socket and every open session (an outage)."""
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)

    def close(self):
        """Stops for good (idempotent)."""
        if not self._thread.is_alive():
            return
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def hold_next(self, seconds):
        """Delays the next message by `seconds` instead of `delay`."""
        with self._lock:
            self._next_delays.append(seconds)

    def to(self, address):
        with self._lock:
            return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt)]

    def wait_count(self, count, timeout=10):
        """Waits until `count` messages have arrived in all; returns them."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.messages)} of {count} messages within {timeout} s")
                self._arrived.wait(left)
            return list(self.messages)

    def wait_to(self, address, count=1, timeout=10):
        """The count-th message to `address`, waiting for it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt)]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no message #{count} to {address} within {timeout} s")
                self._arrived.wait(left)

    # -- the server (on the loop thread) ----------------------------------------------------

    async def _start(self):
        self._server = await asyncio.start_server(
            self._session, "127.0.0.1", self.port or 0, reuse_address=True,
            ssl=self._ssl if self.tls == "implicit" else None)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self):
        # Sessions first: on newer Pythons wait_closed() waits for them.
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _session(self, reader, writer):
        self._writers.add(writer)
        with self._lock:
            self.connections += 1

        async def reply(line):
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        mail_from, rcpt, auth = None, [], None
        secure = self.tls == "implicit"
        try:
            await reply("220 fake-smtp ESMTP")
            while True:
                raw = await reader.readline()
                if not raw:
                    return
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = line.split(" ", 1)[0].upper()
                arg = line[len(verb):].strip()
                if verb == "EHLO":
                    lines = ["250-fake-smtp", "250-8BITMIME", "250-SIZE 10485760"]
                    if self.tls == "starttls" and not secure:
                        lines.append("250-STARTTLS")
                    if self.credentials and (secure or self.tls is None):
                        lines.append("250-AUTH PLAIN LOGIN")
                    lines.append("250 SMTPUTF8")
                    writer.write(("\r\n".join(lines) + "\r\n").encode())
                    await writer.drain()
                elif verb == "HELO":
                    await reply("250 fake-smtp")
                elif verb == "STARTTLS" and self.tls == "starttls" and not secure:
                    await reply("220 2.0.0 ready to start TLS")
                    await writer.start_tls(self._ssl)
                    secure = True
                    mail_from, rcpt, auth = None, [], None  # RFC 3207: forget the plain session
                elif verb == "AUTH":
                    auth = await self._auth(arg, reader, reply)
                    if auth is None:
                        await reply("535 5.7.8 authentication failed")
                    else:
                        await reply("235 2.7.0 authenticated")
                elif verb == "MAIL":
                    if self.tls and not secure:
                        await reply("530 5.7.0 must issue a STARTTLS command first")
                        continue
                    if self.credentials and auth is None:
                        await reply("530 5.7.0 authentication required")
                        continue
                    mail_from = arg.split(":", 1)[1].strip().split(" ")[0].strip("<>")
                    rcpt = []
                    await reply("250 2.1.0 OK")
                elif verb == "RCPT":
                    rcpt.append(arg.split(":", 1)[1].strip().strip("<>"))
                    await reply("250 2.1.5 OK")
                elif verb == "DATA":
                    await reply("354 end with <CRLF>.<CRLF>")
                    data = await self._read_data(reader)
                    with self._lock:
                        delay = self._next_delays.pop(0) if self._next_delays else self.delay
                    if delay:
                        await asyncio.sleep(delay)
                    with self._lock:
                        self.messages.append(SmtpMessage(mail_from, rcpt, data, auth, secure))
                        self._arrived.notify_all()
                    mail_from, rcpt = None, []
                    await reply("250 2.0.0 queued")
                elif verb == "RSET":
                    mail_from, rcpt = None, []
                    await reply("250 2.0.0 OK")
                elif verb == "NOOP":
                    await reply("250 2.0.0 OK")
                elif verb == "QUIT":
                    await reply("221 2.0.0 bye")
                    return
                else:
                    await reply("502 5.5.2 command not recognised")
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            return  # includes a client that rejects our certificate during STARTTLS
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _read_data(self, reader):
        lines = []
        while True:
            raw = await reader.readline()
            if not raw or raw == b".\r\n":
                break
            lines.append(raw[1:] if raw.startswith(b"..") else raw)  # dot-unstuffing
        return b"".join(lines)

    async def _auth(self, arg, reader, reply):
        parts = arg.split(" ")
        mechanism = parts[0].upper()
        if mechanism == "PLAIN":
            if len(parts) > 1:
                blob = parts[1]
            else:
                await reply("334 ")
                blob = (await reader.readline()).decode().strip()
            _, user, password = base64.b64decode(blob).decode().split("\0")
        elif mechanism == "LOGIN":
            if len(parts) > 1:
                user = base64.b64decode(parts[1]).decode()
            else:
                await reply("334 VXNlcm5hbWU6")
                user = base64.b64decode((await reader.readline()).strip()).decode()
            await reply("334 UGFzc3dvcmQ6")
            password = base64.b64decode((await reader.readline()).strip()).decode()
        else:
            return None
        return (user, password) if (user, password) == tuple(self.credentials) else None


class TwilioPost:
    def __init__(self, path, authorized, form):
        self.path = path
        self.authorized = authorized
        self.form = form  # dict of the form fields (single values)
        self.received_at = time.monotonic()


class FakeTwilio:
    def __init__(self, account="AC0123456789abcdef", auth_token="twilio-secret"):
        self.account = account
        self.auth_token = auth_token
        self.posts = []
        self.statuses = []  # statuses to answer next, in order; then 201
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                expected = "Basic " + base64.b64encode(f"{fake.account}:{fake.auth_token}".encode()).decode()
                authorized = self.headers.get("Authorization") == expected
                form = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
                with fake._lock:
                    fake.posts.append(TwilioPost(self.path, authorized, form))
                    status = fake.statuses.pop(0) if fake.statuses else 201
                    fake._arrived.notify_all()
                if not authorized:
                    status = 401
                ok_path = self.path == f"/2010-04-01/Accounts/{fake.account}/Messages.json"
                if not ok_path:
                    status = 404
                if status == 201:
                    payload = {"sid": "SM" + "0" * 32, "status": "queued", "to": form.get("To")}
                else:
                    payload = {"code": 20003 if status == 401 else 21211, "message": "refused",
                               "status": status}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def wait_count(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.posts) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.posts)} of {count} Twilio posts within {timeout} s")
                self._arrived.wait(left)
            return list(self.posts)
