"""Genius as a credit source: find the song, verify it, read the song's credits.

    requests   the artist's songs listed once (genius_plan.py)   a share of 1-2 searches
               and matched locally, else a search per song;      and 1 listing page per
               then /songs/{id} once per Genius song             50 songs; 1 a song

Genius search often ranks another song first, so a hit (or a listed song) is used only when
its title and primary artist match the track (`genius_hit_matches`). `producer_artists` are producers
(0.85); a `custom_performances` entry counts when its label is a production role (0.80).
Writers, featured artists, engineers, instruments and labels are never credits here;
`writer_artists` are read apart (`genius_song_other_roles`), kept only as evidence beside a
producer's credit.
"""

from __future__ import annotations

from typing import Any

from producer_discovery.clients.genius import GeniusClient
from producer_discovery.identification.credit_source import Ask, Tools
from producer_discovery.identification.credits import (
    PRODUCER,
    WRITER,
    Credit,
    production_role,
    unique_credits,
)
from producer_discovery.identification.genius_plan import GeniusPlanner
from producer_discovery.identification.track import SourceAnswer, TrackToIdentify
from producer_discovery.text import comparable_title, normalize_name, similarity

GENIUS_PRODUCER_CONFIDENCE = 0.85
GENIUS_PERFORMANCE_CONFIDENCE = 0.80
DEFAULT_HIT_THRESHOLD = 0.85
VARIANT_WORDS = frozenset(
    {
        "remix",
        "rmx",
        "live",
        "acoustic",
        "instrumental",
        "karaoke",
        "cover",
        "tribute",
        "demo",
        "sped",
        "slowed",
        "reverb",
        "nightcore",
        "reprise",
        "unplugged",
        "orchestral",
        "piano",
        "translation",
        "traduccion",
        "traducao",
        "romanized",
    }
)


def genius_artist_credit(
    artist: dict[str, Any], role: str, role_label: str, confidence: float
) -> Credit | None:
    """A credit for one Genius artist object; a team named "X & Y" stays one credit."""
    name = (artist.get("name") or "").strip()
    if not name:
        return None
    return Credit.create(
        name=name,
        role=role,
        source=GeniusClient.api,
        source_id=artist.get("id"),
        role_label=role_label,
        confidence=confidence,
    )


def genius_song_credits(song: dict[str, Any]) -> list[Credit]:
    """Production credits of a Genius song (`response.song` of `GET /songs/{id}`).

    `producer_artists` are producers; a `custom_performances` entry counts when its label
    is a production role (Co-Producer, Additional Production, Vocal Producer, Executive
    Producer…). Writers, featured artists, engineers, instruments and labels are never
    credits here.
    """
    credits: list[Credit] = []
    for artist in song.get("producer_artists") or []:
        credit = genius_artist_credit(artist, PRODUCER, "Producer", GENIUS_PRODUCER_CONFIDENCE)
        if credit:
            credits.append(credit)
    for performance in song.get("custom_performances") or []:
        label = (performance.get("label") or "").strip()
        role = production_role(label)
        if role is None:
            continue
        for artist in performance.get("artists") or []:
            credit = genius_artist_credit(artist, role, label, GENIUS_PERFORMANCE_CONFIDENCE)
            if credit:
                credits.append(credit)
    return unique_credits(credits)


def genius_song_other_roles(song: dict[str, Any]) -> list[Credit]:
    """The song's writers (`writer_artists`) as writer credits: evidence of what Genius says
    about a person another source credits as producer, never a producer credit."""
    credits = [
        genius_artist_credit(artist, WRITER, "Writer", GENIUS_PRODUCER_CONFIDENCE)
        for artist in song.get("writer_artists") or []
    ]
    return unique_credits(credit for credit in credits if credit)


def variant_words(comparable: str) -> list[str]:
    """The variant markers (remix, live, acoustic, tribute…) of a comparable title, sorted,
    repeats kept: "Live Forever (Live)" has two."""
    return sorted(word for word in comparable.split() if word in VARIANT_WORDS)


def genius_hit_artists(song: dict[str, Any]) -> set[str]:
    """Normalized names of a hit's primary artist(s) (`primary_artist`, `primary_artists`)."""
    artists = [song.get("primary_artist") or {}, *(song.get("primary_artists") or [])]
    return {normalize_name(artist["name"]) for artist in artists if artist.get("name")}


def genius_hit_matches(
    hit: dict[str, Any], title: str, artist: str, threshold: float = DEFAULT_HIT_THRESHOLD
) -> float | None:
    """The match score of a Genius search hit for a track, or None when it is another song.

    Genius search often ranks another song first, so a hit is accepted only when:
    - its primary artist is the track's artist once both are normalized (accents, case,
      punctuation and "&"/"and" do not matter, but one letter does: "Nova Reys" is another
      artist than "Nova Reyes", and "Nova Reyes Tribute" another again);
    - its title reaches `threshold` (0–1, order-insensitive) against the track's title, both
      without decorations ("feat.", "Remaster", "Prod. by");
    - it carries the same variant markers: a "(Remix)", "Live", "Acoustic" or tribute
      version is another recording.
    The score returned is the title similarity.
    """
    song = hit.get("result", hit)
    if hit.get("type", "song") != "song" or not song.get("id"):
        return None
    if normalize_name(artist) not in genius_hit_artists(song):
        return None
    hit_title = comparable_title(song.get("title") or "")
    track_title = comparable_title(title)
    if variant_words(hit_title) != variant_words(track_title):
        return None
    score = similarity(hit_title, track_title)
    return score if score >= threshold else None


class GeniusSource:
    def __init__(self, client: GeniusClient, planner: GeniusPlanner) -> None:
        self.client = client
        self.planner = planner

    def credits(self, track: TrackToIdentify) -> SourceAnswer:
        song_id = self.planner.song_id(track)
        if song_id is None:
            return SourceAnswer(note={"song": None})
        song = self.client.song(song_id)
        credits = [*genius_song_credits(song), *genius_song_other_roles(song)] if song else []
        return SourceAnswer(credits, {"song": song_id})


def asker(tools: Tools) -> Ask:
    """Its planner shares the artist's plans (identification_plans) under this source's name."""
    client = tools.client(GeniusClient)
    planner = GeniusPlanner(client, tools.plans(GeniusClient.api), genius_hit_matches)
    source = GeniusSource(client, planner)
    return lambda track, isrc: source.credits(track)
