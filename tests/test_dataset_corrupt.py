"""Damaged run directories: a clear error naming the bad file (and line) from publish, export,
report and verify; a truncated last line (a crash mid-write) is tolerated."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _dataset_runs import Built, build_run

from gapforge.dataset.export import export
from gapforge.dataset.publish import publish, read_published
from gapforge.dataset.report import report
from gapforge.dataset.verify import verify
from gapforge.errors import RunStoreError


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_run(tmp_path_factory.mktemp("pristine") / "run")


@pytest.fixture
def run_dir(pristine: Built, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(pristine.root, copy)
    return copy


CONSUMERS: dict[str, Callable[[Path, Path], Any]] = {
    "publish": lambda run, tmp: publish(run, tmp / "pub", humaneval=False),
    "export": lambda run, tmp: export(run, "sft", tmp / "sft", humaneval=False),
    "report": lambda run, tmp: report(run, tmp / "report.html"),
    # verify reads the directory before it opens a sandbox, so this needs no Docker
    "verify": lambda run, tmp: verify(run),
}


def _replace_line(path: Path, number: int, content: bytes) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    lines[number - 1] = content
    path.write_bytes(b"".join(lines))


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
@pytest.mark.parametrize(
    "garbage", [b'{"run_id": "run-x", "epoch":\n', b"\xff\xfe not utf-8 at all\n", b"[1, 2, 3]\n"]
)
def test_a_corrupt_middle_line_is_named_by_file_and_line(
    run_dir: Path, tmp_path: Path, consumer: str, garbage: bytes
) -> None:
    _replace_line(run_dir / "records" / "attempts.jsonl", 5, garbage)
    with pytest.raises(RunStoreError, match=r"records/attempts\.jsonl:5 is corrupt"):
        CONSUMERS[consumer](run_dir, tmp_path)


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
def test_a_missing_run_json_says_it_is_not_a_run_directory(
    run_dir: Path, tmp_path: Path, consumer: str
) -> None:
    (run_dir / "run.json").unlink()
    with pytest.raises(RunStoreError, match=r"run\.json is missing"):
        CONSUMERS[consumer](run_dir, tmp_path)


def test_a_corrupt_run_json_is_named(run_dir: Path, tmp_path: Path) -> None:
    (run_dir / "run.json").write_text('{"run_id": "run-1", "epochs": [')
    with pytest.raises(RunStoreError, match=r"run\.json is corrupt"):
        publish(run_dir, tmp_path / "pub", humaneval=False)


def test_a_directory_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(RunStoreError, match="does not exist"):
        report(tmp_path / "nowhere", tmp_path / "r.html")
    with pytest.raises(RunStoreError, match="neither a gapforge run directory"):
        export(tmp_path, "verl", tmp_path / "out")


def test_a_truncated_last_line_is_dropped_not_an_error(
    run_dir: Path, pristine: Built, tmp_path: Path
) -> None:
    # A crash mid-write of the last SeedRecord: that seed is not finished, so its problem, rounds
    # and attempts are left out; everything else publishes as before.
    seeds = run_dir / "records" / "seeds.jsonl"
    seeds.write_bytes(seeds.read_bytes()[:-40])
    attempts = run_dir / "records" / "attempts.jsonl"
    attempts.write_bytes(attempts.read_bytes() + b'{"schema_version": 1, "run_id": "run-')
    result = publish(run_dir, tmp_path / "pub", humaneval=False)
    assert result.rows["problems"] == len(pristine.accepted) - 1
    rows = read_published(tmp_path / "pub")
    assert "s-second-again" not in {r["seed_id"] for r in rows["rounds"]}
    assert report(run_dir, tmp_path / "r.html").accepted == len(pristine.accepted) - 1


def test_a_corrupt_published_shard_is_named(pristine: Built, tmp_path: Path) -> None:
    out = tmp_path / "pub"
    publish(pristine.root, out, humaneval=False)
    shard = out / "data" / "problems" / "train-00000-of-00001.parquet"
    shard.write_bytes(shard.read_bytes()[:100])
    with pytest.raises(
        RunStoreError, match=r"problems/train-00000-of-00001\.parquet is not a readable Parquet"
    ):
        export(out, "verl", tmp_path / "verl")
