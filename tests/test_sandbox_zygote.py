"""The pool's zygote: candidate processes are forks of an interpreter that never saw a job.

Attacks: a candidate scans its own memory for the expected output of its case and for an earlier
job's tests; a candidate kills or stops the zygote. Faithfulness: a script forked from the zygote
behaves as the same script run by a fresh ``python -B -s main.py`` in the same container (exit
codes, tracebacks, streams, threads, exit hooks, recursion depth, signal dispositions).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from conftest import RUN_ID

from gapforge.sandbox import Program, Status
from gapforge.sandbox.base import Script
from gapforge.sandbox.pool import PoolSandbox

pytestmark = pytest.mark.docker

# Reads every readable mapping of its own memory (after making itself dumpable, which the
# harness's non-dumpable processes may do for themselves) and prints each SECRET-<16 hex> it finds. The
# pattern's own text does not match it, so only data that reached this process is found.
SCAN = r"""
import ctypes, re, sys
ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: a process may make itself readable again
data = sys.stdin.read()
pat = re.compile(rb"SECRET-[0-9a-f]{16}")
found = set()
with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
    for line in maps:
        fields = line.split()
        if not fields[1].startswith("r") or line.rstrip().endswith(("[vvar]", "[vsyscall]")):
            continue
        lo, hi = (int(x, 16) for x in fields[0].split("-"))
        try:
            mem.seek(lo)
            chunk = mem.read(hi - lo)
        except (OSError, ValueError, OverflowError):
            continue
        found.update(m.decode() for m in pat.findall(chunk))
del data
print(" ".join(sorted(found)))
"""


def _secret() -> str:
    return "SECRET-" + secrets.token_hex(8)


def test_a_candidate_finds_neither_its_expected_output_nor_an_earlier_jobs_tests_in_memory(
    run: Callable[..., Any],
) -> None:
    earlier, given, expected = _secret(), _secret(), _secret()
    earlier_job = Program(
        solution="def f():\n    return 1\n",
        tests=f"from solution import f\n\ndef test_f():\n    assert f() == 1, {earlier!r}\n",
    )
    stdio = Program(kind="stdio", solution=SCAN, tests=json.dumps([{"input": given, "output": expected}]))

    async def go() -> tuple[Any, Any, Any]:
        async with PoolSandbox(size=1, run_id=RUN_ID) as pool:
            first = await pool.run(earlier_job)
            judged = await pool.run(stdio)
            script = await pool.run_script(Script(code=SCAN, stdin=given))
            return first, judged, script

    first, judged, script = run(go())
    assert first.status is Status.PASSED
    # positive control: the scan does find what did reach the process (its own stdin)
    assert given in script.stdout, script
    assert given in judged.stdout, judged
    for result in (judged, script):
        assert expected not in result.stdout, "the expected output leaked into the candidate's memory"
        assert earlier not in result.stdout, "an earlier job's tests leaked into the candidate's memory"
    assert judged.status is Status.FAILED


KILL_OTHERS = """
import os, signal
for pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
    if pid not in (1, os.getpid()):
        try:
            os.kill(pid, signal.{sig})
        except OSError:
            pass
"""

ECHO_DOUBLE = "n = int(input())\nprint(2 * n)\n"


def test_a_candidate_that_kills_the_zygote_costs_its_container_and_nothing_else(
    run: Callable[..., Any],
) -> None:
    # case 1 kills every other process (the zygote among them); case 2 still runs and is judged
    killer = Program(
        kind="stdio",
        solution="import sys\nif sys.argv:\n    pass\n" + KILL_OTHERS.format(sig="SIGKILL") + ECHO_DOUBLE,
        tests=json.dumps([{"input": "2", "output": "4"}, {"input": "5", "output": "10"}]),
    )
    after = Program(kind="stdio", solution=ECHO_DOUBLE, tests=json.dumps([{"input": "7", "output": "14"}]))

    async def go() -> tuple[Any, Any, Any, int]:
        async with PoolSandbox(size=1, run_id=RUN_ID) as pool:
            first = await pool.run(killer)
            second = await pool.run(after)
            script = await pool.run_script(Script(code="print(6 * 7)"))
            return first, second, script, pool.recycled

    first, second, script, recycled = run(go())
    assert first.status is Status.PASSED, first
    assert [t.status for t in first.tests] == [Status.PASSED, Status.PASSED]
    assert second.status is Status.PASSED, second
    assert script.status is Status.PASSED and script.stdout == "42\n"
    assert recycled == 1, "a container whose zygote was killed must be replaced"


def test_a_candidate_that_stops_the_zygote_does_not_stall_or_cost_the_container(
    run: Callable[..., Any],
) -> None:
    stopper = Program(
        kind="stdio",
        solution=KILL_OTHERS.format(sig="SIGSTOP") + ECHO_DOUBLE,
        tests=json.dumps([{"input": str(i), "output": str(2 * i)} for i in range(4)]),
    )

    async def go() -> tuple[Any, Any, int]:
        async with PoolSandbox(size=1, run_id=RUN_ID) as pool:
            first = await pool.run(stopper)
            script = await pool.run_script(Script(code="print(6 * 7)"))
            return first, script, pool.recycled

    first, script, recycled = run(go())
    assert first.status is Status.PASSED, first
    assert script.status is Status.PASSED and script.stdout == "42\n"
    assert recycled == 0, "a stopped zygote is resumed, not written off"


# A fresh interpreter in the same container, as the reference: runs the program given on the first
# stdin line (JSON) with the stdin given on the second, and prints what came out.
REFERENCE = """
import json, os, subprocess, sys
src = json.loads(sys.stdin.readline())
given = json.loads(sys.stdin.readline())
d = os.path.join(os.getcwd(), "ref")
os.mkdir(d)
path = os.path.join(d, "main.py")
with open(path, "w", encoding="utf-8") as fh:
    fh.write(src)
r = subprocess.run([sys.executable, "-B", "-s", path], input=given.encode(), capture_output=True, cwd=d)
print(json.dumps({"rc": r.returncode, "out": r.stdout.decode().replace(d, "<dir>"),
                  "err": r.stderr.decode().replace(d, "<dir>")}))
"""

PARITY = [
    ("print('hi')", ""),
    ("print('h\\u00e9llo \\u2713')", ""),
    ("raise ValueError('boom')", ""),
    ("def f():\n    return 1 / 0\nf()", ""),
    ("x = (", ""),
    ("import sys\nsys.exit(3)", ""),
    ("import sys\nsys.exit('bye')", ""),
    ("import sys\nsys.exit(256)", ""),
    ("raise SystemExit", ""),
    ("print(input())\nprint(input())", "one\n"),
    ("import sys\nprint(sys.stdin.buffer.read().upper())\nsys.stdout.buffer.write(b'raw')", "abc"),
    ("import sys\nsys.stdout.write('no newline')\nsys.stderr.write('err')", ""),
    (
        "import threading, time\ndef f():\n    time.sleep(0.05)\n    print('thread')\n"
        "threading.Thread(target=f).start()\nprint('main')",
        "",
    ),
    ("import atexit\natexit.register(print, 'bye')\nprint('main')", ""),
    (
        "import os, sys\nprint(__name__, os.path.basename(__file__), os.path.basename(sys.argv[0]), "
        "__spec__, __package__, __doc__, sys.path[0] == os.path.dirname(__file__), len(sys.argv))",
        "",
    ),
    (
        "import sys\ndef f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\nfor n in (990, 995, 996, 997, 998, 999):\n"
        "    try:\n        f(n)\n        print(n, 'ok')\n    except RecursionError:\n        print(n, 'deep')",
        "",
    ),
    ("import signal\nprint(signal.getsignal(signal.SIGPIPE), signal.getsignal(signal.SIGINT))", ""),
    (
        "import os, tempfile\nprint(tempfile.gettempdir() == os.environ['TMPDIR'], os.environ['HOME'] == os.environ['TMPDIR'])",
        "",
    ),
    ("import time\nprint(time.tzname, time.localtime(0).tm_hour)", ""),
]


def test_a_forked_script_behaves_as_a_fresh_interpreter_running_it(run: Callable[..., Any]) -> None:
    async def go() -> list[tuple[Any, Any]]:
        async with PoolSandbox(size=1, run_id=RUN_ID) as pool:
            pairs = []
            for code, given in PARITY:
                ours = await pool.run_script(Script(code=code, stdin=given))
                ref = await pool.run_script(
                    Script(code=REFERENCE, stdin=json.dumps(code) + "\n" + json.dumps(given) + "\n")
                )
                pairs.append((ours, ref))
            return pairs

    for (code, _), (ours, ref) in zip(PARITY, run(go()), strict=True):
        assert ref.status is Status.PASSED, ref
        want = json.loads(ref.stdout)
        work = (
            "/".join(ours.stderr.split('File "', 1)[1].split("/")[:3]) if 'File "/' in ours.stderr else None
        )
        err = ours.stderr.replace(work, "<dir>") if work else ours.stderr
        got = {"rc": ours.exit_code, "out": ours.stdout.replace("\r", ""), "err": err}
        assert got == want, f"{code!r}: forked {got} vs fresh {want}"


def test_every_fork_draws_fresh_randomness(run: Callable[..., Any]) -> None:
    code = "import random, os\nprint(random.getrandbits(64), os.urandom(8).hex())"

    async def go() -> list[str]:
        async with PoolSandbox(size=1, run_id=RUN_ID) as pool:
            return [(await pool.run_script(Script(code=code))).stdout for _ in range(5)]

    outs = run(go())
    assert len(set(outs)) == 5, outs
