"""The frozen core and the screen every editor proposal passes before anything runs.

The frozen core (:func:`frozen_core`) is everything that decides acceptance: the gate, the sandbox
limits, the loop's validity settings, the solvers and the generation prompts. A policy has no field
that reaches it; :func:`frozen_core_hash` is recorded with every evaluation and checked before each
one anyway. :func:`check_proposal` refuses, as a whole, any proposal that *names* the core, loosens
validity, or carries a rule that talks about the solvers, the gate or how strict the tests are
(:func:`screen_rule`). Pure: tested without Docker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from gapforge.config import RunConfig
from gapforge.models import content_hash
from gapforge.optimize.policy import KNOBS, Policy
from gapforge.prompts import prompt_hashes

__all__ = [
    "ProposalCheck",
    "RuleViolationKind",
    "Violation",
    "check_proposal",
    "frozen_core",
    "frozen_core_hash",
    "screen_rule",
]


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
