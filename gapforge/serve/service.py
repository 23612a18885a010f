"""The service behind the HTTP routes: one warm pool for the host, admission control, metrics.

At most ``workers`` executions run at once (one per warm container); up to ``max_queue`` more
wait for a container, in arrival order; beyond that a request is turned away at once (429 with
Retry-After) rather than queued without bound. A request that waits longer than
``queue_timeout_s`` gets 504, which SandboxFusion clients (verl) retry. While the Docker engine
is away every request gets 503 at once; an execution the engine's loss cut short is never
returned as a verdict. A cancelled request (its client went away) cancels its execution: the
pool removes that container, which kills the program, and starts a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from gapforge.errors import ConfigError, DockerUnavailable, GapforgeError, SandboxError
from gapforge.reward import RewardTask, judged_runs, judged_score
from gapforge.sandbox import ExecutionResult, Limits, Program, Script, ScriptResult, Status
from gapforge.sandbox.pool import PoolSandbox
from gapforge.serve.config import ServeConfig

R = TypeVar("R", ExecutionResult, ScriptResult)

REVIVE_EVERY_S = 5.0  # how often a service whose pool gave up on the engine checks whether it is back
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class Rejected(GapforgeError):
    """A request the service turns away before or instead of a verdict: an HTTP status, one line
    saying what to do, and when to come back."""

    def __init__(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Metrics:
    """Prometheus metrics of one service (its own registry, so two services never share one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.executions = Counter(
            "gapforge_serve_executions",
            "Executions finished, by endpoint and status (the ExecutionResult vocabulary).",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "gapforge_serve_rejected",
            "Requests turned away, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.cancelled = Counter(
            "gapforge_serve_cancelled",
            "Executions cancelled before they finished: the client went away (or, in a batch, another part failed).",
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "gapforge_serve_queue_depth", "Executions waiting for a container.", registry=self.registry
        )
        self.running = Gauge("gapforge_serve_running", "Executions running now.", registry=self.registry)
        self.workers = Gauge("gapforge_serve_workers", "Warm containers of the pool.", registry=self.registry)
        self.latency = Histogram(
            "gapforge_serve_request_seconds",
            "Request latency (queueing included), by endpoint.",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )


@dataclass(frozen=True)
class Scored:
    """One completion's score: None when it could not be measured (infrastructure), never 0."""

    score: float | None
    result: ExecutionResult | None
    has_code: bool


class Service:
    """``async with Service(cfg) as svc: await svc.run_script(...)``."""

    def __init__(self, cfg: ServeConfig, pool: PoolSandbox | None = None) -> None:
        self.cfg = cfg
        self.pool = pool or PoolSandbox(
            limits=cfg.pool_limits(),
            size=cfg.workers,
            run_id=f"serve-{os.getpid()}",
            engine_wait_s=cfg.engine_wait_s,
        )
        self.metrics = Metrics()
        self.metrics.workers.set(self.pool.size)
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0
        self._running = 0
        self._draining = False
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._mean_s = 0.5  # a running mean of execution time, for Retry-After
        self._reviving: asyncio.Task[bool] | None = None
        self._revive_at = -math.inf

    async def __aenter__(self) -> Service:
        self._slots = asyncio.Semaphore(self.pool.size)
        await self.pool.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Drain: new requests get 503; in-flight ones may finish (up to ``drain_s``); then the
        pool removes its containers."""
        self._draining = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.cfg.drain_s):
                await self._quiet.wait()
        if self._reviving is not None:
            self._reviving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reviving
        await asyncio.shield(self.pool.__aexit__(None, None, None))

    # ------------------------------------------------------------------ state

    @property
    def waiting(self) -> int:
        return self._waiting

    @property
    def running(self) -> int:
        return self._running

    def engine_problem(self) -> str | None:
        """Why executions cannot run now (the engine is away or was given up on), else None. Once
        the pool has given up on the engine, each call (at most every REVIVE_EVERY_S) checks in the
        background whether it is back, and the service rebuilds its containers and carries on."""
        engine = self.pool.engine
        if engine.failure is not None:
            self._maybe_revive()
            return f"{engine.failure}; the service checks again every {REVIVE_EVERY_S:g} s and carries on once it is back"
        return engine.status()

    def _maybe_revive(self) -> None:
        now = time.monotonic()
        if self._draining or (self._reviving is not None and not self._reviving.done()):
            return
        if now - self._revive_at < REVIVE_EVERY_S:
            return
        self._revive_at = now
        self._reviving = asyncio.get_running_loop().create_task(self.pool.revive())

    # ------------------------------------------------------------------ admission

    def _admit(self, n: int) -> None:
        """Reserve ``n`` places in the queue, or turn the request away at once."""
        if self._draining:
            self.metrics.rejected.labels("shutting_down").inc()
            raise Rejected(503, "the service is shutting down; retry against its replacement", retry_after=5)
        problem = self.engine_problem()
        if problem is not None:
            self.metrics.rejected.labels("engine_down").inc()
            raise Rejected(503, f"the sandbox cannot run programs now: {problem}", retry_after=10)
        if n > self.pool.size + self.cfg.max_queue:
            raise ConfigError(
                f"{n} executions in one request can never be admitted (workers + max_queue = "
                f"{self.pool.size + self.cfg.max_queue}); send fewer or raise serve.max_queue"
            )
        if self._running + self._waiting + n > self.pool.size + self.cfg.max_queue:
            self.metrics.rejected.labels("queue_full").inc()
            ahead = self._waiting + self._running + n
            retry = max(1, math.ceil(self._mean_s * ahead / self.pool.size))
            raise Rejected(
                429,
                f"the service is full ({self._running} running, {self._waiting} waiting, queue limit "
                f"{self.cfg.max_queue}); retry after {retry} s",
                retry_after=retry,
            )
        self._waiting += n
        self._quiet.clear()
        self.metrics.queue_depth.set(self._waiting)

    @contextlib.asynccontextmanager
    async def _slot(self, batch: _Batch) -> AsyncIterator[None]:
        """Wait (in a place ``batch`` reserved) for a container, then hold it."""
        assert self._slots is not None, "enter the service first: `async with Service(cfg)`"
        batch.claimed += 1  # from here on this execution gives its place back itself
        try:
            async with asyncio.timeout(self.cfg.queue_timeout_s):
                await self._slots.acquire()
        except TimeoutError:
            self.metrics.rejected.labels("queue_timeout").inc()
            raise Rejected(
                504,
                f"no sandbox came free within {self.cfg.queue_timeout_s:g} s (serve.queue_timeout_s); retry",
                retry_after=1,
            ) from None
        finally:
            self._leave_queue(1)
        self._running += 1
        self.metrics.running.set(self._running)
        t0 = time.monotonic()
        try:
            yield
        finally:
            self._mean_s = 0.8 * self._mean_s + 0.2 * (time.monotonic() - t0)
            self._running -= 1
            self.metrics.running.set(self._running)
            self._slots.release()
            self._leave_queue(0)

    def _leave_queue(self, n: int) -> None:
        self._waiting -= n
        self.metrics.queue_depth.set(self._waiting)
        if self._running == 0 and self._waiting == 0:
            self._quiet.set()

    async def _execute(self, batch: _Batch, endpoint: str, call: Callable[[], Awaitable[R]]) -> R:
        """One execution in a place ``batch`` reserved: infrastructure trouble becomes a Rejected
        (503), never a verdict."""
        try:
            async with self._slot(batch):
                result = await call()
        except asyncio.CancelledError:
            self.metrics.cancelled.inc()
            raise
        except DockerUnavailable as exc:
            self.metrics.rejected.labels("engine_down").inc()
            raise Rejected(503, f"the sandbox cannot run programs now: {exc}", retry_after=10) from None
        except SandboxError as exc:
            self.metrics.rejected.labels("sandbox_error").inc()
            raise Rejected(503, f"the sandbox could not run the program: {exc}", retry_after=5) from None
        if result.status is Status.SANDBOX_ERROR and self.pool.engine.down:
            self.metrics.rejected.labels("engine_down").inc()
            raise Rejected(
                503,
                f"the Docker engine became unreachable while the program ran ({result.message}); retry",
                retry_after=10,
            )
        self.metrics.executions.labels(endpoint, result.status.value).inc()
        return result

    async def _run_all(self, endpoint: str, calls: list[Callable[[], Awaitable[R]]]) -> list[R]:
        """Admit ``calls`` together (all queue, or the request is turned away), run them at once;
        the first failure cancels the rest."""
        self._admit(len(calls))
        batch = _Batch()
        tasks = [asyncio.ensure_future(self._execute(batch, endpoint, call)) for call in calls]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        finally:
            self._leave_queue(len(calls) - batch.claimed)  # places of executions that never started

    # ------------------------------------------------------------------ work

    async def run_script(self, script: Script, limits: Limits, endpoint: str = "run_code") -> ScriptResult:
        (result,) = await self.run_scripts([script], limits, endpoint)
        return result

    async def run_scripts(self, scripts: list[Script], limits: Limits, endpoint: str) -> list[ScriptResult]:
        return await self._run_all(endpoint, [_script_call(self.pool, s, limits) for s in scripts])

    async def run_program(self, program: Program, limits: Limits) -> ExecutionResult:
        (result,) = await self._run_all("run", [_program_call(self.pool, program, limits)])
        return result

    async def score(self, task: RewardTask, completions: list[str], *, fraction: bool) -> list[Scored]:
        """The reward functions' scoring (gapforge.reward): the code is extracted from each
        completion and run against every hidden suite, identical executions run once, 1.0 when
        every test passes (or the share passed, with ``fraction``), 0.0 without code, None when
        the sandbox could not measure it. Time limits are capped by the server's."""
        plans = [judged_runs(text, task, self.cfg.pool_limits()) for text in completions]
        capped = [
            None
            if plan is None
            else [(name, p, self.cfg.run_limits(lim.cpu_seconds, lim.wall_seconds)) for name, p, lim in plan]
            for plan in plans
        ]
        unique: dict[tuple[str, str], tuple[Program, Limits]] = {}
        for plan in capped:
            for _, program, limits in plan or ():
                unique.setdefault((program.digest, limits.model_dump_json()), (program, limits))
        calls = [_program_call(self.pool, program, limits) for program, limits in unique.values()]
        ran = await self._run_all("score", calls) if calls else []
        results = {key: None if r.status.is_infrastructure else r for key, r in zip(unique, ran, strict=True)}
        out = []
        for plan in capped:
            if plan is None:
                out.append(Scored(score=0.0, result=None, has_code=False))
                continue
            parts = [(name, results[(p.digest, lim.model_dump_json())]) for name, p, lim in plan]
            score, combined = judged_score(parts, fraction)
            out.append(Scored(score=score, result=combined, has_code=True))
        return out


@dataclass
class _Batch:
    claimed: int = 0


def _script_call(pool: PoolSandbox, script: Script, limits: Limits) -> Callable[[], Awaitable[ScriptResult]]:
    return lambda: pool.run_script(script, limits)


def _program_call(
    pool: PoolSandbox, program: Program, limits: Limits
) -> Callable[[], Awaitable[ExecutionResult]]:
    return lambda: pool.run(program, limits)
