"""A host-wide bound on sandbox containers, shared by every process on the machine.

A directory holds ``count`` slot files; a process owns a slot while it holds an exclusive
``flock`` on its file, and the kernel releases the lock when the process exits, however it
exits, so a crashed trainer worker never keeps a slot. A process takes at least one slot
(waiting for it) and up to as many as it wants when they are free, and sizes its sandbox to the
slots it holds: the containers of all processes together never exceed ``count``.

A process waiting for a slot leaves a ``wait-<pid>-<instance>`` file; holders that see one give their
slots back after their current batch (:meth:`HostSlots.others_waiting`), so eight verl reward
workers on a two-slot host take turns instead of starving.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
import time
from pathlib import Path

from gapforge.errors import ConfigError, SandboxError

POLL_S = 0.05


def default_slots_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"gapforge-slots-{os.getuid()}"


class HostSlots:
    """``count`` host-wide slots in ``directory`` (created if missing)."""

    def __init__(self, count: int, directory: str | Path | None = None) -> None:
        if count < 1:
            raise ConfigError(f"the host-wide sandbox slot count must be at least 1, got {count}")
        self.count = count
        self.directory = Path(directory) if directory is not None else default_slots_dir()
        self._held: dict[int, int] = {}  # slot index -> open fd holding its lock

    @property
    def held(self) -> int:
        return len(self._held)

    def acquire(self, want: int, timeout_s: float) -> int:
        """Hold between 1 and ``want`` slots; wait up to ``timeout_s`` for the first. Returns how
        many are held. Raises SandboxError when none came free in time."""
        self.directory.mkdir(parents=True, exist_ok=True)
        want = max(1, min(want, self.count))
        deadline = time.monotonic() + timeout_s
        waiting = self.directory / self._wait_name()
        try:
            while True:
                self._grab(want)
                if self._held:
                    return len(self._held)
                if time.monotonic() >= deadline:
                    raise SandboxError(
                        f"no host-wide sandbox slot came free in {timeout_s:.0f} s ({self.count} slots in "
                        f"{self.directory}, all held by other processes); raise GAPFORGE_HOST_SLOTS or "
                        "run fewer reward workers"
                    )
                waiting.touch()
                time.sleep(POLL_S)
        finally:
            with contextlib.suppress(OSError):
                waiting.unlink()

    def _grab(self, want: int) -> None:
        for index in range(self.count):
            if len(self._held) >= want:
                return
            if index in self._held:
                continue
            fd = os.open(self.directory / f"slot-{index}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise
                continue
            self._held[index] = fd

    def release(self) -> None:
        """Give every held slot back (idempotent)."""
        held, self._held = self._held, {}
        for fd in held.values():
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(fd)

    def forget(self) -> None:
        """In a forked child: close the inherited descriptors without unlocking (the locks stay
        the parent's)."""
        held, self._held = self._held, {}
        for fd in held.values():
            with contextlib.suppress(OSError):
                os.close(fd)

    def _wait_name(self) -> str:
        # per process and instance: two rewarders of one process wait for each other too
        return f"wait-{os.getpid()}-{id(self)}"

    def others_waiting(self) -> bool:
        """Whether another live process (or another rewarder of this one) waits for a slot."""
        try:
            names = os.listdir(self.directory)
        except OSError:
            return False
        mine = self._wait_name()
        for name in names:
            if not name.startswith("wait-") or name == mine:
                continue
            try:
                pid = int(name.split("-")[1])
            except (IndexError, ValueError):
                continue
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                with contextlib.suppress(OSError):
                    os.unlink(self.directory / name)
                continue
            except PermissionError:
                pass
            return True
        return False
