"""MusicBrainz's batched Lucene queries: the client's builders and the sandbox's parser and
scorer, which must read them as MusicBrainz' search does (boolean operators, parentheses,
field groups, exact identifier fields)."""

from __future__ import annotations

from typing import Any

import pytest

from producer_discovery.clients.musicbrainz import (
    MAXIMUM_QUERY_LENGTH,
    any_of,
    encoded_length,
    grouped_queries,
    phrase,
)
from producer_discovery.db.identification_plans import AlbumToPlan
from producer_discovery.identification.musicbrainz_plan import (
    best_releases,
    carries_credits,
    listed_recordings,
    placed_on_album,
    reading_order,
)
from producer_discovery.identification.track import TrackToIdentify
from producer_discovery.sandbox import lucene

RELEASE = {"release": ["Neon Cathedral"], "artist": ["Nova Reyes"], "barcode": ["180025868691"]}


# Builders ----------------------------------------------------------------------------------
def test_field_group_quotes_and_escapes_every_value() -> None:
    """`field:("a" OR "b")`, quotes and backslashes escaped inside each phrase."""
    assert any_of("isrc", ["QZ1", "QZ2"]) == 'isrc:("QZ1" OR "QZ2")'
    assert any_of("release", ['Say "Hi"']) == 'release:("Say \\"Hi\\"")'
    assert phrase("a\\b") == '"a\\\\b"'


def test_grouped_queries_cover_every_value_once_within_the_length_bound() -> None:
    """Many values are split over as few queries as the length bound allows, none dropped,
    none repeated, the condition on each."""
    codes = [f"QZNVR11{number:05d}" for number in range(300)] + ["QZNVR1100000"]
    queries = grouped_queries("isrc", codes, 'artist:"Nova Reyes"')
    assert 1 < len(queries) < 20
    assert all(encoded_length(query) <= MAXIMUM_QUERY_LENGTH for query in queries)
    assert all(query.endswith(' AND artist:"Nova Reyes"') for query in queries)
    named = [code for query in queries for code in codes[:300] if f'"{code}"' in query]
    assert sorted(named) == sorted(codes[:300])
    assert grouped_queries("isrc", []) == []


def test_query_length_is_bounded_once_percent_encoded() -> None:
    """Non-Latin titles grow when percent-encoded: the bound holds for the encoded query,
    so they are split over more queries than Latin titles of the same length."""
    latin = [f"Song number {n:03d}" for n in range(200)]
    greek = [f"Τραγούδι αρ {n:03d}" for n in range(200)]  # as many characters each
    assert all(len(a) == len(b) for a, b in zip(latin, greek, strict=True))
    latin_queries = grouped_queries("recording", latin)
    greek_queries = grouped_queries("recording", greek)
    assert all(encoded_length(query) <= MAXIMUM_QUERY_LENGTH for query in greek_queries)
    assert len(greek_queries) > len(latin_queries)


# The sandbox's parser --------------------------------------------------------------------
def test_field_group_matches_any_alternative_exactly() -> None:
    """`barcode:(a OR "b")` matches an identifier exactly, whichever alternative it is."""
    query = lucene.parse('barcode:("0180025868691" OR 180025868691)', "release")
    assert lucene.score(query, RELEASE) == 100
    other = lucene.parse('barcode:("180025868692" OR "80025868691")', "release")
    assert lucene.score(other, RELEASE) is None


@pytest.mark.parametrize("stored", ["180025868691", "0180025868691", "00180025868691"])
@pytest.mark.parametrize("asked", ["180025868691", "0180025868691", "00180025868691"])
def test_barcodes_match_without_leading_zeroes_on_either_side(stored: str, asked: str) -> None:
    """A 12-, 13- or 14-digit form of one product code finds any stored form of it, as
    MusicBrainz indexes and queries barcodes with leading zeroes stripped."""
    release = {**RELEASE, "barcode": [stored]}
    assert lucene.score(lucene.parse(f"barcode:{asked}", "release"), release) == 100


def test_scores_are_relative_to_the_best_hit_and_rare_titles_weigh_more() -> None:
    """In one query OR-ing titles, the exact match on a common title ("Love") scores far
    below the best hit, which scores 100; documents that do not match score None."""
    documents = [{"recording": [f"Love {n}"], "artist": ["Other"]} for n in range(30)]
    documents += [
        {"recording": ["Love"], "artist": ["Nova Reyes"]},
        {"recording": ["Quasar Lullaby"], "artist": ["Nova Reyes"]},
        {"recording": ["Unrelated"], "artist": ["Nova Reyes"]},
    ]
    query = lucene.parse('recording:("Love" OR "Quasar Lullaby")', "recording")
    scores = lucene.relative_scores(query, documents)
    assert scores[-2] == 100
    assert scores[-3] is not None
    assert scores[-3] < 50
    assert scores[-1] is None


def test_and_binds_tighter_than_or_and_parentheses_regroup() -> None:
    """`a OR b AND c` is `a OR (b AND c)`; parentheses change that."""
    loose = lucene.parse(
        'release:"Other" OR release:"Neon Cathedral" AND artist:"Nova Reyes"', "release"
    )
    assert lucene.score(loose, RELEASE) == 100
    grouped = lucene.parse(
        '(release:"Neon Cathedral" OR release:"Other") AND artist:"Someone"', "release"
    )
    assert lucene.score(grouped, RELEASE) is None


def test_title_group_with_an_artist_condition_scores_the_matching_title() -> None:
    """`release:("a" OR "b") AND artist:"x"`: 100 for an exact title, less when contained."""
    query = lucene.parse(
        'release:("Cathedral" OR "Nothing Else") AND artist:"Nova Reyes"', "release"
    )
    assert lucene.score(query, RELEASE) == 95
    exact = lucene.parse('release:("Neon Cathedral" OR "x") AND artistname:"nova reyes"', "release")
    assert lucene.score(exact, RELEASE) == 100


def test_not_excludes_and_free_words_search_the_default_field() -> None:
    """NOT removes a match; bare words are one phrase of the default field."""
    assert lucene.score(lucene.parse("Neon Cathedral", "release"), RELEASE) == 100
    excluded = lucene.parse('release:"Neon Cathedral" AND NOT artist:"Nova Reyes"', "release")
    assert lucene.score(excluded, RELEASE) is None
    assert lucene.score(lucene.parse('release:"Neon" -barcode:1', "release"), RELEASE) == 95


def test_isrc_matches_whatever_the_case() -> None:
    """ISRCs are identifiers: exact, but case does not matter."""
    recording = {"isrc": ["QZNVR1100001"], "recording": ["Neon Cathedral"]}
    assert lucene.score(lucene.parse('isrc:(qznvr1100001 OR "QZX")', "recording"), recording) == 100


@pytest.mark.parametrize("query", ['release:("a" OR "b"', "release:a)", "", 'release:"open'])
def test_unreadable_query_is_a_syntax_error(query: str) -> None:
    """Unbalanced parentheses or quotes, or nothing at all, cannot be read (the service: 400)."""
    with pytest.raises(lucene.QuerySyntaxError):
        lucene.parse(query, "release")


# Reading order ---------------------------------------------------------------------------
def hit(mbid: str, *releases: str) -> tuple[dict[str, object], str]:
    return {"id": mbid, "releases": [{"id": release} for release in releases]}, "isrc"


def test_release_holding_the_most_songs_is_read_first() -> None:
    """Three songs on one compilation, two of them also on an EP: the compilation is read
    for all three; a song alone on its release is looked up by itself."""
    order = reading_order(
        {
            "a": [hit("ra", "compilation", "ep")],
            "b": [hit("rb", "compilation", "ep")],
            "c": [hit("rc", "compilation")],
            "d": [hit("rd", "single")],
        },
        albums_read=set(),
    )
    assert order == {"a": "compilation", "b": "compilation", "c": "compilation", "d": None}


def test_album_release_read_anyway_serves_a_lone_song() -> None:
    """A song whose recording is on an album release that is looked up anyway costs nothing."""
    order = reading_order(
        {"a": [hit("ra", "album")], "b": [hit("rb", "single")]}, albums_read={"album"}
    )
    assert order == {"a": "album", "b": None}


# The artist's listing --------------------------------------------------------------------
def song(key: str, title: str, isrc: str | None = None, album_songs: int = 1) -> TrackToIdentify:
    return TrackToIdentify(
        track_id=key,
        title=title,
        spotify_id=None,
        artist_names=("Nova Reyes",),
        album_title=title,
        upc=None,
        album_track_count=1,
        album_songs=album_songs,
        isrc=isrc,
    )


def browsed(mbid: str, *tracks: tuple[str, str, list[str]]) -> dict[str, Any]:
    """A browsed release whose tracks are (recording id, title, ISRCs) with their relations."""
    items = [
        {"title": title, "recording": {"id": rid, "title": title, "isrcs": codes, "relations": []}}
        for rid, title, codes in tracks
    ]
    return {"id": mbid, "media": [{"tracks": items}]}


def test_listing_places_a_song_by_isrc_else_by_a_title_only_one_recording_carries() -> None:
    """A song is placed on the one recording of the artist's releases with its ISRC, else
    with its title; a title two different recordings carry places nothing, and the same
    recording on two releases is one recording."""
    listing = [
        browsed("album", ("r1", "Neon Cathedral", ["QZNVR1100001"]), ("r2", "Intro", [])),
        browsed("single", ("r1", "Neon Cathedral", ["QZNVR1100001"])),
        browsed("live", ("r3", "Intro", []), ("r4", "Glass Coast - 2019 Remaster", [])),
    ]
    songs = [
        song("a", "Neon Cathedral"),
        song("b", "Intro"),
        song("c", "Glass Coast"),
        song("d", "Renamed", isrc="QZNVR1100001"),
        song("e", "Nowhere"),
    ]
    placed = listed_recordings(listing, songs, {})
    assert {key: [hit["id"] for hit, _ in hits] for key, hits in placed.items()} == {
        "a": ["r1"],
        "c": ["r4"],
        "d": ["r1"],
    }
    assert {release["id"] for release in placed["a"][0][0]["releases"]} == {"album", "single"}


def test_a_release_without_its_recordings_relations_places_nothing() -> None:
    """A release of a browse page over 500 tracks came without relations: it is no source of
    credits, so neither the listing nor the album places a song on it."""
    bare = browsed("box", ("r1", "Neon Cathedral", []))
    del bare["media"][0]["tracks"][0]["recording"]["relations"]
    assert not carries_credits(bare)
    assert listed_recordings([bare], [song("a", "Neon Cathedral")], {}) == {}
    album = {"release": "box", "listed": False}
    assert not placed_on_album(song("a", "Neon Cathedral"), album, {})
    listed = {"box": browsed("box", ("r1", "Neon Cathedral", []))}
    assert placed_on_album(song("a", "Neon Cathedral"), {**album, "listed": True}, listed)
    assert not placed_on_album(song("b", "Other"), {**album, "listed": True}, listed)


def test_release_of_the_album_track_count_then_year_comes_first() -> None:
    """Releases titled like the album: the album's track count first, then its year."""
    album = AlbumToPlan(
        "al", "Neon Cathedral", {"total_tracks": 10, "release_date": "2011-05-01"}, "Nova", 1
    )

    def release(mbid: str, tracks: int, date: str) -> dict[str, Any]:
        return {"id": mbid, "track-count": tracks, "date": date}

    ordered = best_releases(
        [
            release("deluxe", 14, "2011"),
            release("reissue", 10, "2021"),
            release("first", 10, "2011-05"),
        ],
        album,
    )
    assert [item["id"] for item in ordered] == ["first", "reissue", "deluxe"]
