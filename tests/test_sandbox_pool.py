"""The warm pool: nothing of one job is visible to the next; recycling; admission control; cleanup."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import RUN_ID

from gapforge.sandbox import Limits, Program, Status
from gapforge.sandbox.docker import connect
from gapforge.sandbox.pool import PoolSandbox

pytestmark = pytest.mark.docker

PLANT = Program(
    solution="""
import os, subprocess, sys, ctypes, builtins
def plant():
    with open("/tmp/planted", "w") as fh:
        fh.write("secret")
    with open(os.path.join(os.environ["TMPDIR"], "..", "planted2"), "w") as fh:
        fh.write("secret")
    with open("/dev/shm/planted", "w") as fh:
        fh.write("secret")
    libc = ctypes.CDLL(None)
    libc.shmget(0x6af0, 4096, 0o1666)          # a SysV segment outlives processes
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    os.environ["PLANTED"] = "1"
    builtins.planted = True
    sys.modules["json"].planted = True
    return True
""",
    tests="from solution import plant\n\ndef test_plant():\n    assert plant()\n",
)

PROBE = Program(
    solution="""
import os, sys, ctypes, builtins, json
def probe():
    seen = []
    for path in ("/tmp/planted", "/dev/shm/planted"):
        if os.path.exists(path):
            seen.append(path)
    for root in ("/tmp",):
        for dirpath, _, files in os.walk(root):
            if "planted2" in files:
                seen.append(os.path.join(dirpath, "planted2"))
    if ctypes.CDLL(None).shmget(0x6af0, 0, 0) != -1:
        seen.append("sysv shm")
    if os.environ.get("PLANTED"):
        seen.append("env")
    if getattr(builtins, "planted", False) or getattr(json, "planted", False):
        seen.append("module state")
    others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid(), os.getppid())]
    for p in others:
        try:
            with open("/proc/%s/cmdline" % p, "rb") as fh:
                if b"sleep(600)" in fh.read():
                    seen.append("process %s" % p)
        except OSError:
            pass
    return seen
""",
    tests="from solution import probe\n\ndef test_probe():\n    assert probe() == []\n",
)


def test_nothing_of_one_job_is_visible_to_the_next(run: Callable[..., Any]) -> None:
    async def go() -> tuple[Any, Any, int]:
        async with PoolSandbox(size=1, run_id=RUN_ID) as pool:
            planted = await pool.run(PLANT)
            await asyncio.sleep(0.5)  # let a recycle (if any) finish
            probed = await pool.run(PROBE)
            return planted, probed, pool.recycled

    planted, probed, recycled = run(go())
    assert planted.status is Status.PASSED, planted
    assert probed.status is Status.PASSED, probed
    assert recycled >= 1, "a job that left a process and files behind must recycle its container"


def test_clean_jobs_reuse_the_container_and_stay_clean(run: Callable[..., Any]) -> None:
    touch = Program(
        solution="import os\ndef touch():\n    open(os.path.join(os.environ['TMPDIR'], 'x'), 'w').write('1')\n    return sorted(os.listdir('/tmp'))\n",
        tests="from solution import touch\n\ndef test_touch():\n    assert len(touch()) == 1\n",
    )

    async def go() -> tuple[list[Any], int]:
        async with PoolSandbox(size=1, run_id=RUN_ID) as pool:
            results = [await pool.run(touch) for _ in range(5)]
            return results, pool.recycled

    results, recycled = run(go())
    assert all(r.status is Status.PASSED for r in results), results
    assert recycled == 0, "jobs that clean up after themselves must not cost a new container"


def test_a_hypothesis_test_does_not_cost_a_new_container(run: Callable[..., Any]) -> None:
    # hypothesis keeps its storage dir where it was imported (the agent's cwd) and caches the
    # constants it finds in the code under test there. That is the harness's doing, not the
    # candidate's: no recycling, no residue.
    prop = Program(
        solution="def biggest(xs):\n    return max(xs) if len(xs) < 12345 else sorted(xs)[-1]\n",
        tests=(
            "from hypothesis import given, strategies as st\nfrom solution import biggest\n\n"
            "@given(st.lists(st.integers(), min_size=1))\ndef test_max(xs):\n    assert biggest(xs) == max(xs)\n"
        ),
    )
    probe = Program(
        solution="import os\ndef tmp():\n    return [n for n in os.listdir('/tmp') if not n.startswith('work-')]\n",
        tests="from solution import tmp\n\ndef test_tmp():\n    assert tmp() == []\n",
    )

    async def go() -> tuple[list[Any], int]:
        async with PoolSandbox(size=1, run_id=RUN_ID) as pool:
            results = [await pool.run(prop) for _ in range(3)]
            results.append(await pool.run(probe))
            return results, pool.recycled

    results, recycled = run(go())
    assert [r.status for r in results] == [Status.PASSED] * 4, results
    assert recycled == 0, "a property test must not cost a new container"


def test_closing_one_pool_leaves_another_pool_of_the_same_run_alone(run: Callable[..., Any]) -> None:
    # two pools of one run in one process (a test session's shared pool and a test's own, rewards
    # next to a run): closing one removed the other's containers too, whose next jobs then failed
    # with "the pool container closed its stream"
    ok = Program(
        solution="def f():\n    return 1\n",
        tests="from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    )

    async def go() -> tuple[list[Any], int]:
        async with PoolSandbox(size=2, run_id=RUN_ID) as keep:
            assert (await keep.run(ok)).passed
            async with PoolSandbox(size=1, run_id=RUN_ID) as other:
                assert (await other.run(ok)).passed
            results = list(await asyncio.gather(*(keep.run(ok) for _ in range(4))))
            return results, keep.recycled

    results, recycled = run(go())
    assert [r.status for r in results] == [Status.PASSED] * 4, [r.message for r in results]
    assert recycled == 0


def test_container_is_recycled_after_n_jobs(run: Callable[..., Any]) -> None:
    ok = Program(
        solution="def f():\n    return 1\n",
        tests="from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    )

    async def go() -> int:
        async with PoolSandbox(size=1, recycle_after=3, run_id=RUN_ID) as pool:
            for _ in range(7):
                assert (await pool.run(ok)).passed
            return pool.recycled

    assert run(go()) == 2


def test_oom_recycles_and_next_job_is_healthy(run: Callable[..., Any]) -> None:
    lim = Limits(memory_mb=128)
    bomb = Program(
        solution="def grab():\n    xs = []\n    while True:\n        xs.append(bytearray(8 << 20))\n",
        tests="from solution import grab\n\ndef test_grab():\n    grab()\n",
    )
    ok = Program(
        solution="def f():\n    return 1\n",
        tests="from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    )

    async def go() -> tuple[Any, Any, int]:
        async with PoolSandbox(size=1, limits=lim, run_id=RUN_ID) as pool:
            first = await pool.run(bomb, lim)
            second = await pool.run(ok, lim)
            return first, second, pool.recycled

    first, second, recycled = run(go())
    assert first.status is Status.MEMORY_EXCEEDED, first
    assert second.status is Status.PASSED, second
    assert recycled == 1


def test_admission_control_never_exceeds_pool_size(run: Callable[..., Any]) -> None:
    # each job records its start and end time inside the container; overlaps must never exceed 2
    timed = Program(
        solution="import time\ndef span():\n    a = time.time()\n    time.sleep(0.3)\n    return a, time.time()\n",
        tests="from solution import span\n\ndef test_span():\n    a, b = span()\n    print('SPAN', a, b)\n",
    )

    async def go() -> list[Any]:
        async with PoolSandbox(size=2, run_id=RUN_ID) as pool:
            assert pool.max_concurrency == 2
            return list(await asyncio.gather(*(pool.run(timed) for _ in range(6))))

    results = run(go())
    spans = []
    for r in results:
        assert r.passed, r
        _, a, b = r.stdout.split()[:3]
        spans.append((float(a), float(b)))
    peak = max(sum(1 for a, b in spans if a <= t < b) for t, _ in spans)
    assert peak <= 2


def test_shutdown_removes_every_container(run: Callable[..., Any]) -> None:
    ok = Program(
        solution="def f():\n    return 1\n",
        tests="from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    )
    label = f"{RUN_ID}-shutdown"

    async def go() -> int:
        async with PoolSandbox(size=2, run_id=label) as pool:
            await pool.run(ok)
            return len(connect().containers.list(all=True, filters={"label": f"gapforge.run={label}"}))

    assert run(go()) == 2
    time.sleep(0.2)
    assert connect().containers.list(all=True, filters={"label": f"gapforge.run={label}"}) == []


def test_job_with_other_container_limits_runs_fresh(pool_sandbox: Any, run: Callable[..., Any]) -> None:
    big = Limits(memory_mb=256)
    r = run(
        pool_sandbox.run(
            Program(
                solution="def f():\n    return 1\n",
                tests="from solution import f\n\ndef test_f():\n    assert f() == 1\n",
            ),
            big,
        )
    )
    assert r.passed
    assert r.backend == "docker", "a job asking for other container limits must get a container with them"


def test_higher_priority_jobs_take_the_next_free_container(run: Callable[..., Any]) -> None:
    from gapforge.sandbox import priority

    quick = Program(
        solution="def f():\n    return 1\n",
        tests="from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    )
    sleepy = Program(
        solution="import time\ndef nap():\n    time.sleep(0.8)\n",
        tests="from solution import nap\n\ndef test_nap():\n    nap()\n",
    )
    order: list[str] = []

    async def main() -> None:
        async with PoolSandbox(size=1, run_id=RUN_ID) as pool:

            async def job(name: str, level: int) -> None:
                with priority(level):
                    r = await pool.run(quick)
                assert r.status is Status.PASSED, r
                order.append(name)

            blocker = asyncio.create_task(pool.run(sleepy))  # holds the only container
            await asyncio.sleep(0.2)
            low = [asyncio.create_task(job(f"low{i}", 0)) for i in range(3)]
            await asyncio.sleep(0.05)
            high = asyncio.create_task(job("high", 1))  # queued last, runs first
            await asyncio.gather(blocker, *low, high)

    run(main())
    assert order[0] == "high", order
    assert order[1:] == ["low0", "low1", "low2"], "equal priorities keep their arrival order"


def test_a_pool_whose_containers_cannot_restart_fails_jobs_instead_of_hanging(
    run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gapforge.errors import SandboxError

    quick = Program(
        solution="def f():\n    return 1\n",
        tests="from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    )

    async def main() -> BaseException | None:
        async with PoolSandbox(size=1, recycle_after=1, run_id=RUN_ID) as pool:
            assert (await pool.run(quick)).status is Status.PASSED  # its container is now replaced

            def broken() -> Any:  # the engine stops creating containers (fault injected here)
                raise SandboxError("could not create a pool container: engine refused")

            monkeypatch.setattr(pool, "_start_slot", broken)
            try:
                await asyncio.wait_for(pool.run(quick), timeout=30)
            except SandboxError as exc:
                return exc
            return None

    exc = run(main())
    assert exc is not None and "failed to restart" in str(exc) and "engine refused" in str(exc)
