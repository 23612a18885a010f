"""Records that cross boundaries: problems, attempts, rounds, verdicts. Frozen pydantic models.

Identities are content hashes: the same problem always has the same id, which gives dedup,
caching and resume for free.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from enum import StrEnum
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from gapforge.sandbox.base import ExecutionResult, Kind, Language, Program

Difficulty = Literal["easy", "medium", "hard"]
Role = Literal["challenger", "weak", "strong", "reviewer"]


class Message(BaseModel):
    """One chat message in OpenAI format."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["system", "user", "assistant"]
    content: str


def content_hash(obj: object, n: int = 16) -> str:
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:n]


class Example(BaseModel):
    """A visible example shown to solvers (never one of the hidden tests' exact asserts)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: str
    output: str
    explanation: str = ""


_ORACLE_FIELDS = ("input_generator", "input_validator", "checker")


class Problem(BaseModel):
    """A challenger-written coding problem: the statement solvers see and the hidden checks.

    ``function`` problems: solvers write a module defining ``entry_point`` with ``signature``;
    ``tests`` is a pytest module that does ``from solution import <entry_point>``.
    ``stdio`` problems: solvers write a program reading stdin; ``tests`` is a JSON list of
    ``{"input", "output"}`` cases and ``io_contract`` states the formats and comparison rules.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=3, max_length=200)
    statement: str = Field(min_length=20)
    kind: Kind = "function"
    entry_point: str | None = None
    signature: str | None = None
    io_contract: str | None = None
    reference_solution: str = Field(min_length=1)
    tests: str = Field(min_length=1)
    examples: tuple[Example, ...] = ()
    tags: tuple[str, ...] = ()
    difficulty: Difficulty | None = None  # the challenger's own label; None when it gave none
    # Test-oracle sources (gapforge.verifiers.oracle), all optional. Function kind:
    # ``generate(rng) -> tuple`` of call arguments, ``validate(*args) -> None`` raising on an input
    # the statement rules out, ``check(args, expected, got) -> bool`` when several answers are right.
    # Stdio kind: ``generate(rng) -> str``, ``validate(text)``, ``check(text, expected, got)``.
    input_generator: str | None = None
    input_validator: str | None = None
    checker: str | None = None
    # left out of the JSON (and so of the id) when python, so every earlier problem keeps its id
    language: Language = Field(default="python", exclude_if=lambda v: v == "python")

    @field_validator("entry_point")
    @classmethod
    def _identifier(cls, v: str | None) -> str | None:
        if v is not None and not v.isidentifier():
            raise ValueError(f"entry_point must be a Python identifier, got {v!r}")
        return v

    @model_serializer(mode="wrap")
    def _omit_absent_oracle(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # A problem without oracle sources serialises exactly as before they existed, so its JSON
        # and its content-hash id do not change.
        data: dict[str, object] = handler(self)
        for key in _ORACLE_FIELDS:
            if key in data and data[key] is None:
                del data[key]
        return data

    @model_validator(mode="after")
    def _kind_fields(self) -> Problem:
        if self.kind == "function" and not self.entry_point:
            raise ValueError("a function problem needs an entry_point (the function solvers must define)")
        return self

    @property
    def id(self) -> str:
        return "p-" + content_hash(self.model_dump(mode="json"))

    def program(self, solution: str) -> Program:
        """The solution against the challenger's tests only; see :func:`final_suites` for every
        hidden suite a problem is judged on."""
        return Program(kind=self.kind, solution=solution, tests=self.tests, language=self.language)

    def solver_view(self) -> str:
        """Everything a solver may see: statement, contract, examples. Never the tests or reference."""
        parts = [f"# {self.title}", "", self.statement.strip()]
        if self.kind == "function":
            parts += ["", f"Write a Python module that defines `{self.entry_point}`."]
            if self.signature:
                parts += ["Signature:", "```python", self.signature.strip(), "```"]
        else:
            parts += [
                "",
                "Write a complete Python program that reads standard input and writes standard output.",
            ]
            if self.io_contract:
                parts += ["Input/output contract:", self.io_contract.strip()]
        if self.examples:
            parts += ["", "Examples:"]
            for i, ex in enumerate(self.examples, 1):
                parts += [f"Example {i}:", "Input:", ex.input, "Output:", ex.output]
                if ex.explanation:
                    parts += ["Explanation: " + ex.explanation]
        return "\n".join(parts)


class HiddenSuite(BaseModel):
    """One hidden test suite as the sandbox runs it. A problem's *final* hidden tests are its
    challenger's tests (the suite named ``challenger``) plus any extra suites the test oracle built
    (``differential``: inputs drawn and answered by the reference). ``kind`` is the program kind,
    which is ``function`` for a stdio problem judged by a checker (its tests run the program per
    case). ``cpu_limit_s`` is the CPU budget a solution gets on this suite (None: the problem's)."""

    __test__ = False  # not a pytest class
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    kind: Kind
    tests: str = Field(min_length=1)
    cpu_limit_s: float | None = Field(default=None, gt=0)

    @classmethod
    def of(cls, problem: Problem) -> HiddenSuite:
        return cls(name=CHALLENGER_SUITE, kind=problem.kind, tests=problem.tests)

    def program(self, solution: str) -> Program:
        return Program(kind=self.kind, solution=solution, tests=self.tests)

    def case_name(self, test_name: str) -> str:
        """The case a test record is about (function suites name tests ``test_<case>``)."""
        return test_name.removeprefix("test_") if self.kind == "function" else test_name


CHALLENGER_SUITE = "challenger"


def final_suites(problem: Problem, extra: Sequence[HiddenSuite] = ()) -> tuple[HiddenSuite, ...]:
    """Every hidden suite ``problem`` is judged on, the challenger's tests first. Each runs as its
    own execution and the verdicts are combined (:func:`gapforge.sandbox.combine_results`): the
    suites may be of different program kinds, and separate modules cannot clash on names."""
    return (HiddenSuite.of(problem), *(s for s in extra if s.name != CHALLENGER_SUITE))


class Verdict(StrEnum):
    """Why a round ended the way it did."""

    ACCEPTED = "accepted"
    TOO_EASY = "too_easy"  # the weak solver passes too often
    FAILED_ON_STRONG = "failed_on_strong"  # the strong solver does not pass often enough
    INVALID = "invalid"  # static or sandbox validity failed (wrong reference, flaky, weak tests, leak)
    MALFORMED = "malformed"  # the challenger's output could not be parsed into a Problem
    AMBIGUOUS = "ambiguous"  # the reviewer found the statement ambiguous
    INFRA = "infra"  # measurement failed (endpoint or sandbox); not the problem's fault


class TokenUsage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )

    def __sub__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=max(0, self.prompt_tokens - other.prompt_tokens),
            completion_tokens=max(0, self.completion_tokens - other.completion_tokens),
        )

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Attempt(BaseModel):
    """One solver rollout (turn 0) or repair turn (turn >= 1), with what the sandbox said."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    problem_id: str
    role: Literal["weak", "strong"]
    model: str
    sample: int
    turn: int = 0
    completion: str
    code: str | None
    result: ExecutionResult | None = None
    infra_error: str | None = None  # set when this attempt could not be measured
    usage: TokenUsage = TokenUsage()
    call_id: str | None = None  # the model call that produced the completion (calls.jsonl)
    # The exact messages the solver was sent. Kept in memory for the run store, which stores them
    # as content-addressed texts (AttemptRecord.prompt), so they are not part of this JSON.
    messages: tuple[Message, ...] = Field(default=(), exclude=True)

    @property
    def measured(self) -> bool:
        return (
            self.infra_error is None and self.result is not None and not self.result.status.is_infrastructure
        )

    @property
    def score(self) -> float | None:
        """1.0 when every hidden test passed (the RL reward), 0.0 otherwise, None when unmeasured."""
        if not self.measured:
            return None
        assert self.result is not None
        return 1.0 if self.result.passed else 0.0
