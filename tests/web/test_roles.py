"""Least privilege: where `discovery_reader` and `discovery_operator` exist (the roles
migration creates them before 0060), the web functions are granted to them only, and the app,
logged in as a role that can do nothing by itself, answers visitors as the reader and the
operator as the operator. Roles are cluster-wide, so this runs on its own cluster."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row
from pydantic import SecretStr

from producer_discovery.db.cluster import LocalCluster, free_port
from producer_discovery.db.migrate import migrate
from producer_discovery.sandbox.web_catalogue import SAMPLE, seed_dead_letter, seed_web_catalogue
from producer_discovery.settings import Settings
from producer_discovery.sources import registered_sources
from producer_discovery.web.app import create_app
from tests.support.database import one
from tests.web.conftest import TOKEN

pytestmark = pytest.mark.slow

ROLES = """
CREATE ROLE discovery_reader NOLOGIN;
CREATE ROLE discovery_operator NOLOGIN;
CREATE ROLE discovery_web LOGIN NOINHERIT IN ROLE discovery_reader, discovery_operator;
"""


@pytest.fixture(scope="module")
def roles_cluster() -> Iterator[dict[str, str]]:
    """A cluster with the two roles and a NOINHERIT login for the app; migrated and seeded."""
    root = Path(tempfile.mkdtemp(prefix="pd-roles-", dir="/tmp"))
    cluster = LocalCluster(root / "data", free_port())
    try:
        cluster.initialise(fsync=False)
        cluster.start()
        admin = cluster.url("postgres")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(ROLES)
            conn.execute("CREATE DATABASE pd_roles")
        url = cluster.url("pd_roles")
        migrate(url, sources=registered_sources())
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            # PUBLIC may not connect; a NOINHERIT login does not inherit its roles' CONNECT.
            conn.execute("GRANT CONNECT ON DATABASE pd_roles TO discovery_web")
            ids = seed_web_catalogue(conn, SAMPLE)
            ids["dead letter"] = str(seed_dead_letter(conn, "Lost Artist"))
        web_url = make_conninfo(
            **{**{k: str(v) for k, v in conninfo_to_dict(url).items()}, "user": "discovery_web"}
        )
        yield {"admin": url, "web": web_url, **ids}
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


def test_the_reader_cannot_see_contact_details_or_replay(roles_cluster: dict[str, str]) -> None:
    """As discovery_reader: catalogue functions run; get_producer_contact and replay are denied."""
    with psycopg.connect(roles_cluster["web"], autocommit=True, row_factory=dict_row) as conn:
        conn.execute("SET ROLE discovery_reader")
        assert (
            one(conn.execute("SELECT name FROM search_producers('mara quill')"))["name"]
            == "Mara Quill"
        )
        for statement in (
            "SELECT get_producer_contact(%s::UUID)",
            "SELECT * FROM replay_dead_letters(NULL, NULL)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(
                    statement, (roles_cluster["Mara Quill"],) if "%s" in statement else None
                )
        conn.execute("RESET ROLE")
        # NOINHERIT: nothing without SET ROLE; with no USAGE on the schema (0050) the function is
        # not even visible, so the refusal may read "does not exist"
        with pytest.raises(
            (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedFunction)
        ):
            conn.execute("SELECT * FROM search_producers('mara')")


def test_the_app_reads_as_the_reader_and_acts_as_the_operator(
    roles_cluster: dict[str, str],
) -> None:
    """Logged in as discovery_web: visitors get pages and no e-mail; the operator gets the
    e-mail and can replay the dead letter."""
    app = create_app(Settings(web_operator_token=SecretStr(TOKEN)), roles_cluster["web"])
    operator = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        producer = f"/api/producers/{roles_cluster['Mara Quill']}"
        assert (
            client.get("/api/search", params={"q": "beyonce"}).json()["artists"][0]["name"]
            == "Beyoncé Lumière"
        )
        assert client.get("/").status_code == 200
        assert client.get("/dashboard").status_code == 200
        assert "email" not in client.get(producer).json()
        assert client.get(producer, headers=operator).json()["email"] == "mara@quill.example"
        replay = client.post(
            f"/api/dlq/artist_discovery_dlq/{roles_cluster['dead letter']}/replay", headers=operator
        )
        assert replay.status_code == 200, replay.text


def test_the_reader_may_recommend_and_only_the_operator_exports_emails(
    roles_cluster: dict[str, str],
) -> None:
    """As discovery_reader: recommended_producers and the evidence run. Through the app
    (logged in as discovery_web): a visitor's CSV has no email column nor address, the
    operator's has both."""
    with psycopg.connect(roles_cluster["web"], autocommit=True, row_factory=dict_row) as conn:
        conn.execute("SET ROLE discovery_reader")
        row = one(
            conn.execute(
                "SELECT name, reasons FROM recommended_producers(%s::UUID, 5)",
                (roles_cluster["Nova Reyes"],),
            )
        )
        assert row["name"] == "DJ O'Neil"
        assert row["reasons"]
        document = one(
            conn.execute("SELECT get_producer(%s::UUID) AS p", (roles_cluster["Mara Quill"],))
        )
        assert {c["confirmed_by"] for c in document["p"]["credits"]} == {1, 2}
    app = create_app(Settings(web_operator_token=SecretStr(TOKEN)), roles_cluster["web"])
    operator = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        visitor = client.get("/api/producers.csv", params={"q": "mara quill"})
        assert visitor.status_code == 200, visitor.text
        assert "email" not in visitor.text.splitlines()[0]
        assert "@" not in visitor.text
        exported = client.get("/api/producers.csv", params={"q": "mara quill"}, headers=operator)
        assert exported.text.splitlines()[0].endswith(",email")
        assert "mara@quill.example" in exported.text
        path = f"/api/artists/{roles_cluster['Beyoncé Lumière']}/recommended-producers"
        assert "@" not in client.get(f"{path}.csv").text
        assert "theo@marchand.example" in client.get(f"{path}.csv", headers=operator).text
