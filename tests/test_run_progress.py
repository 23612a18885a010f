"""The library reports progress through a plain callback (no display of its own)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from gapforge.generators import run as run_module
from gapforge.generators.loop import RunStats
from gapforge.generators.run import ProgressFeed, RunProgress


def test_a_snapshot_copies_the_counters() -> None:
    stats = RunStats(seeds_total=3, seeds_done=1, accepted=1, rounds=2, executions=9)
    stats.verdicts.update({"too_easy": 1, "accepted": 1})
    p = RunProgress.of(stats, tokens=120, waiting="Docker engine unreachable since 12:00:00")
    assert (p.seeds_total, p.seeds_done, p.accepted, p.rounds, p.executions, p.tokens) == (3, 1, 1, 2, 9, 120)
    assert dict(p.verdicts) == {"too_easy": 1, "accepted": 1} and p.nodes is None
    stats.accepted += 1
    assert p.accepted == 1, "a snapshot must not move with the live counters"


def test_notes_go_to_the_callback_or_else_to_the_log(caplog: pytest.LogCaptureFixture) -> None:
    got: list[RunProgress] = []
    feed = ProgressFeed(got.append)
    feed.snapshot = lambda: RunProgress(seeds_total=2)
    feed.changed()
    feed.say("Docker engine is back")
    assert [(p.seeds_total, p.message) for p in got] == [(2, None), (2, "Docker engine is back")]
    with caplog.at_level(logging.WARNING, logger="gapforge.generators.run"):
        ProgressFeed(None).say("note: records/rounds.jsonl ended in a torn line")
    assert "torn line" in caplog.text


def test_progress_keeps_coming_while_nothing_changes(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An outage clock in the display must move even when no counter does."""
    monkeypatch.setattr(run_module, "TICK_S", 0.01)
    got: list[RunProgress] = []
    feed = ProgressFeed(got.append)

    async def quiet_run() -> None:
        async with feed.ticking():
            await asyncio.sleep(0.2)

    run(quiet_run())
    assert len(got) >= 5
    n = len(got)
    run(asyncio.sleep(0.05))
    assert len(got) == n, "the ticker must stop with the run"
