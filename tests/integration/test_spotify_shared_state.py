"""Spotify's token and extended-quota answer shared through PostgreSQL: several
processes (here clients with pools of their own, logged in as discovery_worker) on one database
against the Spotify sandbox over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr, ValidationError

from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.db.pool import open_pool
from producer_discovery.db.provider_state import PostgresProviderState
from producer_discovery.retry import RetryPolicy
from producer_discovery.sandbox.spotify import SpotifySandbox
from producer_discovery.settings import Settings
from tests.support.roles import login_url
from tests.support.sandboxes import Sandboxes

CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
NOVA_REYES = "7KsaMWw0j7JGQabU6nnRQN"
ROOMS_AND_CORRIDORS = "5LwyB7SKBaHQR8YUuaJlOr"
FAST_RETRIES = RetryPolicy(base_seconds=0.05, cap_seconds=1.0, in_call_attempts=3)


@pytest.fixture
def worker_url(database_url: str) -> str:
    """The test database, logged in as a member of discovery_worker (resolved once: setting
    up the login concurrently from several threads would race)."""
    return login_url(database_url, "discovery_worker")


@contextmanager
def process_client(
    worker_url: str, sandbox: SpotifySandbox, quota: str = "auto"
) -> Iterator[SpotifyClient]:
    """A SpotifyClient as one worker process builds it: its own pool, as discovery_worker."""
    settings = Settings(
        spotify_client_id=CLIENT_ID,
        spotify_client_secret=SecretStr(CLIENT_SECRET),
        spotify_api_url=sandbox.api_url,
        spotify_token_url=sandbox.token_url,
        spotify_extended_quota=quota,
    )
    pool = open_pool(worker_url, size=3)
    client = SpotifyClient.from_settings(
        settings, retry_policy=FAST_RETRIES, provider_state=PostgresProviderState(pool)
    )
    try:
        yield client
    finally:
        client.close()
        pool.close()


def one_value(database_url: str, statement: str) -> Any:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(statement).fetchone()
    return row[0] if row else None


# The shared token -----------------------------------------------------------------------
def test_three_processes_starting_together_fetch_one_token(
    database_url: str, worker_url: str, sandboxes: Sandboxes
) -> None:
    """Three clients on one database, calling at the same moment, make ONE token request."""
    sandbox = sandboxes.spotify
    start = threading.Barrier(3)
    names: list[str] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with process_client(worker_url, sandbox) as client:
                start.wait(timeout=10)
                names.append(client.get_artist(NOVA_REYES).name)
        except BaseException as error:  # reported below, a thread cannot raise into the test
            failures.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert names == ["Nova Reyes"] * 3
    assert sandbox.requests["token"] == 1
    assert one_value(database_url, "SELECT count(*) FROM api_credentials") == 1


def test_a_restarted_process_reuses_the_stored_token(worker_url: str, sandboxes: Sandboxes) -> None:
    """A token still valid in the database is used by the next process, not fetched again."""
    sandbox = sandboxes.spotify
    with process_client(worker_url, sandbox) as first:
        first.get_artist(NOVA_REYES)
    with process_client(worker_url, sandbox) as restarted:
        restarted.get_artist(NOVA_REYES)
    assert (sandbox.requests["token"], sandbox.requests["artist"]) == (1, 2)


def test_a_401_replaces_the_shared_token_once_for_every_process(
    worker_url: str, sandboxes: Sandboxes
) -> None:
    """After the token is revoked, the first process to see a 401 fetches a new one; the other
    process's 401 on the old token does not throw the new one away (compare-and-swap)."""
    sandbox = sandboxes.spotify
    with (
        process_client(worker_url, sandbox) as first,
        process_client(worker_url, sandbox) as second,
    ):
        first.get_artist(NOVA_REYES)
        second.get_artist(NOVA_REYES)
        sandbox.expire_tokens()
        first.get_artist(NOVA_REYES)
        second.get_artist(NOVA_REYES)
        assert first.access_token() == second.access_token()
    assert sandbox.requests["token"] == 2
    assert sandbox.requests["artist"] == 6  # two 401s, each repeated once


def test_a_stored_token_about_to_expire_is_not_handed_out(worker_url: str) -> None:
    """A stored token with less than a minute left is not given to another process: it could
    expire in flight; that process fetches a new one."""
    with SpotifySandbox(token_lifetime_seconds=30) as sandbox:
        with process_client(worker_url, sandbox) as first:
            first.get_artist(NOVA_REYES)
        with process_client(worker_url, sandbox) as second:
            second.get_artist(NOVA_REYES)
        assert (sandbox.requests["token"], sandbox.requests["artist"]) == (2, 2)


def test_the_token_table_is_closed_to_the_operator_and_the_reader(
    database_url: str, worker_url: str, sandboxes: Sandboxes
) -> None:
    """The token is a secret: only discovery_worker reads api_credentials."""
    with process_client(worker_url, sandboxes.spotify) as client:
        client.get_artist(NOVA_REYES)
    for group in ("discovery_operator", "discovery_reader", None):
        with (
            psycopg.connect(login_url(database_url, group), autocommit=True) as conn,
            pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedTable)),
        ):
            conn.execute("SELECT access_token FROM api_credentials")


# The extended-quota answer --------------------------------------------------------------
def test_a_second_process_does_not_probe_the_extended_quota_again(
    database_url: str, worker_url: str, sandboxes: Sandboxes
) -> None:
    """The development-mode answer (403) is stored with when it was learnt; another process
    (or a restart) reads it instead of probing."""
    sandbox = sandboxes.spotify
    with process_client(worker_url, sandbox) as first:
        assert first.has_extended_quota() is False
    with process_client(worker_url, sandbox) as second:
        assert second.has_extended_quota() is False
    assert sandbox.requests["tracks_batch"] == 1
    assert (
        one_value(
            database_url,
            "SELECT value FROM api_facts WHERE api = 'spotify' AND fact = 'extended_quota'",
        )
        is False
    )
    assert (
        one_value(database_url, "SELECT now() - learnt_at < interval '1 minute' FROM api_facts")
        is True
    )


def test_an_answer_older_than_a_week_is_probed_again(
    database_url: str, worker_url: str, sandboxes: Sandboxes
) -> None:
    """A remembered answer is trusted for 7 days, then probed once more."""
    sandbox = sandboxes.spotify
    with process_client(worker_url, sandbox) as first:
        first.has_extended_quota()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE api_facts SET learnt_at = now() - interval '8 days'")
    with process_client(worker_url, sandbox) as later:
        assert later.has_extended_quota() is False
    assert sandbox.requests["tracks_batch"] == 2


@pytest.mark.parametrize(("setting", "expected"), [("false", False), ("TRUE", True)])
def test_an_explicit_setting_is_never_probed(
    database_url: str, worker_url: str, sandboxes: Sandboxes, setting: str, expected: bool
) -> None:
    """SPOTIFY_EXTENDED_QUOTA=true|false is believed: no probe, nothing stored."""
    with process_client(worker_url, sandboxes.spotify, quota=setting) as client:
        assert client.has_extended_quota() is expected
    assert sandboxes.spotify.requests["tracks_batch"] == 0
    assert one_value(database_url, "SELECT count(*) FROM api_facts") == 0


def test_a_batch_403_corrects_a_remembered_extended_quota(
    worker_url: str, sandboxes: Sandboxes
) -> None:
    """A stored "extended quota" that a batch call disproves (403) is corrected for every
    process, and the tracks still come, one request each."""
    sandbox = sandboxes.spotify
    with process_client(worker_url, sandbox) as client:
        track_ids = [track.id for track in client.get_album(ROOMS_AND_CORRIDORS).tracks.items[:3]]
        client.provider_state.correct_fact("spotify", client.account, "extended_quota", True)
        tracks = client.get_tracks(track_ids)
        assert [track.id for track in tracks] == track_ids
        assert client.has_extended_quota() is False
    assert (sandbox.requests["tracks_batch"], sandbox.requests["track"]) == (1, 3)
    with process_client(worker_url, sandbox) as other:
        assert other.has_extended_quota() is False
    assert sandbox.requests["tracks_batch"] == 1


@pytest.mark.parametrize(
    ("value", "expected"), [("TRUE", "true"), (" false ", "false"), ("", "auto"), ("Auto", "auto")]
)
def test_the_extended_quota_setting_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    """SPOTIFY_EXTENDED_QUOTA is true, false or auto in any case; empty (compose's unset) is auto."""
    monkeypatch.setenv("SPOTIFY_EXTENDED_QUOTA", value)
    assert Settings().spotify_extended_quota == expected


def test_an_unknown_extended_quota_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value other than true, false or auto is a validation error naming the choices."""
    monkeypatch.setenv("SPOTIFY_EXTENDED_QUOTA", "maybe")
    with pytest.raises(ValidationError, match="'auto', 'true' or 'false'"):
        Settings()


def test_a_wrong_explicit_extended_quota_costs_one_refused_batch(
    worker_url: str, sandboxes: Sandboxes
) -> None:
    """SPOTIFY_EXTENDED_QUOTA=true on a development-mode app: the first batch call's 403 makes
    the process use single requests from then on, instead of one refused batch per album."""
    sandbox = sandboxes.spotify
    with process_client(worker_url, sandbox, quota="true") as client:
        track_ids = [track.id for track in client.get_album(ROOMS_AND_CORRIDORS).tracks.items[:4]]
        first = client.get_tracks(track_ids[:2])
        second = client.get_tracks(track_ids[2:])
        assert [track.id for track in first + second] == track_ids
        assert client.has_extended_quota() is False
    assert (sandbox.requests["tracks_batch"], sandbox.requests["track"]) == (1, 4)
