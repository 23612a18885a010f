"""Building a differential suite: draw inputs in the sandbox, mutate them on the host, answer
them with the reference in one sandbox run, and render the answered cases as a hidden suite."""

from __future__ import annotations

import asyncio
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
    validate_program,
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
    sandbox: Sandbox,
    problem: Problem,
    config: OracleConfig | None = None,
    limits: Limits | None = None,
    max_answers: int | None = None,
) -> DifferentialSuite:
    """Draw, mutate, validate and answer inputs (see the module docstring): the generator's
    sandbox run, then the reference's, plus a resumed run per input that hangs or crashes the
    interpreter.

    ``max_answers`` bounds the answering: that many inputs, taken in turn from each origin in a
    seeded order (the others are never asked and count as ``trimmed``). None answers them all.
    Both are deterministic: the same problem and config give the same suite on any machine.

    Without an input validator only drawn inputs are used (mutations could break the statement's
    constraints). A generator that fails is a finding, not an exception: see ``generator_errors``.
    Raises ConfigError when the problem has no input generator, SandboxError when the sandbox
    failed.
    """
    config = config or OracleConfig()
    base = limits or Limits()
    if not problem.input_generator:
        raise ConfigError(f"problem {problem.id} has no input generator; a differential suite needs one")
    if problem.language != "python" and problem.checker:
        # A checker suite runs the solution from a Python test module (solution.py as a child
        # process); a program in another language cannot be judged that way yet.
        raise ConfigError(
            f"problem {problem.id} is a {problem.language} problem with a checker; the test oracle "
            "judges checker suites for Python programs only so far (the loop skips it)"
        )
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
    got = await _answer_first(sandbox, problem, inputs, config, base, max_answers)
    rejected += got.rejected

    tol = _tolerance(problem, config)
    cases: list[OracleCase] = []
    case_cpu: list[float] = []
    for k, ((x, origin, _), answer) in enumerate(zip(inputs, got.answers, strict=True)):
        if answer is None:
            continue
        text = x if isinstance(x, str) else args_expr(x)
        cases.append(OracleCase(name=f"diff_{k:03d}", origin=origin, input=text, expected=answer))
        case_cpu.append(got.cpu.get(k, 0.0))
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
        trimmed=got.unasked,
        case_cpu_s=tuple(case_cpu),
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


async def _answer_first(
    sandbox: Sandbox,
    problem: Problem,
    inputs: Sequence[tuple[Input, Origin, bool]],
    config: OracleConfig,
    base: Limits,
    limit: int | None,
) -> _Answers:
    """:func:`_answer_all` on every input, or on the first ``limit`` of them taken in turn from
    each origin (mutations of the tests' inputs, boundary variants, drawn inputs) in a seeded
    order."""
    if limit is None or limit >= len(inputs):
        return await _answer_all(sandbox, problem, inputs, config, base)
    rng = random.Random(f"oracle-answer-order:{config.seed}")
    by_origin: dict[str, list[int]] = {}
    for i, (_, origin, _) in enumerate(inputs):
        by_origin.setdefault(origin, []).append(i)
    queues = [by_origin.get(o, []) for o in ("mutation", "boundary", "generated")]
    for q in queues:
        rng.shuffle(q)
    order: list[int] = []
    while any(queues) and len(order) < limit:
        for q in queues:
            if q and len(order) < limit:
                order.append(q.pop())
    chosen = sorted(order)
    got = await _answer_all(sandbox, problem, [inputs[i] for i in chosen], config, base)
    out = _Answers(answers=[None] * len(inputs), failures=got.failures, rejected=got.rejected)
    for m, i in enumerate(chosen):
        out.answers[i] = got.answers[m]
        if m in got.cpu:
            out.cpu[i] = got.cpu[m]
    out.cpu_s, out.runs, out.unasked = got.cpu_s, got.runs, len(inputs) - len(chosen)
    return out


@dataclass
class _Answers:
    """What the reference runs gave: an answer per input (None when left out) and the notes."""

    answers: list[str | None]
    cpu: dict[int, float] = field(default_factory=dict)  # input index -> the reference's CPU on it
    failures: list[InputNote] = field(default_factory=list)
    rejected: list[InputNote] = field(default_factory=list)
    cpu_s: float = 0.0
    runs: int = 0
    unasked: int = 0  # inputs never answered (over max_answers)

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
    is resumed after the input it was on (at most ``config.reruns`` times). A reference in another
    language than Python: :func:`_answer_compiled`."""
    if problem.language != "python":
        return await _answer_compiled(sandbox, problem, inputs, config, base)
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
                spent = rec.get("c")
                if isinstance(spent, int | float) and not isinstance(spent, bool) and spent >= 0:
                    out.cpu[todo[j]] = float(spent)
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


async def _answer_compiled(
    sandbox: Sandbox,
    problem: Problem,
    inputs: Sequence[tuple[Input, Origin, bool]],
    config: OracleConfig,
    base: Limits,
) -> _Answers:
    """The answers of a reference in another language than Python (a stdio program): the inputs
    that need it are validated first in one Python run (the validator is Python in every
    language), then the reference runs in its own language on each remaining input, as a stdio
    case of its own (its stdout is the answer), ``config.repeats`` times; runs whose answers
    differ drop the input. The pool compiles the reference once and caches it."""
    out = _Answers(answers=[None] * len(inputs))
    todo = list(range(len(inputs)))
    check = [i for i in todo if inputs[i][2]]
    if check and problem.input_validator:
        mark = new_mark()
        text = validate_program(
            mark=mark,
            kind=problem.kind,
            validator=problem.input_validator,
            inputs=[inputs[i][0] for i in check],
            cpu_s=config.cpu_per_input_s,
        )
        result = await sandbox.run(
            Program(kind="function", solution="", tests=text), _run_limits(base, len(check), config)
        )
        raise_if_infra(result, "the input validator")
        out.runs += 1
        verdicts: dict[int, Any] = {}
        for rec in parse_records(result.stdout, mark):
            j = rec.get("i")
            if rec.get("k") == "val" and isinstance(j, int) and 0 <= j < len(check):
                verdicts[j] = rec.get("bad")
        for j, i in enumerate(check):
            x, origin, _ = inputs[i]
            if j not in verdicts:
                out.fail(
                    x,
                    origin,
                    f"the validator never answered ({result.status.value}): {_first_message(result)}",
                )
                todo.remove(i)
            elif verdicts[j] is not None:
                out.rejected.append(InputNote(origin=origin, input=_short(x), reason=str(verdicts[j])))
                todo.remove(i)
    limits = base.with_cpu(config.cpu_per_input_s).model_copy(
        update={"output_bytes": max(base.output_bytes, MAX_VALUE_CHARS * 4)}
    )

    async def runs(i: int) -> list[ExecutionResult]:
        x = inputs[i][0]
        assert isinstance(x, str)  # stdio inputs
        program = Program(
            kind="stdio",
            language=problem.language,
            solution=problem.reference_solution,
            tests=json.dumps([{"name": "answer", "input": x, "output": ""}]),
        )
        return [await sandbox.run(program, limits) for _ in range(max(1, config.repeats))]

    # the first input alone: its run compiles the reference into the pool's cache, which the
    # others (run concurrently) then hit instead of each compiling it again
    got = [await runs(todo[0])] if todo else []
    got += await asyncio.gather(*(runs(i) for i in todo[1:]))
    for i, results in zip(todo, got, strict=True):
        x, origin, _ = inputs[i]
        for r in results:
            raise_if_infra(r, "the reference solution")
            out.cpu_s += r.cpu_s
            out.runs += 1
        first = results[0]
        # the case "fails" (its expected output is empty): what matters is that the program ran
        ran = [
            bool(r.tests) and r.tests[0].status in (Status.PASSED, Status.FAILED) and not r.truncated
            for r in results
        ]
        if not ran[0]:
            verdict = first.tests[0].status.value if first.tests else first.status.value
            out.fail(x, origin, f"{verdict}: {_first_message(first) or first.message}")
        elif not all(ran) or any(r.stdout != first.stdout for r in results[1:]):
            out.fail(x, origin, "nondeterministic: two runs gave different answers")
        else:
            out.answers[i] = first.stdout
            out.cpu[i] = first.cpu_s
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
    seeded order. The kept cases keep their names and order; deterministic; a suite within the
    cap is returned unchanged."""
    cap = config.case_cap(problem.kind)
    if len(built.cases) <= cap:
        return built
    cost = built.cpu_of()
    wanted = set(keep)
    chosen = {c.name for c in built.cases if c.name in wanted}
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
            "case_cpu_s": tuple(cost[c.name] for c in cases),
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
    return HiddenSuite(name=name, kind="stdio", tests=stdio_suite(rows, tol), language=problem.language)
