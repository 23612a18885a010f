#!/usr/bin/env bash
# One-command setup, idempotent: virtualenv, package (+dev tools), Docker engine, sandbox images.
# A second run only checks and takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv with $($PY --version)" >&2
  "$PY" -m venv .venv
fi

stamp=.venv/.gapforge-installed
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "[setup] installing gapforge and its dev tools into .venv" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,ray]'
  echo "$want" >"$stamp"
fi

scripts/ensure-docker.sh
.venv/bin/gapforge images build >&2
# Other languages' runners (GAPFORGE_LANGUAGES, comma-separated; `make test` asks for all of them),
# each a debootstrap base with Debian's toolchain, about a minute and a half per language the first
# time, reused after that.
if [ -n "${GAPFORGE_LANGUAGES:-}" ]; then
  .venv/bin/gapforge images build --base debootstrap --language "$GAPFORGE_LANGUAGES" >&2
fi
echo "[setup] ready" >&2
