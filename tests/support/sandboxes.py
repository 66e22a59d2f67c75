"""The provider sandboxes a test or benchmark talks to: `SandboxEnvironment`, the five fake APIs
of `producer_discovery.sandbox` (the same holder `demo` uses), started on free ports with the
limits asked for.

    with Sandboxes(musicbrainz_requests_per_second=50) as sandboxes:
        settings = sandbox_settings(sandboxes, url)      # tests/support/settings.py

The defaults are the providers' real limits (MusicBrainz 1 request/s, Discogs 60 a minute).
Tests get them from the `sandboxes` fixture (tests/conftest.py): started once per module with
the options of the module's `sandboxes` marker, faults cleared and counters reset per test.
"""

from __future__ import annotations

from producer_discovery.sandbox.environment import (
    DISCOGS_TOKEN,
    GENIUS_TOKEN,
    INSTAGRAM_TOKEN,
    INSTAGRAM_USER_ID,
    SPOTIFY_CLIENT_ID,
    SPOTIFY_CLIENT_SECRET,
)
from producer_discovery.sandbox.environment import SandboxEnvironment as Sandboxes

__all__ = [
    "DISCOGS_TOKEN",
    "GENIUS_TOKEN",
    "INSTAGRAM_TOKEN",
    "INSTAGRAM_USER_ID",
    "SPOTIFY_CLIENT_ID",
    "SPOTIFY_CLIENT_SECRET",
    "Sandboxes",
]
