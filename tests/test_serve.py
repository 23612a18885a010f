"""`gapforge serve`: a real uvicorn server on a real port over a real warm pool, driven by real
HTTP clients (httpx; a raw socket for a client that goes away; `gapforge serve` itself in a
subprocess for auth, signals and draining)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import httpx
import pytest
from _docker_proxy import DockerSocketProxy
from _serving import Running, serving
from conftest import REQUIRE_DOCKER, RUN_ID, docker_problem

from gapforge.errors import ConfigError
from gapforge.sandbox.pool import PoolSandbox
from gapforge.serve import ServeConfig, bearer_token, load_serve_config

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parent.parent
CFG = ServeConfig(
    workers=2,
    max_queue=2,
    default_cpu_s=5,
    max_cpu_s=5,
    memory_mb=256,
    max_output_bytes=100_000,
    max_body_bytes=200_000,
)
RUN_KEYS = {"status", "execution_time", "return_code", "stdout", "stderr"}
ADD_TESTS = "from solution import add\n\ndef test_one():\n    assert add(1, 2) == 3\n\ndef test_two():\n    assert add(2, 2) == 4\n"


def need_docker() -> None:
    problem = docker_problem()
    if problem is not None:
        if REQUIRE_DOCKER:
            pytest.fail(f"GAPFORGE_REQUIRE_DOCKER=1 but Docker is not usable: {problem}", pytrace=False)
        pytest.skip(f"Docker not usable here: {problem}")


@pytest.fixture(scope="module")
def service() -> Iterator[Running]:
    need_docker()
    pool = PoolSandbox(run_id=RUN_ID, limits=CFG.pool_limits(), size=CFG.workers)
    with serving(CFG, pool) as running:
        yield running


@pytest.fixture
def client(service: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=60) as c:
        yield c


def run_code(client: httpx.Client, code: str, **fields: Any) -> dict[str, Any]:
    body = {
        "compile_timeout": 10,
        "run_timeout": 5,
        "code": code,
        "stdin": None,
        "memory_limit_MB": 1024,
        "language": "python",
        "files": {},
        "fetch_files": [],
        **fields,
    }
    r = client.post("/run_code", json=body)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        lname, _, rest = key.partition("{")
        got = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if lname == name and got == want:
            return float(value)
    return 0.0


# --------------------------------------------------------------------------- SandboxFusion shapes


def test_run_code_answers_exactly_sandbox_fusions_shape(client: httpx.Client) -> None:
    data = run_code(client, "print(6*7)")
    assert set(data) == {"status", "message", "compile_result", "run_result", "executor_pod_name", "files"}
    assert data["status"] == "Success" and data["message"] == ""
    assert data["compile_result"] is None and data["executor_pod_name"] is None and data["files"] == {}
    run = data["run_result"]
    assert set(run) == RUN_KEYS
    assert run["status"] == "Finished" and run["return_code"] == 0
    assert run["stdout"] == "42\n" and run["stderr"] == ""
    assert 0 < run["execution_time"] < 5


def test_run_code_outcomes(client: httpx.Client) -> None:
    echo = run_code(client, "import sys\nprint(sys.stdin.read().upper(), end='')", stdin="abc\ndef\n")
    assert echo["status"] == "Success" and echo["run_result"]["stdout"] == "ABC\nDEF\n"

    crash = run_code(client, "raise ValueError('boom')")
    assert crash["status"] == "Failed" and crash["message"] == ""
    assert crash["run_result"]["status"] == "Finished" and crash["run_result"]["return_code"] == 1
    assert "ValueError: boom" in crash["run_result"]["stderr"]

    code3 = run_code(client, "import sys\nprint('partial')\nsys.exit(3)")
    assert code3["status"] == "Failed" and code3["run_result"]["return_code"] == 3
    assert code3["run_result"]["stdout"] == "partial\n"

    t0 = time.monotonic()
    loop = run_code(client, "while True:\n    pass", run_timeout=1)
    assert loop["status"] == "Failed"
    assert loop["run_result"]["status"] == "TimeLimitExceeded" and loop["run_result"]["return_code"] is None
    assert time.monotonic() - t0 < 10

    # SandboxFusion caps memory with rlimits: the program gets MemoryError and exits 1
    mem = run_code(client, "x = bytearray(200 * 1024 * 1024)\nprint('no')", memory_limit_MB=64)
    assert mem["status"] == "Failed" and mem["run_result"]["status"] == "Finished"
    assert mem["run_result"]["return_code"] == 1 and "MemoryError" in mem["run_result"]["stderr"]
    assert mem["run_result"]["stdout"] == ""
    # the same program under the (capped) default limit runs
    fits = run_code(client, "x = bytearray(100 * 1024 * 1024)\nprint(len(x) // 2**20)", memory_limit_MB=-1)
    assert fits["status"] == "Success" and fits["run_result"]["stdout"] == "100\n"


def test_run_code_refuses_what_it_cannot_honour(client: httpx.Client) -> None:
    r = client.post("/run_code", json={"code": "int main(){}", "language": "cpp"})
    assert r.status_code == 400 and "Python only" in r.json()["error"]
    r = client.post("/run_code", json={"code": "print(1)", "language": "python", "files": {"a.txt": "aGk="}})
    assert r.status_code == 400 and "files" in r.json()["error"]
    r = client.post("/run_code", json={"language": "python"})
    assert r.status_code == 422 and r.json()["error"].startswith("malformed request: code")
    r = client.post("/run_code", content=b"{not json")
    assert r.status_code == 422
    big = "x = 1\n" * 40_000  # 240 kB, over max_body_bytes
    r = client.post("/run_code", json={"code": big, "language": "python"})
    assert r.status_code == 413 and "200000" in r.json()["error"]


def test_submit_common_oj_with_provided_data(client: httpx.Client) -> None:
    tests = [
        {"input": {"stdin": "1 2\n"}, "output": {"stdout": "3\n"}},
        {"input": {"stdin": "5 5\n"}, "output": {"stdout": "10"}},
    ]
    body = {
        "dataset": "adhoc",
        "id": 7,
        "completion": "Here:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```\n",
        "config": {"dataset_type": "CommonOJDataset", "language": "python", "provided_data": {"test": tests}},
    }
    r = client.post("/submit", json=body)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["id"] == 7 and res["accepted"] is True
    assert res["extracted_code"].strip() == "a, b = map(int, input().split())\nprint(a + b)"
    assert [t["passed"] for t in res["tests"]] == [True, True]
    assert res["tests"][0]["exec_info"]["run_result"]["stdout"] == "3\n"
    wrong = dict(body, completion="```python\nprint(0)\n```")
    res = client.post("/submit", json=wrong).json()
    assert res["accepted"] is False
    assert [t["passed"] for t in res["tests"]] == [False], "SandboxFusion stops at the first failure"
    every = dict(wrong, config=dict(body["config"], extra={"run_all_cases": True}))
    res = client.post("/submit", json=every).json()
    assert [t["passed"] for t in res["tests"]] == [False, False]
    r = client.post("/submit", json=dict(body, config={"language": "python"}))
    assert r.status_code == 400 and "CommonOJDataset" in r.json()["error"]


# --------------------------------------------------------------------------- gapforge's own API


def test_v1_run_function_and_stdio(client: httpx.Client) -> None:
    good = {"kind": "function", "solution": "def add(a, b):\n    return a + b\n", "tests": ADD_TESTS}
    r = client.post("/v1/run", json={"program": good})
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["status"] == "passed" and [t["status"] for t in res["tests"]] == ["passed", "passed"]
    assert res["backend"] == "pool"
    bad = dict(good, solution="def add(a, b):\n    return a - b\n")
    assert client.post("/v1/run", json={"program": bad}).json()["status"] == "failed"
    stdio = {
        "kind": "stdio",
        "solution": "print(int(input()) * 2)",
        "tests": '[{"input": "4\\n", "output": "8\\n"}, {"input": "5\\n", "output": "11\\n"}]',
    }
    res = client.post("/v1/run", json={"program": stdio}).json()
    assert res["status"] == "failed" and [t["status"] for t in res["tests"]] == ["passed", "failed"]
    slow = {
        "kind": "function",
        "solution": "def add(a, b):\n    while True:\n        pass\n",
        "tests": ADD_TESTS,
    }
    res = client.post("/v1/run", json={"program": slow, "limits": {"cpu_seconds": 1}}).json()
    assert res["status"] == "timeout" and "1 s CPU" in res["message"]
    r = client.post("/v1/run", json={"program": dict(good, kind="cobol")})
    assert r.status_code == 422


def test_v1_score_uses_the_reward_rules(client: httpx.Client) -> None:
    task = {"kind": "function", "tests": ADD_TESTS, "entry_point": "add"}
    completions = [
        "```python\ndef add(a, b):\n    return a + b\n```",
        "I cannot do that.",
        "```python\ndef add(a, b):\n    return 3\n```",  # passes one of two
        "```python\ndef add(a, b):\n    return a + b\n```",  # identical: runs once
    ]
    before = client.get("/metrics").text
    r = client.post("/v1/score", json={"task": task, "completions": completions})
    assert r.status_code == 200, r.text
    assert r.json()["scores"] == [1.0, 0.0, 0.0, 1.0]
    assert [d["status"] for d in r.json()["results"]] == ["passed", "no_code", "failed", "passed"]
    after = client.get("/metrics").text
    runs = sum(
        metric(after, "gapforge_serve_executions_total", endpoint="score", status=s)
        - metric(before, "gapforge_serve_executions_total", endpoint="score", status=s)
        for s in ("passed", "failed")
    )
    assert runs == 2, "identical programs in a batch run once"
    frac = client.post("/v1/score", json={"task": task, "completions": completions, "mode": "fraction"})
    assert frac.json()["scores"] == [1.0, 0.0, 0.5, 1.0]
    # the test oracle's extra suites judge too, as in gapforge.reward: a program that passes the
    # challenger's tests but not the differential suite scores 0
    oracle = "from solution import add\n\ndef test_big():\n    assert add(100, 23) == 123\n"
    suited = dict(task, suites=[{"name": "differential", "kind": "function", "tests": oracle}])
    cheat = "```python\ndef add(a, b):\n    return {(1, 2): 3, (2, 2): 4}.get((a, b), 0)\n```"
    r = client.post("/v1/score", json={"task": suited, "completions": [completions[0], cheat]})
    assert r.status_code == 200, r.text
    assert r.json()["scores"] == [1.0, 0.0]
    assert r.json()["results"][1]["tests"] == 3, "both suites' tests are counted"


def test_health_and_metrics(client: httpx.Client) -> None:
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "problem": None, "workers": 2, "running": 0, "waiting": 0}
    run_code(client, "print(1)")
    text = client.get("/metrics").text
    assert metric(text, "gapforge_serve_executions_total", endpoint="run_code", status="passed") >= 1
    assert metric(text, "gapforge_serve_queue_depth") == 0
    assert metric(text, "gapforge_serve_workers") == 2
    assert metric(text, "gapforge_serve_request_seconds_count", endpoint="run_code") >= 1
    assert 'gapforge_serve_request_seconds_bucket{endpoint="run_code",le="0.5"}' in text


# --------------------------------------------------------------------------- admission, cancellation


def test_a_full_queue_answers_429_with_retry_after(service: Running) -> None:
    sleeper = {"code": "import time\ntime.sleep(1.5)\nprint('done')", "language": "python", "run_timeout": 5}

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=service.url, timeout=60) as c:
            return list(await asyncio.gather(*(c.post("/run_code", json=sleeper) for _ in range(6))))

    answers = asyncio.run(burst())
    codes = sorted(r.status_code for r in answers)
    # 2 running + 2 waiting (max_queue) are taken; the rest is turned away at once
    assert codes == [200, 200, 200, 200, 429, 429], codes
    for r in answers:
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) >= 1
            assert "queue limit 2" in r.json()["error"]
        else:
            assert r.json()["run_result"]["stdout"] == "done\n"


def test_a_client_that_goes_away_cancels_its_job(service: Running) -> None:
    pool = service.server.service.pool
    recycled = pool.recycled
    body = b'{"code": "import time\\ntime.sleep(30)", "language": "python", "run_timeout": 5}'
    port = int(service.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(
            b"POST /run_code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        deadline = time.monotonic() + 10
        while service.server.service.running == 0:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
    t0 = time.monotonic()
    while service.server.service.running:
        assert time.monotonic() - t0 < 5, "the job outlived its client"
        time.sleep(0.05)
    text = httpx.get(f"{service.url}/metrics").text
    assert metric(text, "gapforge_serve_cancelled_total") >= 1
    deadline = time.monotonic() + 30
    while pool.recycled == recycled:  # the container that ran it is replaced: the program is dead
        assert time.monotonic() < deadline
        time.sleep(0.1)
    with httpx.Client(base_url=service.url, timeout=60) as c:
        assert run_code(c, "print('after')")["run_result"]["stdout"] == "after\n"


# --------------------------------------------------------------------------- attacks through run_code


def test_attacks_through_run_code_are_contained(client: httpx.Client) -> None:
    marker = "gfbomb" + secrets.token_hex(4)
    bomb = f"import os, sys\nsys.argv[0] = '{marker}'\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    r = run_code(client, bomb, run_timeout=2)
    assert r["status"] == "Failed"
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _cmdline_has(p, marker)]

    mem = run_code(
        client, "xs = []\nwhile True:\n    xs.append(bytearray(8 * 1024 * 1024))", memory_limit_MB=-1
    )
    assert mem["status"] == "Failed" and mem["run_result"]["status"] == "Finished"
    rc = mem["run_result"]["return_code"]
    assert rc == -9 or (rc == 1 and "MemoryError" in mem["run_result"]["stderr"]), mem

    flood = run_code(client, "while True:\n    print('x' * 1000)")
    assert flood["status"] == "Failed" and flood["run_result"]["return_code"] == -9
    assert len(flood["run_result"]["stdout"]) <= CFG.max_output_bytes
    assert "output limit" in flood["message"]

    net = run_code(
        client,
        "import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n    s.connect(('1.1.1.1', 53))\n"
        "    print('reached')\nexcept OSError as e:\n    print('blocked')\n"
        "print([n for _, n in socket.if_nameindex()])",
    )
    assert net["run_result"]["stdout"] == "blocked\n['lo']\n"

    scribble = run_code(
        client,
        "import os\nok = []\nfor p in ('/etc/passwd', '/usr/evil', '/evil', '/opt/gapforge/harness.py'):\n"
        "    try:\n        open(p, 'a').write('pwned')\n        ok.append(p)\n    except OSError:\n        pass\n"
        "open('mine.txt', 'w').write('kept?')\nprint(ok, os.getuid() != 0)",
    )
    assert scribble["run_result"]["stdout"] == "[] True\n"
    later = run_code(client, "import os\nprint(os.path.exists('mine.txt'), os.listdir('/tmp'))")
    assert later["run_result"]["stdout"].startswith("False ")

    t0 = time.monotonic()
    cpu = run_code(client, "while True:\n    pass", run_timeout=2)
    assert cpu["run_result"]["status"] == "TimeLimitExceeded" and time.monotonic() - t0 < 10

    assert run_code(client, "print(6*7)")["run_result"]["stdout"] == "42\n", "the service is unharmed"


def _cmdline_has(pid: str, marker: str) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return marker.encode() in fh.read()
    except OSError:
        return False


# --------------------------------------------------------------------------- engine loss


@pytest.mark.filterwarnings(r"ignore:unclosed <socket.socket fd=\d+, family=1:ResourceWarning")
def test_a_dead_engine_answers_503_then_the_service_recovers(tmp_path: Path) -> None:
    need_docker()
    run_id = f"{RUN_ID}-serve-engine"
    with DockerSocketProxy(tmp_path / "docker.sock") as proxy:
        engine = docker.DockerClient(base_url=proxy.docker_host, timeout=120)
        pool = PoolSandbox(run_id=run_id, limits=CFG.pool_limits(), size=1, client=engine, engine_wait_s=300)
        cfg = CFG.model_copy(update={"workers": 1})
        try:
            with serving(cfg, pool) as running, httpx.Client(base_url=running.url, timeout=60) as c:
                assert run_code(c, "print(1)")["status"] == "Success"
                proxy.cut(f"gapforge.run={run_id}")
                r = c.post("/run_code", json={"code": "print(2)", "language": "python"})
                assert r.status_code == 503, r.text
                assert "Docker engine" in r.json()["error"] and "Retry-After" in r.headers
                r = c.post(
                    "/v1/run", json={"program": {"solution": "x = 1", "tests": "def test_a():\n    pass\n"}}
                )
                assert r.status_code == 503 and "unreachable" in r.json()["error"]
                health = c.get("/health")
                assert health.status_code == 503 and health.json()["status"] == "unavailable"
                proxy.restore()
                deadline = time.monotonic() + 120
                while c.get("/health").status_code != 200:
                    assert time.monotonic() < deadline, "the service did not recover"
                    time.sleep(0.5)
                assert run_code(c, "print(3)")["run_result"]["stdout"] == "3\n"
        finally:
            engine.close()
    left = docker.from_env().containers.list(all=True, filters={"label": f"gapforge.run={run_id}"})
    assert left == [], "every container, the dead ones too, is removed"


@pytest.mark.filterwarnings(r"ignore:unclosed <socket.socket fd=\d+, family=1:ResourceWarning")
def test_a_service_that_gave_up_on_the_engine_carries_on_once_it_is_back(tmp_path: Path) -> None:
    # engine_wait_s runs out while the engine is away: the pool gives up, the service keeps
    # answering 503, and once the engine answers again it rebuilds its containers, no restart
    need_docker()
    run_id = f"{RUN_ID}-serve-revive"
    with DockerSocketProxy(tmp_path / "docker.sock") as proxy:
        engine = docker.DockerClient(base_url=proxy.docker_host, timeout=120)
        pool = PoolSandbox(run_id=run_id, limits=CFG.pool_limits(), size=1, client=engine, engine_wait_s=1.0)
        cfg = CFG.model_copy(update={"workers": 1})
        try:
            with serving(cfg, pool) as running, httpx.Client(base_url=running.url, timeout=60) as c:
                assert run_code(c, "print(1)")["status"] == "Success"
                proxy.cut(f"gapforge.run={run_id}")
                assert c.post("/run_code", json={"code": "print(2)", "language": "python"}).status_code == 503
                deadline = time.monotonic() + 60
                while pool.engine.failure is None:
                    assert time.monotonic() < deadline, "the pool never gave up on the engine"
                    time.sleep(0.2)
                r = c.post("/run_code", json={"code": "print(2)", "language": "python"})
                assert r.status_code == 503 and "checks again" in r.json()["error"], r.text
                proxy.restore()
                deadline = time.monotonic() + 120
                while c.get("/health").status_code != 200:
                    assert time.monotonic() < deadline, (
                        "the service did not carry on once the engine was back"
                    )
                    time.sleep(0.5)
                assert run_code(c, "print(3)")["run_result"]["stdout"] == "3\n"
        finally:
            engine.close()
    left = docker.from_env().containers.list(all=True, filters={"label": f"gapforge.run={run_id}"})
    assert left == [], "every container, the dead ones too, is removed"


# --------------------------------------------------------------------------- config, auth, signals


def test_a_public_bind_without_a_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="needs a bearer token; set GAPFORGE_SERVE_TOKEN"):
        bearer_token(ServeConfig(host="0.0.0.0"), environ={})
    assert bearer_token(ServeConfig(host="0.0.0.0"), environ={"GAPFORGE_SERVE_TOKEN": "t"}) == "t"
    assert bearer_token(ServeConfig(), environ={}) is None
    env = {k: v for k, v in os.environ.items() if k != "GAPFORGE_SERVE_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    p = subprocess.run(
        [sys.executable, "-m", "gapforge", "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert p.returncode == 2, p
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: refusing to serve on 0.0.0.0"), p.stderr


def test_serve_config_file_and_flags(tmp_path: Path) -> None:
    path = tmp_path / "serve.toml"
    path.write_text("[serve]\nport = 9001\nmax_queue = 5\nmax_cpu_s = 4\n")
    cfg = load_serve_config(path, port=9002, workers=None)
    assert (cfg.port, cfg.max_queue, cfg.max_cpu_s) == (9002, 5, 4)
    assert cfg.run_limits(60).cpu_seconds == 4, "a request's time limit is capped"
    assert cfg.run_limits(2).wall_seconds == 5
    example = load_serve_config(ROOT / "examples" / "configs" / "serve.toml")
    assert example == ServeConfig(), "the documented example shows the defaults"
    path.write_text("[serve]\nmax_queue = -1\n")
    with pytest.raises(ConfigError, match=r"serve\.max_queue"):
        load_serve_config(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_command_needs_its_token_and_drains_on_sigterm() -> None:
    need_docker()
    port, token = free_port(), secrets.token_hex(8)
    env = dict(os.environ, PYTHONPATH=str(ROOT), GAPFORGE_SERVE_TOKEN=token)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gapforge", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert first.startswith(f"serving: http://127.0.0.1:{port} (1 warm containers, bearer token"), first
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        body = {"code": "import time\ntime.sleep(2)\nprint('finished')", "language": "python"}
        assert httpx.post(f"{url}/run_code", json=body).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert httpx.post(f"{url}/run_code", json=body, headers=wrong).status_code == 401
        assert httpx.get(f"{url}/metrics").status_code == 401
        auth = {"Authorization": f"Bearer {token}"}
        answer: list[httpx.Response] = []
        inflight = threading.Thread(
            target=lambda: answer.append(httpx.post(f"{url}/run_code", json=body, headers=auth, timeout=60))
        )
        inflight.start()
        time.sleep(0.8)
        proc.send_signal(signal.SIGTERM)
        inflight.join(60)
        assert answer and answer[0].status_code == 200, answer
        assert answer[0].json()["run_result"]["stdout"] == "finished\n", "in-flight work is drained"
        assert proc.wait(60) == 128 + signal.SIGTERM
        rest = proc.stderr.read()
        assert re.search(r"stopped: SIGTERM: in-flight requests finished, containers removed", rest), rest
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{url}/health")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
    mine = docker.from_env().containers.list(all=True, filters={"label": f"gapforge.pid={proc.pid}"})
    assert mine == [], "the stopped service removed its containers"


# --------------------------------------------------------------------------- verl's own client

VERL_CLIENT = ROOT / "tests" / "trainers" / "verl_sandbox_fusion.py"


@pytest.fixture(scope="module")
def verl_python() -> str:
    from test_trainers import REQUIRE, TRAINERS_PY, TRAINERS_VENV

    probe = (
        subprocess.run(
            [str(TRAINERS_PY), "-c", "import verl.utils.reward_score.sandbox_fusion.utils"],
            capture_output=True,
            text=True,
            check=False,
        )
        if TRAINERS_PY.exists()
        else None
    )
    if probe is None or probe.returncode != 0:
        problem = f"verl is not importable in the trainers environment {TRAINERS_VENV}: run scripts/setup-trainers.sh"
        if REQUIRE:
            pytest.fail(f"GAPFORGE_REQUIRE_TRAINERS=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    return str(TRAINERS_PY)


@pytest.mark.trainers
@pytest.mark.slow
def test_verl_check_correctness_scores_like_sandbox_fusion(service: Running, verl_python: str) -> None:
    proc = subprocess.run(
        [verl_python, str(VERL_CLIENT), f"{service.url}/run_code"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    # what verl derives from SandboxFusion's answers: True pass, False wrong answer,
    # -2 runtime error (MemoryError under the memory limit too), -3 time limit
    want = {
        "stdio_pass": ([True, True], ["success", "success"]),
        "stdio_wrong_answer": ([False, False], ["wrong_answer", "wrong_answer"]),
        "stdio_runtime_error": ([-2, -2], ["runtime_error", "runtime_error"]),
        "stdio_timeout": ([-3], ["timeout"]),
        "stdio_memory": ([-2], ["runtime_error"]),
        "fn_pass": ([True, True], ["success", "success"]),
        "fn_solution_class_pass": ([True], ["success"]),
        "fn_wrong_answer": ([False], ["wrong_answer"]),
        # verl's fn_name wrapper catches the exception and exits 0 with no output: wrong answer
        "fn_runtime_error": ([False], ["wrong_answer"]),
        "fn_timeout": ([-3], ["timeout"]),
    }
    for name, (results, statuses) in want.items():
        case = got[name]
        assert (case["results"], case["statuses"]) == (results, statuses), (name, case)
        assert case["api_errors"] == [None] * len(results), (name, case)
    assert got["compute_score"] == {"pass": 1.0, "half": 0.5}


def test_a_request_that_waits_too_long_gets_504_and_an_impossible_batch_400() -> None:
    need_docker()
    cfg = CFG.model_copy(update={"workers": 1, "max_queue": 1, "queue_timeout_s": 1.0})
    pool = PoolSandbox(run_id=RUN_ID, limits=cfg.pool_limits(), size=1)
    with serving(cfg, pool) as running:

        async def two() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=running.url, timeout=60) as c:
                slow = c.post("/run_code", json={"code": "import time\ntime.sleep(3)", "language": "python"})
                first = asyncio.ensure_future(slow)
                await asyncio.sleep(0.5)
                waiting = await c.post("/run_code", json={"code": "print(1)", "language": "python"})
                return [await first, waiting]

        done, timed_out = asyncio.run(two())
        assert done.status_code == 200 and done.json()["status"] == "Success"
        assert timed_out.status_code == 504 and "queue_timeout_s" in timed_out.json()["error"]
        task = {"kind": "function", "tests": ADD_TESTS, "entry_point": "add"}
        many = [f"```python\ndef add(a, b):\n    return a + b + {i} - {i}\n```" for i in range(3)]
        r = httpx.post(f"{running.url}/v1/score", json={"task": task, "completions": many}, timeout=60)
        assert r.status_code == 400 and "can never be admitted" in r.json()["error"]
