"""Warm pool backend: long-lived hardened containers, each with an in-container agent.

Each container has every default of the fresh-container mode (no network, read-only root, tmpfs,
non-root, no capabilities, no-new-privileges, pids/memory/CPU limits) and runs the harness's
agent as PID 1. A job travels over the container's attached stdin; the agent runs its candidate
processes (a test worker, each stdio case, a script) as forks of a zygote, a pre-warmed
interpreter the agent forked before it read any job, so a candidate holds nothing of this or any
earlier job (own process group, fresh temp dir, rlimits, killed as a group), then kills every
leftover process, wipes /tmp and /dev/shm and removes SysV IPC objects,
so nothing of one job is visible to the next. The result comes back sealed with the job's nonce
on the agent's stdout. A container is recycled after ``recycle_after`` jobs, on any anomaly (OOM,
leftover process or file, harness error, a host-side timeout) and at shutdown.

Container-level limits (memory, pids, disk, CPUs) are fixed per pool; a job asking for other
container-level limits runs in a fresh container instead, so every limit always holds.

Languages: a pool's containers run one runner image, that of its ``language`` (default Python).
A program in another language goes to a pool of that language's image which this pool creates
on first use (same limits, size and run id) and closes with itself; so a Python-only user never
starts another image, and each language's containers keep their own compile cache: the agent
keeps compiled artifacts in its own memory (a candidate could rewrite any file it can reach),
least recently used first out, bounded by ``COMPILE_CACHE_MB``, which is added to those
containers' memory limit so a full cache never takes memory from the program. Once a pool has a
language pool, one admission bound of ``size`` jobs (by priority) covers them all; a pool that
serves one language keeps its plain admission (its containers), exactly as before.

Engine loss: a job whose stream breaks (or that hits the host backstop) makes the pool ping the
engine. If nothing answers, the job is a ``sandbox_error`` (never a verdict), every container of
that generation is written off, jobs wait, and one recovery task pings with backoff
(:class:`~gapforge.sandbox.engine.EngineWatch`), removes the dead containers and starts a full
set of new ones; after ``engine_wait_s`` it gives up and every waiting and later job raises
:class:`~gapforge.errors.DockerUnavailable`. No background task ever ends with an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import logging
import os
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import docker
import docker.errors
from docker.types import LogConfig

from gapforge.errors import ConfigError, DockerUnavailable, SandboxError
from gapforge.images.build import resolve_runner_image
from gapforge.sandbox.base import (
    CompileLimits,
    ExecutionResult,
    Limits,
    Program,
    Script,
    ScriptResult,
    Status,
    current_priority,
)
from gapforge.sandbox.docker import (
    CONTAINER_CONFIG,
    HOST_GRACE_S,
    DockerSandbox,
    connect,
    container_labels,
    hardened_host_config,
    sweep,
)
from gapforge.sandbox.engine import ENGINE_ERRORS, EngineWatch, ping_with
from gapforge.sandbox.job import (
    RESULT_MARK,
    compile_limit_fields,
    host_wall_s,
    infra_result,
    limit_result,
    new_nonce,
    parse_sealed_result,
    script_result,
)

AGENT_CMD = ["/opt/venv/bin/python", "-B", "-s", "/opt/gapforge/harness.py", "--agent"]
READY_MARK = "@@GAPFORGE-READY@@"
READY_TIMEOUT_S = 60.0
MAX_RESULT_BYTES = 1 << 30
STOP_POLL_S = 0.25
COMPILE_CACHE_MB = 32  # must match the harness's COMPILE_CACHE_BYTES


def _container_key(limits: Limits) -> tuple[int, int, int, float]:
    return (limits.memory_mb, limits.pids, limits.disk_mb, limits.cpus)


@dataclass
class _Slot:
    """One warm container and its attached stdin/stdout stream."""

    cid: str
    sock: socket.socket
    stream: Any = None  # docker-py's wrapper around sock; closed with it
    gen: int = 0  # the pool's engine generation it was started in; older ones died with an engine
    jobs: int = 0
    pending: bytearray = field(default_factory=bytearray)
    _stop: threading.Event | None = None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        for closable in (self.stream, self.sock):
            with contextlib.suppress(OSError, AttributeError):
                closable.close()

    def read_until(self, needle: bytes, deadline: float, stop: threading.Event | None = None) -> bytes | None:
        """Demultiplex Docker's attach stream until ``needle`` + a newline; None on the deadline.
        Raises ConnectionError soon after ``stop`` is set (the pool is closing), whatever the stream does."""
        self._stop = stop
        buf = self.pending
        while True:
            pos = buf.find(needle)
            if pos >= 0:
                end = buf.find(b"\n", pos + len(needle))
                if end >= 0:
                    out = bytes(buf[: end + 1])
                    del buf[: end + 1]
                    return out
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            header = self._recv_exactly(8, deadline)
            if header is None:
                return None
            stream, size = header[0], struct.unpack(">I", header[4:])[0]
            payload = self._recv_exactly(size, deadline)
            if payload is None:
                return None
            if stream == 1:  # stdout; stderr frames are dropped
                buf += payload
                if len(buf) > MAX_RESULT_BYTES:
                    raise SandboxError("the pool agent sent more than 1 GiB without a result")

    def _recv_exactly(self, n: int, deadline: float) -> bytes | None:
        chunks = bytearray()
        while len(chunks) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            # short waits: a closing pool must not wait for a stream that never ends
            self.sock.settimeout(min(remaining, STOP_POLL_S))
            try:
                chunk = self.sock.recv(n - len(chunks))
            except TimeoutError:
                if self._stop is not None and self._stop.is_set():
                    raise ConnectionError("the pool is closing") from None
                continue
            if not chunk:
                raise ConnectionError("the pool container closed its stream")
            chunks += chunk
        return bytes(chunks)


log = logging.getLogger(__name__)


class _SlotQueue:
    """Idle warm containers, handed to waiting jobs by priority, then in arrival order.

    When no container is left (every replacement failed), waiting and later jobs get the
    SandboxError instead of waiting forever."""

    def __init__(self) -> None:
        self._idle: list[_Slot] = []
        self._waiters: list[tuple[int, int, asyncio.Future[_Slot]]] = []
        self._order = itertools.count()
        self.broken: SandboxError | None = None

    def drain(self) -> list[_Slot]:
        idle, self._idle = self._idle, []
        return idle

    def put(self, slot: _Slot) -> None:
        while self._waiters:
            _, _, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_result(slot)
                return
        self._idle.append(slot)

    def fail(self, exc: SandboxError) -> None:
        self.broken = exc
        while self._waiters:
            _, _, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_exception(exc)

    async def get(self, priority: int = 0) -> _Slot:
        if self._idle:
            return self._idle.pop()
        if self.broken is not None:
            raise self.broken
        fut: asyncio.Future[_Slot] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._order), fut))
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.put(fut.result())  # handed over just as the job was cancelled: pass it on
            raise


class _Admission:
    """At most ``n`` jobs at once across a pool and its language pools, handed out by priority,
    then in arrival order (as idle containers are). Only pools that serve several languages have
    one: a single-language pool's containers already bound its jobs."""

    def __init__(self, n: int) -> None:
        self._free = n
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int = 0) -> None:
        if self._free > 0:
            self._free -= 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._order), fut))
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # handed over just as the job was cancelled: pass it on
            raise

    def release(self) -> None:
        while self._waiters:
            _, _, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_result(None)
                return
        self._free += 1


class PoolSandbox:
    """Warm pool of hardened containers: ``async with PoolSandbox(size=2) as sb: await sb.run(p)``.

    ``language``: the runner image of this pool's containers (``image`` overrides it). Programs
    in other languages run on a pool per language, created on first use (see the module's doc).
    """

    name = "pool"

    def __init__(
        self,
        image: str | None = None,
        *,
        limits: Limits | None = None,
        size: int | None = None,
        recycle_after: int = 500,
        run_id: str = "adhoc",
        client: docker.DockerClient | None = None,
        engine_wait_s: float = 600.0,
        language: str = "python",
        compile_limits: CompileLimits | None = None,
    ) -> None:
        self.image = image
        self.language = language
        self.compile_limits = compile_limits or CompileLimits()
        self._by_language: dict[str, PoolSandbox] = {}
        self._language_lock: asyncio.Lock | None = None
        # shared with the language pools once there is one: jobs of every language together stay
        # within ``size`` (one per core), so a mixed load does not flip CPU-time verdicts
        self._admission: _Admission | None = None
        self.engine_wait_s = engine_wait_s
        self.default_limits = limits or Limits()
        self.size = size or os.cpu_count() or 1
        self.max_concurrency = self.size  # admission control: never more jobs than warm containers
        self.recycle_after = recycle_after
        self.run_id = run_id
        # this pool's own label: closing it must not touch another pool of the same run and process
        self.pool_id = secrets.token_hex(6)
        self._client = client
        self._idle = _SlotQueue()
        self._alive = 0  # containers started and not yet removed for good
        self._slots: dict[str, _Slot] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._fresh: DockerSandbox | None = None
        self.recycled = 0
        self._closed = False
        self.engine = EngineWatch(wait_s=engine_wait_s)
        self._gen = 0  # bumped when the engine is lost: containers of older generations are dead
        self._dead: set[str] = set()  # containers written off with an engine, removed once it is back
        self._recovery: asyncio.Task[None] | None = None
        self._lock = threading.Lock()  # _closed vs. containers being started in worker threads
        self._stopping = threading.Event()  # ends every thread still reading a container's stream
        self._starting: set[str] = set()

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            raise SandboxError("the pool is not open; use it as `async with PoolSandbox() as sb`")
        return self._client

    async def __aenter__(self) -> Self:
        if self._client is None:
            self._client = await asyncio.to_thread(connect)
        self.engine.ping = ping_with(self.client)
        if self.image is None:
            self.image = await asyncio.to_thread(resolve_runner_image, self.client, self.language)
        await asyncio.to_thread(sweep, self.client)
        try:
            slots = await asyncio.gather(*(asyncio.to_thread(self._start_slot) for _ in range(self.size)))
        except BaseException:
            await asyncio.shield(asyncio.to_thread(self._remove_all))
            raise
        for slot in slots:
            self._idle.put(slot)
        self._alive = len(slots)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closed = True
        self._stopping.set()
        if self._language_lock is not None:
            async with self._language_lock:  # a language pool being started finishes first
                pass
        for other in list(self._by_language.values()):
            await other.__aexit__(exc_type, exc, tb)
        for task in list(self._background):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._fresh is not None:
            await self._fresh.__aexit__(exc_type, exc, tb)
        await asyncio.shield(asyncio.to_thread(self._remove_all))
        self.engine.close()

    # ------------------------------------------------------------------ containers

    def _start_slot(self) -> _Slot:
        assert self.image is not None
        gen = self._gen
        host_config = hardened_host_config(
            self.default_limits, extra_mb=COMPILE_CACHE_MB if self.language != "python" else 0
        )
        host_config["log_config"] = LogConfig(type="none")  # results travel over attach, not logs
        try:
            created = self.client.api.create_container(
                self.image,
                command=AGENT_CMD,
                environment={"PYTHONHASHSEED": "0"},
                labels={
                    **container_labels(self.run_id),
                    "gapforge.mode": "pool",
                    "gapforge.pool": self.pool_id,
                    "gapforge.language": self.language,
                },
                network_disabled=True,
                stdin_open=True,
                tty=False,
                host_config=self.client.api.create_host_config(**host_config),
                **CONTAINER_CONFIG,
            )
        except docker.errors.ImageNotFound as exc:
            raise SandboxError(
                f"the sandbox image {self.image} is missing; run `gapforge images build`"
            ) from exc
        except ENGINE_ERRORS as exc:
            raise SandboxError(f"could not create a pool container: {exc}") from exc
        cid = created["Id"]
        slot: _Slot | None = None
        try:
            with self._lock:  # the pool closing meanwhile would never remove this container
                closing = self._closed
                if not closing:
                    self._starting.add(cid)
            if closing:
                raise SandboxError("the pool is closing")
            attached = self.client.api.attach_socket(
                cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
            slot = _Slot(cid=cid, sock=attached._sock, stream=attached, gen=gen)
            self._slots[cid] = slot
            self.client.api.start(cid)
            if (
                slot.read_until(READY_MARK.encode(), time.monotonic() + READY_TIMEOUT_S, self._stopping)
                is None
            ):
                raise SandboxError("a pool container's agent did not become ready within 60 s")
        except BaseException as exc:
            try:
                self._remove(cid)
            except ENGINE_ERRORS:
                self._slots.pop(cid, None)
                self._dead.add(cid)
            if isinstance(exc, ENGINE_ERRORS) and not isinstance(exc, SandboxError):
                raise SandboxError(f"could not start a pool container: {exc}") from exc
            raise
        finally:
            with self._lock:
                self._starting.discard(cid)
        return slot

    def _remove(self, cid: str) -> None:
        slot = self._slots.pop(cid, None)
        if slot is not None:
            slot.close()
        try:
            self.client.api.remove_container(cid, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if "already in progress" not in str(exc):
                raise

    def _remove_all(self) -> None:
        """Remove every container of this pool, live or dead, also those only the engine still knows
        of (started by this pool). Never raises: with the engine gone it says what
        is left behind, and the next start's sweep (or `gapforge cleanup`) removes it."""
        with self._lock:  # from here on no container starts (_closed is set): this is every one
            self._closed = True
            leftover = set(self._slots) | self._dead | self._starting
        for slot in list(self._slots.values()):
            slot.close()
        try:
            listed = self.client.containers.list(
                all=True,
                sparse=True,
                filters={"label": [f"gapforge.run={self.run_id}", f"gapforge.pool={self.pool_id}"]},
            )
            leftover |= {str(c.id) for c in listed}
        except ENGINE_ERRORS:
            pass
        failed = 0
        for cid in leftover:
            try:
                self._remove(cid)
            except ENGINE_ERRORS:
                failed += 1
            self._dead.discard(cid)
        if failed:
            # When the engine was given up on, the run's one line already says to start it and rerun,
            # and the rerun's start-up sweep removes these; otherwise say so.
            log.log(
                logging.DEBUG if self.engine.failure is not None else logging.WARNING,
                "could not remove %d sandbox container(s) of run %s: the Docker engine does not answer; "
                "`gapforge cleanup` (or the next run's start) removes them once it is back",
                failed,
                self.run_id,
            )

    def _remove_dead(self) -> None:
        for cid in list(self._dead):
            try:
                self._remove(cid)
            except ENGINE_ERRORS:
                continue
            self._dead.discard(cid)

    def _retire(self, slot: _Slot) -> None:
        """Write off a container of a lost engine: close its stream, remove it once the engine is back."""
        slot.close()
        self._slots.pop(slot.cid, None)
        self._dead.add(slot.cid)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _engine_lost(self, reason: str) -> None:
        """Called on the event loop when a probe found no engine: write off every container and
        start the one recovery task."""
        if not self.engine.lost(reason):
            return
        self._gen += 1
        self._alive = 0
        for slot in self._idle.drain():
            self._retire(slot)
        if not self._closed and (self._recovery is None or self._recovery.done()):
            self._recovery = asyncio.create_task(self._recover())
            self._background.add(self._recovery)
            self._recovery.add_done_callback(self._background.discard)

    async def revive(self) -> bool:
        """After the pool gave up on a lost engine (``engine_wait_s``): when the engine answers
        again, write off what is left, start a full set of new containers in the background and
        return True; False while it is still away. For long-lived users such as ``gapforge
        serve``; a run gives up for good and is resumed instead."""
        if self.engine.failure is None:
            return True
        if self._closed or not await asyncio.to_thread(self.engine.probe):
            return False
        if self.engine.failure is None:  # another caller revived it meanwhile
            return True
        self.engine.retry()
        self._idle.broken = None
        self._gen += 1
        self._alive = 0
        for slot in self._idle.drain():
            self._retire(slot)
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.create_task(self._recover())
            self._background.add(self._recovery)
            self._recovery.add_done_callback(self._background.discard)
        return True

    async def _recover(self) -> None:
        """Wait for the engine, remove the dead containers, start a full set. Never raises."""
        try:
            while not self._closed:
                try:
                    await self.engine.wait_until_up()
                except DockerUnavailable as exc:
                    self._idle.fail(exc)
                    return
                gen = self._gen
                await asyncio.to_thread(self._remove_dead)
                started = await asyncio.gather(
                    *(asyncio.to_thread(self._start_slot) for _ in range(self.size)), return_exceptions=True
                )
                slots = [s for s in started if isinstance(s, _Slot)]
                errors = [e for e in started if not isinstance(e, _Slot)]
                for e in errors:
                    if not isinstance(e, Exception):
                        raise e  # a cancellation: the pool is closing
                if self._closed or gen != self._gen:
                    for slot in slots:
                        self._retire(slot)
                    return
                if errors and not await asyncio.to_thread(self.engine.probe):
                    for slot in slots:
                        self._retire(slot)
                    continue  # gone again: the same outage goes on
                if not slots:
                    self._idle.fail(
                        SandboxError(f"the Docker engine is back but no pool container starts: {errors[0]}")
                    )
                    self.engine.restored("but no sandbox container starts")
                    return
                for slot in slots:
                    self._idle.put(slot)
                self._alive = len(slots)
                self.engine.restored(f"rebuilt {len(slots)} sandbox container(s)")
                return
        except asyncio.CancelledError:
            return  # the pool is closing; __aexit__ removes what is left

    async def _replace(self, slot: _Slot) -> None:
        """Never raises: a failure here is the engine's (recovery takes over) or a lost container."""
        self.recycled += 1
        try:
            await asyncio.to_thread(self._remove, slot.cid)
        except ENGINE_ERRORS as exc:
            self._dead.add(slot.cid)
            if not await asyncio.to_thread(self.engine.probe):
                self._engine_lost(f"removing a container failed: {type(exc).__name__}")
                return
        if self._closed or slot.gen != self._gen:
            return  # closing, or an outage began meanwhile: the recovery starts a full set
        for attempt in range(3):
            try:
                fresh = await asyncio.to_thread(self._start_slot)
            except SandboxError as exc:
                if not await asyncio.to_thread(self.engine.probe):
                    self._engine_lost(f"starting a container failed: {exc}")
                    return
                if attempt < 2:
                    await asyncio.sleep(0.5)
                    continue
                if slot.gen != self._gen:
                    return
                self._alive -= 1
                log.warning("the pool lost a container: %s (%d left)", exc, self._alive)
                if self._alive <= 0:
                    self._idle.fail(
                        SandboxError(f"every pool container failed to restart; last error: {exc}")
                    )
                return
            if self._closed or fresh.gen != self._gen:
                self._retire(fresh)
                return
            self._idle.put(fresh)
            return

    # ------------------------------------------------------------------ jobs

    async def _pool_for(self, language: str) -> PoolSandbox:
        """The pool of ``language``'s image, started on first use and closed with this one."""
        if self._language_lock is None:
            self._language_lock = asyncio.Lock()
        async with self._language_lock:
            if self._closed:
                raise SandboxError("the pool is closed; open a new one with `async with PoolSandbox()`")
            other = self._by_language.get(language)
            if other is None:
                if self._admission is None:
                    self._admission = _Admission(self.size)
                other = PoolSandbox(
                    limits=self.default_limits,
                    size=self.size,
                    recycle_after=self.recycle_after,
                    run_id=self.run_id,
                    client=self.client,
                    engine_wait_s=self.engine_wait_s,
                    language=language,
                    compile_limits=self.compile_limits,
                )
                other._admission = self._admission
                await other.__aenter__()
                self._by_language[language] = other
            return other

    async def run(self, program: Program, limits: Limits | None = None) -> ExecutionResult:
        lim = limits or self.default_limits
        if self._closed:
            raise SandboxError("the pool is closed; open a new one with `async with PoolSandbox()`")
        if program.language != self.language:
            return await (await self._pool_for(program.language)).run(program, lim)
        admission = self._admission
        if admission is None:
            return await self._run_admitted(program, lim)
        await admission.acquire(current_priority())
        try:
            return await self._run_admitted(program, lim)
        finally:
            admission.release()

    async def _run_admitted(self, program: Program, lim: Limits) -> ExecutionResult:
        if _container_key(lim) != _container_key(self.default_limits):
            return await self._run_fresh(program, lim)
        job: dict[str, Any] = {
            "kind": program.kind,
            "solution": program.solution,
            "tests": program.tests,
            "limits": {
                **lim.model_dump(),
                "memory_cgroup": True,
                "rlimit_data_mb": None,
                **compile_limit_fields(program, self.compile_limits),
            },
        }
        if program.language != "python":
            job["language"] = program.language
        result, _ = await self._dispatch(job, lim, host_wall_s(program, lim, self.compile_limits))
        return result

    async def run_script(self, script: Script, limits: Limits | None = None) -> ScriptResult:
        """Run ``script`` once on a warm container: raw stdout, stderr and exit code. Scripts
        always run on the pool's containers, so their container-level limits (memory, pids,
        disk, CPUs) are the pool's; ``script.memory_mb`` caps one script's heap below that."""
        lim = limits or self.default_limits
        if self._closed:
            raise SandboxError("the pool is closed; open a new one with `async with PoolSandbox()`")
        if _container_key(lim) != _container_key(self.default_limits):
            raise ConfigError(
                "a script runs on the pool's warm containers: its memory, pids, disk and CPU limits "
                f"must be the pool's ({_container_key(self.default_limits)}); cap its heap with "
                "Script.memory_mb instead"
            )
        if script.memory_mb is not None and script.memory_mb > lim.memory_mb:
            raise ConfigError(
                f"the script's memory cap ({script.memory_mb} MB) is above the pool's container "
                f"memory ({lim.memory_mb} MB)"
            )
        job: dict[str, Any] = {
            "kind": "script",
            "solution": script.code,
            "stdin": script.stdin,
            "limits": {**lim.model_dump(), "memory_cgroup": True, "rlimit_data_mb": script.memory_mb},
        }
        admission = self._admission
        if admission is not None:
            await admission.acquire(current_priority())
        try:
            result, sealed = await self._dispatch(job, lim)
        finally:
            if admission is not None:
                admission.release()
        return script_result(result, sealed, job["nonce"])

    async def _dispatch(
        self, job: dict[str, Any], lim: Limits, wall_s: float | None = None
    ) -> tuple[ExecutionResult, str]:
        """Run one job on a warm container: (the result, the agent's sealed output). ``wall_s``:
        the harness's wall budget when it is more than the program's (a compile step)."""
        job["nonce"] = new_nonce()
        slot = await self._idle.get(current_priority())
        healthy = False  # stays False when the caller is cancelled mid-job: the container is then
        # replaced, and removing it kills the program (the thread reading its stream ends with it)
        try:
            result, sealed, healthy, lost = await asyncio.to_thread(self._run_on, slot, job, lim, wall_s)
            if lost:
                # the stream broke or the backstop fired: was it the program, or the engine?
                if slot.gen == self._gen and not await asyncio.to_thread(self.engine.probe):
                    self._engine_lost("a running job lost its container")
                if slot.gen != self._gen:
                    result = infra_result(
                        "the Docker engine became unreachable while the program ran", backend=self.name
                    )
                elif result.status is Status.SANDBOX_ERROR:
                    self.engine.note_incident()  # the container died under the job
            return result, sealed
        finally:
            slot.jobs += 1
            if slot.gen != self._gen:
                self._retire(slot)
            elif healthy and slot.jobs < self.recycle_after and not self._closed:
                self._idle.put(slot)
            else:
                self._spawn(self._replace(slot))

    async def _run_fresh(self, program: Program, limits: Limits) -> ExecutionResult:
        if self._fresh is None:
            self._fresh = DockerSandbox(
                self.image, client=self.client, run_id=self.run_id, compile_limits=self.compile_limits
            )
            await self._fresh.__aenter__()
        return await self._fresh.run(program, limits)

    def _run_on(
        self, slot: _Slot, job: dict[str, Any], limits: Limits, wall_s: float | None = None
    ) -> tuple[ExecutionResult, str, bool, bool]:
        """(result, the agent's sealed output, container still healthy, stream lost or backstop hit)."""
        nonce = job["nonce"]
        t0 = time.monotonic()
        backstop = (wall_s if wall_s is not None else limits.wall_seconds) + HOST_GRACE_S
        try:
            slot.sock.sendall(json.dumps(job).encode() + b"\n")
            raw = slot.read_until(f"{RESULT_MARK} {nonce} ".encode(), t0 + backstop, self._stopping)
        except (OSError, ConnectionError) as exc:
            return (
                infra_result(f"lost the pool container's stream: {exc}", backend=self.name),
                "",
                False,
                True,
            )
        wall = time.monotonic() - t0
        if raw is None:
            return (
                limit_result(
                    Status.TIMEOUT,
                    f"wall-clock backstop hit ({backstop:.0f} s); container destroyed",
                    backend=self.name,
                    wall_s=wall,
                ),
                "",
                False,
                True,
            )
        text = raw.decode("utf-8", "replace")
        result = parse_sealed_result(text, nonce, backend=self.name, wall_s=wall)
        if result is None:
            return (
                infra_result("the pool agent's result was unreadable", backend=self.name, wall_s=wall),
                "",
                False,
                False,
            )
        anomalies = _anomalies(text, nonce)
        return result, text, not anomalies and result.status is not Status.SANDBOX_ERROR, False


def _anomalies(text: str, nonce: str) -> list[Any]:
    needle = f"{RESULT_MARK} {nonce} "
    line = text[text.rfind(needle) + len(needle) :].split("\n", 1)[0]
    try:
        found = json.loads(line).get("anomalies", [])
    except ValueError:
        return ["unreadable"]
    return list(found) if isinstance(found, list) else ["unreadable"]
