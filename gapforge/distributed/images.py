"""Build (or check) the sandbox image on every node of a Ray cluster, in parallel.

Each node's Docker engine needs the runner image; its tag is a content hash of the build inputs,
so the same gapforge version and base mode give the same tag everywhere. One Ray task per CPU
node, pinned to it, runs the ordinary offline-capable build (:func:`build_runner_image`), which
returns at once when the tag is already there::

    from gapforge.distributed.images import build_images_on_nodes
    for r in build_images_on_nodes("auto"):
        print(r.address, r.tag or r.error)
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, ConfigDict

from gapforge.distributed import _ray
from gapforge.errors import ConfigError

BaseMode = Literal["auto", "registry", "debootstrap"]


class NodeImage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    node_id: str
    address: str
    tag: str | None = None
    error: str | None = None
    seconds: float = 0.0


def _build_here(base: BaseMode, force: bool) -> tuple[str | None, str | None, float]:
    """Runs on the node: (tag, error, seconds)."""
    from gapforge.errors import GapforgeError
    from gapforge.images.build import build_runner_image
    from gapforge.sandbox.docker import connect

    t0 = time.monotonic()
    try:
        tag = build_runner_image(connect(), base, force=force)
    except GapforgeError as exc:
        return None, str(exc), time.monotonic() - t0
    return tag, None, time.monotonic() - t0


def build_images_on_nodes(
    address: str | None = "auto", *, base: BaseMode = "auto", force: bool = False, timeout_s: float = 3600.0
) -> list[NodeImage]:
    """Build or reuse the runner image on every alive CPU node; one result per node.

    ``address`` as for ``--ray``; ``None`` uses this process's Ray connection. Build problems
    (no Docker engine, no network for the wheels) are reported per node, not raised.
    """
    ray = _ray.require_ray()
    owns = False
    if address is not None:
        owns = _ray.connect(address)
    elif not ray.is_initialized():
        raise ConfigError("build_images_on_nodes(address=None) needs a process already connected to Ray")
    try:
        nodes = _ray.cpu_nodes()
        task = ray.remote(_build_here)
        refs = [
            task.options(scheduling_strategy=_ray.on_node(n.node_id), num_cpus=0, max_retries=0).remote(
                base, force
            )
            for n in nodes
        ]
        results = []
        for node, ref in zip(nodes, refs, strict=True):
            try:
                tag, error, seconds = ray.get(ref, timeout=timeout_s)
            except Exception as exc:  # the node or its worker died, or the build hung
                tag, error, seconds = None, f"{type(exc).__name__}: {exc}", 0.0
            results.append(
                NodeImage(node_id=node.node_id, address=node.address, tag=tag, error=error, seconds=seconds)
            )
        return results
    finally:
        if owns:
            ray.shutdown()
