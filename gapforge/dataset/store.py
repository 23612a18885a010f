"""The run store: the source of truth while a run is going.

Layout of a run directory::

    run.json              run id, config hash, the config, gapforge version, epochs
    records/rounds.jsonl  one RoundRecord per line
    records/attempts.jsonl
    records/problems.jsonl
    records/seeds.jsonl   one SeedRecord per finished seed (written last for that seed)
    records/calls.jsonl   every model call: messages sent (as text ids), raw answer, tokens
    records/texts.jsonl   each distinct message text once, keyed by its content address
    .lock                 held by the one process writing this directory

Crash safety: every record is one line appended with a single write() and fsync'd before the
loop moves on, so ``kill -9`` at any moment loses at most the work in flight and at most a
partial last line, which readers drop. Each process run is an *epoch*; a seed counts as done
only when its SeedRecord exists, and readers keep, for each seed, only the records of the epoch
that finished it — so a seed interrupted mid-way is redone cleanly and nothing is duplicated.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from gapforge import __version__
from gapforge.dataset.records import (
    AttemptRecord,
    CallRecord,
    ProblemRecord,
    RoundRecord,
    SeedRecord,
    TextRecord,
    utcnow,
)
from gapforge.errors import RunStoreError

TABLES: dict[str, type[BaseModel]] = {
    "rounds": RoundRecord,
    "attempts": AttemptRecord,
    "problems": ProblemRecord,
    "seeds": SeedRecord,
    "calls": CallRecord,
    "texts": TextRecord,
}
# Tables whose records belong to one seed's epoch (the clean view keeps the finishing epoch's).
SEED_TABLES = ("rounds", "attempts", "problems", "calls")
R = TypeVar("R", bound=BaseModel)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class RunStore:
    """Append-only, crash-safe record store for one run directory (single writer)."""

    def __init__(self, root: Path, meta: dict[str, Any], lock_fd: int) -> None:
        self.root = root
        self.meta = meta
        self._lock_fd = lock_fd
        self.epoch: int = meta["epochs"][-1]["epoch"]
        self.run_id: str = meta["run_id"]
        self._files = {name: open(root / "records" / f"{name}.jsonl", "ab") for name in TABLES}  # noqa: SIM115
        self._text_ids: set[str] | None = None  # loaded on first use

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls, root: str | Path, *, config_hash: str, config: dict[str, Any], force_new: bool = False
    ) -> RunStore:
        """Open (and lock) a run directory, creating it or resuming it.

        A directory made by another configuration is refused unless ``force_new``, which moves
        the old records aside (never deletes them).
        """
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise RunStoreError(f"{root} exists and is not a directory; choose another --out")
        root.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            raise RunStoreError(
                f"{root} is in use by another gapforge process; wait for it or choose another --out"
            ) from None
        try:
            meta = cls._load_or_create_meta(root, config_hash, config, force_new)
        except BaseException:
            os.close(lock_fd)
            raise
        (root / "records").mkdir(exist_ok=True)
        return cls(root, meta, lock_fd)

    @staticmethod
    def _load_or_create_meta(
        root: Path, config_hash: str, config: dict[str, Any], force_new: bool
    ) -> dict[str, Any]:
        meta_path = root / "run.json"
        meta: dict[str, Any] | None = None
        if meta_path.exists():
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                if not isinstance(meta, dict) or "config_hash" not in meta or "epochs" not in meta:
                    raise ValueError("missing config_hash or epochs")
            except (ValueError, OSError) as exc:
                raise RunStoreError(
                    f"{meta_path} is corrupt ({exc}); it is not a gapforge run directory or it was damaged. "
                    "Choose another --out, or move the directory aside."
                ) from exc
            if meta["config_hash"] != config_hash:
                if not force_new:
                    raise RunStoreError(
                        f"{root} holds a run made with another configuration (config hash {meta['config_hash']}, "
                        f"this one is {config_hash}). Resume it with the same config, choose another --out, "
                        "or pass --force-new to start over (the old records are kept in a backup folder)."
                    )
                backup = root / f"previous-{meta['config_hash']}-{secrets.token_hex(3)}"
                backup.mkdir()
                for name in ("run.json", "records"):
                    if (root / name).exists():
                        os.replace(root / name, backup / name)
                meta = None
        if meta is None:
            meta = {
                "run_id": "run-" + secrets.token_hex(6),
                "config_hash": config_hash,
                "config": config,
                "gapforge_version": __version__,
                "created_at": utcnow(),
                "epochs": [],
            }
        epoch = (meta["epochs"][-1]["epoch"] + 1) if meta["epochs"] else 1
        meta["epochs"].append({"epoch": epoch, "started_at": utcnow(), "gapforge_version": __version__})
        _atomic_write_json(meta_path, meta)
        return meta

    # ------------------------------------------------------------------ writing

    def append(self, table: str, record: BaseModel) -> None:
        """One line, one write, fsync'd: a crash leaves at most a partial last line."""
        line = record.model_dump_json().encode() + b"\n"
        fh = self._files[table]
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())

    def write_round(self, record: RoundRecord) -> None:
        self.append("rounds", record)

    def write_attempt(self, record: AttemptRecord) -> None:
        self.append("attempts", record)

    def write_problem(self, record: ProblemRecord) -> None:
        self.append("problems", record)

    def finish_seed(self, record: SeedRecord) -> None:
        self.append("seeds", record)

    def write_call(self, record: CallRecord) -> None:
        self.append("calls", record)

    def write_text(self, record: TextRecord) -> None:
        """Store a message text unless it already is (texts are content-addressed)."""
        if self._text_ids is None:
            self._text_ids = {t.text_id for t in read_table(self.root, "texts", TextRecord)}
        if record.text_id not in self._text_ids:
            self.append("texts", record)
            self._text_ids.add(record.text_id)

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self.meta["epochs"][-1]["finished_at"] = utcnow()
        _atomic_write_json(self.root / "run.json", self.meta)
        fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        os.close(self._lock_fd)

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    def done_seeds(self) -> set[str]:
        return {s.seed.id for s in read_table(self.root, "seeds", SeedRecord)}


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    if not path.exists():
        return
    with open(path, "rb") as fh:
        yield from enumerate(fh, 1)


def read_table(root: str | Path, table: str, model: type[R], *, strict_tail: bool = False) -> list[R]:
    """All records of a table, raw (every epoch). A partial last line (a crash mid-write) is
    dropped; any other unreadable line is corruption and raises RunStoreError naming it."""
    path = Path(root) / "records" / f"{table}.jsonl"
    rows: list[R] = []
    lines = list(iter_lines(path))
    for i, (no, line) in enumerate(lines):
        last = i == len(lines) - 1
        if last and not line.endswith(b"\n") and not strict_tail:
            break  # the write a crash interrupted
        try:
            rows.append(model.model_validate_json(line))
        except ValidationError as exc:
            raise RunStoreError(
                f"{path}:{no} is corrupt ({exc.errors()[0]['msg'] if exc.errors() else exc}); "
                "the run directory was damaged. Move that line aside or restore the file, then rerun."
            ) from exc
    return rows


def finished_view(root: str | Path) -> dict[str, list[Any]]:
    """The clean dataset: records of finished seeds only, from the epoch that finished each."""
    seeds = read_table(root, "seeds", SeedRecord)
    final_epoch: dict[str, int] = {}
    for s in seeds:
        final_epoch.setdefault(s.seed.id, s.epoch)  # the first finish wins; a seed is never redone
    out: dict[str, list[Any]] = {"seeds": []}
    seen_seed: set[str] = set()
    for s in seeds:
        if s.seed.id not in seen_seed and final_epoch[s.seed.id] == s.epoch:
            seen_seed.add(s.seed.id)
            out["seeds"].append(s)
    for table in SEED_TABLES:
        model = TABLES[table]
        out[table] = [
            r
            for r in read_table(root, table, model)
            if final_epoch.get(r.seed_id) == r.epoch  # type: ignore[attr-defined]
        ]
    # Every call ever made (aborted seeds' too) for the token accounting, and every text.
    out["all_calls"] = read_table(root, "calls", CallRecord)
    out["texts"] = read_table(root, "texts", TextRecord)
    return out


class RecordSink(Protocol):
    """Where the loop writes: the RunStore on one machine, a buffer on a cluster worker."""

    run_id: str
    epoch: int

    def write_round(self, record: RoundRecord) -> None: ...

    def write_attempt(self, record: AttemptRecord) -> None: ...

    def write_problem(self, record: ProblemRecord) -> None: ...

    def finish_seed(self, record: SeedRecord) -> None: ...

    def write_call(self, record: CallRecord) -> None: ...

    def write_text(self, record: TextRecord) -> None: ...

    def done_seeds(self) -> set[str]: ...


class BufferSink:
    """Collects one worker's records in order, for the driver (the single writer) to append."""

    def __init__(self, run_id: str, epoch: int, done: set[str] | None = None) -> None:
        self.run_id = run_id
        self.epoch = epoch
        self._done = set(done or ())
        self.records: list[tuple[str, BaseModel]] = []
        self._text_ids: set[str] = set()

    def write_round(self, record: RoundRecord) -> None:
        self.records.append(("rounds", record))

    def write_attempt(self, record: AttemptRecord) -> None:
        self.records.append(("attempts", record))

    def write_problem(self, record: ProblemRecord) -> None:
        self.records.append(("problems", record))

    def finish_seed(self, record: SeedRecord) -> None:
        self.records.append(("seeds", record))

    def write_call(self, record: CallRecord) -> None:
        self.records.append(("calls", record))

    def write_text(self, record: TextRecord) -> None:
        if record.text_id not in self._text_ids:
            self._text_ids.add(record.text_id)
            self.records.append(("texts", record))

    def done_seeds(self) -> set[str]:
        return set(self._done)

    def drain_into(self, store: RunStore) -> None:
        """Append everything to the real store, the SeedRecord last (it marks the seed done)."""
        for table, record in self.records:
            if isinstance(record, TextRecord):
                store.write_text(record)  # deduplicated across workers
            else:
                store.append(table, record)
        self.records.clear()
