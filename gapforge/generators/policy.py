"""Challenger policies: the part of the loop an optimizer may change.

A policy holds the challenger's extra instructions and nothing else that decides acceptance: the
solver prompt, the gate and its thresholds, the sandbox, the limits and the validity checks are
not fields of this type at all, so no policy can touch them.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gapforge.errors import ConfigError
from gapforge.models import content_hash


class Policy(BaseModel):
    """Instructions appended to the challenger prompt (under "Policy instructions:")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[str, ...] = Field(default=(), max_length=20)
    parent: str | None = None
    note: str = ""

    @property
    def id(self) -> str:
        return "pol-" + content_hash({"rules": list(self.rules)}, 12)


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
            f"policy file {p}: {where}: {first['msg']}; a policy has only `rules` (a list of strings)"
        ) from None


def save_policy(policy: Policy, path: str | Path) -> None:
    Path(path).write_text(
        json.dumps({"policy_id": policy.id, "policy": policy.model_dump(mode="json")}, indent=2) + "\n"
    )
