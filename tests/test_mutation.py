"""Mutation testing: the generator's operators and the sandbox-run mutation score."""

from __future__ import annotations

import ast
from typing import Any

from _problems import WEAK_TESTS, function_problem

from gapforge.models import Problem
from gapforge.sandbox import Limits, Status
from gapforge.verifiers import (
    MutantRecord,
    MutationOperator,
    MutationReport,
    all_mutants,
    generate_mutants,
    mutation_score,
    mutation_sites,
)

SAMPLE = '''\
from typing import Literal


def f(xs: list[int], k: int, mode: Literal[7, 8] = 7) -> list[int]:
    """Docstrings are never mutated."""
    out = []
    total = 0
    for i, x in enumerate(xs):
        if x < k and i % 2 == 0:
            total += x * 3
        elif x >= k or not x:
            continue
        else:
            total -= 1
        if x == 5:
            continue
    if total > 100:
        return [total]
    flag = True
    return out + xs[1:len(xs)] if flag else []


def g(n):
    return n
    n += 10


if __name__ == "__main__":
    print(f([1, 2], 99))
'''


def by_operator(source: str = SAMPLE, **kwargs: Any) -> dict[MutationOperator, list[str]]:
    found: dict[MutationOperator, list[str]] = {}
    for m in all_mutants(source, **kwargs):
        found.setdefault(m.operator, []).append(m.description)
    return found


def test_every_operator_kind_is_produced() -> None:
    found = by_operator()
    assert set(found) == set(MutationOperator)
    joined = {op: "\n".join(d) for op, d in found.items()}
    assert "`x * 3` -> `x / 3`" in joined[MutationOperator.ARITHMETIC]
    assert "`total += x * 3` -> `total -= x * 3`" in joined[MutationOperator.ARITHMETIC]
    assert "`x < k` -> `x <= k`" in joined[MutationOperator.BOUNDARY]
    assert "`x >= k` -> `x > k`" in joined[MutationOperator.BOUNDARY]
    assert "`x < k` -> `x > k`" in joined[MutationOperator.COMPARISON]
    assert "`x == 5` -> `x != 5`" in joined[MutationOperator.COMPARISON]
    assert "constant 3 -> 4" in joined[MutationOperator.CONSTANT]
    assert "constant 3 -> 2" in joined[MutationOperator.CONSTANT]
    assert "`True` -> `False`" in joined[MutationOperator.CONSTANT]
    assert (
        "condition `x < k and i % 2 == 0` -> `not (x < k and i % 2 == 0)`"
        in joined[MutationOperator.NEGATION]
    )
    assert "`not x` -> `not not x`" in joined[MutationOperator.NEGATION]
    assert "`return [total]` -> `return []`" in joined[MutationOperator.RETURN]
    assert "body of `if total > 100:` removed" in joined[MutationOperator.REMOVE_BRANCH]
    assert "else branch of `if x < k and i % 2 == 0:` removed" in joined[MutationOperator.REMOVE_BRANCH]
    assert "`xs[1:len(xs)]` -> `xs[2:len(xs)]`" in joined[MutationOperator.SLICE]
    assert "`xs[1:len(xs)]` -> `xs[1:len(xs) - 1]`" in joined[MutationOperator.SLICE]
    assert "`x < k and i % 2 == 0` -> `x < k or i % 2 == 0`" in joined[MutationOperator.LOGICAL]


def test_every_mutant_compiles_differs_and_is_unique() -> None:
    mutants = all_mutants(SAMPLE)
    original = ast.unparse(ast.parse(SAMPLE))
    sources = [m.source for m in mutants]
    assert len(mutants) > 40
    assert len(set(sources)) == len(sources)
    for m in mutants:
        compile(m.source, "<mutant>", "exec")
        assert m.source != original
        assert m.description.startswith(f"line {m.lineno}: ")
        assert m.diff
        assert all(line[:1] in "+-" for line in m.diff.splitlines())


def test_descriptions_use_the_original_line_numbers() -> None:
    lines = SAMPLE.splitlines()
    for m in all_mutants(SAMPLE):
        if m.operator is MutationOperator.BOUNDARY and "`x < k` -> `x <= k`" in m.description:
            assert "x < k" in lines[m.lineno - 1]
            assert m.diff == "-        if x < k and i % 2 == 0:\n+        if x <= k and i % 2 == 0:"
            break
    else:
        raise AssertionError("the boundary mutant of `x < k` is missing")


def test_untouched_regions() -> None:
    texts = [m.source for m in all_mutants(SAMPLE)]
    # annotations and docstrings are not program logic
    assert all("Literal[7, 8]" in t for t in texts)
    assert all("Docstrings are never mutated." in t for t in texts)
    # an imported module never runs its main guard
    assert all("print(f([1, 2], 99))" in t for t in texts)
    assert any(
        "print(f([1, 2], 98))" in t for t in (m.source for m in all_mutants(SAMPLE, skip_main_guard=False))
    )
    setup = "import sys\nsys.setrecursionlimit(10 ** 6)\n\ndef h(n):\n    return n + 1\n"
    assert all("10 ** 6" in m.source for m in all_mutants(setup))


def test_equivalence_hints() -> None:
    hints = {m.description: m.equivalence_hint for m in all_mutants(SAMPLE)}
    assert hints["line 20: `xs[1:len(xs)]` -> `xs[1:len(xs) + 1]`"] == (
        "moves a slice's end past the end of the sequence"
    )
    assert hints["line 15: body of `if x == 5:` removed"] == "removes a `continue` at the end of a loop body"
    assert hints["line 25: constant 10 -> 11"] == "mutates unreachable code"
    assert hints["line 10: `x * 3` -> `x / 3`"] is None


def test_generation_is_deterministic_and_capped_evenly() -> None:
    every = all_mutants(SAMPLE)
    assert all_mutants(SAMPLE) == every
    picked = generate_mutants(SAMPLE, max_mutants=10, seed=3)
    assert len(picked) == 10
    assert picked == generate_mutants(SAMPLE, max_mutants=10, seed=3)
    assert picked != generate_mutants(SAMPLE, max_mutants=10, seed=4)
    # one pick per tenth of the source-ordered sites, so the picks stay in order and span the code
    assert mutation_sites(SAMPLE) >= len(every)
    sources = [m.source for m in every]
    positions = [sources.index(m.source) for m in picked]
    assert len(set(positions)) == 10
    assert [m.lineno for m in picked] == sorted(m.lineno for m in picked)
    assert min(positions) < len(every) // 5
    assert max(positions) >= len(every) * 7 // 10
    assert generate_mutants(SAMPLE, max_mutants=10_000) == every


def test_a_large_reference_only_builds_the_sampled_mutants() -> None:
    import inspect
    import time

    from gapforge.verifiers import static

    source = inspect.getsource(static)  # a few hundred lines of real code
    assert mutation_sites(source) > 200
    start = time.process_time()
    picked = generate_mutants(source, max_mutants=20, seed=1)
    assert time.process_time() - start < 3.0
    assert len(picked) == 20
    assert len({m.operator for m in picked}) >= 4


def test_no_mutation_sites_means_no_mutants() -> None:
    assert all_mutants("def f(x):\n    pass\n") == ()
    (only,) = all_mutants("def f(x):\n    return x\n")
    assert only.description == "line 2: `return x` -> `return None`"


# --------------------------------------------------------------------------- scoring in the sandbox


def test_good_tests_kill_the_mutants(run: Any, local_sandbox: Any) -> None:
    report = run(mutation_score(local_sandbox, function_problem(), Limits(cpu_seconds=4), max_mutants=12))
    assert isinstance(report, MutationReport)
    assert report.total == 12
    assert report.sites >= 20
    assert report.score == 1.0, report.summary()
    assert not report.unmeasured
    assert all(r.status is not Status.PASSED for r in report.killed)


def test_weak_tests_let_mutants_survive_with_their_diff(run: Any, local_sandbox: Any) -> None:
    problem = function_problem(tests=WEAK_TESTS)
    report = run(mutation_score(local_sandbox, problem, Limits(cpu_seconds=4), max_mutants=40))
    assert report.total == len(all_mutants(problem.reference_solution)) <= report.sites
    assert report.score < 0.7
    survivor = next(
        r for r in report.survived if "`xs[i] > xs[i - 1]` -> `xs[i] >= xs[i - 1]`" in r.description
    )
    assert survivor.operator is MutationOperator.BOUNDARY
    assert survivor.status is Status.PASSED
    assert survivor.diff == "-        if xs[i] > xs[i - 1]:\n+        if xs[i] >= xs[i - 1]:"
    assert "line 7: `xs[i] > xs[i - 1]` -> `xs[i] >= xs[i - 1]` [boundary]" in report.summary(limit=50)
    # killed mutants say which test caught them
    assert any(r.message.startswith("test_one_case") for r in report.killed)


def test_a_mutant_that_times_out_counts_as_killed(run: Any, local_sandbox: Any) -> None:
    ref = "def count_up(n):\n    i = 0\n    while i < n:\n        i += 1\n    return i\n"
    tests = "from solution import count_up\n\n" + "".join(
        f"def test_{n}():\n    assert count_up({n}) == {n}\n\n" for n in (0, 1, 5)
    )
    problem = Problem(
        title="Count up",
        statement="Return n by counting up from zero one step at a time.",
        entry_point="count_up",
        reference_solution=ref,
        tests=tests,
    )
    report = run(
        mutation_score(local_sandbox, problem, Limits(cpu_seconds=1, wall_seconds=10), max_mutants=50)
    )
    timed_out = [r for r in report.killed if r.status is Status.TIMEOUT]
    assert any("`i += 1` -> `i -= 1`" in r.description for r in timed_out), report
    assert not any(r.status is Status.TIMEOUT for r in report.survived)


def test_report_arithmetic() -> None:
    rec = MutantRecord(
        operator=MutationOperator.CONSTANT, description="d", diff="-a\n+b", status=Status.FAILED
    )
    alive = rec.model_copy(update={"status": Status.PASSED})
    suspect = alive.model_copy(update={"equivalence_hint": "mutates unreachable code"})
    broken = rec.model_copy(update={"status": Status.SANDBOX_ERROR})
    report = MutationReport(
        sites=9,
        killed=(rec, rec, rec),
        survived=(alive,),
        equivalent_suspects=(suspect,),
        unmeasured=(broken,),
    )
    assert report.total == 5  # unmeasured mutants count nowhere
    assert report.score == 0.6
    assert "maybe equivalent: mutates unreachable code" in report.summary()
    assert MutationReport(sites=0).score == 1.0
