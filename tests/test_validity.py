"""Sandbox validity of drafted problems, run for real (local backend; one full check in Docker)."""

from __future__ import annotations

import io
import tarfile
from typing import Any

import pytest
from _problems import (
    FLAKY_TESTS,
    RANDOM_ID_TESTS,
    TRIVIAL_TESTS,
    WEAK_TESTS,
    WRONG_REFERENCE,
    function_problem,
    stdio_problem,
    stdio_tests,
)

from gapforge.errors import ConfigError, SandboxError
from gapforge.sandbox import Limits, Status
from gapforge.verifiers import ValidityCheck, ValidityReport, check_validity, trivial_solutions
from gapforge.verifiers.budgets import rollout_limits

FAST = Limits(cpu_seconds=4, wall_seconds=20)


def test_good_function_problem_is_valid(run: Any, local_sandbox: Any) -> None:
    report = run(check_validity(local_sandbox, function_problem(), FAST, max_mutants=12))
    assert isinstance(report, ValidityReport)
    assert report.valid, report.reason
    assert report.failed_check is None
    assert report.reason.startswith("valid: reference passes 3 identical runs")
    assert report.reference_result is not None
    assert report.reference_result.status is Status.PASSED
    assert len(report.reference_result.tests) == 9
    assert report.mutation is not None
    assert report.mutation.total == 12
    assert report.mutation.score >= 0.7
    assert report.flaky_tests == ()
    assert report.trivial_passed == ()
    # the loop scales solver limits from the reference's CPU time (max(floor, 4x))
    assert report.reference_cpu_s is not None
    assert 0 < report.reference_cpu_s < 0.25
    assert rollout_limits(Limits(), report.reference_cpu_s, floor=1.0).cpu_seconds == 1.0


def test_wrong_reference_names_the_failing_test(run: Any, local_sandbox: Any) -> None:
    report = run(check_validity(local_sandbox, function_problem(reference_solution=WRONG_REFERENCE), FAST))
    assert not report.valid
    assert report.failed_check is ValidityCheck.REFERENCE
    assert report.reason.startswith("the reference solution fails its own tests on 3 of 3 runs: ")
    assert "test_equal_elements_break_a_run failed" in report.reason
    assert "assert 3 == 1" in report.reason
    assert report.reference_result is not None
    assert report.reference_result.status is Status.FAILED
    assert report.flaky_tests == ()
    assert report.mutation is None  # stopped early: no mutant was run


def test_flaky_tests_are_reported(run: Any, local_sandbox: Any) -> None:
    # seven tests decided by coin flips and the clock: P(all three runs agree on all) < 1e-4
    report = run(check_validity(local_sandbox, function_problem(tests=FLAKY_TESTS), FAST))
    assert not report.valid
    assert report.flaky_tests, report.reason
    assert set(report.flaky_tests) <= {*(f"test_coin_{i}" for i in range(6)), "test_clock"}
    assert "results differ between runs (flaky: " in report.reason
    assert report.mutation is None


def test_tests_that_differ_between_passing_runs_are_not_deterministic(run: Any, local_sandbox: Any) -> None:
    report = run(check_validity(local_sandbox, function_problem(tests=RANDOM_ID_TESTS), FAST))
    assert not report.valid
    assert report.failed_check is ValidityCheck.DETERMINISTIC
    assert report.reason.startswith("the tests are flaky: results differ between 3 identical runs")
    assert all(name.startswith("test_long_increasing[") for name in report.flaky_tests)
    assert len(report.flaky_tests) >= 4


def test_a_test_suite_a_trivial_solution_passes_is_invalid(run: Any, local_sandbox: Any) -> None:
    report = run(check_validity(local_sandbox, function_problem(tests=TRIVIAL_TESTS), FAST))
    assert not report.valid
    assert report.failed_check is ValidityCheck.TRIVIAL
    assert "returns 0" in report.trivial_passed
    assert "returns False" in report.trivial_passed  # False == 0
    assert "returns its first argument" not in report.trivial_passed
    assert report.reason == f"the tests accept a trivial solution: {', '.join(report.trivial_passed)}"
    assert report.mutation is None


@pytest.mark.slow
def test_weak_tests_fail_the_mutation_check(run: Any, local_sandbox: Any) -> None:
    report = run(check_validity(local_sandbox, function_problem(tests=WEAK_TESTS), FAST))
    assert not report.valid
    assert report.failed_check is ValidityCheck.MUTATION
    assert report.mutation is not None
    assert report.mutation.score < 0.7
    assert report.reason.startswith(f"the tests are too weak: they kill {len(report.mutation.killed)} of ")
    assert "surviving mutants:\nline " in report.reason
    survivors = [r.description for r in report.mutation.survived]
    assert "line 7: `xs[i] > xs[i - 1]` -> `xs[i] >= xs[i - 1]`" in survivors
    assert survivors[0] in report.reason
    # the bar is the caller's
    weak = function_problem(tests=WEAK_TESTS)
    lenient = run(check_validity(local_sandbox, weak, FAST, mutation_threshold=0.0, max_mutants=4))
    assert lenient.valid, lenient.reason
    assert lenient.mutation is not None
    assert lenient.mutation.total == 4


def test_good_stdio_problem_is_valid(run: Any, local_sandbox: Any) -> None:
    report = run(check_validity(local_sandbox, stdio_problem(), FAST, max_mutants=10))
    assert report.valid, report.reason
    assert report.reference_result is not None
    assert len(report.reference_result.tests) == 10


def test_stdio_tests_a_constant_output_passes_are_invalid(run: Any, local_sandbox: Any) -> None:
    cases = [("3\n0 0 0\n", "0\n"), ("2\n-5 0\n", "0\n"), ("1\n0\n", "0\n")]
    report = run(check_validity(local_sandbox, stdio_problem(tests=stdio_tests(cases)), FAST))
    assert report.failed_check is ValidityCheck.TRIVIAL
    assert report.trivial_passed == ("prints 0",)


def test_stdio_echo_is_a_trivial_solution(run: Any, local_sandbox: Any) -> None:
    # a "problem" whose expected output is its input
    echo = stdio_problem(
        reference_solution="import sys\nsys.stdout.write(sys.stdin.read())\n",
        tests=stdio_tests([("1\n5\n", "1\n5\n"), ("2\n1 2\n", "2\n1 2\n"), ("1\n-3\n", "1\n-3\n")]),
    )
    report = run(check_validity(local_sandbox, echo, FAST))
    assert report.failed_check is ValidityCheck.TRIVIAL
    assert report.trivial_passed == ("echoes its input",)


def test_trivial_solutions_cover_both_kinds() -> None:
    fn = trivial_solutions(function_problem())
    assert [t.name for t in fn] == [
        "does nothing (`pass`, returns None)",
        "returns its first argument",
        "returns 0",
        "returns an empty list",
        "returns True",
        "returns False",
    ]
    for t in fn:
        compile(t.source, "<trivial>", "exec")
        assert t.source.startswith("def longest_run(*args, **kwargs):")
    assert [t.name for t in trivial_solutions(stdio_problem())] == [
        "prints nothing",
        "echoes its input",
        "prints 0",
    ]


def test_skipping_the_mutation_check(run: Any, local_sandbox: Any) -> None:
    report = run(check_validity(local_sandbox, function_problem(tests=WEAK_TESTS), FAST, check_mutants=False))
    assert report.valid
    assert report.mutation is None
    assert "mutation check skipped" in report.reason


def test_bad_settings_are_config_errors(run: Any, local_sandbox: Any) -> None:
    with pytest.raises(ConfigError, match="at least 1 reference run"):
        run(check_validity(local_sandbox, function_problem(), runs=0))
    with pytest.raises(ConfigError, match=r"mutation_threshold must be within \[0, 1\]"):
        run(check_validity(local_sandbox, function_problem(), mutation_threshold=1.5))


# --------------------------------------------------------------------------- Docker


@pytest.mark.docker
@pytest.mark.slow
def test_full_validity_check_in_docker(run: Any, docker_sandbox: Any) -> None:
    report = run(check_validity(docker_sandbox, function_problem(), max_mutants=8))
    assert report.valid, report.reason
    assert report.reference_result is not None
    assert report.reference_result.backend == "docker"
    assert report.mutation is not None
    assert report.mutation.total == 8
    assert report.mutation.score >= 0.7
    bad = run(check_validity(docker_sandbox, function_problem(reference_solution=WRONG_REFERENCE)))
    assert bad.failed_check is ValidityCheck.REFERENCE
    assert "test_equal_elements_break_a_run" in bad.reason


@pytest.mark.docker
def test_a_broken_sandbox_is_never_a_verdict_on_the_problem(run: Any, docker_sandbox: Any) -> None:
    """An image without the harness makes every run a sandbox_error: validity must raise, not judge."""
    from gapforge.sandbox.docker import DockerSandbox

    client = docker_sandbox.client
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w"):
        pass  # an empty root filesystem: the container cannot even start its command
    tag = "gapforge-test-empty:validity"
    client.api.import_image_from_data(buf.getvalue(), repository="gapforge-test-empty", tag="validity")
    try:
        broken = DockerSandbox(image=tag, run_id="pytest-broken")
        run(broken.__aenter__())
        try:
            direct = run(broken.run(function_problem().program("x = 1\n"), FAST))
            assert direct.status is Status.SANDBOX_ERROR
            with pytest.raises(SandboxError, match="this says nothing about the problem"):
                run(check_validity(broken, function_problem(), FAST))
        finally:
            run(broken.__aexit__(None, None, None))
    finally:
        client.images.remove(tag, force=True)
