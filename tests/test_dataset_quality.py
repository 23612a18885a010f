"""Quality flags: near-duplicates within the dataset and contamination against HumanEval and
user-supplied benchmarks. Flags only; nothing is ever removed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from _dataset_runs import PROVENANCE, pairs_problem, rle_problem, second_problem

from gapforge.dataset.quality import (
    check_problems,
    contamination,
    jaccard,
    load_benchmark_file,
    load_humaneval,
    near_duplicates,
    shingles,
)
from gapforge.dataset.records import GateSummary, ProblemRecord, ValiditySummary
from gapforge.errors import ConfigError
from gapforge.models import Problem


def record(problem: Problem, seed: str = "s") -> ProblemRecord:
    return ProblemRecord(
        run_id="r", epoch=1, seed_id=seed, seed_topic="t", round=1, problem_id=problem.id, problem=problem,
        weak_pass_rate=0.25, strong_pass_rate=1.0, weak_scores=(1.0, 0.0, 0.0, 0.0), strong_scores=(1.0,) * 4,
        gate=GateSummary(preset="prose", outcome="accepted", reason="ok"),
        validity=ValiditySummary(valid=True), rounds_used=1, provenance=PROVENANCE,
    )  # fmt: skip


def humaneval_problem(task: int = 0) -> Problem:
    """A problem that restates a HumanEval task's docstring (what contamination looks like)."""
    he = load_humaneval()
    assert he is not None
    prompt = he[task].text
    doc = prompt.split('"""')[1]
    return Problem(
        title="Close elements",
        statement="Solve this task. " + doc,
        entry_point="has_close_elements",
        signature="def has_close_elements(numbers, threshold):",
        reference_solution="def has_close_elements(numbers, threshold):\n    return False\n",
        tests="from solution import has_close_elements\n\ndef test_a():\n    assert True\n",
    )


def test_normalisation_ignores_case_punctuation_and_spacing() -> None:
    a = shingles("Return the SECOND largest value, please!")
    b = shingles("return   the second-largest value please")
    assert a == b
    assert jaccard(a, b) == 1.0
    assert jaccard(a, shingles("something else entirely, with other words here")) == 0.0


def test_near_duplicate_flags_the_later_one_and_names_the_earlier() -> None:
    first, copy, other = second_problem(), second_problem(title="Second largest (v2)"), rle_problem()
    flags = near_duplicates(
        [("a", first.statement), ("b", other.statement), ("c", copy.statement.replace("Given", "For"))]
    )
    assert set(flags) == {2}
    assert flags[2].match_id == "a"
    assert flags[2].flag == "near_duplicate"
    assert flags[2].score > 0.8


def test_an_exact_repeat_is_a_near_duplicate_too() -> None:
    p = pairs_problem()
    flags = near_duplicates([(p.id, p.statement), (p.id, p.statement)])
    assert list(flags) == [1]
    assert flags[1].score == 1.0


def test_distinct_problems_are_not_flagged() -> None:
    report = check_problems([record(second_problem()), record(pairs_problem()), record(rle_problem())])
    assert report.flags == ((), (), ())
    assert report.benchmarks == {"humaneval": 164}


def test_humaneval_contamination_is_flagged_with_the_task_id() -> None:
    report = check_problems([record(rle_problem()), record(humaneval_problem(0))])
    assert report.flags[0] == ()
    (flag,) = report.flags[1]
    assert flag.flag == "contamination"
    assert flag.source == "humaneval"
    assert flag.match_id == "HumanEval/0"
    assert flag.score >= 0.5
    assert report.count("contamination") == 1


def test_a_shared_phrase_is_not_contamination() -> None:
    bench = load_humaneval()
    assert bench is not None
    # Most of this short text is a HumanEval/0 phrase (overlap 5 of 6 shingles), but one phrase is
    # not a copied task: fewer than min_shared shingles match.
    text = "Pick two numbers closer to each other than given threshold"
    assert len(shingles(text) & shingles(bench[0].text)) == 5
    assert contamination([("p", text)], bench) == {}
    assert contamination([("p", text)], bench, min_shared=5) != {}


def test_user_benchmark_files_jsonl_and_gzip(tmp_path: Path) -> None:
    p = second_problem()
    plain = tmp_path / "mybench.jsonl"
    plain.write_text(
        json.dumps(
            {"id": "MB/1", "question": "Sort a list of numbers and remove every duplicate value from it."}
        )
        + "\n\n"
        + json.dumps({"task_id": "MB/2", "prompt": p.statement})
        + "\n"
    )
    zipped = tmp_path / "other.jsonl.gz"
    zipped.write_bytes(gzip.compress((json.dumps({"statement": rle_problem().statement}) + "\n").encode()))
    assert [i.item_id for i in load_benchmark_file(plain)] == ["MB/1", "MB/2"]
    report = check_problems(
        [record(p), record(rle_problem()), record(pairs_problem())],
        benchmark_files=[plain, zipped],
        humaneval=False,
    )
    assert report.benchmarks == {"mybench": 2, "other": 1}
    assert [(f.source, f.match_id) for f in report.flags[0]] == [("mybench", "MB/2")]
    assert [(f.source, f.match_id) for f in report.flags[1]] == [("other", "line-1")]
    assert report.flags[2] == ()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"prompt": "ok text here"}\n{broken\n', r"bench\.jsonl:2 is not valid JSON"),
        ('{"title": "no text field"}\n', r"bench\.jsonl:1 has none of the text fields"),
        ("[1, 2]\n", r"bench\.jsonl:1 is not a JSON object"),
        ("\n", r"has no items"),
    ],
)
def test_bad_benchmark_files_name_the_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bench.jsonl"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_benchmark_file(path)


def test_missing_benchmark_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.jsonl cannot be read"):
        load_benchmark_file(tmp_path / "nope.jsonl")
