"""Producer credits from MusicBrainz relations (`inc=artist-rels`, CC0 data).

A producer credit is an artist relation of type "producer": on a recording
(type-id `5c0ceac3-…`) or on a whole release (type-id `8bf377ba-…`). There is no separate
co-producer type; the kind of production is in `attributes` (`co`, `additional`,
`assistant`, `associate`, `executive`). Engineers, mixers, performers and writers are other
relation types and never become credits.

The name shown is `target-credit` (the name as credited on that recording) when it is not
empty, else the artist's name; the artist's own name is what gets matched across sources.
Recording-level relations are trusted more than release-level ones, which say nothing about
which track a person produced.

Queries (1 request a second: the scarcest budget):

    when ≥ 2 songs are identified through one album: the release    2 an album
    found by barcode (the album's UPC), else by title and artist,
    looked up once with every track's recording relations
    otherwise, or when the release does not hold the track:         2 a track
    ISRC → recordings → recording lookup (no ISRC: title search)

A release is verified by barcode or by title and artist, a recording by title and artist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.identification.credits import (
    PRODUCER,
    Credit,
    production_role,
    unique_credits,
)
from producer_discovery.identification.track import (
    SourceAnswer,
    TrackIsrc,
    TrackToIdentify,
    same_artist,
    search_title,
)
from producer_discovery.text import comparable_title

RECORDING_PRODUCER_TYPE_ID = "5c0ceac3-feb4-41f0-868d-dc06f6e27fc0"
RELEASE_PRODUCER_TYPE_ID = "8bf377ba-8d71-4ecc-97f2-7bb2d8a2a75f"
PRODUCER_TYPE_IDS = frozenset({RECORDING_PRODUCER_TYPE_ID, RELEASE_PRODUCER_TYPE_ID})
RECORDING_CONFIDENCE = 0.80
RELEASE_CONFIDENCE = 0.60
ALBUM_LOOKUP_MINIMUM_SONGS = 2  # one release lookup (2 requests) beats 2 requests per track
MINIMUM_SEARCH_SCORE = 90
MAXIMUM_RECORDINGS = 2


def is_producer_relation(relation: dict[str, Any]) -> bool:
    """True for an artist relation of the producer type (recording or release level)."""
    if relation.get("target-type") != "artist" or not relation.get("artist"):
        return False
    return relation.get("type") == "producer" or relation.get("type-id") in PRODUCER_TYPE_IDS


def relation_credit(relation: dict[str, Any], confidence: float) -> Credit | None:
    """The credit of one producer relation, or None for any other relation."""
    if not is_producer_relation(relation):
        return None
    artist = relation["artist"]
    artist_name = (artist.get("name") or "").strip()
    credited_name = (relation.get("target-credit") or "").strip() or artist_name
    if not credited_name:
        return None
    attributes = [str(attribute) for attribute in relation.get("attributes") or []]
    return Credit.create(
        name=credited_name,
        identity_name=artist_name or credited_name,
        role=production_role(PRODUCER, attributes) or PRODUCER,
        source="musicbrainz",
        source_id=artist.get("id"),
        role_label=relation.get("type") or "producer",
        attributes=attributes,
        confidence=confidence,
    )


def relation_credits(relations: Iterable[dict[str, Any]], confidence: float) -> list[Credit]:
    """Credits of every producer relation in a list of relations."""
    credits = (relation_credit(relation, confidence) for relation in relations)
    return [credit for credit in credits if credit is not None]


def musicbrainz_recording_credits(recording: dict[str, Any]) -> list[Credit]:
    """Production credits of a recording looked up with `inc=artist-rels`."""
    return unique_credits(relation_credits(recording.get("relations") or [], RECORDING_CONFIDENCE))


def release_tracks(release: dict[str, Any]) -> list[dict[str, Any]]:
    """Every track of every medium of a release looked up with `inc=recordings`."""
    return [
        track
        for medium in release.get("media") or []
        for track in (medium.get("tracks") or []) + (medium.get("data-tracks") or [])
        if track.get("recording")
    ]


def musicbrainz_release_track_credits(release: dict[str, Any]) -> dict[str, list[Credit]]:
    """Credits per recording id of a release looked up with
    `inc=recordings+recording-level-rels+artist-rels`.

    Each track gets its recording's producers (confidence 0.8) plus the release's own
    producer relations (confidence 0.6), which apply to every track.
    """
    release_credits = relation_credits(release.get("relations") or [], RELEASE_CONFIDENCE)
    credits_by_recording: dict[str, list[Credit]] = {}
    for track in release_tracks(release):
        recording = track["recording"]
        recording_credits = musicbrainz_recording_credits(recording)
        credits_by_recording[recording["id"]] = unique_credits(recording_credits + release_credits)
    return credits_by_recording


def comparable_track_titles(track: dict[str, Any]) -> set[str]:
    """The track's title and its recording's title, both reduced for matching."""
    titles = (track.get("title"), track["recording"].get("title"))
    return {comparable_title(title) for title in titles if title}


def match_release_track(
    release: dict[str, Any], title: str, isrc: str | None = None
) -> dict[str, Any] | None:
    """The recording of a release that is a given track: by ISRC first (the recording's
    `isrcs`, present with `inc=isrcs`), then by title after removing decorations. A title
    shared by two different recordings of the release is ambiguous and matches nothing."""
    tracks = release_tracks(release)
    recordings: list[dict[str, Any]] = [track["recording"] for track in tracks]
    if isrc:
        wanted_isrc = isrc.strip().upper()
        for recording in recordings:
            if wanted_isrc in {code.upper() for code in recording.get("isrcs") or []}:
                return recording
    wanted_title = comparable_title(title)
    matches = {
        recording["id"]: recording
        for track, recording in zip(tracks, recordings, strict=True)
        if wanted_title and wanted_title in comparable_track_titles(track)
    }
    return next(iter(matches.values())) if len(matches) == 1 else None


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
        return next((r for r in releases
                     if str(r.get("barcode") or "").strip().lstrip("0") == wanted), None)

    def release_by_title(self, track: TrackToIdentify) -> dict[str, Any] | None:
        releases = self.client.search_releases(search_title(track.album_title), track.artist_name)
        matching = verified_hits(releases, track.album_title, track)
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
        found = self.client.search_recordings(search_title(track.title), track.artist_name)
        return verified_hits(found, track.title, track)[:1]


def verified_hits(
    hits: list[dict[str, Any]], title: str, track: TrackToIdentify
) -> list[dict[str, Any]]:
    """The search hits (releases or recordings) that are `title` by one of the track's artists,
    with a score MusicBrainz itself is sure of; in the service's order."""
    wanted = comparable_title(title)
    return [
        hit
        for hit in hits
        if comparable_title(hit.get("title") or "") == wanted
        and hit.get("score", 100) >= MINIMUM_SEARCH_SCORE
        and credited_artists_match(hit, track.artist_names)
    ]


def credited_artists_match(entity: dict[str, Any], wanted: tuple[str, ...]) -> bool:
    """Whether one of a MusicBrainz release's or recording's credited artists is the track's."""
    for credit in entity.get("artist-credit") or []:
        names = (credit.get("name") or "", (credit.get("artist") or {}).get("name") or "")
        if any(same_artist(name, wanted) for name in names if name):
            return True
    return False
