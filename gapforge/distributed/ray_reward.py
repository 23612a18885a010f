"""Sandbox rewards served by a Ray actor pool: a trainer on one node scores on every node.

:class:`RaySandboxRewarder` is a drop-in :class:`~gapforge.reward.SandboxRewarder`: same
constructor options, same ``score`` / ``score_batch`` / ``stats`` / ``close``, so every reward
function of :mod:`gapforge.reward` can use it::

    from gapforge.reward import make_reward_func, set_default_rewarder
    from gapforge.distributed import RaySandboxRewarder

    rewarder = RaySandboxRewarder(address="auto")        # or None inside a Ray job / trainer
    trainer = GRPOTrainer(..., reward_funcs=[make_reward_func(rewarder)])
    set_default_rewarder(rewarder)                        # verl compute_score, OpenRLHF reward_func

One :class:`RewardWorker` actor per CPU node holds a ``SandboxRewarder`` over that node's warm
pool (one slot per CPU). A batch is de-duplicated, cut into one chunk per node in proportion to
its CPUs, scored in parallel, and put back in order. A worker lost mid-batch (process or node
died) has its chunk rescored on another worker; when none is left, those completions score
``None`` (not measured), never 0.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gapforge.distributed import _ray
from gapforge.errors import ConfigError, SandboxError
from gapforge.reward import RewarderStats, RewardTask, SandboxRewarder
from gapforge.sandbox import Limits

CLOSE_TIMEOUT_S = 120.0


class RewardWorker:
    """One node's scorer (a threaded Ray actor: concurrent batches share the node's pool)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.rewarder = SandboxRewarder(**options)

    def info(self) -> tuple[str, str, int]:
        import ray

        return ray.get_runtime_context().get_node_id(), _ray.node_ip(), os.getpid()

    def score_batch(
        self, completions: list[str], tasks: list[RewardTask], fraction: bool | None
    ) -> list[float | None]:
        return self.rewarder.score_batch(completions, tasks, fraction=fraction)

    def stats(self) -> RewarderStats:
        return self.rewarder.stats

    def close(self) -> None:
        self.rewarder.close()
        if self.rewarder.backend in ("pool", "docker"):
            # A killed predecessor of this worker left its containers; their owner pid is dead,
            # so the stale-only sweep removes them and nothing that is still in use.
            with contextlib.suppress(Exception):
                from gapforge.sandbox.docker import connect, sweep

                sweep(connect())


@dataclass
class _Worker:
    node: _ray.NodeSpec
    actor: Any
    alive: bool = True
    pid: int = 0


class RaySandboxRewarder(SandboxRewarder):
    """A :class:`~gapforge.reward.SandboxRewarder` whose executions run on every CPU node of a Ray
    cluster. ``address``: ``None`` uses the Ray connection this process already has (inside a
    trainer), else as ``--ray`` (``auto``, ``local``, ``HOST:PORT``). ``max_concurrency`` is per
    node (default: that node's CPUs). Workers start on first use; ``close()`` removes them.
    """

    def __init__(
        self,
        address: str | None = "auto",
        *,
        backend: str = "pool",
        limits: Limits | None = None,
        max_concurrency: int | None = None,
        fraction: bool = False,
        retries: int = 2,
        cache_size: int = 4096,
        run_id: str | None = None,
        max_attempts: int = 3,
        namespace: str = "gapforge",
    ) -> None:
        super().__init__(
            backend, limits=limits, max_concurrency=max_concurrency, fraction=fraction,
            retries=retries, cache_size=cache_size, run_id=run_id,
        )  # fmt: skip
        self.address = address
        self.max_attempts = max_attempts
        self.namespace = namespace
        self._ray_lock = threading.Lock()
        self._workers: list[_Worker] | None = None
        self._owns_ray = False

    # ------------------------------------------------------------------ workers

    @property
    def workers(self) -> list[tuple[str, str, int, bool]]:
        """(node id, node address, worker pid, alive) per node worker; starts them if needed."""
        return [(w.node.node_id, w.node.address, w.pid, w.alive) for w in self._ensure_workers()]

    def _ensure_workers(self) -> list[_Worker]:
        with self._ray_lock:
            if self._workers is not None:
                return self._workers
            ray = _ray.require_ray()
            if self.address is not None:
                self._owns_ray = _ray.connect(self.address)
            elif not ray.is_initialized():
                raise ConfigError("RaySandboxRewarder(address=None) needs a process already connected to Ray")
            nodes = _ray.cpu_nodes()
            if not nodes:
                raise ConfigError("the Ray cluster has no alive node with CPUs to score on")
            actor_cls = ray.remote(RewardWorker)
            workers = []
            for node in nodes:
                options = {
                    "backend": self.backend,
                    "limits": self.limits,
                    "max_concurrency": self.max_concurrency or max(1, int(node.cpus)),
                    "fraction": self.fraction,
                    "retries": self.retries,
                    "cache_size": self.cache_size,
                    "run_id": f"{self.run_id}-{node.node_id[:8]}",
                }
                actor = actor_cls.options(
                    scheduling_strategy=_ray.on_node(node.node_id),
                    num_cpus=0,  # the pool's containers use the CPUs; see docs/ray.md
                    max_concurrency=8,  # concurrent batches from several trainer threads
                    max_restarts=2,
                    max_task_retries=0,  # a lost chunk is resent by us to a live worker
                    namespace=self.namespace,
                ).remote(options)
                workers.append(_Worker(node=node, actor=actor))
            for w, ref in zip(workers, [w.actor.info.remote() for w in workers], strict=True):
                try:
                    w.pid = int(ray.get(ref, timeout=120)[2])
                except Exception:
                    w.alive = False
            if not any(w.alive for w in workers):
                raise SandboxError(
                    "no Ray node could start a reward worker; see docs/ray.md for what each node needs"
                )
            self._workers = workers
            atexit.register(self.close)
            return workers

    # ------------------------------------------------------------------ scoring

    def score_batch(
        self, completions: Sequence[str], tasks: Sequence[RewardTask], *, fraction: bool | None = None
    ) -> list[float | None]:
        if len(completions) != len(tasks):
            raise ConfigError(f"{len(completions)} completions but {len(tasks)} tasks; they must align")
        if not completions:
            return []
        frac = self.fraction if fraction is None else fraction
        # Identical (completion, task) pairs run once, whichever node they would have gone to.
        index: dict[tuple[str, str], int] = {}
        unique: list[tuple[str, RewardTask]] = []
        slots: list[int] = []
        for text, task in zip(completions, tasks, strict=True):
            key = (text, task.model_dump_json())
            if key not in index:
                index[key] = len(unique)
                unique.append((text, task))
            slots.append(index[key])
        scores = self._score_unique(unique, frac)
        return [scores[i] for i in slots]

    def _score_unique(self, items: list[tuple[str, RewardTask]], fraction: bool) -> list[float | None]:
        ray = _ray.require_ray()
        workers = [w for w in self._ensure_workers() if w.alive]
        results: list[float | None] = [None] * len(items)
        pending = _chunks(len(items), [w.node.cpus for w in workers])
        assignments = list(zip(pending, workers, strict=False))
        attempts = 0
        while assignments:
            refs = [
                (span, w, w.actor.score_batch.remote(
                    [items[i][0] for i in span], [items[i][1] for i in span], fraction))
                for span, w in assignments
            ]  # fmt: skip
            lost: list[range] = []
            for span, w, ref in refs:
                try:
                    chunk: list[float | None] = ray.get(ref)
                except Exception as exc:
                    if not _ray.is_worker_lost(exc):
                        raise
                    w.alive = False
                    lost.append(span)
                    continue
                for i, score in zip(span, chunk, strict=True):
                    results[i] = score
            attempts += 1
            alive = [w for w in (self._workers or []) if w.alive]
            if not lost or not alive or attempts >= self.max_attempts:
                # Whatever is still lost stays None: not measured, never a 0.
                break
            assignments = [(span, alive[k % len(alive)]) for k, span in enumerate(lost)]
        return results

    # ------------------------------------------------------------------ state

    @property
    def stats(self) -> RewarderStats:
        """Summed over the live workers (a lost worker's counts go with it)."""
        if self._workers is None:
            return RewarderStats()
        ray = _ray.require_ray()
        total: dict[str, Any] = dict(RewarderStats().model_dump())
        for w in self._workers:
            if not w.alive:
                continue
            try:
                s: RewarderStats = ray.get(w.actor.stats.remote(), timeout=60)
            except Exception as exc:  # a worker that died since: its counts went with it
                total["last_error"] = (
                    total["last_error"] or f"worker on {w.node.address}: {type(exc).__name__}"
                )
                continue
            for name in ("scored", "executions", "cache_hits", "no_code", "unmeasured"):
                total[name] += getattr(s, name)
            total["last_error"] = s.last_error or total["last_error"]
        return RewarderStats(**total)

    def close(self) -> None:
        """Close every node's pool and remove the workers (idempotent)."""
        with self._ray_lock:
            workers, self._workers = self._workers, None
        with contextlib.suppress(Exception):
            atexit.unregister(self.close)
        super().close()
        if not workers:
            return
        with contextlib.suppress(ImportError, ConfigError):
            ray = _ray.require_ray()
            if ray.is_initialized():
                # Lost workers too: Ray restarted them in place, and closing sweeps what the
                # killed process left on that node.
                refs = [w.actor.close.remote() for w in workers]
                with contextlib.suppress(Exception):  # each finishes or fails; none is cut short
                    ray.wait(refs, num_returns=len(refs), timeout=CLOSE_TIMEOUT_S)
                for w in workers:
                    with contextlib.suppress(Exception):
                        ray.kill(w.actor)
                if self._owns_ray:
                    ray.shutdown()
                    self._owns_ray = False


def _chunks(n: int, weights: list[float]) -> list[range]:
    """Cut ``range(n)`` into at most one contiguous chunk per weight, sizes in proportion."""
    if not weights:
        return []
    total = sum(weights)
    bounds = [0]
    acc = 0.0
    for w in weights:
        acc += w
        bounds.append(round(n * acc / total))
    return [range(a, b) for a, b in itertools.pairwise(bounds) if b > a]
