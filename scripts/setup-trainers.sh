#!/usr/bin/env bash
# The trainers environment (.venv-trainers): CPU-only torch, TRL, transformers, datasets,
# accelerate, OpenRLHF and verl (their pure-Python packages, without GPU-only dependencies), and
# gapforge itself, for the trainer conformance tests in tests/test_trainers.py.
# Idempotent and cached: a stamp of the requirements and of pyproject.toml; a second run takes
# well under a second. Override the torch requirement with GAPFORGE_TORCH_SPEC (e.g. when the CPU
# build comes from another index: PIP_EXTRA_INDEX_URL=<the PyTorch CPU index>).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=${GAPFORGE_TRAINERS_VENV:-.venv-trainers}
REQ=scripts/trainers-requirements.txt
# OpenRLHF and verl need GPU-only packages (vllm, flash-attn, deepspeed); their own reward and
# dataset code is pure Python and is imported from these packages, installed without dependencies.
NODEPS="openrlhf==0.11.2 verl==0.9.1"
TORCH_SPEC=${GAPFORGE_TORCH_SPEC:-}

stamp="$VENV/.gapforge-trainers"
want=$(cat "$REQ" pyproject.toml "$0" <(echo "$NODEPS $TORCH_SPEC") | sha256sum | cut -c1-16)
if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then
  exit 0
fi

start=$(date +%s)
echo "[setup-trainers] building $VENV (CPU-only torch, trl, transformers; a few minutes the first time)" >&2
rm -f "$stamp"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
reqs=$(mktemp)
trap 'rm -f "$reqs"' EXIT
if [ -n "$TORCH_SPEC" ]; then
  grep -v '^torch==' "$REQ" >"$reqs"
  echo "$TORCH_SPEC" >>"$reqs"
else
  cp "$REQ" "$reqs"
fi
if ! "${pip[@]}" -r "$reqs" -e . ; then
  echo "[setup-trainers] error: could not install the trainers environment; the CPU torch build" \
    "(torch==2.13.0+cpu) must be reachable: set PIP_EXTRA_INDEX_URL to PyTorch's CPU index or" \
    "GAPFORGE_TORCH_SPEC to another CPU build" >&2
  exit 1
fi
# shellcheck disable=SC2086
"${pip[@]}" --no-deps $NODEPS
if ! "$VENV/bin/python" -c 'import sys, torch; sys.exit(torch.version.cuda is not None)'; then
  echo "[setup-trainers] error: $VENV has a CUDA torch build; remove $VENV and install the CPU build" >&2
  exit 1
fi
echo "$want" >"$stamp"
echo "[setup-trainers] ready in $(($(date +%s) - start)) s" >&2
