#!/usr/bin/env bash
# Lint, type-check and run every test. Under GAPFORGE_REQUIRE_DOCKER=1 Docker tests fail rather than skip.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check gapforge tests benchmarks
.venv/bin/ruff format --check gapforge tests benchmarks
.venv/bin/mypy gapforge
# pytest exits 5 when it collected no tests: set -e turns that into a failure too.
.venv/bin/pytest -p no:cacheprovider "$@"
