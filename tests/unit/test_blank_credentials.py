"""A credential given as an empty variable is no credential."""

from __future__ import annotations

import pytest

from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.settings import Settings


def test_a_blank_token_in_the_environment_leaves_its_source_unconfigured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Compose passes an unset token as `GENIUS_ACCESS_TOKEN=`: Genius and Discogs are then
    skipped (not configured), as with no variable at all, instead of asked with an empty token."""
    monkeypatch.setenv("GENIUS_ACCESS_TOKEN", "")
    monkeypatch.setenv("DISCOGS_TOKEN", "   ")
    settings = Settings()
    assert settings.genius_access_token is None
    assert settings.discogs_token is None
    assert not GeniusClient.is_configured(settings)
    assert not DiscogsClient.is_configured(settings)


def test_a_real_token_still_configures_its_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """A non-blank token is kept as it is."""
    monkeypatch.setenv("GENIUS_ACCESS_TOKEN", "a-real-token")
    settings = Settings()
    assert settings.genius_access_token is not None
    assert settings.genius_access_token.get_secret_value() == "a-real-token"
    assert GeniusClient.is_configured(settings)
