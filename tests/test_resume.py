"""kill -9 a running `gapforge demo` at several points, resume, and prove nothing accepted was
lost or duplicated (the final accepted set equals an uninterrupted run's)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gapforge.dataset.records import SeedRecord
from gapforge.dataset.store import finished_view, read_table

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SEEDS = "6"


def demo_cmd(out: Path) -> list[str]:
    return [sys.executable, "-m", "gapforge", "demo", "--out", str(out), "--seeds", SEEDS, "--languages", "python", "--no-progress",
            "--latency", "0.05", "--concurrency", "3"]  # fmt: skip


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def accepted_ids(run: Path) -> list[str]:
    return sorted(p.problem_id for p in finished_view(run)["problems"])


def test_sigkill_at_several_points_then_resume(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    proc = subprocess.run(demo_cmd(clean), capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    expected = accepted_ids(clean)
    assert expected, "the uninterrupted run accepted nothing; the comparison would be empty"

    run = tmp_path / "killed"
    seen_accepted: set[str] = set()
    # kill when the attempts table has grown past these line counts (several points of the run)
    for threshold in (1, 15, 40):
        with subprocess.Popen(
            demo_cmd(run), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        ) as p:
            deadline = time.monotonic() + 600
            while p.poll() is None and time.monotonic() < deadline:
                if lines(run / "records" / "attempts.jsonl") >= threshold:
                    os.killpg(p.pid, signal.SIGKILL)
                    break
                time.sleep(0.02)
            p.wait(timeout=60)
        if run.exists() and (run / "records").exists():
            now = accepted_ids(run)
            assert len(now) == len(set(now)), "an accepted problem was written twice"
            assert seen_accepted <= set(now), "an accepted problem was lost by a kill"
            seen_accepted |= set(now)

    final = subprocess.run(demo_cmd(run), capture_output=True, text=True, timeout=900, check=False)
    assert final.returncode == 0, final.stderr[-2000:]
    got = accepted_ids(run)
    assert got == expected, "the resumed run's accepted set differs from an uninterrupted run's"
    assert seen_accepted <= set(got)
    seeds = [s.seed.id for s in read_table(run, "seeds", SeedRecord)]
    assert len(seeds) == len(set(seeds)) == int(SEEDS), "every seed must be finished exactly once"
    meta = json.loads((run / "run.json").read_text())
    assert len(meta["epochs"]) >= 2


def test_run_dir_of_another_config_is_refused(tmp_path: Path) -> None:
    from gapforge.dataset.store import RunStore
    from gapforge.errors import RunStoreError

    RunStore.open(tmp_path, config_hash="aaaa", config={}).close()
    with pytest.raises(RunStoreError, match="another configuration"):
        RunStore.open(tmp_path, config_hash="bbbb", config={})
    store = RunStore.open(tmp_path, config_hash="bbbb", config={}, force_new=True)
    store.close()
    assert any(p.name.startswith("previous-aaaa") for p in tmp_path.iterdir()), (
        "old records must be kept aside"
    )


def test_corrupt_run_dir_names_the_bad_file(tmp_path: Path) -> None:
    from gapforge.dataset.store import RunStore
    from gapforge.errors import RunStoreError

    RunStore.open(tmp_path, config_hash="aaaa", config={}).close()
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(RunStoreError, match=r"run\.json is corrupt"):
        RunStore.open(tmp_path, config_hash="aaaa", config={})


def test_the_store_binds_one_policy_per_run_directory(tmp_path: Path) -> None:
    """One shape in run.json for every runner; another policy is refused with the clear error."""
    from gapforge.dataset.store import RunStore
    from gapforge.errors import RunStoreError

    with RunStore.open(tmp_path, config_hash="h", config={}) as store:
        store.bind_policy("pol-a", ["keep it short"])
        # written at once, not only at close: a crash right after still records it
        assert json.loads((tmp_path / "run.json").read_text())["policy"] == {
            "policy_id": "pol-a",
            "policy": {"rules": ["keep it short"]},
        }
        store.bind_policy("pol-a", ["keep it short"])  # the same policy again is fine
    refused = pytest.raises(RunStoreError, match="generated with challenger policy pol-a, this run uses none")
    with RunStore.open(tmp_path, config_hash="h", config={}) as store, refused:
        store.bind_policy(None)
    with RunStore.open(tmp_path, config_hash="h", config={}) as store:
        store.meta.pop("policy")  # a directory made before policies were recorded takes the first one
        store.bind_policy(None)
        assert store.meta["policy"] == {"policy_id": None, "policy": {"rules": []}}
