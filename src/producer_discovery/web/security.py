"""Who is an operator, and forms that cannot be forged.

- API: `Authorization: Bearer <WEB_OPERATOR_TOKEN>`, compared in constant time.
- Browser: the sign-in form takes the token and sets `pd_session`, a signed (itsdangerous),
  time-limited cookie: HttpOnly, SameSite=Lax, Secure when the page was served over https.
  Its signing key is derived from the token, so changing the token signs everyone out.
- CSRF: every form carries the value of the signed `pd_csrf` cookie (double submit); a POST
  whose field does not match it is refused (403). JSON API writes made with the session cookie
  instead of the bearer token must send it as `X-CSRF-Token`.
- Without WEB_OPERATOR_TOKEN every operator action is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from producer_discovery.settings import Settings

SESSION_COOKIE = "pd_session"
CSRF_COOKIE = "pd_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class Guard:
    """Operator checks and CSRF tokens for one running app."""

    def __init__(self, settings: Settings) -> None:
        token = (
            settings.web_operator_token.get_secret_value() if settings.web_operator_token else ""
        )
        self.token = token
        self.session_seconds = int(settings.web_session_hours * 3600)
        key = hmac.new(
            token.encode() or secrets.token_bytes(32),
            b"producer-discovery web session",
            hashlib.sha256,
        ).hexdigest()
        self.sessions = URLSafeTimedSerializer(key, salt="session")
        self.csrf = URLSafeTimedSerializer(key, salt="csrf")

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def token_matches(self, candidate: str) -> bool:
        return self.enabled and hmac.compare_digest(candidate.encode(), self.token.encode())

    def bearer(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        return scheme.lower() == "bearer" and self.token_matches(credentials.strip())

    def session(self, request: Request) -> bool:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not (self.enabled and cookie):
            return False
        try:
            payload: object = self.sessions.loads(cookie, max_age=self.session_seconds)
        except BadSignature:
            return False
        return payload == {"operator": True}

    def is_operator(self, request: Request) -> bool:
        return self.bearer(request) or self.session(request)

    def open_session(self, request: Request, response: Response) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.sessions.dumps({"operator": True}),
            max_age=self.session_seconds,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )

    def close_session(self, response: Response) -> None:
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
