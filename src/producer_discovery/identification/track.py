"""One song to identify, as every credit source sees it, and what a source answers.

    TrackToIdentify   the representative Spotify track of a song, its album and artists
    TrackIsrc         its ISRC: stored, else asked of Spotify once, only when a source needs it
    SourceAnswer      one source's credits and a note of the documents it used
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from producer_discovery.clients.spotify import SpotifyClient
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
    album_year: int | None = None  # from Spotify's `release_date` ("2021", "2021-09-24")

    @property
    def artist_name(self) -> str:
        return self.artist_names[0]


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
