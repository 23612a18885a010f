"""Test oracles: Problem's oracle fields, input mutation and encoding (no Docker), and differential
suites, hardening and the false-pass check in the real sandbox."""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest

from gapforge.demo.bank import all_variants, to_problem
from gapforge.models import Example, Problem
from gapforge.verifiers.oracle import (
    DifferentialSuite,
    HiddenSuite,
    KnownWrong,
    OracleCase,
    OracleConfig,
    OracleMeasures,
    build_differential_suite,
    false_passes,
    harden,
    oracle_measures,
    render_suite,
    surviving_mutants,
)
from gapforge.verifiers.oracle.inputs import (
    Encoded,
    encode,
    encode_args,
    function_inputs_in,
    mutate_args,
    mutate_text,
    stdio_inputs_in,
    value_variants,
)
from gapforge.verifiers.oracle.programs import draw_program, new_mark, parse_records, reference_program
from gapforge.verifiers.static import check_static, count_tests, parse_stdio_cases

FIXTURE_PROBLEMS = Path(__file__).parent / "fixtures" / "run-v1" / "records" / "problems.jsonl"

# --------------------------------------------------------------------------- the example

OSA_REFERENCE = """\
def swap_edit_distance(a, b):
    n, m = len(a), len(b)
    before = None
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i]
        for j in range(1, m + 1):
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, before[j - 2] + 1)
            cur.append(v)
        before, prev = prev, cur
    return prev[m]
"""
# Weak on purpose: nothing where b[-1] matches a swap partner in the first column.
OSA_WEAK_TESTS = """\
from solution import swap_edit_distance


def test_example():
    assert swap_edit_distance("abcd", "acbd") == 1


def test_plain_edits():
    assert swap_edit_distance("kitten", "sitting") == 3


def test_empty_and_equal():
    assert swap_edit_distance("", "ab") == 2
    assert swap_edit_distance("ab", "ab") == 0


def test_swap():
    assert swap_edit_distance("ab", "ba") == 1
"""
OSA_GENERATOR = """\
def generate(rng):
    alphabet = rng.choice(["ab", "abc", "x", "xy"])
    a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
    b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
    return (a, b)
"""
OSA_VALIDATOR = """\
def validate(a, b):
    if not isinstance(a, str) or not isinstance(b, str):
        raise TypeError("a and b are strings")
    if len(a) > 500 or len(b) > 500:
        raise ValueError("at most 500 characters each")
"""
# The audit's surviving mutant: `j > 1` -> `j >= 1` reads before[-1] in the first column.
OSA_MUTANT = OSA_REFERENCE.replace("and j > 1 and", "and j >= 1 and")
# The same program written differently: no input tells it apart.
OSA_EQUIVALENT = OSA_REFERENCE.replace("v = min(v, before[j - 2] + 1)", "v = min(before[j - 2] + 1, v)")


def osa_problem(**changes: Any) -> Problem:
    fields: dict[str, Any] = {
        "title": "Edit Distance With Adjacent Swaps",
        "statement": "Return the optimal string alignment distance between `a` and `b` "
        "(insert, delete, replace, swap two adjacent characters). `len(a), len(b) <= 500`.",
        "entry_point": "swap_edit_distance",
        "signature": "def swap_edit_distance(a: str, b: str) -> int: ...",
        "reference_solution": OSA_REFERENCE,
        "tests": OSA_WEAK_TESTS,
        "examples": (Example(input='swap_edit_distance("abcd", "acbd")', output="1"),),
        "input_generator": OSA_GENERATOR,
        "input_validator": OSA_VALIDATOR,
    }
    fields.update(changes)
    return Problem(**fields)


# --------------------------------------------------------------------------- a stdio problem

SUM_REFERENCE = """\
import sys

data = sys.stdin.read().split()
n = int(data[0])
xs = [int(t) for t in data[1 : 1 + n]]
print(sum(xs))
print("%.3f" % (sum(xs) / n))
"""
SUM_TESTS = json.dumps(
    [
        {"input": "3\n1 2 3\n", "output": "6\n2.000\n"},
        {"input": "1\n-5\n", "output": "-5\n-5.000\n"},
        {"input": "2\n10 20\n", "output": "30\n15.000\n"},
    ]
)
SUM_GENERATOR = """\
def generate(rng):
    n = rng.randint(1, 6)
    return "%d\\n%s\\n" % (n, " ".join(str(rng.randint(-50, 50)) for _ in range(n)))
"""
SUM_VALIDATOR = """\
def validate(text):
    lines = text.split("\\n")
    n = int(lines[0])
    if not 1 <= n <= 1000:
        raise ValueError("1 <= n <= 1000")
    xs = lines[1].split()
    if len(xs) != n:
        raise ValueError("n numbers on the second line")
    for x in xs:
        if not -10**6 <= int(x) <= 10**6:
            raise ValueError("|x| <= 10**6")
    if any(line.strip() for line in lines[2:]):
        raise ValueError("two lines")
"""


def sum_problem(**changes: Any) -> Problem:
    fields: dict[str, Any] = {
        "title": "Sum And Mean",
        "statement": "Read n and n integers; print their sum, then their mean with 3 decimals.",
        "kind": "stdio",
        "io_contract": "Line 1: n (1 <= n <= 1000). Line 2: n integers. Output: the sum, then the mean.",
        "reference_solution": SUM_REFERENCE,
        "tests": SUM_TESTS,
        "input_generator": SUM_GENERATOR,
        "input_validator": SUM_VALIDATOR,
    }
    fields.update(changes)
    return Problem(**fields)


# --------------------------------------------------------------------------- a problem with many answers

ARGMAX_REFERENCE = """\
def argmax(xs):
    return xs.index(max(xs))
"""
ARGMAX_LAST = """\
def argmax(xs):
    return len(xs) - 1 - xs[::-1].index(max(xs))
"""
ARGMAX_WRONG = """\
def argmax(xs):
    return xs.index(min(xs))
"""
ARGMAX_CHECKER = """\
def check(args, expected, got):
    (xs,) = args
    return isinstance(got, int) and 0 <= got < len(xs) and xs[got] == xs[expected]
"""


def argmax_problem() -> Problem:
    return Problem(
        title="Any Position Of The Maximum",
        statement="Return any index i of the non-empty list `xs` with xs[i] == max(xs).",
        entry_point="argmax",
        reference_solution=ARGMAX_REFERENCE,
        tests="from solution import argmax\n\n\ndef test_one():\n    assert argmax([3, 1]) == 0\n",
        input_generator="def generate(rng):\n    return ([rng.randint(0, 3) for _ in range(rng.randint(1, 6))],)\n",
        input_validator="def validate(xs):\n    assert isinstance(xs, list) and xs\n",
        checker=ARGMAX_CHECKER,
    )


# =========================================================================== no Docker


def test_a_problem_without_oracle_fields_keeps_its_json_and_id() -> None:
    rows = [json.loads(line) for line in FIXTURE_PROBLEMS.read_text().splitlines() if line.strip()]
    assert rows
    for row in rows:
        problem = Problem.model_validate(row["problem"])
        assert problem.model_dump(mode="json") == row["problem"]
        assert problem.id == row["problem_id"]
    for variant in all_variants()[:10]:
        full = to_problem(variant)
        assert full.input_generator and full.input_validator  # the bank carries its oracles
        bare = full.model_copy(update={"input_generator": None, "input_validator": None, "checker": None})
        assert not {"input_generator", "input_validator", "checker"} & set(bare.model_dump(mode="json"))
        assert bare.id != full.id


def test_oracle_fields_round_trip_and_change_the_id() -> None:
    plain = osa_problem(input_generator=None, input_validator=None)
    full = osa_problem(checker="def check(args, expected, got):\n    return got == expected\n")
    assert full.id != plain.id
    assert Problem.model_validate_json(full.model_dump_json()) == full
    dumped = full.model_dump(mode="json")
    assert dumped["input_generator"] == OSA_GENERATOR and dumped["checker"].startswith("def check")
    only_generator = osa_problem(input_validator=None)
    assert (
        "input_validator" not in only_generator.model_dump() and "checker" not in only_generator.model_dump()
    )


def test_static_checks_parse_the_oracle_sources() -> None:
    assert check_static(osa_problem()).ok
    report = check_static(
        osa_problem(
            input_generator="def gen(rng):\n    return ()\n",
            input_validator="def validate(:\n",
            checker="x = 1\n",
        )
    )
    text = "\n".join(report.problems)
    assert "the input generator must define a top-level function `generate`" in text
    assert "the input validator does not parse" in text
    assert "the checker must define a top-level function `check`" in text


@pytest.mark.parametrize(
    "value",
    [0, -3, 2.5, "a'b\"c\n", (1, [2, (3,)]), {"k": [1, 2]}, {1, 2}, None, True, [], float("inf")],
)
def test_values_encode_and_decode_exactly(value: object) -> None:
    enc = encode(value)
    assert enc is not None
    back = enc.value()
    assert back == value and repr(back) == repr(value)
    assert eval(enc.expr(), {"_json": json}) == value  # what a test module rebuilds


def test_values_that_do_not_round_trip_are_refused() -> None:
    assert encode(float("nan")) is None
    assert encode(object()) is None
    assert encode(frozenset({1})) is None  # its repr is a call, and JSON has no sets
    assert encode(float("inf")) == Encoded("json", "Infinity")


def test_mutations_are_deterministic_typed_and_new() -> None:
    args = encode_args(["xxxxxx", [3, 1, 2], 4])
    assert args is not None
    first = list(mutate_args(args, random.Random(7)))
    assert first == list(mutate_args(args, random.Random(7)))
    assert args not in first and len(first) == len(set(first))
    for variant in first:
        values = [v.value() for v in variant]
        assert [type(v) for v in values] == [str, list, int]
    assert value_variants(0, random.Random(0)) == [1, -1]
    assert [] in value_variants([1, 2], random.Random(0))
    assert "" in value_variants("ab", random.Random(0))
    texts = list(mutate_text("3\n1 2 3\n", random.Random(1)))
    assert "4\n1 2 3\n" in texts and "3\n1 2 3\n" not in texts
    assert texts == list(mutate_text("3\n1 2 3\n", random.Random(1)))


def test_inputs_are_found_in_the_tests_and_examples() -> None:
    found = function_inputs_in(osa_problem())
    exprs = [tuple(a.value() for a in x) for x in found]
    assert exprs[:2] == [("abcd", "acbd"), ("kitten", "sitting")]
    assert ("", "ab") in exprs and len(exprs) == len(set(exprs))
    assert stdio_inputs_in(sum_problem()) == ["3\n1 2 3\n", "1\n-5\n", "2\n10 20\n"]


def _run_module(tmp_path: Path, tests: str, solution: str, test_name: str) -> str:
    """Run one generated test function in a plain interpreter (our own sources: no sandbox needed)."""
    (tmp_path / "solution.py").write_text(solution)
    (tmp_path / "oracle_mod.py").write_text(tests)
    code = f"import oracle_mod; oracle_mod.{test_name}()"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def test_drawing_is_deterministic_and_validated(tmp_path: Path) -> None:
    problem = osa_problem(
        input_validator=OSA_VALIDATOR + "    if a == b:\n        raise ValueError('differ')\n"
    )
    mark = new_mark()
    program = draw_program(
        mark=mark,
        kind="function",
        generator=OSA_GENERATOR,
        validator=problem.input_validator,
        given=function_inputs_in(problem),
        n=30,
        seed=3,
        cpu_s=1.0,
    )
    first = parse_records(_run_module(tmp_path, program, "", "test_draw"), mark)
    again = parse_records(_run_module(tmp_path, program, "", "test_draw"), mark)
    assert first == again
    generated = [r for r in first if r["k"] == "gen"]
    assert len(generated) == 30 and all("x" in r for r in generated)
    assert any(r["bad"] for r in generated if r["x"][0] == r["x"][1])
    given = [r for r in first if r["k"] == "given"]
    assert [r["bad"] is not None for r in given].count(True) == 1  # ("ab", "ab") in the tests
    other_seed = draw_program(
        mark=mark, kind="function", generator=OSA_GENERATOR, validator=None, given=[], n=30, seed=4, cpu_s=1.0
    )
    shifted = parse_records(_run_module(tmp_path, other_seed, "", "test_draw"), mark)
    assert [r["x"] for r in shifted] != [r["x"] for r in generated]


def test_the_reference_program_reports_each_input(tmp_path: Path) -> None:
    mark = new_mark()
    inputs = [encode_args(["ab", "ba"]), encode_args([1, 2]), encode_args(["x" * 501, ""])]
    program = reference_program(
        mark=mark,
        kind="function",
        entry_point="swap_edit_distance",
        validator=OSA_VALIDATOR,
        checker=None,
        inputs=[(x, True) for x in inputs if x is not None],
        cpu_s=1.0,
        repeats=2,
    )
    records = parse_records(_run_module(tmp_path, program, OSA_REFERENCE, "test_reference"), mark)
    outs = [r for r in records if r["k"] == "out"]
    assert outs[0] == {"k": "out", "i": 0, "s": "ok", "y": ["repr", "1"]}
    assert outs[1]["s"] == "invalid" and "strings" in outs[1]["m"]
    assert outs[2]["s"] == "invalid"


def test_emitted_suites_parse_and_count_their_cases() -> None:
    cases = [
        OracleCase(name="diff_000", origin="generated", input="('ab', 'ba')", expected="1"),
        OracleCase(name="diff_001", origin="boundary", input="('', '')", expected="0"),
    ]
    suite = render_suite(osa_problem(), cases, 1e-6)
    assert suite is not None and suite.kind == "function"
    assert count_tests(ast.parse(suite.tests)) == 2
    assert suite.case_name("test_diff_001") == "diff_001"
    stdio = render_suite(
        sum_problem(),
        [OracleCase(name="diff_000", origin="generated", input="1\n2\n", expected="2\n2.000\n")],
        1e-3,
    )
    assert stdio is not None and stdio.kind == "stdio"
    assert parse_stdio_cases(stdio.tests) == [("1\n2\n", "2\n2.000\n")]
    assert json.loads(stdio.tests)["float_tolerance"] == 1e-3
    checked = render_suite(
        sum_problem(checker="def check(text, expected, got):\n    return True\n"), [], 1e-6
    )
    assert checked is None


def test_measures_are_flat_and_frozen() -> None:
    suite = DifferentialSuite(suite=None, cases=(), drawn=5, mutations_tried=3, duplicates=1)
    measures = oracle_measures(suite)
    assert measures == OracleMeasures(
        inputs_drawn=8,
        inputs_kept=0,
        rejected_by_validator=0,
        duplicates=1,
        generator_errors=0,
        test_inputs_rejected=0,
        reference_failures=0,
    )
    with pytest.raises(ValueError):
        measures.inputs_kept = 3  # type: ignore[misc]
    assert OracleMeasures.model_validate_json(measures.model_dump_json()) == measures


# =========================================================================== Docker


@pytest.mark.docker
def test_a_function_suite_is_deterministic_and_judges(run: Any, pool_sandbox: Any) -> None:
    problem = osa_problem()
    config = OracleConfig(n_inputs=30, max_mutations=20, seed=11)
    built = run(build_differential_suite(pool_sandbox, problem, config))
    again = run(build_differential_suite(pool_sandbox, problem, config))
    assert built.cases == again.cases  # same seed, same inputs and answers
    assert built.suite is not None and len(built.cases) >= 25
    assert {c.origin for c in built.cases} >= {"generated", "mutation"}
    assert built.reference_failures == () and built.generator_errors == ()
    assert built.executions == 2
    keys = set()
    for _ in range(5):
        result = run(pool_sandbox.run(built.suite.program(OSA_REFERENCE)))
        assert result.passed, result.message
        keys.add(result.verdict_key())
    assert len(keys) == 1  # 0 flaky tests over 5 repeats
    wrong = run(pool_sandbox.run(built.suite.program(OSA_REFERENCE.replace("+ 1)", "+ 2)"))))
    assert not wrong.passed


@pytest.mark.docker
def test_a_stdio_suite_keeps_only_valid_mutations(run: Any, pool_sandbox: Any) -> None:
    built = run(
        build_differential_suite(pool_sandbox, sum_problem(), OracleConfig(n_inputs=12, max_mutations=30))
    )
    assert built.suite is not None and built.suite.kind == "stdio"
    cases = parse_stdio_cases(built.suite.tests)
    assert len(cases) == len(built.cases) >= 12
    assert built.rejected  # e.g. "3\n1 2 3" with n moved to 4
    for given, want in cases:
        n, *rest = given.split()
        assert int(n) == len(rest)
        assert want.splitlines()[0] == str(sum(int(t) for t in rest))
    result = run(pool_sandbox.run(built.suite.program(SUM_REFERENCE)))
    assert result.passed, result.tests[:2]
    assert json.loads(built.suite.tests)["float_tolerance"] == 1e-6


@pytest.mark.docker
def test_reference_failures_and_hangs_are_dropped_and_reported(run: Any, pool_sandbox: Any) -> None:
    reference = (
        "import os\n\n\ndef f(x):\n"
        "    if x == 3:\n        raise ValueError('three')\n"
        "    while x == 5:\n        pass\n"
        "    if x == 7:\n        os._exit(1)  # takes the whole run down: resumed after this input\n"
        "    return x * 2\n"
    )
    problem = Problem(
        title="Double",
        statement="Return twice x, for integers 0 <= x <= 9.",
        entry_point="f",
        reference_solution=reference,
        tests="from solution import f\n\n\ndef test_one():\n    assert f(1) == 2\n",
        input_generator="def generate(rng):\n    return (rng.randint(0, 9),)\n",
    )
    built = run(
        build_differential_suite(pool_sandbox, problem, OracleConfig(n_inputs=40, cpu_per_input_s=0.3))
    )
    kept = {ast.literal_eval(c.input)[0] for c in built.cases}
    assert kept == set(range(10)) - {3, 5, 7}
    reasons = {f.input: f.reason for f in built.reference_failures}
    assert set(reasons) == {"(3,)", "(5,)", "(7,)"}
    assert reasons["(3,)"].startswith("error: ValueError: three")
    assert reasons["(5,)"].startswith("timeout")
    assert reasons["(7,)"].startswith("error")
    assert built.executions == 3  # the draw, the reference run, its resumption after x == 7
    assert built.duplicates == 40 - 10
    assert built.mutations_tried == 0  # no validator: drawn inputs only


@pytest.mark.docker
def test_the_swap_mutant_survives_the_weak_tests_and_hardening_kills_it(run: Any, pool_sandbox: Any) -> None:
    problem = osa_problem()
    assert run(pool_sandbox.run(problem.program(OSA_MUTANT))).passed  # the gap the audit found
    assert run(pool_sandbox.run(problem.program(OSA_EQUIVALENT))).passed

    from gapforge.verifiers.mutation import Mutant, MutationOperator

    def mutant(source: str, what: str) -> Mutant:
        return Mutant(MutationOperator.BOUNDARY, what, 9, source, "")

    built = run(build_differential_suite(pool_sandbox, problem, OracleConfig(n_inputs=40, max_mutations=30)))
    report = run(
        harden(pool_sandbox, problem, built, [mutant(OSA_MUTANT, "j >= 1"), mutant(OSA_EQUIVALENT, "no-op")])
    )
    assert [m.description for m in report.killed] == ["j >= 1"]
    assert [m.description for m in report.probably_equivalent] == ["no-op"]
    assert report.suite is not None and len(report.cases) == 1
    # the distinguishing input really tells them apart
    (case,) = report.cases
    a, b = ast.literal_eval(case.input)
    ns_ref: dict[str, Any] = {}
    ns_mut: dict[str, Any] = {}
    exec(OSA_REFERENCE, ns_ref)
    exec(OSA_MUTANT, ns_mut)
    assert ns_ref["swap_edit_distance"](a, b) == int(case.expected) != ns_mut["swap_edit_distance"](a, b)
    # the input: the true distance is 3 (three deletions); the mutant answers 2
    assert ns_ref["swap_edit_distance"]("xxxxxx", "xxx") == 3
    assert ns_mut["swap_edit_distance"]("xxxxxx", "xxx") == 2

    # the false-pass check: the challenger's tests alone let it through; with the hardened case it fails
    wrong = [KnownWrong(label="j >= 1", source=OSA_MUTANT)]
    alone = run(false_passes(pool_sandbox, [HiddenSuite.of(problem)], wrong))
    assert alone.passing == ("j >= 1",) and not alone.ok
    final = run(false_passes(pool_sandbox, [HiddenSuite.of(problem), report.suite], wrong))
    assert final.ok and final.checked == 1
    measures = oracle_measures(built, report, final)
    assert measures.mutants_killed_by_hardening == 1 and measures.probably_equivalent == 1
    assert measures.false_passes == 0 and measures.inputs_kept == len(built.cases)


@pytest.mark.docker
def test_a_stdio_checker_accepts_another_valid_answer(run: Any, pool_sandbox: Any) -> None:
    reference = "xs = list(map(int, input().split()))\nprint(xs.index(max(xs)))\n"
    last = "xs = list(map(int, input().split()))\nprint(len(xs) - 1 - xs[::-1].index(max(xs)))\n"
    checker = (
        "def check(text, expected, got):\n"
        "    xs = list(map(int, text.split()))\n"
        "    i = int(got.strip())\n"
        "    return 0 <= i < len(xs) and xs[i] == xs[int(expected)]\n"
    )
    problem = Problem(
        title="Any Position Of The Maximum (stdin)",
        statement="Read integers on one line; print any index of their maximum.",
        kind="stdio",
        io_contract="One line of 1..10 integers; print one index.",
        reference_solution=reference,
        tests=json.dumps([{"input": "3 1\n", "output": "0\n"}]),
        input_generator="def generate(rng):\n    return ' '.join(str(rng.randint(0, 2)) for _ in range(5)) + '\\n'\n",
        checker=checker,
    )
    built = run(build_differential_suite(pool_sandbox, problem, OracleConfig(n_inputs=8)))
    assert built.suite is not None and built.suite.kind == "function"  # the checker runs in pytest
    assert run(pool_sandbox.run(built.suite.program(reference))).passed
    assert run(pool_sandbox.run(built.suite.program(last))).passed
    assert not run(pool_sandbox.run(built.suite.program("print(-1)\n"))).passed


def test_without_differential_cases_no_survivor_is_called_equivalent(run: Any) -> None:
    from gapforge.verifiers.mutation import Mutant, MutationOperator

    empty = DifferentialSuite(suite=None, cases=(), drawn=0, mutations_tried=0, duplicates=0)
    survivor = Mutant(MutationOperator.BOUNDARY, "j >= 1", 9, OSA_MUTANT, "")
    report = run(harden(cast(Any, None), osa_problem(), empty, [survivor]))  # never runs anything
    assert report.untested == ("j >= 1",) and not report.probably_equivalent and not report.killed


@pytest.mark.docker
def test_a_checker_accepts_another_valid_answer(run: Any, pool_sandbox: Any) -> None:
    problem = argmax_problem()
    built = run(build_differential_suite(pool_sandbox, problem, OracleConfig(n_inputs=30, max_mutations=10)))
    assert built.suite is not None and built.reference_failures == ()
    assert run(pool_sandbox.run(built.suite.program(ARGMAX_REFERENCE))).passed
    assert run(pool_sandbox.run(built.suite.program(ARGMAX_LAST))).passed  # another right answer
    assert not run(pool_sandbox.run(built.suite.program(ARGMAX_WRONG))).passed
    strict = render_suite(problem.model_copy(update={"checker": None}), built.cases, 1e-6)
    assert strict is not None
    assert not run(pool_sandbox.run(strict.program(ARGMAX_LAST))).passed  # exact answers would refuse it


@pytest.mark.docker
def test_a_broken_generator_is_a_finding_not_an_exception(run: Any, pool_sandbox: Any) -> None:
    # max_mutations=0: mutations of the tests' own inputs would still make cases
    wrong_type = osa_problem(input_generator="def generate(rng):\n    return ['a', 'b']\n")
    built = run(build_differential_suite(pool_sandbox, wrong_type, OracleConfig(n_inputs=3, max_mutations=0)))
    assert built.suite is None and built.cases == ()
    assert built.generator_errors == ("generate must return a tuple of arguments, got list",) * 3
    broken = osa_problem(input_generator="raise RuntimeError('no')\n\n\ndef generate(rng):\n    return ()\n")
    built = run(build_differential_suite(pool_sandbox, broken, OracleConfig(n_inputs=3, max_mutations=0)))
    assert built.suite is None and len(built.generator_errors) == 1
    assert built.generator_errors[0].startswith("3 draws never came back (error)")
    assert "RuntimeError: no" in built.generator_errors[0]
    assert oracle_measures(built).generator_errors == 1


def test_only_literals_from_the_sandbox_reach_a_test_module() -> None:
    """Answers are pasted into test modules as source: a forged record must not smuggle code."""
    from gapforge.verifiers.oracle.suite import _answer_text, _decode_input

    assert _answer_text("function", ["repr", "[1, (2, 'x')]"]) == "[1, (2, 'x')]"
    assert _answer_text("function", ["json", "Infinity"]) == "_json.loads('Infinity')"
    assert _answer_text("function", ["repr", "__import__('os').system('true')"]) is None
    assert _answer_text("function", ["repr", "[" * 5000 + "]" * 5000]) is None
    assert _answer_text("function", ["json", "[" * 100_000]) is None
    assert _answer_text("function", ["eval", "1"]) is None
    assert _decode_input("function", [["repr", "1"], ["repr", "f()"]]) is None
    assert _decode_input("stdio", "\ud800") is None


def test_surviving_mutants_are_rebuilt_from_a_mutation_report() -> None:
    from gapforge.sandbox import Status
    from gapforge.verifiers.mutation import MutantRecord, MutationReport, generate_mutants

    problem = osa_problem()
    mutants = generate_mutants(OSA_REFERENCE, max_mutants=30, seed=0)

    def record(m: Any) -> MutantRecord:
        return MutantRecord(operator=m.operator, description=m.description, diff=m.diff, status=Status.PASSED)

    report = MutationReport(
        sites=40,
        killed=tuple(record(m) for m in mutants[2:]),
        survived=(record(mutants[0]),),
        equivalent_suspects=(record(mutants[1]),),
    )
    assert surviving_mutants(problem, report) == (mutants[0], mutants[1])


def test_defects_name_what_is_wrong_with_the_problem_not_with_mutations() -> None:
    from gapforge.verifiers.oracle import InputNote

    clean = DifferentialSuite(
        suite=None,
        cases=(),
        drawn=3,
        mutations_tried=2,
        duplicates=0,
        rejected=(InputNote(origin="mutation", input="('', 'a')", reason="too short"),),
    )
    assert clean.defects() == ()
    broken = clean.model_copy(
        update={
            "rejected": (InputNote(origin="generated", input="(-1,)", reason="ValueError: x >= 0"),),
            "test_inputs_rejected": (InputNote(origin="test", input="(99,)", reason="x <= 9"),),
            "reference_failures": tuple(
                InputNote(origin="generated", input=f"({i},)", reason="error: boom") for i in range(5)
            ),
        }
    )
    found = broken.defects()
    assert found[0] == "1 generated inputs that the input validator rejects: (-1,) (ValueError: x >= 0)"
    assert found[1].startswith("1 test or example inputs")
    assert (
        found[2].startswith("5 valid inputs the reference solution cannot answer")
        and "and 2 more" in found[2]
    )


def test_trimming_keeps_the_hardening_cases_and_a_mix_of_origins() -> None:
    from gapforge.verifiers.oracle import DifferentialSuite, OracleConfig, trim_suite

    problem = sum_problem()
    origins = ("generated", "boundary", "mutation")
    cases = tuple(
        OracleCase(name=f"diff_{k:03d}", origin=origins[k % 3], input=f"{k}\n", expected=f"{k}\n")
        for k in range(40)
    )
    built = DifferentialSuite(
        suite=render_suite(problem, cases, 1e-6), cases=cases, drawn=40, mutations_tried=0,
        duplicates=0, reference_cpu_s=4.0,
    )  # fmt: skip
    config = OracleConfig(max_cases_stdio=10)
    trimmed = trim_suite(problem, built, ["diff_039", "diff_017"], config)
    names = [c.name for c in trimmed.cases]
    assert len(names) == 10 and {"diff_039", "diff_017"} <= set(names)
    assert names == sorted(names), "the kept cases keep their order"
    assert {c.origin for c in trimmed.cases} == set(origins)
    assert trimmed.trimmed == 30 and trimmed.reference_cpu_s == pytest.approx(1.0)
    assert trimmed.suite is not None and "diff_039" in trimmed.suite.tests
    dropped = next(c.name for c in cases if c.name not in names)
    assert dropped not in trimmed.suite.tests
    assert trim_suite(problem, built, ["diff_039", "diff_017"], config) == trimmed, "seeded: the same cut"
    # a function problem's cap is larger; a suite within its cap is returned unchanged
    assert trim_suite(problem, built, [], OracleConfig(max_cases_stdio=40)) is built
