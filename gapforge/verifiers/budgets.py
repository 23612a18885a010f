"""CPU budgets: the one place that says how much CPU time a program is judged under.

Every budget is derived from the reference solution's CPU time on one run, EvalPlus-style:
``max(floor, FACTOR x reference)``, never above the run's sandbox budget. The harness enforces
fractions of a second and counts only the program's own CPU time (not the interpreter's startup),
which machine load does not inflate the way it inflates wall time.

- **Rollouts** (solver attempts at generation): the floor is ``sandbox.rollout_cpu_floor_s``
  (default 1 s). The limit is recorded with the problem (``validity.cpu_limit_s``), told to the
  solvers in their prompt, and reused by rewards and ``gapforge verify``.
- **Judging a published problem** (rewards, verify): the recorded limit; datasets written before
  it was recorded get the rule they were generated with (floor :data:`LEGACY_ROLLOUT_FLOOR_S`).
- **Trivial programs and mutants**: floor :data:`MUTANT_CPU_FLOOR_S`; they only need to be told
  apart from the reference, and a mutant that times out counts as killed either way.
"""

from __future__ import annotations

from gapforge.sandbox.base import Limits

__all__ = [
    "FACTOR",
    "LEGACY_ROLLOUT_FLOOR_S",
    "MUTANT_CPU_FLOOR_S",
    "judging_limits",
    "mutant_limits",
    "rollout_limits",
    "scaled_to_reference",
]

FACTOR = 4.0
MUTANT_CPU_FLOOR_S = 0.25
# EvalPlus's floor for its wall-clock limits, and gapforge's rollout floor before it recorded the
# CPU limit with each problem.
LEGACY_ROLLOUT_FLOOR_S = 4.0


def scaled_to_reference(base: Limits, reference_cpu_s: float, *, floor: float) -> Limits:
    """``max(floor, FACTOR x reference_cpu_s)`` seconds of CPU, never above ``base``'s budget."""
    return base.with_cpu(min(base.cpu_seconds, max(floor, FACTOR * reference_cpu_s)))


def rollout_limits(base: Limits, reference_cpu_s: float, *, floor: float) -> Limits:
    """The budget every solver rollout of a new problem gets (``floor``: the run's
    ``sandbox.rollout_cpu_floor_s``). Pass 0 for a reference that did not pass: it gets the floor
    and validity rejects the draft."""
    return scaled_to_reference(base, reference_cpu_s, floor=floor)


def mutant_limits(base: Limits, reference_cpu_s: float) -> Limits:
    """The budget trivial programs and mutants get during validity checks."""
    return scaled_to_reference(base, reference_cpu_s, floor=MUTANT_CPU_FLOOR_S)


def judging_limits(base: Limits, reference_cpu_s: float | None, cpu_limit_s: float | None) -> Limits:
    """The budget a completion for a published problem is judged under: the CPU limit recorded
    with the problem (what its pass rates were measured under), else the rule that datasets
    without a recorded limit were generated with; ``base`` when neither is known."""
    if cpu_limit_s:
        return base.with_cpu(cpu_limit_s)
    if reference_cpu_s:
        return scaled_to_reference(base, reference_cpu_s, floor=LEGACY_ROLLOUT_FLOOR_S)
    return base
