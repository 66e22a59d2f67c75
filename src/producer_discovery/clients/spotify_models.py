"""Pydantic models of the Spotify Web API objects the pipeline reads.

Fields that development mode no longer sends (`popularity`, `followers`, `genres`, `label`,
`album_group`, `preview_url`) are Optional and usually None; nothing may depend on them.
Unknown fields are ignored, so new fields from Spotify never break parsing.
"""

from __future__ import annotations

from datetime import date
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

ItemT = TypeVar("ItemT")


class SpotifyModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Image(SpotifyModel):
    url: str
    height: int | None = None
    width: int | None = None


class Followers(SpotifyModel):
    total: int


class ExternalIds(SpotifyModel):
    isrc: str | None = None
    ean: str | None = None
    upc: str | None = None


class Paging(SpotifyModel, Generic[ItemT]):
    href: str
    items: list[ItemT]
    limit: int
    next: str | None = None
    offset: int
    previous: str | None = None
    total: int


class SimpleArtist(SpotifyModel):
    id: str
    name: str


class Artist(SimpleArtist):
    images: list[Image] = []
    genres: list[str] | None = None
    popularity: int | None = None
    followers: Followers | None = None

    @property
    def follower_count(self) -> int | None:
        return self.followers.total if self.followers else None


class SimpleAlbum(SpotifyModel):
    id: str
    name: str
    album_type: Literal["album", "single", "compilation"]
    total_tracks: int
    release_date: str
    release_date_precision: Literal["year", "month", "day"]
    artists: list[SimpleArtist]
    images: list[Image] = []
    album_group: str | None = None

    @property
    def primary_artist_id(self) -> str | None:
        """The first album artist: the one whose release this is."""
        return self.artists[0].id if self.artists else None

    def release_date_as_date(self) -> date | None:
        """`release_date` padded to a date (YYYY → YYYY-01-01, YYYY-MM → YYYY-MM-01).

        None for the placeholder dates Spotify sometimes sends ("0000", "").
        """
        try:
            parts = [int(part) for part in self.release_date.split("-")]
            year, month, day = (parts + [1, 1])[:3]
            return date(year, month, day)
        except ValueError:
            return None


class SimpleTrack(SpotifyModel):
    id: str
    name: str
    artists: list[SimpleArtist]
    disc_number: int
    track_number: int
    duration_ms: int
    explicit: bool = False
    preview_url: str | None = None


class Album(SimpleAlbum):
    tracks: Paging[SimpleTrack]
    external_ids: ExternalIds = ExternalIds()
    label: str | None = None
    popularity: int | None = None
    genres: list[str] | None = None

    @property
    def upc(self) -> str | None:
        return self.external_ids.upc


class Track(SimpleTrack):
    album: SimpleAlbum
    external_ids: ExternalIds = ExternalIds()
    popularity: int | None = None

    @property
    def isrc(self) -> str | None:
        return self.external_ids.isrc
