"""A fake Spotify Web API (accounts token endpoint + /v1) in 2026 development mode.

It serves the fictional catalogue in `data/spotify_catalogue.json`, whose `_about` key
describes the layout, the traps it contains (decoy artists, editions, a 57-track album,
compilations) and what album discovery should keep for each main artist.

Development mode (the default), as the real service behaves since 2026-03-09:
- search and artist albums: `limit` default 5, max 10; search `offset` max 1000; a request
  over a limit answers 400 "Invalid limit"/"Invalid offset" and is counted in `rejected`;
- 403 on the batch endpoints (`/v1/tracks|albums|artists?ids=`), top-tracks, related-artists;
- no `popularity`, `followers`, `genres`, album `label`, `album_group`, `available_markets`;
  `preview_url` is null. `extended_quota=True` restores the endpoints and the fields.
- `market`: without one, an artist's albums list every market's copy of an album under its
  own id (catalogue.Catalogue: a full album has a second copy sold in "JP"); with one, the
  copy sold there. Album, album-track and track requests accept it too; a malformed code
  is 400 "Invalid market code".
Every /v1 request needs a bearer token from `POST /api/token` (client credentials); unknown or
expired tokens get 401. `window_limit` > 0 turns on the rolling 30-second limit: a request over
it gets 429 with Retry-After and is counted in `rejected`. Injected latency, 429s and 5xx come
from `Faults`.

Standalone: `python -m producer_discovery.sandbox.spotify --port 8081 [--catalogue FILE]`.
"""

from __future__ import annotations

import argparse
import base64
import math
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from producer_discovery.sandbox.catalogue import (
    DEFAULT_CATALOGUE,
    EMBEDDED_TRACKS,
    GROUP_ORDER,
    SEARCH_TYPES,
    Catalogue,
    SpotifyJson,
    parse_query,
)
from producer_discovery.sandbox.server import Faults, Request, Response, SandboxServer

SEARCH_OFFSET_MAX = 1000
BATCH_MAXIMUM = {"tracks": 50, "albums": 20, "artists": 50}
_ID = r"(?P<id>[^/]+)"


def valid_market(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code as Spotify takes it ("US"); anything else is a 400."""
    return len(code) == 2 and code.isascii() and code.isalpha() and code.isupper()


class LimitBroken(Exception):
    """A `limit` or `offset` outside the documented range; the message is Spotify's."""


class SpotifySandbox(SandboxServer):
    name = "spotify"

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        *,
        client_id: str = "sandbox-client-id",
        client_secret: str = "sandbox-client-secret",
        extended_quota: bool = False,
        window_limit: int = 0,
        token_lifetime_seconds: int = 3600,
        faults: Faults | None = None,
        port: int = 0,
    ) -> None:
        super().__init__(faults, port)
        self.catalogue = catalogue or Catalogue.load()
        self.client_id = client_id
        self.client_secret = client_secret
        self.extended_quota = extended_quota
        self.window_limit = window_limit
        self.token_lifetime_seconds = token_lifetime_seconds
        self.tokens: dict[str, float] = {}
        self.tokens_lock = threading.Lock()
        self.route("POST", "/api/token", "token", self.issue_token)
        self.route("GET", "/v1/search", "search", self.search)
        self.route("GET", "/v1/artists", "artists_batch", self.batch("artists"))
        self.route("GET", f"/v1/artists/{_ID}", "artist", self.artist)
        self.route("GET", f"/v1/artists/{_ID}/albums", "artist_albums", self.artist_albums)
        self.route("GET", f"/v1/artists/{_ID}/top-tracks", "artist_top_tracks", self.top_tracks)
        self.route("GET", f"/v1/artists/{_ID}/related-artists", "related_artists", self.related)
        self.route("GET", "/v1/albums", "albums_batch", self.batch("albums"))
        self.route("GET", f"/v1/albums/{_ID}", "album", self.album)
        self.route("GET", f"/v1/albums/{_ID}/tracks", "album_tracks", self.album_tracks)
        self.route("GET", "/v1/tracks", "tracks_batch", self.batch("tracks"))
        self.route("GET", f"/v1/tracks/{_ID}", "track", self.track)

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def token_url(self) -> str:
        return f"{self.url}/api/token"

    def expire_tokens(self) -> None:
        """Make every token issued so far expired (the next /v1 call gets 401)."""
        with self.tokens_lock:
            self.tokens.clear()

    def blocked(self) -> Response:
        """Development-mode quota exhausted: 429, reason QUOTA_EXCEEDED, no Retry-After."""
        return Response(
            429,
            {"error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}},
        )

    # Checks before routing --------------------------------------------------------------
    def check_request(self, request: Request, endpoint: str) -> Response | None:
        if endpoint == "token":
            return None
        if not self._token_valid(request.headers.get("authorization", "")):
            return self.error(401, "The access token expired")
        if self.over_window_limit():
            response = self.error(429, "API rate limit exceeded")
            response.headers["Retry-After"] = str(self._seconds_until_window_frees())
            return self.reject(endpoint, response)
        return None

    def _token_valid(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        with self.tokens_lock:
            expires = self.tokens.get(token.strip())
        return scheme.lower() == "bearer" and expires is not None and expires > time.monotonic()

    def _seconds_until_window_frees(self) -> int:
        with self.lock:
            oldest = self.window[0] if self.window else time.monotonic()
        return max(1, math.ceil(oldest + self.window_seconds - time.monotonic()))

    # Token ------------------------------------------------------------------------------
    def issue_token(self, request: Request) -> Response:
        form = {key: values[-1] for key, values in parse_qs(request.body.decode()).items()}
        if not self._credentials_valid(request.headers.get("authorization", "")):
            return Response(400, {"error": "invalid_client", "error_description": "Invalid client"})
        if form.get("grant_type") != "client_credentials":
            return Response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type parameter is missing",
                },
            )
        token = secrets.token_urlsafe(32)
        with self.tokens_lock:
            self.tokens[token] = time.monotonic() + self.token_lifetime_seconds
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_lifetime_seconds,
        }
        return Response(200, body)

    def _credentials_valid(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except ValueError:
            return False
        return scheme.lower() == "basic" and decoded == f"{self.client_id}:{self.client_secret}"

    # Parameter parsing ------------------------------------------------------------------
    def _guarded(
        self, endpoint: str, request: Request, answer: Callable[[Request], Response]
    ) -> Response:
        """Run `answer(request)`; a broken limit becomes a 400 counted in `rejected`."""
        try:
            return answer(request)
        except LimitBroken as problem:
            return self.reject(endpoint, self.error(400, str(problem)))

    @staticmethod
    def _number(request: Request, name: str, default: int, maximum: int, minimum: int) -> int:
        raw = request.param(name)
        if raw is None:
            return default
        if not raw.lstrip("-").isdigit() or not minimum <= int(raw) <= maximum:
            raise LimitBroken(f"Invalid {name}")
        return int(raw)

    def _limit(self, request: Request, default: int, maximum: int) -> int:
        return self._number(request, "limit", default, maximum, 1)

    def _offset(self, request: Request, maximum: int = 100_000) -> int:
        return self._number(request, "offset", 0, maximum, 0)

    def json_for(self, request: Request) -> SpotifyJson:
        return SpotifyJson(self.catalogue, self.extended_quota, request.base_url)

    # Handlers ---------------------------------------------------------------------------
    def search(self, request: Request) -> Response:
        return self._guarded("search", request, self._search)

    def _search(self, request: Request) -> Response:
        text = request.param("q") or request.param("query")
        if not text:
            return self.error(400, "No search query")
        kinds = (request.param("type") or "").split(",")
        if not all(kind in SEARCH_TYPES for kind in kinds):
            return self.error(400, "Missing or bad parameter type")
        limit = self._limit(request, 5, 10)
        offset = self._offset(request, SEARCH_OFFSET_MAX)
        query = parse_query(text)
        view = self.json_for(request)
        render: dict[str, Callable[[Any], dict[str, Any]]] = {
            "artist": view.artist,
            "album": view.simple_album,
            "track": view.track,
        }
        body = {}
        for kind in kinds:
            found = self.catalogue.search(kind, query)
            items = [render[kind](item) for item in found[offset : offset + limit]]
            extra = {"query": text, "type": kind}
            body[f"{kind}s"] = view.page("/v1/search", items, len(found), offset, limit, extra)
        return Response(200, body)

    def artist(self, request: Request) -> Response:
        artist = self.catalogue.artists.get(request.match["id"])
        if artist is None:
            return self.error(404, "Resource not found")
        return Response(200, self.json_for(request).artist(artist))

    def artist_albums(self, request: Request) -> Response:
        return self._guarded("artist_albums", request, self._artist_albums)

    def _artist_albums(self, request: Request) -> Response:
        artist_id = request.match["id"]
        if artist_id not in self.catalogue.artists:
            return self.error(404, "Resource not found")
        groups_text = request.param("include_groups") or ",".join(GROUP_ORDER)
        groups = set(groups_text.split(","))
        if not groups <= set(GROUP_ORDER):
            return self.error(400, "Invalid include_groups value")
        market = request.param("market") or None
        if market is not None and not valid_market(market):
            return self.error(400, "Invalid market code")
        limit = self._limit(request, 5, 10)
        offset = self._offset(request)
        listed = self.catalogue.discography(artist_id, groups, market)
        view = self.json_for(request)
        items = [
            view.simple_album(album, group) for album, group in listed[offset : offset + limit]
        ]
        path = f"/v1/artists/{artist_id}/albums"
        extra = {"include_groups": groups_text, **({"market": market} if market else {})}
        return Response(200, view.page(path, items, len(listed), offset, limit, extra))

    def album(self, request: Request) -> Response:
        album = self.catalogue.album_by_id(request.match["id"])
        if album is None:
            return self.error(404, "Resource not found")
        market = request.param("market") or None
        if market is not None and not valid_market(market):
            return self.error(400, "Invalid market code")
        extra = {"market": market} if market else None
        return Response(200, self.json_for(request).album(album, extra))

    def album_tracks(self, request: Request) -> Response:
        return self._guarded("album_tracks", request, self._album_tracks)

    def _album_tracks(self, request: Request) -> Response:
        album = self.catalogue.album_by_id(request.match["id"])
        if album is None:
            return self.error(404, "Resource not found")
        market = request.param("market") or None
        if market is not None and not valid_market(market):
            return self.error(400, "Invalid market code")
        limit = self._limit(request, 20, EMBEDDED_TRACKS)
        offset = self._offset(request)
        view = self.json_for(request)
        items = [view.simple_track(track) for track in album.tracks[offset : offset + limit]]
        path = f"/v1/albums/{album.id}/tracks"
        extra = {"market": market} if market else None
        return Response(200, view.page(path, items, len(album.tracks), offset, limit, extra))

    def track(self, request: Request) -> Response:
        track = self.catalogue.track_by_id(request.match["id"])
        if track is None:
            return self.error(404, "Resource not found")
        return Response(200, self.json_for(request).track(track))

    # Extended-quota-only endpoints --------------------------------------------------------
    def batch(self, kind: str) -> Callable[[Request], Response]:
        """Handler of `GET /v1/{kind}?ids=a,b,c` (403 in development mode)."""
        endpoint = f"{kind}_batch"

        def handle(request: Request) -> Response:
            if not self.extended_quota:
                return self.error(403, "Forbidden")
            ids = [each for each in (request.param("ids") or "").split(",") if each]
            if not ids:
                return self.error(400, "Missing ids")
            if len(ids) > BATCH_MAXIMUM[kind]:
                return self.reject(endpoint, self.error(400, "Too many ids requested"))
            view = self.json_for(request)
            tables: dict[str, tuple[Mapping[str, Any], Callable[[Any], dict[str, Any]]]] = {
                "tracks": (self.catalogue.tracks, view.track),
                "albums": (self.catalogue.albums, view.album),
                "artists": (self.catalogue.artists, view.artist),
            }
            table, render = tables[kind]
            return Response(
                200, {kind: [render(table[each]) if each in table else None for each in ids]}
            )

        return handle

    def top_tracks(self, request: Request) -> Response:
        if not self.extended_quota:
            return self.error(403, "Forbidden")
        artist_id = request.match["id"]
        own = [
            track for track in self.catalogue.tracks.values() if track.artist_ids[0] == artist_id
        ]
        own.sort(key=lambda track: -track.popularity)
        return Response(200, {"tracks": [self.json_for(request).track(each) for each in own[:10]]})

    def related(self, request: Request) -> Response:
        if not self.extended_quota:
            return self.error(403, "Forbidden")
        artist = self.catalogue.artists.get(request.match["id"])
        if artist is None:
            return self.error(404, "Resource not found")
        view = self.json_for(request)
        related = [
            view.artist(other)
            for other in self.catalogue.artists.values()
            if other.id != artist.id and set(other.genres) & set(artist.genres)
        ]
        return Response(200, {"artists": related})


def main(argv: list[str] | None = None) -> None:
    """Run the sandbox in the foreground and print its URLs until interrupted."""
    parser = argparse.ArgumentParser(description="Fake Spotify Web API (development mode)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE)
    parser.add_argument("--extended-quota", action="store_true")
    parser.add_argument("--window-limit", type=int, default=0, help="requests per 30 s (0 = off)")
    parser.add_argument("--client-id", default="sandbox-client-id")
    parser.add_argument("--client-secret", default="sandbox-client-secret")
    options = parser.parse_args(argv)
    sandbox = SpotifySandbox(
        Catalogue.load(options.catalogue),
        client_id=options.client_id,
        client_secret=options.client_secret,
        extended_quota=options.extended_quota,
        window_limit=options.window_limit,
        port=options.port,
    )
    sandbox.start()
    print(f"Spotify sandbox at {sandbox.url}", flush=True)
    print(f"SPOTIFY_API_URL={sandbox.api_url} SPOTIFY_TOKEN_URL={sandbox.token_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
