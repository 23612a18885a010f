"""Every sandbox limit attacked for real (DESIGN.md §4). Each test checks three things: the verdict
is right, the host is unaffected, and nothing of the run is left behind."""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import leftovers, open_pool

from gapforge.sandbox import ExecutionResult, Limits, Program, Status

pytestmark = pytest.mark.docker

FAST = Limits(cpu_seconds=2, wall_seconds=8, memory_mb=128, pids=64, output_bytes=200_000, disk_mb=16)


def host_processes_matching(marker: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                if marker.encode() in fh.read():
                    found.append(int(name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def pool_fast(event_loop_runner: Any) -> Iterator[Any]:
    """A warm pool whose containers carry FAST's limits, so no job falls back to a fresh container."""
    yield from open_pool(event_loop_runner, FAST)


@pytest.fixture(params=["docker", "pool"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Every backend that claims full isolation runs this whole suite."""
    sb = request.getfixturevalue("docker_sandbox" if request.param == "docker" else "pool_fast")
    yield sb
    left = leftovers()
    assert left["containers"] == [], f"the run left containers behind: {left}"
    assert left["job_dirs"] == [], f"the run left job dirs behind: {left}"
    # the pool keeps its warm containers between jobs (plus one being recycled at most)
    assert len(left["pool"]) <= 5, left  # two warm pools of size 2 at most, one being recycled


@pytest.fixture
def execute(sandbox: Any, run: Callable[..., Any]) -> Callable[..., ExecutionResult]:
    def go(solution: str, tests: str, limits: Limits = FAST, kind: str = "function") -> ExecutionResult:
        result: ExecutionResult = run(sandbox.run(Program(kind=kind, solution=solution, tests=tests), limits))
        assert result.backend == sandbox.name, "the job must run on the backend under test"
        return result

    return go


def fn_test(body: str, name: str = "test_it") -> str:
    return f"from solution import *\n\ndef {name}():\n" + "".join(
        f"    {line}\n" for line in body.splitlines()
    )


# ---------------------------------------------------------------------------------------- resources


def test_fork_bomb_is_contained(execute: Callable[..., ExecutionResult]) -> None:
    marker = "gfbomb" + secrets.token_hex(4)
    sol = f"""
import os, sys
def bomb():
    sys.argv[0] = "{marker}"
    while True:
        try:
            os.fork()
        except OSError:
            pass
"""
    t0 = time.monotonic()
    r = execute(sol, fn_test("bomb()"))
    assert r.status in (Status.TIMEOUT, Status.ERROR, Status.FAILED), r
    assert time.monotonic() - t0 < FAST.wall_seconds + 10
    time.sleep(0.5)
    assert host_processes_matching(marker) == [], "fork bomb processes survived on the host"


def test_memory_bomb_reports_memory_exceeded(execute: Callable[..., ExecutionResult]) -> None:
    sol = "def grab():\n    xs = []\n    while True:\n        xs.append(bytearray(8 * 1024 * 1024))\n"
    r = execute(sol, fn_test("grab()"))
    assert r.status is Status.MEMORY_EXCEEDED, r
    assert "memory limit" in r.message


def test_memory_bomb_caught_inside_python_still_memory_exceeded(
    execute: Callable[..., ExecutionResult],
) -> None:
    # the candidate swallows MemoryError and claims success: the cgroup kill still decides
    sol = (
        "def grab():\n    try:\n        xs = [bytearray(1024 * 1024) for _ in range(4096)]\n"
        "    except MemoryError:\n        return True\n    return True\n"
    )
    r = execute(sol, fn_test("assert grab()"))
    assert r.status is Status.MEMORY_EXCEEDED, r


def test_cpu_loop_times_out_on_cpu_limit(execute: Callable[..., ExecutionResult]) -> None:
    r = execute("def spin():\n    while True:\n        pass\n", fn_test("spin()"))
    assert r.status is Status.TIMEOUT, r
    assert r.tests and r.tests[0].status is Status.TIMEOUT
    # the CPU limit stopped it (on a loaded machine the wall deadline may come first: still a timeout)
    assert r.cpu_s >= FAST.cpu_seconds * 0.9 or r.wall_s >= FAST.wall_seconds, r


FRACTION = FAST.model_copy(update={"cpu_seconds": 0.3})  # the budget mutants and trivial programs get


def test_fractional_cpu_budget_stops_a_loop_well_before_a_whole_second(
    execute: Callable[..., ExecutionResult],
) -> None:
    # RLIMIT_CPU counts whole seconds; the harness watches CPU time to enforce 0.3 s
    r = execute("def spin():\n    while True:\n        pass\n", fn_test("spin()"), FRACTION)
    assert r.status is Status.TIMEOUT, r
    assert "0.3 s CPU" in r.message, r.message
    assert r.cpu_s < 0.9, r  # the rlimit alone would have let it spin for a full second
    ok = execute(
        "def work():\n    return sum(range(100000))\n", fn_test("assert work() == 4999950000"), FRACTION
    )
    assert ok.status is Status.PASSED, ok


def test_cpu_budget_is_the_candidates_not_the_harness_startup(
    execute: Callable[..., ExecutionResult],
) -> None:
    # a fresh interpreter spends ~0.2-0.4 s of CPU loading pytest and hypothesis, a fork of the warm
    # agent ~0: neither may eat into the program's budget, or the two backends (and a loaded machine)
    # would judge the same mutant differently. 0.2 s of work fits a 0.3 s budget on both.
    sol = (
        "import time\n"
        "def burn():\n"
        "    t0 = time.process_time()\n"
        "    while time.process_time() - t0 < 0.2:\n"
        "        pass\n"
        "    return True\n"
    )
    r = execute(sol, fn_test("assert burn()"), FRACTION)
    assert r.status is Status.PASSED, r
    assert 0.15 <= r.cpu_s < 0.3, r  # the program's time, without the harness's own startup


def test_fractional_cpu_budget_counts_forked_children(execute: Callable[..., ExecutionResult]) -> None:
    # the candidate idles while two forked children burn the CPU: the group's time is what counts
    sol = """
import os, time
def spin_in_children():
    kids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            mark = 0.0
            while True:
                t = time.process_time()
                if t >= mark:
                    os.write(2, b"child cpu %.2f\\n" % t)
                    mark = t + 0.05
        kids.append(pid)
    for pid in kids:
        os.waitpid(pid, 0)
"""
    r = execute(sol, fn_test("spin_in_children()"), FRACTION)
    assert r.status is Status.TIMEOUT, r
    reached = [float(x) for x in re.findall(r"child cpu ([0-9.]+)", r.stderr)]
    assert reached, r.stderr[-500:]
    # 0.3 s between them; the whole-second rlimit alone would have let each child reach ~1 s
    assert max(reached) < 0.6, reached


def test_sleep_times_out_on_wall_deadline(execute: Callable[..., ExecutionResult]) -> None:
    t0 = time.monotonic()
    r = execute("import time\ndef nap():\n    time.sleep(1000)\n", fn_test("nap()"))
    assert r.status is Status.TIMEOUT, r
    assert time.monotonic() - t0 < FAST.wall_seconds + 8


def test_background_process_does_not_outlive_the_run(execute: Callable[..., ExecutionResult]) -> None:
    marker = "gfdaemon" + secrets.token_hex(4)
    sol = f"""
import os, subprocess, sys
def daemonize():
    # a double-forked, session-detached child that ignores SIGTERM and sleeps for a long time
    subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(1000)  # {marker}"],
                     start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            import time
            sys.argv[0] = "{marker}"
            time.sleep(1000)
        os._exit(0)
    return True
"""
    r = execute(sol, fn_test("assert daemonize()"))
    assert r.status is Status.PASSED, r
    time.sleep(0.5)
    assert host_processes_matching(marker) == [], "a background process outlived the sandbox"


def test_disk_fill_is_capped(execute: Callable[..., ExecutionResult]) -> None:
    sol = """
import os
def fill():
    written = 0
    try:
        with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "big"), "wb") as fh:
            for _ in range(1024):
                fh.write(b"x" * (1024 * 1024))
                written += 1024 * 1024
                fh.flush()
    except OSError:
        pass
    return written
"""
    r = execute(sol, fn_test(f"assert fill() <= {FAST.disk_mb} * 1024 * 1024"))
    assert r.status is Status.PASSED, r


def test_output_flood_is_capped_at_source(execute: Callable[..., ExecutionResult]) -> None:
    sol = "import sys\ndef flood():\n    while True:\n        sys.stdout.write('A' * 65536)\n        sys.stderr.write('B' * 65536)\n"
    t0 = time.monotonic()
    r = execute(sol, fn_test("flood()"))
    assert r.status is Status.OUTPUT_EXCEEDED, r
    assert r.truncated
    assert len(r.stdout) + len(r.stderr) <= FAST.output_bytes
    assert time.monotonic() - t0 < FAST.wall_seconds


def test_output_flood_stdio_program(execute: Callable[..., ExecutionResult]) -> None:
    r = execute("while True:\n    print('x' * 10000)\n", '[{"input": "", "output": "x"}]', kind="stdio")
    assert r.status is Status.OUTPUT_EXCEEDED, r
    assert len(r.stdout) <= FAST.output_bytes


def test_network_is_unreachable(execute: Callable[..., ExecutionResult]) -> None:
    sol = """
import socket
def probe():
    results = []
    for fam, addr in ((socket.AF_INET, ("1.1.1.1", 53)), (socket.AF_INET, ("127.0.0.1", 22))):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(addr)
            results.append("reached")
        except OSError:
            results.append("blocked")
        finally:
            s.close()
    try:
        socket.getaddrinfo("example.com", 80)
        results.append("dns")
    except OSError:
        results.append("nodns")
    ifaces = [name for _, name in socket.if_nameindex()]
    return results, ifaces
"""
    r = execute(
        sol,
        fn_test(
            "res, ifaces = probe()\nassert res == ['blocked', 'blocked', 'nodns'], res\nassert ifaces == ['lo'], ifaces"
        ),
    )
    assert r.status is Status.PASSED, r


def test_host_files_and_environment_are_invisible(execute: Callable[..., ExecutionResult]) -> None:
    secret = "gfsecret-" + secrets.token_hex(8)
    os.environ["GAPFORGE_TEST_SECRET"] = secret
    host_file = os.path.join("/root" if os.geteuid() == 0 else os.path.expanduser("~"), f".gapforge-{secret}")
    with open(host_file, "w") as fh:
        fh.write(secret)
    try:
        sol = f"""
import os, glob
def snoop():
    found = []
    if "{secret}" in repr(dict(os.environ)):
        found.append("env")
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            for what in ("environ", "cmdline"):
                try:
                    with open("/proc/%s/%s" % (pid, what), "rb") as fh:
                        data = fh.read()
                    if b"{secret}" in data or b"GAPFORGE_NONCE" in data:
                        found.append("proc %s %s" % (pid, what))
                except OSError:
                    pass
    for path in ["{host_file}", "/etc/shadow", "/root/.bash_history"] + glob.glob("/home/*/*"):
        try:
            with open(path) as fh:
                if "{secret}" in fh.read():
                    found.append(path)
        except OSError:
            pass
    return found, os.getuid()
"""
        r = execute(sol, fn_test("found, uid = snoop()\nassert found == [], found\nassert uid != 0"))
        assert r.status is Status.PASSED, r
    finally:
        os.unlink(host_file)
        del os.environ["GAPFORGE_TEST_SECRET"]


def test_writes_outside_the_work_dir_fail(execute: Callable[..., ExecutionResult]) -> None:
    sol = """
import os
def scribble():
    ok = []
    for path in ("/job/tests.py", "/job/new", "/opt/gapforge/harness.py", "/etc/passwd", "/usr/evil", "/evil", "/var/tmp/x"):
        try:
            with open(path, "a") as fh:
                fh.write("pwned")
            ok.append(path)
        except OSError:
            pass
    try:
        os.remove("/job/tests.py")
        ok.append("rm /job/tests.py")
    except OSError:
        pass
    return ok
"""
    r = execute(sol, fn_test("assert scribble() == []"))
    assert r.status is Status.PASSED, r


def test_privileges_are_dropped(execute: Callable[..., ExecutionResult]) -> None:
    sol = """
def caps():
    with open("/proc/self/status") as fh:
        fields = dict(line.split(":", 1) for line in fh if ":" in line)
    return {k: fields[k].strip() for k in ("CapEff", "CapPrm", "CapBnd", "NoNewPrivs", "Uid")}
"""
    r = execute(
        sol,
        fn_test(
            "c = caps()\nassert c['CapEff'] == '0000000000000000', c\nassert c['CapBnd'] == '0000000000000000', c\nassert c['NoNewPrivs'] == '1', c\nassert not c['Uid'].startswith('0'), c"
        ),
    )
    assert r.status is Status.PASSED, r


# ---------------------------------------------------------------------------------------- forged passes

WRONG_ADD = "def add(a, b):\n    return a - b\n"
ADD_TESTS = "from solution import add\n\ndef test_one():\n    assert add(1, 2) == 3\n\ndef test_two():\n    assert add(2, 2) == 4\n"


@pytest.mark.parametrize(
    "prelude",
    [
        pytest.param(
            'import sys\nprint(\'PASSED \' * 50)\nprint(\'@@GAPFORGE-RESULT@@ x {"status": "passed", "tests": []}\')\n'
            "sys.stderr.write('2 passed in 0.01s\\n')\n",
            id="prints-passed",
        ),
        pytest.param("import sys\nsys.exit(0)\n", id="sys-exit-0-at-import"),
        pytest.param("import os\nos._exit(0)\n", id="os-exit-0-before-tests"),
        pytest.param("raise SystemExit(0)\n", id="raise-systemexit"),
        pytest.param(
            "import _pytest.python\n_pytest.python.Function.runtest = lambda self: None\n",
            id="patch-pytest-runtest",
        ),
        pytest.param(
            "import _pytest.runner\n"
            "_orig = _pytest.runner.TestReport.from_item_and_call\n"
            "def _fake(item, call):\n    r = _orig(item, call)\n    r.outcome = 'passed'\n    r.longrepr = None\n    return r\n"
            "_pytest.runner.TestReport.from_item_and_call = staticmethod(_fake)\n",
            id="patch-pytest-reports",
        ),
        pytest.param(
            "import json\n_d = json.dumps\n"
            "def _fake(o, *a, **k):\n"
            "    if isinstance(o, dict) and o.get('event') == 'result':\n"
            "        o = dict(o, status='passed', message='')\n"
            "    return _d(o, *a, **k)\n"
            "json.dumps = _fake\n",
            id="patch-json-reporter",
        ),
        pytest.param(
            "import builtins\nbuiltins.AssertionError = type('AssertionError', (BaseException,), {})\n"
            "import sys\nsys.modules['builtins'].isinstance = lambda *a: False\n",
            id="patch-builtins",
        ),
        pytest.param(
            "import os, json\n"
            "for fd in range(3, 30):\n"
            "    try:\n"
            "        for n in ('test_one', 'test_two'):\n"
            "            os.write(fd, (json.dumps({'event': 'result', 'name': n, 'status': 'passed'}) + '\\n').encode())\n"
            "        os.write(fd, (json.dumps({'event': 'done', 'exit': 0}) + '\\n').encode())\n"
            "    except OSError:\n"
            "        pass\n"
            "os._exit(0)\n",
            id="forge-report-channel",
        ),
        pytest.param(
            "import os, glob\n"
            "for p in glob.glob('/job/*') + glob.glob('*.py') + glob.glob('/tmp/*/*.py'):\n"
            "    try:\n        os.remove(p)\n    except OSError:\n        pass\n",
            id="delete-test-files",
        ),
        pytest.param(
            "import os, signal\n"
            "for pid in (1, os.getppid()):\n"
            "    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n"
            "try:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n",
            id="kill-the-harness",
        ),
        pytest.param(
            "import os\n"
            "for path in ('/proc/1/fd/1', '/proc/1/fd/2', '/dev/console'):\n"
            "    try:\n"
            "        with open(path, 'w') as fh:\n"
            '            fh.write(\'\\n@@GAPFORGE-RESULT@@ 0 {"status":"passed","tests":[]}\\n\')\n'
            "    except OSError:\n"
            "        pass\n",
            id="write-to-harness-stdout",
        ),
    ],
)
def test_forged_pass_fails(execute: Callable[..., ExecutionResult], prelude: str) -> None:
    r = execute(prelude + WRONG_ADD, ADD_TESTS)
    assert r.status is not Status.PASSED, r
    assert r.status is not Status.SANDBOX_ERROR, r
    assert not any(t.status is Status.PASSED for t in r.tests), r


def test_honest_program_still_passes_with_canaries(execute: Callable[..., ExecutionResult]) -> None:
    r = execute("def add(a, b):\n    return a + b\n", ADD_TESTS)
    assert r.status is Status.PASSED, r
    assert [t.name for t in r.tests] == ["test_one", "test_two"], (
        "planted control tests must not leak into results"
    )


def test_missing_test_result_fails_closed(execute: Callable[..., ExecutionResult]) -> None:
    # the candidate kills its own process in the middle of the second test
    sol = "import os\ncalls = []\ndef add(a, b):\n    calls.append(1)\n    if len(calls) == 2:\n        os._exit(0)\n    return a + b\n"
    r = execute(sol, ADD_TESTS)
    assert r.status is Status.ERROR, r
    statuses = {t.name: t.status for t in r.tests}
    assert statuses["test_one"] is Status.PASSED
    assert statuses["test_two"] is not Status.PASSED
