"""The catalogue tables (artists, albums, tracks, normalized_tracks), as the three discovery
stages write them and producer identification reads them.

    upsert_artist(conn, artist)              artist discovery: insert or refresh → its id
    upsert_album(conn, album)                album discovery: insert or refresh → its id
    stored_album_ids(conn, spotify_ids)      album discovery's refresh: which are known
    artist_spotify_id(conn, artist_id)       track discovery: the stored artist's Spotify id
    record_album_details(conn, id, details)  track discovery: what only the full album tells
    process_track_batch(conn, …)             track discovery: tracks and songs in one call
    track_context(conn, track_id, artist_id) producer identification: the track to identify
    song_representative(conn, song_id)       producer identification: the song's best edition
    claim_song_representative(conn, …)       producer identification: still it, at commit?
    artist_song_contexts(conn, artist_id)    identification plans: every song of an artist
    seed_sample_artist, seed_sample_album    the sample catalogue (sandbox.catalogue_seed)

Every function runs its statement on the connection it is given, so the writes of a stage
land in the runtime's one commit. Documents are plain dicts; they are sent as JSONB here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict
from uuid import UUID

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Jsonb

from producer_discovery.db.queries import query

Connection = psycopg.Connection[Any]
JsonDocument = dict[str, Any]


# Artists and albums ------------------------------------------------------------------------
@dataclass(frozen=True)
class ArtistRecord:
    """One Spotify artist as stored; None values never erase known ones (artist_upsert.sql)."""

    name: str
    spotify_id: str
    followers: int | None
    popularity: int | None
    image_url: str | None
    metadata: JsonDocument


@dataclass(frozen=True)
class AlbumRecord:
    """One of an artist's albums as stored; metadata is merged into the stored one."""

    artist_id: UUID
    name: str
    spotify_id: str
    release_date: date | None
    cover_url: str | None
    metadata: JsonDocument


def upsert_artist(conn: Connection, artist: ArtistRecord) -> UUID:
    """Insert or refresh the artist (db/queries/artist_upsert.sql); its `artists.id`."""
    parameters = {
        "name": artist.name,
        "spotify_id": artist.spotify_id,
        "followers": artist.followers,
        "popularity": artist.popularity,
        "image_url": artist.image_url,
        "metadata": Jsonb(artist.metadata),
    }
    return returned_id(conn, "artist_upsert", parameters)


def upsert_album(conn: Connection, album: AlbumRecord) -> UUID:
    """Insert or refresh the album (db/queries/album_upsert.sql); its `albums.id`."""
    parameters = {
        "artist_id": album.artist_id,
        "name": album.name,
        "spotify_id": album.spotify_id,
        "release_date": album.release_date,
        "cover_url": album.cover_url,
        "metadata": Jsonb(album.metadata),
    }
    return returned_id(conn, "album_upsert", parameters)


def artist_spotify_id(conn: Connection, artist_id: UUID) -> str | None:
    """The Spotify id of a stored artist; None when it is not stored or has none."""
    row = conn.execute(query("artist_spotify_id"), {"artist_id": artist_id}).fetchone()
    return str(row[0]) if row is not None and row[0] else None


def stored_album_ids(conn: Connection, spotify_ids: Sequence[str]) -> set[str]:
    """Which of these Spotify album ids are stored already."""
    found = conn.execute(query("albums_stored"), {"spotify_ids": list(spotify_ids)}).fetchall()
    return {str(row[0]) for row in found}


def record_album_details(conn: Connection, album_id: UUID, details: JsonDocument) -> None:
    """Merge what only the full album tells (UPC, label) into the album's metadata."""
    conn.execute(query("album_record_details"), {"album_id": album_id, "details": Jsonb(details)})


# Tracks ------------------------------------------------------------------------------------
class TrackBatchResult(TypedDict):
    """One stored track of a batch, whether its normalized song is new, the song's
    representative (its best edition) after this track, and whether this track made a known
    song's representative change."""

    track_id: str
    name: str
    spotify_id: str
    normalized_track_id: str
    normalized_name: str
    is_new_song: bool
    representative_track_id: str | None
    representative_changed: bool


class TrackBatchReport(TypedDict, total=False):
    """process_track_batch's answer: `processed` and `results`, or `error` and `detail`
    (the SQLSTATE) when it failed and wrote nothing."""

    processed: int
    results: list[TrackBatchResult]
    error: str
    detail: str


def process_track_batch(
    conn: Connection, tracks: Sequence[JsonDocument], album_id: UUID | str, artist_id: UUID | str
) -> TrackBatchReport:
    """An album's tracks and their normalized songs in one call of process_track_batch
    (migration 0006). A failure is reported in the answer, not raised: see TrackBatchReport."""
    parameters = {
        "tracks": [Jsonb(track) for track in tracks],
        "album_id": album_id,
        "artist_id": artist_id,
    }
    with conn.cursor(row_factory=tuple_row) as cursor:  # whatever rows the connection makes
        answer = cursor.execute(query("track_process_batch"), parameters).fetchone()
    assert answer is not None
    report: TrackBatchReport = answer[0]
    return report


def song_representative(conn: Connection, normalized_track_id: str) -> str | None:
    """The song's current representative track, or None when the song is not stored."""
    with conn.cursor(row_factory=tuple_row) as cursor:
        row = cursor.execute(
            query("song_representative"), {"normalized_track_id": normalized_track_id}
        ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def claim_song_representative(conn: Connection, normalized_track_id: str, track_id: str) -> bool:
    """In the identification's commit: True when the track is still the song's representative
    (the song's row stays locked until the commit; other editions' credits are removed)."""
    parameters = {"normalized_track_id": normalized_track_id, "track_id": track_id}
    with conn.cursor(row_factory=tuple_row) as cursor:
        row = cursor.execute(query("song_claim_representative"), parameters).fetchone()
    return bool(row and row[0])


@dataclass(frozen=True)
class TrackContext:
    """One representative track as producer identification reads it (producer_track_context.sql):
    its metadata, its album's, the song's artist and how many songs the album carries."""

    track_id: str
    title: str
    spotify_id: str | None
    track_metadata: JsonDocument
    album_title: str
    album_metadata: JsonDocument
    artist_name: str
    album_songs: int
    album_id: str | None = None
    album_artist_id: str | None = None


def track_context(conn: Connection, track_id: str, artist_id: str | None) -> TrackContext | None:
    """The track with its album and artist, or None when the track is no longer stored."""
    with conn.cursor(row_factory=dict_row) as cursor:
        row = cursor.execute(
            query("producer_track_context"), {"track_id": track_id, "artist_id": artist_id}
        ).fetchone()
    return context_of(row) if row is not None else None


def artist_song_contexts(conn: Connection, artist_id: str) -> list[TrackContext]:
    """Every song of an artist's albums, as track_context gives one (identification plans)."""
    with conn.cursor(row_factory=dict_row) as cursor:
        found = cursor.execute(query("identification_plan_songs"), {"artist_id": artist_id})
        return [context_of(row) for row in found.fetchall()]


def context_of(row: dict[str, Any]) -> TrackContext:
    return TrackContext(
        track_id=row["track_id"],
        title=row["title"],
        spotify_id=row["spotify_id"],
        track_metadata=row["track_metadata"] or {},
        album_title=row["album_title"],
        album_metadata=row["album_metadata"] or {},
        artist_name=row["artist_name"],
        album_songs=int(row["album_songs"] or 0),
        album_id=row["album_id"],
        album_artist_id=row["album_artist_id"],
    )


# The sample catalogue ----------------------------------------------------------------------
def seed_sample_artist(conn: Connection, name: str, spotify_id: str) -> str:
    """An artist of the sample catalogue (db/queries/producer_seed_artist.sql); its id."""
    parameters = {"name": name, "spotify_id": spotify_id, "metadata": Jsonb({})}
    return str(returned_id(conn, "producer_seed_artist", parameters))


def seed_sample_album(
    conn: Connection, artist_id: str, name: str, spotify_id: str, metadata: JsonDocument
) -> str:
    """An album of the sample catalogue (db/queries/producer_seed_album.sql); its id."""
    parameters = {
        "artist_id": artist_id,
        "name": name,
        "spotify_id": spotify_id,
        "metadata": Jsonb(metadata),
    }
    return str(returned_id(conn, "producer_seed_album", parameters))


def returned_id(conn: Connection, name: str, parameters: dict[str, Any]) -> UUID:
    """The id the named INSERT … RETURNING gives back."""
    row = conn.execute(query(name), parameters).fetchone()
    assert row is not None
    return row[0] if isinstance(row[0], UUID) else UUID(str(row[0]))
