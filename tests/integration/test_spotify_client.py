"""SpotifyClient against a running SpotifySandbox, over real HTTP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from producer_discovery.clients.base import CountingMetrics
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.errors import ConfigurationError, PermanentError, RateLimited
from producer_discovery.retry import RetryPolicy
from producer_discovery.sandbox.server import Faults
from producer_discovery.sandbox.spotify import SpotifySandbox
from producer_discovery.settings import Settings
from tests.support.limiters import RecordingLimiter
from tests.support.sandboxes import Sandboxes

CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"
NOVA_REYES = "7KsaMWw0j7JGQabU6nnRQN"
VELVET_ARCADE = "1Xo3cvj1G6s2ZHLlV6xsyk"
ROOMS_AND_CORRIDORS = "5LwyB7SKBaHQR8YUuaJlOr"
FAST_RETRIES = RetryPolicy(base_seconds=0.05, cap_seconds=2.0, in_call_attempts=5)


def client_for(
    sandbox: SpotifySandbox, secret: str = CLIENT_SECRET, **options: Any
) -> SpotifyClient:
    settings = Settings(
        spotify_client_id=CLIENT_ID,
        spotify_client_secret=SecretStr(secret),
        spotify_api_url=sandbox.api_url,
        spotify_token_url=sandbox.token_url,
    )
    options.setdefault("retry_policy", FAST_RETRIES)
    return SpotifyClient.from_settings(settings, **options)


@pytest.fixture
def sandbox(sandboxes: Sandboxes) -> SpotifySandbox:
    """The module's Spotify sandbox, fresh counters."""
    return sandboxes.spotify


@pytest.fixture
def client(sandbox: SpotifySandbox) -> Iterator[SpotifyClient]:
    with client_for(sandbox) as spotify:
        yield spotify


def raw_token(sandbox: SpotifySandbox) -> str:
    response = httpx.post(
        sandbox.token_url,
        data={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    return str(response.json()["access_token"])


# Authentication -------------------------------------------------------------------------
def test_one_token_serves_many_requests(client: SpotifyClient, sandbox: SpotifySandbox) -> None:
    """A token is fetched once and reused until shortly before it expires."""
    client.get_artist(NOVA_REYES)
    client.get_artist(VELVET_ARCADE)
    assert sandbox.requests["token"] == 1
    assert sandbox.requests["artist"] == 2


def test_expired_token_is_refreshed_once_after_a_401(
    client: SpotifyClient, sandbox: SpotifySandbox
) -> None:
    """A 401 makes the client fetch one new token and repeat the request successfully."""
    client.get_artist(NOVA_REYES)
    sandbox.expire_tokens()
    artist = client.get_artist(NOVA_REYES)
    assert artist.name == "Nova Reyes"
    assert sandbox.requests["token"] == 2
    assert sandbox.requests["artist"] == 3


def test_a_second_401_after_the_refresh_is_a_permanent_error() -> None:
    """When even a fresh token is refused, the client fails instead of looping."""
    with SpotifySandbox(token_lifetime_seconds=0) as sandbox:
        metrics = CountingMetrics()
        with client_for(sandbox, metrics=metrics) as spotify, pytest.raises(PermanentError):
            spotify.get_artist(NOVA_REYES)
        assert sandbox.requests["artist"] == 2
        assert metrics.calls.count(("spotify", "artist", 401, False)) == 2


def test_wrong_credentials_are_a_configuration_error(sandbox: SpotifySandbox) -> None:
    """A 400 invalid_client from the token endpoint names the settings to fix."""
    with (
        client_for(sandbox, secret="wrong-secret") as spotify,
        pytest.raises(ConfigurationError, match="SPOTIFY_CLIENT_SECRET"),
    ):
        spotify.get_artist(NOVA_REYES)
    assert sandbox.requests["token"] == 1


@pytest.mark.parametrize(("client_id", "client_secret"), [(None, "secret"), ("id", ""), ("", None)])
def test_missing_credentials_are_a_configuration_error(
    client_id: str | None, client_secret: str | None
) -> None:
    """A client without an id or a secret refuses to start, naming the settings."""
    with pytest.raises(ConfigurationError, match="SPOTIFY_CLIENT_ID"):
        SpotifyClient.from_settings(
            Settings(
                spotify_client_id=client_id,
                spotify_client_secret=None if client_secret is None else SecretStr(client_secret),
            )
        )


def test_token_request_goes_through_the_limiter_and_metrics(sandbox: SpotifySandbox) -> None:
    """The token POST takes a limiter slot and is recorded as endpoint "token"."""
    limiter, metrics = RecordingLimiter(), CountingMetrics()
    with client_for(sandbox, limiter=limiter, metrics=metrics) as spotify:
        spotify.get_artist(NOVA_REYES)
    assert limiter.acquired["spotify"] == 2
    assert metrics.calls[0] == ("spotify", "token", 200, True)


# Search ---------------------------------------------------------------------------------
def test_search_never_sends_a_limit_over_ten(
    client: SpotifyClient, sandbox: SpotifySandbox
) -> None:
    """Asking for 50 results sends limit=10, so the sandbox rejects nothing."""
    page = client.search_artists("nova", limit=50)
    assert page.limit == 10
    assert [artist.name for artist in page.items][:1] == ["Nova Reys"]
    assert sandbox.rejected == Counter()


def test_the_sandbox_rejects_a_search_limit_over_ten(sandbox: SpotifySandbox) -> None:
    """A raw request with limit=11 gets 400 Invalid limit and is counted as rejected."""
    response = httpx.get(
        f"{sandbox.api_url}/search",
        params={"q": "nova", "type": "artist", "limit": 11},
        headers={"Authorization": f"Bearer {raw_token(sandbox)}"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": {"status": 400, "message": "Invalid limit"}}
    assert sandbox.rejected["search"] == 1


def test_a_decoy_artist_is_ranked_before_the_real_one(client: SpotifyClient) -> None:
    """Searching "Nova Reyes" returns the tribute act first; the real artist is still listed."""
    names = [artist.name for artist in client.search_artists("Nova Reyes").items]
    assert names == ["Nova Reyes Tribute", "Nova Reyes", "Nova Reys"]


def test_genre_search_quotes_the_genre_and_dev_mode_hides_genres(
    client: SpotifyClient, sandbox: SpotifySandbox
) -> None:
    """`genre:"hip hop"` finds the hip hop artists; their genres and popularity are absent."""
    artists = client.search_artists_by_genre("hip hop", limit_total=25)
    assert {artist.name for artist in artists} == {"Juno Vale", "Nova Reys"}
    assert all(artist.genres is None and artist.popularity is None for artist in artists)
    assert sandbox.rejected == Counter()


# Albums and tracks ----------------------------------------------------------------------
def test_artist_albums_are_paged_ten_at_a_time(
    client: SpotifyClient, sandbox: SpotifySandbox
) -> None:
    """Nova Reyes's 11 albums and singles come in pages of 10 and 1, following offset."""
    first = client.artist_albums(NOVA_REYES, "album,single")
    second = client.artist_albums(NOVA_REYES, ["album", "single"], offset=first.offset + 10)
    assert (first.total, len(first.items), len(second.items)) == (11, 10, 1)
    assert first.next is not None
    assert first.next.startswith(sandbox.url)
    assert second.next is None
    assert sandbox.rejected == Counter()


def test_appears_on_albums_are_listed_with_another_primary_artist(client: SpotifyClient) -> None:
    """The compilation Nova Reyes appears on has Various Artists as its primary artist."""
    page = client.artist_albums(NOVA_REYES, "appears_on")
    assert [album.name for album in page.items] == ["Neon Nights, Vol. 3"]
    assert page.items[0].primary_artist_id != NOVA_REYES
    assert page.items[0].album_group is None


def test_all_57_tracks_of_a_long_album_are_collected(
    client: SpotifyClient, sandbox: SpotifySandbox
) -> None:
    """The embedded first 50 tracks are followed by one `next` page of 7."""
    album = client.get_album(ROOMS_AND_CORRIDORS)
    tracks = client.album_tracks(album)
    assert (len(album.tracks.items), album.tracks.total) == (50, 57)
    assert len({track.id for track in tracks}) == 57
    assert [track.disc_number for track in tracks].count(2) == 28
    assert sandbox.requests["album_tracks"] == 1
    assert album.upc is not None
    assert album.label is None


def test_a_full_track_carries_its_isrc_without_dev_mode_fields(client: SpotifyClient) -> None:
    """GET /tracks/{id} gives the ISRC; popularity and preview_url are None in dev mode."""
    album = client.get_album(ROOMS_AND_CORRIDORS)
    track = client.get_track(album.tracks.items[0].id)
    assert track.isrc is not None
    assert len(track.isrc) == 12
    assert (track.popularity, track.preview_url) == (None, None)
    assert track.album.id == ROOMS_AND_CORRIDORS


def test_release_dates_of_every_precision_become_dates(client: SpotifyClient) -> None:
    """YYYY pads to January 1st, YYYY-MM to the 1st of the month, YYYY-MM-DD stays."""
    albums = client.artist_albums(NOVA_REYES, "album").items
    dates = {
        (album.release_date, album.release_date_precision): album.release_date_as_date()
        for album in albums
    }
    assert dates[("2011", "year")] == date(2011, 1, 1)
    assert dates[("2012-05", "month")] == date(2012, 5, 1)
    assert dates[("2021-09-24", "day")] == date(2021, 9, 24)


# Extended quota -------------------------------------------------------------------------
def test_dev_mode_probe_is_false_once_and_tracks_are_fetched_one_by_one(
    client: SpotifyClient, sandbox: SpotifySandbox
) -> None:
    """The 403 probe runs once; get_tracks then sends one GET /tracks/{id} per track."""
    track_ids = [track.id for track in client.get_album(ROOMS_AND_CORRIDORS).tracks.items[:3]]
    assert client.has_extended_quota() is False
    tracks = client.get_tracks(track_ids)
    assert [track.id for track in tracks] == track_ids
    assert (sandbox.requests["tracks_batch"], sandbox.requests["track"]) == (1, 3)


def test_extended_quota_probe_is_true_and_tracks_come_in_one_batch() -> None:
    """With extended quota, get_tracks uses one batch call and popularity is present."""
    with SpotifySandbox(extended_quota=True) as sandbox, client_for(sandbox) as spotify:
        track_ids = [track.id for track in spotify.get_album(ROOMS_AND_CORRIDORS).tracks.items]
        assert spotify.has_extended_quota() is True
        sandbox.reset_counts()
        tracks = spotify.get_tracks(track_ids[:7])
        assert [track.id for track in tracks] == track_ids[:7]
        assert all(track.popularity is not None and track.isrc for track in tracks)
        assert (sandbox.requests["tracks_batch"], sandbox.requests["track"]) == (1, 0)


# Faults and rate limits -----------------------------------------------------------------
@pytest.mark.slow
def test_injected_429s_and_502s_are_retried_to_the_right_answer(
    client: SpotifyClient,
) -> None:
    """With a 429 (Retry-After 1) every 3rd and a 502 every 5th request, data is unchanged."""
    expected_albums = client.artist_albums(NOVA_REYES, "album,single").items
    expected_tracks = client.album_tracks(client.get_album(ROOMS_AND_CORRIDORS))
    faults = Faults(rate_limit_every=3, retry_after_seconds=1, server_error_every=5)
    with SpotifySandbox(faults=faults) as sandbox:
        limiter = RecordingLimiter()
        with client_for(sandbox, limiter=limiter) as spotify:
            albums = spotify.artist_albums(NOVA_REYES, "album,single").items
            tracks = spotify.album_tracks(spotify.get_album(ROOMS_AND_CORRIDORS))
        assert albums == expected_albums
        assert tracks == expected_tracks
        assert sum(sandbox.injected.values()) >= 2
        assert ("spotify", 1.0) in limiter.pauses
        assert sandbox.rejected == Counter()


@pytest.mark.slow
def test_the_window_limit_rejects_a_client_that_ignores_it() -> None:
    """Raw requests beyond the rolling-window budget get 429 with Retry-After, counted."""
    with SpotifySandbox(window_limit=5) as sandbox:
        headers = {"Authorization": f"Bearer {raw_token(sandbox)}"}
        statuses = [
            httpx.get(f"{sandbox.api_url}/artists/{NOVA_REYES}", headers=headers) for _ in range(8)
        ]
        assert [response.status_code for response in statuses] == [200] * 5 + [429] * 3
        assert 1 <= int(statuses[-1].headers["Retry-After"]) <= 30
        assert sandbox.rejected["artist"] == 3


def test_a_long_retry_after_is_handed_to_the_caller_without_sleeping() -> None:
    """A window 429 (about 30 s) pauses the shared limiter and raises RateLimited."""
    with SpotifySandbox(window_limit=2) as sandbox:
        limiter = RecordingLimiter()
        with client_for(sandbox, limiter=limiter) as spotify:
            spotify.get_artist(NOVA_REYES)
            spotify.get_artist(NOVA_REYES)
            with pytest.raises(RateLimited) as raised:
                spotify.get_artist(NOVA_REYES)
        assert raised.value.retry_after is not None
        assert raised.value.retry_after > 10
        assert sandbox.requests["artist"] == 3
        assert limiter.pauses[-1][0] == "spotify"


def test_token_url_on_another_host_than_the_api_is_used(sandbox: SpotifySandbox) -> None:
    """Spotify's token endpoint lives on accounts.spotify.com, not api.spotify.com: the
    configured token URL is an allowed origin (any other host still gets no credentials)."""
    token_url = sandbox.token_url.replace("127.0.0.1", "localhost")
    assert token_url != sandbox.token_url
    settings = Settings(
        spotify_client_id=CLIENT_ID,
        spotify_client_secret=SecretStr(CLIENT_SECRET),
        spotify_api_url=sandbox.api_url,
        spotify_token_url=token_url,
    )
    with SpotifyClient.from_settings(settings, retry_policy=FAST_RETRIES) as spotify:
        assert spotify.get_artist(NOVA_REYES).name == "Nova Reyes"
        assert sandbox.requests["token"] == 1
        with pytest.raises(PermanentError, match="refusing to send credentials"):
            spotify.get_json("http://127.0.0.2:9/v1/artists/x", endpoint="artist")
