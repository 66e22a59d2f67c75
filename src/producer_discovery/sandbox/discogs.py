"""A fake Discogs API (api.discogs.com) over the credits catalogue's `discogs` section.

Endpoints:
- `GET /database/search?q=&type=release&artist=&release_title=&track=&barcode=&credit=
  &per_page=&page=` → `{"pagination": {...}, "results": [...]}`; `q` matches the artists,
  the title and the track titles; results' `title` reads "Artist - Title".
- `GET /releases/{id}` → the release with `extraartists[]` (`{name, anv, join, role, tracks,
  id, resource_url}`, `role` free text such as "Producer, Written-By" or
  "Producer [Additional]", `tracks` naming the positions a credit covers) and
  `tracklist[].extraartists[]`; names keep their " (2)" suffixes.
- `GET /artists/{id}` → `{name, realname, profile, urls, namevariations, ...}`.
Errors are `{"message": …}`.

Limits: a User-Agent is required (403 otherwise); `/database/search` needs
`Authorization: Discogs token=<t>` (401 "You must authenticate to access this resource.");
a wrong token (when the sandbox was given `token`) is refused everywhere. Every answer carries
`X-Discogs-Ratelimit`, `X-Discogs-Ratelimit-Used` and `X-Discogs-Ratelimit-Remaining` for a
moving 60-second window of `requests_per_minute` (default 60) requests from all clients
together; a request over it answers 429 and is counted in `rejected`.

Standalone: `python -m producer_discovery.sandbox.discogs --port 8084 [--token T]`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from producer_discovery.sandbox.credits_data import (
    CREDITS_CATALOGUE,
    bounded_number,
    index_by,
    load_credits,
    search_score,
    serve_until_interrupted,
    slug,
    standalone_parser,
    words,
)
from producer_discovery.sandbox.server import Faults, Request, Response, SandboxServer

DISCOGS_SUFFIX = re.compile(r"\s*\(\d+\)$")
DEFAULT_PER_PAGE = 50
MAXIMUM_PER_PAGE = 100
MUST_AUTHENTICATE = "You must authenticate to access this resource."
INVALID_TOKEN = "Invalid consumer token. Please register an app before making API requests."
TOO_FAST = "You are making requests too quickly."
WEB = "https://www.discogs.com"


class DiscogsSandbox(SandboxServer):
    name = "discogs"

    def __init__(
        self,
        catalogue: Path = CREDITS_CATALOGUE,
        *,
        token: str | None = None,
        requests_per_minute: int = 60,
        faults: Faults | None = None,
        port: int = 0,
    ) -> None:
        super().__init__(faults, port)
        section = load_credits(catalogue)["discogs"]
        self.artists = index_by(section["artists"])
        self.releases = index_by(section["releases"])
        self.token = token
        self.window_limit = requests_per_minute
        self.window_seconds = 60.0
        self.route("GET", r"/database/search", "search", self.search)
        self.route("GET", r"/releases/(?P<release_id>\d+)", "releases", self.release)
        self.route("GET", r"/artists/(?P<artist_id>\d+)", "artists", self.artist)

    # Provider behaviour -----------------------------------------------------------------
    def error(self, status: int, message: str) -> Response:
        return Response(status, {"message": message}, self.rate_limit_headers())

    def check_request(self, request: Request, endpoint: str) -> Response | None:
        if self.over_window_limit():
            return self.reject(endpoint, self.error(429, TOO_FAST))
        if not request.headers.get("user-agent", "").strip():
            return self.error(403, "Invalid or no User-Agent set.")
        token = self.token_of(request)
        if token is not None and self.token is not None and token != self.token:
            return self.error(401, INVALID_TOKEN)
        if token is None and endpoint == "search":
            return self.error(401, MUST_AUTHENTICATE)
        return None

    @staticmethod
    def token_of(request: Request) -> str | None:
        """The personal token of `Authorization: Discogs token=<t>` (or `?token=`)."""
        authorization = request.headers.get("authorization", "")
        match = re.match(r"^Discogs\s+token=(\S+)$", authorization.strip())
        return match[1] if match else request.param("token")

    def rate_limit_headers(self) -> dict[str, str]:
        """The headers every Discogs answer carries, errors included."""
        with self.lock:
            used = len(self.window)
        return {
            "X-Discogs-Ratelimit": str(self.window_limit),
            "X-Discogs-Ratelimit-Used": str(used),
            "X-Discogs-Ratelimit-Remaining": str(max(0, self.window_limit - used)),
        }

    def ok(self, body: dict[str, Any]) -> Response:
        return Response(200, body, self.rate_limit_headers())

    # Handlers ---------------------------------------------------------------------------
    def search(self, request: Request) -> Response:
        per_page = bounded_number(request.param("per_page"), DEFAULT_PER_PAGE, 1, MAXIMUM_PER_PAGE)
        page = bounded_number(request.param("page"), 1, 1, 10_000)
        found = [r for r in self.releases.values() if self.release_matches(r, request)]
        shown = found[(page - 1) * per_page : page * per_page]
        return self.ok(
            {
                "pagination": self.pagination(request, len(found), page, per_page),
                "results": [self.search_result(release, request.base_url) for release in shown],
            }
        )

    def release(self, request: Request) -> Response:
        release = self.releases.get(int(request.match["release_id"]))
        if release is None:
            return self.error(404, "Release not found.")
        return self.ok(self.release_json(release, request.base_url))

    def artist(self, request: Request) -> Response:
        artist = self.artists.get(int(request.match["artist_id"]))
        if artist is None:
            return self.error(404, "Artist not found.")
        return self.ok(self.artist_json(artist, request.base_url))

    # Search -----------------------------------------------------------------------------
    def artist_names(self, release: dict[str, Any]) -> list[str]:
        return [self.artists[credit["id"]]["name"] for credit in release["artists"]]

    def release_matches(self, release: dict[str, Any], request: Request) -> bool:
        """Whether a release answers every search parameter given."""
        artists = " ".join(DISCOGS_SUFFIX.sub("", name) for name in self.artist_names(release))
        tracks = [track["title"] for track in release["tracklist"]]
        credits = [
            self.artists[credit["id"]]["name"]
            for entry in [release, *release["tracklist"]]
            for credit in entry.get("extraartists", [])
        ]
        available = {
            "artist": [artists],
            "release_title": [release["title"]],
            "track": tracks,
            "credit": credits,
            "barcode": [release["barcode"]],
        }
        wanted = {name: value for name in available if (value := request.param(name))}
        if request.param("type", "release") != "release" or search_score(wanted, available) is None:
            return False
        everything = words(" ".join([artists, release["title"], *tracks]))
        return words(request.param("q") or "") <= everything

    @staticmethod
    def pagination(request: Request, items: int, page: int, per_page: int) -> dict[str, Any]:
        pages = max(1, math.ceil(items / per_page))

        def link(number: int) -> str:
            query = {**request.query, "page": str(number), "per_page": str(per_page)}
            return f"{request.base_url}/database/search?{urlencode(query)}"

        urls = {"last": link(pages), "next": link(page + 1)} if page < pages else {}
        return {"page": page, "pages": pages, "per_page": per_page, "items": items, "urls": urls}

    def search_result(self, release: dict[str, Any], base_url: str) -> dict[str, Any]:
        artists = " & ".join(DISCOGS_SUFFIX.sub("", name) for name in self.artist_names(release))
        return {
            "id": release["id"],
            "type": "release",
            "title": f"{artists} - {release['title']}",
            "year": str(release["year"]),
            "country": release["country"],
            "format": [f["name"] for f in release["formats"]]
            + [d for f in release["formats"] for d in f.get("descriptions", [])],
            "label": [label["name"] for label in release["labels"]],
            "catno": release["labels"][0]["catno"] if release["labels"] else "",
            "genre": release["genres"],
            "style": release["styles"],
            "barcode": [release["barcode"]] if release["barcode"] else [],
            "master_id": release.get("master_id", 0),
            "master_url": None,
            "uri": self.release_uri(release),
            "resource_url": f"{base_url}/releases/{release['id']}",
            "thumb": "",
            "cover_image": "",
            "community": {"want": 0, "have": 0},
            "user_data": {"in_wantlist": False, "in_collection": False},
        }

    # Shapes -----------------------------------------------------------------------------
    @staticmethod
    def release_uri(release: dict[str, Any]) -> str:
        return f"{WEB}/release/{release['id']}-{slug(release['title'])}"

    def credit_json(self, credit: dict[str, Any], base_url: str) -> dict[str, Any]:
        """An `artists[]` or `extraartists[]` item."""
        return {
            "name": self.artists[credit["id"]]["name"],
            "anv": credit.get("anv", ""),
            "join": credit.get("join", ""),
            "role": credit.get("role", ""),
            "tracks": credit.get("tracks", ""),
            "id": credit["id"],
            "resource_url": f"{base_url}/artists/{credit['id']}",
            "thumbnail_url": "",
        }

    def track_json(self, track: dict[str, Any], base_url: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "position": track.get("position", ""),
            "type_": track.get("type_", "track"),
            "title": track["title"],
            "duration": track.get("duration", ""),
        }
        for key in ("artists", "extraartists"):
            if key in track:
                body[key] = [self.credit_json(credit, base_url) for credit in track[key]]
        return body

    def release_json(self, release: dict[str, Any], base_url: str) -> dict[str, Any]:
        artists = [self.credit_json(credit, base_url) for credit in release["artists"]]
        return {
            "id": release["id"],
            "status": "Accepted",
            "year": release["year"],
            "resource_url": f"{base_url}/releases/{release['id']}",
            "uri": self.release_uri(release),
            "artists": artists,
            "artists_sort": DISCOGS_SUFFIX.sub("", artists[0]["name"]) if artists else "",
            "labels": [
                {**label, "entity_type": "1", "entity_type_name": "Label", "resource_url": ""}
                for label in release["labels"]
            ],
            "series": [],
            "companies": [],
            "formats": release["formats"],
            "data_quality": "Needs Vote",
            "community": {"have": 0, "want": 0, "rating": {"count": 0, "average": 0}},
            "format_quantity": sum(int(f.get("qty", "1")) for f in release["formats"]),
            "master_id": release.get("master_id", 0),
            "title": release["title"],
            "country": release["country"],
            "released": release["released"],
            "notes": release.get("notes", ""),
            "identifiers": [{"type": "Barcode", "value": release["barcode"]}]
            if release["barcode"]
            else [],
            "videos": [],
            "genres": release["genres"],
            "styles": release["styles"],
            "tracklist": [self.track_json(track, base_url) for track in release["tracklist"]],
            "extraartists": [
                self.credit_json(credit, base_url) for credit in release.get("extraartists", [])
            ],
            "images": [],
            "thumb": "",
        }

    def artist_json(self, artist: dict[str, Any], base_url: str) -> dict[str, Any]:
        return {
            "id": artist["id"],
            "name": artist["name"],
            "resource_url": f"{base_url}/artists/{artist['id']}",
            "uri": f"{WEB}/artist/{artist['id']}-{slug(artist['name'])}",
            "releases_url": f"{base_url}/artists/{artist['id']}/releases",
            "images": [],
            "realname": artist.get("realname", ""),
            "profile": artist.get("profile", ""),
            "urls": artist.get("urls", []),
            "namevariations": artist.get("namevariations", []),
            "data_quality": "Needs Vote",
        }


def main(argv: list[str] | None = None) -> None:
    parser = standalone_parser("A fake Discogs API over the sample credits catalogue.")
    parser.add_argument("--token", default=None, help="the only personal token accepted")
    parser.add_argument("--requests-per-minute", type=int, default=60)
    options = parser.parse_args(argv)
    sandbox = DiscogsSandbox(
        options.catalogue,
        token=options.token,
        requests_per_minute=options.requests_per_minute,
        port=options.port,
    )
    serve_until_interrupted(sandbox)


if __name__ == "__main__":
    main()
