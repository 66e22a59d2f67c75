"""`producer-discovery producers recommend ARTIST [--limit N] [--json]`: the producers not yet
credited on an artist, best first, with their reasons (recommended_producers in
migrations/definitions/86_recommendations.sql; docs/operations.md, "Recommended producers")."""

from __future__ import annotations

import argparse
from typing import Any

from producer_discovery import inputs
from producer_discovery.db.operator import OperatorDatabase
from producer_discovery.errors import ConfigurationError
from producer_discovery.output import console, table, to_json


def artist_id_of(database: OperatorDatabase, artist: str) -> str:
    """The id the user meant: an id as given, else the one artist of that name; none or
    several is a one-line error."""
    if inputs.is_uuid(artist):
        return artist
    named = database.artists_named(artist)
    if not named:
        raise ConfigurationError(
            f"no artist named {artist!r} (discover it first, or look with "
            "`producer-discovery producers search`)"
        )
    if len(named) > 1:
        ids = ", ".join(row["id"] for row in named)
        raise ConfigurationError(f"{len(named)} artists are named {artist!r}: give one id ({ids})")
    return str(named[0]["id"])


def recommend(database: OperatorDatabase, artist: str, limit: int) -> dict[str, Any]:
    """The recommendations document for an artist name or id."""
    artist_id = artist_id_of(database, artist)
    document = database.recommendations(artist_id, limit)
    if document is None:
        raise ConfigurationError(f"no artist with id {artist_id}")
    return document


def show(document: dict[str, Any], as_json: bool) -> list[str]:
    """Print the document (JSON, or a table for people); notices for stderr are returned."""
    if as_json:
        print(to_json(document))
    else:
        rows = [
            {
                "producer": producer["name"],
                "id": producer["id"][:8],
                "recommendation_score": producer["score"],
                "reasons": "; ".join(producer["reasons"]),
            }
            for producer in document["producers"]
        ]
        title = f"Who could produce {document['artist']['name']}'s next record"
        console().print(table(title, rows))
    if document["producers"]:
        return []
    name = document["artist"]["name"]
    notice = (
        f"no producer to recommend for {name} yet: none of its producers worked for another "
        "known artist, and no artist of its genres has producers"
    )
    return [notice]


def recommend_command(database: OperatorDatabase, arguments: argparse.Namespace) -> list[str]:
    return show(recommend(database, arguments.artist, arguments.limit), arguments.json)
