"""The one Settings object: built once from the environment (and CLI options), passed down.

Every field is read from the environment variable of the same name in upper case
(`SPOTIFY_API_URL`, `WORKER_CONCURRENCY`, …). Secrets are `SecretStr` so they never print.

Each provider has its URL, credentials and rate here; nothing else about a source is. Which
fields are whose credentials is its client's `credentials`, which field is whose rate budget
its entry in the registry of sources (producer_discovery.sources, `Rate`): both checked
against these fields when the registry is loaded.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import psycopg
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from producer_discovery.periods import InvalidPeriod, duration

PROJECT_URL = "https://github.com/producer-discovery/producer-discovery"
MIN_OPERATOR_TOKEN_LENGTH = 32  # characters: long enough that guessing it is hopeless
MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    # Database ---------------------------------------------------------------------------
    database_url: str | None = Field(
        None, description="libpq URL; unset means the embedded local cluster"
    )
    # Least privilege (migration 0050): `migrate` uses DATABASE_URL (an admin); the stages a
    # discovery_worker login, the operator commands a discovery_operator login. Unset: the
    # embedded cluster's logins, else DATABASE_URL.
    worker_database_url: str | None = Field(
        None, description="libpq URL of a discovery_worker login (worker, run)"
    )
    operator_database_url: str | None = Field(
        None,
        description="libpq URL of a discovery_operator login (discover, status, health, dlq, producers)",
    )
    producer_discovery_home: Path | None = Field(
        None, description="where the embedded cluster lives (default: the user's data dir)"
    )

    # Spotify ----------------------------------------------------------------------------
    spotify_client_id: str | None = None
    spotify_client_secret: SecretStr | None = None
    spotify_api_url: str = "https://api.spotify.com/v1"
    spotify_token_url: str = "https://accounts.spotify.com/api/token"
    spotify_requests_per_second: float = Field(3.0, gt=0, le=100)
    spotify_extended_quota: Literal["auto", "true", "false"] = Field(
        "auto",
        description="whether the Spotify app has extended quota (batch endpoints); "
        "auto: probe once and remember the answer in the database for a week",
    )
    album_include_groups: str = Field("album,single", description="Spotify include_groups")
    spotify_market: str = Field(
        "US",
        description="ISO 3166-1 alpha-2 country passed as `market` to album listings and "
        "album/track fetches, so market copies of one album are listed once; empty: none",
    )

    # Genius -----------------------------------------------------------------------------
    genius_access_token: SecretStr | None = None
    genius_api_url: str = "https://api.genius.com"
    genius_requests_per_second: float = Field(2.0, gt=0, le=100)

    # MusicBrainz ------------------------------------------------------------------------
    musicbrainz_api_url: str = "https://musicbrainz.org/ws/2"
    musicbrainz_contact: str = PROJECT_URL
    musicbrainz_requests_per_second: float = Field(1.0, gt=0, le=50)

    # Discogs ----------------------------------------------------------------------------
    discogs_token: SecretStr | None = None
    discogs_api_url: str = "https://api.discogs.com"
    discogs_requests_per_minute: float = Field(60.0, gt=0, le=1000)

    # Instagram Graph API (optional) -----------------------------------------------------
    instagram_access_token: SecretStr | None = None
    instagram_user_id: str | None = None
    instagram_api_url: str = "https://graph.facebook.com"
    instagram_graph_version: str = Field("v21.0", pattern=r"^v\d+\.\d+$")
    instagram_requests_per_second: float = Field(1.0, gt=0, le=100)

    # Shared API response cache (api_response_cache) -------------------------------------
    api_cache_ttl_hours: float = Field(168.0, gt=0, le=24 * 365)

    # HTTP -------------------------------------------------------------------------------
    http_timeout_seconds: float = Field(20.0, gt=0, le=300)

    # Worker runtime ---------------------------------------------------------------------
    worker_concurrency: int = Field(4, ge=1, le=64)
    visibility_timeout_seconds: int = Field(60, ge=1, le=3600)
    max_attempts: int = Field(5, ge=1, le=100)  # handler failures before the DLQ
    max_deliveries: int = Field(
        20, ge=1, le=1000
    )  # deliveries cut short (worker killed) before the DLQ
    shutdown_grace_seconds: float = Field(25.0, ge=0, le=600)
    poll_interval_seconds: float = Field(2.0, gt=0, le=60)
    retry_base_seconds: float = Field(1.0, gt=0, le=600)
    retry_cap_seconds: float = Field(300.0, gt=0, le=86400)
    # A source that blocks us (quota, CDN, refused credentials) is paused for every process:
    # base seconds, doubling while it lasts, up to cap (block_api allows at most an hour).
    source_block_base_seconds: float = Field(60.0, gt=0, le=3600)
    source_block_cap_seconds: float = Field(3600.0, gt=0, le=3600)
    # A credit source blocked for less than this (from the start of its outage, shared by
    # every process) makes producer identification wait for it instead of leaving a gap.
    source_wait_seconds: int = Field(180, ge=0, le=3600)

    # Watched artists (`migrate` stores it in the database's settings) --------------------
    artist_refresh_interval: timedelta | None = Field(
        None,
        description="how often each watched artist's newest albums are walked again "
        "(7d, 24h…; at least 1h); unset: the database keeps its value (default 7d)",
    )

    # Web app (`producer-discovery web`) ------------------------------------------------
    web_host: str = Field("127.0.0.1", description="address the web app listens on")
    web_port: int = Field(8000, ge=1, le=65535, description="port the web app listens on")
    web_operator_token: SecretStr | None = Field(
        None,
        description="bearer token (and sign-in secret) for operator actions, at least "
        f"{MIN_OPERATOR_TOKEN_LENGTH} characters; unset: refused",
    )
    web_secret_key: SecretStr | None = Field(
        None,
        description="signs the web app's session and CSRF cookies; unset: a random key "
        "generated once and kept in <home>/web-secret-key (mode 0600)",
    )
    web_session_hours: float = Field(12.0, gt=0, le=24 * 30, description="browser session lifetime")

    # Logging ----------------------------------------------------------------------------
    log_format: str | None = Field(None, description="json or console")
    log_level: str = Field("info", description="debug, info, warning or error")

    @field_validator(
        "spotify_client_id",
        "spotify_client_secret",
        "genius_access_token",
        "discogs_token",
        "instagram_access_token",
        "instagram_user_id",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        """A blank credential (compose passes an unset variable as `${GENIUS_ACCESS_TOKEN:-}`)
        is no credential: its source is skipped and says so, rather than asked with an empty
        token and refused."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("spotify_extended_quota", mode="before")
    @classmethod
    def _quota_word(cls, value: Any) -> Any:
        """Any case; empty (an unset compose variable) is auto."""
        return (value.strip().casefold() or "auto") if isinstance(value, str) else value

    @field_validator("artist_refresh_interval", mode="before")
    @classmethod
    def _refresh_interval(cls, value: Any) -> Any:
        """`7d`, `24h`, `90m` (empty: unset); at least an hour, the refresh job's period."""
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                value = duration(value)
            except InvalidPeriod as error:
                raise ValueError(str(error)) from None
        if isinstance(value, timedelta) and value < timedelta(hours=1):
            raise ValueError("must be at least 1h (the artist-refresh job runs hourly)")
        return value

    @field_validator("spotify_market", mode="before")
    @classmethod
    def _market_code(cls, value: Any) -> Any:
        """Two letters, any case ("us" is "US"); empty (or blank) is no market."""
        if not isinstance(value, str):
            return value
        code = value.strip().upper()
        if code and not (len(code) == 2 and code.isascii() and code.isalpha()):
            raise ValueError(f"{value!r} is not a two-letter ISO 3166-1 country code (or empty)")
        return code

    @field_validator("database_url", "worker_database_url", "operator_database_url")
    @classmethod
    def _parsable_url(cls, value: str | None) -> str | None:
        """A URL libpq cannot parse is refused here, in one line that never repeats it (its
        password would be in the traceback of the first connection otherwise)."""
        if not value:
            return None
        try:
            psycopg.conninfo.conninfo_to_dict(value)
        except psycopg.Error as error:
            reason = re.sub(r'"[^"]*"', '"…"', str(error).strip().splitlines()[0])
            raise ValueError(f"not a valid libpq URL ({reason})") from None
        return value

    @field_validator("web_operator_token")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        """Empty (an unset compose variable) is unset; a short one is refused."""
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < MIN_OPERATOR_TOKEN_LENGTH:
            raise ValueError(
                f"must be at least {MIN_OPERATOR_TOKEN_LENGTH} characters "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @field_validator("web_secret_key")
    @classmethod
    def _long_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_KEY_LENGTH} characters")
        return value

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str | None) -> str | None:
        if value is not None and value not in ("json", "console"):
            raise ValueError("LOG_FORMAT must be 'json' or 'console'")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in ("debug", "info", "warning", "error"):
            raise ValueError("LOG_LEVEL must be debug, info, warning or error")
        return value.lower()

    @property
    def user_agent(self) -> str:
        from producer_discovery import __version__

        return f"producer-discovery/{__version__} ( {self.musicbrainz_contact} )"
