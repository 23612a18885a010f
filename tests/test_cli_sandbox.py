"""`gapforge sandbox run`, `doctor` and `cleanup` through the installed console script."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

GAPFORGE = [sys.executable, "-m", "gapforge"]


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GAPFORGE, *args], capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "sol.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "wrong.py").write_text("def add(a, b):\n    return a - b\n")
    (tmp_path / "empty.py").write_text("  \n")
    (tmp_path / "tests.py").write_text(
        "from solution import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    (tmp_path / "broken_tests.py").write_text(
        "from solution import add\n\ndef test_add(:\n    assert add(1, 2) == 3\n"
    )
    (tmp_path / "prog.py").write_text("print(int(input()) * 2)\n")
    (tmp_path / "cases.json").write_text(
        json.dumps([{"input": "2\n", "output": "4\n"}, {"input": "5", "output": "10"}])
    )
    (tmp_path / "bad_cases.json").write_text("[{'input': 1}")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--solution", "{d}/missing.py", "--tests", "{d}/tests.py"], "does not exist"),
        (["--solution", "{d}/sol.py", "--tests", "{d}/broken_tests.py"], "does not parse: line 3"),
        (["--solution", "{d}/empty.py", "--tests", "{d}/tests.py"], "is empty"),
        (
            ["--solution", "{d}/sol.py", "--tests", "{d}/tests.py", "--kind", "haskell"],
            "unknown kind 'haskell'",
        ),
        (["--solution", "{d}/sol.py", "--tests", "{d}/tests.py", "--backend", "vm"], "unknown backend 'vm'"),
        (["--solution", "{d}/prog.py", "--tests", "{d}/bad_cases.json", "--kind", "stdio"], "not valid JSON"),
        (["--solution", "{d}", "--tests", "{d}/tests.py"], "is not a file"),
    ],
)
def test_bad_input_gives_a_clear_message_not_a_traceback(files: Path, args: list[str], needle: str) -> None:
    proc = cli("sandbox", "run", *[a.format(d=files) for a in args])
    assert proc.returncode == 2, proc
    assert needle in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.mark.docker
def test_json_output_has_the_contract_fields(files: Path) -> None:
    proc = cli(
        "sandbox", "run", "--solution", str(files / "wrong.py"), "--tests", str(files / "tests.py"), "--json"
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"status", "tests", "stdout", "stderr", "truncated", "cpu_s", "wall_s"} <= set(data)
    assert data["status"] == "failed"
    assert data["tests"][0]["name"] == "test_add"
    assert data["tests"][0]["status"] == "failed"
    assert "assert" in data["tests"][0]["message"]


@pytest.mark.docker
def test_stdio_run_passes(files: Path) -> None:
    proc = cli(
        "sandbox",
        "run",
        "-s",
        str(files / "prog.py"),
        "-t",
        str(files / "cases.json"),
        "--kind",
        "stdio",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "passed"
    assert [t["name"] for t in data["tests"]] == ["case_0", "case_1"]


def test_local_backend_is_explicit_and_warns(files: Path) -> None:
    proc = cli(
        "sandbox",
        "run",
        "-s",
        str(files / "sol.py"),
        "-t",
        str(files / "tests.py"),
        "--backend",
        "local",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "passed"
    assert "weaker isolation" in proc.stderr


def test_docker_missing_gives_instructions(files: Path) -> None:
    env_cmd = [*GAPFORGE, "sandbox", "run", "-s", str(files / "sol.py"), "-t", str(files / "tests.py")]
    proc = subprocess.run(
        env_cmd, capture_output=True, text=True, timeout=60, check=False,
        env={"DOCKER_HOST": "unix:///nonexistent/docker.sock", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 3
    assert "no Docker engine answered" in proc.stderr
    assert "--backend local" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.docker
def test_doctor_reports_every_limit_holding() -> None:
    proc = cli("doctor", "--json", timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = {c["name"]: c for c in json.loads(proc.stdout)}
    for name in (
        "docker engine",
        "sandbox image",
        "network blocked",
        "pids limit holds",
        "memory limit holds",
    ):
        assert checks[name]["ok"], checks[name]
    # which language runners are built: information, never a failure (Python needs none of them)
    runners = checks["language runners"]
    assert runners["ok"] and runners["detail"].startswith("built: ")
    for lang in ("cpp", "rust", "go", "java", "javascript"):
        assert lang in runners["detail"]


@pytest.mark.docker
def test_cleanup_removes_leftover_containers() -> None:
    from gapforge.images.build import resolve_runner_image
    from gapforge.sandbox.docker import LABEL, connect

    client = connect()
    image = resolve_runner_image(client)
    gone = subprocess.Popen(["true"])  # a finished process: its pid names a dead owner
    gone.wait()
    host = socket.gethostname()
    leftover = {
        LABEL: "1",
        f"{LABEL}.run": "leftover-test",
        f"{LABEL}.pid": str(gone.pid),
        f"{LABEL}.host": host,
    }
    alive = {
        LABEL: "1",
        f"{LABEL}.run": "alive-test",
        f"{LABEL}.pid": str(os.getpid()),
        f"{LABEL}.host": host,
    }
    c = client.containers.create(image, command=["sleep", "60"], labels=leftover)
    keep = client.containers.create(image, command=["sleep", "60"], labels=alive)
    try:
        proc = cli("cleanup")
        assert proc.returncode == 0, proc.stderr
        assert "removed" in proc.stdout
        assert client.containers.list(all=True, filters={"label": f"{LABEL}.run=leftover-test"}) == []
        # a live run's containers (e.g. a warm pool) are not touched by a plain cleanup
        assert len(client.containers.list(all=True, filters={"label": f"{LABEL}.run=alive-test"})) == 1
    finally:
        for container in (c, keep):
            with contextlib.suppress(Exception):
                container.remove(force=True)
