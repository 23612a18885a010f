"""Docker backend: one fresh, hardened container per execution (maximum isolation).

Every default of the security model holds unless the caller changes ``Limits``: no network,
read-only root, tmpfs work dir with a size cap, non-root uid, all capabilities dropped,
no-new-privileges, pids limit, memory limit with no swap, CPU quota, CPU-time limit inside plus a
host deadline that destroys the container, output capped at the source, only the job's files
mounted (read-only), nothing of the host's environment, and every container labelled so a
sweeper can remove leftovers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from types import TracebackType
from typing import Any, Self

import docker
import docker.errors
import requests.exceptions
from docker.types import LogConfig, Ulimit

from gapforge.errors import DockerUnavailable, SandboxError
from gapforge.images.build import resolve_runner_image
from gapforge.sandbox.base import CompileLimits, ExecutionResult, Limits, Program, Status
from gapforge.sandbox.engine import ENGINE_ERRORS, EngineWatch, ping_with
from gapforge.sandbox.job import (
    host_wall_s,
    infra_result,
    limit_result,
    new_nonce,
    parse_sealed_result,
    remove_job_dir,
    write_job_dir,
)

LABEL = "gapforge"
SANDBOX_UID = "10001:10001"
HOST_GRACE_S = 5.0
HARNESS_OVERHEAD_MB = 48  # the supervisor's interpreter shares the memory cgroup with the candidate
log = logging.getLogger(__name__)
HARNESS_CMD = ["/opt/venv/bin/python", "-B", "-s", "/opt/gapforge/harness.py", "/job"]


def connect() -> docker.DockerClient:
    """A client for the local engine, or a DockerUnavailable that says what to do."""
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        raise DockerUnavailable(
            f"no Docker engine answered ({exc.__class__.__name__}: {str(exc)[:200]}). Start one: "
            "`sudo systemctl start docker`, or as root `dockerd &` (scripts/ensure-docker.sh does this), "
            "or use the weaker `--backend local`."
        ) from exc
    return client


def container_labels(run_id: str) -> dict[str, str]:
    return {
        LABEL: "1",
        f"{LABEL}.run": run_id,
        f"{LABEL}.pid": str(os.getpid()),
        f"{LABEL}.host": socket.gethostname(),
    }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(client: docker.DockerClient, *, stale_only: bool = True) -> int:
    """Remove gapforge-labelled containers; with ``stale_only`` only those whose owner is gone
    (a dead process on this host, or no owner recorded). Never touches another live run's pool."""
    removed = 0
    host = socket.gethostname()
    # sparse: no per-container inspect, so a container removed meanwhile cannot fail the listing
    for c in client.containers.list(all=True, sparse=True, filters={"label": LABEL}):
        labels = c.attrs.get("Labels") or {}
        if stale_only:
            try:
                pid = int(labels.get(f"{LABEL}.pid", "0"))
            except ValueError:
                pid = 0
            owner_host = labels.get(f"{LABEL}.host")
            if owner_host is not None and owner_host != host:
                continue  # another machine's container on a shared engine: not ours to judge
            if pid and _pid_alive(pid):
                continue
        try:
            client.api.remove_container(str(c.id), force=True)
            removed += 1
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if "already in progress" not in str(exc):
                raise
    return removed


def hardened_host_config(limits: Limits, *, extra_mb: int = 0) -> dict[str, Any]:
    """Container settings shared by the fresh-container mode and the warm pool. ``extra_mb``: memory
    the supervisor itself may hold beyond its usual overhead (the pool's compile cache)."""
    mem = f"{limits.memory_mb + HARNESS_OVERHEAD_MB + extra_mb}m"
    return {
        "network_mode": "none",
        "read_only": True,
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,noexec,size={limits.disk_mb}m,mode=1777"},
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "pids_limit": limits.pids,
        "mem_limit": mem,
        "memswap_limit": mem,
        "nano_cpus": int(limits.cpus * 1e9),
        "ipc_mode": "private",
        "ulimits": [Ulimit(name="core", soft=0, hard=0), Ulimit(name="nofile", soft=1024, hard=1024)],
        "log_config": LogConfig(type="json-file", config={"max-size": "50m"}),
        "shm_size": "16m",
        "init": False,
    }


CONTAINER_CONFIG: dict[str, Any] = {"user": SANDBOX_UID, "hostname": "sandbox", "working_dir": "/tmp"}


class DockerSandbox:
    """Fresh container per execution. Use as ``async with DockerSandbox() as sb: await sb.run(p)``.

    ``image`` is the Python runner; a program in another language runs in that language's runner
    (looked up on first use; ``gapforge images build --language L`` builds it). No compile cache:
    every run compiles in its own container. ``compile_limits`` bound each compile step.
    """

    name = "docker"

    def __init__(
        self,
        image: str | None = None,
        *,
        limits: Limits | None = None,
        max_concurrency: int | None = None,
        run_id: str = "adhoc",
        client: docker.DockerClient | None = None,
        engine_wait_s: float = 600.0,
        compile_limits: CompileLimits | None = None,
    ) -> None:
        self.image = image
        self.default_limits = limits or Limits()
        self.compile_limits = compile_limits or CompileLimits()
        self._language_images: dict[str, str] = {}
        self.max_concurrency = max_concurrency or os.cpu_count() or 1
        self.run_id = run_id
        self._client = client
        self._sem = asyncio.Semaphore(self.max_concurrency)
        self._live: set[str] = set()
        self.engine = EngineWatch(wait_s=engine_wait_s)
        self._engine_lock = asyncio.Lock()

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            raise SandboxError("the Docker sandbox is not open; use it as `async with DockerSandbox() as sb`")
        return self._client

    async def __aenter__(self) -> Self:
        if self._client is None:
            self._client = await asyncio.to_thread(connect)
        self.engine.ping = ping_with(self.client)
        if self.image is None:
            self.image = await asyncio.to_thread(resolve_runner_image, self.client)
        await asyncio.to_thread(sweep, self.client)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.shield(asyncio.to_thread(self._remove_live))
        self.engine.close()

    def _remove_live(self) -> None:
        failed = 0
        for cid in list(self._live):
            try:
                self._remove(cid)
            except ENGINE_ERRORS:
                failed += 1
        if failed:
            log.warning(
                "could not remove %d sandbox container(s) of run %s: the Docker engine does not answer; "
                "`gapforge cleanup` removes them once it is back",
                failed,
                self.run_id,
            )

    def _remove(self, cid: str) -> None:
        try:
            self.client.api.remove_container(cid, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if "already in progress" not in str(exc) and "No such container" not in str(exc):
                raise
        self._live.discard(cid)

    async def _await_engine(self) -> None:
        """One caller pings until the engine is back (or raises DockerUnavailable); the rest queue."""
        async with self._engine_lock:
            if self.engine.down:
                await self.engine.wait_until_up()
                await asyncio.to_thread(self._remove_live)
                self.engine.restored("fresh sandbox containers start again")

    async def run(self, program: Program, limits: Limits | None = None) -> ExecutionResult:
        lim = limits or self.default_limits
        async with self._sem:
            if self.engine.down or self.engine.failure is not None:
                await self._await_engine()
            image = await self._image_for(program.language)
            result = await asyncio.to_thread(self._run_sync, program, lim, image)
            if result.status is Status.SANDBOX_ERROR and not await asyncio.to_thread(self.engine.probe):
                self.engine.lost("an engine call failed during a run")
                return infra_result(
                    "the Docker engine became unreachable while the program ran", backend=self.name
                )
            return result

    async def _image_for(self, language: str) -> str:
        if language == "python":
            assert self.image is not None
            return self.image
        if language not in self._language_images:
            self._language_images[language] = await asyncio.to_thread(
                resolve_runner_image, self.client, language
            )
        return self._language_images[language]

    def _run_sync(self, program: Program, limits: Limits, image: str | None = None) -> ExecutionResult:
        image = image or self.image
        assert image is not None
        job = write_job_dir(
            program, limits, memory_cgroup=True, tmp="/tmp", compile_limits=self.compile_limits
        )
        nonce = new_nonce()
        cid: str | None = None
        backstop = host_wall_s(program, limits, self.compile_limits) + HOST_GRACE_S
        t0 = time.monotonic()
        try:
            try:
                created = self.client.api.create_container(
                    image,
                    command=HARNESS_CMD,
                    environment={"GAPFORGE_NONCE": nonce},
                    labels=container_labels(self.run_id),
                    network_disabled=True,
                    **CONTAINER_CONFIG,
                    host_config=self.client.api.create_host_config(
                        binds={str(job): {"bind": "/job", "mode": "ro"}}, **hardened_host_config(limits)
                    ),
                )
                cid = created["Id"]
                self._live.add(cid)
                self.client.api.start(cid)
            except docker.errors.ImageNotFound as exc:
                raise SandboxError(
                    f"the sandbox image {image} vanished; run `gapforge images build`"
                ) from exc
            except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
                return infra_result(f"could not start the sandbox container: {exc}", backend=self.name)
            host_killed = False
            try:
                self.client.api.wait(cid, timeout=int(backstop) + 1)
            except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                host_killed = True
                try:
                    self.client.api.kill(cid)
                    self.client.api.wait(cid, timeout=30)
                except (docker.errors.APIError, requests.exceptions.RequestException):
                    pass
            wall = time.monotonic() - t0
            try:
                out = self.client.api.logs(cid, stdout=True, stderr=False).decode("utf-8", "replace")
                err = self.client.api.logs(cid, stdout=False, stderr=True, tail=50).decode("utf-8", "replace")
                state = self.client.api.inspect_container(cid)["State"]
            except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
                return infra_result(
                    f"could not read the sandbox's result: {exc}", backend=self.name, wall_s=wall
                )
            result = parse_sealed_result(out, nonce, backend=self.name, wall_s=wall)
            if result is not None:
                return result
            if state.get("OOMKilled"):
                return limit_result(
                    Status.MEMORY_EXCEEDED,
                    f"memory limit exceeded ({limits.memory_mb} MB)",
                    backend=self.name,
                    wall_s=wall,
                )
            if host_killed:
                return limit_result(
                    Status.TIMEOUT,
                    f"wall-clock backstop hit ({backstop:.0f} s); container destroyed",
                    backend=self.name,
                    wall_s=wall,
                )
            return infra_result(
                f"the harness produced no result (exit code {state.get('ExitCode')})",
                backend=self.name,
                wall_s=wall,
                stderr=err,
            )
        finally:
            if cid is not None:
                # the engine gone: the container stays in _live, removed when it is back or at exit
                with contextlib.suppress(*ENGINE_ERRORS):
                    self._remove(cid)
            remove_job_dir(job)
