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
from producer_discovery.identification.release_tracks import match_release_track, release_tracks
from producer_discovery.identification.track import SourceAnswer, TrackIsrc, TrackToIdentify

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


class MusicBrainzSource:
    """Credits of one song, through its artist's plan (identification/musicbrainz_plan.py):
    the album's release when it holds the song (a release of the artist's browsed listing,
    read from the response cache, or one looked up for an album of two songs or more), else
    the recordings planned for the song (the listing, ISRC or verified title), read from the
    document the plan chose. Spotify is asked for the song's ISRC only when neither its
    album's release nor the listing places it."""

    def __init__(self, client: MusicBrainzClient, planner: MusicBrainzPlanner) -> None:
        self.client = client
        self.planner = planner

    def credits(self, track: TrackToIdentify, isrc: TrackIsrc) -> SourceAnswer:
        album = self.planner.album_release(track)
        release_id = album.get("release")
        if release_id and (album.get("listed") or track.album_songs >= ALBUM_LOOKUP_MINIMUM_SONGS):
            release = self.client.release(str(release_id))  # a listed one: from the cache
            recording = self.release_recording(release, track, isrc) if release else None
            if release is not None and recording is not None:
                credits = musicbrainz_release_track_credits(release).get(recording["id"], [])
                note = {"release": release["id"], "recording": recording["id"]}
                return SourceAnswer(credits, note)
        return self.recording_credits(track, isrc)

    def release_recording(
        self, release: dict[str, Any], track: TrackToIdentify, isrc: TrackIsrc
    ) -> dict[str, Any] | None:
        """The track's recording on the release: by its stored ISRC, else by title. Spotify
        is not asked for the ISRC here: the song plan (the listing, then searches) asks it
        only for the songs nothing else places."""
        return match_release_track(release, track.title, isrc.known)

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
