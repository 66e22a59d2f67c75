"""The fictional Spotify catalogue behind `SpotifySandbox`: loading, search, Spotify JSON.

The file (`data/spotify_catalogue.json`) documents its own layout in its `_about` key. This
module turns it into frozen records, answers the two questions that need more than a
dictionary lookup (which albums an artist's discography lists, with their `album_group`, and
what a search query finds, in which order), and renders records as Spotify JSON
(`SpotifyJson`).

Search relevance: every free-text word must match a word of the item (exactly = 1.0, as a
prefix = 0.9, with one typo = 0.8 for words of four letters or more); items are ordered by
the mean match quality, then by popularity. So "Nova Reyes" finds the more popular
"Nova Reyes Tribute" first, like the real service favours popular near-matches.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from rapidfuzz.distance import Levenshtein

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "spotify_catalogue.json"
GROUP_ORDER = ("album", "single", "compilation", "appears_on")
SEARCH_TYPES = ("artist", "album", "track")
EMBEDDED_TRACKS = 50
MARKETS = ["DE", "GB", "JP", "US"]
COPY_MARKET = "JP"  # where an album's market copy is sold (see Catalogue)
_FILTER = re.compile(
    r'(?P<key>artist|track|album|year|isrc|genre|upc):(?:"(?P<quoted>[^"]*)"|(?P<bare>\S+))'
)
_TEXT_FILTERS = ("artist", "track", "album")


@dataclass(frozen=True)
class CatalogueArtist:
    id: str
    name: str
    genres: tuple[str, ...]
    popularity: int
    followers: int
    images: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class CatalogueTrack:
    id: str
    name: str
    album_id: str
    artist_ids: tuple[str, ...]
    disc_number: int
    track_number: int
    duration_ms: int
    explicit: bool
    isrc: str
    popularity: int


@dataclass(frozen=True)
class CatalogueAlbum:
    id: str
    name: str
    album_type: str
    artist_ids: tuple[str, ...]
    release_date: str
    release_date_precision: str
    label: str
    upc: str
    popularity: int
    copyright: str
    images: tuple[dict[str, Any], ...]
    tracks: tuple[CatalogueTrack, ...]

    @property
    def year(self) -> int:
        return int(self.release_date[:4])


CatalogueItem = CatalogueArtist | CatalogueAlbum | CatalogueTrack


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...]
    filters: dict[str, str] = field(default_factory=dict)


def copy_id(spotify_id: str) -> str:
    """The id of a market copy of an album or track: the original's, reversed."""
    return spotify_id[::-1]


def market_copy(album: CatalogueAlbum) -> CatalogueAlbum:
    """The album's copy for COPY_MARKET: other album and track ids, the same content."""
    tracks = tuple(
        replace(track, id=copy_id(track.id), album_id=copy_id(album.id)) for track in album.tracks
    )
    return replace(album, id=copy_id(album.id), tracks=tracks)


def words_of(text: str) -> list[str]:
    """Lower-case words without accents, as the search index sees them."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return re.findall(r"[^\W_]+", plain)


def parse_query(text: str) -> SearchQuery:
    """Split `q` into free-text words and `field:value` / `field:"two words"` filters."""
    filters = {
        match["key"]: match["quoted"] if match["quoted"] is not None else match["bare"]
        for match in _FILTER.finditer(text)
    }
    return SearchQuery(tuple(words_of(_FILTER.sub(" ", text))), filters)


def word_quality(wanted: str, available: list[str]) -> float:
    if wanted in available:
        return 1.0
    if any(word.startswith(wanted) for word in available):
        return 0.9
    if len(wanted) >= 4 and any(Levenshtein.distance(wanted, word) <= 1 for word in available):
        return 0.8
    return 0.0


def text_quality(wanted: tuple[str, ...] | list[str], available: list[str]) -> float:
    """Mean quality of every wanted word; 0 when one of them is missing."""
    if not wanted:
        return 1.0
    qualities = [word_quality(word, available) for word in wanted]
    return 0.0 if min(qualities) == 0.0 else sum(qualities) / len(qualities)


def year_matches(wanted: str, years: list[int]) -> bool:
    low, _, high = wanted.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return False
    return any(int(low) <= year <= int(high or low) for year in years)


class Catalogue:
    """Artists, albums and tracks by id, loaded from the JSON sample catalogue.

    Market copies: as on Spotify, an album (album_type "album") also exists as a second copy
    under other album and track ids (the same names and ISRCs), sold in COPY_MARKET only; the
    original is sold everywhere else. An artist's albums listed without a market show both
    copies; with a market, the one sold there. Copies are reachable by id (`album_by_id`,
    `track_by_id`), never found by search.
    """

    def __init__(self, artists: list[CatalogueArtist], albums: list[CatalogueAlbum]) -> None:
        self.artists = {artist.id: artist for artist in artists}
        self.albums = {album.id: album for album in albums}
        self.tracks = {track.id: track for album in albums for track in album.tracks}
        self.copies = {
            copy.id: copy for copy in (market_copy(a) for a in albums if a.album_type == "album")
        }
        self.copy_of = {copy_id(album_id): album_id for album_id in self.albums}
        self.copy_tracks = {
            track.id: track for copy in self.copies.values() for track in copy.tracks
        }

    def album_by_id(self, album_id: str) -> CatalogueAlbum | None:
        return self.albums.get(album_id) or self.copies.get(album_id)

    def track_by_id(self, track_id: str) -> CatalogueTrack | None:
        return self.tracks.get(track_id) or self.copy_tracks.get(track_id)

    def track_album(self, track: CatalogueTrack) -> CatalogueAlbum:
        return self.albums.get(track.album_id) or self.copies[track.album_id]

    @classmethod
    def load(cls, path: Path | str = DEFAULT_CATALOGUE) -> Catalogue:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        artists = [_artist(entry) for entry in data["artists"]]
        albums = [_album(entry) for entry in data["albums"]]
        return cls(artists, albums)

    # Discographies ----------------------------------------------------------------------
    def album_group(self, album: CatalogueAlbum, artist_id: str) -> str | None:
        """How `album` relates to the artist: its album_type, appears_on, or None."""
        if artist_id in album.artist_ids:
            return album.album_type
        if any(artist_id in track.artist_ids for track in album.tracks):
            return "appears_on"
        return None

    def discography(
        self, artist_id: str, groups: set[str], market: str | None = None
    ) -> list[tuple[CatalogueAlbum, str]]:
        """The artist's albums in `groups`, by group then newest first (Spotify's order):
        without a market every market's copy, with one the copy sold there."""
        listed = [(album, self.album_group(album, artist_id)) for album in self.albums.values()]
        chosen = [(album, group) for album, group in listed if group in groups]
        copies = [
            (self.copies[copy_id(album.id)], group)
            for album, group in chosen
            if copy_id(album.id) in self.copies
        ]
        if market is None:
            chosen += copies
        elif market == COPY_MARKET:
            sold = {album.id for album, _ in copies}
            chosen = copies + [(a, g) for a, g in chosen if copy_id(a.id) not in sold]
        chosen.sort(key=lambda pair: pair[0].release_date, reverse=True)
        chosen.sort(key=lambda pair: GROUP_ORDER.index(pair[1]))
        return chosen

    def artist_names(self, artist_ids: tuple[str, ...]) -> list[str]:
        return [self.artists[artist_id].name for artist_id in artist_ids]

    def genres_of(self, artist_ids: tuple[str, ...]) -> list[str]:
        return [genre for artist_id in artist_ids for genre in self.artists[artist_id].genres]

    # Search -----------------------------------------------------------------------------
    def search(self, kind: str, query: SearchQuery) -> list[CatalogueItem]:
        """Items of `kind` (artist, album, track) matching `query`, most relevant first."""
        candidates: dict[str, Iterable[CatalogueItem]] = {
            "artist": self.artists.values(),
            "album": self.albums.values(),
            "track": self.tracks.values(),
        }
        scored = []
        for item in candidates[kind]:
            quality = self._quality(query, self._fields(item))
            if quality > 0:
                scored.append((round(quality, 3), item))
        scored.sort(key=lambda entry: (-entry[0], -entry[1].popularity, entry[1].name, entry[1].id))
        return [item for _, item in scored]

    def _fields(self, item: CatalogueItem) -> dict[str, list[str]]:
        """What each search filter (and free text, under "text") is matched against."""
        if isinstance(item, CatalogueArtist):
            years = [album.year for album in self.albums.values() if item.id in album.artist_ids]
            return {
                "text": [item.name],
                "artist": [item.name],
                "genre": list(item.genres),
                "year": [str(year) for year in years],
            }
        if isinstance(item, CatalogueAlbum):
            names = self.artist_names(item.artist_ids)
            return {
                "text": [item.name, *names],
                "artist": names,
                "album": [item.name],
                "year": [str(item.year)],
                "upc": [item.upc],
            }
        album = self.albums[item.album_id]
        names = self.artist_names(item.artist_ids)
        return {
            "text": [item.name, *names, album.name],
            "artist": names,
            "track": [item.name],
            "album": [album.name],
            "year": [str(album.year)],
            "isrc": [item.isrc],
            "genre": self.genres_of(item.artist_ids),
        }

    def _quality(self, query: SearchQuery, fields: dict[str, list[str]]) -> float:
        for key, wanted in query.filters.items():
            if not self._filter_matches(key, wanted, fields.get(key)):
                return 0.0
        text_words = [word for text in fields["text"] for word in words_of(text)]
        return text_quality(query.words, text_words)

    @staticmethod
    def _filter_matches(key: str, wanted: str, values: list[str] | None) -> bool:
        if values is None:
            return False
        if key in _TEXT_FILTERS:
            return any(text_quality(words_of(wanted), words_of(value)) for value in values)
        if key == "year":
            return year_matches(wanted, [int(value) for value in values])
        return wanted.casefold() in (value.casefold() for value in values)


def _artist(entry: dict[str, Any]) -> CatalogueArtist:
    return CatalogueArtist(
        id=entry["id"],
        name=entry["name"],
        genres=tuple(entry["genres"]),
        popularity=entry["popularity"],
        followers=entry["followers"],
        images=tuple(entry["images"]),
    )


def _album(entry: dict[str, Any]) -> CatalogueAlbum:
    tracks = tuple(_track(track, entry["id"]) for track in entry["tracks"])
    return CatalogueAlbum(
        id=entry["id"],
        name=entry["name"],
        album_type=entry["album_type"],
        artist_ids=tuple(entry["artist_ids"]),
        release_date=entry["release_date"],
        release_date_precision=entry["release_date_precision"],
        label=entry["label"],
        upc=entry["upc"],
        popularity=entry["popularity"],
        copyright=entry["copyright"],
        images=tuple(entry["images"]),
        tracks=tracks,
    )


def _track(entry: dict[str, Any], album_id: str) -> CatalogueTrack:
    return CatalogueTrack(
        id=entry["id"],
        name=entry["name"],
        album_id=album_id,
        artist_ids=tuple(entry["artist_ids"]),
        disc_number=entry["disc_number"],
        track_number=entry["track_number"],
        duration_ms=entry["duration_ms"],
        explicit=entry["explicit"],
        isrc=entry["isrc"],
        popularity=entry["popularity"],
    )


class SpotifyJson:
    """Catalogue records as Spotify JSON, for one base URL and one quota mode.

    Development mode leaves out `popularity`, `followers`, `genres`, `label`, `album_group`
    and `available_markets`, and sends `preview_url: null`; extended quota includes them.
    """

    def __init__(self, catalogue: Catalogue, extended_quota: bool, base_url: str) -> None:
        self.catalogue = catalogue
        self.extended_quota = extended_quota
        self.base_url = base_url

    def page(
        self,
        path: str,
        items: list[Any],
        total: int,
        offset: int,
        limit: int,
        extra: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """A paging object with absolute `href`, `next` and `previous` URLs."""

        def link(at: int) -> str:
            query = urlencode({**(extra or {}), "offset": at, "limit": limit}, safe=",:")
            return f"{self.base_url}{path}?{query}"

        return {
            "href": link(offset),
            "items": items,
            "limit": limit,
            "next": link(offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": link(max(0, offset - limit)) if offset > 0 else None,
            "total": total,
        }

    def simple_artist(self, artist: CatalogueArtist) -> dict[str, Any]:
        return {**self._object_base("artist", artist.id), "name": artist.name}

    def artist(self, artist: CatalogueArtist) -> dict[str, Any]:
        rendered = {**self.simple_artist(artist), "images": list(artist.images)}
        if self.extended_quota:
            rendered["followers"] = {"href": None, "total": artist.followers}
            rendered["genres"] = list(artist.genres)
            rendered["popularity"] = artist.popularity
        return rendered

    def simple_album(self, album: CatalogueAlbum, group: str | None = None) -> dict[str, Any]:
        rendered = {
            **self._object_base("album", album.id),
            "album_type": album.album_type,
            "total_tracks": len(album.tracks),
            "images": list(album.images),
            "name": album.name,
            "release_date": album.release_date,
            "release_date_precision": album.release_date_precision,
            "artists": self._artists(album.artist_ids),
        }
        if self.extended_quota:
            rendered["available_markets"] = MARKETS
            if group is not None:
                rendered["album_group"] = group
        return rendered

    def album(self, album: CatalogueAlbum, extra: dict[str, str] | None = None) -> dict[str, Any]:
        """The full album, its first 50 tracks embedded as a paging object (`extra`: the
        query parameters its `next` link keeps, such as the market)."""
        first = [self.simple_track(track) for track in album.tracks[:EMBEDDED_TRACKS]]
        path = f"/v1/albums/{album.id}/tracks"
        rendered = {
            **self.simple_album(album),
            "copyrights": [{"text": album.copyright, "type": "C"}],
            "external_ids": {"upc": album.upc},
            "tracks": self.page(path, first, len(album.tracks), 0, EMBEDDED_TRACKS, extra),
        }
        if self.extended_quota:
            rendered.update(genres=[], label=album.label, popularity=album.popularity)
        return rendered

    def simple_track(self, track: CatalogueTrack) -> dict[str, Any]:
        rendered = {
            **self._object_base("track", track.id),
            "artists": self._artists(track.artist_ids),
            "disc_number": track.disc_number,
            "duration_ms": track.duration_ms,
            "explicit": track.explicit,
            "is_local": False,
            "is_playable": True,
            "name": track.name,
            "preview_url": None,
            "track_number": track.track_number,
        }
        if self.extended_quota:
            rendered["available_markets"] = MARKETS
            rendered["preview_url"] = f"https://previews.sandbox.invalid/{track.id}.mp3"
        return rendered

    def track(self, track: CatalogueTrack) -> dict[str, Any]:
        rendered = {
            **self.simple_track(track),
            "album": self.simple_album(self.catalogue.track_album(track)),
            "external_ids": {"isrc": track.isrc},
        }
        if self.extended_quota:
            rendered["popularity"] = track.popularity
        return rendered

    def _object_base(self, kind: str, identifier: str) -> dict[str, Any]:
        return {
            "external_urls": {"spotify": f"https://open.spotify.com/{kind}/{identifier}"},
            "href": f"{self.base_url}/v1/{kind}s/{identifier}",
            "id": identifier,
            "type": kind,
            "uri": f"spotify:{kind}:{identifier}",
        }

    def _artists(self, artist_ids: tuple[str, ...]) -> list[dict[str, Any]]:
        return [self.simple_artist(self.catalogue.artists[each]) for each in artist_ids]
