"""Shortlists of producers (docs/operations.md, "Recommended producers" and "Exports"): the
producers recommended for an artist, and a search result or the recommendations exported as
CSV or JSON. Nobody but the operator gets contact data: the `email` column and key exist only
in an operator's export. Text cells that a spreadsheet would run as a formula (starting with
= + - @, a tab or a carriage return) are written with a leading apostrophe."""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from producer_discovery import inputs
from producer_discovery.db.web_store import Store
from producer_discovery.web.api import guard, searchable, store

router = APIRouter(prefix="/api", tags=["api"])

Id = Annotated[uuid.UUID, Path(description="the artist's database id")]
Limit = Annotated[int, Query(ge=1, le=100, description="how many producers, 1-100")]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SEARCH_COLUMNS = ("id", "name", "tracks", "artists", "instagram_handle", "page")
RECOMMENDATION_COLUMNS = (
    "id",
    "name",
    "score",
    "reasons",
    "songs",
    "artists",
    "shared_producers",
    "shared_genres",
    "recent_songs",
    "confidence",
    "page",
)


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: lists joined with "; ", formulas neutralized."""
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A header row, then one row per producer, every cell through safe_cell."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({column: safe_cell(row.get(column)) for column in columns})
    return buffer.getvalue()


def file_name(text: str) -> str:
    """A file name made of the text's letters and digits: "producers-mara-quill"."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]
    return slug or "producers"


def shortlist(
    request: Request, data: Store, rows: list[dict[str, Any]], columns: tuple[str, ...]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows with each producer's page, and for the operator their e-mail; the columns."""
    base = str(request.base_url).rstrip("/")
    shown = [row | {"page": f"{base}/producers/{row['id']}"} for row in rows]
    if not guard(request).is_operator(request):
        return shown, list(columns)
    emails = data.emails([row["id"] for row in shown]) if shown else {}
    return [row | {"email": emails.get(row["id"])} for row in shown], [*columns, "email"]


def export(
    rows: list[dict[str, Any]], columns: list[str], kind: str, name: str, extra: dict[str, Any]
) -> Response:
    """The shortlist as a CSV or JSON download."""
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{kind}"'}
    if kind == "csv":
        return Response(
            csv_text(rows, columns), media_type="text/csv; charset=utf-8", headers=disposition
        )
    body = extra | {"producers": [{column: row.get(column) for column in columns} for row in rows]}
    return JSONResponse(body, headers=disposition)


def searched(q: str, limit: int, data: Store) -> list[dict[str, Any]]:
    return data.search(searchable(q), limit)["producers"]


def recommended(artist_id: uuid.UUID, limit: int, data: Store) -> dict[str, Any]:
    document = data.recommendations(str(artist_id), limit)
    if document is None:
        raise HTTPException(404, "no artist with this id")
    return document


@router.get(
    "/artists/{artist_id}/recommended-producers",
    summary="Producers not yet credited on an artist, best first, with their reasons",
)
def recommended_producers(
    artist_id: Id, limit: Limit = 10, data: Store = Depends(store)
) -> dict[str, Any]:
    return recommended(artist_id, limit, data)


@router.get(
    "/artists/{artist_id}/recommended-producers.{kind}",
    summary="The recommendations as a CSV or JSON file (email only for the operator)",
)
def recommended_producers_export(
    artist_id: Id,
    request: Request,
    kind: Annotated[str, Path(pattern="^(csv|json)$", description="csv or json")],
    limit: Limit = 10,
    data: Store = Depends(store),
) -> Response:
    document = recommended(artist_id, limit, data)
    rows, columns = shortlist(request, data, document["producers"], RECOMMENDATION_COLUMNS)
    name = "recommended-producers-" + file_name(document["artist"]["name"])
    return export(rows, columns, kind, name, {"artist": document["artist"]})


@router.get(
    "/producers.{kind}",
    summary="Producers matching a search as a CSV or JSON file (email only for the operator)",
)
def producers_export(
    request: Request,
    kind: Annotated[str, Path(pattern="^(csv|json)$", description="csv or json")],
    q: Annotated[str, Query(max_length=inputs.SEARCH_TEXT_MAX)],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    data: Store = Depends(store),
) -> Response:
    rows, columns = shortlist(request, data, searched(q, limit, data), SEARCH_COLUMNS)
    return export(rows, columns, kind, "producers-" + file_name(q), {"query": q})
