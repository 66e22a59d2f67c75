"""The files of a cluster the project starts itself are private to its owner."""

from __future__ import annotations

import pytest

from tests.conftest import Server


def test_server_log_is_readable_by_its_owner_only(pg_server: Server) -> None:
    """postgresql.log (it names users and statements) has no group or world permission."""
    if pg_server.cluster is None:
        pytest.skip("needs a cluster the tests started (not TEST_DATABASE_URL)")
    assert pg_server.cluster.log_file.stat().st_mode & 0o077 == 0
