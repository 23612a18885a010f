"""Publishing a run: Hugging Face layout, explicit schemas, the dataset card, and the round trip
records -> Parquet -> datasets / pandas / pyarrow -> records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml  # type: ignore[import-untyped]  # comes with datasets (dev extra)
from _dataset_runs import COINS_REF, SECOND_BUG, SECOND_REF, Built, build_run
from pydantic import BaseModel

from gapforge.dataset.publish import MANIFEST, publish, read_published
from gapforge.dataset.records import AttemptRecord, ProblemRecord, Provenance, RoundRecord
from gapforge.dataset.schemas import DATASET_SCHEMA_VERSION, SCHEMAS, TABLE_NAMES
from gapforge.dataset.store import RunStore, finished_view
from gapforge.dataset.tables import (
    OUTPUT_CAP,
    attempt_record_from_row,
    attempt_row,
    problem_record_from_row,
    round_record_from_row,
)
from gapforge.errors import ConfigError
from gapforge.models import Attempt, Problem
from gapforge.sandbox import ExecutionResult, Status


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_run(tmp_path_factory.mktemp("run") / "run")


@pytest.fixture(scope="module")
def published(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pub") / "dataset"
    publish(built.root, out, max_rows_per_shard=20)
    return out


def _front_matter(card: str) -> dict[str, Any]:
    assert card.startswith("---\n")
    header = card.split("---\n")[1]
    data = yaml.safe_load(header)
    assert isinstance(data, dict)
    return data


def _shards(out: Path, table: str) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in (out / "data" / table).glob("*.parquet"))


def test_layout_is_hugging_face_shards_per_table(built: Built, published: Path) -> None:
    assert _shards(published, "problems") == ["data/problems/train-00000-of-00001.parquet"]
    # 50 attempts of finished seeds at 20 rows per shard: three shards, numbered M of N
    assert _shards(published, "attempts") == [
        "data/attempts/train-00000-of-00003.parquet",
        "data/attempts/train-00001-of-00003.parquet",
        "data/attempts/train-00002-of-00003.parquet",
    ]
    rows = [pq.read_metadata(published / s).num_rows for s in _shards(published, "attempts")]
    assert rows == [20, 20, 10]
    manifest = json.loads((published / MANIFEST).read_text())
    assert manifest["run_id"] == built.run_id
    assert manifest["tables"]["attempts"]["rows"] == 50
    assert manifest["schema_version"] == DATASET_SCHEMA_VERSION
    assert manifest["config"]["gate"]["preset"] == "prose"
    assert "roles" not in manifest["config"]  # endpoints never travel with the data


def test_every_shard_has_the_explicit_versioned_schema(published: Path) -> None:
    for table in TABLE_NAMES:
        for shard in _shards(published, table):
            schema = pq.read_schema(published / shard)
            assert schema.equals(SCHEMAS[table], check_metadata=False), table
            assert schema.metadata[b"gapforge.schema_version"] == str(DATASET_SCHEMA_VERSION).encode()
            assert schema.metadata[b"gapforge.table"] == table.encode()


def test_only_finished_seeds_are_published(built: Built, published: Path) -> None:
    rows = read_published(published)
    assert {r["seed_id"] for r in rows["rounds"]} == {
        "s-second",
        "s-pairs",
        "s-mixed",
        "s-rle",
        "s-second-again",
    }
    assert all(r["seed_id"] != "s-unfinished" for r in rows["attempts"])
    assert len(rows["rounds"]) == built.rounds - 1
    assert [r["title"] for r in rows["problems"]] == [p.title for p in built.accepted]


def test_card_yaml_header_has_what_the_hub_reads(published: Path) -> None:
    card = (published / "README.md").read_text()
    meta = _front_matter(card)
    assert meta["license"] == "apache-2.0"  # the run config's `license`
    assert meta["task_categories"] == ["text-generation"]
    assert "code" in meta["tags"] and "python" in meta["tags"]
    assert meta["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c for c in meta["configs"]}
    assert set(configs) == set(TABLE_NAMES)
    assert configs["problems"]["default"] is True
    assert configs["attempts"]["data_files"] == [{"split": "train", "path": "data/attempts/train-*.parquet"}]


def test_card_governance_section_is_computed_from_the_run(published: Path) -> None:
    card = (published / "README.md").read_text()
    for heading in (
        "### Sources",
        "### Models and prompts",
        "### Gate and thresholds",
        "### Rejection statistics",
        "### Leakage and contamination checks",
        "### Licence",
        "### Known limitations",
        "### Provenance",
        "## Columns",
    ):
        assert heading in card
    # every column of every table is documented
    for table in TABLE_NAMES:
        for name in SCHEMAS[table].names:
            assert f"| `{name}` |" in card, (table, name)
    assert "| too_easy | 2 | 22.2% |" in card  # 2 of the 9 finished rounds
    assert "| malformed | 1 | 11.1% |" in card
    assert "| weak | demo-weak |" in card
    assert "prose: strong mean >= 0.65, weak mean < 0.50, gap >= 0.20" in card
    assert "humaneval (164 items)" in card
    assert "**1** of 4 problems flagged" in card  # the near-duplicate second_largest
    assert "| solver_user |" in card


def test_load_dataset_reads_the_configs_of_the_card(published: Path, tmp_path: Path) -> None:
    import datasets

    problems = datasets.load_dataset(str(published), "problems", split="train", cache_dir=str(tmp_path))
    assert problems.num_rows == 4
    pairs = datasets.load_dataset(str(published), "preferences", split="train", cache_dir=str(tmp_path))
    assert set(pairs.column_names) >= {"prompt", "chosen", "rejected"}


def _originals(root: Path) -> dict[str, list[Any]]:
    return finished_view(root)


def test_round_trip_through_datasets_load_dataset(built: Built, published: Path, tmp_path: Path) -> None:
    import datasets

    original = _originals(built.root)
    for table, back in (
        ("problems", problem_record_from_row),
        ("rounds", round_record_from_row),
        ("attempts", attempt_record_from_row),
    ):
        files = [str(published / s) for s in _shards(published, table)]
        ds = datasets.load_dataset("parquet", data_files=files, split="train", cache_dir=str(tmp_path))
        records = [back(row) for row in ds]
        assert records == original[table], table


def test_round_trip_through_pandas_and_pyarrow(built: Built, published: Path) -> None:
    import pandas as pd  # type: ignore[import-untyped]

    original = _originals(built.root)
    for table, back in (
        ("problems", problem_record_from_row),
        ("rounds", round_record_from_row),
        ("attempts", attempt_record_from_row),
    ):
        files = [published / s for s in _shards(published, table)]
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        via_pandas = [back(row) for row in frame.to_dict(orient="records")]
        via_arrow = [back(row) for f in files for row in pq.read_table(f).to_pylist()]
        assert via_pandas == original[table], table
        assert via_arrow == original[table], table


def test_unmeasured_scores_stay_null_not_zero(published: Path) -> None:
    rows = read_published(published)
    pairs = next(p for p in rows["problems"] if p["title"] == "Best adjacent pair")
    assert pairs["weak_scores"] == [0.0, 0.0, None, 0.0]
    infra = [a for a in rows["attempts"] if a["infra_error"]]
    assert len(infra) == 1
    assert infra[0]["score"] is None
    assert infra[0]["status"] is None


def test_trajectories_carry_the_repair_chain_and_labels(published: Path) -> None:
    rows = read_published(published)["trajectories"]
    second = [
        t
        for t in rows
        if t["round_verdict"] == "accepted"
        and t["messages"][1]["content"].startswith("# Second largest distinct")
    ]
    repaired = next(t for t in second if t["role"] == "weak" and t["sample"] == 1)
    assert [m["role"] for m in repaired["messages"]] == ["system", "user", "assistant", "user", "assistant"]
    assert repaired["label"] == "positive"
    assert repaired["repaired"] is True
    assert repaired["statuses"] == ["failed", "passed"]
    feedback = repaired["messages"][3]["content"]
    assert "Verdict: failed" in feedback
    # hidden tests reach the solver as counts and error classes: no name, no assert, no path
    assert "2 of 6 hidden tests failed: AssertionError x2" in feedback
    assert "test_duplicates_of_the_max" not in feedback
    assert "assert" not in feedback and "/tmp" not in feedback
    assert repaired["messages_source"] == "recorded"
    assert repaired["problem_accepted"] is True
    assert len(repaired["attempt_ids"]) == 2
    assert SECOND_BUG.splitlines()[-1].strip() in repaired["messages"][2]["content"]
    assert SECOND_REF.splitlines()[1].strip() in repaired["messages"][4]["content"]
    still_failing = next(t for t in second if t["role"] == "weak" and t["sample"] == 2)
    assert still_failing["label"] == "negative"
    assert still_failing["turns"] == 2
    one_shot = next(t for t in second if t["role"] == "strong" and t["sample"] == 0)
    assert one_shot["label"] == "positive"
    assert one_shot["turns"] == 1
    # the unmeasured attempt (infrastructure) makes no transcript; the one without code is a negative
    pairs = [t for t in rows if t["messages"][1]["content"].startswith("# Best adjacent pair")]
    assert sorted(t["sample"] for t in pairs if t["role"] == "weak") == [0, 1, 3]
    no_code = next(t for t in pairs if t["role"] == "weak" and t["sample"] == 1)
    assert no_code["label"] == "negative"
    assert no_code["final_status"] == "error"
    # rounds whose problem never passed validity give no transcripts
    assert {t["round_verdict"] for t in rows} == {"accepted", "too_easy", "failed_on_strong"}


def test_preference_pairs_pair_a_pass_with_a_failure_of_the_same_problem(published: Path) -> None:
    rows = read_published(published)
    by_completion = {(a["problem_id"], a["completion"]): a for a in rows["attempts"] if a["turn"] == 0}
    pairs = rows["preferences"]
    solver = [p for p in pairs if p["chosen_source"] == "solver"]
    assert solver
    for p in solver:
        chosen = by_completion[(p["problem_id"], p["chosen"][0]["content"])]
        rejected = by_completion[(p["problem_id"], p["rejected"][0]["content"])]
        assert chosen["status"] == "passed"
        assert rejected["status"] != "passed"
        assert p["rejected_status"] == rejected["status"]
        assert [m["role"] for m in p["prompt"]] == ["system", "user"]
    # failed_on_strong round where nobody passed: the reference is the chosen answer
    reference = [p for p in pairs if p["chosen_source"] == "reference"]
    assert len(reference) == 8
    assert all(COINS_REF.splitlines()[0] in p["chosen"][0]["content"] for p in reference)
    assert all("hidden tests failed" in p["rejected_error"] for p in reference)
    assert not any("test_greedy_fails" in p["rejected_error"] for p in reference)
    assert all(p["problem_accepted"] is False for p in reference)


def test_long_output_keeps_its_tail_and_says_so() -> None:
    text = "".join(f"line {i}\n" for i in range(5000))
    result = ExecutionResult(status=Status.ERROR, stderr=text, backend="local")
    attempt = Attempt(
        problem_id="p-1", role="weak", model="m", sample=0, completion="x", code="x", result=result
    )
    prov = Provenance(
        gapforge_version="0",
        config_hash="c",
        models={},
        prompt_hashes={},
        sandbox_image="",
        sandbox_backend="",
    )
    row = attempt_row(
        AttemptRecord(run_id="r", epoch=1, seed_id="s", round=1, attempt=attempt, provenance=prov)
    )
    assert row["output_capped"] is True
    assert row["stderr"].endswith("line 4999\n")
    assert len(row["stderr"]) < OUTPUT_CAP + 100
    assert row["stderr"].startswith("[gapforge:")


def test_republishing_replaces_the_previous_publication(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "pub"
    publish(built.root, out, max_rows_per_shard=20)
    assert len(_shards(out, "attempts")) == 3
    publish(built.root, out, max_rows_per_shard=100)
    assert _shards(out, "attempts") == ["data/attempts/train-00000-of-00001.parquet"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_publishing_over_foreign_files_is_refused(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "theirs"
    (out / "data").mkdir(parents=True)
    (out / "data" / "keep.txt").write_text("not ours")
    with pytest.raises(ConfigError, match="did not publish"):
        publish(built.root, out)
    assert (out / "data" / "keep.txt").read_text() == "not ours"


def test_a_run_without_finished_seeds_publishes_an_empty_card(tmp_path: Path) -> None:
    from _dataset_runs import config

    cfg, h = config()
    cfg.pop("license")  # a run that never set one
    RunStore.open(tmp_path / "empty", config_hash=h, config=cfg).close()
    result = publish(tmp_path / "empty", tmp_path / "out", humaneval=False)
    assert result.rows == dict.fromkeys(TABLE_NAMES, 0)
    assert not (tmp_path / "out" / "data").exists()
    card = result.card.read_text()
    meta = _front_matter(card)
    assert "configs" not in meta  # no table has rows, so no config to load
    assert meta["license"] == "other"
    assert "No licence was set" in card
    assert "compared with none" in card
    assert "HumanEval" not in card


# Record fields stored under other names or spread over several columns.
SPREAD = {
    "schema_version": ["record_schema_version"],
    "problem": ["title", "statement", "tests", "reference_solution"],
    "attempt": ["completion", "code", "status", "hidden_test_results", "infra_error", "prompt_tokens"],
}
ROUND_SPREAD = {"prompt": ["challenger_messages"]}
ATTEMPT_SPREAD = {
    "result": ["status", "hidden_test_results", "stdout", "stderr"],
    "usage": ["prompt_tokens", "completion_tokens"],
    "messages": ["prompt"],  # stored as the record's prompt, published resolved
}


@pytest.mark.parametrize(
    ("model", "table"), [(RoundRecord, "rounds"), (ProblemRecord, "problems"), (AttemptRecord, "attempts")]
)
def test_every_record_field_has_a_column(model: type[BaseModel], table: str) -> None:
    """A field added to a record must get a column (and a round trip), or this fails."""
    names = set(SCHEMAS[table].names)
    spread = {k: v for k, v in SPREAD.items() if not (table == "rounds" and k == "problem")}  # a struct there
    if table == "rounds":
        spread |= ROUND_SPREAD
    for name in model.model_fields:
        assert set(spread.get(name, [name])) <= names, f"{model.__name__}.{name} has no column in {table}"
    if model is AttemptRecord:
        for name in Attempt.model_fields:
            assert set(ATTEMPT_SPREAD.get(name, [name])) <= names, f"Attempt.{name} has no column"
    if model is ProblemRecord:
        assert set(Problem.model_fields) <= names


def test_quality_flags_land_in_the_problems_table(published: Path) -> None:
    problems = read_published(published)["problems"]
    first = next(p for p in problems if p["title"] == "Second largest distinct value")
    again = next(p for p in problems if p["title"] == "Second largest value")
    assert again["flags"] == ["near_duplicate"]
    (detail,) = again["flag_details"]
    assert detail["match_id"] == first["problem_id"]
    assert detail["source"] == "dataset"
    assert [p["flags"] for p in problems if p is not again] == [[], [], []]  # flagged, nothing deleted
