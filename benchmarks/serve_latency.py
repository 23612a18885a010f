"""What `gapforge serve` adds to one execution: p50/p95 latency of ``print(6*7)`` through HTTP
``/run_code`` (SandboxFusion's shape, one keep-alive httpx client) against the same script run
in-process on a warm pool (``PoolSandbox.run_script``), at concurrency 1, side by side in one run.

    .venv/bin/python benchmarks/serve_latency.py                  # 200 of each, ~1 min
    .venv/bin/python benchmarks/serve_latency.py --executions 50 --out-dir /tmp/x

Both sides get a warm pool of one container with the same limits; each first gets 10 warm-up
executions that are not counted. The executions alternate in rounds of 10 (in-process, then HTTP,
then the other way round), so a change in the machine's load falls on both alike. Target: the
HTTP p50 within 2x the in-process p50. Results (JSON and markdown, with the machine and load
average) go to benchmarks/results/serve_latency-<time>.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sandbox_throughput import machine_description, nearest_rank

from gapforge.sandbox import Script, Status
from gapforge.sandbox.pool import PoolSandbox
from gapforge.serve import ServeConfig, Server

HERE = Path(__file__).resolve().parent
SCHEMA = "gapforge.benchmarks.serve_latency/1"
CODE = "print(6*7)"
ROUND = 10
TARGET = 2.0


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * nearest_rank(ordered, 0.95), 2),
        "mean_ms": round(1000 * statistics.fmean(ordered), 2),
    }


def start_server(cfg: ServeConfig) -> tuple[Server, threading.Thread, str]:
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that name it (else each
    # keep-alive request waits ~40 ms for a delayed ACK), as uvicorn's own bind does
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = Server(cfg, pool=PoolSandbox(limits=cfg.pool_limits(), size=1, run_id="bench-serve"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sock)), daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    return server, thread, url


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--executions", type=int, default=200, help="counted executions per side")
    ap.add_argument("--out-dir", type=Path, default=HERE / "results")
    args = ap.parse_args()

    cfg = ServeConfig(workers=1)
    body = {"code": CODE, "language": "python", "run_timeout": 10, "memory_limit_MB": 1024}
    load_before = list(os.getloadavg())
    server, thread, url = start_server(cfg)
    loop = asyncio.new_event_loop()
    pool = PoolSandbox(limits=cfg.pool_limits(), size=1, run_id="bench-serve")
    loop.run_until_complete(pool.__aenter__())
    limits = cfg.run_limits(10)
    in_process: list[float] = []
    over_http: list[float] = []
    t_start = time.monotonic()
    try:
        with httpx.Client(base_url=url, timeout=60) as client:

            def local() -> float:
                t0 = time.perf_counter()
                result = loop.run_until_complete(pool.run_script(Script(code=CODE), limits))
                took = time.perf_counter() - t0
                assert result.status is Status.PASSED, result
                assert result.stdout == "42\n", result
                return took

            def http() -> float:
                t0 = time.perf_counter()
                r = client.post("/run_code", json=body)
                took = time.perf_counter() - t0
                assert r.status_code == 200, r.text
                assert r.json()["run_result"]["stdout"] == "42\n", r.text
                return took

            for _ in range(ROUND):  # warm-up, not counted
                local()
                http()
            rounds = max(1, args.executions // ROUND)
            for i in range(rounds):
                order = [(local, in_process), (http, over_http)]
                for fn, into in order if i % 2 == 0 else reversed(order):
                    into.extend(fn() for _ in range(ROUND))
    finally:
        loop.run_until_complete(pool.__aexit__(None, None, None))
        loop.close()
        server.stop()
        thread.join(60)
    duration = time.monotonic() - t_start
    local_s, http_s = stats(in_process), stats(over_http)
    ratio = round(http_s["p50_ms"] / local_s["p50_ms"], 2)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    ).stdout
    report: dict[str, Any] = {
        "schema_id": SCHEMA,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_s": round(duration, 1),
        "program": CODE,
        "concurrency": 1,
        "in_process_pool": local_s,
        "http_run_code": http_s,
        "p50_ratio": ratio,
        "target": f"HTTP p50 within {TARGET:g}x the in-process p50",
        "met": ratio <= TARGET,
        "load_average": {"before": load_before, "after": list(os.getloadavg())},
        "machine": {**machine_description(pool.image or ""), "gapforge_commit": commit.strip()},
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"serve_latency-{report['date'].replace('-', '').replace(':', '')}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    rows = "\n".join(
        f"| {name} | {s['n']} | {s['p50_ms']} | {s['p95_ms']} | {s['mean_ms']} |"
        for name, s in (("in-process pool (`run_script`)", local_s), ("HTTP `/run_code`", http_s))
    )
    machine = "\n".join(f"| {k} | {v} |" for k, v in report["machine"].items())
    stem.with_suffix(".md").write_text(
        f"# Serve latency — {report['date']}\n\n"
        f"Command: `benchmarks/serve_latency.py --executions {args.executions}`  \n"
        f"Program `{CODE}`, concurrency 1, one warm container per side; duration {report['duration_s']} s.  \n"
        f"Load average (1, 5, 15 min): before {load_before}, after {report['load_average']['after']}.\n\n"
        "| path | executions | p50 ms | p95 ms | mean ms |\n|---|---:|---:|---:|---:|\n"
        f"{rows}\n\n"
        f"HTTP p50 / in-process p50 = **{ratio}x** (target <= {TARGET:g}x: {'met' if report['met'] else 'not met'}).\n\n"
        f"## Machine\n\n| | |\n|---|---|\n{machine}\n"
    )
    print(stem.with_suffix(".md").read_text())
    return 0 if report["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
