"""What each stage needs from the configuration, checked once before any stage starts.

`run` and `worker` ask `configuration_problems` first and, when something is missing, print
each problem on one line and exit 1 without starting a stage: a missing credential is not a
crash to restart with back-off (nor, under compose, to restart for ever).
"""

from __future__ import annotations

from collections.abc import Iterable

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.settings import Settings

# The clients a stage cannot work without (the optional sources, such as Genius, Discogs and
# the Instagram Graph API, are skipped when unconfigured and are not listed).
REQUIRED: dict[str, tuple[type[ApiClient], ...]] = {
    "artist_discovery": (SpotifyClient,),
    "album_discovery": (SpotifyClient,),
    "track_discovery": (SpotifyClient,),
    "producer_identification": (MusicBrainzClient,),
    "social_enrichment": (MusicBrainzClient,),
}

WHAT_TO_SET: dict[type[ApiClient], str] = {
    SpotifyClient: "set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (Spotify credentials)",
    MusicBrainzClient: (
        "set MUSICBRAINZ_CONTACT to your e-mail address or your application's URL "
        "(MusicBrainz requires a real contact in the User-Agent)"
    ),
}


def configuration_problems(settings: Settings, stages: Iterable[str]) -> list[str]:
    """One line per stage and missing setting, in the stages' order; empty when all is set."""
    return [
        f"{stage}: {WHAT_TO_SET[client]}"
        for stage in stages
        for client in REQUIRED.get(stage, ())
        if not client.is_configured(settings)
    ]
