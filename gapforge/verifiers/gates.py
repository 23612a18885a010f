"""Gap gates: pure functions from raw per-rollout execution scores to an accept/reject decision.

A rollout's ``binary`` score is 1.0 when every hidden test passed (the RL reward) and 0.0
otherwise; ``fraction`` is the share of hidden tests it passed. Unmeasured rollouts
(``binary is None``: API error, empty completion, ``sandbox_error``) are excluded and counted,
never scored as 0. With fewer than ``min_measured`` measured rollouts on a side the decision is
``insufficient``, never a pass or a fail.

The weak solver runs first: :meth:`Gate.weak_gate_passes` says whether the strong solver is worth
calling. When both sides fail the decision is ``too_easy`` (the paper's most common rejection).

Presets (Autodata / Agentic Self-Instruct):

* ``prose`` (default): strong mean >= 0.65, weak mean < 0.50, gap (strong - weak) >= 0.20.
* ``exact-count``: weak passes <= 1, strong passes >= 3, of 4 samples per solver.
* ``deployed`` (paper Fig. 7): weak mean <= 0.65, best weak <= 0.75, no weak zero; strong mean in
  [0.60, 0.95), no strong zero.

All comparisons allow ``EPS`` of float rounding, so 7/15 weak vs 2/3 strong is a 0.20 gap.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from gapforge.errors import ConfigError
from gapforge.models import Attempt

EPS = 1e-9


class GateOutcome(StrEnum):
    ACCEPTED = "accepted"
    TOO_EASY = "too_easy"  # a weak-side condition failed (the strong side may not have been run)
    FAILED_ON_STRONG = "failed_on_strong"  # weak side fine, a strong-side or gap condition failed
    INSUFFICIENT = "insufficient"  # too few measured rollouts to decide anything


class RolloutScore(BaseModel):
    """One solver rollout: ``binary`` (1.0 = all hidden tests passed) and ``fraction`` of tests passed.

    ``binary is None`` means unmeasured. A measured rollout without ``fraction`` uses ``binary``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    binary: float | None = Field(default=None, ge=0.0, le=1.0)
    fraction: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _consistent(self) -> RolloutScore:
        full = self.binary is not None and self.binary >= 1.0 - EPS
        if full and self.fraction is not None and self.fraction < 1.0 - EPS:
            raise ValueError(
                f"a rollout that passed every test has fraction 1.0, got binary={self.binary} "
                f"with fraction={self.fraction}"
            )
        return self

    @classmethod
    def of_attempt(cls, attempt: Attempt) -> RolloutScore:
        """A solver attempt's score; unmeasured when the attempt could not be measured."""
        if attempt.score is None or attempt.result is None:
            return cls()
        fraction = 1.0 if attempt.score >= 1.0 else attempt.result.fraction_passed
        return cls(binary=attempt.score, fraction=fraction)

    @property
    def measured(self) -> bool:
        return self.binary is not None

    @property
    def graded(self) -> float | None:
        """The per-rollout graded score used for best/zero checks."""
        if self.binary is None:
            return None
        return self.fraction if self.fraction is not None else self.binary


ScoreLike = RolloutScore | float | int | None


def as_rollout(score: ScoreLike) -> RolloutScore:
    """A bare number (or None) is a binary score whose fraction is the same number."""
    if isinstance(score, RolloutScore):
        return score
    if score is None:
        return RolloutScore()
    return RolloutScore(binary=float(score), fraction=float(score))


@dataclass(frozen=True)
class _Side:
    """The measured rollouts of one solver role."""

    binary: tuple[float, ...]
    graded: tuple[float, ...]
    unmeasured: int

    @classmethod
    def of(cls, scores: Iterable[ScoreLike]) -> _Side:
        rolls = [as_rollout(s) for s in scores]
        measured = [r for r in rolls if r.measured]
        return cls(
            binary=tuple(r.binary for r in measured if r.binary is not None),
            graded=tuple(g for r in measured if (g := r.graded) is not None),
            unmeasured=len(rolls) - len(measured),
        )

    @property
    def n(self) -> int:
        return len(self.binary)

    @property
    def mean(self) -> float | None:
        return math.fsum(self.binary) / self.n if self.n else None

    @property
    def passes(self) -> int:
        return sum(b >= 1.0 - EPS for b in self.binary)

    @property
    def best(self) -> float | None:
        return max(self.graded) if self.graded else None

    @property
    def zeros(self) -> int:
        return sum(g <= EPS for g in self.graded)


@dataclass(frozen=True)
class _Check:
    ok: bool
    text: str  # the condition with its numbers, phrased for the outcome (holds / fails)


def _fmt(x: float) -> str:
    two = f"{x:.2f}"
    return two if abs(float(two) - x) <= EPS else f"{x:.4f}"


def _ge(value: float, bound: float, label: str) -> _Check:
    ok = value >= bound - EPS
    return _Check(ok, f"{label} {_fmt(value)} {'>=' if ok else '<'} {_fmt(bound)}")


def _gt(value: float, bound: float, label: str) -> _Check:
    ok = value > bound + EPS
    return _Check(ok, f"{label} {_fmt(value)} {'>' if ok else '<='} {_fmt(bound)}")


def _le(value: float, bound: float, label: str) -> _Check:
    ok = value <= bound + EPS
    return _Check(ok, f"{label} {_fmt(value)} {'<=' if ok else '>'} {_fmt(bound)}")


def _lt(value: float, bound: float, label: str) -> _Check:
    ok = value < bound - EPS
    return _Check(ok, f"{label} {_fmt(value)} {'<' if ok else '>='} {_fmt(bound)}")


class GateDecision(BaseModel):
    """What a gate decided, with the numbers it decided on and a reason naming the failed condition."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: GateOutcome
    preset: str
    rule: str  # the gate's acceptance rule with its numbers (Gate.describe())
    reason: str
    weak_mean: float | None
    strong_mean: float | None
    gap: float | None
    best_weak: float | None
    weak_passes: int
    strong_passes: int
    weak_measured: int
    weak_unmeasured: int
    strong_measured: int
    strong_unmeasured: int
    failed_conditions: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.outcome is GateOutcome.ACCEPTED


class Gate(BaseModel, ABC):
    """A gate preset with its thresholds. Build one with :meth:`Gate.from_preset`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    preset: str
    min_measured: int = Field(default=2, ge=1, description="fewest measured rollouts per side to decide")

    @property
    def name(self) -> str:
        return self.preset

    @abstractmethod
    def _weak_checks(self, weak: _Side) -> list[_Check]: ...

    @abstractmethod
    def _strong_checks(self, weak: _Side, strong: _Side) -> list[_Check]: ...

    @abstractmethod
    def describe(self) -> str:
        """The acceptance rule in one line, with this gate's numbers."""

    @classmethod
    def from_preset(cls, preset: str = "prose", **overrides: Any) -> Gate:
        """A gate from a preset name plus threshold overrides; invalid input raises ConfigError."""
        gate_cls = GATE_PRESETS.get(preset)
        if gate_cls is None:
            raise ConfigError(f"unknown gate preset {preset!r}; choose one of: {', '.join(GATE_PRESETS)}")
        unknown = sorted(set(overrides) - _setting_names(gate_cls))
        if unknown:
            raise ConfigError(
                f"gate preset {preset!r} has no setting {', '.join(map(repr, unknown))}; "
                f"its settings are: {', '.join(k for k in gate_cls.model_fields if k != 'preset')}"
            )
        try:
            return gate_cls(**overrides)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'gate'}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"invalid settings for gate preset {preset!r}: {problems}") from None

    def weak_gate_passes(self, weak: Sequence[ScoreLike]) -> bool:
        """True when enough weak rollouts were measured and every weak-side condition holds,
        i.e. the strong solver is worth running."""
        side = _Side.of(weak)
        return side.n >= self.min_measured and all(c.ok for c in self._weak_checks(side))

    def weak_gate_settled(self, done: Sequence[ScoreLike], pending: int) -> bool:
        """True when the weak gate passes however the ``pending`` weak rollouts still running end,
        so the strong solver may be asked before they finish. Every mix of the three extreme
        outcomes (full pass, zero, unmeasured) is checked; a partial score lies between a pass and a
        zero, and the weak-side checks of every preset are monotone in the scores."""
        known = [as_rollout(s) for s in done]
        full, zero, none = (
            RolloutScore(binary=1.0, fraction=1.0),
            RolloutScore(binary=0.0, fraction=0.0),
            RolloutScore(),
        )
        return all(
            self.weak_gate_passes(known + [full] * p + [zero] * z + [none] * (pending - p - z))
            for p in range(pending + 1)
            for z in range(pending - p + 1)
        )

    def decide(self, weak: Sequence[ScoreLike], strong: Sequence[ScoreLike] = ()) -> GateDecision:
        """The decision from raw scores. ``strong`` may be empty when the strong solver was not run."""
        w, s = _Side.of(weak), _Side.of(strong)
        gap = s.mean - w.mean if w.mean is not None and s.mean is not None else None

        def result(outcome: GateOutcome, reason: str, failed: Sequence[str] = ()) -> GateDecision:
            notes = [
                f"{n} {role} rollout{'s' if n != 1 else ''} unmeasured, excluded"
                for role, n in (("weak", w.unmeasured), ("strong", s.unmeasured))
                if n
            ]
            return GateDecision(
                outcome=outcome,
                preset=self.name,
                rule=self.describe(),
                reason=reason + (f" ({'; '.join(notes)})" if notes else ""),
                weak_mean=w.mean,
                strong_mean=s.mean,
                gap=gap,
                best_weak=w.best,
                weak_passes=w.passes,
                strong_passes=s.passes,
                weak_measured=w.n,
                weak_unmeasured=w.unmeasured,
                strong_measured=s.n,
                strong_unmeasured=s.unmeasured,
                failed_conditions=tuple(failed),
            )

        if w.n < self.min_measured:
            return result(GateOutcome.INSUFFICIENT, self._too_few("weak", w))
        weak_checks = self._weak_checks(w)
        failed = [c.text for c in weak_checks if not c.ok]
        if failed:
            return result(GateOutcome.TOO_EASY, "too easy: " + "; ".join(failed), failed)
        if s.n < self.min_measured:
            return result(GateOutcome.INSUFFICIENT, self._too_few("strong", s))
        strong_checks = self._strong_checks(w, s)
        failed = [c.text for c in strong_checks if not c.ok]
        if failed:
            return result(GateOutcome.FAILED_ON_STRONG, "failed on strong: " + "; ".join(failed), failed)
        return result(
            GateOutcome.ACCEPTED, "accepted: " + "; ".join(c.text for c in weak_checks + strong_checks)
        )

    def _too_few(self, role: str, side: _Side) -> str:
        return (
            f"insufficient measurements: {side.n} measured {role} rollout{'s' if side.n != 1 else ''}, "
            f"need >= {self.min_measured}"
        )


class ProseGate(Gate):
    """Paper §3.1: strong mean >= 0.65, weak mean < 0.50, gap >= 0.20."""

    preset: Literal["prose"] = "prose"
    strong_min_mean: float = Field(default=0.65, ge=0.0, le=1.0)
    weak_max_mean: float = Field(
        default=0.50, ge=0.0, le=1.0, description="exclusive: weak mean must be below"
    )
    min_gap: float = Field(default=0.20, ge=0.0, le=1.0)

    def _weak_checks(self, weak: _Side) -> list[_Check]:
        assert weak.mean is not None
        return [_lt(weak.mean, self.weak_max_mean, "weak mean")]

    def _strong_checks(self, weak: _Side, strong: _Side) -> list[_Check]:
        assert weak.mean is not None
        assert strong.mean is not None
        return [
            _ge(strong.mean, self.strong_min_mean, "strong mean"),
            _ge(strong.mean - weak.mean, self.min_gap, "gap"),
        ]

    def describe(self) -> str:
        return (
            f"prose: strong mean >= {_fmt(self.strong_min_mean)}, weak mean < {_fmt(self.weak_max_mean)}, "
            f"gap >= {_fmt(self.min_gap)}"
        )


class ExactCountGate(Gate):
    """The paper's verifiable setting: weak passes <= 1 of 4, strong passes >= 3 of 4.

    Other sample counts: the thresholds are counts out of ``samples``. A side with n measured
    rollouts (n != samples when the solvers sample a different number or infrastructure failures
    were dropped) is held to the same pass *rates*: weak passes <= floor(weak_max_passes * n /
    samples), strong passes >= ceil(strong_min_passes * n / samples). So 8 rollouts against the
    default thresholds means <= 2 and >= 6; 3 measured of 4 means 0 and 3.
    """

    # Dumped as ``k``, its name before it was ``samples`` like the roles' rollout count: configs
    # keep their hash, so runs made before the rename still resume. Either name is read.
    model_config = ConfigDict(serialize_by_alias=True)

    preset: Literal["exact-count"] = "exact-count"
    samples: int = Field(
        default=4, ge=1, le=1000, validation_alias=AliasChoices("samples", "k"), serialization_alias="k"
    )
    weak_max_passes: int = Field(default=1, ge=0)
    strong_min_passes: int = Field(default=3, ge=0)

    @model_validator(mode="after")
    def _within_k(self) -> ExactCountGate:
        if self.weak_max_passes > self.samples or self.strong_min_passes > self.samples:
            raise ValueError(
                f"weak_max_passes ({self.weak_max_passes}) and strong_min_passes ({self.strong_min_passes}) "
                f"must be <= samples ({self.samples})"
            )
        return self

    def weak_allowed(self, n: int) -> int:
        return math.floor(self.weak_max_passes * n / self.samples + EPS)

    def strong_needed(self, n: int) -> int:
        return math.ceil(self.strong_min_passes * n / self.samples - EPS)

    def _weak_checks(self, weak: _Side) -> list[_Check]:
        allowed = self.weak_allowed(weak.n)
        ok = weak.passes <= allowed
        return [_Check(ok, f"weak passed {weak.passes} of {weak.n} {'<=' if ok else '>'} {allowed} allowed")]

    def _strong_checks(self, weak: _Side, strong: _Side) -> list[_Check]:
        needed = self.strong_needed(strong.n)
        ok = strong.passes >= needed
        return [
            _Check(ok, f"strong passed {strong.passes} of {strong.n} {'>=' if ok else '<'} {needed} needed")
        ]

    def describe(self) -> str:
        return (
            f"exact-count: weak passes <= {self.weak_max_passes} of {self.samples}, "
            f"strong passes >= {self.strong_min_passes} of {self.samples}"
        )


class DeployedGate(Gate):
    """Paper Fig. 7: weak mean <= 0.65, best weak <= 0.75, no weak zero; strong mean in [0.60, 0.95),
    no strong zero. Means use the binary score; best and zero use each rollout's fraction of tests.

    Warning: the paper's scores are graded by a judge. With execution scores a fully correct
    program scores 1.0, so a strong solver that always succeeds has mean 1.0 and the 0.95 ceiling
    rejects the problem as ``failed_on_strong``; good problems are lost. Raise
    ``strong_max_mean`` above 1.0 (e.g. 1.01) to drop the ceiling.
    Pass :class:`RolloutScore` values with ``fraction`` set: a bare number is its own fraction, so
    every failed rollout would count as a zero. And since a weak rollout that passes every test has
    fraction 1.0 > 0.75, the default best-weak bound admits only problems no weak rollout solved.
    """

    preset: Literal["deployed"] = "deployed"
    weak_max_mean: float = Field(default=0.65, ge=0.0, le=1.0)
    weak_max_best: float = Field(default=0.75, ge=0.0, le=1.0)
    weak_no_zero: bool = True
    strong_min_mean: float = Field(default=0.60, ge=0.0, le=1.0)
    strong_max_mean: float = Field(default=0.95, gt=0.0, le=2.0, description="exclusive ceiling")
    strong_no_zero: bool = True

    def _weak_checks(self, weak: _Side) -> list[_Check]:
        assert weak.mean is not None
        assert weak.best is not None
        checks = [
            _le(weak.mean, self.weak_max_mean, "weak mean"),
            _le(weak.best, self.weak_max_best, "best weak"),
        ]
        if self.weak_no_zero:
            checks.append(_zero_check("weak", weak))
        return checks

    def _strong_checks(self, weak: _Side, strong: _Side) -> list[_Check]:
        assert strong.mean is not None
        checks = [
            _ge(strong.mean, self.strong_min_mean, "strong mean"),
            _lt(strong.mean, self.strong_max_mean, "strong mean"),
        ]
        if self.strong_no_zero:
            checks.append(_zero_check("strong", strong))
        return checks

    def describe(self) -> str:
        parts = [f"weak mean <= {_fmt(self.weak_max_mean)}", f"best weak <= {_fmt(self.weak_max_best)}"]
        if self.weak_no_zero:
            parts.append("no weak zero")
        parts.append(f"strong mean in [{_fmt(self.strong_min_mean)}, {_fmt(self.strong_max_mean)})")
        if self.strong_no_zero:
            parts.append("no strong zero")
        return "deployed: " + ", ".join(parts)


def _zero_check(role: str, side: _Side) -> _Check:
    ok = side.zeros == 0
    text = f"no {role} zero" if ok else f"{side.zeros} of {side.n} {role} rollouts passed no test"
    return _Check(ok, text)


def _setting_names(gate_cls: type[Gate]) -> set[str]:
    """A preset's settings as a config may spell them: field names and the names they replaced."""
    names = set(gate_cls.model_fields)
    for f in gate_cls.model_fields.values():
        if isinstance(f.validation_alias, AliasChoices):
            names |= {c for c in f.validation_alias.choices if isinstance(c, str)}
    return names


GATE_PRESETS: dict[str, type[Gate]] = {
    "prose": ProseGate,
    "exact-count": ExactCountGate,
    "deployed": DeployedGate,
}
DEFAULT_PRESET = "prose"

# For embedding a gate in a config model: ``gate: GateConfig = ProseGate()``.
GateConfig = Annotated[ProseGate | ExactCountGate | DeployedGate, Field(discriminator="preset")]


def make_gate(preset: str = DEFAULT_PRESET, **overrides: Any) -> Gate:
    """Same as :meth:`Gate.from_preset`."""
    return Gate.from_preset(preset, **overrides)


def decide(
    weak: Sequence[ScoreLike], strong: Sequence[ScoreLike] = (), gate: Gate | None = None
) -> GateDecision:
    """Decide with ``gate`` (default: the ``prose`` preset)."""
    return (gate or ProseGate()).decide(weak, strong)


def weak_gate_passes(weak: Sequence[ScoreLike], gate: Gate | None = None) -> bool:
    """Whether the strong solver is worth running, under ``gate`` (default: ``prose``)."""
    return (gate or ProseGate()).weak_gate_passes(weak)
