"""The demo problem bank: 40+ families of coding problems, each with an easy, a medium and a hard
variant, written so that the whole gapforge loop can run offline against the demo model server.

Every variant carries what a challenger would write (statement, signature or I/O contract,
examples, a reference solution and hidden tests, an input generator and an input validator for
the test oracle) plus realistic wrong solutions labelled
``off_by_one`` / ``missed_edge_case`` / ``too_slow`` that the scripted solvers hand out when they
"fail". ``tests/test_demo_bank.py`` runs all of it through the real sandbox: every reference passes,
every bug fails (or times out, for ``too_slow``).

A few families are in other languages (C++ in ``cpp.py``, JavaScript in ``javascript.py``): stdio
problems whose reference and bugs are in that language, while their oracle sources stay Python.
``FAMILIES`` and ``all_variants()`` keep meaning the Python bank (what every Python-only consumer
iterates); ``ALL_FAMILIES`` and ``families(language)`` reach the others.

Public API::

    FAMILIES            the Python families: tuple of Family (frozen dataclasses), three Variants each
    ALL_FAMILIES        every family of every language, the Python ones first
    BANK_LANGUAGES      the languages the bank has families in, python first
    families(language)  the families of one language (empty for a language the bank lacks)
    DEFAULT_TOPICS      seed topics that map onto the bank (the loop's built-in seed list)
    TOPIC_FAMILIES      each default topic's own families (any language), in the order the
                        challenger uses them; it takes those of the language it was asked for
    all_variants()      every Python Variant, family by family (language=None: every language)
    family_by_key(key)  a Family of any language by its key, e.g. "pair_sums"
    variant_by_title(t) the Variant (any language) with that exact title, or None
    to_problem(v)       the Variant as a gapforge.models.Problem
    problem_json(p)     the Problem as the JSON object a challenger answers with
    flawed_draft(v, k)  a deliberately broken draft of v (see gapforge.demo.bank.flaws)
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from gapforge.demo.bank import (
    arrays,
    cpp,
    dp,
    encodings,
    graphs,
    intervals,
    javascript,
    number_theory,
    oracles,
    parsing,
    search,
    simulation,
    strings,
    structures,
    windows,
)
from gapforge.demo.bank.flaws import FLAW_KINDS, FlawedDraft, FlawKind, flawed_draft
from gapforge.demo.bank.schema import BUG_LABELS, Bug, BugLabel, Family, Variant, problem_json, to_problem
from gapforge.sandbox.base import Language

# every variant carries its test oracle (input generator, validator; see bank/oracles.py)
FAMILIES: tuple[Family, ...] = tuple(
    oracles.attach(f)
    for f in (
        *arrays.FAMILIES,
        *windows.FAMILIES,
        *search.FAMILIES,
        *strings.FAMILIES,
        *parsing.FAMILIES,
        *number_theory.FAMILIES,
        *encodings.FAMILIES,
        *structures.FAMILIES,
        *graphs.FAMILIES,
        *dp.FAMILIES,
        *intervals.FAMILIES,
        *simulation.FAMILIES,
    )
)
ALL_FAMILIES: tuple[Family, ...] = FAMILIES + tuple(
    oracles.attach(f) for f in (*cpp.FAMILIES, *javascript.FAMILIES)
)
BANK_LANGUAGES: tuple[Language, ...] = tuple(dict.fromkeys(f.language for f in ALL_FAMILIES))

# The default seed topics, each with the families it opens with (every family belongs to exactly
# one topic, so default seeds do not converge on the same problems). The challenger maps any other
# topic onto families by keywords. A topic's families of other languages come after its Python
# ones; the challenger only ever takes those of the language the prompt asks for.
TOPIC_FAMILIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "arrays and two pointers": ("pair_sums", "prefix_sums", "max_subarray", "cpp_prefix_sums"),
        "sliding windows and monotonic deques": ("sliding_window", "window_extremes", "anagrams"),
        "binary search on sorted data and on the answer": ("sorted_search", "search_answer", "inversions"),
        "string algorithms and palindromes": (
            "palindromes",
            "pattern_matching",
            "edit_distance",
            "js_palindromes",
        ),
        "parsing and text processing": ("csv_fields", "config_files", "log_analysis"),
        "number theory and primes": ("primes", "gcd_lcm", "fibonacci"),
        "combinatorics and counting": ("binomials", "digits", "coin_change"),
        "number bases and encodings": ("base_conversion", "run_length", "roman_numerals", "js_columns"),
        "stacks and bracket matching": ("stacks", "brackets", "expressions"),
        "heaps, queues and caches": ("heaps", "caches", "josephus"),
        "graph search and shortest paths": ("weighted_paths", "grid_bfs", "robots"),
        "dynamic programming on sequences": (
            "knapsack",
            "increasing_subsequences",
            "grid_paths",
            "cpp_sequence_dp",
        ),
        "intervals and scheduling": ("interval_scheduling", "merge_intervals", "coverage"),
        "union-find, trees and dependency graphs": ("union_find", "dag_order", "trees"),
        "cellular automata and calendars": ("life", "dates"),
    }
)
DEFAULT_TOPICS: tuple[str, ...] = tuple(TOPIC_FAMILIES)


def all_variants(language: Language | None = "python") -> tuple[Variant, ...]:
    """Every variant of ``language``'s families (None: of every language), family by family."""
    return tuple(v for f in ALL_FAMILIES if language is None or f.language == language for v in f.variants)


@cache
def families(language: Language) -> tuple[Family, ...]:
    return tuple(f for f in ALL_FAMILIES if f.language == language)


@cache
def _by_title() -> dict[str, Variant]:
    return {v.title: v for v in all_variants(None)}


@cache
def _by_key() -> dict[str, Family]:
    return {f.key: f for f in ALL_FAMILIES}


def family_by_key(key: str) -> Family:
    try:
        return _by_key()[key]
    except KeyError:
        raise KeyError(f"no demo family {key!r}; known: {', '.join(sorted(_by_key()))}") from None


def variant_by_title(title: str) -> Variant | None:
    return _by_title().get(title.strip())


__all__ = [
    "ALL_FAMILIES",
    "BANK_LANGUAGES",
    "BUG_LABELS",
    "DEFAULT_TOPICS",
    "FAMILIES",
    "FLAW_KINDS",
    "TOPIC_FAMILIES",
    "Bug",
    "BugLabel",
    "Family",
    "FlawKind",
    "FlawedDraft",
    "Variant",
    "all_variants",
    "families",
    "family_by_key",
    "flawed_draft",
    "problem_json",
    "to_problem",
    "variant_by_title",
]
