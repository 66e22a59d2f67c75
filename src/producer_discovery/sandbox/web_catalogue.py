"""A catalogue with credits and producer profiles written straight into the tables, as the
five stages leave them, so the web app can be tested and measured without running the
pipeline.

    seed_web_catalogue(conn, SAMPLE)     a small hand-written catalogue (tests)
    seed_web_catalogue(conn, synthetic(50))   50 artists × 4 albums × 10 tracks (benchmark)
    seed_dead_letter(conn, "Nova Reyes")      one artist_discovery message in its DLQ

A catalogue is `{"artists": [{"name", "genres", "albums": [{"name", "release_date",
"tracks": [{"name", "credits": [{"producer", "roles", "sources": {source: confidence},
"other_roles": {source: writing label}}]}]}]}],
"producers": {name: {"email", "instagram_handle", "image_url", "aliases", "socials"}}}`.
Credits are fused as the pipeline fuses them: confidence 1 − Π(1 − cᵢ), sources joined by +.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import psycopg

from producer_discovery.db import sample_catalogue as database
from producer_discovery.db.catalogue import process_track_batch
from producer_discovery.text import normalize_name, normalize_title

SAMPLE: dict[str, Any] = {
    "artists": [
        {
            "name": "Beyoncé Lumière",
            "genres": ["r&b"],
            "albums": [
                {
                    "name": "Golden Hour",
                    "release_date": "2024-05-03",
                    "tracks": [
                        {
                            "name": "Sunrise",
                            "credits": [
                                {
                                    "producer": "Mara Quill",
                                    "roles": ["producer"],
                                    "sources": {"genius": 0.9, "musicbrainz": 0.85},
                                },
                                {
                                    "producer": "DJ O'Neil",
                                    "roles": ["co-producer"],
                                    "sources": {"discogs": 0.7},
                                },
                            ],
                        },
                        {
                            "name": "Midnight (feat. Ray)",
                            "credits": [
                                {
                                    "producer": "Mara Quill",
                                    "roles": ["producer"],
                                    "sources": {"genius": 0.9},
                                    "other_roles": {"discogs": "Written-By"},
                                }
                            ],
                        },
                    ],
                },
            ],
        },
        {
            "name": "Nova Reyes",
            "genres": ["pop"],
            "albums": [
                {
                    "name": "Static Bloom",
                    "release_date": "2023-02-10",
                    "tracks": [
                        {
                            "name": "Paper Planes",
                            "credits": [
                                {
                                    "producer": "Mara Quill",
                                    "roles": ["producer", "programming"],
                                    "sources": {"musicbrainz": 0.85},
                                }
                            ],
                        },
                        {
                            "name": "Low Tide",
                            "credits": [
                                {
                                    "producer": "Théo Marchand",
                                    "roles": ["producer"],
                                    "sources": {"genius": 0.9, "title": 0.6},
                                }
                            ],
                        },
                    ],
                },
            ],
        },
    ],
    "producers": {
        "Mara Quill": {
            "email": "mara@quill.example",
            "instagram_handle": "maraquill",
            "image_url": None,
            "aliases": ["M. Quill", "Quill"],
            "socials": {
                "instagram_handle": "maraquill",
                "twitter": "maraquill",
                "soundcloud": "https://soundcloud.com/maraquill",
            },
            "bio": "Producer. Bookings: mara@quill.example",
        },
        "Théo Marchand": {
            "email": "theo@marchand.example",
            "instagram_handle": None,
            "image_url": None,
            "aliases": [],
            "socials": {},
        },
    },
}


def seed_web_catalogue(conn: psycopg.Connection[Any], catalogue: dict[str, Any]) -> dict[str, str]:
    """Write the catalogue; return {artist or producer name: id}."""
    ids: dict[str, str] = {}
    for artist in catalogue["artists"]:
        artist_id = database.seed_artist(
            conn, artist["name"], spotify_id("artist", artist["name"]), artist.get("genres", [])
        )
        ids[artist["name"]] = artist_id
        for album in artist["albums"]:
            album_id = database.seed_album(
                conn,
                artist_id,
                album["name"],
                spotify_id("album", artist["name"], album["name"]),
                len(album["tracks"]),
                album.get("release_date"),
            )
            rows = [
                {
                    "spotify_id": spotify_id("track", artist["name"], album["name"], track["name"]),
                    "name": track["name"],
                    "normalized_name": normalize_title(track["name"]),
                    "metadata": {"track_number": number, "disc_number": 1},
                }
                for number, track in enumerate(album["tracks"], start=1)
            ]
            result = process_track_batch(conn, rows, album_id, artist_id)
            assert "error" not in result, result
            for track, song in zip(album["tracks"], result["results"], strict=True):
                for credit in track.get("credits", []):
                    producer_id = producer(conn, ids, credit["producer"], catalogue)
                    sources: dict[str, float] = credit["sources"]
                    fused = 1 - math.prod(1 - confidence for confidence in sources.values())
                    database.seed_credit(
                        conn,
                        song["track_id"],
                        producer_id,
                        round(fused, 4),
                        credit["roles"],
                        sources,
                        credit.get("other_roles"),
                    )
    return ids


def producer(
    conn: psycopg.Connection[Any], ids: dict[str, str], name: str, catalogue: dict[str, Any]
) -> str:
    """The id of the named producer, inserted (with its profile) the first time."""
    if name in ids:
        return ids[name]
    producer_id = database.seed_producer(conn, name, normalize_name(name))
    profile = catalogue.get("producers", {}).get(name)
    if profile:
        seen = "2026-01-01T00:00:00+00:00"
        social: dict[str, Any] = {
            field: {"value": text, "source": "genius", "seen_at": seen}
            for field, text in profile.get("socials", {}).items()
        }
        if profile.get("email"):
            social["email"] = {"value": profile["email"], "source": "genius", "seen_at": seen}
        social["aliases"] = profile.get("aliases", [])
        social["disagreements"] = []
        database.seed_profile(conn, producer_id, profile, social)
    ids[name] = producer_id
    return producer_id


def seed_dead_letter(
    conn: psycopg.Connection[Any], artist_name: str, reason: str = "Spotify answered 404 for good"
) -> int:
    """An artist_discovery message dead-lettered as the runtime does it; its DLQ message id."""
    return database.seed_dead_letter(conn, artist_name, reason)


def synthetic(
    artists: int = 50, albums: int = 4, tracks: int = 10, producers: int = 120
) -> dict[str, Any]:
    """A made-up catalogue of this size, the same every time: each track has 1–3 producers."""
    producer_names = [
        f"Producer {number:03d} {WORDS[number % len(WORDS)]}" for number in range(producers)
    ]
    catalogue: dict[str, Any] = {"artists": [], "producers": {}}
    for name in producer_names:
        catalogue["producers"][name] = {
            "email": f"{normalize_name(name).replace(' ', '.')}@example.com",
            "instagram_handle": normalize_name(name).replace(" ", "_"),
            "image_url": None,
            "aliases": [name.upper()],
            "socials": {"twitter": normalize_name(name).replace(" ", "")},
        }
    for a in range(artists):
        artist: dict[str, Any] = {
            "name": f"Artist {a:02d} {WORDS[(a * 7) % len(WORDS)]}",
            "genres": ["pop"],
            "albums": [],
        }
        for b in range(albums):
            album: dict[str, Any] = {
                "name": f"Album {b + 1} of {a:02d}",
                "release_date": f"{2010 + b}-0{1 + a % 9}-15",
                "tracks": [],
            }
            for t in range(tracks):
                seed = a * 1000 + b * 100 + t
                count = 1 + seed % 3
                credits = [
                    {
                        "producer": producer_names[(a * 3 + k * 17 + t) % producers],
                        "roles": ["producer"],
                        "sources": {"genius": 0.9, "musicbrainz": 0.85}
                        if k == 0
                        else {"discogs": 0.7},
                    }
                    for k in range(count)
                ]
                album["tracks"].append({"name": f"Song {t + 1} ({b}/{a})", "credits": credits})
            artist["albums"].append(album)
        catalogue["artists"].append(artist)
    return catalogue


WORDS = (
    "Amber",
    "Blue",
    "Cedar",
    "Dune",
    "Ember",
    "Fjord",
    "Glass",
    "Harbor",
    "Iris",
    "Jade",
    "Kite",
    "Lumen",
    "Moss",
    "North",
    "Opal",
)


def spotify_id(*parts: str) -> str:
    """A stable made-up Spotify id (22 characters) for these names."""
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:22]
