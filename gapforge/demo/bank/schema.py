"""The bank's record types and the small constructors the family modules use to stay terse."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field, replace
from typing import Literal

from gapforge.models import Difficulty, Example, Problem
from gapforge.sandbox.base import Kind, Language

BugLabel = Literal["off_by_one", "missed_edge_case", "too_slow"]
BUG_LABELS: tuple[BugLabel, ...] = ("off_by_one", "missed_edge_case", "too_slow")


@dataclass(frozen=True)
class Bug:
    """A realistic wrong solution. ``too_slow`` ones are correct but blow the CPU limit on the
    hard tests; the others fail at least one hidden test."""

    label: BugLabel
    code: str
    note: str = ""


@dataclass(frozen=True)
class Variant:
    """One complete problem of a family at one difficulty."""

    title: str
    difficulty: Difficulty
    kind: Kind
    statement: str
    reference: str
    tests: str
    examples: tuple[Example, ...]
    bugs: tuple[Bug, ...]
    entry_point: str | None = None
    signature: str | None = None
    io_contract: str | None = None
    tags: tuple[str, ...] = ()
    expert: bool = False  # the strong solver usually fails too
    ambiguity: str | None = None  # why the statement is ambiguous (the reviewer says so)
    family: str = ""  # set by :func:`family`
    # test-oracle sources (see gapforge.demo.bank.oracles), attached when the bank is assembled
    input_generator: str | None = None
    input_validator: str | None = None
    checker: str | None = None
    # the reference's and the bugs' language; anything but python is a stdio problem whose
    # oracle sources (generator, validator) are still Python, like every problem's
    language: Language = "python"

    @property
    def ambiguous(self) -> bool:
        return self.ambiguity is not None


@dataclass(frozen=True)
class Family:
    """A theme with an easy, a medium and a hard problem."""

    key: str
    name: str
    category: str
    topics: tuple[str, ...]
    variants: tuple[Variant, ...] = field(default=())
    language: Language = "python"

    def variant(self, difficulty: Difficulty) -> Variant:
        for v in self.variants:
            if v.difficulty == difficulty:
                return v
        raise KeyError(f"family {self.key!r} has no {difficulty} variant")


def code(src: str) -> str:
    """Dedent a triple-quoted code block and end it with exactly one newline."""
    return textwrap.dedent(src).strip("\n") + "\n"


def text(src: str) -> str:
    """Dedent a triple-quoted prose block."""
    return textwrap.dedent(src).strip()


def ex(input: str, output: str, explanation: str = "") -> Example:
    return Example(input=text(input), output=text(output), explanation=explanation)


def off_by_one(src: str, note: str = "") -> Bug:
    return Bug("off_by_one", code(src), note)


def missed_edge(src: str, note: str = "") -> Bug:
    return Bug("missed_edge_case", code(src), note)


def too_slow(src: str, note: str = "") -> Bug:
    return Bug("too_slow", code(src), note)


def cases(*pairs: tuple[str, str]) -> str:
    """Stdio tests as the JSON the sandbox reads."""
    return json.dumps([{"input": i, "output": o} for i, o in pairs], indent=1)


def fn(
    title: str,
    difficulty: Difficulty,
    *,
    entry: str,
    signature: str,
    statement: str,
    reference: str,
    tests: str,
    examples: tuple[Example, ...],
    bugs: tuple[Bug, ...],
    tags: tuple[str, ...] = (),
    expert: bool = False,
    ambiguity: str | None = None,
) -> Variant:
    return Variant(
        title=title,
        difficulty=difficulty,
        kind="function",
        statement=text(statement),
        reference=code(reference),
        tests=code(tests),
        examples=examples,
        bugs=bugs,
        entry_point=entry,
        signature=code(signature).strip(),
        tags=tags,
        expert=expert,
        ambiguity=ambiguity,
    )


def io(
    title: str,
    difficulty: Difficulty,
    *,
    contract: str,
    statement: str,
    reference: str,
    tests: str,
    examples: tuple[Example, ...],
    bugs: tuple[Bug, ...],
    tags: tuple[str, ...] = (),
    expert: bool = False,
    ambiguity: str | None = None,
    language: Language = "python",
) -> Variant:
    return Variant(
        title=title,
        difficulty=difficulty,
        kind="stdio",
        language=language,
        statement=text(statement),
        reference=code(reference),
        tests=tests,
        examples=examples,
        bugs=bugs,
        io_contract=text(contract),
        tags=tags,
        expert=expert,
        ambiguity=ambiguity,
    )


def family(key: str, name: str, category: str, topics: tuple[str, ...], *variants: Variant) -> Family:
    """A family in the language of its variants (they must agree: the challenger picks a family,
    then a variant, for the language a seed asks for)."""
    languages = {v.language for v in variants}
    if len(languages) > 1:
        raise ValueError(f"family {key!r} mixes languages {sorted(languages)}; one language per family")
    language = languages.pop() if languages else "python"
    tagged = tuple(replace(v, family=key, tags=(category, *v.tags)) for v in variants)
    return Family(key=key, name=name, category=category, topics=topics, variants=tagged, language=language)


def to_problem(variant: Variant) -> Problem:
    """The variant as the Problem a challenger would have written."""
    return Problem(
        title=variant.title,
        statement=variant.statement,
        kind=variant.kind,
        entry_point=variant.entry_point,
        signature=variant.signature,
        io_contract=variant.io_contract,
        reference_solution=variant.reference,
        tests=variant.tests,
        examples=variant.examples,
        tags=variant.tags,
        difficulty=variant.difficulty,
        input_generator=variant.input_generator,
        input_validator=variant.input_validator,
        checker=variant.checker,
        language=variant.language,
    )


def problem_json(problem: Problem, *, indent: int | None = 2) -> str:
    """The JSON object the challenger prompt asks for."""
    return json.dumps(problem.model_dump(mode="json"), indent=indent, ensure_ascii=False)
