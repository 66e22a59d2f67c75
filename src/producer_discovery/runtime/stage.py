"""What a pipeline stage supplies to the runtime: its queue, message model, entity and handler.

A handler calls APIs (outside any transaction) and returns an `Outcome`. The outcome's
`write(conn)` runs inside the runtime's one commit, with the stored-procedure writes, and
returns the messages for the next stage; `metadata` lands in processing_status.metadata
(for instance a COMPLETED "not found" outcome).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import psycopg
from pydantic import BaseModel

from producer_discovery.messages import QueueMessage

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Send:
    """A message for another queue, sent in the same transaction as the writes. A stage
    sends its model's body: `Send.of(AlbumDiscoveryMessage(...))`."""

    queue: str
    message: dict[str, Any]

    @classmethod
    def of(cls, message: QueueMessage) -> Send:
        return cls(message.QUEUE, message.body())


Writer = Callable[[psycopg.Connection[Any]], list[Send]]


def no_writes(conn: psycopg.Connection[Any]) -> list[Send]:
    return []


@dataclass
class Outcome:
    write: Writer = no_writes
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Delivery(Generic[Model]):
    """One message as the handler sees it."""

    msg_id: int
    read_ct: int  # deliveries, including the ones cut short by a killed worker
    body: Model
    worker_id: str
    attempt: int = 1  # handler attempts, this one included: what max_attempts bounds


@dataclass(frozen=True)
class Stage(Generic[Model]):
    queue: str
    model: type[Model]
    entity: Callable[[Model], tuple[str, str]]
    handle: Callable[[Delivery[Model]], Outcome]
