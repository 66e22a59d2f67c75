"""Operator commands against a real database: discover, dlq, health, status, producers."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.support.cli import cli
from tests.support.database import rows

pytestmark = pytest.mark.slow  # processes: more than ~3 s each


def test_discover_queues_each_name_and_a_genre(database_url: str) -> None:
    """`discover A B` queues two names; `discover --genre` queues the genre search."""
    assert cli(database_url, "discover", "Nova Reyes", "The Velvet Arcade").returncode == 0
    result = cli(database_url, "discover", "--genre", "Synthwave", "--limit", "20")
    assert result.returncode == 0
    assert 'genre:"synthwave"' in result.stdout
    messages = [
        row["message"]
        for row in rows(database_url, "SELECT message FROM pgmq.q_artist_discovery ORDER BY msg_id")
    ]
    assert messages == [
        {"artistName": "Nova Reyes"},
        {"artistName": "The Velvet Arcade"},
        {"genre": "synthwave", "limit": 20},
    ]


def test_dlq_list_and_replay(database_url: str) -> None:
    """A dead letter is listed, then replayed to its stage without its _dlq_metadata."""
    rows(database_url, "SELECT pgmq.send('track_discovery', '{\"albumId\": \"a1\"}')")
    rows(
        database_url,
        "SELECT move_to_dead_letter_queue('track_discovery', 'track_discovery_dlq', '1', 'boom')",
    )
    listed = cli(database_url, "dlq", "list")
    assert listed.returncode == 0
    assert "boom" in listed.stdout
    replayed = cli(database_url, "dlq", "replay", "--queue", "track_discovery")
    assert replayed.returncode == 0
    assert "replayed track_discovery_dlq" in replayed.stdout
    assert rows(database_url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0
    assert [
        r["message"] for r in rows(database_url, "SELECT message FROM pgmq.q_track_discovery")
    ] == [{"albumId": "a1"}]
    again = cli(database_url, "dlq", "replay")
    assert again.returncode == 0
    assert "no dead letters matched" in again.stderr


def test_health_exit_code_follows_the_overall_status(database_url: str) -> None:
    """health exits 0 healthy, 1 warning, 2 critical, and --json prints get_system_health()."""
    assert cli(database_url, "health").returncode == 0
    rows(
        database_url,
        "INSERT INTO processing_status (entity_type, entity_id, state) VALUES ('track', 'x', 'FAILED')",
    )
    warning = cli(database_url, "health", "--json")
    assert warning.returncode == 1
    assert json.loads(warning.stdout)["overall_status"] == "warning"
    rows(
        database_url,
        "INSERT INTO processing_status (entity_type, entity_id, state) "
        "SELECT 'track', 'f' || n, 'FAILED' FROM generate_series(1, 11) n",
    )
    assert cli(database_url, "health").returncode == 2


def test_status_json_reports_queues_and_processing(database_url: str) -> None:
    """status --json has every queue's depth, processing states and the DLQ size."""
    rows(database_url, "SELECT start_artist_discovery('Nova Reyes')")
    report = json.loads(cli(database_url, "status", "--json").stdout)
    depths = {queue["queue_name"]: queue["queue_length"] for queue in report["queues"]}
    assert depths["artist_discovery"] == 1
    assert len(depths) == 10
    assert report["dead_letters"] == 0


def test_producers_leaderboard_as_csv_and_for_one_artist(database_url: str) -> None:
    """producers lists producers by credited tracks; --artist narrows; --csv is machine-readable."""
    rows(
        database_url,
        """
        WITH a AS (INSERT INTO artists (name) VALUES ('Nova Reyes'), ('Other') RETURNING id, name),
             al AS (INSERT INTO albums (artist_id, name) SELECT id, name || ' LP' FROM a RETURNING id, name),
             t AS (INSERT INTO tracks (album_id, name) SELECT id, 'song ' || g FROM al, generate_series(1, 2) g RETURNING id, album_id),
             p AS (INSERT INTO producers (name, normalized_name, instagram_handle) VALUES ('Kelso & Marr', 'kelso and marr', 'kelsoandmarr') RETURNING id)
        INSERT INTO track_producers (track_id, producer_id, confidence, source)
        SELECT t.id, p.id, 0.9, 'genius' FROM t, p""",
    )
    everyone = list(csv.DictReader(io.StringIO(cli(database_url, "producers", "--csv").stdout)))
    assert [(row["producer"], row["tracks"], row["artists"]) for row in everyone] == [
        ("Kelso & Marr", "4", "2")
    ]
    one = json.loads(cli(database_url, "producers", "--artist", "nova reyes", "--json").stdout)
    assert [(row["producer"], row["tracks"], row["instagram_handle"]) for row in one] == [
        ("Kelso & Marr", 2, "kelsoandmarr")
    ]


@pytest.mark.parametrize("name", ["", "   ", "x" * 6000, "bad\x07name"])
def test_discover_refuses_a_bad_name_in_one_line_with_exit_2(database_url: str, name: str) -> None:
    """`discover ""` (an empty name), a blank, a 6,000-character or a control-character name:
    exit 2, one line on stderr, no traceback, nothing queued."""
    result = cli(database_url, "discover", name)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert "artist name" in result.stderr
    assert rows(database_url, "SELECT count(*) AS n FROM pgmq.q_artist_discovery")[0]["n"] == 0


def test_status_shows_songs_waiting_for_a_source_and_gaps_pending(database_url: str) -> None:
    """status --json has, per source, the songs waiting for it and the gaps its outage left;
    the table names only the sources with something to say."""
    rows(
        database_url,
        "INSERT INTO processing_status (entity_type, entity_id, state, last_error, metadata) "
        "VALUES ('track', 'a', 'PENDING', 'WaitingForSource: waiting for genius (out 3s)', '{}'), "
        "('track', 'b', 'COMPLETED', NULL, "
        """'{"missing_sources": {"musicbrainz": "SourceBlocked: spotify is blocked for 9s"}}')""",
    )
    report = json.loads(cli(database_url, "status", "--json").stdout)
    sources = {row["source"]: row for row in report["sources"]}
    assert sources["genius"]["songs_waiting"] == 1
    assert sources["spotify"]["gaps_pending"] == 1
    assert sources["discogs"]["songs_waiting"] == sources["discogs"]["gaps_pending"] == 0
    table = cli(database_url, "status").stdout
    assert "Sources out, waited for or with gaps pending" in table
    assert "genius" in table
    assert "discogs" not in table.split("Sources out")[1]
