"""Evidence shown beside every credit (docs/operations.md, "Evidence"): the role qualifier,
how many independent sources confirm it, which, and what other sources say instead, in the
API and on the pages; and the identification keeps a writer credit as evidence."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi.testclient import TestClient

from producer_discovery.identification.credits import Credit
from producer_discovery.identification.store import store_identification
from producer_discovery.sources import credit_sources
from tests.support.database import Database, one

RANKING = tuple(source.name for source in credit_sources())


def credit_of(credits: list[dict[str, Any]], track: str) -> dict[str, Any]:
    return next(c for c in credits if c["track"] == track)


def test_producer_credits_carry_qualifier_confirmations_sources_and_disagreements(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """Mara Quill's "Sunrise" is confirmed by 2 sources; on "Midnight" Discogs says writer."""
    credits = client.get(f"/api/producers/{catalogue['Mara Quill']}").json()["credits"]
    sunrise = credit_of(credits, "Sunrise")
    assert sunrise["confirmed_by"] == 2
    assert sunrise["sources"] == ["genius", "musicbrainz"]
    assert sunrise["role_qualifier"] is None
    assert sunrise["disagreements"] == []
    midnight = credit_of(credits, "Midnight (feat. Ray)")
    assert midnight["confirmed_by"] == 1
    assert midnight["disagreements"] == [
        {"source": "discogs", "says": "writer", "label": "Written-By"}
    ]
    co = client.get(f"/api/producers/{catalogue['''DJ O'Neil''']}").json()["credits"][0]
    assert co["role_qualifier"] == "co"


def test_artist_credits_carry_the_same_evidence(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """Every track's producers in GET /api/artists/{id} have the four fields."""
    album = client.get(f"/api/artists/{catalogue['Beyoncé Lumière']}").json()["albums"][0]
    sunrise = {p["name"]: p for p in album["tracks"][0]["producers"]}
    assert sunrise["Mara Quill"]["confirmed_by"] == 2
    assert sunrise["DJ O'Neil"]["role_qualifier"] == "co"
    assert sunrise["DJ O'Neil"]["sources"] == ["discogs"]
    midnight = album["tracks"][1]["producers"][0]
    assert midnight["disagreements"][0]["says"] == "writer"


def test_pages_show_the_badge_the_qualifier_and_the_disagreement(
    client: TestClient, catalogue: dict[str, str]
) -> None:
    """The producer page lists "confirmed by 2 sources" and "discogs says writer" in the open."""
    page = client.get(f"/producers/{catalogue['Mara Quill']}").text
    assert "confirmed by 2 sources" in page
    assert "confirmed by 1 source<" in page
    assert "discogs says writer (“Written-By”)" in page
    artist = client.get(f"/artists/{catalogue['Beyoncé Lumière']}").text
    assert 'class="qualifier">co<' in artist
    assert "discogs says writer" in artist


def credit(source: str, source_id: str, name: str, role: str, confidence: float) -> Credit:
    return Credit.create(
        name=name,
        role=role,
        source=source,
        source_id=source_id,
        role_label=role.title(),
        confidence=confidence,
    )


def test_a_writer_credit_is_kept_as_evidence_but_never_makes_a_producer(
    db: Database, database_url: str, catalogue: dict[str, str]
) -> None:
    """Genius: producer; Discogs: writer only. The credit's source, roles and confidence are
    Genius's; the writer row is evidence; a writer no source calls producer is not stored."""
    track = one(db.execute("SELECT id::TEXT AS id FROM tracks WHERE name = 'Low Tide'"))["id"]
    with psycopg.connect(database_url) as conn:  # the worker's tuple rows, one commit
        stored = store_identification(
            conn,
            track,
            [
                credit("genius", "77", "Ren Okafor", "producer", 0.85),
                credit("discogs", "88", "Ren Okafor", "writer", 0.75),
                credit("discogs", "99", "Only Writer", "writer", 0.75),
            ],
            [],
            RANKING,
        )
    assert "Only Writer" in stored.not_producers
    row = one(
        db.execute(
            "SELECT tp.source, tp.roles, tp.confidence, p.id::TEXT AS id FROM track_producers tp"
            " JOIN producers p ON p.id = tp.producer_id WHERE tp.track_id = %s",
            (track,),
        )
    )
    assert (row["source"], row["roles"], float(row["confidence"])) == ("genius", ["producer"], 0.85)
    evidence = db.execute(
        "SELECT source, role FROM track_producer_evidence WHERE track_id = %s ORDER BY source",
        (track,),
    ).fetchall()
    assert [(e["source"], e["role"]) for e in evidence] == [
        ("discogs", "writer"),
        ("genius", "producer"),
    ]
    assert not db.execute("SELECT 1 FROM producers WHERE name = 'Only Writer'").fetchall()
    summary = one(
        db.execute(
            "SELECT get_credit_evidence(%s::UUID, %s::UUID, 'genius') AS e", (track, row["id"])
        )
    )
    assert summary["e"]["confirmed_by"] == 1
    assert summary["e"]["disagreements"] == [
        {"source": "discogs", "says": "writer", "label": "Writer"}
    ]
