"""Producer identification: gather every configured source's credits for one song.

    load_track(pool, track_id, artist_id,    the song's representative track, its album
               song)                         and artist
    build_identifier(settings, client,       the registry's credit sources that are
                     plans, sources)         configured, their clients (built by the runtime)
                                             sharing the response cache, the limits and the
                                             per-artist plans
    Identifier.identify(track)               every source's credits + what each one used

Which sources there are, in which order of trust, and how each one credits a song is the
registry's (producer_discovery.sources); this module asks them all, the same way. A source is
configured by its client's credentials (`ApiClient.credentials`: Genius by
GENIUS_ACCESS_TOKEN, Discogs by DISCOGS_TOKEN; MusicBrainz and titles need nothing); Spotify
(SPOTIFY_CLIENT_ID/SECRET) only supplies ISRCs, without which MusicBrainz falls back to
searching by title. A missing credential skips that source, is logged once when the
identifier is built, and is listed in every outcome (`skipped_sources`). Fusion and storage
happen later, inside the commit (`store_identification`, with the identifier's `ranking`).

Sources fail alone: a source that is out (blocked by the provider, credentials refused) or
answers a shape we cannot read is left out of this identification only, never costing the
others' credits. The message completes with the sources that answered; the missing ones are
listed with why (`missing_sources`, kept in processing_status), their earlier evidence is kept
as for a skipped source, and `requeue_identification_gaps()` (hourly on pg_cron) identifies
the track again later to fill the gap. Any other error is a bug and fails the message.
A source blocked by its provider (`blocked`) for less than SOURCE_WAIT_SECONDS is waited for
instead (identification.waiting): the song comes back later and nothing is written; a gap its
outage left is refilled as soon as it answers again (refill_identification_gaps).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import structlog
from psycopg_pool import ConnectionPool
from pydantic import ValidationError

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.spotify import SpotifyClient
from producer_discovery.db.catalogue import song_representative, track_context
from producer_discovery.errors import (
    CredentialsRejected,
    ResponseShapeError,
    SourceBlocked,
    fails_alone,
)
from producer_discovery.identification.credit_source import Ask, ClientFactory, Credits, Tools
from producer_discovery.identification.credits import Credit
from producer_discovery.identification.musicbrainz_plan import PlanStore
from producer_discovery.identification.track import (
    SourceAnswer,
    TrackIsrc,
    TrackToIdentify,
    track_from_context,
)
from producer_discovery.settings import Settings

log = structlog.get_logger("producer_discovery.identification.identify")


# The track -------------------------------------------------------------------------------
def load_track(
    pool: ConnectionPool, track_id: str, artist_id: str | None, song: str | None = None
) -> TrackToIdentify | None:
    """The track to identify, or None when it is no longer stored: the song's representative
    now (read when the message is handled, so a better edition that arrived since is the one
    identified) when `song` is given and stored, else `track_id`."""
    with pool.connection() as conn:
        current = song_representative(conn, song) if song is not None else None
        context = track_context(conn, current or track_id, artist_id)
    return track_from_context(context) if context else None


# Identification ---------------------------------------------------------------------------
@dataclass
class Identification:
    """Every credit the consulted sources gave for one track."""

    credits: list[Credit] = field(default_factory=list)
    consulted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # source → why it did not answer
    blocked: dict[str, str] = field(default_factory=dict)  # source → the API that blocks us
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


class CreditSource(Protocol):
    """A source of the registry (producer_discovery.sources), as identification reads it."""

    @property
    def name(self) -> str: ...

    @property
    def client(self) -> type[ApiClient] | None: ...

    @property
    def credits(self) -> Credits | None: ...


@dataclass(frozen=True)
class AskedSource:
    name: str
    ask: Ask


@dataclass
class Identifier:
    """The configured credit sources, asked in order; `ranking` names every credit source,
    configured or not, most trusted first (fusion's order: identification.fusion)."""

    sources: list[AskedSource]
    ranking: tuple[str, ...]
    spotify: SpotifyClient | None = None
    skipped: list[str] = field(default_factory=list)

    def identify(self, track: TrackToIdentify) -> Identification:
        """Ask every configured source about the track (API calls; no database writes)."""
        found = Identification(skipped=list(self.skipped), isrc_lookup=self.spotify is not None)
        isrc = TrackIsrc(track, self.spotify)
        for source in self.sources:
            self._ask(found, source.name, partial(source.ask, track, isrc))
        return found

    def _ask(self, found: Identification, source: str, ask: Callable[[], SourceAnswer]) -> None:
        """One source's answer. A source that fails alone (it is out, or its document has a
        shape we cannot read: a ResponseShapeError from the client's shape check, or a
        provider model's ValidationError) is recorded as missing instead. Anything else is
        raised: a bug in a source's code (an AttributeError, a KeyError…) must crash the message
        visibly, never pass for a missing source that requeue_identification_gaps() would send
        back every hour."""
        try:
            answer = ask()
        except ValidationError as error:  # a provider model refused the document
            log.warning("credit_source_unreadable", source=source, exc_info=error)
            unreadable = ResponseShapeError(source, "parse", f"ValidationError: {error}")
            found.missing[source] = str(unreadable)[:300]
            return
        except Exception as error:
            if not fails_alone(error):
                raise
            found.missing[source] = f"{type(error).__name__}: {error}"[:300]
            if isinstance(error, SourceBlocked):  # waited for while young (waiting.py)
                found.blocked[source] = error.api
            if isinstance(error, CredentialsRejected):  # Spotify's, asked for an ISRC, too
                found.credentials_refused[error.api] = found.missing[source]
            log.warning("credit_source_missing", source=source, error=found.missing[source])
            return
        self._add(found, source, answer)

    @staticmethod
    def _add(found: Identification, source: str, answer: SourceAnswer) -> None:
        found.consulted.append(source)
        found.credits.extend(answer.credits)
        if answer.note:
            found.notes[source] = answer.note


def build_identifier(
    settings: Settings,
    client: ClientFactory,
    plans: Callable[[str], PlanStore],
    sources: Sequence[CreditSource],
) -> Identifier:
    """The credit sources among `sources` (most trusted first) that the settings configure;
    each skipped one is logged here, once. `plans(source)` shares a source's per-artist plans
    (db.identification_plans)."""
    spotify = client(SpotifyClient) if SpotifyClient.is_configured(settings) else None
    if spotify is None:
        log.warning(
            "isrc_lookup_skipped",
            reason="SPOTIFY_CLIENT_ID/SPOTIFY_CLIENT_SECRET not set",
            effect="MusicBrainz recordings are searched by title and artist",
        )
    tools = Tools(client, plans, spotify)
    crediting = [(source, credits) for source in sources if (credits := source.credits)]
    identifier = Identifier([], tuple(source.name for source, _ in crediting), spotify)
    for source, credits in crediting:
        if source.client is not None and not source.client.is_configured(settings):
            identifier.skipped.append(source.name)
            log.warning(
                "credit_source_skipped",
                source=source.name,
                reason=source.client.unconfigured_reason(),
            )
            continue
        identifier.sources.append(AskedSource(source.name, credits.asker(tools)))
    return identifier
