"""The harness's pure parts and the result contract, without Docker."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from gapforge.sandbox import ExecutionResult, Limits, Program, Status, TestRecord
from gapforge.sandbox.job import HARNESS_PATH, parse_sealed_result
from gapforge.verifiers.budgets import judging_limits, mutant_limits, rollout_limits


def load_harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gapforge_harness", HARNESS_PATH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


H = load_harness()


@pytest.mark.parametrize(
    ("got", "want", "ok"),
    [
        ("1 2 3\n", "1 2 3", True),
        ("1 2 3   \n\n\n", "1 2 3\n", True),
        ("1  2 3", "1 2 3", True),
        ("1 2", "1 2 3", False),
        ("1 2 3\n4", "1 2 3", False),
        ("0.30000000000000004", "0.3", True),
        ("0.3001", "0.3", False),
        ("3.0", "3", False),  # integer tokens compare exactly
        ("1e-7", "0.0", True),
        ("YES", "yes", False),
        ("", "", True),
        ("", "0", False),
    ],
)
def test_stdio_comparison_rules(got: str, want: str, ok: bool) -> None:
    assert H.outputs_match(got, want, 1e-6)[0] is ok


@given(st.text())
def test_output_compare_is_reflexive(s: str) -> None:
    assert H.outputs_match(s, s, 1e-6)[0]


def test_a_correct_prefix_does_not_pass() -> None:
    # zip() over lines would accept this; the harness must not
    assert not H.outputs_match("1\n2", "1\n2\n3", 1e-6)[0]
    assert not H.outputs_match("1 2", "1 2 3", 1e-6)[0]


def test_expected_tests_from_the_syntax_tree() -> None:
    src = "def test_a():\n    pass\n\nasync def test_b():\n    pass\n\nclass TestC:\n    def test_d(self):\n        pass\n\ndef helper():\n    pass\n"
    assert H.expected_tests(src) == ["test_a", "test_b", "TestC::test_d"]


def test_stdio_cases_are_validated() -> None:
    cases, tol = H.parse_cases(
        json.dumps({"cases": [{"input": "1", "output": "2"}], "float_tolerance": 0.01})
    )
    assert cases == [("case_0", "1", "2")] and tol == 0.01
    with pytest.raises(ValueError, match="non-empty"):
        H.parse_cases("[]")
    with pytest.raises(ValueError, match="string fields"):
        H.parse_cases('[{"input": 1, "output": "2"}]')


def test_sealed_result_needs_the_nonce() -> None:
    payload = json.dumps({"status": "passed", "tests": [{"name": "t", "status": "passed", "message": ""}]})
    forged = f"@@GAPFORGE-RESULT@@ wrong {payload}\n"
    assert parse_sealed_result(forged, "right", backend="x", wall_s=0.1) is None
    real = f"noise\n@@GAPFORGE-RESULT@@ right {payload}\n"
    r = parse_sealed_result(real, "right", backend="x", wall_s=0.1)
    assert r is not None and r.status is Status.PASSED and r.tests[0].name == "t"


def test_unreadable_sealed_result_is_infrastructure() -> None:
    r = parse_sealed_result("@@GAPFORGE-RESULT@@ n {not json\n", "n", backend="x", wall_s=0)
    assert r is not None and r.status is Status.SANDBOX_ERROR


def test_status_vocabulary_is_exact() -> None:
    assert [s.value for s in Status] == [
        "passed", "failed", "error", "timeout", "memory_exceeded", "output_exceeded", "compile_error",
        "sandbox_error",
    ]  # fmt: skip
    assert Status.SANDBOX_ERROR.is_infrastructure and not Status.FAILED.is_infrastructure


def test_limits_are_validated() -> None:
    with pytest.raises(ValidationError):
        Limits(cpu_seconds=0)
    with pytest.raises(ValidationError):
        Limits(memory_mb=1)


def test_cpu_budgets_scale_with_the_reference() -> None:
    base = Limits(cpu_seconds=10)
    assert rollout_limits(base, 0.1, floor=1.0).cpu_seconds == 1.0
    assert rollout_limits(base, 2.0, floor=1.0).cpu_seconds == 8.0
    assert rollout_limits(base, 5.0, floor=1.0).cpu_seconds == 10.0  # never above the run's budget
    assert rollout_limits(base, 0.0, floor=1.0).cpu_seconds == 1.0  # a failing reference: the floor
    assert mutant_limits(base, 0.01).cpu_seconds == 0.25
    assert mutant_limits(base, 0.5).cpu_seconds == 2.0
    assert rollout_limits(base, 4.0, floor=1.0).wall_seconds >= 3 * 10.0  # wall backstop follows


def test_judging_limits_prefer_the_recorded_cpu_limit() -> None:
    base = Limits(cpu_seconds=10, wall_seconds=30)
    assert judging_limits(base, 0.01, 1.0).cpu_seconds == 1.0  # what the pass rates were measured under
    assert (
        judging_limits(base, 0.01, 20.0).model_dump()
        == base.model_copy(update={"cpu_seconds": 20.0, "wall_seconds": 60.0}).model_dump()
    )  # never capped below the recorded limit: the reward must match generation
    assert judging_limits(base, 0.01, None).cpu_seconds == 4.0  # datasets without the column: the old rule
    assert judging_limits(base, None, None) == base


def test_program_identity_is_content() -> None:
    a = Program(solution="x = 1\n", tests="def test_a():\n    pass\n")
    b = Program(solution="x = 1\n", tests="def test_a():\n    pass\n")
    c = Program(solution="x = 2\n", tests="def test_a():\n    pass\n")
    assert a.digest == b.digest != c.digest
    with pytest.raises(ValidationError, match="empty"):
        Program(solution="x", tests="   ")


def test_result_fraction_and_verdict_key() -> None:
    r = ExecutionResult(
        status=Status.FAILED,
        tests=(TestRecord(name="a", status=Status.PASSED), TestRecord(name="b", status=Status.FAILED)),
    )
    assert r.fraction_passed == 0.5 and r.n_passed == 1
    assert r.verdict_key() == ("failed", (("a", "passed"), ("b", "failed")))


def test_slot_queue_hands_slots_by_priority_and_survives_cancellation() -> None:
    import asyncio

    from gapforge.sandbox.pool import _SlotQueue

    async def main() -> list[str]:
        q = _SlotQueue()
        got: list[str] = []

        async def take(name: str, level: int) -> None:
            slot = await q.get(level)
            got.append(f"{name}:{slot}")

        tasks = [asyncio.create_task(take("a", 0)), asyncio.create_task(take("b", 5))]
        doomed = asyncio.create_task(take("c", 9))
        await asyncio.sleep(0)
        doomed.cancel()  # a cancelled waiter must not swallow a slot
        await asyncio.gather(doomed, return_exceptions=True)
        q.put("s1")  # type: ignore[arg-type]
        q.put("s2")  # type: ignore[arg-type]
        await asyncio.gather(*tasks)
        return got

    assert asyncio.run(main()) == ["b:s1", "a:s2"]


def test_slot_queue_fails_waiters_when_no_container_is_left() -> None:
    import asyncio

    from gapforge.errors import SandboxError
    from gapforge.sandbox.pool import _SlotQueue

    async def main() -> tuple[BaseException | None, BaseException | None]:
        q = _SlotQueue()
        waiter = asyncio.create_task(q.get())
        await asyncio.sleep(0)
        q.fail(SandboxError("every pool container failed to restart"))
        first = await asyncio.gather(waiter, return_exceptions=True)
        later = await asyncio.gather(q.get(), return_exceptions=True)
        return first[0], later[0]

    first, later = asyncio.run(main())
    assert isinstance(first, SandboxError) and isinstance(later, SandboxError)
