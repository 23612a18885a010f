"""Prompt templates (package data) and their content hashes, recorded as provenance.

The solver prompt is part of the frozen core: no policy or optimizer can change it, and weak and
strong solvers get exactly the same text, so neither ever learns which one it is.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

PROMPT_NAMES = (
    "challenger_system",
    "challenger_user",
    "feedback",
    "solver_system",
    "solver_user",
    "repair_user",
    "reviewer_user",
)


@cache
def load(name: str) -> str:
    if name not in PROMPT_NAMES:
        raise KeyError(f"unknown prompt {name!r}; known: {', '.join(PROMPT_NAMES)}")
    text: str = (
        resources.files("gapforge.generators.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")
    )
    return text


def prompt_hashes() -> dict[str, str]:
    return {name: hashlib.sha256(load(name).encode()).hexdigest()[:12] for name in PROMPT_NAMES}
