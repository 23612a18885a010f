"""Scale-out on Ray: generation across a cluster, and sandbox rewards served by an actor pool.

Ray is an optional extra (``pip install 'gapforge[ray]'``). Importing this package does not
import Ray; using it without Ray raises a ConfigError that says how to install it.

Public API::

    RayRunner(address="auto", ...)   the Runner for gapforge.generators.run.run_generation
    generate_on_ray(cfg, seeds, out, address="auto", ...) -> ClusterSummary   (the same, in one call)
    RaySettings          seeds per CPU, retry and restart limits, key forwarding
    ClusterSummary       RunSummary + per-node reports, retried seeds, which worker finished each seed
    RaySandboxRewarder   drop-in SandboxRewarder that scores on every node of the cluster
    build_images_on_nodes(address) -> [NodeImage]   build or reuse the sandbox image on every node
    require_ray()        the ray module, or ConfigError("install gapforge[ray]")

See docs/ray.md.
"""

from __future__ import annotations

from gapforge.distributed._ray import require_ray
from gapforge.distributed.images import NodeImage, build_images_on_nodes
from gapforge.distributed.ray_reward import RaySandboxRewarder
from gapforge.distributed.ray_runner import (
    ClusterSummary,
    NodeReport,
    RayRunner,
    RaySettings,
    generate_on_ray,
)

__all__ = [
    "ClusterSummary",
    "NodeImage",
    "NodeReport",
    "RayRunner",
    "RaySandboxRewarder",
    "RaySettings",
    "build_images_on_nodes",
    "generate_on_ray",
    "require_ray",
]
