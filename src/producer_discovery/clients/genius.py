"""Genius API client: song search, song credits, artist profiles.

    search(query)     GET /search?q=             → the hits' `result` songs (no producers)
    song(song_id)     GET /songs/{id}            → `response.song` with producer_artists,
                                                   writer_artists, custom_performances
    artist(artist_id) GET /artists/{id}          → `response.artist` with instagram_name,
                                                   image_url, description.plain
    artist_songs(id)  GET /artists/{id}/songs?per_page=50&page=N&sort=title, every page
                                                 → the songs where the artist is primary or
                                                   featured (summaries: id, title,
                                                   primary_artist; no producers)

Authentication is the client access token as `Authorization: Bearer`. A 403 is taken as the
CDN refusing for a while (transient), not as a permanent refusal. Descriptions are asked for
as plain text. A song or artist Genius does not have reads as None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from producer_discovery.clients.cache import CachingClient, JsonDocument
from producer_discovery.clients.shapes import EVERY_ITEM, OBJECTS, Shapes
from producer_discovery.errors import ConfigurationError
from producer_discovery.settings import Settings

PLAIN_TEXT = {"text_format": "plain"}
LISTING_PAGE_SIZE = 50  # Genius' maximum `per_page` for an artist's songs
MAXIMUM_LISTING_PAGES = 20  # a prolific artist's first 1,000 songs; the rest is searched


@dataclass(frozen=True)
class ArtistSongs:
    """An artist's songs as `/artists/{id}/songs` lists them; `complete` is False when pages
    were left unread (more than MAXIMUM_LISTING_PAGES)."""

    artist_id: int
    songs: list[JsonDocument]
    complete: bool


class GeniusClient(CachingClient):
    api = "genius"
    credentials = ("genius_access_token",)

    def __init__(self, settings: Settings, **options: Any) -> None:
        """`options`: cache, limiter, metrics, retry_policy, transport (see CachingClient)."""
        if settings.genius_access_token is None:
            raise ConfigurationError("GENIUS_ACCESS_TOKEN is not set: the Genius source is off")
        super().__init__(settings, **options)
        self.access_token = settings.genius_access_token

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.genius_api_url

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token.get_secret_value()}"}

    def refine_error(self, response: httpx.Response, endpoint: str) -> Exception | None:
        if response.status_code == 403:  # the CDN (an HTML page) refusing us for minutes
            return self.blocked(endpoint, "HTTP 403 (host blocked by the CDN)")
        return None

    shapes: ClassVar[Shapes] = {
        "search": ((("response", "hits"), list),),
        "songs": (
            (("response", "song"), dict),
            (("response", "song", "id"), int),
            (("response", "song", "producer_artists"), OBJECTS),
            (("response", "song", "custom_performances"), OBJECTS),
            (("response", "song", "custom_performances", EVERY_ITEM, "artists"), OBJECTS),
        ),
        "artists": ((("response", "artist"), dict), (("response", "artist", "id"), int)),
        "artist-songs": ((("response",), dict), (("response", "songs"), OBJECTS)),
    }

    def search(self, query: str) -> list[JsonDocument]:
        """The songs Genius finds for a query, in its order (often not the right one first)."""
        document = self.fetch("search", endpoint="search", params={"q": query})
        hits: list[dict[str, Any]] = document["response"]["hits"] if document else []
        return [
            hit["result"]
            for hit in hits
            if isinstance(hit, dict)
            and hit.get("type") == "song"
            and isinstance(hit.get("result"), dict)
        ]

    def song(self, song_id: int) -> JsonDocument | None:
        """A song with its credits, or None when Genius has no such song."""
        document = self.fetch(f"songs/{song_id}", endpoint="songs", params=PLAIN_TEXT)
        return document["response"]["song"] if document else None

    def artist(self, artist_id: int) -> JsonDocument | None:
        """An artist's profile, or None when Genius has no such artist."""
        document = self.fetch(f"artists/{artist_id}", endpoint="artists", params=PLAIN_TEXT)
        return document["response"]["artist"] if document else None

    def artist_songs(
        self, artist_id: int, max_pages: int = MAXIMUM_LISTING_PAGES
    ) -> ArtistSongs | None:
        """Every song of an artist's listing, page by page in title order (each page cached
        under the same query for every caller), at most `max_pages` pages (then it is not
        complete); None when Genius does not know the artist."""
        songs: list[JsonDocument] = []
        path = f"artists/{artist_id}/songs"
        for page in range(1, max(1, min(max_pages, MAXIMUM_LISTING_PAGES)) + 1):
            params = {"per_page": LISTING_PAGE_SIZE, "page": page, "sort": "title"}
            document = self.fetch(path, endpoint="artist-songs", params=params)
            if document is None:
                return None if page == 1 else ArtistSongs(artist_id, songs, False)
            response = document["response"]
            songs.extend(song for song in response.get("songs") or [] if isinstance(song, dict))
            if not response.get("next_page"):  # null (or absent) on the last page
                return ArtistSongs(artist_id, songs, True)
        return ArtistSongs(artist_id, songs, False)
