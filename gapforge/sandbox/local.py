"""Local backend: no Docker. WEAKER ISOLATION — never chosen silently.

The same harness runs as a host subprocess in a temp dir with rlimits (CPU, file size, data
segment; RLIMIT_DATA instead of RLIMIT_AS so numpy/OpenBLAS reservations still work). When
``bwrap`` (bubblewrap) is on PATH it adds namespaces: no network, a private PID namespace that
dies with the run, a read-only view of the host filesystem and a private /tmp. Without bwrap the
candidate can read whatever your user can read and reach the network. Use it for trusted code or
where no Docker engine can exist; use the Docker backend for model-written code.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from types import TracebackType
from typing import Self

from gapforge.errors import ConfigError
from gapforge.sandbox.base import ExecutionResult, Limits, Program, Status
from gapforge.sandbox.job import (
    HARNESS_PATH,
    infra_result,
    limit_result,
    new_nonce,
    parse_sealed_result,
    remove_job_dir,
    write_job_dir,
)

HOST_GRACE_S = 5.0


def bwrap_available() -> bool:
    if shutil.which("bwrap") is None:
        return False
    probe = subprocess.run(
        ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "true"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


class LocalSandbox:
    """Subprocess backend. ``use_bwrap=None`` means: use bubblewrap when it works here."""

    name = "local"

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        max_concurrency: int | None = None,
        use_bwrap: bool | None = None,
    ) -> None:
        self.default_limits = limits or Limits()
        self._sem = asyncio.Semaphore(max_concurrency or os.cpu_count() or 1)
        self._use_bwrap = use_bwrap
        self.isolation = "unknown"

    async def __aenter__(self) -> Self:
        if self._use_bwrap is None:
            self._use_bwrap = await asyncio.to_thread(bwrap_available)
        self.isolation = (
            "bubblewrap namespaces + rlimits" if self._use_bwrap else "rlimits only (no namespaces)"
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def run(self, program: Program, limits: Limits | None = None) -> ExecutionResult:
        lim = limits or self.default_limits
        if program.language != "python":
            raise ConfigError(
                f"the local backend runs Python programs only; run {program.language} programs on the "
                "pool or docker backend (their toolchains live in the language's runner image)"
            )
        async with self._sem:
            return await asyncio.to_thread(self._run_sync, program, lim)

    def _argv(self, job: str) -> list[str]:
        inner = [sys.executable, "-B", "-s", str(HARNESS_PATH), "/tmp/.job" if self._use_bwrap else job]
        if not self._use_bwrap:
            return inner
        return [
            "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
            "--ro-bind", job, "/tmp/.job", "--unshare-all", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--chdir", "/tmp", *inner,
        ]  # fmt: skip

    def _run_sync(self, program: Program, limits: Limits) -> ExecutionResult:
        job = write_job_dir(program, limits, memory_cgroup=False, tmp=None, rlimit_data_mb=limits.memory_mb)
        nonce = new_nonce()
        env = {
            "GAPFORGE_NONCE": nonce,
            "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": "UTC",
        }
        t0 = time.monotonic()
        try:
            try:
                proc = subprocess.Popen(
                    self._argv(str(job)),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    stdin=subprocess.DEVNULL,
                    env=env,
                    start_new_session=True,
                )
            except OSError as exc:
                return infra_result(f"could not start the local harness: {exc}", backend=self.name)
            try:
                out, err = proc.communicate(timeout=limits.wall_seconds + HOST_GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                return limit_result(
                    Status.TIMEOUT, "wall-clock backstop hit; the run was killed", backend=self.name,
                    wall_s=time.monotonic() - t0,
                )  # fmt: skip
            finally:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, signal.SIGKILL)
            wall = time.monotonic() - t0
            result = parse_sealed_result(
                out.decode("utf-8", "replace"), nonce, backend=self.name, wall_s=wall
            )
            if result is not None:
                return result
            return infra_result(
                f"the local harness produced no result (exit code {proc.returncode})",
                backend=self.name,
                wall_s=wall,
                stderr=err.decode("utf-8", "replace"),
            )
        finally:
            remove_job_dir(job)
