"""Peer side of the sandbox benchmark: runs INSIDE benchmarks/.venv-peers, never in gapforge's venv.

``sandbox_throughput.py`` starts one of these per peer mode and talks to it with JSON lines on
stdin/stdout, so the peers' dependencies (epicbox needs urllib3 < 2, llm-sandbox its own pydantic
and docker pins) never meet gapforge's. Only the standard library and the peer are imported here.

Each peer runs the script form of a program (solution + tests + a few lines that call every
``test_*`` function and exit 1 on a failed assert, 2 on any other exception) exactly the way its
documentation shows:

* ``epicbox``: ``epicbox.configure(profiles=[Profile(...)])`` then ``epicbox.run(profile, command,
  files=..., limits=...)``: a one-time container per execution.
* ``llm-sandbox``: ``with SandboxSession(lang="python", image=...) as s: s.run(code)``: a container
  per session, one session per execution.
* ``llm-sandbox-pool``: its documented pool, ``create_pool_manager(...)`` and
  ``SandboxSession(pool=pool, ...)``: warm containers reused between executions, nothing reset.

Commands (one JSON object per line): ``{"op": "batch", "scripts": [...], "count": N,
"concurrency": C, "cpu_s": x, "wall_s": y, "memory_mb": m}`` answers ``{"ok": true, "wall_s": ...,
"executions": [{"program": i, "latency_s": ..., "verdict": ..., "detail": ...}]}``;
``{"op": "close"}`` releases everything and exits.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import logging
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# Killed by the CPU rlimit (SIGKILL when soft == hard, SIGXCPU otherwise), as a container exit code.
CPU_KILL_EXIT_CODES = (128 + 9, 128 + 24)


def verdict_from_exit(exit_code: int | None, timed_out: bool, oom: bool = False) -> tuple[str, str]:
    """The shared verdict vocabulary from an exit code: the script exits 1 on a failed assert."""
    if oom:
        return "memory_exceeded", "out of memory"
    if timed_out or exit_code in CPU_KILL_EXIT_CODES:
        return "timeout", f"exit code {exit_code}, timed out: {timed_out}"
    if exit_code == 0:
        return "passed", ""
    if exit_code == 1:
        return "failed", "exit code 1"
    return "error", f"exit code {exit_code}"


class Epicbox:
    """One-time container per execution, as in epicbox's README."""

    def __init__(self, image: str, label: str) -> None:
        self.epicbox = importlib.import_module("epicbox")
        # The runner image's non-root sandbox uid; epicbox's README recommends a non-root user.
        self.epicbox.configure(profiles=[self.epicbox.Profile("python", image, user="10001:10001")])

    def run(self, script: str, cpu_s: float, wall_s: float, memory_mb: int) -> tuple[str, str]:
        limits = {"cputime": int(cpu_s), "realtime": int(wall_s), "memory": memory_mb}
        files = [{"name": "main.py", "content": script.encode()}]
        result = self.epicbox.run("python", "python3 main.py", files=files, limits=limits)
        return verdict_from_exit(result["exit_code"], bool(result["timeout"]), bool(result["oom_killed"]))

    def close(self) -> None:
        return None


def _llm_runtime_configs(cpu_s: float, memory_mb: int, label: str) -> dict[str, Any]:
    docker_types = importlib.import_module("docker.types")
    return {
        # The runner image's own command is gapforge's one-shot harness; llm-sandbox needs a
        # container that stays up. `init` lets the container stop at once on SIGTERM (a bare
        # `sleep` as PID 1 ignores it and every close would wait Docker's 10 s grace period).
        "command": ["sleep", "infinity"],
        "init": True,
        "mem_limit": f"{memory_mb}m",
        # llm-sandbox's timeout is a host-side thread timer that leaves the process running;
        # the CPU rlimit (inherited by `docker exec`) stops an infinite loop like the others.
        "ulimits": [docker_types.Ulimit(name="cpu", soft=int(cpu_s), hard=int(cpu_s))],
        "labels": {"gapforge-bench": label},
    }


class LlmSandbox:
    """A fresh container per execution: one SandboxSession per run, as in llm-sandbox's README."""

    def __init__(self, image: str, label: str) -> None:
        self.session_cls = importlib.import_module("llm_sandbox").SandboxSession
        self.image = image
        self.label = label

    def run(self, script: str, cpu_s: float, wall_s: float, memory_mb: int) -> tuple[str, str]:
        timeout_error = importlib.import_module("llm_sandbox.exceptions").SandboxTimeoutError
        # skip_environment_setup: the documented switch for images that already hold their
        # libraries; without it every session creates a venv and runs `pip install --upgrade pip`.
        with self.session_cls(
            lang="python",
            image=self.image,
            runtime_configs=_llm_runtime_configs(cpu_s, memory_mb, self.label),
            skip_environment_setup=True,
        ) as session:
            try:
                out = session.run(script, timeout=wall_s)
            except timeout_error:
                return "timeout", "llm-sandbox wall timeout"
        return verdict_from_exit(out.exit_code, False)

    def close(self) -> None:
        return None


class LlmSandboxPool:
    """llm-sandbox's own warm pool (its documented fast path); containers are reused, not reset."""

    def __init__(self, image: str, label: str, size: int, cpu_s: float, memory_mb: int) -> None:
        llm = importlib.import_module("llm_sandbox")
        pool_mod = importlib.import_module("llm_sandbox.pool")
        self.session_cls = llm.SandboxSession
        configs = _llm_runtime_configs(cpu_s, memory_mb, label)
        # Pool containers run llm-sandbox's environment setup (a venv + `pip install --upgrade
        # pip`); no index is reachable from a container here, so pip must answer from what it has.
        configs["environment"] = {"PIP_NO_INDEX": "1"}
        self.pool = pool_mod.create_pool_manager(
            backend="docker",
            config=pool_mod.PoolConfig(max_pool_size=size, min_pool_size=size),
            lang="python",
            image=image,
            runtime_configs=configs,
        )

    def run(self, script: str, cpu_s: float, wall_s: float, memory_mb: int) -> tuple[str, str]:
        timeout_error = importlib.import_module("llm_sandbox.exceptions").SandboxTimeoutError
        with self.session_cls(pool=self.pool, lang="python") as session:
            try:
                out = session.run(script, timeout=wall_s)
            except timeout_error:
                return "timeout", "llm-sandbox wall timeout"
        return verdict_from_exit(out.exit_code, False)

    def close(self) -> None:
        self.pool.close()


def make_peer(name: str, image: str, label: str, size: int, cpu_s: float, memory_mb: int) -> Any:
    if name == "epicbox":
        return Epicbox(image, label)
    if name == "llm-sandbox":
        return LlmSandbox(image, label)
    if name == "llm-sandbox-pool":
        return LlmSandboxPool(image, label, size, cpu_s, memory_mb)
    raise SystemExit(f"unknown peer {name!r}")


def run_batch(peer: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    scripts: list[str] = cmd["scripts"]
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        program = i % len(scripts)
        t0 = time.perf_counter()
        try:
            verdict, detail = peer.run(scripts[program], cmd["cpu_s"], cmd["wall_s"], cmd["memory_mb"])
        except Exception as exc:  # a peer's infrastructure failure is data for the report
            verdict, detail = "sandbox_error", f"{type(exc).__name__}: {str(exc)[:300]}"
        latency = time.perf_counter() - t0
        with lock:
            results.append({"program": program, "latency_s": latency, "verdict": verdict, "detail": detail})

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=int(cmd["concurrency"])) as pool:
        list(pool.map(one, range(int(cmd["count"]))))
    return {"ok": True, "wall_s": time.perf_counter() - t0, "executions": results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--peer", required=True, choices=["epicbox", "llm-sandbox", "llm-sandbox-pool"])
    parser.add_argument("--image", required=True)
    parser.add_argument("--label", required=True, help="label value put on every peer container")
    parser.add_argument("--size", type=int, default=2, help="warm containers (llm-sandbox-pool)")
    parser.add_argument("--cpu-s", type=float, default=2.0)
    parser.add_argument("--memory-mb", type=int, default=512)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    dist = "epicbox" if args.peer == "epicbox" else "llm-sandbox"
    t0 = time.perf_counter()
    peer = make_peer(args.peer, args.image, args.label, args.size, args.cpu_s, args.memory_mb)
    hello = {"ok": True, "peer": args.peer, "version": importlib.metadata.version(dist)}
    hello["setup_s"] = time.perf_counter() - t0
    print(json.dumps(hello), flush=True)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            cmd = json.loads(line)
            if cmd["op"] == "close":
                break
            reply = run_batch(peer, cmd) if cmd["op"] == "batch" else {"ok": False, "error": "unknown op"}
            print(json.dumps(reply), flush=True)
    finally:
        peer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
