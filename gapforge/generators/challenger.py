"""The challenger: writes a problem for a seed, given the grouped feedback of rejected rounds."""

from __future__ import annotations

from dataclasses import dataclass

from gapforge.dataset.records import Seed
from gapforge.extract import parse_problem
from gapforge.llm import ChatModel, complete_json
from gapforge.models import Message, Problem, Verdict
from gapforge.prompts import load

GROUP_TITLES = {
    "TOO EASY": "TOO EASY (the weaker solver solved these too often; make the next one harder):",
    "FAILED ON STRONG": "FAILED ON STRONG (even the strong solver rarely solved these; keep it solvable and precise):",
    "INVALID": "INVALID (failed the quality checks):",
}


@dataclass(frozen=True)
class Rejection:
    """One rejected round, as the challenger will read it."""

    verdict: Verdict
    title: str
    detail: str

    @property
    def group(self) -> str:
        if self.verdict is Verdict.TOO_EASY:
            return "TOO EASY"
        if self.verdict is Verdict.FAILED_ON_STRONG:
            return "FAILED ON STRONG"
        return "INVALID"


def feedback_block(rejections: list[Rejection]) -> str:
    """Cumulative feedback, grouped by kind, asking for an entirely new problem."""
    if not rejections:
        return ""
    lines = []
    for group, heading in GROUP_TITLES.items():
        items = [r for r in rejections if r.group == group]
        if items:
            lines.append(heading)
            lines += [f'- [{group}] "{r.title}": {r.detail}' for r in items]
    return load("feedback").format(groups="\n".join(lines))


def challenger_messages(
    seed: Seed,
    round_no: int,
    max_rounds: int,
    rejections: list[Rejection],
    *,
    min_tests: int,
    policy_rules: tuple[str, ...] = (),
) -> list[Message]:
    context = ""
    if seed.context:
        context = f"\nGround the problem in this material:\n<<<\n{seed.context}\n>>>\n"
    policy = ""
    if policy_rules:
        policy = "\nPolicy instructions:\n" + "\n".join(f"- {rule}" for rule in policy_rules) + "\n"
    user = load("challenger_user").format(
        seed=seed.topic,
        round=round_no,
        max_rounds=max_rounds,
        seed_context=context,
        min_tests=min_tests,
        policy=policy,
        feedback=feedback_block(rejections),
    )
    return [
        Message(role="system", content=load("challenger_system")),
        Message(role="user", content=user),
    ]


async def draft_problem(
    model: ChatModel, messages: list[Message], *, seed: int, attempts: int = 2
) -> Problem:
    """A parsed Problem; raises MalformedOutput (with ``raw``) when the output stays unusable."""
    return await complete_json(model, messages, parse_problem, attempts=attempts, seed=seed)
