"""Property-based (hypothesis): arbitrary JSON and text into the message decoder and the SQL
entry points a message or a user reaches: an answer, or a refusal by SQLSTATE, never anything
else."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from producer_discovery.db.decode import (
    MAXIMUM_DEPTH,
    MAXIMUM_MESSAGE_BYTES,
    Undecodable,
    decode_message,
    nesting_depth,
)
from producer_discovery.runtime.supervisor import STAGES
from tests.support.database import Database, one
from tests.support.hostile_values import edge_text, has_nul, messages

WITH_DATABASE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(body=messages)
def test_decoder_never_raises_and_agrees_with_json(body: Any) -> None:
    """Any JSON text decodes to itself, or to Undecodable only when over the bounds."""
    text = json.dumps(body)
    decoded = decode_message(text)
    if isinstance(decoded, Undecodable):
        assert len(text.encode()) > MAXIMUM_MESSAGE_BYTES or nesting_depth(text) > MAXIMUM_DEPTH
    else:
        assert decoded == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(text=st.text() | st.binary().map(lambda raw: raw.decode("latin-1")))
def test_decoder_survives_arbitrary_text(text: str) -> None:
    """Arbitrary text (JSON or not) never raises."""
    decode_message(text)


@WITH_DATABASE
@given(queue=st.sampled_from([*STAGES, "some_other_queue"]), body=messages)
def test_validate_queue_message_answers_every_json_value(
    db: Database, queue: str, body: Any
) -> None:
    """A verdict for any JSON, with a reason when invalid; only jsonb's own NUL refusal stops it.
    The decoder's bounds and the validator's agree: what the decoder refuses is invalid."""
    try:
        verdict = one(
            db.execute("SELECT validate_queue_message(%s, %s) AS v", (queue, Jsonb(body)))
        )["v"]
    except psycopg.errors.UntranslatableCharacter:
        assert has_nul(body)
        return
    assert isinstance(verdict["valid"], bool)
    if not verdict["valid"]:
        assert verdict["error"]
    text = one(db.execute("SELECT %s::jsonb::text AS t", (Jsonb(body),)))["t"]
    if isinstance(decode_message(text), Undecodable):
        assert verdict["valid"] is False


@WITH_DATABASE
@given(name=edge_text | st.integers(190, 7000).map(lambda n: "é" * n))
def test_start_artist_discovery_queues_or_refuses_with_a_data_sqlstate(
    db: Database, name: str
) -> None:
    """Any name is queued or refused as a data error (class 22); what it queues validates."""
    try:
        msg_id = one(db.execute("SELECT start_artist_discovery(%s) AS id", (name,)))["id"]
    except psycopg.DataError as error:  # 22xxx from the function, or psycopg's NUL refusal
        # either outcome may hold, so pytest.raises does not fit
        assert error.sqlstate is None or error.sqlstate.startswith("22")  # noqa: PT017
        return
    body = one(
        db.execute("SELECT message FROM pgmq.q_artist_discovery WHERE msg_id = %s", (msg_id,))
    )["message"]
    verdict = one(
        db.execute("SELECT validate_queue_message('artist_discovery', %s) AS v", (Jsonb(body),))
    )["v"]
    assert verdict == {"valid": True}


@WITH_DATABASE
@given(
    entity_id=edge_text.filter(lambda text: text != "")
    | st.integers(400, 7000).map(lambda n: "ü" * n),
    reason=edge_text,
)
def test_dead_letter_message_moves_the_message_whatever_its_entity_id(
    db: Database, entity_id: str, reason: str
) -> None:
    """Dead-lettering never fails on what the message brought: any entity id and reason text
    (NUL written out, as the runtime does) moves the message and writes the worker issue."""
    msg_id = one(
        db.execute("SELECT pgmq.send('artist_discovery', '{\"artistName\": \"n\"}') AS id")
    )["id"]
    entity_id, reason = (text.replace("\x00", "\\u0000") for text in (entity_id, reason))
    moved = one(
        db.execute(
            "SELECT dead_letter_message('artist_discovery', %s, 'artist', %s, 'w', %s, '{}') AS m",
            (msg_id, entity_id, reason),
        )
    )["m"]
    assert moved is True
    assert (
        one(
            db.execute(
                "SELECT count(*) AS n FROM monitoring.worker_issues WHERE details->>'msg_id' = %s",
                (str(msg_id),),
            )
        )["n"]
        == 1
    )
