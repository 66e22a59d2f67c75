#!/usr/bin/env bash
# Run the whole test suite: every test against a throwaway PostgreSQL the tests start
# themselves (one per pytest-xdist worker), after ruff (format and lint), mypy and the import
# contracts. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff format --check src workers migrations tests benchmarks
.venv/bin/ruff check src workers migrations tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
