"""What a solver may learn from an execution: public examples in full, hidden tests as counts.

Design rule (DESIGN.md §9.16): what a solver sees is what a model may train on. The problem's
public examples are in its statement, so a failing example is shown with its input, the expected
and the actual output. Hidden tests reach the solver only as counts and error classes ("3 of 12
hidden tests failed: AssertionError x2, timeout x1"): never their source, names, inputs, expected
values, the program's output on them, or sandbox paths.

Public examples are judged in a separate execution (:func:`example_program`), so the hidden
verdict and the score stay exactly what the hidden tests say.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter

from gapforge.models import Example, Problem
from gapforge.sandbox.base import ExecutionResult, Program, Status, TestRecord

__all__ = [
    "analyst_detail",
    "error_class",
    "example_feedback",
    "example_program",
    "executable_examples",
    "hidden_summary",
    "redact_paths",
    "solver_feedback",
]

_EXC = re.compile(r"\b([A-Z][A-Za-z0-9_]*(?:Error|Exception|Exit|Interrupt))\b")
_SOLUTION_LINE = re.compile(r"solution\.py\", line (\d+)")
# Absolute paths (the sandbox's work dirs, the harness, the interpreter's library) in any message.
_PATH = re.compile(r"(?:/[\w.\-+]+){2,}/?")
_KILLED = {
    Status.TIMEOUT: "timeout (CPU limit)",
    Status.MEMORY_EXCEEDED: "memory limit exceeded",
    Status.OUTPUT_EXCEEDED: "output limit exceeded",
}
EXAMPLE_PREFIX = "test_example_"
DETAIL_CAP = 300
COMPILE_LINES = 8
COMPILE_CAP = 800


def redact_paths(text: str) -> str:
    return _PATH.sub("<path>", text)


def error_class(test: TestRecord, kind: str = "function") -> str:
    """A hidden test's failure as a class name: never its message's content."""
    if test.status in _KILLED:
        return _KILLED[test.status]
    if test.status is Status.COMPILE_ERROR:
        return "compile error"
    match = _EXC.search(test.message)
    if match:
        return match.group(1)
    if test.status is Status.FAILED:
        return "wrong answer" if kind == "stdio" else "AssertionError"
    return "runtime error"


def hidden_summary(result: ExecutionResult, kind: str = "function") -> str:
    """Counts and error classes of the failing hidden tests; for a program that did not load, the
    error class and its line in the solver's own file."""
    tests = [t for t in result.tests if t.status is not Status.PASSED]
    total = len(result.tests)
    unit = "test case" if kind == "stdio" else "test"
    lines: list[str] = []
    if tests:
        classes = Counter(error_class(t, kind) for t in tests)
        mix = ", ".join(f"{name} x{n}" for name, n in classes.most_common())
        lines.append(f"{len(tests)} of {total} hidden {unit}s failed: {mix}")
    elif result.status is Status.COMPILE_ERROR:
        # The compiler's output is about the solver's own source, never the hidden tests: its first
        # lines (paths redacted) are what a repair needs.
        head = "\n".join(redact_paths(result.message).strip().splitlines()[:COMPILE_LINES])[:COMPILE_CAP]
        lines.append("your program did not compile (compile error); the hidden tests did not run")
        if head:
            lines.append("compiler output (first lines):\n" + head)
    elif result.status is not Status.PASSED:
        lines.append(f"the hidden {unit}s did not run to completion ({_KILLED.get(result.status, 'error')})")
    load_error = result.message if result.message.startswith("could not load") else ""
    if load_error or (tests and all(t.message.startswith("not run:") for t in tests)):
        text = load_error or tests[0].message
        cls = _EXC.search(text)
        line = _SOLUTION_LINE.findall(text)
        where = f" at line {line[-1]} of your solution" if line else ""
        lines.append(f"your program could not be loaded: {cls.group(1) if cls else 'error'}{where}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- public examples


def _call_args(text: str) -> str | None:
    """``nums = [1, 2], k = 3`` or ``[1, 2], 3`` as call arguments, if it is a valid argument list."""
    try:
        tree = ast.parse(f"_f({text})", mode="eval")
    except SyntaxError:
        # "nums = [1, 2], k = 3" is not valid as written only when it has a trailing period etc.
        return None
    call = tree.body
    if not isinstance(call, ast.Call):
        return None
    try:
        for arg in [*call.args, *(k.value for k in call.keywords)]:
            ast.literal_eval(arg)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return text


def _literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def executable_examples(problem: Problem) -> list[tuple[int, Example]]:
    """The public examples that can be run: stdio examples always; function examples whose input
    is a literal argument list and whose output a literal."""
    out = []
    for i, ex in enumerate(problem.examples, 1):
        if problem.kind == "stdio" or (_call_args(ex.input) is not None and _literal(ex.output)):
            out.append((i, ex))
    return out


_SAME = """
import math


def _same(got, expected):
    if isinstance(expected, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-6)
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        return len(got) == len(expected) and all(_same(g, e) for g, e in zip(got, expected))
    return got == expected
"""


def example_program(problem: Problem, solution: str) -> Program | None:
    """The public examples as a test program for ``solution`` (None when none can be run)."""
    examples = executable_examples(problem)
    if not examples:
        return None
    if problem.kind == "stdio":
        cases = [{"input": _nl(ex.input), "output": ex.output} for _, ex in examples]
        return Program(kind="stdio", solution=solution, tests=json.dumps(cases), language=problem.language)
    entry = problem.entry_point
    parts = [f"from solution import {entry}", _SAME]
    for i, ex in examples:
        parts.append(
            f"def {EXAMPLE_PREFIX}{i}():\n"
            f"    try:\n"
            f"        got = {entry}({ex.input})\n"
            f"    except Exception as exc:\n"
            f'        raise AssertionError(f"raised {{type(exc).__name__}}: {{exc}}") from None\n'
            f"    expected = {ex.output}\n"
            f'    assert _same(got, expected), f"returned {{got!r}}, expected {{expected!r}}"\n'
        )
    return Program(kind="function", solution=solution, tests="\n\n".join(parts))


def _nl(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def _example_detail(test: TestRecord, kind: str) -> str:
    if test.status in _KILLED:
        return _KILLED[test.status]
    message = redact_paths(test.message)
    if kind == "function":
        found = re.search(r"(?:returned|raised) .*", message)
        detail = found.group(0) if found else error_class(test, kind)
    else:
        detail = message.strip().splitlines()[-1] if message.strip() else error_class(test, kind)
    return detail[:DETAIL_CAP]


def example_feedback(problem: Problem, result: ExecutionResult) -> str:
    """Failing public examples in full: input, expected output, what the program did."""
    examples = executable_examples(problem)
    lines: list[str] = []
    for (i, ex), test in zip(examples, result.tests, strict=False):
        if test.status is Status.PASSED:
            continue
        lines.append(
            f"- Example {i} failed: {_example_detail(test, problem.kind)}\n"
            f"  input: {ex.input[:DETAIL_CAP]}\n  expected: {ex.output[:DETAIL_CAP]}"
        )
    if lines:
        passed = len(examples) - len(lines)
        lines.insert(0, f"Public examples: {passed} of {len(examples)} passed.")
    elif examples and result.status is Status.PASSED:
        lines.append(f"Public examples: all {len(examples)} passed.")
    return "\n".join(lines)


def solver_feedback(
    problem: Problem, result: ExecutionResult, examples: ExecutionResult | None = None
) -> str:
    """The execution feedback a repair turn shows: public examples in full (when they were run),
    then the hidden tests as counts and error classes."""
    parts = [
        example_feedback(problem, examples) if examples is not None else "",
        hidden_summary(result, problem.kind),
    ]
    return "\n".join(p for p in parts if p)


def analyst_detail(result: ExecutionResult, cap: int = 1500) -> str:
    """Failing tests by name with their capped messages and the program's stderr: for analysts and
    for roles that see the hidden tests anyway (the reviewer, the optimizer's analyzer), never for
    a solver."""
    lines = []
    for t in result.tests:
        if t.status is not Status.PASSED:
            msg = t.message.strip()[:300]
            lines.append(f"- {t.name}: {t.status.value}" + (f"\n  {msg}" if msg else ""))
    if not lines and result.message:
        lines.append(result.message[:500])
    if result.stderr.strip():
        lines.append("stderr (last lines):\n" + result.stderr.strip()[-500:])
    return "\n".join(lines)[:cap]
