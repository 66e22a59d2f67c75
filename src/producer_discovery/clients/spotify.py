"""Spotify Web API client (client-credentials flow), written for 2026 development mode.

A thin httpx client on `ApiClient` rather than spotipy, because spotipy is in the way:
- it retries inside urllib3 (`status_forcelist` with 429/5xx and `respect_retry_after_header`),
  sleeping on Retry-After itself; those retries would stack on our one RetryPolicy, and a
  long sleep inside a worker would hold a message instead of handing the wait to the runtime;
- it sends through `requests`, bypassing the shared PostgreSQL rate limiter and the per-call
  metrics that every outbound call must go through (`ApiClient._send`);
- `artist_albums()` defaults to `limit=20`, which development mode rejects (max 10), and its
  batch helpers (`tracks()`, `albums()`, `artists()`) hit endpoints that answer 403;
- its credentials manager caches tokens to a `.cache` file in the working directory, which
  replicas on several machines neither share nor expect.

Limits kept here: search and artist albums send `limit <= 10`, search `offset <= 1000`, album
tracks `limit <= 50`. The batch `GET /tracks?ids=` is used only when one probe
(`has_extended_quota()`) showed the app has extended quota.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.spotify_models import (
    Album,
    Artist,
    Paging,
    SimpleAlbum,
    SimpleTrack,
    Track,
    page_of,
    parse,
)
from producer_discovery.errors import ConfigurationError, PermanentError
from producer_discovery.settings import Settings

SEARCH_LIMIT_MAX = 10
SEARCH_OFFSET_MAX = 1000
ARTIST_ALBUMS_LIMIT_MAX = 10
BATCH_TRACKS_MAX = 50
TOKEN_EXPIRY_MARGIN_SECONDS = 60.0
# Any id will do for the probe: with extended quota an unknown id is answered with null.
EXTENDED_QUOTA_PROBE_ID = "11dFghVXANMlKmJXsNCbNl"


class AccessToken(BaseModel):
    access_token: str
    token_type: str
    expires_in: int


class SpotifyClient(ApiClient):
    """Artists, albums and tracks from the Spotify Web API, as pydantic models."""

    api = "spotify"

    def __init__(self, settings: Settings, **options: Any) -> None:
        """`options`: limiter, metrics, retry_policy, transport (see ApiClient)."""
        client_id = settings.spotify_client_id
        secret = settings.spotify_client_secret
        if not client_id or secret is None or not secret.get_secret_value():
            raise ConfigurationError(
                "Spotify credentials are missing: set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET."
            )
        super().__init__(settings, **options)
        self.token_url = settings.spotify_token_url
        self.other_origins = (self.token_url,)  # accounts.spotify.com, not api.spotify.com
        credentials = f"{client_id}:{secret.get_secret_value()}"
        self._basic = base64.b64encode(credentials.encode()).decode()
        self._token: str | None = None
        self._token_valid_until = 0.0
        self._token_lock = threading.Lock()
        self._probe_lock = threading.Lock()
        self._extended_quota: bool | None = None

    @classmethod
    def is_configured(cls, settings: Settings) -> bool:
        secret = settings.spotify_client_secret
        return bool(settings.spotify_client_id and secret and secret.get_secret_value())

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.spotify_api_url

    # Authentication ---------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token()}"}

    def on_unauthorized(self) -> bool:
        """The token was refused (expired or revoked): fetch a new one once."""
        with self._token_lock:
            self._token = None
        self.access_token()
        return True

    def access_token(self) -> str:
        """The cached token, fetched again shortly before it expires."""
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_valid_until:
                token = self._request_token()
                margin = min(TOKEN_EXPIRY_MARGIN_SECONDS, token.expires_in / 10)
                self._token = token.access_token
                self._token_valid_until = time.monotonic() + token.expires_in - margin
            return self._token

    def _request_token(self) -> AccessToken:
        """POST the client credentials, through the shared send path."""
        response = self.send(
            "POST",
            self.token_url,
            endpoint="token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {self._basic}"},
        )
        token = AccessToken.model_validate(response.json())
        if token.token_type.casefold() != "bearer":
            raise PermanentError(f"spotify token: unexpected token_type {token.token_type!r}")
        return token

    refreshes_credentials = True

    def refine_error(self, response: httpx.Response, endpoint: str) -> Exception | None:
        if endpoint == "token" and response.status_code in (400, 401) and (
            "invalid_client" in response.text
        ):
            return self.rejected(endpoint,
                                 "Spotify refused the client credentials (invalid_client): "
                                 "check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET.")
        if response.status_code == 429 and (
            "QUOTA_EXCEEDED" in response.text or not response.headers.get("Retry-After")
        ):
            # Quota exhaustion (development mode): a 429 without Retry-After, reason
            # QUOTA_EXCEEDED. Retrying each message would only spend its attempts.
            return self.blocked(endpoint, "quota exceeded (429 without Retry-After)")
        return None

    # Artists ----------------------------------------------------------------------------
    def search_artists(self, query: str, limit: int = 10, offset: int = 0) -> Paging[Artist]:
        """One page of artists matching `query` (at most 10: the development-mode maximum)."""
        if not 0 <= offset <= SEARCH_OFFSET_MAX:
            raise ValueError(f"search offset must be between 0 and {SEARCH_OFFSET_MAX}")
        params = {
            "q": query,
            "type": "artist",
            "limit": max(1, min(limit, SEARCH_LIMIT_MAX)),
            "offset": offset,
        }
        body = self.get_json("search", endpoint="search", params=params)
        return page_of(Artist, body.get("artists") if isinstance(body, dict) else body, "search")

    def search_artists_by_genre(self, genre: str, limit_total: int) -> list[Artist]:
        """Up to `limit_total` artists of one genre, 10 per request (`genre:"…"`, quoted)."""
        query = 'genre:"{}"'.format(genre.replace('"', ""))
        found: list[Artist] = []
        offset = 0
        while len(found) < limit_total and offset <= SEARCH_OFFSET_MAX:
            page = self.search_artists(
                query, min(SEARCH_LIMIT_MAX, limit_total - len(found)), offset
            )
            found.extend(page.items)
            if page.next is None or not page.items:
                break
            offset += len(page.items)
        return found

    def get_artist(self, artist_id: str) -> Artist:
        return parse(Artist, self.get_json(f"artists/{artist_id}", endpoint="artist"), "artist")

    def artist_albums(
        self,
        artist_id: str,
        include_groups: str | Sequence[str] = "album,single",
        offset: int = 0,
        limit: int = ARTIST_ALBUMS_LIMIT_MAX,
    ) -> Paging[SimpleAlbum]:
        """One page (at most 10) of the artist's albums; follow with `offset += limit`."""
        groups = include_groups if isinstance(include_groups, str) else ",".join(include_groups)
        params = {
            "include_groups": groups,
            "limit": max(1, min(limit, ARTIST_ALBUMS_LIMIT_MAX)),
            "offset": offset,
        }
        body = self.get_json(f"artists/{artist_id}/albums", endpoint="artist_albums", params=params)
        return page_of(SimpleAlbum, body, "artist_albums")

    # Albums and tracks ------------------------------------------------------------------
    def get_album(self, album_id: str) -> Album:
        """The full album: UPC, release date and its first page of tracks."""
        document = self.get_json(f"albums/{album_id}", endpoint="album")
        if isinstance(document, dict) and isinstance(document.get("tracks"), dict):
            tracks = page_of(SimpleTrack, document["tracks"], "album")
            album = parse(Album, {**document, "tracks": {**document["tracks"], "items": []}}, "album")
            return album.model_copy(update={"tracks": tracks})
        return parse(Album, document, "album")

    def album_tracks(self, album: Album) -> list[SimpleTrack]:
        """Every track of `album`: the embedded first page, then each `next` page."""
        tracks = list(album.tracks.items)
        next_url = album.tracks.next
        while next_url:
            page = page_of(SimpleTrack, self.get_json(next_url, endpoint="album_tracks"),
                           "album_tracks")
            tracks.extend(page.items)
            next_url = page.next
        return tracks

    def get_track(self, track_id: str) -> Track:
        """One full track, with `external_ids.isrc`."""
        return parse(Track, self.get_json(f"tracks/{track_id}", endpoint="track"), "track")

    def get_tracks(self, track_ids: Sequence[str]) -> list[Track]:
        """Full tracks: batches of 50 with extended quota, else one request per track."""
        if not self.has_extended_quota():
            return [self.get_track(track_id) for track_id in track_ids]
        tracks: list[Track] = []
        for start in range(0, len(track_ids), BATCH_TRACKS_MAX):
            chunk = track_ids[start : start + BATCH_TRACKS_MAX]
            params = {"ids": ",".join(chunk)}
            body = self.get_json("tracks", endpoint="tracks_batch", params=params)
            tracks.extend(parse(Track, item, "tracks_batch") for item in body.get("tracks") or [] if item)
        return tracks

    def has_extended_quota(self) -> bool:
        """Whether the batch endpoints work for this app: one probe, remembered.

        Development mode answers 403; any permanent refusal means "use single requests".
        Transient failures are raised and not remembered.
        """
        with self._probe_lock:  # handler threads share the client: one probe, not one each
            if self._extended_quota is None:
                params = {"ids": EXTENDED_QUOTA_PROBE_ID}
                try:
                    self.get_json("tracks", endpoint="tracks_batch", params=params)
                    self._extended_quota = True
                except PermanentError:
                    self._extended_quota = False
            return self._extended_quota
