"""The message of each queue, one pydantic model each: the contract between whoever sends it
(the stage before, an SQL entry point) and the stage that reads it.

    artist_discovery         ArtistDiscoveryMessage   {"artistName"}
                                                      | {"spotifyId", "artistName"?, "artist"?}
                                                      | {"genre", "minPopularity"?, "limit"?}
    album_discovery          AlbumDiscoveryMessage    {"artistId", "spotifyId", "offset"?,
                                                       "refresh"?}
    track_discovery          TrackDiscoveryMessage    {"albumId", "spotifyId", "artistId"}
    producer_identification  ProducerIdentificationMessage
                                                      {"trackId", "normalizedTrackId"?,
                                                       "artistId"?, "refresh"?}
    social_enrichment        SocialEnrichmentMessage  {"producerId", "refresh"?}

A Python sender builds the model and queues `message.body()` (a stage returns
`Send.of(message)`); a stage reads a body with `Model.model_validate(body, by_name=False)`.
The SQL senders build the same bodies, and `validate_queue_message` (migration 0100) accepts
exactly the bodies these models accept, by the same rules:

- a JSON object whose fields go by their JSON names; unknown fields are ignored, and a null
  is an absent optional field (`limit` and `offset` have defaults, but no null);
- the bounds of every queue message (`bounds_error`; in SQL `message_bounds_error`): its text
  at most 64 KB (checked on the text by db/decode.py, and by `body()` for a sender), at most
  32 levels deep, no string over 1000 characters nor number written with more, `artistName`
  at most 300 characters and every id field (`ID_FIELDS`) at most 100, as sent;
- strict types: a string is a JSON string, an integer a JSON integer (not 5.0, "5" or true),
  an id a string in the UUID form (8-4-4-4-12 hexadecimal digits, either case);
- text fields lose their leading and trailing white space (Unicode White_Space, as pydantic
  strips) before their length bounds; the carried Spotify artist is kept as it came.

The property test tests/integration/test_property_messages.py holds both sides to this.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Annotated, Any, ClassVar, Self
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from producer_discovery.clients.spotify_models import Artist
from producer_discovery.db.decode import (
    MAXIMUM_DEPTH,
    MAXIMUM_MESSAGE_BYTES,
    MAXIMUM_NUMBER_CHARACTERS,
)

MAXIMUM_STRING_CHARACTERS = 1000
MAXIMUM_NAME_CHARACTERS = 300
MAXIMUM_ID_CHARACTERS = 100
ID_FIELDS = (
    "spotifyId",
    "genre",
    "artistId",
    "albumId",
    "trackId",
    "normalizedTrackId",
    "producerId",
)
UUID_FORM = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
DEFAULT_GENRE_LIMIT = 50
MAXIMUM_GENRE_LIMIT = 1000
NEW_IDS = "new-ids:"  # the refresh stamp of an enrichment for newly learned source ids


# The bounds of every message ----------------------------------------------------------------
def bounds_error(body: Any) -> str | None:
    """The first bound of every queue message that `body` breaks, or None: as
    message_bounds_error (SQL) but for the size of its text, which db/decode.py checks on the
    text itself and `QueueMessage.body` on what a sender queues. A string PostgreSQL cannot
    store (NUL, a lone surrogate) is refused too: such a body never reaches a queue."""
    pending: list[tuple[Any, int]] = [(body, 0)]  # a value and the containers around it
    while pending:
        value, around = pending.pop()
        if isinstance(value, dict | list):
            if around >= MAXIMUM_DEPTH:
                return f"Message is nested deeper than {MAXIMUM_DEPTH} levels"
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, around + 1) for child in children)
        elif isinstance(value, str):
            if len(value) > MAXIMUM_STRING_CHARACTERS:
                return f"Message holds a string over {MAXIMUM_STRING_CHARACTERS} characters"
            if not storable(value):
                return "Message holds a NUL character or a lone surrogate"
        elif isinstance(value, int) and not isinstance(value, bool) and not short_number(value):
            return f"Message holds a number over {MAXIMUM_NUMBER_CHARACTERS} characters"
    if isinstance(body, dict):
        name = body.get("artistName")
        if isinstance(name, str) and len(name) > MAXIMUM_NAME_CHARACTERS:
            return f"artistName is over {MAXIMUM_NAME_CHARACTERS} characters"
        for key in ID_FIELDS:
            value = body.get(key)
            if isinstance(value, str) and len(value) > MAXIMUM_ID_CHARACTERS:
                return f"{key} is over {MAXIMUM_ID_CHARACTERS} characters"
    return None


def storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def short_number(number: int) -> bool:
    """Whether the integer is written with at most MAXIMUM_NUMBER_CHARACTERS characters (sign
    included), without writing it (Python refuses to write one of over 4300 digits)."""
    limit: int = 10**MAXIMUM_NUMBER_CHARACTERS
    return number < limit if number >= 0 else -number < limit // 10


def text_bytes(body: Any) -> int:
    """The bytes of `body` as PostgreSQL writes it as jsonb text (same separators, characters
    unescaped), for a body without floats: what octet_length(message::text) counts."""
    return len(json.dumps(body, ensure_ascii=False).encode("utf-8"))


def uuid_of_text(value: Any) -> Any:
    """A string in the UUID form as its UUID; anything but a string is left to the strict
    UUID check (a UUID passes, anything else fails)."""
    if isinstance(value, str):
        if not UUID_FORM.fullmatch(value):
            raise ValueError("must be a UUID: 8-4-4-4-12 hexadecimal digits")
        return UUID(value)
    return value


Uuid = Annotated[UUID, BeforeValidator(uuid_of_text)]


class QueueMessage(BaseModel):
    """What every queue message is: strict, stripped, within the bounds of every message."""

    model_config = ConfigDict(
        strict=True,
        str_strip_whitespace=True,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
    )
    QUEUE: ClassVar[str]

    @model_validator(mode="before")
    @classmethod
    def _within_bounds(cls, data: Any) -> Any:
        problem = bounds_error(data) if isinstance(data, dict) else None
        if problem is not None:
            raise ValueError(problem)
        return data

    @model_validator(mode="after")
    def _fits_a_queue(self) -> Self:
        body = self.body()
        problem = bounds_error(body)
        if problem is None and text_bytes(body) > MAXIMUM_MESSAGE_BYTES:
            problem = f"Message is over {MAXIMUM_MESSAGE_BYTES} bytes"
        if problem is not None:
            raise ValueError(problem)
        return self

    def body(self) -> dict[str, Any]:
        """The JSON body a sender queues: the fields it set, nulls left out, by JSON name.
        Never longer than the body the message was read from (nothing is added)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)


# The Spotify artist a genre search found --------------------------------------------------
class CarriedModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class CarriedImage(CarriedModel):
    url: str
    height: int | None = None
    width: int | None = None


class CarriedFollowers(CarriedModel):
    total: int


class CarriedArtist(CarriedModel):
    """The artist object of a genre search's hit (GET /artists/{id}'s shape), carried by the
    artist_discovery message of the hit so that its stage stores it without fetching it."""

    id: str = Field(min_length=1, max_length=MAXIMUM_ID_CHARACTERS)
    name: str = Field(max_length=MAXIMUM_STRING_CHARACTERS)
    images: list[CarriedImage] = []
    genres: list[str] | None = None
    popularity: int | None = None
    followers: CarriedFollowers | None = None

    @classmethod
    def of(cls, artist: Artist) -> CarriedArtist:
        return cls.model_validate(artist.model_dump(mode="json", exclude_none=True))

    def spotify_artist(self) -> Artist:
        return Artist.model_validate(self.model_dump())


# The five queues ----------------------------------------------------------------------------
class ArtistDiscoveryMessage(QueueMessage):
    """One artist by name or Spotify id, or a genre to expand into artists."""

    QUEUE: ClassVar[str] = "artist_discovery"

    artist_name: str | None = Field(
        None, alias="artistName", min_length=1, max_length=MAXIMUM_NAME_CHARACTERS
    )
    spotify_id: str | None = Field(
        None, alias="spotifyId", min_length=1, max_length=MAXIMUM_ID_CHARACTERS
    )
    genre: str | None = Field(None, min_length=1, max_length=MAXIMUM_ID_CHARACTERS)
    min_popularity: int | None = Field(None, alias="minPopularity", ge=0, le=100)
    limit: int = Field(DEFAULT_GENRE_LIMIT, ge=1, le=MAXIMUM_GENRE_LIMIT)
    artist: CarriedArtist | None = None  # the hit a genre search found, as Spotify sent it

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if self.genre is not None and (self.artist_name or self.spotify_id):
            raise ValueError("a genre message names no artist (artistName/spotifyId)")
        if not (self.genre or self.artist_name or self.spotify_id):
            raise ValueError("needs artistName, spotifyId or genre")
        if self.artist is not None and self.artist.id != self.spotify_id:
            raise ValueError("the artist object must be the one spotifyId names")
        return self


class AlbumDiscoveryMessage(QueueMessage):
    """One page of one stored artist's albums; or, with `refresh` (a timestamp, set by
    refresh_watched_artists()), a watched artist's newest albums until a stored one appears."""

    QUEUE: ClassVar[str] = "album_discovery"

    artist_id: Uuid = Field(alias="artistId")
    spotify_id: str = Field(alias="spotifyId", min_length=1, max_length=MAXIMUM_ID_CHARACTERS)
    offset: int = Field(0, ge=0)
    refresh: str | None = None


class TrackDiscoveryMessage(QueueMessage):
    """One stored album of one stored artist."""

    QUEUE: ClassVar[str] = "track_discovery"

    album_id: Uuid = Field(alias="albumId")
    spotify_id: str = Field(alias="spotifyId", min_length=1, max_length=MAXIMUM_ID_CHARACTERS)
    artist_id: Uuid = Field(alias="artistId")


class ProducerIdentificationMessage(QueueMessage):
    """One song, by its representative track when sent (the handler identifies the song's
    representative as it is when handled). `refresh` (requeue_identification_gaps, or
    "representative:<track id>" when track discovery found a better edition) makes a second
    identification of the song another message, not a duplicate of the first."""

    QUEUE: ClassVar[str] = "producer_identification"

    track_id: Uuid = Field(alias="trackId")
    normalized_track_id: Uuid | None = Field(None, alias="normalizedTrackId")
    artist_id: Uuid | None = Field(None, alias="artistId")
    refresh: str | None = None


class SocialEnrichmentMessage(QueueMessage):
    """One producer's profile. `refresh` is a timestamp when requeue_producer_enrichment()
    sends the producer back (TTL expired, or failed: today's profiles are wanted), or
    "new-ids:…" when producer identification learned source ids of an enriched producer."""

    QUEUE: ClassVar[str] = "social_enrichment"

    producer_id: Uuid = Field(alias="producerId")
    refresh: str | None = None

    @classmethod
    def for_new_ids(cls, producer_id: UUID, source_ids: Iterable[str]) -> Self:
        """One more enrichment for the source ids ("source:id") the producer learned, its
        stamp cut to a string's bound."""
        stamp = NEW_IDS + ",".join(sorted(source_ids))
        return cls(producer_id=producer_id, refresh=stamp[:MAXIMUM_STRING_CHARACTERS])

    @property
    def wants_fresh_profiles(self) -> bool:
        """A refresh by requeue_producer_enrichment, not a first enrichment nor new ids."""
        return self.refresh is not None and not self.refresh.startswith(NEW_IDS)


MESSAGES: dict[str, type[QueueMessage]] = {
    model.QUEUE: model
    for model in (
        ArtistDiscoveryMessage,
        AlbumDiscoveryMessage,
        TrackDiscoveryMessage,
        ProducerIdentificationMessage,
        SocialEnrichmentMessage,
    )
}
