"""Hostile values on the command line: refused in one line with exit 2 before any database is
asked (DATABASE_URL points nowhere), never a traceback; and the bounds are the SQL's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from producer_discovery import cli, inputs

DEFINITIONS = Path(__file__).parents[2] / "migrations" / "definitions"
HOSTILE_TEXTS = ["", "   ", "x" * 6000, "bad\x07name", "nul\x00byte", "line\nbreak", "\x7f"]


def refused(capsys: pytest.CaptureFixture[str], *arguments: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        cli.main(list(arguments))
    assert stopped.value.code == 2, arguments
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1, error
    assert "Traceback" not in error, error
    return error


@pytest.fixture(autouse=True)
def no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_discover_refuses_a_hostile_name_or_genre_with_exit_2(
    capsys: pytest.CaptureFixture[str], text: str
) -> None:
    """An empty, blank, 6,000-character or control-character name or genre: one line, exit 2."""
    assert "artist name" in refused(capsys, "discover", text)
    assert "genre" in refused(capsys, "discover", "--genre", text)


@pytest.mark.parametrize(
    "arguments",
    [
        ["discover", "--genre", "pop", "--limit", "1001"],
        ["discover", "--genre", "pop", "--limit", "0"],
        ["discover", "--genre", "pop", "--limit", "-5"],
        ["discover", "--genre", "pop", "--limit", "9" * 40],
        ["discover", "--genre", "pop", "--limit", "ten"],
        ["discover", "--genre", "pop", "--min-popularity", "101"],
        ["discover", "--genre", "pop", "--min-popularity", "-1"],
        ["dlq", "replay", "--id", "0"],
        ["dlq", "replay", "--id", str(2**63)],
        ["worker", "artist_discovery", "--concurrency", "65"],
        ["worker", "artist_discovery", "--visibility-timeout", "999999999999"],
        ["run", "--max-attempts", "0"],
        ["run", "--shutdown-grace", "601"],
        ["web", "--port", "70000"],
        ["producers", "--artist", "x" * 6000],
        ["producers", "search", "   "],
        ["producers", "show", "a\x00b"],
        ["discover"],
    ],
)
def test_out_of_range_numbers_and_texts_are_refused_with_exit_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str]
) -> None:
    """Numbers outside the SQL's and the settings' bounds, and bad texts: one line, exit 2."""
    refused(capsys, *arguments)


def test_values_are_sent_without_surrounding_blanks() -> None:
    """What passes is what the database stores: surrounding blanks removed, inner ones kept."""
    assert inputs.artist_name("  Nova  Reyes ") == "Nova  Reyes"
    assert inputs.genre("\thip hop\n") == "hip hop"
    assert inputs.genre("g" * inputs.GENRE_MAX) == "g" * inputs.GENRE_MAX
    with pytest.raises(inputs.InvalidInput, match="at most 100 characters"):
        inputs.genre("g" * (inputs.GENRE_MAX + 1))


def test_bounds_are_those_of_the_discovery_functions() -> None:
    """The Python bounds are the numbers start_artist_discovery and
    start_bulk_artist_discovery check, so the CLI and the web never let through what SQL refuses."""
    sql = (DEFINITIONS / "20_messages.sql").read_text()
    assert f"length(v_name) > {inputs.ARTIST_NAME_MAX}" in sql
    assert f"length(v_genre) > {inputs.GENRE_MAX}" in sql
    assert (
        f"limit_count < {inputs.GENRE_LIMIT_MIN} OR limit_count > {inputs.GENRE_LIMIT_MAX}" in sql
    )
    assert (
        f"min_popularity < {inputs.POPULARITY_MIN} OR min_popularity > {inputs.POPULARITY_MAX}"
        in sql
    )
    (control,) = re.findall(r"v_name ~ '(\[[^']+\])'", sql)
    assert control == r"[\x01-\x1f\x7f]"
    assert all(inputs.CONTROL.search(chr(code)) for code in [*range(32), 127])
