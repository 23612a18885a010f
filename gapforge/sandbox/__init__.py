"""Sandboxes that run untrusted programs with their tests and return verdicts.

``open_sandbox("pool")`` (warm hardened containers, a fresh forked child per run) is the default
for generation and rewards; ``"docker"`` (a fresh hardened container per run) gives maximum
isolation; ``"local"`` (subprocess + rlimits + bubblewrap) is weaker and must be asked for by name.
"""

from __future__ import annotations

from typing import Literal

from gapforge.errors import ConfigError
from gapforge.sandbox.base import (
    ExecutionResult,
    Kind,
    Limits,
    Program,
    Sandbox,
    Script,
    ScriptResult,
    Status,
    TestRecord,
    priority,
)
from gapforge.sandbox.combine import combine_results
from gapforge.sandbox.determinism import RepeatReport, repeat_run

BackendName = Literal["pool", "docker", "local"]
BACKENDS: tuple[str, ...] = ("pool", "docker", "local")


def open_sandbox(
    backend: str = "pool",
    *,
    limits: Limits | None = None,
    max_concurrency: int | None = None,
    run_id: str = "adhoc",
    engine_wait_s: float = 600.0,
) -> Sandbox:
    """A sandbox by backend name; enter it with ``async with``. The Docker backends wait up to
    ``engine_wait_s`` for a lost engine before their runs raise DockerUnavailable."""
    if backend == "pool":
        from gapforge.sandbox.pool import PoolSandbox

        return PoolSandbox(limits=limits, size=max_concurrency, run_id=run_id, engine_wait_s=engine_wait_s)
    if backend == "docker":
        from gapforge.sandbox.docker import DockerSandbox

        return DockerSandbox(
            limits=limits, max_concurrency=max_concurrency, run_id=run_id, engine_wait_s=engine_wait_s
        )
    if backend == "local":
        from gapforge.sandbox.local import LocalSandbox

        return LocalSandbox(limits=limits, max_concurrency=max_concurrency)
    raise ConfigError(f"unknown sandbox backend {backend!r}; choose one of: {', '.join(BACKENDS)}")


__all__ = [
    "BACKENDS",
    "ExecutionResult",
    "Kind",
    "Limits",
    "Program",
    "RepeatReport",
    "Sandbox",
    "Script",
    "ScriptResult",
    "Status",
    "TestRecord",
    "combine_results",
    "open_sandbox",
    "priority",
    "repeat_run",
]
