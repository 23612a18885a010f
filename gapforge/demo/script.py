"""The demo server's scripted roles: pure functions from a chat request to a completion text.

A reply depends only on (server seed, model, messages, the request's ``seed``), so the whole loop is
reproducible, while the ``seed`` the loop passes per solver sample makes the k samples differ.

* ``demo-challenger`` reads ``Seed topic:``, ``Language:`` (python when absent), ``Round: n of
  m``, the feedback markers
  (``- [TOO EASY] "title": ...`` / ``- [FAILED ON STRONG]`` / ``- [INVALID]`` ...) and an optional
  ``Policy instructions:`` block, then answers with a bank variant as Problem JSON. Every round
  is a problem not tried before (the titles in the feedback say which), preferring the topic's own
  families, always of the prompt's language (asked for a language the bank has no families in,
  it answers in prose, a draft the loop rejects); the difficulty starts at
  :attr:`Tuning.start_level`, goes up one step per TOO EASY and down one per FAILED ON STRONG.
  With probability :attr:`Tuning.flaw_p` a round's draft is deliberately broken (see
  :mod:`gapforge.demo.bank.flaws`).
* ``demo-weak`` / ``demo-strong`` find the problem by the ``# <title>`` line of the solver prompt
  and answer with the reference solution with a role- and difficulty-dependent probability,
  otherwise with one of the variant's realistic bugs, fenced in the variant's language. A repair
  turn (last user message starting with "Your solution was run against hidden tests") is fixed
  with probability :attr:`Tuning.repair_weak` / :attr:`Tuning.repair_strong`.
* ``demo-reviewer`` answers ``{"ambiguous": bool, "reason": str}``: true exactly for variants the
  bank flags as ambiguous.
* ``demo-analyzer`` / ``demo-editor`` (the meta-optimizer's roles) are answered by
  :mod:`gapforge.demo.meta`.

All knobs live in :class:`Tuning`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

from gapforge.demo.bank import (
    ALL_FAMILIES,
    BANK_LANGUAGES,
    TOPIC_FAMILIES,
    BugLabel,
    Family,
    FlawKind,
    Variant,
    families,
    family_by_key,
    flawed_draft,
    problem_json,
    to_problem,
    variant_by_title,
)
from gapforge.demo.meta import META_MODELS, meta_reply
from gapforge.models import FENCE_TAGS, Difficulty
from gapforge.sandbox.base import Language

MODEL_CHALLENGER = "demo-challenger"
MODEL_WEAK = "demo-weak"
MODEL_STRONG = "demo-strong"
MODEL_REVIEWER = "demo-reviewer"
# the meta-optimizer's scripted analyzer and editor live in gapforge.demo.meta
MODELS: tuple[str, ...] = (MODEL_CHALLENGER, MODEL_WEAK, MODEL_STRONG, MODEL_REVIEWER, *META_MODELS)

T = TypeVar("T")

LEVELS: tuple[Difficulty, ...] = ("easy", "medium", "hard")
REPAIR_MARKER = "Your solution was run against hidden tests and did not pass."
POLICY_HEADING = "Policy instructions:"

_FEEDBACK = re.compile(r"^\s*-\s*\[([A-Z][A-Z _-]*)\]", re.MULTILINE)
_FEEDBACK_LINE = re.compile(r"^\s*-\s*\[[A-Z][A-Z _-]*\](.*)$", re.MULTILINE)
_QUOTED = re.compile(r'"([^"]+)"')
_TOPIC = re.compile(r"^\s*Seed topic:\s*(.*)$", re.MULTILINE)
_LANGUAGE = re.compile(r"^\s*Language:\s*(\S+)\s*$", re.MULTILINE)
_ROUND = re.compile(r"^\s*Round:\s*(\d+)\s+of\s+(\d+)", re.MULTILINE)
_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)
_ENTRY = re.compile(r"defines `([A-Za-z_][A-Za-z0-9_]*)`")


@dataclass(frozen=True)
class Odds:
    """A solve probability per difficulty."""

    easy: float
    medium: float
    hard: float

    def at(self, difficulty: Difficulty) -> float:
        return {"easy": self.easy, "medium": self.medium, "hard": self.hard}[difficulty]


@dataclass(frozen=True)
class PolicyRule:
    """What a policy line containing ``phrase`` (case-insensitive) does to the challenger."""

    phrase: str
    level_shift: int = 0
    flaw_scale: float = 1.0
    avoid_ambiguous: bool = False
    avoid_expert: bool = False


@dataclass(frozen=True)
class Tuning:
    """Every knob of the scripted behaviour, in one place.

    Defaults are tuned so that ``gapforge demo`` (about 12-16 seeds, k=4, 10 rounds, gate
    ``prose``) accepts well over 10 problems in a few rounds each, with mostly "too easy"
    rejections and some failed-on-strong and invalid ones.
    """

    weak: Odds = Odds(easy=0.92, medium=0.42, hard=0.12)
    strong: Odds = Odds(easy=0.98, medium=0.96, hard=0.86)
    expert_weak: float = 0.03  # hard variants flagged expert: the strong solver fails as well
    expert_strong: float = 0.25
    ambiguous_strong: float = 0.45  # ambiguous statements trip the strong solver too
    repair_weak: float = 0.3
    repair_strong: float = 0.7
    start_level: int = 0  # 0 easy, 1 medium, 2 hard
    flaw_p: float = 0.08  # chance that a round's draft is deliberately broken
    flaw_weights: tuple[tuple[FlawKind, float], ...] = (
        ("wrong_reference", 3.0),
        ("weak_tests", 2.0),
        ("flaky_test", 1.0),
        ("leaked_solution", 1.0),
        ("invalid_json", 2.0),
        ("prose_without_code", 1.0),
    )
    # too_slow bugs cost a full CPU limit each in the sandbox: keep them rarer
    bug_weights: tuple[tuple[BugLabel, float], ...] = (
        ("off_by_one", 3.0),
        ("missed_edge_case", 3.0),
        ("too_slow", 1.0),
    )
    policy_rules: tuple[PolicyRule, ...] = field(
        default_factory=lambda: (
            PolicyRule("harder edge cases", level_shift=1, flaw_scale=0.5),
            PolicyRule("double-check", flaw_scale=0.3),
            PolicyRule("verify the reference", flaw_scale=0.3),
            PolicyRule("unambiguous", avoid_ambiguous=True),
            PolicyRule("solvable by an expert", avoid_expert=True),
            PolicyRule("simple", level_shift=-1),
            PolicyRule("beginner", level_shift=-1),
        )
    )


DEFAULT_TUNING = Tuning()


@dataclass(frozen=True)
class Message:
    role: str
    content: str


@dataclass(frozen=True)
class Policy:
    """The combined effect of the policy lines the challenger understood."""

    level_shift: int = 0
    flaw_scale: float = 1.0
    avoid_ambiguous: bool = False
    avoid_expert: bool = False


@dataclass(frozen=True)
class ChallengerChoice:
    """What the challenger decided for one round (exposed for tests and tuning simulations)."""

    topic: str
    round: int
    family: Family
    variant: Variant
    flaw: FlawKind | None


def rng_for(*parts: object) -> random.Random:
    """A generator seeded by a stable hash (never Python's salted ``hash``)."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return random.Random(int.from_bytes(hashlib.sha256(blob.encode()).digest()[:8], "big"))


def _weighted(rng: random.Random, items: Sequence[tuple[T, float]]) -> T:
    values = [v for v, _ in items]
    weights = [w for _, w in items]
    return rng.choices(values, weights=weights, k=1)[0]


def _conversation_key(messages: Sequence[Message]) -> list[list[str]]:
    return [[m.role, m.content] for m in messages]


# The solver prompt's sentence stating the sandbox limits: the same boilerplate for nearly every
# problem. The scripted solvers' draws leave it out, so rewording it does not reshuffle the demo.
_LIMITS_LINE = re.compile(r"^Your solution is judged by hidden tests in a sandbox.*\n?", re.MULTILINE)


def _solver_key(messages: Sequence[Message]) -> list[list[str]]:
    return [[m.role, _LIMITS_LINE.sub("", m.content) if m.role == "user" else m.content] for m in messages]


# --------------------------------------------------------------------------- challenger


def parse_policy(text: str, tuning: Tuning = DEFAULT_TUNING) -> Policy:
    lines: list[str] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if line == POLICY_HEADING or line.startswith(POLICY_HEADING):
            inside = True
            continue
        if not inside:
            continue
        if line.startswith("- ") and not line.startswith("- ["):
            lines.append(line[2:].lower())
        elif line:
            # the block ends at the first non-blank line that is not a rule
            break
    shift, scale, amb, exp = 0, 1.0, False, False
    for rule in tuning.policy_rules:
        if any(rule.phrase.lower() in line for line in lines):
            shift += rule.level_shift
            scale *= rule.flaw_scale
            amb = amb or rule.avoid_ambiguous
            exp = exp or rule.avoid_expert
    return Policy(level_shift=shift, flaw_scale=scale, avoid_ambiguous=amb, avoid_expert=exp)


def feedback_counts(text: str) -> Counter[str]:
    return Counter(m.group(1).strip() for m in _FEEDBACK.finditer(text))


def _hits(topic: str, phrase: str) -> bool:
    stem = phrase.lower().removesuffix("s")
    return re.search(r"\b" + re.escape(stem) + r"s?\b", topic.lower()) is not None


def topic_score(topic: str, f: Family) -> int:
    """How well a family matches a topic: its category, key and keywords found as words."""
    return (
        3 * _hits(topic, f.category)
        + 2 * _hits(topic, f.key.replace("_", " "))
        + sum(_hits(topic, t) for t in f.topics)
    )


def prompt_language(text: str) -> str:
    """The language a challenger prompt asks for: its ``Language:`` line, python without one."""
    found = _LANGUAGE.search(text)
    return found.group(1).lower() if found else "python"


@cache
def family_order(topic: str, server_seed: int = 0, language: Language = "python") -> tuple[Family, ...]:
    """The families of ``language`` the challenger works through for a topic, one per round.

    A default topic starts with its own families (:data:`~gapforge.demo.bank.TOPIC_FAMILIES`) and
    continues in a seeded shuffle, so default seeds rarely meet on the same problem; any other
    topic goes by keyword match. Ties are broken by the seeded shuffle. Each family's place in
    the shuffle depends on its key only, so the Python order is the same as before the bank had
    other languages.
    """
    own = tuple(k for k in TOPIC_FAMILIES.get(topic, ()) if family_by_key(k).language == language)

    def key(f: Family) -> tuple[int, int, float]:
        rank = own.index(f.key) if f.key in own else len(own)
        score = 0 if topic in TOPIC_FAMILIES else topic_score(topic, f)
        return (rank, -score, rng_for("order", server_seed, topic, f.key).random())

    return tuple(sorted(families(language), key=key))


def used_titles(text: str) -> frozenset[str]:
    """Bank titles named in the feedback lines (``- [TOO EASY] "title": ...``) of a request."""
    found = set()
    for line in _FEEDBACK_LINE.findall(text):
        quoted = _QUOTED.search(line)
        if quoted and variant_by_title(quoted.group(1)):
            found.add(quoted.group(1))
    return frozenset(found)


def choose_round(
    topic: str,
    round_no: int,
    counts: Counter[str],
    policy: Policy,
    *,
    used: frozenset[str] = frozenset(),
    server_seed: int = 0,
    request_seed: int | None = None,
    allow_flaw: bool = True,
    tuning: Tuning = DEFAULT_TUNING,
    language: Language = "python",
) -> ChallengerChoice:
    """The challenger's decision for one round, as a pure function of what the request says.

    ``used`` are the titles of earlier rounds (from the feedback). With them the challenger takes
    the first family of the topic it has not tried yet, then the topic's own families again at a
    level not tried yet, and only then other topics' families; without them it moves one family
    further per round. Only families of ``language`` are considered (KeyError when the bank has
    none in it).
    """
    level = tuning.start_level + policy.level_shift + counts["TOO EASY"] - counts["FAILED ON STRONG"]
    difficulty = LEVELS[max(0, min(2, level))]
    order = family_order(topic, server_seed, language)
    if not order:
        raise KeyError(f"the demo bank has no {language} families; it has: {', '.join(BANK_LANGUAGES)}")

    def allowed(f: Family) -> bool:
        v = f.variant(difficulty)
        return not ((policy.avoid_ambiguous and v.ambiguous) or (policy.avoid_expert and v.expert))

    if used:
        tried = {v.family for t in used if (v := variant_by_title(t)) is not None}
        own = set(TOPIC_FAMILIES.get(topic, ()))

        def rank(i_f: tuple[int, Family]) -> tuple[bool, bool, int]:
            i, f = i_f
            return (f.key not in own, f.key in tried, i)

        pool = [
            f
            for _, f in sorted(enumerate(order), key=rank)
            if f.variant(difficulty).title not in used and allowed(f)
        ]
        fam = pool[0] if pool else order[0]
    else:
        index = (max(round_no, 1) - 1) % len(order)
        fam = order[index]
        if not allowed(fam):
            # a disjoint index range, so a replacement never collides with another round's family
            fam = order[(index + len(order) // 2) % len(order)]
    flaw: FlawKind | None = None
    rng = rng_for("flaw", server_seed, topic, round_no, request_seed)
    if allow_flaw and rng.random() < tuning.flaw_p * policy.flaw_scale:
        flaw = _weighted(rng, tuning.flaw_weights)
    return ChallengerChoice(
        topic=topic, round=round_no, family=fam, variant=fam.variant(difficulty), flaw=flaw
    )


def challenger_reply(
    messages: Sequence[Message],
    *,
    server_seed: int,
    request_seed: int | None,
    tuning: Tuning = DEFAULT_TUNING,
) -> str:
    user = "\n".join(m.content for m in messages if m.role == "user")
    topic_match = _TOPIC.search(user)
    topic = topic_match.group(1).strip() if topic_match else hashlib.sha256(user.encode()).hexdigest()[:12]
    round_match = _ROUND.search(user)
    round_no = int(round_match.group(1)) if round_match else 1
    retry = any(m.role == "assistant" for m in messages)
    language = prompt_language(user)
    if language not in BANK_LANGUAGES:
        # a draft the loop can reject like any answer without a problem, not a server error
        return (
            f"I can only write demo problems in {', '.join(BANK_LANGUAGES)}; the demo bank has no "
            f"{language} problems for the topic {topic!r}."
        )
    choice = choose_round(
        topic,
        round_no,
        feedback_counts(user),
        parse_policy(user, tuning),
        used=used_titles(user),
        server_seed=server_seed,
        request_seed=request_seed,
        allow_flaw=not retry,  # a follow-up turn after a broken answer gets a clean draft
        tuning=tuning,
        language=language,  # one of BANK_LANGUAGES, checked above
    )
    style = rng_for("style", server_seed, topic, round_no, request_seed)
    if choice.flaw is not None:
        draft = flawed_draft(choice.variant, choice.flaw, salt=style.randrange(1000))
        if draft.problem is None:
            return draft.text
        body = draft.text
    else:
        body = problem_json(to_problem(choice.variant))
    form = style.random()
    if form < 0.4:
        return body
    if form < 0.8:
        return f"```json\n{body}\n```"
    intro = style.choice(
        (
            "Here is a new problem for this topic.",
            "Taking the feedback into account, here is an entirely new problem.",
            "Below is the problem, with a reference solution and hidden tests.",
        )
    )
    return f"{intro}\n\n```json\n{body}\n```\n"


# --------------------------------------------------------------------------- solvers

_PROSE = (
    "Here is my solution.",
    "The key is to handle the edge cases carefully.",
    "I'll process the input in a single pass where possible.",
    "This solution follows the specification directly.",
    "Let me write a clean implementation.",
)
_OUTRO = (
    "",
    "\n\nThis handles the examples from the statement.",
    "\n\nThe approach is efficient enough for the stated limits.",
    "\n\nLet me know if you'd like an explanation of the approach.",
)


# the info string chat models put on a fence of each language's code (extraction reads the same)
FENCES = FENCE_TAGS


def format_solution(code: str, rng: random.Random, language: Language = "python") -> str:
    """Wrap code the way chat models do. The complete program is always the last fenced block.
    The draws are the same for every language, so a Python answer is what it always was."""
    fence = FENCES[language]
    code = code if code.endswith("\n") else code + "\n"
    form = rng.random()
    if form < 0.35:
        return f"{rng.choice(_PROSE)}\n\n```{fence}\n{code}```{rng.choice(_OUTRO)}"
    if form < 0.55:
        return f"```{fence}\n{code}```"
    if form < 0.7:
        return f"{rng.choice(_PROSE)}\n\n```\n{code}```"
    if form < 0.85:
        if language == "python":
            first = next((ln for ln in code.splitlines() if ln.startswith(("def ", "import ", "from "))), "")
            sketch = (
                f"# plan: start from\n{first}\n    ...\n"
                if first.startswith("def ")
                else "# plan: read, solve, print\n"
            )
        else:
            sketch = "// plan: read, solve, print\n"
        return (
            f"{rng.choice(_PROSE)} A first sketch:\n\n```{fence}\n{sketch}```\n\n"
            f"And the complete solution:\n\n```{fence}\n{code}```"
        )
    return (
        "<think>\nI need to read the statement carefully and consider the edge cases before coding.\n"
        f"</think>\n\n```{fence}\n{code}```"
    )


def _find_variant(messages: Sequence[Message]) -> Variant | None:
    for m in messages:
        if m.role != "user":
            continue
        for title in _TITLE.findall(m.content):
            v = variant_by_title(title)
            if v is not None:
                return v
    return None


def _unknown_problem_reply(messages: Sequence[Message], rng: random.Random) -> str:
    text = "\n".join(m.content for m in messages if m.role == "user")
    entry = _ENTRY.search(text)
    if entry:
        stub = f"def {entry.group(1)}(*args, **kwargs):\n    raise NotImplementedError\n"
    else:
        stub = "import sys\n\nsys.stdout.write(sys.stdin.read())\n"
    return "I could not fully work this one out; here is a starting point.\n\n" + format_solution(stub, rng)


def _solve_odds(role: str, v: Variant, tuning: Tuning) -> float:
    if role == MODEL_WEAK:
        return tuning.expert_weak if v.expert else tuning.weak.at(v.difficulty)
    p = tuning.strong.at(v.difficulty)
    if v.expert:
        p = min(p, tuning.expert_strong)
    if v.ambiguous:
        p = min(p, tuning.ambiguous_strong)
    return p


def _pick_bug(v: Variant, rng: random.Random, tuning: Tuning, avoid: str | None = None) -> str:
    weights = dict(tuning.bug_weights)
    pool = [(b.code, weights.get(b.label, 1.0)) for b in v.bugs if b.code != avoid] or [
        (b.code, 1.0) for b in v.bugs
    ]
    return _weighted(rng, pool)


_CODE_BLOCK = re.compile(r"```[a-zA-Z]*\n(.*?)```", re.DOTALL)


def solver_reply(
    model: str,
    messages: Sequence[Message],
    *,
    server_seed: int,
    request_seed: int | None,
    tuning: Tuning = DEFAULT_TUNING,
) -> str:
    rng = rng_for("solve", server_seed, model, _solver_key(messages), request_seed)
    v = _find_variant(messages)
    if v is None:
        return _unknown_problem_reply(messages, rng)
    last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
    if last_user.lstrip().startswith(REPAIR_MARKER):
        previous = next((m.content for m in reversed(messages) if m.role == "assistant"), "")
        blocks = _CODE_BLOCK.findall(previous)
        prev_code = blocks[-1] if blocks else None
        fix = tuning.repair_weak if model == MODEL_WEAK else tuning.repair_strong
        if v.expert:
            fix /= 2
        if prev_code == v.reference or rng.random() < fix:
            code = v.reference
            lead = "You're right, I missed a case. Here is the corrected solution."
        else:
            code = _pick_bug(v, rng, tuning, avoid=prev_code)
            lead = "Thanks for the feedback. I've revised the solution."
        return f"{lead}\n\n```{FENCES[v.language]}\n{code}```"
    code = v.reference if rng.random() < _solve_odds(model, v, tuning) else _pick_bug(v, rng, tuning)
    return format_solution(code, rng, v.language)


# --------------------------------------------------------------------------- reviewer


def reviewer_reply(
    messages: Sequence[Message],
    *,
    server_seed: int,
    request_seed: int | None,
    tuning: Tuning = DEFAULT_TUNING,
) -> str:
    v = _find_variant(messages)
    if v is None:
        user = "\n".join(m.content for m in messages if m.role == "user")
        v = next((x for f in ALL_FAMILIES for x in f.variants if x.title in user), None)
    if v is not None and v.ambiguity:
        verdict = {"ambiguous": True, "reason": v.ambiguity}
    elif v is not None:
        verdict = {
            "ambiguous": False,
            "reason": "The statement fixes the input format, the edge cases and the expected output; "
            "the failing solutions contain genuine mistakes.",
        }
    else:
        verdict = {"ambiguous": False, "reason": "No ambiguity found in the statement."}
    body = json.dumps(verdict)
    style = rng_for("review", server_seed, _conversation_key(messages), request_seed)
    return body if style.random() < 0.6 else f"```json\n{body}\n```"


def reply(
    model: str,
    messages: Sequence[Message],
    *,
    server_seed: int = 0,
    request_seed: int | None = None,
    tuning: Tuning = DEFAULT_TUNING,
) -> str:
    """The completion text for a request to one of :data:`MODELS`."""
    if model == MODEL_CHALLENGER:
        return challenger_reply(messages, server_seed=server_seed, request_seed=request_seed, tuning=tuning)
    if model in (MODEL_WEAK, MODEL_STRONG):
        return solver_reply(
            model, messages, server_seed=server_seed, request_seed=request_seed, tuning=tuning
        )
    if model == MODEL_REVIEWER:
        return reviewer_reply(messages, server_seed=server_seed, request_seed=request_seed, tuning=tuning)
    if model in META_MODELS:
        return meta_reply(model, messages, server_seed=server_seed, request_seed=request_seed)
    raise KeyError(f"unknown demo model {model!r}; the demo server serves {', '.join(MODELS)}")
