"""The bounds every queue message and SQL entry point respects."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from producer_discovery.workers import artist_discovery
from psycopg.types.json import Jsonb

from producer_discovery.messages import AlbumDiscoveryMessage, ArtistDiscoveryMessage
from tests.support.database import Database, one, rows
from tests.support.sandboxes import Sandboxes
from tests.support.settings import FAST, sandbox_settings
from tests.support.stages import drain_stage


def verdict(db: Database, queue: str, message: Any) -> dict[str, Any]:
    result: dict[str, Any] = one(
        db.execute("SELECT validate_queue_message(%s, %s) AS r", (queue, Jsonb(message)))
    )["r"]
    return result


def nested(depth: int) -> Any:
    """`depth` levels of objects around a number."""
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("queue", "message", "error"),
    [
        ("artist_discovery", {"artistName": "x" * 301}, "artistName is over 300"),
        ("artist_discovery", {"artistName": "x" * 6000}, "over 1000 characters"),
        ("artist_discovery", {"spotifyId": "7" * 101}, "spotifyId is over 100"),
        ("album_discovery", {"artistId": "a" * 101, "spotifyId": "s"}, "artistId is over 100"),
        ("track_discovery", {"albumId": "a", "pad": ["y" * 900] * 80}, "over 65536 bytes"),
        ("producer_identification", {"trackId": "t", "x": nested(32)}, "deeper than 32"),
        ("social_enrichment", {"producerId": "p", "notes": "z" * 1001}, "over 1000 characters"),
        ("some_other_queue", {"x": [nested(40)]}, "deeper than 32"),
    ],
)
def test_messages_over_the_bounds_are_invalid_for_every_queue(
    db: Database, queue: str, message: Any, error: str
) -> None:
    """Size, depth and field-length bounds make a message invalid, with the reason."""
    result = verdict(db, queue, message)
    assert result["valid"] is False, result
    assert error in result["error"], result


@pytest.mark.parametrize(
    "message",
    [
        {"artistName": "x" * 300},
        {"artistName": "\u200fNova\u200b Re\u0301yes"},
        {"artistName": "n", "x": nested(31)},
        {"artistName": "n", "x": [[]] * 3},
    ],
)
def test_messages_within_the_bounds_stay_valid(db: Database, message: Any) -> None:
    """A 300-character name, RTL/zero-width/combining characters and 32 levels are accepted."""
    assert verdict(db, "artist_discovery", message) == {"valid": True}


def test_a_3000_level_message_gets_a_verdict(db: Database) -> None:
    """validate_queue_message answers a body nested 3,000 levels deep (case 6) without walking it."""
    text = '{"artistName": "n", "x": ' + "[" * 3000 + "1" + "]" * 3000 + "}"
    result = one(
        db.execute("SELECT validate_queue_message('artist_discovery', %s::jsonb) AS r", (text,))
    )["r"]
    assert result["valid"] is False
    assert "deeper than 32" in result["error"]


def test_start_artist_discovery_refuses_a_6000_character_name(db: Database) -> None:
    """Case 7 through SQL: refused as invalid_parameter_value, saying the limit and the length."""
    with pytest.raises(
        psycopg.errors.InvalidParameterValue, match=r"at most 200 characters \(it has 6000\)"
    ):
        db.execute("SELECT start_artist_discovery(repeat('x', 6000))")
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="control characters"):
        db.execute("SELECT start_artist_discovery(%s)", ("Nova\x01Reyes",))
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 0
    one(db.execute("SELECT start_artist_discovery(repeat('x', 200)) AS id"))


def test_dead_lettering_never_fails_on_an_entity_id_too_long(db: Database) -> None:
    """dead_letter_message with a 6,000-character entity id moves the message and records its
    digest (case 7: it used to fail like the handler, so the message looped)."""
    msg_id = one(
        db.execute("SELECT pgmq.send('artist_discovery', '{\"artistName\": \"n\"}') AS id")
    )["id"]
    moved = one(
        db.execute(
            "SELECT dead_letter_message('artist_discovery', %s, 'artist', %s, 'w1', 'too long', '{}') AS m",
            (msg_id, "name:" + "x" * 6000),
        )
    )["m"]
    assert moved is True
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 0
    status = one(db.execute("SELECT entity_id, state, dead_lettered FROM processing_status"))
    assert status["entity_id"].startswith("sha256:")
    assert len(status["entity_id"]) == 71
    assert (status["state"], status["dead_lettered"]) == ("FAILED", True)
    assert one(db.execute("SELECT count(*) AS n FROM dlq_messages"))["n"] == 1


def test_message_models_agree_with_the_database_bounds() -> None:
    """The message models refuse the names and ids the database refuses, in its words."""
    ArtistDiscoveryMessage.model_validate({"artistName": "x" * 300})
    with pytest.raises(ValueError, match="artistName is over 300 characters"):
        ArtistDiscoveryMessage.model_validate({"artistName": "x" * 301})
    with pytest.raises(ValueError, match="spotifyId is over 100 characters"):
        AlbumDiscoveryMessage.model_validate(
            {"artistId": "00000000-0000-0000-0000-000000000000", "spotifyId": "s" * 101}
        )


def test_artist_stage_sets_aside_a_3000_level_body_and_a_6000_character_name(
    database_url: str, db: Database, sandboxes: Sandboxes
) -> None:
    """Cases 6 and 7 in the artist_discovery queue itself (sent past the entry point): each is
    recorded and archived at its first delivery, and the artist read with them is discovered."""
    deep = one(
        db.execute(
            "SELECT pgmq.send('artist_discovery', %s::jsonb) AS id",
            ('{"artistName": "n", "x": ' + "[" * 3000 + "1" + "]" * 3000 + "}",),
        )
    )["id"]
    long = one(
        db.execute(
            "SELECT pgmq.send('artist_discovery', %s) AS id", (Jsonb({"artistName": "x" * 6000}),)
        )
    )["id"]
    one(db.execute("SELECT start_artist_discovery('Nova Reyes') AS id"))
    settings = sandbox_settings(sandboxes, database_url, **(FAST | {"worker_concurrency": 4}))
    drain_stage(settings, artist_discovery.QUEUE, artist_discovery.build)
    problems = rows(
        database_url, "SELECT message_id, error_type FROM queue_mgmt.problematic_messages"
    )
    assert {(p["message_id"], p["error_type"]) for p in problems} == {
        (str(deep), "undecodable_message"),
        (str(long), "invalid_message"),
    }
    archived = rows(
        database_url, "SELECT msg_id, read_ct FROM pgmq.a_artist_discovery ORDER BY msg_id"
    )
    assert [row["read_ct"] for row in archived] == [1, 1, 1]
    assert [row["name"] for row in rows(database_url, "SELECT name FROM artists")] == ["Nova Reyes"]
    assert (
        one(
            db.execute("SELECT count(*) AS n FROM processing_status WHERE length(entity_id) > 500")
        )["n"]
        == 0
    )
