"""One song to identify, as every credit source sees it, and what a source answers.

TrackToIdentify   the representative Spotify track of a song, its album and artists
                  (track_from_context: as the database stores them)
TrackIsrc         its ISRC: stored, else asked of Spotify once, only when a source needs it
SourceAnswer      one source's credits and a note of the documents it used
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.db.catalogue import TrackContext
from producer_discovery.errors import NotFound
from producer_discovery.identification.credits import Credit
from producer_discovery.text import clean_title, normalize_name

ISRC_FORMAT = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


@dataclass(frozen=True)
class TrackToIdentify:
    """One normalized song, through its representative Spotify track and that track's album."""

    track_id: str
    title: str
    spotify_id: str | None
    artist_names: tuple[str, ...]  # the track's primary artist first, then the song's artist
    album_title: str
    upc: str | None
    album_track_count: int | None
    album_songs: int  # songs identified through this album (their representative is on it)
    isrc: str | None = None
    album_id: str | None = None  # albums.id
    album_artist_id: str | None = None  # the album's artist: whose identification plan
    album_year: int | None = None  # from Spotify's `release_date` ("2021", "2021-09-24")

    @property
    def artist_name(self) -> str:
        return self.artist_names[0]


def track_from_context(context: TrackContext) -> TrackToIdentify:
    track_metadata = context.track_metadata
    album_metadata = context.album_metadata
    return TrackToIdentify(
        track_id=context.track_id,
        title=context.title,
        spotify_id=context.spotify_id,
        artist_names=artist_names(track_metadata, context.artist_name),
        album_title=context.album_title,
        upc=external_id(album_metadata, "upc"),
        album_track_count=album_metadata.get("total_tracks"),
        album_songs=context.album_songs,
        isrc=external_id(track_metadata, "isrc"),
        album_id=context.album_id,
        album_artist_id=context.album_artist_id,
        album_year=release_year(album_metadata.get("release_date")),
    )


def release_year(release_date: object) -> int | None:
    """The year of a Spotify `release_date` ("2021", "2021-09", "2021-09-24"), or None."""
    text = str(release_date or "")[:4]
    return int(text) if text.isdigit() else None


def artist_names(track_metadata: dict[str, Any], song_artist: str) -> tuple[str, ...]:
    """The track's primary artist (first in Spotify's list), then the song's artist."""
    listed = track_metadata.get("artists") or []
    first = listed[0] if listed else None
    primary = first.get("name") if isinstance(first, dict) else first
    names = [name for name in (primary, song_artist) if isinstance(name, str) and name.strip()]
    return tuple(dict.fromkeys(names))


def external_id(metadata: dict[str, Any], name: str) -> str | None:
    """An id stored flat (`isrc`) or as Spotify nests it (`external_ids.isrc`)."""
    value = metadata.get(name) or (metadata.get("external_ids") or {}).get(name)
    return str(value) if value else None


@dataclass
class SourceAnswer:
    """What one source credited on one track, and which documents it used."""

    credits: list[Credit] = field(default_factory=list)
    note: dict[str, Any] = field(default_factory=dict)


class TrackIsrc:
    """The track's ISRC: stored in its metadata, else asked of Spotify once, when needed."""

    def __init__(self, track: TrackToIdentify, spotify: SpotifyClient | None) -> None:
        self.track = track
        self.spotify = spotify
        self.fetched = False
        self.code = valid_isrc(track.isrc)

    @property
    def known(self) -> str | None:
        return self.code

    def get(self) -> str | None:
        if self.code is None and not self.fetched and self.spotify and self.track.spotify_id:
            self.fetched = True
            try:
                self.code = valid_isrc(self.spotify.get_track(self.track.spotify_id).isrc)
            except NotFound:
                self.code = None
        return self.code


def valid_isrc(code: str | None) -> str | None:
    """The ISRC upper-cased, or None when it is missing or malformed."""
    cleaned = (code or "").strip().upper().replace("-", "")
    return cleaned if ISRC_FORMAT.match(cleaned) else None


def search_title(title: str) -> str:
    """A title without feature, producer, remaster and edition markers, for search queries."""
    return clean_title(title) or title


def same_artist(name: str, wanted: tuple[str, ...]) -> bool:
    """Whether a provider's artist name is one of the track's artists, normalized."""
    key = normalize_name(name)
    return bool(key) and key in {normalize_name(artist) for artist in wanted}
