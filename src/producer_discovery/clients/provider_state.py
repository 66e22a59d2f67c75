"""What a client learns about its provider account and shares with every other process:
an access token, and facts such as "this app has extended quota".

The client only sees the `ProviderState` protocol; the runtime lends it the implementation in
PostgreSQL (db/provider_state.py), so N worker processes fetch ONE token and a restarted worker
does not probe again. `InProcessState` is the same contract kept in memory (one process: unit
tests, one-off scripts, a client built without the runtime).

    shared_token(api, account, fetch, margin_seconds)
                                            the stored token while it has more than the
                                            margin left, else fetch() under a lock every
                                            process shares; (token, seconds left)
    invalidate_token(api, account, token)   forget the token, only if it is still `token`
    fact(api, account, fact, max_age, learn)
                                            the value learnt less than max_age ago, else
                                            learn() under a shared lock, remembered
    correct_fact(api, account, fact, value) a request proved the remembered value wrong
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

TokenFetch = Callable[[], tuple[str, float]]  # (access token, seconds it is valid)


class ProviderState(Protocol):
    def shared_token(
        self, api: str, account: str, fetch: TokenFetch, margin_seconds: float
    ) -> tuple[str, float]:
        """A valid token of `account` and the seconds it has left (see the module docstring)."""

    def invalidate_token(self, api: str, account: str, token: str) -> None:
        """Forget `token` for every process, unless another token has replaced it already."""

    def fact(
        self, api: str, account: str, fact: str, max_age: timedelta, learn: Callable[[], Any]
    ) -> Any:
        """The value of `fact` learnt less than `max_age` ago, else `learn()` (remembered)."""

    def correct_fact(self, api: str, account: str, fact: str, value: Any) -> None:
        """Remember `value` for `fact` from now on (a request proved the old value wrong)."""


class InProcessState:
    """ProviderState for one process, in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}  # → (token, valid until)
        self._facts: dict[tuple[str, str, str], tuple[Any, float]] = {}  # → (value, learnt at)

    def shared_token(
        self, api: str, account: str, fetch: TokenFetch, margin_seconds: float
    ) -> tuple[str, float]:
        with self._lock:
            stored = self._tokens.get((api, account))
            now = time.monotonic()
            if stored is not None and stored[1] - now > margin_seconds:
                return stored[0], stored[1] - now
            token, seconds = fetch()
            self._tokens[(api, account)] = (token, time.monotonic() + seconds)
            return token, seconds

    def invalidate_token(self, api: str, account: str, token: str) -> None:
        with self._lock:
            stored = self._tokens.get((api, account))
            if stored is not None and stored[0] == token:
                del self._tokens[(api, account)]

    def fact(
        self, api: str, account: str, fact: str, max_age: timedelta, learn: Callable[[], Any]
    ) -> Any:
        with self._lock:
            stored = self._facts.get((api, account, fact))
            if stored is not None and time.monotonic() - stored[1] < max_age.total_seconds():
                return stored[0]
            value = learn()
            self._facts[(api, account, fact)] = (value, time.monotonic())
            return value

    def correct_fact(self, api: str, account: str, fact: str, value: Any) -> None:
        with self._lock:
            self._facts[(api, account, fact)] = (value, time.monotonic())
