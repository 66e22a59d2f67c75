"""Stage 5, social enrichment: a producer's public profile, from sources that allow it.

    message   {"producerId": "<uuid>"}, or with "refresh": "<timestamp>" when
              requeue_producer_enrichment() sends a producer back (TTL expired, or failed)
    entity    ("producer", producerId)
    handler   load the producer and its source ids
              → Genius /artists/{id}              (GENIUS_ACCESS_TOKEN and a Genius id)
              → MusicBrainz /artist/{mbid}        (an MBID)
              → Discogs /artists/{id}             (DISCOGS_TOKEN and a Discogs id)
              → Instagram Business Discovery      (INSTAGRAM_ACCESS_TOKEN + INSTAGRAM_USER_ID,
                                                   for the handle the others found)
              merge: the more trusted source wins, disagreements kept
    writes    producers: instagram_handle, instagram_bio, email, image_url, enriched_at,
              enrichment_failed, metadata.social (value, source, seen_at) and
              metadata.enrichment (each source's status); nothing sent onwards.

A source still failing on the last delivery the runtime allows is recorded as failed and the
producer completes with `enrichment_failed = true` (see producer_discovery.enrichment).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import psycopg
from pydantic import BaseModel, ConfigDict, Field

from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.instagram import InstagramClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.enrichment import (
    Enricher,
    ProfileSource,
    load_producer,
    numeric_lookup,
    record_enrichment,
)
from producer_discovery.resources import Resources
from producer_discovery.response_cache import PostgresResponseCache
from producer_discovery.social import (
    from_discogs_artist,
    from_genius_artist,
    from_instagram_business,
    from_musicbrainz_artist,
)
from producer_discovery.stage import Delivery, Outcome, Send, Stage

QUEUE = "social_enrichment"
NEW_IDS = "new-ids:"  # the refresh stamp producer identification sends (producer_store)


class EnrichmentMessage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    producer_id: UUID = Field(alias="producerId")
    refresh: str | None = None


def entity(message: EnrichmentMessage) -> tuple[str, str]:
    return ("producer", str(message.producer_id))


def profile_sources(
    resources: Resources, cache: PostgresResponseCache | None
) -> tuple[list[ProfileSource], ProfileSource]:
    """The id sources in order of trust, and Business Discovery; each off when unconfigured."""
    settings = resources.settings
    options = {"limiter": resources.limiter, "metrics": resources.metrics,
               "retry_policy": resources.retry_policy, "cache": cache}
    genius = GeniusClient(settings, **options) if settings.genius_access_token else None
    musicbrainz = MusicBrainzClient(settings, **options)
    discogs = DiscogsClient(settings, **options) if settings.discogs_token else None
    instagram = InstagramClient.from_settings(settings, **resources.client_options())
    by_id = [
        ProfileSource("genius", numeric_lookup(genius.artist) if genius else None,
                      from_genius_artist),
        ProfileSource("musicbrainz", musicbrainz.artist, from_musicbrainz_artist),
        ProfileSource("discogs", numeric_lookup(discogs.artist) if discogs else None,
                      from_discogs_artist),
    ]
    by_handle = ProfileSource("instagram-graph",
                              instagram.business_discovery if instagram else None,
                              from_instagram_business)
    return by_id, by_handle


def build(resources: Resources) -> Stage[EnrichmentMessage]:
    # A first enrichment, or one more because the producer learned a source id ("new-ids:…"),
    # reads profiles through the shared response cache, so no source is asked twice for the
    # same profile in one pipeline run. A refresh from requeue_producer_enrichment() (TTL
    # expired, or a source failed) wants today's profiles: it bypasses the cache.
    ttl = timedelta(hours=resources.settings.api_cache_ttl_hours)
    cached = Enricher(*profile_sources(resources, PostgresResponseCache(resources.pool, ttl=ttl)))
    fresh = Enricher(*profile_sources(resources, None))
    max_attempts = resources.settings.max_attempts

    def handle(delivery: Delivery[EnrichmentMessage]) -> Outcome:
        producer = load_producer(resources.pool, delivery.body.producer_id)
        if producer is None:
            return Outcome(metadata={"outcome": "producer_not_found"})
        refresh = delivery.body.refresh
        enricher = cached if refresh is None or refresh.startswith(NEW_IDS) else fresh
        enrichment = enricher.enrich(producer, last_attempt=delivery.read_ct >= max_attempts)

        def write(conn: psycopg.Connection[Any]) -> list[Send]:
            record_enrichment(conn, producer, enrichment)
            return []

        return Outcome(write=write, metadata=enrichment.summary())

    return Stage(QUEUE, EnrichmentMessage, entity, handle)
