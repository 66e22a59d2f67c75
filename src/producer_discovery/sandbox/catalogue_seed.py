"""The sample Spotify catalogue written straight into the catalogue tables, as artist, album
and track discovery leave it, so the later stages can be tested and measured on their own.

    seed_catalogue(conn)  artists → albums (metadata: album_type, total_tracks, artists,
                          upc, release_date) → tracks and normalized_tracks through process_track_batch
                          (metadata: track_number, disc_number, artists, album_spotify_id;
                          the ISRC only with `with_isrc`, as with extended quota), and returns
                          one producer_identification message per new normalized song.

Albums are taken in catalogue order, each under its primary artist, for the artists named
(by default the three whose songs `credits_catalogue.json`'s `_expected` describes); the
compilation by Various Artists is left out, as album discovery drops it. A generated
catalogue (`sandbox.synthetic`) is seeded the same way: pass its file as `catalogue` and its
artist names (`GeneratedCatalogue.artist_names`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from producer_discovery.db.catalogue import (
    process_track_batch,
    seed_sample_album,
    seed_sample_artist,
)
from producer_discovery.editions import edition_qualifier
from producer_discovery.messages import ProducerIdentificationMessage
from producer_discovery.text import normalize_title

SPOTIFY_CATALOGUE = Path(__file__).parent / "data" / "spotify_catalogue.json"
SEEDED_ARTISTS = ("Nova Reyes", "The Velvet Arcade", "Juno Vale")


def seed_catalogue(
    conn: psycopg.Connection[Any],
    artist_names: Iterable[str] = SEEDED_ARTISTS,
    *,
    with_isrc: bool = False,
    album_names: Iterable[str] | None = None,
    catalogue_path: Path = SPOTIFY_CATALOGUE,
) -> list[dict[str, str]]:
    """Seed the albums of these artists (optionally only the named albums) of the Spotify
    catalogue file; the messages."""
    catalogue = json.loads(Path(catalogue_path).read_text(encoding="utf-8"))
    artists = {artist["id"]: artist for artist in catalogue["artists"]}
    wanted_artists = set(artist_names)
    wanted_albums = set(album_names) if album_names is not None else None
    messages: list[dict[str, str]] = []
    for album in catalogue["albums"]:
        primary = artists[album["artist_ids"][0]]
        if primary["name"] not in wanted_artists:
            continue
        if wanted_albums is not None and album["name"] not in wanted_albums:
            continue
        messages.extend(seed_album(conn, album, primary, artists, with_isrc))
    return messages


def seed_album(
    conn: psycopg.Connection[Any],
    album: dict[str, Any],
    primary: dict[str, Any],
    artists: dict[str, dict[str, Any]],
    with_isrc: bool,
) -> list[dict[str, str]]:
    artist_id = seed_sample_artist(conn, primary["name"], primary["id"])
    album_id = seed_sample_album(
        conn, artist_id, album["name"], album["id"], album_metadata(album, artists)
    )
    rows = [track_row(track, album, artists, with_isrc) for track in album["tracks"]]
    result = process_track_batch(conn, rows, album_id, artist_id)
    assert "error" not in result, result
    return [
        ProducerIdentificationMessage(
            track_id=UUID(song["track_id"]),
            normalized_track_id=UUID(song["normalized_track_id"]),
            artist_id=UUID(artist_id),
        ).body()
        for song in result["results"]
        if song["is_new_song"]
    ]


def simple_artists(ids: list[str], artists: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    return [{"id": artist_id, "name": artists[artist_id]["name"]} for artist_id in ids]


def album_metadata(album: dict[str, Any], artists: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "album_type": album["album_type"],
        "total_tracks": len(album["tracks"]),
        "artists": simple_artists(album["artist_ids"], artists),
        "upc": album["upc"],
        "release_date": album["release_date"],
    }


def track_row(
    track: dict[str, Any],
    album: dict[str, Any],
    artists: dict[str, dict[str, Any]],
    with_isrc: bool,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "track_number": track["track_number"],
        "disc_number": track["disc_number"],
        "artists": simple_artists(track["artist_ids"], artists),
        "album_spotify_id": album["id"],
    }
    if with_isrc:
        metadata["isrc"] = track["isrc"]
    return {
        "spotify_id": track["id"],
        "name": track["name"],
        "normalized_name": normalize_title(track["name"]),
        "edition_qualifier": edition_qualifier(track["name"], album["name"]),
        "duration_ms": track["duration_ms"],
        "popularity": track["popularity"],
        "metadata": metadata,
    }
