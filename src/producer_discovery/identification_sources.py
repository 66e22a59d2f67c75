"""The credit sources of producer identification, each asked as economically as its API allows.

    source       requests                                                        cost
    Genius       search "<title> <artist>" → a verified hit → /songs/{id}        2 a track
    MusicBrainz  when ≥ 2 songs are identified through one album: the release    2 an album
                 found by barcode (the album's UPC), else by title and artist,
                 looked up once with every track's recording relations
                 otherwise, or when the release does not hold the track:         2 a track
                 ISRC → recordings → recording lookup (no ISRC: title search)
    Discogs      release search by artist and album title → release lookup      2 an album
                 the track not on it: search by artist and track title           +1 a track
    Title        "(Prod. by …)" in the Spotify title                             none

Every response goes through the shared cache (`response_cache`), so "an album" is paid once
per album whichever track, process or re-run asks first. Hits are verified before use: a
Genius hit by title and primary artist (`credits.genius_hit_matches`), a MusicBrainz release
by barcode or by title and artist, a recording by title and artist, a Discogs release by its
artist and by holding the track. Each source returns its credits and a `note` saying what it
used, kept in the outcome metadata so any credit can be traced to its document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.credits import (
    Credit,
    genius_hit_matches,
    genius_song_credits,
    unique_credits,
)
from producer_discovery.credits_discogs import (
    discogs_release_credits,
    find_track,
    flatten_tracklist,
)
from producer_discovery.credits_musicbrainz import (
    match_release_track,
    musicbrainz_recording_credits,
    musicbrainz_release_track_credits,
)
from producer_discovery.errors import NotFound
from producer_discovery.names import comparable_title, fold_text, normalise_name
from producer_discovery.titles import strip_markers

ALBUM_LOOKUP_MINIMUM_SONGS = 2  # one release lookup (2 requests) beats 2 requests per track
MINIMUM_SEARCH_SCORE = 90
MAXIMUM_RECORDINGS = 2
MAXIMUM_DISCOGS_RELEASES = 3
ISRC_FORMAT = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
ARTIST_SEPARATORS = re.compile(r"\s*(?:&|,|\bfeat\.?|\bwith\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class TrackToIdentify:
    """One normalised song, through its representative Spotify track and that track's album."""

    track_id: str
    title: str
    spotify_id: str | None
    artist_names: tuple[str, ...]  # the track's primary artist first, then the song's artist
    album_title: str
    upc: str | None
    album_track_count: int | None
    album_songs: int  # songs identified through this album (their representative is on it)
    isrc: str | None = None

    @property
    def artist_name(self) -> str:
        return self.artist_names[0]


@dataclass
class SourceAnswer:
    """What one source credited on one track, and which documents it used."""

    credits: list[Credit] = field(default_factory=list)
    note: dict[str, Any] = field(default_factory=dict)


class TrackIsrc:
    """The track's ISRC: stored in its metadata, else asked of Spotify once, when needed."""

    def __init__(self, track: TrackToIdentify, spotify: SpotifyClient | None) -> None:
        self.track = track
        self.spotify = spotify
        self.fetched = False
        self.code = valid_isrc(track.isrc)

    @property
    def known(self) -> str | None:
        return self.code

    def get(self) -> str | None:
        if self.code is None and not self.fetched and self.spotify and self.track.spotify_id:
            self.fetched = True
            try:
                self.code = valid_isrc(self.spotify.get_track(self.track.spotify_id).isrc)
            except NotFound:
                self.code = None
        return self.code


def valid_isrc(code: str | None) -> str | None:
    """The ISRC upper-cased, or None when it is missing or malformed."""
    cleaned = (code or "").strip().upper().replace("-", "")
    return cleaned if ISRC_FORMAT.match(cleaned) else None


def search_title(title: str) -> str:
    """A title without feature, producer, remaster and edition markers, for search queries."""
    return strip_markers(title) or title


def same_artist(name: str, wanted: tuple[str, ...]) -> bool:
    """Whether a provider's artist name is one of the track's artists, normalised."""
    key = normalise_name(name)
    return bool(key) and key in {normalise_name(artist) for artist in wanted}


# Genius ------------------------------------------------------------------------------------
class GeniusSource:
    name = "genius"

    def __init__(self, client: GeniusClient) -> None:
        self.client = client

    def credits(self, track: TrackToIdentify) -> SourceAnswer:
        song_id = self.verified_song_id(track)
        if song_id is None:
            return SourceAnswer(note={"song": None})
        song = self.client.song(song_id)
        credits = genius_song_credits(song) if song else []
        return SourceAnswer(credits, {"song": song_id})

    def verified_song_id(self, track: TrackToIdentify) -> int | None:
        """The best search hit whose title and primary artist match the track."""
        hits = self.client.search(f"{search_title(track.title)} {track.artist_name}")
        best: tuple[float, int] | None = None
        for hit in hits:
            scores = [genius_hit_matches(hit, track.title, artist) for artist in track.artist_names]
            score = max((s for s in scores if s is not None), default=None)
            if score is not None and (best is None or score > best[0]):
                best = (score, int(hit["id"]))
        return best[1] if best else None


# MusicBrainz -------------------------------------------------------------------------------
class MusicBrainzSource:
    name = "musicbrainz"

    def __init__(self, client: MusicBrainzClient) -> None:
        self.client = client

    def credits(self, track: TrackToIdentify, isrc: TrackIsrc) -> SourceAnswer:
        if track.album_songs >= ALBUM_LOOKUP_MINIMUM_SONGS:
            release = self.album_release(track)
            recording = self.release_recording(release, track, isrc) if release else None
            if release is not None and recording is not None:
                credits = musicbrainz_release_track_credits(release).get(recording["id"], [])
                note = {"release": release["id"], "recording": recording["id"]}
                return SourceAnswer(credits, note)
        return self.recording_credits(track, isrc)

    # Album level -----------------------------------------------------------------------
    def album_release(self, track: TrackToIdentify) -> dict[str, Any] | None:
        """The album's release with every track's relations: by barcode, else by title."""
        summary = self.release_by_barcode(track) or self.release_by_title(track)
        return self.client.release(summary["id"]) if summary else None

    def release_by_barcode(self, track: TrackToIdentify) -> dict[str, Any] | None:
        if not track.upc:
            return None
        wanted = track.upc.strip().lstrip("0")
        releases = self.client.releases_by_barcode(track.upc)
        return next((r for r in releases if (r.get("barcode") or "").lstrip("0") == wanted), None)

    def release_by_title(self, track: TrackToIdentify) -> dict[str, Any] | None:
        title = comparable_title(track.album_title)
        releases = self.client.search_releases(search_title(track.album_title), track.artist_name)
        matching = [
            release
            for release in releases
            if comparable_title(release.get("title") or "") == title
            and release.get("score", 100) >= MINIMUM_SEARCH_SCORE
            and credited_artists_match(release, track.artist_names)
        ]
        matching.sort(key=lambda release: release.get("track-count") != track.album_track_count)
        return matching[0] if matching else None

    def release_recording(
        self, release: dict[str, Any], track: TrackToIdentify, isrc: TrackIsrc
    ) -> dict[str, Any] | None:
        """The track's recording on the release: by title (and ISRC when known), then by
        the ISRC asked of Spotify."""
        found = match_release_track(release, track.title, isrc.known)
        if found is None and isrc.known is None and isrc.get():
            found = match_release_track(release, track.title, isrc.get())
        return found

    # Track level -----------------------------------------------------------------------
    def recording_credits(self, track: TrackToIdentify, isrc: TrackIsrc) -> SourceAnswer:
        code = isrc.get()
        summaries = self.client.recordings_by_isrc(code) if code else []
        if not summaries:
            summaries = self.searched_recordings(track)
        credits: list[Credit] = []
        used: list[str] = []
        for summary in summaries[:MAXIMUM_RECORDINGS]:
            recording = self.client.recording(summary["id"])
            if recording is not None:
                credits.extend(musicbrainz_recording_credits(recording))
                used.append(recording["id"])
        return SourceAnswer(unique_credits(credits), {"isrc": code, "recordings": used})

    def searched_recordings(self, track: TrackToIdentify) -> list[dict[str, Any]]:
        """The best recording found by title and artist, when it is that song."""
        title = comparable_title(track.title)
        found = self.client.search_recordings(search_title(track.title), track.artist_name)
        verified = [
            recording
            for recording in found
            if comparable_title(recording.get("title") or "") == title
            and recording.get("score", 100) >= MINIMUM_SEARCH_SCORE
            and credited_artists_match(recording, track.artist_names)
        ]
        return verified[:1]


def credited_artists_match(entity: dict[str, Any], wanted: tuple[str, ...]) -> bool:
    """Whether one of a MusicBrainz release's or recording's credited artists is the track's."""
    for credit in entity.get("artist-credit") or []:
        names = (credit.get("name") or "", (credit.get("artist") or {}).get("name") or "")
        if any(same_artist(name, wanted) for name in names if name):
            return True
    return False


# Discogs -----------------------------------------------------------------------------------
class DiscogsSource:
    name = "discogs"

    def __init__(self, client: DiscogsClient) -> None:
        self.client = client

    def credits(self, track: TrackToIdentify) -> SourceAnswer:
        release = self.release_with_track(track)
        if release is None:
            return SourceAnswer(note={"release": None})
        return SourceAnswer(
            discogs_release_credits(release, track.title), {"release": release["id"]}
        )

    def release_with_track(self, track: TrackToIdentify) -> dict[str, Any] | None:
        """The first candidate release (the album's, then others holding the title) on which
        the track is found."""
        tried: set[int] = set()
        for release_id in self.candidate_ids(track):
            if release_id in tried:
                continue
            if len(tried) >= MAXIMUM_DISCOGS_RELEASES:
                break
            tried.add(release_id)
            release = self.client.release(release_id)
            if release and find_track(flatten_tracklist(release), track.title, None):
                return release
        return None

    def candidate_ids(self, track: TrackToIdentify) -> Iterator[int]:
        """The album's release first (exact title before edition variants), then, searched
        only when needed, the artist's releases that hold a track of this title."""
        album_hits = self.artist_hits(track, track.album_title)
        wanted = comparable_title(track.album_title)
        same_album = [hit for hit in album_hits if comparable_title(hit_title(hit)) == wanted]
        same_album.sort(key=lambda hit: fold_text(hit_title(hit)) != fold_text(track.album_title))
        yield from (int(hit["id"]) for hit in same_album)
        yield from (int(hit["id"]) for hit in self.artist_hits(track, track.title))

    def artist_hits(self, track: TrackToIdentify, title: str) -> list[dict[str, Any]]:
        hits = self.client.search_releases(track.artist_name, search_title(title))
        return [hit for hit in hits if hit_artist_matches(hit, track.artist_names)]


def hit_title(hit: dict[str, Any]) -> str:
    """The release title of a Discogs search result ("Artist - Title")."""
    return str(hit.get("title") or "").partition(" - ")[2]


def hit_artist_matches(hit: dict[str, Any], wanted: tuple[str, ...]) -> bool:
    """Whether the artist part of a Discogs result title is (or lists) the track's artist."""
    artist_part = str(hit.get("title") or "").partition(" - ")[0]
    names = [artist_part, *ARTIST_SEPARATORS.split(artist_part)]
    return any(same_artist(name, wanted) for name in names if name.strip())
