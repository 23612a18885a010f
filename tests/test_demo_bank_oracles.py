"""The bank's test oracles are sound: for every variant of every family, in the real sandbox, the
differential suite has no defects (the generator draws only inputs its validator accepts, the
validator accepts every input of the tests and examples, the reference answers every valid
input), the reference passes it, and its power against the reference's mutants is reported next
to the challenger's own tests'.

Run with ``-s`` to see the per-variant line: differential cases; mutants killed by the own tests
and by the differential suite; the own tests' survivors that hardening kills and those it calls
probably equivalent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest

from gapforge.demo.bank import FAMILIES, Variant, all_variants, family_by_key, to_problem
from gapforge.models import Problem
from gapforge.sandbox import ExecutionResult, Limits, Program, Sandbox, Status
from gapforge.verifiers.oracle import (
    DifferentialSuite,
    OracleConfig,
    build_differential_suite,
    trim_suite,
)
from gapforge.verifiers.oracle.inputs import function_inputs_in, stdio_inputs_in

BASE = Limits()
# Statements whose answer for some valid inputs is an exception: the oracle records returned values
# only, so those inputs come back as reference failures (of exactly these exception types).
RAISES_BY_DESIGN = {"config_files/hard": ("KeyError", "ValueError")}
MAX_MUTANTS = 30  # mutation_score's default
INFRA_RETRIES = 2


def _load(source: str, name: str) -> Any:
    ns: dict[str, Any] = {}
    exec(compile(source, name, "exec"), ns)  # the bank's own code, reviewed like the package
    return ns[name]


def test_every_variant_has_a_generator_and_a_validator_that_agree_with_its_tests() -> None:
    """Without Docker: the sources load, drawn inputs pass the validator, the tests' and the
    examples' inputs pass it too (what the sandbox checks again below)."""
    for v in all_variants():
        assert v.input_generator and v.input_validator, v.title
        assert v.checker is None  # no bank problem has several right answers (yet)
        generate = _load(v.input_generator, "generate")
        validate = _load(v.input_validator, "validate")
        problem = to_problem(v)
        assert problem.input_generator == v.input_generator
        for i in range(25):
            x = generate(random.Random(f"bank:{i}"))
            if v.kind == "function":
                assert isinstance(x, tuple), v.title
                validate(*x)
            else:
                assert isinstance(x, str), v.title
                validate(x)
        if v.kind == "function":
            for args in function_inputs_in(problem):
                validate(*(a.value() for a in args))
        else:
            for text in stdio_inputs_in(problem):
                validate(text)


def test_validators_reject_what_the_statements_rule_out() -> None:
    def rejects(key: str, difficulty: str, *args: object) -> bool:
        validate = _load(family_by_key(key).variant(difficulty).input_validator or "", "validate")
        try:
            validate(*args)
        except Exception:
            return True
        return False

    assert rejects("sorted_search", "easy", [3, 1, 2], 1)  # not sorted
    assert rejects("search_answer", "hard", [1, 1, 5], 2)  # positions not distinct
    assert rejects("pair_sums", "hard", [1, 2], 2)  # k above n * (n - 1) / 2
    assert rejects("expressions", "medium", "4/0")  # division by zero
    assert rejects("expressions", "hard", "2*(3+4")  # unbalanced
    assert rejects("dag_order", "hard", 2, [(0, 1), (1, 0)], 0, 1)  # not acyclic
    assert rejects("trees", "medium", 3, [(0, 1), (1, 0)])  # not a tree
    assert rejects("grid_bfs", "easy", "2 2\nS.\n..\n")  # no E
    assert rejects("caches", "medium", "2 3\n1 2\n")  # N keys announced, 2 given
    assert rejects("roman_numerals", "easy", "IIII")
    assert not rejects("roman_numerals", "hard", "IIII")  # the parser's job is to say -1


# --------------------------------------------------------------------------- in the sandbox


@dataclass(frozen=True)
class Outcome:
    tag: str
    cases: int
    trimmed: int
    defects: tuple[str, ...]
    reference: ExecutionResult

    def line(self) -> str:
        return f"{self.tag}: {self.cases} differential cases ({self.trimmed} inputs not kept)"


async def _run(sb: Sandbox, program: Program, limits: Limits) -> ExecutionResult:
    result = await sb.run(program, limits)
    for _ in range(INFRA_RETRIES):  # a fork failing on a loaded machine is retried, never judged
        if not result.status.is_infrastructure:
            break
        result = await sb.run(program, limits)
    return result


async def _check(sb: Sandbox, tag: str, problem: Problem) -> Outcome:
    """The suite as the loop builds and cuts it (hardening, which only adds cases the cut keeps,
    is tested in test_oracle.py and test_round_oracle.py), and the reference on it."""
    config = OracleConfig()
    built = await build_differential_suite(sb, problem, config, max_answers=config.max_answers(problem.kind))
    assert built.suite is not None, f"{tag}: no differential case ({built.defects()})"
    own = await _run(sb, problem.program(problem.reference_solution), BASE)
    assert own.passed, f"{tag}: the reference fails its own tests: {own.message}"
    cut = trim_suite(problem, built, [], config)
    assert cut.suite is not None
    reference = await _run(sb, cut.suite.program(problem.reference_solution), BASE)
    return Outcome(
        tag=tag, cases=len(cut.cases), trimmed=cut.trimmed, defects=_defects(tag, built), reference=reference
    )


def _defects(tag: str, built: DifferentialSuite) -> tuple[str, ...]:
    expected = RAISES_BY_DESIGN.get(tag)
    if expected is None:
        return built.defects()
    raised = [
        f for f in built.reference_failures if f.reason.startswith(tuple(f"error: {e}:" for e in expected))
    ]
    return built.model_copy(
        update={"reference_failures": tuple(f for f in built.reference_failures if f not in raised)}
    ).defects()


def _variants(key: str) -> list[tuple[str, Variant]]:
    return [(f"{key}/{v.difficulty}", v) for v in family_by_key(key).variants]


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("key", [f.key for f in FAMILIES])
def test_a_familys_differential_suites_are_sound(key: str, run: Any, pool_sandbox: Any) -> None:
    outcomes = [run(_check(pool_sandbox, tag, to_problem(v))) for tag, v in _variants(key)]
    for o in outcomes:
        print(o.line())
    for o in outcomes:
        assert o.defects == (), f"{o.tag}: {o.defects}"
        assert o.reference.status is Status.PASSED, (
            f"{o.tag}: the reference fails its differential suite: {o.reference.status.value} "
            f"{o.reference.message} {[t.message[:200] for t in o.reference.tests if t.status is not Status.PASSED][:2]}"
        )
        assert o.cases >= 10, f"{o.tag}: only {o.cases} differential cases"
