"""The end state of a pipeline run, to compare a run with a clean one (the chaos and world
tests): every table that matters as a sorted list of rows, keyed so that a race the pipeline
is allowed to have (which edition of a song is stored first) does not show as a difference."""

from __future__ import annotations

from typing import Any

import psycopg

# The end state, each as a sorted list (so a duplicate row would show).
SNAPSHOT = {
    "artists": "SELECT spotify_id, name FROM artists",
    "albums": "SELECT spotify_id, name FROM albums",
    "tracks": "SELECT spotify_id, name FROM tracks",
    "normalized_tracks": "SELECT a.spotify_id, n.normalized_name FROM normalized_tracks n "
    "JOIN artists a ON a.id = n.artist_id",
    "producers": "SELECT name, normalized_name, instagram_handle, enriched_at IS NOT NULL, "
    "enrichment_failed FROM producers",
    # A song's credits land on its representative edition, whichever edition was stored
    # first: keyed by the song (artist, normalized title), not by the edition's Spotify id.
    "credits": "SELECT a.spotify_id, COALESCE(n.normalized_name, t.name), p.normalized_name "
    "FROM track_producers tp JOIN tracks t ON t.id = tp.track_id "
    "JOIN albums al ON al.id = t.album_id JOIN artists a ON a.id = al.artist_id "
    "LEFT JOIN normalized_tracks n ON n.representative_track_id = t.id "
    "JOIN producers p ON p.id = tp.producer_id",
}
# Which sources credit a producer, and how surely, depends on the edition identified (the
# Discogs release of "Neon Cathedral (Deluxe Edition)" credits differently from the
# album's): compared for every song whose representative edition is the same in both runs.
CREDIT_DETAILS = {
    "representatives": "SELECT a.spotify_id, n.normalized_name, al.name FROM normalized_tracks n "
    "JOIN artists a ON a.id = n.artist_id JOIN tracks t ON t.id = n.representative_track_id "
    "JOIN albums al ON al.id = t.album_id",
    "credit_sources": "SELECT a.spotify_id, COALESCE(n.normalized_name, t.name), p.normalized_name, "
    "tp.source, round(tp.confidence, 4) "
    "FROM track_producers tp JOIN tracks t ON t.id = tp.track_id "
    "JOIN albums al ON al.id = t.album_id JOIN artists a ON a.id = al.artist_id "
    "LEFT JOIN normalized_tracks n ON n.representative_track_id = t.id "
    "JOIN producers p ON p.id = tp.producer_id",
}


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url, autocommit=True) as conn:
        state = {
            name: sorted(conn.execute(statement).fetchall(), key=repr)
            for name, statement in {**SNAPSHOT, **CREDIT_DETAILS}.items()
        }
        state["queued"] = conn.execute(
            "SELECT queue_name, queue_length FROM pgmq.metrics_all() WHERE queue_length > 0"
        ).fetchall()
        state["dead_letters"] = conn.execute(
            "SELECT source_queue, failure_reason FROM dlq_messages"
        ).fetchall()
    return state


def differences_from_clean(
    clean: dict[str, list[tuple[Any, ...]]], state: dict[str, list[tuple[Any, ...]]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """What differs from the clean run (empty when nothing does), and the songs identified
    from another edition than in the clean run (whose sources and confidence may differ)."""
    problems = []
    for part in (*SNAPSHOT, "queued", "dead_letters"):
        missing = [row for row in clean[part] if row not in state[part]]
        extra = [row for row in state[part] if row not in clean[part]]
        if state[part] != clean[part]:
            problems.append(f"{part}: missing {missing}, extra {extra}")
    same_edition = {
        (artist, song)
        for artist, song, album in clean["representatives"]
        if (artist, song, album) in state["representatives"]
    }
    other_edition = sorted(
        {(artist, song) for artist, song, _ in clean["representatives"]} - same_edition
    )
    details = [
        [row for row in run_state["credit_sources"] if (row[0], row[1]) in same_edition]
        for run_state in (clean, state)
    ]
    if details[1] != details[0]:
        problems.append(
            "sources and confidence of songs identified from the same edition: "
            f"clean {details[0]}, this run {details[1]}"
        )
    return problems, other_edition
