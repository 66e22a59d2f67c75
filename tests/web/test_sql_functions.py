"""The web's SQL functions (migrations 0060–0062), called as psql or the CLI would call them."""

from __future__ import annotations

from typing import Any

from producer_discovery.sandbox.web_catalogue import SAMPLE, seed_dead_letter, seed_web_catalogue
from tests.support.database import Database, one


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [row["name"] for row in rows]


def test_search_ignores_case_accents_apostrophes_and_typos(db: Database) -> None:
    """'beyonce', 'BEYONCÉ', 'dj oneil', 'theo marchnd' all find the stored names first."""
    seed_web_catalogue(db, SAMPLE)
    assert (
        names(db.execute("SELECT * FROM search_artists('beyonce')").fetchall())[0]
        == "Beyoncé Lumière"
    )
    assert (
        names(db.execute("SELECT * FROM search_artists('BEYONCÉ LUMIERE')").fetchall())[0]
        == "Beyoncé Lumière"
    )
    assert (
        names(db.execute("SELECT * FROM search_producers('dj oneil')").fetchall())[0] == "DJ O'Neil"
    )
    assert (
        names(db.execute("SELECT * FROM search_producers('theo marchnd')").fetchall())[0]
        == "Théo Marchand"
    )
    assert db.execute("SELECT * FROM search_producers('zzzzqqq')").fetchall() == []
    assert db.execute("SELECT * FROM search_producers('  ?! ')").fetchall() == []


def test_artist_document_lists_albums_tracks_and_who_produced_each(db: Database) -> None:
    """get_artist: each track with its producers; the artist's producers with credit counts."""
    ids = seed_web_catalogue(db, SAMPLE)
    artist = one(db.execute("SELECT get_artist(%s) AS a", (ids["Beyoncé Lumière"],)))["a"]
    tracks = artist["albums"][0]["tracks"]
    assert [t["name"] for t in tracks] == ["Sunrise", "Midnight (feat. Ray)"]
    assert [p["name"] for p in tracks[0]["producers"]] == ["Mara Quill", "DJ O'Neil"]
    assert tracks[0]["producers"][0]["confidence"] == 0.99  # 1 − 0.1 × 0.15
    producers = {p["name"]: p for p in artist["producers"]}
    assert producers["Mara Quill"]["tracks"] == 2
    assert producers["DJ O'Neil"]["tracks"] == 1
    assert one(db.execute("SELECT get_artist(gen_random_uuid()) AS a"))["a"] is None


def test_producer_document_has_credits_collaborators_and_no_contact(db: Database) -> None:
    """get_producer: credits with roles, sources, evidence; co-producers and artists; no e-mail."""
    ids = seed_web_catalogue(db, SAMPLE)
    producer = one(db.execute("SELECT get_producer(%s) AS p", (ids["Mara Quill"],)))["p"]
    assert producer["aliases"] == ["M. Quill", "Quill"]
    assert producer["socials"]["twitter"] == "maraquill"
    assert "email" not in producer["socials"]
    assert "instagram_bio" not in producer["socials"]
    assert "mara@quill.example" not in str(producer)
    assert len(producer["credits"]) == 3
    sunrise = next(c for c in producer["credits"] if c["track"] == "Sunrise")
    assert sunrise["sources"] == ["genius", "musicbrainz"]
    assert {e["source"] for e in sunrise["evidence"]} == {"genius", "musicbrainz"}
    collaborators = {(c["kind"], c["name"]): c["shared_tracks"] for c in producer["collaborators"]}
    assert collaborators == {
        ("producer", "DJ O'Neil"): 1,
        ("artist", "Beyoncé Lumière"): 2,
        ("artist", "Nova Reyes"): 1,
    }
    contact = one(db.execute("SELECT get_producer_contact(%s) AS c", (ids["Mara Quill"],)))["c"]
    assert contact["email"] == "mara@quill.example"


def test_leaderboard_orders_by_credited_songs(db: Database) -> None:
    """producer_leaderboard: most credited first, limited, and narrowed to one artist."""
    seed_web_catalogue(db, SAMPLE)
    rows = db.execute("SELECT * FROM producer_leaderboard(2)").fetchall()
    assert [(r["name"], r["tracks"], r["artists"]) for r in rows] == [
        ("Mara Quill", 3, 2),
        ("DJ O'Neil", 1, 1),
    ]
    only = db.execute("SELECT * FROM producer_leaderboard(NULL, 'nova reyes')").fetchall()
    assert names(only) == ["Mara Quill", "Théo Marchand"]


def test_pipeline_overview_counts_the_catalogue_and_its_deduplication(db: Database) -> None:
    """catalogue: artists, tracks, songs, editions folded, credits confirmed by several sources."""
    seed_web_catalogue(db, SAMPLE)
    catalogue = one(db.execute("SELECT get_pipeline_overview() AS o"))["o"]["catalogue"]
    assert catalogue == {
        "artists": 2,
        "albums": 2,
        "tracks": 4,
        "songs": 4,
        "editions_folded": 0,
        "producers": 3,
        "credits": 5,
        "credits_from_several_sources": 2,
    }


def test_pipeline_overview_and_replay_of_a_dead_letter(db: Database) -> None:
    """get_pipeline_overview counts the dead letter, get_pipeline_details shows it; replay_dead_letters
    sends it back once."""
    dlq_id = seed_dead_letter(db, "Nova Reyes")
    overview = one(db.execute("SELECT get_pipeline_overview() AS o"))["o"]
    assert overview["dead_letter_count"] == 1
    assert "Nova Reyes" not in str(overview)  # the bodies are the operator's
    details = one(db.execute("SELECT get_pipeline_details() AS d"))["d"]
    assert details["dead_letters"][0]["message"] == {"artistName": "Nova Reyes"}
    assert {q["queue_name"] for q in overview["queues"]} >= {
        "artist_discovery",
        "artist_discovery_dlq",
    }
    assert overview["health"]["overall_status"] in ("healthy", "warning", "critical")
    replayed = db.execute(
        "SELECT * FROM replay_dead_letters('artist_discovery_dlq', %s)", (dlq_id,)
    ).fetchall()
    assert [(r["source_queue"], r["message_id"]) for r in replayed] == [
        ("artist_discovery", dlq_id)
    ]
    assert (
        db.execute(
            "SELECT * FROM replay_dead_letters('artist_discovery_dlq', %s)", (dlq_id,)
        ).fetchall()
        == []
    )
    history = one(db.execute("SELECT get_pipeline_history(24) AS h"))["h"]
    assert len(history["hours"]) == 24
    assert any(e["kind"] == "worker_issue" for e in history["errors"])


def test_history_is_the_same_from_the_hourly_rollup_as_from_raw_metrics(db: Database) -> None:
    """Rolled-up hours are read from aggregated_metrics (their raw rows deleted), the current
    hour from the raw metrics: the same calls, errors and means as from raw metrics alone."""
    db.execute("""
        INSERT INTO monitoring.pipeline_metrics (metric_name, metric_value, tags, timestamp)
        SELECT 'api_call', 10 * (n % 7), jsonb_build_object('api', (ARRAY['genius', 'spotify'])[1 + n % 2],
               'endpoint', 'e' || n % 3, 'success', CASE WHEN n % 5 = 0 THEN 'false' ELSE 'true' END),
               now() - make_interval(mins => n * 9)
        FROM generate_series(0, 300) n""")
    raw = one(db.execute("SELECT get_pipeline_history(24) AS h"))["h"]
    in_window = one(
        db.execute(
            "SELECT count(*) AS n FROM monitoring.pipeline_metrics "
            "WHERE timestamp >= date_trunc('hour', now()) - interval '23 hours'"
        )
    )["n"]
    assert sum(row["count"] for row in raw["api_calls"]) == in_window > 100
    assert one(db.execute("SELECT monitoring.aggregate_hourly_metrics(48) AS n"))["n"] > 0
    db.execute(
        "DELETE FROM monitoring.pipeline_metrics WHERE timestamp < date_trunc('hour', now())"
    )
    rolled = one(db.execute("SELECT get_pipeline_history(24) AS h"))["h"]
    assert rolled["api_calls"] == raw["api_calls"]
    assert rolled["errors"] == raw["errors"]
