"""Stage 5, social enrichment: a producer's public profile, from sources that allow it.

    message   SocialEnrichmentMessage (producer_discovery.messages): {"producerId": "<uuid>"},
              or with "refresh": "<timestamp>" when requeue_producer_enrichment() sends a
              producer back (TTL expired, or failed), or "new-ids:…" from identification
    entity    ("producer", producerId)
    handler   load the producer and its source ids, then ask every profile source of the
              registry (producer_discovery.sources), most trusted first:
              → Genius /artists/{id}              (GENIUS_ACCESS_TOKEN and a Genius id)
              → MusicBrainz /artist/{mbid}        (an MBID)
              → Discogs /artists/{id}             (DISCOGS_TOKEN and a Discogs id)
              → Instagram Business Discovery      (INSTAGRAM_ACCESS_TOKEN + INSTAGRAM_USER_ID,
                                                   for the handle the others found)
              merge: the more trusted source wins, disagreements kept
    writes    producers: instagram_handle, instagram_bio, email, image_url, enriched_at,
              enrichment_failed, metadata.social (value, source, seen_at) and
              metadata.enrichment (each source's status); then the producer rows the
              profiles say are the same person are merged into it (MusicBrainz links to
              Discogs pages, aliases: producer_discovery.enrichment.identities); nothing
              sent onwards.

A source still failing on the last delivery the runtime allows is recorded as failed and the
producer completes with `enrichment_failed = true` (see producer_discovery.enrichment.store).
"""

from __future__ import annotations

from typing import Any

import psycopg

from producer_discovery.enrichment.contribution import ProfileSource
from producer_discovery.enrichment.identities import link_identities
from producer_discovery.enrichment.store import Enricher, load_producer, record_enrichment
from producer_discovery.messages import SocialEnrichmentMessage
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Outcome, Send, Stage
from producer_discovery.sources import Source, profile_sources

QUEUE = SocialEnrichmentMessage.QUEUE


def entity(message: SocialEnrichmentMessage) -> tuple[str, str]:
    return ("producer", str(message.producer_id))


def profile_source(source: Source[Any], resources: Resources, cached: bool) -> ProfileSource:
    """One source of the registry as this process asks it: off when its client is not
    configured."""
    client_class = source.client
    assert client_class is not None, "a profile source has a client (sources.Source)"
    configured = client_class.is_configured(resources.settings)
    return source.profile_source(
        resources.client(client_class, cached=cached) if configured else None
    )


def enricher(resources: Resources, cached: bool) -> Enricher:
    """Every profile source of the registry, most trusted first."""
    return Enricher([profile_source(source, resources, cached) for source in profile_sources()])


def build(resources: Resources) -> Stage[SocialEnrichmentMessage]:
    # A first enrichment, or one more because the producer learned a source id ("new-ids:…"),
    # reads profiles through the shared response cache, so no source is asked twice for the
    # same profile in one pipeline run. A refresh from requeue_producer_enrichment() (TTL
    # expired, or a source failed) wants today's profiles: it bypasses the cache.
    cached = enricher(resources, cached=True)
    fresh = enricher(resources, cached=False)
    max_attempts = resources.settings.max_attempts

    def handle(delivery: Delivery[SocialEnrichmentMessage]) -> Outcome:
        producer = load_producer(resources.pool, delivery.body.producer_id)
        if producer is None:
            return Outcome(metadata={"outcome": "producer_not_found"})
        chosen = fresh if delivery.body.wants_fresh_profiles else cached
        enrichment = chosen.enrich(producer, last_attempt=delivery.attempt >= max_attempts)
        metadata = enrichment.summary()

        def write(conn: psycopg.Connection[Any]) -> list[Send]:
            record_enrichment(conn, producer, enrichment)
            # The rows the profiles say are the same person join this one (recorded merges).
            linked = link_identities(conn, producer.producer_id, producer.name, enrichment.profile)
            metadata.update(linked.summary())  # recorded by the runtime after this write
            return []

        return Outcome(write=write, metadata=metadata)

    return Stage(QUEUE, SocialEnrichmentMessage, entity, handle)
