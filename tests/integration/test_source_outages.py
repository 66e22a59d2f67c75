"""Source outages in PostgreSQL (migration 0131): when an outage began, when it ended, the
songs waiting for a source, the gaps it left and their refill; and producer identification
waiting for a source blocked for a short while, against the sandboxes."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from producer_discovery.workers.producer_identification import QUEUE, build
from psycopg_pool import ConnectionPool

from producer_discovery.db.rate_limits import PostgresRateLimiter
from producer_discovery.errors import SourceBlocked, WaitingForSource
from producer_discovery.messages import ProducerIdentificationMessage
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery
from producer_discovery.settings import Settings
from producer_discovery.sources import budgets
from tests.integration.test_producer_identification import seed, song_metadata
from tests.support.database import rows
from tests.support.roles import login_url
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

pytestmark = pytest.mark.sandboxes(
    musicbrainz_requests_per_second=50, discogs_requests_per_minute=100_000
)

CDN_403 = "SourceBlocked: genius search: HTTP 403 (host blocked by the CDN); paused 60s"


@pytest.fixture
def limiter(database_url: str) -> Iterator[PostgresRateLimiter]:
    with ConnectionPool(database_url, min_size=1, max_size=2, open=True) as pool:
        yield PostgresRateLimiter(
            pool, budgets(Settings()), block_base_seconds=60, block_cap_seconds=240
        )


def outage_row(url: str, api: str) -> dict[str, Any]:
    (row,) = rows(
        url,
        "SELECT outage_started_at, recovered_at, blocks FROM api_rate_limits WHERE api = %s",
        (api,),
    )
    return row


def block_passed(url: str, api: str) -> None:
    """As if the block in force had ended (its outage goes on until someone is answered)."""
    rows(
        url,
        "UPDATE api_rate_limits SET blocked_at = blocked_at - interval '10 minutes', "
        "outage_started_at = outage_started_at - interval '10 minutes', paused_until = NULL "
        "WHERE api = %s",
        (api,),
    )


def song(url: str, state: str, **metadata: Any) -> str:
    """A song's processing_status row (an identified track) with `metadata`; its entity id."""
    entity = str(uuid.uuid4())
    rows(
        url,
        "INSERT INTO processing_status (entity_type, entity_id, state, metadata, last_error, "
        "last_processed_at) VALUES ('track', %s, %s, %s, %s, now() - interval '1 minute')",
        (
            entity,
            state,
            json.dumps({"track_id": str(uuid.uuid4()), **metadata.get("metadata", {})}),
            metadata.get("last_error"),
        ),
    )
    return entity


def gaps(url: str) -> dict[str, dict[str, Any]]:
    return {row["source"]: row for row in rows(url, "SELECT * FROM get_source_gaps()")}


# The outage's clock --------------------------------------------------------------------------
def test_an_outage_begins_at_its_first_block_and_ends_when_the_source_answers(
    database_url: str, limiter: PostgresRateLimiter
) -> None:
    """block_api starts the outage, a doubled block keeps its start, an answer during the
    block changes nothing, the first answer after it ends the outage (recovered_at)."""
    assert limiter.outage("genius") is None
    limiter.block("genius", "search: HTTP 403")
    began = outage_row(database_url, "genius")["outage_started_at"]
    assert began is not None
    outage = limiter.outage("genius")
    assert outage is not None
    assert 0 <= outage.out_seconds < 5
    assert 55 < outage.blocked_seconds <= 60
    assert rows(database_url, "SELECT source_answered('genius') AS ended")[0]["ended"] is False
    rows(
        database_url,
        "UPDATE api_rate_limits SET blocked_at = blocked_at - interval '61 seconds', "
        "outage_started_at = outage_started_at - interval '61 seconds' WHERE api = 'genius'",
    )
    limiter.block("genius", "search: HTTP 403")  # still out: the block doubles
    row = outage_row(database_url, "genius")
    assert row["blocks"] == 2
    assert row["outage_started_at"] == began - timedelta(seconds=61)
    block_passed(database_url, "genius")
    outage = limiter.outage("genius")
    assert outage is not None
    assert outage.blocked_seconds == 0, "passed, but nobody was answered yet"
    assert rows(database_url, "SELECT source_answered('genius') AS ended")[0]["ended"] is True
    row = outage_row(database_url, "genius")
    assert row["outage_started_at"] is None
    assert row["recovered_at"] is not None
    assert limiter.outage("genius") is None
    events = rows(
        database_url, "SELECT details FROM monitoring_events WHERE event_type = 'source_returned'"
    )
    assert [event["details"]["api"] for event in events] == ["genius"]


def test_one_probe_goes_through_a_young_outage_block_and_its_answer_ends_the_block(
    database_url: str, limiter: PostgresRateLimiter
) -> None:
    """While the outage is younger than probe_within: one probe per probe_every among all
    callers, then SourceBlocked; an answered probe ends the block and the outage; refused
    credentials and an old outage are never probed."""
    limiter.probe_within = 180
    limiter.block("genius", "search: HTTP 403")
    limiter.acquire("genius")  # the probe: let through the 60 s block
    assert limiter.probing.api == "genius"
    with pytest.raises(SourceBlocked):
        limiter.acquire("genius")  # the next one: blocked, fast
    assert limiter.answered("genius") == 0  # the probe was the earlier request
    assert limiter.outage("genius") is not None
    rows(database_url, "UPDATE api_rate_limits SET probed_at = probed_at - interval '6 seconds'")
    limiter.acquire("genius")
    assert limiter.answered("genius") == 0, "answered, nothing to refill"
    assert limiter.outage("genius") is None
    assert rows(database_url, "SELECT count(*) AS n FROM api_block('genius')") == [{"n": 0}]
    limiter.acquire("genius")  # no block: a token, no probe
    assert limiter.probing.api is None

    limiter.block("discogs", "release: credentials refused")
    with pytest.raises(SourceBlocked):
        limiter.acquire("discogs")
    limiter.block("spotify", "album: quota exceeded")
    rows(
        database_url,
        "UPDATE api_rate_limits SET outage_started_at = now() - interval '181 seconds' "
        "WHERE api = 'spotify'",
    )
    with pytest.raises(SourceBlocked):
        limiter.acquire("spotify")


def test_source_answered_refuses_an_api_the_registry_does_not_know(database_url: str) -> None:
    """Only the registry's APIs, as block_api."""
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="unknown API"):
        rows(database_url, "SELECT source_answered('nope')")


# Gaps and their refill --------------------------------------------------------------------
def test_requeue_by_source_takes_only_the_gaps_that_source_left_by_being_out(
    database_url: str,
) -> None:
    """p_source: a Genius block's gap, not Genius' unreadable answer nor Discogs' block; a
    blocked Spotify leaves its gap under MusicBrainz and is refilled with Spotify."""
    blocked = song(database_url, "COMPLETED", metadata={"missing_sources": {"genius": CDN_403}})
    song(
        database_url,
        "COMPLETED",
        metadata={"missing_sources": {"genius": "ResponseShapeError: genius search: unexpected"}},
    )
    song(
        database_url,
        "COMPLETED",
        metadata={"missing_sources": {"discogs": "SourceBlocked: discogs release: x"}},
    )
    isrc = song(
        database_url,
        "COMPLETED",
        metadata={"missing_sources": {"musicbrainz": "SourceBlocked: spotify is blocked for 9s"}},
    )
    sent = rows(
        database_url,
        "SELECT entity_id FROM requeue_identification_gaps(interval '0', 10, 'genius')",
    )
    assert [row["entity_id"] for row in sent] == [blocked]
    sent = rows(
        database_url,
        "SELECT entity_id FROM requeue_identification_gaps(interval '0', 10, 'spotify')",
    )
    assert [row["entity_id"] for row in sent] == [isrc]
    (state,) = rows(
        database_url, "SELECT state, metadata FROM processing_status WHERE entity_id = %s", (isrc,)
    )
    assert state["state"] == "PENDING"
    assert "missing_sources" not in state["metadata"]
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="unknown source"):
        rows(database_url, "SELECT * FROM requeue_identification_gaps(interval '0', 10, 'nope')")


def test_source_gaps_count_songs_waiting_and_gaps_per_source(
    database_url: str, limiter: PostgresRateLimiter
) -> None:
    """get_source_gaps: songs deferred for each API they wait for, gaps its outage left,
    refills due only once it answered; every API of the registry has a row."""
    song(
        database_url,
        "PENDING",
        last_error="WaitingForSource: waiting for genius, spotify (genius out 3s of 180s)",
    )
    song(database_url, "PENDING", last_error="WaitingForSource: waiting for genius (x)")
    song(database_url, "PENDING", last_error="TransientError: waiting for genius (x)")
    song(database_url, "COMPLETED", metadata={"missing_sources": {"genius": CDN_403}})
    song(
        database_url,
        "COMPLETED",
        metadata={"missing_sources": {"genius": "ResponseShapeError: genius search: odd"}},
    )
    limiter.block("genius", "search: HTTP 403")
    found = gaps(database_url)
    assert set(found) == {"spotify", "genius", "musicbrainz", "discogs", "instagram"}
    assert found["genius"]["songs_waiting"] == 2
    assert found["spotify"]["songs_waiting"] == 1
    assert found["genius"]["gaps_pending"] == 1
    assert found["genius"]["refill_due"] == 0, "still out"
    assert found["genius"]["out_since"] is not None
    assert found["genius"]["blocked_seconds"] > 50
    assert found["discogs"] == {
        "source": "discogs",
        "out_since": None,
        "blocked_seconds": 0,
        "songs_waiting": 0,
        "gaps_pending": 0,
        "refill_due": 0,
    }
    block_passed(database_url, "genius")
    rows(database_url, "SELECT source_answered('genius')")
    assert gaps(database_url)["genius"]["refill_due"] == 1


def test_refill_waits_for_the_block_then_probes_with_one_song_then_refills_all(
    database_url: str, limiter: PostgresRateLimiter
) -> None:
    """Blocked: nothing sent. Block passed, nobody answered: one song, a probe. Answered: the
    rest, at once. Then nothing more."""
    for _ in range(3):
        song(database_url, "COMPLETED", metadata={"missing_sources": {"genius": CDN_403}})
    limiter.block("genius", "search: HTTP 403")
    assert rows(database_url, "SELECT refill_identification_gaps() AS n")[0]["n"] == 0
    block_passed(database_url, "genius")
    assert rows(database_url, "SELECT refill_identification_gaps() AS n")[0]["n"] == 1
    assert limiter.answered("genius") == 2, "the outage ends and the other two are sent"
    assert rows(database_url, "SELECT refill_identification_gaps() AS n")[0]["n"] == 0
    assert (
        rows(database_url, "SELECT queue_length FROM pgmq.metrics('producer_identification')")[0][
            "queue_length"
        ]
        == 3
    )
    assert limiter.answered("genius") == 0, "checked again only after ANSWERED_CHECK_SECONDS"


def test_the_reader_sees_source_gaps_but_cannot_refill(database_url: str) -> None:
    """get_source_gaps has counts only: the reader may call it; the refill changes state: not
    the reader's; the worker (run --drain) may."""
    reader = login_url(database_url, "discovery_reader")
    assert len(rows(reader, "SELECT * FROM get_source_gaps()")) == 5
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        rows(reader, "SELECT refill_identification_gaps()")
    worker = login_url(database_url, "discovery_worker")
    assert rows(worker, "SELECT refill_identification_gaps() AS n") == [{"n": 0}]


# Producer identification waits ----------------------------------------------------------
def handle_once(settings: Settings, url: str, message: dict[str, str]) -> None:
    resources = Resources.build(settings, url, QUEUE)
    try:
        stage = build(resources)
        body = ProducerIdentificationMessage.model_validate(message)
        outcome = stage.handle(Delivery(1, 1, body, "test"))
        with resources.pool.connection() as conn, conn.transaction():
            outcome.write(conn)
    finally:
        resources.close()


def credits_stored(url: str) -> int:
    return int(rows(url, "SELECT count(*) AS n FROM track_producers")[0]["n"])


def test_a_song_waits_for_a_source_blocked_a_short_while_and_writes_nothing(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Genius answers 403: the song waits (WaitingForSource, a few seconds), nothing stored;
    asked again, the sources that answered come from the cache; past the wait it completes
    without Genius and says why."""
    (message,) = seed(database_url, "Neon Cathedral")[:1]
    settings = sandbox_settings(sandboxes, database_url, fast=True)
    sandboxes.reset()
    sandboxes.genius.faults.block_paths = "."
    try:
        with pytest.raises(WaitingForSource) as waiting:
            handle_once(settings, database_url, message)
        assert waiting.value.apis == ["genius"]
        assert 5 <= (waiting.value.retry_after or 0) <= 30
        assert str(waiting.value).startswith("waiting for genius (genius out ")
        assert credits_stored(database_url) == 0
        asked = sum(sandboxes.musicbrainz.requests.values()) + sum(
            sandboxes.discogs.requests.values()
        )
        assert asked > 0
        with pytest.raises(WaitingForSource):
            handle_once(settings, database_url, message)
        again = sum(sandboxes.musicbrainz.requests.values()) + sum(
            sandboxes.discogs.requests.values()
        )
        assert again == asked, "the sources that answered are not asked again"
        assert sandboxes.genius.injected["search"] <= 2, (
            "blocked: Genius asked once more at most, a probe"
        )
        handle_once(settings.model_copy(update={"source_wait_seconds": 0}), database_url, message)
        assert credits_stored(database_url) > 0
    finally:
        sandboxes.genius.faults.block_paths = None


@pytest.mark.slow  # waits out a block of a few seconds
def test_songs_waiting_for_a_blocked_source_spend_no_attempt_and_complete_with_it(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Genius answers 403 for 4 s, max_attempts 1: the songs wait (delivered again, yet no
    attempt spent: one failure would dead-letter them), nothing is dead-lettered, and every
    song completes with Genius' credits, no gap."""
    messages = seed(database_url, "Neon Cathedral")
    settings = sandbox_settings(
        sandboxes,
        database_url,
        fast=True,
        max_attempts=1,
        source_block_base_seconds=2,
        source_block_cap_seconds=4,
    )
    sandboxes.reset()
    sandboxes.genius.faults.block_paths = "."
    lift = threading.Timer(4.0, lambda: setattr(sandboxes.genius.faults, "block_paths", None))
    lift.start()
    try:
        drain_stage(settings, QUEUE, build, messages=messages, timeout=90)
    finally:
        lift.cancel()
        sandboxes.genius.faults.block_paths = None
    assert sandboxes.genius.injected, "Genius answered 403s"
    (delivered,) = rows(
        database_url, "SELECT max(read_ct) AS most FROM pgmq.a_producer_identification"
    )
    assert delivered["most"] >= 2, "songs were set aside and delivered again"
    assert rows(database_url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0
    outcomes = song_metadata(database_url)
    assert len(outcomes) == len(messages)
    assert all(metadata["missing_sources"] == {} for _, metadata in outcomes)
    assert "genius" in {
        row["source"] for row in rows(database_url, "SELECT source FROM track_producer_evidence")
    }
