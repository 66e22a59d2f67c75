"""MusicBrainz web service client: recordings, releases and artists with their relations.

    recordings_by_isrc(isrc)          GET /isrc/{isrc}                 → recordings
    recording(mbid)                   GET /recording/{mbid}            inc=artist-rels+…
    search_recordings(titles, artist) GET /recording?query=recording:("…" OR …) AND artist:"…"
    recordings_by_isrcs(isrcs)        GET /recording?query=isrc:(… OR …)
    releases_by_barcodes(upcs)        GET /release?query=barcode:(… OR … OR …): every
                                      written form of each product code (barcode_variants)
    search_releases(titles, artist)   GET /release?query=release:("…" OR …) AND artist:"…"
    artist_releases(artist mbid)      GET /release?artist=…  (browse; no relations: a browse
                                      cannot include recording-level-rels)
    release(mbid)                     GET /release/{mbid}              inc=recordings+
                                      recording-level-rels+artist-rels+isrcs+artist-credits:
                                      every track's producers in one request
    artist(mbid)                      GET /artist/{mbid}               inc=url-rels+aliases

Searches take many values at once (Lucene `OR` groups), so one request answers for many
albums or songs: the values are split over as many queries as keep each under
MAXIMUM_QUERY_LENGTH characters (the URL stays far below what web servers accept), each
asks for the largest page (`limit=100`, the documented maximum) and pages on with `offset`
up to MAXIMUM_PAGES. Browses page the same way (`release-count`, `release-offset`).

No key; the User-Agent from Settings ("App/Version ( contact )") is mandatory, and every
request asks for JSON (`fmt=json`). The service allows one request per second per IP and
answers 503 beyond it: the shared limiter must be set to that rate, and a 503 is transient.
An unknown ISRC or MBID reads as "nothing" ([] or None).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import urlsplit

from producer_discovery.clients.cache import CachingClient, JsonDocument
from producer_discovery.clients.shapes import EVERY_ITEM, OBJECTS, Shapes
from producer_discovery.errors import ConfigurationError
from producer_discovery.settings import PROJECT_URL, Settings

RECORDING_INCLUDES = "artist-rels+artist-credits+isrcs"
RELEASE_INCLUDES = "recordings+recording-level-rels+artist-rels+isrcs+artist-credits"
ARTIST_INCLUDES = "url-rels+aliases"  # aliases come only when asked for
BROWSE_INCLUDES = "artist-credits+media"
PAGE_LIMIT = 100  # MusicBrainz' maximum for searches and browses
MAXIMUM_PAGES = 3
MAXIMUM_QUERY_LENGTH = 1500


def phrase(text: str) -> str:
    """A Lucene phrase: the text in double quotes, with quotes and backslashes escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def any_of(field: str, values: Iterable[str]) -> str:
    """A Lucene field group: `field:("a" OR "b")`, each value a phrase."""
    return "{}:({})".format(field, " OR ".join(phrase(value) for value in values))


def grouped_queries(field: str, values: Iterable[str], condition: str = "") -> list[str]:
    """`field:(… OR …)` queries (`… AND condition` when given) over every distinct value, as
    few as keep each under MAXIMUM_QUERY_LENGTH characters; a value longer than that alone
    still gets its own query. [] for no values."""
    suffix = f" AND {condition}" if condition else ""
    queries: list[str] = []
    batch: list[str] = []
    for value in dict.fromkeys(value for value in values if value):
        if batch and len(any_of(field, [*batch, value]) + suffix) > MAXIMUM_QUERY_LENGTH:
            queries.append(any_of(field, batch) + suffix)
            batch = []
        batch.append(value)
    if batch:
        queries.append(any_of(field, batch) + suffix)
    return queries


def barcode_variants(code: str) -> list[str]:
    """Every form one product code is stored in: MusicBrainz' `barcode:` search matches the
    stored string exactly, and the same product is a 12-digit UPC-A, a 13-digit EAN or (from
    Spotify) a 14-digit GTIN padded with zeros: "00602475093060" → the code as given, its
    digits without leading zeros, and those padded to 12, 13 and 14 digits. [] for a code
    without digits; a non-numeric code only as given."""
    given = code.strip()
    if not given.isdigit():
        return [given] if given else []
    bare = given.lstrip("0") or "0"
    variants = [given]
    for form in (bare, *(bare.zfill(width) for width in (12, 13, 14))):
        if form not in variants and len(form) <= 14:
            variants.append(form)
    return variants


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

    def _pages(
        self, path: str, key: str, params: dict[str, str]
    ) -> tuple[list[JsonDocument], bool]:
        """Every item of a search or browse, page after page up to MAXIMUM_PAGES pages, and
        whether that is all of them. A search counts its hits in `count`, a browse in
        `<entity>-count`."""
        kind = "search" if "query" in params else "browse"
        items: list[JsonDocument] = []
        total = 0
        for page in range(MAXIMUM_PAGES):
            paged = {**params, "limit": str(PAGE_LIMIT), "offset": str(page * PAGE_LIMIT)}
            document = self.fetch(path, endpoint=f"{path}-{kind}", params=paged) or {}
            found = [item for item in document.get(key) or [] if isinstance(item, dict)]
            items.extend(found)
            total = int(document.get("count", document.get(f"{path}-count")) or 0)
            if not found or len(items) >= total:
                return items, True
        return items, len(items) >= total

    def _search(self, entity: str, queries: Iterable[str]) -> list[JsonDocument]:
        """The hits of every query, in the service's order, each hit once."""
        hits: dict[str, JsonDocument] = {}
        for query in queries:
            found, _ = self._pages(entity, f"{entity}s", {"fmt": "json", "query": query})
            for hit in found:
                hits.setdefault(hit["id"], hit)
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
        condition = f"artist:{phrase(artist)}"
        return self._search("recording", grouped_queries("recording", titles, condition))

    def recordings_by_isrcs(self, isrcs: Iterable[str]) -> list[JsonDocument]:
        """Recordings that carry any of the ISRCs (search hits: `isrcs`, `releases`)."""
        codes = [code.strip().upper() for code in isrcs]
        return self._search("recording", grouped_queries("isrc", codes))

    def releases_by_barcodes(self, upcs: Iterable[str]) -> list[JsonDocument]:
        """Releases with any of the barcodes (the Spotify albums' UPCs), in every written form."""
        variants = [variant for upc in upcs for variant in barcode_variants(upc)]
        return self._search("release", grouped_queries("barcode", variants))

    def search_releases(self, titles: Iterable[str], artist: str) -> list[JsonDocument]:
        """Releases titled like any of `titles` by an artist, best score first per query."""
        condition = f"artist:{phrase(artist)}"
        return self._search("release", grouped_queries("release", titles, condition))

    def artist_releases(self, artist_mbid: str) -> tuple[list[JsonDocument], bool]:
        """The releases whose artist credit names the artist (browse, with artist credits and
        media), and whether that is all of them (False past MAXIMUM_PAGES pages)."""
        params = {"fmt": "json", "artist": artist_mbid, "inc": BROWSE_INCLUDES}
        return self._pages("release", "releases", params)

    def release(self, mbid: str) -> JsonDocument | None:
        """A release with every track's recording, its ISRCs and its relations, and the
        release's own relations."""
        return self._lookup(f"release/{mbid}", "release", RELEASE_INCLUDES)

    def artist(self, mbid: str) -> JsonDocument | None:
        """An artist with its URL relations (social networks, homepage…)."""
        return self._lookup(f"artist/{mbid}", "artist", ARTIST_INCLUDES)
