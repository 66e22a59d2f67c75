"""The social_enrichment stage in-process on a real PostgreSQL, against the Genius,
MusicBrainz, Discogs and Instagram Graph sandboxes over real HTTP; and the refresh function
requeue_producer_enrichment()."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import psycopg
import pytest
from producer_discovery.workers.social_enrichment import QUEUE, build
from psycopg.types.json import Jsonb

from producer_discovery.clients.genius import GeniusClient
from producer_discovery.db.migrate import migrate
from producer_discovery.db.rate_limits import Budget
from producer_discovery.enrichment.store import (
    Enricher,
    ProducerToEnrich,
)
from producer_discovery.errors import TransientError
from producer_discovery.retry import RetryPolicy
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery
from producer_discovery.sandbox.credits_data import load_credits
from producer_discovery.sandbox.server import Faults
from producer_discovery.settings import Settings
from producer_discovery.sources import GENIUS, INSTAGRAM, profile_sources, registered_sources
from tests.support.database import rows, typed
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

EXPECTED: dict[str, dict[str, Any]] = load_credits()["_expected"]["producers"]
MAX_ATTEMPTS = 3
IN_CALL_ATTEMPTS = RetryPolicy().in_call_attempts
COLUMNS = ("instagram_handle", "instagram_bio", "email", "image_url")

RECORDED_SOURCES = {source.profile_source(None).name for source in profile_sources()}


# Sandboxes ---------------------------------------------------------------------------------
pytestmark = pytest.mark.sandboxes(
    musicbrainz_requests_per_second=50, discogs_requests_per_minute=1000
)


def stage_settings(sandboxes: Sandboxes, url: str, *, instagram: bool = True) -> Settings:
    """The worker's settings: every source on its sandbox, fast limits and retries."""
    return sandbox_settings(
        sandboxes,
        url,
        instagram=instagram,
        genius_requests_per_second=100,
        musicbrainz_requests_per_second=50,
        discogs_requests_per_minute=1000,
        max_attempts=MAX_ATTEMPTS,
        visibility_timeout_seconds=3,
        retry_base_seconds=0.02,
        retry_cap_seconds=0.1,
        poll_interval_seconds=0.2,
    )


# Database helpers --------------------------------------------------------------------------
def seed_producers(url: str, keys: Iterable[str] = EXPECTED) -> dict[str, str]:
    """The catalogue's producers with their source ids, as producer identification leaves
    them; key → producers.id."""
    ids: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        for key in keys:
            expected = EXPECTED[key]
            row = conn.execute(
                "INSERT INTO producers (name, normalized_name) VALUES (%s, %s) RETURNING id::text",
                (expected["name"], expected["normalized_name"]),
            ).fetchone()
            assert row is not None
            ids[key] = row[0]
            for source, field in (
                ("genius", "genius_artist_id"),
                ("musicbrainz", "musicbrainz_id"),
                ("discogs", "discogs_id"),
            ):
                if expected[field] is not None:
                    conn.execute(
                        "INSERT INTO producer_source_ids (source, source_id, producer_id)"
                        " VALUES (%s, %s, %s)",
                        (source, str(expected[field]), ids[key]),
                    )
    return ids


def send_enrichment(url: str, producer_ids: Iterable[str]) -> None:
    messages = [Jsonb({"producerId": producer_id}) for producer_id in producer_ids]
    rows(url, "SELECT pgmq.send_batch(%s, %s::jsonb[])", (QUEUE, messages))


def producers_by_key(url: str, ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    found = rows(
        url,
        "SELECT id::text AS id, instagram_handle, instagram_bio, email, image_url, "
        "metadata, enriched_at, enrichment_failed FROM producers",
    )
    by_id = {row["id"]: row for row in found}
    return {key: by_id[producer_id] for key, producer_id in ids.items()}


def requeue(url: str) -> dict[str, str]:
    """Runs the refresh function; producer id → reason."""
    found = rows(
        url, "SELECT producer_id::text AS producer_id, reason FROM requeue_producer_enrichment()"
    )
    return {row["producer_id"]: row["reason"] for row in found}


def queue_length(url: str) -> int:
    found = rows(url, "SELECT queue_length FROM pgmq.metrics(%s)", (QUEUE,))
    return typed(found[0]["queue_length"], int)


def with_source_ids(keys: Iterable[str], field: str) -> list[str]:
    return [key for key in keys if EXPECTED[key][field] is not None]


# Running the stage -------------------------------------------------------------------------
def run_stage(url: str, sandboxes: Sandboxes, *, instagram: bool = True) -> None:
    """Drains the social_enrichment queue with an in-process worker."""
    drain_stage(
        stage_settings(sandboxes, url, instagram=instagram),
        QUEUE,
        build,
        budgets={"instagram": Budget(100.0, burst=10)},
    )


def enrich_everyone(url: str, sandboxes: Sandboxes) -> dict[str, dict[str, Any]]:
    ids = seed_producers(url)
    send_enrichment(url, ids.values())
    run_stage(url, sandboxes)
    return producers_by_key(url, ids)


# The profile -------------------------------------------------------------------------------
@pytest.mark.slow
def test_every_producer_gets_the_handle_its_sources_show(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Each producer's handle is Genius' instagram_name, else its MusicBrainz link; none when neither."""
    producers = enrich_everyone(database_url, sandboxes)
    assert {key: row["instagram_handle"] for key, row in producers.items()} == {
        key: expected["instagram_handle"] for key, expected in EXPECTED.items()
    }
    for key, row in producers.items():
        if EXPECTED[key]["instagram_handle"] is not None:
            chosen = row["metadata"]["social"]["instagram_handle"]
            assert chosen["source"] == EXPECTED[key]["instagram_source"], key


def test_placeholder_image_is_never_stored(database_url: str, sandboxes: Sandboxes) -> None:
    """Genius' default avatar is neither a column value nor in the metadata; real images are kept."""
    producers = enrich_everyone(database_url, sandboxes)
    assert {key: row["image_url"] for key, row in producers.items()} == {
        key: expected["image_url"] for key, expected in EXPECTED.items()
    }
    placeholders = [key for key, expected in EXPECTED.items() if expected["placeholder_image"]]
    assert placeholders
    for key in placeholders:
        assert "default_avatar" not in str(producers[key]["metadata"]), key


def test_email_is_stored_only_where_public_text_shows_one(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A producer has an e-mail exactly when a public description or bio writes one."""
    producers = enrich_everyone(database_url, sandboxes)
    assert {key: row["email"] for key, row in producers.items()} == {
        key: expected["email"] for key, expected in EXPECTED.items()
    }
    assert all(EXPECTED[key]["email_public"] for key, row in producers.items() if row["email"])


def test_every_stored_value_has_its_provenance(database_url: str, sandboxes: Sandboxes) -> None:
    """Each column value is in metadata.social with the same value, a known source and when it was seen."""
    producers = enrich_everyone(database_url, sandboxes)
    checked = 0
    for key, row in producers.items():
        social = row["metadata"]["social"]
        for column in COLUMNS:
            if row[column] is None:
                assert column not in social, (key, column)
                continue
            assert social[column]["value"] == row[column]
            assert social[column]["source"] in RECORDED_SOURCES
            assert datetime.fromisoformat(social[column]["seen_at"]).tzinfo is not None
            checked += 1
    assert checked >= 25


def test_bio_comes_only_from_discoverable_business_accounts(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Business and creator accounts give a bio; a personal account and a producer without a handle give none."""
    producers = enrich_everyone(database_url, sandboxes)
    assert producers["kelso-and-marr"]["instagram_bio"].startswith("Production duo.")
    assert producers["hana-sato"]["instagram_bio"] == "Producer · synths · Tokyo → Berlin"
    sources = {key: row["metadata"]["enrichment"]["sources"] for key, row in producers.items()}
    assert producers["kaito-mercer"]["instagram_bio"] is None
    assert sources["kaito-mercer"]["instagram-graph"] == "nothing"
    assert sources["lena-ortiz"]["instagram-graph"] == "no_id"
    assert sources["kelso-and-marr"]["instagram-graph"] == "found"


@pytest.mark.slow
def test_more_trusted_source_wins_and_the_disagreement_is_kept(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """MusicBrainz' homepage beats Discogs' spelling of it, and both stay in the metadata."""
    social = enrich_everyone(database_url, sandboxes)["kelso-and-marr"]["metadata"]["social"]
    assert social["website"] == {
        **social["website"],
        "source": "musicbrainz",
        "value": "https://kelsoandmarr.example.com/",
    }
    website = next(item for item in social["disagreements"] if item["field"] == "website")
    assert {"value": "https://kelsoandmarr.example.com", "source": "discogs"} in website["values"]
    assert "K&M" in social["aliases"]


@pytest.mark.slow
def test_nothing_found_is_a_completed_run(database_url: str, sandboxes: Sandboxes) -> None:
    """A producer no source knows anything about is enriched (enriched_at set), not failed."""
    producers = enrich_everyone(database_url, sandboxes)
    for key in ("milo-tran", "sam-rivers"):
        row = producers[key]
        assert row["enriched_at"] is not None
        assert row["enrichment_failed"] is False
        assert [row[column] for column in COLUMNS] == [None, None, None, None]
    assert producers["milo-tran"]["metadata"]["enrichment"]["sources"] == {
        "genius": "no_id",
        "musicbrainz": "found",
        "discogs": "no_id",
        "instagram-graph": "no_id",
    }


def test_messages_for_no_producer_do_nothing(database_url: str, sandboxes: Sandboxes) -> None:
    """A malformed producerId is set aside; an unknown one completes without a write or a request."""
    rows(
        database_url,
        "SELECT pgmq.send_batch(%s, %s::jsonb[])",
        (
            QUEUE,
            [
                Jsonb({"producerId": "not-a-uuid"}),
                Jsonb({"producerId": "00000000-0000-0000-0000-000000000000"}),
            ],
        ),
    )
    run_stage(database_url, sandboxes)
    problems = rows(database_url, "SELECT error_type FROM queue_mgmt.problematic_messages")
    assert [row["error_type"] for row in problems] == ["invalid_message"]  # by the database
    status = rows(database_url, "SELECT state, metadata FROM processing_status")
    assert [(row["state"], row["metadata"]["outcome"]) for row in status] == [
        ("COMPLETED", "producer_not_found")
    ]
    assert sum(sum(sandbox.requests.values()) for sandbox in sandboxes.servers.values()) == 0


# Failures ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_source_failing_until_attempts_run_out_marks_only_that_producer(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Genius failing for one producer on every delivery: it completes failed with the other sources' values."""
    ids = seed_producers(database_url)
    sandboxes.genius.faults = Faults(fail_paths=r"^/artists/2400101$")  # Kelso & Marr
    send_enrichment(database_url, ids.values())
    run_stage(database_url, sandboxes)
    producers = producers_by_key(database_url, ids)
    failed = producers.pop("kelso-and-marr")
    assert failed["enrichment_failed"] is True
    assert failed["enriched_at"] is not None
    assert failed["metadata"]["enrichment"]["sources"]["genius"] == "failed"
    assert failed["instagram_handle"] == "kelsoandmarr"
    assert failed["metadata"]["social"]["instagram_handle"]["source"] == "musicbrainz"
    assert failed["image_url"] is None
    assert sandboxes.genius.injected["artists"] == MAX_ATTEMPTS * IN_CALL_ATTEMPTS
    for key, row in producers.items():
        assert row["enrichment_failed"] is False, key
        assert row["instagram_handle"] == EXPECTED[key]["instagram_handle"], key
    assert rows(database_url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0


@pytest.mark.slow
def test_refresh_run_fixes_a_failed_producer(database_url: str, sandboxes: Sandboxes) -> None:
    """After the source recovers, the refresh function re-enqueues the failed producer only, and it is fixed."""
    ids = seed_producers(database_url)
    sandboxes.genius.faults = Faults(fail_paths=r"^/artists/2400101$")
    send_enrichment(database_url, ids.values())
    run_stage(database_url, sandboxes)
    sandboxes.reset()
    assert requeue(database_url) == {ids["kelso-and-marr"]: "failed"}
    run_stage(database_url, sandboxes)
    fixed = producers_by_key(database_url, ids)["kelso-and-marr"]
    assert fixed["enrichment_failed"] is False
    assert fixed["image_url"] == EXPECTED["kelso-and-marr"]["image_url"]
    assert fixed["metadata"]["social"]["instagram_handle"]["source"] == "genius"
    assert sandboxes.genius.requests["artists"] == 1
    assert queue_length(database_url) == 0


@pytest.mark.slow
def test_failed_refresh_keeps_earlier_values_and_their_provenance(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A refresh whose Genius call fails keeps the image Genius gave before, with its source."""
    ids = seed_producers(database_url, ["kelso-and-marr"])
    send_enrichment(database_url, ids.values())
    run_stage(database_url, sandboxes)
    rows(database_url, "UPDATE producers SET enriched_at = now() - interval '31 days'")
    sandboxes.genius.faults = Faults(fail_paths=r"^/artists/")
    assert requeue(database_url) == {ids["kelso-and-marr"]: "expired"}
    run_stage(database_url, sandboxes)
    row = producers_by_key(database_url, ids)["kelso-and-marr"]
    assert row["enrichment_failed"] is True
    assert row["image_url"] == EXPECTED["kelso-and-marr"]["image_url"]
    assert row["metadata"]["social"]["image_url"]["source"] == "genius"


def test_transient_error_is_raised_until_the_last_delivery(sandboxes: Sandboxes) -> None:
    """Before the last delivery a 5xx goes up for the runtime to retry; on the last it is recorded as failed."""
    sandboxes.genius.faults = Faults(fail_paths=r"^/artists/")
    settings = stage_settings(sandboxes, "postgresql://unused.invalid/unused")
    genius = GeniusClient.from_settings(settings, retry_policy=RetryPolicy(in_call_attempts=1))
    enricher = Enricher([GENIUS.profile_source(genius), INSTAGRAM.profile_source(None)])
    producer = ProducerToEnrich("p1", "Kelso & Marr", {"genius": ("2400101",)})
    with pytest.raises(TransientError):
        enricher.enrich(producer, last_attempt=False)
    enrichment = enricher.enrich(producer, last_attempt=True)
    assert enrichment.failed_sources == ["genius"]
    assert enrichment.record()["sources"] == {"genius": "failed", "instagram-graph": "off"}
    genius.close()


# The refresh function ----------------------------------------------------------------------
def seed_enrichment_states(url: str) -> dict[str, str]:
    """Four producers: fresh, enriched 31 days ago, failed today, never enriched; the enriched
    ones COMPLETED for the runtime's lock."""
    ids = seed_producers(url, ["chloe-marsh", "dev-oneil", "hana-sato", "kaito-mercer"])
    states = [
        ("chloe-marsh", "0 days", False),
        ("dev-oneil", "31 days", False),
        ("hana-sato", "0 days", True),
    ]
    for key, age, failed in states:
        rows(
            url,
            "UPDATE producers SET enriched_at = now() - %s::interval, enrichment_failed = %s "
            "WHERE id = %s",
            (age, failed, ids[key]),
        )
        rows(
            url,
            "INSERT INTO processing_status (entity_type, entity_id, state) "
            "VALUES ('producer', %s, 'COMPLETED')",
            (ids[key],),
        )
    return ids


def test_requeue_picks_ttl_expired_and_failed_producers_only(database_url: str) -> None:
    """Expired and failed producers get a refresh message and a reopened status; fresh and never-enriched ones do not."""
    ids = seed_enrichment_states(database_url)
    assert requeue(database_url) == {ids["dev-oneil"]: "expired", ids["hana-sato"]: "failed"}
    messages = rows(database_url, "SELECT message FROM pgmq.q_social_enrichment ORDER BY msg_id")
    sent_to = {message["message"]["producerId"] for message in messages}
    assert sent_to == {ids["dev-oneil"], ids["hana-sato"]}
    assert all(datetime.fromisoformat(message["message"]["refresh"]) for message in messages)
    states = rows(database_url, "SELECT entity_id, state FROM processing_status")
    assert {row["entity_id"]: row["state"] for row in states} == {
        ids["chloe-marsh"]: "COMPLETED",
        ids["dev-oneil"]: "PENDING",
        ids["hana-sato"]: "PENDING",
    }


def test_requeue_follows_the_enrichment_ttl_setting(database_url: str) -> None:
    """A producer enriched two days ago is due only once settings.enrichment_ttl is shorter than that."""
    ids = seed_producers(database_url, ["chloe-marsh"])
    rows(database_url, "UPDATE producers SET enriched_at = now() - interval '2 days'")
    assert requeue(database_url) == {}
    rows(database_url, "UPDATE settings SET value = '1 day' WHERE key = 'enrichment_ttl'")
    assert requeue(database_url) == {ids["chloe-marsh"]: "expired"}


def test_requeue_sends_nothing_twice_while_a_message_waits(database_url: str) -> None:
    """A second call before the worker has run sends no second message for the same producer."""
    seed_enrichment_states(database_url)
    assert len(requeue(database_url)) == 2
    assert requeue(database_url) == {}
    assert queue_length(database_url) == 2


def test_refresh_is_scheduled_daily_where_pg_cron_runs(cron_database_url: str) -> None:
    """In cron.database_name the refresh function is a daily pg_cron job."""
    said: list[str] = []
    migrate(cron_database_url, log=said.append, sources=registered_sources())
    assert "maintenance schedules installed in pg_cron" in said
    with psycopg.connect(cron_database_url) as conn:
        job = conn.execute(
            "SELECT schedule, command FROM cron.job WHERE jobname = 'social-enrichment-refresh'"
        ).fetchone()
    assert job == ("30 4 * * *", "SELECT count(*) FROM public.requeue_producer_enrichment()")


def test_refresh_schedule_is_skipped_elsewhere_with_a_reason(empty_database_url: str) -> None:
    """Outside the cron database the migration succeeds and says the schedules (the refresh's
    among them) were not installed, naming the functions to run by hand."""
    said: list[str] = []
    migrate(empty_database_url, log=said.append, sources=registered_sources())
    skipped = [line for line in said if line.startswith("maintenance schedules skipped")]
    assert len(skipped) == 1
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT to_regnamespace('cron')").fetchone() == (None,)


def test_requeue_retries_a_first_enrichment_that_never_finished(database_url: str) -> None:
    """A producer queued by identification over a day ago and still not enriched is sent again;
    one queued an hour ago is left to its message."""
    ids = seed_producers(database_url, ["kaito-mercer", "lena-ortiz"])
    rows(
        database_url,
        "UPDATE producers SET enrichment_queued_at = now() - interval '2 days' WHERE id = %s",
        (ids["kaito-mercer"],),
    )
    rows(
        database_url,
        "UPDATE producers SET enrichment_queued_at = now() - interval '1 hour' WHERE id = %s",
        (ids["lena-ortiz"],),
    )
    assert requeue(database_url) == {ids["kaito-mercer"]: "never_finished"}
    assert queue_length(database_url) == 1


@pytest.mark.slow
def test_enrichment_that_missed_a_new_source_id_is_not_committed(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """If producer identification attaches a source id while a run is in flight, the run's
    commit is refused (transient) so the retry sees every id; the producer row is untouched."""
    ids = seed_producers(database_url, ["kelso-and-marr"])
    producer_id = ids["kelso-and-marr"]
    discogs_id = rows(
        database_url, "DELETE FROM producer_source_ids WHERE source = 'discogs' RETURNING source_id"
    )
    resources = Resources.build(stage_settings(sandboxes, database_url), database_url, QUEUE)
    try:
        stage = build(resources)
        body = stage.model.model_validate({"producerId": producer_id})
        outcome = stage.handle(Delivery(1, 1, body, "test"))
        rows(
            database_url,
            "INSERT INTO producer_source_ids (source, source_id, producer_id) VALUES ('discogs', %s, %s)",
            (discogs_id[0]["source_id"], producer_id),
        )
        with (
            pytest.raises(TransientError, match="learned a source id"),
            resources.pool.connection() as conn,
            conn.transaction(),
        ):
            outcome.write(conn)
    finally:
        resources.close()
    assert rows(database_url, "SELECT enriched_at FROM producers") == [{"enriched_at": None}]
