"""Discogs API client: release search, release credits, artist profiles.

    search_releases(artist, title)  GET /database/search?type=release&artist=…&q=…
                                    (`q` matches release titles and track titles)
    release(release_id)             GET /releases/{id} → extraartists, tracklist[].extraartists
    artist(artist_id)               GET /artists/{id}  → profile, urls
    search_artists(name)            GET /database/search?type=artist&q=…
    artist_releases(artist_id)      GET /artists/{id}/releases?page=N&per_page=100, every page
                                    (masters listed once, with their `main_release`)
    master_versions(master_id)      GET /masters/{id}/versions?page=1&per_page=100

Authentication is a personal token, `Authorization: Discogs token=<t>` (search refuses
anonymous calls). Discogs allows 60 requests a minute per token and answers 429 beyond it;
the shared limiter must hold that budget. An unknown release or artist reads as None.

Pacing by the headers: every answer says how many requests the token has left in Discogs'
moving 60-second window (`X-Discogs-Ratelimit-Remaining` of `X-Discogs-Ratelimit`). The
shared token bucket runs under the limit, so the remainder normally stays above a small
reserve (5 % of the limit, at least 2). When it falls to the reserve (another program uses
the token, several processes burst at once), the client pauses Discogs for every process
(`limiter.pause`) before the window is exhausted, instead of meeting a 429 (which carries no
Retry-After): the fewer left, the longer, up to the whole window when none is left:

    pause = window × (reserve + 1 − remaining) / (reserve + 1)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from producer_discovery.clients.cache import CachingClient, JsonDocument
from producer_discovery.clients.shapes import EVERY_ITEM, OBJECTS, Shapes
from producer_discovery.errors import ConfigurationError
from producer_discovery.settings import Settings

WINDOW_SECONDS = 60.0  # Discogs' moving window
RESERVE_SHARE = 0.05  # of the limit: below the bucket's own margin (rate_limits.STRICT_MARGIN)
MINIMUM_RESERVE = 2
LISTING_PAGE_SIZE = 100  # Discogs' maximum `per_page`
MAXIMUM_LISTING_PAGES = 10  # a prolific artist's first 1,000 entries; the rest is searched


@dataclass(frozen=True)
class ArtistListing:
    """An artist's releases and masters as `/artists/{id}/releases` lists them; `complete` is
    False when pages were left unread (more than MAXIMUM_LISTING_PAGES)."""

    artist_id: int
    items: list[JsonDocument]
    complete: bool


class DiscogsClient(CachingClient):
    api = "discogs"
    credentials = ("discogs_token",)

    def __init__(self, settings: Settings, **options: Any) -> None:
        """`options`: cache, limiter, metrics, retry_policy, transport (see CachingClient)."""
        if settings.discogs_token is None:
            raise ConfigurationError("DISCOGS_TOKEN is not set: the Discogs source is off")
        super().__init__(settings, **options)
        self.token = settings.discogs_token

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.discogs_api_url

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Discogs token={self.token.get_secret_value()}"}

    window_seconds = WINDOW_SECONDS

    def observe(self, response: httpx.Response) -> None:
        """Pause Discogs for every process when the window's remainder is low (docstring)."""
        seconds = pacing_pause(response.headers, self.window_seconds)
        if seconds > 0:
            self.limiter.pause(self.api, seconds)

    shapes: ClassVar[Shapes] = {
        "search": ((("results",), list),),
        "releases": (
            (("id",), int),
            (("tracklist",), list),
            (("extraartists",), OBJECTS),
            (("tracklist", EVERY_ITEM, "extraartists"), OBJECTS),
            (("tracklist", EVERY_ITEM, "sub_tracks", EVERY_ITEM, "extraartists"), OBJECTS),
        ),
        "artists": ((("id",), int),),
        "artist-releases": ((("releases",), list),),
        "master-versions": ((("versions",), list),),
    }

    def search_releases(self, artist: str, title: str) -> list[JsonDocument]:
        """Releases by an artist whose title or one of whose tracks matches `title`."""
        params = {"type": "release", "artist": artist, "q": title}
        document = self.fetch("database/search", endpoint="search", params=params)
        return [item for item in document["results"] if isinstance(item, dict)] if document else []

    def release(self, release_id: int) -> JsonDocument | None:
        """A release with its release-level and track-level credits."""
        return self.fetch(f"releases/{release_id}", endpoint="releases", params={})

    def artist(self, artist_id: int) -> JsonDocument | None:
        """An artist's profile and links."""
        return self.fetch(f"artists/{artist_id}", endpoint="artists", params={})

    def search_artists(self, name: str) -> list[JsonDocument]:
        """Artists matching a name; a result's `title` is the name with its " (N)" suffix."""
        params = {"type": "artist", "q": name}
        document = self.fetch("database/search", endpoint="search", params=params)
        return [item for item in document["results"] if isinstance(item, dict)] if document else []

    def artist_releases(self, artist_id: int) -> ArtistListing | None:
        """Every entry of an artist's release list, page by page (each page cached under the
        same query for every caller); None when Discogs does not know the artist."""
        items: list[JsonDocument] = []
        path = f"artists/{artist_id}/releases"
        for page in range(1, MAXIMUM_LISTING_PAGES + 1):
            params = {"page": page, "per_page": LISTING_PAGE_SIZE}
            document = self.fetch(path, endpoint="artist-releases", params=params)
            if document is None:
                return None if page == 1 else ArtistListing(artist_id, items, False)
            items.extend(item for item in document["releases"] if isinstance(item, dict))
            pages = (document.get("pagination") or {}).get("pages")
            if not isinstance(pages, int) or page >= pages:  # no (readable) count: one page
                return ArtistListing(artist_id, items, True)
        return ArtistListing(artist_id, items, False)

    def master_versions(self, master_id: int) -> list[JsonDocument]:
        """The first hundred versions (releases) of a master; [] when it is unknown."""
        params = {"page": 1, "per_page": LISTING_PAGE_SIZE}
        document = self.fetch(
            f"masters/{master_id}/versions", endpoint="master-versions", params=params
        )
        return [item for item in document["versions"] if isinstance(item, dict)] if document else []


def pacing_pause(headers: Mapping[str, str], window_seconds: float = WINDOW_SECONDS) -> float:
    """Seconds to hold Discogs back after an answer with these rate-limit headers (0: none);
    headers missing or unreadable: 0 (the token bucket alone paces)."""
    try:
        limit = int(headers["X-Discogs-Ratelimit"])
        remaining = int(headers["X-Discogs-Ratelimit-Remaining"])
    except (KeyError, ValueError):
        return 0.0
    if limit <= 0:
        return 0.0
    reserve = max(MINIMUM_RESERVE, math.ceil(limit * RESERVE_SHARE))
    if remaining > reserve:
        return 0.0
    return window_seconds * (reserve + 1 - max(0, remaining)) / (reserve + 1)
