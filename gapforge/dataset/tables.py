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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapforge.dataset.quality import QualityFlag, QualityReport, flag_codes
from gapforge.dataset.records import (
    AttemptRecord,
    CallRecord,
    GateSummary,
    MessageRef,
    OracleSummary,
    PhaseTime,
    ProblemRecord,
    Provenance,
    RoundRecord,
    SeedRecord,
    ValiditySummary,
    attempt_id,
    round_id,
)
from gapforge.dataset.store import finished_view
from gapforge.errors import RunStoreError
from gapforge.models import FENCE_TAGS, Attempt, Example, Problem, TokenUsage, Verdict, content_hash
from gapforge.prompts import repair_message, solver_messages, text_id
from gapforge.prompts.feedback import hidden_summary
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
LANGUAGE = "python"  # of records that name none (every record written before languages existed)


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
    calls: list[CallRecord] = field(default_factory=list)  # of finished seeds
    all_calls: list[CallRecord] = field(default_factory=list)  # every call, aborted seeds' too
    texts: dict[str, str] = field(default_factory=dict)  # text id -> message text

    @property
    def config(self) -> dict[str, Any]:
        cfg = self.meta.get("config")
        return cfg if isinstance(cfg, dict) else {}

    @property
    def messages_recorded(self) -> bool:
        """Whether the run recorded the messages its models were sent (gapforge records them since
        record schema 2; older runs' messages are rebuilt when published)."""
        return bool(self.rounds) and all(r.prompt for r in self.rounds)

    def resolve(self, refs: Sequence[MessageRef]) -> list[Row]:
        """Recorded messages as chat messages. A text missing from texts.jsonl is damage."""
        out = []
        for ref in refs:
            text = self.texts.get(ref.text_id)
            if text is None:
                raise RunStoreError(
                    f"{self.root}/records/texts.jsonl has no text {ref.text_id}, which a record refers to; "
                    "the run directory was damaged. Restore the file, or rerun the affected seeds."
                )
            out.append({"role": ref.role, "content": text})
        return out


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
        calls=view["calls"],
        all_calls=view["all_calls"],
        texts={t.text_id: t.text for t in view["texts"]},
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
        mutants_uncompiled=_opt_int(d.get("mutants_uncompiled")),
    )


def oracle_row(o: OracleSummary | None) -> Row | None:
    return None if o is None else o.model_dump(mode="json")


def oracle_from_row(d: Mapping[str, Any] | None) -> OracleSummary | None:
    """The oracle struct back to its record; None for rows without one (older datasets too)."""
    if d is None:
        return None
    d = _plain(dict(d))
    return OracleSummary.model_validate({k: v for k, v in d.items() if v is not None})


def oracle_columns(o: OracleSummary | None) -> Row:
    """The problems table's flat oracle measures (null without an oracle)."""
    m = o.measures if o is not None else None
    return {
        "differential_inputs": m.inputs_kept if m is not None else None,
        "mutants_killed_by_hardening": m.mutants_killed_by_hardening if m is not None else None,
        "probably_equivalent_mutants": m.probably_equivalent if m is not None else None,
        "attempt_false_passes": len(o.verdict_changed) if o is not None and m is not None else None,
    }


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
        "input_generator": p.input_generator,
        "input_validator": p.input_validator,
        "checker": p.checker,
        "language": p.language,
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
        difficulty=d.get("difficulty") or None,
        input_generator=d.get("input_generator"),
        input_validator=d.get("input_validator"),
        checker=d.get("checker"),
        language=d.get("language") or "python",  # rows published before languages existed
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

# Measured difficulty: the mean of the weak and the strong pass rate (each solver counts the
# same, whatever its number of samples). Relative to the two solver models of the run.
DIFFICULTY_BANDS = ((0.6, "easy"), (0.4, "medium"), (0.0, "hard"))


def solve_rate(weak_pass_rate: float, strong_pass_rate: float) -> float:
    return (weak_pass_rate + strong_pass_rate) / 2


def measured_difficulty(weak_pass_rate: float, strong_pass_rate: float) -> str:
    rate = solve_rate(weak_pass_rate, strong_pass_rate)
    return next(label for bound, label in DIFFICULTY_BANDS if rate >= bound)


def problem_row(
    rec: ProblemRecord, flags: Sequence[QualityFlag] = (), prompt: Sequence[Row] | None = None
) -> Row:
    return {
        "problem_id": rec.problem_id,
        "round_id": round_id(rec.run_id, rec.epoch, rec.seed_id, rec.round),
        **problem_struct(rec.problem),
        "prompt": list(prompt) if prompt is not None else None,
        "num_tests": num_tests(rec.problem),
        "seed_id": rec.seed_id,
        "seed_topic": rec.seed_topic,
        "round": rec.round,
        "rounds_used": rec.rounds_used,
        "weak_pass_rate": rec.weak_pass_rate,
        "strong_pass_rate": rec.strong_pass_rate,
        "solve_rate": solve_rate(rec.weak_pass_rate, rec.strong_pass_rate),
        "measured_difficulty": measured_difficulty(rec.weak_pass_rate, rec.strong_pass_rate),
        "weak_scores": list(rec.weak_scores),
        "strong_scores": list(rec.strong_scores),
        "gate": gate_row(rec.gate),
        "validity": validity_row(rec.validity),
        "oracle": oracle_row(rec.oracle),
        **oracle_columns(rec.oracle),
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
        oracle=oracle_from_row(row.get("oracle")),
        created_at=row["created_at"],
        provenance=provenance_from_row(row["provenance"]),
    )


# --------------------------------------------------------------------------- rounds


def refs_from_messages(messages: Any) -> tuple[MessageRef, ...]:
    """Published messages back to their stored form (texts are content-addressed)."""
    return tuple(MessageRef(role=m["role"], text_id=text_id(m["content"])) for m in _seq(messages))


def round_row(
    rec: RoundRecord, challenger_messages: Sequence[Row] | None = None, language: str | None = None
) -> Row:
    """``language``: the seed's (the draft's own when it parsed; else Python)."""
    return {
        "run_id": rec.run_id,
        "round_id": round_id(rec.run_id, rec.epoch, rec.seed_id, rec.round),
        "seed_id": rec.seed_id,
        "round": rec.round,
        "verdict": rec.verdict.value,
        "reason": rec.reason,
        "problem_id": rec.problem_id,
        "title": rec.problem.title if rec.problem else None,
        "problem": problem_struct(rec.problem) if rec.problem else None,
        "language": rec.problem.language if rec.problem else (language or LANGUAGE),
        "challenger_messages": list(challenger_messages) if challenger_messages is not None else None,
        "raw_output": rec.raw_output,
        "static_problems": list(rec.static_problems),
        "validity": validity_row(rec.validity),
        "gate": gate_row(rec.gate),
        "weak_scores": list(rec.weak_scores),
        "strong_scores": list(rec.strong_scores),
        "review": rec.review,
        "oracle": oracle_row(rec.oracle),
        "sandbox": [t.model_dump() for t in rec.sandbox],
        "usage": usage_row(rec.usage),
        "unstored_usage": usage_row(rec.unstored_usage),
        "call_ids": list(rec.call_ids),
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
        prompt=refs_from_messages(row.get("challenger_messages")),
        call_ids=tuple(_seq(row.get("call_ids"))),
        static_problems=tuple(_seq(row.get("static_problems"))),
        validity=validity_from_row(row.get("validity")),
        gate=gate_from_row(row.get("gate")),
        weak_scores=_scores(row.get("weak_scores")),
        strong_scores=_scores(row.get("strong_scores")),
        review=row.get("review"),
        oracle=oracle_from_row(row.get("oracle")),
        sandbox=tuple(PhaseTime.model_validate(t) for t in _seq(row.get("sandbox"))),
        usage=usage_from_row(row.get("usage")),
        unstored_usage=usage_from_row(row.get("unstored_usage")),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        provenance=provenance_from_row(row["provenance"]),
    )


# --------------------------------------------------------------------------- attempts


def attempt_key(rec: AttemptRecord) -> str:
    a = rec.attempt
    return attempt_id(rec.run_id, rec.epoch, rec.seed_id, rec.round, a.role, a.sample, a.turn)


def attempt_row(
    rec: AttemptRecord,
    *,
    prompt: Sequence[Row] | None = None,
    feedback: str | None = None,
    kind: str = "function",
    language: str = LANGUAGE,
) -> Row:
    """One attempt. ``prompt`` is what the solver was sent, ``feedback`` the execution feedback a
    following repair turn was shown (None: no turn followed). ``hidden_test_results`` holds the
    hidden tests' names and messages for analysts: never train a solver on that column.
    ``language``: the problem's."""
    a = rec.attempt
    r = a.result
    stdout, cut_out = _cap_tail(r.stdout) if r else ("", False)
    stderr, cut_err = _cap_tail(r.stderr) if r else ("", False)
    return {
        "run_id": rec.run_id,
        "attempt_id": attempt_key(rec),
        "round_id": round_id(rec.run_id, rec.epoch, rec.seed_id, rec.round),
        "call_id": a.call_id,
        "seed_id": rec.seed_id,
        "round": rec.round,
        "problem_id": a.problem_id,
        "role": a.role,
        "model": a.model,
        "sample": a.sample,
        "turn": a.turn,
        "parent_sample": rec.parent_sample,
        "prompt": list(prompt) if prompt is not None else None,
        "completion": a.completion,
        "code": a.code,
        "language": language,
        "status": r.status.value if r else None,
        "score": a.score,
        "fraction_passed": (1.0 if r.passed else r.fraction_passed) if r and a.measured else None,
        "tests_passed": r.n_passed if r else None,
        "tests_total": len(r.tests) if r else None,
        "hidden_summary": hidden_summary(r, kind) if r and a.measured and not r.passed else None,
        "feedback": feedback,
        "hidden_test_results": [
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
    tests = row.get("hidden_test_results", row.get("test_results"))  # the column's old name
    return ExecutionResult(
        status=Status(row["status"]),
        tests=tuple(
            TestRecord(name=t["name"], status=Status(t["status"]), message=t.get("message") or "")
            for t in _seq(tests)
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
        call_id=row.get("call_id"),
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
        prompt=refs_from_messages(row.get("prompt")),
        created_at=row["created_at"],
        provenance=provenance_from_row(row["provenance"]),
    )


# --------------------------------------------------------------------------- trajectories and pairs


def prompt_messages(problem: Problem) -> list[Row]:
    """The solver prompt rebuilt from this gapforge's template, for runs that did not record it
    (record schema 1, before limits were stated in it). Recorded runs never use this."""
    return [m.model_dump() for m in solver_messages(problem)]


def _rebuilt_feedback(result: ExecutionResult, kind: str) -> Row:
    """A repair turn's feedback for runs that did not record it: only what the hidden tests'
    counts and error classes say (the old runs' feedback quoted hidden asserts; it is not rebuilt)."""
    return repair_message(result.status.value, hidden_summary(result, kind)).model_dump()


@dataclass(frozen=True)
class _Chain:
    seed_id: str
    round: int
    problem_id: str
    role: str
    sample: int


def _chains(
    attempts: Iterable[AttemptRecord], usable: Mapping[tuple[str, int], RoundRecord]
) -> dict[_Chain, list[AttemptRecord]]:
    chains: dict[_Chain, list[AttemptRecord]] = defaultdict(list)
    for rec in attempts:
        a = rec.attempt
        if (rec.seed_id, rec.round) in usable:
            chains[_Chain(rec.seed_id, rec.round, a.problem_id, a.role, a.sample)].append(rec)
    for chain in chains.values():
        chain.sort(key=lambda r: r.attempt.turn)
    return chains


def _usable_rounds(rounds: Iterable[RoundRecord]) -> dict[tuple[str, int], RoundRecord]:
    return {(r.seed_id, r.round): r for r in rounds if r.verdict in USABLE_VERDICTS and r.problem is not None}


class _Transcripts:
    """The messages each attempt was sent, from the records (or rebuilt for old runs)."""

    def __init__(self, data: RunData) -> None:
        self.data = data
        self.recorded = data.messages_recorded

    def prompt(self, rec: AttemptRecord, problem: Problem) -> list[Row]:
        if rec.prompt:
            return self.data.resolve(rec.prompt)
        return prompt_messages(problem)

    def transcript(self, chain: Sequence[AttemptRecord], problem: Problem) -> list[Row]:
        """The last attempt's prompt (the whole conversation before it) and its answer."""
        last = chain[-1]
        if last.prompt:
            messages = self.data.resolve(last.prompt)
        else:
            messages = prompt_messages(problem)
            for prev in chain[:-1]:
                assert prev.attempt.result is not None
                messages.append({"role": "assistant", "content": prev.attempt.completion})
                messages.append(_rebuilt_feedback(prev.attempt.result, problem.kind))
        return [*messages, {"role": "assistant", "content": last.attempt.completion}]


def trajectory_rows(data: RunData, accepted: set[str] | None = None) -> list[Row]:
    """One transcript per solver rollout: the prompt, each attempt, the execution feedback that
    led to the next one, exactly as sent. Unmeasured attempts (infrastructure failures) end a
    transcript: they say nothing about the model."""
    run_id = str(data.meta.get("run_id", ""))
    accepted = accepted if accepted is not None else {p.problem_id for p in data.problems}
    usable = _usable_rounds(data.rounds)
    texts = _Transcripts(data)
    rows: list[Row] = []
    for key, chain in _chains(data.attempts, usable).items():
        measured: list[AttemptRecord] = []
        for rec in chain:
            if not rec.attempt.measured:
                break
            measured.append(rec)
        if not measured:
            continue
        rnd = usable[(key.seed_id, key.round)]
        assert rnd.problem is not None
        last = measured[-1].attempt
        assert last.result is not None
        positive = last.score == 1.0
        rows.append(
            {
                "trajectory_id": "t-"
                + content_hash([run_id, key.seed_id, key.round, key.problem_id, key.role, key.sample]),
                "problem_id": key.problem_id,
                "round_id": round_id(run_id, rnd.epoch, key.seed_id, key.round),
                "attempt_ids": [attempt_key(r) for r in measured],
                "problem_accepted": key.problem_id in accepted,
                "seed_id": key.seed_id,
                "round": key.round,
                "round_verdict": rnd.verdict.value,
                "role": key.role,
                "model": last.model,
                "sample": key.sample,
                "turns": len(measured),
                "messages": texts.transcript(measured, rnd.problem),
                "messages_source": "recorded" if measured[-1].prompt else "rebuilt",
                "label": "positive" if positive else "negative",
                "repaired": positive and len(measured) > 1,
                "statuses": [r.attempt.result.status.value for r in measured if r.attempt.result is not None],
                "final_status": last.result.status.value,
                "final_score": last.score,
                "final_fraction_passed": 1.0 if positive else last.result.fraction_passed,
                "final_feedback": None if positive else hidden_summary(last.result, rnd.problem.kind),
                "language": rnd.problem.language,
                "prompt_tokens": sum(r.attempt.usage.prompt_tokens for r in measured),
                "completion_tokens": sum(r.attempt.usage.completion_tokens for r in measured),
                "run_id": run_id,
            }
        )
    return rows


def _order(rec: AttemptRecord) -> tuple[int, int]:
    return (0 if rec.attempt.role == "strong" else 1, rec.attempt.sample)


def preference_rows(
    data: RunData,
    accepted: set[str] | None = None,
    *,
    max_pairs_per_problem: int = MAX_PAIRS_PER_PROBLEM,
) -> list[Row]:
    """Each failing first attempt paired with a passing one of the same problem and round (turn-0
    attempts only: a repair turn answers another prompt). With no passing attempt the reference
    solution is the chosen answer (``chosen_source = "reference"``). ``rejected_error`` says only
    what a solver may see of the hidden tests: counts and error classes."""
    run_id = str(data.meta.get("run_id", ""))
    accepted = accepted if accepted is not None else {p.problem_id for p in data.problems}
    usable = _usable_rounds(data.rounds)
    texts = _Transcripts(data)
    groups: dict[tuple[str, int, str], list[AttemptRecord]] = defaultdict(list)
    for rec in data.attempts:
        a = rec.attempt
        if (rec.seed_id, rec.round) in usable and a.turn == 0 and a.measured:
            groups[(rec.seed_id, rec.round, a.problem_id)].append(rec)
    rows: list[Row] = []
    for (seed_id, round_no, pid), group in groups.items():
        rnd = usable[(seed_id, round_no)]
        assert rnd.problem is not None
        passing = sorted((r for r in group if r.attempt.score == 1.0), key=_order)
        failing = sorted((r for r in group if r.attempt.score == 0.0), key=_order)
        for i, bad_rec in enumerate(failing[:max_pairs_per_problem]):
            bad = bad_rec.attempt
            assert bad.result is not None
            good_rec = passing[i % len(passing)] if passing else None
            good = good_rec.attempt if good_rec else None
            chosen_text = (
                good.completion
                if good
                else f"```{FENCE_TAGS[rnd.problem.language]}\n{rnd.problem.reference_solution.rstrip()}\n```"
            )
            rows.append(
                {
                    "pair_id": "d-"
                    + content_hash(
                        [run_id, seed_id, round_no, pid, bad.role, bad.sample]
                        + ([good.role, good.sample] if good else ["reference"])
                    ),
                    "problem_id": pid,
                    "round_id": round_id(run_id, rnd.epoch, seed_id, round_no),
                    "problem_accepted": pid in accepted,
                    "seed_id": seed_id,
                    "round": round_no,
                    "round_verdict": rnd.verdict.value,
                    "prompt": texts.prompt(bad_rec, rnd.problem),
                    "chosen": [{"role": "assistant", "content": chosen_text}],
                    "rejected": [{"role": "assistant", "content": bad.completion}],
                    "chosen_source": "solver" if good else "reference",
                    "chosen_attempt_id": attempt_key(good_rec) if good_rec else None,
                    "chosen_role": good.role if good else None,
                    "chosen_model": good.model if good else None,
                    "chosen_sample": good.sample if good else None,
                    "rejected_attempt_id": attempt_key(bad_rec),
                    "rejected_role": bad.role,
                    "rejected_model": bad.model,
                    "rejected_sample": bad.sample,
                    "rejected_status": bad.result.status.value,
                    "rejected_error": hidden_summary(bad.result, rnd.problem.kind),
                    "rejected_fraction_passed": bad.result.fraction_passed,
                    "language": rnd.problem.language,
                    "run_id": run_id,
                }
            )
    return rows


# --------------------------------------------------------------------------- everything


def _solver_prompts(data: RunData) -> dict[tuple[str, int], list[Row]]:
    """Each round's turn-0 solver prompt as recorded (weak and strong get the same one)."""
    out: dict[tuple[str, int], list[Row]] = {}
    for rec in data.attempts:
        if rec.attempt.turn == 0 and rec.prompt and (rec.seed_id, rec.round) not in out:
            out[(rec.seed_id, rec.round)] = data.resolve(rec.prompt)
    return out


def _attempt_rows(data: RunData) -> list[Row]:
    kinds = {(r.seed_id, r.round): r.problem.kind for r in data.rounds if r.problem is not None}
    languages = {(r.seed_id, r.round): r.problem.language for r in data.rounds if r.problem is not None}
    chains: dict[tuple[str, int, str, int], list[AttemptRecord]] = defaultdict(list)
    for rec in data.attempts:
        chains[(rec.seed_id, rec.round, rec.attempt.role, rec.attempt.sample)].append(rec)
    feedback: dict[int, str | None] = {}
    for chain in chains.values():
        chain.sort(key=lambda r: r.attempt.turn)
        for i, rec in enumerate(chain):
            if i + 1 < len(chain) and chain[i + 1].prompt:
                feedback[id(rec)] = data.resolve(chain[i + 1].prompt[-1:])[0]["content"]
    return [
        attempt_row(
            rec,
            prompt=data.resolve(rec.prompt) if rec.prompt else None,
            feedback=feedback.get(id(rec)),
            kind=kinds.get((rec.seed_id, rec.round), "function"),
            language=languages.get((rec.seed_id, rec.round), LANGUAGE),
        )
        for rec in data.attempts
    ]


def build_rows(data: RunData, quality: QualityReport | None = None) -> dict[str, list[Row]]:
    """Every published table's rows from a run's clean records; ``quality`` must have been
    computed over ``data.problems`` in order."""
    if quality is not None and len(quality.flags) != len(data.problems):
        raise ValueError("the quality report does not match the problems (check them with check_problems)")
    prompts = _solver_prompts(data)
    accepted = {p.problem_id for p in data.problems}
    seed_languages = {s.seed.id: s.seed.language for s in data.seeds}
    return {
        "problems": [
            problem_row(
                p,
                quality.flags[i] if quality is not None else (),
                prompts.get((p.seed_id, p.round)) or prompt_messages(p.problem),
            )
            for i, p in enumerate(data.problems)
        ],
        "rounds": [
            round_row(r, data.resolve(r.prompt) if r.prompt else None, seed_languages.get(r.seed_id))
            for r in data.rounds
        ],
        "attempts": _attempt_rows(data),
        "trajectories": trajectory_rows(data, accepted),
        "preferences": preference_rows(data, accepted),
    }
