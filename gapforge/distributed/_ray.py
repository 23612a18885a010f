"""The one place that imports Ray: a clear error when the extra is missing, connecting, node discovery.

Ray is optional (``pip install 'gapforge[ray]'``); nothing outside :mod:`gapforge.distributed`
imports this module, and this module imports Ray only inside functions, so ``import gapforge``
and every command without ``--ray`` work on a machine without Ray.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from gapforge.config import is_loopback_url
from gapforge.errors import ConfigError

MIN_RAY = (2, 9)
INSTALL_HINT = "pip install 'gapforge[ray]' (or: pip install 'ray[default]>=2.9')"


def require_ray() -> ModuleType:
    """The ``ray`` module, or a ConfigError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(
            f"--ray needs Ray, which is not installed here; install the extra: {INSTALL_HINT}"
        ) from None
    version = tuple(int(p) for p in ray.__version__.split(".")[:2] if p.isdigit())
    if version < MIN_RAY:
        raise ConfigError(f"gapforge needs Ray >= 2.9, found {ray.__version__}; upgrade it: {INSTALL_HINT}")
    module: ModuleType = ray  # typed the same whether or not mypy can see Ray's own types
    return module


def connect(address: str) -> bool:
    """Connect this process to Ray; True when this call did it (so the caller shuts it down).

    ``auto``: the cluster this machine belongs to (``RAY_ADDRESS`` or the one ``ray start``
    made); ``local``: a private single-machine Ray instance for this run; anything else: a
    cluster address (``HOST:PORT``, or ``ray://HOST:10001`` for Ray Client). A process already
    connected (a trainer, a test) is used as it is.
    """
    ray = require_ray()
    if ray.is_initialized():
        return False
    # Worker output would tear the live progress display; failures come back as exceptions.
    common: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
    try:
        if address == "local":
            ray.init(include_dashboard=False, **common)
        else:
            ray.init(address=address, **common)
    except ConnectionError as exc:
        hint = (
            "start one with `ray start --head` (and `ray start --address=HEAD:6379` on the other nodes), "
            "or use --ray local for a private instance on this machine"
            if address == "auto"
            else "check the address (HOST:PORT of the head's GCS, or ray://HOST:10001) and that the head is up"
        )
        raise ConfigError(f"could not connect to a Ray cluster at {address!r} ({exc}); {hint}") from None
    return True


@dataclass(frozen=True)
class NodeSpec:
    """One alive Ray node that can host gapforge workers."""

    node_id: str
    address: str
    cpus: float


def cpu_nodes() -> list[NodeSpec]:
    """Alive nodes that offer CPUs, in a stable order. A head started with ``--num-cpus=0`` (the
    usual advice for big clusters) is left out, so it only drives."""
    ray = require_ray()
    found = []
    for n in ray.nodes():
        cpus = float((n.get("Resources") or {}).get("CPU", 0.0))
        if n.get("Alive") and cpus >= 1:
            found.append(
                NodeSpec(node_id=str(n["NodeID"]), address=str(n.get("NodeManagerAddress", "")), cpus=cpus)
            )
    return sorted(found, key=lambda s: (s.address, s.node_id))


def node_ip() -> str:
    """This node's address as Ray knows it (for reports)."""
    import ray.util

    return str(ray.util.get_node_ip_address())  # type: ignore[no-untyped-call, unused-ignore]


def on_node(node_id: str) -> Any:
    """A hard scheduling constraint: the actor lives on that node or nowhere (its sandbox pool
    belongs to that node's Docker engine)."""
    require_ray()
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return NodeAffinitySchedulingStrategy(node_id=node_id, soft=False)


def is_worker_lost(exc: BaseException) -> bool:
    """True when Ray lost the worker, its node or the result (the work is redone elsewhere);
    False for an exception the worker's own code raised (re-raised as is: a bug stays loud)."""
    from ray.exceptions import RayError, RayTaskError

    return isinstance(exc, RayError) and not isinstance(exc, RayTaskError)


def is_transient(exc: BaseException) -> bool:
    """Ray's "temporarily unavailable" (restarting, or unreachable for a moment)."""
    from ray.exceptions import ActorUnavailableError

    return isinstance(exc, ActorUnavailableError)


def node_alive(node_id: str) -> bool:
    ray = require_ray()
    return any(n.get("NodeID") == node_id and n.get("Alive") for n in ray.nodes())


def node_local_url(url: str) -> bool:
    """A loopback endpoint is resolved on each node: every node talks to its own local server,
    so that endpoint's concurrency limit is per node, not shared by the cluster."""
    return is_loopback_url(url)
