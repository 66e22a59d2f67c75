"""Which kind of version of a song a track is: its edition qualifier.

    edition_qualifier("Undertow (Live at Harbor Hall)", "Night Songs")  → "live"
    edition_qualifier("Undertow", "Live at Harbor Hall")                → "live"
    edition_qualifier("Undertow - 2019 Remaster", "Tides (Remastered)") → "remaster"
    edition_qualifier("Undertow", "Tides")                              → None (plain studio)

Track discovery stores it (tracks.edition_qualifier); the ranking of a song's editions is in
SQL (song_best_edition in migrations/definitions/30_processing.sql): a plain studio version
first, then a remaster or reissue, then another studio version (remix, acoustic,
instrumental), and a live or demo take last. Only a title's markers are read ("(…)", "[…]",
" - …"), so a song called "Live Wire" is not a live take; an album title is also read whole
for the ways live and demo albums are named ("Live at …", "Unplugged", "Demos").
"""

from __future__ import annotations

import re

# Most telling first: a live remaster is a live take.
KINDS: tuple[tuple[str, str], ...] = (
    ("live", r"\blive\b|\bunplugged\b|\bin concert\b"),
    ("demo", r"\bdemos?\b|\bwork tape\b"),
    ("remix", r"\bre-?mix(?:es|ed)?\b|\brework(?:ed)?\b"),
    ("acoustic", r"\bacoustic\b"),
    ("instrumental", r"\binstrumentals?\b|\bkaraoke\b"),
    ("remaster", r"\bremaster(?:ed)?\b|\breissue\b|\banniversary\b|\bdeluxe\b"),
)
PATTERNS = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in KINDS)
MARKER = re.compile(r"[(\[]([^)\]]*)[)\]]|\s[-–—]\s+(.*)$")
LIVE_OR_DEMO_ALBUM = re.compile(
    r"^live$|^live\s*[-–—:]|\blive (?:at|in|from|on)\b|\bunplugged\b|\bin concert\b|\bdemos\b",
    re.IGNORECASE,
)


def markers(title: str) -> list[str]:
    """The bracketed and dash-separated parts of a title."""
    return [
        next(part for part in match.groups() if part is not None)
        for match in MARKER.finditer(title)
    ]


def edition_qualifier(track_title: str, album_title: str = "") -> str | None:
    """The kind of version the track is (see the module docstring), None for a plain one."""
    parts = markers(track_title) + markers(album_title)
    if LIVE_OR_DEMO_ALBUM.search(album_title):
        parts.append(album_title)
    for kind, pattern in PATTERNS:
        if any(pattern.search(part) for part in parts):
            return kind
    return None
