"""The sandboxes' world mode really changes the shapes (else the world pipeline test would
prove nothing), and the clients' JSON decoding drops NUL characters without losing text."""

from __future__ import annotations

import json

from producer_discovery.clients.base import decode_json
from producer_discovery.sandbox.world import worldly


def test_spotify_album_answers_in_the_real_services_shapes() -> None:
    album = {
        "album_type": "album",
        "external_ids": {"upc": "602475093060"},
        "tracks": {"items": [{"id": "t1", "name": "One"}]},
    }
    shaped = worldly("spotify", "album", album)
    assert shaped["album_type"] == "ALBUM"
    assert shaped["external_ids"]["upc"] == "00602475093060"
    assert None in shaped["tracks"]["items"]
    assert len(shaped["tracks"]["items"]) == 3
    assert "_world_unknown_field" in shaped
    assert album["album_type"] == "album", "the handler's own answer is left alone"


def test_artist_album_pages_carry_every_album_type_spelling() -> None:
    page = {"items": [{"id": str(n), "album_type": "album"} for n in range(5)]}
    types = [
        item["album_type"]
        for item in worldly("spotify", "artist_albums", page)["items"]
        if isinstance(item, dict) and "id" in item
    ]
    assert types == ["ALBUM", "EP", "ep", None, "Single"]


def test_discogs_release_gets_a_heading_and_text_with_nul() -> None:
    release = {"tracklist": [{"position": "A1", "title": "Song"}], "notes": "n"}
    shaped = worldly("discogs", "releases", release)
    assert shaped["tracklist"][0] == {
        "type_": "heading",
        "position": "",
        "title": "Side One",
        "duration": "",
    }
    assert "\x00" in shaped["notes"]


def test_decode_json_drops_nul_and_keeps_an_escaped_backslash() -> None:
    document = {"a": "x\x00y", "k\x00": ["\x00", "\\u0000 stays"], "n": 1}
    assert decode_json(json.dumps(document)) == {"a": "xy", "k": ["", "\\u0000 stays"], "n": 1}
    assert decode_json(json.dumps("\u200f\u200b e\u0301")) == "\u200f\u200b e\u0301"
