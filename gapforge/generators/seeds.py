"""Seeds: what each problem is about. A topic list, a topics file, a folder of source files or
docs (grounded generation), a seed dataset (jsonl), or the built-in topics."""

from __future__ import annotations

import json
from pathlib import Path

from gapforge.config import SeedsConfig
from gapforge.dataset.records import Seed
from gapforge.errors import ConfigError
from gapforge.models import content_hash

DEFAULT_TOPICS: tuple[str, ...] = (
    "prefix sums and range queries",
    "two pointers on sorted arrays",
    "sliding window maxima",
    "binary search on the answer",
    "interval merging and scheduling",
    "stack-based bracket and expression parsing",
    "monotonic stacks",
    "hash maps for counting and grouping",
    "string tokenising and parsing",
    "run-length and other simple encodings",
    "palindromes and string symmetry",
    "dynamic programming on sequences",
    "knapsack-style dynamic programming",
    "grid path counting",
    "breadth-first search on grids",
    "shortest paths with weights",
    "topological sorting of dependencies",
    "union-find and connected components",
    "greedy choices with proofs",
    "heaps and top-k queries",
    "number theory: gcd, primes and modular arithmetic",
    "combinatorics with modular counting",
    "bit manipulation",
    "date and time arithmetic without libraries",
    "simulation of a simple machine",
    "matrix manipulation",
    "geometry on integer points",
    "text formatting and justification",
    "version strings and semantic ordering",
    "event logs and sessionisation",
)

SOURCE_SUFFIXES = {".py", ".md", ".rst", ".txt", ".c", ".h", ".js", ".ts", ".go", ".rs", ".java"}
MAX_CONTEXT_CHARS = 4000


def _seed(topic: str, context: str = "", source: str = "builtin") -> Seed:
    return Seed(
        id="s-" + content_hash({"topic": topic, "context": context}, 12),
        topic=topic,
        context=context,
        source=source,
    )


def load_seeds(cfg: SeedsConfig, limit: int | None = None) -> list[Seed]:
    """The run's seeds, in a stable order, without duplicates."""
    if cfg.topics:
        seeds = [_seed(t, source="topics") for t in cfg.topics]
    elif cfg.topics_file:
        lines = Path(cfg.topics_file).read_text(encoding="utf-8").splitlines()
        seeds = [
            _seed(t.strip(), source="topics_file")
            for t in lines
            if t.strip() and not t.lstrip().startswith("#")
        ]
    elif cfg.source_dir:
        seeds = _from_sources(Path(cfg.source_dir))
    elif cfg.dataset:
        seeds = _from_dataset(Path(cfg.dataset))
    else:
        seeds = [_seed(t) for t in DEFAULT_TOPICS]
    unique: dict[str, Seed] = {}
    for s in seeds:
        unique.setdefault(s.id, s)
    out = list(unique.values())
    if not out:
        raise ConfigError("the seed source gave no seeds; check seeds.* in the config")
    return out[:limit] if limit else out


def _from_sources(root: Path) -> list[Seed]:
    seeds = []
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.suffix not in SOURCE_SUFFIXES:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if text.strip():
            rel = path.relative_to(root).as_posix()
            seeds.append(_seed(f"a problem grounded in {rel}", text[:MAX_CONTEXT_CHARS], "source_dir"))
    return seeds


def _from_dataset(path: Path) -> list[Seed]:
    seeds = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{path}:{no} is not valid JSON ({exc.msg}); each line must be one JSON object"
            ) from None
        topic = row.get("seed") or row.get("topic") if isinstance(row, dict) else None
        if not isinstance(topic, str) or not topic.strip():
            raise ConfigError(f'{path}:{no} has no "seed" or "topic" string field')
        context = row.get("context", "")
        seeds.append(_seed(topic.strip(), str(context)[:MAX_CONTEXT_CHARS], "dataset"))
    return seeds
