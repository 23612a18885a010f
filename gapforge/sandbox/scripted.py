"""An in-memory sandbox whose verdicts come from a script: it never executes anything.

For testing what sits on top of the :class:`~gapforge.sandbox.base.Sandbox` protocol (the
generation loop, validity checks, rewards) without Docker. It keeps the protocol's contract: an
async context manager; ``run(program, limits)`` returns an :class:`ExecutionResult` with one
record per test (the ``test_*`` functions of a function problem, the cases of a stdio problem, as
the harness names them), CPU and wall seconds within the limits, and a ``sandbox_error`` result
or a raised :class:`~gapforge.errors.SandboxError` when the script says the sandbox failed::

    from gapforge.sandbox import Status
    from gapforge.sandbox.scripted import Scripted, ScriptedSandbox

    # a table keyed by solution text, with a default for every other program
    sandbox = ScriptedSandbox({reference: Status.PASSED}, default=Status.FAILED)
    # or a function of the program
    sandbox = ScriptedSandbox(lambda p: Scripted(Status.FAILED, failing=("test_empty",)))

    async with sandbox:
        result = await sandbox.run(program)
    sandbox.history  # every program run, in order
"""

from __future__ import annotations

import ast
import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from gapforge.errors import SandboxError
from gapforge.sandbox.base import ExecutionResult, Limits, Program, Status, TestRecord

# Statuses that stop an execution at the test that hit them (the harness kills the run there).
_KILLS = (Status.TIMEOUT, Status.MEMORY_EXCEEDED, Status.OUTPUT_EXCEEDED)


@dataclass(frozen=True)
class Scripted:
    """One scripted execution: its status, and which tests did not pass.

    ``failing`` names the tests that get the status (``failed``, or the limit that killed them);
    None means every test. For ``error`` (the program did not import) and ``sandbox_error`` there
    are no test records, as from a real backend.
    """

    status: Status = Status.PASSED
    failing: tuple[str, ...] | None = None
    message: str = ""
    cpu_s: float = 0.01
    stdout: str = ""
    stderr: str = ""


Outcome = Scripted | Status
Script = Callable[[Program], Outcome] | Mapping[str, Outcome]


def collected_tests(program: Program) -> tuple[str, ...] | None:
    """The names the harness gives the program's tests; None when they cannot be parsed."""
    if program.kind == "stdio":
        try:
            data = json.loads(program.tests)
        except json.JSONDecodeError:
            return None
        cases = data.get("cases") if isinstance(data, dict) else data
        if not isinstance(cases, list) or not cases:
            return None
        return tuple(
            str((c.get("name") if isinstance(c, dict) else None) or f"case_{i}") for i, c in enumerate(cases)
        )
    try:
        tree = ast.parse(program.tests)
    except SyntaxError:
        return None
    return tuple(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


class ScriptedSandbox:
    """A :class:`~gapforge.sandbox.base.Sandbox` that looks its verdicts up in ``script``.

    ``script`` is a function of the program, or a table keyed by solution text (compared with
    surrounding whitespace stripped) with ``default`` for every solution not in it. A function may
    raise :class:`~gapforge.errors.SandboxError` for a sandbox that could not run at all.
    """

    name = "scripted"

    def __init__(self, script: Script, *, default: Outcome = Status.FAILED) -> None:
        self._script: Script = (
            {k.strip(): v for k, v in script.items()} if isinstance(script, Mapping) else script
        )
        self._default = default
        self._entered = False
        self.history: list[Program] = []

    async def __aenter__(self) -> Self:
        self._entered = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered = False

    def _verdict(self, program: Program) -> Scripted:
        if isinstance(self._script, Mapping):
            found = self._script.get(program.solution.strip(), self._default)
        else:
            found = self._script(program)
        return found if isinstance(found, Scripted) else Scripted(found)

    async def run(self, program: Program, limits: Limits | None = None) -> ExecutionResult:
        if not self._entered:
            raise SandboxError("the scripted sandbox was used outside `async with`; enter it first")
        await asyncio.sleep(0)  # a real run yields to the event loop; so do concurrent callers here
        self.history.append(program)
        limits = limits or Limits()
        v = self._verdict(program)
        names = collected_tests(program)
        if v.status is Status.SANDBOX_ERROR:
            return self._result(v, Status.SANDBOX_ERROR, (), 0.0, v.message or "scripted sandbox failure")
        if not names:
            return self._result(v, Status.ERROR, (), v.cpu_s, "no tests could be collected")
        if v.status is Status.ERROR:
            return self._result(v, Status.ERROR, (), v.cpu_s, v.message or "the program raised on import")
        failing = set(names if v.failing is None else v.failing)
        if v.status is Status.PASSED:
            failing = set()
        records: list[TestRecord] = []
        killed = False
        for name in names:
            if killed:
                records.append(
                    TestRecord(name=name, status=Status.ERROR, message="not run: an earlier test hit a limit")
                )
            elif name in failing:
                records.append(
                    TestRecord(name=name, status=v.status, message=v.message or f"scripted {v.status.value}")
                )
                killed = v.status in _KILLS
            else:
                records.append(TestRecord(name=name, status=Status.PASSED))
        status = Status.PASSED if all(r.status is Status.PASSED for r in records) else v.status
        cpu = limits.cpu_seconds if status is Status.TIMEOUT else min(v.cpu_s, limits.cpu_seconds)
        return self._result(v, status, tuple(records), cpu, v.message)

    def _result(
        self, v: Scripted, status: Status, tests: tuple[TestRecord, ...], cpu_s: float, message: str
    ) -> ExecutionResult:
        return ExecutionResult(
            status=status, tests=tests, stdout=v.stdout, stderr=v.stderr, cpu_s=cpu_s, wall_s=cpu_s,
            message=message, backend=self.name,
        )  # fmt: skip
