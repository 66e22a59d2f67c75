"""producer_identification: who produced one song, from every configured source, fused.

    message   ProducerIdentificationMessage (producer_discovery.messages): {"trackId":
              "<representative tracks.id>", "normalizedTrackId": "<uuid>", "artistId":
              "<artists.id>"}, one per normalized song
    entity    ("track", normalizedTrackId, else trackId)
    handler   the song's CURRENT representative, read now (its best edition: a message sent
              before a better edition arrived identifies the new one; trackId only without a
              song), then load the track, its album and artist
              (producer_discovery.identification.identify)
              → every credit source of the registry (producer_discovery.sources: Genius,
                MusicBrainz, Discogs and the "(Prod. by …)" title), most trusted first; a
                source without its token is skipped (logged once, listed in the outcome's
                skipped_sources)
    writes    first claim_song_representative(): the song's row is locked to the commit and
              the track must still be its representative (else Deferred: no attempt spent,
              the message comes back at once and identifies the new one, whose credits
              replace these); then producers
              (+ producer_source_ids), track_producers, track_producer_evidence on the
              representative only (producer_discovery.identification.store), then ONE social_enrichment message
              {"producerId"} per producer never enriched nor queued before, and a refresh
              {"producerId", "refresh": "new-ids:…"} for an already enriched producer that
              learned a source id here (its first enrichment could not use it).
    waits     for a source its provider blocks (CDN 403, quota 429) while its outage is younger
              than SOURCE_WAIT_SECONDS: WaitingForSource, the message hidden, no attempt spent,
              nothing written (producer_discovery.identification.waiting)
    fails     alone, per source: a source that is out (blocked past the wait, credentials
              refused) or answers a shape we cannot read is listed in the outcome's
              missing_sources with why, its earlier evidence kept; refused credentials are also
              a critical worker issue; the gap is refilled as soon as the source answers again
              (refill_identification_gaps), else by requeue_identification_gaps() (hourly).

A track that is no longer stored, or that nobody is credited on, completes normally.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from producer_discovery.db.catalogue import claim_song_representative
from producer_discovery.db.identification_plans import IdentificationPlans
from producer_discovery.db.queue import report_refused_credentials
from producer_discovery.errors import Deferred
from producer_discovery.identification.identify import Identifier, build_identifier, load_track
from producer_discovery.identification.store import store_identification
from producer_discovery.identification.waiting import wait_for_sources
from producer_discovery.messages import ProducerIdentificationMessage, SocialEnrichmentMessage
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Outcome, Send, Stage
from producer_discovery.sources import credit_sources

QUEUE = ProducerIdentificationMessage.QUEUE
# A better edition arrived while the song was identified: not the message's fault, so it
# spends no attempt (a catalogue walked in bulk may change a song's edition several times).
EDITION_CHANGED_RETRY_SECONDS = 1.0


def entity_of(message: ProducerIdentificationMessage) -> tuple[str, str]:
    return "track", str(message.normalized_track_id or message.track_id)


def build(resources: Resources) -> Stage[ProducerIdentificationMessage]:
    identifier = build_identifier(
        resources.settings,
        resources.client,
        lambda source: IdentificationPlans(resources.pool, source),
        credit_sources(),
    )

    def handle(delivery: Delivery[ProducerIdentificationMessage]) -> Outcome:
        return identify(resources, identifier, delivery.body)

    return Stage(QUEUE, ProducerIdentificationMessage, entity_of, handle)


def identify(
    resources: Resources, identifier: Identifier, message: ProducerIdentificationMessage
) -> Outcome:
    artist_id = str(message.artist_id) if message.artist_id else None
    song = str(message.normalized_track_id) if message.normalized_track_id else None
    track = load_track(resources.pool, str(message.track_id), artist_id, song)
    if track is None:
        return Outcome(metadata={"outcome": "track_not_found", "track_id": str(message.track_id)})
    found = identifier.identify(track)
    # A credit source blocked for a short while is waited for: WaitingForSource (no attempt).
    wait_for_sources(found, resources.limiter, resources.settings.source_wait_seconds)
    metadata = {**found.summary(), "track_id": str(track.track_id)}

    def write(conn: psycopg.Connection[Any]) -> list[Send]:
        if song is not None and not claim_song_representative(conn, song, str(track.track_id)):
            raise Deferred(
                f"song {song}: a better edition than {track.track_id} arrived meanwhile",
                EDITION_CHANGED_RETRY_SECONDS,
            )
        # A source that failed alone keeps its earlier evidence, as a skipped one does.
        stored = store_identification(
            conn,
            track.track_id,
            found.credits,
            found.skipped + list(found.missing),
            identifier.ranking,
        )
        for api, refusal in found.credentials_refused.items():
            report_refused_credentials(conn, QUEUE, api, refusal)
        metadata.update(stored.summary())  # recorded by the runtime after this write
        first = [
            Send.of(SocialEnrichmentMessage(producer_id=UUID(producer_id)))
            for producer_id in stored.to_enrich
        ]
        refreshes = [
            Send.of(
                SocialEnrichmentMessage.for_new_ids(UUID(producer_id), stored.learned[producer_id])
            )
            for producer_id in stored.to_refresh
        ]
        return first + refreshes

    return Outcome(write=write, metadata=metadata)
