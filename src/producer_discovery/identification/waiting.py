"""Short outages are waited out: a song whose credit source is blocked by its provider (a CDN
403, a quota 429: SourceBlocked) for less than SOURCE_WAIT_SECONDS is not completed without it.

    wait_for_sources(found, outages, wait_seconds)
        raises WaitingForSource (a Deferred: the message is hidden, no attempt spent, nothing
        written) when an API that blocked one of `found`'s sources has been out for less
        than `wait_seconds`; returns when none has, so the song completes with the sources
        that answered and the gap is recorded, as before.

The outage's age is the database's (api_outage(): from its first block, shared by every
worker), not this process's. The song comes back after what is left of the block, bounded to
[MIN_DELAY_SECONDS, MAX_DELAY_SECONDS] and to what is left of the wait: while songs wait, the
limiter lets a probe through the block every few seconds (db.rate_limits), so the source may
answer again long before its block would have ended. The sources that answered are asked
again then, from the response cache. Refused credentials and unreadable answers are not
waited for: nothing says they will pass soon.
"""

from __future__ import annotations

from typing import Protocol

from producer_discovery.db.rate_limits import Outage
from producer_discovery.errors import WaitingForSource
from producer_discovery.identification.identify import Identification

MIN_DELAY_SECONDS = 5.0
MAX_DELAY_SECONDS = 15.0


class Outages(Protocol):
    def outage(self, api: str) -> Outage | None:
        """The outage of `api` in progress, or None when it is not out."""


def wait_for_sources(found: Identification, outages: Outages, wait_seconds: float) -> None:
    """Raise WaitingForSource while a blocked source is out for less than `wait_seconds`."""
    young = [
        outage
        for api in sorted(set(found.blocked.values()))
        if (outage := outages.outage(api)) is not None
        and not outage.credentials_refused
        and outage.out_seconds < wait_seconds
    ]
    if not young:
        return
    delay = max(
        MIN_DELAY_SECONDS,
        min(
            MAX_DELAY_SECONDS,
            *(min(outage.blocked_seconds, wait_seconds - outage.out_seconds) for outage in young),
        ),
    )
    detail = ", ".join(
        f"{outage.api} out {outage.out_seconds:.0f}s of {wait_seconds:.0f}s" for outage in young
    )
    raise WaitingForSource(
        [outage.api for outage in young], delay, f"{detail}; again in {delay:.0f}s"
    )
