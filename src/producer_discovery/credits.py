"""Producer credits read from the providers' JSON, one `Credit` per person and role.

The extractors take the documented JSON exactly as the APIs return it (plain dicts) and
never call anything. This module holds the credit model, the role vocabulary shared by every
source, Genius and the "(Prod. by …)" title hint; MusicBrainz, Discogs and the fusion of
several sources into one producer live in `credits_musicbrainz`, `credits_discogs` and
`credits_fusion`.

Roles. A role label ("Co-Producer", "Additional Production", "Producer [Additional]",
"Executive-Producer", a MusicBrainz attribute list) maps to one of `PRODUCTION_ROLES`, or to
nothing when it is not a production credit (engineers, mixers, instruments, writers, labels,
"Production Coordinator"). Executive producers are kept as credits but never count as
producers.

Confidence is per source and says how likely the credit is right, whatever the role:

    Genius producer_artists                     0.85
    Genius custom_performances (production)     0.80
    MusicBrainz recording relation              0.80
    Discogs track credit / targeted release     0.75
    MusicBrainz release relation (every track)  0.60
    Discogs release credit (every track)        0.60
    "(Prod. by …)" in the title                 0.40
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from producer_discovery.names import comparable_title, normalise_name

SOURCES = ("genius", "musicbrainz", "discogs", "title")  # most trusted first

PRODUCER = "producer"
CO_PRODUCER = "co-producer"
ADDITIONAL_PRODUCER = "additional producer"
ASSISTANT_PRODUCER = "assistant producer"
ASSOCIATE_PRODUCER = "associate producer"
VOCAL_PRODUCER = "vocal producer"
EXECUTIVE_PRODUCER = "executive producer"
PRODUCTION_ROLES = (
    PRODUCER,
    CO_PRODUCER,
    ADDITIONAL_PRODUCER,
    ASSISTANT_PRODUCER,
    ASSOCIATE_PRODUCER,
    VOCAL_PRODUCER,
    EXECUTIVE_PRODUCER,
)
ROLE_OF_QUALIFIER = {
    "co": CO_PRODUCER,
    "additional": ADDITIONAL_PRODUCER,
    "assistant": ASSISTANT_PRODUCER,
    "associate": ASSOCIATE_PRODUCER,
    "vocal": VOCAL_PRODUCER,
    "vocals": VOCAL_PRODUCER,
    "executive": EXECUTIVE_PRODUCER,
}
PRODUCTION_HEADS = frozenset({"producer", "producers", "production", "produced"})
NEUTRAL_QUALIFIERS = frozenset({"music", "beat", "beats", "track", "record", "lead", "main"})
FUSED_CO_PREFIX = re.compile(r"^co(produc\w*)$")
LABEL_WORD = re.compile(r"[^\W_]+")

GENIUS_PRODUCER_CONFIDENCE = 0.85
GENIUS_PERFORMANCE_CONFIDENCE = 0.80
TITLE_CONFIDENCE = 0.40
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


@dataclass(frozen=True)
class Credit:
    """One person credited with one role on one track by one source."""

    name: str  # as credited (Discogs: the release's name variation)
    normalised_name: str
    role: str  # one of PRODUCTION_ROLES
    counts_as_producer: bool  # False for executive producers
    source: str  # genius | musicbrainz | discogs | title
    source_id: str | None  # Genius artist id, MBID, Discogs artist id; None for titles
    role_label: str  # the label as the source wrote it
    attributes: tuple[str, ...] = ()
    confidence: float = 0.0

    @classmethod
    def create(
        cls,
        *,
        name: str,
        role: str,
        source: str,
        source_id: object | None,
        role_label: str,
        confidence: float,
        attributes: Iterable[str] = (),
        identity_name: str | None = None,
    ) -> Credit:
        """Build a credit; `identity_name` (default: `name`) is what gets normalised."""
        return cls(
            name=name.strip(),
            normalised_name=normalise_name(identity_name or name),
            role=role,
            counts_as_producer=role != EXECUTIVE_PRODUCER,
            source=source,
            source_id=None if source_id in (None, "") else str(source_id),
            role_label=role_label,
            attributes=tuple(attributes),
            confidence=confidence,
        )

    @property
    def name_keys(self) -> frozenset[str]:
        """Every normalised name this credit can be matched on: the source's canonical name
        and the name as credited (a Discogs `anv`, a MusicBrainz `target-credit`)."""
        return frozenset({self.normalised_name, normalise_name(self.name)})

    def evidence(self) -> dict[str, Any]:
        """The JSON kept as proof of this credit."""
        return {
            "source": self.source,
            "source_id": self.source_id,
            "name": self.name,
            "role": self.role,
            "role_label": self.role_label,
            "attributes": list(self.attributes),
            "confidence": self.confidence,
        }


# Roles -----------------------------------------------------------------------------------
def label_words(label: str) -> list[str]:
    """Lower-case words of a role label; "Co-Producer(s)" → ["co", "producer"]."""
    words = LABEL_WORD.findall(label.casefold().replace("(s)", ""))
    expanded: list[str] = []
    for word in words:
        fused = FUSED_CO_PREFIX.match(word)
        expanded.extend(["co", fused.group(1)] if fused else [word])
    return expanded


def production_role(label: str, qualifiers: Iterable[str] = ()) -> str | None:
    """The production role a label names, or None when it is not a production credit.

    The label's last word (ignoring a trailing "by") must be producer/production/produced;
    every word before it must be a known qualifier (co, additional, assistant, associate,
    vocal, executive) or a neutral one (music, beat, track…), so "Production Coordinator",
    "Post Production" and "Mixing Engineer" are rejected. Extra `qualifiers` (Discogs
    bracket text, MusicBrainz attributes) may add known qualifiers; other words in them are
    ignored. Executive wins over everything; otherwise the first qualifier written decides.
    """
    words = label_words(label)
    if words and words[-1] == "by":
        words.pop()
    if not words or words[-1] not in PRODUCTION_HEADS:
        return None
    leading = words[:-1]
    if any(w not in ROLE_OF_QUALIFIER and w not in NEUTRAL_QUALIFIERS for w in leading):
        return None
    extra = [w for q in qualifiers for w in label_words(q) if w in ROLE_OF_QUALIFIER]
    roles = [ROLE_OF_QUALIFIER[w] for w in leading + extra if w in ROLE_OF_QUALIFIER]
    if EXECUTIVE_PRODUCER in roles:
        return EXECUTIVE_PRODUCER
    return roles[0] if roles else PRODUCER


def unique_credits(credits: Iterable[Credit]) -> list[Credit]:
    """Credits without repeats of the same (source, id or name, role), first kept."""
    seen: set[tuple[str, str, str]] = set()
    kept: list[Credit] = []
    for credit in credits:
        key = (credit.source, credit.source_id or credit.normalised_name, credit.role)
        if key not in seen:
            seen.add(key)
            kept.append(credit)
    return kept


# Genius ----------------------------------------------------------------------------------
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
        source="genius",
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


def variant_words(comparable: str) -> list[str]:
    """The variant markers (remix, live, acoustic, tribute…) of a comparable title, sorted,
    repeats kept: "Live Forever (Live)" has two."""
    return sorted(word for word in comparable.split() if word in VARIANT_WORDS)


def text_similarity(first: str, second: str) -> float:
    """Order-insensitive similarity of two already comparable texts, 0 to 1."""
    if not first or not second:
        return 0.0
    return fuzz.token_sort_ratio(first, second) / 100.0


def genius_hit_artists(song: dict[str, Any]) -> set[str]:
    """Normalised names of a hit's primary artist(s) (`primary_artist`, `primary_artists`)."""
    artists = [song.get("primary_artist") or {}] + list(song.get("primary_artists") or [])
    return {normalise_name(artist["name"]) for artist in artists if artist.get("name")}


def genius_hit_matches(
    hit: dict[str, Any], title: str, artist: str, threshold: float = DEFAULT_HIT_THRESHOLD
) -> float | None:
    """The match score of a Genius search hit for a track, or None when it is another song.

    Genius search often ranks another song first, so a hit is accepted only when:
    - its primary artist is the track's artist once both are normalised (accents, case,
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
    if normalise_name(artist) not in genius_hit_artists(song):
        return None
    hit_title = comparable_title(song.get("title") or "")
    track_title = comparable_title(title)
    if variant_words(hit_title) != variant_words(track_title):
        return None
    score = text_similarity(hit_title, track_title)
    return score if score >= threshold else None


# Title -----------------------------------------------------------------------------------
def title_credits(producer_names: Sequence[str]) -> list[Credit]:
    """Low-confidence credits for the names of a "(Prod. by …)" in a track title."""
    credits = [
        Credit.create(
            name=name,
            role=PRODUCER,
            source="title",
            source_id=None,
            role_label="prod. by",
            confidence=TITLE_CONFIDENCE,
        )
        for name in producer_names
        if name and name.strip()
    ]
    return unique_credits(credits)
