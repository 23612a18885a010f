"""The Agentic Self-Instruct loop for code, one seed at a time (many seeds concurrently).

For each round: the challenger drafts a problem; static checks; validity in the sandbox
(reference passes repeatedly and identically, trivial solutions fail, tests kill mutants); for a
problem with an input generator, the test oracle (a differential suite joins the challenger's
tests as the final hidden tests everything after is judged on, and no known-wrong program may
pass them at the end); the weak solver ``roles.weak.samples`` times — and only when the weak gate passes, the strong solver
``roles.strong.samples`` times; the gate decides from the raw execution records; a reviewer may
call the statement ambiguous; failing attempts of an accepted problem get repair turns. A
rejected round becomes grouped, cumulative feedback and the challenger must write an entirely
new problem, up to ``max_rounds``. Every round and every attempt is written to the run store as
it happens. :meth:`Generator._round` reads as these phases, top to bottom.

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
    OracleSummary,
    PhaseTime,
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
from gapforge.models import Attempt, HiddenSuite, Message, Problem, TokenUsage, Verdict, final_suites
from gapforge.prompts import load as load_prompt
from gapforge.prompts import prompt_hashes, solver_messages, text_id
from gapforge.prompts.feedback import analyst_detail
from gapforge.sandbox import Limits, Sandbox, Status, priority
from gapforge.sandbox.combine import first_part_passed
from gapforge.sandbox.engine import EngineWatch, find_engine
from gapforge.sandbox.metered import MeteredSandbox, Tally, metered_phase, metered_scope
from gapforge.verifiers import check_static, check_validity
from gapforge.verifiers.budgets import rollout_limits
from gapforge.verifiers.gates import Gate, GateDecision, GateOutcome, RolloutScore
from gapforge.verifiers.mutation import MutationReport
from gapforge.verifiers.oracle import (
    KnownWrong,
    build_differential_suite,
    false_passes,
    harden,
    killed_mutants,
    oracle_measures,
    surviving_mutants,
    trim_suite,
)

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


@dataclass(frozen=True)
class _Stop:
    """How a round ends: its verdict and reason, and what only this ending records."""

    verdict: Verdict
    reason: str
    raw_output: str | None = None  # None: the challenger's last answer
    static_problems: tuple[str, ...] = ()


@dataclass
class _RoundState:
    """What one round's phases hand each other, filled in phase order (see ``Generator._round``)."""

    seed: Seed
    round_no: int
    started: str
    ledger: _RoundLedger
    challenger: _RecordingModel
    weak_model: _RecordingModel
    strong_model: _RecordingModel
    reviewer: _RecordingModel | None
    messages: list[Message]  # the challenger's prompt
    prompt_refs: tuple[MessageRef, ...]
    # Filled by the phases, in this order:
    draft: Problem | None = None  # _draft
    rollout_limits: Limits | None = None  # _fix_rollout_limits: one reference run
    solver_prompt: list[Message] = field(default_factory=list)  # _fix_rollout_limits: states them
    validity: ValiditySummary | None = None  # _validity
    mutation: MutationReport | None = None  # _validity: which mutants the tests killed
    oracle: OracleSummary | None = None  # _oracle (problems with an input generator only)
    weak: list[Attempt] = field(default_factory=list)  # _weak_rollouts
    strong: list[Attempt] = field(default_factory=list)  # _strong_rollouts
    decision: GateDecision | None = None  # _weak_gate when it ends the round, else _decide
    review: str | None = None  # _review
    repairs: list[Attempt] = field(default_factory=list)  # _repair
    hardened_wrong: tuple[str, ...] = ()  # _oracle: mutants the hardening killed with a wrong answer
    sandbox_time: dict[str, Tally] = field(default_factory=dict)  # every phase, by phase

    @property
    def problem(self) -> Problem:
        if self.draft is None:
            raise AssertionError("a phase after the draft ran without a draft")
        return self.draft

    @property
    def extra_suites(self) -> tuple[HiddenSuite, ...]:
        """The oracle's suites: with the challenger's tests, the final hidden tests (the rollouts,
        the gate and the repairs are judged on them)."""
        return self.oracle.suites if self.oracle is not None else ()

    @property
    def limits(self) -> Limits:
        if self.rollout_limits is None:
            raise AssertionError("the rollouts' limits were not fixed before the rollouts")
        return self.rollout_limits

    @property
    def gate_decision(self) -> GateDecision:
        if self.decision is None:
            raise AssertionError("the gate has not decided")
        return self.decision


@dataclass(frozen=True)
class RoundOutcome:
    """What one round produced: its record, its scored attempts (rollouts, then repair turns) and,
    when accepted, the problem's record."""

    record: RoundRecord
    attempts: list[Attempt]
    problem: ProblemRecord | None = None


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


def _timed_out(a: Attempt) -> bool:
    return a.result is not None and a.result.status in (Status.TIMEOUT, Status.MEMORY_EXCEEDED)


def _phase_times(tallies: dict[str, Tally]) -> tuple[PhaseTime, ...]:
    return tuple(
        PhaseTime(phase=k, runs=t.runs, cpu_s=round(t.cpu_s, 4), wall_s=round(t.wall_s, 4))
        for k, t in sorted(tallies.items())
    )


def _scores(attempts: list[Attempt]) -> tuple[float | None, ...]:
    return tuple(a.score for a in attempts)


def _rollouts(attempts: list[Attempt]) -> list[RolloutScore]:
    return [RolloutScore.of_attempt(a) for a in attempts]


def _rate(scores: tuple[float | None, ...]) -> float:
    measured = [s for s in scores if s is not None]
    return sum(measured) / len(measured) if measured else 0.0


def _label(a: Attempt) -> str:
    """An attempt's name in oracle reports: ``<role>/<sample>/<turn>``."""
    return f"{a.role}/{a.sample}/{a.turn}"


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
        self.sandbox = MeteredSandbox(sandbox, owned=False, on_start=self._count_execution)
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

    def _count_execution(self) -> None:
        self.stats.executions += 1  # as it starts: the live display shows executions in flight

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
            outcome = await self._round(seed, round_no, rejections)
            record, attempts, problem_record = outcome.record, outcome.attempts, outcome.problem
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

    async def _round(self, seed: Seed, round_no: int, rejections: list[Rejection]) -> RoundOutcome:
        """One round, phase by phase; the first phase that rejects the draft ends it.

        Two model calls start before the phase that needs them, to keep the models busy: the weak
        solver's drafts while validity runs (it only needs the statement), the strong solver's as
        soon as the weak rollouts in settle the weak gate. Neither changes what is decided.
        """
        st = self._open_round(seed, round_no, rejections)
        with metered_scope() as st.sandbox_time:
            return await self._phases(st)

    async def _phases(self, st: _RoundState) -> RoundOutcome:
        if (stop := await self._draft(st)) is not None:
            return self._end(st, stop)
        if (stop := self._static_checks(st)) is not None:
            return self._end(st, stop)
        await self._fix_rollout_limits(st)

        # Speculative: the weak solver only needs the statement, so its drafts start now.
        weak_drafts = self._ask_weak(st) if self.cfg.loop.speculative_weak else []
        try:
            stop = await self._validity(st)
            if stop is None:
                stop = await self._oracle(st)
        except BaseException:
            await _cancel(weak_drafts)
            raise
        if stop is not None:
            await _cancel(weak_drafts)  # answers already in stay in the calls table and the usage
            return self._end(st, stop)

        # Returns the strong solver's drafts if the weak rollouts in settled the weak gate early.
        strong_drafts = await self._weak_rollouts(st, weak_drafts or self._ask_weak(st))
        if (stop := self._weak_gate(st)) is not None:
            await _cancel(strong_drafts)  # cannot have started: the gate was not settled
            return self._end(st, stop)
        await self._strong_rollouts(st, strong_drafts or self._ask_strong(st))

        self._decide(st)
        if (stop := await self._review(st)) is not None:
            return self._end(st, stop)
        if (stop := self._gate_rejection(st)) is not None:
            return self._end(st, stop)
        await self._repair(st)
        if (stop := await self._known_wrong(st)) is not None:
            return self._end(st, stop)
        return self._accept(st)

    def _open_round(self, seed: Seed, round_no: int, rejections: list[Rejection]) -> _RoundState:
        """Consumes the seed and the feedback so far; produces the round's state: the models wrapped
        to record every call, and the challenger's prompt (stored)."""
        started = utcnow()
        ledger = _RoundLedger()

        def recorded(model: ChatModel, role: str) -> _RecordingModel:
            return _RecordingModel(model, self, seed.id, round_no, role, ledger)

        m = self.models
        messages = challenger_messages(
            seed, round_no, self.cfg.loop.max_rounds, rejections,
            min_tests=self.cfg.loop.min_tests, policy_rules=self.policy_rules,
        )  # fmt: skip
        return _RoundState(
            seed=seed, round_no=round_no, started=started, ledger=ledger,
            challenger=recorded(m.challenger, "challenger"), weak_model=recorded(m.weak, "weak"),
            strong_model=recorded(m.strong, "strong"),
            reviewer=recorded(m.reviewer, "reviewer") if m.reviewer is not None else None,
            messages=messages, prompt_refs=self.store_messages(messages),
        )  # fmt: skip

    async def _draft(self, st: _RoundState) -> _Stop | None:
        """Draft: the challenger's prompt -> ``st.draft``, the problem. An answer that stays
        unparseable ends the round as malformed; an endpoint that stays down aborts the seed."""
        try:
            st.draft = await draft_problem(
                st.challenger, st.messages, seed=self.cfg.seed * 7919 + st.round_no, language=st.seed.language
            )
        except MalformedOutput as exc:
            reason = f"the draft was not a valid problem: {exc}"
            return _Stop(Verdict.MALFORMED, reason, raw_output=exc.raw[:RAW_CAP])
        except ModelError as exc:
            raise SeedAborted(f"challenger endpoint failed: {exc}") from exc
        return None

    def _static_checks(self, st: _RoundState) -> _Stop | None:
        """Static checks: the problem -> invalid (with the problems found), or on to the sandbox."""
        static = check_static(st.problem, min_tests=self.cfg.loop.min_tests)
        if static.ok:
            return None
        return _Stop(Verdict.INVALID, "; ".join(static.problems), static_problems=static.problems)

    async def _fix_rollout_limits(self, st: _RoundState) -> None:
        """The problem -> ``st.rollout_limits`` and the solver prompt that states them.

        The rollout limit is fixed from one reference run before any solver is asked, so the solver
        prompt can state the limit the solutions are judged under (a timeout is then a fair
        verdict). The validity checks run the reference again, several times."""
        with metered_phase("reference"):
            st.rollout_limits = await self._rollout_limits(st.problem)
        st.solver_prompt = solver_messages(st.problem, st.limits)

    async def _validity(self, st: _RoundState) -> _Stop | None:
        """Validity in the sandbox: the problem -> ``st.validity`` (the summary recorded), or
        invalid with the first check that failed. A sandbox failure aborts the seed."""
        try:
            with metered_phase("validity"):
                validity = await check_validity(
                    self.sandbox, st.problem, self.limits, runs=self.cfg.loop.validity_runs,
                    mutation_threshold=self.cfg.loop.mutation_threshold, max_mutants=self.cfg.loop.max_mutants,
                    seed=self.cfg.seed, check_mutants=self.cfg.loop.max_mutants > 0,
                )  # fmt: skip
        except SandboxError as exc:
            raise SeedAborted(f"sandbox failed during validity checks: {exc}") from exc
        mutation = st.mutation = validity.mutation
        st.validity = ValiditySummary(
            valid=validity.valid,
            reason=validity.reason,
            failed_check=validity.failed_check.value if validity.failed_check else None,
            flaky_tests=tuple(validity.flaky_tests),
            trivial_passed=tuple(validity.trivial_passed),
            mutation_score=mutation.score if mutation else None,
            surviving_mutants=tuple(m.description for m in mutation.survived[:10]) if mutation else (),
            reference_cpu_s=validity.reference_cpu_s or 0.0,
            mutants_uncompiled=mutation.uncompiled if mutation and st.problem.language != "python" else None,
        )
        if not validity.valid:
            return _Stop(Verdict.INVALID, validity.reason)
        st.validity = st.validity.model_copy(update={"cpu_limit_s": st.limits.cpu_seconds})
        return None

    async def _oracle(self, st: _RoundState) -> _Stop | None:
        """The test oracle (a problem with an input generator, ``[oracle]`` enabled): the problem
        and validity's surviving mutants -> ``st.oracle``: the differential suite (drawn inputs
        answered by the reference), the hardening it gives, and so the final hidden tests. A
        problem the build finds defective (a failing generator, inputs its own validator rejects,
        valid inputs the reference cannot answer) is invalid. A sandbox failure aborts the seed."""
        problem = st.problem
        # A checker suite runs Python programs only (for now): a problem in another language with a
        # checker is judged on its challenger's tests alone.
        other_with_checker = problem.language != "python" and problem.checker is not None
        if not (self.cfg.oracle.enabled and problem.input_generator) or other_with_checker:
            return None
        loop = self.cfg.loop
        try:
            oracle = self.cfg.oracle.oracle_config()
            with metered_phase("oracle.build"):
                suite = await build_differential_suite(
                    self.sandbox, problem, oracle, self.limits, max_answers=oracle.max_answers(problem.kind)
                )
                defects = suite.defects()
                if defects:
                    st.oracle = OracleSummary(defects=defects, sandbox_cpu_s=suite.sandbox_cpu_s)
                    return _Stop(
                        Verdict.INVALID, "the test oracle found the problem defective: " + "; ".join(defects)
                    )
                survivors = (
                    surviving_mutants(problem, st.mutation, max_mutants=loop.max_mutants, seed=self.cfg.seed)
                    if st.mutation is not None
                    else ()
                )
                with metered_phase("oracle.harden"):
                    hardening = await harden(self.sandbox, problem, suite, survivors)
                    # every rollout and repair is judged on the suite: keep its cost bounded
                    suite = trim_suite(problem, suite, [c.name for c in hardening.cases], oracle)
        except SandboxError as exc:
            raise SeedAborted(f"sandbox failed building the differential suite: {exc}") from exc
        suites: tuple[HiddenSuite, ...] = ()
        if suite.suite is not None:
            # A function suite runs every case in one session: its budget follows the reference's
            # time on all of them. Stdio cases are each judged under the problem's per-case limit.
            cpu: float | None = None
            if suite.suite.kind == "function":
                scaled = rollout_limits(
                    self.limits, suite.reference_cpu_s, floor=self.cfg.sandbox.rollout_cpu_floor_s
                )
                cpu = max(st.limits.cpu_seconds, scaled.cpu_seconds)
            suites = (suite.suite.model_copy(update={"cpu_limit_s": cpu}),)
        st.hardened_wrong = tuple(m.description for m in hardening.killed if m.status is not Status.TIMEOUT)
        st.oracle = OracleSummary(
            suites=suites,
            measures=oracle_measures(suite, hardening),
            hardening_cases=tuple(c.name for c in hardening.cases),
            killed_by_hardening=tuple(m.description for m in hardening.killed),
            probably_equivalent=tuple(m.description for m in hardening.probably_equivalent),
            sandbox_cpu_s=suite.sandbox_cpu_s,
        )
        return None

    async def _known_wrong(self, st: _RoundState) -> _Stop | None:
        """The acceptance rule of the oracle (when it ran): none of the problem's known-wrong
        programs may pass its final hidden tests under the rollouts' budget. They are the failing
        attempts (judged on the final tests in this round), the mutants the challenger's tests
        killed with a wrong answer and the mutants the hardening killed (on the differential
        suite); a mutant killed only by running out of the tighter mutant budget may be a correct,
        slower program and is not one. Their recorded failures establish the rule; up to
        ``oracle.known_wrong_rechecks`` distinct programs (hardening's kills first, then failing
        attempts that did not time out, then the other mutants) are run on the final tests again,
        so a verdict that does not reproduce is caught. Also records which attempts' verdicts the
        oracle's suites changed (passed the challenger's tests, fail the final ones)."""
        if st.oracle is None:
            return None
        attempts = [*st.weak, *st.strong, *st.repairs]
        later = [s.name for s in st.extra_suites]
        changed = tuple(
            _label(a) for a in attempts
            if a.measured and a.result is not None and not a.result.passed
            and first_part_passed(a.result, later)
        )  # fmt: skip
        loop = self.cfg.loop
        hardened = set(st.hardened_wrong)
        by_hardening = [
            KnownWrong(label=f"mutant: {m.description}", source=m.source)
            for m in surviving_mutants(st.problem, st.mutation, max_mutants=loop.max_mutants, seed=self.cfg.seed)
            if m.description in hardened
        ] if st.mutation is not None else []  # fmt: skip
        failing = [a for a in attempts if a.score == 0.0 and a.code]
        cheap = [KnownWrong(label=_label(a), source=a.code or "") for a in failing if not _timed_out(a)]
        slow = [KnownWrong(label=_label(a), source=a.code or "") for a in failing if _timed_out(a)]
        by_tests: list[KnownWrong] = []
        if st.mutation is not None:
            wrong_answers = tuple(r for r in st.mutation.killed if r.status is not Status.TIMEOUT)
            report_ = st.mutation.model_copy(update={"killed": wrong_answers})
            killed = killed_mutants(st.problem, report_, max_mutants=loop.max_mutants, seed=self.cfg.seed)
            by_tests = [KnownWrong(label=f"mutant: {m.description}", source=m.source) for m in killed]
        known = [*by_hardening, *cheap, *by_tests, *slow]
        sources = list(dict.fromkeys(w.source for w in known))[: self.cfg.oracle.known_wrong_rechecks]
        recheck = [w for w in known if w.source in set(sources)]
        passing: tuple[str, ...] = ()
        if sources:
            try:
                with metered_phase("oracle.known_wrong"):
                    report = await false_passes(
                        self.sandbox,
                        final_suites(st.problem, st.extra_suites),
                        [KnownWrong(label=src, source=src) for src in sources],
                        st.limits,
                    )
            except SandboxError as exc:
                raise SeedAborted(f"sandbox failed checking known-wrong programs: {exc}") from exc
            again = set(report.passing)  # the sources whose verdict did not reproduce
            passing = tuple(w.label for w in recheck if w.source in again)
        measures = st.oracle.measures
        st.oracle = st.oracle.model_copy(
            update={
                "verdict_changed": changed,
                "false_passes": passing,
                "measures": measures.model_copy(
                    update={"false_passes": len(passing), "known_wrong_checked": len(known)}
                )
                if measures is not None
                else None,
            }
        )
        if not passing:
            return None
        shown = ", ".join(passing[:5])
        more = f" and {len(passing) - 5} more" if len(passing) > 5 else ""
        return _Stop(
            Verdict.INVALID,
            f"{len(passing)} known-wrong programs pass the final hidden tests: {shown}{more}; "
            "the tests must tell every wrong program apart from the reference",
        )

    def _ask_weak(self, st: _RoundState) -> list[asyncio.Task[Draft]]:
        """Starts the weak solver's ``samples`` drafts (model calls only; nothing runs yet)."""
        return self._ask(st, st.weak_model, "weak", self.cfg.roles.weak.samples)

    def _ask_strong(self, st: _RoundState) -> list[asyncio.Task[Draft]]:
        """Starts the strong solver's ``samples`` drafts (model calls only; nothing runs yet)."""
        return self._ask(st, st.strong_model, "strong", self.cfg.roles.strong.samples)

    def _ask(self, st: _RoundState, model: ChatModel, role: str, samples: int) -> list[asyncio.Task[Draft]]:
        name = self.role_model(role)
        return [
            asyncio.create_task(draft(model, name, role, st.problem, st.solver_prompt, sample=i, turn=0))
            for i in range(samples)
        ]

    async def _weak_rollouts(
        self, st: _RoundState, drafts: list[asyncio.Task[Draft]]
    ) -> list[asyncio.Task[Draft]]:
        """Weak rollouts: the weak drafts, each executed as it arrives -> ``st.weak``.

        Returns the strong solver's drafts if they were started early: the strong solver is asked
        as soon as the weak gate passes whatever the weak rollouts still running turn out to be (a
        slow one may be timing out). No call is made that the gate would not have made, only earlier.
        """
        weak_runs = [asyncio.create_task(self._judged(st, t)) for t in drafts]
        strong_early: list[asyncio.Task[Draft]] = []
        try:
            running: set[asyncio.Task[Attempt]] = set(weak_runs)
            while running:
                _, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                if running and not strong_early:
                    done = [RolloutScore.of_attempt(t.result()) for t in weak_runs if t.done()]
                    if self.gate.weak_gate_settled(done, len(running)):
                        strong_early = self._ask_strong(st)
            st.weak = [t.result() for t in weak_runs]
        except BaseException:
            await _cancel([*weak_runs, *drafts, *strong_early])
            raise
        return strong_early

    def _weak_gate(self, st: _RoundState) -> _Stop | None:
        """The weak gate: the weak rollouts -> too easy (the strong solver is never asked), or on.
        Too few measured rollouts is an infrastructure verdict, never a score."""
        if self.gate.weak_gate_passes(_rollouts(st.weak)):
            return None
        st.decision = self.gate.decide(_rollouts(st.weak))
        if st.decision.outcome is GateOutcome.INSUFFICIENT:
            return _Stop(Verdict.INFRA, st.decision.reason)
        reason = f"weak solver passed {_fmt_scores(_scores(st.weak))} ({st.decision.reason})"
        return _Stop(Verdict.TOO_EASY, reason)

    async def _strong_rollouts(self, st: _RoundState, drafts: list[asyncio.Task[Draft]]) -> None:
        """Strong rollouts: the strong drafts, executed -> ``st.strong``."""
        try:
            st.strong = list(await asyncio.gather(*(self._judged(st, t) for t in drafts)))
        finally:
            await _cancel(drafts)  # only ever does something if this round was cancelled

    async def _judged(self, st: _RoundState, task: asyncio.Task[Draft]) -> Attempt:
        # A rollout's few executions stand between a seed and its next model call; another seed's
        # validity checks queue dozens at once. The rollouts go first.
        d = await task
        with priority(1), metered_phase("rollouts"):
            return await judge(d, self.sandbox, st.limits, st.extra_suites)

    def _decide(self, st: _RoundState) -> None:
        """Decide: the raw weak and strong rollouts -> ``st.decision``, the gate's (never a model's)."""
        st.decision = self.gate.decide(_rollouts(st.weak), _rollouts(st.strong))

    async def _review(self, st: _RoundState) -> _Stop | None:
        """Review (when a reviewer is configured and some strong rollout failed): the statement and
        two failing strong solutions -> ``st.review``; an ambiguous statement ends the round."""
        if st.reviewer is None or not self.cfg.reviewer_enabled:
            return None
        if all(s == 1.0 for s in _scores(st.strong)):
            return None
        ambiguous, st.review = await self._ask_reviewer(st.reviewer, st.problem, st.strong)
        if ambiguous:
            return _Stop(Verdict.AMBIGUOUS, f"reviewer: the statement is ambiguous: {st.review}")
        return None

    def _gate_rejection(self, st: _RoundState) -> _Stop | None:
        """The gate's decision -> failed on strong, infrastructure (too few measured), or accepted."""
        decision = st.gate_decision
        if decision.outcome is GateOutcome.INSUFFICIENT:
            return _Stop(Verdict.INFRA, decision.reason)
        if decision.outcome is not GateOutcome.ACCEPTED:
            reason = (
                f"strong solver passed {_fmt_scores(_scores(st.strong))}, "
                f"weak {_fmt_scores(_scores(st.weak))} ({decision.reason})"
            )
            return _Stop(Verdict.FAILED_ON_STRONG, reason)
        return None

    async def _repair(self, st: _RoundState) -> None:
        """Repair (``loop.repair_turns`` > 0): every failing rollout of an accepted problem -> up to
        that many repair turns with execution feedback -> ``st.repairs``."""
        with metered_phase("repair"):
            st.repairs = await self._repairs(
                st.problem, [*st.weak, *st.strong], st.limits, st.weak_model, st.strong_model, st.extra_suites
            )

    def _accept(self, st: _RoundState) -> RoundOutcome:
        """The accepted round's record, its attempts and the problem record."""
        decision = st.gate_decision
        weak_scores, strong_scores = _scores(st.weak), _scores(st.strong)
        problem = ProblemRecord(
            run_id=self.store.run_id, epoch=self.store.epoch, seed_id=st.seed.id, seed_topic=st.seed.topic,
            round=st.round_no, problem_id=st.problem.id, problem=st.problem,
            weak_pass_rate=_rate(weak_scores), strong_pass_rate=_rate(strong_scores),
            weak_scores=weak_scores, strong_scores=strong_scores, gate=_summary(decision),
            validity=st.validity, rounds_used=st.round_no, oracle=st.oracle, provenance=self.provenance,
        )  # fmt: skip
        return self._end(st, _Stop(Verdict.ACCEPTED, decision.reason), problem)

    def _end(self, st: _RoundState, stop: _Stop, problem: ProblemRecord | None = None) -> RoundOutcome:
        """The round's record, from everything its phases produced (and the calls made so far)."""
        ledger = st.ledger
        raw = stop.raw_output if stop.raw_output is not None else ledger.last_output.get("challenger", "")
        record = RoundRecord(
            run_id=self.store.run_id, epoch=self.store.epoch, seed_id=st.seed.id, round=st.round_no,
            verdict=stop.verdict, reason=stop.reason, started_at=st.started, usage=dict(ledger.usage),
            unstored_usage=dict(ledger.unstored), prompt=st.prompt_refs, call_ids=tuple(ledger.call_ids),
            provenance=self.provenance, raw_output=raw[:RAW_CAP], problem=st.draft,
            problem_id=st.draft.id if st.draft is not None else None, static_problems=stop.static_problems,
            validity=st.validity, gate=_summary(st.decision) if st.decision is not None else None,
            weak_scores=_scores(st.weak), strong_scores=_scores(st.strong), review=st.review,
            oracle=st.oracle, sandbox=_phase_times(st.sandbox_time),
        )  # fmt: skip
        return RoundOutcome(record, [*st.weak, *st.strong, *st.repairs], problem)

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
        return rollout_limits(self.limits, probe.cpu_s if probe.passed else 0.0, floor=floor)

    async def _repairs(
        self,
        problem: Problem,
        attempts: list[Attempt],
        limits: Limits,
        weak_model: ChatModel,
        strong_model: ChatModel,
        suites: Sequence[HiddenSuite] = (),
    ) -> list[Attempt]:
        turns = self.cfg.loop.repair_turns
        if turns <= 0:
            return []
        jobs = []
        for a in attempts:
            if a.measured and a.score == 0.0:
                model = weak_model if a.role == "weak" else strong_model
                jobs.append(
                    repair_chain(
                        model, self.role_model(a.role), problem, a, turns, self.sandbox, limits, suites
                    )
                )
        chains = await asyncio.gather(*jobs)
        return [a for chain in chains for a in chain]

    async def _ask_reviewer(
        self, reviewer: ChatModel, problem: Problem, strong: list[Attempt]
    ) -> tuple[bool, str]:
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
