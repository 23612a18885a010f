"""Every branch of a round, without Docker: the real :class:`Generator`, the real `openai` client
against the offline model server over HTTP, the real run store, and a :class:`ScriptedSandbox`
whose verdicts come from a script instead of executing anything.

The default script is an oracle for the demo bank: a program passes when its solution is one of
the bank's reference solutions and fails otherwise (so the solvers' realistic bugs, the trivial
programs and the mutants of a reference all fail). Each test reads back what the round wrote.
The same branches run against the real sandbox in test_e2e_loop.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gapforge.config import RunConfig, demo_config
from gapforge.dataset.records import (
    AttemptRecord,
    CallRecord,
    ProblemRecord,
    RoundRecord,
    Seed,
    SeedRecord,
)
from gapforge.dataset.store import RunStore, read_table
from gapforge.demo.bank import all_variants, to_problem
from gapforge.demo.script import DEFAULT_TUNING, Odds, Tuning
from gapforge.demo.server import DemoServer
from gapforge.generators.loop import Generator, Models, RunStats
from gapforge.llm import OpenAIChatModel
from gapforge.models import Verdict, content_hash
from gapforge.sandbox import Program, Status
from gapforge.sandbox.metered import MeteredSandbox
from gapforge.sandbox.scripted import Outcome, Scripted, ScriptedSandbox
from gapforge.verifiers.validity import trivial_solutions

REFERENCES = frozenset(v.reference.strip() for v in all_variants())
TRIVIAL = frozenset(t.source.strip() for v in all_variants() for t in trivial_solutions(to_problem(v)))
TOPIC = "arrays and two pointers"  # its first family's easy variant is neither ambiguous nor expert


def oracle(program: Program) -> Outcome:
    return Status.PASSED if program.solution.strip() in REFERENCES else Status.FAILED


def clean(**changes: Any) -> Tuning:
    """The demo's models with no deliberately broken drafts, and the given changes."""
    return dataclasses.replace(DEFAULT_TUNING, flaw_p=0.0, **changes)


def flawed(kind: str) -> Tuning:
    return dataclasses.replace(DEFAULT_TUNING, flaw_p=1.0, flaw_weights=((kind, 1.0),))  # type: ignore[arg-type]


WEAK_FAILS_STRONG_SOLVES = clean(weak=Odds(0.0, 0.0, 0.0), strong=Odds(1.0, 1.0, 1.0))


@dataclass
class Outcomes:
    """What one seed's run wrote, read back from the run store."""

    out: Path
    stats: RunStats
    requests: dict[str, int]
    sandbox: ScriptedSandbox
    meter: MeteredSandbox  # the generator's

    def table(self, name: str, model: type[Any]) -> list[Any]:
        return read_table(self.out, name, model)

    @property
    def rounds(self) -> list[RoundRecord]:
        return self.table("rounds", RoundRecord)

    @property
    def attempts(self) -> list[AttemptRecord]:
        return self.table("attempts", AttemptRecord)

    @property
    def calls(self) -> list[CallRecord]:
        return self.table("calls", CallRecord)

    @property
    def only_round(self) -> RoundRecord:
        (r,) = self.rounds
        assert {c.call_id for c in self.calls} == set(r.call_ids), "every call of the round is recorded"
        return r


def config(base_url: str, *, max_rounds: int, repair_turns: int, retries: int | None) -> RunConfig:
    cfg = demo_config(base_url)
    roles = cfg.roles
    if retries is not None:
        roles = roles.model_copy(
            update={
                name: rc.model_copy(update={"max_retries": retries})
                for name, rc in cfg.roles.configured().items()
            }
        )
    loop = cfg.loop.model_copy(
        update={"max_rounds": max_rounds, "max_mutants": 10, "validity_runs": 3, "repair_turns": repair_turns}
    )
    # The oracle runs the bank's input generators and the reference over the drawn inputs: only a
    # real sandbox can (test_round_oracle.py tests its phase with a fixed suite, test_e2e_loop.py
    # in the real sandbox). Here the round's other branches are judged on the challenger's tests.
    oracle = cfg.oracle.model_copy(update={"enabled": False})
    return cfg.model_copy(update={"roles": roles, "loop": loop, "oracle": oracle})


def go(
    run: Callable[..., Any],
    out: Path,
    script: Callable[[Program], Outcome] | Mapping[str, Outcome] = oracle,
    *,
    tuning: Tuning = WEAK_FAILS_STRONG_SOLVES,
    topic: str = TOPIC,
    max_rounds: int = 1,
    repair_turns: int = 0,
    faults: dict[str, Sequence[str]] | None = None,
    retries: int | None = None,
    default: Outcome = Status.FAILED,
) -> Outcomes:
    seed = Seed(id="s-" + content_hash({"topic": topic, "context": ""}, 12), topic=topic)
    sandbox = ScriptedSandbox(script, default=default)
    with DemoServer(tuning=tuning, faults=faults) as server:
        cfg = config(server.base_url, max_rounds=max_rounds, repair_turns=repair_turns, retries=retries)

        meters: list[MeteredSandbox] = []

        async def one_seed() -> RunStats:
            built = {role: OpenAIChatModel(role, rc) for role, rc in cfg.roles.configured().items()}
            models = Models(built["challenger"], built["weak"], built["strong"], built["reviewer"])
            store = RunStore.open(out, config_hash=cfg.config_hash, config=cfg.model_dump(mode="json"))
            try:
                async with sandbox:
                    gen = Generator(cfg, models, sandbox, store)
                    meters.append(gen.sandbox)
                    return await gen.run([seed], concurrency=1)
            finally:
                store.close()
                for m in built.values():
                    await m.aclose()

        stats = run(one_seed())
        return Outcomes(out, stats, server.request_counts(), sandbox, meters[0])


def leading_reference_runs(o: Outcomes) -> int:
    """How many executions the round began with that ran the reference (probe, then validity)."""
    r = o.only_round
    assert r.problem is not None
    n = 0
    while n < len(o.sandbox.history) and o.sandbox.history[n].solution == r.problem.reference_solution:
        n += 1
    return n


# --------------------------------------------------------------------------- draft and static checks


def test_a_draft_that_fails_the_static_checks_never_reaches_the_sandbox(run: Any, tmp_path: Path) -> None:
    o = go(run, tmp_path, tuning=flawed("leaked_solution"))
    r = o.only_round
    assert r.verdict is Verdict.INVALID
    assert r.static_problems and "reveals the solution" in r.reason
    assert r.problem is not None and r.validity is None and r.gate is None
    assert o.sandbox.history == [], "static checks come before any execution"
    assert o.attempts == [] and o.requests.get("demo-weak", 0) == 0
    (seed,) = o.table("seeds", SeedRecord)
    assert not seed.accepted and seed.verdicts == (Verdict.INVALID,)


def test_a_challenger_endpoint_that_stays_down_aborts_the_seed(run: Any, tmp_path: Path) -> None:
    o = go(run, tmp_path, faults={"demo-challenger": ["500"] * 3}, retries=0)
    assert o.stats.seeds_failed == 1 and "challenger endpoint failed" in o.stats.errors[0]
    assert o.rounds == [] and o.table("seeds", SeedRecord) == [], "the seed stays unfinished for a resume"
    (call,) = o.calls
    assert call.role == "challenger" and call.error and "500" in call.error
    assert o.sandbox.history == []


# --------------------------------------------------------------------------- validity


def test_a_reference_that_fails_its_own_tests_is_invalid(run: Any, tmp_path: Path) -> None:
    o = go(run, tmp_path, tuning=flawed("wrong_reference"))
    r = o.only_round
    assert r.verdict is Verdict.INVALID and "reference solution fails its own tests" in r.reason
    assert r.validity is not None and r.validity.failed_check == "reference"
    assert r.validity.cpu_limit_s is None, "an invalid draft has no rollout limit recorded"
    assert r.weak_scores == () and r.gate is None
    assert o.attempts == [], "speculative weak answers are calls, never scored attempts"
    # the probe that fixes the rollout limit, then the validity runs; nothing after the first failure
    assert leading_reference_runs(o) == 1 + 3 == len(o.sandbox.history)


def test_tests_that_accept_a_trivial_program_are_invalid(run: Any, tmp_path: Path) -> None:
    o = go(run, tmp_path, lambda p: Status.PASSED)
    r = o.only_round
    assert r.verdict is Verdict.INVALID and "accept a trivial solution" in r.reason
    assert r.validity is not None and r.validity.failed_check == "trivial"
    assert r.validity.trivial_passed and r.validity.mutation_score is None
    assert o.attempts == []


def test_tests_that_kill_too_few_mutants_are_invalid(run: Any, tmp_path: Path) -> None:
    # only the placeholder programs fail: every mutant of the reference survives
    o = go(run, tmp_path, dict.fromkeys(TRIVIAL, Status.FAILED), default=Status.PASSED)
    r = o.only_round
    assert r.verdict is Verdict.INVALID and "too weak" in r.reason
    assert r.validity is not None and r.validity.failed_check == "mutation"
    assert r.validity.mutation_score == 0.0 and r.validity.surviving_mutants
    assert o.attempts == []


def test_a_sandbox_error_fixing_the_rollout_limit_is_retried(run: Any, tmp_path: Path) -> None:
    seen: list[str] = []

    def hiccup(program: Program) -> Outcome:
        seen.append(program.solution)
        if len(seen) == 1:
            return Scripted(Status.SANDBOX_ERROR, message="container vanished")
        return oracle(program)

    o = go(run, tmp_path, hiccup)
    r = o.only_round
    assert r.verdict is Verdict.ACCEPTED, r.reason
    assert seen[0] == seen[1], "the reference run is repeated, not scored"
    assert leading_reference_runs(o) == 2 + 3


def test_a_sandbox_error_during_validity_aborts_the_seed(run: Any, tmp_path: Path) -> None:
    references: list[str] = []

    def broken_after_probe(program: Program) -> Outcome:
        if program.solution.strip() in REFERENCES:
            references.append(program.solution)
            if len(references) > 1:  # the validity runs, after the probe
                return Scripted(Status.SANDBOX_ERROR, message="engine hiccup")
        return oracle(program)

    o = go(run, tmp_path, broken_after_probe)
    assert o.stats.seeds_failed == 1 and "sandbox failed during validity checks" in o.stats.errors[0]
    assert o.rounds == [] and o.attempts == [] and o.table("seeds", SeedRecord) == []
    assert all(c.role in ("challenger", "weak") for c in o.calls), "the strong solver was never asked"


# --------------------------------------------------------------------------- rollouts and the gate


def test_a_problem_the_weak_solver_solves_is_too_easy(run: Any, tmp_path: Path) -> None:
    o = go(run, tmp_path, tuning=clean(weak=Odds(1.0, 1.0, 1.0)))
    r = o.only_round
    assert r.verdict is Verdict.TOO_EASY and r.reason.startswith("weak solver passed 4/4")
    assert r.weak_scores == (1.0,) * 4 and r.strong_scores == ()
    assert r.gate is not None and r.gate.strong_mean is None
    assert r.validity is not None and r.validity.valid and r.validity.cpu_limit_s
    assert o.requests.get("demo-strong", 0) == 0, "the strong solver is not asked about a too-easy problem"
    assert sorted(a.attempt.role for a in o.attempts) == ["weak"] * 4
    assert all(a.attempt.score == 1.0 for a in o.attempts)


def test_a_problem_the_strong_solver_fails_is_rejected(run: Any, tmp_path: Path) -> None:
    o = go(run, tmp_path, tuning=clean(weak=Odds(0.0, 0.0, 0.0), strong=Odds(0.0, 0.0, 0.0)), repair_turns=1)
    r = o.only_round
    assert r.verdict is Verdict.FAILED_ON_STRONG and "strong solver passed 0/4, weak 0/4" in r.reason
    assert r.strong_scores == (0.0,) * 4 and r.gate is not None and r.gate.outcome != "accepted"
    # the reviewer looked at the failing strong solutions and found the statement clear
    assert r.review and o.requests.get("demo-reviewer") == 1
    assert len(o.attempts) == 8 and all(a.attempt.turn == 0 for a in o.attempts), "no repairs on a rejection"
    assert all(a.attempt.result and a.attempt.result.tests for a in o.attempts), "failures keep their tests"


def test_a_problem_with_a_gap_is_accepted(run: Any, tmp_path: Path) -> None:
    o = go(run, tmp_path)
    r = o.only_round
    assert r.verdict is Verdict.ACCEPTED and r.review is None
    assert o.requests.get("demo-reviewer", 0) == 0, "no strong failure: nothing for the reviewer"
    assert r.weak_scores == (0.0,) * 4 and r.strong_scores == (1.0,) * 4
    (problem,) = o.table("problems", ProblemRecord)
    assert problem.problem_id == r.problem_id and problem.rounds_used == 1
    assert problem.weak_pass_rate == 0.0 and problem.strong_pass_rate == 1.0
    assert r.validity is not None and problem.validity == r.validity
    (seed,) = o.table("seeds", SeedRecord)
    assert seed.accepted and seed.problem_id == r.problem_id
    assert sorted((a.attempt.role, a.attempt.sample) for a in o.attempts) == sorted(
        (role, i) for role in ("weak", "strong") for i in range(4)
    )
    assert o.stats.executions == o.meter.runs == len(o.sandbox.history)
    phases = {name: t.runs for name, t in o.meter.by_phase.items()}
    assert phases["reference"] == 1 and phases["rollouts"] == 8 and "repair" not in phases
    assert phases["validity"] == len(o.sandbox.history) - 9


def test_the_reviewer_rejects_an_ambiguous_statement(run: Any, tmp_path: Path) -> None:
    # the demo bank flags "Anagram Check" as ambiguous; its strong solver then fails every time
    tuning = clean(weak=Odds(0.0, 0.0, 0.0), ambiguous_strong=0.0)
    o = go(run, tmp_path, tuning=tuning, topic="anagram")
    r = o.only_round
    assert r.problem is not None and r.problem.title == "Anagram Check"
    assert r.verdict is Verdict.AMBIGUOUS and r.reason.startswith("reviewer: the statement is ambiguous")
    assert r.review and r.review in r.reason
    assert r.gate is not None and r.strong_scores == (0.0,) * 4
    assert {c.role for c in o.calls} == {"challenger", "weak", "strong", "reviewer"}
    assert o.table("problems", ProblemRecord) == []


# --------------------------------------------------------------------------- repair


def test_a_repair_turn_fixes_a_failing_attempt(run: Any, tmp_path: Path) -> None:
    o = go(
        run, tmp_path, tuning=dataclasses.replace(WEAK_FAILS_STRONG_SOLVES, repair_weak=1.0), repair_turns=1
    )
    r = o.only_round
    assert r.verdict is Verdict.ACCEPTED
    repairs = [a for a in o.attempts if a.attempt.turn == 1]
    assert len(repairs) == 4 and all(a.attempt.role == "weak" and a.attempt.score == 1.0 for a in repairs)
    assert sorted(a.parent_sample for a in repairs) == [0, 1, 2, 3]
    # the repair turn saw its failing answer and the feedback on it
    assert all([m.role for m in a.prompt][-2:] == ["assistant", "user"] for a in repairs)
    assert sum(c.purpose == "repair" for c in o.calls) == 4
    # each repair turn ran its public examples for the feedback, then the hidden tests
    assert o.meter.by_phase["repair"].runs == 4 * 2
    assert r.weak_scores == (0.0,) * 4, "repairs never change the gate's rollouts"


@pytest.mark.parametrize("turns", [0, 1])
def test_repairs_happen_only_when_asked(run: Any, tmp_path: Path, turns: int) -> None:
    o = go(run, tmp_path, repair_turns=turns)
    assert o.only_round.verdict is Verdict.ACCEPTED
    assert sum(a.attempt.turn == 1 for a in o.attempts) == 4 * turns
