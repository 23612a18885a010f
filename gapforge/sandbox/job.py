"""What every backend shares: the job directory handed to the harness and reading its sealed result."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from gapforge.sandbox.base import (
    CompileLimits,
    ExecutionResult,
    Limits,
    Program,
    ScriptResult,
    Status,
    TestRecord,
)

RESULT_MARK = "@@GAPFORGE-RESULT@@"  # must match the harness
HARNESS_PATH = Path(str(resources.files("gapforge.sandbox.harness").joinpath("harness.py")))


def new_nonce() -> str:
    return secrets.token_hex(16)


def compile_limit_fields(program: Program, compile_limits: CompileLimits | None) -> dict[str, float | int]:
    """The compile step's limits, added to the job's limits for another language only (a Python
    job's limits stay exactly what they were)."""
    if program.language == "python":
        return {}
    cl = compile_limits or CompileLimits()
    return {
        "compile_cpu_seconds": cl.cpu_seconds,
        "compile_wall_seconds": cl.wall_seconds,
        "compile_output_bytes": cl.output_bytes,
    }


def host_wall_s(program: Program, limits: Limits, compile_limits: CompileLimits | None) -> float:
    """The wall time the harness may take before the host's backstop: the program's, plus the
    compile step's for a compiled language."""
    if program.language == "python":
        return limits.wall_seconds
    return limits.wall_seconds + (compile_limits or CompileLimits()).wall_seconds


def write_job_dir(
    program: Program,
    limits: Limits,
    *,
    memory_cgroup: bool,
    tmp: str | None = None,
    rlimit_data_mb: int | None = None,
    compile_limits: CompileLimits | None = None,
) -> Path:
    """A read-only job directory: solution, tests and job.json. The caller removes it."""
    job = Path(tempfile.mkdtemp(prefix="gapforge-job-"))
    try:
        tests_name = "tests.json" if program.kind == "stdio" else "tests.py"
        (job / "solution.py").write_text(program.solution, encoding="utf-8")
        (job / tests_name).write_text(program.tests, encoding="utf-8")
        spec = {
            "kind": program.kind,
            "solution": "solution.py",
            "tests": tests_name,
            "tmp": tmp,
            "limits": {
                **limits.model_dump(),
                "memory_cgroup": memory_cgroup,
                "rlimit_data_mb": rlimit_data_mb,
                **compile_limit_fields(program, compile_limits),
            },
        }
        if program.language != "python":
            spec["language"] = program.language
        (job / "job.json").write_text(json.dumps(spec), encoding="utf-8")
        for f in job.iterdir():
            f.chmod(0o444)
        job.chmod(0o755)  # the sandbox user (another uid) must read it; nobody may write
    except BaseException:
        remove_job_dir(job)
        raise
    return job


def remove_job_dir(job: Path) -> None:
    """Idempotent; never follows symlinks (rmtree does not)."""
    if job.is_dir() and not job.is_symlink():
        job.chmod(0o700)
        shutil.rmtree(job, ignore_errors=True)


def sealed_line(stdout: str, nonce: str) -> str | None:
    """The JSON text of the harness's sealed result, or None when there is none."""
    needle = f"{RESULT_MARK} {nonce} "
    pos = stdout.rfind(needle)
    if pos < 0:
        return None
    return stdout[pos + len(needle) :].split("\n", 1)[0]


def script_result(result: ExecutionResult, stdout: str, nonce: str) -> ScriptResult:
    """A script's result: the sealed result read as an execution, plus the exit code and the
    program's own wall time the harness sealed with it."""
    exit_code: int | None = None
    run_s = 0.0
    line = sealed_line(stdout, nonce)
    if line is not None and not result.status.is_infrastructure:
        try:
            raw = json.loads(line)
            code = raw.get("exit_code")
            exit_code = None if code is None else int(code)
            run_s = round(float(raw.get("run_s", 0.0)), 4)
        except (ValueError, TypeError, AttributeError) as exc:
            return ScriptResult(
                status=Status.SANDBOX_ERROR,
                message=f"the harness's result could not be read: {exc}",
                wall_s=result.wall_s,
                backend=result.backend,
            )
    return ScriptResult(
        status=result.status,
        exit_code=exit_code,
        stdout=result.stdout,
        stderr=result.stderr,
        truncated=result.truncated,
        cpu_s=result.cpu_s,
        run_s=run_s,
        wall_s=result.wall_s,
        message=result.message,
        backend=result.backend,
    )


def parse_sealed_result(stdout: str, nonce: str, *, backend: str, wall_s: float) -> ExecutionResult | None:
    """The harness's sealed result, or None when there is none (the caller decides why)."""
    line = sealed_line(stdout, nonce)
    if line is None:
        return None
    try:
        raw = json.loads(line)
        tests = tuple(
            TestRecord(name=str(t["name"]), status=Status(t["status"]), message=str(t.get("message", "")))
            for t in raw.get("tests", [])
        )
        return ExecutionResult(
            status=Status(raw["status"]),
            tests=tests,
            stdout=str(raw.get("stdout", "")),
            stderr=str(raw.get("stderr", "")),
            truncated=bool(raw.get("truncated", False)),
            cpu_s=round(float(raw.get("cpu_s", 0.0)), 4),
            wall_s=round(wall_s, 4),
            message=str(raw.get("message", "")),
            backend=backend,
            compile_cached=None if raw.get("compile_cached") is None else bool(raw["compile_cached"]),
            compile_s=None if raw.get("compile_s") is None else round(float(raw["compile_s"]), 4),
        )
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        return ExecutionResult(
            status=Status.SANDBOX_ERROR,
            message=f"the harness's result could not be read: {exc}",
            wall_s=round(wall_s, 4),
            backend=backend,
        )


def infra_result(message: str, *, backend: str, wall_s: float = 0.0, stderr: str = "") -> ExecutionResult:
    return ExecutionResult(
        status=Status.SANDBOX_ERROR,
        message=message,
        stderr=stderr[-4000:],
        wall_s=round(wall_s, 4),
        backend=backend,
    )


def limit_result(status: Status, message: str, *, backend: str, wall_s: float) -> ExecutionResult:
    return ExecutionResult(status=status, message=message, wall_s=round(wall_s, 4), backend=backend)


def harness_source_dir() -> str:
    return os.path.dirname(HARNESS_PATH)
