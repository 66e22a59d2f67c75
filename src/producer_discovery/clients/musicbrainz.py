"""MusicBrainz web service client: recordings, releases and artists with their relations.

    recordings_by_isrc(isrc)          GET /isrc/{isrc}                 → recordings
    recording(mbid)                   GET /recording/{mbid}            inc=artist-rels+…
    search_recordings(title, artist)  GET /recording?query=recording:"…" AND artist:"…"
    releases_by_barcode(upc)          GET /release?query=barcode:(… OR … OR …): every
                                      written form of the product code (see barcode_variants)
    search_releases(title, artist)    GET /release?query=release:"…" AND artist:"…"
    release(mbid)                     GET /release/{mbid}              inc=recordings+
                                      recording-level-rels+artist-rels+isrcs+artist-credits:
                                      every track's producers in one request
    artist(mbid)                      GET /artist/{mbid}               inc=url-rels+aliases

No key; the User-Agent from Settings ("App/Version ( contact )") is mandatory, and every
request asks for JSON (`fmt=json`). The service allows one request per second per IP and
answers 503 beyond it: the shared limiter must be set to that rate, and a 503 is transient.
An unknown ISRC or MBID reads as "nothing" ([] or None).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from producer_discovery.clients.cache import CachingClient, JsonDocument
from producer_discovery.errors import ConfigurationError
from producer_discovery.settings import PROJECT_URL, Settings

RECORDING_INCLUDES = "artist-rels+artist-credits+isrcs"
RELEASE_INCLUDES = "recordings+recording-level-rels+artist-rels+isrcs+artist-credits"
ARTIST_INCLUDES = "url-rels+aliases"  # aliases come only when asked for


def phrase(text: str) -> str:
    """A Lucene phrase: the text in double quotes, with quotes and backslashes escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


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
        host = (urlsplit(settings.musicbrainz_api_url).hostname or "").casefold()
        contact = settings.musicbrainz_contact.strip()
        if (host == "musicbrainz.org" or host.endswith(".musicbrainz.org")) and (
            not contact or contact == PROJECT_URL
        ):
            raise ConfigurationError(
                "MusicBrainz requires a real contact in the User-Agent: set MUSICBRAINZ_CONTACT "
                "to your e-mail address or your application's URL."
            )
        super().__init__(settings, **options)

    @classmethod
    def base_url_of(cls, settings: Settings) -> str:
        return settings.musicbrainz_api_url

    shapes = {
        "isrc": ((("recordings",), list),),
        "recording": ((("id",), str),),
        "release": ((("id",), str),),
        "artist": ((("id",), str),),
        "recording-search": ((("recordings",), list),),
        "release-search": ((("releases",), list),),
    }

    def _lookup(self, path: str, endpoint: str, includes: str | None = None) -> JsonDocument | None:
        params = {"fmt": "json", "inc": includes} if includes else {"fmt": "json"}
        return self.fetch(path, endpoint=endpoint, params=params)

    def _search(self, entity: str, query: str) -> list[JsonDocument]:
        params = {"fmt": "json", "query": query}
        document = self.fetch(entity, endpoint=f"{entity}-search", params=params)
        return [item for item in document[f"{entity}s"] if isinstance(item, dict)] if document else []

    def recordings_by_isrc(self, isrc: str) -> list[JsonDocument]:
        """The recordings that carry an ISRC (usually one); [] when MusicBrainz has none."""
        document = self._lookup(f"isrc/{isrc.strip().upper()}", "isrc")
        return [item for item in document["recordings"] if isinstance(item, dict)] if document else []

    def recording(self, mbid: str) -> JsonDocument | None:
        """A recording with its artist relations (producers, engineers…), credits and ISRCs."""
        return self._lookup(f"recording/{mbid}", "recording", RECORDING_INCLUDES)

    def search_recordings(self, title: str, artist: str) -> list[JsonDocument]:
        """Recordings matching a title and an artist, best score first."""
        return self._search("recording", f"recording:{phrase(title)} AND artist:{phrase(artist)}")

    def releases_by_barcode(self, upc: str) -> list[JsonDocument]:
        """Releases with a barcode (the Spotify album's UPC)."""
        variants = barcode_variants(upc)
        if not variants:
            return []
        return self._search("release", "barcode:({})".format(" OR ".join(map(phrase, variants))))

    def search_releases(self, title: str, artist: str) -> list[JsonDocument]:
        """Releases matching a title and an artist, best score first."""
        return self._search("release", f"release:{phrase(title)} AND artist:{phrase(artist)}")

    def release(self, mbid: str) -> JsonDocument | None:
        """A release with every track's recording, its ISRCs and its relations, and the
        release's own relations."""
        return self._lookup(f"release/{mbid}", "release", RELEASE_INCLUDES)

    def artist(self, mbid: str) -> JsonDocument | None:
        """An artist with its URL relations (social networks, homepage…)."""
        return self._lookup(f"artist/{mbid}", "artist", ARTIST_INCLUDES)
