"""The parsers on responses recorded from the real services (tests/fixtures/recorded, whose
README names each file's source and licence)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from producer_discovery.clients.musicbrainz import barcode_form
from producer_discovery.clients.spotify_models import (
    Album,
    SimpleAlbum,
    SimpleTrack,
    Track,
    page_of,
    parse,
)
from producer_discovery.identification.discogs import discogs_release_credits

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("title", "position", "producers"),
    [
        ("Astronomy Domine", None, {"Pink Floyd"}),
        ("Grantchester Meadows", None, {"Norman Smith"}),
        ("Part 2", "C1.2", {"Norman Smith"}),
        ("Part 3 - Exit", None, {"Norman Smith"}),
    ],
)
def test_real_ummagumma_credits_reach_sub_tracks_of_position_less_index_tracks(
    title: str, position: str | None, producers: set[str]
) -> None:
    """ "C1 to D2" names index tracks that have no position of their own: their sub-tracks count."""
    release = recorded("discogs_release_8604223_ummagumma.json")
    credits = discogs_release_credits(release, title, position)
    assert {credit.name for credit in credits} == producers
    assert all(credit.confidence == 0.75 for credit in credits)


def test_real_production_team_stays_one_producer() -> None:
    """Stock, Aitken & Waterman is one credited artist (shown as credited), across the release."""
    credits = discogs_release_credits(
        recorded("discogs_release_1503102.json"), "Never Gonna Give You Up"
    )
    assert [(credit.name, credit.confidence) for credit in credits] == [
        ("Stock / Aitken / Waterman", 0.6)
    ]


def test_real_release_wide_producer_and_recorder_roles() -> None:
    """ "Producer, Recorded By" with no tracks credits both producers on every track."""
    credits = discogs_release_credits(recorded("discogs_release_2.json"), "Dutchmaster")
    assert {credit.name for credit in credits} == {"Alexi Delano", "Cari Lekebusch"}


def test_real_spotify_album_with_a_padded_upc_parses_and_searches_every_form() -> None:
    """The recorded album's 14-digit UPC is read as sent and searched as 12 and 13 digits too."""
    album = parse(Album, recorded("spotify_album_10FLjwfpbxLmW8c25Xyc2N.json"), "album")
    assert album.upc == "00602475093060"
    assert barcode_form(album.upc) == "602475093060"
    assert [track.name for track in album.tracks.items] == ["Die With A Smile"]


def test_real_album_with_upper_case_type_parses() -> None:
    """The same album as `GET /albums/{id}` has been seen sending it: album_type "SINGLE"."""
    document = recorded("spotify_album_10FLjwfpbxLmW8c25Xyc2N.json")
    album = parse(Album, {**document, "album_type": "SINGLE"}, "album")
    assert album.album_type == "single"


def test_real_search_and_track_pages_parse_item_by_item() -> None:
    """Recorded search and album-track pages parse; a null item is skipped and counted."""
    search = page_of(
        SimpleAlbum, recorded("spotify_search_album_upc_00602475093060.json")["albums"], "search"
    )
    assert [album.name for album in search.items] == ["Die With A Smile"]
    assert search.skipped == []
    tracks = page_of(
        SimpleTrack,
        recorded("spotify_album_tracks_32nryzA6XBCX9ZUspVc1yz_offset50.json"),
        "album_tracks",
    )
    assert len(tracks.items) == 5
    assert tracks.next is None
    nulls = page_of(SimpleAlbum, recorded("spotify_page_with_null_item.json"), "search")
    assert nulls.items == []
    assert nulls.skipped == ["0: null item"]
    assert nulls.total == 1


def test_real_full_track_has_its_isrc() -> None:
    """A recorded full track (with fields development mode no longer sends) gives its ISRC."""
    track = parse(Track, recorded("spotify_track_11dFghVXANMlKmJXsNCbNl.json"), "track")
    assert track.isrc == "USUM71703861"
    assert track.album.album_type == "single"
