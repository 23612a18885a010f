"""Realistic run directories for the dataset tests, written through the real RunStore.

Every solver attempt's result comes from really executing its code with the problem's tests in a
sandbox (the local backend by default, cached per program), and every gate summary is the real
gate's decision on those results — so a run built here is what the generation loop would have
written, and ``verify`` on it must find no drift unless something was planted.

The scenario (``build_run``):

* seed ``s-second`` — round 1 accepted: ``second_largest`` (function). Weak 1/4, strong 4/4; one
  weak failure repaired in one turn, another repair that still fails.
* seed ``s-pairs`` — round 1 accepted: adjacent pair sum (stdio). Weak: two wrong, one without
  code, one infrastructure failure (unmeasured); strong 3/4.
* seed ``s-mixed`` — round 1 malformed, round 2 invalid (static), round 3 too easy; no problem.
* seed ``s-rle`` — round 1 too easy, round 2 failed on strong (nobody solves it: DPO pairs use the
  reference), round 3 accepted: run-length encoding (function).
* seed ``s-second-again`` — accepted: a near-duplicate of ``second_largest`` (quality flag).
* seed ``s-unfinished`` — a round but no SeedRecord (a crash): never part of the dataset.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapforge.config import demo_config
from gapforge.dataset.records import (
    AttemptRecord,
    GateSummary,
    MessageRef,
    ProblemRecord,
    Provenance,
    RoundRecord,
    Seed,
    SeedRecord,
    TextRecord,
    ValiditySummary,
    utcnow,
)
from gapforge.dataset.store import RunStore
from gapforge.extract import extract_code
from gapforge.models import Attempt, Example, Message, Problem, TokenUsage, Verdict
from gapforge.prompts import prompt_hashes, repair_message, solver_messages, text_id
from gapforge.prompts.feedback import solver_feedback
from gapforge.sandbox import ExecutionResult, Limits, Program, Status, open_sandbox
from gapforge.verifiers.gates import RolloutScore, make_gate

# --------------------------------------------------------------------------- problems

SECOND_REF = """\
def second_largest(xs):
    values = sorted(set(xs))
    if len(values) < 2:
        return None
    return values[-2]
"""
SECOND_BUG = """\
def second_largest(xs):
    if len(xs) < 2:
        return None
    return sorted(xs)[-2]
"""
SECOND_TESTS = """\
from solution import second_largest


def test_basic():
    assert second_largest([3, 1, 2]) == 2


def test_duplicates_of_the_max():
    assert second_largest([5, 5, 4]) == 4


def test_all_equal():
    assert second_largest([7, 7, 7]) is None


def test_empty():
    assert second_largest([]) is None


def test_single():
    assert second_largest([1]) is None


def test_negative():
    assert second_largest([-1, -5, -3]) == -3
"""
SECOND_STATEMENT = (
    "Given a list of integers xs, return the second largest distinct value in the list. Equal values "
    "count once, so [5, 5, 4] has second largest 4. Return None when the list has fewer than two "
    "distinct values (including the empty list)."
)


def second_problem(
    statement: str = SECOND_STATEMENT, title: str = "Second largest distinct value"
) -> Problem:
    return Problem(
        title=title,
        statement=statement,
        kind="function",
        entry_point="second_largest",
        signature="def second_largest(xs: list[int]) -> int | None:",
        reference_solution=SECOND_REF,
        tests=SECOND_TESTS,
        examples=(Example(input="[3, 1, 2]", output="2"), Example(input="[2, 2]", output="None")),
        tags=("arrays", "sorting"),
        difficulty="easy",
    )


PAIRS_REF = """\
import sys

data = sys.stdin.read().split()
n = int(data[0])
xs = list(map(int, data[1 : 1 + n]))
print(max(xs[i] + xs[i + 1] for i in range(n - 1)))
"""
PAIRS_BUG = """\
import sys

data = sys.stdin.read().split()
n = int(data[0])
xs = sorted(map(int, data[1 : 1 + n]))
print(xs[-1] + xs[-2])
"""
PAIRS_TESTS = json.dumps(
    [
        {"input": "3\n1 2 3\n", "output": "5\n"},
        {"input": "4\n9 1 1 8\n", "output": "10\n"},
        {"input": "2\n-1 -2\n", "output": "-3\n"},
        {"input": "5\n5 0 0 0 5\n", "output": "5\n"},
        {"input": "6\n1 7 1 1 7 1\n", "output": "8\n"},
    ]
)


def pairs_problem() -> Problem:
    return Problem(
        title="Best adjacent pair",
        statement=(
            "You are given n integers in a row. Print the largest sum of two neighbouring integers, "
            "that is the maximum of a[i] + a[i+1] over all positions i."
        ),
        kind="stdio",
        io_contract="Input: n (2 <= n <= 10^5) on the first line, then n integers. Output: one integer.",
        reference_solution=PAIRS_REF,
        tests=PAIRS_TESTS,
        examples=(Example(input="3\n1 2 3", output="5"),),
        tags=("arrays",),
        difficulty="easy",
    )


RLE_REF = """\
def rle(s):
    out = []
    for ch in s:
        if out and out[-1][0] == ch:
            out[-1] = (ch, out[-1][1] + 1)
        else:
            out.append((ch, 1))
    return out
"""
RLE_BUG = """\
def rle(s):
    out = []
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        if j < len(s):
            out.append((s[i], j - i))
        i = j
    return out
"""
RLE_TESTS = """\
from solution import rle


def test_empty():
    assert rle("") == []


def test_single():
    assert rle("a") == [("a", 1)]


def test_runs():
    assert rle("aaabcc") == [("a", 3), ("b", 1), ("c", 2)]


def test_alternating():
    assert rle("abab") == [("a", 1), ("b", 1), ("a", 1), ("b", 1)]


def test_last_run_kept():
    assert rle("xyzz") == [("x", 1), ("y", 1), ("z", 2)]
"""


def rle_problem() -> Problem:
    return Problem(
        title="Run-length encoding",
        statement=(
            "Encode a string as a list of (character, count) pairs, one per maximal run of equal "
            "characters, in order. The empty string encodes to the empty list."
        ),
        kind="function",
        entry_point="rle",
        signature="def rle(s: str) -> list[tuple[str, int]]:",
        reference_solution=RLE_REF,
        tests=RLE_TESTS,
        examples=(Example(input='"aab"', output="[('a', 2), ('b', 1)]"),),
        tags=("strings",),
        difficulty="medium",
    )


PALI_REF = "def is_pal(s):\n    return s == s[::-1]\n"
PALI_TESTS = """\
from solution import is_pal


def test_yes():
    assert is_pal("abba")


def test_no():
    assert not is_pal("abc")


def test_empty():
    assert is_pal("")


def test_odd():
    assert is_pal("aba")


def test_case_matters():
    assert not is_pal("Ab")
"""


def pali_problem() -> Problem:
    return Problem(
        title="Palindrome check",
        statement="Return True when the string reads the same forwards and backwards, else False.",
        kind="function",
        entry_point="is_pal",
        signature="def is_pal(s: str) -> bool:",
        reference_solution=PALI_REF,
        tests=PALI_TESTS,
        tags=("strings",),
        difficulty="easy",
    )


COINS_REF = """\
def min_coins(coins, amount):
    best = [0] + [None] * amount
    for a in range(1, amount + 1):
        options = [best[a - c] for c in coins if c <= a and best[a - c] is not None]
        best[a] = min(options) + 1 if options else None
    return -1 if best[amount] is None else best[amount]
"""
COINS_GREEDY = """\
def min_coins(coins, amount):
    n = 0
    for c in sorted(coins, reverse=True):
        n += amount // c
        amount %= c
    return n if amount == 0 else -1
"""
COINS_TESTS = """\
from solution import min_coins


def test_simple():
    assert min_coins([1, 2, 5], 11) == 3


def test_greedy_fails():
    assert min_coins([1, 3, 4], 6) == 2


def test_impossible():
    assert min_coins([2], 3) == -1


def test_zero():
    assert min_coins([1], 0) == 0


def test_greedy_fails_again():
    assert min_coins([9, 6, 5, 1], 11) == 2
"""


def coins_problem() -> Problem:
    return Problem(
        title="Fewest coins",
        statement=(
            "Given coin denominations (unlimited supply of each) and an amount, return the fewest coins "
            "that sum to the amount, or -1 when it cannot be made."
        ),
        kind="function",
        entry_point="min_coins",
        signature="def min_coins(coins: list[int], amount: int) -> int:",
        reference_solution=COINS_REF,
        tests=COINS_TESTS,
        tags=("dp",),
        difficulty="hard",
    )


def completion(code: str) -> str:
    return f"Here is a solution.\n\n```python\n{code}```\n"


# --------------------------------------------------------------------------- executing

_CACHE: dict[str, ExecutionResult] = {}


async def _execute_all(programs: list[Program], backend: str) -> None:
    todo = [p for p in dict.fromkeys(programs) if p.digest not in _CACHE]
    if not todo:
        return
    async with open_sandbox(backend, run_id="pytest-dataset") as sb:
        results = await asyncio.gather(*(sb.run(p, Limits(cpu_seconds=5, wall_seconds=20)) for p in todo))
    for p, r in zip(todo, results, strict=True):
        assert not r.status.is_infrastructure, r.message
        _CACHE[p.digest] = r


def execute(programs: list[Program], backend: str = "local") -> list[ExecutionResult]:
    asyncio.run(_execute_all(programs, backend))
    return [_CACHE[p.digest] for p in programs]


# --------------------------------------------------------------------------- building

NO_CODE = "I am not sure how to solve this one."
INFRA = object()  # an attempt the sandbox could not measure


@dataclass
class Built:
    root: Path
    run_id: str
    accepted: list[Problem] = field(default_factory=list)
    rounds: int = 0
    attempts: int = 0
    seeds_finished: int = 0


def config() -> tuple[dict[str, Any], str]:
    cfg = demo_config("http://127.0.0.1:9/v1")
    data = cfg.model_dump(mode="json")
    data["name"] = "dataset-test"
    data["loop"]["repair_turns"] = 1
    for role, price in (("challenger", 1.0), ("weak", 0.1), ("strong", 2.0)):
        data["roles"][role]["price_per_1k_prompt"] = price
        data["roles"][role]["price_per_1k_completion"] = price * 2
    return data, cfg.config_hash


PROVENANCE = Provenance(
    gapforge_version="0.1.0",
    config_hash="",
    models={"challenger": "demo-challenger", "weak": "demo-weak", "strong": "demo-strong"},
    prompt_hashes=prompt_hashes(),
    sandbox_image="gapforge-python-runner:test",
    sandbox_backend="local",
)


class _Writer:
    def __init__(self, store: RunStore, built: Built, backend: str) -> None:
        self.store = store
        self.built = built
        self.backend = backend
        self.prov = PROVENANCE.model_copy(update={"config_hash": store.meta["config_hash"]})
        self.gate = make_gate("prose")
        self.limits = Limits(cpu_seconds=1.0)

    def refs(self, messages: Sequence[Message]) -> tuple[MessageRef, ...]:
        """Store the texts as the loop does (once each) and return the references."""
        out = []
        for m in messages:
            self.store.write_text(TextRecord(text_id=text_id(m.content), text=m.content))
            out.append(MessageRef(role=m.role, text_id=text_id(m.content)))
        return tuple(out)

    def prompts(self, problem: Problem, attempts: list[Attempt]) -> dict[int, tuple[Message, ...]]:
        """The messages each attempt was sent: the solver prompt, and for a repair turn the
        conversation so far with the feedback on the last answer (as the loop builds it)."""
        out: dict[int, tuple[Message, ...]] = {}
        by_chain: dict[tuple[str, int], list[Attempt]] = {}
        for a in attempts:
            by_chain.setdefault((a.role, a.sample), []).append(a)
        for chain in by_chain.values():
            messages = solver_messages(problem, self.limits)
            for prev, a in zip([None, *chain], chain, strict=False):
                if prev is not None:
                    assert prev.result is not None
                    messages = [
                        *messages,
                        Message(role="assistant", content=prev.completion),
                        repair_message(prev.result.status.value, solver_feedback(problem, prev.result)),
                    ]
                out[id(a)] = tuple(messages)
        return out

    def _attempt(self, problem: Problem, role: str, model: str, sample: int, turn: int, code: Any) -> Attempt:
        usage = TokenUsage(prompt_tokens=310 + 40 * turn, completion_tokens=90 + sample)
        if code is INFRA:
            return Attempt(
                problem_id=problem.id, role=role, model=model, sample=sample, turn=turn,
                completion="", code=None, infra_error="ModelError: endpoint timed out after 5 retries",
            )  # fmt: skip
        if code is None:
            return Attempt(
                problem_id=problem.id, role=role, model=model, sample=sample, turn=turn,
                completion=NO_CODE, code=None, usage=usage,
                result=ExecutionResult(status=Status.ERROR, message="the completion contains no Python code", backend="none"),
            )  # fmt: skip
        text = completion(code)
        extracted = extract_code(text, entry_point=problem.entry_point)
        assert extracted is not None
        (result,) = execute([problem.program(extracted)], self.backend)
        return Attempt(
            problem_id=problem.id, role=role, model=model, sample=sample, turn=turn,
            completion=text, code=extracted, result=result, usage=usage,
        )  # fmt: skip

    def round(
        self,
        seed: Seed,
        round_no: int,
        problem: Problem | None,
        *,
        verdict: Verdict | None = None,
        weak: Sequence[Any] = (),
        strong: Sequence[Any] = (),
        repairs: dict[tuple[str, int], list[Any]] | None = None,
        static_problems: tuple[str, ...] = (),
        raw_output: str = "",
        reason: str = "",
    ) -> ProblemRecord | None:
        started = utcnow()
        attempts: list[Attempt] = []
        for role, codes, model in (("weak", weak, "demo-weak"), ("strong", strong, "demo-strong")):
            for i, code in enumerate(codes):
                assert problem is not None
                attempts.append(self._attempt(problem, role, model, i, 0, code))
        for (role, sample), codes in (repairs or {}).items():
            assert problem is not None
            for turn, code in enumerate(codes, 1):
                attempts.append(self._attempt(problem, role, f"demo-{role}", sample, turn, code))
        weak_scores = tuple(a.score for a in attempts if a.role == "weak" and a.turn == 0)
        strong_scores = tuple(a.score for a in attempts if a.role == "strong" and a.turn == 0)
        gate = validity = None
        if problem is not None and not static_problems:
            (ref,) = execute([problem.program(problem.reference_solution)], self.backend)
            validity = ValiditySummary(
                valid=True,
                reason="valid: reference passes 3 identical runs, trivial solutions fail, mutation score 0.90",
                mutation_score=0.9,
                reference_cpu_s=ref.cpu_s,
            )
        if weak:
            decision = self.gate.decide(
                [RolloutScore.of_attempt(a) for a in attempts if a.role == "weak" and a.turn == 0],
                [RolloutScore.of_attempt(a) for a in attempts if a.role == "strong" and a.turn == 0],
            )
            gate = GateSummary(
                preset=decision.preset, outcome=decision.outcome.value, reason=decision.reason,
                weak_mean=decision.weak_mean, strong_mean=decision.strong_mean, gap=decision.gap,
            )  # fmt: skip
            verdict = verdict or Verdict(decision.outcome.value)
            reason = reason or decision.reason
        assert verdict is not None
        sent = self.prompts(problem, attempts) if problem is not None else {}
        for a in attempts:
            self.store.write_attempt(
                AttemptRecord(
                    run_id=self.store.run_id, epoch=self.store.epoch, seed_id=seed.id, round=round_no,
                    attempt=a, parent_sample=a.sample if a.turn > 0 else None, provenance=self.prov,
                    prompt=self.refs(sent[id(a)]),
                )
            )  # fmt: skip
        usage: dict[str, TokenUsage] = {"challenger": TokenUsage(prompt_tokens=900, completion_tokens=700)}
        for a in attempts:
            usage[a.role] = usage.get(a.role, TokenUsage()) + a.usage
        self.store.write_round(
            RoundRecord(
                run_id=self.store.run_id, epoch=self.store.epoch, seed_id=seed.id, round=round_no,
                verdict=verdict, reason=reason or verdict.value, problem=problem,
                problem_id=problem.id if problem else None, raw_output=raw_output,
                static_problems=static_problems, validity=validity, gate=gate,
                weak_scores=weak_scores, strong_scores=strong_scores, usage=usage,
                started_at=started, provenance=self.prov,
                prompt=self.refs([Message(role="system", content="Write problems."), Message(role="user", content=f"Seed topic: {seed.topic}, round {round_no}")]),
            )
        )  # fmt: skip
        self.built.rounds += 1
        self.built.attempts += len(attempts)
        if verdict is not Verdict.ACCEPTED:
            return None
        assert problem is not None and gate is not None and validity is not None
        rec = ProblemRecord(
            run_id=self.store.run_id, epoch=self.store.epoch, seed_id=seed.id, seed_topic=seed.topic,
            round=round_no, problem_id=problem.id, problem=problem,
            weak_pass_rate=_rate(weak_scores), strong_pass_rate=_rate(strong_scores),
            weak_scores=weak_scores, strong_scores=strong_scores, gate=gate, validity=validity,
            rounds_used=round_no, provenance=self.prov,
        )  # fmt: skip
        self.store.write_problem(rec)
        self.built.accepted.append(problem)
        return rec

    def finish(self, seed: Seed, verdicts: list[Verdict], problem: ProblemRecord | None) -> None:
        self.store.finish_seed(
            SeedRecord(
                run_id=self.store.run_id, epoch=self.store.epoch, seed=seed, accepted=problem is not None,
                problem_id=problem.problem_id if problem else None, rounds=len(verdicts),
                verdicts=tuple(verdicts),
                usage={"challenger": TokenUsage(prompt_tokens=900 * len(verdicts), completion_tokens=700 * len(verdicts)),
                       "weak": TokenUsage(prompt_tokens=1240, completion_tokens=370),
                       "strong": TokenUsage(prompt_tokens=1240, completion_tokens=370)},
            )
        )  # fmt: skip
        self.built.seeds_finished += 1


def _rate(scores: tuple[float | None, ...]) -> float:
    measured = [s for s in scores if s is not None]
    return sum(measured) / len(measured) if measured else 0.0


def build_run(
    root: Path,
    *,
    backend: str = "local",
    wrong_reference: bool = False,
    forged_verdict: bool = False,
) -> Built:
    """The scenario of the module docstring in ``root``.

    ``wrong_reference`` records ``second_largest`` with the buggy code as its reference (as if a
    wrong reference had slipped through); ``forged_verdict`` pairs three rle strong attempts'
    "passed" verdicts with failing code, so verdicts and the gate decision drift on re-execution.
    """
    cfg, config_hash = config()
    store = RunStore.open(root, config_hash=config_hash, config=cfg)
    built = Built(root=root, run_id=store.run_id)
    w = _Writer(store, built, backend)
    try:
        seed = Seed(id="s-second", topic="arrays", source="builtin")
        p = second_problem()
        if wrong_reference:
            p = p.model_copy(update={"reference_solution": SECOND_BUG})
        rec = w.round(
            seed, 1, p,
            weak=[SECOND_REF, SECOND_BUG, SECOND_BUG, SECOND_BUG], strong=[SECOND_REF] * 4,
            repairs={("weak", 1): [SECOND_REF], ("weak", 2): [SECOND_BUG]},
        )  # fmt: skip
        w.finish(seed, [Verdict.ACCEPTED], rec)

        seed = Seed(id="s-pairs", topic="arrays", source="builtin")
        rec = w.round(
            seed, 1, pairs_problem(),
            weak=[PAIRS_BUG, None, INFRA, PAIRS_BUG], strong=[PAIRS_REF, PAIRS_REF, PAIRS_BUG, PAIRS_REF],
        )  # fmt: skip
        w.finish(seed, [Verdict.ACCEPTED], rec)

        seed = Seed(id="s-mixed", topic="strings", source="topics")
        w.round(
            seed, 1, None, verdict=Verdict.MALFORMED, raw_output="{not json", reason="the draft was not JSON"
        )
        w.round(
            seed, 2, pali_problem().model_copy(update={"tests": "from solution import is_pal\n\ndef test_a():\n    assert is_pal('a')\n"}),
            verdict=Verdict.INVALID, static_problems=("the tests have 1 test; at least 5 are required",),
            reason="the tests have 1 test; at least 5 are required",
        )  # fmt: skip
        w.round(seed, 3, pali_problem(), weak=[PALI_REF] * 4)
        w.finish(seed, [Verdict.MALFORMED, Verdict.INVALID, Verdict.TOO_EASY], None)

        seed = Seed(id="s-rle", topic="strings", source="topics")
        w.round(seed, 1, pali_problem().model_copy(update={"title": "Palindrome test"}), weak=[PALI_REF] * 4)
        w.round(
            seed, 2, coins_problem(),
            weak=[COINS_GREEDY] * 4, strong=[COINS_GREEDY] * 4,
        )  # fmt: skip
        strong = [RLE_REF, RLE_REF, RLE_REF, RLE_REF]
        rec = w.round(seed, 3, rle_problem(), weak=[RLE_BUG, RLE_BUG, RLE_REF, RLE_BUG], strong=strong)
        w.finish(seed, [Verdict.TOO_EASY, Verdict.FAILED_ON_STRONG, Verdict.ACCEPTED], rec)

        seed = Seed(id="s-second-again", topic="sorting", source="builtin")
        again = second_problem(
            statement=SECOND_STATEMENT.replace("Given a list of integers xs", "For a list of integers xs"),
            title="Second largest value",
        )
        rec = w.round(seed, 1, again, weak=[SECOND_BUG] * 3 + [SECOND_REF], strong=[SECOND_REF] * 4)
        w.finish(seed, [Verdict.ACCEPTED], rec)

        seed = Seed(id="s-unfinished", topic="graphs", source="builtin")
        w.round(
            seed,
            1,
            pali_problem().model_copy(update={"title": "Unfinished palindromes"}),
            weak=[PALI_REF] * 4,
        )
    finally:
        store.close()
    if forged_verdict:
        _forge(root)
    return built


def _forge(root: Path) -> None:
    """Swap the code of three passing rle strong attempts for the buggy one, keeping their recorded
    "passed" verdicts (a forged record): re-execution changes those verdicts and the gate decision."""
    path = root / "records" / "attempts.jsonl"
    out = []
    forged = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        a = rec["attempt"]
        if a["role"] == "strong" and a["turn"] == 0 and "def rle" in (a["code"] or "") and a["sample"] < 3:
            assert a["result"]["status"] == "passed"
            a["code"] = RLE_BUG
            a["completion"] = completion(RLE_BUG)
            forged += 1
        out.append(json.dumps(rec))
    assert forged == 3
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
