"""The one retry policy: exponential backoff with equal jitter, a cap, and Retry-After honoured.

Equal jitter: the wait is drawn between half and all of the exponential step, so a retry is
never immediate (full jitter would draw from zero) while replicas still spread out.

It is used in two places, with the same numbers:
- `call_with_retries` retries one API call a few times in-process (tenacity), for short blips;
- the worker runtime asks `RetryPolicy.delay(attempt, retry_after)` how long to hide a failed
  message (its visibility timeout) before the next delivery.
Library-level retries (spotipy's, urllib3's, httpx transports') are switched off so they
never stack on top of this.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from producer_discovery.errors import Deferred, is_transient, retry_after_of

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    in_call_attempts: int = 3
    in_call_max_wait: float = 10.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt number `attempt + 1` (attempt counts from 1)."""
        exponential = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        jittered = random.uniform(exponential / 2, exponential)
        if retry_after is not None:
            return min(max(jittered, float(retry_after)), max(self.cap_seconds, float(retry_after)))
        return jittered

    def call(self, function: Callable[[], T]) -> T:
        """Run `function`, retrying transient errors in-process.

        A wait longer than `in_call_max_wait` (a long Retry-After) is not slept here: the
        error goes up to the runtime, which hides the message for that long instead.
        """

        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.delay(state.attempt_number, retry_after_of(error) if error else None)

        def should_retry(state: tenacity.RetryCallState) -> bool:
            if state.outcome is None or not state.outcome.failed:
                return False
            error = state.outcome.exception()
            if error is None or not is_transient(error) or isinstance(error, Deferred):
                return False
            wanted = retry_after_of(error)
            return wanted is None or wanted <= self.in_call_max_wait

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.in_call_attempts),
            wait=wait,
            retry=should_retry,
            reraise=True,
        )
        return retrying(function)
