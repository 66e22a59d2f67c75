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

A refresh of a watched artist (refresh_watched_artists(), the message's `refresh` stamp) is
one unit of work of its own, ("artist_refresh", artistId): Spotify lists an artist's albums
by album group (album, single, …) and newest first within a group, so it reads each group of
ALBUM_INCLUDE_GROUPS apart (`include_groups=album`, then `single`), from the newest page on,
and stops at the first page that holds an album already stored (or at the group's end, or
after REFRESH_PAGES_MAX pages). Only the albums not stored yet are stored and go on to
track_discovery: a refresh with nothing new costs one request per group and nothing more.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

from producer_discovery.clients.spotify import ARTIST_ALBUMS_LIMIT_MAX, SpotifyClient
from producer_discovery.clients.spotify_models import SimpleAlbum
from producer_discovery.db.catalogue import AlbumRecord, stored_album_ids, upsert_album
from producer_discovery.messages import AlbumDiscoveryMessage, TrackDiscoveryMessage
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Outcome, Send, Stage

QUEUE = AlbumDiscoveryMessage.QUEUE
PAGE_SIZE = ARTIST_ALBUMS_LIMIT_MAX
REFRESH_PAGES_MAX = 3  # pages of one album group a refresh reads at most


def entity_of(message: AlbumDiscoveryMessage) -> tuple[str, str]:
    """("artist_albums", "<artistId>@<offset>"): each page is its own unit of work; a
    refresh is ("artist_refresh", "<artistId>"), reopened by each refresh_watched_artists()."""
    if message.refresh is not None:
        return "artist_refresh", str(message.artist_id)
    return "artist_albums", f"{message.artist_id}@{message.offset}"


def build(resources: Resources) -> Stage[AlbumDiscoveryMessage]:
    spotify = resources.client(SpotifyClient)
    include_groups = resources.settings.album_include_groups

    def handle(delivery: Delivery[AlbumDiscoveryMessage]) -> Outcome:
        if delivery.body.refresh is not None:
            return refresh_artist(spotify, resources.pool, include_groups, delivery.body)
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


def refresh_artist(
    spotify: SpotifyClient,
    pool: ConnectionPool,
    include_groups: str,
    message: AlbumDiscoveryMessage,
) -> Outcome:
    """A watched artist's albums released since its last walk: each group's newest pages
    until one holds a stored album; only the albums not stored go on."""
    new: dict[str, SimpleAlbum] = {}
    pages = 0
    for group in [group.strip() for group in include_groups.split(",") if group.strip()]:
        offset = 0
        for _ in range(REFRESH_PAGES_MAX):
            page = spotify.artist_albums(
                message.spotify_id, include_groups=group, offset=offset, limit=PAGE_SIZE
            )
            pages += 1
            with pool.connection() as conn:
                known = stored_album_ids(conn, [album.id for album in page.items])
            for album in page.items:
                if album.id not in known and album.primary_artist_id == message.spotify_id:
                    new.setdefault(album.id, album)
            if known or not page.next:
                break
            offset = page.offset + page.limit

    def write(conn: psycopg.Connection[Any]) -> list[Send]:
        stored_meanwhile = stored_album_ids(conn, list(new))  # by a discovery running alongside
        return [
            track_discovery(message, store_album(conn, message.artist_id, album), album)
            for album in new.values()
            if album.id not in stored_meanwhile
        ]

    metadata = {"refresh": message.refresh, "pages": pages, "new": list(new)}
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
