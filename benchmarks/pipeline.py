"""End to end: is generation LLM-bound, and does the generator's memory stay flat as seeds grow?

    .venv/bin/python benchmarks/pipeline.py                               # both parts (~15 min, 2 cores)
    .venv/bin/python benchmarks/pipeline.py --part latency --latency 1.0 --concurrency 2,4,8
    .venv/bin/python benchmarks/pipeline.py --part memory --memory-seeds 100,1000

Part ``latency``: the `gapforge demo` settings (the embedded demo config, the 14 built-in demo
topics, 4 seeds at once, the warm pool sandbox) with the offline model server adding ``--latency``
seconds to every call, as a remote endpoint would. Every moment of the run is in one of four
states: waiting on the sandbox only, on the models only, on both, on neither (the loop's own work).
Reported per concurrency:

* wall waiting on sandbox only: the share of the run's wall time with at least one execution queued
  or running and no model call in flight. The pipeline is sandbox-bound exactly then.
* seed time waiting on sandbox only: the same for each seed on its own (its executions in flight,
  none of its model calls), summed over seeds; split by loop phase (validity checks, rollouts).
* sandbox busy: the share of wall time with any execution queued or running;
* accepted problems, seeds, rounds per minute; executions (by verdict, with the time spent inside
  the sandbox); LLM requests; peak memory.

Part ``memory``: the same pipeline on ``--memory-seeds`` distinct seeds (the built-in topics with a
variant number; cheaper loop settings so that 1000 seeds take minutes, model latency 0). Reports the
generator's peak RSS for each seed count and its RSS over the run against seeds finished.

Every generation runs in a fresh child process of this script (``--child``), so the memory is that of
the generator alone: the model server runs in a process of its own and the sandbox in Docker. The
child wraps the sandbox, ``Generator.run_seed``, ``check_validity`` and the model client's
``complete`` only to time them; the pipeline is the real one (``gapforge.generators.run.generate``
with the real `openai` client over HTTP and real containers).

Results (JSON and markdown, with the machine and its load average) go to
benchmarks/results/pipeline-<time>.{json,md}. Timings never change the exit code; the exit code is 1
only if a generation fails (infrastructure errors or a crashed child).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT_DIR = HERE / "results"
SCHEMA = "gapforge.benchmarks.pipeline/1"
SAMPLE_EVERY_S = 0.5
# Cheaper loop for the memory part: what is measured is what the generator keeps per seed, not the
# quality of the problems, so fewer rounds/mutants/validity runs only shorten the run.
MEMORY_LOOP = {"max_rounds": 2, "max_mutants": 4, "validity_runs": 2}
TARGET_WAIT_SHARE = 0.10
TARGET_FLAT_RATIO = 1.10  # peak RSS at the largest seed count over the smallest


# --------------------------------------------------------------------------- child: one generation


def _proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Waits:
    """Where time goes for one seed or the whole run: waiting on the sandbox only, on the models
    only, on both at once, or on neither (the loop's own work). Constant memory: two counters of
    calls in flight and the time of the last change."""

    STATES = ("sandbox_only", "models_only", "both", "neither")

    def __init__(self, now: float) -> None:
        self.sandbox = 0
        self.models = 0
        self.last = now
        self.time = dict.fromkeys(self.STATES, 0.0)
        self.in_phase = dict.fromkeys(PHASES, 0)  # sandbox executions in flight, by loop phase
        self.sandbox_only_by_phase = dict.fromkeys(PHASES, 0.0)

    def _state(self) -> str:
        if self.sandbox and self.models:
            return "both"
        return "sandbox_only" if self.sandbox else "models_only" if self.models else "neither"

    def change(self, now: float, sandbox: int = 0, models: int = 0, phase: str = "rollouts") -> None:
        state = self._state()
        self.time[state] += now - self.last
        if state == "sandbox_only":  # charged to the earliest phase with an execution in flight
            self.sandbox_only_by_phase[next(p for p in PHASES if self.in_phase[p])] += now - self.last
        self.last = now
        self.sandbox += sandbox
        self.models += models
        self.in_phase[phase] += sandbox

    def add(self, other: Waits) -> None:
        for k in self.STATES:
            self.time[k] += other.time[k]
        for k in PHASES:
            self.sandbox_only_by_phase[k] += other.sandbox_only_by_phase[k]


# The loop phase an execution belongs to: validity checks (reference runs, trivial programs,
# mutants) or solver rollouts; set around check_validity, inherited by the tasks it gathers.
PHASES = ("validity", "rollouts")
CURRENT_PHASE: contextvars.ContextVar[str] = contextvars.ContextVar("CURRENT_PHASE", default="rollouts")

# The seed whose work is running: set around each run_seed, inherited by the tasks it gathers.
CURRENT_SEED: contextvars.ContextVar[Waits | None] = contextvars.ContextVar("CURRENT_SEED", default=None)


class Clock:
    """The run's and the current seed's :class:`Waits`, moved by the sandbox and model wrappers."""

    def __init__(self) -> None:
        self.run = Waits(time.monotonic())
        self.seeds = Waits(0.0)  # summed over finished seeds

    @contextlib.contextmanager
    def waiting(self, *, sandbox: int = 0, models: int = 0) -> Iterator[None]:
        seed, phase = CURRENT_SEED.get(), CURRENT_PHASE.get()
        now = time.monotonic()
        self.run.change(now, sandbox, models, phase)
        if seed is not None:
            seed.change(now, sandbox, models, phase)
        try:
            yield
        finally:
            now = time.monotonic()
            self.run.change(now, -sandbox, -models, phase)
            if seed is not None:
                seed.change(now, -sandbox, -models, phase)


class TimedSandbox:
    """Passes executions through, moving the clock, and tallies time inside the sandbox per verdict."""

    def __init__(self, inner: Any, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock
        self.name = inner.name
        self.image = getattr(inner, "image", "")
        self.runs = 0
        # per verdict: [executions, seconds inside the sandbox (the harness's wall clock), CPU seconds]
        self.by_status: dict[str, list[float]] = {}

    async def __aenter__(self) -> TimedSandbox:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(None, None, None)

    async def run(self, program: Any, limits: Any = None) -> Any:
        with self.clock.waiting(sandbox=1):
            result = await self.inner.run(program, limits)
        self.runs += 1
        row = self.by_status.setdefault(result.status.value, [0, 0.0, 0.0])
        row[0] += 1
        row[1] += result.wall_s
        row[2] += result.cpu_s
        return result


def _share(times: dict[str, float], key: str) -> float:
    total = sum(times.values())
    return round(times[key] / total, 4) if total else 0.0


def child_seeds(n: int) -> list[Any]:
    """The demo's topics first, then numbered variants of them: n distinct seeds."""
    from gapforge.dataset.records import Seed
    from gapforge.demo.bank import DEFAULT_TOPICS
    from gapforge.models import content_hash

    k = len(DEFAULT_TOPICS)
    topics = [DEFAULT_TOPICS[i % k] + (f" (variant {i // k})" if i >= k else "") for i in range(n)]
    return [
        Seed(id="s-" + content_hash({"topic": t, "context": ""}, 12), topic=t, source="builtin")
        for t in topics
    ]


def run_child(spec: dict[str, Any]) -> dict[str, Any]:

    from gapforge.config import demo_config
    from gapforge.generators import loop
    from gapforge.generators.run import generate
    from gapforge.llm import OpenAIChatModel
    from gapforge.sandbox import open_sandbox

    cfg = demo_config(spec["base_url"])
    if spec.get("loop"):
        cfg = cfg.model_copy(update={"loop": cfg.loop.model_copy(update=spec["loop"])})
    out = Path(spec["out"])
    seeds = child_seeds(spec["seeds"])

    clock = Clock()
    real_run_seed = loop.Generator.run_seed
    real_complete = OpenAIChatModel.complete

    async def timed_run_seed(self: Any, seed: Any) -> Any:
        waits = Waits(time.monotonic())
        token = CURRENT_SEED.set(waits)
        try:
            return await real_run_seed(self, seed)
        finally:
            CURRENT_SEED.reset(token)
            waits.change(time.monotonic())
            clock.seeds.add(waits)

    async def timed_complete(self: Any, messages: Any, *, seed: int | None = None) -> Any:
        with clock.waiting(models=1):
            return await real_complete(self, messages, seed=seed)

    real_check_validity = loop.check_validity  # type: ignore[attr-defined]

    async def phased_check_validity(*args: Any, **kwargs: Any) -> Any:
        token = CURRENT_PHASE.set("validity")  # the tasks it gathers inherit it
        try:
            return await real_check_validity(*args, **kwargs)
        finally:
            CURRENT_PHASE.reset(token)

    loop.check_validity = phased_check_validity  # type: ignore[attr-defined]
    loop.Generator.run_seed = timed_run_seed  # type: ignore[method-assign]
    OpenAIChatModel.complete = timed_complete  # type: ignore[method-assign]

    # (seconds since start, seeds finished, RSS MiB, Python heap blocks allocated): RSS can creep with
    # allocator fragmentation while the heap is flat; a leak shows in the blocks
    samples: list[tuple[float, int, int, int]] = []
    seeds_file = out / "records" / "seeds.jsonl"
    stop = threading.Event()
    t_start = time.monotonic()

    def sampler() -> None:
        offset, finished = 0, 0
        while True:
            last = stop.wait(SAMPLE_EVERY_S)
            try:
                with seeds_file.open("rb") as fh:
                    fh.seek(offset)
                    chunk = fh.read()
                offset += len(chunk)
                finished += chunk.count(b"\n")
            except OSError:
                pass
            samples.append(
                (
                    round(time.monotonic() - t_start, 1),
                    finished,
                    _proc_status_kb("VmRSS") // 1024,
                    sys.getallocatedblocks(),
                )
            )
            if last:
                return

    async def go() -> tuple[Any, TimedSandbox, float, float]:
        t0 = time.monotonic()
        async with TimedSandbox(
            open_sandbox("pool", limits=cfg.sandbox.limits, max_concurrency=cfg.sandbox.max_concurrency,
                         run_id="bench-pipeline"), clock
        ) as sb:  # fmt: skip
            warm = time.monotonic() - t0
            t1 = time.monotonic()
            clock.run = Waits(t1)
            summary = await generate(
                cfg, seeds, out, concurrency=spec["concurrency"], sandbox=sb,
            )  # fmt: skip
            end = time.monotonic()
            clock.run.change(end)
            return summary, sb, warm, end - t1

    rss_before = _proc_status_kb("VmRSS") // 1024
    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    try:
        summary, sb, warm_s, wall = asyncio.run(go())
    finally:
        stop.set()
        thread.join()
    s = summary.stats
    requests = sum(u.requests for u in summary.usage)
    return {
        "seeds": spec["seeds"],
        "concurrency": spec["concurrency"],
        "latency_s": spec["latency_s"],
        "loop": spec.get("loop") or {},
        "pool_warmup_s": round(warm_s, 2),
        "wall_s": round(wall, 2),
        "seeds_done": s.seeds_done,
        "seeds_failed": s.seeds_failed,
        "errors": s.errors[:5],
        "accepted": s.accepted,
        "rounds": s.rounds,
        "executions": sb.runs,
        "llm_requests": requests,
        "tokens": summary.total_tokens,
        "accepted_per_min": round(s.accepted / wall * 60, 2),
        "seeds_per_min": round(s.seeds_done / wall * 60, 2),
        "rounds_per_min": round(s.rounds / wall * 60, 2),
        "llm_time_s": round(sum(u.latency_s for u in summary.usage), 1),
        # the whole run's wall time, by what the pipeline was waiting on
        "wall_by_wait": {k: round(v, 1) for k, v in clock.run.time.items()},
        "sandbox_only_wall_share": _share(clock.run.time, "sandbox_only"),
        "sandbox_busy_wall_share": round(
            (clock.run.time["sandbox_only"] + clock.run.time["both"]) / max(wall, 1e-9), 4
        ),
        # seeds' time in flight (summed over seeds), by what the seed was waiting on
        "seed_time_by_wait": {k: round(v, 1) for k, v in clock.seeds.time.items()},
        "sandbox_only_seed_share": _share(clock.seeds.time, "sandbox_only"),
        "seed_sandbox_only_by_phase": {k: round(v, 1) for k, v in clock.seeds.sandbox_only_by_phase.items()},
        "executions_by_verdict": {
            k: {"executions": int(n), "inside_s": round(w, 1), "cpu_s": round(c, 1)}
            for k, (n, w, c) in sorted(sb.by_status.items())
        },
        "rss_after_imports_mib": rss_before,
        "peak_rss_mib": round(_proc_status_kb("VmHWM") / 1024, 1),
        "rss_samples": samples,
    }


# --------------------------------------------------------------------------- driver


class ModelServer:
    """The offline demo model server in a process of its own (`python -m gapforge.demo.server`)."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> ModelServer:
        argv = [sys.executable, "-m", "gapforge.demo.server", "--port", "0", "--latency", str(self.latency_s)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        found = re.search(r"(http://\S+/v1)", line)
        if not found:
            self.proc.kill()
            raise SystemExit(f"the demo model server did not start: {line!r}")
        self.base_url = found.group(1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def generation(spec: dict[str, Any], scratch: Path) -> dict[str, Any]:
    """One generation in a fresh child process; its JSON result."""
    spec_file = scratch / f"spec-{time.monotonic_ns()}.json"
    spec_file.write_text(json.dumps(spec))
    label = f"{spec['seeds']} seeds, concurrency {spec['concurrency']}, latency {spec['latency_s']} s"
    print(f"  running: {label} ...", file=sys.stderr, flush=True)
    load0 = os.getloadavg()[0]
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(spec_file)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"generation child failed ({label}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_1m_before"] = round(load0, 2)
    result["load_1m_after"] = round(os.getloadavg()[0], 2)
    print(
        f"  done: {result['wall_s']} s, accepted {result['accepted']}, sandbox wait share "
        f"{result['sandbox_only_wall_share']:.1%} of wall, {result['sandbox_only_seed_share']:.1%} of seed time, peak RSS {result['peak_rss_mib']} MiB",
        file=sys.stderr, flush=True,
    )  # fmt: skip
    return result


def at_fraction(samples: list[list[int | float]], total: int, fraction: float, column: int) -> int | None:
    """A column (2: RSS MiB, 3: heap blocks) of the first sample with ``fraction`` of the seeds done."""
    for row in samples:
        if row[1] >= fraction * total:
            return int(row[column])
    return None


def evaluate(latency_rows: list[dict[str, Any]], memory_rows: list[dict[str, Any]], latency: float) -> list[dict[str, Any]]:  # fmt: skip
    targets = []
    demo_row = next(
        (r for r in latency_rows if r["concurrency"] == 4), latency_rows[0] if latency_rows else None
    )
    if demo_row is not None:
        share = demo_row["sandbox_only_wall_share"]
        targets.append({
            "target": f"sandbox wait under {TARGET_WAIT_SHARE:.0%} of pipeline time at {latency} s model latency "
                      f"(demo settings, concurrency {demo_row['concurrency']})",
            "measured": f"{share:.1%} of wall time waiting on the sandbox alone "
                        f"({demo_row['sandbox_only_seed_share']:.1%} of seed time; sandbox busy "
                        f"{demo_row['sandbox_busy_wall_share']:.1%} of wall time)",
            "met": share < TARGET_WAIT_SHARE,
        })  # fmt: skip
    if len(memory_rows) >= 2:
        small, large = memory_rows[0], memory_rows[-1]
        ratio = large["peak_rss_mib"] / small["peak_rss_mib"]
        targets.append({
            "target": f"generator peak memory flat as seeds grow ({small['seeds']} vs {large['seeds']} seeds, "
                      f"ratio at most {TARGET_FLAT_RATIO})",
            "measured": f"{small['peak_rss_mib']} MiB vs {large['peak_rss_mib']} MiB ({ratio:.3f}x)",
            "met": ratio <= TARGET_FLAT_RATIO,
        })  # fmt: skip
    return targets


def render_markdown(rep: dict[str, Any]) -> str:
    m = rep["machine"]
    lines = [
        f"# Pipeline benchmark, {rep['started_at']}",
        "",
        f"Machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gib']} GiB, kernel {m['kernel']}, "
        f"Docker {m['docker_version']}, Python {m['python_version']}, gapforge {m['gapforge_commit']}"
        + (" (dirty tree)" if m.get("gapforge_tree_dirty") else "")
        + ".",
        f"Command: `{rep['command']}`",
        "",
    ]
    if rep["latency_rows"]:
        lines += [
            f"## Model latency {rep['latency_s']} s per call (demo settings, {rep['latency_rows'][0]['seeds']} seeds)",
            "",
            "| concurrency | wall s | accepted | accepted/min | seeds/min | executions | LLM requests "
            "| wall waiting on sandbox only | seed time waiting on sandbox only | sandbox busy (wall) "
            "| peak RSS MiB | load 1m before/after |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rep["latency_rows"]:
            lines.append(
                f"| {r['concurrency']} | {r['wall_s']} | {r['accepted']}/{r['seeds_done']} | {r['accepted_per_min']} "
                f"| {r['seeds_per_min']} | {r['executions']} | {r['llm_requests']} | {r['sandbox_only_wall_share']:.1%} "
                f"| {r['sandbox_only_seed_share']:.1%} | {r['sandbox_busy_wall_share']:.1%} | {r['peak_rss_mib']} | {r['load_1m_before']}/{r['load_1m_after']} |"
            )
        lines += [
            "",
            "Where the time goes (seconds): the run's wall time by what it waited on; the seeds' time "
            "waiting on the sandbox alone by loop phase; time inside the sandbox by verdict.",
            "",
            "| concurrency | wall: sandbox only / models only / both / neither | seeds, sandbox only: validity / rollouts "
            "| inside the sandbox by verdict (executions in s) |",
            "|---:|---|---|---|",
        ]
        for r in rep["latency_rows"]:
            w, ph = r["wall_by_wait"], r["seed_sandbox_only_by_phase"]
            verdicts = ", ".join(
                f"{k} {v['executions']} in {v['inside_s']}" for k, v in r["executions_by_verdict"].items()
            )
            lines.append(
                f"| {r['concurrency']} | {w['sandbox_only']} / {w['models_only']} / {w['both']} / {w['neither']} "
                f"| {ph['validity']} / {ph['rollouts']} | {verdicts} |"
            )
        lines.append("")
    if rep["memory_rows"]:
        lines += [
            f"## Generator memory vs seeds (latency {rep['memory_latency_s']} s, loop {json.dumps(MEMORY_LOOP)})",
            "",
            "| seeds | wall s | accepted | executions | RSS after imports MiB | RSS at 10 % / 50 % / 100 % of seeds MiB "
            "| Python heap blocks at 10 % / 50 % / 100 % | peak RSS MiB |",
            "|---:|---:|---:|---:|---:|---|---|---:|",
        ]
        for r in rep["memory_rows"]:
            rss, blocks = (
                " / ".join(str(at_fraction(r["rss_samples"], r["seeds"], f, col)) for f in (0.1, 0.5, 1.0))
                for col in (2, 3)
            )
            lines.append(
                f"| {r['seeds']} | {r['wall_s']} | {r['accepted']} | {r['executions']} | {r['rss_after_imports_mib']} "
                f"| {rss} | {blocks} | {r['peak_rss_mib']} |"
            )
        lines.append("")
    lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'no'} |" for t in rep["targets"]]
    return "\n".join(lines) + "\n"


def _without_out_dir(argv: list[str]) -> list[str]:
    """The command as recorded: without --out-dir, so no local path goes into shared results."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--out-dir":
            skip = True
        elif not arg.startswith("--out-dir="):
            out.append(arg)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    p.add_argument("--part", choices=("all", "latency", "memory"), default="all")
    p.add_argument("--latency", type=float, default=1.0, help="model latency per call, part latency (s)")
    p.add_argument("--seeds", type=int, default=14, help="seeds for part latency (the demo's 14)")
    p.add_argument("--concurrency", default="4", help="comma list of seeds in flight, part latency")
    p.add_argument("--memory-seeds", default="100,1000", help="comma list of seed counts, part memory")
    p.add_argument("--memory-latency", type=float, default=0.0, help="model latency, part memory (s)")
    p.add_argument("--memory-concurrency", type=int, default=4)
    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        print(json.dumps(run_child(json.loads(args.child.read_text()))), flush=True)
        return 0

    sys.path.insert(0, str(HERE))
    from sandbox_throughput import machine_description

    from gapforge.images.build import resolve_runner_image
    from gapforge.sandbox.docker import connect

    started = dt.datetime.now(dt.UTC)
    rep: dict[str, Any] = {
        "schema": SCHEMA,
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "python benchmarks/pipeline.py "
        + " ".join(_without_out_dir(argv if argv is not None else sys.argv[1:])),
        "machine": machine_description(resolve_runner_image(connect())),
        "latency_s": args.latency,
        "memory_latency_s": args.memory_latency,
        "latency_rows": [],
        "memory_rows": [],
    }
    failed = False
    with tempfile.TemporaryDirectory(prefix="gf-bench-pipeline-") as tmp:
        scratch = Path(tmp)
        if args.part in ("all", "latency"):
            with ModelServer(args.latency) as server:
                for c in (int(x) for x in args.concurrency.split(",")):
                    spec = {"base_url": server.base_url, "seeds": args.seeds, "concurrency": c,
                            "latency_s": args.latency, "out": str(scratch / f"lat-c{c}")}  # fmt: skip
                    rep["latency_rows"].append(generation(spec, scratch))
        if args.part in ("all", "memory"):
            with ModelServer(args.memory_latency) as server:
                for n in (int(x) for x in args.memory_seeds.split(",")):
                    spec = {"base_url": server.base_url, "seeds": n, "concurrency": args.memory_concurrency,
                            "latency_s": args.memory_latency, "loop": MEMORY_LOOP, "out": str(scratch / f"mem-{n}")}  # fmt: skip
                    rep["memory_rows"].append(generation(spec, scratch))
    for row in rep["latency_rows"] + rep["memory_rows"]:
        failed |= bool(row["seeds_failed"]) or row["seeds_done"] != row["seeds"]
    rep["targets"] = evaluate(rep["latency_rows"], rep["memory_rows"], args.latency)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"pipeline-{started.strftime('%Y%m%dT%H%M%SZ')}"
    stem.with_suffix(".json").write_text(json.dumps(rep, indent=2) + "\n")
    md = render_markdown(rep)
    stem.with_suffix(".md").write_text(md)
    print(md)
    print(f"results: {stem}.json, {stem}.md", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
