"""MusicBrainz identification planned by artist: many albums and songs per request, the
decisions shared through the database so that every song's message reuses them.

    planner.album_release(track)     the album's decision: its release MBID or None, and
                                     whether the release came from the artist's listing
    planner.song_decision(track, isrc)  the recordings of a song its album does not place

The first message that needs a decision the plan lacks plans every album (or song) of the
artist that is not planned yet, under the plan's lock (db/identification_plans.py); the
others wait, then read it. Albums appear while identification runs (album discovery goes
on concurrently), so a plan is extended as they come, never recomputed wholesale.

Albums (one decision each: release MBID, or null when MusicBrainz has none):
    1. the artist's MBID, found once and kept in the plan: from the first of one search
       OR-ing the barcodes of every album (each without leading zeroes) or, when none is
       found, one OR-ing their titles with the artist; the artist credited on a verified hit
       whose name is the artist's
    2. the artist's releases browsed (`release?artist=MBID&inc=recordings+recording-level-
       rels+…`, up to 100 releases and 500 tracks a page): every track's producers come with
       it, and each release is kept in the response cache as its own lookup, so no release
       is looked up; albums matched locally by barcode (leading zeroes stripped on both
       sides), else by title, date and track count. A complete listing also says which
       albums are not there, so a plan extended later costs no request (the listing is in
       the response cache)
    3. without an MBID, the albums found by barcode or title search (looked up when read)
A song is placed on its album's release by ISRC (when stored) or title, without asking
Spotify for its ISRC. Songs still unplaced (a single, an album MusicBrainz lacks, a title
the release writes otherwise), up to SONGS_PER_ROUND at once:
    4. the artist's listing: the one recording of the artist's releases with that ISRC
       (when stored) or that title
    5. one search OR-ing their stored ISRCs, if any; one OR-ing the titles of those left,
       with the artist; then for those still left whose album MusicBrainz has (and only
       those: each costs a Spotify track request) the ISRC asked of Spotify, looked for in
       the listing, then in one search OR-ing them. A song on an album MusicBrainz lacks,
       which neither the artist's releases nor a title search found, is not asked for: its
       recording would have to be on MusicBrainz under another title and on none of the
       artist's releases (measured on the generated catalogues: those ISRC requests found
       nothing, and cost Spotify up to 0.7x the unavoidable requests)
    6. the documents to read: a listed release (in the cache) or the release that holds the
       most of these songs (one lookup carries every recording's relations), else each
       recording's own lookup
Verification is by fields, never by search score (MusicBrainz' scores are relative to the
best hit of a whole batched query): a barcode is the same product code; a title hit is that
title by one of the artists; a recording comes from its ISRC or a verified title hit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.db.catalogue import TrackContext
from producer_discovery.db.identification_plans import AlbumToPlan, Plan, PlanEntry
from producer_discovery.identification.release_tracks import (
    comparable_track_titles,
    match_release_track,
    release_tracks,
)
from producer_discovery.identification.track import (
    TrackIsrc,
    TrackToIdentify,
    external_id,
    release_year,
    same_artist,
    search_title,
    track_from_context,
    valid_isrc,
)
from producer_discovery.text import comparable_title

MAXIMUM_RECORDINGS = 2
ALBUM_LOOKUP_MINIMUM_SONGS = 2  # a release not in the listing: looked up for 2 songs or more
SONGS_PER_ROUND = 50  # songs planned under one lock: bounds the ISRCs asked of Spotify meanwhile
JsonDocument = dict[str, Any]


class PlanStore(Protocol):
    """Where plans are shared: db.identification_plans.IdentificationPlans."""

    def read(self, artist_id: str) -> Plan: ...

    def record(self, artist_id: str, entries: list[PlanEntry]) -> None: ...

    def planning(self, artist_id: str) -> AbstractContextManager[None]: ...

    def albums(self, artist_id: str) -> list[AlbumToPlan]: ...

    def songs(self, artist_id: str) -> list[TrackContext]: ...


class MusicBrainzPlanner:
    def __init__(
        self, client: MusicBrainzClient, plans: PlanStore, spotify: SpotifyClient | None = None
    ) -> None:
        self.client = client
        self.plans = plans
        self.spotify = spotify

    # What a message asks ---------------------------------------------------------------
    def album_release(self, track: TrackToIdentify) -> JsonDocument:
        """The decision for the track's album: {"release": MBID or None, "listed": whether
        the release is in the artist's browsed listing (its credits in the cache), …}."""
        artist, album = track.album_artist_id or "", track.album_id or ""
        if not artist or not album:  # not a stored track: nothing to plan with
            return {}
        plan = self.plans.read(artist)
        if album not in plan["album"]:
            with self.plans.planning(artist):
                plan = self.plans.read(artist)
                if album not in plan["album"]:
                    plan = self.plan_albums(artist, plan)
        return plan["album"].get(album) or {}

    def song_decision(self, track: TrackToIdentify, isrc: TrackIsrc) -> JsonDocument:
        """{"isrc", "recordings": [MBIDs], "release": MBID to read them from or None, "via"}."""
        artist = track.album_artist_id or ""
        if not artist:
            return {}
        plan = self.plans.read(artist)
        if track.track_id not in plan["song"]:
            with self.plans.planning(artist):
                plan = self.plans.read(artist)
                if track.track_id not in plan["song"]:
                    plan = self.plan_songs(artist, plan, track, isrc)
        return plan["song"].get(track.track_id) or {}

    # Albums ------------------------------------------------------------------------------
    def plan_albums(self, artist: str, plan: Plan) -> Plan:
        albums = [
            album
            for album in self.plans.albums(artist)
            if album.album_id not in plan["album"] and album.songs >= 1
        ]
        if not albums:
            return plan
        names = (albums[0].artist_name,)
        mbid: str | None = (plan["artist"].get("") or {}).get("mbid")
        known_mbid = mbid
        decided: dict[str, JsonDocument] = {}
        searched = not mbid
        if not mbid:
            mbid = self.find_artist(albums, names, decided)
        if mbid and not self.match_listing(mbid, albums, names, decided) and not searched:
            # a listing cut short (MAXIMUM_BROWSE_PAGES): the albums it lacks, by barcode
            self.find_artist([a for a in albums if a.album_id not in decided], names, decided)
        entries = [
            PlanEntry(
                "album",
                album.album_id,
                decided.get(album.album_id) or album_decision(album, None, None),
            )
            for album in albums
        ]
        if mbid and mbid != known_mbid:
            entries.append(PlanEntry("artist", "", {"mbid": mbid}))
        self.plans.record(artist, entries)
        return merged(plan, entries)

    def find_artist(
        self, albums: list[AlbumToPlan], names: tuple[str, ...], decided: dict[str, JsonDocument]
    ) -> str | None:
        """The artist's MBID from its albums found by barcode, else by title (one search
        each at most); the albums found are decided on the way."""
        mbid: str | None = None
        with_upc = [album for album in albums if album_upc(album)]
        if with_upc:
            hits = self.client.releases_by_barcodes(album_upc(album) or "" for album in with_upc)
            for album in with_upc:
                found = barcode_match(hits, album_upc(album) or "")
                if found is not None:
                    decided[album.album_id] = album_decision(album, found, "barcode")
                    mbid = mbid or artist_mbid(found, names)
        pending = [album for album in albums if album.album_id not in decided]
        if pending and not mbid:
            hits = self.client.search_releases((search_title(a.title) for a in pending), names[0])
            for album in pending:
                matching = best_releases(verified_hits(hits, album.title, names), album)
                if matching:
                    decided[album.album_id] = album_decision(album, matching[0], "title")
                    mbid = mbid or artist_mbid(matching[0], names)
        return mbid

    def match_listing(
        self,
        mbid: str,
        albums: list[AlbumToPlan],
        names: tuple[str, ...],
        decided: dict[str, JsonDocument],
    ) -> bool:
        """Match albums in the artist's browsed releases: by barcode, else by title (then
        date and track count). A release found by search is kept, marked listed when the
        listing holds it; when the listing is complete, an album it lacks is not on
        MusicBrainz. True when the listing was complete."""
        releases, complete = self.client.artist_releases(mbid)
        listed = {str(release["id"]) for release in releases if carries_credits(release)}
        for album in albums:
            earlier = decided.get(album.album_id)
            if earlier is not None:
                earlier["listed"] = earlier["release"] in listed
                continue
            found = barcode_match(releases, album_upc(album) or "") if album_upc(album) else None
            if found is None:
                titled = [
                    release
                    for release in releases
                    if comparable_title(release.get("title") or "") == comparable_title(album.title)
                    and credited_artists_match(release, names)
                ]
                found = next(iter(best_releases(titled, album)), None)
            if found is not None:
                decided[album.album_id] = album_decision(album, found, "browse")
                decided[album.album_id]["listed"] = str(found["id"]) in listed
            elif complete:
                decided[album.album_id] = album_decision(album, None, "browse")
        return complete

    # Songs -------------------------------------------------------------------------------
    def plan_songs(self, artist: str, plan: Plan, track: TrackToIdentify, isrc: TrackIsrc) -> Plan:
        songs = [track_from_context(context) for context in self.plans.songs(artist)]
        if any(song.album_id not in plan["album"] for song in songs):
            plan = self.plan_albums(artist, plan)
        mbid: str | None = (plan["artist"].get("") or {}).get("mbid")
        listing = self.client.artist_releases(mbid)[0] if mbid else []
        listed = {str(release["id"]): release for release in listing if carries_credits(release)}
        candidates: dict[str, tuple[TrackToIdentify, TrackIsrc]] = {track.track_id: (track, isrc)}
        for song in songs:
            if (
                song.track_id not in plan["song"]
                and song.track_id not in candidates
                and len(candidates) < SONGS_PER_ROUND
                and not placed_on_album(song, plan["album"].get(song.album_id or "") or {}, listed)
            ):
                candidates[song.track_id] = (song, TrackIsrc(song, self.spotify))
        codes = {key: code.known for key, (_, code) in candidates.items()}
        recordings = listed_recordings(listing, [song for song, _ in candidates.values()], codes)

        def unplaced() -> dict[str, tuple[TrackToIdentify, TrackIsrc]]:
            return {key: pair for key, pair in candidates.items() if not recordings.get(key)}

        stored = {key: codes[key] for key in unplaced() if codes[key]}
        if stored:
            recordings.update(self.recordings_by_isrc(stored))
        recordings.update(self.recordings_by_title([song for song, _ in unplaced().values()]))
        left = {
            key: (song, code)
            for key, (song, code) in unplaced().items()
            if (plan["album"].get(song.album_id or "") or {}).get("release")
        }
        codes.update({key: code.get() for key, (_, code) in left.items()})  # asks Spotify
        recordings.update(listed_recordings(listing, [song for song, _ in left.values()], codes))
        fetched = {key: codes[key] for key in unplaced() if codes[key] and key not in stored}
        if fetched:
            recordings.update(self.recordings_by_isrc(fetched))
        albums_read: set[str] = set(listed) | {
            str(release)
            for song in songs
            if song.album_songs >= ALBUM_LOOKUP_MINIMUM_SONGS
            and (release := (plan["album"].get(song.album_id or "") or {}).get("release"))
        }
        documents = reading_order(recordings, albums_read)
        entries = [
            PlanEntry(
                "song",
                key,
                {
                    "isrc": codes[key],
                    "recordings": [hit["id"] for hit, _ in recordings.get(key, [])],
                    "release": documents.get(key),
                    "via": next((via for _, via in recordings.get(key, [])), None),
                },
            )
            for key in candidates
        ]
        self.plans.record(artist, entries)
        return merged(plan, entries)

    def recordings_by_isrc(
        self, codes: dict[str, str | None]
    ) -> dict[str, list[tuple[JsonDocument, str]]]:
        wanted = {code for code in codes.values() if code}
        hits = self.client.recordings_by_isrcs(sorted(wanted)) if wanted else []
        by_code: dict[str, list[JsonDocument]] = defaultdict(list)
        for hit in hits:
            for code in {code.upper() for code in hit.get("isrcs") or []} & wanted:
                by_code[code].append(hit)
        return {
            key: [(hit, "isrc") for hit in by_code[code][:MAXIMUM_RECORDINGS]]
            for key, code in codes.items()
            if code and by_code.get(code)
        }

    def recordings_by_title(
        self, songs: list[TrackToIdentify]
    ) -> dict[str, list[tuple[JsonDocument, str]]]:
        by_artist: dict[str, list[TrackToIdentify]] = defaultdict(list)
        for song in songs:
            by_artist[song.artist_name].append(song)
        found: dict[str, list[tuple[JsonDocument, str]]] = {}
        for name, group in by_artist.items():
            hits = self.client.search_recordings((search_title(s.title) for s in group), name)
            for song in group:
                verified = verified_hits(hits, song.title, song.artist_names)[:1]
                if verified:
                    found[song.track_id] = [(verified[0], "title")]
        return found


# The artist's listing --------------------------------------------------------------------
def carries_credits(release: JsonDocument) -> bool:
    """Whether a browsed release came with its recordings' relations (a page over 500
    tracks comes without them)."""
    tracks = release_tracks(release)
    return bool(tracks) and all("relations" in track["recording"] for track in tracks)


def placed_on_album(
    song: TrackToIdentify, album: JsonDocument, listed: dict[str, JsonDocument]
) -> bool:
    """Whether the song's message will find it on its album's release: a listed release
    holding its title or stored ISRC; a release looked up for its album (two songs or more)
    is taken to hold it."""
    release_id = album.get("release")
    if not release_id:
        return False
    if not album.get("listed"):
        return song.album_songs >= ALBUM_LOOKUP_MINIMUM_SONGS
    release = listed.get(str(release_id))
    return release is not None and (
        match_release_track(release, song.title, valid_isrc(song.isrc)) is not None
    )


def listed_recordings(
    listing: list[JsonDocument], songs: list[TrackToIdentify], codes: dict[str, str | None]
) -> dict[str, list[tuple[JsonDocument, str]]]:
    """Songs placed by the artist's own releases: the one recording (with its holding
    release) that carries the song's ISRC (`codes`, by track id), else the one whose title
    is the song's. Two different recordings under one title place nothing."""
    by_isrc: dict[str, dict[str, JsonDocument]] = defaultdict(dict)
    by_title: dict[str, dict[str, JsonDocument]] = defaultdict(dict)
    for release in listing:
        if not carries_credits(release):
            continue
        for item in release_tracks(release):
            recording = item["recording"]
            hit = {"id": recording["id"], "releases": [{"id": release["id"]}]}
            for code in recording.get("isrcs") or []:
                by_isrc[str(code).upper()].setdefault(recording["id"], hit)
            for title in comparable_track_titles(item):
                held = by_title[title].setdefault(recording["id"], hit)
                if held is not hit:
                    held["releases"].append({"id": release["id"]})
    placed: dict[str, list[tuple[JsonDocument, str]]] = {}
    for song in songs:
        code = codes.get(song.track_id) or valid_isrc(song.isrc)
        found = by_isrc.get(code or "") or by_title.get(comparable_title(song.title)) or {}
        if len(found) == 1:
            placed[song.track_id] = [(next(iter(found.values())), "listing")]
    return placed


# Reading order ---------------------------------------------------------------------------
def reading_order(
    recordings: dict[str, list[tuple[JsonDocument, str]]], albums_read: set[str]
) -> dict[str, str | None]:
    """For each song, the release to read its recordings from (None: their own lookups): the
    release holding the most unread songs first, as long as it holds two or is an album
    release that is read anyway."""
    holders: dict[str, set[str]] = {}
    for key, hits in recordings.items():
        releases = [{release["id"] for release in hit.get("releases") or []} for hit, _ in hits]
        if releases:
            holders[key] = set.intersection(*releases)
    chosen: dict[str, str | None] = dict.fromkeys(recordings)
    while holders:
        counts = Counter(release for held in holders.values() for release in held)
        eligible = [
            (count + (release in albums_read), release)
            for release, count in counts.items()
            if count >= 2 or release in albums_read
        ]
        if not eligible:
            break
        _, best = max(eligible, key=lambda item: (item[0], item[1]))
        for key in [key for key, held in holders.items() if best in held]:
            chosen[key] = best
            del holders[key]
    return chosen


# Matching --------------------------------------------------------------------------------
def album_upc(album: AlbumToPlan) -> str | None:
    return external_id(album.metadata, "upc")


def album_decision(
    album: AlbumToPlan, release: JsonDocument | None, via: str | None
) -> JsonDocument:
    return {
        "release": release["id"] if release else None,
        "via": via,
        "upc": album_upc(album),
        "title": album.title,
    }


def barcode_match(releases: Iterable[JsonDocument], upc: str) -> JsonDocument | None:
    """The first release whose barcode is the same product code (leading zeros aside)."""
    wanted = upc.strip().lstrip("0")
    return next(
        (
            release
            for release in releases
            if wanted and str(release.get("barcode") or "").strip().lstrip("0") == wanted
        ),
        None,
    )


def release_track_count(release: JsonDocument) -> int | None:
    if release.get("track-count") is not None:
        return int(release["track-count"])
    media = release.get("media")
    return sum(int(medium.get("track-count") or 0) for medium in media) if media else None


def best_releases(releases: list[JsonDocument], album: AlbumToPlan) -> list[JsonDocument]:
    """The releases with the album's track count first, then those of its year, in their
    given order otherwise."""
    count = album.metadata.get("total_tracks")
    year = release_year(album.metadata.get("release_date"))
    return sorted(
        releases,
        key=lambda release: (
            release_track_count(release) != count,
            year is not None and release_year(release.get("date")) != year,
        ),
    )


def artist_mbid(release: JsonDocument, names: tuple[str, ...]) -> str | None:
    """The MBID of the release's credited artist that is the artist we plan for."""
    for credit in release.get("artist-credit") or []:
        artist = credit.get("artist") or {}
        if artist.get("id") and same_artist(artist.get("name") or credit.get("name") or "", names):
            return str(artist["id"])
    return None


def merged(plan: Plan, entries: list[PlanEntry]) -> Plan:
    for entry in entries:
        plan.setdefault(entry.subject, {})[entry.key] = entry.decision
    return plan


def verified_hits(
    hits: list[JsonDocument], title: str, artist_names: tuple[str, ...]
) -> list[JsonDocument]:
    """The search hits (releases or recordings) that are `title` by one of the artists, in
    the service's order. Never by score: it is relative to the best hit of the whole query."""
    wanted = comparable_title(title)
    return [
        hit
        for hit in hits
        if comparable_title(hit.get("title") or "") == wanted
        and credited_artists_match(hit, artist_names)
    ]


def credited_artists_match(entity: JsonDocument, wanted: tuple[str, ...]) -> bool:
    """Whether one of a MusicBrainz release's or recording's credited artists is the track's."""
    for credit in entity.get("artist-credit") or []:
        names = (credit.get("name") or "", (credit.get("artist") or {}).get("name") or "")
        if any(same_artist(name, wanted) for name in names if name):
            return True
    return False
