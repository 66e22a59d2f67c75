"""A fake MusicBrainz web service (/ws/2) over the credits catalogue's `musicbrainz` section.

Endpoints (JSON, asked for with `fmt=json`):
- `GET /ws/2/isrc/{isrc}` → `{"isrc", "recordings": [...]}`; 404 for an unknown ISRC.
- `GET /ws/2/recording/{mbid}?inc=artist-rels+artist-credits+isrcs` → the recording; with
  `artist-rels` its `relations[]` (producer, engineer, mix…) in the real relation shape.
- `GET /ws/2/recording?query=recording:"…" AND artist:"…"` (also `isrc:`, `release:`) →
  `{"created", "count", "offset", "recordings": [... with "score"]}`.
- `GET /ws/2/release?query=barcode:… | release:"…" AND artist:"…"` → `{"releases": [...]}`.
  Queries are Lucene boolean queries (sandbox/lucene.py): AND/OR/NOT, parentheses, field
  groups such as `barcode:(a OR b)` or `isrc:(…)`; an unreadable one answers 400. Searches
  return `limit` hits (default 25, at most 100) from `offset`, with `count`; each hit's
  `score` is relative to the best hit of the whole query (×100, rare words weighing more:
  lucene.relative_scores), hits tied on score come in an order that changes from page to
  page, and barcodes match without leading zeroes on either side.
- `GET /ws/2/release?artist=MBID&inc=recordings+recording-level-rels+artist-rels+isrcs+
  artist-credits` (browse) → `{"release-count", "release-offset", "releases": [...]}`, oldest
  first, 25 a page by default, at most 100; with `recordings` a page is cut before it passes
  500 tracks (WS_TRACK_LIMIT; one release at least), so a client advances `offset` by the
  releases it got, and the recordings' relations come only while the page holds ≤ 500
  recordings: one page carries the producers of every track of up to 100 releases.
- `GET /ws/2/release/{mbid}?inc=recordings+recording-level-rels+artist-rels+isrcs+artist-credits`
  → the release, its media and tracks, every recording with its own relations, and the
  release-level relations: one lookup carries the producers of every track.
- `GET /ws/2/artist/{mbid}?inc=url-rels` → the artist with its URL relations.
An unknown `inc` answers 400, an unknown MBID 404; errors are `{"error": …, "help": …}`.

Limits: a URL longer than MAXIMUM_URL_LENGTH (8,000 encoded characters; the real service's
bound is unpublished, a ~23,000-character search was refused) answers 414; a User-Agent `App/Version ( contact )` is required (403 otherwise); requests from all
clients together faster than `requests_per_second` (default 1, `tolerance_seconds` absorbing
timer jitter) answer 503 and are counted in `rejected`.

Standalone: `python -m producer_discovery.sandbox.musicbrainz --port 8083`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from producer_discovery.sandbox import lucene
from producer_discovery.sandbox.credits_data import (
    CREDITS_CATALOGUE,
    bounded_number,
    index_by,
    load_credits,
    serve_until_interrupted,
    standalone_parser,
)
from producer_discovery.sandbox.musicbrainz_format import (
    ARTIST_TYPE_IDS,
    OFFICIAL_STATUS_ID,
    RELATION_TYPE_IDS,
    derived_mbid,
    relation_envelope,
)
from producer_discovery.sandbox.server import Faults, Request, Response, SandboxServer

USER_AGENT = re.compile(r"^[^\s/]+/\S+.*\(\s*\S[^()]*\)")
MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
HELP = "For usage, please see: https://musicbrainz.org/development/mmd"
RATE_MESSAGE = (
    "Your requests are exceeding the allowable rate limit. Please see "
    "http://wiki.musicbrainz.org/XMLWebService for more information."
)
USER_AGENT_MESSAGE = "A User-Agent of the form 'AppName/Version ( contact )' is required."
RELATIONS = "artist-rels url-rels recording-rels release-rels work-rels aliases tags"
VALID_INCLUDES = {
    "isrc": {"artists", "artist-credits", "releases", "isrcs"},
    "recording": set(f"{RELATIONS} artists artist-credits releases isrcs".split()),
    "release": set(
        f"{RELATIONS} artists artist-credits labels recordings release-groups media "
        "isrcs recording-level-rels work-level-rels".split()
    ),
    "artist": set(f"{RELATIONS} recordings releases release-groups works".split()),
    "release-browse": set(
        f"{RELATIONS} artist-credits labels recordings release-groups media discids "
        "isrcs annotation recording-level-rels work-level-rels".split()
    ),
}
Table = dict[str, dict[str, Any]]
Renderer = Callable[[dict[str, Any], set[str]], dict[str, Any]]
DEFAULT_LIMIT = 25
MAXIMUM_LIMIT = 100
WS_TRACK_LIMIT = 500  # tracks a browse page with `inc=recordings` holds (MusicBrainz' setting)
MAXIMUM_URL_LENGTH = 8000  # encoded characters; longer answers 414 (the real bound is unpublished)


def track_count(release: dict[str, Any]) -> int:
    return sum(len(medium["recordings"]) for medium in release["media"])


def within_track_limit(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first releases whose tracks stay within WS_TRACK_LIMIT; the first one always."""
    kept: list[dict[str, Any]] = []
    tracks = 0
    for release in releases:
        if kept and tracks + track_count(release) > WS_TRACK_LIMIT:
            break
        kept.append(release)
        tracks += track_count(release)
    return kept


class MusicBrainzSandbox(SandboxServer):
    name = "musicbrainz"

    def __init__(
        self,
        catalogue: Path = CREDITS_CATALOGUE,
        *,
        requests_per_second: float = 1.0,
        tolerance_seconds: float = 0.05,
        faults: Faults | None = None,
        port: int = 0,
        maximum_url_length: int = MAXIMUM_URL_LENGTH,
    ) -> None:
        super().__init__(faults, port)
        self.maximum_url_length = maximum_url_length
        section = load_credits(catalogue)["musicbrainz"]
        self.artists = index_by(section["artists"])
        self.recordings = index_by(section["recordings"])
        self.releases = index_by(section["releases"])
        self.window_limit = 1
        self.window_seconds = max(0.0, 1.0 / requests_per_second - tolerance_seconds)
        mbid = r"(?P<mbid>[^/]+)"
        self.route("GET", r"/ws/2/isrc/(?P<isrc>[^/]+)", "isrc", self.isrc)
        self.route("GET", rf"/ws/2/recording/{mbid}", "recording", self.recording)
        self.route("GET", r"/ws/2/recording/?", "recording-search", self.search_recordings)
        self.route("GET", rf"/ws/2/release/{mbid}", "release", self.release)
        self.route(
            "GET",
            r"/ws/2/release/?",
            "release-search",
            self.search_releases,
            when=lambda query: "query" in query,
        )
        self.route("GET", r"/ws/2/release/?", "release-browse", self.browse_releases)
        self.route("GET", rf"/ws/2/artist/{mbid}", "artist", self.artist)

    # Provider behaviour -----------------------------------------------------------------
    def error(self, status: int, message: str) -> Response:
        return Response(status, {"error": message, "help": HELP})

    def check_request(self, request: Request, endpoint: str) -> Response | None:
        if len(request.path) + len(urlencode(request.query)) + 1 > self.maximum_url_length:
            return self.reject(endpoint, Response(414, b"Request-URI Too Long"))
        if not USER_AGENT.match(request.headers.get("user-agent", "")):
            return self.error(403, USER_AGENT_MESSAGE)
        if self.over_window_limit():
            return self.reject(endpoint, self.error(503, RATE_MESSAGE))
        return None

    def includes(self, request: Request, resource: str) -> set[str] | Response:
        """The `inc` values asked for, or the 400 the real service gives for an unknown one."""
        asked = {value for value in re.split(r"[+\s]", request.param("inc") or "") if value}
        unknown = sorted(asked - VALID_INCLUDES[resource])
        if unknown:
            message = f"{unknown[0]} is not a valid inc parameter for the {resource} resource."
            return self.error(400, message)
        return asked

    def lookup(self, request: Request, resource: str, table: Table, render: Renderer) -> Response:
        """One entity by MBID, rendered with the `inc` values asked for."""
        includes = self.includes(request, resource)
        if isinstance(includes, Response):
            return includes
        mbid = request.match["mbid"]
        if not MBID.match(mbid):
            return self.error(400, "Invalid mbid.")
        if mbid not in table:
            return self.error(404, "Not Found")
        return Response(200, render(table[mbid], includes))

    # Lookups ----------------------------------------------------------------------------
    def isrc(self, request: Request) -> Response:
        code = request.match["isrc"].upper()
        includes = self.includes(request, "isrc")
        if isinstance(includes, Response):
            return includes
        if not ISRC.match(code):
            return self.error(400, "Invalid isrc.")
        recordings = [r for r in self.recordings.values() if code in r["isrcs"]]
        if not recordings:
            return self.error(404, "Not Found")
        rendered = [self.recording_json(recording, includes) for recording in recordings]
        return Response(200, {"isrc": code, "recordings": rendered})

    def recording(self, request: Request) -> Response:
        return self.lookup(request, "recording", self.recordings, self.recording_json)

    def release(self, request: Request) -> Response:
        return self.lookup(request, "release", self.releases, self.release_json)

    def artist(self, request: Request) -> Response:
        return self.lookup(request, "artist", self.artists, self.artist_json)

    # Searches ---------------------------------------------------------------------------
    def search_recordings(self, request: Request) -> Response:
        wanted = self.parsed_query(request, "recording")
        if isinstance(wanted, Response):
            return wanted
        recordings = list(self.recordings.values())
        holding = {recording["id"]: self.releases_with(recording["id"]) for recording in recordings}
        documents = [
            {
                "recording": [recording["title"]],
                "artist": self.credited_names(recording["artist-credit"]),
                "arid": [credit["artist"] for credit in recording["artist-credit"]],
                "isrc": recording["isrcs"],
                "rid": [recording["id"]],
                "release": [release["title"] for release in holding[recording["id"]]],
                "reid": [release["id"] for release in holding[recording["id"]]],
            }
            for recording in recordings
        ]
        scored = []
        for recording, score in zip(
            recordings, lucene.relative_scores(wanted, documents), strict=True
        ):
            if score is not None:
                summary = self.recording_json(recording, {"artist-credits", "isrcs"})
                summary["releases"] = [
                    self.release_summary(release) for release in holding[recording["id"]]
                ]
                scored.append({"score": score, **summary})
        return self.search_page(request, "recordings", scored)

    def search_releases(self, request: Request) -> Response:
        # `barcode:` matches without leading zeroes on either side, as MusicBrainz indexes
        # and queries it; `barcode:(a OR b)` matches any of the alternatives.
        wanted = self.parsed_query(request, "release")
        if isinstance(wanted, Response):
            return wanted
        releases = list(self.releases.values())
        documents = [
            {
                "release": [release["title"]],
                "artist": self.credited_names(release["artist-credit"]),
                "arid": [credit["artist"] for credit in release["artist-credit"]],
                "barcode": [release["barcode"] or ""],
                "reid": [release["id"]],
            }
            for release in releases
        ]
        scored = [
            {"score": score, **self.release_summary(release)}
            for release, score in zip(
                releases, lucene.relative_scores(wanted, documents), strict=True
            )
            if score is not None
        ]
        return self.search_page(request, "releases", scored)

    def parsed_query(self, request: Request, default_field: str) -> lucene.Node | Response:
        try:
            return lucene.parse(request.param("query") or "", default_field)
        except lucene.QuerySyntaxError as error:
            return self.error(400, f"Invalid query: {error}")

    # Browse -----------------------------------------------------------------------------
    def browse_releases(self, request: Request) -> Response:
        """`/ws/2/release?artist=MBID`: the releases whose artist credit names the artist,
        oldest first, a page of `limit` (default 25, at most 100) from `offset`, in
        MusicBrainz' browse envelope (`release-count`, `release-offset`, `releases`). With
        `inc=recordings` a page stops adding releases before it would pass WS_TRACK_LIMIT
        tracks (one release at least, however long), and the recordings' relations
        (`recording-level-rels` with `artist-rels`) come only while the page holds at most
        WS_TRACK_LIMIT recordings."""
        artist = request.param("artist")
        if artist is None:
            return self.error(400, "A browse request needs a linked entity, or use query=.")
        includes = self.includes(request, "release-browse")
        if isinstance(includes, Response):
            return includes
        if not MBID.match(artist):
            return self.error(400, "Invalid mbid.")
        if artist not in self.artists:
            return self.error(404, "Not Found")
        releases = sorted(
            (
                release
                for release in self.releases.values()
                if any(credit["artist"] == artist for credit in release["artist-credit"])
            ),
            key=lambda release: (release["date"] or "9999", release["id"]),
        )
        limit = bounded_number(request.param("limit"), DEFAULT_LIMIT, 1, MAXIMUM_LIMIT)
        offset = bounded_number(request.param("offset"), 0, 0, 1_000_000)
        chosen = releases[offset : offset + limit]
        if "recordings" in includes:
            chosen = within_track_limit(chosen)
            if sum(track_count(release) for release in chosen) > WS_TRACK_LIMIT:
                includes = includes - {"recording-level-rels"}
        page = [self.release_json(release, includes) for release in chosen]
        body = {"release-count": len(releases), "release-offset": offset, "releases": page}
        return Response(200, body)

    @staticmethod
    def search_page(request: Request, key: str, scored: list[dict[str, Any]]) -> Response:
        """One page of search results, best score first, in MusicBrainz' search envelope.
        Hits tied on score come in an order that changes from one page to the next (the
        real service's is not stable either), so paging may repeat or skip a tied hit."""
        limit = bounded_number(request.param("limit"), DEFAULT_LIMIT, 1, MAXIMUM_LIMIT)
        offset = bounded_number(request.param("offset"), 0, 0, 1_000_000)
        shuffle = random.Random(f"{request.param('query')}|{offset}|{limit}")
        scored.sort(key=lambda item: (-item["score"], shuffle.random()))
        created = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = {"created": created, "count": len(scored), "offset": offset}
        return Response(200, {**body, key: scored[offset : offset + limit]})

    # Shapes -----------------------------------------------------------------------------
    def artist_summary(self, artist: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": artist["id"],
            "name": artist["name"],
            "sort-name": artist["sort-name"],
            "disambiguation": artist.get("disambiguation", ""),
            "type": artist["type"],
            "type-id": ARTIST_TYPE_IDS[artist["type"]],
        }

    def artist_credit(self, credits: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "name": self.artists[credit["artist"]]["name"],
                "joinphrase": credit.get("joinphrase", ""),
                "artist": self.artist_summary(self.artists[credit["artist"]]),
            }
            for credit in credits
        ]

    def credited_names(self, credits: list[dict[str, Any]]) -> list[str]:
        """Each credited artist's name, and the whole credit ("Nova Reyes feat. Juno Vale")."""
        names = [self.artists[credit["artist"]]["name"] for credit in credits]
        return [
            *names,
            "".join(n + c.get("joinphrase", "") for n, c in zip(names, credits, strict=True)),
        ]

    def relation_json(self, relation: dict[str, Any], entity: str) -> dict[str, Any]:
        kind, attributes = relation["type"], relation.get("attributes", [])
        type_id = RELATION_TYPE_IDS[(entity, kind)]
        credit = relation.get("credited-as", "")
        return {
            **relation_envelope(kind, type_id, "artist", attributes, credit),
            "artist": self.artist_summary(self.artists[relation["artist"]]),
        }

    @staticmethod
    def url_relation_json(link: dict[str, Any]) -> dict[str, Any]:
        type_id = RELATION_TYPE_IDS[("artist", link["type"])]
        url = {"id": derived_mbid(link["resource"]), "resource": link["resource"]}
        return {**relation_envelope(link["type"], type_id, "url", []), "url": url}

    def recording_json(self, recording: dict[str, Any], includes: set[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": recording["id"],
            "title": recording["title"],
            "length": recording["length"],
            "disambiguation": recording.get("disambiguation", ""),
            "video": False,
            "first-release-date": recording["first-release-date"],
        }
        if includes & {"artists", "artist-credits"}:
            body["artist-credit"] = self.artist_credit(recording["artist-credit"])
        if "isrcs" in includes:
            body["isrcs"] = recording["isrcs"]
        if "artist-rels" in includes:
            body["relations"] = [self.relation_json(r, "recording") for r in recording["relations"]]
        return body

    def releases_with(self, recording_id: str) -> list[dict[str, Any]]:
        return [
            release
            for release in self.releases.values()
            if any(recording_id in medium["recordings"] for medium in release["media"])
        ]

    def release_core(self, release: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": release["id"],
            "title": release["title"],
            "status": "Official",
            "status-id": OFFICIAL_STATUS_ID,
            "date": release["date"],
            "country": release["country"],
            "barcode": release["barcode"],
            "disambiguation": release.get("disambiguation", ""),
        }

    def release_summary(self, release: dict[str, Any]) -> dict[str, Any]:
        """A release as search results and recordings' `releases` show it."""
        media = [
            {"format": medium["format"], "disc-count": 0, "track-count": len(medium["recordings"])}
            for medium in release["media"]
        ]
        return {
            **self.release_core(release),
            "artist-credit": self.artist_credit(release["artist-credit"]),
            "track-count": sum(len(medium["recordings"]) for medium in release["media"]),
            "media": media,
        }

    def release_json(self, release: dict[str, Any], includes: set[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            **self.release_core(release),
            "packaging": None,
            "quality": "normal",
            "text-representation": {"language": "eng", "script": "Latn"},
        }
        if includes & {"artists", "artist-credits"}:
            body["artist-credit"] = self.artist_credit(release["artist-credit"])
        if "artist-rels" in includes:
            body["relations"] = [self.relation_json(r, "release") for r in release["relations"]]
        if includes & {"recordings", "media"}:
            body["media"] = [
                self.medium_json(release["id"], position, medium, includes)
                for position, medium in enumerate(release["media"], start=1)
            ]
        return body

    def medium_json(
        self, release_id: str, position: int, medium: dict[str, Any], includes: set[str]
    ) -> dict[str, Any]:
        recording_ids = medium["recordings"]
        body: dict[str, Any] = {
            "position": position,
            "title": "",
            "format": medium["format"],
            "track-count": len(recording_ids),
            "track-offset": 0,
        }
        if "recordings" in includes:
            numbers = medium.get("numbers") or [str(n) for n in range(1, len(recording_ids) + 1)]
            nested = {"isrcs", "artist-credits"} & includes
            if {"recording-level-rels", "artist-rels"} <= includes:  # the recordings' relations
                nested.add("artist-rels")
            body["tracks"] = [
                {
                    "id": derived_mbid(release_id, str(position), number),
                    "position": index,
                    "number": number,
                    "title": self.recordings[recording_id]["title"],
                    "length": self.recordings[recording_id]["length"],
                    "recording": self.recording_json(self.recordings[recording_id], nested),
                }
                for index, (recording_id, number) in enumerate(
                    zip(recording_ids, numbers, strict=True), 1
                )
            ]
        return body

    def artist_json(self, artist: dict[str, Any], includes: set[str]) -> dict[str, Any]:
        body = {
            **self.artist_summary(artist),
            "country": artist.get("country"),
            "life-span": {"begin": None, "end": None, "ended": False},
            "isnis": [],
            "ipis": [],
        }
        if "url-rels" in includes:
            body["relations"] = [self.url_relation_json(link) for link in artist["urls"]]
        if "aliases" in includes:  # only when asked, as MusicBrainz does
            body["aliases"] = [
                {"begin": None, "end": None, "ended": False, "type-id": None, **alias}
                for alias in artist.get("aliases") or []
            ]
        return body


def main(argv: list[str] | None = None) -> None:
    parser = standalone_parser("A fake MusicBrainz web service over the sample credits catalogue.")
    parser.add_argument("--requests-per-second", type=float, default=1.0)
    options = parser.parse_args(argv)
    sandbox = MusicBrainzSandbox(
        options.catalogue, requests_per_second=options.requests_per_second, port=options.port
    )
    serve_until_interrupted(sandbox)


if __name__ == "__main__":
    main()
