"""Shared fixtures. Docker tests run for real; under GAPFORGE_REQUIRE_DOCKER=1 (CI) a missing engine
or image is a failure, never a skip.

Async tests run on a loop in asyncio debug mode, and any test during which an event loop reported
an error it could not hand to anyone ("Task exception was never retrieved", "Exception in
callback", ...) fails: a background task that dies unseen is how a run hangs for good."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRE_DOCKER = os.environ.get("GAPFORGE_REQUIRE_DOCKER") == "1"
RUN_ID = f"pytest-{os.getpid()}"
# A private temp dir per test session, so leak checks see only this session's job dirs.
PRIVATE_TMP = tempfile.mkdtemp(prefix="gapforge-pytest-")
tempfile.tempdir = PRIVATE_TMP


def leftovers() -> dict[str, list[str]]:
    """Containers of this session and job dirs still present (both must be empty between runs)."""
    from gapforge.sandbox.docker import connect

    found = connect().containers.list(all=True, filters={"label": f"gapforge.run={RUN_ID}"})
    containers = [c.id[:12] for c in found if (c.labels or {}).get("gapforge.mode") != "pool"]
    pool = [c.id[:12] for c in found if (c.labels or {}).get("gapforge.mode") == "pool"]
    dirs = sorted(d for d in os.listdir(PRIVATE_TMP) if d.startswith("gapforge-job-"))
    return {"containers": containers, "job_dirs": dirs, "pool": pool}


def _docker_problem() -> str | None:
    try:
        from gapforge.images.build import resolve_runner_image
        from gapforge.sandbox.docker import connect

        resolve_runner_image(connect())
    except Exception as exc:  # any reason the Docker tests cannot run
        return str(exc)
    return None


_DOCKER_PROBLEM: str | bool | None = False  # False = not checked yet


def docker_problem() -> str | None:
    global _DOCKER_PROBLEM
    if _DOCKER_PROBLEM is False:
        _DOCKER_PROBLEM = _docker_problem()
    assert _DOCKER_PROBLEM is not False
    return _DOCKER_PROBLEM


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("docker") is None:
        return
    problem = docker_problem()
    if problem is None:
        return
    if REQUIRE_DOCKER:
        pytest.fail(f"GAPFORGE_REQUIRE_DOCKER=1 but Docker is not usable: {problem}", pytrace=False)
    pytest.skip(f"Docker not usable here: {problem}")


class _LoopErrors(logging.Handler):
    """Collects what asyncio's default exception handler logs (every loop logs through it)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage().splitlines()[0])


_LOOP_ERRORS = _LoopErrors()
logging.getLogger("asyncio").addHandler(_LOOP_ERRORS)


@pytest.fixture(autouse=True)
def _no_unretrieved_task_exceptions() -> Iterator[None]:
    gc.collect()  # what an earlier test left for the collector is reported now, not in this test
    _LOOP_ERRORS.seen.clear()
    yield
    gc.collect()  # "never retrieved" is reported when the task is collected
    seen, _LOOP_ERRORS.seen = _LOOP_ERRORS.seen, []
    if seen:
        pytest.fail("an event loop reported unhandled errors: " + "; ".join(seen[:5]), pytrace=False)


@pytest.fixture(scope="session")
def event_loop_runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner(debug=True) as runner:
        yield runner


@pytest.fixture
def run(event_loop_runner: asyncio.Runner):  # type: ignore[no-untyped-def]
    """Run a coroutine to completion on the session's loop: ``run(coro)``."""
    return event_loop_runner.run


@dataclass(frozen=True)
class DemoRun:
    out: Path
    stdout: str


@pytest.fixture(scope="session")
def demo_cli(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """README's main command (`gapforge demo`, every seed, the default languages), run once for the
    session: the tests that read a whole demo run read this one and never write into it."""
    out = tmp_path_factory.mktemp("demo") / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "gapforge", "demo", "--out", str(out), "--no-progress"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return DemoRun(out, proc.stdout)


@pytest.fixture(scope="session")
def docker_sandbox(event_loop_runner: asyncio.Runner) -> Iterator[object]:
    """One entered Docker sandbox for the session (tests using it must be marked ``docker``)."""
    problem = docker_problem()
    if problem is not None:
        if REQUIRE_DOCKER:
            pytest.fail(f"GAPFORGE_REQUIRE_DOCKER=1 but Docker is not usable: {problem}", pytrace=False)
        pytest.skip(f"Docker not usable here: {problem}")
    from gapforge.sandbox.docker import DockerSandbox

    sb = DockerSandbox(run_id=RUN_ID)
    event_loop_runner.run(sb.__aenter__())
    yield sb
    event_loop_runner.run(sb.__aexit__(None, None, None))


@pytest.fixture(scope="session")
def pool_sandbox(event_loop_runner: asyncio.Runner) -> Iterator[object]:
    """One warm pool (default container limits) for the session; mark tests ``docker``."""
    yield from open_pool(event_loop_runner, None)


def open_pool(
    runner: asyncio.Runner, limits: object, *, size: int = 2, compile_limits: object = None
) -> Iterator[object]:
    """An entered pool for a fixture to yield from, closed (its containers gone) when it resumes."""
    problem = docker_problem()
    if problem is not None:
        if REQUIRE_DOCKER:
            pytest.fail(f"GAPFORGE_REQUIRE_DOCKER=1 but Docker is not usable: {problem}", pytrace=False)
        pytest.skip(f"Docker not usable here: {problem}")
    from gapforge.sandbox import Limits
    from gapforge.sandbox.base import CompileLimits
    from gapforge.sandbox.pool import PoolSandbox

    assert limits is None or isinstance(limits, Limits)
    assert compile_limits is None or isinstance(compile_limits, CompileLimits)
    sb = PoolSandbox(run_id=RUN_ID, limits=limits, size=size, compile_limits=compile_limits)
    runner.run(sb.__aenter__())
    yield sb
    runner.run(sb.__aexit__(None, None, None))


@pytest.fixture(scope="session")
def local_sandbox(event_loop_runner: asyncio.Runner) -> Iterator[object]:
    from gapforge.sandbox.local import LocalSandbox

    sb = LocalSandbox()
    event_loop_runner.run(sb.__aenter__())
    yield sb
    event_loop_runner.run(sb.__aexit__(None, None, None))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(PRIVATE_TMP, ignore_errors=True)
