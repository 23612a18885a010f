"""benchmarks/sandbox_throughput.py runs end to end: a tiny count, gapforge's two Docker modes and
the host floor, no peers. Checks the report's shape and that every backend agrees; never timings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "sandbox_throughput.py"
BACKENDS = ["pool", "docker", "subprocess"]
WORKLOADS = ["trivial", "trivial-wrong", "humaneval", "cpu-heavy", "timeout"]
EXPECTED = {
    "trivial": "passed",
    "trivial-wrong": "failed",
    "humaneval": "passed",
    "cpu-heavy": "passed",
    "timeout": "timeout",
}


def test_benchmark_smoke_run_reports_ratios_and_identical_verdicts(tmp_path: Path) -> None:
    # the timeout workload burns 2 s of CPU per execution: one wave of 2 keeps the run short
    argv = [sys.executable, str(SCRIPT), "--executions", "3", "--count", "timeout=2", "--rounds", "1",
            "--skip-peers", "--backends", ",".join(BACKENDS), "--humaneval-problems", "3",
            "--out-dir", str(tmp_path)]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]

    [json_path] = tmp_path.glob("sandbox_throughput-*.json")
    [md_path] = tmp_path.glob("sandbox_throughput-*.md")
    assert md_path.stem == json_path.stem
    report = json.loads(json_path.read_text())

    assert report["schema_id"] == "gapforge.benchmarks.sandbox_throughput/1"
    machine = report["machine"]
    for key in (
        "cpu_model",
        "cores",
        "memory_gib",
        "kernel",
        "docker_version",
        "cgroup_version",
        "python_version",
    ):
        assert machine[key], key
    assert machine["cgroup_version"] in ("v1", "v2")
    assert len(report["load_average"]["before"]) == 3
    assert len(report["load_average"]["after"]) == 3
    assert report["settings"]["concurrency"] >= 1
    assert set(report["backends"]) == set(BACKENDS)
    assert not any("error" in b for b in report["backends"].values())
    assert report["leftover_containers"] == 0

    rows = {(r["workload"], r["backend"]): r for r in report["results"]}
    assert set(rows) == {(w, b) for w in WORKLOADS for b in BACKENDS}
    for (workload, _), row in rows.items():
        n = 2 if workload == "timeout" else 3
        assert row["executions"] == n
        assert row["verdicts"] == {EXPECTED[workload]: n}, row
        assert row["executions_per_s"] > 0
        assert (
            0
            < row["latency"]["min_ms"]
            <= row["latency"]["median_ms"]
            <= row["latency"]["p95_ms"]
            <= row["latency"]["max_ms"]
        )

    assert report["verdicts_identical"] is True
    assert report["disagreements"] == []
    trivial = report["ratios"]["trivial"]
    assert trivial["pool_vs_fresh"] > 0
    assert trivial["pool_median_latency_vs_subprocess"] > 0
    assert trivial.get("pool_vs_fastest_peer") is None  # no peers in this run
    targets = {t["name"]: t for t in report["targets"]}
    assert targets["identical_verdicts"]["met"] is True
    assert targets["pool_vs_fastest_peer"]["met"] is None
    assert targets["pool_vs_fresh"]["met"] in (True, False)

    md = md_path.read_text()
    assert "## Targets" in md
    assert "| pool |" in md
    assert "Identical across every backend" in md


PIPELINE = SCRIPT.parent / "pipeline.py"


def test_pipeline_benchmark_smoke_run_accounts_for_every_second(tmp_path: Path) -> None:
    argv = [sys.executable, str(PIPELINE), "--latency", "0.2", "--seeds", "2", "--concurrency", "2",
            "--memory-seeds", "2,4", "--out-dir", str(tmp_path)]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [json_path] = tmp_path.glob("pipeline-*.json")
    assert json_path.with_suffix(".md").exists()
    report = json.loads(json_path.read_text())
    assert report["schema"] == "gapforge.benchmarks.pipeline/1"
    assert report["machine"]["cores"] and report["machine"]["docker_version"]

    (lat,) = report["latency_rows"]
    assert lat["seeds_done"] == 2 and lat["seeds_failed"] == 0
    assert lat["llm_requests"] > 0 and lat["executions"] > 0
    # every second of the run is in exactly one of the four states
    assert sum(lat["wall_by_wait"].values()) == pytest.approx(lat["wall_s"], abs=0.3)
    assert 0 <= lat["sandbox_only_wall_share"] <= lat["sandbox_busy_wall_share"] <= 1
    # per seed: model calls of 0.2 s each were waited on
    assert lat["seed_time_by_wait"]["models_only"] + lat["seed_time_by_wait"]["both"] > 0.2
    assert sum(lat["seed_sandbox_only_by_phase"].values()) == pytest.approx(
        lat["seed_time_by_wait"]["sandbox_only"], abs=0.3
    )
    assert sum(v["executions"] for v in lat["executions_by_verdict"].values()) == lat["executions"]

    small, large = report["memory_rows"]
    assert (small["seeds"], large["seeds"]) == (2, 4)
    assert small["seeds_done"] == 2 and large["seeds_done"] == 4
    assert large["peak_rss_mib"] > 0 and large["rss_samples"]
    assert [t["met"] in (True, False) for t in report["targets"]] == [True, True]
