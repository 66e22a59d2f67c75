"""SPOTIFY_MARKET: a two-letter ISO 3166-1 code (any case), or empty for none."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from producer_discovery.settings import Settings


@pytest.mark.parametrize(("given", "kept"), [("us", "US"), (" gb ", "GB"), ("", ""), ("  ", "")])
def test_a_market_is_kept_as_an_upper_case_code_or_none(given: str, kept: str) -> None:
    """Lower case and spaces are forgiven; empty means no market."""
    assert Settings(spotify_market=given).spotify_market == kept


@pytest.mark.parametrize("given", ["USA", "U", "1A", "ü1", "U S"])
def test_a_market_that_is_not_a_country_code_is_refused(given: str) -> None:
    """Anything but two letters is a clear settings error, not a 400 at run time."""
    with pytest.raises(ValidationError, match="two-letter ISO 3166-1"):
        Settings(spotify_market=given)


def test_the_market_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SPOTIFY_MARKET sets it."""
    monkeypatch.setenv("SPOTIFY_MARKET", "de")
    assert Settings().spotify_market == "DE"
