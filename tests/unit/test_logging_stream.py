"""Log lines go to the standard error stream of the moment they are written."""

from __future__ import annotations

import io
import sys

import pytest
import structlog

from producer_discovery.logging import configure


def test_a_stream_replaced_after_set_up_is_not_written_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Logging set up while one stderr was in place writes to the one in place now, never to
    the first after it was closed (a web request would answer 500 for a log line)."""
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure("json", "info")
    first.close()
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    structlog.get_logger("probe").warning("probe_event", detail=1)
    assert "probe_event" in second.getvalue()
