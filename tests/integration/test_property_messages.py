"""Property-based (hypothesis): the message models (producer_discovery.messages) and
validate_queue_message are one contract, in the real database.

1. Every valid message of every queue, as its sender queues it (`body()`), passes
   validate_queue_message, and the stage reads the same message back.
2. For any JSON body, validate_queue_message accepts it exactly when the queue's model does,
   the body read as a stage reads it: the queue's jsonb text, decoded by db/decode.py (which
   checks the size in bytes of that text), then `model_validate(body, by_name=False)`. The
   comparison is on the jsonb text because that is what a queue holds and both sides see:
   jsonb rewrites numbers (a Python 1e16 comes back as the integer 10000000000000000) and
   drops duplicate keys, so the verdict on a Python value before it was queued is not one
   any stage ever gives.
3. What the SQL senders queue, whatever their arguments and the rows they read, the models
   accept.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg.types.json import Jsonb
from pydantic import ValidationError

from producer_discovery.db.decode import Undecodable, decode_message
from producer_discovery.messages import (
    MESSAGES,
    text_bytes,
)
from producer_discovery.runtime.supervisor import STAGES
from tests.support.database import Database, one
from tests.support.hostile_values import edge_text, has_nul, messages
from tests.support.message_strategies import (
    TRICKY_SPACES,
    deviations,
    nearly_valid_bodies,
    text_characters,
    typical_messages,
    valid_messages,
)

WITH_DATABASE = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def read_as_a_stage(queue: str, text: str) -> tuple[bool, str]:
    """Whether the stage reads the queue's text of a body, and why not."""
    decoded = decode_message(text)
    if isinstance(decoded, Undecodable):
        return False, decoded.reason
    try:
        MESSAGES[queue].model_validate(decoded, by_name=False)
    except ValidationError as error:
        return False, str(error)
    return True, ""


def verdicts(db: Database, queue: str, body: Any) -> tuple[bool, bool, str] | None:
    """(database accepts, stage reads, why not), or None for a body jsonb cannot hold (NUL)."""
    try:
        row = one(
            db.execute(
                "SELECT validate_queue_message(%(queue)s, %(body)s) AS verdict,"
                " %(body)s::jsonb::text AS text",
                {"queue": queue, "body": Jsonb(body)},
            )
        )
    except psycopg.errors.UntranslatableCharacter:
        assert has_nul(body)
        return None
    reads, why = read_as_a_stage(queue, row["text"])
    return bool(row["verdict"]["valid"]), reads, f"{row['verdict']} / {why}"


# 1. Valid messages pass -------------------------------------------------------------------
def test_every_stage_queue_has_its_model() -> None:
    """One model per stage queue, under the queue's name."""
    assert list(MESSAGES) == list(STAGES)


@WITH_DATABASE
@given(data=st.data())
def test_every_valid_message_passes_validate_queue_message(
    db: Database, data: st.DataObject
) -> None:
    """A message the model builds, queued as its sender queues it, is valid in the database,
    its text has the size the model measured, and the stage reads the same message back."""
    queue = data.draw(st.sampled_from(list(MESSAGES)), label="queue")
    message = data.draw(valid_messages(MESSAGES[queue]), label="message")
    body = message.body()
    row = one(
        db.execute(
            "SELECT validate_queue_message(%(queue)s, %(body)s) AS verdict,"
            " %(body)s::jsonb::text AS text",
            {"queue": queue, "body": Jsonb(body)},
        )
    )
    assert row["verdict"] == {"valid": True}, (body, row["verdict"])
    assert len(row["text"].encode()) == text_bytes(body)
    read = MESSAGES[queue].model_validate(decode_message(row["text"]), by_name=False)
    assert read.body() == body
    assert read.model_dump() == message.model_dump()


# 2. The database and the models refuse the same bodies ------------------------------------
@WITH_DATABASE
@given(data=st.data())
def test_the_database_accepts_a_body_exactly_when_the_stage_model_does(
    db: Database, data: st.DataObject
) -> None:
    """Hostile JSON and valid bodies with a field or two wrong: validate_queue_message and
    the stage (decoder, then model) give the same verdict."""
    queue = data.draw(st.sampled_from(list(MESSAGES)), label="queue")
    nearly_valid = nearly_valid_bodies(MESSAGES[queue])
    body = data.draw(st.one_of(messages, nearly_valid, nearly_valid), label="body")
    answers = verdicts(db, queue, body)
    if answers is not None:
        database, stage, why = answers
        assert database is stage, why


def test_every_body_one_value_away_from_a_valid_one_gets_one_verdict(db: Database) -> None:
    """Each value of a message of each shape (and each field it could have) changed to
    what a sender might get wrong, or removed: the database and the stage agree on each."""
    cases = [
        (message.QUEUE, body)
        for message in typical_messages()
        for body in deviations(message.body(), type(message))
    ]
    rows = db.execute(
        "SELECT validate_queue_message(c.queue, c.body) AS verdict, c.body::text AS text"
        " FROM unnest(%s::text[], %s::jsonb[]) WITH ORDINALITY AS c(queue, body, n)"
        " ORDER BY c.n",
        ([queue for queue, _ in cases], [Jsonb(body) for _, body in cases]),
    ).fetchall()
    disagreements = []
    for (queue, body), row in zip(cases, rows, strict=True):
        reads, why = read_as_a_stage(queue, row["text"])
        if row["verdict"]["valid"] is not reads:
            disagreements.append((queue, body, row["verdict"], why))
    assert len(cases) > 4000
    assert not disagreements, disagreements[:3]


def number_body(literal: str, field: str = "x") -> str:
    return f'{{"artistName": "Nova Reyes", "{field}": {literal}}}'


NUMBERS = [
    (number_body("9" * 1000), True),
    (number_body("9" * 1001), False),
    (number_body("-" + "9" * 999), True),
    (number_body("-" + "9" * 1000), False),
    (number_body("9" * 5000), False),  # past Python's int() (4300 digits)
    (number_body("0." + "1" * 998), True),
    (number_body("0." + "1" * 999), False),
    (number_body("1e1001"), False),  # written out by jsonb: 1002 characters
    (number_body("1e999"), True),
    (number_body("50.0", "limit"), False),
    (number_body("1E1", "limit"), True),  # jsonb writes it 10
]


def test_numbers_are_bounded_alike_by_the_database_and_the_decoder(db: Database) -> None:
    """A number written with more than 1000 characters (as jsonb writes it) is refused by
    both sides; bodies only text can carry (Python cannot write a 5000-digit number)."""
    for text, valid in NUMBERS:
        row = one(
            db.execute(
                "SELECT validate_queue_message('artist_discovery', %(text)s::jsonb) AS verdict,"
                " %(text)s::jsonb::text AS text",
                {"text": text},
            )
        )
        reads, why = read_as_a_stage("artist_discovery", row["text"])
        assert (row["verdict"]["valid"], reads) == (valid, valid), (text[:60], row["verdict"], why)


# 3. The SQL senders queue what the models accept ------------------------------------------
def queued(db: Database, queue: str) -> list[Any]:
    """The bodies in the queue, taken out of it."""
    table = sql.Identifier("pgmq", f"q_{queue}")
    return [
        row["message"]
        for row in db.execute(sql.SQL("DELETE FROM {} RETURNING message").format(table))
    ]


def assert_read_by_the_stage(db: Database, queue: str, bodies: list[Any]) -> None:
    for body in bodies:
        answers = verdicts(db, queue, body)
        assert answers is not None, body
        assert answers[:2] == (True, True), (body, answers)


names = (
    edge_text
    | st.text(text_characters, max_size=8)
    | st.integers(95, 320).map(lambda n: "é" * n)
    | st.builds(lambda s, n: s + "n" * n, st.sampled_from(TRICKY_SPACES), st.integers(98, 301))
)


def refused_as_data_error(call: Callable[[], Any]) -> Any:
    """The call's result, or None when it refused its arguments with a data error (22)."""
    try:
        return call()
    except psycopg.DataError as error:  # 22xxx from the function, or psycopg's NUL refusal
        refused = error
    if refused.sqlstate is not None and not refused.sqlstate.startswith("22"):
        raise refused
    return None


@settings(WITH_DATABASE, max_examples=60)
@given(
    name=names,
    genre=names,
    stored=st.lists(st.tuples(names, st.none() | names), max_size=3),
    min_popularity=st.none() | st.integers(0, 100),
    limit=st.integers(1, 1000),
)
def test_the_discovery_entry_points_queue_only_messages_the_model_accepts(
    db: Database,
    name: str,
    genre: str,
    stored: list[tuple[str, str | None]],
    min_popularity: int | None,
    limit: int,
) -> None:
    """start_artist_discovery and start_bulk_artist_discovery (its stored artists of any
    name and Spotify id, and its genre search) queue only bodies the stage reads, or refuse
    their arguments as a data error."""
    db.execute("DELETE FROM artists")
    refused_as_data_error(lambda: db.execute("SELECT start_artist_discovery(%s)", (name,)))
    assert_read_by_the_stage(db, "artist_discovery", queued(db, "artist_discovery"))

    trimmed = refused_as_data_error(
        lambda: one(db.execute("SELECT lower(message_trim(%s)) AS genre", (genre,)))["genre"]
    )
    for artist_name, spotify_id in stored:
        refused_as_data_error(
            partial(
                db.execute,
                "INSERT INTO artists (name, spotify_id, metadata) VALUES (%s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (artist_name, spotify_id, Jsonb({"genres": [trimmed]})),
            )
        )
    refused_as_data_error(
        lambda: db.execute(
            "SELECT * FROM start_bulk_artist_discovery(%s, %s, %s)",
            (genre, min_popularity, limit),
        ).fetchall()
    )
    assert_read_by_the_stage(db, "artist_discovery", queued(db, "artist_discovery"))


@settings(WITH_DATABASE, max_examples=30)
@given(
    rows=st.lists(
        st.tuples(st.uuids().map(str) | edge_text, st.uuids().map(str) | edge_text | st.none()),
        min_size=1,
        max_size=4,
    )
)
def test_the_requeue_functions_queue_only_messages_the_models_accept(
    db: Database, rows: list[tuple[str, str | None]]
) -> None:
    """requeue_identification_gaps, whatever the ids in the processing status it reads, and
    requeue_producer_enrichment queue only bodies their stages read."""
    db.execute("DELETE FROM processing_status")
    for entity_id, track_id in rows:
        refused_as_data_error(
            partial(
                db.execute,
                "INSERT INTO processing_status (entity_type, entity_id, state, metadata,"
                " last_processed_at) VALUES ('track', %s, 'COMPLETED', %s, now() - interval '2 hours')"
                " ON CONFLICT DO NOTHING",
                (
                    entity_id,
                    Jsonb({"missing_sources": {"genius": "blocked"}, "track_id": track_id}),
                ),
            )
        )
    db.execute("SELECT * FROM requeue_identification_gaps(interval '0')").fetchall()
    assert_read_by_the_stage(db, "producer_identification", queued(db, "producer_identification"))

    db.execute(
        "INSERT INTO producers (name, normalized_name, enrichment_failed) VALUES (%s, %s, TRUE)",
        ("Kelso", f"kelso-{uuid.uuid4()}"),
    )
    db.execute("SELECT * FROM requeue_producer_enrichment()").fetchall()
    bodies = queued(db, "social_enrichment")
    assert bodies
    assert_read_by_the_stage(db, "social_enrichment", bodies)


@settings(WITH_DATABASE, max_examples=30)
@given(
    spotify_ids=st.lists(st.uuids().map(lambda u: u.hex[:22]) | edge_text, min_size=1, max_size=4)
)
def test_refresh_watched_artists_queues_only_messages_the_model_accepts(
    db: Database, spotify_ids: list[str]
) -> None:
    """refresh_watched_artists, whatever the Spotify ids of the artists it reads, queues
    only bodies album discovery reads."""
    db.execute("DELETE FROM artists")
    db.execute("SELECT pgmq.purge_queue('album_discovery')")
    for spotify_id in spotify_ids:
        refused_as_data_error(
            partial(
                db.execute,
                "INSERT INTO artists (name, spotify_id, created_at)"
                " VALUES ('Watched', %s, now() - interval '30 days') ON CONFLICT DO NOTHING",
                (spotify_id,),
            )
        )
    db.execute("SELECT * FROM refresh_watched_artists(100)").fetchall()
    assert_read_by_the_stage(db, "album_discovery", queued(db, "album_discovery"))
