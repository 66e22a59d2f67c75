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
tracks `limit <= 50`. The batch `GET /tracks?ids=` is used only when the app has extended
quota: SPOTIFY_EXTENDED_QUOTA=true|false says so, `auto` (the default) probes once and
remembers the answer with when it was learnt, in the `ProviderState` the runtime lends (in
PostgreSQL: every process and a restart reuse it); it is probed again after
EXTENDED_QUOTA_MAX_AGE, or at once when a batch call answers 403.

One client-credentials token serves every process: it is fetched through the same
`ProviderState`, under a lock, so N processes make one token request; a 401 invalidates it for
everyone, but only if it is still the refused token (compare-and-swap on its value).
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
from pydantic import BaseModel

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.provider_state import InProcessState, ProviderState
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
# A stored token with less than this left is not used: it could expire in flight.
TOKEN_MARGIN_SECONDS = 60.0
# Any id will do for the probe: with extended quota an unknown id is answered with null.
EXTENDED_QUOTA_PROBE_ID = "11dFghVXANMlKmJXsNCbNl"
EXTENDED_QUOTA_FACT = "extended_quota"
# Spotify grants or withdraws extended quota by hand, rarely: a week-old answer is re-probed,
# and a batch call answering 403 corrects it at once.
EXTENDED_QUOTA_MAX_AGE = timedelta(days=7)
QUOTA_RECHECK_SECONDS = 3600.0


class BatchForbidden(PermanentError):
    """A batch endpoint answered 403: the app has no extended quota (any more)."""


class AccessToken(BaseModel):
    access_token: str
    token_type: str
    expires_in: int


class SpotifyClient(ApiClient):
    """Artists, albums and tracks from the Spotify Web API, as pydantic models."""

    api = "spotify"
    credentials = ("spotify_client_id", "spotify_client_secret")

    def __init__(
        self, settings: Settings, *, provider_state: ProviderState | None = None, **options: Any
    ) -> None:
        """`provider_state`: where the token and the extended-quota answer are shared (the
        runtime lends PostgreSQL's; alone, this process's memory). `options`: limiter,
        metrics, retry_policy, transport (see ApiClient)."""
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
        self.provider_state: ProviderState = provider_state or InProcessState()
        # Whose token and facts these are: the client id on this server, never the secret.
        self.account = f"{client_id}@{self.token_url}"
        self._token: str | None = None
        self._token_valid_until = 0.0
        self._token_lock = threading.Lock()
        self._sent = threading.local()  # the token this thread sent last (compare-and-swap)
        self._quota_lock = threading.Lock()
        self._quota_setting = settings.spotify_extended_quota
        self._extended_quota: bool | None = None
        self._extended_quota_until = 0.0

    @classmethod
    def is_configured(cls, settings: Settings) -> bool:
        secret = settings.spotify_client_secret
        return bool(settings.spotify_client_id and secret and secret.get_secret_value())

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.spotify_api_url

    # Authentication ---------------------------------------------------------------------
    def auth_headers(self) -> dict[str, str]:
        token = self.access_token()
        self._sent.token = token
        return {"Authorization": f"Bearer {token}"}

    def on_unauthorized(self) -> bool:
        """The token was refused (expired or revoked): forget it for every process, unless
        another one has replaced it already, and use the next shared token once."""
        refused = getattr(self._sent, "token", None)
        with self._token_lock:
            if refused is not None:
                self.provider_state.invalidate_token(self.api, self.account, refused)
            if self._token == refused:
                self._token = None
        self.access_token()
        return True

    def access_token(self) -> str:
        """This process's copy of the shared token, taken again shortly before it expires."""
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_valid_until:
                token, seconds_left = self.provider_state.shared_token(
                    self.api, self.account, self._fetch_token, TOKEN_MARGIN_SECONDS
                )
                margin = min(TOKEN_MARGIN_SECONDS, seconds_left / 10)
                self._token = token
                self._token_valid_until = time.monotonic() + seconds_left - margin
            return self._token

    def _fetch_token(self) -> tuple[str, float]:
        token = self._request_token()
        return token.access_token, float(token.expires_in)

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
        if (
            endpoint == "token"
            and response.status_code in (400, 401)
            and ("invalid_client" in response.text)
        ):
            return self.rejected(
                endpoint,
                "Spotify refused the client credentials (invalid_client): "
                "check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET.",
            )
        if response.status_code == 429 and (
            "QUOTA_EXCEEDED" in response.text or not response.headers.get("Retry-After")
        ):
            # Quota exhaustion (development mode): a 429 without Retry-After, reason
            # QUOTA_EXCEEDED. Retrying each message would only spend its attempts.
            return self.blocked(endpoint, "quota exceeded (429 without Retry-After)")
        if endpoint == "tracks_batch" and response.status_code == 403:
            return BatchForbidden(f"spotify {endpoint}: HTTP 403 {response.text[:200]}")
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

    def market_param(self) -> dict[str, str]:
        """`market` from settings (SPOTIFY_MARKET), or nothing when it is empty. Without one,
        the artist's albums list each market's copy of an album under its own id."""
        return {"market": self.settings.spotify_market} if self.settings.spotify_market else {}

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
            **self.market_param(),
        }
        body = self.get_json(f"artists/{artist_id}/albums", endpoint="artist_albums", params=params)
        return page_of(SimpleAlbum, body, "artist_albums")

    # Albums and tracks ------------------------------------------------------------------
    def get_album(self, album_id: str) -> Album:
        """The full album: UPC, release date and its first page of tracks."""
        document = self.get_json(f"albums/{album_id}", endpoint="album", params=self.market_param())
        if isinstance(document, dict) and isinstance(document.get("tracks"), dict):
            tracks = page_of(SimpleTrack, document["tracks"], "album")
            album = parse(
                Album, {**document, "tracks": {**document["tracks"], "items": []}}, "album"
            )
            return album.model_copy(update={"tracks": tracks})
        return parse(Album, document, "album")

    def album_tracks(self, album: Album) -> list[SimpleTrack]:
        """Every track of `album`: the embedded first page, then each `next` page."""
        tracks = list(album.tracks.items)
        next_url = album.tracks.next
        while next_url:
            page = page_of(
                SimpleTrack, self.get_json(next_url, endpoint="album_tracks"), "album_tracks"
            )
            tracks.extend(page.items)
            next_url = page.next
        return tracks

    def get_track(self, track_id: str) -> Track:
        """One full track, with `external_ids.isrc`."""
        document = self.get_json(f"tracks/{track_id}", endpoint="track", params=self.market_param())
        return parse(Track, document, "track")

    def get_tracks(self, track_ids: Sequence[str]) -> list[Track]:
        """Full tracks: batches of 50 with extended quota, else one request per track."""
        if not self.has_extended_quota():
            return [self.get_track(track_id) for track_id in track_ids]
        tracks: list[Track] = []
        for start in range(0, len(track_ids), BATCH_TRACKS_MAX):
            chunk = track_ids[start : start + BATCH_TRACKS_MAX]
            params = {"ids": ",".join(chunk)}
            try:
                body = self.get_json("tracks", endpoint="tracks_batch", params=params)
            except BatchForbidden:
                self._remember_quota(False, correct=True)  # the quota is gone: say so to all
                return tracks + [self.get_track(track_id) for track_id in track_ids[start:]]
            tracks.extend(
                parse(Track, item, "tracks_batch") for item in body.get("tracks") or [] if item
            )
        return tracks

    def has_extended_quota(self) -> bool:
        """Whether the batch endpoints work for this app (see the module docstring).

        Development mode answers the probe with 403; any permanent refusal means "use single
        requests". A transient failure is raised, and nothing is remembered.
        """
        if self._quota_setting != "auto":
            return self._quota_setting == "true"
        with self._quota_lock:  # handler threads share the client: one look, not one each
            if self._extended_quota is None or time.monotonic() >= self._extended_quota_until:
                answer = self.provider_state.fact(
                    self.api,
                    self.account,
                    EXTENDED_QUOTA_FACT,
                    EXTENDED_QUOTA_MAX_AGE,
                    self._probe_extended_quota,
                )
                self._remember_quota(bool(answer), correct=False)
            assert self._extended_quota is not None
            return self._extended_quota

    def _probe_extended_quota(self) -> bool:
        try:
            self.get_json(
                "tracks", endpoint="tracks_batch", params={"ids": EXTENDED_QUOTA_PROBE_ID}
            )
        except PermanentError:
            return False
        return True

    def _remember_quota(self, answer: bool, *, correct: bool) -> None:
        """This process keeps the answer for an hour before it looks at the shared one again
        (another process may have corrected it); `correct` also stores it for everyone."""
        self._extended_quota = answer
        self._extended_quota_until = time.monotonic() + QUOTA_RECHECK_SECONDS
        if not correct:
            return
        if self._quota_setting == "auto":
            self.provider_state.correct_fact(self.api, self.account, EXTENDED_QUOTA_FACT, answer)
        else:  # SPOTIFY_EXTENDED_QUOTA=true was wrong: believe Spotify for this process's life
            self._quota_setting = "true" if answer else "false"
