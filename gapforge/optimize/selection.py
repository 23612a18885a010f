"""Choosing seeds and parents, judging children: the train/validation split, Boltzmann selection,
the acceptance rule and the score.

All pure and deterministic for a given seed, so a resumed optimization picks exactly what the
interrupted one would have.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from gapforge.dataset.records import Seed
from gapforge.errors import ConfigError
from gapforge.models import content_hash
from gapforge.optimize.policy import Policy

__all__ = [
    "ACCEPT_EPS",
    "DEFAULT_TEMPERATURE",
    "Acceptance",
    "Candidate",
    "Pick",
    "ScoreMetric",
    "accept_child",
    "best_candidate",
    "boltzmann_probabilities",
    "boltzmann_select",
    "iteration_rng",
    "mean_score",
    "pick",
    "score_of",
    "split_seeds",
]

DEFAULT_TEMPERATURE = 0.1
# "Strictly beats": a child must win by more than float rounding, so equal averages never pass.
ACCEPT_EPS = 1e-9

ScoreMetric = Literal["per_round", "per_1k_tokens"]


def boltzmann_probabilities(scores: Sequence[float], temperature: float = DEFAULT_TEMPERATURE) -> list[float]:
    """P_i proportional to exp(score_i / T); sums to 1. T = 0 is the limit: the best, ties shared."""
    if not scores:
        raise ValueError("the population is empty: there is no candidate to select")
    if not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature}")
    if not all(math.isfinite(s) for s in scores):
        raise ValueError(f"scores must be finite numbers, got {list(scores)}")
    top = max(scores)
    if temperature == 0:
        n_best = sum(1 for s in scores if s == top)
        return [1.0 / n_best if s == top else 0.0 for s in scores]
    # Shifting by the maximum keeps exp() from overflowing at small T; the ratios are unchanged.
    weights = [math.exp((s - top) / temperature) for s in scores]
    total = math.fsum(weights)
    return [w / total for w in weights]


def boltzmann_select(scores: Sequence[float], temperature: float, rng: random.Random) -> int:
    """The index of the selected candidate (deterministic for a given ``rng`` state)."""
    probs = boltzmann_probabilities(scores, temperature)
    return rng.choices(range(len(probs)), weights=probs, k=1)[0]


def mean_score(scores: Sequence[float]) -> float:
    if not scores:
        raise ValueError("no evaluations to average")
    return math.fsum(scores) / len(scores)


@dataclass
class Candidate:
    """A member of the population and every validation score it has received."""

    policy: Policy
    scores: list[float] = field(default_factory=list)
    born: int = 0

    @property
    def id(self) -> str:
        return self.policy.id

    @property
    def score(self) -> float:
        return mean_score(self.scores)


def best_candidate(pop: Mapping[str, Candidate]) -> Candidate:
    """Highest mean validation score; the earliest born wins a tie."""
    return max(pop.values(), key=lambda c: (c.score, -c.born))


def iteration_rng(seed: int, iteration: int) -> random.Random:
    """The one random stream of an iteration: the same optimizer seed and iteration, the same draws."""
    return random.Random(int(content_hash(["gapforge-optimize", seed, iteration], 16), 16))


@dataclass(frozen=True)
class Pick:
    """What an iteration works on: the parent, the probability each candidate had, the minibatch."""

    parent: Candidate
    selection: dict[str, float]  # candidate id -> probability
    minibatch: tuple[Seed, ...]


def pick(
    population: Sequence[Candidate],
    train: Sequence[Seed],
    *,
    temperature: float,
    minibatch: int,
    rng: random.Random,
) -> Pick:
    """The parent (a Boltzmann draw), then the training minibatch (kept in the training set's
    order), both drawn from ``rng`` in that order."""
    scores = [c.score for c in population]
    probs = boltzmann_probabilities(scores, temperature)
    parent = population[boltzmann_select(scores, temperature, rng)]
    picked = {s.id for s in rng.sample(list(train), min(minibatch, len(train)))}
    return Pick(
        parent=parent,
        selection={c.id: p for c, p in zip(population, probs, strict=True)},
        minibatch=tuple(s for s in train if s.id in picked),
    )


@dataclass(frozen=True)
class Acceptance:
    """The acceptance rule's verdict for one child, with the numbers it compared."""

    accepted: bool
    parent_mean: float
    child_mean: float
    parent_evaluations: int
    child_evaluations: int
    reason: str


def accept_child(parent_scores: Sequence[float], child_scores: Sequence[float]) -> Acceptance:
    """The child joins only if the mean of its validation scores strictly beats the parent's mean
    (every re-evaluation of a candidate counts, averaged)."""
    p, c = mean_score(parent_scores), mean_score(child_scores)
    accepted = c > p + ACCEPT_EPS
    over = f"over {len(parent_scores)} evaluation{'s' if len(parent_scores) != 1 else ''}"
    if accepted:
        reason = f"child validation score {c:.4f} strictly beats the parent's mean {p:.4f} ({over})"
    elif abs(c - p) <= ACCEPT_EPS:
        reason = (
            f"child validation score {c:.4f} only ties the parent's mean {p:.4f} ({over}); ties never join"
        )
    else:
        reason = f"child validation score {c:.4f} is below the parent's mean {p:.4f} ({over})"
    return Acceptance(accepted, p, c, len(parent_scores), len(child_scores), reason)


def score_of(accepted: int, rounds: int, tokens: int, metric: ScoreMetric) -> float:
    """Accepted problems per round, or per 1,000 tokens; 0 when nothing was spent."""
    if metric == "per_round":
        return accepted / rounds if rounds else 0.0
    return accepted / (tokens / 1000.0) if tokens else 0.0


def split_seeds(
    seeds: Sequence[Seed], n_train: int, n_validation: int, *, salt: int = 0
) -> tuple[list[Seed], list[Seed]]:
    """A deterministic train/validation split (by content hash, so it does not depend on order)."""
    if n_train < 1 or n_validation < 1:
        raise ConfigError("the optimizer needs at least one training and one validation seed")
    unique = list({s.id: s for s in seeds}.values())
    if len(unique) < n_train + n_validation:
        raise ConfigError(
            f"{n_train} training + {n_validation} validation seeds requested but the config yields only "
            f"{len(unique)} distinct seeds; lower --train/--validation or add seeds"
        )
    ranked = sorted(unique, key=lambda s: content_hash(["split", salt, s.id]))
    return ranked[n_validation : n_validation + n_train], ranked[:n_validation]
