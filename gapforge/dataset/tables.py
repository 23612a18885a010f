"""Run-store records <-> table rows, and the derived tables (trajectories, preference pairs).

Rows are plain dicts shaped exactly like :mod:`gapforge.dataset.schemas`; the ``*_from_row``
functions turn a row read back from Parquet (pyarrow, pandas or ``datasets``) into the record it
came from, which is what the round-trip tests check. Only two things are lossy on purpose: stdout
and stderr keep their last :data:`OUTPUT_CAP` characters (``output_capped`` says so) and
per-test messages their first :data:`MESSAGE_CAP`.
"""

from __future__ import annotations

import ast
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gapforge.dataset.quality import QualityFlag, QualityReport, flag_codes
from gapforge.dataset.records import (
    AttemptRecord,
    GateSummary,
    ProblemRecord,
    Provenance,
    RoundRecord,
    SeedRecord,
    ValiditySummary,
)
from gapforge.dataset.store import finished_view
from gapforge.errors import RunStoreError
from gapforge.generators import templates
from gapforge.generators.solver import failure_feedback, solver_messages
from gapforge.models import Attempt, Example, Problem, TokenUsage, Verdict, content_hash
from gapforge.sandbox.base import ExecutionResult, Status, TestRecord
from gapforge.verifiers.static import count_tests, parse_stdio_cases

OUTPUT_CAP = 8000
MESSAGE_CAP = 4000
MAX_PAIRS_PER_PROBLEM = 16
# Rounds whose attempts make training transcripts and pairs: the problem passed every validity
# check and nobody found the statement ambiguous (an ambiguous problem's "failing" solution may be
# a valid reading of it).
USABLE_VERDICTS = frozenset({Verdict.ACCEPTED, Verdict.TOO_EASY, Verdict.FAILED_ON_STRONG})

Row = dict[str, Any]


# --------------------------------------------------------------------------- the run directory


@dataclass(frozen=True)
class RunData:
    """A run directory's metadata (run.json) and its clean records (finished seeds only)."""

    root: Path
    meta: dict[str, Any]
    seeds: list[SeedRecord]
    rounds: list[RoundRecord]
    attempts: list[AttemptRecord]
    problems: list[ProblemRecord]

    @property
    def config(self) -> dict[str, Any]:
        cfg = self.meta.get("config")
        return cfg if isinstance(cfg, dict) else {}


def is_run_dir(path: str | Path) -> bool:
    """A run directory, or what is left of one (records but a lost run.json: reading it then
    says exactly what is missing)."""
    return (Path(path) / "run.json").is_file() or (Path(path) / "records").is_dir()


def read_meta(root: str | Path) -> dict[str, Any]:
    root = Path(root)
    meta_path = root / "run.json"
    if not root.is_dir():
        raise RunStoreError(f"{root} does not exist or is not a directory; pass a gapforge run directory")
    if not meta_path.is_file():
        raise RunStoreError(
            f"{root} is not a gapforge run directory ({meta_path} is missing); pass the --out directory "
            "of `gapforge generate` or `gapforge demo`"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise RunStoreError(f"{meta_path} is corrupt ({exc}); restore it from a backup or rerun") from None
    if not isinstance(meta, dict) or "run_id" not in meta:
        raise RunStoreError(f"{meta_path} is corrupt (no run_id); restore it from a backup or rerun")
    return meta


def load_run(root: str | Path) -> RunData:
    """Read a run directory. A partial last line (a crash mid-write) is dropped; any other damage
    raises :class:`RunStoreError` naming the file and line."""
    root = Path(root)
    meta = read_meta(root)
    view = finished_view(root)
    return RunData(
        root=root,
        meta=meta,
        seeds=view["seeds"],
        rounds=view["rounds"],
        attempts=view["attempts"],
        problems=view["problems"],
    )


# --------------------------------------------------------------------------- small converters


def _plain(value: Any) -> Any:
    """What pandas hands back (numpy arrays and scalars inside lists and dicts; NaN or NA for a
    missing value) as plain Python with None for missing. No column of ours holds a real NaN."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return _plain(value.tolist())
    return value


def _seq(value: Any) -> list[Any]:
    value = _plain(value)
    return [] if value is None else list(value)


def _scores(value: Any) -> tuple[float | None, ...]:
    # pandas turns a null inside a float list into NaN; a score is never NaN otherwise.
    return tuple(
        None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in _seq(value)
    )


def _opt_float(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _opt_int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


def provenance_row(p: Provenance) -> Row:
    return {
        "gapforge_version": p.gapforge_version,
        "config_hash": p.config_hash,
        "models": [{"role": k, "model": v} for k, v in p.models.items()],
        "prompt_hashes": [{"name": k, "sha256": v} for k, v in p.prompt_hashes.items()],
        "sandbox_image": p.sandbox_image,
        "sandbox_backend": p.sandbox_backend,
        "policy_id": p.policy_id,
    }


def provenance_from_row(d: Mapping[str, Any]) -> Provenance:
    d = _plain(dict(d))
    return Provenance(
        gapforge_version=d["gapforge_version"],
        config_hash=d["config_hash"],
        models={m["role"]: m["model"] for m in _seq(d["models"])},
        prompt_hashes={m["name"]: m["sha256"] for m in _seq(d["prompt_hashes"])},
        sandbox_image=d["sandbox_image"],
        sandbox_backend=d["sandbox_backend"],
        policy_id=d.get("policy_id"),
    )


def gate_row(g: GateSummary | None) -> Row | None:
    return None if g is None else g.model_dump(mode="json")


def gate_from_row(d: Mapping[str, Any] | None) -> GateSummary | None:
    if d is None:
        return None
    d = _plain(dict(d))
    return GateSummary(
        preset=d["preset"],
        outcome=d["outcome"],
        reason=d["reason"],
        weak_mean=_opt_float(d.get("weak_mean")),
        strong_mean=_opt_float(d.get("strong_mean")),
        gap=_opt_float(d.get("gap")),
    )


def validity_row(v: ValiditySummary | None) -> Row | None:
    return None if v is None else v.model_dump(mode="json")


def validity_from_row(d: Mapping[str, Any] | None) -> ValiditySummary | None:
    if d is None:
        return None
    d = _plain(dict(d))
    return ValiditySummary(
        valid=bool(d["valid"]),
        reason=d.get("reason") or "",
        failed_check=d.get("failed_check"),
        flaky_tests=tuple(_seq(d.get("flaky_tests"))),
        trivial_passed=tuple(_seq(d.get("trivial_passed"))),
        mutation_score=_opt_float(d.get("mutation_score")),
        surviving_mutants=tuple(_seq(d.get("surviving_mutants"))),
        reference_cpu_s=_opt_float(d.get("reference_cpu_s")) or 0.0,
        cpu_limit_s=_opt_float(d.get("cpu_limit_s")),
    )


def usage_row(usage: Mapping[str, TokenUsage]) -> list[Row]:
    return [
        {"role": role, "prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens}
        for role, u in usage.items()
    ]


def usage_from_row(value: Any) -> dict[str, TokenUsage]:
    return {
        u["role"]: TokenUsage(
            prompt_tokens=int(u["prompt_tokens"]), completion_tokens=int(u["completion_tokens"])
        )
        for u in _seq(value)
    }


def problem_struct(p: Problem) -> Row:
    return {
        "title": p.title,
        "statement": p.statement,
        "kind": p.kind,
        "entry_point": p.entry_point,
        "signature": p.signature,
        "io_contract": p.io_contract,
        "reference_solution": p.reference_solution,
        "tests": p.tests,
        "examples": [e.model_dump(mode="json") for e in p.examples],
        "tags": list(p.tags),
        "difficulty": p.difficulty,
    }


def problem_from_struct(d: Mapping[str, Any]) -> Problem:
    d = _plain(dict(d))
    return Problem(
        title=d["title"],
        statement=d["statement"],
        kind=d["kind"],
        entry_point=d.get("entry_point"),
        signature=d.get("signature"),
        io_contract=d.get("io_contract"),
        reference_solution=d["reference_solution"],
        tests=d["tests"],
        examples=tuple(Example(**e) for e in _seq(d.get("examples"))),
        tags=tuple(_seq(d.get("tags"))),
        difficulty=d.get("difficulty") or "medium",
    )


def num_tests(p: Problem) -> int | None:
    """How many hidden tests (function problems: test functions and literal parametrize cases)."""
    try:
        if p.kind == "stdio":
            return len(parse_stdio_cases(p.tests))
        return count_tests(ast.parse(p.tests))
    except (ValueError, SyntaxError):
        return None


def _cap_tail(text: str, cap: int = OUTPUT_CAP) -> tuple[str, bool]:
    # The end of a log is where the traceback is.
    if len(text) <= cap:
        return text, False
    return f"[gapforge: {len(text) - cap} earlier characters cut]\n" + text[-cap:], True


# --------------------------------------------------------------------------- problems


def problem_row(rec: ProblemRecord, flags: Sequence[QualityFlag] = ()) -> Row:
    return {
        "problem_id": rec.problem_id,
        **problem_struct(rec.problem),
        "num_tests": num_tests(rec.problem),
        "seed_id": rec.seed_id,
        "seed_topic": rec.seed_topic,
        "round": rec.round,
        "rounds_used": rec.rounds_used,
        "weak_pass_rate": rec.weak_pass_rate,
        "strong_pass_rate": rec.strong_pass_rate,
        "weak_scores": list(rec.weak_scores),
        "strong_scores": list(rec.strong_scores),
        "gate": gate_row(rec.gate),
        "validity": validity_row(rec.validity),
        "flags": flag_codes(flags),
        "flag_details": [f.model_dump(mode="json") for f in flags],
        "run_id": rec.run_id,
        "epoch": rec.epoch,
        "created_at": rec.created_at,
        "provenance": provenance_row(rec.provenance),
        "record_schema_version": rec.schema_version,
    }


def problem_record_from_row(row: Mapping[str, Any]) -> ProblemRecord:
    row = _plain(dict(row))
    gate = gate_from_row(row["gate"])
    validity = validity_from_row(row["validity"])
    if gate is None or validity is None:
        raise ValueError(
            f"problem row {row.get('problem_id')} has no gate or validity; it is not an accepted problem"
        )
    return ProblemRecord(
        schema_version=int(row["record_schema_version"]),
        run_id=row["run_id"],
        epoch=int(row["epoch"]),
        seed_id=row["seed_id"],
        seed_topic=row["seed_topic"],
        round=int(row["round"]),
        problem_id=row["problem_id"],
        problem=problem_from_struct(row),
        weak_pass_rate=float(row["weak_pass_rate"]),
        strong_pass_rate=float(row["strong_pass_rate"]),
        weak_scores=_scores(row["weak_scores"]),
        strong_scores=_scores(row["strong_scores"]),
        gate=gate,
        validity=validity,
        rounds_used=int(row["rounds_used"]),
        created_at=row["created_at"],
        provenance=provenance_from_row(row["provenance"]),
    )


# --------------------------------------------------------------------------- rounds


def round_row(rec: RoundRecord) -> Row:
    return {
        "run_id": rec.run_id,
        "seed_id": rec.seed_id,
        "round": rec.round,
        "verdict": rec.verdict.value,
        "reason": rec.reason,
        "problem_id": rec.problem_id,
        "title": rec.problem.title if rec.problem else None,
        "problem": problem_struct(rec.problem) if rec.problem else None,
        "raw_output": rec.raw_output,
        "static_problems": list(rec.static_problems),
        "validity": validity_row(rec.validity),
        "gate": gate_row(rec.gate),
        "weak_scores": list(rec.weak_scores),
        "strong_scores": list(rec.strong_scores),
        "review": rec.review,
        "usage": usage_row(rec.usage),
        "started_at": rec.started_at,
        "finished_at": rec.finished_at,
        "epoch": rec.epoch,
        "provenance": provenance_row(rec.provenance),
        "record_schema_version": rec.schema_version,
    }


def round_record_from_row(row: Mapping[str, Any]) -> RoundRecord:
    row = _plain(dict(row))
    problem = row.get("problem")
    return RoundRecord(
        schema_version=int(row["record_schema_version"]),
        run_id=row["run_id"],
        epoch=int(row["epoch"]),
        seed_id=row["seed_id"],
        round=int(row["round"]),
        verdict=Verdict(row["verdict"]),
        reason=row["reason"],
        problem=problem_from_struct(problem) if problem is not None else None,
        problem_id=row.get("problem_id"),
        raw_output=row.get("raw_output") or "",
        static_problems=tuple(_seq(row.get("static_problems"))),
        validity=validity_from_row(row.get("validity")),
        gate=gate_from_row(row.get("gate")),
        weak_scores=_scores(row.get("weak_scores")),
        strong_scores=_scores(row.get("strong_scores")),
        review=row.get("review"),
        usage=usage_from_row(row.get("usage")),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        provenance=provenance_from_row(row["provenance"]),
    )


# --------------------------------------------------------------------------- attempts


def attempt_row(rec: AttemptRecord) -> Row:
    a = rec.attempt
    r = a.result
    stdout, cut_out = _cap_tail(r.stdout) if r else ("", False)
    stderr, cut_err = _cap_tail(r.stderr) if r else ("", False)
    return {
        "run_id": rec.run_id,
        "seed_id": rec.seed_id,
        "round": rec.round,
        "problem_id": a.problem_id,
        "role": a.role,
        "model": a.model,
        "sample": a.sample,
        "turn": a.turn,
        "parent_sample": rec.parent_sample,
        "completion": a.completion,
        "code": a.code,
        "status": r.status.value if r else None,
        "score": a.score,
        "fraction_passed": (1.0 if r.passed else r.fraction_passed) if r and a.measured else None,
        "tests_passed": r.n_passed if r else None,
        "tests_total": len(r.tests) if r else None,
        "test_results": [
            {"name": t.name, "status": t.status.value, "message": t.message[:MESSAGE_CAP]} for t in r.tests
        ]
        if r
        else [],
        "stdout": stdout,
        "stderr": stderr,
        "output_truncated": r.truncated if r else False,
        "output_capped": cut_out or cut_err,
        "cpu_s": r.cpu_s if r else None,
        "wall_s": r.wall_s if r else None,
        "result_message": r.message if r else None,
        "backend": r.backend if r else None,
        "infra_error": a.infra_error,
        "prompt_tokens": a.usage.prompt_tokens,
        "completion_tokens": a.usage.completion_tokens,
        "created_at": rec.created_at,
        "epoch": rec.epoch,
        "provenance": provenance_row(rec.provenance),
        "record_schema_version": rec.schema_version,
    }


def result_from_row(row: Mapping[str, Any]) -> ExecutionResult | None:
    row = _plain(dict(row))
    if row.get("status") is None:
        return None
    return ExecutionResult(
        status=Status(row["status"]),
        tests=tuple(
            TestRecord(name=t["name"], status=Status(t["status"]), message=t.get("message") or "")
            for t in _seq(row.get("test_results"))
        ),
        stdout=row.get("stdout") or "",
        stderr=row.get("stderr") or "",
        truncated=bool(row.get("output_truncated")),
        cpu_s=_opt_float(row.get("cpu_s")) or 0.0,
        wall_s=_opt_float(row.get("wall_s")) or 0.0,
        message=row.get("result_message") or "",
        backend=row.get("backend") or "",
    )


def attempt_from_row(row: Mapping[str, Any]) -> Attempt:
    row = _plain(dict(row))
    return Attempt(
        problem_id=row["problem_id"],
        role=row["role"],
        model=row["model"],
        sample=int(row["sample"]),
        turn=int(row["turn"]),
        completion=row["completion"],
        code=row.get("code"),
        result=result_from_row(row),
        infra_error=row.get("infra_error"),
        usage=TokenUsage(
            prompt_tokens=int(row.get("prompt_tokens") or 0),
            completion_tokens=int(row.get("completion_tokens") or 0),
        ),
    )


def attempt_record_from_row(row: Mapping[str, Any]) -> AttemptRecord:
    row = _plain(dict(row))
    return AttemptRecord(
        schema_version=int(row["record_schema_version"]),
        run_id=row["run_id"],
        epoch=int(row["epoch"]),
        seed_id=row["seed_id"],
        round=int(row["round"]),
        attempt=attempt_from_row(row),
        parent_sample=_opt_int(row.get("parent_sample")),
        created_at=row["created_at"],
        provenance=provenance_from_row(row["provenance"]),
    )


# --------------------------------------------------------------------------- trajectories and pairs


def prompt_messages(problem: Problem) -> list[Row]:
    """The solver prompt exactly as the solvers saw it (system + user), as chat messages."""
    return [m.model_dump() for m in solver_messages(problem)]


def feedback_message(result: ExecutionResult) -> Row:
    """The execution feedback a repair turn saw (mirrors gapforge.generators.solver.repair_chain)."""
    text = templates.load("repair_user").format(status=result.status.value, failures=failure_feedback(result))
    return {"role": "user", "content": text}


@dataclass(frozen=True)
class _Chain:
    seed_id: str
    round: int
    problem_id: str
    role: str
    sample: int


def _chains(
    attempts: Iterable[AttemptRecord], usable: Mapping[tuple[str, int], RoundRecord]
) -> dict[_Chain, list[Attempt]]:
    chains: dict[_Chain, list[Attempt]] = defaultdict(list)
    for rec in attempts:
        a = rec.attempt
        if (rec.seed_id, rec.round) in usable:
            chains[_Chain(rec.seed_id, rec.round, a.problem_id, a.role, a.sample)].append(a)
    for chain in chains.values():
        chain.sort(key=lambda a: a.turn)
    return chains


def _usable_rounds(rounds: Iterable[RoundRecord]) -> dict[tuple[str, int], RoundRecord]:
    return {(r.seed_id, r.round): r for r in rounds if r.verdict in USABLE_VERDICTS and r.problem is not None}


def trajectory_rows(
    rounds: Sequence[RoundRecord], attempts: Sequence[AttemptRecord], run_id: str
) -> list[Row]:
    """One transcript per solver rollout: the prompt, each attempt, the execution feedback that
    led to the next one. Unmeasured attempts (infrastructure failures) end a transcript: they say
    nothing about the model."""
    usable = _usable_rounds(rounds)
    rows: list[Row] = []
    for key, chain in _chains(attempts, usable).items():
        measured: list[Attempt] = []
        for a in chain:
            if not a.measured:
                break
            measured.append(a)
        if not measured:
            continue
        rnd = usable[(key.seed_id, key.round)]
        assert rnd.problem is not None
        messages = prompt_messages(rnd.problem)
        for i, a in enumerate(measured):
            if i > 0:
                prev = measured[i - 1].result
                assert prev is not None
                messages.append(feedback_message(prev))
            messages.append({"role": "assistant", "content": a.completion})
        last = measured[-1]
        assert last.result is not None
        positive = last.score == 1.0
        rows.append(
            {
                "trajectory_id": "t-"
                + content_hash([run_id, key.seed_id, key.round, key.problem_id, key.role, key.sample]),
                "problem_id": key.problem_id,
                "seed_id": key.seed_id,
                "round": key.round,
                "round_verdict": rnd.verdict.value,
                "role": key.role,
                "model": last.model,
                "sample": key.sample,
                "turns": len(measured),
                "messages": messages,
                "label": "positive" if positive else "negative",
                "repaired": positive and len(measured) > 1,
                "statuses": [a.result.status.value for a in measured if a.result is not None],
                "final_status": last.result.status.value,
                "final_score": last.score,
                "final_fraction_passed": 1.0 if positive else last.result.fraction_passed,
                "prompt_tokens": sum(a.usage.prompt_tokens for a in measured),
                "completion_tokens": sum(a.usage.completion_tokens for a in measured),
                "run_id": run_id,
            }
        )
    return rows


def _order(a: Attempt) -> tuple[int, int]:
    return (0 if a.role == "strong" else 1, a.sample)


def preference_rows(
    rounds: Sequence[RoundRecord],
    attempts: Sequence[AttemptRecord],
    run_id: str,
    *,
    max_pairs_per_problem: int = MAX_PAIRS_PER_PROBLEM,
) -> list[Row]:
    """Each failing first attempt paired with a passing one of the same problem and round (turn-0
    attempts only: a repair turn answers another prompt). With no passing attempt the reference
    solution is the chosen answer (``chosen_source = "reference"``)."""
    usable = _usable_rounds(rounds)
    groups: dict[tuple[str, int, str], list[Attempt]] = defaultdict(list)
    for rec in attempts:
        a = rec.attempt
        if (rec.seed_id, rec.round) in usable and a.turn == 0 and a.measured:
            groups[(rec.seed_id, rec.round, a.problem_id)].append(a)
    rows: list[Row] = []
    for (seed_id, round_no, pid), group in groups.items():
        rnd = usable[(seed_id, round_no)]
        assert rnd.problem is not None
        passing = sorted((a for a in group if a.score == 1.0), key=_order)
        failing = sorted((a for a in group if a.score == 0.0), key=_order)
        prompt = prompt_messages(rnd.problem)
        for i, bad in enumerate(failing[:max_pairs_per_problem]):
            assert bad.result is not None
            good = passing[i % len(passing)] if passing else None
            chosen_text = (
                good.completion if good else f"```python\n{rnd.problem.reference_solution.rstrip()}\n```"
            )
            rows.append(
                {
                    "pair_id": "d-"
                    + content_hash(
                        [run_id, seed_id, round_no, pid, bad.role, bad.sample]
                        + ([good.role, good.sample] if good else ["reference"])
                    ),
                    "problem_id": pid,
                    "seed_id": seed_id,
                    "round": round_no,
                    "round_verdict": rnd.verdict.value,
                    "prompt": prompt,
                    "chosen": [{"role": "assistant", "content": chosen_text}],
                    "rejected": [{"role": "assistant", "content": bad.completion}],
                    "chosen_source": "solver" if good else "reference",
                    "chosen_role": good.role if good else None,
                    "chosen_model": good.model if good else None,
                    "chosen_sample": good.sample if good else None,
                    "rejected_role": bad.role,
                    "rejected_model": bad.model,
                    "rejected_sample": bad.sample,
                    "rejected_status": bad.result.status.value,
                    "rejected_error": failure_feedback(bad.result),
                    "rejected_fraction_passed": bad.result.fraction_passed,
                    "run_id": run_id,
                }
            )
    return rows


# --------------------------------------------------------------------------- everything


def build_rows(data: RunData, quality: QualityReport | None = None) -> dict[str, list[Row]]:
    """Every published table's rows from a run's clean records; ``quality`` must have been
    computed over ``data.problems`` in order."""
    if quality is not None and len(quality.flags) != len(data.problems):
        raise ValueError("the quality report does not match the problems (check them with check_problems)")
    run_id = str(data.meta.get("run_id", ""))
    return {
        "problems": [
            problem_row(p, quality.flags[i] if quality is not None else ())
            for i, p in enumerate(data.problems)
        ],
        "rounds": [round_row(r) for r in data.rounds],
        "attempts": [attempt_row(a) for a in data.attempts],
        "trajectories": trajectory_rows(data.rounds, data.attempts, run_id),
        "preferences": preference_rows(data.rounds, data.attempts, run_id),
    }
