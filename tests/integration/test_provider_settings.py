"""MusicBrainz aliases and contact, the Graph API version."""

from __future__ import annotations

import httpx
import pytest

from producer_discovery.clients.instagram import InstagramClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.enrichment.profiles import from_musicbrainz_artist
from producer_discovery.errors import ConfigurationError
from producer_discovery.sandbox.musicbrainz import MusicBrainzSandbox
from producer_discovery.settings import Settings

KAITO_MERCER = "177cbba6-53ce-5988-bbff-88daeac8ba3e"


def test_musicbrainz_artist_lookup_asks_for_aliases_and_enrichment_reads_them() -> None:
    """`inc=aliases` is sent, so the aliases MusicBrainz returns only on request reach enrichment."""
    with MusicBrainzSandbox(requests_per_second=50) as sandbox:
        client = MusicBrainzClient.from_settings(
            Settings(
                musicbrainz_api_url=f"{sandbox.url}/ws/2", musicbrainz_contact="tests@example.com"
            )
        )
        artist = client.artist(KAITO_MERCER)
        client.close()
    assert artist is not None
    assert [alias["name"] for alias in artist["aliases"]] == ["Kaito M."]
    assert ("alias", "Kaito M.") in from_musicbrainz_artist(artist)


@pytest.mark.parametrize(
    "url", ["https://musicbrainz.org/ws/2", "https://beta.musicbrainz.org/ws/2"]
)
def test_real_musicbrainz_is_refused_with_the_placeholder_contact(url: str) -> None:
    """The default contact is a placeholder: the real host needs MUSICBRAINZ_CONTACT set."""
    with pytest.raises(ConfigurationError, match="MUSICBRAINZ_CONTACT"):
        MusicBrainzClient.from_settings(Settings(musicbrainz_api_url=url))
    MusicBrainzClient.from_settings(
        Settings(musicbrainz_api_url=url, musicbrainz_contact="ops@example.org")
    ).close()


def test_graph_api_version_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """INSTAGRAM_GRAPH_VERSION picks the versioned path (v21.0 expires in January 2027)."""
    monkeypatch.setenv("INSTAGRAM_GRAPH_VERSION", "v24.0")
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(
            200, json={"business_discovery": {"id": "1", "username": "x"}, "id": "17841"}
        )

    settings = Settings(instagram_access_token="token", instagram_user_id="17841")
    assert settings.instagram_graph_version == "v24.0"
    client = InstagramClient.from_settings(settings, transport=httpx.MockTransport(answer))
    client.business_discovery("x")
    client.close()
    assert seen
    assert seen[0].startswith("/v24.0/17841")
