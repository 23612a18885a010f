"""Each export format loaded the way its trainer loads it, with the exact field names; the RL
formats' rows then scored by gapforge's reward function for that trainer (real sandbox)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _dataset_runs import (
    PAIRS_BUG,
    PAIRS_REF,
    RLE_BUG,
    RLE_REF,
    SECOND_BUG,
    SECOND_REF,
    Built,
    build_run,
    completion,
)
from conftest import RUN_ID

from gapforge.dataset.export import FORMATS, export
from gapforge.dataset.publish import publish, read_published
from gapforge.errors import ConfigError
from gapforge.reward import (
    SandboxRewarder,
    compute_score,
    openrlhf_reward_func,
    reward_func,
    set_default_rewarder,
)

# Per accepted problem title: a correct and a wrong solution.
SOLUTIONS = {
    "Second largest distinct value": (SECOND_REF, SECOND_BUG),
    "Second largest value": (SECOND_REF, SECOND_BUG),
    "Best adjacent pair": (PAIRS_REF, PAIRS_BUG),
    "Run-length encoding": (RLE_REF, RLE_BUG),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_run(tmp_path_factory.mktemp("run") / "run")


@pytest.fixture(scope="module")
def published(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pub") / "dataset"
    publish(built.root, out)
    return out


@pytest.fixture(scope="module")
def exported(published: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exports")
    return {fmt: export(published, fmt, root / fmt).path for fmt in FORMATS}


@pytest.fixture(scope="module")
def rewarder() -> Iterator[SandboxRewarder]:
    r = SandboxRewarder("pool", max_concurrency=2, run_id=RUN_ID)
    set_default_rewarder(r)
    yield r
    set_default_rewarder(None)


def load_parquet(path: Path, cache: Path) -> Any:
    import datasets

    return datasets.load_dataset("parquet", data_files=str(path), split="train", cache_dir=str(cache))


def load_jsonl(path: Path, cache: Path) -> Any:
    import datasets

    return datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(cache))


def is_chat(messages: Any) -> bool:
    return (
        isinstance(messages, list)
        and len(messages) >= 1
        and all(
            set(m) == {"role", "content"} and m["role"] in {"system", "user", "assistant"} for m in messages
        )
    )


# ----------------------------------------------------------------------------- verl


def test_verl_rows_have_verls_fields(exported: dict[str, Path]) -> None:
    import pandas as pd  # type: ignore[import-untyped]

    frame = pd.read_parquet(exported["verl"])  # verl's RLHFDataset reads the parquet files
    assert list(frame.columns) == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    table = pq.read_table(exported["verl"]).to_pylist()
    assert len(table) == 4
    for i, row in enumerate(table):
        assert row["data_source"] == "gapforge"
        assert is_chat(row["prompt"])
        assert [m["role"] for m in row["prompt"]] == ["system", "user"]
        assert row["ability"] == "code"
        assert row["reward_model"]["style"] == "rule"
        truth = json.loads(row["reward_model"]["ground_truth"])
        assert {"kind", "tests", "entry_point"} <= set(truth)
        assert row["extra_info"]["split"] == "train"
        assert row["extra_info"]["index"] == i
        assert row["extra_info"]["problem_id"].startswith("p-")
    assert (exported["verl"].parent / "gapforge_reward.py").read_text().count("compute_score") >= 2


@pytest.mark.docker
def test_verl_compute_score_on_exported_rows(exported: dict[str, Path], rewarder: SandboxRewarder) -> None:
    import pandas as pd

    for row in pd.read_parquet(exported["verl"]).to_dict(orient="records"):
        good, bad = SOLUTIONS[row["extra_info"]["title"]]
        kw = {"data_source": row["data_source"], "ground_truth": row["reward_model"]["ground_truth"]}
        assert compute_score(solution_str=completion(good), extra_info=row["extra_info"], **kw) == 1.0
        assert compute_score(solution_str=completion(bad), extra_info=row["extra_info"], **kw) == 0.0


# ----------------------------------------------------------------------------- TRL


def test_trl_rows_have_a_chat_prompt_and_the_reward_columns(
    exported: dict[str, Path], tmp_path: Path
) -> None:
    ds = load_parquet(exported["trl"], tmp_path)
    assert {"prompt", "kind", "tests", "entry_point", "problem_id"} <= set(ds.column_names)
    for row in ds:
        assert is_chat(row["prompt"])
        assert row["kind"] in ("function", "stdio")
        assert (row["entry_point"] is None) == (row["kind"] == "stdio")


@pytest.mark.docker
def test_trl_reward_func_on_a_grpo_batch_of_the_export(
    exported: dict[str, Path], rewarder: SandboxRewarder, tmp_path: Path
) -> None:
    ds = load_parquet(exported["trl"], tmp_path)
    # GRPOTrainer repeats each prompt num_generations times and passes every non-prompt column.
    inputs = [row for row in ds for _ in range(2)]
    completions = []
    for i, row in enumerate(inputs):
        good, bad = SOLUTIONS[row["title"]]
        completions.append([{"role": "assistant", "content": completion(good if i % 2 == 0 else bad)}])
    keys = [k for k in inputs[0] if k not in ("prompt", "completion", "completion_ids")]
    reward_kwargs: dict[str, Any] = {k: [row[k] for row in inputs] for k in keys}
    reward_kwargs["trainer_state"] = None
    out = reward_func(
        prompts=[row["prompt"] for row in inputs],
        completions=completions,
        completion_ids=[[0]] * len(inputs),
        **reward_kwargs,
    )
    assert out == [1.0, 0.0] * len(ds)


# ----------------------------------------------------------------------------- OpenRLHF


def test_openrlhf_jsonl_has_input_and_label_keys(exported: dict[str, Path], tmp_path: Path) -> None:
    ds = load_jsonl(exported["openrlhf"], tmp_path)  # --input_key input --label_key label
    assert {"input", "label"} <= set(ds.column_names)
    for row in ds:
        assert is_chat(row["input"])  # --apply_chat_template turns these into the prompt
        assert json.loads(row["label"])["kind"] in ("function", "stdio")
    shim = exported["openrlhf"].parent / "reward_func.py"
    namespace: dict[str, Any] = {}
    exec(compile(shim.read_text(), str(shim), "exec"), namespace)  # what --remote_rm_url does
    assert namespace["reward_func"] is openrlhf_reward_func


@pytest.mark.docker
def test_openrlhf_reward_on_exported_rows(exported: dict[str, Path], rewarder: SandboxRewarder) -> None:
    rows = [json.loads(line) for line in exported["openrlhf"].read_text().splitlines()]
    queries, prompts, labels, expected = [], [], [], []
    for row in rows:
        prompt = "".join(f"<|{m['role']}|>\n{m['content']}\n" for m in row["input"]) + "<|assistant|>\n"
        title = row["input"][1]["content"].splitlines()[0].removeprefix("# ")
        good, bad = SOLUTIONS[title]
        for code, score in ((good, 1.0), (bad, 0.0)):
            queries.append(prompt + completion(code))
            prompts.append(prompt)
            labels.append(row["label"])
            expected.append(score)
    assert openrlhf_reward_func(queries, prompts, labels)["rewards"] == expected


# ----------------------------------------------------------------------------- open-r1


def test_open_r1_verification_info(exported: dict[str, Path], published: Path, tmp_path: Path) -> None:
    ds = load_parquet(exported["open-r1"], tmp_path)
    problems = {p["problem_id"]: p for p in read_published(published)["problems"]}
    assert {"problem", "verification_info", "kind", "tests", "entry_point", "cpu_limit_s"} <= set(
        ds.column_names
    )
    for row in ds:
        info = row["verification_info"]
        assert info["language"] == "python"
        assert row["problem"].startswith("# ")
        p = problems[row["problem_id"]]
        assert info["cpu_limit_s"] == p["validity"].get("cpu_limit_s") == row["cpu_limit_s"]
        assert info["reference_cpu_s"] == p["validity"]["reference_cpu_s"] == row["reference_cpu_s"]
        assert {c["type"] for c in info["test_cases"]} == {"stdin_stdout"}  # all open-r1 runs
        if p["kind"] == "stdio":
            assert [(c["input"], c["output"]) for c in info["test_cases"]] == [
                (c["input"], c["output"]) for c in json.loads(p["tests"])
            ]
            assert {c["fn_name"] for c in info["test_cases"]} == {None}
            assert "exec(sys.stdin.read())" not in row["problem"]
        else:
            (case,) = info["test_cases"]
            assert case["fn_name"] == p["entry_point"]
            assert p["tests"] in case["input"] or repr(p["tests"]) in case["input"]
            assert row["problem"].endswith("import sys\nexec(sys.stdin.read())\n```")


def _open_r1_stock_pass_rate(code: str, test_cases: list[dict[str, Any]]) -> float:
    """open-r1's `code` reward as tests/trainers/open_r1_model.py models it: run the code per case
    with the input on stdin, compare stripped output lines; with a generous timeout here, since
    this is about the export's contents, not open-r1's 5 s budget under load."""
    passed = 0
    for case in test_cases:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            input=case["input"],
            text=True,
            capture_output=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            continue
        output = proc.stdout.strip()
        ok = True
        for line1, line2 in zip(output.split("\n"), case["output"].split("\n"), strict=False):
            ok = ok and line1.strip() == line2.strip()
        passed += ok
    return passed / len(test_cases)


SELF_CHECK_TAIL = "\n\nimport sys\nexec(sys.stdin.read())\n"


def test_open_r1_every_kind_works_in_open_r1s_own_executor(exported: dict[str, Path], tmp_path: Path) -> None:
    ds = load_parquet(exported["open-r1"], tmp_path)
    assert {r["kind"] for r in ds} == {"function", "stdio"}
    for row in ds:
        good, bad = SOLUTIONS[row["problem"].splitlines()[0].removeprefix("# ")]
        cases = row["verification_info"]["test_cases"]
        if row["kind"] == "function":  # the prompt asks the program to end with these lines
            good, bad = good + SELF_CHECK_TAIL, bad + SELF_CHECK_TAIL
        assert _open_r1_stock_pass_rate(good, cases) == 1.0, row["problem_id"]
        assert _open_r1_stock_pass_rate(bad, cases) < 1.0, row["problem_id"]


def test_open_r1_self_check_cannot_be_passed_without_the_tests(
    exported: dict[str, Path], tmp_path: Path
) -> None:
    ds = load_parquet(exported["open-r1"], tmp_path)
    row = next(r for r in ds if r["kind"] == "function")
    good, _ = SOLUTIONS[row["problem"].splitlines()[0].removeprefix("# ")]
    cases = row["verification_info"]["test_cases"]
    (case,) = cases
    assert case["output"] not in case["input"]  # the token is computed, not printed from the script
    assert _open_r1_stock_pass_rate("print('passed')", cases) == 0.0
    assert _open_r1_stock_pass_rate(good, cases) == 0.0  # without exec(stdin) nothing is tested


def test_open_r1_self_check_holds_the_recorded_cpu_limit() -> None:
    from gapforge.dataset.export import self_check_script

    tests = "from solution import f\n\ndef test_f():\n    assert f(2) == 4\n"
    fast = "def f(x):\n    return 2 * x\n"
    slow = "import time\n\ndef f(x):\n    t = time.process_time()\n    while time.process_time() - t < 4:\n        pass\n    return 2 * x\n"
    for limit, code, expected in [(1.0, fast, 1.0), (1.0, slow, 0.0), (None, fast, 1.0)]:
        script, token = self_check_script(tests, "p-x", limit)
        case = {"input": script, "output": token}
        assert _open_r1_stock_pass_rate(code + SELF_CHECK_TAIL, [case]) == expected, (limit, code)


@pytest.mark.docker
def test_gapforge_reward_reads_open_r1_verification_info(
    exported: dict[str, Path], rewarder: SandboxRewarder, tmp_path: Path
) -> None:
    ds = load_parquet(exported["open-r1"], tmp_path)
    rows = [r for r in ds for _ in range(2)]
    completions = []
    for i, r in enumerate(rows):
        good, bad = SOLUTIONS[r["problem"].splitlines()[0].removeprefix("# ")]
        completions.append([{"role": "assistant", "content": completion(good if i % 2 == 0 else bad)}])
    out = reward_func(
        prompts=[r["problem"] for r in rows],
        completions=completions,
        verification_info=[r["verification_info"] for r in rows],
        problem_id=[r["problem_id"] for r in rows],
    )
    assert out == [1.0, 0.0] * len(ds)


# ----------------------------------------------------------------------------- SFT and DPO


def test_sft_messages_end_in_a_passing_solution(
    exported: dict[str, Path], published: Path, tmp_path: Path
) -> None:
    ds = load_jsonl(exported["sft"], tmp_path)  # TRL SFTTrainer reads the messages column
    published_rows = read_published(published)
    accepted = {p["problem_id"] for p in published_rows["problems"]}
    trajectories = published_rows["trajectories"]
    assert ds.num_rows == sum(t["label"] == "positive" and t["problem_id"] in accepted for t in trajectories)
    assert {row["problem_id"] for row in ds} <= accepted  # accepted problems only, by default
    sources = {row["source"] for row in ds}
    assert sources == {"solution", "repair"}
    for row in ds:
        assert is_chat(row["messages"])
        assert row["messages"][-1]["role"] == "assistant"
        if row["source"] == "repair":
            roles = [m["role"] for m in row["messages"]]
            assert roles == ["system", "user", "assistant", "user", "assistant"]
            assert "did not pass" in row["messages"][3]["content"]


def test_dpo_rows_are_prompt_chosen_rejected(exported: dict[str, Path], tmp_path: Path) -> None:
    ds = load_jsonl(exported["dpo"], tmp_path)  # TRL DPOTrainer's conversational format
    assert {"prompt", "chosen", "rejected"} <= set(ds.column_names)
    assert ds.num_rows > 0
    for row in ds:
        assert [m["role"] for m in row["prompt"]] == ["system", "user"]
        assert [m["role"] for m in row["chosen"]] == ["assistant"]
        assert [m["role"] for m in row["rejected"]] == ["assistant"]
        assert row["chosen"][0]["content"] != row["rejected"][0]["content"]


# ----------------------------------------------------------------------------- options


def test_a_run_directory_exports_the_same_rows_as_its_publication(
    built: Built, exported: dict[str, Path], tmp_path: Path
) -> None:
    for fmt in ("verl", "dpo"):
        direct = export(built.root, fmt, tmp_path / fmt).path
        if fmt == "verl":
            assert pq.read_table(direct).to_pylist() == pq.read_table(exported[fmt]).to_pylist()
        else:
            assert direct.read_text() == exported[fmt].read_text()


def test_filters(published: Path, tmp_path: Path) -> None:
    everything = export(published, "trl", tmp_path / "all.parquet")
    assert everything.rows == 4
    assert export(published, "trl", tmp_path / "clean.parquet", drop_flagged=True).rows == 3
    stdio = pq.read_table(export(published, "open-r1", tmp_path / "o", kinds={"stdio"}).path).to_pylist()
    assert [r["kind"] for r in stdio] == ["stdio"]
    no_system = pq.read_table(export(published, "verl", tmp_path / "v", system_prompt=False).path).to_pylist()
    assert all([m["role"] for m in r["prompt"]] == ["user"] for r in no_system)
    all_pairs = export(published, "dpo", tmp_path / "d1", accepted_only=False).rows
    accepted_pairs = export(published, "dpo", tmp_path / "d2").rows
    assert 0 < accepted_pairs < all_pairs
    assert (
        export(published, "sft", tmp_path / "s1", accepted_only=False).rows
        > export(published, "sft", tmp_path / "s2").rows
    )


def test_bad_requests_are_config_errors(published: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown export format"):
        export(published, "alpaca", tmp_path)
    with pytest.raises(ConfigError, match=r"\.parquet file"):
        export(published, "verl", tmp_path / "train.jsonl")
    with pytest.raises(ConfigError, match="kinds filters"):
        export(published, "sft", tmp_path, kinds={"stdio"})
    with pytest.raises(ConfigError, match="unknown problem kind"):
        export(published, "trl", tmp_path, kinds={"perl"})


def test_the_cli_has_the_four_options(published: Path, tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gapforge", "export", str(published), *args],
            capture_output=True,
            text=True,
            check=False,
        )

    done = cli("-f", "open-r1", "-o", str(tmp_path / "o"), "--kind", "stdio")
    assert done.returncode == 0, done.stderr
    assert [r["kind"] for r in pq.read_table(tmp_path / "o/train.parquet").to_pylist()] == ["stdio"]
    assert cli("-f", "dpo", "-o", str(tmp_path / "d1.jsonl"), "--no-accepted-only").returncode == 0
    assert cli("-f", "dpo", "-o", str(tmp_path / "d2.jsonl")).returncode == 0
    lines = [len((tmp_path / f).read_text().splitlines()) for f in ("d1.jsonl", "d2.jsonl")]
    assert lines[0] > lines[1] > 0
    done = cli(
        "-f", "verl", "-o", str(tmp_path / "v"), "--no-system-prompt", "--data-source", "gapforge-demo"
    )
    assert done.returncode == 0, done.stderr
    rows = pq.read_table(tmp_path / "v/train.parquet").to_pylist()
    assert {r["data_source"] for r in rows} == {"gapforge-demo"}
    assert all([m["role"] for m in r["prompt"]] == ["user"] for r in rows)
    bad = cli("-f", "verl", "-o", str(tmp_path / "x"), "--data-source", "mine")
    assert bad.returncode != 0
    assert "data_source must start with 'gapforge'" in bad.stderr + bad.stdout


def test_open_r1_leaves_out_problems_its_stock_reward_cannot_run(published: Path, tmp_path: Path) -> None:
    # open-r1's stock code reward runs every program with python3: a C++ problem there would score
    # its correct solutions 0, so the open-r1 export leaves it out and says so; verl keeps it
    import shutil

    copy = tmp_path / "dataset"
    shutil.copytree(published, copy)
    (path,) = sorted((copy / "data" / "problems").glob("*.parquet"))
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0]["language"] = "cpp"
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    r1 = export(copy, "open-r1", tmp_path / "o")
    assert (r1.rows, r1.left_out) == (3, 1)
    assert "in cpp" in r1.note and "Python only" in r1.note
    assert {r["verification_info"]["language"] for r in pq.read_table(r1.path).to_pylist()} == {"python"}
    verl = pq.read_table(export(copy, "verl", tmp_path / "v").path).to_pylist()
    assert len(verl) == 4
    truths = [json.loads(r["reward_model"]["ground_truth"]) for r in verl]
    assert sorted(t["language"] for t in truths) == ["cpp", "python", "python", "python"]
