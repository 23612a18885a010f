"""What a solver may learn from an execution: failing public examples in full, hidden tests as
counts and error classes only. The example programs run in the real sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from gapforge.models import Example, Problem
from gapforge.prompts.feedback import (
    example_program,
    executable_examples,
    hidden_summary,
    solver_feedback,
)
from gapforge.sandbox import ExecutionResult, Status, TestRecord

TESTS = """\
from solution import total


def test_small():
    assert total([1, 2, 3]) == 6


def test_secret_edge():
    assert total([10**9, -(10**9), 123456789]) == 123456789
"""


def problem(**update: Any) -> Problem:
    base = Problem(
        title="Sum a list",
        statement="Return the sum of the integers in `nums` (the list may be empty).",
        entry_point="total",
        signature="def total(nums: list[int]) -> int: ...",
        reference_solution="def total(nums):\n    return sum(nums)\n",
        tests=TESTS,
        examples=(
            Example(input="nums = [1, 2, 3]", output="6"),
            Example(input="[]", output="0"),
            Example(input="a list of three ones", output="3"),  # prose: shown, not run
        ),
    )
    return base.model_copy(update=update)


def test_hidden_tests_reach_the_solver_as_counts_and_classes_only() -> None:
    secret = "assert total([10**9, -(10**9), 123456789]) == 123456789"
    result = ExecutionResult(
        status=Status.FAILED,
        tests=(
            TestRecord(name="test_small", status=Status.PASSED),
            TestRecord(
                name="test_secret_edge",
                status=Status.FAILED,
                message=f'AssertionError: {secret}\n  File "/tmp/work-abc/test_solution.py", line 9',
            ),
            TestRecord(name="test_other", status=Status.TIMEOUT, message="CPU limit of 1 s exceeded"),
            TestRecord(name="test_crash", status=Status.ERROR, message="IndexError: list index out of range"),
        ),
    )
    text = hidden_summary(result)
    assert text == "3 of 4 hidden tests failed: AssertionError x1, timeout (CPU limit) x1, IndexError x1"
    for leaked in (secret, "test_secret_edge", "/tmp/work", "123456789", "index out of range"):
        assert leaked not in text


def test_a_program_that_does_not_load_is_told_where_in_its_own_file() -> None:
    msg = "not run: File \"/tmp/work-x/solution.py\", line 3\n    def total(nums)\n SyntaxError: expected ':'"
    result = ExecutionResult(
        status=Status.ERROR,
        message="could not load the solution or the tests: " + msg,
        tests=(TestRecord(name="test_small", status=Status.ERROR, message=msg),),
    )
    text = hidden_summary(result)
    assert "your program could not be loaded: SyntaxError at line 3 of your solution" in text
    assert "/tmp" not in text


def test_only_literal_examples_are_run() -> None:
    assert [i for i, _ in executable_examples(problem())] == [1, 2]


@pytest.mark.docker
def test_failing_public_examples_are_shown_in_full(run: Any, pool_sandbox: Any) -> None:
    p = problem()
    wrong = "def total(nums):\n    return sum(nums[1:])\n"
    program = example_program(p, wrong)
    assert program is not None
    examples = run(pool_sandbox.run(program))
    hidden = run(pool_sandbox.run(p.program(wrong)))
    text = solver_feedback(p, hidden, examples)
    assert "Public examples: 1 of 2 passed." in text
    assert "Example 1 failed: returned 5, expected 6" in text
    assert "input: nums = [1, 2, 3]" in text
    assert "2 of 2 hidden tests failed" in text or "1 of 2 hidden tests failed" in text
    assert "123456789" not in text and "/tmp" not in text
    right = run(pool_sandbox.run(example_program(p, p.reference_solution)))  # type: ignore[arg-type]
    assert right.passed
    crashing = "def total(nums):\n    return nums[5]\n"
    crash = run(pool_sandbox.run(example_program(p, crashing)))  # type: ignore[arg-type]
    assert "raised IndexError" in solver_feedback(p, hidden, crash)


@pytest.mark.docker
def test_stdio_examples_run_as_cases(run: Any, pool_sandbox: Any) -> None:
    p = Problem(
        title="Double it",
        statement="Read an integer n and print 2*n.",
        kind="stdio",
        io_contract="One integer in, one integer out.",
        reference_solution="print(2 * int(input()))\n",
        tests='[{"input": "21\\n", "output": "42"}, {"input": "1000000\\n", "output": "2000000"}]',
        examples=(Example(input="3", output="6"),),
    )
    program = example_program(p, "print(int(input()) + 2)\n")
    assert program is not None and program.kind == "stdio"
    result = run(pool_sandbox.run(program))
    text = solver_feedback(p, result, result)
    assert "Example 1 failed" in text and "expected: 6" in text
    assert "2000000" not in text
