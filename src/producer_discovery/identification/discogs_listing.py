"""Discogs releases planned by artist: the artist's release list read once, albums matched
locally, instead of one search per album and per track.

    artist_listing(client, track)     the track's artist found by name (`type=artist` search),
                                      then every page of `/artists/{id}/releases`; both are
                                      cached under the same query for every song of the artist
    listed_entries(items, track)      the entries worth opening for the track: titled like its
                                      album (the exact title before edition variants, the
                                      artist's own before appearances) or like the track (its
                                      single); then the artist's other releases, nearest the
                                      album's year first
    entry_release_ids(client, entry)  an entry's releases: a master's `main_release`, then, only
                                      if that one lacks the track, its other versions

A master stands for all its versions and is opened through its `main_release`. Entries where
the artist is only credited (role "Producer", "Mixed By", …) are someone else's records and
are left out. The caller still checks that the opened release holds the track.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from producer_discovery.clients.discogs import ArtistListing, DiscogsClient
from producer_discovery.identification.track import TrackToIdentify, same_artist
from producer_discovery.text import comparable_title, fold

PERFORMER_ROLES = frozenset({"Main", "Appearance", "TrackAppearance"})


def artist_listing(client: DiscogsClient, track: TrackToIdentify) -> ArtistListing | None:
    """The release list of the first Discogs artist named like the track's artist (suffix
    aside), or None when Discogs has no such artist."""
    for hit in client.search_artists(track.artist_name):
        if (
            hit.get("type", "artist") == "artist"
            and isinstance(hit.get("id"), int)
            and same_artist(str(hit.get("title") or ""), track.artist_names)
        ):
            return client.artist_releases(int(hit["id"]))
    return None


def release_id_of(item: dict[str, Any]) -> int | None:
    """The release to open for a listing entry: a master's main release, or the release."""
    identifier = item.get("main_release") if item.get("type") == "master" else item.get("id")
    if item.get("type") not in ("master", "release") or not isinstance(identifier, int):
        return None
    return identifier


def titled_like(items: list[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    """Entries whose title is `title` once decorations are removed; the exact spelling first,
    then the artist's own releases ("Main") before appearances."""
    wanted = comparable_title(title)
    found = [
        item
        for item in items
        if wanted and comparable_title(str(item.get("title") or "")) == wanted
    ]
    found.sort(
        key=lambda item: (
            fold(str(item.get("title") or "")) != fold(title),
            item.get("role") != "Main",
        )
    )
    return found


def listed_entries(
    items: list[dict[str, Any]], track: TrackToIdentify
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The entries worth opening for the track, in order: those titled like the album or the
    track first; then the artist's own other releases, which may hold the track when its
    Spotify album (a single, an edition) is not on Discogs, nearest the album's year first."""
    performed = [item for item in items if item.get("role", "Main") in PERFORMER_ROLES]
    albums = titled_like(performed, track.album_title)
    singles = [item for item in titled_like(performed, track.title) if item not in albums]
    titled = [*albums, *singles]
    # Only the artist's own releases: on a compilation it merely appears on, a track of the
    # same title may be someone else's.
    others = [item for item in performed if item not in titled and item.get("role") == "Main"]
    others.sort(key=lambda item: year_distance(item, track.album_year))
    return titled, others


def year_distance(item: dict[str, Any], year: int | None) -> int:
    """How many years an entry lies from the album's (0 when either is unknown)."""
    listed = str(item.get("year") or "")
    return abs(int(listed) - year) if year is not None and listed.isdigit() else 0


def entry_release_ids(
    client: DiscogsClient, item: dict[str, Any], album_title: str
) -> Iterator[int]:
    """The releases of one entry, lazily: a release; or a master's main release, then (read
    only when the caller asks for more) its other versions, those titled exactly like the
    album first, since an edition's own tracks are often on another version. When the album
    is an edition the master is not titled after ("… (Deluxe Edition)"), the versions titled
    like it come before the main release: their credits are that edition's."""
    release_id = release_id_of(item)
    if release_id is None:
        return
    if item.get("type") != "master" or not isinstance(item.get("id"), int):
        yield release_id
        return
    same_title = fold(str(item.get("title") or "")) == fold(album_title)
    if same_title:
        yield release_id
    versions = [v for v in client.master_versions(item["id"]) if isinstance(v.get("id"), int)]
    titled = [
        int(v["id"]) for v in versions if fold(str(v.get("title") or "")) == fold(album_title)
    ]
    yield from titled
    if not same_title:
        yield release_id
    yield from (int(v["id"]) for v in versions if int(v["id"]) not in titled)
