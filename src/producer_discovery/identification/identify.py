"""Producer identification: gather every configured source's credits for one song.

    load_track(pool, track_id, artist_id)    the representative track, its album and artist
    build_identifier(settings, client, plans)  the configured sources, their clients (built
                                             by the runtime) sharing the response cache, the
                                             limits and the per-artist plans
    Identifier.identify(track)               every source's credits + what each one used

A source is configured by its credentials: Genius by GENIUS_ACCESS_TOKEN, Discogs by
DISCOGS_TOKEN; MusicBrainz and titles need nothing; Spotify (SPOTIFY_CLIENT_ID/SECRET) only
supplies ISRCs, without which MusicBrainz falls back to searching by title. A missing
credential skips that source, is logged once when the identifier is built, and is listed in
every outcome (`skipped_sources`). Fusion and storage happen later, inside the commit
(`producer_store`).

Sources fail alone: a source that is out (blocked by the provider, credentials refused) or
answers a shape we cannot read is left out of this identification only, never costing the
others' credits. The message completes with the sources that answered; the missing ones are
listed with why (`missing_sources`, kept in processing_status), their earlier evidence is kept
as for a skipped source, and `requeue_identification_gaps()` (hourly on pg_cron) identifies
the track again later to fill the gap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import structlog
from psycopg_pool import ConnectionPool

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.db.catalogue import track_context
from producer_discovery.errors import CredentialsRejected, ResponseShapeError, fails_alone
from producer_discovery.identification.credits import Credit, title_credits
from producer_discovery.identification.discogs import DiscogsSource
from producer_discovery.identification.genius import GeniusSource
from producer_discovery.identification.musicbrainz import MusicBrainzSource
from producer_discovery.identification.musicbrainz_plan import MusicBrainzPlanner, PlanStore
from producer_discovery.identification.track import (
    SourceAnswer,
    TrackIsrc,
    TrackToIdentify,
    track_from_context,
)
from producer_discovery.settings import Settings
from producer_discovery.text import producer_names_in_title

Client = TypeVar("Client", bound=ApiClient)
# What a parser raises on a document it cannot read (pydantic's ValidationError is a ValueError).
UNREADABLE_ANSWER = (KeyError, IndexError, TypeError, AttributeError, ValueError)

log = structlog.get_logger("producer_discovery.identification.identify")


# The track -------------------------------------------------------------------------------
def load_track(
    pool: ConnectionPool, track_id: str, artist_id: str | None
) -> TrackToIdentify | None:
    """The track to identify, or None when it is no longer stored."""
    with pool.connection() as conn:
        context = track_context(conn, track_id, artist_id)
    return track_from_context(context) if context else None


# Identification ---------------------------------------------------------------------------
@dataclass
class Identification:
    """Every credit the consulted sources gave for one track."""

    credits: list[Credit] = field(default_factory=list)
    consulted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # source → why it did not answer
    credentials_refused: dict[str, str] = field(default_factory=dict)  # API → what it said
    notes: dict[str, Any] = field(default_factory=dict)
    isrc_lookup: bool = True  # False: no Spotify credentials, so no ISRC from Spotify

    def summary(self) -> dict[str, Any]:
        """The outcome metadata: sources asked and skipped, credits per source, documents."""
        counts = dict.fromkeys(self.consulted, 0)
        for credit in self.credits:
            counts[credit.source] = counts.get(credit.source, 0) + 1
        return {
            "consulted_sources": self.consulted,
            "skipped_sources": self.skipped,
            "missing_sources": self.missing,
            "isrc_lookup": "spotify" if self.isrc_lookup else "off",
            "credits": counts,
            "documents": self.notes,
        }


@dataclass
class Identifier:
    musicbrainz: MusicBrainzSource
    genius: GeniusSource | None = None
    discogs: DiscogsSource | None = None
    spotify: SpotifyClient | None = None
    skipped: list[str] = field(default_factory=list)

    def identify(self, track: TrackToIdentify) -> Identification:
        """Ask every configured source about the track (API calls; no database writes)."""
        found = Identification(skipped=list(self.skipped), isrc_lookup=self.spotify is not None)
        if self.genius is not None:
            genius = self.genius
            self._ask(found, genius.name, lambda: genius.credits(track))
        isrc = TrackIsrc(track, self.spotify)
        self._ask(found, self.musicbrainz.name, lambda: self.musicbrainz.credits(track, isrc))
        if self.discogs is not None:
            discogs = self.discogs
            self._ask(found, discogs.name, lambda: discogs.credits(track))
        found.consulted.append("title")
        found.credits.extend(title_credits(producer_names_in_title(track.title)))
        return found

    def _ask(self, found: Identification, source: str, ask: Callable[[], SourceAnswer]) -> None:
        """One source's answer; a source that fails alone is recorded as missing instead."""
        try:
            answer = ask()
        except UNREADABLE_ANSWER as error:
            # The documents passed their shape check, yet this source's parser could not read
            # them: that source's answer is unreadable, not the message (issue 11, case 9).
            log.warning("credit_source_unreadable", source=source, exc_info=error)
            unreadable = ResponseShapeError(source, "parse", f"{type(error).__name__}: {error}")
            found.missing[source] = str(unreadable)[:300]
            return
        except Exception as error:
            if not fails_alone(error):
                raise
            found.missing[source] = f"{type(error).__name__}: {error}"[:300]
            if isinstance(error, CredentialsRejected):  # Spotify's, asked for an ISRC, too
                found.credentials_refused[error.api] = found.missing[source]
            log.warning("credit_source_missing", source=source, error=found.missing[source])
            return
        self._add(found, source, answer)

    @staticmethod
    def _add(found: Identification, source: str, answer: SourceAnswer) -> None:
        found.consulted.append(source)
        found.credits.extend(answer.credits)
        found.notes[source] = answer.note


class ClientFactory(Protocol):
    def __call__(self, client_class: type[Client]) -> Client:
        """A client of that class, built by the runtime (shared limits, metrics, cache)."""


def build_identifier(settings: Settings, client: ClientFactory, plans: PlanStore) -> Identifier:
    """The sources the settings configure; each skipped one is logged here, once. `plans`
    shares MusicBrainz's per-artist plans (db.identification_plans)."""
    spotify = client(SpotifyClient) if SpotifyClient.is_configured(settings) else None
    musicbrainz = client(MusicBrainzClient)
    identifier = Identifier(
        MusicBrainzSource(musicbrainz, MusicBrainzPlanner(musicbrainz, plans, spotify))
    )
    if GeniusClient.is_configured(settings):
        identifier.genius = GeniusSource(client(GeniusClient))
    else:
        skip(identifier, "genius", "GENIUS_ACCESS_TOKEN is not set")
    if DiscogsClient.is_configured(settings):
        identifier.discogs = DiscogsSource(client(DiscogsClient))
    else:
        skip(identifier, "discogs", "DISCOGS_TOKEN is not set")
    if spotify is not None:
        identifier.spotify = spotify
    else:
        log.warning(
            "isrc_lookup_skipped",
            reason="SPOTIFY_CLIENT_ID/SPOTIFY_CLIENT_SECRET not set",
            effect="MusicBrainz recordings are searched by title and artist",
        )
    return identifier


def skip(identifier: Identifier, source: str, reason: str) -> None:
    identifier.skipped.append(source)
    log.warning("credit_source_skipped", source=source, reason=reason)
