"""artist_discovery: who an artist is on Spotify → `artists` → album_discovery.

ArtistDiscoveryMessage (producer_discovery.messages), one of:

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
                                   this queue ({"spotifyId"} alone for a hit whose name or
                                   object does not fit a message's bounds)

No matching hit (or an unknown id) is a COMPLETED outcome with
`metadata = {"outcome": "not_found", …}`, not an error. Popularity, followers and genres are
stored only when Spotify sends them (development mode does not) and a known value is never
overwritten with null. The popularity filter of a genre search applies only to artists whose
popularity Spotify reports; the others are kept.
"""

from __future__ import annotations

from typing import Any

import psycopg
from pydantic import ValidationError

from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.clients.spotify_models import Artist
from producer_discovery.db.catalogue import ArtistRecord, upsert_artist
from producer_discovery.errors import NotFound
from producer_discovery.messages import (
    AlbumDiscoveryMessage,
    ArtistDiscoveryMessage,
    CarriedArtist,
)
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Outcome, Send, Stage
from producer_discovery.text import normalize_name

QUEUE = ArtistDiscoveryMessage.QUEUE
SEARCH_PAGE_SIZE = 10


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
        return store(message.artist.spotify_artist())
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
        return [Send.of(AlbumDiscoveryMessage(artist_id=artist_id, spotify_id=artist.id, offset=0))]

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
    messages = [hit_message(hit) for hit in kept]
    sends = [Send.of(message) for message in messages if message is not None]
    metadata: dict[str, Any] = {
        "outcome": "genre_expanded",
        "genre": genre,
        "found": len(hits),
        "queued": len(sends),
    }
    unusable = [hit.id for hit, message in zip(kept, messages, strict=True) if message is None]
    if unusable:
        metadata["unusable_ids"] = unusable
    return Outcome(write=lambda conn: sends, metadata=metadata)


def hit_message(hit: Artist) -> ArtistDiscoveryMessage | None:
    """The hit by id, with its name and the artist object the search returned; by id alone
    when those do not fit a message (its stage then fetches the artist); None for an id no
    message can hold."""
    try:
        return ArtistDiscoveryMessage(
            spotify_id=hit.id, artist_name=hit.name, artist=CarriedArtist.of(hit)
        )
    except ValidationError:
        pass
    try:
        return ArtistDiscoveryMessage(spotify_id=hit.id)
    except ValidationError:
        return None


def popular_enough(artist: Artist, min_popularity: int | None) -> bool:
    """Development mode sends no popularity: an unknown popularity passes the filter."""
    if min_popularity is None or artist.popularity is None:
        return True
    return artist.popularity >= min_popularity


def unique_by_id(artists: list[Artist]) -> list[Artist]:
    return list({artist.id: artist for artist in artists}.values())
