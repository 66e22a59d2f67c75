"""Producer credits from a Discogs release (`GET /releases/{id}`).

Credits sit in two places: `extraartists` of the release, and `extraartists` of each
`tracklist` entry. A release-level credit names the tracks it covers in its `tracks` field
("A1 to A3, B2", "1, 3-5"); an empty field means the whole release.

`role` is free text holding several comma-separated roles, each with optional bracket
qualifiers: "Producer, Written-By", "Producer [Additional]", "Co-producer",
"Executive-Producer", "Recorded By [Vocals]". Each role is read on its own through the
shared role vocabulary; bracket words that are known qualifiers ("Additional") shape the
role, others ("Tracks 1 To 3") are kept only as attributes.

Names carry disambiguation suffixes ("John Smith (2)"), stripped for matching; the release's
name variation (`anv`) is the name shown.

Queries (60 a minute), planned by artist (see `discogs_listing`): the artist found once by
name and its release list read once (all pages), shared by all its songs through the response
cache; each album matched locally and its release looked up once; a track whose album is
not listed is looked for on the artist's releases nearest the album's year (cached, shared
by the artist's songs). Searches (by artist and album title, then track title) only where
Discogs has no artist of that name or its list was cut short. A release is used only when
it is the artist's (listed, or its search result names the artist) and it holds the track.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.identification.credit_source import Ask, Tools
from producer_discovery.identification.credits import (
    Credit,
    other_role,
    production_role,
    unique_credits,
)
from producer_discovery.identification.discogs_listing import (
    artist_listing,
    entry_release_ids,
    listed_entries,
    release_id_of,
)
from producer_discovery.identification.track import (
    SourceAnswer,
    TrackToIdentify,
    same_artist,
    search_title,
)
from producer_discovery.text import comparable_title, display_name, fold, strip_discogs_suffix

TRACK_CONFIDENCE = 0.75  # on the track, or a release credit whose `tracks` names it
RELEASE_WIDE_CONFIDENCE = 0.60  # a release credit covering every track
BRACKETED = re.compile(r"\[([^\]]*)\]")
TRACKS_SEPARATOR = re.compile(r",|&|\band\b", re.IGNORECASE)
RANGE_WORD = re.compile(r"\s+to\s+", re.IGNORECASE)
MAXIMUM_DISCOGS_RELEASES = 3
ARTIST_SEPARATORS = re.compile(r"\s*(?:&|,|\bfeat\.?|\bwith\b)\s*", re.IGNORECASE)
RANGE_DASH = re.compile(r"^(\w+)\s*[-–]\s*(\w+)$")


# Roles -----------------------------------------------------------------------------------
def split_roles(role: str) -> list[str]:
    """Split a role string on the commas outside brackets:
    "Producer [Additional, Vocals], Mixed By" → ["Producer [Additional, Vocals]", "Mixed By"]."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for character in role:
        depth += {"[": 1, "]": -1}.get(character, 0)
        if character == "," and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(character)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def discogs_roles(role: str) -> list[tuple[str, str, list[str]]]:
    """The production roles in a Discogs role string, as (role, label as written,
    bracket qualifiers); roles that are not production are left out."""
    found: list[tuple[str, str, list[str]]] = []
    for label in split_roles(role):
        qualifiers = [q.strip() for q in BRACKETED.findall(label) if q.strip()]
        production = production_role(BRACKETED.sub(" ", label), qualifiers)
        if production is not None:
            found.append((production, label, qualifiers))
    return found


def discogs_other_roles(role: str) -> list[tuple[str, str, list[str]]]:
    """The writing roles in a Discogs role string ("Written-By", "Lyrics By"…), as
    `discogs_roles` gives production roles: kept only as evidence beside a producer's credit."""
    found: list[tuple[str, str, list[str]]] = []
    for label in split_roles(role):
        role_name = other_role(label)
        if role_name is not None:
            found.append((role_name, label, []))
    return found


# Tracks ----------------------------------------------------------------------------------
DISC_PREFIX = re.compile(r"^(?:cd|disc|disk|dvd)(?=\d)")
ONWARDS = re.compile(r"^(?P<first>.+?)\s+onwards?$", re.IGNORECASE)
SPACED_DASH = re.compile(r"\s+[-–]\s+")
WHOLE_DISC = re.compile(r"^(?:cd|disc|disk|dvd)\s*(?P<disc>\d+)$", re.IGNORECASE)


def position_key(position: str) -> str:
    """A track position compared without case, spaces or a disc word: " a1 " == "A1",
    "CD1-3" == "1-3"."""
    return DISC_PREFIX.sub("", re.sub(r"\s+", "", position).casefold())


def flatten_tracklist(release: dict[str, Any]) -> list[dict[str, Any]]:
    """The playable tracks in order: headings dropped, index tracks' sub-tracks included."""
    tracks: list[dict[str, Any]] = []
    for entry in release.get("tracklist") or []:
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type_") or "track"
        if kind == "track":
            tracks.append(entry)
        elif kind == "index":
            tracks.extend(sub for sub in entry.get("sub_tracks") or [] if isinstance(sub, dict))
    return tracks


def tracklist_positions(release: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Every position a credit may name, in tracklist order (an index track's own position
    before its sub-tracks'; headings have none), and each sub-track's index position."""
    ordered: list[str] = []
    parents: dict[str, str] = {}
    for entry in release.get("tracklist") or []:
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type_") or "track"
        position = str(entry.get("position") or "").strip()
        if kind == "track" and position:
            ordered.append(position)
        elif kind == "index":
            subs = [sub for sub in entry.get("sub_tracks") or [] if isinstance(sub, dict)]
            # Real index tracks often have no position of their own ("C1.1", "C1.2" under
            # one): the credits still name it ("C1 to D2"), so it is implied by its sub-tracks.
            position = position or implied_index_position(subs)
            if position:
                ordered.append(position)
            for sub in subs:
                sub_position = str(sub.get("position") or "").strip()
                if sub_position:
                    ordered.append(sub_position)
                    if position:
                        parents[position_key(sub_position)] = position_key(position)
    return ordered, parents


SUB_TRACK_SUFFIX = re.compile(r"^(?P<index>.*?\d+)\s*(?:\.\s*\w+|[a-z])$", re.IGNORECASE)


def implied_index_position(subs: list[dict[str, Any]]) -> str:
    """The position sub-tracks imply for their index track: "C1.1", "C1.2" → "C1";
    "C1a" → "C1"; "" when they do not share one."""
    found = {
        match["index"]
        for sub in subs
        if (match := SUB_TRACK_SUFFIX.match(str(sub.get("position") or "").strip()))
    }
    return found.pop() if len(found) == 1 else ""


def position_range(first: str, last: str, ordered: list[str]) -> set[str]:
    """Positions from `first` to `last` inclusive, in tracklist order ("A1 to B2" crosses
    sides); empty when either end is not on the release."""
    first_key, last_key = position_key(first), position_key(last)
    if first_key not in ordered or last_key not in ordered:
        return set()
    start, end = sorted((ordered.index(first_key), ordered.index(last_key)))
    return set(ordered[start : end + 1])


def disc_positions(disc: str, ordered: list[str]) -> set[str]:
    """Every position of one disc ("CD2" → "2-1", "2-2", …; also "2.1")."""
    return {key for key in ordered if re.match(rf"^{re.escape(disc)}[-.]", key)}


def part_positions(part: str, ordered: list[str]) -> set[str]:
    """The positions one part of a `tracks` field names (see positions_in)."""
    key = position_key(part)
    if key in ordered:
        return {key}
    onwards = ONWARDS.match(part)
    if onwards:
        first = part_positions(onwards["first"], ordered)
        if not first:
            return set()
        start = min(ordered.index(found) for found in first)
        return set(ordered[start:])
    whole_disc = WHOLE_DISC.match(part.strip())
    if whole_disc:
        return disc_positions(whole_disc["disc"], ordered)
    for separator in (RANGE_WORD, SPACED_DASH):
        ends = separator.split(part)
        if len(ends) == 2:
            return spanned(ends[0], ends[1], ordered)
    dashed = RANGE_DASH.match(part)
    if dashed:
        return position_range(dashed.group(1), dashed.group(2), ordered)
    return set()


def spanned(first: str, last: str, ordered: list[str]) -> set[str]:
    """A range whose ends may be whole discs ("CD1 to CD2") or positions."""
    first_set, last_set = part_positions(first, ordered), part_positions(last, ordered)
    if not first_set or not last_set:
        return set()
    indexes = [ordered.index(key) for key in first_set | last_set]
    return set(ordered[min(indexes) : max(indexes) + 1])


def positions_in(
    tracks_field: str, ordered_positions: list[str], parents: dict[str, str] | None = None
) -> set[str]:
    """The position keys a release credit's `tracks` field covers.

    Parts are separated by commas, "&" or "and"; a part is a position ("B2", "CD1-3" ==
    "1-3"), a range written "A1 to A3", "CD1-1 - CD1-6" or dashed "3-5", a whole disc
    ("CD1"), or "CD3 Onwards" (to the end). A multi-disc position such as "1-3" that exists
    on the release is read as that position, not as a range. Naming an index track ("C1",
    or a range ending on one) covers its sub-tracks ("C1.1", "C1.2"): `parents` maps each
    sub-track's key to its index track's key.
    """
    ordered = [position_key(position) for position in ordered_positions]
    covered: set[str] = set()
    for part in filter(None, (p.strip() for p in TRACKS_SEPARATOR.split(tracks_field))):
        covered |= part_positions(part, ordered)
    if parents:
        covered |= {sub for sub, parent in parents.items() if parent in covered}
    return covered


def find_track(
    tracks: list[dict[str, Any]], title: str, position: str | None
) -> dict[str, Any] | None:
    """The tracklist entry of a track: by title (decorations removed), using the position
    to choose between equal titles; by position alone when no title matches."""
    wanted = comparable_title(title)
    by_title = [t for t in tracks if wanted and comparable_title(t.get("title") or "") == wanted]
    at_position = [
        t
        for t in tracks
        if position and position_key(t.get("position") or "") == position_key(position)
    ]
    if by_title:
        chosen = [t for t in by_title if t in at_position]
        return (chosen or by_title)[0]
    return at_position[0] if at_position else None


# Credits ---------------------------------------------------------------------------------
def artist_credits(
    artist: dict[str, Any], confidence: float, other_roles: bool = False
) -> list[Credit]:
    """One credit per production role of one `extraartists` item (and per writing role
    with `other_roles`)."""
    name = (artist.get("name") or "").strip()
    if not name:
        return []
    role = artist.get("role") or ""
    roles = discogs_roles(role) + (discogs_other_roles(role) if other_roles else [])
    return [
        Credit.create(
            name=display_name(name, artist.get("anv")),
            identity_name=strip_discogs_suffix(name),
            role=role,
            source=DiscogsClient.api,
            source_id=artist.get("id") or None,
            role_label=label,
            attributes=qualifiers,
            confidence=confidence,
        )
        for role, label, qualifiers in roles
    ]


def release_level_confidence(
    artist: dict[str, Any],
    track: dict[str, Any],
    ordered_positions: list[str],
    parents: dict[str, str] | None = None,
) -> float | None:
    """How much a release-level credit says about this track: 0.75 when its `tracks` names
    the track, 0.6 when it covers the whole release, None when it covers other tracks."""
    tracks_field = str(artist.get("tracks") or "").strip()
    if not tracks_field:
        return RELEASE_WIDE_CONFIDENCE
    covered = positions_in(tracks_field, ordered_positions, parents)
    return TRACK_CONFIDENCE if position_key(track.get("position") or "") in covered else None


def discogs_release_credits(
    release: dict[str, Any],
    track_title: str,
    track_position: str | None = None,
    other_roles: bool = False,
) -> list[Credit]:
    """Production credits of one track of a Discogs release (and writing credits, evidence
    only, with `other_roles`).

    The track is found in the tracklist (see `find_track`); when it is not there, the
    release is not known to contain it and nothing is credited.
    """
    tracks = flatten_tracklist(release)
    track = find_track(tracks, track_title, track_position)
    if track is None:
        return []
    ordered_positions, parents = tracklist_positions(release)
    credits: list[Credit] = []
    for artist in track.get("extraartists") or []:
        credits.extend(artist_credits(artist, TRACK_CONFIDENCE, other_roles))
    for artist in release.get("extraartists") or []:
        confidence = release_level_confidence(artist, track, ordered_positions, parents)
        if confidence is not None:
            credits.extend(artist_credits(artist, confidence, other_roles))
    return unique_credits(credits)


class DiscogsSource:
    def __init__(self, client: DiscogsClient) -> None:
        self.client = client

    def credits(self, track: TrackToIdentify) -> SourceAnswer:
        release = self.release_with_track(track)
        if release is None:
            return SourceAnswer(note={"release": None})
        return SourceAnswer(
            discogs_release_credits(release, track.title, other_roles=True),
            {"release": release["id"]},
        )

    def release_with_track(self, track: TrackToIdentify) -> dict[str, Any] | None:
        """The first candidate release (the album's, then others holding the title) on which
        the track is found."""
        tried: set[int] = set()
        for release_id in self.candidate_ids(track):
            if release_id in tried:
                continue
            if len(tried) >= MAXIMUM_DISCOGS_RELEASES:
                break
            tried.add(release_id)
            release = self.client.release(release_id)
            if release and find_track(flatten_tracklist(release), track.title, None):
                return release
        return None

    def candidate_ids(self, track: TrackToIdentify) -> Iterator[int]:
        """The releases the artist's list names for the album or the track (a master's other
        versions when its main release lacks the track), then the artist's other releases.
        Searched only where there is no list: Discogs has no artist of that name, or the list
        was cut short. (A list cached up to a week may miss a release out since then: the
        price of not searching once per song.)"""
        listing = artist_listing(self.client, track)
        if listing is None:
            yield from self.searched_ids(track)
            return
        titled, others = listed_entries(listing.items, track)
        for entry in titled:
            yield from entry_release_ids(self.client, entry, track.album_title)
        if not listing.complete:  # the album may be on a page not read: search before guessing
            yield from self.searched_ids(track)
        yield from (rid for entry in others if (rid := release_id_of(entry)) is not None)

    def searched_ids(self, track: TrackToIdentify) -> Iterator[int]:
        """The album's releases found by title, then the artist's releases holding the track."""
        yield from self.album_search_ids(track)
        yield from (int(hit["id"]) for hit in self.artist_hits(track, track.title))

    def album_search_ids(self, track: TrackToIdentify) -> Iterator[int]:
        """The album's releases found by searching its title (exact title before variants)."""
        album_hits = self.artist_hits(track, track.album_title)
        wanted = comparable_title(track.album_title)
        same_album = [hit for hit in album_hits if comparable_title(hit_title(hit)) == wanted]
        same_album.sort(key=lambda hit: fold(hit_title(hit)) != fold(track.album_title))
        yield from (int(hit["id"]) for hit in same_album)

    def artist_hits(self, track: TrackToIdentify, title: str) -> list[dict[str, Any]]:
        hits = self.client.search_releases(track.artist_name, search_title(title))
        return [hit for hit in hits if hit_artist_matches(hit, track.artist_names)]


def hit_title(hit: dict[str, Any]) -> str:
    """The release title of a Discogs search result ("Artist - Title")."""
    return str(hit.get("title") or "").partition(" - ")[2]


def hit_artist_matches(hit: dict[str, Any], wanted: tuple[str, ...]) -> bool:
    """Whether the artist part of a Discogs result title is (or lists) the track's artist."""
    artist_part = str(hit.get("title") or "").partition(" - ")[0]
    names = [artist_part, *ARTIST_SEPARATORS.split(artist_part)]
    return any(same_artist(name, wanted) for name in names if name.strip())


def asker(tools: Tools) -> Ask:
    source = DiscogsSource(tools.client(DiscogsClient))
    return lambda track, isrc: source.credits(track)
