"""The scripted sandbox keeps the Sandbox contract while never executing anything; the metered
wrapper counts what passes through it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from gapforge.errors import SandboxError
from gapforge.sandbox import Limits, Program, Sandbox, Status
from gapforge.sandbox.metered import MeteredSandbox, is_oracle_work, metered_phase, metered_scope
from gapforge.sandbox.scripted import Scripted, ScriptedSandbox, collected_tests

TESTS = "from solution import f\n\ndef test_one():\n    assert f() == 1\n\nasync def test_two():\n    pass\n\ndef helper():\n    pass\n"
STDIO = json.dumps([{"input": "1", "output": "1"}, {"name": "big", "input": "2", "output": "2"}])


def program(solution: str = "def f():\n    return 1\n", tests: str = TESTS) -> Program:
    return Program(solution=solution, tests=tests)


def test_it_is_a_sandbox_and_names_tests_like_the_harness() -> None:
    assert isinstance(ScriptedSandbox({}), Sandbox)
    assert collected_tests(program()) == ("test_one", "test_two")
    assert collected_tests(Program(kind="stdio", solution="print(1)", tests=STDIO)) == ("case_0", "big")
    assert collected_tests(program(tests="def test_(:\n")) is None


def test_verdicts_come_from_a_table_keyed_by_solution_text(run: Any) -> None:
    good = "def f():\n    return 1\n"

    async def go() -> list[Any]:
        async with ScriptedSandbox({good: Status.PASSED}) as sb:
            return [await sb.run(program(good)), await sb.run(program("import os\nos.system('rm -rf /')\n"))]

    passed, failed = run(go())
    assert passed.passed and [t.status for t in passed.tests] == [Status.PASSED, Status.PASSED]
    assert failed.status is Status.FAILED and failed.n_passed == 0 and failed.backend == "scripted"


def test_a_limit_stops_the_run_at_the_test_that_hit_it(run: Any) -> None:
    sb = ScriptedSandbox(lambda p: Scripted(Status.TIMEOUT, failing=("test_one",)))

    async def go() -> Any:
        async with sb:
            return await sb.run(program(), Limits(cpu_seconds=2.0))

    r = run(go())
    assert r.status is Status.TIMEOUT and r.cpu_s == 2.0
    assert [(t.name, t.status) for t in r.tests] == [("test_one", Status.TIMEOUT), ("test_two", Status.ERROR)]
    assert len(sb.history) == 1


@pytest.mark.parametrize("status", [Status.ERROR, Status.SANDBOX_ERROR])
def test_crashes_and_sandbox_failures_have_no_test_records(run: Any, status: Status) -> None:
    async def go() -> Any:
        async with ScriptedSandbox(lambda p: status) as sb:
            return await sb.run(program())

    r = run(go())
    assert r.status is status and r.tests == ()


def test_running_outside_the_context_is_an_infrastructure_error(run: Any) -> None:
    with pytest.raises(SandboxError, match="async with"):
        run(ScriptedSandbox({}).run(program()))


def test_the_metered_wrapper_tallies_by_phase_and_verdict(run: Any) -> None:
    good = "def f():\n    return 1\n"
    started: list[int] = []
    inner = ScriptedSandbox({good: Status.PASSED})
    metered = MeteredSandbox(inner, on_start=lambda: started.append(len(inner.history)))

    async def go() -> None:
        async with metered:
            assert inner.history == []
            with metered_phase("validity"):
                await asyncio.gather(metered.run(program(good)), metered.run(program("x = 1\n")))
            await metered.run(program(good))
        with pytest.raises(SandboxError):  # exiting an owned wrapper exits the sandbox it wraps
            await metered.run(program(good))

    run(go())
    assert started == [0, 0, 2, 3], "counted as each run starts"
    assert metered.runs == 4 and metered.wait_s >= 0.0
    assert {k: t.runs for k, t in metered.by_phase.items()} == {"validity": 2, "other": 2}
    assert {k: t.runs for k, t in metered.by_status.items()} == {"passed": 2, "failed": 1, "raised": 1}
    assert metered.by_status["passed"].cpu_s == pytest.approx(0.02)
    assert metered.name == "scripted" and isinstance(metered, Sandbox)


def test_a_metered_scope_tallies_only_what_started_inside_it(run: Any) -> None:
    good = "def f():\n    return 1\n"
    metered = MeteredSandbox(ScriptedSandbox({good: Status.PASSED}))

    async def round_(phase: str) -> dict[str, Any]:
        with metered_scope() as tallies, metered_phase(phase):
            # a task started inside the scope is tallied in it too
            await asyncio.gather(metered.run(program(good)), asyncio.create_task(metered.run(program(good))))
        return tallies

    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        async with metered:
            a, b = await asyncio.gather(round_("validity"), round_("oracle.build"))
            await metered.run(program(good))  # outside every scope
            return a, b

    a, b = run(go())
    assert {k: t.runs for k, t in a.items()} == {"validity": 2}
    assert {k: t.runs for k, t in b.items()} == {"oracle.build": 2}
    assert metered.runs == 5
    assert [is_oracle_work(p) for p in ("oracle.build", "rollouts/oracle_suites", "rollouts", "oracles")] == [
        True,
        True,
        False,
        False,
    ]
