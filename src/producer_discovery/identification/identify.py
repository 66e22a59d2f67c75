"""Producer identification: gather every configured source's credits for one song.

    load_track(pool, track_id, artist_id)    the representative track, its album and artist
    build_identifier(settings, client)       the configured sources, their clients (built by
                                             the runtime) sharing the response cache and limits
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
from producer_discovery.db.catalogue import TrackContext, track_context
from producer_discovery.errors import CredentialsRejected, fails_alone
from producer_discovery.identification.credits import Credit, title_credits
from producer_discovery.identification.discogs import DiscogsSource
from producer_discovery.identification.genius import GeniusSource
from producer_discovery.identification.musicbrainz import MusicBrainzSource
from producer_discovery.identification.track import SourceAnswer, TrackIsrc, TrackToIdentify
from producer_discovery.settings import Settings
from producer_discovery.text import producer_names_in_title

Client = TypeVar("Client", bound=ApiClient)

log = structlog.get_logger("producer_discovery.identification.identify")


# The track -------------------------------------------------------------------------------
def load_track(
    pool: ConnectionPool, track_id: str, artist_id: str | None
) -> TrackToIdentify | None:
    """The track to identify, or None when it is no longer stored."""
    with pool.connection() as conn:
        context = track_context(conn, track_id, artist_id)
    return track_from_context(context) if context else None


def track_from_context(context: TrackContext) -> TrackToIdentify:
    track_metadata = context.track_metadata
    album_metadata = context.album_metadata
    return TrackToIdentify(
        track_id=context.track_id,
        title=context.title,
        spotify_id=context.spotify_id,
        artist_names=artist_names(track_metadata, context.artist_name),
        album_title=context.album_title,
        upc=external_id(album_metadata, "upc"),
        album_track_count=album_metadata.get("total_tracks"),
        album_songs=context.album_songs,
        isrc=external_id(track_metadata, "isrc"),
        album_year=release_year(album_metadata.get("release_date")),
    )


def release_year(release_date: object) -> int | None:
    """The year of a Spotify `release_date` ("2021", "2021-09", "2021-09-24"), or None."""
    text = str(release_date or "")[:4]
    return int(text) if text.isdigit() else None


def artist_names(track_metadata: dict[str, Any], song_artist: str) -> tuple[str, ...]:
    """The track's primary artist (first in Spotify's list), then the song's artist."""
    listed = track_metadata.get("artists") or []
    first = listed[0] if listed else None
    primary = first.get("name") if isinstance(first, dict) else first
    names = [name for name in (primary, song_artist) if isinstance(name, str) and name.strip()]
    return tuple(dict.fromkeys(names))


def external_id(metadata: dict[str, Any], name: str) -> str | None:
    """An id stored flat (`isrc`) or as Spotify nests it (`external_ids.isrc`)."""
    value = metadata.get(name) or (metadata.get("external_ids") or {}).get(name)
    return str(value) if value else None


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
        counts = {source: 0 for source in self.consulted}
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


def build_identifier(settings: Settings, client: ClientFactory) -> Identifier:
    """The sources the settings configure; each skipped one is logged here, once."""
    identifier = Identifier(MusicBrainzSource(client(MusicBrainzClient)))
    if GeniusClient.is_configured(settings):
        identifier.genius = GeniusSource(client(GeniusClient))
    else:
        skip(identifier, "genius", "GENIUS_ACCESS_TOKEN is not set")
    if DiscogsClient.is_configured(settings):
        identifier.discogs = DiscogsSource(client(DiscogsClient))
    else:
        skip(identifier, "discogs", "DISCOGS_TOKEN is not set")
    if SpotifyClient.is_configured(settings):
        identifier.spotify = client(SpotifyClient)
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
