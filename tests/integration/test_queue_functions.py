"""validate_queue_message, move_to_dead_letter_queue, dlq_messages and the entry points."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.support.database import Database, one, typed

SOME_ID = "6a1e0c62-8f0b-4d6e-9d55-0c3b4c8a1f00"


@pytest.mark.parametrize(
    ("queue", "message", "valid"),
    [
        ("artist_discovery", {"artistName": "Nova Reyes"}, True),
        ("artist_discovery", {"spotifyId": "abc"}, True),
        ("artist_discovery", {"genre": "synthwave", "limit": 10}, True),
        ("artist_discovery", {"artistName": "  "}, False),
        ("artist_discovery", {"artistName": "\u3000"}, False),  # white space to the model too
        ("artist_discovery", {"artistName": 42}, False),
        ("artist_discovery", {"genre": "synthwave", "limit": 10.0}, False),
        ("artist_discovery", {"genre": "synthwave", "artistName": "Nova Reyes"}, False),
        ("album_discovery", {"artistId": SOME_ID, "spotifyId": "abc"}, True),
        ("album_discovery", {"artistId": SOME_ID}, False),  # the model needs spotifyId
        ("album_discovery", {"artistId": "", "spotifyId": "abc"}, False),
        ("album_discovery", {"artistId": "x", "spotifyId": "abc"}, False),
        ("album_discovery", {"artist": "x"}, False),
        ("track_discovery", {"albumId": SOME_ID, "spotifyId": "abc", "artistId": SOME_ID}, True),
        ("track_discovery", {"albumId": "x", "spotifyId": "abc", "artistId": SOME_ID}, False),
        ("track_discovery", {"albumId": None}, False),
        ("producer_identification", {"trackId": SOME_ID}, True),
        ("producer_identification", {"trackId": SOME_ID, "refresh": "2024-05-01"}, True),
        ("producer_identification", {"trackId": "x"}, False),
        ("producer_identification", {"trackId": [SOME_ID]}, False),
        ("social_enrichment", {"producerId": SOME_ID}, True),
        ("social_enrichment", {"producerId": "x"}, False),
        ("social_enrichment", {}, False),
        ("some_other_queue", {"anything": 1}, True),
        ("some_other_queue", {}, False),
        ("album_discovery", ["not", "an", "object"], False),
    ],
)
def test_validate_queue_message_per_queue(
    db: Database, queue: str, message: object, valid: bool
) -> None:
    """Each queue accepts its own message shape and rejects the rest with a reason."""
    result = one(db.execute("SELECT validate_queue_message(%s, %s) AS r", (queue, Jsonb(message))))[
        "r"
    ]
    assert result["valid"] is valid
    if not valid:
        assert result["error"]
        assert result["queue"] == queue


def send(db: Database, queue: str, message: dict[str, Any]) -> int:
    return typed(
        one(db.execute("SELECT pgmq.send(%s, %s) AS id", (queue, Jsonb(message))))["id"], int
    )


def test_move_to_dead_letter_queue_moves_a_real_message(db: Database) -> None:
    """The message leaves its queue, lands in the DLQ with _dlq_metadata, and the move is logged."""
    message_id = send(db, "track_discovery", {"albumId": "a1"})
    db.execute("SELECT * FROM pgmq.read('track_discovery', 0, 1)")
    moved = one(
        db.execute(
            "SELECT move_to_dead_letter_queue('track_discovery', 'track_discovery_dlq', %s, 'boom', %s) AS ok",
            (str(message_id), Jsonb({"attempts": 5})),
        )
    )["ok"]
    assert moved is True
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_track_discovery"))["n"] == 0
    dead = one(db.execute("SELECT message FROM pgmq.q_track_discovery_dlq"))["message"]
    assert dead["albumId"] == "a1"
    metadata = dead["_dlq_metadata"]
    assert metadata["source_queue"] == "track_discovery"
    assert metadata["original_message_id"] == str(message_id)
    assert metadata["failure_reason"] == "boom"
    assert metadata["read_ct"] == 1
    assert metadata["custom_metadata"] == {"attempts": 5}
    event = one(
        db.execute(
            "SELECT details FROM monitoring_events WHERE event_type = 'message_moved_to_dlq'"
        )
    )["details"]
    assert event["source_message_id"] == str(message_id)
    assert event["dlq_name"] == "track_discovery_dlq"


def test_move_to_dead_letter_queue_of_a_missing_message_is_false(db: Database) -> None:
    """An unknown message id, a non-numeric id or an unknown queue moves nothing."""
    for queue, message_id in [
        ("track_discovery", "999999"),
        ("track_discovery", "abc"),
        ("no_such_queue", "1"),
    ]:
        moved = one(
            db.execute(
                "SELECT move_to_dead_letter_queue(%s, 'track_discovery_dlq', %s, 'x') AS ok",
                (queue, message_id),
            )
        )["ok"]
        assert moved is False
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_track_discovery_dlq"))["n"] == 0


def test_dlq_messages_view_lists_dead_letters_of_every_stage(db: Database) -> None:
    """dlq_messages shows each dead letter with its source, reason and original id."""
    first = send(db, "album_discovery", {"artistId": "x"})
    second = send(db, "social_enrichment", {"producerId": "y"})
    db.execute(
        "SELECT move_to_dead_letter_queue('album_discovery', 'album_discovery_dlq', %s, 'bad artist')",
        (str(first),),
    )
    db.execute(
        "SELECT move_to_dead_letter_queue('social_enrichment', 'social_enrichment_dlq', %s, 'gone')",
        (str(second),),
    )
    rows = db.execute("SELECT * FROM dlq_messages ORDER BY queue_name").fetchall()
    assert [
        (r["queue_name"], r["source_queue"], r["original_msg_id"], r["failure_reason"])
        for r in rows
    ] == [
        ("album_discovery_dlq", "album_discovery", str(first), "bad artist"),
        ("social_enrichment_dlq", "social_enrichment", str(second), "gone"),
    ]
    assert rows[0]["full_message"]["artistId"] == "x"
    assert rows[0]["moved_to_dlq_at"] is not None


def test_ensure_message_deleted(db: Database) -> None:
    """Deletes a message once; a second call or a bad id says False."""
    message_id = send(db, "artist_discovery", {"artistName": "x"})
    assert one(
        db.execute(
            "SELECT ensure_message_deleted('artist_discovery', %s) AS ok", (str(message_id),)
        )
    )["ok"]
    assert not one(
        db.execute(
            "SELECT ensure_message_deleted('artist_discovery', %s) AS ok", (str(message_id),)
        )
    )["ok"]
    assert not one(db.execute("SELECT ensure_message_deleted('artist_discovery', 'x1') AS ok"))[
        "ok"
    ]


def test_start_artist_discovery_queues_the_name(db: Database) -> None:
    """start_artist_discovery returns the message id of a trimmed artistName message."""
    message_id = one(db.execute("SELECT start_artist_discovery('  Nova Reyes ') AS id"))["id"]
    row = one(db.execute("SELECT msg_id, message FROM pgmq.q_artist_discovery"))
    assert row == {"msg_id": message_id, "message": {"artistName": "Nova Reyes"}}


def test_start_artist_discovery_refuses_an_empty_name(db: Database) -> None:
    """An empty name is an error, not a queued message."""
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="must not be empty"):
        db.execute("SELECT start_artist_discovery('  ')")
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 0


def test_start_bulk_artist_discovery_queues_stored_artists_and_a_genre_search(db: Database) -> None:
    """Stored artists of the genre (popularity filter only where known) plus one Spotify genre search."""
    db.execute(
        """INSERT INTO artists (name, spotify_id, popularity, metadata) VALUES
           ('Loud', 's1', 80, '{"genres": ["synthwave"]}'),
           ('Quiet', 's2', 20, '{"genres": ["synthwave"]}'),
           ('Unknown', 's3', NULL, '{"genres": ["synthwave", "pop"]}'),
           ('Other', 's4', 90, '{"genres": ["jazz"]}')"""
    )
    rows = db.execute("SELECT * FROM start_bulk_artist_discovery('Synthwave', 50, 10)").fetchall()
    assert [(r["artist_name"], r["source"]) for r in rows] == [
        ("Loud", "stored"),
        ("Unknown", "stored"),
        ('genre:"synthwave"', "spotify_genre_search"),
    ]
    messages = [
        r["message"]
        for r in db.execute("SELECT message FROM pgmq.q_artist_discovery ORDER BY msg_id")
    ]
    assert messages == [
        {"artistName": "Loud", "spotifyId": "s1"},
        {"artistName": "Unknown", "spotifyId": "s3"},
        {"genre": "synthwave", "minPopularity": 50, "limit": 10},
    ]


def test_start_bulk_artist_discovery_checks_its_arguments(db: Database) -> None:
    """Empty genre, a limit out of 1..1000 or popularity out of 0..100 are refused."""
    for arguments in [("", 10, 10), ("pop", 10, 0), ("pop", 101, 10)]:
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            db.execute("SELECT * FROM start_bulk_artist_discovery(%s, %s, %s)", arguments)
