"""The Docker engine's health as a sandbox sees it: notice a loss, wait for the engine, give up.

A Docker-backed sandbox owns one :class:`EngineWatch`. When a job's stream breaks or an engine
call fails, the sandbox probes the engine (a ping with a short timeout); if nothing answers it
calls :meth:`EngineWatch.lost`: the outage starts, ``incidents`` goes up (a generator redoes any
round that overlapped it, so an outage never changes a result) and :meth:`wait_until_up` pings
with backoff until the engine answers again, or raises :class:`~gapforge.errors.DockerUnavailable`
once ``wait_s`` seconds have passed since the loss ("start it and rerun to resume").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import docker
import docker.errors
import requests.exceptions

from gapforge.errors import DockerUnavailable

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 5
BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 5.0

# What an engine call raises when nothing answers on the socket (or the answer is cut off).
ENGINE_ERRORS: tuple[type[BaseException], ...] = (
    docker.errors.DockerException,
    requests.exceptions.RequestException,
    OSError,
)


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


class EngineWatch:
    """Outage state of one Docker engine (honours ``DOCKER_HOST`` like ``docker.from_env``)."""

    def __init__(self, *, wait_s: float = 600.0, on_event: Callable[[str], None] | None = None) -> None:
        self.wait_s = wait_s
        self.on_event = on_event
        self.incidents = 0  # engine losses, and containers that died under a running job
        self.down_since: float | None = None  # wall clock, for messages
        self._down_mono: float | None = None
        self.failure: DockerUnavailable | None = None
        self.next_probe_s: float | None = None
        # How to ask the engine the sandbox actually uses (its own client); None: DOCKER_HOST's.
        self.ping: Callable[[], bool] | None = None
        self._client: docker.DockerClient | None = None
        self._up = asyncio.Event()
        self._up.set()

    # ------------------------------------------------------------------ probing

    def probe(self) -> bool:
        """True when the engine answers a ping within a few seconds (blocking; call in a thread)."""
        try:
            if self.ping is not None:
                return self.ping()
            if self._client is None:
                self._client = docker.from_env(timeout=PROBE_TIMEOUT_S)
            return bool(self._client.ping())
        except ENGINE_ERRORS:
            return False

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(*ENGINE_ERRORS):
                client.close()

    # ------------------------------------------------------------------ state

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def note_incident(self) -> None:
        """A container died under a job although the engine answers: results of that moment are suspect."""
        self.incidents += 1

    def lost(self, reason: str) -> bool:
        """Start an outage (idempotent while one lasts); True when this call started it."""
        if self.down_since is not None:
            return False
        self.incidents += 1
        self.down_since = time.time()
        self._down_mono = time.monotonic()
        self._up.clear()
        self._say(
            f"Docker engine unreachable since {_clock(self.down_since)} ({reason}); in-flight executions "
            f"are recorded as sandbox_error and redone; waiting up to {self.wait_s:.0f} s for it to come back"
        )
        return True

    def restored(self, detail: str) -> None:
        if self._down_mono is None:
            return
        took = time.monotonic() - self._down_mono
        self.down_since = self._down_mono = None
        self.next_probe_s = None
        self._up.set()
        self._say(f"Docker engine is back after {took:.0f} s; {detail}; carrying on")

    def give_up(self) -> DockerUnavailable:
        since = _clock(self.down_since) if self.down_since is not None else "now"
        self.failure = DockerUnavailable(
            f"Docker engine unreachable since {since} (waited {self.wait_s:.0f} s, sandbox.engine_wait_s); "
            "start it and rerun to resume"
        )
        self._up.set()  # wake every waiter: they see the failure
        return self.failure

    def retry(self) -> None:
        """Take back an earlier :meth:`give_up` (the engine answers again): the outage goes on as a
        new wait, so the owner of the recovery can wait for it and rebuild."""
        if self.failure is None:
            return
        self.failure = None
        if self.down_since is None:
            self.down_since = time.time()
        self._down_mono = time.monotonic()
        self._up.clear()

    def status(self) -> str | None:
        """The live line while an outage lasts, else None."""
        if self.down_since is None or self._down_mono is None:
            return None
        waited = time.monotonic() - self._down_mono
        nxt = f"; next check in {self.next_probe_s:.0f} s" if self.next_probe_s else ""
        return (
            f"Docker engine unreachable since {_clock(self.down_since)} ({waited:.0f} s of "
            f"{self.wait_s:.0f} s); waiting for it{nxt}"
        )

    def _say(self, message: str) -> None:
        if self.on_event is not None:
            self.on_event(message)
        else:
            log.warning("%s", message)

    # ------------------------------------------------------------------ waiting

    async def wait_until_up(self) -> None:
        """Ping with backoff until the engine answers; DockerUnavailable after ``wait_s`` (or at once
        if an earlier wait already gave up). Only the caller that owns the recovery should call it;
        others wait on :meth:`until_settled`."""
        if self.failure is not None:
            raise self.failure
        delay = BACKOFF_INITIAL_S
        while self.down_since is not None and self._down_mono is not None:
            if await asyncio.to_thread(self.probe):
                return
            left = self.wait_s - (time.monotonic() - self._down_mono)
            if left <= 0:
                raise self.give_up()
            self.next_probe_s = min(delay, left)
            await asyncio.sleep(self.next_probe_s)
            delay = min(delay * 2, BACKOFF_MAX_S)

    async def until_settled(self) -> None:
        """Wait until the current outage ends (or the wait gave up: then raise its failure)."""
        await self._up.wait()
        if self.failure is not None:
            raise self.failure


def ping_with(client: docker.DockerClient) -> Callable[[], bool]:
    """A ping through ``client`` (the engine a sandbox really talks to) that gives up in seconds."""
    api: Any = client.api  # docker-py's ping() has no timeout of its own; its request helpers do

    def ping() -> bool:
        response = api._get(api._url("/_ping"), timeout=PROBE_TIMEOUT_S)
        return bool(api._result(response) == "OK")

    return ping


def find_engine(sandbox: object) -> EngineWatch | None:
    """The EngineWatch of a sandbox, looking through wrappers that keep the wrapped one as ``inner``."""
    for _ in range(8):
        engine = getattr(sandbox, "engine", None)
        if isinstance(engine, EngineWatch):
            return engine
        sandbox = getattr(sandbox, "inner", None)
        if sandbox is None:
            return None
    return None
