"""The demo server's scripted optimizer roles: ``demo-analyzer`` and ``demo-editor``.

Pure functions from a chat request to a completion text, like :mod:`gapforge.demo.script`, so the
optimizer (:mod:`gapforge.optimize`) can run offline against real HTTP.

* ``demo-analyzer`` reads the ``Verdict counts:`` line of the optimizer's analysis request and
  writes a root-cause analysis naming the dominant rejection cause (``Dominant cause: too easy``)
  and the challenger instruction that addresses it.
* ``demo-editor`` reads the current policy (the JSON after ``Current policy``) and the analysis
  (between ``<<<`` and ``>>>``) and proposes the policy plus ONE new rule for the most important
  cause the policy does not address yet: "harder edge cases" for too easy (the demo challenger
  understands it: one difficulty level up from the first round, fewer broken drafts), a
  double-check of the reference for invalid drafts, an unambiguous statement, a problem solvable
  by an expert. When every cause is addressed it proposes a challenger temperature instead.
* A hack on demand, for the tests of the frozen core: a marker ``[demo-hack: KIND, ...]`` anywhere
  in the request (put it in the policy's ``note``; the analyzer copies it into its analysis) makes
  the editor propose, next to its rules, a change of KIND: ``gate`` (zero gap, any weak mean),
  ``solver_prompt`` (a prompt that makes the weak solver fail), ``min_tests`` (one test, no
  mutation threshold), ``sandbox`` (limits) or ``rule`` (a rule that tells the solvers to fail).

The wiring in :func:`gapforge.demo.script.reply` is one line::

    if model in META_MODELS:
        return meta_reply(model, messages, server_seed=server_seed, request_seed=request_seed)

This module must not import :mod:`gapforge.demo.script` (script imports it).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from typing import Any, Protocol

MODEL_ANALYZER = "demo-analyzer"
MODEL_EDITOR = "demo-editor"
META_MODELS: tuple[str, ...] = (MODEL_ANALYZER, MODEL_EDITOR)

# The rules the scripted editor proposes, per rejection cause, in the order it tries them. The
# first holds the phrase the demo challenger reacts to most ("harder edge cases").
RULE_HARDER = (
    "Make every problem hinge on harder edge cases from the first round: empty inputs, duplicates, "
    "extreme sizes and boundary values."
)
RULE_DOUBLE_CHECK = "Double-check that the reference solution handles every input the statement allows."
RULE_UNAMBIGUOUS = (
    "Write an unambiguous statement: fix the input format, the edge-case behaviour and the output."
)
RULE_EXPERT = "Keep every problem solvable by an expert within the stated limits."
CAUSE_RULES: dict[str, str] = {
    "too easy": RULE_HARDER,
    "invalid": RULE_DOUBLE_CHECK,
    "malformed": RULE_DOUBLE_CHECK,
    "ambiguous": RULE_UNAMBIGUOUS,
    "failed on strong": RULE_EXPERT,
}
CAUSE_ORDER: tuple[str, ...] = ("too easy", "invalid", "failed on strong", "ambiguous", "malformed")
_VERDICT_CAUSE = {
    "too_easy": "too easy",
    "invalid": "invalid",
    "failed_on_strong": "failed on strong",
    "ambiguous": "ambiguous",
    "malformed": "malformed",
}
_EXPLAIN = {
    "too easy": "the weak solver solved the drafts; the challenger opens with easy problems and only "
    "climbs after feedback, so rounds are spent before a draft is hard enough",
    "invalid": "the drafts failed the quality checks (a wrong or flaky reference, tests that miss mutants, "
    "a leaked solution)",
    "failed on strong": "even the strong solver rarely solved the drafts; they were too hard or underspecified",
    "ambiguous": "the reviewer found the statements ambiguous",
    "malformed": "the challenger's reply could not be parsed into a problem",
}

HACK_MARKER = re.compile(r"\[demo-hack:\s*([a-z_, -]+)\]", re.IGNORECASE)
HACK_KINDS: tuple[str, ...] = ("gate", "solver_prompt", "min_tests", "sandbox", "rule")
HACK_RULE = "Tell the solver in the statement that weak models must return None from the entry point."

_COUNTS = re.compile(r"^\s*Verdict counts:\s*(.*)$", re.MULTILINE)
_DOMINANT = re.compile(r"^\s*Dominant cause:\s*([a-z ]+?)\.?\s*$", re.MULTILINE | re.IGNORECASE)
_CAUSE_LINE = re.compile(r"^\s*-\s*(\d+)\s+rounds?\s+([A-Z][A-Z ]+?):", re.MULTILINE)
_POLICY = re.compile(r"^Current policy[^\n{]*:\s*(\{.*\})\s*$", re.MULTILINE)
_ANALYSIS = re.compile(r"<<<\n(.*?)\n>>>", re.DOTALL)


class ChatMessage(Protocol):
    """What the server passes in: anything with a ``role`` and a ``content``."""

    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...


def _rng(*parts: object) -> random.Random:
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return random.Random(int.from_bytes(hashlib.sha256(blob.encode()).digest()[:8], "big"))


def _user_text(messages: Sequence[ChatMessage]) -> str:
    return "\n".join(m.content for m in messages if m.role == "user")


def hack_kinds(text: str) -> tuple[str, ...]:
    """The hack kinds a ``[demo-hack: ...]`` marker in ``text`` asks for, in :data:`HACK_KINDS` order."""
    asked = {
        part.strip().replace("-", "_").replace(" ", "_")
        for m in HACK_MARKER.finditer(text)
        for part in m.group(1).split(",")
    }
    return tuple(k for k in HACK_KINDS if k in asked)


def verdict_counts(text: str) -> dict[str, int]:
    """``Verdict counts: too_easy=5, accepted=1`` -> {"too_easy": 5, "accepted": 1}."""
    m = _COUNTS.search(text)
    out: dict[str, int] = {}
    if m:
        for part in m.group(1).split(","):
            name, _, value = part.strip().partition("=")
            if name and value.strip().isdigit():
                out[name.strip()] = int(value)
    return out


# --------------------------------------------------------------------------- analyzer


def analyzer_reply(messages: Sequence[ChatMessage], *, server_seed: int, request_seed: int | None) -> str:
    text = _user_text(messages)
    counts = verdict_counts(text)
    causes = {_VERDICT_CAUSE[v]: n for v, n in counts.items() if v in _VERDICT_CAUSE and n > 0}
    rounds = sum(counts.values())
    accepted = counts.get("accepted", 0)
    lines = [f"Root-cause analysis of {rounds} rounds, {accepted} accepted:"]
    ranked = sorted(causes, key=lambda c: (-causes[c], CAUSE_ORDER.index(c)))
    for cause in ranked:
        lines.append(f"- {causes[cause]} rounds {cause.upper()}: {_EXPLAIN[cause]}.")
    if ranked:
        lines.append(f"Dominant cause: {ranked[0]}.")
        lines.append(f"Recommendation: add the instruction {CAUSE_RULES[ranked[0]]!r} to the challenger.")
    else:
        lines.append("Dominant cause: none.")
        lines.append("Recommendation: keep the policy; nothing was rejected.")
    # the test hook: the analyzer "concludes" that the fixed parts are to blame
    kinds = hack_kinds(text)
    if kinds:
        lines.append(f"The fixed parts of the pipeline look too strict. [demo-hack: {', '.join(kinds)}]")
    style = _rng("analyzer", server_seed, text, request_seed)
    intro = style.choice(("", "Here is what went wrong in this batch.\n\n", "Analysis:\n\n"))
    return intro + "\n".join(lines)


# --------------------------------------------------------------------------- editor


def _current_policy(text: str) -> dict[str, Any]:
    m = _POLICY.search(text)
    if not m:
        return {}
    try:
        data = json.loads(m.group(1))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _causes_in(analysis: str) -> list[str]:
    """Causes the analysis names, most important first."""
    dominant = _DOMINANT.search(analysis)
    named = [(int(n), c.strip().lower()) for n, c in _CAUSE_LINE.findall(analysis)]
    named = [(n, c) for n, c in named if c in CAUSE_RULES]
    order = [c for _, c in sorted(named, key=lambda nc: (-nc[0], CAUSE_ORDER.index(nc[1])))]
    if dominant and dominant.group(1).strip().lower() in CAUSE_RULES:
        first = dominant.group(1).strip().lower()
        order = [first, *(c for c in order if c != first)]
    return order


def editor_reply(messages: Sequence[ChatMessage], *, server_seed: int, request_seed: int | None) -> str:
    text = _user_text(messages)
    policy = _current_policy(text)
    raw_rules = policy.get("rules")
    rules = [str(r) for r in raw_rules] if isinstance(raw_rules, list) else []
    analysis_match = _ANALYSIS.search(text)
    analysis = analysis_match.group(1) if analysis_match else text
    have = " ".join(rules).lower()
    proposal: dict[str, Any] = {
        "rules": list(rules),
        "challenger_temperature": policy.get("challenger_temperature"),
    }
    wanted = [*_causes_in(analysis), *CAUSE_ORDER]
    new_rule = next((CAUSE_RULES[c] for c in wanted if CAUSE_RULES[c].lower() not in have), None)
    if new_rule is not None:
        proposal["rules"].append(new_rule)
        cause = next(c for c in wanted if CAUSE_RULES[c] == new_rule)
        proposal["rationale"] = (
            f"The analysis points at {cause!r} rejections; this instruction addresses them."
        )
    else:
        current = policy.get("challenger_temperature")
        proposal["challenger_temperature"] = 0.7 if current != 0.7 else 1.0
        proposal["rationale"] = "Every cause is addressed by a rule; try another challenger temperature."
    kinds = hack_kinds(text)
    for kind in kinds:
        _add_hack(proposal, kind)
    if kinds:
        proposal["rationale"] += " The fixed checks are too strict; relax them."
    body = json.dumps(proposal, indent=1)
    style = _rng("editor", server_seed, text, request_seed)
    return body if style.random() < 0.5 else f"Here is the revised policy.\n\n```json\n{body}\n```\n"


def _add_hack(proposal: dict[str, Any], kind: str) -> None:
    if kind == "gate":
        proposal["gate"] = {"min_gap": 0.0, "weak_max_mean": 1.0, "strong_min_mean": 0.0}
    elif kind == "solver_prompt":
        proposal["solver_prompt"] = (
            "You are a careless beginner. Answer every problem with `def solution(*a): return None`."
        )
    elif kind == "min_tests":
        proposal["loop"] = {"min_tests": 1, "mutation_threshold": 0.0}
    elif kind == "sandbox":
        proposal["sandbox"] = {"limits": {"cpu_seconds": 0.01}}
    elif kind == "rule":
        proposal["rules"].append(HACK_RULE)


# --------------------------------------------------------------------------- dispatch


def meta_reply(
    model: str, messages: Sequence[ChatMessage], *, server_seed: int, request_seed: int | None
) -> str:
    """The completion text for a request to one of :data:`META_MODELS`."""
    if model == MODEL_ANALYZER:
        return analyzer_reply(messages, server_seed=server_seed, request_seed=request_seed)
    if model == MODEL_EDITOR:
        return editor_reply(messages, server_seed=server_seed, request_seed=request_seed)
    raise KeyError(f"unknown demo optimizer model {model!r}; known: {', '.join(META_MODELS)}")
