"""Generation on a Ray cluster: seeds go to one worker per node; records come back to the driver.

::

    driver (this process)                          each Ray node with CPUs
    RunStore (the single writer)                   NodeWorker actor (async, pinned to the node)
    seed queue -- lanes, `slots` per node -------> run_seed(seed): Generator -> BufferSink
               <------ SeedOutcome (JSON lines) -- own warm sandbox pool (node's Docker engine)
    append records, SeedRecord last                own OpenAI clients (the node's share)

Exactly once: a worker never writes the run directory; the driver appends a seed's records when
its outcome arrives, the SeedRecord last, and only for a seed not yet written. A worker or node
that dies mid-seed loses only its outcome: the seed goes back to the queue and another lane
(another node, or the same node's restarted actor) runs it from scratch. After
``max_attempts`` losses a seed is counted failed and stays unfinished, so rerunning resumes it.
Nodes that join while the run goes are used; nodes that leave are dropped.

Back-pressure: a node holds at most ``slots`` seeds (``seeds_per_cpu`` x its CPUs, or its share
of ``concurrency``); its pool runs one execution per CPU; a shared endpoint's ``max_concurrency``
is split between nodes by CPU share (a loopback endpoint is per node and keeps its limit).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gapforge.config import RunConfig
from gapforge.dataset.records import ProblemRecord, RoundRecord, Seed, TextRecord
from gapforge.dataset.store import TABLES, RunStore
from gapforge.distributed import _ray
from gapforge.distributed.worker import NodeWorker, SeedOutcome, WorkerInfo, WorkerSpec
from gapforge.errors import ConfigError, GapforgeError, SandboxError
from gapforge.generators.loop import RunStats
from gapforge.generators.run import (
    ProgressCallback,
    RunProgress,
    RunRequest,
    RunSummary,
    run_generation,
)
from gapforge.llm import UsageStats


class RaySettings(BaseModel):
    """How the run uses the cluster (none of it changes what the run produces)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Seeds in flight per node CPU: generation waits on models, so a CPU serves several seeds.
    seeds_per_cpu: float = Field(default=2.0, gt=0, le=64)
    # Times a seed may lose its worker before it is left for a resumed run.
    max_attempts: int = Field(default=3, ge=1, le=20)
    # Times Ray restarts a node's worker process in place before the node is dropped.
    actor_restarts: int = Field(default=3, ge=0, le=100)
    start_timeout_s: float = Field(default=300.0, gt=0)  # a worker opening its pool (image checks)
    restart_timeout_s: float = Field(default=180.0, gt=0)  # a restarted worker answering again
    rescan_s: float = Field(default=30.0, gt=0)  # how often to look for nodes that joined
    # Send the roles' API key variables to the workers (Ray runtime_env); off: set them on every node.
    forward_keys: bool = True
    namespace: str = "gapforge"


@dataclass
class NodeReport:
    """One node's share of the run (the summary prints one line per node)."""

    node_id: str
    address: str
    cpus: float
    slots: int
    sandbox_slots: int
    seeds_finished: int = 0
    seeds_lost: int = 0  # outcomes lost because the worker or node died
    restarts: int = 0
    alive: bool = True
    note: str = ""
    sandbox_image: str = ""


@dataclass
class ClusterSummary(RunSummary):
    nodes: list[NodeReport] = field(default_factory=list)
    retried: int = 0  # seeds dispatched again after their worker was lost
    finished_by: dict[str, str] = field(default_factory=dict)  # seed id -> "node-address/pid"

    def lines(self) -> list[str]:
        out = super().lines()
        for n in self.nodes:
            state = "up" if n.alive else "lost"
            out.append(
                f"node {n.address} ({n.node_id[:8]}, {n.cpus:g} CPU, {n.slots} slot(s), pool {n.sandbox_slots}): "
                f"{n.seeds_finished} seed(s) done, {n.seeds_lost} lost, {n.restarts} restart(s), {state}"
                + (f"; {n.note}" if n.note else "")
            )
        if self.retried:
            out.append(f"{self.retried} seed(s) ran again after their worker was lost; each was written once")
        return out


@dataclass
class _Job:
    seed: Seed
    attempts: int = 0


@dataclass
class _Node:
    spec: _ray.NodeSpec
    report: NodeReport
    actor: Any
    incarnation: str = ""
    in_flight: int = 0
    check: asyncio.Task[bool] | None = None


def _slots(nodes: list[_ray.NodeSpec], concurrency: int | None, per_cpu: float) -> dict[str, int]:
    if concurrency is None:
        return {n.node_id: max(1, math.ceil(n.cpus * per_cpu)) for n in nodes}
    total = sum(n.cpus for n in nodes)
    return {n.node_id: max(1, round(concurrency * n.cpus / total)) for n in nodes}


def _role_shares(cfg: RunConfig, cpus: float, total_cpus: float, demo: bool) -> dict[str, int]:
    shares = {}
    for role, rc in cfg.roles.configured().items():
        if demo or _ray.node_local_url(rc.base_url):
            shares[role] = rc.max_concurrency
        else:
            shares[role] = max(1, math.floor(rc.max_concurrency * cpus / total_cpus))
    return shares


class _ClusterRun:
    """The driver's side of one run: nodes, lanes, the queue, and the single writer."""

    def __init__(
        self,
        cfg: RunConfig,
        store: RunStore,
        settings: RaySettings,
        *,
        concurrency: int | None,
        demo_latency_s: float | None,
        policy_rules: tuple[str, ...],
        policy_id: str | None,
        on_change: Callable[[RunStats], None],
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.settings = settings
        self.concurrency = concurrency
        self.demo_latency_s = demo_latency_s
        self.policy_rules = policy_rules
        self.policy_id = policy_id
        self.on_change = on_change
        self.stats = RunStats()
        self.nodes: dict[str, _Node] = {}
        self.tried: set[str] = set()  # node ids that got an actor (a dropped node is not retried)
        self.queue: asyncio.Queue[_Job] = asyncio.Queue()
        self.lanes: set[asyncio.Task[None]] = set()
        self.written: set[str] = set()
        self.remaining = 0
        self.all_done = asyncio.Event()
        self.retried = 0
        self.finished_by: dict[str, str] = {}
        self.usage: dict[str, tuple[UsageStats, ...]] = {}  # incarnation -> latest meters
        self.sandbox_wait: dict[str, float] = {}
        self.problems: list[str] = []  # why nodes could not be used

    # ------------------------------------------------------------------ accounting

    def total_tokens(self) -> int:
        return sum(u.total_tokens for snap in self.usage.values() for u in snap)

    def usage_by_role(self) -> list[UsageStats]:
        roles: dict[str, list[UsageStats]] = {}
        for snap in self.usage.values():
            for u in snap:
                roles.setdefault(u.role, []).append(u)
        return [UsageStats.combine(items, role=role) for role, items in roles.items()]

    def _changed(self) -> None:
        self.on_change(self.stats)

    def _settle(self, job: _Job) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.all_done.set()

    def _fail(self, job: _Job, reason: str) -> None:
        self.stats.seeds_failed += 1
        self.stats.note_error(f"{job.seed.topic}: {reason}")
        self._settle(job)
        self._changed()

    # ------------------------------------------------------------------ nodes

    async def add_nodes(self) -> int:
        """Start a worker on every CPU node not tried yet; the number that came up."""
        ray = _ray.require_ray()
        found = [n for n in await asyncio.to_thread(_ray.cpu_nodes) if n.node_id not in self.tried]
        if not found:
            return 0
        everyone = [n.spec for n in self.nodes.values() if n.report.alive] + found
        total_cpus = sum(n.cpus for n in everyone)
        slots = _slots(everyone, self.concurrency, self.settings.seeds_per_cpu)
        env = self._forwarded_env()
        actor_cls = ray.remote(NodeWorker)
        started: list[_Node] = []
        for spec in found:
            self.tried.add(spec.node_id)
            pool = self.cfg.sandbox.max_concurrency or max(1, int(spec.cpus))
            wspec = WorkerSpec(
                config=self.cfg,
                run_id=self.store.run_id,
                sandbox_slots=pool,
                role_concurrency=_role_shares(
                    self.cfg, spec.cpus, total_cpus, demo=self.demo_latency_s is not None
                ),
                demo_latency_s=self.demo_latency_s,
                policy_rules=self.policy_rules,
                policy_id=self.policy_id,
            )
            options: dict[str, Any] = {
                "scheduling_strategy": _ray.on_node(spec.node_id),
                # The pool's containers use the node's CPUs outside Ray's accounting; reserving
                # Ray CPUs too would only let an occupied node block the run.
                "num_cpus": 0,
                "max_restarts": self.settings.actor_restarts,
                "max_task_retries": 0,  # a lost seed is re-dispatched by us, never replayed blindly
                "max_concurrency": slots[spec.node_id] + 4,
                "name": f"gapforge-{self.store.run_id}-e{self.store.epoch}-{spec.node_id[:12]}",
                "namespace": self.settings.namespace,
            }
            if env:
                options["runtime_env"] = {"env_vars": env}
            actor = actor_cls.options(**options).remote(wspec)
            report = NodeReport(
                node_id=spec.node_id, address=spec.address, cpus=spec.cpus,
                slots=slots[spec.node_id], sandbox_slots=pool,
            )  # fmt: skip
            started.append(_Node(spec=spec, report=report, actor=actor))
        results = await asyncio.gather(*(self._start(n) for n in started))
        up = 0
        for node, info in zip(started, results, strict=True):
            if info is None:
                continue
            if info.gapforge_version != _version():
                self.problems.append(
                    f"node {node.spec.address} ({node.spec.node_id[:8]}) runs gapforge {info.gapforge_version}, "
                    f"the driver {_version()}: install the same version on every node"
                )
                await self._drop(node, "other gapforge version")
                continue
            node.incarnation = info.incarnation
            node.report.sandbox_image = info.sandbox_image
            self.nodes[node.spec.node_id] = node
            for _ in range(node.report.slots):
                self._spawn_lane(node)
            up += 1
        self._changed()
        return up

    def _forwarded_env(self) -> dict[str, str]:
        if not self.settings.forward_keys:
            return {}
        names = {rc.api_key_env for rc in self.cfg.roles.configured().values() if rc.api_key_env}
        return {name: os.environ[name] for name in sorted(names) if os.environ.get(name)}

    async def _start(self, node: _Node) -> WorkerInfo | None:
        where = f"node {node.spec.address} ({node.spec.node_id[:8]})"
        try:
            info: WorkerInfo = await asyncio.wait_for(
                node.actor.start.remote(), timeout=self.settings.start_timeout_s
            )
            return info
        except TimeoutError:
            reason = f"its worker did not open the sandbox within {self.settings.start_timeout_s:.0f} s"
        except Exception as exc:
            cause = getattr(exc, "cause", None) or exc
            reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        self.problems.append(f"{where}: {reason}")
        await self._drop(node, reason)
        return None

    async def _drop(self, node: _Node, reason: str) -> None:
        node.report.alive = False
        node.report.note = reason[:300]
        with contextlib.suppress(Exception):
            _ray.require_ray().kill(node.actor)

    async def _healthy(self, node: _Node) -> bool:
        """After a lost outcome: is the node's worker back (Ray restarts it in place)?"""
        if node.check is None or node.check.done():
            node.check = asyncio.create_task(self._probe(node))
        return await asyncio.shield(node.check)

    async def _probe(self, node: _Node) -> bool:
        deadline = time.monotonic() + self.settings.restart_timeout_s
        while node.report.alive:
            try:
                # start(), not a bare ping: a restarted worker reopens its pool (sweeping what
                # its killed predecessor left) before seeds go to it again.
                info: WorkerInfo = await asyncio.wait_for(
                    node.actor.start.remote(), timeout=max(1.0, deadline - time.monotonic())
                )
                break
            except Exception as exc:
                # "Unavailable" may pass (a restart, a network blip) unless the node is gone.
                if (
                    _ray.is_transient(exc)
                    and time.monotonic() < deadline
                    and await asyncio.to_thread(_ray.node_alive, node.spec.node_id)
                ):
                    await asyncio.sleep(1.0)
                    continue
                if node.report.alive:
                    await self._drop(node, f"worker lost for good ({type(exc).__name__})")
                    self._changed()
                return False
        else:
            return False
        if info.incarnation != node.incarnation:
            node.incarnation = info.incarnation
            node.report.restarts += 1
        return True

    # ------------------------------------------------------------------ lanes

    def _spawn_lane(self, node: _Node) -> None:
        task = asyncio.create_task(self._lane(node))
        self.lanes.add(task)
        task.add_done_callback(self.lanes.discard)

    async def _lane(self, node: _Node) -> None:
        while node.report.alive:
            job = await self.queue.get()
            if not node.report.alive:  # dropped while this lane waited
                self.queue.put_nowait(job)
                return
            node.in_flight += 1
            self._changed()
            try:
                outcome: SeedOutcome = await node.actor.run_seed.remote(job.seed, self.store.epoch)
            except Exception as exc:
                if not _ray.is_worker_lost(exc):
                    raise  # the worker's code raised: a bug stays loud, as on one machine
                node.report.seeds_lost += 1
                self._lost(job, f"worker on {node.spec.address} lost ({type(exc).__name__})")
                node.in_flight -= 1
                if not await self._healthy(node):
                    return
                continue
            node.in_flight -= 1
            if outcome.status == "unavailable":
                self.problems.append(f"node {node.spec.address} ({node.spec.node_id[:8]}): {outcome.error}")
                await self._drop(node, outcome.error)
                self.queue.put_nowait(job)  # not the seed's fault: it does not use up an attempt
                self._changed()
                return
            self._accept(job, outcome, node)

    def _lost(self, job: _Job, reason: str) -> None:
        job.attempts += 1
        if job.attempts >= self.settings.max_attempts:
            self._fail(job, f"{reason}; gave up after {job.attempts} attempts (rerun to resume it)")
            return
        self.retried += 1
        self.queue.put_nowait(job)
        self._changed()

    def _accept(self, job: _Job, outcome: SeedOutcome, node: _Node) -> None:
        self.usage[outcome.worker.incarnation] = outcome.usage
        self.sandbox_wait[outcome.worker.incarnation] = outcome.sandbox_wait_s
        seed_id = job.seed.id
        if seed_id in self.written:  # cannot happen (one dispatch at a time); never write twice
            self._changed()
            return
        if outcome.seed_id != seed_id:
            raise GapforgeError(f"a worker answered for seed {outcome.seed_id} when asked for {seed_id}")
        rows = [(table, TABLES[table].model_validate_json(line)) for table, line in outcome.records]
        # The SeedRecord marks the seed done: it goes last, after everything it vouches for.
        rows.sort(key=lambda row: row[0] == "seeds")
        for table, record in rows:
            if isinstance(record, TextRecord):
                self.store.write_text(record)  # content-addressed: stored once per run
            else:
                self.store.append(table, record)
            if isinstance(record, RoundRecord):
                self.stats.rounds += 1
                self.stats.verdicts[record.verdict.value] += 1
            elif isinstance(record, ProblemRecord) and outcome.status == "finished":
                self.stats.note_accepted(record.rounds_used)
        self.stats.executions += outcome.executions
        self.written.add(seed_id)
        if outcome.status == "finished":
            self.stats.seeds_done += 1
            node.report.seeds_finished += 1
            self.finished_by[seed_id] = f"{outcome.worker.address}/{outcome.worker.pid}"
            self._settle(job)
            self._changed()
        else:
            self._fail(job, outcome.error)

    # ------------------------------------------------------------------ the run

    async def run(self, seeds: list[Seed]) -> RunStats:
        done = self.store.done_seeds()
        todo = [s for s in seeds if s.id not in done]
        self.stats.seeds_total = len(seeds)
        self.stats.seeds_done = len(seeds) - len(todo)
        self.remaining = len(todo)
        for s in todo:
            self.queue.put_nowait(_Job(s))
        if not todo:
            self._changed()
            return self.stats
        if await self.add_nodes() == 0:
            raise self._no_nodes()
        while not self.all_done.is_set():
            done_wait = asyncio.create_task(self.all_done.wait())
            try:
                finished, _ = await asyncio.wait(
                    {done_wait, *self.lanes},
                    timeout=self.settings.rescan_s,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                done_wait.cancel()
            for task in finished:
                if task is not done_wait and not task.cancelled():
                    error = task.exception()
                    if error is not None:
                        raise error
            if self.all_done.is_set():
                break
            if not any(n.report.alive for n in self.nodes.values()) or not self.lanes:
                if await self.add_nodes() == 0:
                    while not self.queue.empty():
                        self._fail(
                            self.queue.get_nowait(), "no Ray node was left to run it (rerun to resume it)"
                        )
                    break
            elif not finished:
                await self.add_nodes()  # nodes that joined meanwhile
        return self.stats

    def _no_nodes(self) -> GapforgeError:
        if not self.problems:
            return ConfigError(
                "the Ray cluster has no alive node with CPUs; add nodes with `ray start --address=HEAD:6379` "
                "(a head started with --num-cpus=0 only drives)"
            )
        listed = "\n".join(f"  {p}" for p in self.problems)
        return SandboxError(
            f"no Ray node could run gapforge workers:\n{listed}\n"
            "every node needs a Docker engine, the sandbox image (`gapforge images build` on each node) and "
            "the same gapforge version; see docs/ray.md"
        )

    async def close(self) -> None:
        for task in list(self.lanes):
            task.cancel()
        await asyncio.gather(*self.lanes, return_exceptions=True)
        ray = _ray.require_ray()

        async def stop(node: _Node) -> None:
            if node.report.alive:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(node.actor.close.remote(), timeout=60)
            with contextlib.suppress(Exception):
                ray.kill(node.actor)

        await asyncio.gather(*(stop(n) for n in self.nodes.values()))


def _version() -> str:
    from gapforge import __version__

    return __version__


@dataclass(frozen=True)
class RayRunner:
    """Seeds on a Ray cluster (the :class:`~gapforge.generators.run.Runner` protocol).

    ``address``: ``auto`` (this machine's cluster), ``local`` (a private instance) or the head's
    ``HOST:PORT``. ``concurrency``: seeds in flight across the cluster (default: ``seeds_per_cpu``
    per CPU of each node). ``demo_latency_s``: every node serves the offline demo models itself
    (``gapforge demo --ray``), so nodes need not reach the driver.
    """

    address: str = "auto"
    concurrency: int | None = None
    settings: RaySettings = field(default_factory=RaySettings)
    demo_latency_s: float | None = None

    @contextlib.contextmanager
    def connect(self) -> Iterator[object]:
        # ray.init wants the main thread, and a wrong address must leave the run dir untouched:
        # so this runs before the run store is opened.
        if self.concurrency is not None and self.concurrency < 1:
            raise ConfigError("--concurrency must be at least 1")
        _ray.require_ray()
        owns_ray = _ray.connect(self.address)
        try:
            yield None
        finally:
            if owns_ray:
                with contextlib.suppress(Exception):
                    _ray.require_ray().shutdown()

    async def run(self, request: RunRequest) -> ClusterSummary:
        feed = request.progress
        cluster = _ClusterRun(
            request.cfg, request.store, self.settings, concurrency=self.concurrency,
            demo_latency_s=self.demo_latency_s, policy_rules=request.policy_rules,
            policy_id=request.policy_id, on_change=lambda _stats: feed.changed(),
        )  # fmt: skip

        def snapshot() -> RunProgress:
            live = [n for n in cluster.nodes.values() if n.report.alive]
            return RunProgress.of(
                cluster.stats, tokens=cluster.total_tokens(), nodes=len(live),
                in_flight=sum(n.in_flight for n in live), retried=cluster.retried,
            )  # fmt: skip

        feed.snapshot = snapshot
        try:
            async with feed.ticking():
                stats = await cluster.run(list(request.seeds))
        finally:
            await asyncio.shield(cluster.close())
        summary = ClusterSummary(
            out=request.store.root,
            stats=stats,
            usage=cluster.usage_by_role(),
            wall_s=0.0,
            sandbox_wait_s=sum(cluster.sandbox_wait.values()),
            nodes=[n.report for n in cluster.nodes.values()],
            retried=cluster.retried,
            finished_by=dict(cluster.finished_by),
        )
        summary.notes += [f"not used: {p}" for p in cluster.problems]
        images = sorted({n.report.sandbox_image for n in cluster.nodes.values() if n.report.sandbox_image})
        if len(images) > 1:
            summary.notes.append(
                f"nodes ran different sandbox images ({', '.join(images)}): build them with the same --base "
                "on every node so the records' provenance agrees"
            )
        return summary


async def generate_on_ray(
    cfg: RunConfig,
    seeds: list[Seed],
    out: Path,
    *,
    address: str = "auto",
    force_new: bool = False,
    concurrency: int | None = None,
    on_progress: ProgressCallback | None = None,
    policy_rules: tuple[str, ...] = (),
    policy_id: str | None = None,
    settings: RaySettings | None = None,
    demo_latency_s: float | None = None,
) -> ClusterSummary:
    """Run (or resume) generation into ``out`` on a Ray cluster: :func:`run_generation` with a
    :class:`RayRunner`; the same run directory as the local runner's (one may resume the other)."""
    runner = RayRunner(
        address=address, concurrency=concurrency, settings=settings or RaySettings(),
        demo_latency_s=demo_latency_s,
    )  # fmt: skip
    summary = await run_generation(
        cfg, seeds, out, runner=runner, force_new=force_new, policy_id=policy_id,
        policy_rules=policy_rules, on_progress=on_progress,
    )  # fmt: skip
    assert isinstance(summary, ClusterSummary)
    return summary
