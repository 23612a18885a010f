"""SandboxFusion's request and response shapes (``/run_code``, ``/submit``), for Python.

What a SandboxFusion client reads, and what it means here:

* ``status``: ``Success`` (the program exited 0), ``Failed`` (another exit code, a signal or a
  time limit), ``SandboxError`` (the sandbox could not run it; never a verdict).
* ``run_result.status``: ``Finished`` (it exited, or was killed, with ``return_code``; negative
  means killed by that signal, as SandboxFusion reports a process killed by its cgroup) or
  ``TimeLimitExceeded`` (``return_code`` null). ``compile_result`` is null: Python compiles nothing.
* ``memory_limit_MB`` caps the program's heap (a bigger allocation raises MemoryError: exit code
  1, ``MemoryError`` in stderr, as under SandboxFusion's rlimits); a program that still outgrows
  its container is killed (``return_code`` -9). ``run_timeout`` is the CPU time limit; sleeping
  or blocked programs stop at a wall backstop of twice that plus a second. Both are capped by
  the server's settings, and so is the output (stdout + stderr; a program writing more is killed,
  ``return_code`` -9, with what it wrote up to the cap).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gapforge.errors import ConfigError
from gapforge.extract import extract_code
from gapforge.sandbox import Script, ScriptResult, Status
from gapforge.serve.config import ServeConfig

RunStatus = Literal["Success", "Failed", "SandboxError"]
CommandRunStatus = Literal["Finished", "Error", "TimeLimitExceeded"]


class RunCodeRequest(BaseModel):
    """SandboxFusion's ``RunCodeRequest`` (unknown fields are ignored, as there)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    compile_timeout: float = 10
    run_timeout: float = 10
    memory_limit_MB: int = -1
    code: str
    stdin: str | None = None
    language: str
    files: dict[str, str | None] = Field(default_factory=dict)
    fetch_files: list[str] = Field(default_factory=list)


class CommandRunResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: CommandRunStatus
    execution_time: float | None = None
    return_code: int | None = None
    stdout: str | None = None
    stderr: str | None = None


class RunCodeResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: RunStatus
    message: str
    compile_result: CommandRunResult | None = None
    run_result: CommandRunResult | None = None
    executor_pod_name: str | None = None
    files: dict[str, str] = Field(default_factory=dict)


def script_of(request: RunCodeRequest, cfg: ServeConfig) -> Script:
    """The script a run_code request asks for; a request this server cannot honour is a
    ConfigError (400), never a silent approximation."""
    if request.language != "python":
        raise ConfigError(
            f"language {request.language!r} is not served here: gapforge runs Python only (language 'python')"
        )
    if any(content is not None for content in request.files.values()) or request.fetch_files:
        raise ConfigError("files and fetch_files are not supported: send the program as code and stdin")
    cap = cfg.memory_mb
    memory = cap if request.memory_limit_MB <= 0 else max(32, min(request.memory_limit_MB, cap))
    return Script(code=request.code, stdin=request.stdin or "", memory_mb=memory)


def fusion_response(result: ScriptResult) -> RunCodeResponse:
    """A script's result as SandboxFusion reports it."""
    if result.status is Status.SANDBOX_ERROR:
        return RunCodeResponse(status="SandboxError", message=result.message)
    run_s = round(result.run_s, 4)
    if result.status is Status.TIMEOUT:
        run = CommandRunResult(
            status="TimeLimitExceeded", execution_time=run_s, stdout=result.stdout, stderr=result.stderr
        )
        return RunCodeResponse(status="Failed", message="", run_result=run)
    code = result.exit_code if result.exit_code is not None else -9
    run = CommandRunResult(
        status="Finished", execution_time=run_s, return_code=code, stdout=result.stdout, stderr=result.stderr
    )
    message = result.message if result.status is Status.OUTPUT_EXCEEDED else ""
    return RunCodeResponse(status="Success" if code == 0 else "Failed", message=message, run_result=run)


# --------------------------------------------------------------------------- /submit


class TestConfig(BaseModel):
    """SandboxFusion's ``TestConfig``: the fields /submit reads here."""

    __test__ = False
    model_config = ConfigDict(frozen=True, extra="ignore")

    dataset_type: str | None = None
    language: str | None = None
    run_timeout: float | None = None
    provided_data: list[dict[str, Any]] | dict[str, Any] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class SubmitRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    dataset: str
    id: int | str
    completion: str
    config: TestConfig


class EvalTestCase(BaseModel):
    model_config = ConfigDict(frozen=True)

    passed: bool
    exec_info: RunCodeResponse
    test_info: dict[str, Any] | None = None


class EvalResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int | str
    accepted: bool
    extracted_code: str
    full_code: str | None = None
    test_code: str | None = None
    tests: list[EvalTestCase]
    extracted_type: Literal["fenced", "incomplete_fenced", "heuristic", "empty"] | None = None
    extra: dict[str, Any] | None = None


SUBMIT_TYPES = ("CommonOJDataset",)


def stdio_cases(request: SubmitRequest) -> list[tuple[str, str]]:
    """The (stdin, expected stdout) cases of a self-contained submit: SandboxFusion's
    CommonOJDataset with the problem row in ``config.provided_data`` (``{"test": [{"input":
    {"stdin": ...}, "output": {"stdout": ...}}, ...]}``; ``test`` may be that list as JSON)."""
    cfg = request.config
    if cfg.dataset_type not in SUBMIT_TYPES or not isinstance(cfg.provided_data, dict):
        raise ConfigError(
            "this server has no stored datasets: /submit takes config.dataset_type 'CommonOJDataset' "
            "with the problem's row (its 'test' cases) in config.provided_data"
        )
    if (cfg.language or "python") != "python":
        raise ConfigError(f"language {cfg.language!r} is not served here: gapforge runs Python only")
    raw = cfg.provided_data.get("test")
    try:
        tests: list[Any] = json.loads(raw) if isinstance(raw, str) else list(raw or [])
        cases = [(str(t["input"]["stdin"]), str(t["output"]["stdout"])) for t in tests]
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(
            f"config.provided_data.test must be a list of {{input: {{stdin}}, output: {{stdout}}}} ({exc})"
        ) from None
    if not cases:
        raise ConfigError("config.provided_data.test has no cases")
    return cases


def submitted_code(completion: str) -> str:
    return extract_code(completion) or ""


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def stdout_matches(got: str, want: str) -> bool:
    """SandboxFusion's stdio comparison: lines stripped and compared case-insensitively, one
    trailing empty line forgiven on either side, floats equal within 1e-5 relative to the
    expected value."""
    got_lines = got.strip().split("\n")
    want_lines = want.strip().split("\n")
    if len(got_lines) - len(want_lines) == 1 and got_lines[-1] == "":
        got_lines = got_lines[:-1]
    if len(want_lines) - len(got_lines) == 1 and want_lines[-1] == "":
        want_lines = want_lines[:-1]
    if len(got_lines) != len(want_lines):
        return False
    for g, w in zip(got_lines, want_lines, strict=True):
        g, w = g.lower().strip(), w.lower().strip()
        if g == w:
            continue
        if _is_float(g) and _is_float(w) and abs(float(g) - float(w)) / max(abs(float(w)), 1e-10) < 1e-5:
            continue
        return False
    return True


def eval_result(
    request: SubmitRequest, code: str, cases: list[tuple[str, str]], results: list[ScriptResult]
) -> EvalResult:
    """SandboxFusion's answer: the cases in order up to the first that failed (every case with
    ``config.extra.run_all_cases``)."""
    tests = []
    run_all = bool(request.config.extra.get("run_all_cases", False))
    for (stdin, want), result in zip(cases, results, strict=True):
        exec_info = fusion_response(result)
        got = exec_info.run_result.stdout if exec_info.run_result is not None else None
        passed = exec_info.status == "Success" and got is not None and stdout_matches(got, want)
        tests.append(
            EvalTestCase(
                passed=passed,
                exec_info=exec_info,
                test_info={"input": {"stdin": stdin}, "output": {"stdout": want}},
            )
        )
        if not passed and not run_all:
            break
    return EvalResult(
        id=request.id,
        accepted=all(t.passed for t in tests),
        extracted_code=code,
        tests=tests,
        extracted_type="fenced" if "```" in request.completion else ("heuristic" if code else "empty"),
    )
