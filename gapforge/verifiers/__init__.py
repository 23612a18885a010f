"""Verifiers: static checks, sandbox validity, mutation testing and the gap gates.

Everything here decides from raw execution results; nothing a model says is trusted.
"""

from __future__ import annotations

from gapforge.verifiers.gates import (
    DEFAULT_PRESET,
    GATE_PRESETS,
    DeployedGate,
    ExactCountGate,
    Gate,
    GateConfig,
    GateDecision,
    GateOutcome,
    ProseGate,
    RolloutScore,
    ScoreLike,
    as_rollout,
    decide,
    make_gate,
    weak_gate_passes,
)
from gapforge.verifiers.mutation import (
    Mutant,
    MutantRecord,
    MutationOperator,
    MutationReport,
    all_mutants,
    generate_mutants,
    mutation_score,
    mutation_sites,
)
from gapforge.verifiers.static import (
    StaticReport,
    check_program,
    check_static,
    count_tests,
    parse_stdio_cases,
)
from gapforge.verifiers.validity import (
    TrivialSolution,
    ValidityCheck,
    ValidityReport,
    check_validity,
    trivial_solutions,
)

__all__ = [
    "DEFAULT_PRESET",
    "GATE_PRESETS",
    "DeployedGate",
    "ExactCountGate",
    "Gate",
    "GateConfig",
    "GateDecision",
    "GateOutcome",
    "Mutant",
    "MutantRecord",
    "MutationOperator",
    "MutationReport",
    "ProseGate",
    "RolloutScore",
    "ScoreLike",
    "StaticReport",
    "TrivialSolution",
    "ValidityCheck",
    "ValidityReport",
    "all_mutants",
    "as_rollout",
    "check_program",
    "check_static",
    "check_validity",
    "count_tests",
    "decide",
    "generate_mutants",
    "make_gate",
    "mutation_score",
    "mutation_sites",
    "parse_stdio_cases",
    "trivial_solutions",
    "weak_gate_passes",
]
