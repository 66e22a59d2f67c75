"""Provider data as it really comes: the parsers read it, and one odd
item never fails its page."""

from __future__ import annotations

from typing import Any

import pytest

from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.musicbrainz import barcode_form
from producer_discovery.clients.shapes import EVERY_ITEM, OBJECTS, shape_problem
from producer_discovery.clients.spotify_models import Album, SimpleAlbum, page_of, parse
from producer_discovery.errors import PermanentError, ResponseShapeError
from producer_discovery.identification.discogs import (
    discogs_release_credits,
    positions_in,
    tracklist_positions,
)


def album_item(album_id: str, album_type: Any) -> dict[str, Any]:
    return {
        "id": album_id,
        "name": f"Album {album_id}",
        "album_type": album_type,
        "total_tracks": 3,
        "release_date": "2021",
        "release_date_precision": "YEAR",
        "artists": [{"id": "artist1", "name": "Artist"}],
        "images": [],
        "unknown_new_field": {"nested": True},
    }


def albums_page(items: list[Any]) -> dict[str, Any]:
    return {
        "href": "https://api.spotify.com/v1/artists/x/albums",
        "items": items,
        "limit": 10,
        "next": None,
        "offset": 0,
        "previous": None,
        "total": len(items),
    }


# Case 1 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("album_type", ["ALBUM", "EP", "ep", None, "Compilation", "audiobook"])
def test_spotify_album_type_as_really_sent_is_read_not_refused(album_type: Any) -> None:
    """Upper-case, "EP", null and unknown album types parse; known ones fold to lower case."""
    album = SimpleAlbum.model_validate(album_item("a1", album_type))
    assert album.album_type == (album_type.casefold() if album_type else None)
    assert album.release_date_precision == "year"


def test_one_unreadable_album_does_not_fail_its_page() -> None:
    """Items are validated one by one: odd ones are kept, an unreadable one is named in skipped."""
    page = page_of(
        SimpleAlbum,
        albums_page(
            [
                album_item("a1", "ALBUM"),
                {"name": "no id"},
                None,
                album_item("a2", "EP"),
            ]
        ),
        "artist_albums",
    )
    assert [album.id for album in page.items] == ["a1", "a2"]
    assert len(page.skipped) == 2
    assert page.skipped[0].startswith("1: id")


def test_unreadable_page_frame_is_a_permanent_shape_error_naming_the_endpoint() -> None:
    """A document that is no paging object at all is a ResponseShapeError (permanent)."""
    with pytest.raises(ResponseShapeError, match="spotify artist_albums: unexpected response"):
        page_of(SimpleAlbum, {"error": "nope"}, "artist_albums")
    with pytest.raises(PermanentError, match=r"spotify album: .*tracks"):
        parse(Album, {**album_item("a1", "album"), "tracks": "none"}, "album")


# Case 2 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "code", ["00602475093060", "0602475093060", "602475093060", " 602475093060 "]
)
def test_every_written_form_of_a_barcode_is_searched_as_one(code: str) -> None:
    """A 12-digit UPC-A, a 13-digit EAN and Spotify's 14-digit padded GTIN of one product
    are searched in the one form MusicBrainz indexes: without leading zeroes."""
    assert barcode_form(code) == "602475093060"


# Case 3 ----------------------------------------------------------------------------------
def track(position: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"type_": "track", "position": position, "title": title, "duration": "", **extra}


def index(position: str, title: str, subs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type_": "index", "position": position, "title": title, "sub_tracks": subs}


def heading(title: str) -> dict[str, Any]:
    return {"type_": "heading", "position": "", "title": title, "duration": ""}


UMMAGUMMA: dict[str, Any] = {
    "id": 1,
    "title": "Ummagumma",
    "tracklist": [
        heading("Live Album"),
        track("A1", "Astronomy Domine"),
        track("A2", "Careful With That Axe, Eugene"),
        track("B1", "Set The Controls For The Heart Of The Sun"),
        track("B2", "A Saucerful Of Secrets"),
        heading("Studio Album"),
        index(
            "C1", "Sysyphus", [track("C1.1", "Sysyphus Part 1"), track("C1.2", "Sysyphus Part 2")]
        ),
        track("C2", "Grantchester Meadows"),
        index(
            "D1",
            "The Narrow Way",
            [track("D1.1", "The Narrow Way Part 1"), track("D1.2", "The Narrow Way Part 2")],
        ),
        index(
            "D2",
            "The Grand Vizier's Garden Party",
            [track("D2.1", "Entrance"), track("D2.2", "Entertainment"), track("D2.3", "Exit")],
        ),
    ],
    "extraartists": [
        {"name": "Pink Floyd", "anv": "", "role": "Producer", "tracks": "C1 to D2", "id": 45467},
        {"name": "Norman Smith", "anv": "", "role": "Producer", "tracks": "A1 to B2", "id": 1},
    ],
}


@pytest.mark.parametrize(
    ("title", "producers"),
    [
        ("Sysyphus Part 2", {"Pink Floyd"}),
        ("Exit", {"Pink Floyd"}),
        ("Grantchester Meadows", {"Pink Floyd"}),
        ("Astronomy Domine", {"Norman Smith"}),
    ],
)
def test_credit_over_index_tracks_covers_their_sub_tracks(title: str, producers: set[str]) -> None:
    """ "C1 to D2" over index tracks credits every sub-track between; headings are skipped."""
    credits = discogs_release_credits(UMMAGUMMA, title)
    assert {credit.name for credit in credits} == producers


def test_tracklist_positions_list_index_tracks_before_their_sub_tracks() -> None:
    """Headings have no position; an index track's position precedes its sub-tracks'."""
    ordered, parents = tracklist_positions(UMMAGUMMA)
    assert ordered[4:8] == ["C1", "C1.1", "C1.2", "C2"]
    assert parents["d2.3"] == "d2"


DOUBLE_CD = ["1-1", "1-2", "1-3", "2-1", "2-2", "2-3", "3-1", "3-2"]
PREFIXED_CD = [f"CD{position}" for position in DOUBLE_CD]


@pytest.mark.parametrize(
    ("tracks", "positions", "expected"),
    [
        ("1-1 to 1-3", DOUBLE_CD, {"1-1", "1-2", "1-3"}),
        ("CD1-1 - CD1-3", DOUBLE_CD, {"1-1", "1-2", "1-3"}),
        ("CD1-2 - CD2-1", PREFIXED_CD, {"1-2", "1-3", "2-1"}),
        ("CD3 Onwards", DOUBLE_CD, {"3-1", "3-2"}),
        ("2-2 onwards", DOUBLE_CD, {"2-2", "2-3", "3-1", "3-2"}),
        ("CD1", DOUBLE_CD, {"1-1", "1-2", "1-3"}),
        ("CD2, CD3-2", PREFIXED_CD, {"2-1", "2-2", "2-3", "3-2"}),
        ("CD4", DOUBLE_CD, set()),
    ],
)
def test_multi_disc_credit_ranges_cover_the_right_positions(
    tracks: str, positions: list[str], expected: set[str]
) -> None:
    """Disc-prefixed positions, spaced-dash ranges, whole discs and "Onwards" are read."""
    assert positions_in(tracks, positions) == expected


SONG_SHAPE = GeniusClient.shapes["songs"]


def song(**fields: Any) -> dict[str, Any]:
    return {"response": {"song": {"id": 1, **fields}}}


def test_lists_the_parser_reads_must_hold_objects_where_they_are_present() -> None:
    """A credits list may be absent or null, but a string, or a list holding a string, where
    the parser reads artist objects is a shape problem naming the field."""
    assert shape_problem(song(), SONG_SHAPE) is None
    assert shape_problem(song(producer_artists=None, custom_performances=[]), SONG_SHAPE) is None
    assert shape_problem(song(producer_artists="Kelso & Marr"), SONG_SHAPE) == (
        "response.song.producer_artists is str, not a list"
    )
    assert shape_problem(song(producer_artists=[{"id": 2}, "Marr"]), SONG_SHAPE) == (
        "response.song.producer_artists holds a str, not only objects"
    )


def test_every_item_step_checks_the_lists_inside_each_object() -> None:
    """`EVERY_ITEM` reaches into each object of a list; items that are not objects are left to
    the list's own declaration."""
    performances = [{"label": "Producer", "artists": [{"id": 3}]}, {"artists": {"id": 4}}]
    assert shape_problem(song(custom_performances=performances), SONG_SHAPE) == (
        "response.song.custom_performances.1.artists is dict, not a list"
    )
    shape = ((("tracklist", EVERY_ITEM, "extraartists"), OBJECTS),)
    assert shape_problem({"tracklist": ["heading", {"extraartists": None}]}, shape) is None
