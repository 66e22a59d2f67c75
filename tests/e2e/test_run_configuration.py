"""`run` and `worker` check the configuration once, before starting anything."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_SETTINGS = (
    "SPOTIFY_CLIENT_ID",
    "SPOTIFY_CLIENT_SECRET",
    "MUSICBRAINZ_CONTACT",
    "MUSICBRAINZ_API_URL",
    "DATABASE_URL",
)


def command(tmp_path: Path, *arguments: str, **settings: str) -> tuple[int, str, float]:
    """Run the CLI with no provider settings but `settings`; exit code, stderr, seconds."""
    environment = {k: v for k, v in os.environ.items() if k not in PROVIDER_SETTINGS}
    environment.update(PRODUCER_DISCOVERY_HOME=str(tmp_path / "home"), **settings)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "producer_discovery", *arguments],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.returncode, done.stderr, time.monotonic() - started


@pytest.mark.slow
def test_run_without_credentials_says_what_is_missing_per_stage_and_starts_nothing(
    tmp_path: Path,
) -> None:
    """`run` with no Spotify credentials nor MusicBrainz contact: one line per stage, exit 1
    within seconds, no embedded database created and no stage started."""
    code, stderr, seconds = command(tmp_path, "run")
    assert code == 1, stderr
    # about 1 s on an idle machine, nearly all of it Python importing the CLI; the bound
    # leaves room for a loaded one (a supervisor restarting with back-off would never end)
    assert seconds < 5.0
    lines = stderr.strip().splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "artist_discovery",
        "album_discovery",
        "track_discovery",
        "producer_identification",
        "social_enrichment",
    ]
    assert "SPOTIFY_CLIENT_ID" in lines[0]
    assert "MUSICBRAINZ_CONTACT" in lines[3]
    assert not (tmp_path / "home").exists()  # not even the database was started


@pytest.mark.slow
def test_worker_checks_only_its_own_stage(tmp_path: Path) -> None:
    """`worker producer_identification` with Spotify set but no MusicBrainz contact: one
    line, exit 1; Spotify's stages would not be refused for it."""
    code, stderr, _ = command(
        tmp_path,
        "worker",
        "producer_identification",
        SPOTIFY_CLIENT_ID="id",
        SPOTIFY_CLIENT_SECRET="secret",
    )
    assert code == 1
    assert stderr.strip().splitlines() == [
        (
            "configuration error: producer_identification: set MUSICBRAINZ_CONTACT to your "
            "e-mail address or your application's URL (MusicBrainz requires a real contact in "
            "the User-Agent)"
        )
    ]
