"""MusicBrainz identification planned by artist: many albums and songs per request, the
decisions shared through the database so that every song's message reuses them.

    planner.album_release(track)     the MBID of the track's album's release, or None
    planner.song_decision(track, isrc)  the recordings of a song on no release of its own

The first message that needs a decision the plan lacks plans every album (or song) of the
artist that is not planned yet, under the plan's lock (db/identification_plans.py); the
others wait, then read it. Albums appear while identification runs (album discovery goes
on concurrently), so a plan is extended as they come, never recomputed wholesale.

Albums read by album, those carrying two songs or more (one decision each: release MBID, or
null when MusicBrainz has none):
    1. the artist's releases browsed (`release?artist=MBID`, 100 a page), when the artist's
       MBID is known: matched by barcode, else by title; a complete listing also says which
       albums are not there, so a plan extended later costs no request (the listing is in
       the response cache)
    2. one search OR-ing the barcodes of every album left, in every written form
    3. the artist's MBID learned from a found release: browse as in 1; if still unknown, one
       search OR-ing the titles of the albums left, with the artist
Songs on no release of their own album (a single, an album MusicBrainz lacks, a title the
release writes otherwise), up to SONGS_PER_ROUND at once:
    4. one search OR-ing their ISRCs (stored, else asked of Spotify), then one OR-ing the
       titles of those without an ISRC match, with the artist
    5. the documents to read: the release that holds the most of these songs first (one
       lookup carries every recording's relations), a release of a planned album (looked
       up anyway), else each recording's own lookup
Verification is as for a single track: a barcode is the same product code; a title hit is
that title by one of the artists with a score MusicBrainz is sure of; a recording comes from
its ISRC or a verified title hit.
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
from producer_discovery.identification.track import (
    TrackIsrc,
    TrackToIdentify,
    external_id,
    same_artist,
    search_title,
    track_from_context,
)
from producer_discovery.text import comparable_title

MINIMUM_SEARCH_SCORE = 90
MAXIMUM_RECORDINGS = 2
ALBUM_LOOKUP_MINIMUM_SONGS = 2  # one release lookup (2 requests) beats 2 requests per track
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
    def album_release(self, track: TrackToIdentify) -> str | None:
        artist, album = track.album_artist_id or "", track.album_id or ""
        if not artist or not album:  # not a stored track: nothing to plan with
            return None
        plan = self.plans.read(artist)
        if album not in plan["album"]:
            with self.plans.planning(artist):
                plan = self.plans.read(artist)
                if album not in plan["album"]:
                    plan = self.plan_albums(artist, plan)
        release: str | None = (plan["album"].get(album) or {}).get("release")
        return release

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
            if album.album_id not in plan["album"] and album.songs >= ALBUM_LOOKUP_MINIMUM_SONGS
        ]  # only those read by album
        if not albums:
            return plan
        names = (albums[0].artist_name,)
        mbid: str | None = (plan["artist"].get("") or {}).get("mbid")
        known_mbid = mbid
        decided: dict[str, JsonDocument] = {}
        browsed = False
        if mbid:
            browsed = self.match_listing(mbid, albums, names, decided)
        pending = [album for album in albums if album.album_id not in decided]
        with_upc = [album for album in pending if album_upc(album)]
        if with_upc:
            hits = self.client.releases_by_barcodes(album_upc(album) or "" for album in with_upc)
            for album in with_upc:
                found = barcode_match(hits, album_upc(album) or "")
                if found is not None:
                    decided[album.album_id] = album_decision(album, found, "barcode")
                    mbid = mbid or artist_mbid(found, names)
        pending = [album for album in albums if album.album_id not in decided]
        if pending and mbid and not browsed:
            self.match_listing(mbid, pending, names, decided)
        elif pending and not mbid:
            hits = self.client.search_releases((search_title(a.title) for a in pending), names[0])
            for album in pending:
                matching = best_releases(verified_hits(hits, album.title, names), album)
                if matching:
                    decided[album.album_id] = album_decision(album, matching[0], "title")
                    mbid = mbid or artist_mbid(matching[0], names)
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

    def match_listing(
        self,
        mbid: str,
        albums: list[AlbumToPlan],
        names: tuple[str, ...],
        decided: dict[str, JsonDocument],
    ) -> bool:
        """Match albums in the artist's browsed releases; when the listing is complete, an
        album it lacks is not on MusicBrainz. True when the listing was complete."""
        releases, complete = self.client.artist_releases(mbid)
        for album in albums:
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
            elif complete:
                decided[album.album_id] = album_decision(album, None, "browse")
        return complete

    # Songs -------------------------------------------------------------------------------
    def plan_songs(self, artist: str, plan: Plan, track: TrackToIdentify, isrc: TrackIsrc) -> Plan:
        songs = [track_from_context(context) for context in self.plans.songs(artist)]
        if any(
            song.album_id not in plan["album"] and song.album_songs >= ALBUM_LOOKUP_MINIMUM_SONGS
            for song in songs
        ):
            plan = self.plan_albums(artist, plan)
        candidates: dict[str, tuple[TrackToIdentify, TrackIsrc]] = {track.track_id: (track, isrc)}
        for song in songs:
            album = plan["album"].get(song.album_id or "") or {}
            on_album = song.album_songs >= ALBUM_LOOKUP_MINIMUM_SONGS and album.get("release")
            if (
                song.track_id not in plan["song"]
                and song.track_id not in candidates
                and not on_album
                and len(candidates) < SONGS_PER_ROUND
            ):
                candidates[song.track_id] = (song, TrackIsrc(song, self.spotify))
        codes = {key: code.get() for key, (_, code) in candidates.items()}
        recordings = self.recordings_by_isrc(codes)
        untitled = [song for key, (song, _) in candidates.items() if not recordings.get(key)]
        recordings.update(self.recordings_by_title(untitled))
        albums_read: set[str] = {
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
    """The releases with the album's track count first, in their given order otherwise."""
    count = album.metadata.get("total_tracks")
    return sorted(releases, key=lambda release: release_track_count(release) != count)


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
    """The search hits (releases or recordings) that are `title` by one of the artists, with a
    score MusicBrainz itself is sure of; in the service's order."""
    wanted = comparable_title(title)
    return [
        hit
        for hit in hits
        if comparable_title(hit.get("title") or "") == wanted
        and hit.get("score", 100) >= MINIMUM_SEARCH_SCORE
        and credited_artists_match(hit, artist_names)
    ]


def credited_artists_match(entity: JsonDocument, wanted: tuple[str, ...]) -> bool:
    """Whether one of a MusicBrainz release's or recording's credited artists is the track's."""
    for credit in entity.get("artist-credit") or []:
        names = (credit.get("name") or "", (credit.get("artist") or {}).get("name") or "")
        if any(same_artist(name, wanted) for name in names if name):
            return True
    return False
