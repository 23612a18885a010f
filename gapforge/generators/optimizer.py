"""The meta-optimizer: the loop improves its own challenger policy, without being able to cheat.

A population of challenger policies (:class:`~gapforge.generators.policy.Policy`) grows one
iteration at a time::

    parent  <- Boltzmann sample of the population, P ~ exp(score / T)       (T = 0.1 by default)
    train   <- the real loop (Generator + sandbox + gate) runs the parent on a minibatch of
               training seeds
    analysis<- the analyzer role reads the rejected rounds and the failing attempts
    proposal<- the editor role proposes a revised policy (JSON)
    check   <- the proposal is screened against the frozen core: rejected and logged when it names
               the solver prompt, the gate, thresholds, the sandbox, limits, validity checks, the
               minimum test count or the mutation threshold, or when a rule talks about the
               solvers, the gate or how strict the tests are
    validate<- parent (re-evaluated; its evaluations are averaged) and child run on held-out
               validation seeds
    decide  <- the child joins only when its validation score STRICTLY beats the parent's mean

Score = accepted problems per round (default) or per 1,000 tokens, always under the frozen gate:
the gate, the solver prompt and every acceptance check come from the run config and the package,
never from the policy (the policy type has no such fields) — :func:`frozen_core_hash` is recorded
with every evaluation and checked before each one.

Everything lands in ``OUT/audit.jsonl`` (one fsync'd line per iteration: parent, child and diff,
analysis, train and validation scores, decision and reason). The population is rebuilt from that
log, so a crashed run resumes at the first unfinished iteration. The best policy is kept in
``OUT/best_policy.json``, the file ``gapforge generate --policy`` reads.

Pure parts (tested without Docker): :func:`boltzmann_probabilities`, :func:`boltzmann_select`,
:func:`accept_child`, :func:`check_proposal`, :func:`screen_rule`, :func:`rebuild_population`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import math
import os
import random
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from gapforge import __version__
from gapforge.config import RoleConfig, RunConfig, validate_environment
from gapforge.dataset.records import AttemptRecord, RoundRecord, Seed, utcnow
from gapforge.dataset.store import BufferSink, RunStore
from gapforge.errors import ConfigError, GapforgeError, MalformedOutput, RunStoreError
from gapforge.generators.loop import Generator
from gapforge.generators.policy import KNOBS, Policy, PolicyDiff, diff_policies, save_policy
from gapforge.generators.run import role_models
from gapforge.llm import ChatModel, Message, OpenAIChatModel, complete_json, malformed
from gapforge.models import Verdict, content_hash
from gapforge.prompts import prompt_hashes
from gapforge.prompts.feedback import analyst_detail
from gapforge.sandbox import Sandbox, open_sandbox

SCHEMA_VERSION = 1
DEFAULT_TEMPERATURE = 0.1
# "Strictly beats": a child must win by more than float rounding, so equal averages never pass.
ACCEPT_EPS = 1e-9

ScoreMetric = Literal["per_round", "per_1k_tokens"]
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

AUDIT_FILE = "audit.jsonl"
STATE_FILE = "optimizer.json"
BEST_FILE = "best_policy.json"
_RAW_CAP = 8000
_LINE_CAP = 300


# =============================================================================================
# Pure functions: selection, acceptance, scores


def boltzmann_probabilities(scores: Sequence[float], temperature: float = DEFAULT_TEMPERATURE) -> list[float]:
    """P_i proportional to exp(score_i / T); sums to 1. T = 0 is the limit: the best, ties shared."""
    if not scores:
        raise ValueError("the population is empty: there is no candidate to select")
    if not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature}")
    if not all(math.isfinite(s) for s in scores):
        raise ValueError(f"scores must be finite numbers, got {list(scores)}")
    top = max(scores)
    if temperature == 0:
        n_best = sum(1 for s in scores if s == top)
        return [1.0 / n_best if s == top else 0.0 for s in scores]
    # Shifting by the maximum keeps exp() from overflowing at small T; the ratios are unchanged.
    weights = [math.exp((s - top) / temperature) for s in scores]
    total = math.fsum(weights)
    return [w / total for w in weights]


def boltzmann_select(scores: Sequence[float], temperature: float, rng: random.Random) -> int:
    """The index of the selected candidate (deterministic for a given ``rng`` state)."""
    probs = boltzmann_probabilities(scores, temperature)
    return rng.choices(range(len(probs)), weights=probs, k=1)[0]


def mean_score(scores: Sequence[float]) -> float:
    if not scores:
        raise ValueError("no evaluations to average")
    return math.fsum(scores) / len(scores)


@dataclass(frozen=True)
class Acceptance:
    """The acceptance rule's verdict for one child, with the numbers it compared."""

    accepted: bool
    parent_mean: float
    child_mean: float
    parent_evaluations: int
    child_evaluations: int
    reason: str


def accept_child(parent_scores: Sequence[float], child_scores: Sequence[float]) -> Acceptance:
    """The child joins only if the mean of its validation scores strictly beats the parent's mean
    (every re-evaluation of a candidate counts, averaged)."""
    p, c = mean_score(parent_scores), mean_score(child_scores)
    accepted = c > p + ACCEPT_EPS
    over = f"over {len(parent_scores)} evaluation{'s' if len(parent_scores) != 1 else ''}"
    if accepted:
        reason = f"child validation score {c:.4f} strictly beats the parent's mean {p:.4f} ({over})"
    elif abs(c - p) <= ACCEPT_EPS:
        reason = (
            f"child validation score {c:.4f} only ties the parent's mean {p:.4f} ({over}); ties never join"
        )
    else:
        reason = f"child validation score {c:.4f} is below the parent's mean {p:.4f} ({over})"
    return Acceptance(accepted, p, c, len(parent_scores), len(child_scores), reason)


def score_of(accepted: int, rounds: int, tokens: int, metric: ScoreMetric) -> float:
    """Accepted problems per round, or per 1,000 tokens; 0 when nothing was spent."""
    if metric == "per_round":
        return accepted / rounds if rounds else 0.0
    return accepted / (tokens / 1000.0) if tokens else 0.0


# =============================================================================================
# The frozen core


def frozen_core(cfg: RunConfig) -> dict[str, Any]:
    """Everything that decides acceptance; no policy can change any of it.

    The challenger's role is left out on purpose: its temperature is a policy knob and its
    prompt templates are hashed below (policy rules are inserted as text, never into a template).
    """
    roles = cfg.roles.configured()
    solvers = {
        role: rc.model_dump(
            mode="json", include={"model", "base_url", "temperature", "max_tokens", "samples"}
        )
        for role, rc in roles.items()
        if role != "challenger"
    }
    return {
        "gate": cfg.gate.model_dump(mode="json"),
        "sandbox_limits": cfg.sandbox.limits.model_dump(mode="json"),
        "loop": cfg.loop.model_dump(mode="json"),
        "solvers": solvers,
        "reviewer_enabled": cfg.reviewer_enabled,
        "prompts": prompt_hashes(),
    }


def frozen_core_hash(cfg: RunConfig) -> str:
    return content_hash(frozen_core(cfg), 16)


class Violation(BaseModel):
    """Why a proposal was refused: which field or rule, and what it tried to reach."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal[
        "frozen_core",  # names a frozen part (solver prompt, gate, sandbox, limits, validity, ...)
        "loosens_validity",  # fewer tests, a lower mutation threshold, fewer validity runs
        "rule_targets_frozen_core",  # a rule about the solvers, the gate, the sandbox or the scoring
        "rule_loosens_tests",  # a rule that asks for fewer or laxer tests
        "unknown_field",
        "invalid",
    ]
    field: str
    detail: str

    @property
    def frozen(self) -> bool:
        return self.kind not in ("unknown_field", "invalid")


_ALLOWED_KEYS = {"rules", *KNOBS}
_COMMENT_KEYS = {"rationale", "note", "reason", "explanation"}
_IGNORED_KEYS = {"parent", "id", "policy_id"}  # lineage is set by the optimizer, never by the editor

# Frozen-core vocabulary, matched against normalised key names anywhere in a proposal.
_FROZEN_KEY_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), what)
    for p, what in (
        (r"solver|weak|strong", "the solvers (their prompt, models and sampling)"),
        (r"prompt|system|template|message", "the prompt templates"),
        (
            r"gate|threshold|gap|mean|pass_?rate|preset|accept|verdict|decision",
            "the gap gate and its thresholds",
        ),
        (
            r"sandbox|limit|cpu|memory|wall|timeout|image|network|backend|docker|container",
            "the sandbox and its limits",
        ),
        (r"valid|test|mutation|mutant|flaky|trivial|reference|check", "the validity checks"),
        (r"review", "the reviewer"),
        (r"score|metric|reward|budget|round|sample|seed|^k$", "the scoring and the evaluation budget"),
    )
)
# Validity settings where a smaller number is laxer.
_STRICTER_IS_HIGHER = ("min_tests", "mutation_threshold", "validity_runs", "max_mutants")

RuleViolationKind = Literal["rule_targets_frozen_core", "rule_loosens_tests"]


@dataclass(frozen=True)
class _Screen:
    pattern: re.Pattern[str]
    kind: RuleViolationKind
    what: str


def _screen(pattern: str, kind: RuleViolationKind, what: str) -> _Screen:
    return _Screen(re.compile(pattern, re.IGNORECASE), kind, what)


# A screen, not the guarantee (the gate cannot be reached whatever a rule says): it keeps rules from
# talking to the solvers through the statement, or from steering the tests toward lax ones.
_RULE_SCREENS: tuple[_Screen, ...] = (
    _screen(
        r"\bsolv(?:er|ers|ing (?:model|agent)s?)\b", "rule_targets_frozen_core", "instructs about the solvers"
    ),
    _screen(
        r"\b(?:weak|strong)(?:er|est)?\s+(?:model|solver|side|programmer|llm|agent|one|attempt)s?\b",
        "rule_targets_frozen_core",
        "instructs about the solvers",
    ),
    _screen(
        r"\b(?:llm|language model|ai model|assistant|gpt)s?\b",
        "rule_targets_frozen_core",
        "instructs about the solvers",
    ),
    _screen(
        r"\b(?:ignore|disregard|override)\b.{0,30}\b(?:instruction|requirement|rule|prompt|above|previous)s?\b",
        "rule_targets_frozen_core",
        "tries to override the prompt",
    ),
    _screen(r"\bprompt", "rule_targets_frozen_core", "talks about prompts"),
    _screen(
        r"\b(?:gate|threshold|pass[ -]?rate|gap|grader|grading|scor(?:e|es|ing)|reward|verdict|reviewer)s?\b",
        "rule_targets_frozen_core",
        "instructs about the gate or the scoring",
    ),
    _screen(
        r"\b(?:sandbox|docker|container|harness)s?\b",
        "rule_targets_frozen_core",
        "instructs about the sandbox",
    ),
    _screen(
        r"\bmuta(?:tion|tions|ted|nt|nts)\b",
        "rule_targets_frozen_core",
        "instructs about the validity checks",
    ),
    _screen(
        r"\b(?:fewer|less|least|minimal|minimum|only\s+(?:one|two|three|four|a few|\d+)|lenient|loose|looser|"
        r"loosen|relax(?:ed)?|weak(?:er|en)?|skip|omit|drop|remove|no|without|trivial|easy to pass)\b"
        r"[^.;]{0,40}\b(?:tests?|test cases?|asserts?|assertions?|checks?)\b",
        "rule_loosens_tests",
        "asks for fewer or laxer tests",
    ),
    _screen(
        r"\b(?:tests?|test cases?|asserts?|assertions?|checks?)\b[^.;]{0,40}\b(?:lenient|loose|looser|"
        r"less strict|not strict|optional|tolerant|approximate|easy to pass|pass anything|always pass)\b",
        "rule_loosens_tests",
        "asks for fewer or laxer tests",
    ),
    _screen(
        r"\b(?:tolerance|approximately equal)\b", "rule_loosens_tests", "asks for laxer output comparison"
    ),
)


def screen_rule(rule: str) -> list[Violation]:
    """Why a rule may not be part of a policy: it talks to or about the frozen core."""
    out: list[Violation] = []
    seen: set[str] = set()
    for sc in _RULE_SCREENS:
        m = sc.pattern.search(rule)
        kind, what = sc.kind, sc.what
        if m and what not in seen:
            seen.add(what)
            out.append(
                Violation(kind=kind, field="rules", detail=f"rule {rule[:120]!r} {what} ({m.group(0)!r})")
            )
    return out


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def _leaves(value: object, path: str) -> Iterator[tuple[str, object]]:
    if isinstance(value, Mapping) and value:
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(value, list) and any(isinstance(v, Mapping | list) for v in value):
        # a hack may hide in a list of changes: [{"gate": {...}}]
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}.{i}")
    else:
        yield path, value


def _lookup(cfg_data: Mapping[str, Any], path: str) -> object:
    node: object = cfg_data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _classify(path: str, value: object, cfg: RunConfig) -> Violation:
    segments = [_norm(p) for p in path.split(".")]
    what = next((w for seg in segments for p, w in _FROZEN_KEY_WORDS if p.search(seg)), None)
    if what is None:
        allowed = ", ".join(sorted(_ALLOWED_KEYS))
        return Violation(
            kind="unknown_field", field=path, detail=f"{path} is not a policy field (a policy has: {allowed})"
        )
    leaf = segments[-1]
    cfg_data = cfg.model_dump(mode="json")
    current = _lookup(cfg_data, path)
    for section in ("loop", "gate"):
        # a bare "min_tests" or "min_gap" means the loop's or the gate's setting of that name
        if current is None and isinstance(cfg_data.get(section), Mapping):
            current = cfg_data[section].get(leaf)
    shown = json.dumps(value)[:120]
    if (
        leaf in _STRICTER_IS_HIGHER
        and isinstance(value, int | float)
        and isinstance(current, int | float)
        and value < current
    ):
        return Violation(
            kind="loosens_validity",
            field=path,
            detail=f"{path} {current} -> {shown} loosens validity ({what} are frozen)",
        )
    now = f" (currently {json.dumps(current)[:80]})" if current is not None else ""
    return Violation(
        kind="frozen_core", field=path, detail=f"{path} = {shown}{now} touches {what}, which is frozen"
    )


@dataclass(frozen=True)
class ProposalCheck:
    """The screened proposal: a child policy, or the reasons it was refused."""

    policy: Policy | None
    violations: tuple[Violation, ...]
    rationale: str = ""

    @property
    def ok(self) -> bool:
        return self.policy is not None and not self.violations

    @property
    def touches_frozen_core(self) -> bool:
        return any(v.frozen for v in self.violations)


def check_proposal(raw: Mapping[str, object], *, parent: Policy, cfg: RunConfig) -> ProposalCheck:
    """Screen an editor's proposal. Any key naming the frozen core, or any rule that talks about the
    solvers, the gate or the tests' strictness, refuses the WHOLE proposal (no partial salvage)."""
    data: Mapping[str, object] = raw
    inner = raw.get("policy")
    if isinstance(inner, Mapping):
        data = {**{k: v for k, v in raw.items() if k != "policy"}, **inner}
    violations: list[Violation] = []
    rationale = ""
    fields: dict[str, object] = {}
    for key, value in data.items():
        nkey = _norm(str(key))
        if nkey in _ALLOWED_KEYS:
            fields[nkey] = value
        elif nkey in _COMMENT_KEYS:
            rationale = (rationale + " " + str(value)).strip()
        elif nkey not in _IGNORED_KEYS:
            violations += [_classify(path, v, cfg) for path, v in _leaves(value, str(key))]
    rules_raw = fields.get("rules", list(parent.rules))
    if not isinstance(rules_raw, list | tuple) or not all(isinstance(r, str) for r in rules_raw):
        violations.append(Violation(kind="invalid", field="rules", detail="rules must be a list of strings"))
        rules: list[str] = []
    else:
        rules = [r.strip() for r in rules_raw]
    for rule in rules:
        violations += screen_rule(rule)
    knobs = {k: fields[k] for k in KNOBS if k in fields}
    policy: Policy | None = None
    try:
        policy = Policy.model_validate(
            {"rules": rules, **knobs, "parent": parent.id, "note": rationale[:4000]}
        )
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"]) or "policy"
            violations.append(Violation(kind="invalid", field=where, detail=f"{where}: {err['msg']}"))
    return ProposalCheck(
        policy=None if violations else policy, violations=tuple(violations), rationale=rationale
    )


# =============================================================================================
# Audit log and population


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


@dataclass
class Candidate:
    """A member of the population and every validation score it has received."""

    policy: Policy
    scores: list[float] = field(default_factory=list)
    born: int = 0

    @property
    def id(self) -> str:
        return self.policy.id

    @property
    def score(self) -> float:
        return mean_score(self.scores)


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


def best_candidate(pop: Mapping[str, Candidate]) -> Candidate:
    """Highest mean validation score; the earliest born wins a tie."""
    return max(pop.values(), key=lambda c: (c.score, -c.born))


class AuditLog:
    """Append-only JSONL, one fsync'd write per entry; a partial last line (a crash) is dropped."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[AuditEntry]:
        if not self.path.exists():
            return []
        lines = self.path.read_bytes().split(b"\n")
        out: list[AuditEntry] = []
        for no, line in enumerate(lines, 1):
            if not line.strip():
                continue
            last = no == len(lines)  # no trailing newline: the write a crash interrupted
            try:
                out.append(AuditEntry.model_validate_json(line))
            except ValidationError as exc:
                if last:
                    break
                raise RunStoreError(
                    f"{self.path}:{no} is corrupt ({exc.errors()[0]['msg']}); move that line aside or "
                    "restore the file, then rerun"
                ) from exc
        return out

    def append(self, entry: AuditEntry) -> None:
        data = self.path.read_bytes() if self.path.exists() else b""
        with open(self.path, "ab") as fh:
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)  # drop a crash's partial line before appending
            fh.write(entry.model_dump_json().encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())


# =============================================================================================
# Prompts for the analyzer and editor roles (their hashes go into optimizer.json)

ANALYZER_SYSTEM = """You are the analyst of a coding-problem generation pipeline. A challenger model
writes problems; each draft passes static checks and validity checks in a sandbox, then a weaker
and a stronger solver attempt it, and a fixed gate keeps only problems the strong solver solves and
the weak one does not. You read what happened to one batch of drafts and explain the root causes
of the rejected rounds and the failing attempts, and what the challenger's instructions could
change to get more accepted problems. The solvers, the gate, the sandbox and the tests' strictness
are fixed; do not suggest changing them."""

ANALYZER_USER = """Challenger policy under test ({policy_id}): {policy_json}

Training batch: {n_seeds} seeds, {rounds} rounds, {accepted} accepted.
Verdict counts: {counts}

Rejected rounds:
{rejected}

Failing solver attempts (excerpts):
{failing}

Write a root-cause analysis in at most 300 words: the main reasons rounds were rejected, with
evidence from above, and the change to the challenger's instructions most likely to help."""

EDITOR_SYSTEM = """You revise the instructions of a challenger model that writes coding problems
for a training-data pipeline. You may change exactly two things: `rules` (one-line instructions
appended to the challenger's prompt; at most 20, each under 300 characters) and
`challenger_temperature` (a number from 0 to 2, or null for the configured value). Everything else
is fixed and outside your reach: the solver prompt, the gate and its thresholds, the sandbox, the
limits, the validity checks, the minimum number of tests and the mutation threshold. A proposal
that names any of them, or a rule that talks about the solvers, the gate or how strict the tests
are, is rejected."""

EDITOR_USER = """Current policy ({policy_id}): {policy_json}

Root-cause analysis of its last training batch:
<<<
{analysis}
>>>

Propose ONE revised policy that should get more problems accepted. Answer with a single JSON
object and nothing else:
{{"rules": [str], "challenger_temperature": number | null, "rationale": str}}"""


def meta_prompt_hashes() -> dict[str, str]:
    return {
        name: content_hash(text, 12)
        for name, text in (
            ("analyzer_system", ANALYZER_SYSTEM),
            ("analyzer_user", ANALYZER_USER),
            ("editor_system", EDITOR_SYSTEM),
            ("editor_user", EDITOR_USER),
        )
    }


def _one_line(text: str, cap: int = _LINE_CAP) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= cap else flat[: cap - 1] + "…"


def _policy_json(policy: Policy) -> str:
    return json.dumps(
        {
            "rules": list(policy.rules),
            "challenger_temperature": policy.challenger_temperature,
            "note": policy.note,
        }
    )


def training_digest(
    records: Sequence[tuple[str, BaseModel]],
    policy: Policy,
    seeds: Sequence[Seed],
    *,
    max_rounds: int = 40,
    max_attempts: int = 12,
) -> list[Message]:
    """The analyzer's request: the rejected rounds and the failing attempts of one training run."""
    topics = {s.id: s.topic for s in seeds}
    rounds = [r for t, r in records if t == "rounds" and isinstance(r, RoundRecord)]
    attempts = [a for t, a in records if t == "attempts" and isinstance(a, AttemptRecord)]
    counts = Counter(r.verdict.value for r in rounds)
    titles = {r.problem_id: r.problem.title for r in rounds if r.problem is not None and r.problem_id}
    rejected = [
        f'- seed "{_one_line(topics.get(r.seed_id, r.seed_id), 80)}" round {r.round}: [{r.verdict.value}] '
        f'"{r.problem.title if r.problem else "(unparseable draft)"}": {_one_line(r.reason)}'
        for r in rounds
        if r.verdict is not Verdict.ACCEPTED
    ]
    failing = [
        a
        for a in attempts
        if a.attempt.turn == 0
        and a.attempt.measured
        and a.attempt.score == 0.0
        and a.attempt.result is not None
    ]
    failing.sort(key=lambda a: (a.attempt.role != "strong", a.seed_id, a.round, a.attempt.sample))
    failing_lines = []
    for a in failing[:max_attempts]:
        att, result = a.attempt, a.attempt.result
        assert result is not None
        failing_lines.append(
            f'- "{titles.get(att.problem_id, att.problem_id)}" {att.role} sample {att.sample}: '
            f"{result.status.value}: {_one_line(analyst_detail(result))}"
        )
    more_rounds = f"\n(... {len(rejected) - max_rounds} more)" if len(rejected) > max_rounds else ""
    user = ANALYZER_USER.format(
        policy_id=policy.id,
        policy_json=_policy_json(policy),
        n_seeds=len({r.seed_id for r in rounds}),
        rounds=len(rounds),
        accepted=counts.get(Verdict.ACCEPTED.value, 0),
        counts=", ".join(f"{v}={n}" for v, n in sorted(counts.items())) or "none",
        rejected="\n".join(rejected[:max_rounds]) + more_rounds or "(none)",
        failing="\n".join(failing_lines) or "(none)",
    )
    return [Message(role="system", content=ANALYZER_SYSTEM), Message(role="user", content=user)]


def editor_messages(policy: Policy, analysis: str) -> list[Message]:
    user = EDITOR_USER.format(policy_id=policy.id, policy_json=_policy_json(policy), analysis=analysis)
    return [Message(role="system", content=EDITOR_SYSTEM), Message(role="user", content=user)]


_FENCE = re.compile(r"```[a-zA-Z]*\n(.*?)```", re.DOTALL)


def parse_proposal(text: str) -> dict[str, Any]:
    """The editor's JSON object (not yet screened); MalformedOutput when there is none."""
    body = re.sub(r"<think>.*?</think>", "", text, flags=re.DOTALL).strip()
    for cand in [*reversed(_FENCE.findall(body)), body]:
        start, end = cand.find("{"), cand.rfind("}")
        if start < 0 or end < start:
            continue
        try:
            obj = json.loads(cand[start : end + 1])
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    raise malformed(
        'no JSON object in the reply; answer with {"rules": [...], "challenger_temperature": ..., '
        '"rationale": "..."}',
        text,
    )


# =============================================================================================
# The optimizer


class OptimizerSettings(BaseModel):
    """How the search runs (none of it reaches the frozen core)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    iterations: int = Field(default=10, ge=0, le=100_000)  # total, counting earlier (resumed) ones
    temperature: float = Field(default=DEFAULT_TEMPERATURE, ge=0.0, le=1e6)
    minibatch: int = Field(default=4, ge=1, le=100_000)
    metric: ScoreMetric = "per_round"
    reevaluate_parent: bool = True
    seed: int = 0
    concurrency: int = Field(default=4, ge=1, le=4096)
    keep_records: bool = True  # each evaluation's records as a run dir under OUT/evals/
    # Whole-evaluation reruns when a seed stops on an endpoint or sandbox failure (never scored).
    infra_retries: int = Field(default=1, ge=0, le=10)


def split_seeds(
    seeds: Sequence[Seed], n_train: int, n_validation: int, *, salt: int = 0
) -> tuple[list[Seed], list[Seed]]:
    """A deterministic train/validation split (by content hash, so it does not depend on order)."""
    if n_train < 1 or n_validation < 1:
        raise ConfigError("the optimizer needs at least one training and one validation seed")
    unique = list({s.id: s for s in seeds}.values())
    if len(unique) < n_train + n_validation:
        raise ConfigError(
            f"{n_train} training + {n_validation} validation seeds requested but the config yields only "
            f"{len(unique)} distinct seeds; lower --train/--validation or add seeds"
        )
    ranked = sorted(unique, key=lambda s: content_hash(["split", salt, s.id]))
    return ranked[n_validation : n_validation + n_train], ranked[:n_validation]


@dataclass
class OptimizeResult:
    best: Candidate
    start: Candidate
    entries: list[AuditEntry]
    out: Path

    @property
    def improved(self) -> bool:
        return self.best.id != self.start.id and self.best.score > self.start.score + ACCEPT_EPS


class Optimizer:
    """Runs (or resumes) one optimization in ``out``. Use :func:`optimize` for the whole thing."""

    def __init__(
        self,
        cfg: RunConfig,
        train: Sequence[Seed],
        validation: Sequence[Seed],
        out: str | Path,
        *,
        settings: OptimizerSettings | None = None,
        start: Policy | None = None,
        sandbox: Sandbox,
        analyzer: ChatModel,
        editor: ChatModel,
        on_entry: Callable[[AuditEntry], None] | None = None,
    ) -> None:
        if not train or not validation:
            raise ConfigError("the optimizer needs at least one training and one validation seed")
        overlap = {s.id for s in train} & {s.id for s in validation}
        if overlap:
            raise ConfigError(
                f"{len(overlap)} seed(s) are both training and validation seeds; validation must be held out"
            )
        self.cfg = cfg
        self.gate = cfg.gate  # the one gate every evaluation is scored under
        self.core_hash = frozen_core_hash(cfg)
        self.train = list(train)
        self.validation = list(validation)
        self.out = Path(out)
        self.settings = settings or OptimizerSettings()
        self.start = (start or Policy()).model_copy(update={"parent": None})
        self._start_given = start is not None  # a resume without one continues from the recorded start
        self.sandbox = sandbox
        self.analyzer = analyzer
        self.editor = editor
        self._on_entry = on_entry or (lambda _e: None)
        self.log = AuditLog(self.out / AUDIT_FILE)
        self.population: dict[str, Candidate] = {}
        self.entries: list[AuditEntry] = []
        self.run_id = ""

    # ------------------------------------------------------------------ state

    def _state(self) -> dict[str, Any]:
        return {
            "core_hash": self.core_hash,
            "config_hash": self.cfg.config_hash,
            "metric": self.settings.metric,
            "train": [s.id for s in self.train],
            "validation": [s.id for s in self.validation],
            "start_policy": self.start.id,
        }

    def _open_state(self) -> None:
        path = self.out / STATE_FILE
        want = self._state()
        if path.exists():
            try:
                have = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise RunStoreError(
                    f"{path} is corrupt ({exc}); choose another --out or move it aside"
                ) from exc
            if not self._start_given and isinstance(have.get("start"), dict):
                self.start = Policy.model_validate(have["start"])
                want["start_policy"] = self.start.id
            diffs = [k for k, v in want.items() if have.get(k) != v]
            if diffs:
                raise RunStoreError(
                    f"{self.out} holds an optimization with another {', '.join(diffs)}; resume it with the "
                    "same config, seeds, metric and start policy, or choose another --out"
                )
            self.run_id = str(have["run_id"])
            return
        self.run_id = "opt-" + secrets.token_hex(6)
        state = want | {
            "run_id": self.run_id,
            "gapforge_version": __version__,
            "created_at": utcnow(),
            "start": self.start.model_dump(mode="json"),
            "frozen_core": frozen_core(self.cfg),
            "meta_prompt_hashes": meta_prompt_hashes(),
        }
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state, fh, indent=2, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.out.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunStoreError(
                    f"{self.out} is in use by another gapforge optimize; wait for it or choose another --out"
                ) from None
            yield
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ the run

    async def run(self) -> OptimizeResult:
        with self._locked():
            self._open_state()
            self.entries = self.log.read()
            for e in self.entries:
                if e.core_hash != self.core_hash:
                    raise RunStoreError(
                        f"{self.log.path}: iteration {e.iteration} was scored under another frozen core "
                        f"({e.core_hash}, now {self.core_hash}); resume with the original config or use a new --out"
                    )
            self.population = rebuild_population(self.entries)
            if not self.entries:
                await self._record(await self._baseline())
            done = self.entries[-1].iteration
            for i in range(done + 1, self.settings.iterations + 1):
                await self._record(await self._iteration(i))
            start = self.population[self.start.id]
            return OptimizeResult(best_candidate(self.population), start, list(self.entries), self.out)

    async def _record(self, entry: AuditEntry) -> None:
        if entry.core_hash != self.core_hash or self.cfg.gate != self.gate:
            raise GapforgeError(
                "internal error: the frozen core changed during optimization; nothing was logged"
            )
        self.log.append(entry)
        self.entries.append(entry)
        self.population = rebuild_population(self.entries)
        best = best_candidate(self.population)
        save_policy(
            best.policy,
            self.out / BEST_FILE,
            meta={
                "validation_score": best.score,
                "validation_evaluations": len(best.scores),
                "metric": self.settings.metric,
                "born_in_iteration": best.born,
                "start_policy_id": self.start.id,
                "start_score": self.population[self.start.id].score,
                "written_after_iteration": entry.iteration,
                "optimizer_run_id": self.run_id,
            },
        )
        self._on_entry(entry)

    def _entry(self, i: int, started: str, parent: Policy, **fields: Any) -> AuditEntry:
        return AuditEntry(
            iteration=i,
            started_at=started,
            temperature=self.settings.temperature,
            parent_id=parent.id,
            parent=parent,
            core_hash=self.core_hash,
            gate=self.gate.model_dump(mode="json"),
            **fields,
        )

    async def _baseline(self) -> AuditEntry:
        started = utcnow()
        ev = await self._evaluate(self.start, self.validation, name="it0000-baseline", purpose="baseline")
        return self._entry(
            0, started, self.start, parent_validation=ev, parent_scores=(ev.score,), parent_score=ev.score,
            decision="baseline", reason=f"starting policy's validation score {ev.line()}",
        )  # fmt: skip

    def _rng(self, i: int) -> random.Random:
        return random.Random(int(content_hash(["gapforge-optimize", self.settings.seed, i], 16), 16))

    async def _iteration(self, i: int) -> AuditEntry:
        started = utcnow()
        rng = self._rng(i)
        cands = list(self.population.values())
        probs = boltzmann_probabilities([c.score for c in cands], self.settings.temperature)
        parent = cands[boltzmann_select([c.score for c in cands], self.settings.temperature, rng)]
        selection = {c.id: p for c, p in zip(cands, probs, strict=True)}
        k = min(self.settings.minibatch, len(self.train))
        picked = {s.id for s in rng.sample(self.train, k)}
        minibatch = [s for s in self.train if s.id in picked]
        tag = f"it{i:04d}"

        train_ev, sink = await self._evaluate_with_records(
            parent.policy, minibatch, name=f"{tag}-train", purpose="train"
        )
        analysis_text = await self._analyze(parent.policy, sink.records, minibatch, i)
        base = {"selection": selection, "train": train_ev, "analysis": analysis_text}

        try:
            proposal = await complete_json(
                self.editor, editor_messages(parent.policy, analysis_text), parse_proposal, attempts=2,
                seed=self.settings.seed * 1009 + i,
            )  # fmt: skip
        except MalformedOutput as exc:
            return self._entry(
                i, started, parent.policy, **base, proposal=exc.raw[:_RAW_CAP], decision="rejected_invalid",
                reason=f"the editor's reply held no usable policy: {exc}",
            )  # fmt: skip
        raw = json.dumps(proposal)[:_RAW_CAP]
        check = check_proposal(proposal, parent=parent.policy, cfg=self.cfg)
        if not check.ok:
            frozen = check.touches_frozen_core
            kinds = sorted({v.kind for v in check.violations})
            return self._entry(
                i, started, parent.policy, **base, proposal=raw, violations=check.violations,
                decision="rejected_frozen_core" if frozen else "rejected_invalid",
                reason=(
                    f"proposal refused before any evaluation ({', '.join(kinds)}): "
                    + "; ".join(v.detail for v in check.violations[:6])
                ),
            )  # fmt: skip
        child = check.policy
        assert child is not None
        diff = diff_policies(parent.policy, child)
        base |= {"proposal": raw, "child_id": child.id, "child": child, "diff": diff}
        if diff.empty:
            return self._entry(
                i, started, parent.policy, **base, decision="rejected_no_change",
                reason="the proposal equals its parent; nothing to evaluate",
            )  # fmt: skip
        if child.id in self.population:
            return self._entry(
                i, started, parent.policy, **base, decision="rejected_duplicate",
                reason=f"the proposal is {child.id}, already in the population",
            )  # fmt: skip

        # Parent and child on the same validation seeds, side by side; a failure cancels both.
        async with asyncio.TaskGroup() as tg:
            child_job = tg.create_task(
                self._evaluate(child, self.validation, name=f"{tag}-child", purpose="child")
            )
            parent_job = (
                tg.create_task(
                    self._evaluate(parent.policy, self.validation, name=f"{tag}-parent", purpose="parent")
                )
                if self.settings.reevaluate_parent
                else None
            )
        child_ev = child_job.result()
        parent_ev = parent_job.result() if parent_job is not None else None
        parent_scores = [*parent.scores, *([parent_ev.score] if parent_ev else [])]
        verdict = accept_child(parent_scores, [child_ev.score])
        reason = (
            f"{verdict.reason}; change: {diff.describe()}; "
            f"child {child_ev.line()} vs parent {'now ' + parent_ev.line() if parent_ev else 'earlier evaluations'}"
        )
        if verdict.accepted and check.rationale:
            reason += f"; editor's rationale: {_one_line(check.rationale, 200)}"
        return self._entry(
            i, started, parent.policy, **base, parent_validation=parent_ev, child_validation=child_ev,
            parent_scores=tuple(parent_scores), parent_score=verdict.parent_mean, child_score=verdict.child_mean,
            decision="accepted" if verdict.accepted else "rejected_not_better", reason=reason,
        )  # fmt: skip

    async def _analyze(
        self, policy: Policy, records: Sequence[tuple[str, BaseModel]], seeds: Sequence[Seed], i: int
    ) -> str:
        msgs = training_digest(records, policy, seeds)
        completion = await self.analyzer.complete(msgs, seed=self.settings.seed * 1009 + i)
        return completion.text.strip()[:_RAW_CAP]

    # ------------------------------------------------------------------ evaluation

    async def _evaluate(
        self, policy: Policy, seeds: Sequence[Seed], *, name: str, purpose: Purpose
    ) -> EvalSummary:
        summary, _ = await self._evaluate_with_records(policy, seeds, name=name, purpose=purpose)
        return summary

    async def _evaluate_with_records(
        self, policy: Policy, seeds: Sequence[Seed], *, name: str, purpose: Purpose
    ) -> tuple[EvalSummary, BufferSink]:
        """Run the real loop for ``policy`` on ``seeds`` under the frozen core; score it."""
        cfg = policy.apply(self.cfg)
        core = frozen_core_hash(cfg)
        if core != self.core_hash or cfg.gate != self.gate:
            # Cannot happen: a Policy has no field that reaches the core. Checked anyway, before any work.
            raise GapforgeError(
                f"internal error: policy {policy.id} changed the frozen core; refusing to score it"
            )
        t0 = time.monotonic()
        store: RunStore | None = None
        run_dir: Path | None = None
        if self.settings.keep_records:
            run_dir = self.out / "evals" / name
            store = RunStore.open(run_dir, config_hash=cfg.config_hash, config=cfg.model_dump(mode="json"))
        try:
            for attempt in range(self.settings.infra_retries + 1):
                # A fresh buffer per attempt: only a complete, infrastructure-clean run is scored and kept.
                sink = (
                    BufferSink(store.run_id, store.epoch)
                    if store is not None
                    else BufferSink(f"{self.run_id}-{name}", 1)
                )
                async with role_models(cfg) as (models, meters):
                    gen = Generator(
                        cfg, models, self.sandbox, sink, policy_rules=policy.rules, policy_id=policy.id
                    )
                    stats = await gen.run(list(seeds), concurrency=self.settings.concurrency)
                    tokens = sum(m.meter.snapshot().total_tokens for m in meters)
                if not stats.seeds_failed:
                    break
                if attempt == self.settings.infra_retries:
                    raise GapforgeError(
                        f"evaluation {name} of {policy.id}: {stats.seeds_failed} seed(s) stopped on "
                        f"infrastructure errors {self.settings.infra_retries + 1} time(s) "
                        f"({'; '.join(stats.errors[:3])}); an infrastructure failure is never a score. "
                        "Fix the endpoint or sandbox and rerun the same command to resume"
                    )
            if store is not None:
                # Not drain_into(): the analyzer still needs the records after they are stored.
                for table, record in sink.records:
                    store.append(table, record)
                store.meta["policy"] = {"policy_id": policy.id, "policy": policy.model_dump(mode="json")}
        finally:
            if store is not None:
                store.close()
        return (
            EvalSummary(
                name=name,
                purpose=purpose,
                policy_id=policy.id,
                seeds=tuple(s.id for s in seeds),
                accepted=stats.accepted,
                rounds=stats.rounds,
                tokens=tokens,
                verdicts=dict(stats.verdicts),
                metric=self.settings.metric,
                score=score_of(stats.accepted, stats.rounds, tokens, self.settings.metric),
                config_hash=cfg.config_hash,
                core_hash=core,
                wall_s=round(time.monotonic() - t0, 3),
                run_dir=str(run_dir.relative_to(self.out)) if run_dir is not None else None,
                run_epoch=store.epoch if store is not None else None,
            ),
            sink,
        )


# =============================================================================================
# Wiring: config -> sandbox, analyzer and editor models -> Optimizer


def meta_role(cfg: RunConfig, role: Literal["analyzer", "editor"]) -> RoleConfig:
    rc: RoleConfig | None = getattr(cfg.roles, role)
    if rc is None:
        raise ConfigError(
            f"roles.{role}: missing; `gapforge optimize` needs [roles.analyzer] and [roles.editor] tables "
            "(base_url and model, like the other roles). Generation never calls them"
        )
    return rc


async def optimize(
    cfg: RunConfig,
    train: Sequence[Seed],
    validation: Sequence[Seed],
    out: str | Path,
    *,
    settings: OptimizerSettings | None = None,
    start: Policy | None = None,
    sandbox: Sandbox | None = None,
    on_entry: Callable[[AuditEntry], None] | None = None,
) -> OptimizeResult:
    """Run (or resume) an optimization into ``out``. Configuration problems raise before any work.

    ``sandbox``: an entered sandbox to use (it stays open); by default one is opened from the config.
    """
    validate_environment(cfg)
    roles = {name: meta_role(cfg, name) for name in ("analyzer", "editor")}
    env_missing = [
        f"roles.{n}.api_key_env: {rc.api_key_env} is not set"
        for n, rc in roles.items()
        if rc.api_key_env is not None and rc.api_key() is None
    ]
    if env_missing:
        raise ConfigError("missing API keys: " + "; ".join(env_missing))
    async with contextlib.AsyncExitStack() as stack:
        if sandbox is None:
            sandbox = await stack.enter_async_context(
                open_sandbox(
                    cfg.sandbox.backend,
                    limits=cfg.sandbox.limits,
                    max_concurrency=cfg.sandbox.max_concurrency,
                    run_id="opt-" + secrets.token_hex(4),
                )
            )
        analyzer = await stack.enter_async_context(OpenAIChatModel("analyzer", roles["analyzer"]))
        editor = await stack.enter_async_context(OpenAIChatModel("editor", roles["editor"]))
        opt = Optimizer(
            cfg, train, validation, out, settings=settings, start=start, sandbox=sandbox,
            analyzer=analyzer, editor=editor, on_entry=on_entry,
        )  # fmt: skip
        return await opt.run()
