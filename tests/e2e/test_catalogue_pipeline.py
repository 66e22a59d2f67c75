"""The catalogue pipeline as an operator runs it: `discover` two sample artists, then each stage
as a `producer-discovery worker STAGE --drain` process against the Spotify sandbox, and the
exact rows the catalogue's `_about` promises."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from producer_discovery.sandbox.catalogue import DEFAULT_CATALOGUE
from producer_discovery.sandbox.server import Faults
from producer_discovery.text import normalize_title
from tests.support.sandboxes import Sandboxes
from tests.support.settings import environment_of, sandbox_settings

pytestmark = pytest.mark.slow  # processes: more than ~3 s each

ROOT = Path(__file__).resolve().parents[2]
ARTISTS = ("Nova Reyes", "The Velvet Arcade")
STAGES = ("artist_discovery", "album_discovery", "track_discovery")
CATALOGUE = json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
# The rolling window of the limited runs: 12 requests per 4 s. The workers are held to
# 2 requests/s (burst 2), at most 10 in any 4 s; the track stage alone, unthrottled, sends
# 17 within a second.
WINDOW_LIMIT, WINDOW_SECONDS, LIMITED_RATE = 12, 4.0, 2


class Cli:
    """Runs `producer-discovery` as subprocesses (output to log files, never an unread pipe)."""

    def __init__(self, url: str, sandboxes: Sandboxes, logs: Path, **settings: Any) -> None:
        self.logs = logs
        self.runs = 0
        self.sandboxes = sandboxes
        self.environment = {
            **os.environ,
            **environment_of(
                sandbox_settings(
                    sandboxes,
                    url,
                    log_format="json",
                    poll_interval_seconds=0.5,
                    retry_base_seconds=0.2,
                    retry_cap_seconds=2,
                    **settings,
                )
            ),
        }

    def run(self, *arguments: str, timeout: float = 120) -> None:
        self.runs += 1
        log_path = self.logs / f"{self.runs:02d}-{arguments[0]}-{arguments[1]}.log"
        with log_path.open("w") as log:
            process = subprocess.run(
                [sys.executable, "-m", "producer_discovery", *arguments],
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        assert process.returncode == 0, log_path.read_text()[-3000:]

    def discover_and_drain(self) -> None:
        self.run("discover", *ARTISTS)
        for stage in STAGES:
            self.run("worker", stage, "--drain", "--concurrency", "4")

    def report(self) -> str:
        """What the sandbox served and each process's outcomes, for a failing assertion."""
        sandbox = self.sandboxes.spotify
        lines = [
            (
                f"served {dict(sandbox.requests)}, injected {dict(sandbox.injected)}, "
                f"rejected {dict(sandbox.rejected)}"
            )
        ]
        for log_path in sorted(self.logs.glob("*.log")):
            events = [
                line[:300]
                for line in log_path.read_text().splitlines()
                if "message_processed" not in line or '"outcome": "completed"' not in line
            ]
            lines += [f"== {log_path.name}", *events[-15:]]
        return "\n".join(lines)


def select(url: str, statement: str) -> list[dict[str, Any]]:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(statement).fetchall()


# What the catalogue promises ----------------------------------------------------------
def kept_album_ids(artist: str) -> set[str]:
    listed = CATALOGUE["_about"]["expected"][artist]["albums_kept"]
    return {entry.rstrip(")").rsplit(", ", 1)[1] for entry in listed}


def expected_rows() -> dict[str, Any]:
    """Artists, kept albums, their tracks and one song per normalized title, from `_about`."""
    about = CATALOGUE["_about"]["expected"]
    albums = {album["id"]: album for album in CATALOGUE["albums"]}
    expected: dict[str, Any] = {"artists": set(), "albums": set(), "tracks": set(), "songs": set()}
    for name in ARTISTS:
        artist_id = about[name]["artist_id"]
        expected["artists"].add((name, artist_id))
        for album_id in kept_album_ids(name):
            expected["albums"].add((artist_id, album_id))
            for track in albums[album_id]["tracks"]:
                expected["tracks"].add((album_id, track["id"]))
                expected["songs"].add((artist_id, normalize_title(track["name"])))
    assert len(expected["tracks"]) == sum(about[n]["tracks_on_kept_albums"] for n in ARTISTS)
    assert len(expected["songs"]) == sum(about[n]["distinct_normalized_songs"] for n in ARTISTS)
    return expected


def stored_rows(url: str) -> dict[str, Any]:
    artists = select(url, "SELECT name, spotify_id FROM artists")
    albums = select(
        url,
        "SELECT ar.spotify_id AS artist, al.spotify_id AS album "
        "FROM albums al JOIN artists ar ON ar.id = al.artist_id",
    )
    tracks = select(
        url,
        "SELECT al.spotify_id AS album, t.spotify_id AS track "
        "FROM tracks t JOIN albums al ON al.id = t.album_id",
    )
    songs = select(
        url,
        "SELECT ar.spotify_id AS artist, n.normalized_name AS name "
        "FROM normalized_tracks n JOIN artists ar ON ar.id = n.artist_id",
    )
    return {
        "artists": {(row["name"], row["spotify_id"]) for row in artists},
        "albums": {(row["artist"], row["album"]) for row in albums},
        "tracks": {(row["album"], row["track"]) for row in tracks},
        "songs": {(row["artist"], row["name"]) for row in songs},
    }


def assert_exact_catalogue(url: str, cli: Cli) -> None:
    """The rows, one first producer_identification message per song (and a refresh for a
    song whose best edition arrived later, naming it), and nothing left over."""
    expected = expected_rows()
    assert stored_rows(url) == expected, cli.report()
    assert len(select(url, "SELECT id FROM tracks")) == len(expected["tracks"])
    messages = [
        m["message"]
        for m in select(url, "SELECT message FROM pgmq.q_producer_identification ORDER BY msg_id")
    ]
    first = sorted((m["normalizedTrackId"], m["artistId"]) for m in messages if "refresh" not in m)
    latest = {m["normalizedTrackId"]: m["trackId"] for m in messages}
    songs = select(
        url,
        "SELECT id::text, representative_track_id::text AS track, "
        "artist_id::text AS artist FROM normalized_tracks",
    )
    assert first == sorted((song["id"], song["artist"]) for song in songs)
    assert latest == {song["id"]: song["track"] for song in songs}
    assert len(first) == len(expected["songs"])
    depths = select(
        url,
        "SELECT queue_name, queue_length FROM pgmq.metrics_all() "
        "WHERE queue_name <> 'producer_identification' AND queue_length > 0",
    )
    assert depths == []
    assert select(url, "SELECT count(*) AS n FROM queue_mgmt.problematic_messages") == [{"n": 0}]


# The runs -----------------------------------------------------------------------------
def test_discover_two_artists_and_drain_stores_the_exact_catalogue(
    database_url: str, tmp_path: Path
) -> None:
    """discover + three draining workers: the artists, kept albums, tracks and songs, exactly."""
    with Sandboxes() as sandboxes:
        cli = Cli(database_url, sandboxes, tmp_path)
        cli.discover_and_drain()
        assert sum(sandboxes.spotify.rejected.values()) == 0, cli.report()
    assert_exact_catalogue(database_url, cli)


def test_injected_429s_and_502s_end_in_the_same_rows_without_breaking_a_limit(
    database_url: str, tmp_path: Path
) -> None:
    """A 429 (Retry-After 1) every 7th request and a 502 every 11th: same rows, nothing rejected."""
    faults = Faults(rate_limit_every=7, retry_after_seconds=1, server_error_every=11)
    with Sandboxes(faults={"spotify": faults}, spotify_window_limit=WINDOW_LIMIT) as sandboxes:
        sandboxes.spotify.window_seconds = WINDOW_SECONDS
        cli = Cli(database_url, sandboxes, tmp_path, spotify_requests_per_second=LIMITED_RATE)
        cli.discover_and_drain()
        assert sum(sandboxes.spotify.injected.values()) >= 5, cli.report()
        assert dict(sandboxes.spotify.rejected) == {}, cli.report()
    assert_exact_catalogue(database_url, cli)
    assert select(database_url, "SELECT count(*) AS n FROM dlq_messages") == [{"n": 0}]


def test_the_window_limit_rejects_a_client_that_ignores_the_shared_rate(
    database_url: str, tmp_path: Path
) -> None:
    """Control: the same window rejects workers allowed 100 requests/s, so the run above counts."""
    with Sandboxes(spotify_window_limit=WINDOW_LIMIT) as sandboxes:
        sandboxes.spotify.window_seconds = WINDOW_SECONDS
        cli = Cli(database_url, sandboxes, tmp_path, spotify_requests_per_second=100)
        cli.discover_and_drain()
        assert sum(sandboxes.spotify.rejected.values()) > 0, cli.report()


@pytest.mark.parametrize("missing", ["SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"])
def test_worker_without_spotify_credentials_exits_1_with_one_clear_line(
    database_url: str, tmp_path: Path, missing: str
) -> None:
    """A Spotify stage started without credentials says which setting is missing and exits 1."""
    with Sandboxes() as sandboxes:
        cli = Cli(database_url, sandboxes, tmp_path)
    environment = {**cli.environment, missing: ""}
    process = subprocess.run(
        [sys.executable, "-m", "producer_discovery", "worker", "album_discovery", "--drain"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == 1
    assert "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET" in process.stderr.strip().splitlines()[-1]
