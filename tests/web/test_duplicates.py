"""The dashboard's "possible duplicates" panel: the merge candidates, for everyone to see."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.database import Database


def test_dashboard_lists_possible_duplicates(client: TestClient, db: Database) -> None:
    """Two "Nico Farrant"s known by different sources and nothing in common are listed, with
    the evidence for and against, on the anonymous dashboard."""
    assert "No possible duplicates." in client.get("/dashboard").text
    ids = [
        db.execute(
            "INSERT INTO producers (name, normalized_name) VALUES (%s, 'nico farrant') "
            "RETURNING id::TEXT AS id",
            (name,),
        ).fetchone()
        for name in ("Nico Farrant", "Nico Farránt")
    ]
    for source, row in zip(("discogs", "genius"), ids, strict=True):
        assert row is not None
        db.execute(
            "INSERT INTO producer_source_ids (source, source_id, producer_id) VALUES (%s, '1', %s)",
            (source, row["id"]),
        )
    html = client.get("/dashboard").text
    assert "Possible duplicates" in html
    assert "Nico Farránt" in html
    assert "no artist and no collaborator in common" in html
    assert "producers merge" not in html  # the operator's commands are for the operator
