"""The provider sandboxes a test or benchmark talks to, held together: the five fake APIs of
`producer_discovery.sandbox`, started on free ports with the limits asked for.

    with Sandboxes(musicbrainz_requests_per_second=50) as sandboxes:
        settings = sandbox_settings(sandboxes, url)      # tests/support/settings.py

The defaults are the providers' real limits (MusicBrainz 1 request/s, Discogs 60 a minute).
Tests get them from the `sandboxes` fixture (tests/conftest.py): started once per module with
the options of the module's `sandboxes` marker, faults cleared and counters reset per test.
"""

from __future__ import annotations

from collections import Counter

from producer_discovery.sandbox.discogs import DiscogsSandbox
from producer_discovery.sandbox.genius import GeniusSandbox
from producer_discovery.sandbox.instagram import DEFAULT_USER_ID, InstagramGraphSandbox
from producer_discovery.sandbox.musicbrainz import MusicBrainzSandbox
from producer_discovery.sandbox.server import Faults, SandboxServer
from producer_discovery.sandbox.spotify import SpotifySandbox

SPOTIFY_CLIENT_ID = "sandbox-client-id"
SPOTIFY_CLIENT_SECRET = "sandbox-client-secret"
GENIUS_TOKEN = "sandbox-genius-token"
DISCOGS_TOKEN = "sandbox-discogs-token"
INSTAGRAM_TOKEN = "sandbox-instagram-token"
INSTAGRAM_USER_ID = DEFAULT_USER_ID


class Sandboxes:
    """Spotify, Genius, MusicBrainz, Discogs and the Instagram Graph API on 127.0.0.1;
    `faults` per provider name."""

    def __init__(
        self,
        *,
        musicbrainz_requests_per_second: float = 1.0,
        discogs_requests_per_minute: int = 60,
        spotify_extended_quota: bool = False,
        spotify_window_limit: int = 0,
        faults: dict[str, Faults] | None = None,
    ) -> None:
        faults = faults or {}
        self.spotify = SpotifySandbox(
            client_id=SPOTIFY_CLIENT_ID, client_secret=SPOTIFY_CLIENT_SECRET,
            extended_quota=spotify_extended_quota, window_limit=spotify_window_limit,
            faults=faults.get("spotify"),
        )
        self.genius = GeniusSandbox(access_token=GENIUS_TOKEN, faults=faults.get("genius"))
        self.musicbrainz = MusicBrainzSandbox(
            requests_per_second=musicbrainz_requests_per_second, faults=faults.get("musicbrainz")
        )
        self.discogs = DiscogsSandbox(
            token=DISCOGS_TOKEN, requests_per_minute=discogs_requests_per_minute,
            faults=faults.get("discogs"),
        )
        self.instagram = InstagramGraphSandbox(
            access_token=INSTAGRAM_TOKEN, user_id=INSTAGRAM_USER_ID, faults=faults.get("instagram")
        )

    @property
    def servers(self) -> dict[str, SandboxServer]:
        return {"spotify": self.spotify, "genius": self.genius, "musicbrainz": self.musicbrainz,
                "discogs": self.discogs, "instagram": self.instagram}

    def start(self) -> Sandboxes:
        for server in self.servers.values():
            server.start()
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> Sandboxes:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """No faults, fresh request counters."""
        for server in self.servers.values():
            server.faults = Faults()
            server.reset_counts()

    def requests(self) -> Counter[str]:
        """Requests each sandbox served, Spotify's token requests left out."""
        counts = Counter({name: server.total for name, server in self.servers.items()})
        counts["spotify"] -= self.spotify.requests["token"]
        return counts

    def rejected(self) -> dict[str, int]:
        """Requests each sandbox refused for breaking a documented limit."""
        return {name: sum(server.rejected.values()) for name, server in self.servers.items()}
