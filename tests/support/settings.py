"""Settings pointed at the sandboxes, for a worker in-process or, as environment variables,
for a `producer-discovery` process.

    settings = sandbox_settings(sandboxes, url, fast=True, worker_concurrency=2)
    environment = {**inherited, **environment_of(settings)}

Every provider's URL and credentials are the sandboxes'. The rest is the defaults, or with
`fast=True` the FAST rates, polling and retries (MusicBrainz at 40 requests/s: the sandboxes
need `musicbrainz_requests_per_second=50`); keywords named like the Settings fields set any
field, None unsets it (`genius_access_token=None`: Genius is skipped).
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from producer_discovery.settings import Settings
from tests.support.sandboxes import Sandboxes

MUSICBRAINZ_CONTACT = "tests@example.com"
FAST: dict[str, Any] = {
    "spotify_requests_per_second": 50,
    "genius_requests_per_second": 50,
    "musicbrainz_requests_per_second": 40,
    "discogs_requests_per_minute": 1000,
    "poll_interval_seconds": 0.2,
    "retry_base_seconds": 0.1,
    "retry_cap_seconds": 1,
}


def sandbox_settings(
    sandboxes: Sandboxes,
    database_url: str | None = None,
    *,
    fast: bool = False,
    instagram: bool = True,
    **overrides: Any,
) -> Settings:
    """Settings whose every provider is its sandbox (the URLs and credentials
    `sandboxes.variables()` gives a process), FAST with `fast`; `instagram=False` leaves the
    Graph API unconfigured (no token, no user id)."""
    values: dict[str, Any] = {
        name.lower(): value
        for name, value in sandboxes.variables().items()
        if instagram or not name.startswith("INSTAGRAM_")
    }
    values["musicbrainz_contact"] = MUSICBRAINZ_CONTACT
    if database_url is not None:
        values["database_url"] = database_url
    if fast:
        values |= FAST
    return Settings.model_validate(values | overrides)


def environment_of(settings: Settings) -> dict[str, str]:
    """The environment variables that give a process these settings: every field set, in
    upper case, secrets revealed, unset (None) fields left out."""
    environment: dict[str, str] = {}
    for name in sorted(settings.model_fields_set):
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        environment[name.upper()] = str(value)
    return environment
