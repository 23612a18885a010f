"""Static checks on drafted problems: each broken draft is caught with a concrete reason."""

from __future__ import annotations

import json

import pytest
from _problems import (
    KADANE_CASES,
    RUN_REFERENCE,
    RUN_STATEMENT,
    RUN_TESTS,
    function_problem,
    stdio_problem,
    stdio_tests,
)

from gapforge.models import Example, Problem
from gapforge.verifiers import StaticReport, check_static, count_tests, parse_stdio_cases


def problems_of(problem: Problem, **kwargs: int) -> tuple[str, ...]:
    report = check_static(problem, **kwargs)
    assert report.ok == (not report.problems)
    return report.problems


def test_good_problems_pass() -> None:
    assert check_static(function_problem()) == StaticReport(ok=True)
    assert check_static(stdio_problem()).ok


def test_report_is_consistent_and_frozen() -> None:
    with pytest.raises(ValueError, match="ok must be true exactly when"):
        StaticReport(ok=True, problems=("x",))
    report = StaticReport.of(["a"])
    with pytest.raises(ValueError, match="frozen"):
        report.ok = True  # type: ignore[misc]


# --------------------------------------------------------------------------- syntax and schema


def test_reference_syntax_error_names_the_line() -> None:
    bad = RUN_REFERENCE.replace("for i in range(1, len(xs)):", "for i in range(1, len(xs))")
    found = problems_of(function_problem(reference_solution=bad))
    assert any(p.startswith("the reference solution does not parse: line 6:") for p in found), found


def test_tests_syntax_error() -> None:
    found = problems_of(function_problem(tests=RUN_TESTS + "\ndef test_broken(:\n    pass\n"))
    assert any(p.startswith("the tests do not parse: line") for p in found), found


def test_entry_point_must_be_defined_by_the_reference() -> None:
    found = problems_of(
        function_problem(reference_solution=RUN_REFERENCE.replace("longest_run", "run_length"))
    )
    assert "the reference solution does not define the entry point `longest_run` at module level" in found


def test_entry_point_nested_in_a_class_does_not_count_but_an_alias_does() -> None:
    nested = "class S:\n    def longest_run(self, xs):\n        return 0\n"
    assert any(
        "does not define the entry point" in p
        for p in problems_of(function_problem(reference_solution=nested))
    )
    alias = RUN_REFERENCE.replace("def longest_run", "def _impl") + "\nlongest_run = _impl\n"
    assert not problems_of(function_problem(reference_solution=alias))


def test_tests_must_import_the_entry_point_from_solution() -> None:
    tests = RUN_TESTS.replace("from solution import longest_run", "from reference import longest_run")
    found = problems_of(function_problem(tests=tests))
    assert any("the tests never do `from solution import longest_run`" in p for p in found), found
    star = RUN_TESTS.replace("from solution import longest_run", "from solution import *")
    assert not problems_of(function_problem(tests=star))


def test_signature_must_name_the_entry_point() -> None:
    found = problems_of(function_problem(signature="def run_length(xs: list[int]) -> int:"))
    assert "the signature defines `run_length` but the entry point is `longest_run`" in found


# --------------------------------------------------------------------------- test counts


def test_too_few_test_functions() -> None:
    tests = (
        "from solution import longest_run\n\ndef test_a():\n    assert longest_run([]) == 0\n\n"
        "def helper():\n    pass\n"
    )
    found = problems_of(function_problem(tests=tests))
    assert "the tests have 1 test_* functions; at least 3 are required" in found
    assert not problems_of(function_problem(tests=tests), min_tests=1)


def test_count_tests_counts_classes_and_literal_parametrize() -> None:
    import ast

    src = """
import pytest
from solution import f

@pytest.mark.parametrize("x", [1, 2, 3])
def test_p(x):
    pass

class TestGroup:
    def test_one(self):
        pass
    def helper(self):
        pass

class Other:
    def test_ignored(self):
        pass

def test_plain():
    pass
"""
    assert count_tests(ast.parse(src)) == 5


def test_stdio_case_count_and_format() -> None:
    few = stdio_tests(KADANE_CASES[:2])
    assert "the tests have 2 test cases; at least 3 are required" in problems_of(stdio_problem(tests=few))
    for bad, why in [
        ("not json", "they are not valid JSON"),
        ("[]", "non-empty JSON list"),
        ('[{"input": "1"}]', 'case 0 must be an object with string fields "input" and "output"'),
        ('{"cases": [{"input": "1", "output": 2}]}', "case 0 must be an object"),
        ('{"cases": [{"input": "1", "output": "2"}], "float_tolerance": "x"}', "float_tolerance"),
    ]:
        found = problems_of(stdio_problem(tests=bad))
        assert any(p.startswith("the stdio tests are invalid:") and why in p for p in found), (bad, found)


def test_stdio_dict_form_is_accepted() -> None:
    cases = [{"input": i, "output": o} for i, o in KADANE_CASES]
    text = json.dumps({"cases": cases, "float_tolerance": 1e-6})
    assert len(parse_stdio_cases(text)) == len(KADANE_CASES)
    assert check_static(stdio_problem(tests=text)).ok


def test_stdio_needs_an_io_contract() -> None:
    found = problems_of(stdio_problem(io_contract=None))
    assert "a stdio problem must state its input/output formats in io_contract" in found


def test_stdio_examples_must_not_be_every_hidden_case() -> None:
    cases = KADANE_CASES[:3]
    examples = tuple(Example(input=i, output=o.strip()) for i, o in cases)
    found = problems_of(stdio_problem(tests=stdio_tests(cases), examples=examples))
    assert any("every hidden test case is also a visible example" in p for p in found), found
    # showing some of them is normal
    assert check_static(stdio_problem(examples=examples)).ok


# --------------------------------------------------------------------------- examples


def test_function_examples_must_be_call_arguments() -> None:
    stdin_style = Example(input="6\n1 3 2 4 5 6", output="4")
    found = problems_of(function_problem(examples=(stdin_style,)))
    assert any(p.startswith("example 1 input is not a Python expression or argument list") for p in found)


def test_function_example_calling_another_function() -> None:
    found = problems_of(function_problem(examples=(Example(input="solve([1, 2])", output="2"),)))
    assert "example 1 calls `solve` but the entry point is `longest_run`" in found
    ok = (Example(input="longest_run([1, 2])", output="2"), Example(input="[1, 2]\n", output="2"))
    assert not problems_of(function_problem(examples=ok))


def test_function_example_output_must_be_a_value() -> None:
    found = problems_of(function_problem(examples=(Example(input="[1]", output="1 2 3"),)))
    assert any(p.startswith("example 1 output is not a Python value") for p in found), found
    raises = (Example(input="[]", output="raises ValueError"),)
    assert not problems_of(function_problem(examples=raises))


def test_stdio_example_calling_the_entry_point() -> None:
    found = problems_of(stdio_problem(entry_point="main", examples=(Example(input="main(3)", output="3"),)))
    assert any("example 1 input calls `main`, but this is a stdio problem" in p for p in found), found


# --------------------------------------------------------------------------- leaks


def test_leaked_lines_in_the_statement_are_caught() -> None:
    leaked = RUN_STATEMENT + (
        "\n\nHint:\n```python\n    best = cur = 1\n    for i in range(1, len(xs)):\n"
        "        if xs[i] > xs[i - 1]:\n            cur += 1\n```\n"
    )
    found = problems_of(function_problem(statement=leaked))
    assert len(found) == 1
    assert found[0].startswith("the statement reveals the solution: 3 consecutive lines of the reference")
    assert "for i in range(1, len(xs)):" in found[0]


def test_leak_survives_reformatting_into_one_line() -> None:
    leaked = RUN_STATEMENT + (
        " One way to do it: for i in range(1,len(xs)): if xs[i]>xs[i-1]: cur+=1; best=max(best,cur) else: cur=1."
    )
    found = problems_of(function_problem(statement=leaked))
    assert any("consecutive tokens of the reference" in p for p in found), found


def test_leak_in_an_example_explanation() -> None:
    ex = Example(
        input="[1, 2]",
        output="2",
        explanation="best = cur = 1\nfor i in range(1, len(xs)):\n    if xs[i] > xs[i - 1]:",
    )
    found = problems_of(function_problem(examples=(ex,)))
    assert any(p.startswith("the statement reveals the solution") for p in found), found


def test_whole_one_line_body_is_a_leak() -> None:
    ref = "def second(xs):\n    '''Second largest distinct value.'''\n    return sorted(set(xs))[-2]\n"
    tests = "from solution import second\n\n" + "".join(
        f"def test_{i}():\n    assert second({xs}) == {want}\n\n"
        for i, (xs, want) in enumerate([([1, 2, 3], 2), ([5, 5, 1], 1), ([3, 1], 1)])
    )
    base = {"title": "Second", "entry_point": "second", "reference_solution": ref, "tests": tests}
    leaked = Problem(
        statement="Return the second largest distinct value; e.g. return sorted(set(xs))[-2]\n", **base
    )
    assert any("the whole body of `second`" in p for p in problems_of(leaked))
    leaked_line = Problem(
        statement="Return the second largest distinct value. Code:\n  return sorted(set(xs))[-2]\n", **base
    )
    assert any("the whole body of `second`" in p for p in problems_of(leaked_line))
    clean = Problem(
        statement="Return the second largest distinct value of the list xs (two at least).", **base
    )
    assert check_static(clean).ok


def test_no_false_leak_from_prose_signature_docstring_or_given_scaffolding() -> None:
    # the reference's docstring repeats the statement, the statement shows the signature and a
    # helper class the solver is given: none of these is the solution
    ref = '''
class Node:
    def __init__(self, val, nxt=None):
        self.val = val
        self.nxt = nxt
        self.seen = False
        self.depth = 0


def length(head):
    """Count the nodes of the linked list starting at head, following nxt until None."""
    n = 0
    while head is not None:
        n += 1
        head = head.nxt
    return n
'''
    statement = (
        "Count the nodes of the linked list starting at head, following nxt until None.\n"
        "You are given:\n```python\nclass Node:\n    def __init__(self, val, nxt=None):\n"
        "        self.val = val\n        self.nxt = nxt\n        self.seen = False\n        self.depth = 0\n```\n"
    )
    tests = "from solution import length, Node\n\n" + "".join(
        f"def test_{i}():\n    assert length({chain}) == {n}\n\n"
        for i, (chain, n) in enumerate([("None", 0), ("Node(1)", 1), ("Node(1, Node(2))", 2)])
    )
    p = Problem(
        title="List length",
        statement=statement,
        entry_point="length",
        signature="def length(head: Node | None) -> int:",
        reference_solution=ref,
        tests=tests,
    )
    assert check_static(p).ok, check_static(p).problems


def test_leak_thresholds_are_configurable() -> None:
    two_lines = RUN_STATEMENT + "\n\n    for i in range(1, len(xs)):\n        if xs[i] > xs[i - 1]:\n"
    found = problems_of(function_problem(statement=two_lines))
    assert any("24 consecutive tokens" in p for p in found), found  # 24 tokens, 2 lines
    assert not problems_of(function_problem(statement=two_lines), leak_min_tokens=30)
    found = problems_of(function_problem(statement=two_lines), leak_min_tokens=30, leak_min_lines=2)
    assert any("2 consecutive lines" in p for p in found), found


def test_all_problems_are_reported_together() -> None:
    p = function_problem(
        tests="from solution import longest_run\n\ndef test_a():\n    assert longest_run([]) == 0\n",
        signature="def other(xs):",
        examples=(Example(input="6\n1 2", output="4"),),
    )
    assert len(problems_of(p)) == 3


def test_check_program_is_what_sandbox_run_checks_before_running() -> None:
    from gapforge.verifiers.static import check_program

    tests = "from solution import f\n\ndef test_f():\n    assert f() == 1\n"
    assert check_program("function", "def f():\n    return 1\n", tests).ok
    # a solution that does not parse is the program's failure, judged in the sandbox
    assert check_program("function", "def f(:\n", tests).ok
    report = check_program("function", "  \n", "def helper():\n    pass\n", tests_label="the tests file t.py")
    assert report.problems == (
        "the solution is empty: there is nothing to run",
        "the tests file t.py defines no test_* function",
    )
    (problem,) = check_program("function", "x = 1", "def test_f(:\n    pass\n").problems
    assert problem.startswith("the test file does not parse: line 1")
    (problem,) = check_program("stdio", "print(1)", '[{"input": 1}]').problems
    assert "holds no usable stdio cases" in problem and "case 0" in problem
    assert check_program("stdio", "print(1)", '[{"input": "", "output": "1"}]').ok
