"""The Agentic Self-Instruct loop for code, one seed at a time (many seeds concurrently).

For each round: the challenger drafts a problem; static checks; validity in the sandbox
(reference passes repeatedly and identically, trivial solutions fail, tests kill mutants); the
weak solver k times — and only when the weak gate passes, the strong solver k times; the gate
decides from the raw execution records. A rejected round becomes grouped, cumulative feedback
and the challenger must write an entirely new problem, up to ``max_rounds``. Every round and
every attempt is written to the run store as it happens.

Infrastructure failures (an endpoint that stays down, a sandbox that keeps failing) abort the
seed without writing its SeedRecord, so a resumed run redoes it; they are never scored. A round
that overlapped a Docker engine loss is not written either: once the engine is back, the seeds it
interrupted are redone in a new epoch of the same run, so an outage never changes what is
accepted. Faults no seed can outlive (the engine gone for good, a disk that cannot take the
records) stop the whole run at once; it resumes when rerun.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gapforge import __version__
from gapforge.config import RunConfig
from gapforge.dataset.records import (
    AttemptRecord,
    CallRecord,
    GateSummary,
    MessageRef,
    ProblemRecord,
    Provenance,
    RoundRecord,
    Seed,
    SeedRecord,
    TextRecord,
    ValiditySummary,
    utcnow,
)
from gapforge.dataset.store import RecordSink
from gapforge.errors import (
    DockerUnavailable,
    GapforgeError,
    MalformedOutput,
    ModelError,
    RunStoreError,
    SandboxError,
    SeedAborted,
)
from gapforge.extract import parse_review
from gapforge.generators.challenger import Rejection, challenger_messages, draft_problem
from gapforge.generators.solver import SANDBOX_RETRIES, Draft, draft, judge, repair_chain
from gapforge.llm import ChatModel, Completion, complete_json
from gapforge.models import Attempt, Message, Problem, TokenUsage, Verdict
from gapforge.prompts import load as load_prompt
from gapforge.prompts import prompt_hashes, solver_messages, text_id
from gapforge.prompts.feedback import analyst_detail
from gapforge.sandbox import ExecutionResult, Limits, Program, Sandbox, Status, priority
from gapforge.sandbox.engine import EngineWatch, find_engine
from gapforge.verifiers import check_static, check_validity
from gapforge.verifiers.gates import Gate, GateDecision, GateOutcome, RolloutScore

RAW_CAP = 20_000
# Passes over the seeds an engine loss interrupted, each in a new epoch, before they are left to
# the next rerun.
REDO_PASSES = 3


@dataclass
class RunStats:
    """Live counters for the progress display and the final summary."""

    seeds_total: int = 0
    seeds_done: int = 0
    seeds_failed: int = 0
    accepted: int = 0
    rounds: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    executions: int = 0
    accepted_rounds: int = 0  # rounds summed over accepted problems (the mean's numerator)
    errors: list[str] = field(default_factory=list)  # the first MAX_ERRORS only: memory stays flat
    errors_dropped: int = 0
    started: float = field(default_factory=time.monotonic)

    MAX_ERRORS: ClassVar[int] = 50

    @property
    def mean_rounds(self) -> float:
        return self.accepted_rounds / self.accepted if self.accepted else 0.0

    def note_accepted(self, rounds: int) -> None:
        self.accepted += 1
        self.accepted_rounds += rounds

    def note_error(self, message: str) -> None:
        if len(self.errors) < self.MAX_ERRORS:
            self.errors.append(message)
        else:
            self.errors_dropped += 1


@dataclass(frozen=True)
class Models:
    challenger: ChatModel
    weak: ChatModel
    strong: ChatModel
    reviewer: ChatModel | None = None


def _add(into: dict[str, TokenUsage], role: str, usage: TokenUsage) -> None:
    if usage.total:
        into[role] = into.get(role, TokenUsage()) + usage


@dataclass
class _RoundLedger:
    """What one round's model calls were and cost, filled by its :class:`_RecordingModel`s."""

    call_ids: list[str] = field(default_factory=list)
    usage: dict[str, TokenUsage] = field(default_factory=dict)  # every billed token, by role
    unstored: dict[str, TokenUsage] = field(default_factory=dict)  # of which: answers stored nowhere
    last_output: dict[str, str] = field(default_factory=dict)  # role -> its latest raw answer


class _RecordingModel:
    """Writes every call one round makes to the run store the moment it completes or fails: the
    exact messages (texts stored once, by content address), the raw answer, the tokens — answers
    that end up unused (a speculative weak answer for an invalid draft) included."""

    def __init__(
        self, inner: ChatModel, gen: Generator, seed_id: str, round_no: int, role: str, ledger: _RoundLedger
    ) -> None:
        self.inner = inner
        self.gen = gen
        self.seed_id = seed_id
        self.round_no = round_no
        self.role = role
        self.ledger = ledger

    def _purpose(self, messages: Sequence[Message]) -> str:
        if self.role == "challenger":
            return "challenge"
        if self.role == "reviewer":
            return "review"
        return "repair" if any(m.role == "assistant" for m in messages) else "solve"

    async def complete(self, messages: Sequence[Message], *, seed: int | None = None) -> Completion:
        refs = self.gen.store_messages(messages)
        call_id = "c-" + secrets.token_hex(8)
        common = {
            "run_id": self.gen.store.run_id, "epoch": self.gen.store.epoch, "seed_id": self.seed_id,
            "round": self.round_no, "call_id": call_id, "role": self.role, "purpose": self._purpose(messages),
            "model": self.gen.role_model(self.role), "messages": refs, "request_seed": seed,
        }  # fmt: skip
        started = time.monotonic()
        try:
            completion = await self.inner.complete(messages, seed=seed)
        except ModelError as exc:
            unstored = exc.unstored_usage if isinstance(exc.unstored_usage, TokenUsage) else TokenUsage()
            raw = exc.raw if isinstance(exc, MalformedOutput) else ""
            self.gen.store.write_call(
                CallRecord(
                    **common,
                    output=raw[:RAW_CAP],
                    error=f"{type(exc).__name__}: {exc}",
                    usage=unstored,
                    unstored_usage=unstored,
                    latency_s=time.monotonic() - started,
                )
            )
            self.ledger.call_ids.append(call_id)
            _add(self.ledger.usage, self.role, unstored)
            _add(self.ledger.unstored, self.role, unstored)
            raise
        billed = completion.usage + completion.unstored_usage
        self.gen.store.write_call(
            CallRecord(
                **common,
                served_model=completion.model,
                system_fingerprint=completion.system_fingerprint,
                output=completion.text,
                finish_reason=completion.finish_reason,
                usage=billed,
                unstored_usage=completion.unstored_usage,
                latency_s=completion.latency_s,
            )
        )
        self.ledger.call_ids.append(call_id)
        self.ledger.last_output[self.role] = completion.text
        _add(self.ledger.usage, self.role, billed)
        _add(self.ledger.unstored, self.role, completion.unstored_usage)
        return completion.model_copy(update={"call_id": call_id})


class _CountingSandbox:
    """Counts every execution a round asks for (validity, mutants, rollouts) in the live stats."""

    def __init__(self, inner: Sandbox, stats: RunStats) -> None:
        self.inner = inner
        self.stats = stats
        self.name = inner.name

    async def __aenter__(self) -> _CountingSandbox:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(None, None, None)

    async def run(self, program: Program, limits: Limits | None = None) -> ExecutionResult:
        self.stats.executions += 1
        return await self.inner.run(program, limits)


async def _cancel(tasks: Sequence[asyncio.Task[Any]]) -> None:
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class EngineInterrupted(SeedAborted):
    """A round overlapped a Docker engine loss: its results are not trusted and the seed is redone."""


def _summary(decision: GateDecision) -> GateSummary:
    return GateSummary(
        preset=decision.preset,
        outcome=decision.outcome.value,
        reason=decision.reason,
        weak_mean=decision.weak_mean,
        strong_mean=decision.strong_mean,
        gap=decision.gap,
    )


def _scores(attempts: list[Attempt]) -> tuple[float | None, ...]:
    return tuple(a.score for a in attempts)


def _rollouts(attempts: list[Attempt]) -> list[RolloutScore]:
    return [RolloutScore.of_attempt(a) for a in attempts]


def _rate(scores: tuple[float | None, ...]) -> float:
    measured = [s for s in scores if s is not None]
    return sum(measured) / len(measured) if measured else 0.0


def _fmt_scores(scores: tuple[float | None, ...]) -> str:
    measured = [s for s in scores if s is not None]
    return f"{sum(1 for s in measured if s == 1.0)}/{len(measured)}"


class Generator:
    """Runs seeds through the loop, writing everything to a RunStore."""

    def __init__(
        self,
        cfg: RunConfig,
        models: Models,
        sandbox: Sandbox,
        store: RecordSink,
        *,
        policy_rules: tuple[str, ...] = (),
        policy_id: str | None = None,
        on_change: Callable[[RunStats], None] | None = None,
    ) -> None:
        self.cfg = cfg
        self.models = models
        self.stats = RunStats()
        self.sandbox: Sandbox = _CountingSandbox(sandbox, self.stats)
        self.store = store
        self.gate: Gate = cfg.gate
        self.limits: Limits = cfg.sandbox.limits
        self.policy_rules = policy_rules
        self._on_change = on_change or (lambda _s: None)
        self.provenance = Provenance(
            gapforge_version=__version__,
            config_hash=cfg.config_hash,
            models={role: rc.model for role, rc in cfg.roles.configured().items()},
            prompt_hashes=prompt_hashes(),
            sandbox_image=str(getattr(sandbox, "image", "") or ""),
            sandbox_backend=getattr(sandbox, "name", "unknown"),
            policy_id=policy_id,
        )

    # ------------------------------------------------------------------ records

    def role_model(self, role: str) -> str:
        rc = self.cfg.roles.configured().get(role)
        return rc.model if rc is not None else role

    def store_messages(self, messages: Sequence[Message]) -> tuple[MessageRef, ...]:
        """The messages as stored: each text once in the run store, referenced by its address."""
        refs = []
        for m in messages:
            tid = text_id(m.content)
            self.store.write_text(TextRecord(text_id=tid, text=m.content))
            refs.append(MessageRef(role=m.role, text_id=tid))
        return tuple(refs)

    # ------------------------------------------------------------------ the run

    async def run(self, seeds: list[Seed], *, concurrency: int = 4) -> RunStats:
        done = self.store.done_seeds()
        todo = [s for s in seeds if s.id not in done]
        self.stats.seeds_total = len(seeds)
        self.stats.seeds_done = len(seeds) - len(todo)
        self._on_change(self.stats)
        engine = find_engine(self.sandbox)
        redo = await self._run_pass(todo, concurrency, engine)
        # Seeds an engine loss interrupted are redone once it is back, each pass in a new epoch
        # (started when no seed is in flight), so a redone seed's records never mix with the
        # interrupted ones. A sink without epochs (a cluster worker's buffer) leaves them to a rerun.
        begin_epoch = getattr(self.store, "begin_epoch", None)
        for _ in range(REDO_PASSES):
            if not redo or begin_epoch is None:
                break
            begin_epoch(f"redo {len(redo)} seed(s) a Docker engine loss interrupted")
            redo = await self._run_pass(redo, concurrency, engine)
        for seed in redo:
            self.stats.seeds_failed += 1
            self.stats.note_error(f"{seed.topic}: interrupted by Docker engine losses; rerun to resume it")
        self._on_change(self.stats)
        return self.stats

    async def _run_pass(self, todo: list[Seed], concurrency: int, engine: EngineWatch | None) -> list[Seed]:
        """Run seeds with ``concurrency`` workers; return those an engine loss interrupted.

        A fault no seed can outlive (RunStoreError: the disk; DockerUnavailable: the engine gone for
        good) cancels every worker and is raised: the seeds in flight stay unfinished for the resume.
        """
        queue = iter(todo)
        redo: list[Seed] = []
        check_space = getattr(self.store, "check_space", None)

        # `concurrency` workers pull seeds one at a time: one task per seed in flight, never one per
        # seed of the run, so the generator's memory does not grow with the number of seeds.
        async def worker() -> None:
            for seed in queue:
                if check_space is not None:
                    check_space()
                incidents = engine.incidents if engine is not None else 0
                try:
                    await self.run_seed(seed)
                except (RunStoreError, DockerUnavailable):
                    raise
                except (SeedAborted, GapforgeError) as exc:
                    if engine is not None and engine.failure is not None:
                        raise engine.failure from exc
                    if engine is not None and engine.incidents != incidents:
                        redo.append(seed)
                    else:
                        self.stats.seeds_failed += 1
                        self.stats.note_error(f"{seed.topic}: {exc}")
                self._on_change(self.stats)

        workers = [asyncio.create_task(worker()) for _ in range(max(1, min(concurrency, len(todo))))]
        try:
            await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            await _cancel(workers)  # a cancellation of this run, or a fatal fault in one worker
        for w in workers:
            if not w.cancelled() and w.exception() is not None:
                raise w.exception()  # type: ignore[misc]
        return redo

    async def run_seed(self, seed: Seed) -> SeedRecord:
        rejections: list[Rejection] = []
        verdicts: list[Verdict] = []
        usage: dict[str, TokenUsage] = {}
        max_rounds = self.cfg.loop.max_rounds
        engine = find_engine(self.sandbox)
        for round_no in range(1, max_rounds + 1):
            incidents = engine.incidents if engine is not None else 0
            record, attempts, problem_record = await self._round(seed, round_no, rejections)
            if engine is not None and engine.failure is not None:
                raise engine.failure
            if engine is not None and engine.incidents != incidents:
                raise EngineInterrupted(
                    f"round {round_no} overlapped a Docker engine loss; the seed is redone"
                )
            for a in attempts:
                self.store.write_attempt(
                    AttemptRecord(
                        run_id=self.store.run_id, epoch=self.store.epoch, seed_id=seed.id, round=round_no,
                        attempt=a, parent_sample=a.sample if a.turn > 0 else None, provenance=self.provenance,
                        prompt=self.store_messages(a.messages),
                    )
                )  # fmt: skip
            self.store.write_round(record)
            for role, u in record.usage.items():
                usage[role] = usage.get(role, TokenUsage()) + u
            verdicts.append(record.verdict)
            self.stats.rounds += 1
            self.stats.verdicts[record.verdict.value] += 1
            self._on_change(self.stats)
            if problem_record is not None:
                self.store.write_problem(problem_record)
                self.stats.note_accepted(round_no)
                return self._finish(seed, True, problem_record.problem_id, verdicts, usage)
            if record.verdict is not Verdict.INFRA:
                title = record.problem.title if record.problem else "(unparseable draft)"
                rejections.append(Rejection(record.verdict, title, record.reason))
        return self._finish(seed, False, None, verdicts, usage)

    def _finish(
        self,
        seed: Seed,
        accepted: bool,
        problem_id: str | None,
        verdicts: list[Verdict],
        usage: dict[str, TokenUsage],
    ) -> SeedRecord:
        rec = SeedRecord(
            run_id=self.store.run_id, epoch=self.store.epoch, seed=seed, accepted=accepted,
            problem_id=problem_id, rounds=len(verdicts), verdicts=tuple(verdicts), usage=usage,
        )  # fmt: skip
        self.store.finish_seed(rec)
        self.stats.seeds_done += 1
        return rec

    # ------------------------------------------------------------------ one round

    async def _round(
        self, seed: Seed, round_no: int, rejections: list[Rejection]
    ) -> tuple[RoundRecord, list[Attempt], ProblemRecord | None]:
        started = utcnow()
        ledger = _RoundLedger()
        m = self.models

        def recorded(model: ChatModel, role: str) -> _RecordingModel:
            return _RecordingModel(model, self, seed.id, round_no, role, ledger)

        challenger, weak_model, strong_model = (
            recorded(m.challenger, "challenger"), recorded(m.weak, "weak"), recorded(m.strong, "strong"),
        )  # fmt: skip
        reviewer = recorded(m.reviewer, "reviewer") if m.reviewer is not None else None

        messages = challenger_messages(
            seed, round_no, self.cfg.loop.max_rounds, rejections,
            min_tests=self.cfg.loop.min_tests, policy_rules=self.policy_rules,
        )  # fmt: skip
        prompt_refs = self.store_messages(messages)

        def rnd(verdict: Verdict, reason: str, **extra: Any) -> RoundRecord:
            extra.setdefault("raw_output", ledger.last_output.get("challenger", "")[:RAW_CAP])
            return RoundRecord(
                run_id=self.store.run_id, epoch=self.store.epoch, seed_id=seed.id, round=round_no,
                verdict=verdict, reason=reason, started_at=started, usage=dict(ledger.usage),
                unstored_usage=dict(ledger.unstored), prompt=prompt_refs, call_ids=tuple(ledger.call_ids),
                provenance=self.provenance, **extra,
            )  # fmt: skip

        try:
            problem = await draft_problem(challenger, messages, seed=self.cfg.seed * 7919 + round_no)
        except MalformedOutput as exc:
            return (
                rnd(
                    Verdict.MALFORMED,
                    f"the draft was not a valid problem: {exc}",
                    raw_output=exc.raw[:RAW_CAP],
                ),
                [],
                None,
            )
        except ModelError as exc:
            raise SeedAborted(f"challenger endpoint failed: {exc}") from exc

        pid = problem.id
        static = check_static(problem, min_tests=self.cfg.loop.min_tests)
        if not static.ok:
            reason = "; ".join(static.problems)
            return (
                rnd(
                    Verdict.INVALID, reason, problem=problem, problem_id=pid, static_problems=static.problems
                ),
                [],
                None,
            )

        # The rollout limit is fixed from one reference run before any solver is asked, so the
        # solver prompt can state the limit the solutions are judged under (a timeout is then a
        # fair verdict). The validity checks below run the reference again, several times.
        limits = await self._rollout_limits(problem)
        solver_prompt = solver_messages(problem, limits)

        # The weak solver only sees the statement, so it can be asked while the validity checks run.
        async def weak_draft(i: int) -> Draft:
            return await draft(
                weak_model, self.cfg.roles.weak.model, "weak", problem, solver_prompt, sample=i, turn=0
            )

        k_weak, k_strong = self.cfg.roles.weak.samples, self.cfg.roles.strong.samples
        early = (
            [asyncio.create_task(weak_draft(i)) for i in range(k_weak)]
            if self.cfg.loop.speculative_weak
            else []
        )
        try:
            validity = await check_validity(
                self.sandbox, problem, self.limits, runs=self.cfg.loop.validity_runs,
                mutation_threshold=self.cfg.loop.mutation_threshold, max_mutants=self.cfg.loop.max_mutants,
                seed=self.cfg.seed, check_mutants=self.cfg.loop.max_mutants > 0,
            )  # fmt: skip
        except BaseException as exc:
            await _cancel(early)
            if isinstance(exc, SandboxError):
                raise SeedAborted(f"sandbox failed during validity checks: {exc}") from exc
            raise
        vsum = ValiditySummary(
            valid=validity.valid,
            reason=validity.reason,
            failed_check=validity.failed_check.value if validity.failed_check else None,
            flaky_tests=tuple(validity.flaky_tests),
            trivial_passed=tuple(validity.trivial_passed),
            mutation_score=validity.mutation.score if validity.mutation else None,
            surviving_mutants=tuple(m.description for m in validity.mutation.survived[:10])
            if validity.mutation
            else (),
            reference_cpu_s=validity.reference_cpu_s or 0.0,
        )
        if not validity.valid:
            # Speculative weak calls already answered are in the calls table and the round's usage.
            await _cancel(early)
            return (
                rnd(Verdict.INVALID, validity.reason, problem=problem, problem_id=pid, validity=vsum),
                [],
                None,
            )

        vsum = vsum.model_copy(update={"cpu_limit_s": limits.cpu_seconds})
        drafts = early or [asyncio.create_task(weak_draft(i)) for i in range(k_weak)]

        async def judged(task: asyncio.Task[Draft]) -> Attempt:
            # A rollout's few executions stand between a seed and its next model call; another
            # seed's validity checks queue dozens at once. The rollouts go first.
            d = await task
            with priority(1):
                return await judge(d, self.sandbox, limits)

        def strong_drafts() -> list[asyncio.Task[Draft]]:
            return [
                asyncio.create_task(
                    draft(
                        strong_model,
                        self.cfg.roles.strong.model,
                        "strong",
                        problem,
                        solver_prompt,
                        sample=i,
                        turn=0,
                    )
                )
                for i in range(k_strong)
            ]

        # The strong solver is asked as soon as the weak gate passes whatever the weak rollouts still
        # running turn out to be (a slow one may be timing out): no call is made that the gate would
        # not have made, only earlier.
        weak_runs = [asyncio.create_task(judged(t)) for t in drafts]
        strong_early: list[asyncio.Task[Draft]] = []
        try:
            running: set[asyncio.Task[Attempt]] = set(weak_runs)
            while running:
                _, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                if running and not strong_early:
                    done = [RolloutScore.of_attempt(t.result()) for t in weak_runs if t.done()]
                    if self.gate.weak_gate_settled(done, len(running)):
                        strong_early = strong_drafts()
            weak = [t.result() for t in weak_runs]
        except BaseException:
            await _cancel([*weak_runs, *drafts, *strong_early])
            raise
        weak_scores = _scores(weak)
        common = {"problem": problem, "problem_id": pid, "validity": vsum, "weak_scores": weak_scores}

        if not self.gate.weak_gate_passes(_rollouts(weak)):
            await _cancel(strong_early)  # cannot have started: the gate was not settled
            decision = self.gate.decide(_rollouts(weak))
            verdict = Verdict.INFRA if decision.outcome is GateOutcome.INSUFFICIENT else Verdict.TOO_EASY
            reason = decision.reason
            if verdict is Verdict.TOO_EASY:
                reason = f"weak solver passed {_fmt_scores(weak_scores)} ({decision.reason})"
            return rnd(verdict, reason, gate=_summary(decision), **common), weak, None

        strong_tasks = strong_early or strong_drafts()
        try:
            strong = list(await asyncio.gather(*(judged(t) for t in strong_tasks)))
        finally:
            await _cancel(strong_tasks)  # only ever does something if this round was cancelled
        strong_scores = _scores(strong)
        decision = self.gate.decide(_rollouts(weak), _rollouts(strong))
        common |= {"strong_scores": strong_scores, "gate": _summary(decision)}
        attempts = weak + strong

        review: str | None = None
        if reviewer is not None and self.cfg.reviewer_enabled and any(s != 1.0 for s in strong_scores):
            ambiguous, review = await self._review(reviewer, problem, strong)
            if ambiguous:
                return (
                    rnd(
                        Verdict.AMBIGUOUS,
                        f"reviewer: the statement is ambiguous: {review}",
                        review=review,
                        **common,
                    ),
                    attempts,
                    None,
                )

        if decision.outcome is GateOutcome.INSUFFICIENT:
            return rnd(Verdict.INFRA, decision.reason, review=review, **common), attempts, None
        if decision.outcome is not GateOutcome.ACCEPTED:
            reason = f"strong solver passed {_fmt_scores(strong_scores)}, weak {_fmt_scores(weak_scores)} ({decision.reason})"
            return rnd(Verdict.FAILED_ON_STRONG, reason, review=review, **common), attempts, None

        attempts += await self._repairs(problem, attempts, limits, weak_model, strong_model)
        record = rnd(Verdict.ACCEPTED, decision.reason, review=review, **common)
        accepted = ProblemRecord(
            run_id=self.store.run_id, epoch=self.store.epoch, seed_id=seed.id, seed_topic=seed.topic,
            round=round_no, problem_id=pid, problem=problem,
            weak_pass_rate=_rate(weak_scores), strong_pass_rate=_rate(strong_scores),
            weak_scores=weak_scores, strong_scores=strong_scores, gate=_summary(decision),
            validity=vsum, rounds_used=round_no, provenance=self.provenance,
        )  # fmt: skip
        return record, attempts, accepted

    async def _rollout_limits(self, problem: Problem) -> Limits:
        """max(rollout floor, 4x the reference's CPU time on one run), within the sandbox budget.
        A reference that does not pass still gets the floor: validity will reject the draft."""
        floor = self.cfg.sandbox.rollout_cpu_floor_s
        program = problem.program(problem.reference_solution)
        probe = await self.sandbox.run(program, self.limits)
        for _ in range(SANDBOX_RETRIES):  # an infrastructure hiccup is retried, as for rollouts
            if probe.status is not Status.SANDBOX_ERROR:
                break
            probe = await self.sandbox.run(program, self.limits)
        if probe.status is Status.SANDBOX_ERROR:
            raise SeedAborted(f"sandbox failed running the reference solution: {probe.message}")
        return self.limits.scaled_to_reference(probe.cpu_s if probe.passed else 0.0, floor=floor)

    async def _repairs(
        self,
        problem: Problem,
        attempts: list[Attempt],
        limits: Limits,
        weak_model: ChatModel,
        strong_model: ChatModel,
    ) -> list[Attempt]:
        turns = self.cfg.loop.repair_turns
        if turns <= 0:
            return []
        jobs = []
        for a in attempts:
            if a.measured and a.score == 0.0:
                model = weak_model if a.role == "weak" else strong_model
                jobs.append(
                    repair_chain(model, self.role_model(a.role), problem, a, turns, self.sandbox, limits)
                )
        chains = await asyncio.gather(*jobs)
        return [a for chain in chains for a in chain]

    async def _review(self, reviewer: ChatModel, problem: Problem, strong: list[Attempt]) -> tuple[bool, str]:
        failing = [a for a in strong if a.measured and a.score == 0.0][:2]
        if not failing:
            return False, ""
        failures = "\n\n".join(
            f"### Solution {i + 1}\n```python\n{a.code}\n```\nOutput:\n{analyst_detail(a.result)}"  # type: ignore[arg-type]
            for i, a in enumerate(failing)
        )
        text = load_prompt("reviewer_user").format(
            problem=problem.solver_view(), tests=problem.tests[:6000], failures=failures
        )
        try:
            review = await complete_json(
                reviewer, [Message(role="user", content=text)], parse_review, attempts=2
            )
        except ModelError:
            return False, "(reviewer unavailable)"
        return review.ambiguous, review.reason
