"""Deliberately broken challenger drafts, one generator per kind of flaw a real model makes.

* ``wrong_reference``: the reference is one of the variant's own bugs, so it fails its tests.
* ``flaky_test``: function problems get an extra test that depends on unseeded randomness;
  stdio problems get a reference that misbehaves at random (JSON cases cannot be random), in
  the reference's own language (a C++ static initializer, a JavaScript first statement).
* ``weak_tests``: tests that an obviously wrong ``witness`` solution passes (smoke calls without
  asserts for functions; one example repeated for stdio); the witness is in the variant's
  language.
* ``leaked_solution``: the statement shows the reference code.
* ``invalid_json``: the JSON answer is cut off mid-object.
* ``prose_without_code``: a chatty answer with no JSON at all.

Every kind works for the bank's C++ and JavaScript families as for the Python ones.

The first four parse into a Problem and must be caught by validity checks; the last two must be
caught by parsing.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, replace
from typing import Literal

from gapforge.demo.bank.schema import Variant, problem_json, to_problem
from gapforge.models import Problem

FlawKind = Literal[
    "wrong_reference", "flaky_test", "weak_tests", "leaked_solution", "invalid_json", "prose_without_code"
]
FLAW_KINDS: tuple[FlawKind, ...] = (
    "wrong_reference",
    "flaky_test",
    "weak_tests",
    "leaked_solution",
    "invalid_json",
    "prose_without_code",
)
UNPARSEABLE: frozenset[FlawKind] = frozenset({"invalid_json", "prose_without_code"})

FLAKY_TEST_NAME = "test_random_stress"
FLAKY_FUNCTION_TEST = """


def test_random_stress():
    import random

    sample = random.random()
    assert sample < 0.5, "random stress sample %.3f disagrees with the checker" % sample
"""
# per process: with five or more cases about half of all runs see at least one bad case
FLAKY_STDIO_PREFIX = """import random as _random

if _random.random() < 0.1:
    print(-1)
    raise SystemExit(0)

"""
# The same misbehaviour in the other languages the bank has: before anything else runs, one run
# in ten prints -1 and exits successfully.
FLAKY_STDIO_PREFIXES: dict[str, str] = {
    "python": FLAKY_STDIO_PREFIX,
    "cpp": """#include <cstdio>
#include <cstdlib>
#include <random>

static const int flaky_guard = [] {
    if (std::random_device{}() % 10 == 0) {
        std::puts("-1");
        std::exit(0);
    }
    return 0;
}();

""",
    "javascript": """if (Math.random() < 0.1) {
  console.log(-1);
  process.exit(0);
}

""",
}
MIN_SMOKE_TESTS = 5


@dataclass(frozen=True)
class FlawedDraft:
    """What the challenger sends (``text``) and, when it parses, the Problem it describes."""

    kind: FlawKind
    variant: Variant
    text: str
    problem: Problem | None
    witness: str | None = None  # weak_tests: an obviously wrong solution the draft's tests accept
    flaky_test: str | None = None  # flaky_test (function kind): the test that depends on chance


def flawed_draft(variant: Variant, kind: FlawKind, *, salt: int = 0) -> FlawedDraft:
    """A broken draft of ``variant``; ``salt`` varies where invalid JSON is cut."""
    good = to_problem(variant)
    if kind == "wrong_reference":
        bug = next(b for b in variant.bugs if b.label != "too_slow")
        return _parsed(kind, variant, good.model_copy(update={"reference_solution": bug.code}))
    if kind == "flaky_test":
        if variant.kind == "function":
            problem = good.model_copy(update={"tests": good.tests.rstrip("\n") + "\n" + FLAKY_FUNCTION_TEST})
            return replace(_parsed(kind, variant, problem), flaky_test=FLAKY_TEST_NAME)
        prefix = _for_language(FLAKY_STDIO_PREFIXES, variant)
        problem = good.model_copy(update={"reference_solution": prefix + good.reference_solution})
        return _parsed(kind, variant, problem)
    if kind == "weak_tests":
        tests, witness = _weak_tests(variant)
        return replace(_parsed(kind, variant, good.model_copy(update={"tests": tests})), witness=witness)
    if kind == "leaked_solution":
        # no code fence: a fence inside the JSON string would break fenced-JSON extraction
        statement = good.statement + "\n\nFor reference, a correct solution:\n\n" + good.reference_solution
        return _parsed(kind, variant, good.model_copy(update={"statement": statement}))
    if kind == "invalid_json":
        full = problem_json(good)
        cut = int(len(full) * (0.3 + 0.5 * ((salt * 0.6180339887) % 1.0)))
        text = full[: max(cut, 1)]
        # a cut object can never parse, but keep the claim checked rather than assumed
        while _parses(text):
            text = text[:-1]
        return FlawedDraft(kind, variant, "```json\n" + text if salt % 2 else text, None)
    if kind == "prose_without_code":
        text = (
            f'I would propose a problem called "{variant.title}". It is a good fit for the topic '
            "because the obvious approach misses an edge case, and the hidden tests would cover small "
            "cases, boundary values and one large input. Let me know if you would like me to write out "
            "the full specification, the reference solution and the tests."
        )
        return FlawedDraft(kind, variant, text, None)
    raise ValueError(f"unknown flaw kind {kind!r}; choose one of: {', '.join(FLAW_KINDS)}")


def _parsed(kind: FlawKind, variant: Variant, problem: Problem) -> FlawedDraft:
    return FlawedDraft(kind, variant, problem_json(problem), problem)


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _for_language(by_language: dict[str, str], variant: Variant) -> str:
    try:
        return by_language[variant.language]
    except KeyError:
        raise ValueError(
            f"no flawed draft of {variant.title!r}: the bank's flaws know {', '.join(by_language)}, "
            f"not {variant.language}"
        ) from None


def _print_program(language: str, output: str) -> str:
    """A program in ``language`` that prints ``output`` and ignores its input."""
    if language == "python":
        return f"import sys\n\nsys.stdout.write({output!r})\n"
    # a JSON string is a valid C++ and JavaScript string literal for the bank's (ASCII) outputs
    literal = json.dumps(output)
    programs = {
        "cpp": f"#include <cstdio>\n\nint main() {{\n    std::fputs({literal}, stdout);\n    return 0;\n}}\n",
        "javascript": f"process.stdout.write({literal});\n",
    }
    if language not in programs:
        raise ValueError(
            f"no weak-tests witness in {language}; the bank's flaws know python, {', '.join(programs)}"
        )
    return programs[language]


def _weak_tests(variant: Variant) -> tuple[str, str]:
    if variant.kind == "stdio":
        shown = {ex.input.strip() for ex in variant.examples}
        cases = json.loads(variant.tests)
        # a case that is not a visible example, so only the weakness itself gives the draft away
        first = next((c for c in cases if c["input"].strip() not in shown), cases[0])
        cases = [{"input": first["input"], "output": first["output"]} for _ in range(MIN_SMOKE_TESTS)]
        return json.dumps(cases, indent=1), _print_program(variant.language, first["output"])
    entry = variant.entry_point
    assert entry is not None
    calls: list[str] = []
    tree = ast.parse(variant.tests)
    nodes = sorted(
        (
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == entry
        ),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for node in nodes:
        try:
            for arg in node.args:
                ast.literal_eval(arg)
        except ValueError:
            continue
        segment = ast.get_source_segment(variant.tests, node)
        if segment and segment not in calls and "\n" not in segment and len(segment) < 200:
            calls.append(segment)
    parts = [f"from solution import {entry}\n"]
    for i, call in enumerate(calls[:MIN_SMOKE_TESTS], 1):
        parts.append(f"\ndef test_runs_{i}():\n    {call}\n")
    for i in range(len(calls[:MIN_SMOKE_TESTS]) + 1, MIN_SMOKE_TESTS + 1):
        parts.append(f"\ndef test_defined_{i}():\n    assert callable({entry})\n")
    witness = f"def {entry}(*args, **kwargs):\n    return None\n"
    return "\n".join(parts), witness
