"""The tracks of a MusicBrainz release (looked up or browsed with `inc=recordings`) and the
one that is a given song: by ISRC, else by title."""

from __future__ import annotations

from typing import Any

from producer_discovery.text import comparable_title


def release_tracks(release: dict[str, Any]) -> list[dict[str, Any]]:
    """Every track of every medium of a release looked up with `inc=recordings`."""
    return [
        track
        for medium in release.get("media") or []
        for track in (medium.get("tracks") or []) + (medium.get("data-tracks") or [])
        if track.get("recording")
    ]


def comparable_track_titles(track: dict[str, Any]) -> set[str]:
    """The track's title and its recording's title, both reduced for matching."""
    titles = (track.get("title"), track["recording"].get("title"))
    return {comparable_title(title) for title in titles if title}


def match_release_track(
    release: dict[str, Any], title: str, isrc: str | None = None
) -> dict[str, Any] | None:
    """The recording of a release that is a given track: by ISRC first (the recording's
    `isrcs`, present with `inc=isrcs`), then by title after removing decorations. A title
    shared by two different recordings of the release is ambiguous and matches nothing."""
    tracks = release_tracks(release)
    recordings: list[dict[str, Any]] = [track["recording"] for track in tracks]
    if isrc:
        wanted_isrc = isrc.strip().upper()
        for recording in recordings:
            if wanted_isrc in {code.upper() for code in recording.get("isrcs") or []}:
                return recording
    wanted_title = comparable_title(title)
    matches = {
        recording["id"]: recording
        for track, recording in zip(tracks, recordings, strict=True)
        if wanted_title and wanted_title in comparable_track_titles(track)
    }
    return next(iter(matches.values())) if len(matches) == 1 else None
