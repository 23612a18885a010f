"""One verdict from several executions of one candidate: a problem judged on several hidden
suites (the challenger's tests, a differential suite) runs each as its own execution, and the
trainer, the gate and the dataset see one :class:`ExecutionResult`.

The first part keeps its test names; the tests of every later part are named
``<part>: <test>``, and a part that failed without a failing test record (it did not even
import) gets one record named after it, so no failure is lost in the counts (nor is an erroring
part's silence read as a high fraction passed). Status: passed when
every part passed, else the status of the first part that did not (parts are in judging order).
"""

from __future__ import annotations

from collections.abc import Sequence

from gapforge.sandbox.base import ExecutionResult, Status, TestRecord

SEPARATOR = ": "


def combine_results(parts: Sequence[tuple[str, ExecutionResult]]) -> ExecutionResult:
    """``parts`` = (name, result) in judging order; a single part is returned unchanged, so a
    problem with one suite gets exactly the result it always had."""
    if not parts:
        raise ValueError("combine_results needs at least one result")
    if len(parts) == 1:
        return parts[0][1]
    tests: list[TestRecord] = []
    for i, (name, r) in enumerate(parts):
        if i == 0:
            tests.extend(r.tests)
        else:
            tests.extend(t.model_copy(update={"name": f"{name}{SEPARATOR}{t.name}"}) for t in r.tests)
        if not r.passed and all(t.status is Status.PASSED for t in r.tests):
            # a part that failed without a failing test (it did not import) still counts as one
            tests.append(TestRecord(name=name, status=r.status, message=r.message[:500]))
    failing = next(((n, r) for n, r in parts if not r.passed), None)
    shown = failing[1] if failing is not None else parts[0][1]
    message = shown.message
    if failing is not None and failing[0] != parts[0][0] and message:
        message = f"{failing[0]}{SEPARATOR}{message}"
    return ExecutionResult(
        status=shown.status,
        tests=tuple(tests),
        stdout=shown.stdout,
        stderr=shown.stderr,
        truncated=any(r.truncated for _, r in parts),
        cpu_s=sum(r.cpu_s for _, r in parts),
        wall_s=sum(r.wall_s for _, r in parts),
        message=message,
        backend=parts[0][1].backend,
    )


def first_part_passed(result: ExecutionResult, later: Sequence[str]) -> bool:
    """Whether the first part of a combined ``result`` passed (``later``: the other parts'
    names). Needs the first part's records: a result whose first part did not import has none of
    them and did not pass."""
    if len(later) == 0:
        return result.passed
    prefixes = tuple(f"{n}{SEPARATOR}" for n in later)
    own = [t for t in result.tests if not t.name.startswith(prefixes) and t.name not in later]
    return bool(own) and all(t.status is Status.PASSED for t in own)
