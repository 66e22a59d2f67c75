"""MusicBrainz web service client: recordings, releases and artists with their relations.

    recordings_by_isrc(isrc)          GET /isrc/{isrc}                 → recordings
    recording(mbid)                   GET /recording/{mbid}            inc=artist-rels+…
    search_recordings(titles, artist) GET /recording?query=recording:("…" OR …) AND artist:"…"
    recordings_by_isrcs(isrcs)        GET /recording?query=isrc:(… OR …)
    releases_by_barcodes(upcs)        GET /release?query=barcode:(… OR …), each code without
                                      its leading zeroes (MusicBrainz indexes and queries
                                      barcodes so: one form finds 12, 13 and 14 digits)
    search_releases(titles, artist)   GET /release?query=release:("…" OR …) AND artist:"…"
    artist_releases(artist mbid)      GET /release?artist=…&inc=recordings+recording-level-
                                      rels+artist-rels+isrcs+artist-credits (browse): up to
                                      100 releases a page with every track's producers
    release(mbid)                     GET /release/{mbid}              the same includes:
                                      every track's producers in one request (a release
                                      already browsed is read from the response cache)
    artist(mbid)                      GET /artist/{mbid}               inc=url-rels+aliases

Searches take many values at once (Lucene `OR` groups), so one request answers for many
albums or songs: the values are split over as many queries as keep each `query` parameter
under MAXIMUM_QUERY_LENGTH characters *once percent-encoded* (a non-Latin title grows 3-9
times), and a batch the service still refuses as too long (414) is split in two. Each asks
for the largest page (`limit=100`) and pages on with `offset` up to MAXIMUM_PAGES. A hit's
`score` is relative to the best hit of the whole query (an exact match on a common title in
a long OR can score 40), so hits are never filtered by score: callers verify them by their
fields (title, artist, barcode, ISRC). Hits tied on score have no stable order across pages:
they are de-duplicated by id.

A browse page is cut at 500 tracks (WS_TRACK_LIMIT), so the next page starts at this
offset plus the releases received, until `release-count`; the recordings' relations come
only while a page holds ≤ 500 tracks, and only such a page's releases stand for lookups.

No key; the User-Agent from Settings ("App/Version ( contact )") is mandatory, and every
request asks for JSON (`fmt=json`). The service allows one request per second per IP and
answers 503 beyond it: the shared limiter must be set to that rate, and a 503 is transient.
An unknown ISRC or MBID reads as "nothing" ([] or None).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import httpx

from producer_discovery.clients.cache import CachingClient, JsonDocument, cache_key
from producer_discovery.clients.shapes import EVERY_ITEM, OBJECTS, Shapes
from producer_discovery.errors import ConfigurationError, PermanentError
from producer_discovery.settings import PROJECT_URL, Settings

RECORDING_INCLUDES = "artist-rels+artist-credits+isrcs"
RELEASE_INCLUDES = "recordings+recording-level-rels+artist-rels+isrcs+artist-credits"
ARTIST_INCLUDES = "url-rels+aliases"  # aliases come only when asked for
BROWSE_INCLUDES = RELEASE_INCLUDES  # every release of a page as its own lookup shows it
PAGE_LIMIT = 100  # MusicBrainz' maximum for searches and browses
MAXIMUM_PAGES = 3  # of one search
MAXIMUM_BROWSE_PAGES = 20  # of one artist's releases (a page holds up to 500 tracks)
WS_TRACK_LIMIT = 500  # tracks of a browse page whose recordings' relations are loaded
MAXIMUM_QUERY_LENGTH = 4000  # the `query` parameter, percent-encoded


class UriTooLong(PermanentError):
    """HTTP 414: the service refused the URL's length (its bound is unpublished)."""


def phrase(text: str) -> str:
    """A Lucene phrase: the text in double quotes, with quotes and backslashes escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def any_of(field: str, values: Iterable[str]) -> str:
    """A Lucene field group: `field:("a" OR "b")`, each value a phrase."""
    return "{}:({})".format(field, " OR ".join(phrase(value) for value in values))


def encoded_length(query: str) -> int:
    """The length of `query=…` once percent-encoded (a non-Latin title grows 3-9 times)."""
    return len(urlencode({"query": query}))


def query_of(field: str, values: list[str], condition: str = "") -> str:
    return any_of(field, values) + (f" AND {condition}" if condition else "")


def grouped_values(field: str, values: Iterable[str], condition: str = "") -> list[list[str]]:
    """The distinct values in batches, as few as keep each batch's query (`field:(… OR …)`,
    `… AND condition` when given) within MAXIMUM_QUERY_LENGTH encoded characters; a value
    longer than that alone still gets its own batch. [] for no values."""
    batches: list[list[str]] = []
    batch: list[str] = []
    for value in dict.fromkeys(value for value in values if value):
        if batch and encoded_length(query_of(field, [*batch, value], condition)) > (
            MAXIMUM_QUERY_LENGTH
        ):
            batches.append(batch)
            batch = []
        batch.append(value)
    if batch:
        batches.append(batch)
    return batches


def grouped_queries(field: str, values: Iterable[str], condition: str = "") -> list[str]:
    """The queries of grouped_values' batches."""
    return [query_of(field, batch, condition) for batch in grouped_values(field, values, condition)]


def barcode_form(code: str) -> str:
    """A product code as MusicBrainz indexes and queries barcodes: without leading zeroes
    (a 12-digit UPC-A, a 13-digit EAN and Spotify's 14-digit GTIN are then one form);
    "" for a blank code."""
    given = code.strip()
    return (given.lstrip("0") or "0") if given.isdigit() else given


def browse_page_loaded_relations(document: JsonDocument) -> bool:
    """Whether a browse page with `inc=recordings` carries its recordings' relations: the
    service loads them only while the page holds at most WS_TRACK_LIMIT tracks."""
    tracks = sum(
        len(medium.get("tracks") or []) + len(medium.get("data-tracks") or [])
        for release in document.get("releases") or []
        for medium in release.get("media") or []
    )
    return tracks <= WS_TRACK_LIMIT


class MusicBrainzClient(CachingClient):
    api = "musicbrainz"

    def __init__(self, settings: Settings, **options: Any) -> None:
        """`options`: cache, limiter, metrics, retry_policy, transport (see CachingClient).
        The real service is refused with the placeholder contact: MusicBrainz asks every
        application to say in its User-Agent how to reach whoever runs it."""
        if not self.is_configured(settings):
            raise ConfigurationError(
                "MusicBrainz requires a real contact in the User-Agent: set MUSICBRAINZ_CONTACT "
                "to your e-mail address or your application's URL."
            )
        super().__init__(settings, **options)

    @classmethod
    def is_configured(cls, settings: Settings) -> bool:
        """Anything but the real service; the real one with a real contact."""
        host = (urlsplit(settings.musicbrainz_api_url).hostname or "").casefold()
        contact = settings.musicbrainz_contact.strip()
        real = host == "musicbrainz.org" or host.endswith(".musicbrainz.org")
        return not real or bool(contact and contact != PROJECT_URL)

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.musicbrainz_api_url

    shapes: ClassVar[Shapes] = {
        "isrc": ((("recordings",), list),),
        "recording": ((("id",), str), (("relations",), OBJECTS)),
        "release": (
            (("id",), str),
            (("relations",), OBJECTS),
            (("media",), OBJECTS),
            (("media", EVERY_ITEM, "tracks"), OBJECTS),
            (("media", EVERY_ITEM, "data-tracks"), OBJECTS),
            (("media", EVERY_ITEM, "tracks", EVERY_ITEM, "recording", "relations"), OBJECTS),
            (("media", EVERY_ITEM, "data-tracks", EVERY_ITEM, "recording", "relations"), OBJECTS),
        ),
        "artist": ((("id",), str),),
        "recording-search": ((("recordings",), list),),
        "release-search": ((("releases",), list),),
        "release-browse": ((("releases",), list),),
    }

    def _lookup(self, path: str, endpoint: str, includes: str | None = None) -> JsonDocument | None:
        params = {"fmt": "json", "inc": includes} if includes else {"fmt": "json"}
        return self.fetch(path, endpoint=endpoint, params=params)

    def refine_error(self, response: httpx.Response, endpoint: str) -> Exception | None:
        if response.status_code == 414:
            return UriTooLong(f"{self.api} {endpoint}: HTTP 414, the URL is too long")
        return None

    def _search_pages(self, entity: str, query: str) -> list[JsonDocument]:
        """The hits of one search, page after page up to MAXIMUM_PAGES pages (`count`)."""
        items: list[JsonDocument] = []
        for page in range(MAXIMUM_PAGES):
            params = {
                "fmt": "json",
                "query": query,
                "limit": str(PAGE_LIMIT),
                "offset": str(page * PAGE_LIMIT),
            }
            document = self.fetch(entity, endpoint=f"{entity}-search", params=params) or {}
            found = [item for item in document.get(f"{entity}s") or [] if isinstance(item, dict)]
            items.extend(found)
            if not found or len(items) >= int(document.get("count") or 0):
                break
        return items

    def _search(
        self, entity: str, field: str, values: Iterable[str], condition: str = ""
    ) -> list[JsonDocument]:
        """The hits of `field:(… OR …)` over every value, in the service's order, each hit
        once (hits tied on score may come twice across pages). A batch the service refuses as
        too long (414) is split in two and asked again. Hits are never filtered by `score`: it
        is relative to the best hit of the whole query, so the caller verifies each hit by
        its fields."""
        hits: dict[str, JsonDocument] = {}
        batches = grouped_values(field, values, condition)
        while batches:
            batch = batches.pop(0)
            try:
                found = self._search_pages(entity, query_of(field, batch, condition))
            except UriTooLong:
                if len(batch) == 1:
                    raise
                middle = len(batch) // 2
                batches[:0] = [batch[:middle], batch[middle:]]
                continue
            for hit in found:
                if hit.get("id"):
                    hits.setdefault(str(hit["id"]), hit)
        return list(hits.values())

    def recordings_by_isrc(self, isrc: str) -> list[JsonDocument]:
        """The recordings that carry an ISRC (usually one); [] when MusicBrainz has none."""
        document = self._lookup(f"isrc/{isrc.strip().upper()}", "isrc")
        return (
            [item for item in document["recordings"] if isinstance(item, dict)] if document else []
        )

    def recording(self, mbid: str) -> JsonDocument | None:
        """A recording with its artist relations (producers, engineers…), credits and ISRCs."""
        return self._lookup(f"recording/{mbid}", "recording", RECORDING_INCLUDES)

    def search_recordings(self, titles: Iterable[str], artist: str) -> list[JsonDocument]:
        """Recordings titled like any of `titles` by an artist, best score first per query."""
        return self._search("recording", "recording", titles, f"artist:{phrase(artist)}")

    def recordings_by_isrcs(self, isrcs: Iterable[str]) -> list[JsonDocument]:
        """Recordings that carry any of the ISRCs (search hits: `isrcs`, `releases`)."""
        return self._search("recording", "isrc", [code.strip().upper() for code in isrcs])

    def releases_by_barcodes(self, upcs: Iterable[str]) -> list[JsonDocument]:
        """Releases with any of the barcodes (the Spotify albums' UPCs), each asked in the one
        form MusicBrainz indexes (barcode_form: leading zeroes stripped)."""
        return self._search("release", "barcode", [barcode_form(upc) for upc in upcs])

    def search_releases(self, titles: Iterable[str], artist: str) -> list[JsonDocument]:
        """Releases titled like any of `titles` by an artist, best score first per query."""
        return self._search("release", "release", titles, f"artist:{phrase(artist)}")

    def artist_releases(self, artist_mbid: str) -> tuple[list[JsonDocument], bool]:
        """The releases whose artist credit names the artist, oldest first, each with every
        track's recording, ISRCs and relations (browse, `inc=` RELEASE_INCLUDES), and whether
        that is all of them (False past MAXIMUM_BROWSE_PAGES pages). A page is cut at
        WS_TRACK_LIMIT tracks, so the next offset is this one plus the releases it held,
        until `release-count`. Every release of a page whose relations were loaded is
        remembered in the response cache as its own lookup (`release(mbid)`), so reading
        one album's credits later costs no request."""
        releases: list[JsonDocument] = []
        offset, total = 0, 0
        for _ in range(MAXIMUM_BROWSE_PAGES):
            params = {
                "fmt": "json",
                "artist": artist_mbid,
                "inc": BROWSE_INCLUDES,
                "limit": str(PAGE_LIMIT),
                "offset": str(offset),
            }
            cached = self.cached("release", "release-browse", params)
            document = cached or self.fetch("release", endpoint="release-browse", params=params)
            document = document or {}
            found = [item for item in document.get("releases") or [] if isinstance(item, dict)]
            total = int(document.get("release-count") or 0)
            if cached is None and browse_page_loaded_relations(document):
                for release in found:  # a page read from the cache was remembered already
                    self.remember_release(release)
            releases.extend(found)
            offset += len(found)
            if not found or offset >= total:
                return releases, True
        return releases, offset >= total

    def cached(self, path: str, endpoint: str, params: dict[str, str]) -> JsonDocument | None:
        """The cached answer to a GET, or None (without asking the service)."""
        if self.cache is None:
            return None
        document = self.cache.get(self.api, cache_key(path, params))
        return document if document is not None and self.readable(endpoint, document) else None

    def remember_release(self, release: JsonDocument) -> None:
        """Keep a browsed release in the cache as its lookup (`release(mbid)`) answers it."""
        if self.cache is not None and release.get("id") and self.readable("release", release):
            params = {"fmt": "json", "inc": RELEASE_INCLUDES}
            self.cache.put(self.api, cache_key(f"release/{release['id']}", params), release)

    def release(self, mbid: str) -> JsonDocument | None:
        """A release with every track's recording, its ISRCs and its relations, and the
        release's own relations."""
        return self._lookup(f"release/{mbid}", "release", RELEASE_INCLUDES)

    def artist(self, mbid: str) -> JsonDocument | None:
        """An artist with its URL relations (social networks, homepage…)."""
        return self._lookup(f"artist/{mbid}", "artist", ARTIST_INCLUDES)
