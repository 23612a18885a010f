"""Sandbox validity of a drafted problem: are its hidden tests a trustworthy judge?

Checks, in order, stopping at the first failure (each later check costs more executions):

1. ``reference``: the reference solution passes every hidden test, on each of ``runs`` runs;
2. ``deterministic``: every test has the same result on every run (else flaky -> invalid);
3. ``trivial``: placeholder programs (``pass``, return the first argument, echo the input, ...)
   fail the tests;
4. ``mutation``: the tests kill at least ``mutation_threshold`` of the reference's mutants.

A ``sandbox_error`` anywhere is infrastructure, not the problem's fault: :func:`check_validity`
raises :class:`~gapforge.errors.SandboxError` and never calls the problem invalid for it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from gapforge.errors import ConfigError, SandboxError
from gapforge.models import Problem
from gapforge.sandbox.base import ExecutionResult, Limits, Sandbox, Status
from gapforge.sandbox.determinism import repeat_run
from gapforge.verifiers.budgets import mutant_limits
from gapforge.verifiers.mutation import MutationReport, mutation_score


class ValidityCheck(StrEnum):
    REFERENCE = "reference"
    DETERMINISTIC = "deterministic"
    TRIVIAL = "trivial"
    MUTATION = "mutation"


class ValidityReport(BaseModel):
    """The outcome of :func:`check_validity`; ``reason`` names the first failed check."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid: bool
    reason: str
    failed_check: ValidityCheck | None = None
    reference_result: ExecutionResult | None = None
    flaky_tests: tuple[str, ...] = ()
    trivial_passed: tuple[str, ...] = ()
    mutation: MutationReport | None = None
    reference_cpu_s: float | None = None  # the slowest reference run; scale limits with it


@dataclass(frozen=True)
class TrivialSolution:
    name: str
    source: str


# Per language: a program that reads its input and prints nothing, one that echoes it, one that
# prints 0 (the stdio placeholders of the Python list below).
_TRIVIAL_STDIO: dict[str, tuple[str, str, str]] = {
    "cpp": (
        "#include <iostream>\n#include <string>\nint main() {\n    std::string s;\n"
        "    while (std::getline(std::cin, s)) {}\n    return 0;\n}\n",
        "#include <iostream>\nint main() {\n    std::cout << std::cin.rdbuf();\n    return 0;\n}\n",
        "#include <iostream>\nint main() {\n    std::cout << 0 << std::endl;\n    return 0;\n}\n",
    ),
    "rust": (
        "use std::io::Read;\nfn main() {\n    let mut s = String::new();\n"
        "    std::io::stdin().read_to_string(&mut s).unwrap();\n}\n",
        "use std::io::{Read, Write};\nfn main() {\n    let mut s = String::new();\n"
        "    std::io::stdin().read_to_string(&mut s).unwrap();\n"
        "    std::io::stdout().write_all(s.as_bytes()).unwrap();\n}\n",
        'fn main() {\n    println!("0");\n}\n',
    ),
    "go": (
        'package main\n\nimport (\n\t"io"\n\t"os"\n)\n\nfunc main() {\n\tio.ReadAll(os.Stdin)\n}\n',
        'package main\n\nimport (\n\t"io"\n\t"os"\n)\n\nfunc main() {\n\tio.Copy(os.Stdout, os.Stdin)\n}\n',
        'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println(0)\n}\n',
    ),
    "java": (
        "public class Main {\n    public static void main(String[] args) throws Exception {\n"
        "        System.in.readAllBytes();\n    }\n}\n",
        "public class Main {\n    public static void main(String[] args) throws Exception {\n"
        "        System.out.write(System.in.readAllBytes());\n        System.out.flush();\n    }\n}\n",
        "public class Main {\n    public static void main(String[] args) {\n"
        "        System.out.println(0);\n    }\n}\n",
    ),
    "javascript": (
        'require("fs").readFileSync(0);\n',
        'process.stdout.write(require("fs").readFileSync(0));\n',
        "console.log(0);\n",
    ),
}


def trivial_solutions(problem: Problem) -> tuple[TrivialSolution, ...]:
    """Placeholder programs that no useful test suite accepts, in the problem's language."""
    if problem.language != "python":
        nothing, echo, zero = _TRIVIAL_STDIO[problem.language]
        return (
            TrivialSolution("prints nothing", nothing),
            TrivialSolution("echoes its input", echo),
            TrivialSolution("prints 0", zero),
        )
    if problem.kind == "stdio":
        return (
            TrivialSolution("prints nothing", "import sys\nsys.stdin.read()\n"),
            TrivialSolution("echoes its input", "import sys\nsys.stdout.write(sys.stdin.read())\n"),
            TrivialSolution("prints 0", "print(0)\n"),
        )
    name = problem.entry_point or "solve"
    bodies = (
        ("does nothing (`pass`, returns None)", "pass"),
        ("returns its first argument", "return args[0] if args else next(iter(kwargs.values()), None)"),
        ("returns 0", "return 0"),
        ("returns an empty list", "return []"),
        ("returns True", "return True"),
        ("returns False", "return False"),
    )
    return tuple(
        TrivialSolution(label, f"def {name}(*args, **kwargs):\n    {body}\n") for label, body in bodies
    )


def _raise_if_infra(result: ExecutionResult, what: str) -> None:
    if result.status.is_infrastructure:
        raise SandboxError(
            f"the sandbox failed while running {what}: {result.message or 'sandbox_error'}; "
            "this says nothing about the problem; check the sandbox and retry the check"
        )


def _failure_text(result: ExecutionResult, limit: int = 300) -> str:
    bad = [t for t in result.tests if t.status is not Status.PASSED]
    if not bad:
        return f"{result.status.value}: {result.message[:limit]}" if result.message else result.status.value
    first = bad[0]
    message = " ".join(first.message.split())[:limit]
    more = f" (and {len(bad) - 1} more failing)" if len(bad) > 1 else ""
    return f"{first.name} {first.status.value}: {message}{more}"


async def check_validity(
    sandbox: Sandbox,
    problem: Problem,
    limits: Limits | None = None,
    *,
    runs: int = 3,
    mutation_threshold: float = 0.7,
    max_mutants: int = 30,
    seed: int = 0,
    check_mutants: bool = True,
) -> ValidityReport:
    """Run the validity checks on ``problem``; see the module docstring for the order.

    ``limits`` is the budget for the reference runs (default: ``Limits()``); trivial programs and
    mutants run under it scaled to the reference's CPU time (:func:`gapforge.verifiers.budgets.mutant_limits`).
    Raises SandboxError when the sandbox failed (never a verdict on the problem).
    """
    if runs < 1:
        raise ConfigError(f"validity needs at least 1 reference run, got runs={runs}")
    if not 0.0 <= mutation_threshold <= 1.0:
        raise ConfigError(f"mutation_threshold must be within [0, 1], got {mutation_threshold}")
    base = limits or Limits()
    reference = problem.program(problem.reference_solution)
    repeat = await repeat_run(sandbox, reference, base, runs=runs)
    for r in repeat.results:
        _raise_if_infra(r, "the reference solution")
    first = repeat.results[0]
    cpu = max(r.cpu_s for r in repeat.results)
    flaky = repeat.flaky_tests

    failing = [r for r in repeat.results if not r.passed]
    if failing:
        reason = (
            f"the reference solution fails its own tests on {len(failing)} of {runs} runs: "
            f"{_failure_text(failing[0])}"
        )
        if repeat.flaky:
            reason += f"; results differ between runs (flaky: {', '.join(flaky) or 'overall status'})"
        return ValidityReport(
            valid=False,
            reason=reason,
            failed_check=ValidityCheck.REFERENCE,
            reference_result=failing[0],
            flaky_tests=flaky,
            reference_cpu_s=cpu,
        )
    if repeat.flaky:
        return ValidityReport(
            valid=False,
            reason=f"the tests are flaky: results differ between {runs} identical runs ({', '.join(flaky)})",
            failed_check=ValidityCheck.DETERMINISTIC,
            reference_result=first,
            flaky_tests=flaky,
            reference_cpu_s=cpu,
        )

    scaled = mutant_limits(base, cpu)  # see gapforge.verifiers.budgets
    trivials = trivial_solutions(problem)
    results = await asyncio.gather(*(sandbox.run(problem.program(t.source), scaled) for t in trivials))
    for t, r in zip(trivials, results, strict=True):
        _raise_if_infra(r, f"a trivial solution ({t.name})")
    passed = tuple(t.name for t, r in zip(trivials, results, strict=True) if r.passed)
    if passed:
        return ValidityReport(
            valid=False,
            reason=f"the tests accept a trivial solution: {', '.join(passed)}",
            failed_check=ValidityCheck.TRIVIAL,
            reference_result=first,
            trivial_passed=passed,
            reference_cpu_s=cpu,
        )

    if not check_mutants:
        return ValidityReport(
            valid=True, reason="valid (mutation check skipped)", reference_result=first, reference_cpu_s=cpu
        )
    report = await mutation_score(sandbox, problem, scaled, max_mutants, seed=seed)
    if report.unmeasured:
        raise SandboxError(
            f"the sandbox failed on {len(report.unmeasured)} of {len(report.unmeasured) + report.total} "
            f"mutants ({report.unmeasured[0].message or 'sandbox_error'}); this says nothing about the "
            "problem; check the sandbox and retry"
        )
    if report.score < mutation_threshold - 1e-9:  # 7 of 10 meets a 0.7 bar despite float rounding
        return ValidityReport(
            valid=False,
            reason=(
                f"the tests are too weak: they kill {len(report.killed)} of {report.total} mutants of the "
                f"reference (score {report.score:.2f} < {mutation_threshold:.2f}); surviving mutants:\n"
                + report.summary()
            ),
            failed_check=ValidityCheck.MUTATION,
            reference_result=first,
            mutation=report,
            reference_cpu_s=cpu,
        )
    return ValidityReport(
        valid=True,
        reason=f"valid: reference passes {runs} identical runs, trivial solutions fail, "
        f"mutation score {report.score:.2f} ({len(report.killed)} of {report.total} killed"
        + (f"; {report.uncompiled} mutants did not compile and were dropped" if report.uncompiled else "")
        + ")",
        reference_result=first,
        mutation=report,
        reference_cpu_s=cpu,
    )
