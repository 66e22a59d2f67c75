"""The Spotify market (SPOTIFY_MARKET): without one, an artist's albums list every market's
copy of an album under its own id, as the real service does; with one, each album once.
SpotifyClient against the Spotify sandbox, over real HTTP."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import SecretStr

from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.sandbox.spotify import SpotifySandbox
from producer_discovery.settings import Settings
from tests.support.sandboxes import Sandboxes

NOVA_REYES = "7KsaMWw0j7JGQabU6nnRQN"


def client_for(sandbox: SpotifySandbox, market: str) -> SpotifyClient:
    settings = Settings(
        spotify_client_id="sandbox-client-id",
        spotify_client_secret=SecretStr("sandbox-client-secret"),
        spotify_api_url=sandbox.api_url,
        spotify_token_url=sandbox.token_url,
        spotify_market=market,
    )
    return SpotifyClient.from_settings(settings)


def listed_albums(client: SpotifyClient) -> list[tuple[str, str]]:
    """(name, id) of every album of the artist, page after page."""
    found: list[tuple[str, str]] = []
    offset = 0
    while True:
        page = client.artist_albums(NOVA_REYES, include_groups="album", offset=offset)
        found.extend((album.name, album.id) for album in page.items)
        if not page.next:
            return found
        offset = page.offset + page.limit


@pytest.fixture
def sandbox(sandboxes: Sandboxes) -> SpotifySandbox:
    return sandboxes.spotify


def test_without_a_market_each_album_is_listed_once_per_market_copy(
    sandbox: SpotifySandbox,
) -> None:
    """No market: the sandbox, like Spotify, lists an album's market copies under other ids,
    each reachable by id with the same tracks."""
    with client_for(sandbox, "") as client:
        albums = listed_albums(client)
        names = Counter(name for name, _ in albums)
        assert names["Neon Cathedral"] == 2
        copy = [album_id for name, album_id in albums if name == "Neon Cathedral"]
        first, second = (client.get_album(album_id) for album_id in copy)
        assert first.id != second.id
        assert [t.name for t in first.tracks.items] == [t.name for t in second.tracks.items]


@pytest.mark.parametrize("market", ["US", "JP"])
def test_with_a_market_each_album_is_listed_once(sandbox: SpotifySandbox, market: str) -> None:
    """A market (US by default) lists the copy sold there only: one album request per album;
    the market is sent with every album listing, album and track request."""
    with client_for(sandbox, market) as client:
        albums = listed_albums(client)
        assert max(Counter(name for name, _ in albums).values()) == 1
        assert "Neon Cathedral" in {name for name, _ in albums}
        album = client.get_album(albums[0][1])
        client.get_track(album.tracks.items[0].id)
    with client_for(sandbox, "") as client:
        assert len(albums) < len(listed_albums(client))


def test_the_default_market_is_sent(sandbox: SpotifySandbox) -> None:
    """The default SPOTIFY_MARKET (US) reaches the listing's next page too."""
    settings = Settings(
        spotify_client_id="sandbox-client-id",
        spotify_client_secret=SecretStr("sandbox-client-secret"),
        spotify_api_url=sandbox.api_url,
        spotify_token_url=sandbox.token_url,
    )
    assert settings.spotify_market == "US"
    with SpotifyClient.from_settings(settings) as client:
        page = client.artist_albums(NOVA_REYES, include_groups="album,single", limit=2)
    assert page.next is not None
    assert "market=US" in page.next
