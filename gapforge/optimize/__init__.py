"""The meta-optimizer: the loop improves its own challenger policy, without being able to cheat.

A population of challenger policies (:class:`Policy`) grows one iteration at a time::

    parent  <- Boltzmann sample of the population, P ~ exp(score / T)       (T = 0.1 by default)
    train   <- the real loop (Generator + sandbox + gate) runs the parent on a minibatch of
               training seeds
    analysis<- the analyzer role reads the rejected rounds and the failing attempts
    proposal<- the editor role proposes a revised policy (JSON)
    check   <- the proposal is screened against the frozen core: rejected and logged when it names
               the solver prompt, the gate, thresholds, the sandbox, limits, validity checks, the
               minimum test count or the mutation threshold, or when a rule talks about the
               solvers, the gate or how strict the tests are
    validate<- parent (re-evaluated; its evaluations are averaged) and child run on held-out
               validation seeds
    decide  <- the child joins only when its validation score STRICTLY beats the parent's mean

Score = accepted problems per round (default) or per 1,000 tokens, always under the frozen gate:
the gate, the solver prompt and every acceptance check come from the run config and the package,
never from the policy (the policy type has no such fields) — :func:`frozen_core_hash` is recorded
with every evaluation and checked before each one.

Everything lands in ``OUT/audit.jsonl`` (one fsync'd line per iteration: parent, child and diff,
analysis, train and validation scores, decision and reason). The population is rebuilt from that
log, so a crashed run resumes at the first unfinished iteration. The best policy is kept in
``OUT/best_policy.json``, the file ``gapforge generate --policy`` reads.

The modules, by concern:

* :mod:`~gapforge.optimize.policy` — what a policy is and its file;
* :mod:`~gapforge.optimize.selection` — seed split, parent selection, acceptance, the score (pure);
* :mod:`~gapforge.optimize.screen` — the frozen core and the proposal screen (pure);
* :mod:`~gapforge.optimize.audit` — the audit log and the population it implies;
* :mod:`~gapforge.optimize.roles` — the analyzer's and editor's messages and replies;
* :mod:`~gapforge.optimize.evaluate` — one scored run of the real loop;
* :mod:`~gapforge.optimize.search` — the iterations; :mod:`~gapforge.optimize.run` — the wiring.
"""

from __future__ import annotations

from gapforge.optimize.audit import AUDIT_FILE, AuditEntry, AuditLog, EvalSummary, rebuild_population
from gapforge.optimize.policy import Policy, PolicyDiff, diff_policies, load_policy, save_policy
from gapforge.optimize.roles import meta_role
from gapforge.optimize.run import optimize
from gapforge.optimize.screen import ProposalCheck, Violation, check_proposal, frozen_core_hash, screen_rule
from gapforge.optimize.search import BEST_FILE, STATE_FILE, Optimizer, OptimizeResult, OptimizerSettings
from gapforge.optimize.selection import (
    Acceptance,
    Candidate,
    accept_child,
    boltzmann_probabilities,
    boltzmann_select,
    split_seeds,
)

__all__ = [
    "AUDIT_FILE",
    "BEST_FILE",
    "STATE_FILE",
    "Acceptance",
    "AuditEntry",
    "AuditLog",
    "Candidate",
    "EvalSummary",
    "OptimizeResult",
    "Optimizer",
    "OptimizerSettings",
    "Policy",
    "PolicyDiff",
    "ProposalCheck",
    "Violation",
    "accept_child",
    "boltzmann_probabilities",
    "boltzmann_select",
    "check_proposal",
    "diff_policies",
    "frozen_core_hash",
    "load_policy",
    "meta_role",
    "optimize",
    "rebuild_population",
    "save_policy",
    "screen_rule",
    "split_seeds",
]
