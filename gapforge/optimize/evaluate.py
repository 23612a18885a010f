"""Scoring a policy: the real loop (Generator + sandbox + gate) on a set of seeds, under the frozen core.

Only a complete, infrastructure-clean run is scored: a seed stopped by an endpoint or sandbox
failure reruns the whole evaluation, and one that keeps failing stops the optimization
(resumably), because an infrastructure failure is never a score.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gapforge.config import RunConfig
from gapforge.dataset.records import Seed
from gapforge.dataset.store import BufferSink, RunStore
from gapforge.errors import GapforgeError
from gapforge.generators.loop import Generator
from gapforge.generators.run import role_models
from gapforge.optimize.audit import EvalSummary, Purpose
from gapforge.optimize.policy import Policy
from gapforge.optimize.screen import frozen_core_hash
from gapforge.optimize.selection import ScoreMetric, score_of
from gapforge.sandbox import Sandbox

__all__ = ["Evaluator"]


@dataclass(frozen=True)
class Evaluator:
    """Everything an evaluation needs besides the policy and the seeds; one per optimization."""

    cfg: RunConfig
    core_hash: str  # the frozen core every evaluation must run under
    sandbox: Sandbox
    out: Path  # the optimization directory; records go to out/evals/<name> when kept
    run_id: str
    metric: ScoreMetric
    concurrency: int
    keep_records: bool
    infra_retries: int

    async def __call__(
        self, policy: Policy, seeds: Sequence[Seed], *, name: str, purpose: Purpose
    ) -> tuple[EvalSummary, BufferSink]:
        """Run the real loop for ``policy`` on ``seeds`` under the frozen core; score it. The
        records come back too (the analyzer reads them)."""
        cfg = policy.apply(self.cfg)
        core = frozen_core_hash(cfg)
        if core != self.core_hash or cfg.gate != self.cfg.gate:
            # Cannot happen: a Policy has no field that reaches the core. Checked anyway, before any work.
            raise GapforgeError(
                f"internal error: policy {policy.id} changed the frozen core; refusing to score it"
            )
        t0 = time.monotonic()
        store: RunStore | None = None
        run_dir: Path | None = None
        if self.keep_records:
            run_dir = self.out / "evals" / name
            store = RunStore.open(run_dir, config_hash=cfg.config_hash, config=cfg.model_dump(mode="json"))
        try:
            for attempt in range(self.infra_retries + 1):
                # A fresh buffer per attempt: only a complete, infrastructure-clean run is scored and kept.
                sink = (
                    BufferSink(store.run_id, store.epoch)
                    if store is not None
                    else BufferSink(f"{self.run_id}-{name}", 1)
                )
                async with role_models(cfg) as (models, meters):
                    gen = Generator(
                        cfg, models, self.sandbox, sink, policy_rules=policy.rules, policy_id=policy.id
                    )
                    stats = await gen.run(list(seeds), concurrency=self.concurrency)
                    tokens = sum(m.meter.snapshot().total_tokens for m in meters)
                if not stats.seeds_failed:
                    break
                if attempt == self.infra_retries:
                    raise GapforgeError(
                        f"evaluation {name} of {policy.id}: {stats.seeds_failed} seed(s) stopped on "
                        f"infrastructure errors {self.infra_retries + 1} time(s) "
                        f"({'; '.join(stats.errors[:3])}); an infrastructure failure is never a score. "
                        "Fix the endpoint or sandbox and rerun the same command to resume"
                    )
            if store is not None:
                # Not drain_into(): the analyzer still needs the records after they are stored.
                for table, record in sink.records:
                    store.append(table, record)
                store.bind_policy(policy.id, policy.rules)
        finally:
            if store is not None:
                store.close()
        return (
            EvalSummary(
                name=name,
                purpose=purpose,
                policy_id=policy.id,
                seeds=tuple(s.id for s in seeds),
                accepted=stats.accepted,
                rounds=stats.rounds,
                tokens=tokens,
                verdicts=dict(stats.verdicts),
                metric=self.metric,
                score=score_of(stats.accepted, stats.rounds, tokens, self.metric),
                config_hash=cfg.config_hash,
                core_hash=core,
                wall_s=round(time.monotonic() - t0, 3),
                run_dir=str(run_dir.relative_to(self.out)) if run_dir is not None else None,
                run_epoch=store.epoch if store is not None else None,
            ),
            sink,
        )
