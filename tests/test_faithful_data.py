"""The published data tells the story as it happened: what the models were sent is recorded and
published as sent, solvers learn of hidden tests only counts and error classes, problem-to-fix
trajectories come out of the default demo, every token is counted, and runs written before any of
this still publish.

The demo run is `gapforge demo` itself (what `make demo` runs): the real openai client against the
offline model server over HTTP, the real sandbox, the real run store and Parquet files.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import DemoRun

from gapforge.dataset.publish import publish, read_published
from gapforge.dataset.records import AttemptRecord, CallRecord, RoundRecord, TextRecord
from gapforge.dataset.store import read_table
from gapforge.demo.server import DemoServer
from gapforge.models import TokenUsage, Verdict
from gapforge.prompts import text_id
from gapforge.verifiers.static import parse_stdio_cases

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def demo_run(demo_cli: DemoRun) -> Path:
    return demo_cli.out


def _hidden_lines(rounds: list[RoundRecord]) -> dict[str, set[str]]:
    """Per problem id: the hidden tests' distinctive lines (function problems) or case texts
    (stdio), minus anything public (statement, examples) or in the reference solution, which a
    solver may write too."""
    out: dict[str, set[str]] = {}
    for r in rounds:
        p = r.problem
        if p is None:
            continue
        public = p.solver_view() + "\n" + p.reference_solution
        found: set[str] = set()
        if p.kind == "stdio":
            try:
                cases = parse_stdio_cases(p.tests)
            except ValueError:
                continue
            for case in cases:
                for text in case:
                    text = text.strip()
                    if len(text) >= 8 and text not in public:
                        found.add(text)
        else:
            for line in p.tests.splitlines():
                line = line.strip()
                if len(line) < 12 or line.startswith(("from ", "import ", "@", "#")) or line in public:
                    continue
                found.add(line)
        out[p.id] = found
    return out


def _training_texts(tables: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """(table, problem id, text) for every text of the training tables that gapforge wrote: the
    prompts and feedback a solver was shown, the error columns. The assistant turns are the
    solvers' own answers (a solver may well write the loop a test helper has)."""
    out = []
    for t in tables["trajectories"]:
        for m in t["messages"]:
            if m["role"] != "assistant":
                out.append(("trajectories", t["problem_id"], m["content"]))
        if t["final_feedback"]:
            out.append(("trajectories", t["problem_id"], t["final_feedback"]))
    for p in tables["preferences"]:
        for m in p["prompt"]:
            out.append(("preferences", p["problem_id"], m["content"]))
        out.append(("preferences", p["problem_id"], p["rejected_error"]))
    return out


def _leaks(run_dir: Path, tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    hidden = _hidden_lines(read_table(run_dir, "rounds", RoundRecord))
    found = []
    for table, pid, text in _training_texts(tables):
        for line in hidden.get(pid, ()):
            if line in text:
                found.append(f"{table} {pid}: {line!r}")
        if "/tmp/work-" in text or "test_solution.py" in text:
            found.append(f"{table} {pid}: sandbox path")
    return found


# --------------------------------------------------------------------------- the demo


@pytest.mark.docker
def test_the_demo_publishes_problem_to_fix_trajectories(demo_run: Path) -> None:
    tables = read_published(demo_run / "published")
    trajectories = tables["trajectories"]
    fixes = [t for t in trajectories if t["problem_accepted"] and t["turns"] >= 2]
    assert len(fixes) >= 5, Counter((t["turns"], t["label"]) for t in trajectories)
    # some repairs succeed, some do not, and the label is the final execution's
    assert any(t["repaired"] and t["label"] == "positive" for t in fixes)
    negatives = [t for t in fixes if t["label"] == "negative"]
    assert negatives
    for t in fixes:
        roles = [m["role"] for m in t["messages"]]
        assert roles[:3] == ["system", "user", "assistant"]
        assert roles.count("assistant") == t["turns"]
        feedback = t["messages"][3]["content"]
        assert "hidden test" in feedback and "Verdict:" in feedback
        assert t["messages_source"] == "recorded"
        assert t["label"] == ("positive" if t["statuses"][-1] == "passed" else "negative")
    # negatives keep the feedback their last execution gives
    assert all(t["final_feedback"] and "hidden test" in t["final_feedback"] for t in negatives)


@pytest.mark.docker
def test_no_hidden_test_line_reaches_training_text(demo_run: Path) -> None:
    tables = read_published(demo_run / "published")
    assert tables["trajectories"] and tables["preferences"]
    assert _leaks(demo_run, tables) == []
    # the analysts' column keeps the detail, under its name
    detail = [a for a in tables["attempts"] if a["status"] == "failed"]
    assert any(any(t["message"] for t in a["hidden_test_results"]) for a in detail)


@pytest.mark.docker
def test_trajectories_are_the_recorded_messages(demo_run: Path) -> None:
    """Published messages are exactly the texts the models were sent and answered, joined by id."""
    texts = {t.text_id: t.text for t in read_table(demo_run, "texts", TextRecord)}
    calls = {c.call_id: c for c in read_table(demo_run, "calls", CallRecord)}
    attempts = read_table(demo_run, "attempts", AttemptRecord)
    tables = read_published(demo_run / "published")
    by_id = {a["attempt_id"]: a for a in tables["attempts"]}
    for t in tables["trajectories"]:
        last = by_id[t["attempt_ids"][-1]]
        call = calls[last["call_id"]]
        assert [{"role": r.role, "content": texts[r.text_id]} for r in call.messages] == t["messages"][:-1]
        assert call.output == t["messages"][-1]["content"] == last["completion"]
    # every attempt with a completion came from a recorded call, and says what it was sent
    for rec in attempts:
        if rec.attempt.infra_error is None:
            assert rec.attempt.call_id in calls
            assert rec.prompt and all(r.text_id in texts for r in rec.prompt)
    # each distinct text is stored once
    stored = read_table(demo_run, "texts", TextRecord)
    assert len(stored) == len({t.text_id for t in stored})
    assert all(text_id(t.text) == t.text_id for t in stored)


@pytest.mark.docker
def test_the_solver_prompt_states_the_limits_it_is_judged_under(demo_run: Path) -> None:
    problems = read_published(demo_run / "published")["problems"]
    assert problems
    for p in problems:
        user = p["prompt"][-1]["content"]
        limit = p["validity"]["cpu_limit_s"]
        assert f"at most {limit:g} s of CPU time" in user
        assert "MiB of memory" in user


@pytest.mark.docker
def test_rounds_keep_raw_output_and_every_call(demo_run: Path) -> None:
    rounds = read_table(demo_run, "rounds", RoundRecord)
    calls = read_table(demo_run, "calls", CallRecord)
    call_ids = {c.call_id for c in calls}
    for r in rounds:
        assert r.raw_output, (r.seed_id, r.round, r.verdict)
        assert r.prompt and set(r.call_ids) <= call_ids
        challenger = [c for c in calls if c.call_id in r.call_ids and c.role == "challenger"]
        assert challenger and challenger[-1].output[: len(r.raw_output)] == r.raw_output
        # the round's usage is every billed token of its calls, unused speculative answers included
        billed: dict[str, int] = {}
        for c in calls:
            if c.call_id in r.call_ids:
                billed[c.role] = billed.get(c.role, 0) + c.usage.total
        assert {role: u.total for role, u in r.usage.items()} == billed
    invalid = [r for r in rounds if r.verdict is Verdict.INVALID and r.validity is not None]
    for r in invalid:  # speculative weak answers for an invalid draft are stored, not just counted
        weak = [c for c in calls if c.call_id in r.call_ids and c.role == "weak"]
        assert all(c.output for c in weak)


@pytest.mark.docker
def test_the_card_says_where_the_data_came_from(demo_run: Path) -> None:
    card = (demo_run / "published" / "README.md").read_text()
    assert 'license: "apache-2.0"' in card
    assert "gapforge's bundled demo bank" in card
    assert "not model-written data" in card
    assert "- python" in card
    assert "### Tokens" in card
    assert "api_key" not in card.lower().replace("api keys are never recorded", "")


@pytest.mark.docker
def test_a_held_out_split_is_deterministic_and_by_problem(demo_run: Path, tmp_path: Path) -> None:
    a = publish(demo_run, tmp_path / "a", test_fraction=0.3, humaneval=False)
    b = publish(demo_run, tmp_path / "b", test_fraction=0.3, humaneval=False)
    assert a.files == b.files
    manifest = json.loads((tmp_path / "a" / "gapforge_dataset.json").read_text())
    assert manifest["tables"]["problems"]["splits"].get("test", 0) >= 1
    import pyarrow.parquet as pq

    split_of: dict[str, str] = {}
    for table in ("problems", "attempts", "trajectories", "preferences"):
        for shard in a.files[table]:
            split = shard.rsplit("/", 1)[-1].split("-", 1)[0]
            for pid in pq.read_table(tmp_path / "a" / shard, columns=["problem_id"]).column(0).to_pylist():
                assert split_of.setdefault(pid, split) == split, (table, pid)
    card = (tmp_path / "a" / "README.md").read_text()
    assert "- split: test" in card


# --------------------------------------------------------------------------- old runs


def test_a_run_written_before_recording_still_publishes(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(FIXTURES / "run-v1", run)
    result = publish(run, tmp_path / "pub", humaneval=False)
    tables = read_published(tmp_path / "pub")
    assert result.rows["problems"] == 3
    assert tables["trajectories"]
    assert {t["messages_source"] for t in tables["trajectories"]} == {"rebuilt"}
    card = result.card.read_text()
    assert "before gapforge recorded the messages" in card
    assert "before gapforge recorded model calls" in card
    assert _leaks(run, tables) == []


# --------------------------------------------------------------------------- tokens


@pytest.mark.docker
def test_retried_answers_are_counted_as_unstored_tokens(run: Any, pool_sandbox: Any, tmp_path: Path) -> None:
    from test_e2e_loop import config, seeds

    from gapforge.generators.run import generate

    with DemoServer(faults={"demo-challenger": ["truncated", "empty"]}) as server:
        cfg = config(server.base_url, max_rounds=1)
        run(generate(cfg, seeds(1), tmp_path, sandbox=pool_sandbox))
    (rnd,) = read_table(tmp_path, "rounds", RoundRecord)
    calls = [c for c in read_table(tmp_path, "calls", CallRecord) if c.role == "challenger"]
    # the truncated and the empty answer were billed and retried away: recorded when it happened,
    # with the call, even if a sandbox hiccup under load made the seed start over
    assert calls[0].unstored_usage.completion_tokens > 0
    assert calls[0].unstored_usage.prompt_tokens > 0
    # the finished round counts exactly its own calls, stored and unstored answers alike
    own = [c for c in calls if c.call_id in rnd.call_ids]
    assert own
    assert rnd.unstored_usage.get("challenger", TokenUsage()) == sum(
        (c.unstored_usage for c in own), TokenUsage()
    )
    assert rnd.usage["challenger"] == sum((c.usage for c in own), TokenUsage())
    if own[0].call_id == calls[0].call_id:  # the usual case: no seed was redone
        assert rnd.unstored_usage["challenger"] == calls[0].unstored_usage
