"""The registry of sources: every entry complete, and the same budgets, trust and order as
the pipeline had before it was one registry."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from producer_discovery.clients.base import ApiClient
from producer_discovery.db.rate_limits import Budget, Rate
from producer_discovery.errors import ConfigurationError
from producer_discovery.identification.credit_source import Credits
from producer_discovery.identification.title import asker as title_asker
from producer_discovery.settings import Settings
from producer_discovery.sources import (
    SOURCES,
    TITLE,
    Source,
    budgets,
    credit_labels,
    credit_sources,
    profile_sources,
)


class WikidataClient(ApiClient):
    api = "wikidata"


def test_every_registered_source_has_a_client_a_budget_and_a_trust() -> None:
    """A source with a client has a positive budget from the settings; a source of credits or
    profiles has a trust; the title, which asks no one, is the only source without a client."""
    for source in SOURCES:
        if source.client is not None:
            budget = source.budget(Settings())
            assert budget is not None
            assert budget.per_second > 0
            assert budget.burst >= 1
            assert set(source.client.credentials) <= set(Settings.model_fields), source.name
        if source.credits is not None or source.profile is not None:
            assert source.trust is not None, source.name
            assert 0 < source.trust <= 1, source.name
    assert [source.name for source in SOURCES if source.client is None] == [TITLE.name]


def test_budgets_are_the_settings_rates_the_limiter_always_had() -> None:
    """Spotify 3/s and Genius 2/s bursting 2; MusicBrainz 1/s and Discogs 60/min 10 % under,
    one at a time; Instagram 1/s bursting 2."""
    assert budgets(Settings()) == {
        "spotify": Budget(3.0, 2),
        "genius": Budget(2.0, 2),
        "musicbrainz": Budget(0.9, 1),
        "discogs": Budget(60 / 60 * 0.9, 1),
        "instagram": Budget(1.0, 2),
    }


def test_trust_orders_sources_as_fusion_and_enrichment_did() -> None:
    """Credits: Genius, MusicBrainz, Discogs, title; profiles: Genius 0.9, MusicBrainz 0.8,
    Discogs 0.6, the Graph API 0.5 (recorded as instagram-graph)."""
    assert [source.name for source in credit_sources()] == [
        "genius",
        "musicbrainz",
        "discogs",
        "title",
    ]
    profiles = [source.profile_source(None) for source in profile_sources()]
    assert [(profile.name, profile.trust) for profile in profiles] == [
        ("genius", 0.9),
        ("musicbrainz", 0.8),
        ("discogs", 0.6),
        ("instagram-graph", 0.5),
    ]
    assert credit_labels() == "Genius, MusicBrainz, Discogs and track titles"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (lambda: Source("wikidata", "Wikidata", WikidataClient), "needs a rate budget"),
        (
            lambda: Source(
                "wiki",
                "Wikidata",
                WikidataClient,
                Rate("genius_requests_per_second"),
            ),
            "its client's api is 'wikidata'",
        ),
        (
            lambda: Source(
                "wikidata",
                "Wikidata",
                WikidataClient,
                Rate("genius_requests_per_second"),
                credits=Credits(title_asker),
            ),
            "needs a trust",
        ),
        (lambda: Rate("wikidata_requests_per_second"), "is not a Settings field"),
        (
            lambda: Source(
                "wikidata",
                "Wikidata",
                type("WikidataClient", (WikidataClient,), {"credentials": ("wikidata_token",)}),
                Rate("genius_requests_per_second"),
            ),
            "are not all Settings fields",
        ),
    ],
)
def test_an_incomplete_entry_is_refused_when_the_registry_is_loaded(
    entry: Callable[[], object], problem: str
) -> None:
    """A client without a rate budget, a client named otherwise, credits without a trust, a
    rate or credentials read from no setting: ConfigurationError at import, so at start-up,
    never an API without a limit or a source trusted least by omission."""
    with pytest.raises(ConfigurationError, match=problem):
        entry()
