"""Social enrichment of one producer: ask each public source in order of trust, merge what
they show (profiles.merge_findings), and record it with where every value came from.

The sources, their trust and what each contributes are the registry's
(producer_discovery.sources); today:

    genius           GET /artists/{id}                instagram_name, twitter_name, image
                                                      (never the default avatar), aliases,
                                                      e-mails in the public description
    musicbrainz      GET /artist/{mbid}?inc=url-rels  social-network links, homepage
    discogs          GET /artists/{id}                urls, e-mails in the profile
    instagram-graph  Business Discovery of the handle the others found: bio, website, name,
                     an e-mail only when the bio shows one

A source is asked only when it is configured (its `lookup` is set) and the producer has an
id there (a source looked up `by_field`, as instagram-graph by the handle: once the other
sources gave one). Each source ends in one status:

    found      it answered with a profile
    nothing    it answered that it has no such artist (404) or account (not discoverable)
    no_id      not asked: the producer has no id there, or no handle was found
    off        not asked: the source is not configured
    failed     it could not be queried

A transient error (5xx, timeout, 429) is raised while the runtime still has deliveries to
give: the message is hidden and the whole run tried again later. On the last allowed
delivery it is recorded as `failed` instead, and the run completes with what the other
sources gave; the producer is then marked `enrichment_failed`, and the refresh function
`requeue_producer_enrichment()` (migration 0040) sends it back later. A permanent refusal
(a 4xx, a credential the provider rejects) is `failed` at once: retrying now cannot help.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import structlog
from psycopg_pool import ConnectionPool

from producer_discovery.db import producers as db
from producer_discovery.enrichment.contribution import ProfileSource
from producer_discovery.enrichment.profiles import SocialFinding, SocialProfile, merge_findings
from producer_discovery.errors import (
    ProducerDiscoveryError,
    TransientError,
    is_transient,
)

log = structlog.get_logger("producer_discovery.enrichment.store")

FOUND, NOTHING, NO_ID, OFF, FAILED = "found", "nothing", "no_id", "off", "failed"


ProducerToEnrich = db.ProducerIds  # its name and its ids at each source


@dataclass(frozen=True)
class SourceAnswer:
    """What asking one source came to."""

    status: str
    findings: tuple[SocialFinding, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Enrichment:
    """The merged profile of one run and each source's answer."""

    profile: SocialProfile
    answers: dict[str, SourceAnswer]

    @property
    def failed_sources(self) -> list[str]:
        return [name for name, answer in self.answers.items() if answer.status == FAILED]

    @property
    def complete(self) -> bool:
        """True when every source that was asked could answer."""
        return not self.failed_sources

    def record(self) -> dict[str, Any]:
        """`metadata.enrichment`: each source's status and the errors of the failed ones."""
        errors = {name: answer.error for name, answer in self.answers.items() if answer.error}
        statuses = {name: answer.status for name, answer in self.answers.items()}
        return {"sources": statuses, "errors": errors, "complete": self.complete}

    def summary(self) -> dict[str, Any]:
        """The run's outcome for processing_status.metadata and the worker's log line."""
        found = sorted(field for field, value in self.profile.columns().items() if value)
        outcome = "enriched" if self.complete else "enriched_partly"
        return {"outcome": outcome, "found": found, "failed_sources": self.failed_sources}


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def ask(
    source: ProfileSource, identifiers: Sequence[str], *, last_attempt: bool, producer_id: str
) -> SourceAnswer:
    """Look the producer up at one source; raise a transient error unless this delivery is
    the last one (see the module docstring)."""
    if source.lookup is None:
        return SourceAnswer(OFF)
    if not identifiers:
        return SourceAnswer(NO_ID)
    try:
        documents = [source.lookup(identifier) for identifier in identifiers]
    except ProducerDiscoveryError as error:
        if is_transient(error) and not last_attempt:
            raise
        log.warning(
            "enrichment_source_failed",
            source=source.name,
            producer=producer_id,
            error=describe(error),
            transient=is_transient(error),
        )
        return SourceAnswer(FAILED, error=describe(error))
    seen_at = datetime.now(UTC)
    profiles = [document for document in documents if document is not None]
    findings = tuple(item for document in profiles for item in source.findings(document, seen_at))
    return SourceAnswer(FOUND if profiles else NOTHING, findings)


class Enricher:
    """Asks the sources looked up by the producer's ids, in the order given (most trusted
    first), then those looked up by a profile field the others found (Business Discovery by
    the handle); a field one source alone may give (`only_source_of`) is taken from no other."""

    def __init__(self, sources: Sequence[ProfileSource]) -> None:
        self.by_id = [source for source in sources if source.by_field is None]
        self.by_field = [(source, key) for source in sources if (key := source.by_field)]
        self.owners = {field: source.name for source in sources for field in source.only_source_of}

    def enrich(self, producer: ProducerToEnrich, *, last_attempt: bool) -> Enrichment:
        answers = {
            source.name: ask(
                source,
                producer.source_ids.get(source.name, ()),
                last_attempt=last_attempt,
                producer_id=producer.producer_id,
            )
            for source in self.by_id
        }
        for source, key in self.by_field:
            value = merge_findings(self.admissible(answers)).value(key)
            answers[source.name] = ask(
                source,
                [value] if value else [],
                last_attempt=last_attempt,
                producer_id=producer.producer_id,
            )
        return Enrichment(merge_findings(self.admissible(answers)), answers)

    def admissible(self, answers: dict[str, SourceAnswer]) -> list[SocialFinding]:
        """Every answer's findings but those of a field another source alone may give."""
        return [
            item
            for answer in answers.values()
            for item in answer.findings
            if self.owners.get(item.field, item.source) == item.source
        ]


# Database ---------------------------------------------------------------------------------
def load_producer(pool: ConnectionPool, producer_id: UUID) -> ProducerToEnrich | None:
    """The producer and its source ids, or None when there is no such producer."""
    with pool.connection() as conn:
        return db.producer_with_ids(conn, producer_id)


def record_enrichment(
    conn: psycopg.Connection[Any], producer: ProducerToEnrich, enrichment: Enrichment
) -> None:
    """Write one run's outcome (see db/queries/enrichment_record.sql), inside the commit.

    The update locks the producer row first; then, if producer identification attached a new
    source id since this run read them, the run is stale: TransientError rolls it back and the
    message is tried again with every id (see db/queries/producer_refresh_enrichment.sql for
    the other side of this ordering).
    """
    producer_id = producer.producer_id
    columns = enrichment.profile.columns()
    db.record_enrichment(
        conn,
        producer_id,
        db.EnrichmentRecord(
            instagram_handle=columns["instagram_handle"],
            instagram_bio=columns["instagram_bio"],
            email=columns["email"],
            image_url=columns["image_url"],
            complete=enrichment.complete,
            social=enrichment.profile.metadata_social(),
            enrichment=enrichment.record(),
        ),
    )
    now = db.producer_with_ids(conn, producer_id)
    if now is not None and now.source_ids != producer.source_ids:
        raise TransientError(f"producer {producer_id} learned a source id during its enrichment")
