"""The stored producer credits compared with a credits catalogue's `_expected` (the sample's or a
generated one): which expected producer each stored producer is, and precision and recall.

    truth = CreditsTruth(expected, spotify_catalogue_path)
    score = truth.score(database_url)       # precision, recall, the pairs behind them
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

SOURCE_ID_FIELDS = {
    "genius": "genius_artist_id",
    "musicbrainz": "musicbrainz_id",
    "discogs": "discogs_id",
}
Pair = tuple[str, str]  # (song ISRC, expected producer key)


@dataclass(frozen=True)
class Score:
    expected: frozenset[Pair]
    found: frozenset[Pair]

    @property
    def right(self) -> frozenset[Pair]:
        return self.expected & self.found

    @property
    def precision(self) -> float:
        return len(self.right) / len(self.found) if self.found else 1.0

    @property
    def recall(self) -> float:
        return len(self.right) / len(self.expected) if self.expected else 1.0


class CreditsTruth:
    def __init__(self, expected: dict[str, Any], spotify_catalogue: Path) -> None:
        self.expected = expected
        catalogue = json.loads(Path(spotify_catalogue).read_text(encoding="utf-8"))
        # A live or demo take counts as its song: credits are expected per song.
        song_of_take = {
            take: song["isrc"] for song in expected["songs"] for take in song.get("other_isrcs", [])
        }
        self.isrc_of_track = {
            track["id"]: song_of_take.get(track["isrc"], track["isrc"])
            for album in catalogue["albums"]
            for track in album["tracks"]
        }

    @staticmethod
    def rows(url: str, statement: str) -> list[dict[str, Any]]:
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            return conn.execute(statement).fetchall()

    def producer_key_sets(self, url: str) -> dict[str, set[str]]:
        """Each stored producer's keys in `_expected`: by its source ids, else by its name;
        "?" for someone `_expected` does not list as a producer. More than one key: the
        stored producer mixes people."""
        by_id = {
            (source, str(producer[field])): key
            for key, producer in self.expected["producers"].items()
            for source, field in SOURCE_ID_FIELDS.items()
            if producer.get(field) is not None
        }
        keys: dict[str, set[str]] = defaultdict(set)
        for row in self.rows(
            url, "SELECT producer_id::TEXT AS id, source, source_id FROM producer_source_ids"
        ):
            keys[row["id"]].add(by_id.get((row["source"], row["source_id"]), "?"))
        for row in self.rows(url, "SELECT id::TEXT AS id, normalized_name FROM producers"):
            if row["id"] not in keys:
                keys[row["id"]] = {
                    key
                    for key, producer in self.expected["producers"].items()
                    if producer["normalized_name"] == row["normalized_name"]
                } or {"?"}
        return keys

    def mixed_producers(self, url: str) -> list[set[str]]:
        """The expected keys of every stored producer that mixes two people."""
        return [found for found in self.producer_key_sets(url).values() if len(found) > 1]

    def score(self, url: str) -> Score:
        """Expected and stored (ISRC, producer) pairs of the songs seeded in the database."""
        seeded = {
            self.isrc_of_track[row["spotify_id"]]
            for row in self.rows(
                url,
                "SELECT t.spotify_id FROM normalized_tracks nt "
                "JOIN tracks t ON t.id = nt.representative_track_id",
            )
        }
        expected = frozenset(
            (song["isrc"], key)
            for song in self.expected["songs"]
            if song["isrc"] in seeded
            for key in song["producers"]
        )
        keys = {producer: min(found) for producer, found in self.producer_key_sets(url).items()}
        found = frozenset(
            (self.isrc_of_track[row["spotify_id"]], keys[row["producer_id"]])
            for row in self.rows(
                url,
                "SELECT t.spotify_id, tp.producer_id::TEXT AS producer_id "
                "FROM track_producers tp JOIN tracks t ON t.id = tp.track_id",
            )
        )
        return Score(expected, found)
