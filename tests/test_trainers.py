"""Trainer conformance: each trainer's own code on a demo run's exports, and every command and
snippet of docs/exports.md run as written (model name, paths and step budget aside).

The trainers live in their own environment (``scripts/setup-trainers.sh`` -> ``.venv-trainers``,
CPU-only torch; ``make test`` builds it, cached). Each step runs there in a subprocess
(tests/trainers/conformance.py) and reports JSON. Without that environment these tests skip;
under GAPFORGE_REQUIRE_TRAINERS=1 (CI) they fail.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import DemoRun

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "exports.md"
CONFORMANCE = ROOT / "tests" / "trainers" / "conformance.py"
TRAINERS_VENV = Path(os.environ.get("GAPFORGE_TRAINERS_VENV") or ROOT / ".venv-trainers")
TRAINERS_PY = TRAINERS_VENV / "bin" / "python"
REQUIRE = os.environ.get("GAPFORGE_REQUIRE_TRAINERS") == "1"
STEP_TIMEOUT_S = 900
TINY_MODEL = "Qwen/Qwen2.5-0.5B-Instruct"  # the docs' model name, replaced by the local tiny model

pytestmark = [pytest.mark.docker, pytest.mark.trainers, pytest.mark.slow]


def _trainers_problem() -> str | None:
    if not TRAINERS_PY.exists():
        return f"no trainers environment at {TRAINERS_VENV}: run scripts/setup-trainers.sh"
    probe = subprocess.run(
        [str(TRAINERS_PY), "-c", "import torch, trl, transformers, datasets, verl, openrlhf, gapforge"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return f"the trainers environment is incomplete ({last}): run scripts/setup-trainers.sh"
    return None


@pytest.fixture(scope="module")
def trainers_python() -> str:
    problem = _trainers_problem()
    if problem is not None:
        if REQUIRE:
            pytest.fail(f"GAPFORGE_REQUIRE_TRAINERS=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    return str(TRAINERS_PY)


# --------------------------------------------------------------------------- the doc


def doc_blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", DOC.read_text(), re.DOTALL | re.MULTILINE)


def doc_commands() -> list[list[str]]:
    """Every shell command in the doc, line continuations joined, the ``...`` placeholder dropped."""
    commands = []
    for block in doc_blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                commands.append([a for a in shlex.split(line) if a != "..."])
    return commands


def _command(prefix: list[str]) -> list[str]:
    (cmd,) = [c for c in doc_commands() if c[: len(prefix)] == prefix]
    return cmd[len(prefix) :]


# --------------------------------------------------------------------------- shared work dir


@pytest.fixture(scope="module")
def work(trainers_python: str, demo_cli: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo run at runs/my-run, the doc's export commands run in it as written, solutions.json
    (a reference and a wrong solution per exported problem) and the tiny model."""
    from gapforge.dataset.publish import read_published
    from gapforge.demo import bank

    work = tmp_path_factory.mktemp("trainers")
    gapforge = [sys.executable, "-m", "gapforge"]
    # the session's demo run (README's main command), copied: the doc's commands write into it
    shutil.copytree(demo_cli.out, work / "runs/my-run")
    exports = [c for c in doc_commands() if c[:2] == ["gapforge", "export"]]
    formats = {c[c.index("--format") + 1] for c in exports}
    assert formats == {"verl", "trl", "openrlhf", "open-r1", "sft", "dpo"}, formats
    for cmd in exports:
        subprocess.run([*gapforge, *cmd[1:]], cwd=work, check=True, capture_output=True, timeout=300)
    sols = {}
    for p in read_published(work / "runs/my-run/published")["problems"]:
        variant = bank.variant_by_title(p["title"])
        assert variant is not None, p["title"]
        wrong = next(b.code for b in variant.bugs if b.label != "too_slow")
        sols[p["problem_id"]] = {
            "reference": p["reference_solution"],
            "wrong": wrong,
            "language": p.get("language") or "python",
        }
    (work / "solutions.json").write_text(json.dumps(sols))
    (work / "verl_overrides.json").write_text(
        json.dumps(_command(["python3", "-m", "verl.trainer.main_ppo"]))
    )
    (work / "openrlhf_args.json").write_text(
        json.dumps(_command(["python3", "-m", "openrlhf.cli.train_ppo_ray"]))
    )
    step(trainers_python, "tiny", work)
    return work


def step(python: str, name: str, work: Path) -> dict[str, Any]:
    env = {**os.environ, "GAPFORGE_REWARD_CONCURRENCY": "2"}
    proc = subprocess.run(
        [python, str(CONFORMANCE), name, str(work)],
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
        env=env,
    )
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0 and lines, f"step {name} failed:\n{proc.stderr[-4000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    print(f"{name}: {json.dumps(result)}")
    return result


def problems(work: Path, language: str | None = None) -> int:
    sols = json.loads((work / "solutions.json").read_text()).values()
    return sum(1 for s in sols if language is None or s["language"] == language)


def test_the_demo_run_has_problems_in_another_language(work: Path) -> None:
    # every trainer below scores these too: a C++ reference must get 1.0, a wrong one 0.0
    assert problems(work, "cpp") >= 1 and problems(work, "python") >= 1


# --------------------------------------------------------------------------- each trainer


def test_trl_grpo_trains_two_steps_with_gapforge_reward(trainers_python: str, work: Path) -> None:
    r = step(trainers_python, "grpo", work)
    assert r["steps"] == 2
    assert r["reward_calls"] == 2
    assert {"kind", "tests", "entry_point", "cpu_limit_s", "problem_id", "trainer_state"} <= set(r["columns"])
    assert all(x is not None for x in r["policy_rewards"])  # the tiny model's text was measured
    assert r["rewards"]["reference"] == [1.0] * len(r["rewards"]["reference"])
    assert r["rewards"]["wrong"] == [0.0] * len(r["rewards"]["wrong"])


def test_trl_sft_one_step_on_the_sft_export(trainers_python: str, work: Path) -> None:
    r = step(trainers_python, "sft", work)
    assert r["steps"] == 1
    assert r["rows"] > 0


def test_trl_dpo_one_step_on_the_dpo_export(trainers_python: str, work: Path) -> None:
    r = step(trainers_python, "dpo", work)
    assert r["steps"] == 1
    assert r["rows"] > 0


def test_openrlhf_flags_dataset_keys_and_remote_reward(trainers_python: str, work: Path) -> None:
    r = step(trainers_python, "openrlhf", work)
    assert r["unknown_flags"] == []
    assert set(r["flags"]) >= {
        "--data.prompt_dataset",
        "--data.input_key",
        "--data.label_key",
        "--data.apply_chat_template",
        "--reward.remote_url",
    }
    assert r["decoded_tail"].endswith("```<|im_end|>")  # what OpenRLHF hands the reward
    n = problems(work)
    assert r["rewards"] == {"reference": [1.0] * n, "wrong": [0.0] * n}


def test_verl_dataset_and_naive_reward_manager(trainers_python: str, work: Path) -> None:
    r = step(trainers_python, "verl", work)
    n = problems(work)
    assert r["rows"] == n
    assert {"data_source", "reward_model", "extra_info", "raw_prompt"} <= set(r["dataset_keys"])
    assert r["raw_prompt_roles"] == ["system", "user"]
    assert r["rewards"] == {"reference": [1.0] * n, "wrong": [0.0] * n}
    assert r["none_score"] == "TypeError"  # an unmeasured score stops verl loudly, as the doc says


def test_open_r1_stock_code_reward_scores_every_kind(trainers_python: str, work: Path) -> None:
    # open-r1's stock reward runs Python only: the export leaves the C++ problems out
    r = step(trainers_python, "open-r1", work)
    n = problems(work, "python")
    assert r["rows"] == n
    assert set(r["kinds"]) == {"function", "stdio"}
    assert r["rewards"]["reference"] == [1.0] * n
    assert all(w < 1.0 for w in r["rewards"]["wrong"]), r["rewards"]["wrong"]
    # function problems are all-or-nothing (one self-checking case)
    fn = [w for w, k in zip(r["rewards"]["wrong"], r["kinds"], strict=True) if k == "function"]
    assert fn == [0.0] * len(fn)


# --------------------------------------------------------------------------- the doc's snippets


def _small(snippet: str, work: Path) -> str:
    """The doc's snippet with the local tiny model and a 1-2 step budget."""
    assert TINY_MODEL in snippet
    snippet = snippet.replace(TINY_MODEL, str(work / "tiny"))
    budget = {
        "GRPOConfig(": "GRPOConfig(max_steps=2, per_device_train_batch_size=8, max_completion_length=16, ",
        "SFTConfig(": "SFTConfig(max_steps=1, per_device_train_batch_size=2, max_length=2048, ",
        "DPOConfig(": "DPOConfig(max_steps=1, per_device_train_batch_size=2, max_length=2048, ",
    }
    common = 'report_to="none", save_strategy="no", use_cpu=True, '
    for call, small in budget.items():
        if call in snippet:
            return snippet.replace(call, small + common, 1)
    raise AssertionError(f"no trainer config in the snippet:\n{snippet}")


@pytest.mark.parametrize("trainer", ["GRPOTrainer", "SFTTrainer", "DPOTrainer"])
def test_doc_python_snippets_run(trainers_python: str, work: Path, trainer: str) -> None:
    (snippet,) = [b for b in doc_blocks("python") if f"{trainer}(" in b]
    script = work / f"doc_{trainer}.py"
    script.write_text(_small(snippet, work) + "\nprint('steps', trainer.state.global_step)\n")
    proc = subprocess.run(
        [trainers_python, str(script)],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.strip().splitlines()[-1] == ("steps 2" if trainer == "GRPOTrainer" else "steps 1")


def test_doc_open_r1_recipe_parses_with_open_r1s_config(trainers_python: str, work: Path) -> None:
    """The doc's recipe holds only keys open-r1's GRPO script parses (its own fields as recorded in
    open_r1_recipe.py, TRL's dataclasses imported for real), and its dataset loads with the
    prompt column and verification_info the reward needs."""
    (recipe,) = doc_blocks("yaml")
    (work / "recipe.yaml").write_text(recipe)
    code = f"""
import sys, yaml
sys.path.insert(0, {str(CONFORMANCE.parent)!r})
from open_r1_recipe import check_recipe
recipe = yaml.safe_load(open("recipe.yaml"))
assert check_recipe(recipe) == [], check_recipe(recipe)
assert check_recipe({{**recipe, "reward_func": ["code"]}}) != []  # the check can fail
assert recipe["dataset_prompt_column"] == "problem"
import datasets
ds = datasets.load_dataset(recipe["dataset_name"], split="train")
assert recipe["dataset_prompt_column"] in ds.column_names and "verification_info" in ds.column_names
print("ok", recipe["reward_funcs"], ds.num_rows)
"""
    proc = subprocess.run(
        [trainers_python, "-c", code], cwd=work, capture_output=True, text=True, check=False, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.startswith("ok")
