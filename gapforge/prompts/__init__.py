"""Prompt texts (package data), their content hashes, and the messages built from them.

This module sits below both the generators (which send these messages) and the dataset layer
(which only reads what was recorded, and rebuilds messages from here only for run directories
written before messages were recorded).

The solver prompt is part of the frozen core: no policy or optimizer can change it, and weak and
strong solvers get exactly the same text, so neither ever learns which one it is. It states the
limits the solution is judged under, so a timeout is a fair verdict.

The optimizer's analyzer and editor prompts (``optimize_*``) live here too but are not generation
prompts: :func:`prompt_hashes` leaves them out, so every record's provenance and the optimizer's
frozen core hash exactly what they did before. Their files carry no trailing newline: the bytes
of a file are the prompt.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from gapforge.models import FENCE_TAGS, LANGUAGE_NAMES, Message, Problem
from gapforge.sandbox.base import Language, Limits

__all__ = [
    "OPTIMIZE_PROMPT_NAMES",
    "PROMPT_NAMES",
    "for_language",
    "limits_text",
    "load",
    "prompt_hashes",
    "repair_message",
    "solver_messages",
    "text_id",
]

PROMPT_NAMES = (
    "challenger_system",
    "challenger_user",
    "feedback",
    "solver_system",
    "solver_user",
    "repair_user",
    "reviewer_user",
)
OPTIMIZE_PROMPT_NAMES = (
    "optimize_analyzer_system",
    "optimize_analyzer_user",
    "optimize_editor_system",
    "optimize_editor_user",
)


@cache
def load(name: str) -> str:
    if name not in PROMPT_NAMES and name not in OPTIMIZE_PROMPT_NAMES:
        known = ", ".join((*PROMPT_NAMES, *OPTIMIZE_PROMPT_NAMES))
        raise KeyError(f"unknown prompt {name!r}; known: {known}")
    text: str = resources.files("gapforge.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")
    return text


def prompt_hashes() -> dict[str, str]:
    """The generation prompts' hashes (what a record's provenance carries)."""
    return {name: hashlib.sha256(load(name).encode()).hexdigest()[:12] for name in PROMPT_NAMES}


def text_id(text: str) -> str:
    """The content address of a message text in the run store (``records/texts.jsonl``)."""
    return "x-" + hashlib.sha256(text.encode()).hexdigest()[:20]


def for_language(text: str, language: Language) -> str:
    """A solver prompt asking for ``language`` instead of Python: the Python texts are the
    templates (their hashes are the recorded ones), so a Python prompt is the file's text."""
    if language == "python":
        return text
    return text.replace("```python", "```" + FENCE_TAGS[language]).replace("Python", LANGUAGE_NAMES[language])


def limits_text(problem: Problem, limits: Limits) -> str:
    """The limits a solution is judged under, as the solver reads them."""
    scope = "for each test case" if problem.kind == "stdio" else "for the whole hidden test run"
    return (
        f"at most {limits.cpu_seconds:g} s of CPU time {scope} and {limits.memory_mb} MiB of memory; "
        "a solution that exceeds either fails"
    )


def solver_messages(problem: Problem, limits: Limits | None = None) -> list[Message]:
    """The neutral solver prompt, weak and strong alike: the problem as solvers may see it and,
    when known, the limits it is judged under."""
    judged = (
        f"Your solution is judged by hidden tests in a sandbox with {limits_text(problem, limits)}.\n"
        if limits is not None
        else ""
    )
    lang = problem.language
    user = for_language(load("solver_user"), lang).format(problem=problem.solver_view(), limits=judged)
    return [
        Message(role="system", content=for_language(load("solver_system"), lang)),
        Message(role="user", content=user),
    ]


def repair_message(status: str, feedback: str, language: Language = "python") -> Message:
    """The user turn of a repair: the verdict and what the solver may learn of the failure."""
    text = for_language(load("repair_user"), language)
    return Message(role="user", content=text.format(status=status, failures=feedback))
