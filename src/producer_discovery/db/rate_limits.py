"""The shared rate limit: one token bucket per API in PostgreSQL (take_api_token), drawn from
by every process, and a pause (pause_api) that any process sets on a 429's Retry-After.

`acquire` is a bounded wait: a token that cannot be had within `max_wait` seconds (the API is
paused for longer, or the bucket is oversubscribed) raises Deferred with the wait, so the
runtime hides the message for that long, without spending an attempt, instead of blocking a
worker thread; and a stopping worker's threads give up at once (Deferred too).

`block` (block_api, migration 0081) pauses an API that blocks us (a quota 429 without
Retry-After, a CDN 403, refused credentials) for every process, with a growing back-off; while
such a block lasts, `acquire` fails fast with SourceBlocked (a Deferred) instead of waiting, so
a source that is out costs neither a worker thread nor the other sources' answers.

Outages (migration 0131): a block starts an outage (api_rate_limits.outage_started_at), which
lasts until a request is answered again. `outage` tells how old it is (producer
identification waits for a young one: identification.waiting). While it is younger than
`probe_within` (SOURCE_WAIT_SECONDS: songs wait for it), one request every `probe_every`
seconds among all processes goes through the block as a probe (claim_api_probe), so that a
20-second outage costs about 20 seconds, not the block's minute. `answered`, called by a
client after every answered request, ends the outage (source_answered; an answered probe ends
its block too) and refills at once the songs identified without that source meanwhile
(refill_identification_gaps). It asks the database at once after this thread's probe or after
this process saw the API blocked, else at most every ANSWERED_CHECK_SECONDS per API, so that a
return is noticed within seconds by any process without a query per request.

Every API has a budget (`Rate`, set per source in producer_discovery.sources): `acquire` for
an API without one raises ConfigurationError instead of letting it through unlimited, and the
SQL functions refuse an API the registry did not register (migration 0100)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psycopg
import structlog
from psycopg_pool import ConnectionPool, PoolTimeout

from producer_discovery.db.queries import query
from producer_discovery.errors import ConfigurationError, Deferred, SourceBlocked
from producer_discovery.settings import Settings

log = structlog.get_logger("producer_discovery.db.rate_limits")


@dataclass(frozen=True)
class Budget:
    per_second: float
    burst: float = 1.0


# A token is taken a moment before its request leaves; for the providers that punish the
# smallest overrun (MusicBrainz answers 503, Discogs 429), the bucket runs 10 % under the
# configured rate so that scheduling jitter between the token and the send never breaks it.
STRICT_MARGIN = 0.9
BLOCK_CHECK_AFTER_SECONDS = 2.0  # a longer wait may be a block: ask before sleeping
ANSWERED_CHECK_SECONDS = 10.0  # how often an answered API is checked for an outage to end
PROBE_EVERY_SECONDS = 5.0  # one request through a young outage's block this often


@dataclass(frozen=True)
class Outage:
    """An API's outage in progress (api_outage())."""

    api: str
    out_seconds: float  # since the outage began (its first block)
    blocked_seconds: float  # what is left of the block in force (0: passed, not answered yet)
    credentials_refused: bool = False  # its last block: our credentials refused


@dataclass(frozen=True)
class Rate:
    """An API's budget as Settings configure it: `setting` (a Settings field) requests every
    `per_seconds` seconds, `burst` at once; `strict` runs it STRICT_MARGIN under that."""

    setting: str
    per_seconds: float = 1.0
    burst: float = 1.0
    strict: bool = False

    def __post_init__(self) -> None:
        if self.setting not in Settings.model_fields:
            raise ConfigurationError(f"rate setting {self.setting!r} is not a Settings field")

    def budget(self, settings: Settings) -> Budget:
        rate = float(getattr(settings, self.setting)) / self.per_seconds
        return Budget(rate * STRICT_MARGIN if self.strict else rate, self.burst)

    def text(self, requests: float) -> str:
        """`requests` in this rate's unit: "1/s", "60/min"."""
        unit = {1.0: "s", 60.0: "min"}.get(self.per_seconds, f"{self.per_seconds:g}s")
        return f"{requests:g}/{unit}"


@dataclass
class PostgresRateLimiter:
    """RateLimiter (see clients.base) backed by the api_rate_limits table."""

    pool: ConnectionPool
    limits: dict[str, Budget]
    stopping: threading.Event = field(default_factory=threading.Event)
    max_wait: float = 30.0
    block_base_seconds: float = 60.0
    block_cap_seconds: float = 3600.0
    # APIs this process saw blocked, and when each answered API was last checked (answered)
    blocked_seen: set[str] = field(default_factory=set)
    answered_checked: dict[str, float] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)
    # Probes through a block (claim_api_probe): one every probe_every seconds among all
    # processes while the outage is younger than probe_within (settings.source_wait_seconds)
    probe_every: float = PROBE_EVERY_SECONDS
    probe_within: float = 0.0
    probing: threading.local = field(default_factory=threading.local)  # this thread's probe

    def acquire(self, api: str) -> None:
        budget = self.budget_of(api)
        waited = 0.0
        self.probing.api = None
        while True:
            if self.stopping.is_set():
                raise Deferred(f"{api}: no token taken, the worker is stopping", 1.0)
            with self.pool.connection() as conn:
                row = conn.execute(
                    "SELECT take_api_token(%s, %s, %s)", (api, budget.per_second, budget.burst)
                ).fetchone()
            wait = float(row[0]) if row else 0.0
            if wait <= 0:
                return
            if wait > BLOCK_CHECK_AFTER_SECONDS:
                try:
                    self.raise_if_blocked(api)
                except SourceBlocked:
                    if not self.claim_probe(api):
                        raise
                    log.info("source_probed", api=api)
                    self.probing.api = api
                    return
            if waited + wait > self.max_wait:
                raise Deferred(f"{api}: the shared limit has no token for {wait:.1f}s more", wait)
            pause = min(wait, 5.0)
            self.stopping.wait(pause)
            waited += pause

    def budget_of(self, api: str) -> Budget:
        """The API's budget; an API without one is refused, never let through unlimited."""
        budget = self.limits.get(api)
        if budget is None:
            raise ConfigurationError(
                f"{api}: no rate budget (not a registered source: producer_discovery.sources)"
            )
        return budget

    def check_registered(self) -> None:
        """ConfigurationError when the database does not know an API this limiter has a budget
        for (public.registered_sources, written by `migrate`): checked at start-up, so that no
        message fails later on an API the database refuses."""
        with self.pool.connection() as conn:
            known = {row[0] for row in conn.execute(query("registered_apis")).fetchall()}
        unknown = sorted(set(self.limits) - known)
        if unknown:
            raise ConfigurationError(
                f"the database does not know the API(s) {', '.join(unknown)}: "
                "run `producer-discovery migrate`"
            )

    def pause(self, api: str, seconds: float) -> None:
        with self.pool.connection() as conn:
            conn.execute("SELECT pause_api(%s, %s, %s)", (api, seconds, "429 Retry-After"))

    def block(self, api: str, reason: str) -> float:
        """block_api: pause `api` for every process, base doubling up to cap while it lasts."""
        with self.guard:
            self.blocked_seen.add(api)
        with self.pool.connection() as conn:
            row = conn.execute(
                query("block_api"),
                {
                    "api": api,
                    "reason": reason[:200],
                    "base_seconds": self.block_base_seconds,
                    "cap_seconds": max(self.block_cap_seconds, self.block_base_seconds),
                },
            ).fetchone()
        return float(row[0]) if row else self.block_base_seconds

    def raise_if_blocked(self, api: str) -> None:
        """SourceBlocked when `api` is blocked (not merely rate limited) for a while yet."""
        with self.pool.connection() as conn:
            row = conn.execute(query("api_block"), {"api": api}).fetchone()
        if row is not None:
            with self.guard:
                self.blocked_seen.add(api)
            remaining = max(1.0, float(row[0]))
            raise SourceBlocked(
                f"{api} is blocked for {remaining:.0f}s more ({row[1]})", api, remaining
            )

    def claim_probe(self, api: str) -> bool:
        """Whether this request may go through `api`'s block as a probe (claim_api_probe)."""
        if self.probe_within <= 0:
            return False
        with self.pool.connection() as conn:
            row = conn.execute(
                query("claim_api_probe"),
                {"api": api, "every": self.probe_every, "within": self.probe_within},
            ).fetchone()
        return bool(row and row[0])

    def outage(self, api: str) -> Outage | None:
        """The outage of `api` in progress (shared by every process), or None."""
        with self.pool.connection() as conn:
            row = conn.execute(query("api_outage"), {"api": api}).fetchone()
        return Outage(api, float(row[0]), float(row[1]), bool(row[2])) if row is not None else None

    def answered(self, api: str) -> int:
        """A request to `api` was answered: end its outage, if any, and refill the songs it
        left with a gap; how many were sent again (see the module docstring)."""
        now = time.monotonic()
        probe = getattr(self.probing, "api", None) == api
        self.probing.api = None
        with self.guard:
            due = (
                probe
                or api in self.blocked_seen
                or (now - self.answered_checked.get(api, float("-inf")) >= ANSWERED_CHECK_SECONDS)
            )
            if not due:
                return 0
            self.blocked_seen.discard(api)
            self.answered_checked[api] = now
        try:
            with self.pool.connection() as conn:
                row = conn.execute(
                    query("source_answered"), {"api": api, "probe": probe}
                ).fetchone()
                if row is None or not row[0]:
                    return 0
                log.info("source_answered_again", api=api)
                refilled = conn.execute(
                    query("refill_identification_gaps"), {"source": api}
                ).fetchone()
        except (psycopg.Error, PoolTimeout) as error:  # never fails the answered request
            with self.guard:
                self.blocked_seen.add(api)  # asked again after the next answer
            log.warning("source_answered_not_recorded", api=api, error=str(error).strip()[:200])
            return 0
        sent = int(refilled[0]) if refilled is not None else 0
        if sent:
            log.info("identification_gaps_refilled", api=api, songs=sent)
        return sent
