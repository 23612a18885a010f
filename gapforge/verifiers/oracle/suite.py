"""Building a differential suite: draw inputs in the sandbox, mutate them on the host, answer
them with the reference in one sandbox run, and render the answered cases as a hidden suite."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gapforge.errors import ConfigError, SandboxError
from gapforge.models import Problem
from gapforge.sandbox.base import ExecutionResult, Kind, Limits, Program, Sandbox, Status
from gapforge.verifiers.budgets import FACTOR
from gapforge.verifiers.oracle.inputs import (
    MAX_VALUE_CHARS,
    Args,
    Encoded,
    args_expr,
    function_inputs_in,
    mutate_args,
    mutate_text,
    pick,
    stdio_inputs_in,
)
from gapforge.verifiers.oracle.models import (
    DifferentialSuite,
    HiddenSuite,
    InputNote,
    OracleCase,
    OracleConfig,
    Origin,
)
from gapforge.verifiers.oracle.programs import (
    draw_program,
    function_suite,
    new_mark,
    parse_records,
    reference_program,
    stdio_checker_suite,
    stdio_suite,
)

Input = Args | str  # encoded call arguments (function kind) or one stdin text (stdio kind)
_OUTPUT_BYTES = 64_000_000  # records of a few hundred inputs with their answers


def _short(x: Input) -> str:
    text = x if isinstance(x, str) else args_expr(x)
    return text if len(text) <= 200 else text[:197] + "..."


def _decoded(raw: Any) -> Encoded | None:
    """An encoded value from the sandbox, only when its text really is that kind of literal: it is
    pasted into test modules, so nothing else may pass."""
    if not (isinstance(raw, list) and len(raw) == 2 and raw[0] in ("repr", "json")):
        return None
    enc = Encoded(raw[0], str(raw[1]))
    if len(enc.text) > MAX_VALUE_CHARS or not _utf8(enc.text):
        return None
    try:
        enc.value()
    except ValueError:
        return None
    return enc


def _utf8(text: str) -> bool:
    """Test files are written as UTF-8: a lone surrogate would break the run that writes them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _decode_input(kind: Kind, raw: Any) -> Input | None:
    if kind == "stdio":
        return raw if isinstance(raw, str) and _utf8(raw) else None
    if not isinstance(raw, list):
        return None
    out = [_decoded(item) for item in raw]
    return None if any(e is None for e in out) else tuple(e for e in out if e is not None)


def raise_if_infra(result: ExecutionResult, what: str) -> None:
    if result.status.is_infrastructure:
        raise SandboxError(
            f"the sandbox failed while running {what}: {result.message or 'sandbox_error'}; "
            "this says nothing about the problem; check the sandbox and retry"
        )


def _tolerance(problem: Problem, config: OracleConfig) -> float:
    if config.float_tolerance is not None:
        return config.float_tolerance
    if problem.kind == "stdio" and problem.tests.lstrip().startswith("{"):
        try:
            tol = json.loads(problem.tests).get("float_tolerance", 1e-6)
            if isinstance(tol, int | float) and not isinstance(tol, bool) and tol >= 0:
                return float(tol)
        except (ValueError, AttributeError):
            pass
    return 1e-6


def _run_limits(base: Limits, calls: int, config: OracleConfig) -> Limits:
    cpu = min(3600.0, 2.0 + config.cpu_per_input_s * max(1, calls))
    return base.with_cpu(cpu).model_copy(update={"output_bytes": max(base.output_bytes, _OUTPUT_BYTES)})


async def build_differential_suite(
    sandbox: Sandbox, problem: Problem, config: OracleConfig | None = None, limits: Limits | None = None
) -> DifferentialSuite:
    """Draw, mutate, validate and answer inputs (see the module docstring): two sandbox runs, the
    reference's one, plus a resumed run per input that hangs or crashes the interpreter.

    Without an input validator only drawn inputs are used (mutations could break the statement's
    constraints). A generator that fails is a finding, not an exception: see ``generator_errors``.
    Raises ConfigError when the problem has no input generator, SandboxError when the sandbox
    failed.
    """
    config = config or OracleConfig()
    base = limits or Limits()
    if not problem.input_generator:
        raise ConfigError(f"problem {problem.id} has no input generator; a differential suite needs one")
    kind = problem.kind
    given: list[Input] = list(function_inputs_in(problem) if kind == "function" else stdio_inputs_in(problem))

    mark = new_mark()
    draw = draw_program(
        mark=mark,
        kind=kind,
        generator=problem.input_generator,
        validator=problem.input_validator,
        given=given,
        n=config.n_inputs,
        seed=config.seed,
        cpu_s=config.cpu_per_input_s,
    )
    result = await sandbox.run(
        Program(kind="function", solution="", tests=draw),
        _run_limits(base, 2 * (config.n_inputs + len(given)), config),
    )
    raise_if_infra(result, "the input generator")
    records = parse_records(result.stdout, mark)
    draw_cpu = result.cpu_s

    drawn: list[Input] = []
    errors: list[str] = []
    rejected: list[InputNote] = []
    given_rejected: list[InputNote] = []
    duplicates = 0
    for rec in records:
        if rec.get("k") == "given":
            i = rec.get("i")
            if rec.get("bad") is not None and isinstance(i, int) and 0 <= i < len(given):
                given_rejected.append(
                    InputNote(origin="test", input=_short(given[i]), reason=str(rec["bad"]))
                )
            continue
        if "err" in rec:
            errors.append(str(rec["err"]))
            continue
        x = _decode_input(kind, rec.get("x"))
        if x is None:
            errors.append("an input came back unreadable")
        elif rec.get("bad") is not None:
            rejected.append(InputNote(origin="generated", input=_short(x), reason=str(rec["bad"])))
        elif x in drawn:
            duplicates += 1
        else:
            drawn.append(x)
    answered = sum(1 for rec in records if rec.get("k") == "gen")
    if answered < config.n_inputs:  # the generator or validator does not load, or took the run down
        why = next((t.message for t in result.tests if t.message), result.message or result.status.value)
        errors.append(
            f"{config.n_inputs - answered} draws never came back ({result.status.value}): {why[:300]}"
        )

    candidates: list[tuple[Input, Origin]] = []
    if problem.input_validator and config.max_mutations:
        candidates = _mutations(given, drawn, config)

    inputs: list[tuple[Input, Origin, bool]] = [(x, "generated", False) for x in drawn]
    inputs += [(x, origin, True) for x, origin in candidates]
    got = await _answer_all(sandbox, problem, inputs, config, base)
    rejected += got.rejected

    tol = _tolerance(problem, config)
    cases: list[OracleCase] = []
    for k, ((x, origin, _), answer) in enumerate(zip(inputs, got.answers, strict=True)):
        if answer is None:
            continue
        if isinstance(x, str):
            cases.append(OracleCase(name=f"diff_{k:03d}", origin=origin, input=x, expected=answer))
        else:
            cases.append(OracleCase(name=f"diff_{k:03d}", origin=origin, input=args_expr(x), expected=answer))
    return DifferentialSuite(
        suite=render_suite(problem, cases, tol, config.cpu_per_input_s),
        cases=tuple(cases),
        drawn=config.n_inputs,
        mutations_tried=len(candidates),
        duplicates=duplicates,
        generator_errors=tuple(errors),
        rejected=tuple(rejected),
        test_inputs_rejected=tuple(given_rejected),
        reference_failures=tuple(got.failures),
        float_tolerance=tol,
        reference_cpu_s=got.cpu_s / config.repeats,
        sandbox_cpu_s=draw_cpu + got.cpu_s,
        executions=1 + got.runs,
    )


def _mutations(
    given: Sequence[Input], drawn: Sequence[Input], config: OracleConfig
) -> list[tuple[Input, Origin]]:
    """Up to ``config.max_mutations`` new inputs: mutations of the tests' own inputs (at least
    half of the budget when there are that many: they sit where the challenger thought the edge
    cases are) and boundary variants of the drawn ones; seeded, so always the same."""
    rng = random.Random(f"oracle-mutations:{config.seed}")
    seen: set[Input] = {*drawn, *given}
    by_origin: dict[Origin, list[tuple[Input, Origin]]] = {"mutation": [], "boundary": []}
    sources: tuple[tuple[Origin, Sequence[Input]], ...] = (("mutation", given), ("boundary", drawn))
    for origin, inputs in sources:
        for x in inputs:
            for v in mutate_text(x, rng) if isinstance(x, str) else mutate_args(x, rng):
                if v not in seen:
                    seen.add(v)
                    by_origin[origin].append((v, origin))
    budget = config.max_mutations
    from_tests = pick(by_origin["mutation"], max(budget // 2, budget - len(by_origin["boundary"])), rng)
    return from_tests + pick(by_origin["boundary"], budget - len(from_tests), rng)


@dataclass
class _Answers:
    """What the reference runs gave: an answer per input (None when left out) and the notes."""

    answers: list[str | None]
    failures: list[InputNote] = field(default_factory=list)
    rejected: list[InputNote] = field(default_factory=list)
    cpu_s: float = 0.0
    runs: int = 0

    def fail(self, x: Input, origin: Origin, reason: str) -> None:
        self.failures.append(InputNote(origin=origin, input=_short(x), reason=reason[:500]))


async def _answer_all(
    sandbox: Sandbox,
    problem: Problem,
    inputs: Sequence[tuple[Input, Origin, bool]],
    config: OracleConfig,
    base: Limits,
) -> _Answers:
    """The reference's answer to every input in one run; a run that a hang or crash cut short
    is resumed after the input it was on (at most ``config.reruns`` times)."""
    out = _Answers(answers=[None] * len(inputs))
    todo = list(range(len(inputs)))
    if not todo:
        return out
    for _ in range(config.reruns + 1):
        mark = new_mark()
        text = reference_program(
            mark=mark,
            kind=problem.kind,
            entry_point=problem.entry_point,
            validator=problem.input_validator,
            checker=problem.checker,
            inputs=[(inputs[i][0], inputs[i][2]) for i in todo],
            cpu_s=config.cpu_per_input_s,
            repeats=config.repeats,
        )
        limits = _run_limits(base, config.repeats * len(todo), config)
        result = await sandbox.run(
            Program(kind="function", solution=problem.reference_solution, tests=text), limits
        )
        raise_if_infra(result, "the reference solution")
        out.cpu_s += result.cpu_s
        out.runs += 1
        started: set[int] = set()
        done: set[int] = set()
        for rec in parse_records(result.stdout, mark):
            j = rec.get("i")
            if not isinstance(j, int) or not 0 <= j < len(todo):
                continue
            if rec.get("k") == "start":
                started.add(j)
                continue
            done.add(j)
            x, origin, _ = inputs[todo[j]]
            status = rec.get("s")
            if status == "ok":
                answer = _answer_text(problem.kind, rec.get("y"))
                out.answers[todo[j]] = answer
                if answer is None:
                    out.fail(x, origin, "the answer came back unreadable")
            elif status == "invalid":
                out.rejected.append(InputNote(origin=origin, input=_short(x), reason=str(rec.get("m"))))
            else:
                out.fail(x, origin, f"{status}: {rec.get('m')}")
        missing = [j for j in range(len(todo)) if j not in done]
        if not missing:
            return out
        if missing[0] in started:  # the input the run died on
            x, origin, _ = inputs[todo[missing[0]]]
            out.fail(x, origin, f"{result.status.value}: {result.message or _first_message(result)}")
            missing = missing[1:]
        elif not done:  # no progress at all: the reference (or the validator) does not even load
            why = f"the run ended before this input ({result.status.value}): {_first_message(result)}"
            for j in missing:
                x, origin, _ = inputs[todo[j]]
                out.fail(x, origin, why)
            return out
        todo = [todo[j] for j in missing]  # else the records were cut short: ask again
        if not todo:
            return out
    for i in todo:  # still unanswered after every rerun
        x, origin, _ = inputs[i]
        out.fail(x, origin, "not answered: the run was cut short too often")
    return out


def _first_message(result: ExecutionResult) -> str:
    bad = next((t for t in result.tests if t.status is not Status.PASSED), None)
    return (bad.message if bad else result.message)[:300]


def _answer_text(kind: Kind, raw: Any) -> str | None:
    if kind == "stdio":
        return raw if isinstance(raw, str) and _utf8(raw) else None
    enc = _decoded(raw)
    return enc.expr() if enc is not None else None


def trim_suite(
    problem: Problem, built: DifferentialSuite, keep: Sequence[str], config: OracleConfig
) -> DifferentialSuite:
    """``built`` cut to ``config.case_cap(problem.kind)`` cases, so judging every rollout on it
    stays cheap: the cases named in ``keep`` (the hardening's) first, then the others taken in
    turn from each origin (mutations of the tests' inputs, boundary variants, drawn inputs) in a
    seeded order; the kept cases keep their names and order. Unchanged when it is small enough."""
    cap = config.case_cap(problem.kind)
    if len(built.cases) <= cap:
        return built
    chosen = {c.name for c in built.cases if c.name in set(keep)}
    rng = random.Random(f"oracle-trim:{config.seed}")
    queues: list[list[OracleCase]] = []
    for origin in ("mutation", "boundary", "generated"):
        rest = [c for c in built.cases if c.origin == origin and c.name not in chosen]
        rng.shuffle(rest)
        queues.append(rest)
    while len(chosen) < cap and any(queues):
        for q in queues:
            if q and len(chosen) < cap:
                chosen.add(q.pop().name)
    cases = tuple(c for c in built.cases if c.name in chosen)
    return built.model_copy(
        update={
            "cases": cases,
            "suite": render_suite(problem, cases, built.float_tolerance, config.cpu_per_input_s),
            "trimmed": built.trimmed + len(built.cases) - len(cases),
            # an estimate: the reference's time on the cases kept
            "reference_cpu_s": built.reference_cpu_s * len(cases) / len(built.cases),
        }
    )


def render_suite(
    problem: Problem,
    cases: Sequence[OracleCase],
    tol: float,
    cpu_per_input_s: float = 1.0,
    *,
    name: str = "differential",
) -> HiddenSuite | None:
    """``cases`` as a hidden suite the sandbox runs for ``problem`` (None when there are none).
    A stdio problem with a checker gives a function-kind suite whose cases each get ``FACTOR`` x
    the reference's per-input budget."""
    if not cases:
        return None
    rows = [(c.name, c.input, c.expected) for c in cases]
    if problem.kind == "function":
        assert problem.entry_point is not None
        return HiddenSuite(
            name=name,
            kind="function",
            tests=function_suite(problem.entry_point, rows, tol, problem.checker),
        )
    if problem.checker:
        return HiddenSuite(
            name=name,
            kind="function",
            tests=stdio_checker_suite(rows, problem.checker, FACTOR * cpu_per_input_s),
        )
    return HiddenSuite(name=name, kind="stdio", tests=stdio_suite(rows, tol))
