"""Rate limiters for client tests (the RateLimiter protocol of clients.base)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RecordingLimiter:
    """A RateLimiter that lets everything through and remembers what it was asked."""

    acquired: Counter[str] = field(default_factory=Counter)
    pauses: list[tuple[str, float]] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)

    def acquire(self, api: str) -> None:
        self.acquired[api] += 1

    def pause(self, api: str, seconds: float) -> None:
        self.pauses.append((api, seconds))

    def block(self, api: str, reason: str) -> float:
        self.blocks.append((api, reason))
        return 60.0

    def answered(self, api: str) -> int:
        return 0
