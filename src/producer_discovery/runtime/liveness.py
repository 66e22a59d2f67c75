"""Is a worker process alive, and has it started fine? Shared by the worker and the supervisor.

A worker started by `run` finds the write end of a pipe named by PRODUCER_DISCOVERY_READY_FD
and writes one byte once its first read reached the database (`report_ready`): the supervisor
then knows the child started fine and restarts it at once should it die (docs/reliability.md,
"Restart policy"). `process_alive` tells whether the worker behind a lock's worker id
(`host:pid:stage`) still runs on this host.
"""

from __future__ import annotations

import os

READY_FD = "PRODUCER_DISCOVERY_READY_FD"


def report_ready() -> None:
    """Tell a supervisor that this worker started fine (once): one byte on its pipe."""
    descriptor = os.environ.pop(READY_FD, None)
    if descriptor and descriptor.isdigit():
        try:
            os.write(int(descriptor), b"1")
            os.close(int(descriptor))
        except OSError:
            pass


def process_alive(worker_id: str, my_pid: str) -> bool:
    """Whether the worker id's process still runs on this host. Our own pid is a previous
    incarnation (a restarted container keeps its hostname and pid 1): we hold no lock yet."""
    pid = worker_id.split(":", 2)[1]
    if pid == my_pid or not pid.isdigit():
        return pid != my_pid
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
