"""A producer learns a source id while its first enrichment commits: the refresh must not be
lost. Producer identification waits for the row the enrichment holds, then must see the
enrichment as committed (enriched, COMPLETED) and reopen it for the refresh it sends; read
in the one statement that waited, the status was the one from before the wait (IN_PROGRESS),
nothing was reopened, and the refresh message found the producer COMPLETED and was dropped
(seen as a producer's Genius profile, and its Instagram handle, missing after some runs)."""

from __future__ import annotations

import threading

import psycopg

from producer_discovery.db import producers as db


def test_a_refresh_asked_while_the_enrichment_commits_reopens_the_completed_producer(
    database_url: str,
) -> None:
    with psycopg.connect(database_url, autocommit=True) as setup:
        producer = str(
            setup.execute(
                "INSERT INTO producers (name, normalized_name) VALUES ('Owen', 'owen') RETURNING id"
            ).fetchone()[0]  # type: ignore[index]
        )
        setup.execute(
            "INSERT INTO processing_status (entity_type, entity_id, state) "
            "VALUES ('producer', %s, 'IN_PROGRESS')",
            (producer,),
        )
    refreshed: list[str] = []
    with (
        psycopg.connect(database_url) as enrichment,
        psycopg.connect(database_url) as identification,
    ):
        # The enrichment's commit has begun: the producer row is written (and locked).
        enrichment.execute("UPDATE producers SET enriched_at = now() WHERE id = %s", (producer,))

        def identify() -> None:  # learned a source id: asks for a refresh, waits for the row
            refreshed.extend(db.refresh_enrichment(identification, [producer]))
            identification.commit()

        waiting = threading.Thread(target=identify)
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive(), "identification waits for the enrichment's row lock"
        enrichment.execute(
            "UPDATE processing_status SET state = 'COMPLETED' "
            "WHERE entity_type = 'producer' AND entity_id = %s",
            (producer,),
        )
        enrichment.commit()
        waiting.join(timeout=10.0)
        assert not waiting.is_alive()
    assert refreshed == [producer], "the enriched producer is refreshed"
    with psycopg.connect(database_url) as check:
        state = check.execute(
            "SELECT state FROM processing_status WHERE entity_type = 'producer' AND entity_id = %s",
            (producer,),
        ).fetchone()
    assert state == ("PENDING",), "reopened, so the refresh message is handled, not dropped"
