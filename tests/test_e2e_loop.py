"""End to end: the real `openai` client against the offline model server over HTTP, the real
sandbox, the real run store. One test per branch of the loop."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import DemoRun

from gapforge.config import RunConfig, demo_config
from gapforge.dataset.records import AttemptRecord, ProblemRecord, RoundRecord, Seed, SeedRecord, TextRecord
from gapforge.dataset.store import finished_view, read_table
from gapforge.demo.bank import DEFAULT_TOPICS
from gapforge.demo.script import DEFAULT_TUNING, Odds, Tuning
from gapforge.demo.server import DemoServer
from gapforge.generators.run import RunSummary, generate
from gapforge.models import Verdict, content_hash
from gapforge.verifiers.gates import RolloutScore

pytestmark = pytest.mark.docker


def seeds(n: int, offset: int = 0) -> list[Seed]:
    return [
        Seed(id="s-" + content_hash({"topic": t, "context": ""}, 12), topic=t)
        for t in DEFAULT_TOPICS[offset : offset + n]
    ]


def config(
    base_url: str,
    *,
    max_rounds: int = 3,
    timeout_s: float | None = None,
    retries: int | None = None,
    validity_runs: int = 5,
    speculative_weak: bool = True,
) -> RunConfig:
    cfg = demo_config(base_url)
    roles = {}
    for name, rc in cfg.roles.configured().items():
        update: dict[str, Any] = {}
        if timeout_s is not None:
            update["timeout_s"] = timeout_s
        if retries is not None:
            update["max_retries"] = retries
        roles[name] = rc.model_copy(update=update)
    return cfg.model_copy(
        update={
            "roles": cfg.roles.model_copy(update=roles),
            "loop": cfg.loop.model_copy(
                update={
                    "max_rounds": max_rounds,
                    "max_mutants": 10,
                    "validity_runs": validity_runs,
                    "speculative_weak": speculative_weak,
                }
            ),
        }
    )


def flawed(kind: str) -> Tuning:
    return dataclasses.replace(DEFAULT_TUNING, flaw_p=1.0, flaw_weights=((kind, 1.0),))  # type: ignore[arg-type]


def go(
    run: Callable[..., Any],
    pool_sandbox: Any,
    out: Path,
    *,
    tuning: Tuning = DEFAULT_TUNING,
    n_seeds: int = 1,
    max_rounds: int = 3,
    faults: dict[str, list[str]] | None = None,
    timeout_s: float | None = None,
    validity_runs: int = 5,
    speculative_weak: bool = True,
) -> tuple[RunSummary, dict[str, int]]:
    with DemoServer(tuning=tuning, faults=faults, timeout_delay=3.0) as server:
        cfg = config(
            server.base_url, max_rounds=max_rounds, timeout_s=timeout_s, validity_runs=validity_runs,
            speculative_weak=speculative_weak,
        )  # fmt: skip
        summary = run(generate(cfg, seeds(n_seeds), out, sandbox=pool_sandbox))
        return summary, server.request_counts()


def rounds(out: Path) -> list[RoundRecord]:
    return read_table(out, "rounds", RoundRecord)


def test_accepted_problem_is_recomputable_from_raw_records(
    run: Any, pool_sandbox: Any, tmp_path: Path
) -> None:
    summary, _ = go(run, pool_sandbox, tmp_path, n_seeds=3, max_rounds=6)
    view = finished_view(tmp_path)
    assert summary.stats.accepted >= 1, summary.lines()
    cfg = demo_config("http://127.0.0.1:1/v1")
    for prob in view["problems"]:
        assert isinstance(prob, ProblemRecord)
        assert prob.strong_pass_rate >= 0.65 and prob.weak_pass_rate < 0.5
        # the rollouts' CPU limit is recorded with the problem, for rewards and verify to reuse: at
        # least the floor, about 4x the reference (fixed from one reference run before the solvers
        # are asked, so their prompt can state it), and stated in the prompt they were sent
        floor = cfg.sandbox.rollout_cpu_floor_s
        limit = prob.validity.cpu_limit_s
        assert limit is not None and floor <= limit <= cfg.sandbox.limits.cpu_seconds
        assert limit == floor or limit == pytest.approx(4 * prob.validity.reference_cpu_s, rel=0.5)
        prompts = [
            a.prompt
            for a in view["attempts"]
            if a.attempt.problem_id == prob.problem_id and a.attempt.turn == 0
        ]
        texts = {t.text_id: t.text for t in read_table(tmp_path, "texts", TextRecord)}
        assert all(f"at most {limit:g} s of CPU time" in texts[p[-1].text_id] for p in prompts)
        atts = [
            a.attempt
            for a in view["attempts"]
            if a.attempt.problem_id == prob.problem_id and a.attempt.turn == 0
        ]
        weak = [RolloutScore.of_attempt(a) for a in atts if a.role == "weak"]
        strong = [RolloutScore.of_attempt(a) for a in atts if a.role == "strong"]
        assert len(weak) == len(strong) == 4
        # acceptance is recomputed from raw execution results, never taken from a model
        assert cfg.gate.decide(weak, strong).accepted
        for a in atts:
            assert a.result is not None and a.code
            assert a.result.status.value in ("passed", "failed", "error", "timeout", "memory_exceeded")
        assert prob.provenance.prompt_hashes and prob.provenance.sandbox_backend == "pool"


def test_too_easy_never_calls_the_strong_solver(run: Any, pool_sandbox: Any, tmp_path: Path) -> None:
    tuning = dataclasses.replace(DEFAULT_TUNING, weak=Odds(1.0, 1.0, 1.0), flaw_p=0.0)
    summary, counts = go(run, pool_sandbox, tmp_path, tuning=tuning, max_rounds=2)
    assert [r.verdict for r in rounds(tmp_path)] == [Verdict.TOO_EASY, Verdict.TOO_EASY]
    assert counts.get("demo-strong", 0) == 0
    assert "weak solver passed 4/4" in rounds(tmp_path)[0].reason
    # max rounds reached: the seed is finished, not accepted
    (seed,) = read_table(tmp_path, "seeds", SeedRecord)
    assert not seed.accepted and seed.rounds == 2
    assert summary.stats.accepted == 0


def test_failed_on_strong_then_feedback_changes_the_next_draft(
    run: Any, pool_sandbox: Any, tmp_path: Path
) -> None:
    tuning = dataclasses.replace(
        DEFAULT_TUNING, weak=Odds(0.0, 0.0, 0.0), strong=Odds(0.0, 0.0, 0.0), flaw_p=0.0
    )
    go(run, pool_sandbox, tmp_path, tuning=tuning, max_rounds=2)
    rs = rounds(tmp_path)
    assert [r.verdict for r in rs] == [Verdict.FAILED_ON_STRONG, Verdict.FAILED_ON_STRONG]
    assert "strong solver passed 0/4" in rs[0].reason
    assert rs[0].problem and rs[1].problem and rs[0].problem.title != rs[1].problem.title, (
        "round 2 must be a new problem"
    )
    strong = [a for a in read_table(tmp_path, "attempts", AttemptRecord) if a.attempt.role == "strong"]
    assert len(strong) == 8 and all(a.attempt.score == 0.0 for a in strong)
    assert all(a.attempt.result and a.attempt.result.tests for a in strong), (
        "failing attempts keep their test output"
    )


@pytest.mark.parametrize(
    ("flaw", "needle"),
    [
        ("wrong_reference", "reference"),
        ("flaky_test", "flaky"),
        ("weak_tests", ""),
        ("leaked_solution", "reveals the solution"),
    ],
)
def test_invalid_drafts_are_rejected_with_the_reason(
    run: Any, pool_sandbox: Any, tmp_path: Path, flaw: str, needle: str
) -> None:
    # 12 reference runs: a coin-flip test looks stable in all of them with probability 2/4096
    go(run, pool_sandbox, tmp_path, tuning=flawed(flaw), max_rounds=2, validity_runs=12)
    rs = rounds(tmp_path)
    assert len(rs) == 2, "max rounds reached"
    for r in rs:
        assert r.verdict is Verdict.INVALID, (r.verdict, r.reason)
        assert needle.lower() in r.reason.lower(), r.reason
    if flaw == "weak_tests":
        assert all(
            ("trivial" in r.reason) or ("mutant" in r.reason) or ("mutation" in r.reason) for r in rs
        ), rs[0].reason
    if flaw == "flaky_test":
        assert all(r.validity and r.validity.flaky_tests for r in rs)
    assert read_table(tmp_path, "attempts", AttemptRecord) == [], "an invalid draft has no scored attempt"


def test_without_speculation_the_weak_solver_is_never_asked_about_an_invalid_draft(
    run: Any, pool_sandbox: Any, tmp_path: Path
) -> None:
    _, counts = go(
        run, pool_sandbox, tmp_path, tuning=flawed("wrong_reference"), max_rounds=2, speculative_weak=False
    )
    assert [r.verdict for r in rounds(tmp_path)] == [Verdict.INVALID, Verdict.INVALID]
    assert counts.get("demo-weak", 0) == 0 and counts.get("demo-strong", 0) == 0


class _Hold:
    """Holds the first execution that starts once the server has had ``after`` requests (per model)
    until it has had ``until`` requests, or ``limit_s`` passed; records whether ``until`` came."""

    def __init__(
        self, inner: Any, server: DemoServer, *, until: dict[str, int], after: dict[str, int] | None = None,
        limit_s: float = 15.0, skip: int = 0,
    ) -> None:  # fmt: skip
        self.inner, self.server, self.limit_s = inner, server, limit_s
        self.until, self.after, self.skip = until, after or {}, skip
        self.name = inner.name
        self.came: bool | None = None
        self.runs = 0

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def _seen(self, want: dict[str, int]) -> bool:
        counts = self.server.request_counts()
        return all(counts.get(model, 0) >= n for model, n in want.items())

    async def run(self, program: Any, limits: Any = None) -> Any:
        if self.came is None and self.runs >= self.skip and self._seen(self.after):
            self.came = False
            deadline = time.monotonic() + self.limit_s
            while time.monotonic() < deadline:
                if self._seen(self.until):
                    self.came = True
                    break
                await asyncio.sleep(0.01)
        self.runs += 1
        return await self.inner.run(program, limits)


def test_weak_solver_is_asked_while_the_validity_checks_run(
    run: Any, pool_sandbox: Any, tmp_path: Path
) -> None:
    tuning = dataclasses.replace(DEFAULT_TUNING, flaw_p=0.0)
    with DemoServer(tuning=tuning) as server:
        # the first execution is the reference run that fixes the rollouts' CPU limit (the solver
        # prompt states it); the validity checks come after it
        held = _Hold(pool_sandbox, server, until={"demo-weak": 1}, skip=1)
        cfg = config(server.base_url, max_rounds=1)
        summary = run(generate(cfg, seeds(1), tmp_path, sandbox=held))
    assert held.came is True, "the weak solver was not asked before validity finished"
    (r,) = rounds(tmp_path)
    assert r.validity is not None and r.validity.valid and len(r.weak_scores) == 4
    assert summary.stats.seeds_done == 1
    # every execution is counted: reference runs, trivial programs, mutants and rollouts
    assert summary.stats.executions == held.runs > 5 + 8


def test_strong_solver_is_asked_once_the_weak_gate_is_settled(
    run: Any, pool_sandbox: Any, tmp_path: Path
) -> None:
    # the weak solver fails every time; one weak execution is held back: with three zeros in, the
    # weak mean cannot reach 0.5 any more, so the strong solver must be asked while it is held
    tuning = dataclasses.replace(
        DEFAULT_TUNING, weak=Odds(0.0, 0.0, 0.0), strong=Odds(1.0, 1.0, 1.0), flaw_p=0.0
    )
    with DemoServer(tuning=tuning) as server:
        held = _Hold(pool_sandbox, server, after={"demo-weak": 4}, until={"demo-strong": 1})
        cfg = config(server.base_url, max_rounds=1, speculative_weak=False)  # validity runs before weak
        run(generate(cfg, seeds(1), tmp_path, sandbox=held))
    assert held.came is True, "the strong solver waited for every weak rollout"
    (r,) = rounds(tmp_path)
    assert r.verdict is Verdict.ACCEPTED, r.reason
    assert len(r.weak_scores) == 4 and all(x == 0.0 for x in r.weak_scores)
    assert len(r.strong_scores) == 4


def test_speculation_changes_timing_not_results(run: Any, pool_sandbox: Any, tmp_path: Path) -> None:
    """Same seeds with and without speculation: the same verdicts, scores and accepted problems."""
    out: dict[bool, list[tuple[str, str, tuple[float | None, ...], tuple[float | None, ...]]]] = {}
    for spec in (True, False):
        go(run, pool_sandbox, tmp_path / str(spec), n_seeds=3, max_rounds=4, speculative_weak=spec)
        out[spec] = sorted(
            (r.seed_id, r.verdict.value, r.weak_scores, r.strong_scores) for r in rounds(tmp_path / str(spec))
        )
    assert out[True] == out[False]
    assert any(v == "invalid" for _, v, _, _ in out[True]) or any(v == "accepted" for _, v, _, _ in out[True])


@pytest.mark.parametrize("flaw", ["invalid_json", "prose_without_code"])
def test_malformed_draft_is_retried_with_the_parse_error(
    run: Any, pool_sandbox: Any, tmp_path: Path, flaw: str
) -> None:
    # every first draft is broken; the retry (which shows the model its reply and the parse error) recovers
    _, counts = go(run, pool_sandbox, tmp_path, tuning=flawed(flaw), max_rounds=1)
    (r,) = rounds(tmp_path)
    assert r.verdict is not Verdict.MALFORMED
    assert r.problem is not None
    assert counts["demo-challenger"] == 2


def test_output_that_stays_malformed_is_recorded_as_malformed(
    run: Any, pool_sandbox: Any, tmp_path: Path
) -> None:
    faults = {"demo-challenger": ["malformed"] * 4}
    go(run, pool_sandbox, tmp_path, max_rounds=2, faults=faults)
    rs = rounds(tmp_path)
    assert [r.verdict for r in rs] == [Verdict.MALFORMED, Verdict.MALFORMED]
    assert "not a valid problem" in rs[0].reason
    assert rs[0].raw_output, "the malformed text is kept for the record"
    (seed,) = read_table(tmp_path, "seeds", SeedRecord)
    assert seed.rounds == 2 and not seed.accepted


def test_endpoint_errors_are_retried_and_never_scored(run: Any, pool_sandbox: Any, tmp_path: Path) -> None:
    faults = {
        "demo-weak": ["429", "500", "timeout", "empty", "truncated"],
        "demo-challenger": ["500", "429"],
    }
    tuning = dataclasses.replace(DEFAULT_TUNING, flaw_p=0.0)
    summary, _ = go(run, pool_sandbox, tmp_path, tuning=tuning, max_rounds=1, faults=faults, timeout_s=1.5)
    weak = next(u for u in summary.usage if u.role == "weak")
    assert weak.retries >= 5, weak
    attempts = [a.attempt for a in read_table(tmp_path, "attempts", AttemptRecord)]
    assert attempts and all(a.infra_error is None for a in attempts), "retries recovered every attempt"
    assert all(a.completion.strip() for a in attempts), "an empty completion is never scored"
    assert summary.stats.seeds_done == 1


def test_connection_refused_leaves_the_seed_unfinished_then_resumes(
    run: Any, pool_sandbox: Any, tmp_path: Path
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    cfg = config(dead, max_rounds=1, timeout_s=1.0, retries=1)
    summary = run(generate(cfg, seeds(1), tmp_path, sandbox=pool_sandbox))
    assert summary.stats.seeds_failed == 1
    assert "unreachable" in summary.stats.errors[0]
    assert read_table(tmp_path, "seeds", SeedRecord) == [], "an infrastructure failure must not finish a seed"
    # the same run directory resumes against a live endpoint (operational fields are not in the hash)
    with DemoServer() as server:
        live = config(server.base_url, max_rounds=1, timeout_s=1.0, retries=1)
        summary2 = run(generate(live, seeds(1), tmp_path, sandbox=pool_sandbox, force_new=True))
    assert summary2.stats.seeds_done == 1


def test_demo_cli_smoke(demo_cli: DemoRun) -> None:
    assert "accepted" in demo_cli.stdout and "verdicts:" in demo_cli.stdout
    verdicts = Counter(r.verdict for r in rounds(demo_cli.out))
    assert sum(verdicts.values()) >= 2
    assert verdicts[Verdict.ACCEPTED] >= 1
    # the demo ends with what a user would make of the run: the dataset and the report
    assert (demo_cli.out / "report.html").is_file() and list((demo_cli.out / "published").rglob("*.parquet"))


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("[roles.challenger]\nbase_url='http://127.0.0.1:9/v1'\nmodel='m'\n", "roles.weak"),
        (
            "[roles.challenger]\nbase_url='http://127.0.0.1:9/v1'\nmodel='m'\n[roles.weak]\nbase_url='http://127.0.0.1:9/v1'\nmodel='m'\n"
            "[roles.strong]\nbase_url='http://127.0.0.1:9/v1'\nmodel='m'\n[gate]\npreset='strict'\n",
            "gate",
        ),
        (
            "[roles.challenger]\nbase_url='not a url'\nmodel='m'\n[roles.weak]\nbase_url='http://127.0.0.1:9/v1'\nmodel='m'\n"
            "[roles.strong]\nbase_url='http://127.0.0.1:9/v1'\nmodel='m'\n",
            "roles.challenger.base_url",
        ),
        (
            "[roles.challenger]\nbase_url='https://api.example.com/v1'\nmodel='m'\napi_key_env='GAPFORGE_TEST_UNSET_KEY'\n"
            "[roles.weak]\nbase_url='http://127.0.0.1:9/v1'\nmodel='m'\n[roles.strong]\nbase_url='http://127.0.0.1:9/v1'\nmodel='m'\n",
            "GAPFORGE_TEST_UNSET_KEY",
        ),
    ],
    ids=["missing-role", "unknown-preset", "bad-url", "missing-api-key-variable"],
)
def test_bad_config_fails_before_any_work(tmp_path: Path, body: str, needle: str) -> None:
    cfg = tmp_path / "run.toml"
    cfg.write_text(body)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "gapforge", "generate", "--config", str(cfg), "--out", str(out), "--no-progress"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists(), "no work may start on a bad config"
