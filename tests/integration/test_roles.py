"""Least privilege (migration 0050): who owns what, what PUBLIC keeps (nothing), what each role
of docs/database-roles.md can do, and that hostile actions through the entry points are refused."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from producer_discovery.db.migrate import MIGRATIONS_DIR, migrate
from producer_discovery.runtime.worker import idempotency_key
from producer_discovery.sources import registered_sources
from tests.support.database import Database, one
from tests.support.roles import login_url

SCHEMAS = ("public", "monitoring", "queue_mgmt", "idempotency", "pgmq")


def connect_as(database_url: str, group: str | None) -> psycopg.Connection[dict[str, Any]]:
    return psycopg.connect(login_url(database_url, group), autocommit=True, row_factory=dict_row)


@pytest.fixture
def seeded(db: Database) -> dict[str, Any]:
    """An artist, an album, a track, two producers and a live artist_discovery message."""
    artist = one(
        db.execute("INSERT INTO artists (name, spotify_id) VALUES ('Nova', 'a1') RETURNING id")
    )["id"]
    album = one(
        db.execute(
            "INSERT INTO albums (artist_id, name, spotify_id) VALUES (%s, 'LP', 'al1') RETURNING id",
            (artist,),
        )
    )["id"]
    track = one(
        db.execute(
            "INSERT INTO tracks (album_id, name, spotify_id) VALUES (%s, 'Song', 't1') RETURNING id",
            (album,),
        )
    )["id"]
    keep, gone = (
        one(
            db.execute(
                "INSERT INTO producers (name, normalized_name, email, instagram_bio, metadata) "
                "VALUES (%s, %s, %s, 'bio: write me', '{\"social\": {}}') RETURNING id",
                (name, name.lower(), f"{name.lower()}@example.com"),
            )
        )["id"]
        for name in ("Kelso", "Marr")
    )
    db.execute(
        "INSERT INTO track_producers (track_id, producer_id, confidence, source) VALUES (%s, %s, 0.9, 'genius')",
        (track, keep),
    )
    message = one(
        db.execute("SELECT pgmq.send('artist_discovery', '{\"artistName\": \"Nova\"}') AS id")
    )["id"]
    return {
        "artist": artist,
        "album": album,
        "track": track,
        "keep": keep,
        "gone": gone,
        "message": message,
    }


def hostile_statements(seeded: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """Attacks through the project's own functions, plus pgmq's."""
    renamed = Jsonb({"spotify_id": "t1", "name": "Renamed"})
    return [
        ("SELECT merge_producers(%s, %s)", (seeded["keep"], seeded["gone"])),
        (
            "SELECT process_track_batch(ARRAY[%s]::jsonb[], %s, %s)",
            (renamed, seeded["album"], seeded["artist"]),
        ),
        ("SELECT pause_api('spotify', 31536000)", ()),
        (
            "SELECT move_to_dead_letter_queue('artist_discovery', 'anything', %s, 'x', '{\"any\": 1}')",
            (str(seeded["message"]),),
        ),
        ("SELECT acquire_processing_lock('artist', 'Nova', 30, NULL, 'me', 60)", ()),
        (
            "SELECT complete_message('artist_discovery', %s, 'artist', 'Nova', 'me', 'artist_discovery:k', '{}', '{}')",
            (seeded["message"],),
        ),
        ("SELECT * FROM get_dlq_messages()", ()),
        ("SELECT * FROM dlq_messages", ()),
        ("SELECT pgmq.create('planted')", ()),
        ("SELECT pgmq.send('track_discovery', '{\"albumId\": \"x\"}')", ()),
        ("SELECT * FROM pgmq.read('artist_discovery', 30, 1)", ()),
        ("SELECT pgmq.archive('artist_discovery', %s::bigint)", (seeded["message"],)),
        ("SELECT start_artist_discovery('Anyone')", ()),
        ("SELECT * FROM cleanup_stale_locks(0)", ()),
        ("SELECT count(*) FROM purge_old_data()", ()),
        ("UPDATE settings SET value = '1' WHERE key = 'max_attempts'", ()),
        ("SELECT email FROM producers", ()),
        ("SELECT metadata FROM producers", ()),
        ("SELECT instagram_bio FROM producers", ()),
        ("SELECT * FROM api_response_cache", ()),
        ("SELECT access_token FROM api_credentials", ()),
        ("UPDATE api_facts SET value = 'true'", ()),
        ("SELECT * FROM idempotency.processed_operations", ()),
    ]


@pytest.mark.parametrize("group", [None, "discovery_reader"], ids=["no-grants", "reader"])
def test_hostile_actions_are_refused_and_change_nothing(
    database_url: str, db: Database, seeded: dict[str, Any], group: str | None
) -> None:
    """A login with no grants, and a discovery_reader, are refused every attack: "permission
    denied" (or, for the login without USAGE on the schema, "does not exist")."""
    refused: tuple[type[Exception], ...] = (psycopg.errors.InsufficientPrivilege,)
    if group is None:
        refused += (psycopg.errors.UndefinedFunction, psycopg.errors.UndefinedTable)
    with connect_as(database_url, group) as conn:
        for statement, parameters in hostile_statements(seeded):
            with pytest.raises(refused):
                conn.execute(statement, parameters)
    assert one(db.execute("SELECT count(*) AS n FROM producers"))["n"] == 2
    assert one(db.execute("SELECT name FROM tracks"))["name"] == "Song"
    assert one(db.execute("SELECT count(*) AS n FROM api_rate_limits"))["n"] == 0
    assert (
        one(db.execute("SELECT count(*) AS n FROM pgmq.meta WHERE queue_name = 'planted'"))["n"]
        == 0
    )
    assert one(db.execute("SELECT read_ct FROM pgmq.q_artist_discovery"))["read_ct"] == 0
    assert one(db.execute("SELECT count(*) AS n FROM idempotency.processed_operations"))["n"] == 0
    assert one(db.execute("SELECT count(*) AS n FROM processing_status"))["n"] == 0


def test_a_role_without_grants_can_execute_no_function_and_touch_no_table(
    database_url: str, db: Database
) -> None:
    """Every function, table, sequence and schema of the project's schemas and pgmq's is closed
    to a login with no grants: PUBLIC holds nothing there."""
    nobody = login_url(database_url, None).split("user=")[1].split()[0]
    functions = db.execute(
        "SELECT p.oid::regprocedure::text AS name, has_function_privilege(%s, p.oid, 'EXECUTE') AS can "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s)",
        (nobody, list(SCHEMAS)),
    ).fetchall()
    assert len(functions) > 120, "the enumeration found the project's and pgmq's functions"
    assert [f["name"] for f in functions if f["can"]] == []
    relations = db.execute(
        "SELECT c.oid::regclass::text AS name, "
        "       CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(%s, c.oid, 'USAGE,SELECT,UPDATE') "
        "            ELSE has_table_privilege(%s, c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER') "
        "       END AS can "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S')",
        (nobody, nobody, list(SCHEMAS)),
    ).fetchall()
    assert len(relations) > 50
    assert [r["name"] for r in relations if r["can"]] == []
    schemas = db.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s) "
        "AND has_schema_privilege(%s, oid, 'USAGE,CREATE')",
        (list(SCHEMAS), nobody),
    ).fetchall()
    assert schemas == []


def test_discovery_owner_owns_everything_and_is_not_a_superuser(db: Database) -> None:
    """Every object outside extensions belongs to discovery_owner, which cannot log in and is no
    superuser; every SECURITY DEFINER function pins its search_path."""
    role = db.execute(
        "SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = 'discovery_owner'"
    ).fetchone()
    assert role == {"rolsuper": False, "rolcanlogin": False}
    foreign = db.execute(
        "SELECT c.oid::regclass::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c') "
        "AND c.relowner <> 'discovery_owner'::regrole "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
        "                AND d.objid = c.oid AND d.deptype = 'e') "
        "UNION ALL "
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = ANY(%s) AND p.proowner <> 'discovery_owner'::regrole "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass "
        "                AND d.objid = p.oid AND d.deptype = 'e')",
        (list(SCHEMAS), list(SCHEMAS)),
    ).fetchall()
    assert foreign == []
    definers = db.execute(
        "SELECT p.oid::regprocedure::text AS name, p.proconfig FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s) AND p.prosecdef",
        (list(SCHEMAS),),
    ).fetchall()
    assert len(definers) >= 28
    assert [
        d["name"]
        for d in definers
        if not any(setting.startswith("search_path=") for setting in d["proconfig"] or [])
    ] == []


def test_a_later_migration_belongs_to_discovery_owner_and_stays_closed(
    empty_database_url: str, tmp_path: Path
) -> None:
    """A function and a table created by a migration after 0050 are handed to discovery_owner by
    the runner, and PUBLIC cannot execute the function."""
    directory = tmp_path / "migrations"
    shutil.copytree(str(MIGRATIONS_DIR), directory)
    (directory / "0999_create_later_things.sql").write_text(
        "CREATE TABLE public.later_things (id INT);\n"
        "CREATE FUNCTION public.later_function() RETURNS INT LANGUAGE sql AS 'SELECT 1';\n"
    )
    migrate(empty_database_url, directory=directory, sources=registered_sources())
    nobody = login_url(empty_database_url, None).split("user=")[1].split()[0]
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_get_userbyid(p.proowner), has_function_privilege(%s, p.oid, 'EXECUTE'), "
            "       (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.later_things'::regclass) "
            "FROM pg_proc p WHERE p.oid = 'public.later_function()'::regprocedure",
            (nobody,),
        ).fetchone()
    assert row == ("discovery_owner", False, "discovery_owner")


def test_migrating_twice_in_one_cluster_reuses_the_roles(
    empty_database_url: str, database_url: str
) -> None:
    """A second database of the same cluster migrates with the roles already there."""
    migrate(empty_database_url, sources=registered_sources())
    with psycopg.connect(empty_database_url) as conn:
        roles = conn.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'discovery\\_%'"
        ).fetchone()
    assert roles == (4,)


# discovery_worker ----------------------------------------------------------------------------
def test_worker_runs_the_runtime_statements(
    database_url: str, db: Database, seeded: dict[str, Any]
) -> None:
    """A discovery_worker login reads, screens, locks, sends to the next stage, completes,
    dead-letters, takes tokens, records metrics and problematic messages."""
    from pgmq import PGMQueue
    from psycopg_pool import ConnectionPool

    from producer_discovery.db.queries import query

    url = login_url(database_url, "discovery_worker")
    with ConnectionPool(
        url, min_size=1, max_size=2, kwargs={"autocommit": True}, open=True
    ) as pool:
        queue = PGMQueue(pool=pool, init_extension=False)
        [message] = queue.read_batch("artist_discovery", vt=30, batch_size=1) or []
        bad_id = queue.send_batch("artist_discovery", [{"nothing": 1}, {"artistName": "Other"}])
        queue.set_vt("artist_discovery", [message.msg_id], 60)
        key = idempotency_key("artist_discovery", message.message)
        with pool.connection() as conn:
            verdict, seen = one(
                conn.execute(
                    query("message_screen"),
                    {"queue": "artist_discovery", "body": Jsonb(message.message), "key": key},
                )
            )
            assert verdict == {"valid": True}
            assert seen is False
            acquired = conn.execute(
                query("acquire_lock"),
                {
                    "entity_type": "artist",
                    "entity_id": "Nova",
                    "correlation": "1",
                    "worker": "w1",
                    "ttl": 60,
                },
            ).fetchone()
            assert acquired is not None
            assert acquired[0] is True
            assert conn.execute(
                "SELECT heartbeat_processing_lock('artist', 'Nova', 'w1')"
            ).fetchone() == (True,)
            with conn.transaction():
                conn.execute(
                    query("artist_upsert"),
                    {
                        "name": "Nova",
                        "spotify_id": "a1",
                        "followers": None,
                        "popularity": None,
                        "image_url": None,
                        "metadata": Jsonb({}),
                    },
                )
                queue.send_batch(
                    "album_discovery", [{"artistId": str(seeded["artist"])}], conn=conn
                )
                conn.execute(
                    "SELECT complete_message(%s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        "artist_discovery",
                        message.msg_id,
                        "artist",
                        "Nova",
                        "w1",
                        key,
                        Jsonb({}),
                        Jsonb({}),
                    ),
                )
            with conn.transaction():
                conn.execute(
                    query("record_problematic_message"),
                    {
                        "queue": "artist_discovery",
                        "message_id": str(bad_id[0]),
                        "body": Jsonb({"nothing": 1}),
                        "error_type": "invalid_message",
                        "error_details": "test",
                    },
                )
                queue.archive("artist_discovery", bad_id[0], conn=conn)
            conn.execute(
                "SELECT dead_letter_message('artist_discovery', %s, 'artist', 'Other', 'w1', 'gave up', '{}')",
                (bad_id[1],),
            )
            assert conn.execute("SELECT take_api_token('spotify', 5, 2)").fetchone() == (0,)
            conn.execute(
                "INSERT INTO monitoring.pipeline_metrics (metric_name, metric_value) VALUES ('api_call', 1)"
            )
            assert conn.execute(query("queue_length"), {"queue": "album_discovery"}).fetchone() == (
                1,
            )
            conn.execute("SELECT * FROM pgmq.metrics_all()")
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery_dlq"))["n"] == 1
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.a_artist_discovery"))["n"] == 2
    assert (
        one(db.execute("SELECT state FROM processing_status WHERE entity_id = 'Nova'"))["state"]
        == "COMPLETED"
    )


def test_worker_cannot_create_queues_change_settings_or_write_dead_letters(
    database_url: str, seeded: dict[str, Any]
) -> None:
    """A discovery_worker login cannot create a queue, write a DLQ or an archive directly,
    change settings, delete producers, start discoveries or call the move function itself."""
    with connect_as(database_url, "discovery_worker") as conn:
        for statement in (
            "SELECT pgmq.create('planted')",
            "SELECT pgmq.send('artist_discovery_dlq', '{\"a\": 1}')",
            "INSERT INTO pgmq.q_artist_discovery_dlq (message) VALUES ('{}')",
            "SELECT pgmq.purge_queue('artist_discovery')",
            "SELECT pgmq.drop_queue('artist_discovery')",
            "UPDATE settings SET value = '1' WHERE key = 'max_attempts'",
            "DELETE FROM producers",
            "SELECT move_to_dead_letter_queue('artist_discovery', 'artist_discovery_dlq', '1', 'x')",
            "SELECT start_artist_discovery('Anyone')",
            "UPDATE api_rate_limits SET paused_until = now() + interval '1 year'",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_worker_pauses_a_known_api_for_at_most_an_hour(database_url: str) -> None:
    """pause_api caps a year-long Retry-After at an hour and refuses an API the limiter never used."""
    with connect_as(database_url, "discovery_worker") as conn:
        row = one(
            conn.execute(
                "SELECT pause_api('spotify', 31536000) - now() <= interval '3601 seconds' AS capped"
            )
        )
        assert row["capped"] is True
        for statement in (
            "SELECT pause_api('nobody_uses_this', 10)",
            "SELECT pause_api('spotify', 'NaN')",
            "SELECT pause_api('spotify', -1)",
            "SELECT take_api_token('Spotify; drop', 1, 1)",
        ):
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                conn.execute(statement)


# Entry points that defend themselves ----------------------------------------------------------
def test_dead_letters_go_only_to_the_source_queues_own_dlq(
    db: Database, seeded: dict[str, Any]
) -> None:
    """move_to_dead_letter_queue refuses another DLQ name and oversized metadata; no queue is
    created; dead_letter_message refuses a DLQ as its source."""
    message = str(seeded["message"])
    for dlq, metadata in (
        ("track_discovery_dlq", None),
        ("planted", None),
        ("artist_discovery_dlq", Jsonb({"x": "y" * 5000})),
        ("artist_discovery_dlq", Jsonb([1, 2])),
    ):
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            db.execute(
                "SELECT move_to_dead_letter_queue('artist_discovery', %s, %s, 'x', %s)",
                (dlq, message, metadata),
            )
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        db.execute(
            "SELECT dead_letter_message('artist_discovery_dlq', 1, NULL, NULL, 'w', 'x', '{}')"
        )
    assert (
        one(db.execute("SELECT count(*) AS n FROM pgmq.meta WHERE queue_name = 'planted'"))["n"]
        == 0
    )
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 1


def test_complete_message_fails_when_the_message_was_not_archived(
    database_url: str, db: Database
) -> None:
    """Completing a message that is no longer in its queue aborts and records no idempotency key;
    a key already recorded by an earlier delivery does not make a later completion fail."""
    first, second, third = (
        one(
            db.execute(
                "SELECT pgmq.send('artist_discovery', %s) AS id", (Jsonb({"artistName": name}),)
            )
        )["id"]
        for name in "ABC"
    )
    db.execute("SELECT pgmq.archive('artist_discovery', %s::bigint)", (first,))
    complete = "SELECT complete_message('artist_discovery', %s, 'artist', %s, 'w1', %s, '{}', '{}')"
    lock = "SELECT acquire_processing_lock('artist', %s, 30, NULL, 'w1', 60)"
    with connect_as(database_url, "discovery_worker") as conn:
        for name in "ABC":
            conn.execute(lock, (name,))
        with pytest.raises(psycopg.errors.LockNotAvailable):
            conn.execute(complete, (first, "A", "artist_discovery:planted"))
        conn.execute(complete, (second, "B", "artist_discovery:same"))
        conn.execute(complete, (third, "C", "artist_discovery:same"))
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            conn.execute(complete, (third, "C", "track_discovery:elsewhere"))
    keys = db.execute(
        "SELECT key, msg_id FROM idempotency.processed_operations ORDER BY key"
    ).fetchall()
    assert keys == [{"key": "artist_discovery:same", "msg_id": second}]
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 0


def test_definer_functions_validate_their_arguments(
    database_url: str, seeded: dict[str, Any]
) -> None:
    """Oversized or impossible arguments are refused with invalid_parameter_value."""
    with connect_as(database_url, "discovery_worker") as worker:
        for statement, parameters in (
            ("SELECT acquire_processing_lock('artist', %s)", ("x" * 600,)),
            ("SELECT acquire_processing_lock('artist', 'a', 0)", ()),
            ("SELECT acquire_processing_lock('artist', 'a', 30, NULL, 'w', 999999)", ()),
            ("SELECT merge_producers(%s, gen_random_uuid())", (seeded["keep"],)),
        ):
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                worker.execute(statement, parameters)
        result = one(
            worker.execute(
                "SELECT process_track_batch(ARRAY['{}']::jsonb[], gen_random_uuid(), %s) AS r",
                (seeded["artist"],),
            )
        )["r"]
        assert result["detail"] == "22023"
    with connect_as(database_url, "discovery_operator") as operator:
        for statement in (
            "SELECT start_artist_discovery(repeat('x', 300))",
            "SELECT * FROM start_bulk_artist_discovery(repeat('x', 300), NULL, 5)",
            "SELECT * FROM requeue_producer_enrichment(1000000)",
            "SELECT monitoring.aggregate_hourly_metrics(0)",
        ):
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                operator.execute(statement)


# discovery_operator and discovery_reader --------------------------------------------------------
def test_operator_reads_everything_but_cannot_write_the_catalogue(
    database_url: str, db: Database, seeded: dict[str, Any]
) -> None:
    """A discovery_operator login starts discoveries, reads health, dead letters, contact details,
    replays dead letters, and is refused direct writes to the catalogue and the queues."""
    db.execute(
        "SELECT dead_letter_message('artist_discovery', %s, NULL, NULL, 'w', 'gave up', '{}')",
        (seeded["message"],),
    )
    with connect_as(database_url, "discovery_operator") as conn:
        assert one(conn.execute("SELECT start_artist_discovery('Nova') AS id"))["id"] > 0
        assert one(conn.execute("SELECT get_system_health() AS h"))["h"]["overall_status"]
        emails = {row["email"] for row in conn.execute("SELECT email FROM producers")}
        assert emails == {"kelso@example.com", "marr@example.com"}
        assert len(conn.execute("SELECT * FROM dlq_messages").fetchall()) == 1
        replayed = conn.execute(
            "SELECT * FROM replay_dead_letters('artist_discovery', NULL)"
        ).fetchall()
        assert [(r["queue_name"], r["source_queue"]) for r in replayed] == [
            ("artist_discovery_dlq", "artist_discovery")
        ]
        conn.execute("SELECT * FROM pgmq.metrics_all()")
        conn.execute("SELECT * FROM get_retention_stats()")
        for statement in (
            "INSERT INTO artists (name) VALUES ('x')",
            "UPDATE producers SET email = NULL",
            "DELETE FROM tracks",
            "SELECT pgmq.send('artist_discovery', '{\"artistName\": \"x\"}')",
            "SELECT pgmq.create('planted')",
            "SELECT merge_producers(gen_random_uuid(), gen_random_uuid())",
            "SELECT complete_message('artist_discovery', 1, 'a', 'b', 'w', 'artist_discovery:k', '{}', '{}')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert one(db.execute("SELECT count(*) AS n FROM pgmq.q_artist_discovery"))["n"] == 2


def test_reader_sees_the_catalogue_and_health_without_contact_details(
    database_url: str, seeded: dict[str, Any]
) -> None:
    """A discovery_reader login reads producers (but not e-mail, bio or metadata), credits, the
    popularity, queue and health views, and can change nothing."""
    with connect_as(database_url, "discovery_reader") as conn:
        names = {
            row["name"]
            for row in conn.execute("SELECT id, name, instagram_handle, image_url FROM producers")
        }
        assert names == {"Kelso", "Marr"}
        assert one(conn.execute("SELECT track_count FROM producer_popularity"))["track_count"] == 1
        conn.execute("SELECT * FROM queue_monitoring_view")
        conn.execute(
            "SELECT * FROM track_producers JOIN tracks ON tracks.id = track_producers.track_id"
        )
        assert one(conn.execute("SELECT get_system_health() AS h"))["h"]["overall_status"]
        for statement in (
            "SELECT * FROM producers",
            "INSERT INTO artists (name) VALUES ('x')",
            "SELECT * FROM get_retention_stats()",
            "SELECT * FROM replay_dead_letters()",
            "SELECT monitor_queues()",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_heartbeat_and_validator_check_their_arguments(database_url: str) -> None:
    """The lock heartbeat and the message validator refuse oversized names like the rest."""
    with connect_as(database_url, "discovery_worker") as conn:
        assert (
            one(conn.execute("SELECT heartbeat_processing_lock('artist', 'a', 'w') AS b"))["b"]
            is False
        )
        for statement, parameters in (
            ("SELECT heartbeat_processing_lock('artist', %s, 'w')", ("x" * 600,)),
            ("SELECT validate_queue_message(%s, '{}')", ("q" * 200,)),
        ):
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                conn.execute(statement, parameters)
