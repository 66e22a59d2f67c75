"""Every sandbox API at once, with the environment variables that point the workers at them.

Used by `producer-discovery demo`, the end-to-end tests and the benchmarks:

    with SandboxEnvironment() as sandboxes:
        env = {**os.environ, **sandboxes.variables()}
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

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


@dataclass
class SandboxEnvironment:
    """Starts the five fake providers on 127.0.0.1; `faults` per provider name. The defaults
    are the providers' real limits (MusicBrainz 1 request/s, Discogs 60 a minute)."""

    faults: dict[str, Faults] = field(default_factory=dict)
    spotify_window_limit: int = 0
    spotify_extended_quota: bool = False
    musicbrainz_requests_per_second: float = 1.0
    discogs_requests_per_minute: int = 60

    def __post_init__(self) -> None:
        self.spotify = SpotifySandbox(client_id=SPOTIFY_CLIENT_ID, client_secret=SPOTIFY_CLIENT_SECRET,
                                      extended_quota=self.spotify_extended_quota,
                                      window_limit=self.spotify_window_limit,
                                      faults=self.faults.get("spotify"))
        self.genius = GeniusSandbox(access_token=GENIUS_TOKEN, faults=self.faults.get("genius"))
        self.musicbrainz = MusicBrainzSandbox(
            requests_per_second=self.musicbrainz_requests_per_second,
            faults=self.faults.get("musicbrainz"))
        self.discogs = DiscogsSandbox(token=DISCOGS_TOKEN,
                                      requests_per_minute=self.discogs_requests_per_minute,
                                      faults=self.faults.get("discogs"))
        self.instagram = InstagramGraphSandbox(access_token=INSTAGRAM_TOKEN, user_id=INSTAGRAM_USER_ID,
                                               faults=self.faults.get("instagram"))

    @property
    def servers(self) -> dict[str, SandboxServer]:
        return {"spotify": self.spotify, "genius": self.genius, "musicbrainz": self.musicbrainz,
                "discogs": self.discogs, "instagram": self.instagram}

    def start(self) -> SandboxEnvironment:
        for server in self.servers.values():
            server.start()
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> SandboxEnvironment:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def variables(self) -> dict[str, str]:
        """The environment that points producer-discovery at these sandboxes."""
        return {
            "SPOTIFY_API_URL": self.spotify.api_url,
            "SPOTIFY_TOKEN_URL": self.spotify.token_url,
            "SPOTIFY_CLIENT_ID": SPOTIFY_CLIENT_ID,
            "SPOTIFY_CLIENT_SECRET": SPOTIFY_CLIENT_SECRET,
            "GENIUS_API_URL": self.genius.url,
            "GENIUS_ACCESS_TOKEN": GENIUS_TOKEN,
            "MUSICBRAINZ_API_URL": f"{self.musicbrainz.url}/ws/2",
            "MUSICBRAINZ_CONTACT": "sandbox@example.com",
            "DISCOGS_API_URL": self.discogs.url,
            "DISCOGS_TOKEN": DISCOGS_TOKEN,
            "INSTAGRAM_API_URL": self.instagram.url,
            "INSTAGRAM_ACCESS_TOKEN": INSTAGRAM_TOKEN,
            "INSTAGRAM_USER_ID": INSTAGRAM_USER_ID,
        }

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
