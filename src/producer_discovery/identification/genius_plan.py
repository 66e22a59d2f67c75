"""Genius identification planned by artist: one listing of the artist's songs instead of a
search per song, the decisions shared through the database so that every song's message
(and every edition of a song) reuses them.

    planner.song_id(track)     the Genius song id of the track's song, or None

The first message of an artist whose song the plan lacks plans every song of the artist
stored so far, under the plan's lock (db/identification_plans.py, source "genius"); the
others wait, then read it. Songs appear while identification runs (album discovery goes on
concurrently), so a plan is extended as they come: the listing is read again from the
response cache, which costs no request.

    1. the artist on Genius: a search for the artist's name, the first hit whose primary
       artist is that name once normalized (the same fold as everywhere: text.normalize_name);
       if none is, the song's own search (the same query as step 4, so it is cached) may
       name the artist in a verified hit                                    1-2 an artist
    2. the artist's songs: GET /artists/{id}/songs?per_page=50&sort=title, every page
       until next_page is null, but no more pages than the artist has songs stored (a page
       must be able to save a search; a listing cut short leaves the rest to step 4), and
       at most 20 (1,000 songs)                                             1 per 50 songs
    3. each song matched locally with the rules of a search hit (genius_hit_matches: the
       same primary artist, the title's comparable form, the same variant words)   none
    4. a song the listing lacks (a feature on someone else's song, an artist Genius does not
       know by that name, a listing cut short): the search per song, as before   1 a song;
       none for a song credited to the artist alone that a complete listing lacks: Genius
       lists every song an artist is primary on, so a search would find nothing more
Its /songs/{id} is then read once per Genius song, whichever edition asks (response cache).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from producer_discovery.clients.genius import GeniusClient
from producer_discovery.db.identification_plans import Plan, PlanEntry
from producer_discovery.identification.musicbrainz_plan import PlanStore, merged
from producer_discovery.identification.track import (
    TrackToIdentify,
    search_title,
    track_from_context,
)
from producer_discovery.text import comparable_title, normalize_name

JsonDocument = dict[str, Any]
# genius.genius_hit_matches(hit, title, artist) → score or None: one set of rules for a
# search hit and a listed song, passed in (genius.py builds the planner)
Matcher = Callable[[JsonDocument, str, str], float | None]


class GeniusPlanner:
    def __init__(self, client: GeniusClient, plans: PlanStore, matches: Matcher) -> None:
        self.client = client
        self.plans = plans
        self.matches = matches

    # What a message asks ---------------------------------------------------------------
    def song_id(self, track: TrackToIdentify) -> int | None:
        """The track's Genius song: from the artist's plan, else its own verified search."""
        artist = track.album_artist_id or ""
        if not artist:  # not a stored track: nothing to plan with
            return self.searched_song(track)
        plan = self.plans.read(artist)
        if track.track_id not in plan["song"]:
            with self.plans.planning(artist):
                plan = self.plans.read(artist)
                if track.track_id not in plan["song"]:
                    plan = self.plan_songs(artist, plan, track)
        decision = plan["song"].get(track.track_id) or {}
        if decision.get("song"):
            return int(decision["song"])
        return self.searched_song(track) if decision.get("search", True) else None

    def searched_song(self, track: TrackToIdentify) -> int | None:
        """The best verified hit of the song's own search (step 4)."""
        best = self.best_match(self.song_search(track), track)
        return int(best["id"]) if best else None

    def song_search(self, track: TrackToIdentify) -> list[JsonDocument]:
        return self.client.search(f"{search_title(track.title)} {track.artist_name}")

    # Planning ----------------------------------------------------------------------------
    def plan_songs(self, artist: str, plan: Plan, track: TrackToIdentify) -> Plan:
        contexts = self.plans.songs(artist)
        songs = {track.track_id: track}
        for context in contexts:
            if context.track_id not in plan["song"]:
                songs.setdefault(context.track_id, track_from_context(context))
        entries: list[PlanEntry] = []
        known = plan["artist"].get("")
        if known is None:
            name = contexts[0].artist_name if contexts else track.artist_names[-1]
            known = {"id": self.artist_id(name, track), "name": name}
            entries.append(PlanEntry("artist", "", known))
        listing = None
        if known.get("id"):  # a page must be able to save a search: no more pages than songs
            listing = self.client.artist_songs(int(known["id"]), max_pages=len(contexts) or 1)
        index = ListingIndex(listing.songs if listing else [])
        planned_artist = normalize_name(str(known.get("name") or ""))
        for key, song in songs.items():
            best = self.best_match(index.candidates(song.title), song)
            if best is None and index.songs:  # a near title ("Hearts" for "Heart"): scan all
                best = self.best_match(index.songs, song)
            if best is not None:
                decision: JsonDocument = {"song": int(best["id"]), "via": "listing"}
            else:  # a complete listing has every song the artist is primary on: no search
                only_the_artist = all(
                    normalize_name(name) == planned_artist for name in song.artist_names
                )
                decision = {
                    "song": None,
                    "search": not (listing and listing.complete and only_the_artist),
                }
            entries.append(PlanEntry("song", key, decision))
        self.plans.record(artist, entries)
        return merged(plan, entries)

    def artist_id(self, name: str, track: TrackToIdentify) -> int | None:
        """The artist's Genius id (step 1), or None when no verified hit names it."""
        wanted = normalize_name(name)
        found = artist_named(self.client.search(name), wanted)
        if found is None:
            best = self.best_match(self.song_search(track), track)
            found = artist_named([best] if best else [], wanted)
        return found

    def best_match(
        self, hits: Iterable[JsonDocument], track: TrackToIdentify
    ) -> JsonDocument | None:
        """The hit with the best title score among those verified for one of the track's
        artists (the first of equals), or None."""
        best: tuple[float, JsonDocument] | None = None
        for hit in hits:
            scores = [self.matches(hit, track.title, name) for name in track.artist_names]
            score = max((s for s in scores if s is not None), default=None)
            if score is not None and (best is None or score > best[0]):
                best = (score, hit)
        return best[1] if best else None


class ListingIndex:
    """An artist's listed songs by the comparable form of their titles."""

    def __init__(self, songs: list[JsonDocument]) -> None:
        self.songs = songs
        self.by_title: dict[str, list[JsonDocument]] = defaultdict(list)
        for song in songs:
            self.by_title[comparable_title(song.get("title") or "")].append(song)

    def candidates(self, title: str) -> list[JsonDocument]:
        return self.by_title.get(comparable_title(title), [])


def artist_named(hits: Iterable[JsonDocument], wanted: str) -> int | None:
    """The id of the first hit's primary artist whose name normalizes to `wanted`."""
    for hit in hits:
        for artist in [hit.get("primary_artist") or {}, *(hit.get("primary_artists") or [])]:
            if (
                isinstance(artist, dict)
                and artist.get("id")
                and normalize_name(artist.get("name") or "") == wanted
            ):
                return int(artist["id"])
    return None
