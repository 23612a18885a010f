"""The audit log, ``OUT/audit.jsonl``: one fsync'd line per iteration, and the population it implies.

Each line (:class:`AuditEntry`) holds everything an iteration did and why: parent, child and diff,
analysis, train and validation scores, decision and reason. The population is rebuilt from the log
alone (:func:`rebuild_population`), so a crashed optimization resumes at the first unfinished
iteration. Lines are written and read with the run store's helpers: one write per line, fsync'd; a
torn last line (a crash mid-write) is ignored by readers and moved aside to ``audit.jsonl.torn``
before the next append.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from gapforge.dataset.records import utcnow
from gapforge.dataset.store import append_line_to, read_jsonl
from gapforge.errors import RunStoreError
from gapforge.optimize.policy import Policy, PolicyDiff
from gapforge.optimize.screen import Violation
from gapforge.optimize.selection import Candidate, ScoreMetric

__all__ = [
    "AUDIT_FILE",
    "SCHEMA_VERSION",
    "AuditEntry",
    "AuditLog",
    "Decision",
    "EvalSummary",
    "Purpose",
    "rebuild_population",
]

SCHEMA_VERSION = 1
AUDIT_FILE = "audit.jsonl"

Decision = Literal[
    "baseline",
    "accepted",
    "rejected_not_better",
    "rejected_frozen_core",
    "rejected_invalid",
    "rejected_no_change",
    "rejected_duplicate",
]
Purpose = Literal["baseline", "train", "parent", "child"]


class EvalSummary(BaseModel):
    """One run of the real loop for one policy on a set of seeds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    purpose: Purpose
    policy_id: str
    seeds: tuple[str, ...]
    accepted: int
    rounds: int
    tokens: int
    verdicts: dict[str, int]
    metric: ScoreMetric
    score: float
    config_hash: str  # the provenance config hash of the records (includes the policy's knobs)
    core_hash: str  # the frozen core the gate decided under
    wall_s: float
    run_dir: str | None = None  # relative to the optimizer directory, when records were kept
    run_epoch: int | None = None  # the epoch of run_dir holding these records (a redone iteration adds one)

    def line(self) -> str:
        return f"{self.score:.4f} ({self.accepted} accepted / {self.rounds} rounds / {self.tokens:,} tokens)"


class AuditEntry(BaseModel):
    """One line of ``audit.jsonl``: everything an iteration did and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = SCHEMA_VERSION
    iteration: int
    started_at: str
    finished_at: str = Field(default_factory=utcnow)
    temperature: float
    selection: dict[str, float] = Field(default_factory=dict)  # candidate id -> probability
    parent_id: str
    parent: Policy
    child_id: str | None = None
    child: Policy | None = None
    diff: PolicyDiff | None = None
    train: EvalSummary | None = None
    analysis: str = ""
    proposal: str = ""  # the editor's raw reply (capped)
    violations: tuple[Violation, ...] = ()
    parent_validation: EvalSummary | None = None
    child_validation: EvalSummary | None = None
    parent_scores: tuple[float, ...] = ()  # every validation score of the parent, this one included
    parent_score: float | None = None  # their mean
    child_score: float | None = None
    decision: Decision
    reason: str
    core_hash: str
    gate: dict[str, JsonValue]  # the gate every evaluation of this iteration was scored under


def rebuild_population(entries: Sequence[AuditEntry]) -> dict[str, Candidate]:
    """The population an audit log describes (in birth order): the baseline's policy, plus every
    accepted child, each with all of its validation scores."""
    pop: dict[str, Candidate] = {}
    for e in entries:
        if e.decision == "baseline":
            pop.setdefault(e.parent_id, Candidate(e.parent, [], e.iteration)).scores[:] = list(
                e.parent_scores
            )
            continue
        if e.parent_id not in pop:
            raise RunStoreError(
                f"audit log iteration {e.iteration} names parent {e.parent_id}, which is not in the "
                "population; the log was edited or damaged. Restore it or start a new --out"
            )
        if e.parent_scores:
            pop[e.parent_id].scores[:] = list(e.parent_scores)
        if e.decision == "accepted" and e.child is not None and e.child_score is not None:
            pop[e.child.id] = Candidate(e.child, [e.child_score], e.iteration)
    return pop


class AuditLog:
    """Append-only JSONL, one fsync'd write per entry (the run store's own append); a partial last
    line (a crash) is ignored when read and moved aside to ``audit.jsonl.torn`` by the next append."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[AuditEntry]:
        return read_jsonl(self.path, AuditEntry)

    def append(self, entry: AuditEntry) -> None:
        append_line_to(self.path, entry.model_dump_json().encode() + b"\n")
