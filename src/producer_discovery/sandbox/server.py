"""A small threaded HTTP server that the provider sandboxes build on.

A sandbox registers routes (method, regular expression, handler). Every request is counted per
endpoint; faults can be injected (latency, a 429 with Retry-After every Nth request, a 5xx
every Mth request); a rolling-window limit answers 429 when a client sends too much, and such
a request is counted in `rejected`, separately from the injected faults, so a test can assert
that a client never broke a limit.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit

from producer_discovery.sandbox.world import worldly


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    match: re.Match[str]
    base_url: str

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, default)


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]
QueryTest = Callable[[dict[str, str]], bool]


@dataclass
class Faults:
    """Injected misbehaviour. Counts are over all requests this server received."""

    latency_seconds: float = 0.0
    rate_limit_every: int = 0  # every Nth request answers 429
    retry_after_seconds: int = 1
    server_error_every: int = 0  # every Mth request answers server_error_status
    server_error_status: int = 502
    fail_paths: str | None = None  # regex: requests whose path matches always get a 5xx
    # regex: requests whose path matches get the provider's "blocked" answer (Spotify: a 429
    # QUOTA_EXCEEDED without Retry-After; Genius: a Cloudflare 403 HTML page)
    block_paths: str | None = None
    # regex: requests whose path matches answer 200 with a document of an unexpected shape
    shape_paths: str | None = None


class SandboxServer:
    """Base of every fake provider. Subclasses call `route()` in `__init__`."""

    name = "sandbox"

    def __init__(self, faults: Faults | None = None, port: int = 0) -> None:
        self.faults = faults or Faults()
        self.world = False  # answer in the shapes the real service sends (sandbox/world.py)
        self.routes: list[tuple[str, re.Pattern[str], str, Handler, QueryTest | None]] = []
        self.requests: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()  # requests per path (e.g. one artist's profile)
        self.queries: Counter[str] = Counter()  # per path and query ("…/albums?limit=10&offset=0")
        self.rejected: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.total = 0
        self.lock = threading.Lock()
        self.window_limit = 0
        self.window_seconds = 30.0
        self.window: deque[float] = deque()
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle --------------------------------------------------------------------------
    def start(self) -> Self:
        sandbox = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                sandbox._dispatch(self, "GET")

            def do_POST(self) -> None:
                sandbox._dispatch(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    # Registration -----------------------------------------------------------------------
    def route(
        self,
        method: str,
        pattern: str,
        endpoint: str,
        handler: Handler,
        when: QueryTest | None = None,
    ) -> None:
        """Serve `method` on paths matching `pattern` (anchored), counted as `endpoint`;
        `when`, if given, must also hold for the query parameters (one path, two endpoints:
        MusicBrainz' search and browse requests share /ws/2/release)."""
        self.routes.append((method, re.compile(f"^{pattern}$"), endpoint, handler, when))

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()
            self.paths.clear()
            self.queries.clear()
            self.rejected.clear()
            self.injected.clear()
            self.total = 0
            self.window.clear()

    # Hooks for subclasses ---------------------------------------------------------------
    def check_request(self, request: Request, endpoint: str) -> Response | None:
        """Provider-specific checks before routing (auth, User-Agent, rate). None = pass."""
        return None

    def error(self, status: int, message: str) -> Response:
        """The provider's error shape; override per provider."""
        return Response(status, {"error": {"status": status, "message": message}})

    def blocked(self) -> Response:
        """How the provider says it refuses us for a while; override per provider."""
        return self.error(403, "Forbidden")

    def reject(self, endpoint: str, response: Response) -> Response:
        """Answer a request that broke a documented limit, and count it."""
        with self.lock:
            self.rejected[endpoint] += 1
        return response

    def over_window_limit(self) -> bool:
        """Rolling-window limit shared by all endpoints (0 = no limit)."""
        if not self.window_limit:
            return False
        now = time.monotonic()
        with self.lock:
            while self.window and self.window[0] <= now - self.window_seconds:
                self.window.popleft()
            if len(self.window) >= self.window_limit:
                return True
            self.window.append(now)
            return False

    # Dispatch ---------------------------------------------------------------------------
    def _dispatch(self, http: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(http.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in http.headers.items()}
        host = http.headers.get("Host") or "127.0.0.1"
        base_url = f"http://{host}"
        response = self._answer(method, split.path, query, headers, body, base_url)
        payload = b""
        if response.body is not None:
            payload = (
                response.body
                if isinstance(response.body, bytes)
                else json.dumps(response.body).encode()
            )
        try:
            http.send_response(response.status)
            http.send_header(
                "Content-Type", response.headers.pop("Content-Type", "application/json")
            )
            http.send_header("Content-Length", str(len(payload)))
            for key, value in response.headers.items():
                http.send_header(key, value)
            http.end_headers()
            http.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (a worker stopped mid-request): nobody to answer

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        base_url: str,
    ) -> Response:
        for route_method, pattern, endpoint, handler, when in self.routes:
            match = pattern.match(path)
            if route_method != method or not match or (when is not None and not when(query)):
                continue
            request = Request(method, path, query, headers, body, match, base_url)
            with self.lock:
                self.total += 1
                self.requests[endpoint] += 1
                self.paths[path] += 1
                self.queries[f"{path}?{urlencode(sorted(query.items()))}"] += 1
                number = self.total
            if self.faults.latency_seconds:
                time.sleep(self.faults.latency_seconds)
            checked = self.check_request(request, endpoint)
            if checked is not None:
                return checked
            injected = self._injected_fault(number, path, endpoint)
            if injected is not None:
                return injected
            response = handler(request)
            if self.world and response.status == 200 and isinstance(response.body, dict):
                response = Response(
                    200, worldly(self.name, endpoint, response.body), response.headers
                )
            return response
        return self.error(404, f"no route for {method} {path}")

    def _injected_fault(self, number: int, path: str, endpoint: str) -> Response | None:
        faults = self.faults
        if faults.block_paths and re.search(faults.block_paths, path):
            with self.lock:
                self.injected[endpoint] += 1
            return self.blocked()
        if faults.shape_paths and re.search(faults.shape_paths, path):
            with self.lock:
                self.injected[endpoint] += 1
            return Response(200, {"unexpected": "shape", "items": "not a list"})
        if faults.fail_paths and re.search(faults.fail_paths, path):
            with self.lock:
                self.injected[endpoint] += 1
            return self.error(faults.server_error_status, "injected failure")
        if faults.rate_limit_every and number % faults.rate_limit_every == 0:
            with self.lock:
                self.injected[endpoint] += 1
            response = self.error(429, "API rate limit exceeded")
            response.headers["Retry-After"] = str(faults.retry_after_seconds)
            return response
        if faults.server_error_every and number % faults.server_error_every == 0:
            with self.lock:
                self.injected[endpoint] += 1
            return self.error(faults.server_error_status, "injected server error")
        return None
