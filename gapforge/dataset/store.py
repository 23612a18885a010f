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
partial last line, which readers drop. Opening a run moves such a torn tail aside (to
``records/<table>.jsonl.torn``) before anything is appended, so a resumed run never writes behind
it. A write that fails (a full disk) is undone, down to the last whole line, and raised as one
RunStoreError naming the file; :meth:`RunStore.check_space` stops a run before the disk is full. Each process run is an *epoch*; a seed counts as done
only when its SeedRecord exists, and readers keep, for each seed, only the records of the epoch
that finished it — so a seed interrupted mid-way is redone cleanly and nothing is duplicated.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
from collections.abc import Iterator, Sequence
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


def _io_error(exc: OSError, path: Path, doing: str) -> RunStoreError:
    """One line naming the path and the problem, and what to do about it."""
    what = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some space there and rerun the same command to resume"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "make it writable (or choose another --out) and rerun the same command to resume"
    else:
        fix = "fix the disk or choose another --out, then rerun the same command to resume"
    return RunStoreError(f"could not {doing} {path}: {what}; {fix}")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_json(path: Path, data: Any) -> None:
    """Replace ``path`` with ``data`` as indented JSON, all or nothing: a crash leaves the old file
    or the new one, never half of either. Raises OSError; callers name the file in their error."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def lock_directory(root: Path, *, holder: str = "another gapforge process") -> int:
    """Create ``root`` if needed and take its ``.lock`` for this process alone; returns the lock's
    file descriptor for :func:`unlock_directory`. A directory another process holds is refused at
    once (no waiting) with a RunStoreError naming ``holder``."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _io_error(exc, Path(exc.filename or root), "create the run directory") from exc
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        raise RunStoreError(f"{root} is in use by {holder}; wait for it or choose another --out") from None
    return lock_fd


def unlock_directory(lock_fd: int) -> None:
    fcntl.flock(lock_fd, fcntl.LOCK_UN)
    os.close(lock_fd)


@contextlib.contextmanager
def locked_directory(root: Path, *, holder: str = "another gapforge process") -> Iterator[None]:
    """:func:`lock_directory` for the length of a ``with`` block."""
    lock_fd = lock_directory(root, holder=holder)
    try:
        yield
    finally:
        unlock_directory(lock_fd)


def append_line(fd: int, line: bytes, path: Path) -> None:
    """Append one whole line to ``fd`` (opened with O_APPEND) and fsync it: a crash leaves at most
    a partial last line, and a failed write (a full disk) is cut back to the last whole line and
    raised as a RunStoreError naming ``path``."""
    start = os.fstat(fd).st_size
    try:
        view = memoryview(line)
        while view:  # write() may be partial on some filesystems; the loop ends it
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, start)  # frees what was written; never leaves a torn line behind
        raise _io_error(exc, path, "append a record to") from exc


def append_line_to(path: Path, line: bytes) -> int:
    """:func:`append_line` for a file written now and then rather than held open (an audit log):
    a torn tail a crash left is first moved aside as at :meth:`RunStore.open`. Returns the number
    of bytes moved aside."""
    try:
        moved = set_torn_tail_aside(path)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _io_error(exc, path, "prepare") from exc
    try:
        append_line(fd, line, path)
    finally:
        os.close(fd)
    return moved


class RunStore:
    """Append-only, crash-safe record store for one run directory (single writer)."""

    def __init__(self, root: Path, meta: dict[str, Any], lock_fd: int) -> None:
        self.root = root
        self.meta = meta
        self._lock_fd = lock_fd
        self.epoch: int = meta["epochs"][-1]["epoch"]
        self.run_id: str = meta["run_id"]
        self.min_free_mb = 0
        self.torn: dict[str, int] = {}  # bytes of torn tails moved aside at open, per table
        self._fds: dict[str, int] = {}
        self._text_ids: set[str] | None = None  # loaded on first use
        try:
            for name in TABLES:
                path = self._path(name)
                moved = set_torn_tail_aside(path)
                if moved:
                    self.torn[name] = moved
                self._fds[name] = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            self._close_fds()
            raise _io_error(exc, Path(exc.filename or root), "prepare") from exc

    def _path(self, table: str) -> Path:
        return self.root / "records" / f"{table}.jsonl"

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
        lock_fd = lock_directory(root)
        try:
            try:
                meta = cls._load_or_create_meta(root, config_hash, config, force_new)
                (root / "records").mkdir(exist_ok=True)
            except OSError as exc:
                raise _io_error(exc, Path(exc.filename or root), "write") from exc
            return cls(root, meta, lock_fd)
        except BaseException:
            os.close(lock_fd)
            raise

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
        atomic_write_json(meta_path, meta)
        return meta

    # ------------------------------------------------------------------ writing

    def append(self, table: str, record: BaseModel) -> None:
        """One line, one write, fsync'd: a crash leaves at most a partial last line, and a failed
        write (a full disk) is cut back to the last whole line and raised as a RunStoreError."""
        append_line(self._fds[table], record.model_dump_json().encode() + b"\n", self._path(table))

    def check_space(self) -> None:
        """Raise RunStoreError (one line, resumable) when the run directory's filesystem has less
        than ``min_free_mb`` MiB free: better to stop between seeds than to fail mid-record."""
        if self.min_free_mb <= 0:
            return
        try:
            st = os.statvfs(self.root)
        except OSError as exc:
            raise _io_error(exc, self.root, "check the free space of") from exc
        free_mb = st.f_bavail * st.f_frsize / (1 << 20)
        if free_mb < self.min_free_mb:
            raise RunStoreError(
                f"only {free_mb:.1f} MiB free on the filesystem of {self.root} (the run stops below "
                f"output.min_free_mb = {self.min_free_mb}); free some space and rerun the same command "
                "to resume"
            )

    def bind_policy(self, policy_id: str | None, rules: Sequence[str] = ()) -> None:
        """Tie the run directory to one challenger policy (``None``: no policy), for every runner.

        A directory that records another policy is refused: its records would mix two policies
        under one dataset card. The binding is written to ``run.json`` at once, as
        ``{"policy_id": ..., "policy": {"rules": [...]}}``; a directory that records none (made
        before policies were recorded) takes this one. Knobs a policy sets are in the config.
        """
        recorded = self.meta.get("policy")
        if isinstance(recorded, dict) and recorded.get("policy_id") != policy_id:
            was = recorded.get("policy_id")
            raise RunStoreError(
                f"{self.root} was generated with challenger policy {was or 'none'}, this run uses "
                f"{policy_id or 'none'}; resume with the same --policy, choose another --out, or pass --force-new"
            )
        self.meta["policy"] = {"policy_id": policy_id, "policy": {"rules": list(rules)}}
        try:
            atomic_write_json(self.root / "run.json", self.meta)
        except OSError as exc:
            raise _io_error(exc, self.root / "run.json", "write") from exc

    def begin_epoch(self, reason: str) -> int:
        """Start a new epoch within this process (e.g. to redo seeds an engine loss interrupted):
        records of seeds started from now on carry it, so a redone seed never mixes with its
        interrupted records. Call it only when no seed is in flight."""
        epoch = self.epoch + 1
        self.meta["epochs"][-1]["finished_at"] = utcnow()
        self.meta["epochs"].append(
            {"epoch": epoch, "started_at": utcnow(), "gapforge_version": __version__, "reason": reason}
        )
        try:
            atomic_write_json(self.root / "run.json", self.meta)
        except OSError as exc:
            raise _io_error(exc, self.root / "run.json", "write") from exc
        self.epoch = epoch
        return epoch

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

    def _close_fds(self) -> None:
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()

    def close(self) -> None:
        """Close the tables and release the lock. Idempotent; on a full disk the epoch's end time is
        not stamped (nothing reads it to resume) rather than failing the close."""
        if self._lock_fd < 0:
            return
        self._close_fds()
        self.meta["epochs"][-1]["finished_at"] = utcnow()
        with contextlib.suppress(OSError):
            atomic_write_json(self.root / "run.json", self.meta)
        with contextlib.suppress(OSError):
            (self.root / "run.json.tmp").unlink(missing_ok=True)
        unlock_directory(self._lock_fd)
        self._lock_fd = -1

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    def done_seeds(self) -> set[str]:
        return {s.seed.id for s in read_table(self.root, "seeds", SeedRecord)}


def set_torn_tail_aside(path: Path) -> int:
    """Move a partial last line (a crash or a full disk mid-write) to ``<file>.torn`` and cut the
    file back to its last whole line, so the next append starts on a fresh line. Returns the
    number of bytes moved (0 when the file ends cleanly)."""
    if not path.exists():
        return 0
    with open(path, "r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        # scan back for the last newline, a block at a time
        end, pos = size, size
        cut = 0
        while pos > 0:
            step = min(1 << 16, pos)
            pos -= step
            fh.seek(pos)
            block = fh.read(step)
            nl = block.rfind(b"\n")
            if nl >= 0:
                cut = pos + nl + 1
                break
        fh.seek(cut)
        tail = fh.read(end - cut)
        torn = path.with_name(path.name + ".torn")
        with open(torn, "ab") as out:  # kept, never deleted: it is evidence of what happened
            out.write(tail + b"\n")
            out.flush()
            os.fsync(out.fileno())
        fh.truncate(cut)
        fh.flush()
        os.fsync(fh.fileno())
    return end - cut


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    if not path.exists():
        return
    with open(path, "rb") as fh:
        yield from enumerate(fh, 1)


def read_table(root: str | Path, table: str, model: type[R], *, strict_tail: bool = False) -> list[R]:
    """All records of a table, raw (every epoch). A partial last line (a crash mid-write) is
    dropped; any other unreadable line is corruption and raises RunStoreError naming it."""
    return read_jsonl(Path(root) / "records" / f"{table}.jsonl", model, strict_tail=strict_tail)


def read_jsonl(path: Path, model: type[R], *, strict_tail: bool = False) -> list[R]:
    """Every record of a JSONL file written with :func:`append_line`; the tail rule of
    :func:`read_table`."""
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
