"""docker-compose.yml: db → migrate → one service per stage, as operators run it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from producer_discovery.runtime.supervisor import STAGES
from producer_discovery.sources import SOURCES

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_compose_has_db_migrate_one_service_per_stage_and_web() -> None:
    """Exactly the database, the one-shot migration, the five stages and the web app."""
    assert set(compose()["services"]) == {"db", "migrate", *STAGES, "web"}


def test_web_waits_for_migrate_listens_on_all_interfaces_and_takes_its_token_from_the_environment() -> (
    None
):
    """The web service: after migrate, `web --host 0.0.0.0 --port 8000`, port published, no secret in the file."""
    web = compose()["services"]["web"]
    assert web["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert web["command"] == ["web", "--host", "0.0.0.0", "--port", "8000"]
    assert web["ports"] == ["127.0.0.1:${WEB_PORT:-8000}:8000"]  # loopback: TLS proxy in front
    assert web["environment"]["WEB_OPERATOR_TOKEN"] == "${WEB_OPERATOR_TOKEN:-}"
    assert web["environment"]["DATABASE_URL"].endswith("@db:5432/producer_discovery")


def test_db_preloads_pg_cron_and_has_a_healthcheck() -> None:
    """The database runs pg_cron in the application database and reports its health."""
    db = compose()["services"]["db"]
    assert "shared_preload_libraries=pg_cron" in db["command"]
    assert "cron.database_name=producer_discovery" in db["command"]
    assert db["environment"]["POSTGRES_DB"] == "producer_discovery"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_migrate_waits_for_a_healthy_db_and_stages_wait_for_migrate() -> None:
    """Start order: db healthy → migrate succeeded → workers."""
    services = compose()["services"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["migrate"]["command"] == ["migrate"]
    for stage in STAGES:
        assert services[stage]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
        assert services[stage]["command"] == ["worker", stage]
        assert services[stage]["environment"]["DATABASE_URL"].endswith(
            "@db:5432/producer_discovery"
        )


def test_compose_holds_no_secret_values() -> None:
    """Every registered source's credentials reach the stages from the environment, never
    from the file."""
    credentials = [
        name.upper() for source in SOURCES if source.client for name in source.client.credentials
    ]
    assert "GENIUS_ACCESS_TOKEN" in credentials
    assert "SPOTIFY_CLIENT_SECRET" in credentials
    for stage in STAGES:
        environment = compose()["services"][stage]["environment"]
        for name in credentials:
            assert environment[name] == "${" + name + ":-}", (stage, name)


def test_images_build_from_the_repository() -> None:
    """The worker image installs this project as a wheel (not editable, no source tree); the
    db image adds pg_cron to PostgreSQL 15."""
    worker_file = (ROOT / "Dockerfile").read_text()
    assert "pip wheel" in worker_file
    assert "pip install --no-cache-dir /wheels/*.whl" in worker_file
    assert " -e " not in worker_file
    db_file = (ROOT / "docker" / "db.Dockerfile").read_text()
    assert "FROM postgres:15" in db_file
    assert "postgresql-15-cron" in db_file


def test_stages_connect_as_the_worker_login_and_migrate_as_the_admin() -> None:
    """The stages know only the worker login's password; migrate has the admin's and creates the
    worker and operator logins from their URLs."""
    services = compose()["services"]
    migrate = services["migrate"]["environment"]
    assert migrate["DATABASE_URL"].startswith("postgresql://postgres:${POSTGRES_PASSWORD:?")
    assert migrate["WORKER_DATABASE_URL"].startswith(
        "postgresql://producer_discovery_worker:${WORKER_DB_PASSWORD:?"
    )
    assert migrate["OPERATOR_DATABASE_URL"].startswith(
        "postgresql://producer_discovery_operator:${OPERATOR_DB_PASSWORD:?"
    )
    for stage in STAGES:
        environment = services[stage]["environment"]
        assert environment["DATABASE_URL"].startswith(
            "postgresql://producer_discovery_worker:${WORKER_DB_PASSWORD:?"
        )
        assert not any(
            "POSTGRES_PASSWORD" in str(value) or "OPERATOR_DB_PASSWORD" in str(value)
            for value in environment.values()
        )


def test_no_password_has_a_default() -> None:
    """Every password is required (${VAR:?…}); none falls back to a value written in the file."""
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("POSTGRES_PASSWORD", "WORKER_DB_PASSWORD", "OPERATOR_DB_PASSWORD"):
        uses = re.findall(r"\$\{" + name + r"(:?[-?])", text)
        assert uses, name
        assert set(uses) == {":?"}, name


def test_env_example_lists_every_variable_compose_reads() -> None:
    """.env.example names each ${VAR} of docker-compose.yml, with no value filled in."""
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    example = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            example[name] = value
    assert used <= set(example), used - set(example)
    assert all(value == "" for value in example.values())


def test_the_image_is_built_once_and_named_by_every_service() -> None:
    """One `build:` (migrate's) with an image name; the stages and web only name that image."""
    services = compose()["services"]
    image = services["migrate"]["image"]
    assert services["migrate"]["build"] == "."
    for name in (*STAGES, "web"):
        assert "build" not in services[name], name
        assert services[name]["image"] == image, name


def test_a_configuration_error_does_not_restart_a_stage_for_ever() -> None:
    """A stage that exits 1 on a missing credential is restarted a bounded number of times."""
    for stage in STAGES:
        policy = compose()["services"][stage]["restart"]
        assert re.fullmatch(r"on-failure:[1-5]", policy), policy


def test_db_health_is_checked_over_tcp_and_pg_cron_runs_jobs_in_background_workers() -> None:
    """pg_isready on 127.0.0.1 (not the init server's socket); pg_cron needs no login."""
    db = compose()["services"]["db"]
    assert "pg_isready -h 127.0.0.1" in " ".join(db["healthcheck"]["test"])
    assert "cron.use_background_workers=on" in db["command"]
    assert "max_worker_processes=24" in db["command"]


def test_the_build_context_leaves_out_the_virtualenv_git_secrets_and_caches() -> None:
    """.dockerignore keeps .venv, .git, .env, caches and the tests out of the image context."""
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", ".env", "**/__pycache__", ".mypy_cache", "tests"} <= ignored
    assert "!.env.example" in ignored
