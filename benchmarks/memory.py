"""Peak memory (RSS) of each stage's worker process: idle on an empty queue, next to the same
process working through 10,000 queued messages, in one run.

    .venv/bin/python -m benchmarks.memory [--messages 10000] [--seconds 20]

For every stage, one `producer-discovery worker STAGE` process (the real command, on the
worker login, its APIs the sandboxes) runs `--seconds` on an empty queue, then `--seconds`
with `--messages` messages queued. Peak RSS is the kernel's high-water mark (VmHWM in
/proc/PID/status), read just before the process is stopped. The messages are valid for their
stage and cheap to answer (names no catalogue holds, ids no table holds), so a worker goes
through many of them: a worker reads a batch at a time, so its memory must not grow with the
depth of its queue. Printed: both peaks, their difference and the messages that left the queue
(archived, dead-lettered or recorded as problematic).

Uses a new database on the server of DATABASE_URL when set (created and dropped), else a
throwaway cluster like the tests'.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from producer_discovery.db.scratch import scratch_database
from producer_discovery.messages import (
    AlbumDiscoveryMessage,
    ArtistDiscoveryMessage,
    ProducerIdentificationMessage,
    QueueMessage,
    SocialEnrichmentMessage,
    TrackDiscoveryMessage,
)
from producer_discovery.runtime.supervisor import STAGES
from producer_discovery.sources import registered_sources
from tests.support.roles import login_url
from tests.support.sandboxes import Sandboxes

COMMAND = Path(sys.executable).with_name("producer-discovery")


def message(stage: str, number: int) -> dict[str, Any]:
    """A valid message of the stage about something no catalogue or table holds."""
    some_id = uuid.UUID(int=number + 1)
    messages: dict[str, QueueMessage] = {
        "artist_discovery": ArtistDiscoveryMessage(artist_name=f"Nobody Known {number}"),
        "album_discovery": AlbumDiscoveryMessage(
            artist_id=some_id, spotify_id=f"0unknownartist{number:08d}"
        ),
        "track_discovery": TrackDiscoveryMessage(
            album_id=some_id, artist_id=some_id, spotify_id=f"0unknownalbum{number:09d}"
        ),
        "producer_identification": ProducerIdentificationMessage(
            track_id=some_id, artist_id=some_id
        ),
        "social_enrichment": SocialEnrichmentMessage(producer_id=some_id),
    }
    return messages[stage].body()


def fill(url: str, stage: str, count: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for start in range(0, count, 1000):
            batch = [Jsonb(message(stage, n)) for n in range(start, min(count, start + 1000))]
            conn.execute("SELECT pgmq.send_batch(%s, %s::jsonb[])", (stage, batch))


def waiting(url: str, stage: str) -> int:
    """Messages still in the stage's queue (visible or being handled)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT queue_length FROM pgmq.metrics(%s)", (stage,)).fetchone()
    return int(row[0]) if row else 0


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def run_worker(stage: str, environment: dict[str, str], seconds: float) -> float:
    """Peak RSS in MiB of one worker process of the stage after `seconds`."""
    process = subprocess.Popen(
        [str(COMMAND), "worker", stage],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(seconds)
        if process.poll() is not None:
            raise RuntimeError(f"{stage} worker exited with {process.returncode}")
        return peak_rss_mib(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--messages", type=int, default=10_000)
    options.add_argument("--seconds", type=float, default=20.0)
    arguments = options.parse_args()
    lines = [f"{'stage':<26}{'idle MiB':>10}{'queued MiB':>12}{'growth':>9}{'handled':>9}"]
    with scratch_database(registered_sources()) as url, Sandboxes() as sandboxes:
        environment = {
            **os.environ,
            **sandboxes.variables(),
            "LOG_LEVEL": "error",
            "DATABASE_URL": login_url(url, "discovery_worker"),
        }
        for stage in STAGES:
            idle = run_worker(stage, environment, arguments.seconds)
            fill(url, stage, arguments.messages)
            busy = run_worker(stage, environment, arguments.seconds)
            done = arguments.messages - waiting(url, stage)  # archived, dead-lettered, recorded
            lines.append(f"{stage:<26}{idle:>10.1f}{busy:>12.1f}{busy - idle:>+9.1f}{done:>9}")
            print(lines[-1], flush=True)
    print(
        f"\npeak RSS per worker process, {arguments.messages} messages queued, "
        f"{arguments.seconds:g} s each (VmHWM):"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
