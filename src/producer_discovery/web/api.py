"""The JSON API (docs/operations.md, "The web app"). Reads are public and never carry contact details;
`email` appears only for the operator. Operator endpoints answer 401 without credentials and
403 when WEB_OPERATOR_TOKEN is not set (or a session write lacks its CSRF header)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from producer_discovery import inputs, periods
from producer_discovery.db.web_store import Store
from producer_discovery.web.security import CSRF_HEADER, Guard

router = APIRouter(prefix="/api", tags=["api"])
DEAD_LETTER_QUEUE = re.compile(r"^[a-z][a-z_]{0,60}_dlq$")
MAX_MESSAGE_ID = 2**63 - 1  # pgmq message ids are BIGINT
MIN_SEARCH_LENGTH = 3  # characters: a shorter substring would scan every row


def search_problem(text: str) -> str | None:
    """Why a search text cannot be searched for, or None when it can."""
    if any(ord(character) < 32 for character in text):
        return "the search text may not contain control characters"
    if len(text.strip()) < MIN_SEARCH_LENGTH:
        return f"type at least {MIN_SEARCH_LENGTH} characters to search"
    return None


def searchable(q: str) -> str:
    """The search text of a request's `q`, or 422 saying why it cannot be searched for."""
    try:
        text = inputs.search_text(q)
    except inputs.InvalidInput as error:
        raise HTTPException(422, f"q: {error}") from None
    problem = search_problem(text)
    if problem:
        raise HTTPException(422, problem)
    return text


def is_dead_letter_queue(name: str) -> bool:
    """A DLQ name (<stage>_dlq); replay_dead_letters finds nothing in any other queue."""
    return DEAD_LETTER_QUEUE.fullmatch(name) is not None


def store(request: Request) -> Store:
    result: Store = request.app.state.store
    return result


def guard(request: Request) -> Guard:
    result: Guard = request.app.state.guard
    return result


def operator(request: Request) -> None:
    """Bearer token, or the browser session plus its CSRF header for writes."""
    checks = guard(request)
    if not checks.enabled:
        raise HTTPException(403, "operator actions are disabled: WEB_OPERATOR_TOKEN is not set")
    if checks.bearer(request):
        return
    if checks.session(request):
        if request.method in ("GET", "HEAD") or checks.csrf_matches(
            request, request.headers.get(CSRF_HEADER)
        ):
            return
        raise HTTPException(403, "missing or wrong X-CSRF-Token for a session request")
    raise HTTPException(
        401,
        "operator credentials needed: Authorization: Bearer <token>",
        headers={"WWW-Authenticate": "Bearer"},
    )


class SearchResult(BaseModel):
    artists: list[dict[str, Any]]
    producers: list[dict[str, Any]]


class DiscoverRequest(BaseModel):
    """One artist by name, or a genre (bulk discovery)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    artist_name: str | None = Field(
        None,
        alias="artistName",
        description=f"1-{inputs.ARTIST_NAME_MAX} characters, no control characters",
    )
    genre: str | None = Field(
        None, description=f"1-{inputs.GENRE_MAX} characters, no control characters"
    )
    limit: int = Field(
        inputs.GENRE_LIMIT_DEFAULT,
        description=f"artists of the genre, {inputs.GENRE_LIMIT_MIN}-{inputs.GENRE_LIMIT_MAX}",
    )

    # The bounds are the SQL's, from producer_discovery.inputs (the CLI's too).
    @field_validator("artist_name")
    @classmethod
    def known_artist_name(cls, value: str | None) -> str | None:
        return None if value is None else inputs.artist_name(value)

    @field_validator("genre")
    @classmethod
    def known_genre(cls, value: str | None) -> str | None:
        return None if value is None else inputs.genre(value)

    @field_validator("limit")
    @classmethod
    def known_limit(cls, value: int) -> int:
        return inputs.genre_limit(value)

    @model_validator(mode="after")
    def one_of(self) -> DiscoverRequest:
        if (self.artist_name is None) == (self.genre is None):
            raise ValueError("give exactly one of artistName or genre")
        return self


class Queued(BaseModel):
    queued: list[int] = Field(description="the queued pgmq message ids")


class Replayed(BaseModel):
    queue_name: str
    message_id: int
    source_queue: str
    new_msg_id: int


Id = Annotated[uuid.UUID, Path(description="the database id")]


@router.get("/search", response_model=SearchResult, summary="Artists and producers matching a text")
def search(
    q: Annotated[str, Query(max_length=inputs.SEARCH_TEXT_MAX)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    data: Store = Depends(store),
) -> dict[str, Any]:
    return data.search(searchable(q), limit)


@router.get("/artists/{artist_id}", summary="An artist, its albums and tracks, and its producers")
def artist(artist_id: Id, data: Store = Depends(store)) -> dict[str, Any]:
    document = data.artist(str(artist_id))
    if document is None:
        raise HTTPException(404, "no artist with this id")
    return document


@router.get("/producers", summary="The leaderboard: most credited producers first")
def producers(
    limit: Annotated[int, Query(ge=1, le=500)] = 50, data: Store = Depends(store)
) -> list[dict[str, Any]]:
    return data.leaderboard(limit)


@router.get(
    "/producers/{producer_id}",
    summary="A producer: aliases, socials, credits, collaborators; email for the operator",
)
def producer(producer_id: Id, request: Request, data: Store = Depends(store)) -> dict[str, Any]:
    document = data.producer(str(producer_id), with_contact=guard(request).is_operator(request))
    if document is None:
        raise HTTPException(404, "no producer with this id")
    return document


@router.get(
    "/pipeline",
    summary="Queue depths, processing states, dead-letter counts, health, history; "
    "dead letters and worker issues in full for the operator",
)
def pipeline(request: Request, data: Store = Depends(store)) -> dict[str, Any]:
    return data.pipeline(operator=guard(request).is_operator(request))


@router.post(
    "/discover",
    status_code=202,
    response_model=Queued,
    dependencies=[Depends(operator)],
    summary="Queue an artist (artistName) or a genre for discovery (operator)",
)
def discover(body: DiscoverRequest, data: Store = Depends(store)) -> JSONResponse:
    if body.artist_name is not None:
        queued = data.discover_artist(body.artist_name)
    else:
        queued = data.discover_genre(body.genre or "", body.limit)
    return JSONResponse({"queued": queued}, status_code=202)


@router.post(
    "/producers/{producer_id}/forget",
    dependencies=[Depends(operator)],
    summary="Erase a producer and never collect them again (operator)",
)
def forget(producer_id: Id, data: Store = Depends(store)) -> dict[str, Any]:
    forgotten = data.forget_producer(str(producer_id))
    if forgotten is None:
        raise HTTPException(404, "no producer with this id")
    return forgotten


@router.post(
    "/dlq/{queue}/{msg_id}/replay",
    response_model=list[Replayed],
    dependencies=[Depends(operator)],
    summary="Send a dead letter back to its stage (operator)",
)
def replay(
    queue: Annotated[str, Path(description="a dead-letter queue, e.g. artist_discovery_dlq")],
    msg_id: Annotated[int, Path(ge=1, le=MAX_MESSAGE_ID)],
    data: Store = Depends(store),
) -> list[dict[str, Any]]:
    if not is_dead_letter_queue(queue):
        raise HTTPException(404, f"no dead-letter queue {queue!r}")
    replayed = data.replay(queue, msg_id)
    if not replayed:
        raise HTTPException(404, f"no dead letter {msg_id} in {queue}")
    return replayed


# What is new (definitions/85_watch.sql) ------------------------------------------------------
NEW_SINCE_DEFAULT = "7d"
# A "+" of an offset typed unencoded in a query string arrives as a space: "…T08:00:00 01:00".
UNENCODED_OFFSET = re.compile(r" (?=\d{2}:?\d{2}$)")


@router.get(
    "/new",
    summary="Albums and credits that arrived since a moment (ISO 8601; default: a week ago)",
)
def new_since(
    since: Annotated[
        str,
        Query(
            max_length=64,
            description="an ISO 8601 date or date and time (UTC without an offset), "
            "or a duration back from now: 7d, 24h, 30m",
        ),
    ] = NEW_SINCE_DEFAULT,
    limit: Annotated[int, Query(ge=1, le=1000, description="albums and credits listed")] = 200,
    data: Store = Depends(store),
) -> dict[str, Any]:
    try:
        moment = periods.moment(UNENCODED_OFFSET.sub("+", since))
    except periods.InvalidPeriod as error:
        raise HTTPException(422, f"since: {error}") from None
    return data.new_since(moment, limit)
