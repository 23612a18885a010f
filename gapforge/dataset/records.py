"""What the generation loop writes to the run store: one record per round, attempt, accepted
problem and finished seed, each carrying its provenance. Frozen pydantic; JSON-serialisable.

The loop only *appends* these; the run store makes them crash-safe and the exporters turn them
into Parquet tables and trainer formats.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gapforge.models import Attempt, HiddenSuite, Problem, TokenUsage, Verdict, content_hash, final_suites
from gapforge.sandbox.base import Language
from gapforge.verifiers.oracle.models import OracleMeasures

# 2: model calls and message texts are recorded (calls.jsonl, texts.jsonl; prompts on rounds and
# attempts). Records of version 1 still read: their messages are rebuilt when published.
SCHEMA_VERSION = 2


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def round_id(run_id: str, epoch: int, seed_id: str, round_no: int) -> str:
    """The join key of a round (and of every attempt, trajectory and pair that came from it)."""
    return "r-" + content_hash([run_id, epoch, seed_id, round_no])


def attempt_id(
    run_id: str, epoch: int, seed_id: str, round_no: int, role: str, sample: int, turn: int
) -> str:
    return "a-" + content_hash([run_id, epoch, seed_id, round_no, role, sample, turn])


class MessageRef(BaseModel):
    """One chat message as stored: its role and the content address of its text
    (``records/texts.jsonl``), so each distinct text (a system prompt, a problem's prompt) is
    stored once however many calls sent it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["system", "user", "assistant"]
    text_id: str


class TextRecord(BaseModel):
    """A message text, stored once, keyed by its content address."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text_id: str
    text: str


class _RoundScoped(BaseModel):
    """What every record of one round of one seed starts with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    run_id: str
    epoch: int  # which process run of this run dir wrote it (resume bookkeeping)
    seed_id: str
    round: int


class CallRecord(_RoundScoped):
    """One model call as it happened: the exact messages sent, the raw answer, what it cost.

    Written the moment the answer arrives (or the call fails after its retries), whether or not the
    answer is used: a speculative weak answer for a draft that turned out invalid is kept here.
    ``unstored_usage`` counts answers the client discarded and retried (empty, truncated): billed,
    never shown to anyone.
    """

    call_id: str
    role: str  # challenger | weak | strong | reviewer
    purpose: str  # challenge | solve | repair | review
    model: str  # the model name the run asked for
    served_model: str = ""  # the name the endpoint answered with
    system_fingerprint: str | None = None
    messages: tuple[MessageRef, ...]
    request_seed: int | None = None
    output: str = ""  # the raw completion text (empty when the call failed)
    finish_reason: str = ""
    error: str | None = None  # set when the call failed after its retries
    usage: TokenUsage = TokenUsage()
    unstored_usage: TokenUsage = TokenUsage()
    latency_s: float = 0.0
    created_at: str = Field(default_factory=utcnow)


class Provenance(BaseModel):
    """Where a record came from: enough to reproduce or audit it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gapforge_version: str
    config_hash: str
    models: dict[str, str]  # role -> model name
    prompt_hashes: dict[str, str]  # prompt template name -> content hash
    sandbox_image: str
    sandbox_backend: str
    policy_id: str | None = None  # the challenger policy that produced it (optimizer)


class Seed(BaseModel):
    """One unit of work: a topic, optionally grounded in a source text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    topic: str
    context: str = ""  # grounding text (a source file or doc excerpt), may be empty
    source: str = "builtin"  # builtin | topics | topics_file | source_dir | dataset
    # the language its problems are written in; left out when Python, so a run directory written
    # before languages existed loads (a seed without one is Python) and its JSON stays the same
    language: Language = Field(default="python", exclude_if=lambda v: v == "python")


class GateSummary(BaseModel):
    """The gate's decision as stored: recomputable from the attempts' raw results."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    preset: str
    outcome: str
    reason: str
    weak_mean: float | None = None
    strong_mean: float | None = None
    gap: float | None = None


class ValiditySummary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    valid: bool
    reason: str = ""
    failed_check: str | None = None
    flaky_tests: tuple[str, ...] = ()
    trivial_passed: tuple[str, ...] = ()
    mutation_score: float | None = None
    surviving_mutants: tuple[str, ...] = ()
    reference_cpu_s: float = 0.0
    # the CPU limit the solver rollouts ran under (None: recorded before gapforge kept it)
    cpu_limit_s: float | None = None
    # token mutants of a reference in another language than Python that did not compile (dropped
    # from the score); None for Python, whose mutants always compile, and left out of the JSON then
    mutants_uncompiled: int | None = Field(default=None, exclude_if=lambda v: v is None)


class OracleSummary(BaseModel):
    """What the test oracle found for a draft with an input generator (``gapforge.verifiers.oracle``).

    The problem's *final hidden tests* are its challenger's tests plus ``suites`` (the differential
    suite: drawn inputs, boundary variants and mutations of the tests' inputs, answered by the
    reference), each run as its own execution with the verdicts combined. The hardening cases
    (the differential cases that kill a mutant the challenger's tests let through) are named in
    ``hardening_cases``; they are cases of the differential suite, so they are judged with it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    suites: tuple[HiddenSuite, ...] = ()
    measures: OracleMeasures | None = None  # None when the build found the problem defective
    defects: tuple[str, ...] = ()  # what the build found wrong with the problem (it is then invalid)
    hardening_cases: tuple[str, ...] = ()
    killed_by_hardening: tuple[str, ...] = ()  # mutants the challenger's tests missed
    probably_equivalent: tuple[str, ...] = ()  # mutants no input told apart from the reference
    # known-wrong programs (killed mutants, failing attempts) that pass the final tests, by label
    false_passes: tuple[str, ...] = ()
    # attempts that passed the challenger's tests and fail the final ones: "<role>/<sample>/<turn>"
    verdict_changed: tuple[str, ...] = ()
    sandbox_cpu_s: float = 0.0  # what building, hardening and the false-pass check ran


class PhaseTime(BaseModel):
    """The sandbox work of one phase of a round (``reference``, ``validity``, ``oracle``,
    ``rollouts``, ``repair``): executions, and the sandbox's own wall and CPU seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phase: str
    runs: int
    cpu_s: float
    wall_s: float


class RoundRecord(_RoundScoped):
    """One challenger draft and what became of it."""

    verdict: Verdict
    reason: str
    problem: Problem | None = None  # None when the draft could not be parsed
    problem_id: str | None = None
    raw_output: str = ""  # the challenger's last answer as it came (capped)
    prompt: tuple[MessageRef, ...] = ()  # the challenger's messages for this round (texts.jsonl)
    call_ids: tuple[str, ...] = ()  # every model call of this round (calls.jsonl)
    static_problems: tuple[str, ...] = ()
    validity: ValiditySummary | None = None
    gate: GateSummary | None = None
    weak_scores: tuple[float | None, ...] = ()
    strong_scores: tuple[float | None, ...] = ()
    review: str | None = None
    oracle: OracleSummary | None = None  # None: no input generator (or the oracle is off)
    sandbox: tuple[PhaseTime, ...] = ()  # the round's sandbox work by phase (empty: not recorded)
    usage: dict[str, TokenUsage] = Field(default_factory=dict)  # role -> tokens spent in this round
    # role -> tokens of answers that are stored nowhere (retried empty/truncated), part of usage
    unstored_usage: dict[str, TokenUsage] = Field(default_factory=dict)
    started_at: str
    finished_at: str = Field(default_factory=utcnow)
    provenance: Provenance


class AttemptRecord(_RoundScoped):
    """One solver rollout or repair turn, with the sandbox's verdict and error output."""

    attempt: Attempt
    parent_sample: int | None = None  # for repair turns: the rollout being repaired
    prompt: tuple[MessageRef, ...] = ()  # the exact messages the solver was sent (texts.jsonl)
    created_at: str = Field(default_factory=utcnow)
    provenance: Provenance


class ProblemRecord(BaseModel):
    """An accepted problem with its measured pass rates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    run_id: str
    epoch: int
    seed_id: str
    seed_topic: str
    round: int
    problem_id: str
    problem: Problem
    weak_pass_rate: float
    strong_pass_rate: float
    weak_scores: tuple[float | None, ...]
    strong_scores: tuple[float | None, ...]
    gate: GateSummary
    validity: ValiditySummary
    rounds_used: int
    # The oracle's suites and measures; None: judged on the challenger's tests alone (no input
    # generator, the oracle off, or a run from before it existed).
    oracle: OracleSummary | None = None
    created_at: str = Field(default_factory=utcnow)
    provenance: Provenance

    @property
    def hidden_suites(self) -> tuple[HiddenSuite, ...]:
        """Every hidden suite the problem is judged on (rewards, verify), the challenger's first."""
        return final_suites(self.problem, self.oracle.suites if self.oracle is not None else ())


class SeedRecord(BaseModel):
    """Written last for a seed: its presence means the seed is finished and is never redone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    run_id: str
    epoch: int
    seed: Seed
    accepted: bool
    problem_id: str | None = None
    rounds: int
    verdicts: tuple[Verdict, ...]
    usage: dict[str, TokenUsage] = Field(default_factory=dict)
    finished_at: str = Field(default_factory=utcnow)
