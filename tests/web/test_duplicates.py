"""The dashboard's "possible duplicates" panel: the merge candidates, for everyone to see."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.database import Database
from tests.web.test_pages import sign_in


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


def namesakes(db: Database, *sources: str) -> list[str]:
    """Two "Nico Farrant"s, one id each at the given sources ("genius:1"); their ids."""
    ids = []
    for number, source in enumerate(sources):
        row = db.execute(
            "INSERT INTO producers (name, normalized_name, created_at) "
            "VALUES ('Nico Farrant', 'nico farrant', now() + make_interval(secs => %s)) "
            "RETURNING id::TEXT AS id",
            (number,),
        ).fetchone()
        assert row is not None
        name, _, source_id = source.partition(":")
        db.execute(
            "INSERT INTO producer_source_ids (source, source_id, producer_id) VALUES (%s, %s, %s)",
            (name, source_id, row["id"]),
        )
        ids.append(row["id"])
    return ids


def test_operator_merges_or_keeps_apart_from_the_dashboard(
    client: TestClient, db: Database
) -> None:
    """Signed in, the operator's buttons merge a pair (recorded) or keep one apart; a visitor's
    post is refused; ids of one source that differ are refused with the database's reason."""
    first, second = sorted(namesakes(db, "discogs:1", "genius:2"))
    third, fourth = namesakes(db, "discogs:3", "genius:4")
    path = f"/dashboard/duplicates/{first}/{second}/merge"
    assert client.post(path, data={"csrf_token": "x"}).status_code in (401, 403)
    csrf = sign_in(client)
    assert f'action="{path}"' in client.get("/dashboard").text  # the pair in id order
    merged = client.post(path, data={"csrf_token": csrf})
    assert merged.status_code == 303
    assert "Merged" in client.get(merged.headers["location"]).text
    remaining = db.execute("SELECT id::TEXT AS id FROM producers ORDER BY id").fetchall()
    assert second not in {row["id"] for row in remaining}
    assert db.execute("SELECT decided_by FROM producer_merges").fetchone() == {
        "decided_by": "operator"
    }
    kept = client.post(
        f"/dashboard/duplicates/{third}/{fourth}/keep-apart", data={"csrf_token": csrf}
    )
    assert kept.status_code == 303
    assert db.execute("SELECT count(*) AS n FROM producers_kept_apart").fetchone() == {"n": 1}
    refused = client.post(f"/dashboard/duplicates/{first}/{third}/merge", data={"csrf_token": csrf})
    assert refused.status_code == 422
    assert "different discogs ids" in refused.text
