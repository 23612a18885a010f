"""Wiring for one generation run: config -> models, sandbox, run store -> the loop, with a live
progress display. The CLI's `generate` and `demo` commands are thin calls into :func:`generate`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from gapforge.config import RunConfig, validate_environment
from gapforge.dataset.records import Seed
from gapforge.dataset.store import RunStore
from gapforge.errors import RunStoreError
from gapforge.generators.loop import Generator, Models, RunStats
from gapforge.llm import OpenAIChatModel, UsageStats
from gapforge.sandbox import Sandbox, open_sandbox
from gapforge.sandbox.engine import EngineWatch, find_engine
from gapforge.sandbox.metered import MeteredSandbox


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


class ProgressDisplay:
    """Seeds bar with rate and ETA, plus a line of live counters."""

    def __init__(
        self,
        console: Console,
        meters: list[OpenAIChatModel],
        enabled: bool = True,
        engine: EngineWatch | None = None,
    ) -> None:
        self.console = console
        self.meters = meters
        self.enabled = enabled
        self.engine = engine
        self.progress = Progress(
            TextColumn("[bold]seeds"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task("seeds", total=None, rate="")
        self.stats: RunStats | None = None
        self.live: Live | None = None

    def _counters(self) -> Text:
        s = self.stats
        if s is None:
            return Text("")
        tokens = sum(m.meter.snapshot().total_tokens for m in self.meters)
        mix = " ".join(f"{k}:{v}" for k, v in s.verdicts.most_common())
        line = Text(
            f"accepted {s.accepted}  rounds {s.rounds}  executions {s.executions}  tokens {tokens:,}  [{mix}]",
            style="cyan",
        )
        waiting = self.engine.status() if self.engine is not None else None
        if waiting:
            line.append("\n" + waiting, style="bold yellow")
        return line

    def update(self, stats: RunStats) -> None:
        self.stats = stats
        elapsed = max(time.monotonic() - stats.started, 1e-6)
        rate = f"{stats.accepted / elapsed * 60:.1f} accepted/min"
        self.progress.update(self.task, total=stats.seeds_total, completed=stats.seeds_done, rate=rate)
        if self.live is not None:
            self.live.update(Group(self.progress, self._counters()))

    @contextlib.contextmanager
    def shown(self) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        live = Live(
            get_renderable=lambda: Group(self.progress, self._counters()),
            console=self.console,
            refresh_per_second=4,
        )
        with live:
            self.live = live
            yield
        self.live = None


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


async def generate(
    cfg: RunConfig,
    seeds: list[Seed],
    out: Path,
    *,
    force_new: bool = False,
    concurrency: int = 4,
    console: Console | None = None,
    progress: bool = True,
    policy_rules: tuple[str, ...] = (),
    policy_id: str | None = None,
    sandbox: Sandbox | None = None,
) -> RunSummary:
    """Run (or resume) generation into ``out``. Configuration problems raise before any work."""
    validate_environment(cfg)
    console = console or Console(stderr=True)
    store = RunStore.open(
        out, config_hash=cfg.config_hash, config=cfg.model_dump(mode="json"), force_new=force_new
    )
    store.min_free_mb = cfg.output.min_free_mb
    for table, size in store.torn.items():
        console.print(
            f"note: records/{table}.jsonl ended in a torn line ({size} bytes, a write a crash or a full "
            f"disk interrupted); moved to records/{table}.jsonl.torn before resuming",
            markup=False,
            highlight=False,
        )
    policy_meta = store.meta.get("policy")
    recorded = policy_meta.get("policy_id") if isinstance(policy_meta, dict) else None
    if isinstance(policy_meta, dict) and recorded != policy_id:
        store.close()
        raise RunStoreError(
            f"{out} was generated with challenger policy {recorded or 'none'}, this run uses {policy_id or 'none'}; "
            "resume with the same --policy, choose another --out, or pass --force-new"
        )
    store.meta["policy"] = {"policy_id": policy_id, "policy": {"rules": list(policy_rules)}}
    t0 = time.monotonic()
    try:
        if sandbox is not None:
            timed = MeteredSandbox(sandbox, owned=False)
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
            engine.on_event = lambda message: console.print(message, markup=False, highlight=False)
        async with timed, role_models(cfg) as (models, meters):
            display = ProgressDisplay(console, meters, enabled=progress, engine=engine)
            gen = Generator(
                cfg,
                models,
                timed,
                store,
                policy_rules=policy_rules,
                policy_id=policy_id,
                on_change=display.update,
            )
            with display.shown():
                stats = await gen.run(seeds, concurrency=concurrency)
            usage = [m.meter.snapshot() for m in meters]
    finally:
        store.close()
    wall = time.monotonic() - t0
    summary = RunSummary(out=out, stats=stats, usage=usage, wall_s=wall, sandbox_wait_s=timed.wait_s)
    if stats.seeds_failed:
        summary.notes.append(
            f"{stats.seeds_failed} seed(s) stopped on infrastructure errors; rerun the same command to resume them"
        )
    return summary
