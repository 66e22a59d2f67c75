"""The registry of sources: every provider the pipeline asks and every source of credits,
described once. Whatever differs from one source to another is read from here.

    name     the API's and the source's name: rate limits, pauses, metrics, the response
             cache, credits and evidence, producer_source_ids, missing and skipped sources
    label    what people read (web, CLI)
    client   its ApiClient (its `api` is `name`); None for a source that asks no one
    rate     its share of the shared rate limit, from Settings: a source with a client must
             have one (checked at import, so at start-up); the limiter refuses any other API
    trust    how much its word weighs (0–1): fusion names a producer after the most trusted
             source that credits them and orders their ids by it; enrichment keeps the most
             trusted source's value of every profile field. Each source's module sets the
             confidence of each kind of credit it reads (Genius' producer_artists 0.85, …).
    credits  how it credits a song (identification.credit_source.Credits), or None
    profile  what it contributes to a producer's profile (enrichment.contribution.Profile),
             or None

Who reads it: runtime/resources.py (`budgets`: the limiter), workers/producer_identification.py
(`credit_sources`: which sources a song is asked of, and their trust),
workers/social_enrichment.py (`profile_sources`), the migration runner's callers
(`registered_sources`: the rows of public.registered_sources every SQL check reads, migration
0100) and the web app (`credit_labels`). docs/howto-change.md says how to add a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.instagram import InstagramClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.db.rate_limits import Budget, Rate
from producer_discovery.db.registered_sources import RegisteredSource
from producer_discovery.enrichment.contribution import Profile, ProfileSource, numeric_lookup
from producer_discovery.enrichment.profiles import (
    from_discogs_artist,
    from_genius_artist,
    from_instagram_business,
    from_musicbrainz_artist,
)
from producer_discovery.errors import ConfigurationError
from producer_discovery.identification import discogs, genius, musicbrainz, title
from producer_discovery.identification.credit_source import Credits
from producer_discovery.settings import Settings

Client = TypeVar("Client", bound=ApiClient)
NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # as public.registered_sources accepts it


@dataclass(frozen=True)
class Source(Generic[Client]):
    """One source of the registry (see the module docstring)."""

    name: str
    label: str
    client: type[Client] | None = None
    rate: Rate | None = None
    trust: float | None = None
    credits: Credits | None = None
    profile: Profile[Client] | None = None

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem is not None:
            raise ConfigurationError(f"source {self.name!r} of the registry: {problem}")

    def problem(self) -> str | None:
        """What makes this entry unusable, or None."""
        if not NAME.match(self.name):
            return "a name is 1 to 32 lower-case letters, digits or _, a letter first"
        if self.client is not None and self.rate is None:
            return "it calls an API, so it needs a rate budget"
        if self.client is None and (self.rate is not None or self.profile is not None):
            return "a rate budget or a profile needs a client"
        if self.client is not None and self.client.api != self.name:
            return f"its client's api is {self.client.api!r}"
        if self.client is not None and not set(self.client.credentials) <= set(
            Settings.model_fields
        ):
            return f"its client's credentials {self.client.credentials} are not all Settings fields"
        if (self.credits or self.profile) and not (self.trust and 0 < self.trust <= 1):
            return "a source of credits or profiles needs a trust in (0, 1]"
        return None

    def budget(self, settings: Settings) -> Budget | None:
        return self.rate.budget(settings) if self.rate is not None else None

    def registered(self) -> RegisteredSource:
        """Its row of public.registered_sources."""
        return RegisteredSource(
            name=self.name,
            label=self.label,
            calls_api=self.client is not None,
            credits_songs=self.credits is not None,
            names_people=self.credits is not None and self.credits.names_people,
        )

    def profile_source(self, client: Client | None) -> ProfileSource:
        """Its profile contribution as one worker process asks it (`client` None: off)."""
        assert self.profile is not None
        assert self.trust is not None
        return self.profile.bound(self.name, self.trust, client)


SPOTIFY = Source(
    "spotify",
    "Spotify",
    SpotifyClient,
    Rate("spotify_requests_per_second", burst=2),
)
GENIUS = Source(
    "genius",
    "Genius",
    GeniusClient,
    Rate("genius_requests_per_second", burst=2),
    trust=0.9,
    credits=Credits(genius.asker),
    profile=Profile(lambda client: numeric_lookup(client.artist), from_genius_artist),
)
MUSICBRAINZ = Source(
    "musicbrainz",
    "MusicBrainz",
    MusicBrainzClient,
    Rate("musicbrainz_requests_per_second", strict=True),
    trust=0.8,
    credits=Credits(musicbrainz.asker),
    profile=Profile(lambda client: client.artist, from_musicbrainz_artist),
)
DISCOGS = Source(
    "discogs",
    "Discogs",
    DiscogsClient,
    Rate("discogs_requests_per_minute", per_seconds=60, strict=True),
    trust=0.6,
    credits=Credits(discogs.asker),
    profile=Profile(lambda client: numeric_lookup(client.artist), from_discogs_artist),
)
INSTAGRAM = Source(
    "instagram",
    "Instagram Graph API",
    InstagramClient,
    Rate("instagram_requests_per_second", burst=2),
    trust=0.5,
    profile=Profile(
        lambda client: client.business_discovery,
        from_instagram_business,
        by_field="instagram_handle",
        recorded_as="instagram-graph",
        only_source_of=frozenset({"instagram_bio"}),
    ),
)
TITLE: Source[ApiClient] = Source(
    title.SOURCE,
    "track titles",
    trust=0.4,
    credits=Credits(title.asker, names_people=False),
)

SOURCES: tuple[Source[Any], ...] = (SPOTIFY, GENIUS, MUSICBRAINZ, DISCOGS, INSTAGRAM, TITLE)


def by_trust(sources: list[Source[Any]]) -> list[Source[Any]]:
    """Most trusted first; equal trust in registry order."""
    return sorted(sources, key=lambda source: -(source.trust or 0.0))


def credit_sources() -> list[Source[Any]]:
    """The sources that credit songs, most trusted first (the order fusion trusts them in)."""
    return by_trust([source for source in SOURCES if source.credits is not None])


def profile_sources() -> list[Source[Any]]:
    """The sources that contribute to profiles, most trusted first."""
    return by_trust([source for source in SOURCES if source.profile is not None])


def budgets(settings: Settings) -> dict[str, Budget]:
    """Every API's budget from the settings: the shared limiter's (db.rate_limits)."""
    return {
        source.name: budget for source in SOURCES if (budget := source.budget(settings)) is not None
    }


def registered_sources() -> list[RegisteredSource]:
    """The rows of public.registered_sources (`migrate` writes them)."""
    return [source.registered() for source in SOURCES]


def credit_labels() -> str:
    """ "Genius, MusicBrainz, Discogs and track titles": who credits songs, most trusted first."""
    labels = [source.label for source in credit_sources()]
    return ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else "".join(labels)


def check_names_are_unique() -> None:
    names = [source.name for source in SOURCES]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigurationError(f"the registry names {', '.join(repeated)} more than once")


check_names_are_unique()
