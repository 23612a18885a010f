#!/usr/bin/env bash
# Install SandboxFusion (bytedance/SandboxFusion) for benchmarks/service_bench.py, OUTSIDE the repo and
# outside gapforge's environment: it is a peer we measure against, never a dependency of gapforge.
#
#   bash benchmarks/sandboxfusion/setup.sh            # idempotent; prints the install folder last
#
# Where it goes: $SANDBOXFUSION_HOME, default ${XDG_CACHE_HOME:-~/.cache}/gapforge-bench/sandboxfusion
#   src/                    the server's source at $SANDBOXFUSION_COMMIT (+ docs/build, + a lite config)
#   conda/condabin/         empty: SandboxFusion finds its "conda root" by walking up from
#                           sys.executable to the first folder holding condabin/
#   conda/bin/activate      4 lines: `source <root>/bin/activate NAME` puts envs/NAME/bin first on PATH
#                           (the server runs `source <root>/bin/activate sandbox-runtime`)
#   conda/envs/sandbox/     the server's venv, its pyproject dependencies pinned to its poetry.lock
#   conda/envs/sandbox-runtime/  a bare venv: the interpreter that runs submitted Python code
#   home/                   an empty HOME for the server (a shell profile in the real HOME can put
#                           another Python first on PATH and slow every request)
#
# Source: `git clone` of the public repository, or, with SANDBOXFUSION_SRC=/path/to/a/source/tree, a
# copy of that tree (for machines without access to the forge). Python: $SANDBOXFUSION_PYTHON or
# python3, which must be 3.11 or newer (SandboxFusion's pyproject says ^3.11).
#
# The lite mode (SANDBOX_CONFIG=lite_local: overlayfs + chroot + cgroups v1 + network namespaces) runs
# `sudo`, `cgcreate`/`cgset`/`cgexec`/`cgdelete`, `ip netns` and `iptables`; the Debian packages sudo
# and cgroup-tools are installed here when missing (needs root). It leaves network namespaces, NAT
# rules and cgroups behind: service_bench.py removes the ones its own servers made when it stops them.
set -euo pipefail

SANDBOXFUSION_REPO="${SANDBOXFUSION_REPO:-https://github.com/bytedance/SandboxFusion}"
SANDBOXFUSION_COMMIT="${SANDBOXFUSION_COMMIT:-469de0845cb7d665bc68044d541aa3aa28c5b30a}"
ROOT="${SANDBOXFUSION_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/gapforge-bench/sandboxfusion}"
PY="${SANDBOXFUSION_PYTHON:-python3}"

# The server's direct dependencies (pyproject.toml [tool.poetry.dependencies]) at the versions of its
# poetry.lock at that commit, plus the lock's sqlalchemy/aiosqlite/aiomysql (`databases`' extras,
# otherwise resolved to the newest releases).
PINS=(
  "pydantic==2.6.4" "fastapi==0.103.2" "uvicorn[standard]==0.25.0" "structlog==23.3.0"
  "psutil==5.9.8" "aiofiles==23.2.1" "aiohttp==3.10.6" "tenacity==8.5.0"
  "databases[aiomysql,aiosqlite]==0.9.0" "transformers==4.45.0" "pyyaml==6.0.2"
  "sqlalchemy==2.0.35" "aiosqlite==0.20.0" "aiomysql==0.2.0"
)

say() { printf '[sandboxfusion setup] %s\n' "$*" >&2; }

"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { say "$PY is $("$PY" -V 2>&1); SandboxFusion needs Python >= 3.11 (set SANDBOXFUSION_PYTHON)"; exit 1; }

# --- system packages for the lite mode (only when missing) -----------------------------------------
missing=()
command -v sudo >/dev/null 2>&1 || missing+=(sudo)
command -v cgcreate >/dev/null 2>&1 || missing+=(cgroup-tools)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing ${missing[*]} (needed by the lite mode); install them as root: apt-get install ${missing[*]}"
  else
    say "installing ${missing[*]} (Debian packages the lite mode runs)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

mkdir -p "$ROOT"
SRC="$ROOT/src"
CONDA="$ROOT/conda"

# --- source ------------------------------------------------------------------------------------------
# an installed tree at the wanted commit is kept, wherever it came from (clone or SANDBOXFUSION_SRC)
stamp="$SRC/.gapforge-source"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$SANDBOXFUSION_COMMIT" ]]; then
  rm -rf "$SRC.new"
  if [[ -n "${SANDBOXFUSION_SRC:-}" ]]; then
    say "copying the source tree from SANDBOXFUSION_SRC"
    [[ -f "$SANDBOXFUSION_SRC/sandbox/server/server.py" ]] \
      || { say "SANDBOXFUSION_SRC does not look like SandboxFusion's source (no sandbox/server/server.py)"; exit 1; }
    if head="$(git -C "$SANDBOXFUSION_SRC" rev-parse HEAD 2>/dev/null)" && [[ "$head" != "$SANDBOXFUSION_COMMIT" ]]; then
      say "SANDBOXFUSION_SRC is a checkout of $head, not $SANDBOXFUSION_COMMIT"; exit 1
    fi
    mkdir -p "$SRC.new"
    cp -a "$SANDBOXFUSION_SRC/." "$SRC.new/"
  else
    say "cloning $SANDBOXFUSION_REPO at $SANDBOXFUSION_COMMIT"
    git clone --quiet "$SANDBOXFUSION_REPO" "$SRC.new"
    git -C "$SRC.new" checkout --quiet "$SANDBOXFUSION_COMMIT"
  fi
  mkdir -p "$SRC.new/docs/build"  # the server mounts it as static files and fails without it
  echo "$SANDBOXFUSION_COMMIT" >"$SRC.new/.gapforge-source"
  rm -rf "$SRC"
  mv "$SRC.new" "$SRC"
fi
# The lite mode's config: the shipped local.yaml with `isolation: lite` (the server reads
# sandbox/configs/$SANDBOX_CONFIG.yaml).
sed 's/^\(  isolation:\) none$/\1 lite/' "$SRC/sandbox/configs/local.yaml" >"$SRC/sandbox/configs/lite_local.yaml"
grep -q '^  isolation: lite$' "$SRC/sandbox/configs/lite_local.yaml" \
  || { say "could not derive lite_local.yaml from local.yaml"; exit 1; }

# --- the conda root SandboxFusion looks for ------------------------------------------------------------
mkdir -p "$CONDA/condabin" "$CONDA/bin" "$CONDA/envs" "$ROOT/home"
cat >"$CONDA/bin/activate" <<'EOF'
# stand-in for conda's activate: `source <root>/bin/activate NAME` puts envs/NAME/bin first on PATH
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$_root/envs/${1:-base}/bin:$PATH"
unset _root
EOF

pins_file="$CONDA/envs/sandbox/.gapforge-pins"
if [[ ! -x "$CONDA/envs/sandbox/bin/python" || ! -f "$pins_file" || "$(cat "$pins_file")" != "${PINS[*]}" ]]; then
  say "creating the server's venv (envs/sandbox) and installing its pinned dependencies"
  rm -rf "$CONDA/envs/sandbox"
  "$PY" -m venv "$CONDA/envs/sandbox"
  "$CONDA/envs/sandbox/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
  echo "${PINS[*]}" >"$pins_file"  # written last: a half-made venv is made again
fi
if [[ ! -x "$CONDA/envs/sandbox-runtime/bin/python" ]]; then
  say "creating the runtime venv (envs/sandbox-runtime)"
  "$PY" -m venv "$CONDA/envs/sandbox-runtime"
fi

# --- check: the server imports, and the runtime env resolves through the activate script ------------
(cd "$SRC" && HOME="$ROOT/home" "$CONDA/envs/sandbox/bin/python" -c 'import sandbox.server.server') \
  || { say "the server does not import"; exit 1; }
rt="$(bash -c "source '$CONDA/bin/activate' sandbox-runtime && command -v python")"
[[ "$rt" == "$CONDA/envs/sandbox-runtime/bin/python" ]] || { say "activate resolves python to $rt"; exit 1; }

say "ready"
echo "$ROOT"
