"""Same code + same tests + same image + same limits -> same verdict, also under load."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gapforge.sandbox import Limits, Program, Status, repeat_run

pytestmark = pytest.mark.docker

# A program with hash-order, hypothesis and a real CPU cost, whose verdict mixes passes and fails:
# every source of nondeterminism the harness pins down is exercised.
MIXED = Program(
    solution="""
def dedupe(xs):
    return list({x: None for x in xs})

def slow_sum(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total

def buggy_max(xs):
    return sorted(set(xs))[-1] if len(xs) > 3 else xs[0]
""",
    tests="""
from hypothesis import given, strategies as st
from solution import dedupe, slow_sum, buggy_max

def test_hash_order():
    assert dedupe(["b", "a", "b", "c"]) == ["b", "a", "c"]
    assert [hash(s) % 5 for s in ("x", "y", "z")] == [hash(s) % 5 for s in ("x", "y", "z")]

def test_cpu():
    assert slow_sum(300_000) == slow_sum(300_000)

@given(st.lists(st.integers(), min_size=1))
def test_max_property(xs):
    assert buggy_max(xs) == max(xs)

def test_set_iteration_order_is_pinned():
    assert "".join(sorted({"q", "w", "e"})) == "eqw"
""",
)

FLAKY = Program(
    solution="def coin():\n    import random\n    return random.random()\n",
    tests="""
import os, time
from solution import coin

def test_random_a():
    assert coin() < 0.5

def test_random_b():
    assert coin() < 0.5

def test_clock():
    assert time.time_ns() // 1000 % 2 == 0

def test_urandom():
    assert os.urandom(1)[0] < 128

def test_stable():
    assert True
""",
)


def _burn(stop: Any) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


@pytest.fixture
def busy_core() -> Iterator[None]:
    """Keep one core busy with an unrelated CPU hog while the runs happen."""
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    proc = ctx.Process(target=_burn, args=(stop,), daemon=True)
    proc.start()
    yield
    stop.set()
    proc.join(5)
    if proc.is_alive():
        proc.kill()


LIMITS = Limits(cpu_seconds=5, wall_seconds=30)


@pytest.fixture(params=["docker", "pool"])
def sandbox(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(f"{request.param}_sandbox")


def test_twenty_runs_identical_verdicts(sandbox: Any, run: Callable[..., Any]) -> None:
    report = run(repeat_run(sandbox, MIXED, LIMITS, runs=20, concurrent=True))
    keys = {r.verdict_key() for r in report.results}
    infra = [r.message for r in report.results if r.status.is_infrastructure]
    assert len(keys) == 1, f"verdicts differ between identical runs: {keys}; infrastructure: {infra}"
    only = report.results[0]
    assert only.status is Status.FAILED
    assert {t.name: t.status for t in only.tests}["test_max_property"] is Status.FAILED
    assert not report.flaky


def test_twenty_runs_identical_while_other_core_busy(
    sandbox: Any, run: Callable[..., Any], busy_core: None
) -> None:
    assert (os.cpu_count() or 1) >= 2
    report = run(repeat_run(sandbox, MIXED, LIMITS, runs=20, concurrent=True))
    assert len({r.verdict_key() for r in report.results}) == 1
    assert report.infrastructure_failures == 0


def test_flaky_tests_are_reported_as_flaky(sandbox: Any, run: Callable[..., Any]) -> None:
    report = run(repeat_run(sandbox, FLAKY, LIMITS, runs=8, concurrent=True))
    assert report.flaky
    # with 8 runs, each of the four coin-flip tests differs with probability 1 - 2^-7
    assert (
        len(set(report.flaky_tests) & {"test_random_a", "test_random_b", "test_clock", "test_urandom"}) >= 2
    )
    assert "test_stable" not in report.flaky_tests


def test_backends_agree_on_every_verdict(
    docker_sandbox: Any, pool_sandbox: Any, run: Callable[..., Any]
) -> None:
    """The pool's fast path and the fresh container's pytest path judge alike, test by test."""
    fresh = run(docker_sandbox.run(MIXED, LIMITS))
    warm = run(pool_sandbox.run(MIXED, LIMITS))
    assert fresh.verdict_key() == warm.verdict_key()
    assert warm.backend == "pool"
