"""Every sandbox API at once, with the environment variables that point the workers at them.

Used by `producer-discovery demo`, the end-to-end tests and the benchmarks:

    with SandboxEnvironment() as sandboxes:
        env = {**os.environ, **sandboxes.variables()}
"""

from __future__ import annotations

from dataclasses import dataclass, field

from producer_discovery.sandbox.discogs import DiscogsSandbox
from producer_discovery.sandbox.genius import GeniusSandbox
from producer_discovery.sandbox.instagram import InstagramGraphSandbox
from producer_discovery.sandbox.musicbrainz import MusicBrainzSandbox
from producer_discovery.sandbox.server import Faults, SandboxServer
from producer_discovery.sandbox.spotify import SpotifySandbox

SPOTIFY_CLIENT_ID = "sandbox-client-id"
SPOTIFY_CLIENT_SECRET = "sandbox-client-secret"
GENIUS_TOKEN = "sandbox-genius-token"
DISCOGS_TOKEN = "sandbox-discogs-token"
INSTAGRAM_TOKEN = "sandbox-instagram-token"
INSTAGRAM_USER_ID = "17841400000000000"


@dataclass
class SandboxEnvironment:
    """Starts the five fake providers on 127.0.0.1; `faults` per provider name."""

    faults: dict[str, Faults] = field(default_factory=dict)
    spotify_window_limit: int = 0

    def __post_init__(self) -> None:
        self.spotify = SpotifySandbox(client_id=SPOTIFY_CLIENT_ID, client_secret=SPOTIFY_CLIENT_SECRET,
                                      window_limit=self.spotify_window_limit,
                                      faults=self.faults.get("spotify"))
        self.genius = GeniusSandbox(access_token=GENIUS_TOKEN, faults=self.faults.get("genius"))
        self.musicbrainz = MusicBrainzSandbox(faults=self.faults.get("musicbrainz"))
        self.discogs = DiscogsSandbox(token=DISCOGS_TOKEN, faults=self.faults.get("discogs"))
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

    def rejected(self) -> dict[str, int]:
        """Requests each sandbox refused for breaking a documented limit."""
        return {name: sum(server.rejected.values()) for name, server in self.servers.items()}
