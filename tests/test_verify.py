"""verify re-executes accepted problems in a real sandbox: a clean run reproduces, a planted
wrong reference and forged verdicts are found."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _dataset_runs import build_run

from gapforge.dataset.publish import publish
from gapforge.dataset.verify import DriftKind, verify, verify_run
from gapforge.sandbox import Status
from gapforge.verifiers.gates import make_gate

pytestmark = pytest.mark.docker


def test_a_clean_run_reproduces(tmp_path: Path, pool_sandbox: Any, run: Callable[..., Any]) -> None:
    built = build_run(tmp_path / "run")
    report = run(verify_run(built.root, pool_sandbox))
    assert report.ok, report.summary()
    assert report.run_id == built.run_id
    assert [p.title for p in report.problems] == [p.title for p in built.accepted]
    assert all(p.reference_status is Status.PASSED for p in report.problems)
    assert all(p.fresh_gate == p.recorded_gate == "accepted" for p in report.problems)
    # every measured attempt with code is re-run; the infra one and the one without code are not
    pairs = next(p for p in report.problems if p.title == "Best adjacent pair")
    assert pairs.attempts_rerun == 6
    second = next(p for p in report.problems if p.title == "Second largest distinct value")
    assert second.attempts_rerun == 10  # 8 rollouts + 2 repair turns
    assert "no drift" in report.summary()


def test_a_planted_wrong_reference_is_found(
    tmp_path: Path, pool_sandbox: Any, run: Callable[..., Any]
) -> None:
    built = build_run(tmp_path / "run", wrong_reference=True)
    report = run(verify_run(built.root, pool_sandbox))
    assert not report.ok
    (drift,) = report.drifts
    assert drift.kind is DriftKind.REFERENCE_FAILS
    assert drift.title == "Second largest distinct value"
    assert "test_duplicates_of_the_max=failed" in (drift.fresh or "")
    assert "DRIFT reference_fails" in report.summary()


def test_forged_verdicts_change_verdicts_and_the_gate(
    tmp_path: Path, pool_sandbox: Any, run: Callable[..., Any]
) -> None:
    built = build_run(tmp_path / "run", forged_verdict=True)
    report = run(verify_run(built.root, pool_sandbox))
    kinds = sorted(d.kind.value for d in report.drifts)
    assert kinds == ["gate_changed"] + ["verdict_changed"] * 3
    assert {d.title for d in report.drifts} == {"Run-length encoding"}
    changed = [d for d in report.drifts if d.kind is DriftKind.VERDICT_CHANGED]
    assert sorted((d.role, d.sample) for d in changed) == [("strong", 0), ("strong", 1), ("strong", 2)]
    assert all(d.recorded == "passed" and (d.fresh or "").startswith("failed") for d in changed)
    gate = next(d for d in report.drifts if d.kind is DriftKind.GATE_CHANGED)
    assert gate.recorded == "accepted"
    assert gate.fresh == "failed_on_strong"


def test_a_stricter_gate_changes_decisions(
    tmp_path: Path, pool_sandbox: Any, run: Callable[..., Any]
) -> None:
    built = build_run(tmp_path / "run")
    report = run(verify_run(built.root, pool_sandbox, gate=make_gate("prose", weak_max_mean=0.2)))
    # weak 0.25 no longer passes a 0.2 bound: three of the four problems flip to too_easy
    assert sorted(d.title for d in report.drifts) == [
        "Run-length encoding",
        "Second largest distinct value",
        "Second largest value",
    ]
    assert {d.fresh for d in report.drifts} == {"too_easy"}


def test_verify_a_published_dataset_with_its_own_sandbox(tmp_path: Path) -> None:
    built = build_run(tmp_path / "run", wrong_reference=True)
    publish(built.root, tmp_path / "pub", humaneval=False)
    report = verify(tmp_path / "pub", max_concurrency=2)
    assert [d.kind for d in report.drifts] == [DriftKind.REFERENCE_FAILS]
    assert report.gate.startswith("prose")
