"""Re-execute a run's accepted problems and check that the recorded results still hold.

For every accepted problem: the reference solution must still pass every test of its final hidden
tests (the challenger's and, for a problem with a test oracle, the differential suite); each recorded
solver solution is run again and its verdict (overall status and per-test statuses) compared
with the recorded one; the gate is recomputed from the fresh results of the first attempts
(repair turns never count for the gate) and its decision compared with the recorded one. Any
difference is a :class:`Drift`. A sandbox that cannot measure something is reported as
``unmeasured``, never as drift.

Limits follow generation: the reference runs under the run's limits, solver code under those
limits scaled to the reference's CPU time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from gapforge.dataset.records import AttemptRecord, ProblemRecord
from gapforge.dataset.tables import attempt_record_from_row, is_run_dir, load_run, problem_record_from_row
from gapforge.errors import ConfigError, RunStoreError, SandboxError
from gapforge.models import Attempt, HiddenSuite
from gapforge.sandbox import ExecutionResult, Limits, Program, Sandbox, Status, combine_results, open_sandbox
from gapforge.verifiers.budgets import judging_limits
from gapforge.verifiers.gates import Gate, RolloutScore, make_gate

RETRIES = 2


class DriftKind(StrEnum):
    REFERENCE_FAILS = "reference_fails"  # the reference no longer passes its own tests
    VERDICT_CHANGED = "verdict_changed"  # a recorded solution's verdict is different now
    GATE_CHANGED = "gate_changed"  # the gate decides differently on the fresh results


class Drift(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: DriftKind
    problem_id: str
    title: str
    detail: str
    role: str | None = None
    sample: int | None = None
    turn: int | None = None
    recorded: str | None = None
    fresh: str | None = None


class ProblemCheck(BaseModel):
    """What verify saw for one accepted problem."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    problem_id: str
    title: str
    seed_id: str
    reference_status: Status | None  # None: the sandbox could not measure it
    attempts_rerun: int
    attempts_unmeasured: int
    recorded_gate: str
    fresh_gate: str
    fresh_gate_reason: str


class VerifyReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    gate: str  # the rule the gate was recomputed with
    problems: tuple[ProblemCheck, ...]
    drifts: tuple[Drift, ...]

    @property
    def ok(self) -> bool:
        return not self.drifts

    @property
    def unmeasured(self) -> int:
        return sum(p.attempts_unmeasured + (p.reference_status is None) for p in self.problems)

    def summary(self) -> str:
        lines = [
            f"verified {len(self.problems)} accepted problems of run {self.run_id} "
            f"({sum(p.attempts_rerun for p in self.problems)} solver attempts re-run; gate {self.gate})",
        ]
        if self.unmeasured:
            lines.append(f"  {self.unmeasured} executions could not be measured (sandbox errors; not drift)")
        if self.ok:
            lines.append("  no drift: every reference passes, every verdict and gate decision is reproduced")
        for d in self.drifts:
            who = f" [{d.role} sample {d.sample} turn {d.turn}]" if d.role else ""
            lines.append(f"  DRIFT {d.kind.value}: {d.problem_id} {d.title!r}{who}: {d.detail}")
        return "\n".join(lines)


def _verdict_text(result: ExecutionResult) -> str:
    failing = [f"{t.name}={t.status.value}" for t in result.tests if t.status is not Status.PASSED]
    return result.status.value + (f" ({', '.join(failing)})" if failing else "")


async def _judged(
    sandbox: Sandbox, suites: Sequence[HiddenSuite], code: str, limits: Limits, *, own_limits: bool = True
) -> ExecutionResult | None:
    """``code`` on every hidden suite (each its own execution), one combined verdict; None when
    the sandbox could not measure one of them. ``own_limits``: a suite with its own CPU limit
    gets it (solver code, as in generation)."""
    results = await asyncio.gather(
        *(
            _run(
                sandbox,
                s.program(code),
                limits.with_cpu(s.cpu_limit_s) if own_limits and s.cpu_limit_s else limits,
            )
            for s in suites
        )
    )
    if any(r is None for r in results):
        return None
    return combine_results([(s.name, r) for s, r in zip(suites, results, strict=True) if r is not None])


async def _run(sandbox: Sandbox, program: Program, limits: Limits) -> ExecutionResult | None:
    for _ in range(RETRIES + 1):
        try:
            result = await sandbox.run(program, limits)
        except SandboxError:
            continue
        if not result.status.is_infrastructure:
            return result
    return None


def _gate_from_config(config: dict[str, Any], fallback_preset: str) -> Gate:
    gate = config.get("gate")
    if isinstance(gate, dict) and "preset" in gate:
        return make_gate(gate["preset"], **{k: v for k, v in gate.items() if k != "preset"})
    return make_gate(fallback_preset)


def _limits_from_config(config: dict[str, Any]) -> Limits:
    sandbox = config.get("sandbox")
    limits = sandbox.get("limits") if isinstance(sandbox, dict) else None
    return Limits.model_validate(limits) if isinstance(limits, dict) else Limits()


@dataclass(frozen=True)
class _Loaded:
    run_id: str
    config: dict[str, Any]
    problems: list[ProblemRecord]
    attempts: list[AttemptRecord]


def _load(path: Path) -> _Loaded:
    if is_run_dir(path):
        data = load_run(path)
        return _Loaded(str(data.meta.get("run_id", "")), data.config, data.problems, data.attempts)
    from gapforge.dataset.publish import is_published_dir, manifest, read_published

    if is_published_dir(path):
        rows = read_published(path, ["problems", "attempts"])
        man = manifest(path)
        cfg = man.get("config")
        problems = [problem_record_from_row(r) for r in rows["problems"]]
        attempts = [attempt_record_from_row(r) for r in rows["attempts"]]
        return _Loaded(str(man.get("run_id", "")), cfg if isinstance(cfg, dict) else {}, problems, attempts)
    raise RunStoreError(f"{path} is neither a gapforge run directory (no run.json) nor a published dataset")


async def verify_run(
    path: str | Path,
    sandbox: Sandbox,
    *,
    gate: Gate | None = None,
    limits: Limits | None = None,
) -> VerifyReport:
    """Re-execute ``path``'s accepted problems in ``sandbox`` (entered) and report any drift.
    ``gate`` and ``limits`` default to the run's own configuration. ``path`` is a run directory
    or a published dataset."""
    return await _verify(_load(Path(path)), sandbox, gate=gate, limits=limits)


async def _verify(
    loaded: _Loaded, sandbox: Sandbox, *, gate: Gate | None, limits: Limits | None
) -> VerifyReport:
    config, problems, attempts = loaded.config, loaded.problems, loaded.attempts
    by_round: dict[tuple[str, int, str], list[Attempt]] = {}
    for rec in attempts:
        by_round.setdefault((rec.seed_id, rec.round, rec.attempt.problem_id), []).append(rec.attempt)
    preset = problems[0].gate.preset if problems else "prose"
    try:
        the_gate = gate or _gate_from_config(config, preset)
    except ConfigError as exc:
        raise RunStoreError(f"the run's gate settings are unusable ({exc}); pass a gate explicitly") from None
    base = limits or _limits_from_config(config)
    checks = await asyncio.gather(
        *(
            _check(sandbox, p, by_round.get((p.seed_id, p.round, p.problem_id), []), the_gate, base)
            for p in problems
        )
    )
    return VerifyReport(
        run_id=loaded.run_id,
        gate=the_gate.describe(),
        problems=tuple(c for c, _ in checks),
        drifts=tuple(d for _, ds in checks for d in ds),
    )


async def _check(
    sandbox: Sandbox, rec: ProblemRecord, attempts: Sequence[Attempt], gate: Gate, base: Limits
) -> tuple[ProblemCheck, list[Drift]]:
    p = rec.problem
    drifts: list[Drift] = []

    def drift(kind: DriftKind, detail: str, a: Attempt | None = None, **kw: Any) -> None:
        who = {"role": a.role, "sample": a.sample, "turn": a.turn} if a is not None else {}
        drifts.append(Drift(kind=kind, problem_id=rec.problem_id, title=p.title, detail=detail, **who, **kw))

    solver_limits = judging_limits(base, rec.validity.reference_cpu_s, rec.validity.cpu_limit_s)
    rerun = [a for a in attempts if a.measured and a.code is not None]
    suites = rec.hidden_suites  # the final hidden tests: the challenger's and the oracle's
    ref_result, *fresh = await asyncio.gather(
        _judged(sandbox, suites, p.reference_solution, base, own_limits=False),
        *(_judged(sandbox, suites, a.code or "", solver_limits) for a in rerun),
    )
    if ref_result is not None and not ref_result.passed:
        drift(
            DriftKind.REFERENCE_FAILS,
            f"the reference solution no longer passes its tests: {_verdict_text(ref_result)}",
            recorded="passed",
            fresh=_verdict_text(ref_result),
        )
    fresh_by_attempt: dict[tuple[str, int, int], ExecutionResult | None] = {}
    for a, result in zip(rerun, fresh, strict=True):
        fresh_by_attempt[(a.role, a.sample, a.turn)] = result
        assert a.result is not None
        if result is not None and result.verdict_key() != a.result.verdict_key():
            drift(
                DriftKind.VERDICT_CHANGED,
                f"recorded {_verdict_text(a.result)}, now {_verdict_text(result)}",
                a,
                recorded=_verdict_text(a.result),
                fresh=_verdict_text(result),
            )

    def rollout(a: Attempt) -> RolloutScore:
        if not a.measured:
            return RolloutScore()  # unmeasured when recorded: stays unmeasured
        if a.code is None:
            return RolloutScore.of_attempt(a)  # no code: nothing to re-run, its 0 stands
        result = fresh_by_attempt.get((a.role, a.sample, a.turn))
        if result is None:
            return RolloutScore()
        return RolloutScore(
            binary=1.0 if result.passed else 0.0, fraction=1.0 if result.passed else result.fraction_passed
        )

    first = sorted((a for a in attempts if a.turn == 0), key=lambda a: a.sample)
    decision = gate.decide(
        [rollout(a) for a in first if a.role == "weak"], [rollout(a) for a in first if a.role == "strong"]
    )
    if decision.outcome.value != rec.gate.outcome:
        drift(
            DriftKind.GATE_CHANGED,
            f"recorded {rec.gate.outcome}, now {decision.outcome.value}: {decision.reason}",
            recorded=rec.gate.outcome,
            fresh=decision.outcome.value,
        )
    check = ProblemCheck(
        problem_id=rec.problem_id,
        title=p.title,
        seed_id=rec.seed_id,
        reference_status=ref_result.status if ref_result is not None else None,
        attempts_rerun=len(rerun),
        attempts_unmeasured=sum(r is None for r in fresh),
        recorded_gate=rec.gate.outcome,
        fresh_gate=decision.outcome.value,
        fresh_gate_reason=decision.reason,
    )
    return check, drifts


def verify(
    path: str | Path,
    *,
    backend: str = "pool",
    gate: Gate | None = None,
    limits: Limits | None = None,
    max_concurrency: int | None = None,
) -> VerifyReport:
    """Synchronous :func:`verify_run` with its own sandbox (for the CLI and scripts)."""

    loaded = _load(Path(path))  # a damaged directory fails here, before a sandbox is paid for

    async def main() -> VerifyReport:
        async with open_sandbox(backend, max_concurrency=max_concurrency, run_id="verify") as sb:
            return await _verify(loaded, sb, gate=gate, limits=limits)

    return asyncio.run(main())
