"""One exception tree for the whole service.

    ProducerDiscoveryError
    ├── ConfigurationError        a setting is missing or wrong; never retried
    │   └── CredentialsRejected   a provider refused our credentials (401, invalid_client):
    │                             the source is paused, health critical, no message blamed
    ├── PermanentError            retrying cannot help (400, 403, malformed data)
    │   ├── InvalidMessage        a queue message that fails validation
    │   ├── NotFound              the provider has no such resource (404)
    │   └── ResponseShapeError    a provider answered a shape we cannot read (provider,
    │                             endpoint and what was unexpected in the message)
    └── TransientError            may succeed later (5xx, timeouts, lost connections)
        ├── RateLimited           the provider said "slow down" (429), with retry_after seconds
        └── Deferred              not attempted (the shared limit is paused past its deadline,
            │                     or the worker is stopping): hide the message, spend no attempt
            ├── SourceBlocked     the provider blocks us for a while (quota 429 without
            │                     Retry-After, a CDN 403): paused for every process with a
            │                     growing back-off (block_api); no message's attempt is spent
            └── WaitingForSource  producer identification waits for a credit source out for
                                  less than SOURCE_WAIT_SECONDS: the song comes back later

Also raised on purpose elsewhere: `db.migrate.MigrationError` (a ConfigurationError) and the
runtime's `LockLost` (the entity's lock was taken over; the attempt must not commit).
Only the worker runtime catches broadly; everything else raises one of these.
`is_transient()` is the single place that decides whether an exception is worth a retry.
"""

from __future__ import annotations

import httpx
import psycopg


class ProducerDiscoveryError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(ProducerDiscoveryError):
    """A setting is missing or invalid; the operator must act."""


class CredentialsRejected(ConfigurationError):
    """The provider refused our credentials (a revoked token, Spotify's invalid_client); the
    source is paused for `retry_after` seconds, after which the credentials are tried again."""

    def __init__(self, message: str, api: str, retry_after: float) -> None:
        super().__init__(message)
        self.api = api
        self.retry_after = retry_after


class PermanentError(ProducerDiscoveryError):
    """Retrying will not help: the request or the data is wrong."""


class InvalidMessage(PermanentError):
    """A queue message that does not validate."""


class TransientError(ProducerDiscoveryError):
    """May succeed on a later attempt."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(TransientError):
    """The provider answered 429 (or equivalent); wait `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message, retry_after)


class Deferred(TransientError):
    """No attempt was made: come back in `retry_after` seconds; the message spends no attempt."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, retry_after)


# SQLSTATE classes a retry cannot fix: data exception (a value too long, a bad number),
# integrity constraint violation, and program limit exceeded (an index row too large, which
# psycopg files under OperationalError). Connection (08), resource (53), operator (57) and
# transaction (40) errors stay transient.
PERMANENT_SQLSTATE_CLASSES = frozenset({"22", "23", "54"})


def is_permanent_sqlstate(error: BaseException) -> bool:
    """True for a database error whose SQLSTATE says the data, not the moment, is wrong."""
    if not isinstance(error, psycopg.Error):
        return False
    if isinstance(error, psycopg.DataError) and not error.sqlstate:
        return True  # refused by psycopg itself (a NUL in a text parameter)
    return str(error.sqlstate or "")[:2] in PERMANENT_SQLSTATE_CLASSES


def is_transient(error: BaseException) -> bool:
    """True when a later attempt may succeed."""
    if isinstance(error, TransientError):
        return True
    if isinstance(error, (PermanentError, ConfigurationError)) or is_permanent_sqlstate(error):
        return False
    if isinstance(error, (httpx.TransportError, TimeoutError, ConnectionError)):
        return True
    if isinstance(error, psycopg.OperationalError):
        return True
    return isinstance(error, psycopg.errors.SerializationFailure | psycopg.errors.DeadlockDetected)


def retry_after_of(error: BaseException) -> float | None:
    """The provider-requested wait carried by an error, if any."""
    return getattr(error, "retry_after", None)


class NotFound(PermanentError):
    """The provider has no such resource (404)."""


class ResponseShapeError(PermanentError):
    """A provider's document has a shape we cannot read; never cached, never retried."""

    def __init__(self, provider: str, endpoint: str, problem: str) -> None:
        super().__init__(f"{provider} {endpoint}: unexpected response shape: {problem}"[:1000])
        self.provider = provider
        self.endpoint = endpoint
        self.problem = problem


class SourceBlocked(Deferred):
    """The provider refuses us for a while, whatever the request: not the message's fault, so
    it takes the Deferred path (hidden for `retry_after`, no attempt spent)."""

    def __init__(self, message: str, api: str, retry_after: float) -> None:
        super().__init__(message, retry_after)
        self.api = api


class WaitingForSource(Deferred):
    """A song waits for credit sources that are out for a short while (identification.waiting):
    hidden for `retry_after`, no attempt spent, nothing written yet. Its message, the song's
    last_error, starts "waiting for <api>[, <api>] (" (read by get_source_gaps())."""

    def __init__(self, apis: list[str], retry_after: float, detail: str) -> None:
        super().__init__(f"waiting for {', '.join(apis)} ({detail})", retry_after)
        self.apis = apis


def is_source_outage(error: BaseException) -> bool:
    """True when a whole source is out (blocked, credentials refused), not this message."""
    return isinstance(error, (SourceBlocked, CredentialsRejected))


def fails_alone(error: BaseException) -> bool:
    """True when one credit source's failure must not cost the others' answers: it is out
    (blocked, credentials refused) or answered a shape we cannot read."""
    return is_source_outage(error) or isinstance(error, ResponseShapeError)
