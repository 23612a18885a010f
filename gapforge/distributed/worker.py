"""What runs on each Ray node: one long-lived async actor per node (:class:`NodeWorker`).

The actor owns that node's resources, opened once and reused by every seed it runs: one sandbox
(the warm pool on the node's own Docker engine, one slot per CPU unless configured) and one
OpenAI-compatible client per role (each with its share of the endpoint's concurrency limit).
Each seed runs through the ordinary :class:`~gapforge.generators.loop.Generator` into a
:class:`~gapforge.dataset.store.BufferSink`; the records go back to the driver, the single
writer, as JSON lines. A worker never touches the run directory.

This module does not import Ray: the driver wraps the class with ``ray.remote`` at run time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gapforge import __version__
from gapforge.config import RunConfig
from gapforge.dataset.records import Seed
from gapforge.dataset.store import BufferSink
from gapforge.errors import GapforgeError
from gapforge.generators.loop import Generator, Models
from gapforge.llm import OpenAIChatModel, UsageStats
from gapforge.sandbox import open_sandbox
from gapforge.sandbox.metered import MeteredSandbox


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WorkerSpec(_Wire):
    """Everything a node's worker needs; computed by the driver for that node."""

    config: RunConfig
    run_id: str
    sandbox_slots: int = Field(ge=1)
    # role -> this node's share of the endpoint's max_concurrency
    role_concurrency: dict[str, int] = Field(default_factory=dict)
    # Set for `gapforge demo --ray`: every node serves the (deterministic) demo models itself.
    demo_latency_s: float | None = None
    policy_rules: tuple[str, ...] = ()
    policy_id: str | None = None


class WorkerInfo(_Wire):
    node_id: str
    address: str
    pid: int
    incarnation: str  # new after every restart of the actor's process
    gapforge_version: str
    sandbox_image: str = ""
    ready: bool = False


OutcomeStatus = Literal["finished", "aborted", "unavailable"]


class SeedOutcome(_Wire):
    """One seed's result as the driver receives it.

    ``finished``: the records end with the SeedRecord. ``aborted``: an endpoint or the sandbox
    failed during the loop (as on one machine: not retried now, redone on resume; the partial
    records are kept as raw data). ``unavailable``: this node could not set up (the driver runs
    the seed elsewhere and stops using the node).
    """

    seed_id: str
    status: OutcomeStatus
    error: str = ""
    records: tuple[tuple[str, str], ...] = ()  # (table, JSON line), in write order
    executions: int = 0
    worker: WorkerInfo
    usage: tuple[UsageStats, ...] = ()  # this incarnation's meters, cumulative
    sandbox_wait_s: float = 0.0  # this incarnation's, cumulative
    wall_s: float = 0.0


class NodeWorker:
    """A node's gapforge worker. Methods are coroutines, so Ray runs it as an async actor and
    up to ``max_concurrency`` seeds share its event loop, pool and clients."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.incarnation = secrets.token_hex(4)
        self._lock: asyncio.Lock | None = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._sandbox: MeteredSandbox | None = None
        self._models: Models | None = None
        self._meters: list[OpenAIChatModel] = []

    # ------------------------------------------------------------------ control

    def _info(self) -> WorkerInfo:
        import ray

        from gapforge.distributed._ray import node_ip

        return WorkerInfo(
            node_id=ray.get_runtime_context().get_node_id(),
            address=node_ip(),
            pid=os.getpid(),
            incarnation=self.incarnation,
            gapforge_version=__version__,
            sandbox_image=self._sandbox.image if self._sandbox is not None else "",
            ready=self._sandbox is not None,
        )

    async def ping(self) -> WorkerInfo:
        return self._info()

    async def start(self) -> WorkerInfo:
        """Open the sandbox and the clients now, so a broken node shows before seeds go to it."""
        await self._ensure_open()
        return self._info()

    async def close(self) -> None:
        stack, self._stack = self._stack, None
        self._sandbox = self._models = None
        if stack is not None:
            await asyncio.shield(stack.aclose())
        if self.spec.config.sandbox.backend in ("pool", "docker"):
            # A killed predecessor of this worker left its containers behind; their owner pid
            # is dead, so the stale-only sweep removes them and nothing of a live run.
            with contextlib.suppress(Exception):
                from gapforge.sandbox.docker import connect, sweep

                await asyncio.to_thread(lambda: sweep(connect()))

    async def _ensure_open(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._sandbox is not None:
                return
            cfg = self.spec.config
            stack = contextlib.AsyncExitStack()
            try:
                base_url: str | None = None
                if self.spec.demo_latency_s is not None:
                    from gapforge.demo.server import DemoServer

                    demo = DemoServer(latency_s=self.spec.demo_latency_s)
                    stack.enter_context(demo)
                    base_url = demo.base_url
                built: dict[str, OpenAIChatModel] = {}
                for role, rc in cfg.roles.configured().items():
                    update: dict[str, Any] = {
                        "max_concurrency": self.spec.role_concurrency.get(role, rc.max_concurrency)
                    }
                    if base_url is not None:
                        update["base_url"] = base_url
                    # The Generator keeps the driver's config (its hash is the run's provenance);
                    # only this node's clients see the node's URL and concurrency share.
                    model = OpenAIChatModel(role, rc.model_copy(update=update))
                    stack.push_async_callback(model.aclose)
                    built[role] = model
                sandbox = MeteredSandbox(
                    open_sandbox(
                        cfg.sandbox.backend,
                        limits=cfg.sandbox.limits,
                        max_concurrency=self.spec.sandbox_slots,
                        run_id=self.spec.run_id,
                    )
                )
                await stack.enter_async_context(sandbox)
            except BaseException:
                await asyncio.shield(stack.aclose())
                raise
            self._models = Models(
                challenger=built["challenger"],
                weak=built["weak"],
                strong=built["strong"],
                reviewer=built.get("reviewer") if cfg.reviewer_enabled else None,
            )
            self._meters = list(built.values())
            self._stack = stack
            self._sandbox = sandbox

    # ------------------------------------------------------------------ work

    async def run_seed(self, seed: Seed, epoch: int) -> SeedOutcome:
        t0 = time.monotonic()
        try:
            await self._ensure_open()
        except (GapforgeError, OSError) as exc:
            return SeedOutcome(
                seed_id=seed.id,
                status="unavailable",
                error=f"{type(exc).__name__}: {exc}",
                worker=self._info(),
                wall_s=time.monotonic() - t0,
            )
        assert self._models is not None
        assert self._sandbox is not None
        sink = BufferSink(self.spec.run_id, epoch)
        gen = Generator(
            self.spec.config,
            self._models,
            self._sandbox,
            sink,
            policy_rules=self.spec.policy_rules,
            policy_id=self.spec.policy_id,
        )
        status: OutcomeStatus = "finished"
        error = ""
        try:
            await gen.run_seed(seed)
        except GapforgeError as exc:  # SeedAborted included
            status, error = "aborted", f"{seed.topic}: {exc}"
        return SeedOutcome(
            seed_id=seed.id,
            status=status,
            error=error,
            records=tuple((table, record.model_dump_json()) for table, record in sink.records),
            executions=gen.stats.executions,
            worker=self._info(),
            usage=tuple(m.meter.snapshot() for m in self._meters),
            sandbox_wait_s=self._sandbox.wait_s,
            wall_s=time.monotonic() - t0,
        )
