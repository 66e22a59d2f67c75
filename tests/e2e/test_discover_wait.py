"""`discover NAME --wait` follows the artist's discovery until its pipeline is idle."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.support.database import rows

pytestmark = pytest.mark.slow  # processes: more than ~3 s each


def discover(database_url: str, *arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "producer_discovery", "discover", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DATABASE_URL": database_url},
    )


def test_discover_wait_without_workers_says_so_and_times_out(database_url: str) -> None:
    """No worker runs: --wait says the artist waits and no worker is live, then exits 1."""
    started = time.monotonic()
    process = discover(database_url, "Nova Reyes", "--wait", "--timeout", "3")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    assert 3 <= time.monotonic() - started < 30
    assert "Nova Reyes: waiting for artist_discovery" in stderr
    assert "no live worker for artist_discovery" in stderr
    assert "timed out after 3 s" in stderr


def test_discover_wait_shows_progress_and_ends_when_the_artist_is_idle(database_url: str) -> None:
    """As the stages work (simulated here), --wait prints the counts and the queued messages,
    and exits 0 once nothing of the artist is queued."""
    process = discover(database_url, "Nova Reyes", "--wait", "--timeout", "60")
    try:
        deadline = time.monotonic() + 20
        while not rows(database_url, "SELECT msg_id FROM pgmq.q_artist_discovery"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        msg_id = rows(database_url, "SELECT msg_id FROM pgmq.q_artist_discovery")[0]["msg_id"]
        # artist_discovery done: the artist, one album, one track and song, a queued song
        artist = rows(
            database_url,
            "WITH a AS (INSERT INTO artists (name, spotify_id) VALUES ('Nova Reyes', 'sp1') "
            "RETURNING id), al AS (INSERT INTO albums (artist_id, name) SELECT id, 'First' "
            "FROM a RETURNING id, artist_id), t AS (INSERT INTO tracks (album_id, name) "
            "SELECT id, 'Song' FROM al RETURNING id) "
            "INSERT INTO normalized_tracks (artist_id, normalized_name, representative_track_id) "
            "SELECT a.id, 'song', t.id FROM a, t RETURNING artist_id",
        )[0]["artist_id"]
        rows(
            database_url,
            "SELECT pgmq.send('producer_identification', jsonb_build_object('trackId', "
            "gen_random_uuid(), 'artistId', %s::text))",
            (str(artist),),
        )
        rows(
            database_url,
            "INSERT INTO idempotency.processed_operations (key, queue_name, msg_id, result) "
            "VALUES ('k', 'artist_discovery', %s, '{\"spotify_id\": \"sp1\"}')",
            (msg_id,),
        )
        rows(database_url, "SELECT pgmq.archive('artist_discovery', %s::bigint)", (msg_id,))
        time.sleep(3)
        assert process.poll() is None  # one song still queued for identification
        rows(database_url, "DELETE FROM pgmq.q_producer_identification")
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert (
        "Nova Reyes: 1 albums, 1 tracks, 0/1 songs identified, 0 producers; "
        "queued: producer_identification 1" in stderr
    )
    assert stderr.strip().splitlines()[-1].endswith("0 producers; idle")
