"""Solvers: one neutral prompt for weak and strong alike; rollouts executed in the sandbox;
repair turns that see their failing public examples in full and the hidden tests as counts and
error classes (:mod:`gapforge.prompts.feedback`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gapforge.errors import ModelError, SandboxError
from gapforge.extract import extract_code
from gapforge.llm import ChatModel
from gapforge.models import Attempt, HiddenSuite, Message, Problem, TokenUsage, final_suites
from gapforge.prompts import repair_message, solver_messages
from gapforge.prompts.feedback import example_program, solver_feedback
from gapforge.sandbox import ExecutionResult, Limits, Program, Sandbox, Status, combine_results
from gapforge.sandbox.metered import ORACLE_SUITES, current_phase, is_oracle_work, metered_phase

SANDBOX_RETRIES = 2


async def execute(
    sandbox: Sandbox, problem: Problem, code: str, limits: Limits, suites: Sequence[HiddenSuite] = ()
) -> ExecutionResult:
    """Run code against the hidden tests: the challenger's, then each of ``suites`` (the oracle's
    extra suites, each its own execution under its own CPU limit), combined into one verdict. A
    program that fails the challenger's tests is not run on the others: it scores 0 either way,
    and its feedback counts the challenger's tests. A sandbox_error is retried, then raised
    (never scored)."""
    parts: list[tuple[str, ExecutionResult]] = []
    phase = current_phase()
    for i, suite in enumerate(final_suites(problem, suites)):
        if i > 0 and not parts[0][1].passed:
            break
        lim = limits.with_cpu(suite.cpu_limit_s) if suite.cpu_limit_s else limits
        # The challenger's suite is the phase's own work; the oracle's suites are what it adds.
        with metered_phase(phase if i == 0 or is_oracle_work(phase) else phase + ORACLE_SUITES):
            parts.append((suite.name, await _execute_one(sandbox, suite.program(code), lim)))
    return combine_results(parts)


async def _execute_one(sandbox: Sandbox, program: Program, limits: Limits) -> ExecutionResult:
    last: ExecutionResult | None = None
    for _ in range(SANDBOX_RETRIES + 1):
        last = await sandbox.run(program, limits)
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
    messages: tuple[Message, ...] = ()
    call_id: str | None = None


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
    sent = tuple(messages)
    try:
        completion = await model.complete(messages, seed=sample * 1000 + turn)
    except ModelError as exc:  # measurement failure after the client's retries: never a 0
        return Draft(
            problem, role, model_name, sample, turn, infra_error=f"{type(exc).__name__}: {exc}", messages=sent
        )
    code = extract_code(completion.text, entry_point=problem.entry_point, language=problem.language)
    return Draft(
        problem, role, model_name, sample, turn, completion.text, code, completion.usage,
        messages=sent, call_id=completion.call_id,
    )  # fmt: skip


async def judge(d: Draft, sandbox: Sandbox, limits: Limits, suites: Sequence[HiddenSuite] = ()) -> Attempt:
    """Execute a draft against the hidden tests (the challenger's and ``suites``): the scored attempt."""
    common = {
        "problem_id": d.problem.id, "role": d.role, "model": d.model, "sample": d.sample, "turn": d.turn,
        "completion": d.completion, "code": d.code, "usage": d.usage, "messages": d.messages,
        "call_id": d.call_id,
    }  # fmt: skip
    if d.infra_error is not None:
        return Attempt(**common, infra_error=d.infra_error)
    if d.code is None:
        return Attempt(**common, result=_no_code(d.completion))
    try:
        result = await execute(sandbox, d.problem, d.code, limits, suites)
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
    suites: Sequence[HiddenSuite] = (),
) -> Attempt:
    d = await draft(model, model_name, role, problem, messages, sample=sample, turn=turn)
    return await judge(d, sandbox, limits, suites)


async def repair_chain(
    model: ChatModel,
    model_name: str,
    problem: Problem,
    first: Attempt,
    turns: int,
    sandbox: Sandbox,
    limits: Limits,
    suites: Sequence[HiddenSuite] = (),
) -> list[Attempt]:
    """Up to ``turns`` repair turns after a failing attempt; stops at the first pass. Each turn is
    judged like the rollouts: the challenger's tests and ``suites``.

    Each turn sees the conversation so far and the feedback on its last answer: the public
    examples run in full, the hidden tests as counts and error classes only."""
    chain: list[Attempt] = []
    messages = list(first.messages) or solver_messages(problem, limits)
    current = first
    for turn in range(1, turns + 1):
        if not current.measured or current.score == 1.0:
            break
        assert current.result is not None
        feedback = await feedback_for(sandbox, problem, current, limits)
        messages = [
            *messages,
            Message(role="assistant", content=current.completion),
            repair_message(current.result.status.value, feedback, problem.language),
        ]
        current = await _attempt(
            model, model_name, first.role, problem, messages,
            sample=first.sample, turn=turn, sandbox=sandbox, limits=limits, suites=suites,
        )  # fmt: skip
        chain.append(current)
    return chain


async def feedback_for(sandbox: Sandbox, problem: Problem, attempt: Attempt, limits: Limits) -> str:
    """The execution feedback for a failing attempt. Its public examples are run separately (the
    hidden verdict stays what the hidden tests said); if that run cannot be had, the feedback
    says only what the hidden tests say."""
    assert attempt.result is not None
    examples: ExecutionResult | None = None
    program = example_program(problem, attempt.code) if attempt.code is not None else None
    if program is not None:
        result = await sandbox.run(program, limits)
        examples = None if result.status is Status.SANDBOX_ERROR else result
    return solver_feedback(problem, attempt.result, examples)


def total_usage(attempts: list[Attempt]) -> TokenUsage:
    total = TokenUsage()
    for a in attempts:
        total = total + a.usage
    return total
