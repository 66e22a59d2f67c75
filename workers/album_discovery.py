"""album_discovery: one page of an artist's albums → `albums` → track_discovery.

    AlbumDiscoveryMessage {"artistId": "<artists.id>", "spotifyId": "<artist's Spotify id>",
                           "offset": 0} (producer_discovery.messages)

Reads one page of 10 (the development-mode maximum) of `GET /artists/{id}/albums` with
`include_groups` from ALBUM_INCLUDE_GROUPS (default album,single), keeps the albums whose
primary (first) artist is this artist — compilations by Various Artists and other artists'
singles the artist is listed on are dropped — and upserts them with `release_date` padded to
a DATE (the precision stays in metadata). One track_discovery message per kept album, and,
when Spotify has a `next` page, the album_discovery message for the next offset: both in the
same commit as the rows, so a crash neither loses nor repeats a page.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from producer_discovery.clients.spotify import ARTIST_ALBUMS_LIMIT_MAX, SpotifyClient
from producer_discovery.clients.spotify_models import SimpleAlbum
from producer_discovery.db.catalogue import AlbumRecord, upsert_album
from producer_discovery.messages import AlbumDiscoveryMessage, TrackDiscoveryMessage
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Outcome, Send, Stage

QUEUE = AlbumDiscoveryMessage.QUEUE
PAGE_SIZE = ARTIST_ALBUMS_LIMIT_MAX


def entity_of(message: AlbumDiscoveryMessage) -> tuple[str, str]:
    """("artist_albums", "<artistId>@<offset>"): each page is its own unit of work."""
    return "artist_albums", f"{message.artist_id}@{message.offset}"


def build(resources: Resources) -> Stage[AlbumDiscoveryMessage]:
    spotify = resources.client(SpotifyClient)
    include_groups = resources.settings.album_include_groups

    def handle(delivery: Delivery[AlbumDiscoveryMessage]) -> Outcome:
        return discover_page(spotify, include_groups, delivery.body)

    return Stage(QUEUE, AlbumDiscoveryMessage, entity_of, handle)


def discover_page(
    spotify: SpotifyClient, include_groups: str, message: AlbumDiscoveryMessage
) -> Outcome:
    page = spotify.artist_albums(
        message.spotify_id, include_groups=include_groups, offset=message.offset, limit=PAGE_SIZE
    )
    kept = [album for album in page.items if album.primary_artist_id == message.spotify_id]
    next_offset = page.offset + page.limit if page.next else None

    def write(conn: psycopg.Connection[Any]) -> list[Send]:
        sends = [
            track_discovery(message, store_album(conn, message.artist_id, album), album)
            for album in kept
        ]
        if next_offset is not None:
            sends.append(next_page(message, next_offset))
        return sends

    metadata = {
        "listed": len(page.items),
        "kept": [album.id for album in kept],
        "dropped": [album.id for album in page.items if album not in kept],
        "next_offset": next_offset,
    }
    return Outcome(write=write, metadata=metadata)


def store_album(conn: psycopg.Connection[Any], artist_id: UUID, album: SimpleAlbum) -> UUID:
    return upsert_album(conn, album_row(artist_id, album))


def album_row(artist_id: UUID, album: SimpleAlbum) -> AlbumRecord:
    return AlbumRecord(
        artist_id=artist_id,
        name=album.name,
        spotify_id=album.id,
        release_date=album.release_date_as_date(),
        cover_url=album.images[0].url if album.images else None,
        metadata=album_metadata(album),
    )


def album_metadata(album: SimpleAlbum) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "album_type": album.album_type,
        "release_date": album.release_date,
        "release_date_precision": album.release_date_precision,
        "total_tracks": album.total_tracks,
        "artists": [artist.model_dump() for artist in album.artists],
        "spotify_uri": f"spotify:album:{album.id}",
    }
    if album.album_group is not None:
        metadata["album_group"] = album.album_group
    return metadata


def track_discovery(message: AlbumDiscoveryMessage, album_id: UUID, album: SimpleAlbum) -> Send:
    return Send.of(
        TrackDiscoveryMessage(album_id=album_id, spotify_id=album.id, artist_id=message.artist_id)
    )


def next_page(message: AlbumDiscoveryMessage, offset: int) -> Send:
    return Send.of(
        AlbumDiscoveryMessage(
            artist_id=message.artist_id, spotify_id=message.spotify_id, offset=offset
        )
    )
