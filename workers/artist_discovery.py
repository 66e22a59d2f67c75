"""artist_discovery: who an artist is on Spotify → `artists` → album_discovery.

    {"artistName": "Nova Reyes"}   search (one page of 10), choose the hit whose normalized
                                   name matches (not blindly the first: a more popular
                                   "Nova Reyes Tribute" often comes first), upsert it as the
                                   search returned it (a search hit is the full artist object
                                   of GET /artists/{id}: no second request)
    {"spotifyId": "7Ks…"}          fetch that artist, upsert ("artistName" may come along)
    {"spotifyId", "artist": {…}}   a genre search's hit: upsert the artist object it carries
                                   (no GET /artists/{id}); a refresh sends the id alone
    {"genre": "synthwave", "minPopularity": 40, "limit": 50}
                                   `genre:"…"` search, 10 a page up to `limit` → one
                                   {"spotifyId", "artistName", "artist"} message per hit, to
                                   this queue

No matching hit (or an unknown id) is a COMPLETED outcome with
`metadata = {"outcome": "not_found", …}`, not an error. Popularity, followers and genres are
stored only when Spotify sends them (development mode does not) and a known value is never
overwritten with null. The popularity filter of a genre search applies only to artists whose
popularity Spotify reports; the others are kept.
"""

from __future__ import annotations

from typing import Any

import psycopg
from pydantic import BaseModel, ConfigDict, Field, model_validator

from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.clients.spotify_models import Artist
from producer_discovery.db.catalogue import ArtistRecord, upsert_artist
from producer_discovery.errors import NotFound
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Outcome, Send, Stage
from producer_discovery.text import normalize_name

QUEUE = "artist_discovery"
NEXT_QUEUE = "album_discovery"
SEARCH_PAGE_SIZE = 10
DEFAULT_GENRE_LIMIT = 50


class ArtistDiscoveryMessage(BaseModel):
    """One artist by name or Spotify id, or a genre to expand into artists."""

    model_config = ConfigDict(populate_by_name=True, str_strip_whitespace=True)

    artist_name: str | None = Field(None, alias="artistName", min_length=1, max_length=300)
    spotify_id: str | None = Field(None, alias="spotifyId", min_length=1, max_length=100)
    genre: str | None = Field(None, min_length=1, max_length=100)
    min_popularity: int | None = Field(None, alias="minPopularity", ge=0, le=100)
    limit: int = Field(DEFAULT_GENRE_LIMIT, ge=1, le=1000)
    artist: Artist | None = None  # the search hit a genre expansion found, as Spotify sent it

    @model_validator(mode="after")
    def _one_subject(self) -> ArtistDiscoveryMessage:
        if self.genre is not None and (self.artist_name or self.spotify_id):
            raise ValueError("a genre message names no artist (artistName/spotifyId)")
        if not (self.genre or self.artist_name or self.spotify_id):
            raise ValueError("needs artistName, spotifyId or genre")
        if self.artist is not None and self.artist.id != self.spotify_id:
            raise ValueError("the artist object must be the one spotifyId names")
        return self


def entity_of(message: ArtistDiscoveryMessage) -> tuple[str, str]:
    """("artist", "name:<normalized>" | "spotify:<id>" | "genre:<genre>:<min>:<limit>")."""
    if message.genre is not None:
        minimum = "" if message.min_popularity is None else str(message.min_popularity)
        return "artist", f"genre:{message.genre.casefold()}:{minimum}:{message.limit}"
    if message.spotify_id is not None:
        return "artist", f"spotify:{message.spotify_id}"
    assert message.artist_name is not None
    return "artist", f"name:{normalize_name(message.artist_name)}"


def build(resources: Resources) -> Stage[ArtistDiscoveryMessage]:
    spotify = resources.client(SpotifyClient)

    def handle(delivery: Delivery[ArtistDiscoveryMessage]) -> Outcome:
        return discover(spotify, delivery.body)

    return Stage(QUEUE, ArtistDiscoveryMessage, entity_of, handle)


def discover(spotify: SpotifyClient, message: ArtistDiscoveryMessage) -> Outcome:
    if message.genre is not None:
        return discover_genre(spotify, message.genre, message.min_popularity, message.limit)
    if message.artist is not None:
        return store(message.artist)
    if message.spotify_id is not None:
        return discover_by_id(spotify, message.spotify_id)
    assert message.artist_name is not None
    return discover_by_name(spotify, message.artist_name)


# By name or id -------------------------------------------------------------------------
def discover_by_name(spotify: SpotifyClient, name: str) -> Outcome:
    hits = spotify.search_artists(name, limit=SEARCH_PAGE_SIZE).items
    chosen = matching_artist(name, hits)
    if chosen is None:
        return not_found(query=name, candidates=[hit.name for hit in hits])
    return store(chosen)


def discover_by_id(spotify: SpotifyClient, spotify_id: str) -> Outcome:
    try:
        artist = spotify.get_artist(spotify_id)
    except NotFound:
        return not_found(spotify_id=spotify_id)
    return store(artist)


def matching_artist(name: str, hits: list[Artist]) -> Artist | None:
    """The first hit (in Spotify's order) whose normalized name is the wanted one."""
    wanted = normalize_name(name)
    return next((hit for hit in hits if normalize_name(hit.name) == wanted), None)


def not_found(**details: Any) -> Outcome:
    return Outcome(metadata={"outcome": "not_found", **details})


def store(artist: Artist) -> Outcome:
    """Upsert the artist and queue the first page of its albums, in the runtime's commit."""
    row = artist_row(artist)

    def write(conn: psycopg.Connection[Any]) -> list[Send]:
        artist_id = upsert_artist(conn, row)
        first_page = {"artistId": str(artist_id), "spotifyId": artist.id, "offset": 0}
        return [Send(NEXT_QUEUE, first_page)]

    return Outcome(write=write, metadata={"spotify_id": artist.id, "name": artist.name})


def artist_row(artist: Artist) -> ArtistRecord:
    metadata: dict[str, Any] = {
        "images": [image.model_dump() for image in artist.images],
        "spotify_uri": f"spotify:artist:{artist.id}",
    }
    if artist.genres:
        metadata["genres"] = [genre.casefold() for genre in artist.genres]
    return ArtistRecord(
        name=artist.name,
        spotify_id=artist.id,
        followers=artist.follower_count,
        popularity=artist.popularity,
        image_url=artist.images[0].url if artist.images else None,
        metadata=metadata,
    )


# By genre ------------------------------------------------------------------------------
def discover_genre(
    spotify: SpotifyClient, genre: str, min_popularity: int | None, limit: int
) -> Outcome:
    """One artist_discovery message by Spotify id for each artist of the genre, carrying the
    artist object the search returned, so that message stores it without fetching it again."""
    hits = unique_by_id(spotify.search_artists_by_genre(genre, limit))
    kept = [hit for hit in hits if popular_enough(hit, min_popularity)]
    sends = [
        Send(
            QUEUE,
            {
                "spotifyId": hit.id,
                "artistName": hit.name,
                "artist": hit.model_dump(mode="json", exclude_none=True),
            },
        )
        for hit in kept
    ]
    metadata = {
        "outcome": "genre_expanded",
        "genre": genre,
        "found": len(hits),
        "queued": len(sends),
    }
    return Outcome(write=lambda conn: sends, metadata=metadata)


def popular_enough(artist: Artist, min_popularity: int | None) -> bool:
    """Development mode sends no popularity: an unknown popularity passes the filter."""
    if min_popularity is None or artist.popularity is None:
        return True
    return artist.popularity >= min_popularity


def unique_by_id(artists: list[Artist]) -> list[Artist]:
    return list({artist.id: artist for artist in artists}.values())
