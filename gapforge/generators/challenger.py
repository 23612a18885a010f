"""The challenger: writes a problem for a seed, given the grouped feedback of rejected rounds."""

from __future__ import annotations

from dataclasses import dataclass

from gapforge.dataset.records import Seed
from gapforge.extract import parse_problem
from gapforge.llm import ChatModel, complete_json
from gapforge.models import LANGUAGE_NAMES, LANGUAGE_NOTES, Message, Problem, Verdict
from gapforge.prompts import load
from gapforge.sandbox.base import Language

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
        language=seed.language,
        language_name=LANGUAGE_NAMES[seed.language],
        language_rules=language_rules(seed.language),
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


def language_rules(language: Language) -> str:
    """What the challenger prompt adds for a language other than Python (nothing for Python, whose
    prompt reads as it always did)."""
    if language == "python":
        return ""
    name = LANGUAGE_NAMES[language]
    return (
        f'\nThis is a {name} problem. Its kind must be "stdio" (`entry_point` and `signature` null; '
        f"the solver writes a complete {name} program that reads standard input and writes standard "
        f"output), `reference_solution` is such a {name} program ({LANGUAGE_NOTES[language]}), and "
        f'the JSON\'s "language" is "{language}". `tests` stays a JSON array of stdio cases, and '
        "`input_generator`, `input_validator` and `checker` stay Python sources, as described below, "
        "whatever the solution's language.\n"
    )


async def draft_problem(
    model: ChatModel,
    messages: list[Message],
    *,
    seed: int,
    attempts: int = 2,
    language: Language = "python",
) -> Problem:
    """A parsed Problem in ``language`` (the seed's; a draft that names no language is taken to be
    in it); raises MalformedOutput (with ``raw``) when the output stays unusable or is written in
    another language."""

    def parse(text: str) -> Problem:
        return parse_problem(text, language=language)

    return await complete_json(model, messages, parse, attempts=attempts, seed=seed)
