"""The search: one optimization directory, iterated (or resumed) until the budget is spent.

Layout of the directory::

    optimizer.json     run id, config and seed split, start policy, frozen core, meta-prompt hashes
    audit.jsonl        one line per iteration (:mod:`gapforge.optimize.audit`)
    best_policy.json   the best policy so far, the file ``gapforge generate --policy`` reads
    evals/<name>/      each evaluation's records, a run directory
    .lock              held by the one process optimizing here
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gapforge import __version__
from gapforge.config import RunConfig
from gapforge.dataset.records import Seed, utcnow
from gapforge.dataset.store import BufferSink, atomic_write_json, locked_directory
from gapforge.errors import ConfigError, GapforgeError, MalformedOutput, RunStoreError
from gapforge.llm import ChatModel, complete_json
from gapforge.optimize.audit import AUDIT_FILE, AuditEntry, AuditLog, EvalSummary, Purpose, rebuild_population
from gapforge.optimize.evaluate import Evaluator
from gapforge.optimize.policy import Policy, diff_policies, save_policy
from gapforge.optimize.roles import (
    editor_messages,
    meta_prompt_hashes,
    one_line,
    parse_proposal,
    training_digest,
)
from gapforge.optimize.screen import check_proposal, frozen_core, frozen_core_hash
from gapforge.optimize.selection import (
    ACCEPT_EPS,
    DEFAULT_TEMPERATURE,
    Candidate,
    ScoreMetric,
    accept_child,
    best_candidate,
    iteration_rng,
    pick,
)
from gapforge.sandbox import Sandbox

__all__ = [
    "BEST_FILE",
    "STATE_FILE",
    "OptimizeResult",
    "Optimizer",
    "OptimizerSettings",
]

STATE_FILE = "optimizer.json"
BEST_FILE = "best_policy.json"
_RAW_CAP = 8000


class OptimizerSettings(BaseModel):
    """How the search runs (none of it reaches the frozen core)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    iterations: int = Field(default=10, ge=0, le=100_000)  # total, counting earlier (resumed) ones
    temperature: float = Field(default=DEFAULT_TEMPERATURE, ge=0.0, le=1e6)
    minibatch: int = Field(default=4, ge=1, le=100_000)
    metric: ScoreMetric = "per_round"
    reevaluate_parent: bool = True
    seed: int = 0
    concurrency: int = Field(default=4, ge=1, le=4096)
    keep_records: bool = True  # each evaluation's records as a run dir under OUT/evals/
    # Whole-evaluation reruns when a seed stops on an endpoint or sandbox failure (never scored).
    infra_retries: int = Field(default=1, ge=0, le=10)


@dataclass
class OptimizeResult:
    best: Candidate
    start: Candidate
    entries: list[AuditEntry]
    out: Path

    @property
    def improved(self) -> bool:
        return self.best.id != self.start.id and self.best.score > self.start.score + ACCEPT_EPS


class Optimizer:
    """Runs (or resumes) one optimization in ``out``. Use :func:`optimize` for the whole thing."""

    def __init__(
        self,
        cfg: RunConfig,
        train: Sequence[Seed],
        validation: Sequence[Seed],
        out: str | Path,
        *,
        settings: OptimizerSettings | None = None,
        start: Policy | None = None,
        sandbox: Sandbox,
        analyzer: ChatModel,
        editor: ChatModel,
        on_entry: Callable[[AuditEntry], None] | None = None,
    ) -> None:
        if not train or not validation:
            raise ConfigError("the optimizer needs at least one training and one validation seed")
        overlap = {s.id for s in train} & {s.id for s in validation}
        if overlap:
            raise ConfigError(
                f"{len(overlap)} seed(s) are both training and validation seeds; validation must be held out"
            )
        self.cfg = cfg
        self.gate = cfg.gate  # the one gate every evaluation is scored under
        self.core_hash = frozen_core_hash(cfg)
        self.train = list(train)
        self.validation = list(validation)
        self.out = Path(out)
        self.settings = settings or OptimizerSettings()
        self.start = (start or Policy()).model_copy(update={"parent": None})
        self._start_given = start is not None  # a resume without one continues from the recorded start
        self.sandbox = sandbox
        self.analyzer = analyzer
        self.editor = editor
        self._on_entry = on_entry or (lambda _e: None)
        self.log = AuditLog(self.out / AUDIT_FILE)
        self.population: dict[str, Candidate] = {}
        self.entries: list[AuditEntry] = []
        self.run_id = ""
        self._evaluator: Evaluator | None = None  # once the state is open (it needs the run id)

    # ------------------------------------------------------------------ state

    def _state(self) -> dict[str, Any]:
        return {
            "core_hash": self.core_hash,
            "config_hash": self.cfg.config_hash,
            "metric": self.settings.metric,
            "train": [s.id for s in self.train],
            "validation": [s.id for s in self.validation],
            "start_policy": self.start.id,
        }

    def _open_state(self) -> None:
        path = self.out / STATE_FILE
        want = self._state()
        if path.exists():
            try:
                have = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise RunStoreError(
                    f"{path} is corrupt ({exc}); choose another --out or move it aside"
                ) from exc
            if not self._start_given and isinstance(have.get("start"), dict):
                self.start = Policy.model_validate(have["start"])
                want["start_policy"] = self.start.id
            diffs = [k for k, v in want.items() if have.get(k) != v]
            if diffs:
                raise RunStoreError(
                    f"{self.out} holds an optimization with another {', '.join(diffs)}; resume it with the "
                    "same config, seeds, metric and start policy, or choose another --out"
                )
            self.run_id = str(have["run_id"])
            return
        self.run_id = "opt-" + secrets.token_hex(6)
        state = want | {
            "run_id": self.run_id,
            "gapforge_version": __version__,
            "created_at": utcnow(),
            "start": self.start.model_dump(mode="json"),
            "frozen_core": frozen_core(self.cfg),
            "meta_prompt_hashes": meta_prompt_hashes(),
        }
        try:
            atomic_write_json(path, state)
        except OSError as exc:
            raise RunStoreError(
                f"could not write {path}: {exc.strerror or exc}; free space or fix the disk, or choose "
                "another --out, then rerun the same command"
            ) from exc

    # ------------------------------------------------------------------ the run

    async def run(self) -> OptimizeResult:
        with locked_directory(self.out, holder="another gapforge optimize"):
            self._open_state()
            self._evaluator = Evaluator(
                cfg=self.cfg,
                core_hash=self.core_hash,
                sandbox=self.sandbox,
                out=self.out,
                run_id=self.run_id,
                metric=self.settings.metric,
                concurrency=self.settings.concurrency,
                keep_records=self.settings.keep_records,
                infra_retries=self.settings.infra_retries,
            )
            self.entries = self.log.read()
            for e in self.entries:
                if e.core_hash != self.core_hash:
                    raise RunStoreError(
                        f"{self.log.path}: iteration {e.iteration} was scored under another frozen core "
                        f"({e.core_hash}, now {self.core_hash}); resume with the original config or use a new --out"
                    )
            self.population = rebuild_population(self.entries)
            if not self.entries:
                await self._record(await self._baseline())
            done = self.entries[-1].iteration
            for i in range(done + 1, self.settings.iterations + 1):
                await self._record(await self._iteration(i))
            start = self.population[self.start.id]
            return OptimizeResult(best_candidate(self.population), start, list(self.entries), self.out)

    async def _record(self, entry: AuditEntry) -> None:
        if entry.core_hash != self.core_hash or self.cfg.gate != self.gate:
            raise GapforgeError(
                "internal error: the frozen core changed during optimization; nothing was logged"
            )
        self.log.append(entry)
        self.entries.append(entry)
        self.population = rebuild_population(self.entries)
        best = best_candidate(self.population)
        save_policy(
            best.policy,
            self.out / BEST_FILE,
            meta={
                "validation_score": best.score,
                "validation_evaluations": len(best.scores),
                "metric": self.settings.metric,
                "born_in_iteration": best.born,
                "start_policy_id": self.start.id,
                "start_score": self.population[self.start.id].score,
                "written_after_iteration": entry.iteration,
                "optimizer_run_id": self.run_id,
            },
        )
        self._on_entry(entry)

    def _entry(self, i: int, started: str, parent: Policy, **fields: Any) -> AuditEntry:
        return AuditEntry(
            iteration=i,
            started_at=started,
            temperature=self.settings.temperature,
            parent_id=parent.id,
            parent=parent,
            core_hash=self.core_hash,
            gate=self.gate.model_dump(mode="json"),
            **fields,
        )

    async def _baseline(self) -> AuditEntry:
        started = utcnow()
        ev = await self._evaluate(self.start, self.validation, name="it0000-baseline", purpose="baseline")
        return self._entry(
            0, started, self.start, parent_validation=ev, parent_scores=(ev.score,), parent_score=ev.score,
            decision="baseline", reason=f"starting policy's validation score {ev.line()}",
        )  # fmt: skip

    async def _iteration(self, i: int) -> AuditEntry:
        started = utcnow()
        chosen = pick(
            list(self.population.values()), self.train, temperature=self.settings.temperature,
            minibatch=self.settings.minibatch, rng=iteration_rng(self.settings.seed, i),
        )  # fmt: skip
        parent, minibatch = chosen.parent, list(chosen.minibatch)
        tag = f"it{i:04d}"

        train_ev, sink = await self._evaluate_with_records(
            parent.policy, minibatch, name=f"{tag}-train", purpose="train"
        )
        analysis_text = await self._analyze(parent.policy, sink.records, minibatch, i)
        base = {"selection": chosen.selection, "train": train_ev, "analysis": analysis_text}

        try:
            proposal = await complete_json(
                self.editor, editor_messages(parent.policy, analysis_text), parse_proposal, attempts=2,
                seed=self.settings.seed * 1009 + i,
            )  # fmt: skip
        except MalformedOutput as exc:
            return self._entry(
                i, started, parent.policy, **base, proposal=exc.raw[:_RAW_CAP], decision="rejected_invalid",
                reason=f"the editor's reply held no usable policy: {exc}",
            )  # fmt: skip
        raw = json.dumps(proposal)[:_RAW_CAP]
        check = check_proposal(proposal, parent=parent.policy, cfg=self.cfg)
        if not check.ok:
            frozen = check.touches_frozen_core
            kinds = sorted({v.kind for v in check.violations})
            return self._entry(
                i, started, parent.policy, **base, proposal=raw, violations=check.violations,
                decision="rejected_frozen_core" if frozen else "rejected_invalid",
                reason=(
                    f"proposal refused before any evaluation ({', '.join(kinds)}): "
                    + "; ".join(v.detail for v in check.violations[:6])
                ),
            )  # fmt: skip
        child = check.policy
        assert child is not None
        diff = diff_policies(parent.policy, child)
        base |= {"proposal": raw, "child_id": child.id, "child": child, "diff": diff}
        if diff.empty:
            return self._entry(
                i, started, parent.policy, **base, decision="rejected_no_change",
                reason="the proposal equals its parent; nothing to evaluate",
            )  # fmt: skip
        if child.id in self.population:
            return self._entry(
                i, started, parent.policy, **base, decision="rejected_duplicate",
                reason=f"the proposal is {child.id}, already in the population",
            )  # fmt: skip

        # Parent and child on the same validation seeds, side by side; a failure cancels both.
        async with asyncio.TaskGroup() as tg:
            child_job = tg.create_task(
                self._evaluate(child, self.validation, name=f"{tag}-child", purpose="child")
            )
            parent_job = (
                tg.create_task(
                    self._evaluate(parent.policy, self.validation, name=f"{tag}-parent", purpose="parent")
                )
                if self.settings.reevaluate_parent
                else None
            )
        child_ev = child_job.result()
        parent_ev = parent_job.result() if parent_job is not None else None
        parent_scores = [*parent.scores, *([parent_ev.score] if parent_ev else [])]
        verdict = accept_child(parent_scores, [child_ev.score])
        reason = (
            f"{verdict.reason}; change: {diff.describe()}; "
            f"child {child_ev.line()} vs parent {'now ' + parent_ev.line() if parent_ev else 'earlier evaluations'}"
        )
        if verdict.accepted and check.rationale:
            reason += f"; editor's rationale: {one_line(check.rationale, 200)}"
        return self._entry(
            i, started, parent.policy, **base, parent_validation=parent_ev, child_validation=child_ev,
            parent_scores=tuple(parent_scores), parent_score=verdict.parent_mean, child_score=verdict.child_mean,
            decision="accepted" if verdict.accepted else "rejected_not_better", reason=reason,
        )  # fmt: skip

    async def _analyze(
        self, policy: Policy, records: Sequence[tuple[str, BaseModel]], seeds: Sequence[Seed], i: int
    ) -> str:
        msgs = training_digest(records, policy, seeds)
        completion = await self.analyzer.complete(msgs, seed=self.settings.seed * 1009 + i)
        return completion.text.strip()[:_RAW_CAP]

    # ------------------------------------------------------------------ evaluation

    async def _evaluate(
        self, policy: Policy, seeds: Sequence[Seed], *, name: str, purpose: Purpose
    ) -> EvalSummary:
        summary, _ = await self._evaluate_with_records(policy, seeds, name=name, purpose=purpose)
        return summary

    async def _evaluate_with_records(
        self, policy: Policy, seeds: Sequence[Seed], *, name: str, purpose: Purpose
    ) -> tuple[EvalSummary, BufferSink]:
        if self._evaluator is None:
            raise GapforgeError("internal error: an evaluation before the optimizer's state was opened")
        return await self._evaluator(policy, seeds, name=name, purpose=purpose)
