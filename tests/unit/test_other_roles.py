"""What a source says instead of producer (a writer credit) is read and fused as evidence
only: it never makes a producer, nor adds to a credit's roles, sources or confidence."""

from __future__ import annotations

import pytest

from producer_discovery.identification.credits import Credit, other_role
from producer_discovery.identification.discogs import discogs_other_roles, discogs_release_credits
from producer_discovery.identification.fusion import fuse
from producer_discovery.identification.genius import genius_song_credits, genius_song_other_roles
from producer_discovery.sources import credit_sources
from tests.unit.test_credits import GENIUS_SONG

RANKING = tuple(source.name for source in credit_sources())


def test_genius_writers_are_read_apart_as_writer_credits() -> None:
    """writer_artists become writer credits that never count as producers; the production
    credits are unchanged."""
    writers = genius_song_other_roles(GENIUS_SONG)
    assert [(c.name, c.role, c.counts_as_producer) for c in writers] == [
        ("Nova Reyes", "writer", False),
        ("Ava Lindqvist", "writer", False),
    ]
    assert all(c.role != "writer" for c in genius_song_credits(GENIUS_SONG))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("Producer, Written-By", [("writer", "Written-By")]),
        (
            "Lyrics By, Music By [All Tracks By]",
            [("writer", "Lyrics By"), ("writer", "Music By [All Tracks By]")],
        ),
        ("Songwriter", [("writer", "Songwriter")]),
        ("Mixed By, Producer", []),
        ("Written-By Coordinator", []),
    ],
)
def test_discogs_writing_roles_are_read(role: str, expected: list[tuple[str, str]]) -> None:
    """Writing labels are read (bracket text ignored); anything else is not."""
    assert [(found, label) for found, label, _ in discogs_other_roles(role)] == expected
    assert other_role("Producer") is None


def test_discogs_release_gives_writer_credits_only_when_asked() -> None:
    """The default reading stays production only; the source asks for the writers too."""
    release = {
        "id": 1,
        "tracklist": [{"position": "1", "title": "Low Tide", "type_": "track"}],
        "extraartists": [
            {"name": "Ren Okafor", "id": 88, "role": "Written-By", "tracks": ""},
            {"name": "Ava Lind", "id": 89, "role": "Producer", "tracks": ""},
        ],
    }
    assert [c.role for c in discogs_release_credits(release, "Low Tide")] == ["producer"]
    both = discogs_release_credits(release, "Low Tide", other_roles=True)
    assert sorted((c.name, c.role) for c in both) == [
        ("Ava Lind", "producer"),
        ("Ren Okafor", "writer"),
    ]


def credit(source: str, source_id: str, role: str, confidence: float) -> Credit:
    return Credit.create(
        name="Ren Okafor",
        role=role,
        source=source,
        source_id=source_id,
        role_label=role,
        confidence=confidence,
    )


def test_fusion_keeps_the_writer_as_evidence_only() -> None:
    """Genius producer + Discogs writer: roles, sources and confidence are Genius's; both are
    evidence. A writer alone is no producer."""
    (person,) = fuse(
        [credit("genius", "77", "producer", 0.85), credit("discogs", "88", "writer", 0.75)],
        RANKING,
    )
    assert person.counts_as_producer
    assert (person.roles, person.sources, person.confidence) == (["producer"], ["genius"], 0.85)
    assert sorted(c.role for c in person.evidence) == ["producer", "writer"]
    (writer,) = fuse([credit("discogs", "88", "writer", 0.75)], RANKING)
    assert not writer.counts_as_producer
