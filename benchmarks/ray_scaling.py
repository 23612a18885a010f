"""Generation throughput on Ray with 1 vs 2 worker nodes on this machine, and the driver's ceiling.

    .venv/bin/python benchmarks/ray_scaling.py                    # 1 and 2 workers, 8 seeds, ~6 min
    .venv/bin/python benchmarks/ray_scaling.py --workers 1,2 --seeds 8 --latency 0.5 --single

Each configuration is a fresh local Ray cluster on loopback: a head without CPUs (it only drives)
and W worker nodes of one CPU each (each its own raylet; its gapforge worker has a warm pool of
one container). The models are the offline demo server on the driver with a fixed latency per
call (``--latency``), standing in for a remote endpoint; the sandbox work is real. ``--single``
adds the one-machine path (no Ray) with the same resources as one worker: one pool slot, the same
seeds in flight. The driver's ceiling is measured by replaying a finished run's records through
the driver's write path (validate + append + fsync, one line at a time).

Results (JSON and markdown, with the machine and its load average, which matters: other work on
the machine shares the same 2 cores) go to benchmarks/results/ray_scaling-<time>.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUT_DIR = HERE / "results"
SCHEMA = "gapforge.benchmarks.ray_scaling/1"


def machine() -> dict[str, Any]:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    mem_kb = next(
        (
            int(ln.split()[1])
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal:")
        ),
        0,
    )
    import ray

    from gapforge import __version__

    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "ray": ray.__version__,
        "gapforge": __version__,
    }


def seeds(n: int) -> list[Any]:
    from gapforge.dataset.records import Seed
    from gapforge.demo.bank import DEFAULT_TOPICS
    from gapforge.models import content_hash

    topics = [DEFAULT_TOPICS[i % len(DEFAULT_TOPICS)] + (f" #{i // len(DEFAULT_TOPICS)}" if i >= len(DEFAULT_TOPICS) else "") for i in range(n)]  # fmt: skip
    return [
        Seed(id="s-" + content_hash({"topic": t, "context": ""}, 12), topic=t, source="builtin")
        for t in topics
    ]


def start_cluster(workers: int, temp: str) -> Any:
    import ray
    from ray.cluster_utils import Cluster

    node = {"node_ip_address": "127.0.0.1", "temp_dir": temp, "object_store_memory": 80 * 1024 * 1024}
    cluster = Cluster(
        initialize_head=True, head_node_args={**node, "num_cpus": 0, "include_dashboard": False}
    )
    for _ in range(workers):
        cluster.add_node(**node, num_cpus=1)
    ray.init(address=cluster.address, logging_level=logging.WARNING, log_to_driver=False)
    return cluster


def bench_config(base_url: str, max_mutants: int | None) -> Any:
    from gapforge.config import demo_config

    cfg = demo_config(base_url)
    if max_mutants is None:
        return cfg
    return cfg.model_copy(update={"loop": cfg.loop.model_copy(update={"max_mutants": max_mutants})})


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine: everything, our processes and anyone else's."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(before: tuple[int, int], after: tuple[int, int]) -> float:
    busy, total = after[0] - before[0], after[1] - before[1]
    return round(busy / total * (os.cpu_count() or 1), 2) if total else 0.0


def figures(
    summary: Any, requests: int, wall: float, cpu: tuple[tuple[int, int], tuple[int, int]]
) -> dict[str, Any]:
    s = summary.stats
    cores = busy_cores(*cpu)
    return {
        "wall_s": round(wall, 2),
        "machine_busy_cores": cores,
        "core_s_per_seed": round(cores * wall / max(1, s.seeds_done), 1),
        "seeds": s.seeds_done,
        "seeds_failed": s.seeds_failed,
        "accepted": s.accepted,
        "rounds": s.rounds,
        "executions": s.executions,
        "llm_requests": requests,
        "tokens": summary.total_tokens,
        "sandbox_wait_s": round(summary.sandbox_wait_s, 2),
        "seeds_per_min": round(s.seeds_done / wall * 60, 2),
        "accepted_per_min": round(s.accepted / wall * 60, 2),
        "rounds_per_min": round(s.rounds / wall * 60, 2),
        "executions_per_s": round(s.executions / wall, 2),
        "llm_requests_per_s": round(requests / wall, 2),
    }


async def run_ray(
    workers: int, seed_list: list[Any], latency: float, out: Path, max_mutants: int | None
) -> dict[str, Any]:
    import ray

    from gapforge.dataset.store import finished_view
    from gapforge.demo.server import DemoServer
    from gapforge.distributed import generate_on_ray

    temp = tempfile.mkdtemp(prefix="gfray-", dir="/tmp")
    cluster = start_cluster(workers, temp)
    try:
        with DemoServer(latency_s=latency) as server:
            t0, c0 = time.monotonic(), cpu_times()
            summary = await generate_on_ray(
                bench_config(server.base_url, max_mutants),
                seed_list,
                out,
                address=cluster.address,
            )
            wall, c1 = time.monotonic() - t0, cpu_times()
            requests = sum(server.request_counts().values())
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
    result = {"mode": f"ray-{workers}", "workers": workers, **figures(summary, requests, wall, (c0, c1))}
    result["slots_per_worker"] = [n.slots for n in summary.nodes]
    result["accepted_ids"] = sorted(p.problem_id for p in finished_view(out)["problems"])
    return result


async def run_single(
    seed_list: list[Any], latency: float, out: Path, concurrency: int, max_mutants: int | None
) -> dict[str, Any]:
    from gapforge.dataset.store import finished_view
    from gapforge.demo.server import DemoServer
    from gapforge.generators.run import generate
    from gapforge.sandbox import open_sandbox

    with DemoServer(latency_s=latency) as server:
        cfg = bench_config(server.base_url, max_mutants)
        t0, c0 = time.monotonic(), cpu_times()
        # A sandbox handed to generate() stays the caller's to open and close.
        async with open_sandbox(
            "pool", limits=cfg.sandbox.limits, max_concurrency=1, run_id="bench-ray-single"
        ) as sb:
            summary = await generate(cfg, seed_list, out, concurrency=concurrency, sandbox=sb)
        wall, c1 = time.monotonic() - t0, cpu_times()
        requests = sum(server.request_counts().values())
    result = {"mode": "single", "workers": 1, **figures(summary, requests, wall, (c0, c1))}
    result["accepted_ids"] = sorted(p.problem_id for p in finished_view(out)["problems"])
    return result


def driver_ceiling(run: Path, scratch: Path) -> dict[str, Any]:
    """Replay a finished run's records through the driver's write path: validate, append, fsync."""
    from gapforge.dataset.store import TABLES, RunStore, iter_lines

    lines = [
        (table, line) for table in TABLES for _, line in iter_lines(run / "records" / f"{table}.jsonl")
    ]  # fmt: skip
    seeds_n = sum(1 for t, _ in lines if t == "seeds")
    store = RunStore.open(scratch, config_hash="bench", config={})
    t0 = time.monotonic()
    reps = max(1, 2000 // max(1, len(lines)))
    for _ in range(reps):
        for table, line in lines:
            store.append(table, TABLES[table].model_validate_json(line))
    wall = time.monotonic() - t0
    store.close()
    n = reps * len(lines)
    return {
        "records": n,
        "records_per_seed": round(len(lines) / max(1, seeds_n), 1),
        "mean_record_bytes": round(sum(len(line) for _, line in lines) / max(1, len(lines))),
        "records_per_s": round(n / wall, 1),
        "seeds_per_s": round(n / wall / (len(lines) / max(1, seeds_n)), 1),
    }


def estimate(per_seed: dict[str, Any], driver: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """A paper estimate for ``--nodes`` x ``--cpus-per-node`` from measured per-seed costs.

    Assumptions: the run is sandbox-bound (as measured here), so a node turns its cores into seeds
    at the measured machine-wide CPU cost per seed (which includes Ray, the driver, the demo
    server and whatever else ran on the machine: pessimistic); the endpoint keeps its latency at
    the request rate this needs; the driver (one process, one fsync per record) is the only
    shared component on the cluster side.
    """
    per_node = args.cpus_per_node * 60 / per_seed["core_s_per_seed"]
    sandbox_bound = per_node * args.nodes
    driver_bound = driver["seeds_per_s"] * 60
    seeds_per_min = min(sandbox_bound, driver_bound)
    return {
        "nodes": args.nodes,
        "cpus_per_node": args.cpus_per_node,
        "from_run": per_seed["mode"],
        "core_s_per_seed": per_seed["core_s_per_seed"],
        "per_node_seeds_per_min": round(per_node, 1),
        "sandbox_bound_seeds_per_min": round(sandbox_bound, 1),
        "driver_bound_seeds_per_min": round(driver_bound, 1),
        "estimated_seeds_per_min": round(seeds_per_min, 1),
        "estimated_accepted_per_min": round(
            seeds_per_min * per_seed["accepted"] / max(1, per_seed["seeds"]), 1
        ),
        "estimated_executions_per_s": round(
            seeds_per_min / 60 * per_seed["executions"] / max(1, per_seed["seeds"]), 1
        ),
        "endpoint_requests_per_s_needed": round(
            seeds_per_min / 60 * per_seed["llm_requests"] / max(1, per_seed["seeds"]), 1
        ),
        "endpoint_in_flight_needed": round(
            seeds_per_min / 60 * per_seed["llm_requests"] / max(1, per_seed["seeds"]) * args.latency, 1
        ),
    }


def markdown(rep: dict[str, Any]) -> str:
    m = rep["machine"]
    out = [
        f"# Ray scaling: {rep['created_at']}",
        "",
        f"{m['cores']} cores ({m['cpu_model']}), {m['memory_gib']} GiB, Python {m['python']}, Ray {m['ray']}, "
        f"gapforge {m['gapforge']}. Load average before {rep['load_average']['before']}, after {rep['load_average']['after']}.",
        f"Demo models with {rep['settings']['latency_s']} s latency per call, {rep['settings']['seeds']} seeds, demo config"
        + (
            f" with max_mutants = {rep['settings']['max_mutants']}."
            if rep["settings"].get("max_mutants") is not None
            else "."
        ),
        "",
        "| mode | workers | wall s | seeds/min | accepted/min | rounds/min | executions/s | LLM requests/s | machine busy cores | core-s per seed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rep["runs"]:
        out.append(
            f"| {r['mode']} | {r['workers']} | {r['wall_s']} | {r['seeds_per_min']} | {r['accepted_per_min']} | "
            f"{r['rounds_per_min']} | {r['executions_per_s']} | {r['llm_requests_per_s']} | {r['machine_busy_cores']} | "
            f"{r['core_s_per_seed']} |"
        )
    out += [
        "",
        f"Speed-up 2 workers vs 1: **{rep['speedup_2_vs_1']}x** (seeds/min)."
        if rep.get("speedup_2_vs_1")
        else "",
    ]
    out += [f"Same accepted set in every run: {rep['same_accepted_set']}.", ""]
    d = rep["driver"]
    out += [
        f"Driver write path: {d['records_per_s']} records/s ({d['records_per_seed']} records per seed, "
        f"{d['mean_record_bytes']} B each) = {d['seeds_per_s']} seeds/s.",
    ]
    e = rep["estimate"]
    out += [
        "",
        f"Estimate for {e['nodes']} nodes x {e['cpus_per_node']} CPUs (from {e['from_run']}: {e['core_s_per_seed']} "
        f"core-seconds per seed): {e['per_node_seeds_per_min']} seeds/min per node, "
        f"{e['sandbox_bound_seeds_per_min']} seeds/min for the cluster (driver ceiling {e['driver_bound_seeds_per_min']}) "
        f"= ~{e['estimated_accepted_per_min']} accepted/min, ~{e['estimated_executions_per_s']} executions/s; the "
        f"endpoint must serve ~{e['endpoint_requests_per_s_needed']} requests/s (~{e['endpoint_in_flight_needed']} in "
        f"flight at {rep['settings']['latency_s']} s each).",
        "",
    ]
    return "\n".join(out)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    seed_list = seeds(args.seeds)
    work = Path(tempfile.mkdtemp(prefix="gf-ray-bench-"))
    runs: list[dict[str, Any]] = []
    before = [round(x, 2) for x in os.getloadavg()]
    try:
        for w in args.workers:
            print(f"ray with {w} worker node(s)...", flush=True)
            runs.append(await run_ray(w, seed_list, args.latency, work / f"ray-{w}", args.max_mutants))
            print(f"  {runs[-1]['seeds_per_min']} seeds/min, wall {runs[-1]['wall_s']} s", flush=True)
        if args.single:
            print("single machine, one pool slot...", flush=True)
            runs.append(await run_single(seed_list, args.latency, work / "single", 2, args.max_mutants))
            print(f"  {runs[-1]['seeds_per_min']} seeds/min, wall {runs[-1]['wall_s']} s", flush=True)
        driver = driver_ceiling(work / f"ray-{args.workers[0]}", work / "replay")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    after = [round(x, 2) for x in os.getloadavg()]
    by_mode = {r["mode"]: r for r in runs}
    speedup = None
    if "ray-1" in by_mode and "ray-2" in by_mode:
        speedup = round(by_mode["ray-2"]["seeds_per_min"] / by_mode["ray-1"]["seeds_per_min"], 2)
    # The per-seed CPU cost of the most parallel Ray run (Ray's own processes included).
    widest = max((r for r in runs if r["mode"].startswith("ray")), key=lambda r: r["workers"])
    return {
        "schema_id": SCHEMA,
        "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "load_average": {"before": before, "after": after},
        "settings": {
            "seeds": args.seeds,
            "latency_s": args.latency,
            "workers": args.workers,
            "max_mutants": args.max_mutants,
            "single": args.single,
        },
        "runs": [{k: v for k, v in r.items() if k != "accepted_ids"} for r in runs],
        "same_accepted_set": len({tuple(r["accepted_ids"]) for r in runs}) == 1,
        "speedup_2_vs_1": speedup,
        "driver": driver,
        "estimate": estimate(widest, driver, args),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=8)
    p.add_argument("--latency", type=float, default=0.5, help="seconds per model call")
    p.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2])
    p.add_argument(
        "--max-mutants",
        type=int,
        default=None,
        help="override the demo's mutant budget (0: a model-bound run)",
    )
    p.add_argument("--single", action="store_true", help="also run the one-machine path (no Ray)")
    p.add_argument("--nodes", type=int, default=16, help="cluster size of the estimate")
    p.add_argument("--cpus-per-node", type=int, default=16, help="CPUs per node in the estimate")
    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Loopback only (see tests/test_ray.py): with cluster mode off every Ray process stays on
    # 127.0.0.1. Ray reads it at import, so it is set before anything imports Ray.
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    report = asyncio.run(main_async(args))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = "ray_scaling-" + report["created_at"].replace(":", "").replace("-", "")
    (args.out_dir / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    md = markdown(report)
    (args.out_dir / f"{stem}.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
