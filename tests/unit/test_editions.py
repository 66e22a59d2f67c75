"""Which kind of version a track is (editions.edition_qualifier), and the producer
identification messages track discovery sends for a batch (one per song, a refresh stamp when
only the representative changed)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from producer_discovery.workers.track_discovery import identification_messages

from producer_discovery.editions import edition_qualifier
from producer_discovery.messages import TrackDiscoveryMessage


@pytest.mark.parametrize(
    ("title", "album", "kind"),
    [
        ("Undertow", "Tides", None),
        ("Undertow (Live at Harbor Hall)", "Tides", "live"),
        ("Undertow - Live", "Tides", "live"),
        ("Undertow", "Live at Harbor Hall", "live"),
        ("Undertow", "Tides (Live)", "live"),
        ("Undertow", "MTV Unplugged", "live"),
        ("Undertow", "Tides Demos", "demo"),
        ("Undertow (Demo)", "Tides", "demo"),
        ("Undertow - Kelso Remix", "Tides", "remix"),
        ("Undertow (Acoustic)", "Tides", "acoustic"),
        ("Undertow - Instrumental", "Tides", "instrumental"),
        ("Undertow - 2019 Remaster", "Tides", "remaster"),
        ("Undertow", "Tides (Deluxe Edition)", "remaster"),
        ("Undertow - 2019 Remaster", "Live at Harbor Hall", "live"),
        ("Live Wire", "Live Forever", None),
        ("Alive", "Demolition", None),
        ("Undertow (feat. Ray)", "Tides", None),
    ],
)
def test_the_edition_qualifier_reads_markers_and_live_or_demo_album_titles(
    title: str, album: str, kind: str | None
) -> None:
    """Only markers and the usual live/demo album names count; a live take wins over a remaster."""
    assert edition_qualifier(title, album) == kind


def result(song: str, track: str, *, new: bool, changed: bool = False) -> Any:
    return {
        "track_id": track,
        "name": "x",
        "spotify_id": track,
        "normalized_track_id": song,
        "normalized_name": "x",
        "is_new_song": new,
        "representative_track_id": track if new or changed else None,
        "representative_changed": changed,
    }


def test_one_message_per_song_and_a_refresh_when_only_the_representative_changed() -> None:
    """A new song sends one plain message for its final representative even if a better
    edition followed in the batch; a known song whose representative changed is sent again
    with a refresh stamp; an unchanged known song sends nothing."""
    new_song, known_song, quiet_song = (str(uuid.uuid4()) for _ in range(3))
    first, better, other, quiet = (str(uuid.uuid4()) for _ in range(4))
    message = TrackDiscoveryMessage(
        album_id=uuid.uuid4(), spotify_id="album", artist_id=uuid.uuid4()
    )
    sends = identification_messages(
        [
            result(new_song, first, new=True),
            result(new_song, better, new=False, changed=True),
            result(known_song, other, new=False, changed=True),
            result(quiet_song, quiet, new=False),
        ],
        message,
    )
    bodies = {send.message["normalizedTrackId"]: send.message for send in sends}
    assert set(bodies) == {new_song, known_song}
    assert bodies[new_song]["trackId"] == better
    assert "refresh" not in bodies[new_song]
    assert bodies[known_song]["trackId"] == other
    assert bodies[known_song]["refresh"] == f"representative:{other}"
