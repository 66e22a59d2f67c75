"""Property-based (hypothesis): arbitrary JSON, huge and deeply nested values and unicode edge
cases into every queue of the running pipeline: no worker exits, every message is archived or
dead-lettered, every invalid one is recorded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from producer_discovery.runtime.supervisor import STAGES
from tests.e2e.test_full_pipeline import PROVIDERS, cli
from tests.support.database import one
from tests.support.hostile_values import has_nul, messages, nested
from tests.support.sandboxes import Sandboxes
from tests.support.settings import environment_of, sandbox_settings

pytestmark = pytest.mark.slow  # the five stage processes, a few times

# Each example runs the five stage processes once (seconds each on a loaded machine): one
# hand-picked hostile batch, and one that hypothesis draws.
batches = st.fixed_dictionaries(
    {stage: st.lists(messages, min_size=1, max_size=4) for stage in STAGES}
)
NAMES = ["\u200fNo\u202eone Known\u200b", "e\u0301\u0301\u0301", "x" * 6000, "\ufeff", " "]
HOSTILE: dict[str, list[Any]] = {
    stage: [{"artistName": name} for name in NAMES]
    + [
        {"x": nested(400)},
        {"producerId": "0" * 36, "pad": "y" * 70_000},
        {"trackId": "t" * 101},
        {"albumId": 1},
        [],
        "text",
        None,
    ]
    for stage in STAGES
}


@example(batch=HOSTILE)
@settings(
    max_examples=1,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(batch=batches)
def test_arbitrary_messages_in_every_queue_never_stop_a_worker(
    database_url: str, tmp_path: Path, batch: dict[str, list[Any]]
) -> None:
    """Every message sent is archived or dead-lettered, each invalid one is recorded in
    problematic_messages, and no stage process exits before the pipeline drains."""
    log = tmp_path / "property.log"
    log.write_text("")
    sent: dict[str, list[tuple[int, bool]]] = {}
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        for queue, bodies in batch.items():
            for body in bodies:
                if has_nul(body):
                    continue  # jsonb refuses NUL: such a body never enters a queue
                msg_id = one(conn.execute("SELECT pgmq.send(%s, %s) AS id", (queue, Jsonb(body))))[
                    "id"
                ]
                valid = one(
                    conn.execute("SELECT validate_queue_message(%s, %s) AS v", (queue, Jsonb(body)))
                )["v"]["valid"]
                sent.setdefault(queue, []).append((msg_id, valid))
    with Sandboxes() as sandboxes:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(PROVIDERS) and not key.endswith("DATABASE_URL")
        }
        environment.update(
            environment_of(
                sandbox_settings(
                    sandboxes,
                    database_url,
                    log_level="warning",
                    log_format="json",
                    max_attempts=2,
                    retry_base_seconds=0.2,
                    retry_cap_seconds=1,
                    poll_interval_seconds=0.2,
                )
            )
        )
        result = cli(environment, log, "run", "--drain")
    assert result.returncode == 0, log.read_text()[-3000:]
    assert "worker_exited" not in log.read_text()
    assert "Traceback" not in log.read_text()
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        problematic = {
            (row["queue_name"], int(row["message_id"]))
            for row in conn.execute(
                "SELECT queue_name, message_id FROM queue_mgmt.problematic_messages"
            )
        }
        dead = {
            (row["source_queue"], int(row["original_msg_id"]))
            for row in conn.execute("SELECT source_queue, original_msg_id FROM dlq_messages")
        }
        for queue, ids in sent.items():
            archived = {
                row["msg_id"]
                for row in conn.execute(
                    sql.SQL("SELECT msg_id FROM pgmq.{}").format(sql.Identifier(f"a_{queue}"))
                )
            }
            for msg_id, valid in ids:
                assert msg_id in archived or (queue, msg_id) in dead, (queue, msg_id)
                if not valid:
                    assert (queue, msg_id) in problematic, (queue, msg_id)
