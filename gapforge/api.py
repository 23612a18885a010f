"""`gapforge.generate`: one run from a config, the way the CLI does it (see docs/api.md).

The rest of the public API is other modules' functions re-exported by ``gapforge/__init__.py``;
this module holds the one that adds something: seeds from the config, a policy applied to the
config, a runner chosen by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from gapforge.config import RunConfig
    from gapforge.dataset.records import Seed
    from gapforge.generators.run import ProgressCallback, Runner, RunSummary
    from gapforge.optimize import Policy

__all__ = ["generate"]


async def generate(
    cfg: RunConfig,
    out: str | Path,
    *,
    seeds: Sequence[Seed] | None = None,
    limit: int | None = None,
    runner: Runner | Literal["local", "ray"] = "local",
    concurrency: int | None = None,
    policy: Policy | str | Path | None = None,
    force_new: bool = False,
    on_progress: ProgressCallback | None = None,
) -> RunSummary:
    """Run (or resume) generation into ``out``; the same run directory ``gapforge generate`` makes.

    ``seeds``: default the config's ``[seeds]`` (the first ``limit`` of them). ``runner``:
    ``"local"`` (this machine, ``concurrency`` seeds at once, default 4), ``"ray"`` (the Ray
    cluster of this machine; build a :class:`~gapforge.distributed.RayRunner` for another
    address) or a runner object. ``policy``: a :class:`~gapforge.optimize.Policy` or a
    policy file from ``gapforge optimize``; its knobs are applied to ``cfg``. ``on_progress`` is
    called with a :class:`~gapforge.generators.run.RunProgress` on every change and at least once
    a second. Bad input raises ConfigError before any work; see :mod:`gapforge.errors`.
    """
    from gapforge.generators.run import LocalRunner, run_generation
    from gapforge.generators.seeds import load_seeds
    from gapforge.optimize import Policy, load_policy

    pol = load_policy(policy) if isinstance(policy, str | Path) else policy
    if isinstance(pol, Policy):
        cfg = pol.apply(cfg)
    seed_list = list(seeds) if seeds is not None else load_seeds(cfg.seeds, limit=limit)
    if seeds is not None and limit is not None:
        seed_list = seed_list[:limit]
    if runner == "local":
        runner = LocalRunner(concurrency=4 if concurrency is None else concurrency)
    elif runner == "ray":
        from gapforge.distributed import RayRunner

        runner = RayRunner(concurrency=concurrency)
    return await run_generation(
        cfg,
        seed_list,
        out,
        runner=runner,
        force_new=force_new,
        policy_id=pol.id if pol is not None else None,
        policy_rules=pol.rules if pol is not None else (),
        on_progress=on_progress,
    )
