"""Challenger policies: the part of the loop an optimizer may change.

A policy holds the challenger's extra instructions (``rules``, appended to the challenger prompt
under "Policy instructions:") and the orchestration knobs that only shape how the challenger
drafts (``challenger_temperature``). Nothing that decides acceptance is a field of this type: the
solver prompt, the gate and its thresholds, the sandbox, the limits, the validity checks, the
minimum test count and the mutation threshold simply do not exist here, so no policy — and no
optimizer editing one — can reach them. :mod:`gapforge.optimize.screen` additionally rejects
and logs any proposal that *names* them.

A policy's id is the content hash of what changes behaviour (rules and knobs); ``parent`` and
``note`` are lineage and commentary, so two routes to the same policy give the same id.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from gapforge.config import RunConfig
from gapforge.errors import ConfigError
from gapforge.models import content_hash

MAX_RULES = 20
MAX_RULE_CHARS = 300
POLICY_HEADING = "Policy instructions:"

# The knobs a policy may set, with the config field each one overrides; everything else in the
# run config is frozen for the optimizer.
KNOBS: tuple[str, ...] = ("challenger_temperature",)


class Policy(BaseModel):
    """Instructions appended to the challenger prompt, plus the challenger knobs a policy may set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[str, ...] = Field(default=(), max_length=MAX_RULES)
    # None: the run config's challenger temperature.
    challenger_temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    parent: str | None = None
    note: str = Field(default="", max_length=4000)

    @field_validator("rules")
    @classmethod
    def _rules(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(r.strip() for r in v)
        for r in cleaned:
            if not r:
                raise ValueError("a rule is empty; remove it")
            if len(r) > MAX_RULE_CHARS:
                raise ValueError(f"a rule has {len(r)} characters; keep each rule under {MAX_RULE_CHARS}")
            # A rule is one "- rule" line of the challenger prompt: a line break or a leading "[" could
            # forge the feedback block ("- [TOO EASY] ...") or end the policy block early.
            if any(ord(c) < 32 for c in r):
                raise ValueError(f"rule {r[:60]!r} contains a line break or control character; one line each")
            if r.startswith(("[", "-", "#")) or POLICY_HEADING.lower() in r.lower():
                raise ValueError(f"rule {r[:60]!r} looks like prompt structure, not an instruction")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("the same rule appears twice; keep one copy")
        return cleaned

    @property
    def behaviour(self) -> dict[str, JsonValue]:
        """What changes generation (the content the id hashes); knobs appear only when set."""
        data: dict[str, JsonValue] = {"rules": list(self.rules)}
        if self.challenger_temperature is not None:
            data["challenger_temperature"] = self.challenger_temperature
        return data

    @property
    def id(self) -> str:
        return "pol-" + content_hash(self.behaviour, 12)

    def apply(self, cfg: RunConfig) -> RunConfig:
        """The run config with this policy's knobs applied (rules travel separately, as prompt text)."""
        if self.challenger_temperature is None:
            return cfg
        challenger = cfg.roles.challenger.model_copy(update={"temperature": self.challenger_temperature})
        return cfg.model_copy(update={"roles": cfg.roles.model_copy(update={"challenger": challenger})})


class PolicyDiff(BaseModel):
    """What a child policy changes relative to its parent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    parent_id: str | None
    child_id: str
    added_rules: tuple[str, ...] = ()
    removed_rules: tuple[str, ...] = ()
    # knob name -> [parent value, child value]
    knobs: dict[str, tuple[JsonValue, JsonValue]] = Field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added_rules or self.removed_rules or self.knobs)

    def describe(self) -> str:
        parts = [f"added rule {r!r}" for r in self.added_rules]
        parts += [f"removed rule {r!r}" for r in self.removed_rules]
        parts += [f"{k} {old} -> {new}" for k, (old, new) in self.knobs.items()]
        return "; ".join(parts) or "no change"


def diff_policies(parent: Policy | None, child: Policy) -> PolicyDiff:
    base = parent or Policy()
    knobs: dict[str, tuple[JsonValue, JsonValue]] = {}
    for name in KNOBS:
        old, new = getattr(base, name), getattr(child, name)
        if old != new:
            knobs[name] = (old, new)
    return PolicyDiff(
        parent_id=parent.id if parent is not None else None,
        child_id=child.id,
        added_rules=tuple(r for r in child.rules if r not in base.rules),
        removed_rules=tuple(r for r in base.rules if r not in child.rules),
        knobs=knobs,
    )


def load_policy(path: str | Path) -> Policy:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"policy file {p} does not exist; write one with `gapforge optimize`") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"policy file {p} is not valid JSON ({exc}); it should come from `gapforge optimize`"
        ) from None
    try:
        return Policy.model_validate(data.get("policy", data) if isinstance(data, dict) else data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "(top level)"
        raise ConfigError(
            f"policy file {p}: {where}: {first['msg']}; a policy has `rules` (a list of one-line strings) "
            f"and optionally {', '.join(f'`{k}`' for k in KNOBS)}, `parent` and `note`"
        ) from None


def save_policy(policy: Policy, path: str | Path, *, meta: dict[str, Any] | None = None) -> None:
    """Write the policy file `gapforge generate --policy` reads; atomic, so a crash never leaves half."""
    p = Path(path)
    body = (meta or {}) | {"policy_id": policy.id, "policy": policy.model_dump(mode="json")}
    tmp = p.with_name(p.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(body, indent=2) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, p)
