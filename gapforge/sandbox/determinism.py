"""Repeat-run check: a verdict that changes between identical runs is flaky, not a score."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

from gapforge.sandbox.base import ExecutionResult, Limits, Program, Sandbox


@dataclass(frozen=True)
class RepeatReport:
    runs: int
    results: tuple[ExecutionResult, ...]
    flaky_tests: tuple[str, ...]
    infrastructure_failures: int

    @property
    def flaky(self) -> bool:
        return bool(self.flaky_tests) or len({r.status for r in self.scored}) > 1

    @property
    def scored(self) -> tuple[ExecutionResult, ...]:
        return tuple(r for r in self.results if not r.status.is_infrastructure)

    @property
    def verdicts(self) -> Counter[str]:
        return Counter(r.status.value for r in self.results)


async def repeat_run(
    sandbox: Sandbox,
    program: Program,
    limits: Limits | None = None,
    *,
    runs: int = 3,
    concurrent: bool = False,
) -> RepeatReport:
    """Run ``program`` ``runs`` times; name every test whose status was not the same every time."""
    if concurrent:
        results = list(await asyncio.gather(*(sandbox.run(program, limits) for _ in range(runs))))
    else:
        results = [await sandbox.run(program, limits) for _ in range(runs)]
    seen: dict[str, set[str]] = {}
    for r in results:
        if r.status.is_infrastructure:
            continue
        for t in r.tests:
            seen.setdefault(t.name, set()).add(t.status.value)
        names = {t.name for t in r.tests}
        for other in seen:
            if other not in names:
                seen[other].add("missing")
    flaky = tuple(sorted(n for n, s in seen.items() if len(s) > 1))
    infra = sum(r.status.is_infrastructure for r in results)
    return RepeatReport(runs=runs, results=tuple(results), flaky_tests=flaky, infrastructure_failures=infra)
