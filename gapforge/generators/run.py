"""One generation run, whichever runner runs it: open the run store and bind the policy, run the
seeds, report progress to a plain callback, and return one :class:`RunSummary`.

::

    run_generation(cfg, seeds, out, runner=LocalRunner() | RayRunner(...), on_progress=callback)
      -> runner.connect()            (Ray: reach the cluster before the run directory is touched)
      -> RunStore.open + bind_policy (the store refuses a resume under another challenger policy)
      -> runner.run(RunRequest)      (local: the loop on this machine; Ray: seeds sent to nodes)
      -> RunSummary                  (ClusterSummary on Ray: the same, plus per-node lines)

The library never draws: progress reaches the caller as :class:`RunProgress` snapshots, and the
CLI turns them into its live display (``gapforge.cli_progress``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from gapforge.config import RunConfig, validate_environment
from gapforge.dataset.records import Seed
from gapforge.dataset.store import RunStore
from gapforge.generators.loop import Generator, Models, RunStats
from gapforge.llm import OpenAIChatModel, UsageStats
from gapforge.sandbox import Sandbox, open_sandbox
from gapforge.sandbox.engine import find_engine
from gapforge.sandbox.metered import MeteredSandbox

__all__ = [
    "LocalRunner",
    "ProgressCallback",
    "RunProgress",
    "RunRequest",
    "RunSummary",
    "Runner",
    "generate",
    "run_generation",
]

log = logging.getLogger(__name__)
TICK_S = 1.0  # progress is reported on every change and at least this often (outage clocks move)


@dataclass(frozen=True)
class RunProgress:
    """A snapshot of a run for a progress display; the runner sends one on every change.

    ``message`` is set on a snapshot that carries a line worth showing once (an engine outage
    began or ended, a torn record was moved aside); ``waiting`` is a condition that holds while
    it lasts. ``nodes``, ``in_flight`` and ``retried`` are set by the Ray runner only.
    """

    seeds_total: int = 0
    seeds_done: int = 0
    seeds_failed: int = 0
    accepted: int = 0
    rounds: int = 0
    executions: int = 0
    tokens: int = 0
    verdicts: tuple[tuple[str, int], ...] = ()  # most common first
    elapsed_s: float = 0.0
    waiting: str | None = None
    message: str | None = None
    nodes: int | None = None
    in_flight: int | None = None
    retried: int = 0

    @classmethod
    def of(
        cls,
        stats: RunStats,
        *,
        tokens: int,
        waiting: str | None = None,
        nodes: int | None = None,
        in_flight: int | None = None,
        retried: int = 0,
    ) -> RunProgress:
        return cls(
            seeds_total=stats.seeds_total,
            seeds_done=stats.seeds_done,
            seeds_failed=stats.seeds_failed,
            accepted=stats.accepted,
            rounds=stats.rounds,
            executions=stats.executions,
            tokens=tokens,
            verdicts=tuple(stats.verdicts.most_common()),
            elapsed_s=time.monotonic() - stats.started,
            waiting=waiting,
            nodes=nodes,
            in_flight=in_flight,
            retried=retried,
        )


ProgressCallback = Callable[[RunProgress], None]


class ProgressFeed:
    """Sends a runner's snapshots to the caller's callback (or, without one, its notes to the log)."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self.snapshot: Callable[[], RunProgress] = RunProgress  # the runner installs its own

    def changed(self) -> None:
        if self._callback is not None:
            self._callback(self.snapshot())

    def say(self, message: str) -> None:
        if self._callback is not None:
            self._callback(replace(self.snapshot(), message=message))
        else:
            log.warning("%s", message)

    @contextlib.asynccontextmanager
    async def ticking(self) -> AsyncIterator[None]:
        """Report at least every ``TICK_S`` while the body runs, so clocks in the display move."""
        if self._callback is None:
            yield
            return

        async def tick() -> None:
            while True:
                await asyncio.sleep(TICK_S)
                self.changed()

        task = asyncio.create_task(tick())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@dataclass
class RunSummary:
    """What a finished (or interrupted) run produced."""

    out: Path
    stats: RunStats
    usage: list[UsageStats]
    wall_s: float
    sandbox_wait_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def total_tokens(self) -> int:
        return sum(u.total_tokens for u in self.usage)

    @property
    def cost_usd(self) -> float:
        return sum(u.cost_usd for u in self.usage)

    def lines(self) -> list[str]:
        s = self.stats
        mix = ", ".join(f"{k} {v}" for k, v in s.verdicts.most_common())
        out = [
            f"accepted {s.accepted} of {s.seeds_total} seeds ({s.seeds_done} finished, {s.seeds_failed} failed on infrastructure)",
            f"rounds {s.rounds}; mean rounds per accepted problem {s.mean_rounds:.2f}",
            f"verdicts: {mix or 'none'}",
            f"executions {s.executions}; tokens {self.total_tokens:,}; cost ${self.cost_usd:.4f}",
            f"wall time {self.wall_s:.1f} s; output {self.out}",
        ]
        out += [f"error: {e}" for e in s.errors[:5]]
        more = len(s.errors) - 5 + s.errors_dropped
        if more > 0:
            out.append(f"... and {more} more error(s)")
        return out + self.notes


@contextlib.asynccontextmanager
async def role_models(cfg: RunConfig) -> AsyncIterator[tuple[Models, list[OpenAIChatModel]]]:
    built = {role: OpenAIChatModel(role, rc) for role, rc in cfg.roles.configured().items()}
    try:
        models = Models(
            challenger=built["challenger"],
            weak=built["weak"],
            strong=built["strong"],
            reviewer=built.get("reviewer") if cfg.reviewer_enabled else None,
        )
        yield models, list(built.values())
    finally:
        for m in built.values():
            await m.aclose()


@dataclass(frozen=True)
class RunRequest:
    """What every runner is given: the run store is open and bound to the policy."""

    cfg: RunConfig
    seeds: tuple[Seed, ...]
    store: RunStore
    policy_id: str | None
    policy_rules: tuple[str, ...]
    progress: ProgressFeed


class Runner(Protocol):
    """Where the seeds of a run are worked on: this machine (:class:`LocalRunner`) or a Ray
    cluster (:class:`gapforge.distributed.RayRunner`). Both write the same run directory, so one
    may resume what the other started."""

    def connect(self) -> contextlib.AbstractContextManager[object]:
        """Reach what the runner needs before the run directory is touched (a wrong cluster
        address must leave it as it was)."""
        ...

    async def run(self, request: RunRequest) -> RunSummary:
        """Work on the seeds not finished yet; ``wall_s`` and the common notes are filled in by
        :func:`run_generation`."""
        ...


@dataclass(frozen=True)
class LocalRunner:
    """The loop on this machine: ``concurrency`` seeds at once over one sandbox.

    ``sandbox``: an entered sandbox to use (it stays the caller's to close); by default the
    config's backend is opened for the run and closed after it.
    """

    concurrency: int = 4
    sandbox: Sandbox | None = None

    def connect(self) -> contextlib.AbstractContextManager[object]:
        if self.concurrency < 1:
            from gapforge.errors import ConfigError

            raise ConfigError("--concurrency must be at least 1")
        return contextlib.nullcontext()

    async def run(self, request: RunRequest) -> RunSummary:
        cfg, store, feed = request.cfg, request.store, request.progress
        if self.sandbox is not None:
            timed = MeteredSandbox(self.sandbox, owned=False)
        else:
            timed = MeteredSandbox(
                open_sandbox(
                    cfg.sandbox.backend,
                    limits=cfg.sandbox.limits,
                    max_concurrency=cfg.sandbox.max_concurrency,
                    run_id=store.run_id,
                    engine_wait_s=cfg.sandbox.engine_wait_s,
                )
            )
        engine = find_engine(timed)
        if engine is not None and engine.on_event is None:
            engine.on_event = feed.say
        async with timed, role_models(cfg) as (models, meters):
            gen = Generator(
                cfg,
                models,
                timed,
                store,
                policy_rules=request.policy_rules,
                policy_id=request.policy_id,
                on_change=lambda _stats: feed.changed(),
            )

            def snapshot() -> RunProgress:
                tokens = sum(m.meter.snapshot().total_tokens for m in meters)
                waiting = engine.status() if engine is not None else None
                return RunProgress.of(gen.stats, tokens=tokens, waiting=waiting)

            feed.snapshot = snapshot
            async with feed.ticking():
                stats = await gen.run(list(request.seeds), concurrency=self.concurrency)
            usage = [m.meter.snapshot() for m in meters]
        return RunSummary(out=store.root, stats=stats, usage=usage, wall_s=0.0, sandbox_wait_s=timed.wait_s)


async def run_generation(
    cfg: RunConfig,
    seeds: Sequence[Seed],
    out: str | Path,
    *,
    runner: Runner | None = None,
    force_new: bool = False,
    policy_id: str | None = None,
    policy_rules: Sequence[str] = (),
    on_progress: ProgressCallback | None = None,
) -> RunSummary:
    """Run (or resume) generation into ``out`` with ``runner`` (default: :class:`LocalRunner`).

    Configuration problems raise before any work. A directory made by another config, or bound
    to another challenger policy, is refused (RunStoreError) unless ``force_new``. ``on_progress``
    gets a :class:`RunProgress` on every change and at least once a second.
    """
    runner = runner or LocalRunner()
    out = Path(out)
    validate_environment(cfg)
    feed = ProgressFeed(on_progress)
    t0 = time.monotonic()
    with runner.connect():
        store = RunStore.open(
            out, config_hash=cfg.config_hash, config=cfg.model_dump(mode="json"), force_new=force_new
        )
        try:
            store.min_free_mb = cfg.output.min_free_mb
            store.bind_policy(policy_id, policy_rules)
            for table, size in store.torn.items():
                feed.say(
                    f"note: records/{table}.jsonl ended in a torn line ({size} bytes, a write a crash or a "
                    f"full disk interrupted); moved to records/{table}.jsonl.torn before resuming"
                )
            request = RunRequest(
                cfg=cfg,
                seeds=tuple(seeds),
                store=store,
                policy_id=policy_id,
                policy_rules=tuple(policy_rules),
                progress=feed,
            )
            summary = await runner.run(request)
        finally:
            store.close()
    summary.out = out
    summary.wall_s = time.monotonic() - t0
    if summary.stats.seeds_failed:
        summary.notes.insert(
            0,
            f"{summary.stats.seeds_failed} seed(s) stopped on infrastructure errors; rerun the same "
            "command to resume them",
        )
    return summary


async def generate(
    cfg: RunConfig,
    seeds: Sequence[Seed],
    out: str | Path,
    *,
    force_new: bool = False,
    concurrency: int = 4,
    on_progress: ProgressCallback | None = None,
    policy_rules: Sequence[str] = (),
    policy_id: str | None = None,
    sandbox: Sandbox | None = None,
) -> RunSummary:
    """Run (or resume) generation on this machine: :func:`run_generation` with a :class:`LocalRunner`."""
    return await run_generation(
        cfg,
        seeds,
        out,
        runner=LocalRunner(concurrency=concurrency, sandbox=sandbox),
        force_new=force_new,
        policy_id=policy_id,
        policy_rules=policy_rules,
        on_progress=on_progress,
    )
