"""Solvers: one neutral prompt for weak and strong alike; rollouts executed in the sandbox;
optional repair turns that see the failing tests' names and capped error output."""

from __future__ import annotations

from dataclasses import dataclass, field

from gapforge.errors import ModelError, SandboxError
from gapforge.generators import templates as prompts
from gapforge.generators.extract import extract_code
from gapforge.llm import ChatModel, Message
from gapforge.models import Attempt, Problem, TokenUsage
from gapforge.sandbox import ExecutionResult, Limits, Sandbox, Status

FEEDBACK_CHARS = 1500
SANDBOX_RETRIES = 2


def solver_messages(problem: Problem) -> list[Message]:
    return [
        Message(role="system", content=prompts.load("solver_system")),
        Message(role="user", content=prompts.load("solver_user").format(problem=problem.solver_view())),
    ]


def failure_feedback(result: ExecutionResult) -> str:
    """What a repair turn may see: failing test names and capped messages (never the test code)."""
    lines = []
    for t in result.tests:
        if t.status is not Status.PASSED:
            msg = t.message.strip()[:300]
            lines.append(f"- {t.name}: {t.status.value}" + (f"\n  {msg}" if msg else ""))
    if not lines and result.message:
        lines.append(result.message[:500])
    if result.stderr.strip():
        lines.append("stderr (last lines):\n" + result.stderr.strip()[-500:])
    return "\n".join(lines)[:FEEDBACK_CHARS]


async def execute(sandbox: Sandbox, problem: Problem, code: str, limits: Limits) -> ExecutionResult:
    """Run code against the hidden tests; a sandbox_error is retried, then raised (never scored)."""
    last: ExecutionResult | None = None
    for _ in range(SANDBOX_RETRIES + 1):
        last = await sandbox.run(problem.program(code), limits)
        if not last.status.is_infrastructure:
            return last
    assert last is not None
    raise SandboxError(f"the sandbox failed {SANDBOX_RETRIES + 1} times on one attempt: {last.message}")


def _no_code(completion: str) -> ExecutionResult:
    return ExecutionResult(
        status=Status.ERROR, message="the completion contains no Python code", backend="none"
    )


@dataclass(frozen=True)
class Draft:
    """A solver's completion before it is executed (or the endpoint failure that replaced it)."""

    problem: Problem
    role: str
    model: str
    sample: int
    turn: int
    completion: str = ""
    code: str | None = None
    usage: TokenUsage = field(default_factory=TokenUsage)
    infra_error: str | None = None


async def draft(
    model: ChatModel,
    model_name: str,
    role: str,
    problem: Problem,
    messages: list[Message],
    *,
    sample: int,
    turn: int,
) -> Draft:
    """Ask the solver; nothing runs yet. An endpoint failure is kept on the draft, never a 0."""
    try:
        completion = await model.complete(messages, seed=sample * 1000 + turn)
    except ModelError as exc:  # measurement failure after the client's retries: never a 0
        return Draft(problem, role, model_name, sample, turn, infra_error=f"{type(exc).__name__}: {exc}")
    code = extract_code(completion.text, entry_point=problem.entry_point)
    return Draft(problem, role, model_name, sample, turn, completion.text, code, completion.usage)


async def judge(d: Draft, sandbox: Sandbox, limits: Limits) -> Attempt:
    """Execute a draft against the hidden tests: the scored attempt."""
    common = {
        "problem_id": d.problem.id, "role": d.role, "model": d.model, "sample": d.sample, "turn": d.turn,
        "completion": d.completion, "code": d.code, "usage": d.usage,
    }  # fmt: skip
    if d.infra_error is not None:
        return Attempt(**common, infra_error=d.infra_error)
    if d.code is None:
        return Attempt(**common, result=_no_code(d.completion))
    try:
        result = await execute(sandbox, d.problem, d.code, limits)
    except SandboxError as exc:
        return Attempt(**common, infra_error=f"sandbox: {exc}")
    return Attempt(**common, result=result)


async def _attempt(
    model: ChatModel,
    model_name: str,
    role: str,
    problem: Problem,
    messages: list[Message],
    *,
    sample: int,
    turn: int,
    sandbox: Sandbox,
    limits: Limits,
) -> Attempt:
    d = await draft(model, model_name, role, problem, messages, sample=sample, turn=turn)
    return await judge(d, sandbox, limits)


async def repair_chain(
    model: ChatModel,
    model_name: str,
    problem: Problem,
    first: Attempt,
    turns: int,
    sandbox: Sandbox,
    limits: Limits,
) -> list[Attempt]:
    """Up to ``turns`` repair turns after a failing attempt; stops at the first pass."""
    chain: list[Attempt] = []
    messages = solver_messages(problem)
    current = first
    for turn in range(1, turns + 1):
        if not current.measured or current.score == 1.0:
            break
        assert current.result is not None
        messages = [
            *messages,
            Message(role="assistant", content=current.completion),
            Message(
                role="user",
                content=prompts.load("repair_user").format(
                    status=current.result.status.value, failures=failure_feedback(current.result)
                ),
            ),
        ]
        current = await _attempt(
            model, model_name, first.role, problem, messages,
            sample=first.sample, turn=turn, sandbox=sandbox, limits=limits,
        )  # fmt: skip
        chain.append(current)
    return chain


def total_usage(attempts: list[Attempt]) -> TokenUsage:
    total = TokenUsage()
    for a in attempts:
        total = total + a.usage
    return total
