"""Pydantic models of the Spotify Web API objects the pipeline reads.

Fields that development mode no longer sends (`popularity`, `followers`, `genres`, `label`,
`album_group`, `preview_url`) are Optional and usually None; nothing may depend on them.
Unknown fields are ignored, so new fields from Spotify never break parsing.

Lenient where the real API varies, strict only where our logic depends on a value: ids and
names are required (bounded in length); `album_type` is folded to lower case and any value
(also "EP", null) is kept as it came; a page's items are validated one by one (`page_of`), so
one odd album or track is skipped and named in `Paging.skipped` instead of failing its page.
A document whose shape we cannot read at all raises `ResponseShapeError` (`parse`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from producer_discovery.errors import ResponseShapeError

ItemT = TypeVar("ItemT")
ModelT = TypeVar("ModelT", bound=BaseModel)
MAXIMUM_ID_LENGTH = 100
MAXIMUM_NAME_LENGTH = 1000


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
    skipped: list[str] = []  # items that could not be read: "index: what was wrong"


class SimpleArtist(SpotifyModel):
    id: str = Field(min_length=1, max_length=MAXIMUM_ID_LENGTH)
    name: str = Field(max_length=MAXIMUM_NAME_LENGTH)


class Artist(SimpleArtist):
    images: list[Image] = []
    genres: list[str] | None = None
    popularity: int | None = None
    followers: Followers | None = None

    @property
    def follower_count(self) -> int | None:
        return self.followers.total if self.followers else None


class SimpleAlbum(SpotifyModel):
    id: str = Field(min_length=1, max_length=MAXIMUM_ID_LENGTH)
    name: str = Field(max_length=MAXIMUM_NAME_LENGTH)
    # "album", "single", "compilation" in the docs; "ALBUM", "EP", "ep" and null for real.
    album_type: str | None = None
    total_tracks: int | None = None
    release_date: str | None = None
    release_date_precision: str | None = None
    artists: list[SimpleArtist] = []
    images: list[Image] = []
    album_group: str | None = None

    @field_validator("album_type", "release_date_precision", "album_group", mode="before")
    @classmethod
    def lower_case(cls, value: Any) -> Any:
        return value.strip().casefold() or None if isinstance(value, str) else value

    @property
    def primary_artist_id(self) -> str | None:
        """The first album artist: the one whose release this is."""
        return self.artists[0].id if self.artists else None

    def release_date_as_date(self) -> date | None:
        """`release_date` padded to a date (YYYY → YYYY-01-01, YYYY-MM → YYYY-MM-01).

        None for the placeholder dates Spotify sometimes sends ("0000", "").
        """
        try:
            parts = [int(part) for part in (self.release_date or "").split("-")]
            year, month, day = [*parts, 1, 1][:3]
            return date(year, month, day)
        except ValueError:
            return None


class SimpleTrack(SpotifyModel):
    id: str = Field(min_length=1, max_length=MAXIMUM_ID_LENGTH)
    name: str = Field(max_length=MAXIMUM_NAME_LENGTH)
    artists: list[SimpleArtist] = []
    disc_number: int = 1
    track_number: int = 0
    duration_ms: int | None = None
    explicit: bool | None = False
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


def problem_of(error: ValidationError) -> str:
    """A ValidationError in one line: "items.0.id: Field required; …"."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'document'}: {e['msg']}" for e in error.errors()[:5]
    )


def parse(model: type[ModelT], document: Any, endpoint: str) -> ModelT:
    """`model` of a whole document; a shape we cannot read is a ResponseShapeError."""
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise ResponseShapeError("spotify", endpoint, problem_of(error)) from None


def page_of(item: type[ModelT], document: Any, endpoint: str) -> Paging[ModelT]:
    """A paging object whose items are validated one by one: an item that cannot be read
    is left out and named in `skipped`; only a page without a readable frame fails."""
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        found = (
            type(document).__name__
            if not isinstance(document, dict)
            else (f"items is {type(document.get('items')).__name__}")
        )
        raise ResponseShapeError("spotify", endpoint, f"not a paging object ({found})")
    kept: list[ModelT] = []
    skipped: list[str] = []
    for index, raw in enumerate(document["items"]):
        if raw is None:
            skipped.append(f"{index}: null item")
            continue
        try:
            kept.append(item.model_validate(raw))
        except ValidationError as error:
            skipped.append(f"{index}: {problem_of(error)}"[:300])
    frame = parse(Paging[item], {**document, "items": []}, endpoint)  # type: ignore[valid-type]
    return frame.model_copy(update={"items": kept, "skipped": skipped})
