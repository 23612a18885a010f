"""Hardening and the false-pass check: surviving mutants against the differential suite, and
known-wrong programs against a problem's final hidden suites."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from gapforge.errors import ConfigError
from gapforge.models import Problem
from gapforge.sandbox.base import Limits, Sandbox, Status
from gapforge.verifiers.budgets import mutant_limits
from gapforge.verifiers.mutation import Mutant, MutantRecord, MutationReport, reference_mutants
from gapforge.verifiers.oracle.models import (
    DifferentialSuite,
    FalsePassReport,
    HardenedMutant,
    HardeningReport,
    HiddenSuite,
    KnownWrong,
)
from gapforge.verifiers.oracle.suite import raise_if_infra, render_suite


def surviving_mutants(
    problem: Problem, report: MutationReport, *, max_mutants: int = 30, seed: int = 0
) -> tuple[Mutant, ...]:
    """The mutants behind ``report``'s survivors (and equivalence suspects), rebuilt with the
    parameters :func:`~gapforge.verifiers.mutation.mutation_score` used."""
    return _rebuilt(problem, (*report.survived, *report.equivalent_suspects), max_mutants, seed)


def killed_mutants(
    problem: Problem, report: MutationReport, *, max_mutants: int = 30, seed: int = 0
) -> tuple[Mutant, ...]:
    """The mutants ``report`` says the tests killed (known-wrong programs), rebuilt likewise."""
    return _rebuilt(problem, report.killed, max_mutants, seed)


def _rebuilt(
    problem: Problem, records: Sequence[MutantRecord], max_mutants: int, seed: int
) -> tuple[Mutant, ...]:
    wanted = {(r.description, r.diff) for r in records}
    if not wanted:
        return ()
    mutants, _ = reference_mutants(problem, max_mutants, seed=seed)
    return tuple(m for m in mutants if (m.description, m.diff) in wanted)


async def harden(
    sandbox: Sandbox,
    problem: Problem,
    suite: DifferentialSuite,
    survivors: Sequence[Mutant],
    limits: Limits | None = None,
) -> HardeningReport:
    """Run each surviving mutant on the differential suite: the cases that kill it become hidden
    tests; a mutant no case kills is probably equivalent. ``limits`` defaults to the mutant budget
    scaled to the reference's CPU time on the suite."""
    if suite.suite is None:  # no input to try: nothing can be said about any survivor
        return HardeningReport(untested=tuple(m.description for m in survivors))
    if not survivors:
        return HardeningReport()
    hidden = suite.suite
    lim = limits or mutant_limits(Limits(), suite.reference_cpu_s)
    results = await asyncio.gather(*(sandbox.run(hidden.program(m.source), lim) for m in survivors))
    killed: list[HardenedMutant] = []
    equivalent: list[HardenedMutant] = []
    first: list[str] = []
    for m, r in zip(survivors, results, strict=True):
        raise_if_infra(r, f"a mutant ({m.description})")
        if r.passed:
            equivalent.append(HardenedMutant(description=m.description, killed=False, status=r.status))
            continue
        names = tuple(hidden.case_name(t.name) for t in r.tests if t.status is not Status.PASSED)
        killed.append(
            HardenedMutant(description=m.description, killed=True, killing_cases=names, status=r.status)
        )
        if names and names[0] not in first:
            first.append(names[0])
    by_name = {c.name: c for c in suite.cases}
    cases = tuple(by_name[n] for n in first if n in by_name)
    return HardeningReport(
        killed=tuple(killed),
        probably_equivalent=tuple(equivalent),
        cases=cases,
        suite=render_suite(problem, cases, suite.float_tolerance, name="hardening") if cases else None,
    )


# --------------------------------------------------------------------------- false passes


async def false_passes(
    sandbox: Sandbox,
    suites: Sequence[HiddenSuite],
    wrong: Sequence[KnownWrong],
    limits: Limits | None = None,
) -> FalsePassReport:
    """Which known-wrong programs pass every suite (a problem with any must not be accepted).
    A program is judged suite by suite and stops at the first it fails; ``limits`` should be the
    budget solvers are judged under (default: the sandbox's), and a suite with its own
    ``cpu_limit_s`` gets that CPU limit, as solvers do."""
    if not suites:
        raise ConfigError("the false-pass check needs at least one hidden suite")

    async def passes_all(w: KnownWrong) -> bool:
        for s in suites:
            lim = limits
            if s.cpu_limit_s:
                lim = (limits or Limits()).with_cpu(s.cpu_limit_s)
            r = await sandbox.run(s.program(w.source), lim)
            raise_if_infra(r, f"a known-wrong program ({w.label})")
            if not r.passed:
                return False
        return True

    verdicts = await asyncio.gather(*(passes_all(w) for w in wrong))
    return FalsePassReport(
        checked=len(wrong), passing=tuple(w.label for w, ok in zip(wrong, verdicts, strict=True) if ok)
    )
