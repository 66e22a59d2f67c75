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
- `GET /database/search?type=artist&q=` → artist results whose `title` is the name with its
  " (N)" suffix, exact names first.
- `GET /artists/{id}/releases`, `GET /masters/{id}`, `GET /masters/{id}/versions`: see
  `discogs_browse` for their shapes, sorting and paging.
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

import re
from pathlib import Path
from typing import Any

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
from producer_discovery.sandbox.discogs_browse import (
    DISCOGS_SUFFIX,
    WEB,
    artist_result,
    artist_role,
    listing_item,
    master_json,
    masters_of,
    pagination,
    sorted_listing,
    version_item,
)
from producer_discovery.sandbox.server import Faults, Request, Response, SandboxServer

DEFAULT_PER_PAGE = 50
MAXIMUM_PER_PAGE = 100
MUST_AUTHENTICATE = "You must authenticate to access this resource."
INVALID_TOKEN = "Invalid consumer token. Please register an app before making API requests."
TOO_FAST = "You are making requests too quickly."


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
        self.masters = masters_of(self.releases)
        self.token = token
        self.window_limit = requests_per_minute
        self.window_seconds = 60.0
        self.route("GET", r"/database/search", "search", self.search)
        self.route("GET", r"/releases/(?P<release_id>\d+)", "releases", self.release)
        self.route("GET", r"/artists/(?P<artist_id>\d+)", "artists", self.artist)
        self.route(
            "GET", r"/artists/(?P<artist_id>\d+)/releases", "artist-releases", self.artist_releases
        )
        self.route("GET", r"/masters/(?P<master_id>\d+)", "masters", self.master)
        self.route(
            "GET", r"/masters/(?P<master_id>\d+)/versions", "master-versions", self.master_versions
        )

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
        if request.param("type") == "artist":
            results = self.artist_results(request)
        else:
            found = [r for r in self.releases.values() if self.release_matches(r, request)]
            results = [self.search_result(release, request.base_url) for release in found]
        return self.ok(self.paged(request, "results", results))

    def artist_results(self, request: Request) -> list[dict[str, Any]]:
        """Artists whose name holds every word of `q`, exact names (suffix aside) first."""
        wanted = words(request.param("q") or "")
        found = [
            a
            for a in self.artists.values()
            if wanted and wanted <= words(DISCOGS_SUFFIX.sub("", a["name"]))
        ]
        found.sort(key=lambda a: (words(DISCOGS_SUFFIX.sub("", a["name"])) != wanted, a["id"]))
        return [artist_result(artist, request.base_url) for artist in found]

    def artist_releases(self, request: Request) -> Response:
        artist_id = int(request.match["artist_id"])
        artist = self.artists.get(artist_id)
        if artist is None:
            return self.error(404, "Artist not found.")
        items: dict[tuple[str, int], dict[str, Any]] = {}
        for release in self.releases.values():
            role = artist_role(release, artist_id)
            if role is None:
                continue
            master = self.masters.get(int(release.get("master_id") or 0))
            item = listing_item(
                release, role, " & ".join(self.artist_names(release)), master, request.base_url
            )
            items.setdefault((item["type"], item["id"]), item)
        listed = sorted_listing(
            list(items.values()), request.param("sort"), request.param("sort_order")
        )
        return self.ok(self.paged(request, "releases", listed))

    def master(self, request: Request) -> Response:
        versions = self.masters.get(int(request.match["master_id"]))
        if versions is None:
            return self.error(404, "Master Release not found.")
        base_url = request.base_url
        main = versions[0]
        artists = [self.credit_json(credit, base_url) for credit in main["artists"]]
        tracklist = [self.track_json(track, base_url) for track in main["tracklist"]]
        return self.ok(master_json(versions, artists, tracklist, base_url))

    def master_versions(self, request: Request) -> Response:
        versions = self.masters.get(int(request.match["master_id"]))
        if versions is None:
            return self.error(404, "Master Release not found.")
        listed = [version_item(release, request.base_url) for release in versions]
        return self.ok(self.paged(request, "versions", listed))

    @staticmethod
    def paged(request: Request, key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """One page of `items` under `key`, with Discogs' paging envelope."""
        per_page = bounded_number(request.param("per_page"), DEFAULT_PER_PAGE, 1, MAXIMUM_PER_PAGE)
        page = bounded_number(request.param("page"), 1, 1, 10_000)
        return {
            "pagination": pagination(
                request.base_url, request.path, request.query, len(items), page, per_page
            ),
            key: items[(page - 1) * per_page : page * per_page],
        }

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
