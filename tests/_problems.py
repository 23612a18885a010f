"""Small hand-written problems for the verifier tests: good ones and each kind of broken one."""

from __future__ import annotations

import json
from typing import Any

from gapforge.models import Example, Problem

RUN_REFERENCE = '''\
def longest_run(xs):
    """Length of the longest strictly increasing contiguous run."""
    if not xs:
        return 0
    best = cur = 1
    for i in range(1, len(xs)):
        if xs[i] > xs[i - 1]:
            cur += 1
            best = max(best, cur)
        else:
            cur = 1
    return best
'''

RUN_TESTS = """\
from solution import longest_run


def test_empty():
    assert longest_run([]) == 0


def test_single():
    assert longest_run([7]) == 1


def test_increasing():
    assert longest_run([1, 2, 3, 4]) == 4


def test_decreasing():
    assert longest_run([4, 3, 2, 1]) == 1


def test_equal_elements_break_a_run():
    assert longest_run([2, 2, 2]) == 1
    assert longest_run([1, 2, 2, 3]) == 2


def test_run_in_the_middle():
    assert longest_run([5, 1, 2, 3, 0]) == 3


def test_run_at_the_end():
    assert longest_run([3, 1, 2, 3, 4]) == 4
    assert longest_run([1, 2, 0]) == 2


def test_two_runs_longest_first():
    assert longest_run([1, 2, 3, 1, 2]) == 3


def test_negative_numbers():
    assert longest_run([-3, -2, -5, -4, -1]) == 3
"""

RUN_STATEMENT = (
    "Given a list of integers, return the length of its longest contiguous run in which every "
    "element is strictly greater than the one before it. An empty list has no run, so the answer "
    "is 0; a single element is a run of length 1."
)


def function_problem(**changes: Any) -> Problem:
    """A good function problem; ``changes`` replaces fields to break it in one way."""
    fields: dict[str, Any] = {
        "title": "Longest increasing run",
        "statement": RUN_STATEMENT,
        "kind": "function",
        "entry_point": "longest_run",
        "signature": "def longest_run(xs: list[int]) -> int:",
        "reference_solution": RUN_REFERENCE,
        "tests": RUN_TESTS,
        "examples": (
            Example(input="[1, 3, 2, 4, 5, 6]", output="4", explanation="the run 2, 4, 5, 6"),
            Example(input="xs = [5, 5]", output="1"),
        ),
    }
    fields.update(changes)
    return Problem(**fields)


# the same problem with an off-by-one reference: equal neighbours extend the run
WRONG_REFERENCE = RUN_REFERENCE.replace("xs[i] > xs[i - 1]", "xs[i] >= xs[i - 1]")

# every test is decided by a coin flip or the clock, so repeated runs disagree
FLAKY_TESTS = (
    "from solution import longest_run\nimport random\nimport time\n\n"
    + "\n".join(
        f"\ndef test_coin_{i}():\n    assert longest_run([1, 2]) == 2\n    assert random.random() < 0.5\n"
        for i in range(6)
    )
    + (
        "\ndef test_clock():\n    assert longest_run([1]) == 1\n    assert time.perf_counter_ns() // 1000 % 2 == 0\n"
    )
)

# every run passes, but the test ids are random, so the set of tests differs between runs
RANDOM_ID_TESTS = """\
import random

import pytest

from solution import longest_run


@pytest.mark.parametrize("n", [random.randrange(10**9) for _ in range(3)])
def test_long_increasing(n):
    assert longest_run(list(range(n % 50))) == n % 50
"""

# a single assert that `return 0` satisfies
TRIVIAL_TESTS = """\
from solution import longest_run


def test_empty():
    assert longest_run([]) == 0
"""

# a single assert no trivial program passes, but most mutants do
WEAK_TESTS = """\
from solution import longest_run


def test_one_case():
    assert longest_run([1, 2, 3]) == 3
"""

KADANE_REFERENCE = """\
import sys


def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    xs = [int(t) for t in data[1:1 + n]]
    best = cur = xs[0]
    for x in xs[1:]:
        cur = max(x, cur + x)
        best = max(best, cur)
    print(best)


main()
"""

KADANE_CASES = [
    ("1\n5\n", "5\n"),
    ("1\n-5\n", "-5\n"),
    ("3\n-3 -1 -2\n", "-1\n"),
    ("5\n1 2 3 4 5\n", "15\n"),
    ("6\n2 -1 2 -5 3 1\n", "4\n"),
    ("5\n-2 1 -3 4 -1\n", "4\n"),
    ("8\n-2 1 -3 4 -1 2 1 -5\n", "6\n"),
    ("4\n3 -10 2 2\n", "4\n"),
    ("3\n0 0 0\n", "0\n"),
    ("4\n-1 3 -1 3\n", "5\n"),
]


def stdio_tests(cases: list[tuple[str, str]]) -> str:
    return json.dumps([{"input": i, "output": o} for i, o in cases])


def stdio_problem(**changes: Any) -> Problem:
    fields: dict[str, Any] = {
        "title": "Maximum subarray sum",
        "statement": "Given n integers, print the largest sum of a non-empty contiguous subarray.",
        "kind": "stdio",
        "io_contract": "Input: n on the first line, then n integers separated by spaces. "
        "Output: one integer.",
        "reference_solution": KADANE_REFERENCE,
        "tests": stdio_tests(KADANE_CASES),
        "examples": (Example(input="3\n-1 2 -1\n", output="2"),),
    }
    fields.update(changes)
    return Problem(**fields)
