"""The fault suite: the real faults a long run meets, driven for real through the CLI a user runs.

Each run-level test ends with the same accepted set as an undisturbed run of the same seeds and
nothing finished twice, no traceback, no "Task exception was never retrieved" (the processes run
with PYTHONASYNCIODEBUG=1) and none of the process's containers left behind:

- transport faults: `gapforge generate` against the demo model server in its own process, 30% of
  requests broken (cut-off and non-JSON bodies, gateway HTML pages, resets mid-body, stalls and
  trickles after the headers, 429/5xx, timeouts, empty and truncated answers);
- Docker engine loss: through a socket proxy that drops and refuses connections and kills the
  run's containers, then comes back (tests/_docker_proxy.py says why a stand-in and how it
  matches a real engine loss) — once waited out, once for good (exit 3, then a rerun);
- SIGINT and SIGTERM mid-run (also right after an engine loss): a stop within seconds, one line,
  the containers removed, then a rerun;
- a full disk: a real 4 MiB tmpfs mounted for the test (root only; CI runs as root).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import openai
import pytest
from _docker_proxy import DockerSocketProxy
from conftest import _LOOP_ERRORS, REQUIRE_DOCKER, RUN_ID

from gapforge.config import demo_config
from gapforge.dataset.records import AttemptRecord, SeedRecord
from gapforge.dataset.store import RunStore, finished_view, read_table
from gapforge.demo.bank import DEFAULT_TOPICS
from gapforge.demo.server import TRANSPORT_FAULTS, DemoServer
from gapforge.errors import DockerUnavailable
from gapforge.llm import Backoff, Message, OpenAIChatModel
from gapforge.sandbox import ExecutionResult, Program, Status
from gapforge.sandbox.pool import PoolSandbox

SEEDS = 3
ENV = dict(os.environ, PYTHONASYNCIODEBUG="1")


# --------------------------------------------------------------------------- helpers


def demo_cmd(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "gapforge", "demo", "--out", str(out), "--seeds", str(SEEDS),
            "--no-progress", "--latency", "0.05", "--concurrency", "2", "--languages", "python", *extra]  # fmt: skip


def _default_sigint() -> None:
    # a background job of a non-interactive shell starts with SIGINT ignored; a user's terminal does not
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def started(
    cmd: list[str], logs: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    logs.mkdir(parents=True, exist_ok=True)
    with (
        open(logs / "stdout", "wb") as out,
        open(logs / "stderr", "wb") as err,
        subprocess.Popen(cmd, stdout=out, stderr=err, env=env or ENV, preexec_fn=_default_sigint) as p,
    ):
        try:
            yield p
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(30)


def stderr_of(logs: Path) -> str:
    return (logs / "stderr").read_text(errors="replace")


def wait_for_attempts(proc: subprocess.Popen[bytes], run: Path, n: int, limit_s: float = 300) -> None:
    """Until the run has written ``n`` attempts (mid-run, seeds in flight)."""
    path = run / "records" / "attempts.jsonl"
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before the fault could be injected"
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        time.sleep(0.02)
    raise AssertionError(f"no {n} attempts within {limit_s} s")


def where_it_hangs(pid: int) -> str:
    """Every thread's stack of a process that does not stop (py-spy, when installed)."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        return "(py-spy is not installed)"
    dump = subprocess.run([str(spy), "dump", "--pid", str(pid)], capture_output=True, text=True, check=False)
    return dump.stdout[-6000:] + dump.stderr[-500:]


def accepted(run: Path) -> list[str]:
    return sorted(p.problem_id for p in finished_view(run)["problems"])


def assert_same_as_undisturbed(run: Path, expected: list[str]) -> None:
    got = accepted(run)
    assert len(got) == len(set(got)), "an accepted problem was written twice"
    assert got == expected, "the accepted set differs from an undisturbed run's"
    seeds = [s.seed.id for s in read_table(run, "seeds", SeedRecord)]
    assert len(seeds) == len(set(seeds)) == SEEDS, "every seed must be finished exactly once"
    for table in ("rounds", "attempts", "problems", "seeds"):
        data = (run / "records" / f"{table}.jsonl").read_bytes()
        assert not data or data.endswith(b"\n"), f"{table}.jsonl ends in a torn line"
    read_table(run, "attempts", AttemptRecord, strict_tail=True)  # every line reads back


def assert_clean_stderr(text: str) -> None:
    assert "Traceback" not in text, text[-3000:]
    assert "never retrieved" not in text, text[-3000:]


def containers_of(pid: int) -> list[Any]:
    client = docker.from_env()
    try:
        return list(client.containers.list(all=True, filters={"label": f"gapforge.pid={pid}"}))
    finally:
        client.close()


def remove_containers_of(pid: int) -> None:
    for c in containers_of(pid):
        with contextlib.suppress(docker.errors.APIError):
            c.remove(force=True)


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("undisturbed")
    proc = subprocess.run(
        demo_cmd(out / "run"), capture_output=True, text=True, timeout=900, check=False, env=ENV
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_clean_stderr(proc.stderr)
    expected = accepted(out / "run")
    assert expected, "the undisturbed run accepted nothing; the comparisons would be empty"
    return expected


# --------------------------------------------------------------------------- transport faults (unit)


def test_each_transport_fault_reaches_the_real_client_broken_and_is_retried(run: Any) -> None:
    """Each kind through the real openai client, then through OpenAIChatModel, which retries it."""
    msgs = [{"role": "user", "content": "Write def f(): return 1"}]
    # generous margins: a loaded CI machine must not turn a trickle into a timeout or a stall into an answer
    with DemoServer(faults={"demo-weak": list(TRANSPORT_FAULTS)}, timeout_delay=4.0) as s:
        with openai.OpenAI(base_url=s.base_url, api_key="demo", max_retries=0, timeout=1.5) as c:
            seen: dict[str, str] = {}
            for kind in TRANSPORT_FAULTS:
                try:
                    r = c.chat.completions.create(model="demo-weak", messages=msgs)  # type: ignore[arg-type]
                    seen[kind] = f"returned {type(r).__name__}"
                except Exception as exc:
                    seen[kind] = f"raised {type(exc).__name__}"
        assert seen == {
            "disconnect": "raised APIConnectionError",
            "cut_body": "raised JSONDecodeError",  # a ValueError: no openai error class covers it
            "html": "raised InternalServerError",
            "html_200": "returned str",  # the client hands back the page's text
            "reset": "raised APIConnectionError",
            "stall": "raised APITimeoutError",
            "trickle": "returned ChatCompletion",  # every read is quick: only a whole-request deadline helps
        }, seen

    async def each_kind() -> dict[str, tuple[int, float]]:
        out: dict[str, tuple[int, float]] = {}
        for kind in TRANSPORT_FAULTS:
            with DemoServer(faults={"demo-weak": [kind]}, timeout_delay=8.0) as srv:
                rc = demo_config(srv.base_url).roles.weak.model_copy(
                    update={"timeout_s": 1.0, "max_retries": 1}
                )
                async with OpenAIChatModel("weak", rc, backoff=Backoff(0.01, 0.01, 0.0)) as m:
                    t0 = time.monotonic()
                    done = await m.complete([Message(role="user", content="Write def f(): return 1")], seed=1)
                    assert done.text.strip()
                    out[kind] = (m.meter.retries, time.monotonic() - t0)
        return out

    for kind, (retries, took) in run(each_kind()).items():
        assert retries == 1, (kind, retries)
        assert took < 6.0, (
            f"{kind}: timeout_s=1 must bound the whole request (8 s of trickle), it took {took:.1f} s"
        )


# --------------------------------------------------------------------------- transport faults (run)


def _config_toml(base_url: str) -> str:
    """The demo's own configuration and seeds as a user's TOML file (timeouts short: the faults stall)."""
    cfg = demo_config(base_url)
    parts = []
    for role, rc in cfg.roles.configured().items():
        parts.append(
            f'[roles.{role}]\nbase_url = "{base_url}"\nmodel = "{rc.model}"\ntemperature = {rc.temperature}\n'
            f"max_tokens = {rc.max_tokens}\nmax_concurrency = {rc.max_concurrency}\ntimeout_s = 1.5\n"
        )
    topics = ", ".join(json.dumps(t) for t in DEFAULT_TOPICS[:SEEDS])  # the demo's seeds
    return f'name = "faults"\n[seeds]\ntopics = [{topics}]\n\n' + "\n".join(parts)


@pytest.mark.docker
@pytest.mark.slow
def test_transport_faults_at_30_percent_change_nothing(undisturbed: list[str], tmp_path: Path) -> None:
    """The issue's case: 30% of requests broken in every transport way, one `gapforge generate`."""
    kinds = [*TRANSPORT_FAULTS, "429", "500", "503", "timeout", "empty", "truncated"]
    server = subprocess.Popen(
        [sys.executable, "-m", "gapforge.demo.server", "--port", "0", "--fault-rate", "0.3",
         "--fault-kinds", ",".join(kinds), "--timeout-delay", "2.5"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().split(" on ", 1)[1].split(" ", 1)[0]
        cfg = tmp_path / "run.toml"
        cfg.write_text(_config_toml(base_url))
        proc = subprocess.run(
            [sys.executable, "-m", "gapforge", "generate", "--config", str(cfg), "--out", str(tmp_path / "run"),
             "--seeds", str(SEEDS), "--no-progress"],
            capture_output=True, text=True, timeout=900, check=False, env=ENV,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)
        if server.stdout is not None:
            server.stdout.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_clean_stderr(proc.stderr)
    assert f"accepted {len(undisturbed)} of {SEEDS} seeds ({SEEDS} finished, 0 failed" in proc.stdout, (
        proc.stdout
    )
    assert_same_as_undisturbed(tmp_path / "run", undisturbed)
    attempts = [a.attempt for a in read_table(tmp_path / "run", "attempts", AttemptRecord)]
    assert attempts and all(a.infra_error is None for a in attempts), "every broken response was retried"


# --------------------------------------------------------------------------- Docker engine loss


@pytest.mark.docker
@pytest.mark.slow
def test_engine_loss_is_waited_out_and_changes_nothing(undisturbed: list[str], tmp_path: Path) -> None:
    with DockerSocketProxy(tmp_path / "docker.sock") as proxy:
        env = dict(ENV, DOCKER_HOST=proxy.docker_host)
        with started(demo_cmd(tmp_path / "run"), tmp_path / "logs", env) as p:
            wait_for_attempts(p, tmp_path / "run", 8)
            killed = proxy.cut(kill_label=f"gapforge.pid={p.pid}")
            assert killed, "the run had no container to lose"
            time.sleep(4)
            proxy.restore()
            rc = p.wait(600)
        err = stderr_of(tmp_path / "logs")
        assert rc == 0, err[-3000:]
        assert_clean_stderr(err)
        assert "Docker engine unreachable since" in err and "Docker engine is back after" in err, err
        assert_same_as_undisturbed(tmp_path / "run", undisturbed)
        epochs = json.loads((tmp_path / "run" / "run.json").read_text())["epochs"]
        assert any("engine loss" in e.get("reason", "") for e in epochs), "the interrupted seeds were redone"
        assert containers_of(p.pid) == [], "the run's containers (the dead ones too) must be removed"


@pytest.mark.docker
@pytest.mark.slow
def test_engine_gone_for_good_stops_with_one_line_then_a_rerun_resumes(
    undisturbed: list[str], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    with DockerSocketProxy(tmp_path / "docker.sock") as proxy:
        env = dict(ENV, DOCKER_HOST=proxy.docker_host)
        with started(demo_cmd(run, "--engine-wait", "3"), tmp_path / "logs", env) as p:
            wait_for_attempts(p, run, 8)
            proxy.cut(kill_label=f"gapforge.pid={p.pid}")
            cut_at = time.monotonic()
            rc = p.wait(120)
            took = time.monotonic() - cut_at
        err = stderr_of(tmp_path / "logs")
        assert rc == 3, err[-3000:]
        assert_clean_stderr(err)
        last = err.strip().splitlines()[-1]
        assert last.startswith("error: Docker engine unreachable since "), err[-2000:]
        assert last.endswith("start it and rerun to resume"), last
        assert took < 30, f"gave up {took:.0f} s after the loss with --engine-wait 3"
        # the engine is back: the rerun's start-up sweep removes the dead containers, then resumes
        proxy.restore()
        try:
            rerun = subprocess.run(
                demo_cmd(run), capture_output=True, text=True, timeout=900, check=False, env=env
            )
            assert rerun.returncode == 0, rerun.stderr[-3000:]
            assert_clean_stderr(rerun.stderr)
            assert_same_as_undisturbed(run, undisturbed)
            assert containers_of(p.pid) == [], "the dead run's containers were swept at the next start"
        finally:
            remove_containers_of(p.pid)


# --------------------------------------------------------------------------- SIGINT / SIGTERM


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("case", ["SIGINT", "SIGTERM", "SIGINT-after-engine-loss"])
def test_signal_stops_fast_with_one_line_and_a_rerun_resumes(
    undisturbed: list[str], tmp_path: Path, case: str
) -> None:
    sig = signal.SIGTERM if case == "SIGTERM" else signal.SIGINT
    run = tmp_path / "run"
    with DockerSocketProxy(tmp_path / "docker.sock") as proxy:
        env = dict(ENV, DOCKER_HOST=proxy.docker_host)
        with started(demo_cmd(run), tmp_path / "logs", env) as p:
            wait_for_attempts(p, run, 8)
            if case == "SIGINT-after-engine-loss":
                # the engine dies with the run's containers and is back: the dead ones are still there
                assert proxy.cut(kill_label=f"gapforge.pid={p.pid}")
                time.sleep(1.0)
                proxy.restore()
            sent = time.monotonic()
            p.send_signal(sig)
            stacks = ""
            try:
                rc = p.wait(5)
            except subprocess.TimeoutExpired:
                stacks = where_it_hangs(p.pid)
                rc = p.wait(60)
            took = time.monotonic() - sent
        err = stderr_of(tmp_path / "logs")
        assert rc == 128 + sig, err[-3000:]
        assert_clean_stderr(err)
        last = err.strip().splitlines()[-1]
        assert last.startswith(f"stopped: stopped by {sig.name}: "), err[-2000:]
        assert f"of {SEEDS} seeds are finished and kept in {run}" in last, last
        assert "rerun the same command to resume" in last, last
        assert took < 5.0, f"{case}: took {took:.1f} s to stop; its threads 5 s after the signal:\n{stacks}"
        assert containers_of(p.pid) == [], "the run's containers (dead ones too) must be removed"
        rerun = subprocess.run(
            demo_cmd(run), capture_output=True, text=True, timeout=900, check=False, env=env
        )
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert_same_as_undisturbed(run, undisturbed)


# --------------------------------------------------------------------------- disk full


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB tmpfs, unmounted afterwards."""
    if os.geteuid() != 0:
        if REQUIRE_DOCKER:
            pytest.fail("the disk-full test mounts a tmpfs and needs root (CI runs as root)", pytrace=False)
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path, leave_kib: int) -> Path:
    st = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(b"\0" * (st.f_bavail * st.f_frsize - leave_kib * 1024))
    return filler


@pytest.mark.docker
@pytest.mark.slow
def test_disk_full_mid_run_stops_with_one_line_and_the_rerun_is_undamaged(
    undisturbed: list[str], small_disk: Path, tmp_path: Path
) -> None:
    run = small_disk / "run"
    filler = fill(small_disk, 48)  # a seed's records fit, not all of them
    proc = subprocess.run(demo_cmd(run, "--min-free-mb", "0"), capture_output=True, text=True, timeout=900,
                          check=False, env=ENV)  # fmt: skip
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert_clean_stderr(proc.stderr)
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: could not append a record to {run / 'records'}/"), last
    assert "No space left on device; free some space there and rerun the same command to resume" in last
    for f in (run / "records").glob("*.jsonl"):
        data = f.read_bytes()
        assert not data or data.endswith(b"\n"), f"{f.name}: the failed write left a torn line"
    filler.unlink()
    rerun = subprocess.run(demo_cmd(run, "--min-free-mb", "0"), capture_output=True, text=True, timeout=900,
                           check=False, env=ENV)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr[-3000:]  # it publishes at the end: every line reads back
    assert_clean_stderr(rerun.stderr)
    assert_same_as_undisturbed(run, undisturbed)


@pytest.mark.docker
def test_free_space_below_the_minimum_stops_before_a_seed(small_disk: Path) -> None:
    run = small_disk / "run"
    fill(small_disk, 300)
    proc = subprocess.run(demo_cmd(run, "--min-free-mb", "1"), capture_output=True, text=True, timeout=300,
                          check=False, env=ENV)  # fmt: skip
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert_clean_stderr(proc.stderr)
    last = proc.stderr.strip().splitlines()[-1]
    assert re.match(rf"error: only 0\.\d MiB free on the filesystem of {re.escape(str(run))} ", last), last
    assert "output.min_free_mb = 1" in last and last.endswith("rerun the same command to resume"), last
    assert read_table(run, "seeds", SeedRecord) == []


# --------------------------------------------------------------------------- run store (no Docker)


def test_a_torn_tail_is_moved_aside_before_the_resume_appends(tmp_path: Path) -> None:
    from gapforge.dataset.records import Seed

    def seed_record(i: int, store: RunStore) -> SeedRecord:
        seed = Seed(id=f"s-{i}", topic=f"topic {i}")
        return SeedRecord(
            run_id=store.run_id, epoch=store.epoch, seed=seed, accepted=False, rounds=1, verdicts=()
        )

    store = RunStore.open(tmp_path, config_hash="h", config={})
    store.finish_seed(seed_record(1, store))
    store.close()
    path = tmp_path / "records" / "seeds.jsonl"
    whole = path.read_bytes()
    torn = seed_record(2, store).model_dump_json().encode()[:40]  # what a crash mid-write leaves
    path.write_bytes(whole + torn)
    store = RunStore.open(tmp_path, config_hash="h", config={})
    assert store.torn == {"seeds": len(torn)}
    assert path.read_bytes() == whole
    assert (tmp_path / "records" / "seeds.jsonl.torn").read_bytes() == torn + b"\n", "kept as evidence"
    store.finish_seed(seed_record(3, store))
    store.close()
    ids = [s.seed.id for s in read_table(tmp_path, "seeds", SeedRecord, strict_tail=True)]
    assert ids == ["s-1", "s-3"], "the resumed append starts on a line of its own"


def test_a_failed_append_is_cut_back_and_named(tmp_path: Path) -> None:
    """A write error (here: the records file made read-only under the store) is one RunStoreError."""
    from gapforge.dataset.records import Seed
    from gapforge.errors import RunStoreError

    store = RunStore.open(tmp_path, config_hash="h", config={})
    seed = SeedRecord(
        run_id=store.run_id, epoch=1, seed=Seed(id="s-1", topic="t"), accepted=False, rounds=1, verdicts=()
    )
    os.close(store._fds["seeds"])
    store._fds["seeds"] = os.open(tmp_path / "records" / "seeds.jsonl", os.O_RDONLY)
    with pytest.raises(
        RunStoreError, match=r"could not append a record to .*seeds\.jsonl: Bad file descriptor"
    ):
        store.finish_seed(seed)
    store.close()
    store.close()  # idempotent


# --------------------------------------------------------------------------- error text, loop hook


def test_error_text_keeps_its_brackets(tmp_path: Path) -> None:
    cfg = tmp_path / "run.toml"
    cfg.write_text("[roles.challenger]\nbase_url='http://127.0.0.1:9/v1'\nmodel='m'\n")
    proc = subprocess.run(
        [sys.executable, "-m", "gapforge", "generate", "--config", str(cfg), "--out", str(tmp_path / "o"), "--no-progress"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "add a [roles.weak] table with at least base_url and model" in proc.stderr, proc.stderr


def test_the_suite_fails_on_unretrieved_task_exceptions(run: Any) -> None:
    """The conftest hook sees an exception no one retrieved (and this test then clears it)."""

    async def boom() -> None:
        raise RuntimeError("lost in the background")

    async def go() -> None:
        asyncio.get_running_loop().create_task(boom())
        await asyncio.sleep(0.01)

    run(go())
    gc.collect()
    seen, _LOOP_ERRORS.seen = list(_LOOP_ERRORS.seen), []
    assert any("Task exception was never retrieved" in s for s in seen), seen


# --------------------------------------------------------------------------- the pool, in process


# docker-py leaves the socket of a refused connect (the engine is away) to the garbage collector,
# which closes it and says so with a ResourceWarning; only unix sockets, only these tests.
docker_py_refused_connects = pytest.mark.filterwarnings(
    r"ignore:unclosed <socket.socket fd=\d+, family=1:ResourceWarning"
)

QUICK = Program(
    kind="function",
    solution="def f():\n    return 1\n",
    tests="from solution import f\n\ndef test_f():\n    assert f() == 1\n",
)
SLOW = Program(
    kind="function",
    solution="import time\n\ndef f():\n    time.sleep(4)\n    return 1\n",
    tests="from solution import f\n\ndef test_f():\n    assert f() == 1\n",
)


@pytest.mark.docker
@docker_py_refused_connects
def test_pool_engine_loss_in_flight_is_sandbox_error_then_waits_and_rebuilds(
    run: Any, tmp_path: Path
) -> None:
    run_id = f"{RUN_ID}-engine-{os.getpid()}"
    with DockerSocketProxy(tmp_path / "docker.sock") as proxy:
        client = docker.DockerClient(base_url=proxy.docker_host, timeout=120)
        pool = PoolSandbox(run_id=run_id, size=2, client=client, engine_wait_s=120)

        async def go() -> tuple[ExecutionResult, ExecutionResult, str | None, bool]:
            async with pool:
                assert (await pool.run(QUICK)).status is Status.PASSED
                in_flight = asyncio.create_task(pool.run(SLOW))
                await asyncio.sleep(1.5)
                await asyncio.to_thread(proxy.cut, f"gapforge.run={run_id}")
                lost = await in_flight
                later = asyncio.create_task(pool.run(QUICK))
                await asyncio.sleep(2.0)
                waiting, status = not later.done(), pool.engine.status()
                proxy.restore()
                return lost, await asyncio.wait_for(later, 120), status, waiting

        try:
            lost, after, status, waiting = run(go())
        finally:
            client.close()
        assert lost.status is Status.SANDBOX_ERROR, lost
        assert waiting, "a job asked for during the outage must wait for the engine"
        assert status is not None and status.startswith("Docker engine unreachable since"), status
        assert after.status is Status.PASSED, after
        assert pool.engine.incidents == 1 and pool.engine.status() is None
        assert containers_of_run(run_id) == [], "every container, the dead ones too, is removed"


@pytest.mark.docker
@docker_py_refused_connects
def test_pool_gives_up_on_an_engine_that_stays_away(run: Any, tmp_path: Path) -> None:
    run_id = f"{RUN_ID}-gone-{os.getpid()}"
    with DockerSocketProxy(tmp_path / "docker.sock") as proxy:
        client = docker.DockerClient(base_url=proxy.docker_host, timeout=120)
        pool = PoolSandbox(run_id=run_id, size=2, client=client, engine_wait_s=2)

        async def go() -> tuple[ExecutionResult, BaseException | None, float]:
            async with pool:
                in_flight = asyncio.create_task(pool.run(SLOW))
                await asyncio.sleep(1.5)
                await asyncio.to_thread(proxy.cut, f"gapforge.run={run_id}")
                lost = await in_flight
                t0 = time.monotonic()
                try:
                    await asyncio.wait_for(pool.run(QUICK), 60)
                except DockerUnavailable as exc:
                    return lost, exc, time.monotonic() - t0
                return lost, None, time.monotonic() - t0

        try:
            lost, exc, took = run(go())
        finally:
            client.close()
            proxy.restore()
            for c in containers_of_run(run_id):
                c.remove(force=True)
    assert lost.status is Status.SANDBOX_ERROR
    assert isinstance(exc, DockerUnavailable), exc
    assert str(exc).startswith("Docker engine unreachable since ") and str(exc).endswith(
        "start it and rerun to resume"
    )
    assert took < 15, took


def containers_of_run(run_id: str) -> list[Any]:
    client = docker.from_env()
    try:
        return list(client.containers.list(all=True, filters={"label": f"gapforge.run={run_id}"}))
    finally:
        client.close()
