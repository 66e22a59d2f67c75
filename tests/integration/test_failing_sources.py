"""Sources that fail alone (blocked, refused credentials, unreadable answers), against the sandboxes over real
HTTP and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from producer_discovery.workers.producer_identification import QUEUE, build
from psycopg_pool import ConnectionPool
from pydantic import SecretStr

from producer_discovery.clients.cache import MemoryResponseCache, cache_key
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.db.rate_limits import PostgresRateLimiter
from producer_discovery.errors import (
    CredentialsRejected,
    PermanentError,
    ResponseShapeError,
    SourceBlocked,
)
from producer_discovery.identification import genius as genius_identification
from producer_discovery.retry import RetryPolicy
from producer_discovery.sandbox.discogs import DiscogsSandbox
from producer_discovery.sandbox.genius import GeniusSandbox
from producer_discovery.sandbox.server import Faults
from producer_discovery.sandbox.spotify import SpotifySandbox
from producer_discovery.settings import Settings
from producer_discovery.sources import budgets
from tests.integration.test_producer_identification import seed, song_metadata
from tests.support.database import rows
from tests.support.sandboxes import DISCOGS_TOKEN, GENIUS_TOKEN, Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

pytestmark = pytest.mark.sandboxes(
    musicbrainz_requests_per_second=50, discogs_requests_per_minute=100_000
)

FAST_RETRIES = RetryPolicy(base_seconds=0.01, cap_seconds=0.05)


@pytest.fixture
def limiter(database_url: str) -> Iterator[PostgresRateLimiter]:
    with ConnectionPool(database_url, min_size=1, max_size=2, open=True) as pool:
        yield PostgresRateLimiter(
            pool, budgets(Settings()), block_base_seconds=0.4, block_cap_seconds=1.6
        )


def pause_of(url: str, api: str) -> dict[str, Any]:
    (row,) = rows(
        url,
        "SELECT blocks, block_seconds, paused_until IS NOT NULL AS paused, "
        "pause_reason FROM api_rate_limits WHERE api = %s",
        (api,),
    )
    return row


def evidence_by_source(url: str) -> dict[str, int]:
    found = rows(url, "SELECT source, count(*) AS n FROM track_producer_evidence GROUP BY source")
    return {row["source"]: row["n"] for row in found}


def unblock(url: str, api: str) -> None:
    """As if the block had long passed."""
    rows(
        url,
        "UPDATE api_rate_limits SET paused_until = NULL, blocks = 0, blocked_at = NULL "
        "WHERE api = %s",
        (api,),
    )


# Case 9 ----------------------------------------------------------------------------------
def test_unexpected_shape_is_permanent_names_the_endpoint_and_is_not_cached() -> None:
    """A 200 answer without `response.hits` is a ResponseShapeError, and nothing is cached."""
    cache = MemoryResponseCache()
    with (
        GeniusSandbox(access_token=GENIUS_TOKEN, faults=Faults(shape_paths="^/search")) as sandbox,
        GeniusClient.from_settings(
            Settings(genius_access_token=GENIUS_TOKEN, genius_api_url=sandbox.url),
            cache=cache,
            retry_policy=FAST_RETRIES,
        ) as client,
    ):
        with pytest.raises(
            ResponseShapeError,
            match="genius search: unexpected response shape: response is missing",
        ) as raised:
            client.search("Neon Cathedral Nova Reyes")
        assert isinstance(raised.value, PermanentError)
        assert cache.documents == {}


def test_cached_document_of_a_bad_shape_is_fetched_again() -> None:
    """A document cached before the shape check (or corrupted) is not served: it is refetched."""
    cache = MemoryResponseCache()
    with (
        GeniusSandbox(access_token=GENIUS_TOKEN) as sandbox,
        GeniusClient.from_settings(
            Settings(genius_access_token=GENIUS_TOKEN, genius_api_url=sandbox.url),
            cache=cache,
            retry_policy=FAST_RETRIES,
        ) as client,
    ):
        cache.put("genius", cache_key("search", {"q": "x"}), {"meta": {"status": 200}})
        assert client.search("x") == []
        assert sandbox.requests["search"] == 1
        assert "hits" in cache.documents[("genius", cache_key("search", {"q": "x"}))]["response"]


def test_unreadable_discogs_release_leaves_only_discogs_out(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Discogs answers releases in a shape we cannot read: each song completes with the other
    sources, Discogs listed as missing with the shape error, nothing dead-lettered."""
    with DiscogsSandbox(
        token=DISCOGS_TOKEN, requests_per_minute=100_000, faults=Faults(shape_paths="^/releases/")
    ) as broken:
        settings = sandbox_settings(sandboxes, database_url, fast=True, discogs_api_url=broken.url)
        messages = seed(database_url, "Neon Cathedral")
        drain_stage(settings, QUEUE, build, messages=messages)
    outcomes = song_metadata(database_url)
    assert len(outcomes) == len(messages)
    missing = [metadata["missing_sources"] for _, metadata in outcomes]
    assert any("discogs" in gap and "ResponseShapeError" in gap["discogs"] for gap in missing)
    assert all(set(gap) <= {"discogs"} for gap in missing)
    assert rows(database_url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0
    assert evidence_by_source(database_url).get("genius", 0) > 0


# Case 4 ----------------------------------------------------------------------------------
def test_spotify_quota_429_without_retry_after_pauses_spotify_for_every_process(
    database_url: str, limiter: PostgresRateLimiter
) -> None:
    """QUOTA_EXCEEDED: one request, then Spotify paused in PostgreSQL; the error is SourceBlocked."""
    with (
        SpotifySandbox(faults=Faults(block_paths="^/v1/albums/")) as sandbox,
        SpotifyClient.from_settings(
            Settings(
                spotify_client_id="sandbox-client-id",
                spotify_client_secret=SecretStr("sandbox-client-secret"),
                spotify_api_url=sandbox.api_url,
                spotify_token_url=sandbox.token_url,
            ),
            limiter=limiter,
            retry_policy=RetryPolicy(base_seconds=0.01, in_call_max_wait=0.1),
        ) as client,
        pytest.raises(SourceBlocked, match="quota exceeded") as raised,
    ):
        client.get_album("5LwyB7SKBaHQR8YUuaJlOr")
    assert raised.value.retry_after == pytest.approx(0.4)
    assert sum(sandbox.injected.values()) == 1
    pause = pause_of(database_url, "spotify")
    assert pause["blocks"] == 1
    assert pause["block_seconds"] == pytest.approx(0.4)
    assert pause["paused"]
    assert pause["pause_reason"].endswith("quota exceeded (429 without Retry-After)")


def test_genius_cloudflare_403_pauses_genius_with_a_growing_back_off(
    database_url: str, limiter: PostgresRateLimiter
) -> None:
    """Each block while blocking lasts doubles the pause up to the cap; a late one starts over."""
    with (
        GeniusSandbox(access_token=GENIUS_TOKEN, faults=Faults(block_paths="^/search")) as sandbox,
        GeniusClient.from_settings(
            Settings(genius_access_token=GENIUS_TOKEN, genius_api_url=sandbox.url),
            limiter=limiter,
            retry_policy=RetryPolicy(base_seconds=0.01, in_call_max_wait=0.1),
        ) as client,
    ):
        pauses = []
        for _ in range(4):
            with pytest.raises(SourceBlocked, match="blocked by the CDN") as raised:
                client.search("anything")
            pauses.append(raised.value.retry_after)
        assert pauses == pytest.approx([0.4, 0.8, 1.6, 1.6])
        assert sandbox.injected["search"] == 4, "one request per block: no in-call retries"
        rows(
            database_url,
            "UPDATE api_rate_limits SET blocked_at = blocked_at - interval '1 hour', "
            "paused_until = NULL WHERE api = 'genius'",
        )
        with pytest.raises(SourceBlocked) as raised:
            client.search("anything")
        assert raised.value.retry_after == pytest.approx(0.4)


def test_a_second_process_hitting_the_same_block_does_not_grow_the_pause(
    database_url: str, limiter: PostgresRateLimiter
) -> None:
    """block_api during a block in force returns what is left of it, and counts one block."""
    first = limiter.block("genius", "test")
    second = limiter.block("genius", "test")
    assert first == pytest.approx(0.4)
    assert 0 < second <= first
    assert pause_of(database_url, "genius")["blocks"] == 1


def test_blocked_source_fails_fast_and_costs_the_others_nothing(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Genius blocked for minutes, past SOURCE_WAIT_SECONDS: no Genius request, no wait;
    every song completes with the other sources' credits, Genius listed as missing because
    blocked."""
    messages = seed(database_url, "Neon Cathedral")
    rows(database_url, "SELECT take_api_token('genius', 50, 2)")
    rows(
        database_url,
        "SELECT block_api('genius', 'search: HTTP 403 (host blocked by the CDN)', 600, 600)",
    )
    sandboxes.reset()
    drain_stage(
        sandbox_settings(sandboxes, database_url, fast=True, source_wait_seconds=0),
        QUEUE,
        build,
        messages=messages,
        timeout=60,
    )
    assert sum(sandboxes.genius.requests.values()) == 0
    outcomes = song_metadata(database_url)
    assert len(outcomes) == len(messages)
    assert all("SourceBlocked" in metadata["missing_sources"]["genius"] for _, metadata in outcomes)
    assert {"musicbrainz", "discogs"} <= set(evidence_by_source(database_url))
    assert rows(database_url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0


# Case 10 ---------------------------------------------------------------------------------
def test_spotify_invalid_client_is_credentials_rejected_and_pauses_spotify(
    database_url: str, limiter: PostgresRateLimiter
) -> None:
    """invalid_client from the token endpoint: CredentialsRejected naming the settings, Spotify paused."""
    with (
        SpotifySandbox() as sandbox,
        SpotifyClient.from_settings(
            Settings(
                spotify_client_id="sandbox-client-id",
                spotify_client_secret=SecretStr("revoked"),
                spotify_api_url=sandbox.api_url,
                spotify_token_url=sandbox.token_url,
            ),
            limiter=limiter,
            retry_policy=FAST_RETRIES,
        ) as client,
        pytest.raises(CredentialsRejected, match="SPOTIFY_CLIENT_SECRET") as raised,
    ):
        client.get_album("5LwyB7SKBaHQR8YUuaJlOr")
    assert raised.value.api == "spotify"
    assert raised.value.retry_after == pytest.approx(0.4)
    assert pause_of(database_url, "spotify")["blocks"] == 1


def test_revoked_genius_token_costs_no_other_source_and_the_refresh_fills_the_gap(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """Genius refuses the token: each song completes with MusicBrainz and Discogs credits,
    Genius listed as missing and why, no dead letter, health critical. Once the token is good
    again, requeue_identification_gaps sends the songs again: Genius' credits are added and
    the other sources' answers, cached, are not asked for again."""
    messages = seed(database_url, "Neon Cathedral")
    revoked = sandbox_settings(
        sandboxes, database_url, fast=True, genius_access_token=SecretStr("revoked-token")
    )
    drain_stage(revoked, QUEUE, build, messages=messages)
    outcomes = song_metadata(database_url)
    assert len(outcomes) == len(messages)
    for _, metadata in outcomes:
        assert metadata["missing_sources"].keys() == {"genius"}
        assert "credentials refused" in metadata["missing_sources"]["genius"]
    before = evidence_by_source(database_url)
    assert "genius" not in before
    assert before["musicbrainz"] > 0
    assert before["discogs"] > 0
    assert rows(database_url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0
    health = rows(database_url, "SELECT get_system_health() AS h")[0]["h"]
    assert health["overall_status"] == "critical"
    issues = rows(
        database_url, "SELECT issue_type, severity, details FROM monitoring.worker_issues"
    )
    assert issues
    assert all(
        issue["severity"] == "critical" and issue["details"] == {"api": "genius"}
        for issue in issues
    )

    unblock(database_url, "genius")  # the operator fixed the token; the pause has passed
    requeued = rows(database_url, "SELECT * FROM requeue_identification_gaps(interval '0')")
    assert len(requeued) == len(messages)
    assert rows(database_url, "SELECT * FROM requeue_identification_gaps(interval '0')") == []
    sandboxes.reset()
    drain_stage(sandbox_settings(sandboxes, database_url, fast=True), QUEUE, build)
    assert sum(sandboxes.genius.requests.values()) > 0
    assert sum(sandboxes.musicbrainz.requests.values()) == 0
    assert sum(sandboxes.discogs.requests.values()) == 0
    after = evidence_by_source(database_url)
    assert after["genius"] > 0
    assert after["musicbrainz"] == before["musicbrainz"]
    assert after["discogs"] == before["discogs"]
    assert all(metadata["missing_sources"] == {} for _, metadata in song_metadata(database_url))


class GeniusWithOddCredits(GeniusSandbox):
    """Songs whose envelope is right but whose producers are a string, not a list of artists
    (case 9 beyond the top-level fields): the client's shape check, which covers the lists the
    parser reads, refuses them."""

    def song(self, request: Any) -> Any:
        response = super().song(request)
        if response.status == 200:
            response.body["response"]["song"]["producer_artists"] = "Kelso & Marr"
        return response


def test_a_source_whose_parser_cannot_read_its_answer_is_left_out_alone(
    database_url: str, sandboxes: Sandboxes
) -> None:
    """A document whose envelope is right but whose credits Genius' parser cannot read: every
    song completes with MusicBrainz and Discogs, Genius listed as missing with what broke,
    nothing dead-lettered."""
    with GeniusWithOddCredits(access_token=GENIUS_TOKEN) as odd:
        settings = sandbox_settings(sandboxes, database_url, fast=True, genius_api_url=odd.url)
        messages = seed(database_url, "Neon Cathedral")
        drain_stage(settings, QUEUE, build, messages=messages)
        assert odd.requests["songs"] > 0
    outcomes = song_metadata(database_url)
    assert len(outcomes) == len(messages)
    gaps = [metadata["missing_sources"] for _, metadata in outcomes]
    assert any("genius" in gap and "unexpected response shape" in gap["genius"] for gap in gaps)
    assert all(set(gap) <= {"genius"} for gap in gaps)
    assert rows(database_url, "SELECT count(*) AS n FROM dlq_messages")[0]["n"] == 0
    assert evidence_by_source(database_url).get("musicbrainz", 0) > 0


def test_a_bug_in_a_parser_fails_the_message_instead_of_passing_for_a_missing_source(
    database_url: str, sandboxes: Sandboxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An AttributeError raised by Genius' parser is our bug, not Genius' shape: no song is
    completed with Genius listed as missing; each song Genius answers fails as any bug does and,
    out of attempts, is dead-lettered with the AttributeError."""

    def parser_with_a_typo(song: dict[str, Any]) -> list[Any]:
        raise AttributeError("'Credit' object has no attribute 'sorce'")

    monkeypatch.setattr(genius_identification, "genius_song_credits", parser_with_a_typo)
    settings = sandbox_settings(sandboxes, database_url, fast=True, max_attempts=1)
    messages = seed(database_url, "Neon Cathedral")
    drain_stage(settings, QUEUE, build, messages=messages)
    assert sandboxes.genius.requests["songs"] > 0
    gaps = [metadata.get("missing_sources") or {} for _, metadata in song_metadata(database_url)]
    assert all("genius" not in gap for gap in gaps)
    dead = rows(database_url, "SELECT failure_reason FROM dlq_messages")
    assert dead
    assert all("AttributeError" in row["failure_reason"] for row in dead)
