"""The web app: `create_app(settings, database_url)` → a FastAPI app with the pages
(pages.py), the JSON API (api.py, OpenAPI at /openapi.json), vendored static files, and error
pages that never show a traceback (a bad id or parameter is a 404/422 page, or JSON under
/api/; an input the database refuses, such as a NUL character, is a 422). Every response, an
error's included, carries the security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from producer_discovery import __version__
from producer_discovery.db.web_store import Store
from producer_discovery.settings import Settings
from producer_discovery.sources import credit_labels
from producer_discovery.web import api, pages, shortlists
from producer_discovery.web.security import Guard

HERE = Path(__file__).parent
log = structlog.get_logger("web")

# Only this site's own script and styles run (inline style attributes colour the chart
# legends); images may come from the providers' https CDNs (producer and artist pictures).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' https: data:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

ERROR_TITLES = {
    401: "Sign in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    422: "That request isn't valid",
    429: "Too many attempts",
    500: "Something went wrong",
}


def create_app(settings: Settings, database_url: str) -> FastAPI:
    store = Store(database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store.open()
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="producer-discovery",
        version=__version__,
        description="Who produced the songs you love. Reads are public (without contact "
        "details); operator actions need `Authorization: Bearer <WEB_OPERATOR_TOKEN>`.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["version"] = __version__
    templates.env.globals["credit_sources"] = credit_labels()  # from the registry
    app.state.store = store
    app.state.guard = Guard(settings, store)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(shortlists.router)
    app.include_router(pages.router)
    install_error_pages(app, templates)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    return app


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def secured(response: Response) -> Response:
    """The response with the security headers (error handlers run outside the middleware)."""
    response.headers.update(SECURITY_HEADERS)
    return response


def operator_or_not(request: Request) -> bool:
    """Whether an error page is shown to the operator; False when that cannot be told."""
    guard: Guard = request.app.state.guard
    try:
        return guard.is_operator(request)
    except Exception:  # a throttled client, or the database is what failed
        return False


def readable(message: str) -> str:
    """pydantic's message without its "Value error, " prefix (our checks' own sentences)."""
    return message.removeprefix("Value error, ")


def install_error_pages(app: FastAPI, templates: Jinja2Templates) -> None:
    def page(
        request: Request, status: int, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        guard: Guard = request.app.state.guard
        response = templates.TemplateResponse(
            request,
            "error.html",
            {
                "status": status,
                "title": ERROR_TITLES.get(status, "Error"),
                "message": message,
                "operator": operator_or_not(request),
                "csrf": guard.csrf_token(request),
            },
            status_code=status,
            headers=headers,
        )
        guard.remember_csrf(request, response)
        return secured(response)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if wants_json(request):
            return secured(
                JSONResponse(
                    {"detail": error.detail}, status_code=error.status_code, headers=error.headers
                )
            )
        if error.status_code == 401:
            back = request.url.path if request.method == "GET" else "/"
            return secured(
                Response(status_code=303, headers={"location": f"/login?next={quote(back)}"})
            )
        detail = error.detail if isinstance(error.detail, str) else ""
        return page(request, error.status_code, detail, dict(error.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = [
            {"loc": list(e.get("loc", ())), "msg": readable(e.get("msg", ""))}
            for e in error.errors()
        ]
        text = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'input'}: {e['msg']}" for e in problems
        )
        if wants_json(request):
            return secured(JSONResponse({"detail": problems, "message": text}, status_code=422))
        return page(request, 422, text)

    @app.exception_handler(psycopg.errors.DataException)
    async def refused_input(request: Request, error: psycopg.errors.DataException) -> Response:
        """The database refused a value (SQLSTATE class 22: a NUL character, a number out of
        range): the request was not valid, nothing crashed."""
        reason = str(error).strip().splitlines()[0] if str(error).strip() else "invalid value"
        log.info("web_input_refused", path=request.url.path, sqlstate=error.sqlstate, reason=reason)
        if wants_json(request):
            return secured(JSONResponse({"detail": f"invalid input: {reason}"}, status_code=422))
        return page(request, 422, f"That input isn't valid: {reason}.")

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> Response:
        log.error(
            "web_request_failed", path=request.url.path, method=request.method, exc_info=error
        )
        if wants_json(request):
            return secured(JSONResponse({"detail": "internal error"}, status_code=500))
        try:
            return page(request, 500, "The error was logged. Please try again in a moment.")
        except Exception:  # the page itself could not be drawn
            return secured(Response("internal error", status_code=500, media_type="text/plain"))
