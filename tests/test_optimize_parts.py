"""The optimizer's pieces that had no test of their own before it became a package: the
per-iteration pick (parent and minibatch), the directory lock and the audit log's torn tail (both
the run store's own helpers), and the analyzer and editor prompts as package data. No Docker."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest

from gapforge import prompts
from gapforge.config import demo_config
from gapforge.dataset.records import Seed
from gapforge.dataset.store import RunStore, locked_directory
from gapforge.demo.bank import DEFAULT_TOPICS
from gapforge.errors import RunStoreError
from gapforge.models import content_hash
from gapforge.optimize import AUDIT_FILE, AuditEntry, AuditLog, Candidate, Optimizer, Policy
from gapforge.optimize.roles import editor_messages, meta_prompt_hashes
from gapforge.optimize.selection import iteration_rng, pick

CFG = demo_config("http://127.0.0.1:9/v1")
SEEDS = [Seed(id="s-" + content_hash({"topic": t, "context": ""}, 12), topic=t) for t in DEFAULT_TOPICS[:8]]
POPULATION = [
    Candidate(Policy(), [0.3]),
    Candidate(Policy(rules=("Prefer problems with tricky edge cases.",)), [0.35]),
    Candidate(Policy(rules=("State every input bound.",)), [0.2]),
]


def picks(seed: int, temperature: float = 1.0) -> list[tuple[int, list[int]]]:
    out = []
    for i in range(1, 9):
        p = pick(POPULATION, SEEDS, temperature=temperature, minibatch=3, rng=iteration_rng(seed, i))
        out.append((POPULATION.index(p.parent), [SEEDS.index(s) for s in p.minibatch]))
    return out


def test_the_pick_is_fixed_by_the_seed_and_the_iteration() -> None:
    # Pinned: a resumed optimization (or a newer gapforge resuming an older one) must pick exactly
    # the parents and minibatches the interrupted run would have.
    assert picks(7) == [
        (1, [0, 3, 5]), (1, [1, 2, 5]), (1, [0, 3, 6]), (1, [1, 5, 7]),
        (1, [2, 4, 6]), (2, [2, 5, 6]), (2, [4, 6, 7]), (2, [1, 5, 6]),
    ]  # fmt: skip
    assert picks(7) == picks(7)
    assert picks(8) != picks(7), "another optimizer seed draws differently"


def test_the_pick_keeps_training_order_and_reports_every_probability() -> None:
    p = pick(POPULATION, SEEDS, temperature=0.1, minibatch=3, rng=iteration_rng(0, 1))
    assert len(p.minibatch) == 3 and list(p.minibatch) == [s for s in SEEDS if s in p.minibatch]
    assert set(p.selection) == {c.id for c in POPULATION}
    assert sum(p.selection.values()) == pytest.approx(1.0)
    everything = pick(POPULATION, SEEDS[:2], temperature=0.1, minibatch=5, rng=iteration_rng(0, 1))
    assert everything.minibatch == tuple(SEEDS[:2]), "a minibatch larger than the training set takes it all"
    greedy = pick(POPULATION, SEEDS, temperature=0.0, minibatch=1, rng=iteration_rng(0, 1))
    assert greedy.parent is POPULATION[1] and greedy.selection[POPULATION[1].id] == 1.0


def _entry(i: int) -> AuditEntry:
    return AuditEntry(
        iteration=i, started_at="t", temperature=0.1, parent_id=Policy().id, parent=Policy(),
        decision="baseline" if i == 0 else "rejected_no_change", reason="r", core_hash="c", gate={},
    )  # fmt: skip


def test_the_audit_log_keeps_a_torn_tail_aside_like_the_run_store(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / AUDIT_FILE)
    e0, e1 = _entry(0), _entry(1)
    log.append(e0)
    torn = e1.model_dump_json().encode()  # whole JSON, but the newline never made it
    with open(log.path, "ab") as fh:
        fh.write(torn)
    assert log.read() == [e0], "an unterminated line was never confirmed: the iteration is redone"
    log.append(e1)
    assert log.read() == [e0, e1]
    assert (tmp_path / (AUDIT_FILE + ".torn")).read_bytes() == torn + b"\n", "kept as evidence"


def test_one_optimizer_per_directory(tmp_path: Path) -> None:
    opt = Optimizer(
        CFG, SEEDS[:2], SEEDS[2:3], tmp_path,
        sandbox=cast(Any, None), analyzer=cast(Any, None), editor=cast(Any, None),
    )  # fmt: skip
    with locked_directory(tmp_path, holder="another gapforge optimize"):
        with pytest.raises(RunStoreError, match="in use by another gapforge optimize"):
            asyncio.run(opt.run())
        # the run store takes the same lock: a run directory in use is refused the same way
        with pytest.raises(RunStoreError, match="in use by another gapforge process"):
            RunStore.open(tmp_path, config_hash="c", config={})
    assert not (tmp_path / "optimizer.json").exists(), "refused before any work"


def test_the_meta_prompts_are_package_data_with_unchanged_text() -> None:
    # The hashes optimizer.json recorded when these prompts were Python strings: same bytes.
    assert meta_prompt_hashes() == {
        "analyzer_system": "e65148046053",
        "analyzer_user": "d153994e5120",
        "editor_system": "4358a641650b",
        "editor_user": "06f12273ddb2",
    }
    # not generation prompts: record provenance and the frozen core hash exactly what they did
    assert tuple(prompts.prompt_hashes()) == prompts.PROMPT_NAMES
    system, user = editor_messages(Policy(), "too easy")
    assert system.content == prompts.load("optimize_editor_system")
    assert user.content.endswith(
        '{"rules": [str], "challenger_temperature": number | null, "rationale": str}'
    )
    with pytest.raises(KeyError, match="optimize_editor_user"):
        prompts.load("optimize_nothing")
