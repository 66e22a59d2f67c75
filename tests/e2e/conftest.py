"""Fixtures of the end-to-end tests that run the test stage as worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.runtime_stage import SETUP_SQL
from tests.support.runtime_workers import Workers


@pytest.fixture
def url(database_url: str) -> str:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(SETUP_SQL)
    return database_url


@pytest.fixture
def workers(url: str, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(url, tmp_path)
    yield pool
    pool.stop_all()
