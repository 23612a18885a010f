"""The round's oracle phase without Docker: the real :class:`Generator` and run store, scripted
models (a problem with an input generator is not in the demo bank) and a
:class:`ScriptedSandbox`. The differential suite's build is replaced by a fixed suite (building it
runs the challenger's generator and the reference, which only a real sandbox can do; see
test_oracle.py); hardening, the rollouts on the final tests and the false-pass check run as in
a real round. The same round runs end to end in the real sandbox in test_e2e_loop.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _problems import RUN_REFERENCE, function_problem
from conftest import RUN_ID

from gapforge.config import OracleSection, RunConfig, demo_config
from gapforge.dataset.records import AttemptRecord, ProblemRecord, RoundRecord, Seed
from gapforge.dataset.store import RunStore, read_table
from gapforge.generators import loop as loop_module
from gapforge.generators.loop import Generator, Models
from gapforge.llm import Completion
from gapforge.models import Message, Problem, Verdict
from gapforge.sandbox import Limits, Program, Sandbox, Status
from gapforge.sandbox.scripted import Outcome, Scripted, ScriptedSandbox
from gapforge.verifiers.mutation import generate_mutants
from gapforge.verifiers.oracle import DifferentialSuite, OracleCase, OracleConfig, render_suite

GENERATOR = "def generate(rng):\n    return ([rng.randint(-3, 3) for _ in range(rng.randint(0, 6))],)\n"
VALIDATOR = "def validate(xs):\n    if not isinstance(xs, list):\n        raise TypeError('a list')\n"
PROBLEM = function_problem(input_generator=GENERATOR, input_validator=VALIDATOR)
CASES = (
    OracleCase(name="diff_000", origin="generated", input="([1, 2, 0, 1],)", expected="2"),
    OracleCase(name="diff_001", origin="generated", input="([3, 3, 4],)", expected="2"),
    OracleCase(name="diff_002", origin="boundary", input="([],)", expected="0"),
)
WRONG = "def longest_run(xs):\n    return 0\n"  # fails the challenger's tests
SNEAKY = "def longest_run(xs):\n    return max(1, len(xs) // 2)\n"  # passes them (scripted), not the final
# The first mutant of the reference: it survives the challenger's tests and diff_001 kills it.
MUTANT = generate_mutants(RUN_REFERENCE, max_mutants=10, seed=0, skip_main_guard=True)[0]


def differential(problem: Problem, **changes: Any) -> DifferentialSuite:
    fields: dict[str, Any] = {
        "suite": render_suite(problem, CASES, 1e-6),
        "cases": CASES,
        "drawn": 3,
        "mutations_tried": 0,
        "duplicates": 0,
        "reference_cpu_s": 0.01,
    }
    return DifferentialSuite(**(fields | changes))


def is_differential(program: Program) -> bool:
    return "Differential tests" in program.tests


def script(
    challenger_passes: Sequence[str] = (), final_fails: dict[str, tuple[str, ...]] | None = None
) -> Callable[[Program], Outcome]:
    """The reference passes everything; ``challenger_passes`` pass the challenger's tests; the
    programs in ``final_fails`` fail the named differential cases (the rest pass them)."""
    fails = final_fails or {}

    def verdict(program: Program) -> Outcome:
        code = program.solution.strip()
        if code == RUN_REFERENCE.strip():
            return Status.PASSED
        if is_differential(program):
            if code in fails:
                return Scripted(Status.FAILED, failing=tuple(f"test_{n}" for n in fails[code]))
            return Status.PASSED
        return Status.PASSED if code in {c.strip() for c in challenger_passes} else Status.FAILED

    return verdict


class ScriptedModel:
    """A chat model that answers from a table: the challenger with the problem's JSON, a solver
    with the code of its sample (``seed`` = sample * 1000 + turn)."""

    def __init__(self, answer: Callable[[int], str]) -> None:
        self.answer = answer

    async def complete(self, messages: Sequence[Message], *, seed: int | None = None) -> Completion:
        return Completion(text=self.answer(seed or 0), finish_reason="stop", model="scripted", latency_s=0.0)


def code_block(code: str) -> str:
    return f"```python\n{code}```"


@dataclass
class Round:
    record: RoundRecord
    attempts: list[AttemptRecord]
    problems: list[ProblemRecord]
    sandbox: Any  # the ScriptedSandbox (its history) or the real one


def config(**oracle: Any) -> RunConfig:
    cfg = demo_config("http://127.0.0.1:9/v1")
    loop = cfg.loop.model_copy(
        update={"max_rounds": 1, "max_mutants": 10, "validity_runs": 2, "repair_turns": 0}
    )
    return cfg.model_copy(update={"loop": loop, "oracle": OracleSection(**oracle)})


def play(
    run: Any,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    verdicts: Callable[[Program], Outcome],
    *,
    weak: str = WRONG,
    strong: str = RUN_REFERENCE,
    suite: Callable[[Problem], DifferentialSuite] = differential,
    cfg: RunConfig | None = None,
) -> Round:
    built: list[Problem] = []

    async def fake_build(
        sandbox: Sandbox, problem: Problem, config: OracleConfig | None = None, limits: Limits | None = None
    ) -> DifferentialSuite:
        built.append(problem)
        return suite(problem)

    monkeypatch.setattr(loop_module, "build_differential_suite", fake_build)
    cfg = cfg or config()
    sandbox = ScriptedSandbox(verdicts)

    async def entered() -> Round:
        async with sandbox:
            return await one_round(out, cfg, sandbox, PROBLEM, weak, strong)

    outcome = run(entered())
    assert built == ([PROBLEM] if cfg.oracle.enabled else [])
    return outcome


async def one_round(
    out: Path, cfg: RunConfig, sandbox: Sandbox, problem: Problem, weak: str, strong: str
) -> Round:
    """One seed of one round with scripted models, in ``sandbox`` (entered), read back."""
    models = Models(
        challenger=ScriptedModel(lambda _s: problem.model_dump_json()),
        weak=ScriptedModel(lambda _s: code_block(weak)),
        strong=ScriptedModel(lambda _s: code_block(strong)),
    )
    store = RunStore.open(out, config_hash=cfg.config_hash, config=cfg.model_dump(mode="json"))
    try:
        await Generator(cfg, models, sandbox, store).run([Seed(id="s-1", topic="runs")], concurrency=1)
    finally:
        store.close()
    (record,) = read_table(out, "rounds", RoundRecord)
    return Round(
        record,
        read_table(out, "attempts", AttemptRecord),
        read_table(out, "problems", ProblemRecord),
        sandbox,
    )


def test_a_problem_with_a_gap_on_the_final_tests_carries_its_suites(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = play(run, tmp_path, monkeypatch, script())
    assert r.record.verdict is Verdict.ACCEPTED, r.record.reason
    (problem,) = r.problems
    oracle = problem.oracle
    assert oracle is not None and oracle == r.record.oracle
    assert [s.name for s in problem.hidden_suites] == ["challenger", "differential"]
    assert problem.hidden_suites[1].cpu_limit_s, "the suite's own budget is recorded"
    assert oracle.measures is not None and oracle.measures.inputs_kept == 3
    # known-wrong programs were checked: the four failing weak attempts and the killed mutants
    assert oracle.false_passes == () and oracle.measures.known_wrong_checked >= 4
    assert oracle.verdict_changed == ()
    # every rollout ran both suites
    assert (
        sum(is_differential(p) and p.solution.strip() == RUN_REFERENCE.strip() for p in r.sandbox.history)
        == 4
    )
    # the round records its sandbox work by phase; the oracle's share is its phases plus the runs
    # of its suites in the rollouts
    phases = {t.phase: t.runs for t in r.record.sandbox}
    assert sum(phases.values()) == len(r.sandbox.history)
    assert phases["rollouts"] == 8 and phases["rollouts/oracle_suites"] == 8
    # the known-wrong programs' recorded failures establish the rule; four distinct ones run again
    assert phases["oracle.known_wrong"] == 4 and phases["validity"] > 0
    assert all(t.cpu_s >= 0 and t.wall_s >= 0 for t in r.record.sandbox)


def test_defects_found_by_the_build_make_the_problem_invalid(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(problem: Problem) -> DifferentialSuite:
        return differential(problem, generator_errors=("ValueError: empty range for randrange()",))

    r = play(run, tmp_path, monkeypatch, script(), suite=broken)
    assert r.record.verdict is Verdict.INVALID
    assert "the input generator failed 1 times: ValueError: empty range" in r.record.reason
    assert r.record.oracle is not None and r.record.oracle.defects and r.record.oracle.suites == ()
    assert r.attempts == [] and r.problems == [], "no rollout runs on a defective problem"
    from gapforge.dataset.publish import publish

    publish(tmp_path, tmp_path / "pub", humaneval=False)
    card = (tmp_path / "pub" / "README.md").read_text()
    assert "Invalid drafts by failed check: oracle 1." in card
    assert "| drafts rejected: the oracle found the problem defective | 1 |" in card


def test_hardening_turns_a_surviving_mutant_into_a_hidden_case(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = play(
        run,
        tmp_path,
        monkeypatch,
        script(challenger_passes=[MUTANT.source], final_fails={MUTANT.source.strip(): ("diff_001",)}),
    )
    assert r.record.verdict is Verdict.ACCEPTED, r.record.reason
    assert r.record.validity is not None and MUTANT.description in r.record.validity.surviving_mutants
    oracle = r.problems[0].oracle
    assert oracle is not None and oracle.measures is not None
    assert oracle.hardening_cases == ("diff_001",) and oracle.killed_by_hardening == (MUTANT.description,)
    assert oracle.measures.mutants_killed_by_hardening == 1 and oracle.probably_equivalent == ()
    # the case is in the final tests: the mutant, a known-wrong program now, fails them
    assert "diff_001" in r.problems[0].hidden_suites[1].tests and oracle.false_passes == ()


def test_a_survivor_no_case_kills_is_probably_equivalent(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = play(run, tmp_path, monkeypatch, script(challenger_passes=[MUTANT.source]))
    oracle = r.record.oracle
    assert oracle is not None and oracle.probably_equivalent == (MUTANT.description,)
    assert oracle.hardening_cases == () and r.record.verdict is Verdict.ACCEPTED


def test_rollouts_are_judged_on_the_final_tests(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the weak solver passes the challenger's tests: alone they would call the problem too easy
    verdicts = script(challenger_passes=[SNEAKY], final_fails={SNEAKY.strip(): ("diff_000", "diff_001")})
    r = play(run, tmp_path, monkeypatch, verdicts, weak=SNEAKY)
    assert r.record.verdict is Verdict.ACCEPTED, r.record.reason
    assert r.record.weak_scores == (0.0,) * 4 and r.record.strong_scores == (1.0,) * 4
    oracle = r.record.oracle
    assert oracle is not None and oracle.verdict_changed == tuple(f"weak/{i}/0" for i in range(4))
    weak = [a.attempt for a in r.attempts if a.attempt.role == "weak"]
    for a in weak:
        assert a.result is not None and a.result.status is Status.FAILED
        failing = {t.name for t in a.result.tests if t.status is not Status.PASSED}
        assert failing == {"differential: test_diff_000", "differential: test_diff_001"}
        assert 0 < a.result.fraction_passed < 1

    # the same round with the oracle off: judged on the challenger's tests, too easy
    off = play(run, tmp_path / "off", monkeypatch, verdicts, weak=SNEAKY, cfg=config(enabled=False))
    assert off.record.verdict is Verdict.TOO_EASY and off.record.oracle is None
    assert not any(is_differential(p) for p in off.sandbox.history)


def test_a_known_wrong_program_that_passes_the_final_tests_blocks_acceptance(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the weak solution fails the challenger's tests in its four rollouts, then passes them:
    # a failing attempt that passes when run again is a known-wrong program the tests let through
    base = script()
    runs = {"n": 0}

    def flaky(program: Program) -> Outcome:
        if program.solution.strip() == WRONG.strip() and not is_differential(program):
            runs["n"] += 1
            return Status.FAILED if runs["n"] <= 4 else Status.PASSED
        return base(program)

    r = play(run, tmp_path, monkeypatch, flaky)
    assert r.record.verdict is Verdict.INVALID
    assert "known-wrong programs pass the final hidden tests: weak/0/0" in r.record.reason
    assert r.record.gate is not None and r.record.gate.outcome == "accepted", "the gate alone would accept"
    oracle = r.record.oracle
    assert oracle is not None and set(oracle.false_passes) == {f"weak/{i}/0" for i in range(4)}
    assert oracle.measures is not None and oracle.measures.false_passes == 4
    assert r.problems == []


def test_known_wrong_programs_are_rechecked_up_to_the_configured_number(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in (0, 2):
        r = play(run, tmp_path / str(n), monkeypatch, script(), cfg=config(known_wrong_rechecks=n))
        assert r.record.verdict is Verdict.ACCEPTED, r.record.reason
        phases = {t.phase: t.runs for t in r.record.sandbox}
        assert phases.get("oracle.known_wrong", 0) == n
        oracle = r.record.oracle
        assert oracle is not None and oracle.measures is not None
        # the four failing weak attempts and the killed mutants are known wrong either way
        assert oracle.measures.known_wrong_checked >= 5 and oracle.false_passes == ()


def test_the_oracle_section_hashes_as_unset_at_its_defaults() -> None:
    cfg = demo_config("http://127.0.0.1:9/v1")
    assert cfg.model_copy(update={"oracle": OracleSection()}).config_hash == cfg.config_hash
    for change in ({"n_inputs": 10}, {"seed": 3}, {"enabled": False}, {"max_cases_stdio": 5}):
        assert cfg.model_copy(update={"oracle": OracleSection(**change)}).config_hash != cfg.config_hash
    assert OracleSection(n_inputs=7, seed=2).oracle_config() == OracleConfig(n_inputs=7, seed=2)


# --------------------------------------------------------------------------- the published problem


def test_the_published_problem_carries_its_final_tests_to_verify_and_rewards(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    from gapforge.dataset.export import export
    from gapforge.dataset.publish import publish, read_published
    from gapforge.dataset.tables import problem_record_from_row, round_record_from_row
    from gapforge.dataset.verify import verify_run
    from gapforge.reward import RewardTask, SandboxRewarder, tasks_from_columns

    verdicts = script(challenger_passes=[SNEAKY], final_fails={SNEAKY.strip(): ("diff_000", "diff_001")})
    r = play(run, tmp_path / "run", monkeypatch, verdicts, weak=SNEAKY)
    (recorded,) = r.problems
    assert recorded.oracle is not None and recorded.oracle.suites

    # the problems and rounds tables carry the oracle, and read back to the same records
    publish(tmp_path / "run", tmp_path / "pub", humaneval=False)
    tables = read_published(tmp_path / "pub", ["problems", "rounds"])
    (row,) = tables["problems"]
    assert problem_record_from_row(row) == recorded
    assert round_record_from_row(tables["rounds"][0]) == r.record
    assert row["differential_inputs"] == 3 and row["attempt_false_passes"] == 4
    assert row["mutants_killed_by_hardening"] == 0 and row["probably_equivalent_mutants"] == 0
    card = (tmp_path / "pub" / "README.md").read_text()
    assert "### Test oracle" in card and "1 of 1 accepted problems carry an input generator" in card
    assert "| differential inputs (cases in the final tests) | 3 |" in card
    assert "| solver attempts that pass the challenger's tests but fail the final ones | 4 of 8 |" in card
    assert "`differential_inputs`" in card.split("## Columns")[1], "every column is documented"

    # verify re-runs every attempt on the final tests: the recorded verdicts hold
    async def verify() -> Any:
        async with ScriptedSandbox(verdicts) as sandbox:
            report = await verify_run(tmp_path / "pub", sandbox)
            return report, sandbox.history

    report, history = run(verify())
    assert report.ok, report.summary()
    assert sum(is_differential(p) for p in history) == 1 + 8, "the reference and every attempt"

    # the rewards judge on the final tests: the sneaky solution passes the challenger's tests only
    export(tmp_path / "pub", "trl", tmp_path / "trl", humaneval=False)
    columns = pq.read_table(tmp_path / "trl" / "train.parquet").to_pydict()
    (task,) = tasks_from_columns(1, columns)
    assert [s.name for s in task.hidden_suites()] == ["challenger", "differential"]
    alone = RewardTask(kind=task.kind, tests=task.tests, entry_point=task.entry_point)
    with SandboxRewarder(sandbox_factory=lambda: ScriptedSandbox(verdicts), host_slots=None) as rewarder:
        sneaky, reference = code_block(SNEAKY), code_block(RUN_REFERENCE)
        assert rewarder.score_batch([sneaky, reference, sneaky], [task, task, alone]) == [0.0, 1.0, 1.0]
        assert rewarder.score(sneaky, task, fraction=True) == pytest.approx(10 / 12)


# --------------------------------------------------------------------------- end to end, real sandbox


@pytest.mark.docker
def test_a_round_with_an_input_generator_end_to_end(run: Any, pool_sandbox: Any, tmp_path: Path) -> None:
    """The issue's example in a real round: the challenger's tests for edit distance with swaps
    miss the `j >= 1` mutant, which the weak solver submits. The differential suite, built and
    answered in the sandbox, catches it: the weak rollouts fail the final tests (the gate sees a
    gap the challenger's tests alone would have hidden), and the published problem, verify and
    the rewards all judge on the same final tests."""
    from test_oracle import OSA_MUTANT, OSA_REFERENCE, osa_problem

    from gapforge.dataset.publish import publish, read_published
    from gapforge.dataset.verify import verify_run
    from gapforge.reward import RewardTask, SandboxRewarder

    problem = osa_problem()
    cfg = config(n_inputs=30, max_mutations=20)
    # four weak tests: enough for static checks and the mutation threshold on this small problem
    cfg = cfg.model_copy(
        update={"loop": cfg.loop.model_copy(update={"min_tests": 4, "mutation_threshold": 0.5})}
    )
    r = run(one_round(tmp_path / "run", cfg, pool_sandbox, problem, weak=OSA_MUTANT, strong=OSA_REFERENCE))

    assert r.record.verdict is Verdict.ACCEPTED, r.record.reason
    assert r.record.weak_scores == (0.0,) * 4 and r.record.strong_scores == (1.0,) * 4
    (accepted,) = r.problems
    oracle = accepted.oracle
    assert oracle is not None and oracle.measures is not None and oracle.defects == ()
    assert oracle.measures.inputs_kept >= 20, oracle.measures
    assert oracle.verdict_changed == tuple(f"weak/{i}/0" for i in range(4))
    assert oracle.false_passes == () and oracle.measures.known_wrong_checked >= 4
    # validity let the audit's mutant through; hardening turned a differential case against it
    assert r.record.validity is not None and "`j > 1` -> `j >= 1`" in r.record.validity.surviving_mutants[0]
    assert (
        oracle.killed_by_hardening == r.record.validity.surviving_mutants and len(oracle.hardening_cases) == 1
    )
    assert [s.name for s in accepted.hidden_suites] == ["challenger", "differential"]
    weak = next(a.attempt for a in r.attempts if a.attempt.role == "weak")
    assert weak.result is not None
    assert all(
        t.status is Status.PASSED for t in weak.result.tests if not t.name.startswith("differential: ")
    )
    assert any(
        t.status is not Status.PASSED for t in weak.result.tests if t.name.startswith("differential: ")
    )

    publish(tmp_path / "run", tmp_path / "pub", humaneval=False)
    (row,) = read_published(tmp_path / "pub", ["problems"])["problems"]
    assert row["differential_inputs"] == oracle.measures.inputs_kept and row["attempt_false_passes"] == 4
    report = run(verify_run(tmp_path / "pub", pool_sandbox))
    assert report.ok, report.summary()

    from gapforge.dataset.export import ground_truth

    task = RewardTask.from_ground_truth(ground_truth(row))
    alone = RewardTask(kind=task.kind, tests=task.tests, entry_point=task.entry_point)
    with SandboxRewarder("pool", max_concurrency=1, run_id=RUN_ID, host_slots=None) as rewarder:
        mutant, reference = code_block(OSA_MUTANT), code_block(OSA_REFERENCE)
        assert rewarder.score_batch([mutant, reference, mutant], [task, task, alone]) == [0.0, 1.0, 1.0]


def test_combined_verdicts_lose_no_failure() -> None:
    from gapforge.sandbox import ExecutionResult, TestRecord, combine_results
    from gapforge.sandbox.combine import first_part_passed

    ok = ExecutionResult(
        status=Status.PASSED, tests=(TestRecord(name="test_a", status=Status.PASSED),), cpu_s=1
    )
    broken = ExecutionResult(status=Status.ERROR, message="SyntaxError", cpu_s=2)
    assert combine_results([("challenger", ok)]) is ok, "one suite: the result as it always was"
    both = combine_results([("challenger", broken), ("differential", ok)])
    assert both.status is Status.ERROR and both.fraction_passed == 0.5 and both.cpu_s == 3
    assert not first_part_passed(both, ["differential"])
    late = combine_results([("challenger", ok), ("differential", broken)])
    assert late.status is Status.ERROR and late.message == "differential: SyntaxError"
    assert [t.name for t in late.tests] == ["test_a", "differential"]
    assert first_part_passed(late, ["differential"])
