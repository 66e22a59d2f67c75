"""Discogs API client: release search, release credits, artist profiles.

    search_releases(artist, title)  GET /database/search?type=release&artist=…&q=…
                                    (`q` matches release titles and track titles)
    release(release_id)             GET /releases/{id} → extraartists, tracklist[].extraartists
    artist(artist_id)               GET /artists/{id}  → profile, urls

Authentication is a personal token, `Authorization: Discogs token=<t>` (search refuses
anonymous calls). Discogs allows 60 requests a minute per token and answers 429 beyond it;
the shared limiter must hold that budget. An unknown release or artist reads as None.
"""

from __future__ import annotations

from typing import Any

from producer_discovery.clients.cache import CachingClient, JsonDocument
from producer_discovery.errors import ConfigurationError
from producer_discovery.settings import Settings


class DiscogsClient(CachingClient):
    api = "discogs"

    def __init__(self, settings: Settings, **options: Any) -> None:
        """`options`: cache, limiter, metrics, retry_policy, transport (see CachingClient)."""
        if settings.discogs_token is None:
            raise ConfigurationError("DISCOGS_TOKEN is not set: the Discogs source is off")
        super().__init__(settings, **options)
        self.token = settings.discogs_token

    @classmethod
    def is_configured(cls, settings: Settings) -> bool:
        return settings.discogs_token is not None

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.discogs_api_url

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Discogs token={self.token.get_secret_value()}"}

    shapes = {
        "search": ((("results",), list),),
        "releases": ((("id",), int), (("tracklist",), list)),
        "artists": ((("id",), int),),
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
