"""A sandbox wrapper that meters what passes through it: executions, and the time callers wait.

One wrapper for every meter the pipeline keeps: the live execution counter of a run, the time a
run (or a cluster worker) spends waiting on the sandbox, and per-phase and per-verdict tallies for
benchmarks. Callers name the phase of the executions they start with :func:`metered_phase`; tasks
started inside the block inherit it::

    async with MeteredSandbox(open_sandbox("pool")) as sandbox:
        with metered_phase("validity"):
            await check_validity(sandbox, problem)
        sandbox.runs, sandbox.wait_s            # 12, 3.4
        sandbox.by_phase["validity"].runs       # 12
        sandbox.by_status["passed"].cpu_s       # CPU seconds inside the sandbox, of passing runs
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from gapforge.sandbox.base import ExecutionResult, Limits, Program, Sandbox

_PHASE: contextvars.ContextVar[str] = contextvars.ContextVar("gapforge_metered_phase", default="other")
_SCOPE: contextvars.ContextVar[dict[str, Tally] | None] = contextvars.ContextVar(
    "gapforge_metered_scope", default=None
)


@contextlib.contextmanager
def metered_phase(name: str) -> Iterator[None]:
    """Executions started inside this block (and in tasks it starts) are tallied under ``name``."""
    token = _PHASE.set(name)
    try:
        yield
    finally:
        _PHASE.reset(token)


def current_phase() -> str:
    """The phase executions started here are tallied under."""
    return _PHASE.get()


#: Phase-name suffix of the executions that judge a program on the oracle's extra suites (the
#: rollouts' ``rollouts/oracle_suites``): work the test oracle adds to the phase it is part of.
ORACLE_SUITES = "/oracle_suites"


def is_oracle_work(phase: str) -> bool:
    """The oracle's own phases (``oracle.build``, ``oracle.harden``, ``oracle.known_wrong``), or
    another phase's runs of the oracle's suites."""
    return phase == "oracle" or phase.startswith("oracle.") or phase.endswith(ORACLE_SUITES)


@contextlib.contextmanager
def metered_scope() -> Iterator[dict[str, Tally]]:
    """Also tallies, by phase, the executions started inside this block (and in tasks it starts)
    into the dict it yields: one round's sandbox time, say, while many rounds share one wrapper."""
    tallies: dict[str, Tally] = {}
    token = _SCOPE.set(tallies)
    try:
        yield tallies
    finally:
        _SCOPE.reset(token)


@dataclass
class Tally:
    """Executions, the seconds callers waited on them, and the sandbox's own wall and CPU seconds."""

    runs: int = 0
    wait_s: float = 0.0
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def add(self, wait_s: float, result: ExecutionResult | None) -> None:
        self.runs += 1
        self.wait_s += wait_s
        if result is not None:
            self.wall_s += result.wall_s
            self.cpu_s += result.cpu_s


class MeteredSandbox:
    """Passes every run to ``inner`` and meters it.

    ``owned``: entering and exiting this wrapper enters and exits ``inner`` (False for a sandbox
    the caller opened and closes itself). ``on_start`` is called as each execution starts (a live
    counter); the tallies are updated as each one ends, whether it returned or raised (a raised
    infrastructure failure is tallied under the status ``raised``).
    """

    def __init__(
        self, inner: Sandbox, *, owned: bool = True, on_start: Callable[[], None] | None = None
    ) -> None:
        self.inner = inner  # the name engine.find_engine looks through
        self.owned = owned
        self.name = inner.name
        self.on_start = on_start
        self.total = Tally()
        self.by_phase: dict[str, Tally] = {}
        self.by_status: dict[str, Tally] = {}

    @property
    def image(self) -> str:
        return str(getattr(self.inner, "image", "") or "")

    @property
    def runs(self) -> int:
        """Executions that ended (returned a result or raised)."""
        return self.total.runs

    @property
    def wait_s(self) -> float:
        """Seconds callers spent waiting on the sandbox, summed over executions."""
        return self.total.wait_s

    async def __aenter__(self) -> Self:
        if self.owned:
            await self.inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.owned:
            await self.inner.__aexit__(None, None, None)

    async def run(self, program: Program, limits: Limits | None = None) -> ExecutionResult:
        if self.on_start is not None:
            self.on_start()
        phase = _PHASE.get()
        scope = _SCOPE.get()
        result: ExecutionResult | None = None
        t0 = time.monotonic()
        try:
            result = await self.inner.run(program, limits)
            return result
        finally:
            waited = time.monotonic() - t0
            status = result.status.value if result is not None else "raised"
            self.total.add(waited, result)
            self.by_phase.setdefault(phase, Tally()).add(waited, result)
            self.by_status.setdefault(status, Tally()).add(waited, result)
            if scope is not None:
                scope.setdefault(phase, Tally()).add(waited, result)
