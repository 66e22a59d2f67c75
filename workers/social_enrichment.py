"""Stage 5, social enrichment: a producer's public profile, from sources that allow it.

    message   SocialEnrichmentMessage (producer_discovery.messages): {"producerId": "<uuid>"},
              or with "refresh": "<timestamp>" when requeue_producer_enrichment() sends a
              producer back (TTL expired, or failed), or "new-ids:…" from identification
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
producer completes with `enrichment_failed = true` (see producer_discovery.enrichment.store).
"""

from __future__ import annotations

from typing import Any, TypeVar

import psycopg

from producer_discovery.clients.base import ApiClient
from producer_discovery.clients.discogs import DiscogsClient
from producer_discovery.clients.genius import GeniusClient
from producer_discovery.clients.instagram import InstagramClient
from producer_discovery.clients.musicbrainz import MusicBrainzClient
from producer_discovery.enrichment.profiles import (
    from_discogs_artist,
    from_genius_artist,
    from_instagram_business,
    from_musicbrainz_artist,
)
from producer_discovery.enrichment.store import (
    Enricher,
    ProfileSource,
    load_producer,
    numeric_lookup,
    record_enrichment,
)
from producer_discovery.messages import SocialEnrichmentMessage
from producer_discovery.runtime.resources import Resources
from producer_discovery.runtime.stage import Delivery, Outcome, Send, Stage

QUEUE = SocialEnrichmentMessage.QUEUE

Client = TypeVar("Client", bound=ApiClient)


def entity(message: SocialEnrichmentMessage) -> tuple[str, str]:
    return ("producer", str(message.producer_id))


def profile_sources(
    resources: Resources, cached: bool
) -> tuple[list[ProfileSource], ProfileSource]:
    """The id sources in order of trust, and Business Discovery; each off when unconfigured."""
    settings = resources.settings

    def configured(client_class: type[Client]) -> Client | None:
        if not client_class.is_configured(settings):
            return None
        return resources.client(client_class, cached=cached)

    genius = configured(GeniusClient)
    musicbrainz = resources.client(MusicBrainzClient, cached=cached)
    discogs = configured(DiscogsClient)
    instagram = configured(InstagramClient)
    by_id = [
        ProfileSource(
            "genius", numeric_lookup(genius.artist) if genius else None, from_genius_artist
        ),
        ProfileSource("musicbrainz", musicbrainz.artist, from_musicbrainz_artist),
        ProfileSource(
            "discogs", numeric_lookup(discogs.artist) if discogs else None, from_discogs_artist
        ),
    ]
    by_handle = ProfileSource(
        "instagram-graph",
        instagram.business_discovery if instagram else None,
        from_instagram_business,
    )
    return by_id, by_handle


def build(resources: Resources) -> Stage[SocialEnrichmentMessage]:
    # A first enrichment, or one more because the producer learned a source id ("new-ids:…"),
    # reads profiles through the shared response cache, so no source is asked twice for the
    # same profile in one pipeline run. A refresh from requeue_producer_enrichment() (TTL
    # expired, or a source failed) wants today's profiles: it bypasses the cache.
    cached = Enricher(*profile_sources(resources, cached=True))
    fresh = Enricher(*profile_sources(resources, cached=False))
    max_attempts = resources.settings.max_attempts

    def handle(delivery: Delivery[SocialEnrichmentMessage]) -> Outcome:
        producer = load_producer(resources.pool, delivery.body.producer_id)
        if producer is None:
            return Outcome(metadata={"outcome": "producer_not_found"})
        enricher = fresh if delivery.body.wants_fresh_profiles else cached
        enrichment = enricher.enrich(producer, last_attempt=delivery.attempt >= max_attempts)

        def write(conn: psycopg.Connection[Any]) -> list[Send]:
            record_enrichment(conn, producer, enrichment)
            return []

        return Outcome(write=write, metadata=enrichment.summary())

    return Stage(QUEUE, SocialEnrichmentMessage, entity, handle)
