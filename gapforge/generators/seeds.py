"""Seeds: what each problem is about. A topic list, a topics file, a folder of source files or
docs (grounded generation), a seed dataset (jsonl), or the built-in topics."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from gapforge.config import SeedsConfig
from gapforge.dataset.records import Seed
from gapforge.errors import ConfigError
from gapforge.models import content_hash
from gapforge.sandbox.base import LANGUAGES, Language

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


@dataclass(frozen=True)
class _Unassigned:
    """A seed before :func:`assign_languages`; ``language`` is the one its source named, if any."""

    seed: Seed
    language: Language | None = None


def _seed(
    topic: str, context: str = "", source: str = "builtin", language: Language | None = None
) -> _Unassigned:
    seed = Seed(
        id="s-" + content_hash({"topic": topic, "context": context}, 12),
        topic=topic,
        context=context,
        source=source,
    )
    return _Unassigned(seed, language)


def with_language(seed: Seed, language: Language) -> Seed:
    """``seed`` in ``language``. A Python seed keeps the id it had before languages existed (so old
    run directories resume); a seed in another language gets an id of its own, so a topic asked
    in two languages is two seeds and a changed language list never resumes the wrong one."""
    if language == "python":
        return seed.model_copy(update={"language": "python"})
    fields = {"topic": seed.topic, "context": seed.context, "language": language}
    return seed.model_copy(update={"language": language, "id": "s-" + content_hash(fields, 12)})


def load_seeds(cfg: SeedsConfig, limit: int | None = None) -> list[Seed]:
    """The run's seeds, in a stable order, without duplicates, each with its language."""
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
    out = assign_languages(seeds, cfg.languages)
    if not out:
        raise ConfigError("the seed source gave no seeds; check seeds.* in the config")
    return out[:limit] if limit else out


def assign_languages(seeds: list[_Unassigned], languages: tuple[Language, ...]) -> list[Seed]:
    """Deduplicate, then seed i (in the stable order) gets ``languages[i % len(languages)]``: the
    same seeds and list always give the same languages, so a rerun resumes the same seeds. A seed
    that names its own language (a dataset row's ``language``) keeps it and takes no turn."""
    langs = languages or ("python",)
    unique: dict[str, _Unassigned] = {}
    for u in seeds:
        key = u.seed.id if u.language is None else with_language(u.seed, u.language).id
        unique.setdefault(key, u)
    out: dict[str, Seed] = {}
    turn = 0
    for u in unique.values():
        if u.language is None:
            seed = with_language(u.seed, langs[turn % len(langs)])
            turn += 1
        else:
            seed = with_language(u.seed, u.language)
        out.setdefault(seed.id, seed)
    return list(out.values())


def _from_sources(root: Path) -> list[_Unassigned]:
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


def _from_dataset(path: Path) -> list[_Unassigned]:
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
        language = row.get("language")
        if language is not None and (
            not isinstance(language, str) or language.strip().lower() not in LANGUAGES
        ):
            raise ConfigError(f'{path}:{no} has "language": {language!r}; use one of {", ".join(LANGUAGES)}')
        lang: Language | None = language.strip().lower() if language is not None else None  # type: ignore[assignment]
        seeds.append(_seed(topic.strip(), str(context)[:MAX_CONTEXT_CHARS], "dataset", lang))
    return seeds
