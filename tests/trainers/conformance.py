"""Trainer conformance steps, run with the trainers environment's Python (scripts/setup-trainers.sh).

``python conformance.py STEP WORKDIR`` runs one trainer's own code on the exports in
``WORKDIR/data/gapforge-<format>`` (made by docs/exports.md's commands) and prints one JSON line (the last line of stdout) with what ran and
the rewards it saw. ``WORKDIR/solutions.json`` maps problem_id -> {"reference", "wrong"}: a
correct and a wrong solution of each exported problem. tests/test_trainers.py drives these steps.

No download anywhere: the model is a tiny Qwen2 built from a config with random weights, and the
tokenizer a byte-level BPE trained here on the exports' own text, with a ChatML chat template.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FENCE = "`" * 3
EOS = "<|im_end|>"
PAD = "<|endoftext|>"
CHATML = (
    "{%- for message in messages %}"
    "{%- if message['content'] is string %}{%- set content = message['content'] %}"
    "{%- else %}{%- set content = message['content'] | map(attribute='text') | join('') %}{%- endif %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}{% generation %}{{- content + '<|im_end|>' }}{% endgeneration %}{{- '\\n' }}"
    "{%- else %}{{- '<|im_start|>' + message['role'] + '\\n' + content + '<|im_end|>\\n' }}{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def answer(code: str, language: str = "python") -> str:
    return f"Here is my solution.\n{FENCE}{language}\n{code.rstrip()}\n{FENCE}"


def answer_for(sol: dict[str, str], which: str) -> str:
    """A model's answer with one of a problem's solutions, fenced with the problem's language."""
    return answer(sol[which], sol.get("language", "python"))


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result), flush=True)


def solutions(work: Path) -> dict[str, dict[str, str]]:
    return json.loads((work / "solutions.json").read_text())  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- tiny model


def build_tiny(work: Path) -> Path:
    """A tokenizer trained on the exports' text and a 2-layer Qwen2 with random weights."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out = work / "tiny"
    if (out / "config.json").exists():
        return out
    texts: list[str] = []
    for path in sorted((work / "data").rglob("*.jsonl")):
        texts += path.read_text().splitlines()
    for sol in solutions(work).values():
        texts += [answer_for(sol, "reference"), answer_for(sol, "wrong")]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = [PAD, "<|im_start|>", EOS]
    tok.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=4000,
            special_tokens=specials,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        ),
    )
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, pad_token=PAD, model_max_length=8192)
    fast.chat_template = CHATML
    fast.save_pretrained(out)
    config = Qwen2Config(
        vocab_size=len(fast),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=8192,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
    )
    Qwen2ForCausalLM(config).save_pretrained(out)
    return out


def tokenizer(work: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(build_tiny(work))


# --------------------------------------------------------------------------- TRL


def step_grpo(work: Path) -> dict[str, Any]:
    """TRL GRPOTrainer, 2 steps, with gapforge's reward_func; then the exact keyword arguments TRL
    passed are replayed with a reference and a wrong solution as completions."""
    from datasets import load_dataset
    from trl import GRPOConfig, GRPOTrainer

    from gapforge.reward import reward_func

    seen: list[dict[str, Any]] = []

    def gapforge_tests(prompts: Any, completions: Any, **kwargs: Any) -> list[float | None]:
        seen.append({"prompts": prompts, "completions": completions, **kwargs})
        return reward_func(prompts, completions, **kwargs)

    dataset = load_dataset("parquet", data_files=str(work / "data/gapforge-trl/train.parquet"), split="train")
    model = build_tiny(work)
    args = GRPOConfig(
        output_dir=str(work / "out-grpo"),
        max_steps=2,
        per_device_train_batch_size=2,
        num_generations=2,
        max_completion_length=16,
        logging_steps=1,
        report_to="none",
        save_strategy="no",
        use_cpu=True,
        seed=0,
    )
    trainer = GRPOTrainer(model=str(model), reward_funcs=[gapforge_tests], args=args, train_dataset=dataset)
    result = trainer.train()
    # The call TRL made, replayed with known answers in place of the tiny model's text.
    call = seen[0]
    sols = solutions(work)
    ids = call["problem_id"]
    replay = {
        "reference": reward_func(
            call["prompts"],
            [[{"role": "assistant", "content": answer_for(sols[i], "reference")}] for i in ids],
            completion_ids=call.get("completion_ids"),
            trainer_state=call.get("trainer_state"),
            **{
                k: v
                for k, v in call.items()
                if k not in ("prompts", "completions", "completion_ids", "trainer_state")
            },
        ),
        "wrong": reward_func(
            call["prompts"],
            [[{"role": "assistant", "content": answer_for(sols[i], "wrong")}] for i in ids],
            **{
                k: v
                for k, v in call.items()
                if k not in ("prompts", "completions", "completion_ids", "trainer_state")
            },
        ),
    }
    return {
        "steps": trainer.state.global_step,
        "reward_calls": len(seen),
        "columns": sorted(k for k in seen[0] if k not in ("prompts", "completions")),
        "policy_rewards": [
            r
            for c in seen
            for r in reward_func(
                c["prompts"],
                c["completions"],
                **{k: v for k, v in c.items() if k not in ("prompts", "completions")},
            )
        ],
        "rewards": replay,
        "loss": result.training_loss,
    }


def step_sft(work: Path) -> dict[str, Any]:
    from datasets import load_dataset
    from trl import SFTConfig, SFTTrainer

    dataset = load_dataset("json", data_files=str(work / "data/gapforge-sft/train.jsonl"), split="train")
    trainer = SFTTrainer(
        model=str(build_tiny(work)),
        train_dataset=dataset,
        args=SFTConfig(
            output_dir=str(work / "out-sft"),
            assistant_only_loss=True,
            max_steps=1,
            per_device_train_batch_size=2,
            max_length=2048,
            report_to="none",
            save_strategy="no",
            use_cpu=True,
        ),
    )
    result = trainer.train()
    return {"steps": trainer.state.global_step, "rows": dataset.num_rows, "loss": result.training_loss}


def step_dpo(work: Path) -> dict[str, Any]:
    from datasets import load_dataset
    from trl import DPOConfig, DPOTrainer

    dataset = load_dataset("json", data_files=str(work / "data/gapforge-dpo/train.jsonl"), split="train")
    trainer = DPOTrainer(
        model=str(build_tiny(work)),
        args=DPOConfig(
            output_dir=str(work / "out-dpo"),
            max_steps=1,
            per_device_train_batch_size=2,
            max_length=2048,
            report_to="none",
            save_strategy="no",
            use_cpu=True,
        ),
        train_dataset=dataset,
    )
    result = trainer.train()
    return {"steps": trainer.state.global_step, "rows": dataset.num_rows, "loss": result.training_loss}


# --------------------------------------------------------------------------- OpenRLHF


def step_openrlhf(work: Path) -> dict[str, Any]:
    """OpenRLHF 0.11.2's own code, configured by the docs' command (``WORKDIR/openrlhf_args.json``):
    each flag checked against train_ppo_ray's argument parser; its prompt preprocessing under
    the --data.input_key/--data.label_key/--data.apply_chat_template given; its
    SingleTurnAgentExecutor loading --reward.remote_url and scoring the text it decodes with
    skip_special_tokens=False. Only generation is stood in for (vLLM needs a GPU): the engine
    answers with the tokens of a reference or a wrong solution followed by <|im_end|>."""
    import ast
    import asyncio
    import importlib.util
    import types

    from datasets import load_dataset
    from openrlhf.datasets.prompts_dataset import preprocess_data
    from openrlhf.utils.agent import SingleTurnAgentExecutor

    argv: list[str] = json.loads((work / "openrlhf_args.json").read_text())
    # train_ppo_ray imports Ray, DeepSpeed and vLLM at the top: read its parser from the source
    spec = importlib.util.find_spec("openrlhf.cli.train_ppo_ray")
    assert spec is not None and spec.origin is not None
    parser_src = Path(spec.origin).read_text()
    known = {
        node.args[0].value
        for node in ast.walk(ast.parse(parser_src))
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", None) == "add_argument"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    flags = [a for a in argv if a.startswith("--")]
    unknown = [f for f in flags if f not in known]
    opts: dict[str, Any] = {}
    for i, a in enumerate(argv):
        if a.startswith("--"):
            nxt = argv[i + 1] if i + 1 < len(argv) else None
            opts[a] = True if nxt is None or nxt.startswith("--") else nxt

    tok = tokenizer(work)
    data = load_dataset("json", data_files=str(work / opts["--data.prompt_dataset"]), split="train")
    executor = SingleTurnAgentExecutor(remote_rm_url=str(work / opts["--reward.remote_url"]))
    sols = solutions(work)

    class Engine:
        def __init__(self, text: str) -> None:
            self.ids = tok(text, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]

        async def generate(self, prompt_ids: list[int], params: Any, multi_modal_data: Any = None) -> Any:
            out = types.SimpleNamespace(token_ids=self.ids, finish_reason="stop", logprobs=None)
            return types.SimpleNamespace(outputs=[out])

    params = types.SimpleNamespace(max_tokens=2048, logprobs=None)
    rewards: dict[str, list[Any]] = {"reference": [], "wrong": []}
    texts: list[str] = []

    async def run() -> None:
        for row in data:
            prompt, label = preprocess_data(
                row,
                input_key=opts["--data.input_key"],
                label_key=opts["--data.label_key"],
                apply_chat_template=tok.apply_chat_template
                if opts.get("--data.apply_chat_template")
                else None,
            )
            for which in rewards:
                engine = Engine(answer_for(sols[row["problem_id"]], which))
                out = await executor.execute(prompt, label, params, 16384, tok, engine)
                reward = out["reward"]
                rewards[which].append(None if reward is None else float(reward[0]))
                texts.append(tok.decode(out["observation_tokens"], skip_special_tokens=False)[-40:])

    asyncio.run(run())
    return {
        "rows": data.num_rows,
        "flags": flags,
        "unknown_flags": unknown,
        "rewards": rewards,
        "decoded_tail": texts[0],
    }


# --------------------------------------------------------------------------- verl


def step_verl(work: Path) -> dict[str, Any]:
    """verl 0.9.1's own code, configured by the docs' command (``WORKDIR/verl_overrides.json``):
    Hydra composes verl's ppo_trainer config with those overrides; RLHFDataset loads
    data.train_files with that data config; get_custom_reward_fn loads reward.custom_reward_function;
    the reward loop's NaiveRewardManager (reward.reward_manager.name) decodes each response and
    calls compute_score."""
    import asyncio

    import numpy as np
    import torch
    import verl
    from hydra import compose, initialize_config_dir
    from verl import DataProto
    from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.utils.dataset.rl_dataset import RLHFDataset

    overrides: list[str] = json.loads((work / "verl_overrides.json").read_text())
    os.chdir(work)  # the command's paths are relative to where it runs
    with initialize_config_dir(
        config_dir=str(Path(verl.__file__).parent / "trainer/config"), version_base=None
    ):
        config = compose(config_name="ppo_trainer", overrides=overrides)
    tok = tokenizer(work)
    dataset = RLHFDataset(
        data_files=list(config.data.train_files)
        if not isinstance(config.data.train_files, str)
        else [config.data.train_files],
        tokenizer=tok,
        config=config.data,
    )
    first = dataset[0]
    compute_score = get_custom_reward_fn(config)
    assert compute_score is not None, "reward.custom_reward_function.path is not set"
    assert config.reward.reward_manager.name == "naive", config.reward.reward_manager.name
    manager = NaiveRewardManager(config, tok, compute_score)
    sols = solutions(work)
    rewards: dict[str, list[Any]] = {"reference": [], "wrong": []}

    async def run() -> None:
        manager.loop = asyncio.get_running_loop()
        for i in range(len(dataset)):
            row = dataset.dataframe[i]
            for which in rewards:
                text = answer_for(sols[row["extra_info"]["problem_id"]], which) + tok.eos_token
                ids = tok(text, add_special_tokens=False)["input_ids"]
                response = torch.tensor([ids + [tok.pad_token_id] * 4])
                prompt = torch.tensor([[tok.pad_token_id, 1, 2]])
                mask = torch.tensor([[1, 1, 1] + [1] * len(ids) + [0] * 4])
                item = DataProto.from_dict(
                    tensors={"prompts": prompt, "responses": response, "attention_mask": mask},
                    non_tensors={
                        "data_source": np.array([row["data_source"]], dtype=object),
                        "reward_model": np.array([row["reward_model"]], dtype=object),
                        "extra_info": np.array([dict(row["extra_info"])], dtype=object),
                    },
                )
                out = await manager.run_single(item)
                rewards[which].append(out["reward_score"])
                items.append(item)

    items: list[Any] = []
    asyncio.run(run())
    # What verl does with an unmeasured (None) score: its own batch assembly
    try:
        NaiveRewardManager.assemble_rm_scores(DataProto.concat([items[0], items[0]]), [1.0, None])
        none_score = "accepted"
    except Exception as exc:  # the type is the observation
        none_score = type(exc).__name__
    return {
        "none_score": none_score,
        "rows": len(dataset),
        "dataset_keys": sorted(first),
        "raw_prompt_roles": [m["role"] for m in first["raw_prompt"]] if "raw_prompt" in first else None,
        "reward_workers": config.reward.num_workers,
        "rewards": rewards,
    }


# --------------------------------------------------------------------------- open-r1


def step_open_r1(work: Path) -> dict[str, Any]:
    """open-r1's `code` reward on the open-r1 export, every problem kind, as its GRPO script passes
    the columns. open-r1 is not on PyPI and its executors are remote services: its reward runs
    here as a faithful model of its behaviour at a recorded commit (open_r1_model.py)."""
    from datasets import load_dataset

    sys.path.insert(0, str(HERE))
    from open_r1_model import OPEN_R1_COMMIT, code_reward

    data = load_dataset(
        "parquet", data_files=str(work / "data/gapforge-open-r1/train.parquet"), split="train"
    )
    sols = solutions(work)
    rewards: dict[str, list[float]] = {"reference": [], "wrong": []}
    kinds: list[str] = []
    for row in data:
        kinds.append(row["kind"])
        for which in rewards:
            code = sols[row["problem_id"]][which]
            if row["kind"] == "function":  # what the export's prompt asks a function answer to end with
                code = f"{code.rstrip()}\n\nimport sys\nexec(sys.stdin.read())\n"
            rewards[which].append(code_reward(answer(code), row["verification_info"]))
    return {"rows": data.num_rows, "kinds": kinds, "rewards": rewards, "open_r1_commit": OPEN_R1_COMMIT}


STEPS = {
    "tiny": lambda w: {"path": str(build_tiny(w))},
    "grpo": step_grpo,
    "sft": step_sft,
    "dpo": step_dpo,
    "openrlhf": step_openrlhf,
    "verl": step_verl,
    "open-r1": step_open_r1,
}

if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    step, workdir = sys.argv[1], Path(sys.argv[2])
    start = time.monotonic()
    result = STEPS[step](workdir)
    result["wall_s"] = round(time.monotonic() - start, 1)
    emit(result)
