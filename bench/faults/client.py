"""Clients of the fault runs: a mixed read/write load that logs every answer and every acknowledged write, a
/health/ prober, and slow clients. All on loopback, every request with a timeout, every loop ended by an Event."""

import http.client
import json
import random
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field

MARKER = "Prova guasti"  # title of every site the load reports (and the start of every description it writes)
ANSWER_TIMEOUT_S = 10  # an answer slower than this is a hang
OK = {"tile": {200, 204}, "list": {200}, "detail": {200}, "stats": {200}, "create": {201}, "edit": {200},
      "export": {200}, "health": {200}}


@dataclass
class Answer:
    kind: str
    method: str
    path: str
    started: float
    ended: float
    status: int | None = None  # None: no HTTP answer (refused, reset, timed out)
    error: str | None = None
    retry_after: str | None = None
    code: str | None = None  # the error format's first code

    @property
    def seconds(self):
        return self.ended - self.started

    @property
    def ok(self):
        return self.status in OK.get(self.kind, {200})


def call(url, method, path, body=None, headers=None, timeout=ANSWER_TIMEOUT_S):
    """(status, headers (lower-case names), body) of one request on a new connection."""
    scheme, address = url.split("://", 1)
    host, port = address.split(":")
    if scheme == "https":  # the proxy's port, with its throw-away certificate
        conn = http.client.HTTPSConnection(host, int(port), timeout=timeout, context=ssl._create_unverified_context())
    else:
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"X-Forwarded-Proto": "https", **(headers or {})}
    if body is not None:
        body = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def timed_call(url, kind, method, path, body=None, headers=None, timeout=ANSWER_TIMEOUT_S):
    """(Answer, response headers, body); transport errors are recorded, never raised."""
    answer = Answer(kind, method, path, time.monotonic(), 0.0)
    response_headers, content = {}, b""
    try:
        answer.status, response_headers, content = call(url, method, path, body, headers, timeout)
        answer.retry_after = response_headers.get("retry-after")
        if answer.status >= 400 and response_headers.get("content-type", "").startswith("application/json"):
            answer.code = (json.loads(content).get("errors") or [{}])[0].get("code")
    except http.client.IncompleteRead as exc:  # the status came, the body was cut short
        answer.error = f"IncompleteRead: {len(exc.partial)} bytes, then the connection closed"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        answer.error = f"{exc.__class__.__name__}: {str(exc)[:120]}"
    answer.ended = time.monotonic()
    return answer, response_headers, content


class LoadClient(threading.Thread):
    """One connection's loop. Writes: reports with a fresh Idempotency-Key each, edits of its own last report
    with If-Match; every attempt and its outcome is kept for the check against the rows afterwards."""

    def __init__(self, url, targets, tokens, number, stop, *, write_share, seed):
        super().__init__(daemon=True)
        self.url, self.targets, self.tokens, self.stop = url, targets, tokens, stop
        self.write_share, self.number = write_share, number
        self.rng = random.Random(seed * 1000 + number)
        self.answers, self.creates, self.edits = [], [], []
        self.own = None  # [site id, etag, token] of the last acknowledged report

    def run(self):
        while not self.stop.is_set():
            if self.rng.random() < self.write_share:
                self.write()
            else:
                self.read()

    def read(self):
        rng, t = self.rng, self.targets
        roll = rng.random()
        if roll < 0.5:
            z, x, y = rng.choice(t["tiles"])
            kind, path = "tile", f"/tiles/sites/{z}/{x}/{y}.pbf"
        elif roll < 0.75:
            lon, lat = rng.choice(t["points"])
            kind, path = "list", f"/api/v1/sites/?bbox={lon - 0.2:.4f},{lat - 0.15:.4f},{lon + 0.2:.4f},{lat + 0.15:.4f}&limit=100"
        elif roll < 0.95:
            kind, path = "detail", f"/api/v1/sites/{rng.choice(t['ids'])}/"
        else:
            kind, path = "stats", "/api/v1/stats/?status=verified"
        self.answers.append(timed_call(self.url, kind, "GET", path)[0])

    def write(self):
        if self.own and self.rng.random() < 0.3:
            return self.edit()
        token = self.rng.choice(self.tokens)
        key = str(uuid.uuid4())
        lon, lat = self.rng.choice(self.targets["points"])
        point = {"type": "Point", "coordinates": [round(lon + self.rng.uniform(-1e-3, 1e-3), 6),
                                                  round(lat + self.rng.uniform(-1e-3, 1e-3), 6)]}
        answer, headers, content = timed_call(self.url, "create", "POST", "/api/v1/sites/",
                                     {"title": MARKER, "kind": "building", "location": point},
                                     {"Authorization": f"Token {token}", "Idempotency-Key": key})
        self.answers.append(answer)
        site_id = json.loads(content)["id"] if answer.status == 201 else None
        self.creates.append({"key": key, "token": token, "acknowledged": answer.status == 201, "id": site_id,
                             "status": answer.status})
        if site_id is not None:
            self.own = [site_id, headers.get("etag"), token]

    def edit(self):
        site_id, etag, token = self.own
        value = f"{MARKER} {self.number}-{len(self.edits)}"
        answer, headers, _content = timed_call(self.url, "edit", "PATCH", f"/api/v1/sites/{site_id}/", {"description": value},
                                     {"Authorization": f"Token {token}", "If-Match": etag})
        self.answers.append(answer)
        self.edits.append({"id": site_id, "value": value, "acknowledged": answer.status == 200,
                           "status": answer.status})
        if answer.status == 200:
            self.own[1] = headers.get("etag")
        elif answer.status == 412:
            self.own = None  # an earlier edit committed without its answer: start again from a new report


class Load:
    """`connections` LoadClients started together, stopped by stop()."""

    def __init__(self, url, targets, tokens, *, connections=16, write_share=0.2, seed=1):
        self.stop_event = threading.Event()
        self.clients = [LoadClient(url, targets, tokens, n, self.stop_event, write_share=write_share, seed=seed)
                        for n in range(connections)]

    def start(self):
        for client in self.clients:
            client.start()
        return self

    def stop(self):
        self.stop_event.set()
        for client in self.clients:
            client.join(timeout=ANSWER_TIMEOUT_S + 5)

    def gather(self, name):
        return [item for client in self.clients for item in getattr(client, name)]


@dataclass(eq=False)  # threads must stay hashable
class Prober(threading.Thread):
    """GET `path` every `every` seconds until stopped (the health check a load balancer runs)."""

    url: str
    path: str = "/health/"
    kind: str = "health"
    every: float = 0.2
    headers: dict = field(default_factory=dict)
    answers: list = field(default_factory=list)

    def __post_init__(self):
        super().__init__(daemon=True)
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            self.answers.append(timed_call(self.url, self.kind, "GET", self.path, headers=self.headers)[0])
            self.stop_event.wait(self.every)

    def stop(self):
        self.stop_event.set()
        self.join(timeout=ANSWER_TIMEOUT_S + 5)


class SlowClient(threading.Thread):
    """A phone on a bad line, in a loop: sends its request a header line per `dribble` seconds, then reads the
    answer 1 KB at a time. Over TLS when `tls` (the proxy's port), else plain HTTP (gunicorn itself)."""

    def __init__(self, host, port, path, stop, *, tls=False, server_name=None, lines=8, dribble=1.0):
        super().__init__(daemon=True)
        self.host, self.port, self.path, self.stop = host, port, path, stop
        self.tls, self.server_name, self.lines, self.dribble = tls, server_name, lines, dribble
        self.results = []  # (status line or error, seconds)

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                outcome = self.once()
            except (OSError, ssl.SSLError) as exc:
                outcome = exc.__class__.__name__
            self.results.append((outcome, time.monotonic() - started))

    def once(self):
        raw = socket.create_connection((self.host, self.port), timeout=30)
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            raw = context.wrap_socket(raw, server_hostname=self.server_name)
        with raw as sock:
            sock.sendall(f"GET {self.path} HTTP/1.1\r\nHost: {self.server_name or self.host}\r\n".encode())
            for number in range(self.lines):
                if self.stop.wait(self.dribble):
                    return "stopped"
                sock.sendall(f"X-Slow-{number}: {'x' * 20}\r\n".encode())
            sock.sendall(b"X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")
            first = sock.recv(1024)
            while sock.recv(1024):
                time.sleep(0.05)
            return first.split(b"\r\n", 1)[0].decode(errors="replace")
