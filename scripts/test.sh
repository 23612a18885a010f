#!/usr/bin/env bash
# Lint, type-check and run every test. Under GAPFORGE_REQUIRE_DOCKER=1 Docker tests fail rather than skip
# (GAPFORGE_REQUIRE_TRAINERS=1: the same for the trainer conformance tests).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check gapforge tests benchmarks
.venv/bin/ruff format --check gapforge tests benchmarks
.venv/bin/mypy gapforge
# The trainers environment for tests/test_trainers.py (cached: a no-op when its stamp matches).
scripts/setup-trainers.sh
# pytest exits 5 when it collected no tests: set -e turns that into a failure too.
.venv/bin/pytest -p no:cacheprovider "$@"
