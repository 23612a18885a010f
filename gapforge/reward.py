"""Reward functions for trainers: run completions against a problem's hidden tests in the sandbox.

Three trainer shapes, one engine (:class:`SandboxRewarder`):

* TRL ``GRPOTrainer``: :func:`reward_func` (``reward_funcs=[reward_func]``) reads the problem's
  columns (``kind``, ``tests``, ``entry_point``; or ``ground_truth``, ``reward_model``,
  ``verification_info``, ``label``) from its keyword arguments.
* verl: :func:`compute_score` (``reward.custom_reward_function.name=compute_score``; verl's
  default ``naive`` reward manager) and :func:`compute_score_batch` for managers that pass lists.
* OpenRLHF: :func:`openrlhf_reward_func` (point ``--reward.remote_url`` at a file that imports it
  as ``reward_func``; ``gapforge export --format openrlhf`` writes that file).

Scores: 1.0 when every hidden test passes, else 0.0 (or, with ``fraction``, the share of tests
passed). A completion without code scores 0.0: that is the policy's failure. An infrastructure
failure (the sandbox cannot run, or keeps answering ``sandbox_error`` after retries) scores
``None``, never 0: TRL skips ``None`` rewards; see docs/exports.md for verl and OpenRLHF. After
``max_unmeasured`` such completions in a row scoring raises :class:`RewardsUnmeasured`, which stops
the training run instead of letting it train on nothing.

Trainers call reward functions synchronously. The rewarder owns a background thread with its
own event loop and one long-lived sandbox (the warm pool by default), opened on first use and
closed at exit; a forked child process starts its own. Batches run concurrently (the sandbox's
admission control bounds parallelism) and identical programs in a batch run once. All rewarders
on a host share :class:`~gapforge.sandbox.slots.HostSlots`, so their containers together stay
within ``GAPFORGE_HOST_SLOTS``.

Environment (for the module-level default rewarder): ``GAPFORGE_REWARD_BACKEND`` (pool, docker,
local; default pool), ``GAPFORGE_REWARD_CONCURRENCY`` (sandbox slots; default one per core),
``GAPFORGE_REWARD_MODE`` (binary or fraction; default binary), ``GAPFORGE_REWARD_MAX_UNMEASURED``
(default 32; 0 = score None forever), ``GAPFORGE_HOST_SLOTS`` (default one per core; 0 = no
bound) and ``GAPFORGE_HOST_SLOTS_DIR``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import logging
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from gapforge.errors import ConfigError, RewardsUnmeasured, SandboxError
from gapforge.extract import extract_code
from gapforge.models import CHALLENGER_SUITE, HiddenSuite
from gapforge.sandbox import (
    BACKENDS,
    ExecutionResult,
    Kind,
    Limits,
    Program,
    Sandbox,
    combine_results,
    open_sandbox,
)
from gapforge.sandbox.base import Language
from gapforge.sandbox.slots import HostSlots
from gapforge.verifiers.budgets import judging_limits

log = logging.getLogger(__name__)

DEFAULT_RETRIES = 2
DEFAULT_MAX_UNMEASURED = 32  # consecutive unmeasured completions that stop a training run
SLOT_TIMEOUT_S = 600.0
SLOT_POLL_S = 0.25
CLOSE_TIMEOUT_S = 120.0
TASK_COLUMNS = ("kind", "tests", "entry_point", "reference_cpu_s", "cpu_limit_s", "hidden_suites", "language")


class RewardTask(BaseModel):
    """What a completion is judged against: the problem's kind, hidden tests and entry point, and
    the test oracle's extra suites (``suites``; the final hidden tests are ``tests`` plus these,
    each run as its own execution; every one must pass)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Kind
    tests: str
    entry_point: str | None = None
    reference_cpu_s: float | None = None  # scales the CPU limit like generation did (EvalPlus rule)
    cpu_limit_s: float | None = None  # the CPU limit generation measured pass rates under
    suites: tuple[HiddenSuite, ...] = ()
    # the language completions are written and run in (stdio only outside Python); a ground truth
    # or column without one is Python (every export before languages existed)
    language: Language = "python"

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, v: Any) -> Any:
        # a missing dataset cell reads as None or NaN
        return "python" if v is None or v == "" or (isinstance(v, float) and math.isnan(v)) else v

    @model_validator(mode="after")
    def _stdio_outside_python(self) -> RewardTask:
        if self.language != "python" and self.kind != "stdio":
            raise ValueError(f"a {self.language} task must be kind 'stdio', got kind={self.kind!r}")
        return self

    @field_validator("reference_cpu_s", "cpu_limit_s", mode="before")
    @classmethod
    def _missing(cls, v: Any) -> Any:
        # pandas reads a missing float as NaN
        return None if isinstance(v, float) and math.isnan(v) else v

    @field_validator("suites", mode="before")
    @classmethod
    def _suites(cls, v: Any) -> Any:
        # a dataset column holds them as JSON text; a missing one reads as None or NaN
        if v is None or (isinstance(v, float) and math.isnan(v)) or v == "":
            return ()
        return json.loads(v) if isinstance(v, str) else v

    def hidden_suites(self) -> tuple[HiddenSuite, ...]:
        """Every suite a completion must pass, the problem's own tests first."""
        own = HiddenSuite(name=CHALLENGER_SUITE, kind=self.kind, tests=self.tests, language=self.language)
        return (own, *(s for s in self.suites if s.name != CHALLENGER_SUITE))

    @classmethod
    def from_ground_truth(cls, ground_truth: str | Mapping[str, Any]) -> RewardTask:
        """From the JSON ground truth gapforge exports (verl ``reward_model.ground_truth``,
        OpenRLHF ``label``): ``{"kind", "tests", "entry_point", ...}``."""
        try:
            data = json.loads(ground_truth) if isinstance(ground_truth, str) else dict(ground_truth)
            return cls.model_validate(data)
        except (ValueError, TypeError, ValidationError) as exc:
            raise ConfigError(
                f"the ground truth is not gapforge's JSON {{kind, tests, entry_point}} ({exc}); "
                "export the dataset with `gapforge export`"
            ) from None

    @classmethod
    def from_verification_info(cls, info: str | Mapping[str, Any]) -> RewardTask:
        """From open-r1's ``verification_info`` as gapforge exports it: stdin/stdout cases, or one
        ``pytest`` case carrying a function problem's test module."""
        data = json.loads(info) if isinstance(info, str) else dict(info)
        cases = data.get("test_cases")
        if isinstance(cases, str):
            cases = json.loads(cases)
        if not isinstance(cases, list) or not cases:
            raise ConfigError(
                "verification_info has no test_cases; export the dataset with `gapforge export`"
            )
        limits = {"cpu_limit_s": data.get("cpu_limit_s"), "reference_cpu_s": data.get("reference_cpu_s")}
        if cases[0].get("type") == "pytest":  # exports before the self-checking case
            return cls(
                kind="function", tests=cases[0]["input"], entry_point=cases[0].get("fn_name"), **limits
            )
        if cases[0].get("fn_name") and len(cases) == 1:
            tests = _self_check_tests(cases[0]["input"])
            if tests is not None:
                return cls(kind="function", tests=tests, entry_point=cases[0]["fn_name"], **limits)
        plain = [{"input": c["input"], "output": c["output"]} for c in cases]
        tol = data.get("float_tolerance")
        tests = json.dumps({"cases": plain, "float_tolerance": tol} if tol is not None else plain)
        return cls(kind="stdio", tests=tests, language=data.get("language") or "python", **limits)


def _self_check_tests(script: str) -> str | None:
    """The hidden pytest module inside an open-r1 self-checking case (``_GF_TESTS = '...'``)."""
    import ast

    try:
        tree = ast.parse(script)
    except SyntaxError:
        return None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["_GF_TESTS"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


class RewarderStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    scored: int = 0
    executions: int = 0
    cache_hits: int = 0
    no_code: int = 0
    unmeasured: int = 0
    consecutive_unmeasured: int = 0
    last_error: str | None = None


def host_slots_from_env() -> HostSlots | None:
    raw = os.environ.get("GAPFORGE_HOST_SLOTS")
    try:
        count = int(raw) if raw else (os.cpu_count() or 1)
    except ValueError:
        raise ConfigError(f"GAPFORGE_HOST_SLOTS must be an integer (0 = no bound), got {raw!r}") from None
    if count <= 0:
        return None
    return HostSlots(count, os.environ.get("GAPFORGE_HOST_SLOTS_DIR") or None)


def score_of(result: ExecutionResult, fraction: bool) -> float:
    if result.passed:
        return 1.0
    return result.fraction_passed if fraction else 0.0


class SandboxRewarder:
    """Scores completions in a sandbox from synchronous code.

    ``with SandboxRewarder() as r: r.score_batch(completions, tasks)``; or keep one for the whole
    training run (it closes itself at interpreter exit).
    """

    def __init__(
        self,
        backend: str = "pool",
        *,
        limits: Limits | None = None,
        max_concurrency: int | None = None,
        fraction: bool = False,
        retries: int = DEFAULT_RETRIES,
        cache_size: int = 4096,
        run_id: str | None = None,
        sandbox_factory: Callable[[], Sandbox] | None = None,
        max_unmeasured: int | None = DEFAULT_MAX_UNMEASURED,
        host_slots: HostSlots | int | Literal["env"] | None = "env",
        slot_timeout_s: float = SLOT_TIMEOUT_S,
    ) -> None:
        """``max_unmeasured``: after that many consecutive completions the sandbox could not
        measure, scoring raises :class:`RewardsUnmeasured` (stops the training run); None or 0
        scores them None forever. ``host_slots``: a host-wide bound on this process's and every
        other rewarder's containers (:class:`HostSlots`, or a slot count in the default slot
        directory); None = no bound; ``"env"`` (default): ``GAPFORGE_HOST_SLOTS`` slots (default one
        per core, 0 = no bound) in ``GAPFORGE_HOST_SLOTS_DIR`` (default: a per-user temp dir)."""
        if sandbox_factory is None and backend not in BACKENDS:
            raise ConfigError(f"unknown sandbox backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
        self.backend = backend
        self.limits = limits or Limits()
        self.max_concurrency = max_concurrency
        self.fraction = fraction
        self.retries = retries
        self.cache_size = cache_size
        self.run_id = run_id or f"reward-{os.getpid()}"
        self._factory = sandbox_factory
        self.max_unmeasured = max_unmeasured or None
        if host_slots == "env":
            host_slots = host_slots_from_env()
        if isinstance(host_slots, int):
            host_slots = HostSlots(host_slots) if host_slots > 0 else None
        self.host_slots = host_slots
        self.slot_timeout_s = slot_timeout_s
        self._busy = 0
        self._watcher: asyncio.Future[None] | None = None
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._sandbox: Sandbox | None = None
        self._open_lock: asyncio.Lock | None = None
        self._cache: OrderedDict[tuple[str, str], ExecutionResult] = OrderedDict()
        self._stats: dict[str, Any] = dict(RewarderStats().model_dump())
        self._closed = False

    # ------------------------------------------------------------------ public

    @property
    def stats(self) -> RewarderStats:
        return RewarderStats(**self._stats)

    def score(self, completion: str, task: RewardTask, *, fraction: bool | None = None) -> float | None:
        return self.score_batch([completion], [task], fraction=fraction)[0]

    def score_batch(
        self, completions: Sequence[str], tasks: Sequence[RewardTask], *, fraction: bool | None = None
    ) -> list[float | None]:
        """One score per completion: 1.0 / 0.0 (or the fraction of tests passed), None when the
        sandbox could not measure it."""
        if len(completions) != len(tasks):
            raise ConfigError(f"{len(completions)} completions but {len(tasks)} tasks; they must align")
        if not completions:
            return []
        loop = self._ensure_loop()
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "score_batch was called from the rewarder's own loop; await _score_all instead"
            )
        frac = self.fraction if fraction is None else fraction
        future = asyncio.run_coroutine_threadsafe(self._score_all(list(completions), list(tasks), frac), loop)
        scores = future.result()
        self._fail_fast()
        return scores

    def _fail_fast(self) -> None:
        run = self._stats["consecutive_unmeasured"]
        if self.max_unmeasured is not None and run >= self.max_unmeasured:
            self._stats["consecutive_unmeasured"] = 0  # a caller that catches this may go on
            raise RewardsUnmeasured(
                f"gapforge reward: the sandbox could not measure {run} completions in a row "
                f"(last error: {self._stats['last_error']}); fix the sandbox (Docker engine, "
                "`gapforge images build`) and resume from the last checkpoint, or set "
                "GAPFORGE_REWARD_MAX_UNMEASURED=0 to score them None and keep training"
            )

    def close(self) -> None:
        """Close the sandbox and stop the background loop (idempotent)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
            owned = self._pid == os.getpid()
        with contextlib.suppress(Exception):
            atexit.unregister(self.close)
        if loop is None or thread is None or not owned:
            return
        if loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._close_sandbox(), loop).result(CLOSE_TIMEOUT_S)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
        if not loop.is_running():
            loop.close()

    def __enter__(self) -> SandboxRewarder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the loop thread

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is not None and self._pid == os.getpid():
                return self._loop
            # First use, or a forked child: the parent's thread and sandbox do not exist here.
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="gapforge-reward", daemon=True)
            thread.start()
            self._loop, self._thread, self._pid = loop, thread, os.getpid()
            self._sandbox = None
            self._open_lock = None
            if self.host_slots is not None:
                self.host_slots.forget()  # a forked child: the parent's locks stay the parent's
            atexit.register(self.close)
            return loop

    def _new_sandbox(self, size: int | None) -> Sandbox:
        if self._factory is not None:
            return self._factory()
        return open_sandbox(self.backend, limits=self.limits, max_concurrency=size, run_id=self.run_id)

    async def _get_sandbox(self) -> Sandbox | None:
        if self._open_lock is None:
            self._open_lock = asyncio.Lock()
        async with self._open_lock:
            if self._sandbox is None:
                size = self.max_concurrency
                slots = self.host_slots
                try:
                    if slots is not None:
                        want = size or os.cpu_count() or 1
                        size = await asyncio.to_thread(slots.acquire, want, self.slot_timeout_s)
                    sb = self._new_sandbox(size)
                    await sb.__aenter__()
                except (SandboxError, OSError) as exc:
                    if slots is not None:
                        slots.release()
                    self._stats["last_error"] = f"{type(exc).__name__}: {exc}"
                    log.warning("gapforge reward: the sandbox could not start, scoring None: %s", exc)
                    return None
                self._sandbox = sb
                if slots is not None:
                    self._watcher = asyncio.ensure_future(self._watch_slots(sb))
            return self._sandbox

    async def _close_sandbox(self) -> None:
        sb, self._sandbox = self._sandbox, None
        watcher, self._watcher = self._watcher, None
        if watcher is not None and watcher is not asyncio.current_task():
            watcher.cancel()
        try:
            if sb is not None:
                await asyncio.shield(sb.__aexit__(None, None, None))
        finally:
            if self.host_slots is not None:
                self.host_slots.release()  # only once the containers are gone

    async def _score_all(
        self, completions: list[str], tasks: list[RewardTask], fraction: bool
    ) -> list[float | None]:
        self._busy += 1
        try:
            return await self._score(completions, tasks, fraction)
        finally:
            self._busy -= 1

    async def _watch_slots(self, sandbox: Sandbox) -> None:
        """Give the host-wide slots back between batches when another process waits for one."""
        slots = self.host_slots
        assert slots is not None
        assert self._open_lock is not None
        while self._sandbox is sandbox:
            await asyncio.sleep(SLOT_POLL_S)
            if self._busy or not await asyncio.to_thread(slots.others_waiting):
                continue
            async with self._open_lock:
                if self._sandbox is sandbox and not self._busy:
                    await self._close_sandbox()

    async def _score(
        self, completions: list[str], tasks: list[RewardTask], fraction: bool
    ) -> list[float | None]:
        # Each completion is one execution per hidden suite; identical executions run once.
        items = [judged_runs(text, task, self.limits) for text, task in zip(completions, tasks, strict=True)]
        unique: dict[tuple[str, str], tuple[Program, Limits]] = {}
        for item in items:
            for _, program, limits in item or ():
                unique.setdefault(_key(program, limits), (program, limits))
        results: dict[tuple[str, str], ExecutionResult | None] = {}
        todo = []
        for key, pair in unique.items():
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                self._stats["cache_hits"] += 1
                results[key] = hit
            else:
                todo.append((key, pair))
        if todo:
            sandbox = await self._get_sandbox()
            if sandbox is None:
                fresh: list[ExecutionResult | None] = [None] * len(todo)
            else:
                fresh = list(await asyncio.gather(*(self._run(sandbox, p, lim) for _, (p, lim) in todo)))
            for (key, _), result in zip(todo, fresh, strict=True):
                results[key] = result
                if result is not None and self.cache_size > 0:
                    self._cache[key] = result
                    while len(self._cache) > self.cache_size:
                        self._cache.popitem(last=False)
        scores: list[float | None] = []
        for item in items:
            if item is None:
                self._stats["no_code"] += 1
                scores.append(0.0)
                continue
            score, _ = judged_score(
                [(name, results[_key(program, limits)]) for name, program, limits in item], fraction
            )
            if score is None:
                self._stats["unmeasured"] += 1
                self._stats["consecutive_unmeasured"] += 1
            else:
                self._stats["consecutive_unmeasured"] = 0
            scores.append(score)
        self._stats["scored"] += len(scores)
        return scores

    async def _run(self, sandbox: Sandbox, program: Program, limits: Limits) -> ExecutionResult | None:
        """The program's result, retrying infrastructure failures; None when they persist."""
        for _ in range(self.retries + 1):
            try:
                result = await sandbox.run(program, limits)
            except SandboxError as exc:
                self._stats["last_error"] = f"{type(exc).__name__}: {exc}"
                continue
            self._stats["executions"] += 1
            if not result.status.is_infrastructure:
                return result
            self._stats["last_error"] = f"sandbox_error: {result.message}"
        return None


def _key(program: Program, limits: Limits) -> tuple[str, str]:
    return (program.digest, limits.model_dump_json())


def judged_runs(completion: str, task: RewardTask, base: Limits) -> list[tuple[str, Program, Limits]] | None:
    """The executions that judge one completion: its code against each hidden suite (the
    problem's own tests first), under the CPU limit its pass rates were measured under. None when
    the completion has no code (that scores 0.0: the policy's failure)."""
    code = (
        extract_code(completion, entry_point=task.entry_point, language=task.language) if completion else None
    )
    if code is None:
        return None
    limits = judging_limits(base, task.reference_cpu_s, task.cpu_limit_s)
    return [
        (s.name, s.program(code), limits.with_cpu(s.cpu_limit_s) if s.cpu_limit_s else limits)
        for s in task.hidden_suites()
    ]


def judged_score(
    parts: Sequence[tuple[str, ExecutionResult | None]], fraction: bool
) -> tuple[float | None, ExecutionResult | None]:
    """A completion's score from the results of its :func:`judged_runs` (None where the sandbox
    could not measure one): (None, None) when any is unmeasured, else the score of the combined
    result, and that result."""
    if any(r is None for _, r in parts):
        return None, None
    combined = combine_results([(name, r) for name, r in parts if r is not None])
    return score_of(combined, fraction), combined


# --------------------------------------------------------------------------- the default rewarder

_default: SandboxRewarder | None = None
_default_lock = threading.Lock()


def default_rewarder() -> SandboxRewarder:
    """The process-wide rewarder the module-level reward functions use (configured from the
    environment; see the module docstring)."""
    global _default
    with _default_lock:
        if _default is None:
            mode = os.environ.get("GAPFORGE_REWARD_MODE", "binary")
            if mode not in ("binary", "fraction"):
                raise ConfigError(f"GAPFORGE_REWARD_MODE must be binary or fraction, got {mode!r}")
            conc = os.environ.get("GAPFORGE_REWARD_CONCURRENCY")
            try:
                concurrency = int(conc) if conc else None
            except ValueError:
                raise ConfigError(f"GAPFORGE_REWARD_CONCURRENCY must be an integer, got {conc!r}") from None
            raw = os.environ.get("GAPFORGE_REWARD_MAX_UNMEASURED")
            try:
                max_unmeasured = int(raw) if raw else DEFAULT_MAX_UNMEASURED
            except ValueError:
                raise ConfigError(
                    f"GAPFORGE_REWARD_MAX_UNMEASURED must be an integer (0 = never stop), got {raw!r}"
                ) from None
            _default = SandboxRewarder(
                os.environ.get("GAPFORGE_REWARD_BACKEND", "pool"),
                max_concurrency=concurrency,
                fraction=mode == "fraction",
                max_unmeasured=max_unmeasured,
            )
        return _default


def set_default_rewarder(rewarder: SandboxRewarder | None) -> None:
    """Use ``rewarder`` for the module-level reward functions (None: build one from the environment
    on next use). The previous default is closed."""
    global _default
    with _default_lock:
        old, _default = _default, rewarder
    if old is not None and old is not rewarder:
        old.close()


# --------------------------------------------------------------------------- completions and columns


def completion_text(completion: Any) -> str:
    """A completion as text: a string as is; chat messages -> the last assistant message's content."""
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _content(completion.get("content"))
    if isinstance(completion, Sequence):
        messages = [m for m in completion if isinstance(m, Mapping)]
        assistant = [m for m in messages if m.get("role") == "assistant"]
        chosen = assistant[-1] if assistant else (messages[-1] if messages else None)
        return _content(chosen.get("content")) if chosen is not None else ""
    return str(completion)


def _content(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):  # multimodal parts: [{"type": "text", "text": ...}]
        return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    return str(content)


def tasks_from_columns(n: int, columns: Mapping[str, Any]) -> list[RewardTask]:
    """The tasks of a batch from a trainer's dataset columns (each a list aligned with the batch)."""

    def column(name: str) -> list[Any]:
        values = list(columns[name])
        if len(values) != n:
            raise ConfigError(
                f"column {name!r} has {len(values)} values for {n} completions; they must align"
            )
        return values

    if "tests" in columns and "kind" in columns:
        kinds, tests = column("kind"), column("tests")
        entries = column("entry_point") if "entry_point" in columns else [None] * n
        refs = column("reference_cpu_s") if "reference_cpu_s" in columns else [None] * n
        cpus = column("cpu_limit_s") if "cpu_limit_s" in columns else [None] * n
        suites = column("hidden_suites") if "hidden_suites" in columns else [None] * n
        langs = column("language") if "language" in columns else [None] * n
        return [
            RewardTask(
                kind=k, tests=t, entry_point=e or None, reference_cpu_s=r, cpu_limit_s=c, suites=h, language=g
            )
            for k, t, e, r, c, h, g in zip(kinds, tests, entries, refs, cpus, suites, langs, strict=True)
        ]
    if "ground_truth" in columns:
        return [RewardTask.from_ground_truth(g) for g in column("ground_truth")]
    if "reward_model" in columns:
        return [RewardTask.from_ground_truth(rm["ground_truth"]) for rm in column("reward_model")]
    if "verification_info" in columns:
        return [RewardTask.from_verification_info(v) for v in column("verification_info")]
    if "label" in columns:
        return [RewardTask.from_ground_truth(g) for g in column("label")]
    raise ConfigError(
        "the reward function needs the problem's tests: dataset columns kind + tests (+ entry_point), or "
        f"ground_truth, reward_model, verification_info or label; got columns {sorted(columns)}. "
        "Export the dataset with `gapforge export --format trl`"
    )


# --------------------------------------------------------------------------- TRL


RewardFunc = Callable[..., list[float | None]]


def make_reward_func(
    rewarder: SandboxRewarder | None = None, *, fraction: bool | None = None, name: str = "gapforge_tests"
) -> RewardFunc:
    """A TRL reward function bound to ``rewarder`` (default: the module's) and scoring mode;
    ``name`` is what TRL logs it as."""

    def func(
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] | None = None,
        completion_ids: Sequence[Any] | None = None,
        trainer_state: Any = None,
        **kwargs: Any,
    ) -> list[float | None]:
        items = list(completions or [])
        tasks = tasks_from_columns(len(items), kwargs)
        r = rewarder or default_rewarder()
        return r.score_batch([completion_text(c) for c in items], tasks, fraction=fraction)

    func.__name__ = func.__qualname__ = name
    return func


def reward_func(
    prompts: Sequence[Any] | None = None,
    completions: Sequence[Any] | None = None,
    completion_ids: Sequence[Any] | None = None,
    trainer_state: Any = None,
    **kwargs: Any,
) -> list[float | None]:
    """TRL ``GRPOTrainer`` reward function: 1.0 when the completion's code passes every hidden test,
    0.0 when not, None when the sandbox could not measure it. Reads ``kind``/``tests``/
    ``entry_point`` (or ``ground_truth``/``verification_info``) from the dataset columns."""
    items = list(completions or [])
    tasks = tasks_from_columns(len(items), kwargs)
    return default_rewarder().score_batch([completion_text(c) for c in items], tasks)


# --------------------------------------------------------------------------- verl


def _verl_fallback(data_source: str) -> Callable[..., Any]:
    try:
        from verl.utils.reward_score import default_compute_score  # type: ignore[import-not-found]
    except ImportError:
        raise ConfigError(
            f"data_source {data_source!r} is not a gapforge dataset and verl's default scorer is not importable"
        ) from None
    return default_compute_score  # type: ignore[no-any-return]


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: str | Mapping[str, Any],
    extra_info: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> float | None:
    """verl ``compute_score``: the response against the hidden tests in ``ground_truth``. Rows of
    other data sources go to verl's default scorer. ``fraction=True`` (verl ``reward_kwargs``)
    scores the share of tests passed."""
    if not str(data_source).startswith("gapforge"):
        return _verl_fallback(data_source)(data_source, solution_str, ground_truth, extra_info)  # type: ignore[no-any-return]
    task = RewardTask.from_ground_truth(ground_truth)
    return default_rewarder().score(solution_str, task, fraction=kwargs.get("fraction"))


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[str | Mapping[str, Any]],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
    **kwargs: Any,
) -> list[float | None]:
    """verl ``batch`` reward manager: the whole batch runs concurrently."""
    for ds in data_sources:
        if not str(ds).startswith("gapforge"):
            raise ConfigError(f"compute_score_batch handles gapforge rows only; got data_source {ds!r}")
    tasks = [RewardTask.from_ground_truth(g) for g in ground_truths]
    return default_rewarder().score_batch(list(solution_strs), tasks, fraction=kwargs.get("fraction"))


# --------------------------------------------------------------------------- OpenRLHF


def response_of(query: str, prompt: str) -> str:
    """The generated part of an OpenRLHF query (prompt + response)."""
    if prompt and query.startswith(prompt):
        return query[len(prompt) :]
    # Decoding can change the prompt's whitespace or special tokens; find its tail instead, so a
    # code block in the prompt (the signature) is never taken for the answer.
    tail = prompt.strip()[-200:]
    if tail:
        pos = query.rfind(tail)
        if pos >= 0:
            return query[pos + len(tail) :]
    return query


def openrlhf_reward_func(
    queries: Sequence[str], prompts: Sequence[str], labels: Sequence[str], **kwargs: Any
) -> dict[str, Any]:
    """OpenRLHF custom reward (``--reward.remote_url reward_func.py``, ``--data.label_key label``): returns
    ``{"rewards", "scores", "extra_logs"}``. With torch installed they are float tensors in which an
    unmeasured completion is NaN (OpenRLHF has no "skip" value); without torch, lists with None."""
    responses = [response_of(q, p) for q, p in zip(queries, prompts, strict=True)]
    tasks = [RewardTask.from_ground_truth(label) for label in labels]
    scores = default_rewarder().score_batch(responses, tasks, fraction=kwargs.get("fraction"))
    unmeasured = sum(s is None for s in scores)
    try:
        import torch  # type: ignore[import-not-found]
    except ImportError:
        return {"rewards": scores, "scores": scores, "extra_logs": {"gapforge_unmeasured": unmeasured}}
    tensor = torch.tensor([float("nan") if s is None else s for s in scores], dtype=torch.float32)
    return {
        "rewards": tensor,
        "scores": tensor.clone(),
        "extra_logs": {"gapforge_unmeasured": torch.tensor([float(unmeasured)] * len(scores))},
    }


__all__ = [
    "RewardTask",
    "SandboxRewarder",
    "completion_text",
    "compute_score",
    "compute_score_batch",
    "default_rewarder",
    "make_reward_func",
    "openrlhf_reward_func",
    "reward_func",
    "set_default_rewarder",
    "tasks_from_columns",
]
