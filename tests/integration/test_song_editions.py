"""A song's representative is its best edition whatever order the editions arrive in;
a better edition arriving later takes the song's credits and reopens it for identification;
claim_song_representative fences an identification against a change of edition."""

from __future__ import annotations

import itertools
from typing import Any

from psycopg.types.json import Jsonb

from producer_discovery.messages import ProducerIdentificationMessage
from tests.support.database import Database, one

# (album name, release date, album type, track title, edition qualifier)
Edition = tuple[str, str, str, str, str | None]
LIVE: Edition = (
    "Live at Harbor Hall",
    "2021-05-01",
    "album",
    "Undertow (Live at Harbor Hall)",
    "live",
)
ORIGINAL: Edition = ("Tides", "2018-03-02", "album", "Undertow", None)
SINGLE: Edition = ("Undertow", "2018-03-02", "single", "Undertow", None)
REMASTER: Edition = (
    "Tides (2022 Remaster)",
    "2022-01-01",
    "album",
    "Undertow - 2022 Remaster",
    "remaster",
)
COMPILATION: Edition = ("Best Of", "2024-01-01", "compilation", "Undertow", None)


def make_artist(db: Database, name: str) -> str:
    return str(
        one(
            db.execute(
                "INSERT INTO artists (name, spotify_id) VALUES (%s, %s) RETURNING id", (name, name)
            )
        )["id"]
    )


def store(db: Database, artist: str, edition: Edition) -> dict[str, Any]:
    """The edition's album and track through process_track_batch; the track's result."""
    album_name, date, kind, title, qualifier = edition
    album = one(
        db.execute(
            "INSERT INTO albums (artist_id, name, spotify_id, release_date, metadata) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (artist, album_name, f"{artist}-{album_name}", date, Jsonb({"album_type": kind})),
        )
    )["id"]
    row: dict[str, Any] = {
        "spotify_id": f"{artist}-{album_name}-{title}",
        "name": title,
        "normalized_name": "undertow",
        "edition_qualifier": qualifier,
        "metadata": {},
    }
    result = one(
        db.execute(
            "SELECT process_track_batch(%s::jsonb[], %s, %s) AS r", ([Jsonb(row)], album, artist)
        )
    )["r"]
    assert "error" not in result, result
    answer: dict[str, Any] = result["results"][0]
    return answer


def representative(db: Database, artist: str) -> str:
    return str(
        one(
            db.execute(
                "SELECT al.name FROM normalized_tracks nt JOIN tracks t ON t.id = nt.representative_track_id "
                "JOIN albums al ON al.id = t.album_id WHERE nt.artist_id = %s",
                (artist,),
            )
        )["name"]
    )


def test_the_representative_is_the_best_edition_whatever_the_order(db: Database) -> None:
    """All 120 orders of a live take, a remaster, a later compilation, the album and a
    same-day single end with the same representative: the album version (same date and class
    as the single, lower Spotify id), never the live take, the remaster or the compilation."""
    chosen: set[str] = set()
    editions = [LIVE, REMASTER, COMPILATION, ORIGINAL, SINGLE]
    for number, order in enumerate(itertools.permutations(editions)):
        artist = make_artist(db, f"artist {number:03d}")
        for edition in order:
            store(db, artist, edition)
        chosen.add(representative(db, artist))
        linked = one(
            db.execute(
                "SELECT count(*) AS n FROM tracks t JOIN normalized_tracks nt ON nt.id = t.normalized_track_id "
                "WHERE nt.artist_id = %s",
                (artist,),
            )
        )["n"]
        assert linked == len(editions)
    assert chosen == {"Tides"}


def test_a_better_edition_takes_the_credits_and_reopens_the_song(db: Database) -> None:
    """The live take first: identified, credited, COMPLETED. The album version then becomes
    the representative (representative_changed), the credits and evidence move to it, and the
    song is PENDING again; a later remaster changes nothing."""
    artist = make_artist(db, "Mira Vale")
    live = store(db, artist, LIVE)
    assert (live["is_new_song"], live["representative_changed"]) == (True, False)
    song = live["normalized_track_id"]
    producer = one(
        db.execute(
            "INSERT INTO producers (name, normalized_name) VALUES ('Ana Ruiz', 'ana ruiz') RETURNING id"
        )
    )["id"]
    db.execute(
        "INSERT INTO track_producers (track_id, producer_id, confidence, source) VALUES (%s, %s, 0.9, 'genius')",
        (live["track_id"], producer),
    )
    db.execute(
        "INSERT INTO track_producer_evidence (track_id, producer_id, source, role, confidence) "
        "VALUES (%s, %s, 'genius', 'producer', 0.9)",
        (live["track_id"], producer),
    )
    db.execute(
        "INSERT INTO processing_status (entity_type, entity_id, state, metadata) "
        "VALUES ('track', %s, 'COMPLETED', '{}')",
        (song,),
    )
    original = store(db, artist, ORIGINAL)
    assert original["is_new_song"] is False
    assert original["representative_changed"] is True
    assert original["representative_track_id"] == original["track_id"]
    credited = db.execute("SELECT track_id FROM track_producers").fetchall()
    assert [str(row["track_id"]) for row in credited] == [original["track_id"]]
    evidence = db.execute("SELECT track_id FROM track_producer_evidence").fetchall()
    assert [str(row["track_id"]) for row in evidence] == [original["track_id"]]
    state = one(
        db.execute("SELECT state, metadata FROM processing_status WHERE entity_id = %s", (song,))
    )
    assert state["state"] == "PENDING"
    assert state["metadata"]["representative_changed"]["to"] == original["track_id"]
    remaster = store(db, artist, REMASTER)
    assert (remaster["representative_changed"], remaster["representative_track_id"]) == (
        False,
        original["track_id"],
    )


def test_claim_fences_an_identification_of_a_replaced_edition(db: Database) -> None:
    """claim_song_representative is FALSE for a track that is no longer the representative,
    TRUE for the representative, and then removes credits left on another edition."""
    artist = make_artist(db, "Oren Hale")
    live = store(db, artist, LIVE)
    original = store(db, artist, ORIGINAL)
    song = live["normalized_track_id"]
    producer = one(
        db.execute(
            "INSERT INTO producers (name, normalized_name) VALUES ('Ana Ruiz', 'ana ruiz') RETURNING id"
        )
    )["id"]
    db.execute(
        "INSERT INTO track_producers (track_id, producer_id, confidence, source) VALUES (%s, %s, 0.9, 'genius')",
        (live["track_id"], producer),
    )

    def claim(track_id: str) -> bool:
        return bool(
            one(db.execute("SELECT claim_song_representative(%s, %s) AS ok", (song, track_id)))[
                "ok"
            ]
        )

    assert claim(live["track_id"]) is False
    assert one(db.execute("SELECT count(*) AS n FROM track_producers"))["n"] == 1
    assert claim(original["track_id"]) is True
    assert one(db.execute("SELECT count(*) AS n FROM track_producers"))["n"] == 0


def test_songs_ranked_before_the_upgrade_are_ranked_and_sent_again_once(db: Database) -> None:
    """A song left with its live take as representative (as the previous release stored it):
    rank_song_editions() makes the album version its representative, moves its credits,
    reopens it and queues one identification with a refresh stamp; a second call does
    nothing."""
    artist = make_artist(db, "Ida Moss")
    live = store(db, artist, LIVE)
    original = store(db, artist, ORIGINAL)
    song = live["normalized_track_id"]
    db.execute(
        "UPDATE normalized_tracks SET representative_track_id = %s WHERE id = %s",
        (live["track_id"], song),
    )
    producer = one(
        db.execute(
            "INSERT INTO producers (name, normalized_name) VALUES ('Ana Ruiz', 'ana ruiz') RETURNING id"
        )
    )["id"]
    db.execute(
        "INSERT INTO track_producers (track_id, producer_id, confidence, source) "
        "VALUES (%s, %s, 0.9, 'genius')",
        (live["track_id"], producer),
    )
    db.execute(
        "INSERT INTO processing_status (entity_type, entity_id, state, metadata) "
        "VALUES ('track', %s, 'COMPLETED', '{}')",
        (song,),
    )
    ranked = db.execute("SELECT * FROM rank_song_editions()").fetchall()
    assert [(str(r["normalized_track_id"]), str(r["representative_track_id"])) for r in ranked] == [
        (song, original["track_id"])
    ]
    queued = db.execute("SELECT message FROM pgmq.q_producer_identification").fetchall()
    assert [row["message"] for row in queued] == [
        {
            "trackId": original["track_id"],
            "normalizedTrackId": song,
            "artistId": artist,
            "refresh": f"representative:{original['track_id']}",
        }
    ]
    body = queued[0]["message"]
    assert ProducerIdentificationMessage.model_validate(body, by_name=False).refresh
    verdict = one(
        db.execute(
            "SELECT validate_queue_message('producer_identification', %s) AS v", (Jsonb(body),)
        )
    )["v"]
    assert verdict["valid"] is True, verdict
    credited = db.execute("SELECT track_id FROM track_producers").fetchall()
    assert [str(row["track_id"]) for row in credited] == [original["track_id"]]
    state = one(db.execute("SELECT state FROM processing_status WHERE entity_id = %s", (song,)))
    assert state["state"] == "PENDING"
    assert db.execute("SELECT * FROM rank_song_editions()").fetchall() == []
