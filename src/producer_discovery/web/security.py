"""Who is an operator, and forms that cannot be forged.

- API: `Authorization: Bearer <WEB_OPERATOR_TOKEN>`, compared in constant time. The token
  is at least 32 characters (Settings refuses a shorter one at start).
- Browser: the sign-in form takes the token and opens a server-side session
  (`public.web_sessions`, migration 0110): `pd_session` carries a random session id, signed
  (itsdangerous) and time-limited, HttpOnly, SameSite=Lax, Secure when the page was served
  over https; the database keeps only its SHA-256. Signing out deletes it, so a copied cookie
  stops working at once.
- Keys: sessions and CSRF values are signed with a random server secret (WEB_SECRET_KEY, or
  one generated once and kept in `<home>/web-secret-key`, mode 0600), never derived from the
  operator token, so nothing a visitor receives lets them test guesses of the token offline.
- Throttle: a client whose bearer tokens or sign-ins failed FAILURE_LIMIT times within
  FAILURE_WINDOW seconds is refused (429 with Retry-After) until the window has passed; each
  failure is logged (client address, never the token).
- CSRF: every form carries the value of the signed `pd_csrf` cookie (double submit); a POST
  whose field does not match it is refused (403). JSON API writes made with the session cookie
  instead of the bearer token must send it as `X-CSRF-Token`.
- Without WEB_OPERATOR_TOKEN every operator action is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path
from typing import Protocol

import structlog
from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from producer_discovery.db.embedded import default_home
from producer_discovery.errors import ConfigurationError
from producer_discovery.settings import Settings

SESSION_COOKIE = "pd_session"
CSRF_COOKIE = "pd_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_KEY_FILE = "web-secret-key"
FAILURE_LIMIT = 10
FAILURE_WINDOW = 300.0  # seconds

log = structlog.get_logger("web.security")


class SessionStore(Protocol):
    """Where sessions live (db.web_store.Store): only hashes of their ids."""

    def session_open(self, id_hash: str, seconds: int) -> None: ...

    def session_valid(self, id_hash: str) -> bool: ...

    def session_revoke(self, id_hash: str) -> None: ...


def secret_key(settings: Settings) -> str:
    """WEB_SECRET_KEY, else the key kept in <home>/web-secret-key (created on first use)."""
    if settings.web_secret_key is not None:
        return settings.web_secret_key.get_secret_value()
    return stored_secret_key(settings.producer_discovery_home or default_home())


def stored_secret_key(home: Path) -> str:
    """The random key in `home`/web-secret-key, created with mode 0600 when missing."""
    path = home / SECRET_KEY_FILE
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48) + "\n")
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        for _ in range(50):  # another process may be writing it this very moment
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
    except OSError as error:
        raise ConfigurationError(
            f"cannot keep the web secret key in {path}: {error.strerror}; set WEB_SECRET_KEY"
        ) from error
    raise ConfigurationError(
        f"the web secret key file {path} is empty; delete it or set WEB_SECRET_KEY"
    )


def hash_session(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class FailureThrottle:
    """Failed credentials per client within a sliding window (in this process)."""

    def __init__(self, limit: int = FAILURE_LIMIT, window: float = FAILURE_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self.failures: dict[str, deque[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self.failures.setdefault(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, client: str) -> int:
        """Seconds until this client may try again; 0 when it may now."""
        now = time.monotonic()
        with self.lock:
            times = self._recent(client, now)
            if len(times) < self.limit:
                return 0
            return max(1, math.ceil(times[-self.limit] + self.window - now))

    def fail(self, client: str) -> int:
        """Record a failure; how many this client has in the window."""
        now = time.monotonic()
        with self.lock:
            times = self._recent(client, now)
            times.append(now)
            if len(self.failures) > 10_000:  # forget the quietest clients, bounded memory
                for stale in [c for c, t in self.failures.items() if not t][:5_000]:
                    del self.failures[stale]
            return len(times)


class Guard:
    """Operator checks and CSRF tokens for one running app."""

    def __init__(
        self, settings: Settings, store: SessionStore, throttle: FailureThrottle | None = None
    ) -> None:
        token = (
            settings.web_operator_token.get_secret_value() if settings.web_operator_token else ""
        )
        self.token = token
        self.store = store
        self.throttle = throttle or FailureThrottle()
        self.session_seconds = int(settings.web_session_hours * 3600)
        key = secret_key(settings)
        self.sessions = URLSafeTimedSerializer(key, salt="session")
        self.csrf = URLSafeTimedSerializer(key, salt="csrf")

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def token_matches(self, candidate: str) -> bool:
        return self.enabled and hmac.compare_digest(candidate.encode(), self.token.encode())

    # Throttle ---------------------------------------------------------------------------

    def refuse_if_throttled(self, request: Request) -> None:
        """429 with Retry-After while this client has too many recent failures."""
        wait = self.throttle.retry_after(client_of(request))
        if wait:
            raise HTTPException(
                429,
                f"too many failed operator credentials from this address; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )

    def failed(self, request: Request, via: str) -> None:
        client = client_of(request)
        count = self.throttle.fail(client)
        log.warning(
            "web_operator_credentials_refused",
            client=client,
            via=via,
            path=request.url.path,
            failures_in_window=count,
        )

    # Credentials ------------------------------------------------------------------------

    def bearer(self, request: Request) -> bool:
        """A bearer token was sent and is right. A wrong one counts as a failure; a client
        with too many is refused (429) before its token is even compared."""
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not self.enabled:
            return False
        cached = getattr(request.state, "bearer_ok", None)
        if cached is not None:
            return bool(cached)
        self.refuse_if_throttled(request)
        ok = self.token_matches(credentials.strip())
        if not ok:
            self.failed(request, "bearer")
        request.state.bearer_ok = ok
        return ok

    def session_id(self, request: Request) -> str | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not (self.enabled and cookie):
            return None
        try:
            value = self.sessions.loads(cookie, max_age=self.session_seconds)
        except BadSignature:
            return None
        return value if isinstance(value, str) and value else None

    def session(self, request: Request) -> bool:
        """A signed session cookie whose session the database still holds."""
        cached = getattr(request.state, "session_ok", None)
        if cached is not None:
            return bool(cached)
        session_id = self.session_id(request)
        ok = session_id is not None and self.store.session_valid(hash_session(session_id))
        request.state.session_ok = ok
        return ok

    def is_operator(self, request: Request) -> bool:
        return self.bearer(request) or self.session(request)

    def open_session(self, request: Request, response: Response) -> None:
        session_id = secrets.token_urlsafe(32)
        self.store.session_open(hash_session(session_id), self.session_seconds)
        response.set_cookie(
            SESSION_COOKIE,
            self.sessions.dumps(session_id),
            max_age=self.session_seconds,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )

    def close_session(self, request: Request, response: Response) -> None:
        """Revoke this browser's session on the server and drop its cookie."""
        session_id = self.session_id(request)
        if session_id is not None:
            self.store.session_revoke(hash_session(session_id))
        response.delete_cookie(SESSION_COOKIE, path="/")

    # CSRF -------------------------------------------------------------------------------

    def csrf_token(self, request: Request) -> str:
        """This browser's CSRF value (a new one when it has none or a forged one)."""
        current = request.cookies.get(CSRF_COOKIE)
        if current and self.csrf_valid(current):
            return current
        fresh = getattr(request.state, "new_csrf", None)
        if fresh is None:
            fresh = self.csrf.dumps(secrets.token_urlsafe(16))
            request.state.new_csrf = fresh
        return str(fresh)

    def csrf_valid(self, value: str) -> bool:
        try:
            self.csrf.loads(value)
        except BadSignature:
            return False
        return True

    def csrf_matches(self, request: Request, submitted: str | None) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE)
        return bool(
            cookie
            and submitted
            and self.csrf_valid(cookie)
            and hmac.compare_digest(cookie.encode(), submitted.encode())
        )

    def remember_csrf(self, request: Request, response: Response) -> None:
        """Set the CSRF cookie when this request created one."""
        fresh = getattr(request.state, "new_csrf", None)
        if fresh is not None:
            response.set_cookie(
                CSRF_COOKIE,
                fresh,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
                path="/",
            )
