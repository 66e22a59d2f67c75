"""A song is identified from its best edition, whatever order its editions arrive in: the
generated 3-artist catalogue (a live album and a demo EP of album songs, credited nowhere, both
released later) run through track discovery and producer identification five times, the
albums in a different order each time (the live and demo ones first in the first run), with
identification drained between three batches of albums so that a song already identified
from a live take is identified again when its studio edition arrives."""

from __future__ import annotations

import random
from typing import Any

import psycopg
import pytest
from producer_discovery.workers import (
    album_discovery,
    artist_discovery,
    producer_identification,
    track_discovery,
)
from psycopg.rows import dict_row

from tests.support.credits_truth import CreditsTruth
from tests.support.sandboxes import Sandboxes
from tests.support.settings import sandbox_settings
from tests.support.stages import drain_stage, send_messages

pytestmark = [
    pytest.mark.slow,  # five runs of three stages on ~45 songs
    pytest.mark.sandboxes(
        catalogue_artists=3,
        musicbrainz_requests_per_second=50,
        discogs_requests_per_minute=100_000,
    ),
]
RUNS = 5
BATCHES = 3
Credits = dict[tuple[str, str], tuple[str, ...]]


def rows(url: str, statement: str) -> list[dict[str, Any]]:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(statement).fetchall()


def track_discovery_messages(url: str, sandboxes: Sandboxes) -> list[dict[str, Any]]:
    """Artist and album discovery of the catalogue's artists; the track discovery messages they
    queued, taken out of the queue."""
    assert sandboxes.catalogue is not None
    settings = sandbox_settings(sandboxes, url, fast=True, instagram=False)
    drain_stage(
        settings,
        artist_discovery.QUEUE,
        artist_discovery.build,
        messages=[{"artistName": name} for name in sandboxes.catalogue.artist_names],
    )
    drain_stage(settings, album_discovery.QUEUE, album_discovery.build)
    queued = rows(url, "SELECT message FROM pgmq.q_track_discovery ORDER BY msg_id")
    rows(url, "SELECT pgmq.purge_queue('track_discovery')")
    return [row["message"] for row in queued]


def run(url: str, sandboxes: Sandboxes, order: random.Random | None) -> Credits:
    """One run: albums in a shuffled order (None: live and demo albums first), in batches,
    producer identification drained after each; the stored credits, song → producers."""
    messages = track_discovery_messages(url, sandboxes)
    takes = {
        album["id"]
        for album in sandboxes.catalogue.spotify["albums"]  # type: ignore[union-attr]
        if album["name"].startswith("Live at ") or album["name"].endswith(" Demos")
    }
    if order is None:
        messages.sort(key=lambda message: message["spotifyId"] not in takes)
    else:
        order.shuffle(messages)
    settings = sandbox_settings(sandboxes, url, fast=True, instagram=False, worker_concurrency=1)
    size = -(-len(messages) // BATCHES)
    for start in range(0, len(messages), size):
        send_messages(url, track_discovery.QUEUE, messages[start : start + size])
        drain_stage(settings, track_discovery.QUEUE, track_discovery.build)
        drain_stage(settings, producer_identification.QUEUE, producer_identification.build)
    return stored_credits(url)


def stored_credits(url: str) -> Credits:
    credits: Credits = {
        (row["artist"], row["song"]): tuple(row["producers"] or ())
        for row in rows(
            url,
            "SELECT ar.name AS artist, nt.normalized_name AS song, "
            "array_agg(p.normalized_name ORDER BY p.normalized_name) "
            "FILTER (WHERE p.id IS NOT NULL) AS producers "
            "FROM normalized_tracks nt JOIN artists ar ON ar.id = nt.artist_id "
            "LEFT JOIN track_producers tp ON tp.track_id = nt.representative_track_id "
            "LEFT JOIN producers p ON p.id = tp.producer_id "
            "GROUP BY ar.name, nt.normalized_name",
        )
    }
    return credits


def test_credits_are_the_same_whatever_order_the_editions_arrive_in(
    sandboxes: Sandboxes, fresh_database: Any
) -> None:
    """Five runs with the albums in different orders (live and demo takes first in one) end
    with the same producers on every song, identified from a plain studio edition wherever one
    exists, credits on representatives only, and the whole of `_expected` found as often."""
    assert sandboxes.catalogue is not None
    truth = CreditsTruth(sandboxes.expected, sandboxes.spotify_catalogue)
    results: list[Credits] = []
    recalls: list[float] = []
    for number in range(RUNS):
        url = fresh_database()
        results.append(run(url, sandboxes, None if number == 0 else random.Random(number)))
        recalls.append(truth.score(url).recall)
        misplaced = rows(
            url,
            "SELECT nt.normalized_name, t.name, t.edition_qualifier FROM normalized_tracks nt "
            "JOIN tracks t ON t.id = nt.representative_track_id "
            "WHERE t.edition_qualifier IS NOT NULL AND EXISTS (SELECT 1 FROM tracks o "
            "WHERE o.normalized_track_id = nt.id AND o.edition_qualifier IS NULL)",
        )
        assert misplaced == [], f"run {number}: a live or demo take represents its song"
        stray = rows(
            url,
            "SELECT t.name FROM track_producers tp JOIN tracks t ON t.id = tp.track_id "
            "WHERE NOT EXISTS (SELECT 1 FROM normalized_tracks nt "
            "WHERE nt.representative_track_id = t.id)",
        )
        assert stray == [], f"run {number}: credits on an edition that is not its song's"
    takes = sum(1 for song in sandboxes.expected["songs"] if song["other_isrcs"])
    assert takes >= 3, "the catalogue has live or demo takes of some songs"
    for number, credits in enumerate(results[1:], start=1):
        differing = {
            song: (results[0].get(song), credits.get(song))
            for song in results[0].keys() | credits.keys()
            if results[0].get(song) != credits.get(song)
        }
        assert differing == {}, f"run {number} differs from run 0"
    assert len(set(recalls)) == 1, recalls
