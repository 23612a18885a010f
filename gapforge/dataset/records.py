"""What the generation loop writes to the run store: one record per round, attempt, accepted
problem and finished seed, each carrying its provenance. Frozen pydantic; JSON-serialisable.

The loop only *appends* these; the run store makes them crash-safe and the exporters turn them
into Parquet tables and trainer formats.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from gapforge.models import Attempt, Problem, TokenUsage, Verdict

SCHEMA_VERSION = 1


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


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


class RoundRecord(BaseModel):
    """One challenger draft and what became of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    run_id: str
    epoch: int  # which process run of this run dir wrote it (resume bookkeeping)
    seed_id: str
    round: int
    verdict: Verdict
    reason: str
    problem: Problem | None = None  # None when the draft could not be parsed
    problem_id: str | None = None
    raw_output: str = ""  # the challenger's text when it was malformed (capped)
    static_problems: tuple[str, ...] = ()
    validity: ValiditySummary | None = None
    gate: GateSummary | None = None
    weak_scores: tuple[float | None, ...] = ()
    strong_scores: tuple[float | None, ...] = ()
    review: str | None = None
    usage: dict[str, TokenUsage] = Field(default_factory=dict)  # role -> tokens spent in this round
    started_at: str
    finished_at: str = Field(default_factory=utcnow)
    provenance: Provenance


class AttemptRecord(BaseModel):
    """One solver rollout or repair turn, with the sandbox's verdict and error output."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    run_id: str
    epoch: int
    seed_id: str
    round: int
    attempt: Attempt
    parent_sample: int | None = None  # for repair turns: the rollout being repaired
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
    created_at: str = Field(default_factory=utcnow)
    provenance: Provenance


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
