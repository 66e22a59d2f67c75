"""Notices the CLI prints for people: on stderr, and each once per process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from producer_discovery import operations
from producer_discovery.settings import Settings


class FakeEmbedded:
    home = Path("/somewhere")

    def ensure_running(self, say: Any, sources: Any) -> str:
        return "postgresql://postgres@127.0.0.1:5/producer_discovery"

    def role_url(self, role: str) -> str:
        return f"postgresql://{role}@127.0.0.1:5/producer_discovery"


def test_the_embedded_database_notice_is_printed_once_on_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """However many connections a command opens (the demo opens four), one notice, on stderr."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(operations, "embedded", lambda settings: FakeEmbedded())
    monkeypatch.setattr(operations, "ANNOUNCED", set())
    settings = Settings(database_url=None)
    for _ in range(4):
        operations.database_url(settings)
        operations.role_url(settings, "operator")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("using the embedded PostgreSQL in /somewhere") == 1


def test_the_demo_ends_with_a_summary_and_what_to_try_next() -> None:
    """Artists, songs, producers, the time it took, and the next commands."""
    text = operations.demo_summary({"artists": 2, "songs": 14, "producers": 6, "credits": 20}, 47.2)
    assert "Found 6 producers of 14 songs by 2 artists (20 credits) in 47 s." in text
    assert "producer-discovery producers show" in text
    assert "producer-discovery web" in text
