"""Wall time of the whole pipeline (`run --drain`, the sample catalogue's two artists, the
providers' real limits) with Genius answering its CDN's 403 for `--outage` seconds mid-run,
next to a clean run, with the default settings: the songs identified meanwhile wait for
Genius (SOURCE_WAIT_SECONDS, probes through the block) instead of completing without it.

    .venv/bin/python -m benchmarks.source_outage [--outage 20] [--goal 1.3]

Printed: both wall times and their ratio, the 403s Genius answered, the identification
deliveries set aside (no attempt spent) and failed, and whether the end state equals the
clean run's (tests/support/pipeline_state.py). Exit 1 when it does not, or when the ratio is
above `--goal`. Uses new databases on DATABASE_URL's server when set, else throwaway clusters.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from producer_discovery.db.scratch import scratch_database
from producer_discovery.sources import registered_sources
from tests.e2e.test_outage_pipeline import Outage, identification_outcomes, run_pipeline
from tests.support.pipeline_state import differences_from_clean, snapshot


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=20.0, help="seconds Genius is blocked")
    parser.add_argument("--goal", type=float, default=1.3, help="largest ratio that passes")
    arguments = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="pd-outage-"))
    with scratch_database(registered_sources()) as url:
        clean_seconds, _ = run_pipeline(url, logs / "clean.log")
        clean = snapshot(url)
    outage = Outage(seconds=arguments.outage)
    with scratch_database(registered_sources()) as url:
        seconds, sandboxes = run_pipeline(url, logs / "outage.log", outage)
        state = snapshot(url)
    outcomes = identification_outcomes(logs / "outage.log")
    problems, _ = differences_from_clean(clean, state)
    ratio = seconds / clean_seconds
    print(
        f"clean run {clean_seconds:.0f} s; Genius blocked {arguments.outage:.0f} s: "
        f"{seconds:.0f} s ({ratio:.2f}x, goal <= {arguments.goal}x); "
        f"403s answered {sum(sandboxes.genius.injected.values())}; identification deliveries "
        f"set aside {outcomes.get('deferred', 0)}, failed {outcomes.get('retry', 0)}; "
        f"end state {'equal to the clean run' if not problems else 'DIFFERENT: ' + str(problems)}"
        f"; logs in {logs}"
    )
    return 0 if not problems and ratio <= arguments.goal and outage.began is not None else 1


if __name__ == "__main__":
    sys.exit(main())
