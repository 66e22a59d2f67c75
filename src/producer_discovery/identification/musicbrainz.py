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

Queries (1 request a second: the scarcest budget), planned for the whole artist
(musicbrainz_plan.py) and shared through the database:

    when ≥ 2 songs are identified through one album: the album's    1 an album, plus a
    release (planned: barcode, browse or title, many albums a       share of 1-2 searches
    request), looked up once with every track's recording relations   for all the albums
    otherwise, or when the release does not hold the track: the     a share of 1-2 searches
    recordings planned for the song (ISRCs or titles, many songs    for all the songs, and
    a request), read from a release holding several of them or      ≤ 1 lookup a song
    one lookup each

A release is verified by barcode or by title and artist, a recording by ISRC or by title
and artist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.identification.credit_source import Ask, Tools
from producer_discovery.identification.credits import (
    PRODUCER,
    Credit,
    production_role,
    unique_credits,
)
from producer_discovery.identification.musicbrainz_plan import (
    ALBUM_LOOKUP_MINIMUM_SONGS,
    MusicBrainzPlanner,
)
from producer_discovery.identification.track import SourceAnswer, TrackIsrc, TrackToIdentify
from producer_discovery.text import comparable_title

RECORDING_PRODUCER_TYPE_ID = "5c0ceac3-feb4-41f0-868d-dc06f6e27fc0"
RELEASE_PRODUCER_TYPE_ID = "8bf377ba-8d71-4ecc-97f2-7bb2d8a2a75f"
PRODUCER_TYPE_IDS = frozenset({RECORDING_PRODUCER_TYPE_ID, RELEASE_PRODUCER_TYPE_ID})
RECORDING_CONFIDENCE = 0.80
RELEASE_CONFIDENCE = 0.60


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
        source=MusicBrainzClient.api,
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
    """Credits of one song, through its artist's plan (identification/musicbrainz_plan.py):
    the album's release when the album carries two songs or more and holds the song, else
    the recordings planned for the song (ISRC or verified title), read from the document the
    plan chose."""

    def __init__(self, client: MusicBrainzClient, planner: MusicBrainzPlanner) -> None:
        self.client = client
        self.planner = planner

    def credits(self, track: TrackToIdentify, isrc: TrackIsrc) -> SourceAnswer:
        if track.album_songs >= ALBUM_LOOKUP_MINIMUM_SONGS:
            release_id = self.planner.album_release(track)
            release = self.client.release(release_id) if release_id else None
            recording = self.release_recording(release, track, isrc) if release else None
            if release is not None and recording is not None:
                credits = musicbrainz_release_track_credits(release).get(recording["id"], [])
                note = {"release": release["id"], "recording": recording["id"]}
                return SourceAnswer(credits, note)
        return self.recording_credits(track, isrc)

    def release_recording(
        self, release: dict[str, Any], track: TrackToIdentify, isrc: TrackIsrc
    ) -> dict[str, Any] | None:
        """The track's recording on the release: by title (and ISRC when known), then by
        the ISRC asked of Spotify."""
        found = match_release_track(release, track.title, isrc.known)
        if found is None and isrc.known is None and isrc.get():
            found = match_release_track(release, track.title, isrc.get())
        return found

    def recording_credits(self, track: TrackToIdentify, isrc: TrackIsrc) -> SourceAnswer:
        """The planned recordings' own producers (never a release's), each read from the
        release the plan chose when it holds it, else looked up alone."""
        decision = self.planner.song_decision(track, isrc)
        wanted = list(decision.get("recordings") or [])
        holder = self.client.release(decision["release"]) if decision.get("release") else None
        held = {item["recording"]["id"]: item["recording"] for item in release_tracks(holder or {})}
        credits: list[Credit] = []
        used: list[str] = []
        for mbid in wanted:
            recording = held.get(mbid) or self.client.recording(mbid)
            if recording is not None:
                credits.extend(musicbrainz_recording_credits(recording))
                used.append(recording["id"])
        code = decision.get("isrc", isrc.known)
        return SourceAnswer(unique_credits(credits), {"isrc": code, "recordings": used})


def asker(tools: Tools) -> Ask:
    """Its planner shares the artist's plans (identification_plans) under this source's name."""
    client = tools.client(MusicBrainzClient)
    plans = tools.plans(MusicBrainzClient.api)
    return MusicBrainzSource(client, MusicBrainzPlanner(client, plans, tools.spotify)).credits
