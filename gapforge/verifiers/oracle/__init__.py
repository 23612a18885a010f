"""Test oracles you can measure: differential suites, hardening against surviving mutants, and the
false-pass check.

API::

    build_differential_suite(sandbox, problem, config=OracleConfig(), limits=None) -> DifferentialSuite
    harden(sandbox, problem, suite, survivors, limits=None)                        -> HardeningReport
    surviving_mutants(problem, report, *, max_mutants=30, seed=0)                   -> tuple[Mutant, ...]
    killed_mutants(problem, report, *, max_mutants=30, seed=0)                      -> tuple[Mutant, ...]
    false_passes(sandbox, suites, wrong, limits=None)                               -> FalsePassReport
    oracle_measures(suite, hardening=None, false_pass=None)                         -> OracleMeasures
    trim_suite(problem, built, keep, config)                                        -> DifferentialSuite
    render_suite(problem, cases, tol, cpu_per_input_s=1.0, *, name="differential") -> HiddenSuite | None
    HiddenSuite.of(problem)  the problem's own hidden tests as a suite; .program(solution) runs one
    DifferentialSuite.defects()  what the build found wrong with the problem (generator, validator,
                             reference), as reasons for the challenger

A *differential suite* is an extra hidden test suite: inputs drawn from the challenger's input
generator (seeded: the same seed gives the same inputs), boundary variants of those inputs and
type-aware mutations of the inputs the tests and examples already use (kept only when the input
validator accepts them), each with the answer the reference gives in the sandbox. Inputs on which
the reference fails, runs out of time or answers differently twice are dropped and reported.

Problem code (generator, validator, checker, reference, mutants) only ever runs in the sandbox:
the host reads back text and parses it with ``ast.literal_eval`` / ``json.loads``.
"""

from __future__ import annotations

from gapforge.verifiers.oracle.hardening import false_passes, harden, killed_mutants, surviving_mutants
from gapforge.verifiers.oracle.models import (
    DifferentialSuite,
    FalsePassReport,
    HardenedMutant,
    HardeningReport,
    HiddenSuite,
    InputNote,
    KnownWrong,
    OracleCase,
    OracleConfig,
    OracleMeasures,
    Origin,
    oracle_measures,
)
from gapforge.verifiers.oracle.suite import build_differential_suite, render_suite, trim_suite

__all__ = [
    "DifferentialSuite",
    "FalsePassReport",
    "HardenedMutant",
    "HardeningReport",
    "HiddenSuite",
    "InputNote",
    "KnownWrong",
    "OracleCase",
    "OracleConfig",
    "OracleMeasures",
    "Origin",
    "build_differential_suite",
    "false_passes",
    "harden",
    "killed_mutants",
    "oracle_measures",
    "render_suite",
    "surviving_mutants",
    "trim_suite",
]
