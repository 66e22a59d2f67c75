"""Matching a track's album against a Discogs artist's release list, without the network."""

from __future__ import annotations

from typing import Any

from producer_discovery.identification.discogs_listing import listed_entries, release_id_of
from producer_discovery.identification.track import TrackToIdentify


def track(title: str, album: str, year: int | None) -> TrackToIdentify:
    return TrackToIdentify(
        track_id="t",
        title=title,
        spotify_id=None,
        artist_names=("Nova Reyes",),
        album_title=album,
        upc=None,
        album_track_count=None,
        album_songs=1,
        album_year=year,
    )


def entry(
    identifier: int, title: str, year: int, role: str = "Main", master: int | None = None
) -> dict[str, Any]:
    if master is not None:
        return {
            "id": identifier,
            "type": "master",
            "main_release": master,
            "title": title,
            "year": year,
            "role": role,
        }
    return {
        "id": identifier,
        "type": "release",
        "title": title,
        "year": year,
        "role": role,
        "format": "CD",
        "label": "Lumen Records",
        "status": "Accepted",
    }


LISTING = [
    entry(1, "Neon Cathedral", 2011, master=101),
    entry(2, "Neon Cathedral (Deluxe Edition)", 2012, master=102),
    entry(3, "Midnight Transit", 2021, master=103),
    entry(4, "Terminal Bloom", 2021, role="Producer"),
    entry(5, "Neon Nights, Vol. 3", 2020, role="TrackAppearance"),
    entry(6, "Static Bloom", 2015),
]


def test_album_entries_come_first_exact_title_before_editions() -> None:
    """The album's entries lead, its exact spelling before an edition of it; masters open
    their main release."""
    titled, _ = listed_entries(LISTING, track("Velour", "Neon Cathedral (Deluxe Edition)", 2012))
    assert [release_id_of(item) for item in titled] == [102, 101]


def test_a_single_missing_from_discogs_is_looked_for_on_the_nearest_releases() -> None:
    """No entry titled like the single: the artist's own releases, nearest its year first;
    never a compilation it only appears on, nor a record it only produced."""
    titled, others = listed_entries(LISTING, track("Terminal Bloom", "Terminal Bloom", 2021))
    assert titled == []
    assert [release_id_of(item) for item in others] == [103, 6, 102, 101]


def test_an_entry_titled_like_the_track_is_its_single() -> None:
    """A track whose album is not listed is tried on a release titled like the track itself."""
    listing = [*LISTING, entry(7, "Glass Coast", 2021)]
    titled, _ = listed_entries(
        listing, track("Glass Coast [prod. Kaito Mercer]", "Summer EP", 2021)
    )
    assert [release_id_of(item) for item in titled] == [7]


def test_entries_of_other_kinds_open_nothing() -> None:
    """Only masters (through their main release) and releases are opened."""
    assert release_id_of({"id": 9, "type": "label", "title": "x"}) is None
    assert release_id_of({"id": 9, "type": "master", "title": "x"}) is None
