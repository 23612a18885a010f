"""The generator's scheduling: memory must not grow with the number of seeds of a run.

These run the real :class:`Generator.run` with the per-seed work replaced by a coroutine that only
records what it sees; the loop's own work is covered end to end in test_e2e_loop.py.
"""

from __future__ import annotations

import asyncio
import types
from typing import Any

import pytest

from gapforge.config import demo_config
from gapforge.dataset.records import Seed
from gapforge.dataset.store import BufferSink
from gapforge.errors import SandboxError
from gapforge.generators.loop import Generator, Models, RunStats
from gapforge.llm import OpenAIChatModel


def _seeds(n: int) -> list[Seed]:
    return [Seed(id=f"s-{i:06d}", topic=f"topic {i}") for i in range(n)]


def _generator(done: set[str] | None = None) -> Generator:
    cfg = demo_config("http://127.0.0.1:9/v1")  # never called: run_seed is replaced below
    roles = cfg.roles.configured()
    models = Models(*(OpenAIChatModel(r, roles[r]) for r in ("challenger", "weak", "strong")))
    sandbox = types.SimpleNamespace(name="unused")
    return Generator(cfg, models, sandbox=sandbox, store=BufferSink("run", 1, done))  # type: ignore[arg-type]


@pytest.mark.parametrize("n_seeds", [10, 2000])
def test_tasks_in_flight_stay_at_the_concurrency_whatever_the_number_of_seeds(n_seeds: int) -> None:
    gen = _generator()
    seen: list[str] = []
    peak = {"in_flight": 0, "tasks": 0}
    in_flight = 0

    async def fake_run_seed(seed: Seed) -> Any:
        nonlocal in_flight
        in_flight += 1
        peak["in_flight"] = max(peak["in_flight"], in_flight)
        peak["tasks"] = max(peak["tasks"], len(asyncio.all_tasks()))
        await asyncio.sleep(0)
        seen.append(seed.id)
        in_flight -= 1

    gen.run_seed = fake_run_seed  # type: ignore[method-assign]
    stats = asyncio.run(gen.run(_seeds(n_seeds), concurrency=4))
    assert sorted(seen) == [s.id for s in _seeds(n_seeds)]  # every seed exactly once
    assert peak["in_flight"] == 4
    # the main task + one task per worker; not one per seed
    assert peak["tasks"] <= 1 + 4, peak
    assert stats.seeds_total == n_seeds


def test_finished_seeds_are_skipped_and_failures_are_counted_but_capped() -> None:
    seeds = _seeds(200)
    gen = _generator(done={s.id for s in seeds[:50]})
    ran: list[str] = []

    async def failing(seed: Seed) -> Any:
        ran.append(seed.id)
        raise SandboxError(f"engine gone for {seed.id}")

    gen.run_seed = failing  # type: ignore[method-assign]
    stats = asyncio.run(gen.run(seeds, concurrency=3))
    assert ran == [s.id for s in seeds[50:]]
    assert stats.seeds_failed == 150
    assert len(stats.errors) == RunStats.MAX_ERRORS
    assert stats.errors_dropped == 150 - RunStats.MAX_ERRORS
    assert "engine gone for s-000050" in stats.errors[0]


def test_mean_rounds_is_over_accepted_problems() -> None:
    stats = RunStats()
    assert stats.mean_rounds == 0.0
    for r in (1, 2, 6):
        stats.note_accepted(r)
    assert stats.accepted == 3
    assert stats.mean_rounds == pytest.approx(3.0)
