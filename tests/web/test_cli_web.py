"""The CLI side of the web work: `producers search`, `producers show` (the same SQL functions
as the web) and `web` with bad options, run as subprocesses against a real database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from producer_discovery.db.cluster import free_port
from tests.support.cli import cli

TOKEN_VALUE = "cli-web-secret-token-0123456789abcdef"


def test_producers_search_forgives_spelling(database_url: str, catalogue: dict[str, str]) -> None:
    """`producers search "theo marchnd" --json` finds Théo Marchand first; the table names him too."""
    result = cli(database_url, "producers", "search", "theo marchnd", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["producers"][0]["name"] == "Théo Marchand"
    assert "Beyoncé Lumière" in cli(database_url, "producers", "search", "beyonce").stdout


def test_producers_show_by_name_or_id_includes_contact(
    database_url: str, catalogue: dict[str, str]
) -> None:
    """`producers show NAME|ID`: credits, collaborators and the e-mail (the CLI is an operator tool)."""
    by_name = cli(database_url, "producers", "show", "mara quill")
    assert by_name.returncode == 0, by_name.stderr
    assert "mara@quill.example" in by_name.stdout
    assert "Golden Hour" in by_name.stdout
    by_id = json.loads(
        cli(database_url, "producers", "show", catalogue["Mara Quill"], "--json").stdout
    )
    assert by_id["name"] == "Mara Quill"
    assert len(by_id["credits"]) == 3


def test_producers_show_unknown_is_one_line_exit_1(
    database_url: str, catalogue: dict[str, str]
) -> None:
    """An unknown producer: exit 1 and one readable line."""
    result = cli(database_url, "producers", "show", "nobody at all here")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no producer matches" in result.stderr


def test_producers_leaderboard_still_works_without_a_subcommand(
    database_url: str, catalogue: dict[str, str]
) -> None:
    """`producers --json` still prints the leaderboard (now from producer_leaderboard())."""
    rows = json.loads(cli(database_url, "producers", "--json").stdout)
    assert rows[0]["producer"] == "Mara Quill"
    assert rows[0]["email"] == "mara@quill.example"


def test_web_rejects_a_bad_port_in_one_line(database_url: str) -> None:
    """`web --port 70000` and `web --port x`: exit 2, one line."""
    for value in ("70000", "x", "0"):
        result = cli(database_url, "web", "--port", value)
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1, result.stderr


def test_web_with_an_unreachable_database_is_one_line_exit_1() -> None:
    """`web` against a closed port: exit 1 with one readable line, no traceback."""
    result = cli(
        f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", "web", "--port", str(free_port())
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "cannot connect to the database" in result.stderr


def test_web_serves_pages_and_never_logs_the_token(
    database_url: str, catalogue: dict[str, str]
) -> None:
    """`producer-discovery web --host --port` answers / and the API; the token is not in its output."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WEB_OPERATOR_TOKEN": TOKEN_VALUE,
        "LOG_LEVEL": "debug",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "producer_discovery",
            "web",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
            assert response.status == 200
            assert b"Most credited producers" in response.read()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/producers/{catalogue['Mara Quill']}",
            headers={"Authorization": f"Bearer {TOKEN_VALUE}"},
        )
        with urllib.request.urlopen(request) as response:
            assert json.loads(response.read())["email"] == "mara@quill.example"
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "serving http://127.0.0.1" in output
    assert TOKEN_VALUE not in output
