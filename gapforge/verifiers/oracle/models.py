"""The oracle's records: configuration, cases, suites and what building, hardening and the
false-pass check found. Frozen pydantic models: they cross into the run store and the dataset."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gapforge.models import HiddenSuite as HiddenSuite  # defined with Problem; re-exported
from gapforge.sandbox.base import Status

Origin = Literal["generated", "boundary", "mutation"]


class OracleConfig(BaseModel):
    """How a differential suite is built. ``max_mutations`` caps boundary variants of drawn
    inputs plus mutations of the tests' inputs; ``repeats`` calls of the reference per input must
    agree; ``cpu_per_input_s`` is each call's CPU budget; ``reruns`` bounds how often a run that a
    hang or crash cut short is resumed after the culprit input."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_inputs: int = Field(default=50, ge=0, le=10_000)
    seed: int = 0
    max_mutations: int = Field(default=50, ge=0, le=10_000)
    cpu_per_input_s: float = Field(default=1.0, gt=0, le=60)
    repeats: int = Field(default=2, ge=1, le=5)
    reruns: int = Field(default=3, ge=0, le=20)
    float_tolerance: float | None = Field(default=None, ge=0)  # None: the stdio tests' own, else 1e-6
    # The suite's size after hardening (suite.trim_suite): every stdio case is a process of its own
    # in every judged run, so stdio suites are kept smaller. The build answers ``answer_factor``
    # x that many inputs, so hardening has cases to choose from.
    max_cases: int = Field(default=30, ge=1, le=10_000)
    max_cases_stdio: int = Field(default=15, ge=1, le=10_000)
    answer_factor: int = Field(default=2, ge=1, le=100)

    def case_cap(self, kind: str) -> int:
        return self.max_cases_stdio if kind == "stdio" else self.max_cases

    def max_answers(self, kind: str) -> int:
        return self.answer_factor * self.case_cap(kind)


class OracleCase(BaseModel):
    """One differential test. Function kind: ``input`` is a tuple expression of the call arguments
    and ``expected`` an expression of the answer; stdio kind: both are texts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    origin: Origin
    input: str
    expected: str


class InputNote(BaseModel):
    """An input left out of the suite, and why (validator message, reference failure)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin: Literal["generated", "boundary", "mutation", "test"]
    input: str  # cut to 200 characters
    reason: str


class DifferentialSuite(BaseModel):
    """The outcome of :func:`build_differential_suite`; ``suite`` is None when no input survived."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    suite: HiddenSuite | None
    cases: tuple[OracleCase, ...]
    drawn: int  # generator calls
    mutations_tried: int  # boundary variants and mutations sent to the validator
    duplicates: int
    generator_errors: tuple[str, ...] = ()
    rejected: tuple[InputNote, ...] = ()  # drawn or mutated inputs the validator rejects
    test_inputs_rejected: tuple[InputNote, ...] = ()  # inputs of the tests and examples it rejects
    reference_failures: tuple[InputNote, ...] = ()
    float_tolerance: float = 1e-6
    reference_cpu_s: float = 0.0  # one reference call per input, summed (an estimate)
    sandbox_cpu_s: float = 0.0  # everything the build ran in the sandbox
    executions: int = 0
    trimmed: int = 0  # inputs left out of the suite to bound its cost (never answered, or trimmed)
    # the reference's CPU seconds on each case (one call; stdio: its process), aligned with cases
    case_cpu_s: tuple[float, ...] = ()

    def cpu_of(self) -> dict[str, float]:
        """Case name -> the reference's CPU seconds on it (0.0 when not measured)."""
        return {
            c.name: (self.case_cpu_s[i] if i < len(self.case_cpu_s) else 0.0)
            for i, c in enumerate(self.cases)
        }

    def defects(self, limit: int = 3) -> tuple[str, ...]:
        """What the build says is wrong with the problem itself, one reason per kind (empty when
        nothing): a generator that fails or draws inputs its own validator rejects, test or
        example inputs the validator rejects, valid inputs the reference cannot answer. Mutated
        inputs the validator rejects are expected and not defects, nor are answers too large to
        embed."""
        found = []
        if self.generator_errors:
            found.append(
                f"the input generator failed {len(self.generator_errors)} times: {self.generator_errors[0]}"
            )
        drawn_bad = [n for n in self.rejected if n.origin == "generated"]
        # an answer too big to embed in a test file is a limit of ours, not a wrong reference
        failed = [n for n in self.reference_failures if not n.reason.startswith("unserializable")]
        for notes, what in (
            (drawn_bad, "generated inputs that the input validator rejects"),
            (self.test_inputs_rejected, "test or example inputs that the input validator rejects"),
            (failed, "valid inputs the reference solution cannot answer"),
        ):
            if notes:
                shown = "; ".join(f"{n.input} ({n.reason})" for n in notes[:limit])
                more = f" and {len(notes) - limit} more" if len(notes) > limit else ""
                found.append(f"{len(notes)} {what}: {shown}{more}")
        return tuple(found)


class HardenedMutant(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str
    killed: bool
    killing_cases: tuple[str, ...] = ()  # names of the differential cases it fails
    status: Status


class HardeningReport(BaseModel):
    """Survivors of the challenger's tests against the differential suite: ``killed`` ones give
    ``cases`` (the first distinguishing case of each) as extra hidden tests; the rest are
    probably equivalent to the reference."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    killed: tuple[HardenedMutant, ...] = ()
    probably_equivalent: tuple[HardenedMutant, ...] = ()
    cases: tuple[OracleCase, ...] = ()
    suite: HiddenSuite | None = None  # just ``cases``, rendered
    untested: tuple[str, ...] = ()  # survivors not run: the differential suite has no case


class KnownWrong(BaseModel):
    """A program known to be wrong (a killed mutant, a failing solver attempt)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    source: str


class FalsePassReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    checked: int
    passing: tuple[str, ...] = ()  # labels of known-wrong programs that pass every suite

    @property
    def ok(self) -> bool:
        return not self.passing


class OracleMeasures(BaseModel):
    """Per-problem oracle quality, flat, for dataset columns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inputs_drawn: int
    inputs_kept: int
    rejected_by_validator: int
    duplicates: int
    generator_errors: int
    test_inputs_rejected: int
    reference_failures: int
    inputs_trimmed: int = 0
    mutants_killed_by_hardening: int = 0
    probably_equivalent: int = 0
    false_passes: int = 0
    known_wrong_checked: int = 0


def oracle_measures(
    suite: DifferentialSuite,
    hardening: HardeningReport | None = None,
    false_pass: FalsePassReport | None = None,
) -> OracleMeasures:
    """The flat numbers for one problem."""
    return OracleMeasures(
        inputs_drawn=suite.drawn + suite.mutations_tried,
        inputs_kept=len(suite.cases),
        rejected_by_validator=len(suite.rejected),
        duplicates=suite.duplicates,
        generator_errors=len(suite.generator_errors),
        test_inputs_rejected=len(suite.test_inputs_rejected),
        reference_failures=len(suite.reference_failures),
        inputs_trimmed=suite.trimmed,
        mutants_killed_by_hardening=len(hardening.killed) if hardening else 0,
        probably_equivalent=len(hardening.probably_equivalent) if hardening else 0,
        false_passes=len(false_pass.passing) if false_pass else 0,
        known_wrong_checked=false_pass.checked if false_pass else 0,
    )
