"""SandboxFusion's shapes without Docker: how a script's result reads as a RunCodeResponse, what a
run_code request becomes, /submit's stdout comparison, the serve settings' caps."""

from __future__ import annotations

import pytest

from gapforge.errors import ConfigError
from gapforge.sandbox import ScriptResult, Status
from gapforge.serve import ServeConfig
from gapforge.serve.fusion import RunCodeRequest, fusion_response, script_of, stdout_matches

CFG = ServeConfig(memory_mb=512, max_cpu_s=8)


def result(status: Status, exit_code: int | None, **kw: object) -> ScriptResult:
    return ScriptResult(status=status, exit_code=exit_code, stdout="out", stderr="err", run_s=0.123456, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "exit_code", "top", "run_status", "return_code"),
    [
        (Status.PASSED, 0, "Success", "Finished", 0),
        (Status.ERROR, 1, "Failed", "Finished", 1),
        (Status.ERROR, -11, "Failed", "Finished", -11),  # killed by a signal, as subprocess says
        (Status.MEMORY_EXCEEDED, 1, "Failed", "Finished", 1),  # MemoryError under memory_limit_MB
        (Status.MEMORY_EXCEEDED, -9, "Failed", "Finished", -9),  # the container's OOM killer
        (Status.OUTPUT_EXCEEDED, -9, "Failed", "Finished", -9),
        (Status.TIMEOUT, -9, "Failed", "TimeLimitExceeded", None),
    ],
)
def test_a_script_result_reads_as_sandbox_fusion_would_report_it(
    status: Status, exit_code: int, top: str, run_status: str, return_code: int | None
) -> None:
    resp = fusion_response(result(status, exit_code, message="output limit exceeded (1 bytes)"))
    assert resp.status == top and resp.compile_result is None
    assert resp.run_result is not None
    assert (resp.run_result.status, resp.run_result.return_code) == (run_status, return_code)
    assert (resp.run_result.stdout, resp.run_result.stderr, resp.run_result.execution_time) == (
        "out",
        "err",
        0.1235,
    )
    assert resp.message == ("output limit exceeded (1 bytes)" if status is Status.OUTPUT_EXCEEDED else "")


def test_a_sandbox_failure_is_sandbox_error_with_no_run_result() -> None:
    resp = fusion_response(ScriptResult(status=Status.SANDBOX_ERROR, message="agent failure"))
    assert (resp.status, resp.message, resp.run_result) == ("SandboxError", "agent failure", None)


def test_run_code_requests_become_capped_scripts() -> None:
    req = RunCodeRequest(code="print(1)", language="python", stdin=None, memory_limit_MB=4096)
    script = script_of(req, CFG)
    assert (script.code, script.stdin, script.memory_mb) == ("print(1)", "", 512)
    assert script_of(req.model_copy(update={"memory_limit_MB": -1}), CFG).memory_mb == 512
    assert script_of(req.model_copy(update={"memory_limit_MB": 128}), CFG).memory_mb == 128
    with pytest.raises(ConfigError, match="Python only"):
        script_of(req.model_copy(update={"language": "cpp"}), CFG)
    with pytest.raises(ConfigError, match="fetch_files"):
        script_of(req.model_copy(update={"fetch_files": ["out.txt"]}), CFG)
    # SandboxFusion ignores fields it does not know; so do we
    assert RunCodeRequest.model_validate({"code": "x", "language": "python", "extra": 1}).code == "x"


def test_request_limits_are_capped_by_the_settings() -> None:
    assert CFG.run_limits(100).cpu_seconds == 8
    assert CFG.run_limits(2).wall_seconds == 5
    assert CFG.run_limits(None).cpu_seconds == 8, "the default (10 s) is capped too"
    assert CFG.run_limits(2, 1000).wall_seconds == 17
    lim = CFG.run_limits(3)
    assert (lim.memory_mb, lim.output_bytes) == (512, CFG.max_output_bytes), (
        "container limits stay the pool's"
    )


def test_submit_compares_stdout_as_sandbox_fusion_does() -> None:
    assert stdout_matches("3\n", "3")
    assert stdout_matches("YES \n", "yes")
    assert stdout_matches("0.3333333\n", "0.33333334")
    assert not stdout_matches("0.33\n", "0.34")
    assert not stdout_matches("1\n2\n", "1")
    assert stdout_matches("1\n2\n\n", "1\n2")
