"""Publish a run as a Hugging Face dataset: Parquet shards per table plus a dataset card.

Layout of the output directory::

    README.md                                   dataset card (YAML header + governance)
    gapforge_dataset.json                       manifest: schema version, run, rows and files per table
    data/<table>/train-00000-of-0000N.parquet   shards of at most ``max_rows_per_shard`` rows

Load it with ``datasets.load_dataset(OUT, "problems")`` (the card's ``configs``), or read the
shards with pandas or pyarrow. Reading back: :func:`read_published` gives the rows of every table.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from gapforge import __version__
from gapforge.dataset.card import render_card, schema_summary
from gapforge.dataset.quality import QualityReport, check_problems
from gapforge.dataset.records import utcnow
from gapforge.dataset.schemas import DATASET_SCHEMA_VERSION, TABLE_NAMES, to_table
from gapforge.dataset.tables import Row, build_rows, is_run_dir, load_run
from gapforge.errors import ConfigError, RunStoreError

MANIFEST = "gapforge_dataset.json"
DEFAULT_SHARD_ROWS = 10_000
SPLIT = "train"


class PublishResult(BaseModel):
    """What was written: rows and shard files (relative to ``out_dir``) per table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    out_dir: Path
    rows: dict[str, int]
    files: dict[str, tuple[str, ...]]
    card: Path
    quality: QualityReport


def shard_name(index: int, total: int, split: str = SPLIT) -> str:
    return f"{split}-{index:05d}-of-{total:05d}.parquet"


def split_of(problem_id: str | None, test_fraction: float) -> str:
    """``test`` for a deterministic ``test_fraction`` of problems (by a hash of the problem id),
    ``train`` for the rest: every row of a problem lands in the same split, in every table, on
    every publication."""
    if not problem_id or test_fraction <= 0:
        return SPLIT
    bucket = int(hashlib.sha256(problem_id.encode()).hexdigest()[:8], 16) / 16**8
    return "test" if bucket < test_fraction else SPLIT


def write_shards(
    table: str, rows: Sequence[Row], directory: Path, max_rows: int, split: str = SPLIT
) -> list[Path]:
    """A table's rows as Parquet shards of at most ``max_rows`` rows; none when there are no rows
    (``datasets`` cannot load a zero-row Parquet file)."""
    if max_rows < 1:
        raise ConfigError(f"max_rows_per_shard must be >= 1, got {max_rows}")
    if not rows:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    total = (len(rows) + max_rows - 1) // max_rows
    paths = []
    for i in range(total):
        chunk = list(rows[i * max_rows : (i + 1) * max_rows])
        path = directory / shard_name(i, total, split)
        pq.write_table(to_table(table, chunk), path, compression="zstd")
        paths.append(path)
    return paths


def publish(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    max_rows_per_shard: int = DEFAULT_SHARD_ROWS,
    license: str | None = None,
    pretty_name: str | None = None,
    benchmark_files: Iterable[str | Path] = (),
    humaneval: bool = True,
    test_fraction: float = 0.0,
) -> PublishResult:
    """Build the published dataset of ``run_dir`` (finished seeds only) in ``out_dir`` (default
    ``run_dir/published``). A previous publication there is replaced; a directory that holds other
    things is refused rather than overwritten.

    ``license``: the card's licence (default: the run config's ``license``, else ``other``).
    ``test_fraction``: hold out that share of problems, with every row about them, as a ``test``
    split (deterministic, by problem id)."""
    if not 0.0 <= test_fraction < 1.0:
        raise ConfigError(f"--test-fraction must be in [0, 1), got {test_fraction}")
    run_dir = Path(run_dir)
    out = Path(out_dir) if out_dir is not None else run_dir / "published"
    data = load_run(run_dir)
    license = license or str(data.config.get("license") or "other")
    quality = check_problems(data.problems, benchmark_files=benchmark_files, humaneval=humaneval)
    rows = build_rows(data, quality)
    _check_target(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".staging-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        files: dict[str, list[str]] = {}
        splits: dict[str, dict[str, int]] = {}
        for table in TABLE_NAMES:
            by_split: dict[str, list[Row]] = {}
            for row in rows[table]:
                by_split.setdefault(split_of(row.get("problem_id"), test_fraction), []).append(row)
            files[table] = []
            splits[table] = {name: len(part) for name, part in sorted(by_split.items())}
            for name, part in sorted(by_split.items()):
                written = write_shards(table, part, staging / "data" / table, max_rows_per_shard, name)
                files[table] += [p.relative_to(staging).as_posix() for p in written]
        card = render_card(data, rows, quality, files, license=license, pretty_name=pretty_name)
        (staging / "README.md").write_text(card, encoding="utf-8")
        manifest = {
            "format": "gapforge-dataset",
            "schema_version": DATASET_SCHEMA_VERSION,
            "published_with": __version__,
            "published_at": utcnow(),
            "run_id": data.meta.get("run_id"),
            "config_hash": data.meta.get("config_hash"),
            "split": SPLIT,
            "test_fraction": test_fraction,
            "tables": {
                t: {"rows": len(rows[t]), "splits": splits[t], "files": files[t]} for t in TABLE_NAMES
            },
            "columns": schema_summary(),
            # What `gapforge verify` needs to recompute the gate; never endpoints or keys.
            "config": {k: data.config[k] for k in ("gate", "sandbox", "loop") if k in data.config},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        _swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PublishResult(
        out_dir=out,
        rows={t: len(rows[t]) for t in TABLE_NAMES},
        files={t: tuple(files[t]) for t in TABLE_NAMES},
        card=out / "README.md",
        quality=quality,
    )


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a directory; choose another output directory")
    if out.is_dir() and not (out / MANIFEST).exists():
        clashing = [n for n in ("data", "README.md") if (out / n).exists()]
        if clashing:
            raise ConfigError(
                f"{out} already holds {' and '.join(clashing)} that gapforge did not publish; "
                "choose an empty or new output directory"
            )


def _swap_in(staging: Path, out: Path) -> None:
    """Replace the previous publication's files with the staged ones (each by a rename)."""
    old = out / f".old-{secrets.token_hex(4)}"
    old.mkdir()
    try:
        for name in ("data", "README.md", MANIFEST):
            if (out / name).exists():
                os.replace(out / name, old / name)
        for name in ("data", "README.md", MANIFEST):
            if (staging / name).exists():
                os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- reading back


def is_published_dir(path: str | Path) -> bool:
    return (Path(path) / MANIFEST).is_file() or (Path(path) / "data").is_dir()


def read_published(path: str | Path, tables: Iterable[str] = TABLE_NAMES) -> dict[str, list[Row]]:
    """The rows of each table of a published dataset (shards read with pyarrow, in order)."""
    root = Path(path)
    out: dict[str, list[Row]] = {}
    for table in tables:
        shards = sorted((root / "data" / table).glob("*.parquet"))
        rows: list[Row] = []
        for shard in shards:
            try:
                rows += pq.read_table(shard).to_pylist()
            except (pa.ArrowInvalid, OSError) as exc:
                raise RunStoreError(
                    f"{shard} is not a readable Parquet file ({exc}); publish the run again"
                ) from None
        out[table] = rows
    return out


def load_rows(
    path: str | Path,
    tables: Iterable[str] = TABLE_NAMES,
    *,
    benchmark_files: Iterable[str | Path] = (),
    humaneval: bool = True,
) -> dict[str, list[Row]]:
    """Rows of each table from a run directory (built on the fly, with quality flags) or from a
    published dataset."""
    p = Path(path)
    wanted = list(tables)
    if is_run_dir(p):
        data = load_run(p)
        report = check_problems(data.problems, benchmark_files=benchmark_files, humaneval=humaneval)
        built = build_rows(data, report)
        return {t: built[t] for t in wanted}
    if is_published_dir(p):
        return read_published(p, wanted)
    raise RunStoreError(
        f"{p} is neither a gapforge run directory (no run.json) nor a published dataset "
        f"(no {MANIFEST} or data/); pass the --out directory of `gapforge generate` or of `gapforge publish`"
    )


def manifest(path: str | Path) -> Mapping[str, object]:
    p = Path(path) / MANIFEST
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunStoreError(f"{p} is missing or corrupt ({exc}); publish the run again") from None
    if not isinstance(data, dict):
        raise RunStoreError(f"{p} is corrupt; publish the run again")
    return data
