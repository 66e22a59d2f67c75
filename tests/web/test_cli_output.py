"""What the CLI prints for people and scripts: tables with headers in words that fit 100
columns, typed JSON with ids, namesakes told apart, the embedded-database notice once."""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

import psycopg
import pytest

from producer_discovery import cli, output
from producer_discovery.sandbox.web_catalogue import seed_web_catalogue

WIDTH = 100


def namesake_catalogue(artist: str, album: str, song: str) -> dict[str, Any]:
    credit = {"producer": "Alex Kim", "roles": ["producer"], "sources": {"genius": 0.8}}
    track = {"name": song, "credits": [credit]}
    albums = [{"name": album, "release_date": "2024-01-01", "tracks": [track]}]
    return {"artists": [{"name": artist, "genres": ["pop"], "albums": albums}]}


@pytest.fixture
def namesakes(db: psycopg.Connection, catalogue: dict[str, str]) -> list[str]:
    """Two producers named Alex Kim, one per artist; their ids."""
    first = seed_web_catalogue(db, namesake_catalogue("Juno Vale", "First Light", "Dawn"))
    second = seed_web_catalogue(db, namesake_catalogue("Kite Parade", "Wires", "Hum"))
    return [first["Alex Kim"], second["Alex Kim"]]


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    *arguments: str,
) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    with pytest.raises(SystemExit) as stopped:
        cli.main(list(arguments))
    captured = capsys.readouterr()
    return int(stopped.value.code or 0), captured.out, captured.err


def widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


def test_leaderboard_has_headers_in_words_and_fits_100_columns(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    namesakes: list[str],
) -> None:
    """No raw column names, no line over 100 columns, contact details whole; namesakes carry
    their id prefix; picture URLs only with --wide."""
    code, out, _ = run(capsys, monkeypatch, database_url, "producers")
    assert code == 0, out
    assert widest(out) <= WIDTH, out
    assert "Worked with" in out
    assert "Contact" in out
    assert "artist_names" not in out
    assert "image_url" not in out
    assert "Picture" not in out
    assert "…" not in out  # nothing cut off: long values fold onto the next line
    for producer_id in namesakes:
        assert f"Alex Kim ({producer_id[:8]})" in out
    code, wide, _ = run(capsys, monkeypatch, database_url, "producers", "--wide")
    assert code == 0
    assert "Picture" in wide


def test_json_output_is_typed_and_carries_ids(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    namesakes: list[str],
) -> None:
    """`producers --json`: confidence and counts are numbers, every row has its id."""
    code, out, _ = run(capsys, monkeypatch, database_url, "producers", "--json")
    rows = json.loads(out)
    assert code == 0
    assert all(isinstance(row["best_confidence"], float) for row in rows)
    assert all(isinstance(row["tracks"], int) and row["id"] for row in rows)
    assert {row["id"] for row in rows if row["producer"] == "Alex Kim"} == set(namesakes)
    code, out, _ = run(capsys, monkeypatch, database_url, "dlq", "list", "--json")
    assert code == 0
    assert json.loads(out) == []
    code, out, _ = run(capsys, monkeypatch, database_url, "status", "--json")
    kept = json.loads(out)["retention"][0]["kept"]
    assert code == 0
    assert kept == 30 * 86400


def test_show_with_namesakes_lists_them_and_asks_for_an_id(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    namesakes: list[str],
) -> None:
    """`show "Alex Kim"` picks neither: both ids and artists on stderr, exit 1; an id or its
    first 8 characters pick one."""
    code, out, err = run(capsys, monkeypatch, database_url, "producers", "show", "Alex Kim")
    assert code == 1
    assert out == ""
    assert all(producer_id[:8] in err for producer_id in namesakes), err
    assert "Juno Vale" in err
    assert "Kite Parade" in err
    assert "give one id" in err
    for given in (namesakes[1], namesakes[1][:8]):  # the id, or the prefix the tables show
        code, out, _ = run(capsys, monkeypatch, database_url, "producers", "show", given)
        assert code == 0
        assert "Kite Parade" in out
        assert "Juno Vale" not in out


def test_status_reads_in_words_and_fits_100_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    """Headers in words, durations as "30 days", no microseconds, within 100 columns."""
    code, out, _ = run(capsys, monkeypatch, database_url, "status")
    assert code == 0, out
    assert widest(out) <= WIDTH, out
    assert "Waiting" in out
    assert "30 days" in out
    assert "queue_visible_length" not in out
    assert "days, 0:00:00" not in out


def test_cells_are_formatted_for_reading() -> None:
    """Durations in whole units, timestamps to the second, decimals to two places."""
    moment = datetime.datetime(2026, 12, 4, 14, 7, 52, 123456, tzinfo=datetime.UTC)
    assert output.cell("kept", datetime.timedelta(days=30)) == "30 days"
    assert output.cell("oldest_msg_age_sec", 3725) == "1 h 2 min"
    assert output.cell("oldest", moment) == "2026-12-04 14:07:52"
    assert output.cell("best_confidence", decimal.Decimal("0.8500")) == "0.85"
    assert json.loads(output.to_json({"c": decimal.Decimal("0.85"), "n": decimal.Decimal(3)})) == {
        "c": 0.85,
        "n": 3,
    }


def test_a_long_table_folds_within_100_columns() -> None:
    """Ten long columns still fit 100 columns: values fold, nothing is cut off."""
    rows = [{f"column_{i}": "word " * 12 + "someone@example.com" for i in range(10)}]
    console = output.console()
    console.width = WIDTH
    with console.capture() as captured:
        console.print(output.table("Wide", rows))
    assert widest(captured.get()) <= WIDTH


@pytest.mark.parametrize(
    ("arguments", "shown"),
    [
        (["producers", "search", "theo marchand"], ["Théo Marchand"]),
        (["producers", "show", "mara quill"], ["mara@quill.example", "Paper Planes", "0.85"]),
        (["dlq", "list"], ["Dead letters: none"]),
    ],
)
def test_search_show_and_dead_letters_fit_100_columns(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    namesakes: list[str],
    arguments: list[str],
    shown: list[str],
) -> None:
    """Every table of the data commands fits 100 columns and cuts nothing off."""
    code, out, _ = run(capsys, monkeypatch, database_url, *arguments)
    assert code == 0, out
    assert widest(out) <= WIDTH, out
    assert "…" not in out, out
    assert all(value in out for value in shown), out


def test_contact_details_stay_whole_in_a_crowded_leaderboard() -> None:
    """Long names, long artist lists and 28-character e-mails: every e-mail on one line,
    nothing past 100 columns."""
    rows = [
        output.with_contact(
            {
                "producer": f"Producer Number {i} (1a2b3c4d)",
                "tracks": 120,
                "artists": 14,
                "artist_names": "The Velvet Arcade, Nova Reyes, Beyoncé Lumière, Juno Vale",
                "best_confidence": decimal.Decimal("0.9876"),
                "instagram_handle": f"producer.number.{i}.official",
                "email": f"bookings.number{i}@example.com",
            }
        )
        for i in range(10, 15)
    ]
    console = output.console()
    console.width = WIDTH
    with console.capture() as captured:
        console.print(output.table("Producers", rows))
    text = captured.get()
    assert widest(text) <= WIDTH, text
    assert all(f"bookings.number{i}@example.com" in text for i in range(10, 15)), text
    assert "0.99" in text
    assert "Contact" in text
