"""Hostile HTTP (issue 13 item 4), over raw sockets: slowloris headers and a slow body are cut by
HTTP_HEADER_TIMEOUT / HTTP_BODY_TIMEOUT while a parallel client is served; 10,000 idle connections
are held while new clients get answers (the server raises its own open-file limit, and answers
503 past HTTP_MAX_CONNECTIONS); request smuggling attempts get 400 and a close, the smuggled
request unanswered; pipelined requests are answered in order; a 1 GB Content-Length is refused
before any body is sent. Figures go to stderr, prefixed "hostile:"."""
import json
import os
import resource
import selectors
import socket
import statistics
import sys
import threading
import time
import unittest

from harness import API_PREFIX, Client, Server, remember_secret

HEALTH = b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
MALFORMED = {"errors": [{"message": "Malformed HTTP request.", "code": "parse_error"}]}


def report(line):
    print(f"hostile: {line}", file=sys.stderr, flush=True)


def connect(server, timeout=5):
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def read_until_closed(sock, timeout=5):
    """Everything the server sends until it closes the connection; fails if it stays open."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            raise AssertionError(f"connection still open after {timeout} s; received {data!r}")
        if not chunk:
            return data
        data += chunk
        if time.monotonic() > deadline:
            raise AssertionError(f"connection still open after {timeout} s; received {data!r}")


def parse_responses(data):
    """The responses in `data`, in order, as (status, headers with lower-cased names, body)."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"truncated response head: {data!r}")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        out.append((status, headers, rest[:length]))
        data = rest[length:]
    return out


def post_json(path, doc, extra=""):
    body = json.dumps(doc).encode()
    return (f"POST {API_PREFIX}{path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n").encode() + body


class SlowClientsTest(unittest.TestCase):
    """Read timeouts of 2 s: a trickling client is cut at the deadline, others are unaffected."""
    HEADER_TIMEOUT = 2
    BODY_TIMEOUT = 2

    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"DF_AUTH_HTTP_HEADER_TIMEOUT": cls.HEADER_TIMEOUT,
                                 "DF_AUTH_HTTP_BODY_TIMEOUT": cls.BODY_TIMEOUT}).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def trickle(self, preamble, payload, result):
        """Sends `preamble` at once, then `payload` one byte every 0.5 s until the server
        closes; records the seconds from the first trickled byte to the close."""
        sock = connect(self.server)
        try:
            sock.sendall(preamble)
            sent, received, start = 0, b"", None
            for byte in payload:
                try:
                    sock.sendall(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    break
                start = start or time.monotonic()
                sent += 1
                sock.settimeout(0.5)
                try:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    received += chunk
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    break
            result.update(cut=time.monotonic() - start, sent=sent, received=received)
        finally:
            sock.close()

    def under_normal_load(self, preamble, payload):
        """Trickles on a thread while this thread's client asks /health/live every 50 ms."""
        result = {}
        slow = threading.Thread(target=self.trickle, args=(preamble, payload, result))
        slow.start()
        client, latencies = Client(self.server), []
        while slow.is_alive():
            began = time.monotonic()
            r = client.get("/health/live")
            latencies.append(time.monotonic() - began)
            self.assertEqual((r.status, r.json()), (200, {"status": "ok"}))
            time.sleep(0.05)
        slow.join()
        return result, latencies

    def test_slowloris_headers_are_cut_at_the_header_timeout(self):
        payload = b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        result, latencies = self.under_normal_load(b"", payload)
        report(f"slowloris cut after {result['cut']:.2f} s (HTTP_HEADER_TIMEOUT={self.HEADER_TIMEOUT}), "
               f"{result['sent']} bytes trickled; parallel client {len(latencies)} x 200, "
               f"max {max(latencies) * 1000:.1f} ms")
        self.assertEqual(result["received"], b"")  # closed, nothing answered
        self.assertGreaterEqual(result["sent"], 4)  # it did trickle: not cut for being idle
        self.assertGreaterEqual(result["cut"], self.HEADER_TIMEOUT - 0.1)
        self.assertLessEqual(result["cut"], self.HEADER_TIMEOUT + 0.75)
        # Answered all along the 2 s (about 39 on a quiet machine; 19 under ASan with a load
        # average of 12, when the client itself waits for the CPU): served, not starved.
        self.assertGreaterEqual(len(latencies), 10)
        self.assertLess(max(latencies), 0.25)

    def test_slow_body_is_cut_at_the_body_timeout(self):
        preamble = (f"POST {API_PREFIX}token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f"Content-Length: 200\r\n\r\n").encode()
        result, latencies = self.under_normal_load(preamble, b'{"username": "' + b"b" * 180)
        report(f"slow body cut after {result['cut']:.2f} s (HTTP_BODY_TIMEOUT={self.BODY_TIMEOUT}), "
               f"{result['sent']} bytes trickled; parallel client {len(latencies)} x 200, "
               f"max {max(latencies) * 1000:.1f} ms")
        self.assertEqual(result["received"], b"")
        self.assertGreaterEqual(result["sent"], 4)
        self.assertGreaterEqual(result["cut"], self.BODY_TIMEOUT - 0.1)
        self.assertLessEqual(result["cut"], self.BODY_TIMEOUT + 0.75)
        # Answered all along the 2 s (about 39 on a quiet machine; 19 under ASan with a load
        # average of 12, when the client itself waits for the CPU): served, not starved.
        self.assertGreaterEqual(len(latencies), 10)
        self.assertLess(max(latencies), 0.25)

    def test_an_unfinished_header_does_not_block_others(self):
        # (moved from test_http.py) A header that never ends holds only its own connection.
        s = connect(self.server)
        s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        self.assertEqual(Client(self.server).get("/health/live").status, 200)
        self.assertEqual(read_until_closed(s, timeout=self.HEADER_TIMEOUT + 1), b"")
        s.close()


class FramingTest(unittest.TestCase):
    """Smuggling attempts, pipelining and an announced 1 GB body, on one server."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        c = Client(cls.server)
        assert c.signup(username="mallory", password="mallory password").status == 201

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def assert_refused_and_closed(self, raw):
        """One 400 parse_error with Connection: close, then the close; HEALTH smuggled after
        `raw` is never answered."""
        s = connect(self.server)
        try:
            s.sendall(raw + HEALTH)
            responses = parse_responses(read_until_closed(s))
        finally:
            s.close()
        self.assertEqual(len(responses), 1, responses)
        status, headers, body = responses[0]
        self.assertEqual(status, 400, (raw, responses))
        self.assertEqual(headers.get("connection"), "close")
        self.assertEqual(headers.get("content-type"), "application/json")
        self.assertEqual(json.loads(body), MALFORMED)

    def test_smuggling_attempts_are_400_and_close(self):
        token = f"POST {API_PREFIX}token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        chunked_body = "5\r\n{\"a\":\r\n0\r\n\r\n"
        cases = {
            "CL then TE": token + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "TE then CL": token + "Transfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\n",
            "two Content-Lengths": token + "Content-Length: 2\r\nContent-Length: 4\r\n\r\n{}{}",
            "Content-Length list": token + "Content-Length: 1, 2\r\n\r\n{}",
            "Content-Length not a number": token + "Content-Length: 2x\r\n\r\n{}",
            "negative Content-Length": token + "Content-Length: -2\r\n\r\n{}",
            "obs-fold with a space": token + "X-Note: a\r\n b\r\nContent-Length: 2\r\n\r\n{}",
            "obs-fold with a tab": token + "X-Note: a\r\n\tb\r\nContent-Length: 2\r\n\r\n{}",
            "obs-folded Transfer-Encoding": token + "Transfer-Encoding:\r\n chunked\r\n\r\n" + chunked_body,
            "chunk size not hex": token + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            "negative chunk size": token + "Transfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n",
            "overflowing chunk size": token + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
            "chunk-ext garbage": token + "Transfer-Encoding: chunked\r\n\r\n2;\x01bad\r\n{}\r\n0\r\n\r\n",
            "chunk size with junk": token + "Transfer-Encoding: chunked\r\n\r\n2 x\r\n{}\r\n0\r\n\r\n",
            "chunked, identity": token + "Transfer-Encoding: chunked, identity\r\n\r\n" + chunked_body,
            "identity, chunked": token + "Transfer-Encoding: identity, chunked\r\n\r\n" + chunked_body,
            "xchunked": token + "Transfer-Encoding: xchunked\r\n\r\n" + chunked_body,
            "two Transfer-Encodings": token + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body,
            "space before colon": token + "Content-Length : 2\r\n\r\n{}",
            "space before colon in Host": "GET /health/live HTTP/1.1\r\nHost : x\r\n\r\n",
            "bare LF line ending": "GET /health/live HTTP/1.1\nHost: x\n\n",
        }
        for name, raw in cases.items():
            with self.subTest(name):
                self.assert_refused_and_closed(raw.encode("latin-1"))
        self.assertEqual(Client(self.server).get("/health/live").status, 200)

    def test_one_chunked_body_is_still_served(self):
        # The control: the same framing done right is read and answered.
        body = json.dumps({"username": "mallory", "password": "wrong guess 1"}).encode()
        raw = (f"POST {API_PREFIX}token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               f"{len(body):x}\r\n").encode() + body + b"\r\n0\r\n\r\n"
        s = connect(self.server)
        s.sendall(raw)
        responses = parse_responses(read_until_closed(s))
        s.close()
        self.assertEqual([r[0] for r in responses], [401])
        self.assertEqual(json.loads(responses[0][2])["errors"][0]["code"], "authentication_failed")

    def test_pipelined_requests_are_answered_in_order(self):
        remember_secret("mallory password")
        raw = (HEALTH
               + post_json("token/", {"username": "mallory", "password": "mallory password"})
               + post_json("token/verify/", {"token": "not.a.token"})
               + f"GET {API_PREFIX}nope/ HTTP/1.1\r\nHost: x\r\n\r\n".encode()
               + f"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        s = connect(self.server)
        s.sendall(raw)
        responses = parse_responses(read_until_closed(s))
        s.close()
        self.assertEqual([r[0] for r in responses], [200, 200, 401, 404, 200], responses)
        docs = [json.loads(r[2]) for r in responses]
        self.assertEqual(docs[0], {"status": "ok"})
        self.assertEqual(sorted(docs[1]), ["token"])
        remember_secret(docs[1]["token"])
        self.assertEqual(docs[2]["errors"][0]["code"], "token_not_valid")
        self.assertEqual(docs[3]["errors"][0]["code"], "not_found")
        self.assertEqual(docs[4], {"status": "ok"})
        self.assertEqual([r[1].get("connection") for r in responses][-1], "close")

    def test_a_one_gigabyte_content_length_is_413_before_any_body(self):
        head = (f"POST {API_PREFIX}token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {1 << 30}\r\n")
        for name, extra in (("plain", ""), ("Expect: 100-continue", "Expect: 100-continue\r\n")):
            with self.subTest(name):
                s = connect(self.server)
                began = time.monotonic()
                s.sendall((head + extra + "\r\n").encode())
                responses = parse_responses(read_until_closed(s, timeout=2))
                elapsed = time.monotonic() - began
                s.close()
                report(f"1 GB Content-Length ({name}): 413 and close after {elapsed * 1000:.1f} ms")
                self.assertEqual(len(responses), 1, responses)  # no 100 Continue before it
                status, headers, body = responses[0]
                self.assertEqual(status, 413)
                self.assertEqual(headers.get("connection"), "close")
                self.assertEqual(json.loads(body), {"errors": [
                    {"message": "Request body is too large.", "code": "request_too_large"}]})
                self.assertLess(elapsed, 0.25)


def open_idle_connections(port, count, partial_every=2, batch=500):
    """`count` connected sockets to `port`, opened `batch` at a time without blocking; every
    `partial_every`-th one sends an unfinished request line, the others send nothing."""
    socks, sel = [], selectors.DefaultSelector()
    for first in range(0, count, batch):
        pending = {}
        for _ in range(min(batch, count - first)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            pending[s.fileno()] = s
            sel.register(s, selectors.EVENT_WRITE)
            socks.append(s)
        deadline = time.monotonic() + 30
        while pending:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(pending)} connects still pending after 30 s")
            for key, _ in sel.select(timeout=1):
                s = key.fileobj
                sel.unregister(s)
                del pending[s.fileno()]
                error = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    raise AssertionError(f"connect failed: {os.strerror(error)}")
    sel.close()
    for i, s in enumerate(socks):
        if i % partial_every == 0:
            s.send(b"GET /health/live HTTP/1.1\r\nHost: x")
    return socks


def held_connections(pid, port, reads=3):
    """How many established connections to `port` the process holds open: accepted ones, not
    those still queued in the kernel's backlog (which no descriptor of the process names).
    /proc/net/tcp is read a page at a time while the hash table changes, so one read can list a
    socket twice or skip it (another test opening 10,000 connections at once did both): count
    distinct inodes, over a few reads."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    held = set()
    for _ in range(reads):
        with open(f"/proc/{pid}/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                local_port = int(fields[1].split(":")[1], 16)
                if local_port == port and fields[3] == "01" and fields[9] in inodes:
                    held.add(fields[9])
    return len(held)


def open_file_limits(pid):
    with open(f"/proc/{pid}/limits") as f:
        line = next(l for l in f if l.startswith("Max open files"))
    soft, hard = line.split()[3:5]
    return int(soft), int(hard)


def still_open(socks):
    """The sockets that are neither readable (an answer, or the close) nor reset."""
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    readable = {key.fileobj for key, _ in sel.select(timeout=0)}
    sel.close()
    return [s for s in socks if s not in readable]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


class ManyConnectionsTest(unittest.TestCase):
    """10,000 idle connections held at once, the server started with a soft open-file limit of
    1024 (it raises its own to the hard limit)."""
    IDLE = 10_000

    @classmethod
    def setUpClass(cls):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < cls.IDLE + 1024:
            raise AssertionError(f"the hard open-file limit {hard} cannot hold {cls.IDLE} connections")
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
        try:
            cls.server = Server(env={"DF_AUTH_HTTP_HEADER_TIMEOUT": 600, "DF_AUTH_HTTP_IDLE_TIMEOUT": 600,
                                     "DF_AUTH_HTTP_BODY_TIMEOUT": 600}).__enter__()
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # for our own 10,000
        cls.hard = hard
        c = Client(cls.server)
        assert c.signup(username="crowd", password="crowd password").status == 201
        c.close()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def test_ten_thousand_idle_connections_are_held_while_new_clients_are_served(self):
        pid = self.server.proc.pid
        self.assertEqual(open_file_limits(pid), (self.hard, self.hard))
        self.server.wait_stderr(f"up to {self.hard - 256} connections (open-file limit {self.hard}, "
                                "raised to the hard limit)")
        began = time.monotonic()
        socks = open_idle_connections(self.server.port, self.IDLE)
        self.addCleanup(lambda: [s.close() for s in socks])
        opened = time.monotonic() - began
        port = self.server.port
        wait_for(lambda: held_connections(pid, port) == self.IDLE, 30, f"server holds {self.IDLE} connections")
        held = held_connections(pid, port)

        health, logins = [], []
        for i in range(20):
            c = Client(self.server, timeout=5)
            t = time.monotonic()
            r = c.get("/health/live")
            health.append(time.monotonic() - t)
            self.assertEqual((r.status, r.json()), (200, {"status": "ok"}))
            c.close()
        for i in range(5):
            c = Client(self.server, timeout=5)
            t = time.monotonic()
            token = c.login(username="crowd", password="crowd password")
            logins.append(time.monotonic() - t)
            self.assertEqual(len(token.split(".")), 3)
            c.close()
        with open(f"/proc/{pid}/status") as f:
            rss_mib = next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
        report(f"{len(socks)} idle connections opened in {opened:.2f} s, server holds {held} of them, "
               f"RSS {rss_mib:.0f} MiB; new client /health/live median {statistics.median(health) * 1000:.1f} ms "
               f"max {max(health) * 1000:.1f} ms; login median {statistics.median(logins) * 1000:.1f} ms "
               f"max {max(logins) * 1000:.1f} ms")
        # interface.md §5: <= 150 MB with 10,000 connections, a figure of the normal build. Under
        # AddressSanitizer the runtime's shadow memory and quarantine come on top (319 MiB seen):
        # there the bound only catches growth per connection.
        with open(f"/proc/{pid}/maps") as f:
            sanitized = "libasan" in f.read()
        self.assertLess(rss_mib, 512 if sanitized else 150)
        self.assertLess(max(health), 1.0)
        self.assertLess(max(logins), 2.0)
        # None of the 10,000 was answered or closed meanwhile.
        self.assertEqual(len(still_open(socks)), self.IDLE)
        self.assertEqual(held_connections(pid, port), self.IDLE)


class ConnectionLimitTest(unittest.TestCase):
    def test_a_connection_past_the_limit_gets_503_and_a_close(self):
        with Server(env={"DF_AUTH_HTTP_MAX_CONNECTIONS": 5}) as server:
            server.wait_stderr("up to 5 connections")
            idle = open_idle_connections(server.port, 5, partial_every=5)
            try:
                # Accepted in order: the server counts these five before it sees the sixth.
                s = connect(server)
                s.sendall(HEALTH)
                responses = parse_responses(read_until_closed(s))
                s.close()
                self.assertEqual(len(responses), 1, responses)
                status, headers, body = responses[0]
                self.assertEqual((status, headers.get("connection")), (503, "close"))
                self.assertEqual(json.loads(body), {"errors": [{
                    "message": "Service temporarily unavailable, try again later.",
                    "code": "service_unavailable"}]})
                self.assertEqual(len(still_open(idle)), 5)
                idle.pop().close()  # room for one more, once the server has seen the close

                def one_served():
                    s = connect(server)
                    s.sendall(HEALTH[:-2] + b"Connection: close\r\n\r\n")
                    statuses = [r[0] for r in parse_responses(read_until_closed(s))]
                    s.close()
                    return statuses == [200]
                wait_for(one_served, 5, "a connection served after one closed")
            finally:
                for s in idle:
                    s.close()


if __name__ == "__main__":
    unittest.main()
