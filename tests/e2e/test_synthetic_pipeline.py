"""Producer identification on a generated 3-artist catalogue (albums missing from MusicBrainz or
Discogs, padded barcodes, ISRCs MusicBrainz does not know, editions), compared with its
`_expected`. Measured with the code of 2026-11-29: precision 1.000, recall 1.000 (40 pairs)."""

from __future__ import annotations

import psycopg
import pytest
from producer_discovery.workers.producer_identification import QUEUE, build

from producer_discovery.sandbox.catalogue_seed import seed_catalogue
from tests.support.credits_truth import CreditsTruth
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage

pytestmark = [
    pytest.mark.slow,  # the whole stage on ~30 songs
    pytest.mark.sandboxes(
        catalogue_artists=3,
        musicbrainz_requests_per_second=50,
        discogs_requests_per_minute=100_000,
    ),
]


def test_the_stage_finds_the_generated_producers_and_nobody_else(
    sandboxes: Sandboxes, database_url: str
) -> None:
    """Precision >= 0.95 and recall >= 0.9 against `_expected`; no stored producer mixes two
    people; every song is identified."""
    assert sandboxes.catalogue is not None
    with psycopg.connect(database_url, autocommit=True) as conn:
        messages = seed_catalogue(
            conn, sandboxes.catalogue.artist_names, catalogue_path=sandboxes.spotify_catalogue
        )
    settings = sandbox_settings(sandboxes, database_url, fast=True, instagram=False)
    drain_stage(settings, QUEUE, build, messages=messages)
    with psycopg.connect(database_url, autocommit=True) as conn:
        states = conn.execute(
            "SELECT state, count(*) FROM processing_status GROUP BY state"
        ).fetchall()
    assert states == [("COMPLETED", len(messages))]
    truth = CreditsTruth(sandboxes.expected, sandboxes.spotify_catalogue)
    assert truth.mixed_producers(database_url) == []
    score = truth.score(database_url)
    print(
        f"\nprecision {score.precision:.3f}, recall {score.recall:.3f} "
        f"({len(score.right)} right of {len(score.found)} stored, {len(score.expected)} expected)"
    )
    assert len(score.expected) >= 30
    assert score.precision >= 0.95, sorted(score.found - score.expected)
    assert score.recall >= 0.9, sorted(score.expected - score.found)
