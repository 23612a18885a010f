"""The analyzer and editor roles: what they are sent and how the editor's reply is read.

Their prompts are package data (``gapforge/prompts/optimize_*.md``); their hashes go into
``optimizer.json``. Neither role can change the frozen core: the editor's reply is only a proposal,
screened by :func:`gapforge.optimize.screen.check_proposal` before anything runs.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from gapforge.config import RoleConfig, RunConfig
from gapforge.dataset.records import AttemptRecord, RoundRecord, Seed
from gapforge.errors import ConfigError
from gapforge.llm import Message, malformed
from gapforge.models import Verdict, content_hash
from gapforge.optimize.policy import Policy
from gapforge.prompts import OPTIMIZE_PROMPT_NAMES, load
from gapforge.prompts.feedback import analyst_detail

__all__ = [
    "editor_messages",
    "meta_prompt_hashes",
    "meta_role",
    "one_line",
    "parse_proposal",
    "training_digest",
]

_LINE_CAP = 300


def meta_prompt_hashes() -> dict[str, str]:
    """The analyzer's and editor's prompt hashes, keyed ``analyzer_system`` and so on."""
    return {name.removeprefix("optimize_"): content_hash(load(name), 12) for name in OPTIMIZE_PROMPT_NAMES}


def one_line(text: str, cap: int = _LINE_CAP) -> str:
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
        f'- seed "{one_line(topics.get(r.seed_id, r.seed_id), 80)}" round {r.round}: [{r.verdict.value}] '
        f'"{r.problem.title if r.problem else "(unparseable draft)"}": {one_line(r.reason)}'
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
            f"{result.status.value}: {one_line(analyst_detail(result))}"
        )
    more_rounds = f"\n(... {len(rejected) - max_rounds} more)" if len(rejected) > max_rounds else ""
    user = load("optimize_analyzer_user").format(
        policy_id=policy.id,
        policy_json=_policy_json(policy),
        n_seeds=len({r.seed_id for r in rounds}),
        rounds=len(rounds),
        accepted=counts.get(Verdict.ACCEPTED.value, 0),
        counts=", ".join(f"{v}={n}" for v, n in sorted(counts.items())) or "none",
        rejected="\n".join(rejected[:max_rounds]) + more_rounds or "(none)",
        failing="\n".join(failing_lines) or "(none)",
    )
    return [
        Message(role="system", content=load("optimize_analyzer_system")),
        Message(role="user", content=user),
    ]


def editor_messages(policy: Policy, analysis: str) -> list[Message]:
    user = load("optimize_editor_user").format(
        policy_id=policy.id, policy_json=_policy_json(policy), analysis=analysis
    )
    return [
        Message(role="system", content=load("optimize_editor_system")),
        Message(role="user", content=user),
    ]


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


def meta_role(cfg: RunConfig, role: Literal["analyzer", "editor"]) -> RoleConfig:
    rc: RoleConfig | None = getattr(cfg.roles, role)
    if rc is None:
        raise ConfigError(
            f"roles.{role}: missing; `gapforge optimize` needs [roles.analyzer] and [roles.editor] tables "
            "(base_url and model, like the other roles). Generation never calls them"
        )
    return rc
