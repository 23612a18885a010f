"""Verifiers: static checks, sandbox validity, mutation testing, test oracles
(:mod:`gapforge.verifiers.oracle`) and the gap gates.

Everything here decides from raw execution results; nothing a model says is trusted.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Loaded on first use: scoring needs the CPU budgets, not the mutation engine or the gates.
_WHERE = {
    "DEFAULT_PRESET": "gapforge.verifiers.gates",
    "DeployedGate": "gapforge.verifiers.gates",
    "ExactCountGate": "gapforge.verifiers.gates",
    "GATE_PRESETS": "gapforge.verifiers.gates",
    "Gate": "gapforge.verifiers.gates",
    "GateConfig": "gapforge.verifiers.gates",
    "GateDecision": "gapforge.verifiers.gates",
    "GateOutcome": "gapforge.verifiers.gates",
    "Mutant": "gapforge.verifiers.mutation",
    "MutantRecord": "gapforge.verifiers.mutation",
    "MutationOperator": "gapforge.verifiers.mutation",
    "MutationReport": "gapforge.verifiers.mutation",
    "ProseGate": "gapforge.verifiers.gates",
    "RolloutScore": "gapforge.verifiers.gates",
    "ScoreLike": "gapforge.verifiers.gates",
    "StaticReport": "gapforge.verifiers.static",
    "TrivialSolution": "gapforge.verifiers.validity",
    "ValidityCheck": "gapforge.verifiers.validity",
    "ValidityReport": "gapforge.verifiers.validity",
    "all_mutants": "gapforge.verifiers.mutation",
    "as_rollout": "gapforge.verifiers.gates",
    "check_program": "gapforge.verifiers.static",
    "check_static": "gapforge.verifiers.static",
    "check_validity": "gapforge.verifiers.validity",
    "count_tests": "gapforge.verifiers.static",
    "decide": "gapforge.verifiers.gates",
    "generate_mutants": "gapforge.verifiers.mutation",
    "make_gate": "gapforge.verifiers.gates",
    "mutation_score": "gapforge.verifiers.mutation",
    "mutation_sites": "gapforge.verifiers.mutation",
    "parse_stdio_cases": "gapforge.verifiers.static",
    "trivial_solutions": "gapforge.verifiers.validity",
    "weak_gate_passes": "gapforge.verifiers.gates",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'gapforge.verifiers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
