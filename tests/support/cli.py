"""The command line as a user runs it: `python -m producer_discovery …` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys


def cli(database_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run one command against `database_url`; tables fit COLUMNS when it is set, so the
    assertions read them at the piped width, 100."""
    environment = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "producer_discovery", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
