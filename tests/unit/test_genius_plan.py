"""The Genius plan's decisions (identification/genius_plan.py) with an in-memory client and
plan store: which songs the listing answers, which are searched, which are left alone."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from producer_discovery.clients.genius import ArtistSongs, GeniusClient
from producer_discovery.clients.shapes import shape_problem
from producer_discovery.db.catalogue import TrackContext
from producer_discovery.db.identification_plans import AlbumToPlan, Plan, PlanEntry
from producer_discovery.identification.genius import genius_hit_matches
from producer_discovery.identification.genius_plan import GeniusPlanner, artist_named
from producer_discovery.identification.track import track_from_context

ARTIST = "artist-1"
NOVA = {"id": 7, "name": "Nova Reyes"}
OTHER = {"id": 9, "name": "Marlow Quinn"}


def song(song_id: int, title: str, primary: dict[str, Any]) -> dict[str, Any]:
    return {"id": song_id, "title": title, "primary_artist": primary}


class Genius:
    """search and artist_songs answered from lists; every call counted."""

    def __init__(self, hits: dict[str, list[dict[str, Any]]], listing: list[dict[str, Any]]):
        self.hits = hits
        self.listing = listing
        self.calls: Counter[str] = Counter()
        self.complete = True

    def search(self, query: str) -> list[dict[str, Any]]:
        self.calls["search"] += 1
        return self.hits.get(query, [])

    def artist_songs(self, artist_id: int, max_pages: int = 20) -> ArtistSongs | None:
        self.calls["artist-songs"] += 1
        return ArtistSongs(artist_id, self.listing, self.complete)


class Plans:
    """A PlanStore in memory, over the artist's stored songs."""

    def __init__(self, titles: list[str]) -> None:
        self.plan: Plan = {"artist": {}, "album": {}, "song": {}}
        self.contexts = [context(f"t{n}", title) for n, title in enumerate(titles)]

    def read(self, artist_id: str) -> Plan:
        return {subject: dict(entries) for subject, entries in self.plan.items()}

    def record(self, artist_id: str, entries: list[PlanEntry]) -> None:
        for entry in entries:
            self.plan[entry.subject][entry.key] = entry.decision

    @contextmanager
    def planning(self, artist_id: str) -> Iterator[None]:
        yield

    def albums(self, artist_id: str) -> list[AlbumToPlan]:
        return []

    def songs(self, artist_id: str) -> list[TrackContext]:
        return self.contexts


def context(track_id: str, title: str, primary: str = "Nova Reyes") -> TrackContext:
    return TrackContext(
        track_id=track_id,
        title=title,
        spotify_id=None,
        track_metadata={"artists": [{"name": primary}]},
        album_title="Album",
        album_metadata={},
        artist_name="Nova Reyes",
        album_songs=2,
        album_id="album-1",
        album_artist_id=ARTIST,
    )


def planner(genius: Genius, plans: Plans) -> GeniusPlanner:
    return GeniusPlanner(cast(GeniusClient, genius), plans, genius_hit_matches)


def test_every_listed_song_is_planned_from_one_listing() -> None:
    """One artist search and one listing answer every song of the artist, editions too."""
    genius = Genius(
        {"Nova Reyes": [song(1, "Neon Cathedral", NOVA)]},
        [song(1, "Neon Cathedral", NOVA), song(2, "Halogen Saints", NOVA)],
    )
    plans = Plans(["Neon Cathedral", "Halogen Saints - 2019 Remaster", "Halogen Saints"])
    found = [planner(genius, plans).song_id(track_from_context(c)) for c in plans.contexts]
    assert found == [1, 2, 2]
    assert genius.calls == Counter({"search": 1, "artist-songs": 1})


def test_a_song_a_complete_listing_lacks_is_not_searched_when_only_the_artist_sings() -> None:
    """Genius lists every song an artist is primary on: one it lacks is not there."""
    genius = Genius(
        {"Nova Reyes": [song(1, "Neon Cathedral", NOVA)]}, [song(1, "Neon Cathedral", NOVA)]
    )
    plans = Plans(["Neon Cathedral", "Transit Reprise"])
    assert planner(genius, plans).song_id(track_from_context(plans.contexts[1])) is None
    assert genius.calls["search"] == 1  # the artist's name only
    assert plans.plan["song"]["t1"] == {"song": None, "search": False}


def test_a_song_is_searched_when_the_listing_was_cut_short_or_another_artist_sings() -> None:
    """A listing cut short, or a track whose primary artist is someone else, is searched."""
    hits = {
        "Nova Reyes": [song(1, "Neon Cathedral", NOVA)],
        "Late Song Nova Reyes": [song(3, "Late Song", NOVA)],
        "Postcards Marlow Quinn": [song(4, "Postcards", OTHER)],
    }
    genius = Genius(hits, [song(1, "Neon Cathedral", NOVA)])
    genius.complete = False
    plans = Plans(["Late Song"])
    plans.contexts.append(context("t9", "Postcards", primary="Marlow Quinn"))
    ask = planner(genius, plans)
    assert ask.song_id(track_from_context(plans.contexts[0])) == 3
    assert ask.song_id(track_from_context(plans.contexts[1])) == 4


def test_the_artist_is_the_first_hit_whose_primary_artist_has_the_name() -> None:
    """A decoy with a near name ("Nova Reys") or a tribute act is not the artist."""
    hits = [
        song(1, "x", {"id": 5, "name": "Nova Reys"}),
        song(2, "y", {"id": 6, "name": "Nova Reyes Tribute"}),
        song(3, "z", {"id": 7, "name": "NOVA REYES"}),
    ]
    assert artist_named(hits, "nova reyes") == 7
    assert artist_named(hits[:2], "nova reyes") is None


# A listing page recorded from the real API -------------------------------------------------
RECORDED = Path(__file__).parent.parent / "fixtures" / "recorded"


def recorded_listing() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (RECORDED / "genius_artist_songs_1123_page1.json").read_text(encoding="utf-8")
    )
    return document


def test_a_recorded_listing_page_has_the_shape_the_client_reads() -> None:
    """Genius' own answer passes the client's shape check and pages on with next_page."""
    document = recorded_listing()
    assert shape_problem(document, GeniusClient.shapes["artist-songs"]) is None
    assert document["response"]["next_page"] == 2


def test_songs_of_a_recorded_listing_are_matched_like_search_hits() -> None:
    """On the real page: the studio song, not its "(Acapella)"/"(Instrumental)" takes; a
    duo's song for the duo; a feature for its primary artist; a curly apostrophe folded."""
    songs = recorded_listing()["response"]["songs"]
    c_l_smooth = {"id": 1123, "name": "C.L. Smooth"}
    genius = Genius({"C.L. Smooth": [song(1, "x", c_l_smooth)]}, songs)
    plans = Plans(["American Me", "Can't Front On Me", "All I Know"])
    plans.contexts[1] = dataclasses.replace(
        plans.contexts[1], track_metadata={"artists": [{"name": "Pete Rock & C.L. Smooth"}]}
    )
    plans.contexts[2] = dataclasses.replace(
        plans.contexts[2], track_metadata={"artists": [{"name": "DJ Jazzy Jeff"}]}
    )
    plans.contexts = [dataclasses.replace(c, artist_name="C.L. Smooth") for c in plans.contexts]
    ask = planner(genius, plans)
    found = [ask.song_id(track_from_context(c)) for c in plans.contexts]
    assert found == [256693, 14053, 57090]
    assert genius.calls == Counter({"search": 1, "artist-songs": 1})
