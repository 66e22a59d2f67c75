"""The pages, rendered on the server: search and leaderboard (/), an artist, a producer, the
pipeline dashboard, and the operator's sign-in, discovery and replay forms (CSRF-checked)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import psycopg
from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from producer_discovery import inputs
from producer_discovery.db.web_store import Store
from producer_discovery.web import charts
from producer_discovery.web.api import MAX_MESSAGE_ID, is_dead_letter_queue, search_problem
from producer_discovery.web.security import CSRF_FIELD, Guard

router = APIRouter(include_in_schema=False)
NEW_SINCE_PANEL_PERIOD = timedelta(days=7)
NEW_SINCE_PANEL_ROWS = 10

RECOMMENDED = 5  # producers recommended on an artist's page

SOCIAL_LINKS = {
    "instagram_handle": ("Instagram", "https://www.instagram.com/{}/"),
    "twitter": ("X (Twitter)", "https://x.com/{}"),
    "facebook": ("Facebook", "https://www.facebook.com/{}"),
    "tiktok": ("TikTok", "https://www.tiktok.com/@{}"),
}


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    guard: Guard = request.app.state.guard
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(
        request,
        template,
        {
            "operator": guard.is_operator(request),
            "operator_enabled": guard.enabled,
            "csrf": guard.csrf_token(request),
            "csrf_field": CSRF_FIELD,
            **context,
        },
        status_code=status,
    )
    guard.remember_csrf(request, response)
    return response


def store(request: Request) -> Store:
    result: Store = request.app.state.store
    return result


def check_form(request: Request, token: str | None) -> None:
    """A form POST: its CSRF field must match this browser's cookie, its sender an operator."""
    guard: Guard = request.app.state.guard
    if not guard.csrf_matches(request, token):
        raise HTTPException(
            403, "This form expired or did not come from this site. Reload the page and try again."
        )
    if not guard.enabled:
        raise HTTPException(403, "Operator actions are disabled: WEB_OPERATOR_TOKEN is not set.")
    if not guard.session(request):
        raise HTTPException(401)


@router.get("/")
def home(request: Request, q: Annotated[str | None, Query()] = None) -> Response:
    return home_page(request, q or "")


def home_page(
    request: Request, q: str = "", discover: dict[str, str] | None = None, status: int = 200
) -> Response:
    """The home page; `discover` re-shows the discovery form's kind, value and error."""
    data = store(request)
    text, search_error, results, problem = q.strip(), None, None, None
    if text:
        try:
            text = inputs.search_text(text)
        except inputs.InvalidInput as error:
            search_error, text, status = sentence(error), "", 422
        else:
            problem = search_problem(text)
            results = None if problem else data.search(text, 10)
    return render(
        request,
        "index.html",
        {
            "q": text,
            "results": results,
            "search_problem": problem,
            "search_error": search_error,
            "search_max": inputs.SEARCH_TEXT_MAX,
            "discover": discover or {"kind": "artist", "value": "", "error": ""},
            "discover_max": inputs.ARTIST_NAME_MAX,
            "leaderboard": data.leaderboard(20),
        },
        status,
    )


@router.get("/artists/{artist_id}")
def artist_page(request: Request, artist_id: uuid.UUID) -> Response:
    document = store(request).artist(str(artist_id))
    if document is None:
        raise HTTPException(404, "There is no artist with this id.")
    recommendations = store(request).recommendations(str(artist_id), RECOMMENDED)
    return render(request, "artist.html", {"artist": document, "recommendations": recommendations})


@router.get("/producers/{producer_id}")
def producer_page(request: Request, producer_id: uuid.UUID) -> Response:
    guard: Guard = request.app.state.guard
    document = store(request).producer(str(producer_id), with_contact=guard.is_operator(request))
    if document is None:
        raise HTTPException(404, "There is no producer with this id.")
    return render(
        request,
        "producer.html",
        {
            "producer": document,
            "socials": social_links(document.get("socials") or {}),
            "groups": group_credits(document["credits"]),
            "graph": charts.collaboration_graph(document["name"], document["collaborators"]),
        },
    )


@router.get("/dashboard")
def dashboard(
    request: Request,
    queued: Annotated[str | None, Query(max_length=200)] = None,
    replayed: Annotated[str | None, Query(max_length=200)] = None,
    forgotten: Annotated[str | None, Query(max_length=200)] = None,
    identities: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    guard: Guard = request.app.state.guard
    pipeline = store(request).pipeline(24, operator=guard.is_operator(request))
    history = pipeline["history"]
    hours = history["hours"]
    return render(
        request,
        "dashboard.html",
        {
            "pipeline": pipeline,
            "candidates": store(request).merge_candidates(),
            "queued": queued,
            "replayed": replayed,
            "forgotten": forgotten,
            "identities": identities,
            "new_since": new_since_panel(request),
            "charts": [
                charts.line_chart(
                    "Messages finished per hour, by stage",
                    hours,
                    charts.series_by(history["finished"], hours, "queue_name", "count"),
                    "messages",
                ),
                charts.line_chart(
                    "Errors per hour",
                    hours,
                    charts.series_by(history["errors"], hours, "kind", "count"),
                    "errors",
                ),
                charts.line_chart(
                    "Queue depth (queue monitor)",
                    hours,
                    charts.series_by(history["depths"], hours, "queue_name", "depth"),
                    "messages",
                ),
                charts.line_chart(
                    "API calls per hour",
                    hours,
                    charts.series_by(history["api_calls"], hours, "api", "count"),
                    "calls",
                ),
                charts.line_chart(
                    "API mean response time (ms)",
                    hours,
                    charts.series_by(history["api_calls"], hours, "api", "avg_ms"),
                    "ms",
                    additive=False,
                ),
            ],
        },
    )


def new_since_panel(request: Request) -> dict[str, Any]:
    """The dashboard's "New since last week": albums and credits of the last 7 days."""
    return store(request).new_since(
        datetime.now(UTC) - NEW_SINCE_PANEL_PERIOD, NEW_SINCE_PANEL_ROWS
    )


@router.get("/login")
def login_form(request: Request, next: Annotated[str, Query(max_length=300)] = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=500)],
    csrf_token: Annotated[str | None, Form()] = None,
    next: Annotated[str, Form(max_length=300)] = "/",
) -> Response:
    guard: Guard = request.app.state.guard
    if not guard.csrf_matches(request, csrf_token):
        raise HTTPException(
            403, "This form expired or did not come from this site. Reload the page and try again."
        )
    if guard.enabled:
        guard.refuse_if_throttled(request)
    if not guard.token_matches(token):
        if guard.enabled:
            guard.failed(request, "sign-in")
        message = (
            "That token is not right."
            if guard.enabled
            else "Operator sign-in is disabled: WEB_OPERATOR_TOKEN is not set."
        )
        return render(
            request, "login.html", {"next": safe_next(next), "error": message}, status=401
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    guard.open_session(request, response)
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> Response:
    guard: Guard = request.app.state.guard
    if not guard.csrf_matches(request, csrf_token):
        raise HTTPException(403, "This form expired. Reload the page and try again.")
    response = RedirectResponse("/", status_code=303)
    guard.close_session(request, response)
    return response


@router.post("/discover")
def discover(
    request: Request,
    kind: Annotated[str, Form()] = "artist",
    value: Annotated[str, Form()] = "",
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Queue an artist or a genre; a value the database would refuse re-shows the form (422)
    with the reason beside the field."""
    check_form(request, csrf_token)
    kind = kind if kind in ("artist", "genre") else "artist"
    try:
        text = inputs.artist_name(value) if kind == "artist" else inputs.genre(value)
    except inputs.InvalidInput as error:
        shown = value if len(value) <= 1000 and not inputs.CONTROL.search(value) else ""
        problem = sentence(error)
        return home_page(
            request, discover={"kind": kind, "value": shown, "error": problem}, status=422
        )
    data = store(request)
    queued = (
        data.discover_artist(text)
        if kind == "artist"
        else data.discover_genre(text, inputs.GENRE_LIMIT_DEFAULT)
    )
    label = f"{'artist' if kind == 'artist' else 'genre'} “{text}” ({len(queued)} message(s))"
    return RedirectResponse("/dashboard?" + urlencode({"queued": label}), status_code=303)


@router.post("/producers/{producer_id}/forget")
def forget(
    request: Request, producer_id: uuid.UUID, csrf_token: Annotated[str | None, Form()] = None
) -> Response:
    """The operator erases a producer (forget_producer): gone, and never collected again."""
    check_form(request, csrf_token)
    forgotten = store(request).forget_producer(str(producer_id))
    if forgotten is None:
        raise HTTPException(404, "There is no producer with this id.")
    label = f"producer {producer_id} erased and put on the do-not-collect list"
    return RedirectResponse("/dashboard?" + urlencode({"forgotten": label}), status_code=303)


@router.post("/dashboard/duplicates/{first}/{second}/{action}")
def decide_duplicate(
    request: Request,
    first: uuid.UUID,
    second: uuid.UUID,
    action: str,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """The operator merges a possible duplicate (the second into the first) or keeps the two
    apart for good (definitions/55_identities.sql); a refusal is the database's one line."""
    check_form(request, csrf_token)
    data = store(request)
    if action not in ("merge", "keep-apart"):
        raise HTTPException(404, f"There is no action {action[:40]} on possible duplicates.")
    try:
        if action == "merge":
            merge_id = data.merge_producers(str(first), str(second), "merged from the dashboard")
            label = (
                f"Merged {second} into {first} (merge {merge_id}; "
                f"undo: producer-discovery producers unmerge {merge_id})"
            )
        else:
            data.keep_producers_apart(str(first), str(second), "kept apart from the dashboard")
            label = f"Kept {first} and {second} apart"
    except psycopg.errors.InvalidParameterValue as error:  # refused: the database says why
        raise HTTPException(422, str(error).strip().splitlines()[0]) from error
    return RedirectResponse("/dashboard?" + urlencode({"identities": label}), status_code=303)


@router.post("/dashboard/dlq/{queue}/{msg_id}/replay")
def replay(
    request: Request,
    queue: str,
    msg_id: Annotated[int, Path(ge=1, le=MAX_MESSAGE_ID)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    check_form(request, csrf_token)
    if not is_dead_letter_queue(queue):
        raise HTTPException(404, f"There is no dead-letter queue {queue}.")
    replayed = store(request).replay(queue, msg_id)
    if not replayed:
        raise HTTPException(404, f"Dead letter {msg_id} is no longer in {queue}.")
    row = replayed[0]
    label = f"{queue} #{msg_id} → {row['source_queue']} #{row['new_msg_id']}"
    return RedirectResponse("/dashboard?" + urlencode({"replayed": label}), status_code=303)


def safe_next(target: str) -> str:
    """Only a path on this site (no //host, no scheme) is followed after sign-in."""
    return (
        target
        if target.startswith("/") and not target.startswith("//") and "\\" not in target
        else "/"
    )


def social_links(socials: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, href, text) for each public social value; only http(s) links are linked."""
    links = []
    for field, value in sorted(socials.items()):
        if field in SOCIAL_LINKS and not value.startswith("http"):
            label, pattern = SOCIAL_LINKS[field]
            links.append((label, pattern.format(quote(value.lstrip("@"))), "@" + value.lstrip("@")))
        elif value.startswith(("https://", "http://")):
            links.append(
                (field.replace("_", " ").title(), value, value.split("://", 1)[1].rstrip("/"))
            )
    return links


def group_credits(credits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Credits grouped by artist, then album, in the order the SQL function returns them."""
    groups: list[dict[str, Any]] = []
    for credit in credits:
        if not groups or groups[-1]["artist_id"] != credit["artist_id"]:
            groups.append(
                {"artist_id": credit["artist_id"], "artist": credit["artist"], "albums": []}
            )
        albums = groups[-1]["albums"]
        if not albums or albums[-1]["album_id"] != credit["album_id"]:
            albums.append(
                {
                    "album_id": credit["album_id"],
                    "album": credit["album"],
                    "release_date": credit["release_date"],
                    "credits": [],
                }
            )
        albums[-1]["credits"].append(credit)
    return groups


def sentence(error: Exception) -> str:
    """An input error as a sentence shown beside its field."""
    text = str(error)
    return text[:1].upper() + text[1:] + "."
