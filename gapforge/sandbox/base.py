"""The sandbox contract: what a program is, what limits apply, what comes back.

A backend implements one narrow async protocol (:class:`Sandbox`); everything else (determinism
checks, pools, rewards, the generation loop) is written once on top of it.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Iterator
from enum import StrEnum
from types import TracebackType
from typing import Literal, Protocol, Self, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Status(StrEnum):
    """Verdict vocabulary; these exact strings go into JSON and the dataset."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # crash, syntax error, import error, harness tampering
    TIMEOUT = "timeout"
    MEMORY_EXCEEDED = "memory_exceeded"
    OUTPUT_EXCEEDED = "output_exceeded"
    COMPILE_ERROR = (
        "compile_error"  # a compiled language's program did not compile (or its compile hit a limit)
    )
    SANDBOX_ERROR = "sandbox_error"  # infrastructure: never a score, retry instead

    @property
    def is_infrastructure(self) -> bool:
        return self is Status.SANDBOX_ERROR


Kind = Literal["function", "stdio"]
# "python" runs every kind; the others run ``stdio`` programs only (JavaScript included: no
# function harness for node yet), compiled first where the language compiles.
Language = Literal["python", "cpp", "rust", "go", "java", "javascript"]
LANGUAGES: tuple[str, ...] = ("python", "cpp", "rust", "go", "java", "javascript")


# Which executions go first when every sandbox slot is busy: higher first, then in arrival order.
# A context variable, so callers mark a whole phase (``with priority(1): ...``) without threading a
# parameter through every layer; tasks started inside inherit it. The warm pool honours it.
_PRIORITY: contextvars.ContextVar[int] = contextvars.ContextVar("gapforge_sandbox_priority", default=0)


@contextlib.contextmanager
def priority(level: int) -> Iterator[None]:
    """Executions started inside this block (and in tasks it starts) queue at ``level``."""
    token = _PRIORITY.set(level)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


def current_priority() -> int:
    return _PRIORITY.get()


class Limits(BaseModel):
    """Resource limits, enforced twice: inside the sandbox (rlimits, a supervisor) and by the host.

    ``cpu_seconds`` is the CPU budget of the candidate per execution (function problems: the
    whole test session; stdio problems: each case). ``wall_seconds`` is a generous backstop for
    the whole execution; the host destroys the container a few seconds after it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cpu_seconds: float = Field(default=10.0, gt=0, le=3600)
    wall_seconds: float = Field(default=30.0, gt=0, le=7200)
    memory_mb: int = Field(default=512, ge=32, le=65536)
    pids: int = Field(default=64, ge=8, le=4096)
    output_bytes: int = Field(default=1_000_000, ge=1024, le=1_000_000_000)
    disk_mb: int = Field(default=64, ge=1, le=65536)
    cpus: float = Field(default=1.0, gt=0, le=64)

    def with_cpu(self, cpu_seconds: float) -> Limits:
        """This budget with another CPU limit (and a wall backstop at least 3x it)."""
        return self.model_copy(
            update={"cpu_seconds": cpu_seconds, "wall_seconds": max(self.wall_seconds, 3 * cpu_seconds)}
        )


class CompileLimits(BaseModel):
    """Limits of the compile step of a compiled language (C++, Rust, Go, Java), apart from the
    program's own: CPU seconds and wall seconds of the compiler, and the bytes of its output kept
    (a failed compile's message is that output, capped). Python and JavaScript do not compile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cpu_seconds: float = Field(default=20.0, gt=0, le=600)
    wall_seconds: float = Field(default=60.0, gt=0, le=1200)
    output_bytes: int = Field(default=64_000, ge=1024, le=10_000_000)


class Program(BaseModel):
    """One candidate program and the tests that judge it, executed together in one run.

    ``function``: ``solution`` is a Python module imported by the tests as ``solution``;
    ``tests`` is a pytest-style module of ``test_*`` functions (hypothesis allowed).
    ``stdio``: ``solution`` is a program reading stdin; ``tests`` is JSON, either a list of
    ``{"input": str, "output": str}`` or ``{"cases": [...], "float_tolerance": 1e-6}``.
    ``language``: ``python`` (the default, every kind) or ``cpp``, ``rust``, ``go``, ``java``,
    ``javascript`` (``stdio`` only; Java's class is ``Main``). A compiled language's program is
    compiled once per run under :class:`CompileLimits`; a failed compile is ``compile_error``.
    A Python program's ``language`` is left out of its serialized form and its digest, so
    every id made before languages existed stays the same.
    Output comparison ignores trailing whitespace on each line and trailing blank lines;
    tokens that both parse as non-integer floats match within the tolerance (relative to
    max(1, |expected|)); every other token must match exactly.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind = "function"
    solution: str
    tests: str
    language: Language = Field(default="python", exclude_if=lambda v: v == "python")

    @field_validator("tests")
    @classmethod
    def _tests_not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the tests are empty: give at least one test")
        return v

    @model_validator(mode="after")
    def _stdio_only_outside_python(self) -> Self:
        if self.language != "python" and self.kind != "stdio":
            raise ValueError(
                f"{self.language} programs run as stdio problems only (kind='stdio'); "
                f"kind={self.kind!r} needs language='python'"
            )
        return self

    @property
    def digest(self) -> str:
        """Content id: same program + same tests (+ same language, when not Python) -> same id."""
        fields = {"kind": self.kind, "solution": self.solution, "tests": self.tests}
        if self.language != "python":
            fields["language"] = self.language
        blob = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class TestRecord(BaseModel):
    """The verdict of one test (function) or one case (stdio)."""

    __test__ = False  # not a pytest test class, despite the name
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    status: Status
    message: str = ""


class ExecutionResult(BaseModel):
    """Everything one execution produced. Program failure is a value here, never an exception."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status
    tests: tuple[TestRecord, ...] = ()
    stdout: str = ""
    stderr: str = ""
    truncated: bool = False
    cpu_s: float = 0.0
    wall_s: float = 0.0
    message: str = ""
    backend: str = ""
    # compiled languages only (left out of the serialized form otherwise): whether the compiled
    # artifact came from the warm pool's cache, and the compile step's wall seconds (0 on a hit)
    compile_cached: bool | None = Field(default=None, exclude_if=lambda v: v is None)
    compile_s: float | None = Field(default=None, exclude_if=lambda v: v is None)

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def n_passed(self) -> int:
        return sum(t.status is Status.PASSED for t in self.tests)

    @property
    def fraction_passed(self) -> float:
        return self.n_passed / len(self.tests) if self.tests else 0.0

    def verdict_key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """What must be identical between two runs of a deterministic program."""
        return (self.status.value, tuple((t.name, t.status.value) for t in self.tests))


class Script(BaseModel):
    """A program run once as a script (``python main.py``) with ``stdin``, with no tests: the raw
    stdout, stderr and exit code come back (what SandboxFusion's ``run_code`` does).

    ``memory_mb`` caps the program's heap (RLIMIT_DATA) below the container's memory limit, so a
    program that goes over it gets MemoryError, as under SandboxFusion's ``memory_limit_MB``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    stdin: str = ""
    memory_mb: int | None = Field(default=None, ge=32, le=65536)


class ScriptResult(BaseModel):
    """How one script run ended. ``status``: ``passed`` (exit code 0), ``error`` (another exit code
    or a signal), ``timeout`` / ``memory_exceeded`` / ``output_exceeded`` (stopped by that limit),
    ``sandbox_error`` (infrastructure). ``exit_code`` follows subprocess: negative means killed by
    that signal; None when the program never ran. ``run_s`` is the program's own wall time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    truncated: bool = False
    cpu_s: float = 0.0
    run_s: float = 0.0
    wall_s: float = 0.0
    message: str = ""
    backend: str = ""


@runtime_checkable
class Sandbox(Protocol):
    """One narrow async protocol per backend. Enter it before running; exit releases everything."""

    name: str

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def run(self, program: Program, limits: Limits | None = None) -> ExecutionResult:
        """Execute ``program`` with all its tests. Raises :class:`~gapforge.errors.SandboxError`
        only when the sandbox itself could not run; every program outcome is a result."""
        ...
