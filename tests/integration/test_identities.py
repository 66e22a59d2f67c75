"""One person, one producer row; never two people in one row; operator merges that can be
undone (definitions/55_identities.sql, identification.store, enrichment.identities), against a
real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from producer_discovery.enrichment.identities import link_identities
from producer_discovery.enrichment.profiles import (
    findings_of,
    from_genius_artist,
    from_musicbrainz_artist,
    merge_findings,
)
from producer_discovery.identification.credits import Credit
from producer_discovery.identification.store import store_identification
from tests.support.cli import cli
from tests.support.database import rows
from tests.support.roles import login_url

RANKING = ("genius", "musicbrainz", "discogs")


# Helpers -----------------------------------------------------------------------------------
def catalogue(url: str, *artists: str, tracks_each: int = 3) -> dict[str, str]:
    """Artists with one album of `tracks_each` tracks each: {"Artist 1": track id, …}."""
    found: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for artist in artists:
            row = conn.execute(
                "WITH a AS (INSERT INTO artists (name) VALUES (%s) RETURNING id) "
                "INSERT INTO albums (artist_id, name) SELECT id, 'LP' FROM a RETURNING id",
                (artist,),
            ).fetchone()
            assert row is not None
            for number in range(1, tracks_each + 1):
                track = conn.execute(
                    "INSERT INTO tracks (album_id, name) VALUES (%s, %s) RETURNING id::TEXT",
                    (row[0], f"{artist} {number}"),
                ).fetchone()
                assert track is not None
                found[f"{artist} {number}"] = track[0]
    return found


def credit(name: str, source: str, source_id: str | None, confidence: float = 0.8) -> Credit:
    return Credit.create(
        name=name,
        role="producer",
        source=source,
        source_id=source_id,
        role_label="Producer",
        confidence=confidence,
    )


def identify(url: str, track_id: str, *credits: Credit) -> None:
    """One track's identification, committed as the worker commits it."""
    with psycopg.connect(url) as conn, conn.transaction():
        store_identification(conn, track_id, list(credits), [], RANKING)


def producers(url: str) -> list[dict[str, Any]]:
    """Every producer with its ids {"genius": "1", …} and credited tracks, oldest first."""
    return rows(
        url,
        """
        SELECT p.id::TEXT AS id, p.name,
               COALESCE((SELECT jsonb_object_agg(s.source, s.source_id)
                         FROM producer_source_ids s WHERE s.producer_id = p.id), '{}') AS ids,
               (SELECT count(*) FROM track_producers tp WHERE tp.producer_id = p.id) AS credits
        FROM producers p ORDER BY p.created_at, p.id""",
    )


def everything(url: str) -> dict[str, list[Any]]:
    """Every identity row, to compare before and after."""
    return {
        "producers": rows(
            url, "SELECT id, name, normalized_name, metadata FROM producers ORDER BY id"
        ),
        "source_ids": rows(url, "SELECT * FROM producer_source_ids ORDER BY source, source_id"),
        "credits": rows(
            url,
            "SELECT id, track_id, producer_id, confidence, source, roles FROM track_producers "
            "ORDER BY id",
        ),
        "evidence": rows(url, "SELECT * FROM track_producer_evidence ORDER BY id"),
    }


def call(url: str, statement: str, parameters: Any = None) -> Any:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(statement, parameters).fetchone()
    return row[0] if row else None


# Automatic resolution ----------------------------------------------------------------------
def test_musicbrainz_link_to_the_discogs_id_makes_two_namesakes_one(database_url: str) -> None:
    """A producer known by Discogs on one artist and by Genius + MusicBrainz on another is one
    person once the MusicBrainz artist's url relations name the Discogs artist."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Nico Farrant", "discogs", "12345"))
    identify(
        database_url,
        tracks["Marrow 1"],
        credit("Nico Farrant", "genius", "77"),
        credit("Nico Farrant", "musicbrainz", "5b11f4ce-a62d-471e-81fc-a69a8278c7da"),
    )
    assert len(producers(database_url)) == 2  # nothing linked them yet
    linked_row = next(p for p in producers(database_url) if "genius" in p["ids"])
    artist = {
        "id": "5b11f4ce-a62d-471e-81fc-a69a8278c7da",
        "name": "Nico Farrant",
        "relations": [
            {
                "type": "discogs",
                "ended": False,
                "url": {"resource": "https://www.discogs.com/artist/12345-Nico-Farrant"},
            }
        ],
    }
    profile = merge_findings(
        findings_of(from_musicbrainz_artist(artist), "musicbrainz", 0.8, datetime.now(UTC))
    )
    with psycopg.connect(database_url) as conn, conn.transaction():
        linked = link_identities(conn, linked_row["id"], "Nico Farrant", profile)
    (person,) = producers(database_url)
    assert person["id"] == linked_row["id"]
    assert person["ids"] == {
        "discogs": "12345",
        "genius": "77",
        "musicbrainz": "5b11f4ce-a62d-471e-81fc-a69a8278c7da",
    }
    assert person["credits"] == 2
    assert linked.gained == ["discogs:12345"]
    (merge,) = rows(database_url, "SELECT decided_by, evidence FROM producer_merges")
    assert merge["decided_by"] == "enrichment"
    assert "discogs:12345" in merge["evidence"]["reason"]


def test_an_alias_naming_a_row_credited_on_the_same_artist_joins_it(database_url: str) -> None:
    """A Genius alternate name equal to another row's name, that row credited on the same
    artist, is the same person; the same alias on an unrelated artist's row is left alone."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Kelso & Marr", "genius", "11"))
    identify(database_url, tracks["Halden 2"], credit("K&M", "discogs", "12"))
    identify(database_url, tracks["Marrow 1"], credit("K&M", "musicbrainz", "0b6f3a52"))
    team = next(p for p in producers(database_url) if p["name"] == "Kelso & Marr")
    artist = {"id": 11, "name": "Kelso & Marr", "alternate_names": ["K&M"]}
    profile = merge_findings(
        findings_of(from_genius_artist(artist), "genius", 0.9, datetime.now(UTC))
    )
    with psycopg.connect(database_url) as conn, conn.transaction():
        link_identities(conn, team["id"], "Kelso & Marr", profile)
    found = {p["id"]: p["ids"] for p in producers(database_url)}
    assert found[team["id"]] == {"discogs": "12", "genius": "11"}
    assert sorted(found.values(), key=len)[0] == {"musicbrainz": "0b6f3a52"}


def test_forgetting_a_producer_erases_the_merges_that_name_them(database_url: str) -> None:
    """The merge log's snapshots hold the person's rows: forget_producer deletes them too."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Nico Farrant", "discogs", "1"))
    identify(database_url, tracks["Marrow 1"], credit("Nico Farrant", "genius", "2"))
    first, second = (p["id"] for p in producers(database_url))
    call(database_url, "SELECT merge_producers_by_operator(%s, %s, NULL)", (first, second))
    assert call(database_url, "SELECT forget_producer(%s)", (first,)) is not None
    assert rows(database_url, "SELECT count(*) AS n FROM producer_merges")[0]["n"] == 0


def test_different_ids_of_one_source_are_never_merged(database_url: str) -> None:
    """Two "Alex Kim"s with different Genius ids stay two rows, even when one track's fused
    credit carries ids of both; an operator merge is refused too."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Alex Kim", "genius", "1"))
    identify(
        database_url,
        tracks["Marrow 1"],
        credit("Alex Kim", "genius", "2"),
        credit("Alex Kim", "discogs", "9"),
    )
    identify(
        database_url,
        tracks["Halden 2"],
        credit("Alex Kim", "genius", "1"),
        credit("Alex Kim", "discogs", "9"),
    )
    found = producers(database_url)
    assert sorted(p["ids"]["genius"] for p in found) == ["1", "2"]
    assert rows(database_url, "SELECT count(*) AS n FROM producer_merges")[0]["n"] == 0
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="different genius ids"):
        call(
            database_url,
            "SELECT merge_producers_by_operator(%s, %s, 'looks alike')",
            (found[0]["id"], found[1]["id"]),
        )
    assert len(producers(database_url)) == 2


def test_accented_namesakes_credited_on_the_same_artist_become_one(database_url: str) -> None:
    """ "Zoë Ångström" (Discogs) and "Zoe Angstrom" (Genius), first on different artists (a
    merge candidate), become one row once the Genius one is credited on the Discogs one's
    artist."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Zoë Ångström", "discogs", "500"))
    identify(database_url, tracks["Marrow 1"], credit("Zoe Angstrom", "genius", "600"))
    assert len(producers(database_url)) == 2
    (candidate,) = rows(database_url, "SELECT * FROM producer_merge_candidates()")
    assert candidate["normalized_name"] == "zoe angstrom"
    assert "no artist and no collaborator in common" in candidate["evidence_against"]

    identify(database_url, tracks["Halden 2"], credit("Zoe Angstrom", "genius", "600"))
    (person,) = producers(database_url)
    assert person["ids"] == {"discogs": "500", "genius": "600"}
    assert person["credits"] == 3
    assert rows(database_url, "SELECT * FROM producer_merge_candidates()") == []
    (merge,) = rows(database_url, "SELECT decided_by, evidence FROM producer_merges")
    assert merge["decided_by"] == "identification"
    assert merge["evidence"]["artist_credits"] == 1


def test_namesakes_sharing_a_collaborator_become_one(database_url: str) -> None:
    """A namesake from another source co-credited with this track's other producer is the
    same person, even on another artist."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(
        database_url,
        tracks["Halden 1"],
        credit("Ines Varga", "discogs", "31"),
        credit("Theo Lind", "discogs", "32"),
    )
    identify(
        database_url,
        tracks["Marrow 1"],
        credit("Ines Varga", "genius", "41"),
        credit("Theo Lind", "genius", "42"),
    )
    names = sorted(p["name"] for p in producers(database_url))
    assert names == ["Ines Varga", "Theo Lind"]


def test_keep_apart_is_respected_by_later_identifications(database_url: str) -> None:
    """Kept apart by an operator, two namesakes stay two rows even when a credit carries ids
    of both, and they are no longer a candidate."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Nico Farrant", "discogs", "1"))
    identify(database_url, tracks["Marrow 1"], credit("Nico Farrant", "genius", "2"))
    first, second = producers(database_url)
    assert call(
        database_url,
        "SELECT keep_producers_apart(%s, %s, 'two people')",
        (first["id"], second["id"]),
    )
    identify(
        database_url,
        tracks["Halden 2"],
        credit("Nico Farrant", "genius", "2"),
        credit("Nico Farrant", "discogs", "1"),
    )
    identify(database_url, tracks["Halden 3"], credit("Nico Farrant", "genius", "2"))
    assert len(producers(database_url)) == 2
    assert rows(database_url, "SELECT * FROM producer_merge_candidates()") == []
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="kept apart"):
        call(
            database_url,
            "SELECT merge_producers_by_operator(%s, %s, NULL)",
            (first["id"], second["id"]),
        )


# Operator merges -------------------------------------------------------------------------
def test_merge_then_unmerge_keeps_every_credit_evidence_and_source_id(database_url: str) -> None:
    """An operator merge moves every credit, evidence row and id; unmerging restores both rows
    exactly as they were (credits on a shared track included), and keeps them apart."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Kai Morrow", "discogs", "7"))
    identify(database_url, tracks["Halden 2"], credit("Kai Morrow", "discogs", "7"))
    identify(database_url, tracks["Marrow 1"], credit("Kai Morrow", "genius", "8"))
    first, second = producers(database_url)
    # both rows credited on one track, and an alias where it came from
    shared = {"track": tracks["Halden 1"], "second": second["id"]}
    for statement in (
        (
            "INSERT INTO track_producers (track_id, producer_id, confidence, source, roles) "
            "VALUES (%(track)s, %(second)s, 0.85, 'genius', '{producer}')"
        ),
        (
            "INSERT INTO track_producer_evidence (track_id, producer_id, source, source_id, role, "
            "confidence) VALUES (%(track)s, %(second)s, 'genius', '8', 'producer', 0.85)"
        ),
        (
            'UPDATE producers SET metadata = metadata || \'{"social": {"aliases": ["K. M"]}}\' '
            "WHERE id = %(second)s"
        ),
    ):
        rows(database_url, statement, shared)
    before = everything(database_url)
    assert len(before["credits"]) == 4
    assert len(before["evidence"]) == 4

    merge_id = call(
        database_url,
        "SELECT merge_producers_by_operator(%s, %s, 'same person')",
        (first["id"], second["id"]),
    )
    merged = everything(database_url)
    assert [p["id"] for p in merged["producers"]] == [uuid.UUID(first["id"])]
    assert len(merged["credits"]) == 3  # the shared track: one credit
    assert len(merged["evidence"]) == 4
    assert {row["producer_id"] for row in merged["source_ids"]} == {uuid.UUID(first["id"])}
    (log,) = rows(database_url, "SELECT decided_by, reason FROM producer_merges")
    assert log == {"decided_by": "operator", "reason": "same person"}

    restored = call(database_url, "SELECT unmerge_producers(%s)", (merge_id,))
    assert restored["restored"] == second["id"]
    assert everything(database_url) == before
    assert call(
        database_url,
        "SELECT producers_merge_refusal(%s, %s)",
        (first["id"], second["id"]),
    ).startswith("they were kept apart")
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="already undone"):
        call(database_url, "SELECT unmerge_producers(%s)", (merge_id,))


def test_automatic_merge_can_be_undone_and_is_not_redone(database_url: str) -> None:
    """An automatic merge is in the log; undoing it restores both rows, and identifying the
    bridging track again does not merge them again."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Lia Brook", "discogs", "70"))
    identify(database_url, tracks["Marrow 1"], credit("Lia Brook", "genius", "80"))
    before = everything(database_url)
    bridge = (credit("Lia Brook", "genius", "80"), credit("Lia Brook", "discogs", "70"))
    identify(database_url, tracks["Halden 2"], *bridge)
    assert len(producers(database_url)) == 1
    merge_id = call(database_url, "SELECT id FROM producer_merges")
    call(database_url, "SELECT unmerge_producers(%s)", (merge_id,))
    after = everything(database_url)
    assert after["producers"] == before["producers"]
    assert after["source_ids"] == before["source_ids"]
    identify(database_url, tracks["Halden 2"], *bridge)
    assert len(producers(database_url)) == 2


def test_operator_functions_are_refused_to_readers_and_workers(database_url: str) -> None:
    """Merging, unmerging and keeping apart are the operator's: a reader or worker login is
    refused; the candidates list is readable."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Nico Farrant", "discogs", "1"))
    identify(database_url, tracks["Marrow 1"], credit("Nico Farrant", "genius", "2"))
    first, second = (p["id"] for p in producers(database_url))
    for group in ("discovery_reader", "discovery_worker"):
        url = login_url(database_url, group)
        for statement in (
            "SELECT merge_producers_by_operator(%s, %s, 'x')",
            "SELECT keep_producers_apart(%s, %s)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                call(url, statement, (first, second))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            call(url, "SELECT unmerge_producers(1)")
    reader = login_url(database_url, "discovery_reader")
    assert len(rows(reader, "SELECT * FROM producer_merge_candidates()")) == 1
    operator = login_url(database_url, "discovery_operator")
    assert call(operator, "SELECT merge_producers_by_operator(%s, %s, 'x')", (first, second)) >= 1


# Command line ------------------------------------------------------------------------------
@pytest.mark.slow
def test_identity_commands_exit_codes(database_url: str) -> None:
    """candidates/merge/unmerge/keep-apart: 0 when done; bad input is one line and non-zero."""
    tracks = catalogue(database_url, "Halden", "Marrow")
    identify(database_url, tracks["Halden 1"], credit("Nico Farrant", "discogs", "1"))
    identify(database_url, tracks["Marrow 1"], credit("Nico Farrant", "genius", "2"))
    identify(database_url, tracks["Halden 2"], credit("Alex Kim", "genius", "3"))
    identify(database_url, tracks["Marrow 2"], credit("Alex Kim", "genius", "4"))
    first, second = (p["id"] for p in producers(database_url) if p["name"] == "Nico Farrant")
    alex = [p["id"] for p in producers(database_url) if p["name"] == "Alex Kim"]

    listed = cli(database_url, "producers", "candidates", "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"Nico Farrant"' in listed.stdout
    assert "Alex Kim" not in listed.stdout
    shown = cli(database_url, "producers", "candidates")
    assert shown.returncode == 0
    assert "Possible duplicates" in shown.stdout

    def refused(*arguments: str) -> str:
        done = cli(database_url, "producers", *arguments)
        assert done.returncode != 0, done.stdout
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        return lines[0]

    assert "no producer named" in refused("merge", "Nobody Here", "Nico Farrant")
    assert "2 producers are named" in refused("merge", "Nico Farrant", first)
    assert "different genius ids" in refused("merge", alex[0], alex[1])
    assert "same producer" in refused("keep-apart", first, first)
    assert "not a merge id" in refused("unmerge", "abc")
    assert "no merge 999" in refused("unmerge", "999")

    merged = cli(database_url, "producers", "merge", first[:8], second, "--reason", "same")
    assert merged.returncode == 0, merged.stderr
    merge_id = call(database_url, "SELECT id FROM producer_merges")
    assert f'"merge_id": {merge_id}' in merged.stdout
    assert cli(database_url, "producers", "unmerge", str(merge_id)).returncode == 0
    assert "already undone" in refused("unmerge", str(merge_id))
    kept = cli(database_url, "producers", "keep-apart", alex[0], alex[1])
    assert kept.returncode == 0, kept.stderr
    reader = login_url(database_url, "discovery_reader")
    as_reader = cli(reader, "producers", "merge", first, second)
    assert as_reader.returncode == 1
    assert as_reader.stderr.strip().splitlines() == [
        (
            "producer-discovery: error: producers merge: this login may not do that "
            "(an operator login, a member of discovery_operator, may)"
        )
    ]
    assert cli(reader, "producers", "candidates").returncode == 0
