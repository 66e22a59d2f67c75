"""track_discovery: one album's tracks → `tracks`, `normalized_tracks` → producer_identification.

    TrackDiscoveryMessage {"albumId": "<albums.id>", "spotifyId": "<album's Spotify id>",
                           "artistId": "<artists.id>"} (producer_discovery.messages)

Fetches the full album (its first 50 tracks embedded) and follows `next` for the rest, keeps
the tracks on which the artist appears (a compilation holds other artists' songs), and writes
them through `process_track_batch` with `normalized_name = titles.normalize_title(name)`, so
one song on the original, the deluxe edition and the remaster is one `normalized_tracks` row.
One producer_identification message goes out per normalized track that is new (`is_new_song`),
never one per edition; each track carries its edition qualifier (editions.edition_qualifier,
from its title and its album's), by which process_track_batch keeps the song's best edition as
its representative. When an album brings a better edition of a known song
(`representative_changed`), the song is sent again with a `refresh` stamp naming the new
edition, so the runtime does not take it for the first message. Album-track items carry no ISRC: it is stored only when the app has
extended quota (one probe per process), where the batch `GET /tracks?ids=` adds it cheaply.
The batch is sorted by normalized title so that two workers writing editions of the same
songs take their row locks in the same order and cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.clients.spotify_models import Album, SimpleTrack, Track
from producer_discovery.db.catalogue import (
    TrackBatchResult,
    artist_spotify_id,
    process_track_batch,
    record_album_details,
)
from producer_discovery.editions import edition_qualifier
from producer_discovery.errors import PermanentError, TransientError
from producer_discovery.messages import ProducerIdentificationMessage, TrackDiscoveryMessage
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Outcome, Send, Stage
from producer_discovery.text import normalize_title

QUEUE = TrackDiscoveryMessage.QUEUE
RETRYABLE_SQLSTATE_CLASS = "40"  # serialization failure, deadlock detected
REPRESENTATIVE = "representative:"  # the refresh stamp of a song whose best edition changed


def entity_of(message: TrackDiscoveryMessage) -> tuple[str, str]:
    return "album", str(message.album_id)


def build(resources: Resources) -> Stage[TrackDiscoveryMessage]:
    spotify = resources.client(SpotifyClient)

    def handle(delivery: Delivery[TrackDiscoveryMessage]) -> Outcome:
        artist_spotify_id = stored_artist_spotify_id(resources.pool, delivery.body.artist_id)
        return discover_tracks(
            spotify, spotify.has_extended_quota, delivery.body, artist_spotify_id
        )

    return Stage(QUEUE, TrackDiscoveryMessage, entity_of, handle)


def stored_artist_spotify_id(pool: ConnectionPool, artist_id: UUID) -> str:
    with pool.connection() as conn:
        spotify_id = artist_spotify_id(conn, artist_id)
    if spotify_id is None:
        raise PermanentError(f"artist {artist_id} is not stored (or has no Spotify id)")
    return spotify_id


def discover_tracks(
    spotify: SpotifyClient,
    extended_quota: Callable[[], bool],
    message: TrackDiscoveryMessage,
    artist_spotify_id: str,
) -> Outcome:
    album = spotify.get_album(message.spotify_id)
    listed = spotify.album_tracks(album)
    kept = [track for track in listed if performs_on(artist_spotify_id, track)]
    full_tracks = full_tracks_by_id(spotify, kept) if kept and extended_quota() else {}
    rows = sorted(
        (track_row(track, album, full_tracks.get(track.id)) for track in kept),
        key=lambda row: (row["normalized_name"], row["spotify_id"]),
    )

    def write(conn: psycopg.Connection[Any]) -> list[Send]:
        record_album_details(conn, message.album_id, album_details(album))
        results = store_tracks(conn, rows, message) if rows else []
        return identification_messages(results, message)

    return Outcome(write=write, metadata={"listed": len(listed), "kept": len(kept)})


def performs_on(artist_spotify_id: str, track: SimpleTrack) -> bool:
    return any(artist.id == artist_spotify_id for artist in track.artists)


def full_tracks_by_id(spotify: SpotifyClient, tracks: list[SimpleTrack]) -> dict[str, Track]:
    """Full tracks (with ISRC) by the batch endpoint: only with extended quota, because in
    development mode one request per track would cost more than the ISRC is worth here."""
    return {track.id: track for track in spotify.get_tracks([track.id for track in tracks])}


def track_row(track: SimpleTrack, album: Album, full_track: Track | None) -> dict[str, Any]:
    """One element of process_track_batch's jsonb[] argument."""
    metadata: dict[str, Any] = {
        "track_number": track.track_number,
        "disc_number": track.disc_number,
        "artists": [artist.model_dump() for artist in track.artists],
        "explicit": track.explicit,
        "album_spotify_id": album.id,
    }
    if full_track is not None and full_track.isrc:
        metadata["isrc"] = full_track.isrc
    return {
        "spotify_id": track.id,
        "name": track.name,
        "normalized_name": normalize_title(track.name),
        "edition_qualifier": edition_qualifier(track.name, album.name),
        "duration_ms": track.duration_ms,
        "popularity": full_track.popularity if full_track is not None else None,
        "spotify_preview_url": track.preview_url,
        "metadata": metadata,
    }


def album_details(album: Album) -> dict[str, Any]:
    """What the full album adds to the listing: the UPC, and the label where Spotify sends it."""
    details = {"upc": album.upc, "label": album.label}
    return {key: value for key, value in details.items() if value is not None}


def store_tracks(
    conn: psycopg.Connection[Any], rows: list[dict[str, Any]], message: TrackDiscoveryMessage
) -> list[TrackBatchResult]:
    result = process_track_batch(conn, rows, message.album_id, message.artist_id)
    raise_for_batch_error(result)
    return list(result["results"])


def raise_for_batch_error(result: Mapping[str, Any]) -> None:
    """process_track_batch reports a failure as {"error", "detail": SQLSTATE}: raise it."""
    if "error" not in result:
        return
    sqlstate = str(result.get("detail") or "")
    description = f"process_track_batch failed: {result['error']} (SQLSTATE {sqlstate})"
    if sqlstate.startswith(RETRYABLE_SQLSTATE_CLASS):
        raise TransientError(description)
    raise PermanentError(description)


def identification_messages(
    results: list[TrackBatchResult], message: TrackDiscoveryMessage
) -> list[Send]:
    """One message per song of the batch that is new, or whose representative changed (then
    with a `refresh` stamp naming the new representative); never two for one song."""
    latest: dict[str, TrackBatchResult] = {}  # a song's last result names its final edition
    new: set[str] = set()
    for result in results:
        song = result["normalized_track_id"]
        if result["is_new_song"]:
            new.add(song)
        if result["is_new_song"] or result["representative_changed"]:
            latest[song] = result
    sends = []
    for song, result in latest.items():
        representative = result["representative_track_id"] or result["track_id"]
        sends.append(
            Send.of(
                ProducerIdentificationMessage(
                    track_id=UUID(representative),
                    normalized_track_id=UUID(song),
                    artist_id=message.artist_id,
                    refresh=None if song in new else f"{REPRESENTATIVE}{representative}",
                )
            )
        )
    return sends
