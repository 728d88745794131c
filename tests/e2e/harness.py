"""End-to-end harness: starts the real df-auth binary and talks HTTP to it.

Standard library only, plus psycopg2 on PostgreSQL. Tests import it as
    from harness import Server, Client, assert_error, decode_jwt_payload
and need DFAUTH_BIN (path to the built df-auth) in the environment.

The backend: DFAUTH_E2E_BACKEND=sqlite (default; a file in the server's temp dir) or
postgres (a fresh database per Server on the cluster DFAUTH_TEST_POSTGRES_URL names, dropped
at cleanup). Tests reach the database only through Server.sql(), which takes SQLite's `?`
placeholders on both.
"""

import base64
import http.client
import json
import os
import re
import secrets
import shutil
import sqlite3
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

API_PREFIX = "/api/v1/auth/"
TEST_SECRET_KEY = "e2e-test-secret-key-0123456789-abcdefghijklmnopqrs"  # 50 characters
START_TIMEOUT = 15
STOP_TIMEOUT = 10
_LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


# -- secrets hygiene (issue 13 item 6) ---------------------------------------------------------
# Every secret the suite sends or receives is remembered: passwords, OTP and backup codes,
# tokens and refresh tokens, TOTP secrets, and the servers' own secret settings (signing key,
# SMTP/Twilio/social/metrics secrets, the database password). A server's log (stderr), every
# error body and check-config's output must contain none of them: Server.stop() and
# Client.request() fail the test that shows one.
SENT_SECRET_FIELDS = {"password", "new_password", "old_password", "otp", "token", "refresh", "code"}
RECEIVED_SECRET_FIELDS = {"token", "refresh", "codes"}
SECRETS = set()
CHECK_SECRETS = True  # tests/soak turns it off: hours of tokens make the scans quadratic
# The settings config/keys.cpp marks secret (check-config masks them).
_SECRET_SETTINGS = re.compile(r"^DF_AUTH_(SECRET_KEY|EMAIL_HOST_PASSWORD|OTP_TWILIO_AUTH|METRICS_TOKEN|"
                              r"SOCIAL_AUTH_(GOOGLE_OAUTH2|FACEBOOK|APPLE_ID)_SECRET)$")


def remember_secret(value):
    """Adds one value to the secrets no log or error body may show. Codes of 6+ digits match
    as whole digit runs; other values when 8+ characters and not a bare lowercase word (a
    password test's "password" is also a word of every log)."""
    if isinstance(value, (list, tuple)):
        for v in value:
            remember_secret(v)
        return
    if not isinstance(value, str) or not CHECK_SECRETS:
        return
    if (value.isdigit() and len(value) >= 6) or (len(value) >= 8 and not value.isalpha()):
        SECRETS.add(value)
    for secret in urllib.parse.parse_qs(urllib.parse.urlsplit(value).query).get("secret", []):
        SECRETS.add(secret)  # an otpauth:// URL's TOTP secret


def secrets_in(text):
    """The remembered secrets that occur in `text`."""
    found = []
    for secret in SECRETS.copy():  # clients on other threads add to it
        if secret.isdigit():
            if re.search(rf"(?<!\d){secret}(?!\d)", text):
                found.append(secret)
        elif secret in text:
            found.append(secret)
    return found


def _remember_received(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in RECEIVED_SECRET_FIELDS:
                remember_secret(value)
            elif key == "url":
                remember_secret(value)
            else:
                _remember_received(value)
    elif isinstance(node, list):
        for value in node:
            _remember_received(value)


BACKEND = os.environ.get("DFAUTH_E2E_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgres"):
    raise RuntimeError(f"DFAUTH_E2E_BACKEND must be sqlite or postgres, not {BACKEND!r}")


def postgres_url(database=None):
    """The test cluster's URL, or the same URL naming another database."""
    url = os.environ.get("DFAUTH_TEST_POSTGRES_URL")
    if not url:
        raise RuntimeError("DFAUTH_E2E_BACKEND=postgres needs DFAUTH_TEST_POSTGRES_URL")
    if database is None:
        return url
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database))


def postgres_admin(statement):
    """Runs one statement outside a transaction (CREATE/DROP DATABASE) on the test cluster."""
    import psycopg2
    conn = psycopg2.connect(postgres_url())
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def create_postgres_database(prefix="dfauth_e2e"):
    """A new empty database on the test cluster; returns its name."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    postgres_admin(f"CREATE DATABASE {name}")
    return name


def drop_postgres_database(name):
    postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _binary():
    path = os.environ.get("DFAUTH_BIN")
    if not path:
        raise RuntimeError("DFAUTH_BIN must name the df-auth binary")
    return path


class Server:
    """One df-auth process on a free loopback port, with its own temp dir and SQLite file.

    `env` overrides the defaults below; a value of None removes that variable.
    """

    def __init__(self, env=None, args=("serve",), workdir=None, database_of=None, database_url=None,
                 binary=None):
        """`workdir` reuses another (stopped) server's directory and database; `database_of`
        shares a running server's database only (a second replica); `database_url` names a
        database the caller owns; `binary` another df-auth than DFAUTH_BIN's (a packaged one)."""
        self.binary = binary or _binary()
        self.workdir = workdir or tempfile.mkdtemp(prefix="dfauth-e2e-")
        self._owned_database = None
        if database_url is not None:
            self.database_url = database_url
        elif database_of is not None:
            self.database_url = database_of.database_url
        else:
            self.database_url = self._database_url(reusing=workdir is not None)
        self.env = self._environment(env or {})
        for key, value in self.env.items():
            if _SECRET_SETTINGS.match(key):
                remember_secret(value)
        remember_secret(urllib.parse.urlsplit(self.database_url).password)
        self.args = list(args)
        self.stderr_lines = []
        self.port = None
        self.proc = None
        self._reader = None
        self._port_found = threading.Event()

    def _database_url(self, reusing):
        """This server's DATABASE_URL; a server on another's workdir shares its database."""
        if BACKEND == "sqlite":
            return f"sqlite://{self.workdir}/db.sqlite3"
        marker = os.path.join(self.workdir, "postgres-database")
        if reusing and os.path.exists(marker):
            with open(marker) as f:
                return postgres_url(f.read().strip())
        self._owned_database = create_postgres_database()
        with open(marker, "w") as f:
            f.write(self._owned_database)
        return postgres_url(self._owned_database)

    def _environment(self, overrides):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DF_AUTH_")}
        env.update({
            "DF_AUTH_LISTEN": "127.0.0.1:0",
            "DF_AUTH_DATABASE_URL": self.database_url,
            "DF_AUTH_SECRET_KEY": TEST_SECRET_KEY,
            "DF_AUTH_ARGON2_MEMORY_KIB": "64",
            "DF_AUTH_ARGON2_TIME_COST": "1",
            "DF_AUTH_THROTTLE_ANON": "off",
            "DF_AUTH_THROTTLE_USER": "off",
        })
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
        return env

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, *self.args], cwd=self.workdir, env=self.env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._port_found.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                reason = (f"exited with {self.proc.returncode}" if self.proc.poll() is not None
                          else f"did not listen within {START_TIMEOUT} s")
                self.kill()
                raise RuntimeError(f"df-auth {reason}; stderr:\n{self.stderr()}")
        return self

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr_lines.append(line)
            match = _LISTENING.search(line)
            if match and self.port is None:
                self.port = int(match.group(1))
                self._port_found.set()

    def stop(self):
        """SIGTERM, then require a clean exit (code 0) within STOP_TIMEOUT seconds."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"df-auth did not exit within {STOP_TIMEOUT} s of SIGTERM; "
                                 f"stderr:\n{self.stderr()}")
        self._finish()
        if code != 0:
            raise AssertionError(f"df-auth exited with {code} on stop; stderr:\n{self.stderr()}")
        self.assert_no_secret_logged()

    def assert_no_secret_logged(self):
        """Fails when a remembered secret occurs in any line this server wrote."""
        leaks = [(line, found) for line in self.stderr_lines if (found := secrets_in(line))]
        if leaks:
            raise AssertionError("secrets in the server's log: " + "; ".join(
                f"{found} in {line!r}" for line, found in leaks[:5]))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._finish()

    def _finish(self):
        if self._reader is not None:
            self._reader.join(5)
        if self.proc is not None and (self._reader is None or not self._reader.is_alive()):
            self.proc.stderr.close()  # read to the end by the reader

    def cleanup(self):
        """Removes the temp dir and the database it created (the process must be stopped)."""
        if self._owned_database:
            drop_postgres_database(self._owned_database)
            self._owned_database = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.stop()
            else:
                self.kill()
        finally:
            self.cleanup()

    # -- helpers -----------------------------------------------------------------------------

    def sql(self, statement, params=()):
        """Runs one statement on this server's database (either backend; `?` placeholders)
        and commits; returns the rows it produced (a list of tuples, empty when none)."""
        if self.database_url.startswith("sqlite://"):
            db = sqlite3.connect(self.database_url[len("sqlite://"):])
            try:
                rows = db.execute(statement, params).fetchall()
                db.commit()
                return rows
            finally:
                db.close()
        import psycopg2
        db = psycopg2.connect(self.database_url)
        try:
            with db.cursor() as cur:
                cur.execute(statement.replace("?", "%s"), params)
                rows = cur.fetchall() if cur.description else []
            db.commit()
            return rows
        finally:
            db.close()

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}{_full_path(path)}"

    def stderr(self):
        """Everything the server wrote to stderr so far, as one string."""
        return "\n".join(self.stderr_lines)

    def wait_stderr(self, needle, timeout=5):
        """stderr() once it contains `needle` (access-log lines leave after the response, at the
        end of the event-loop turn); fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while needle not in self.stderr():
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not in stderr:\n{self.stderr()}")
            time.sleep(0.02)
        return self.stderr()

    def client(self):
        return Client(self)

    def run_cli(self, *args, input=None, env_extra=None, timeout=60):
        """Runs `df-auth <args>` with this server's environment and working dir."""
        env = dict(self.env)
        for key, value in (env_extra or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
        for key, value in env.items():
            if _SECRET_SETTINGS.match(key):
                remember_secret(value)
        done = subprocess.run([self.binary, *map(str, args)], cwd=self.workdir, env=env,
                              input=input, capture_output=True, text=True, timeout=timeout)
        if args and args[0] == "check-config":
            leaked = secrets_in(done.stdout + done.stderr)
            if leaked:
                raise AssertionError(f"check-config shows secrets {leaked}:\n{done.stdout}{done.stderr}")
        return done


def _full_path(path):
    return path if path.startswith("/") else API_PREFIX + path


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"Resp({self.status}, {self.body[:500]!r})"


def _check_secrets_of(resp):
    """Remembers the secrets a JSON answer hands out; fails when an error body shows one."""
    if not resp.headers.get("content-type", "").startswith("application/json"):
        return
    try:
        doc = json.loads(resp.body)
    except ValueError:
        return
    if resp.status >= 400:
        leaked = secrets_in(resp.body.decode("utf-8", "replace"))
        if leaked:
            raise AssertionError(f"secrets {leaked} in an error body: {resp!r}")
    else:
        _remember_received(doc)


class Client:
    """A keep-alive HTTP client bound to one Server (or to a port number)."""

    def __init__(self, server, timeout=30):
        self.port = server if isinstance(server, int) else server.port
        self.timeout = timeout
        self._conn = None

    def _connection(self):
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        return self._conn

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __del__(self):
        # Tests often use a client for one request (Client(server).get(...)): close its socket
        # when it goes, so the test output is not buried under ResourceWarnings.
        self.close()

    def request(self, method, path, body=None, token=None, headers=None, form=False, raw=None,
                multipart=False):
        """Sends one request. `body` is JSON-encoded (form-encoded with form=True, multipart
        with multipart=True); `raw` (bytes or str) is sent as it is. Paths not starting with
        '/' are under the API prefix."""
        send_headers = {}
        payload = None
        if raw is not None:
            payload = raw.encode() if isinstance(raw, str) else raw
        elif body is not None and multipart:
            boundary = "dfauth-e2e-boundary"
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                     for k, v in body.items()]
            payload = ("".join(parts) + f"--{boundary}--\r\n").encode()
            send_headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None and form:
            payload = urllib.parse.urlencode(body).encode()
            send_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            payload = json.dumps(body).encode()
            send_headers["Content-Type"] = "application/json"
        if isinstance(body, dict):
            for key, value in body.items():
                if key in SENT_SECRET_FIELDS:
                    remember_secret(value)
        if token is not None:
            remember_secret(token)
            send_headers.update(auth_header(token))
        send_headers.update(headers or {})
        target = _full_path(path)
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, target, body=payload, headers=send_headers)
                response = conn.getresponse()
                data = response.read()
            except (ConnectionError, http.client.RemoteDisconnected,
                    http.client.CannotSendRequest, http.client.BadStatusLine):
                # The server closed the kept-alive connection; retry once on a fresh one.
                self.close()
                if attempt == 1:
                    raise
                continue
            result = Resp(response.status,
                          {k.lower(): v for k, v in response.getheaders()}, data)
            _check_secrets_of(result)
            if response.will_close:
                self.close()
            return result

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def signup(self, **fields):
        """POST users/ with `fields`; returns the Resp (201 on success)."""
        return self.post("users/", fields)

    def login(self, **fields):
        """POST token/ with `fields`; returns the token, failing loudly when not 200."""
        resp = self.post("token/", fields)
        if resp.status != 200:
            raise AssertionError(f"login failed: {resp!r}")
        return resp.json()["token"]


def auth_header(token):
    return {"Authorization": f"Bearer {token}"}


def decode_jwt_payload(token, part=1):
    """The claims (part=1) or the header (part=0) of a JWS compact token, unverified."""
    payload = token.split(".")[part]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


MISSING = object()


def assert_error(testcase, resp, status, code, field=MISSING, message=None):
    """Asserts the envelope {"errors":[{...}]}: the status, errors[0].code, errors[0].field
    (absent when `field` is MISSING) and, when given, errors[0].message."""
    testcase.assertEqual(resp.status, status, resp)
    body = resp.json()
    testcase.assertIsInstance(body.get("errors"), list, body)
    testcase.assertTrue(body["errors"], body)
    first = body["errors"][0]
    testcase.assertEqual(first.get("code"), code, body)
    if field is MISSING:
        testcase.assertNotIn("field", first, body)
    else:
        testcase.assertEqual(first.get("field"), field, body)
    if message is not None:
        testcase.assertEqual(first.get("message"), message, body)
