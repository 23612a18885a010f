"""What open-r1's GRPO script accepts in a recipe, recorded for these tests (open-r1 is not on
PyPI, so its config classes cannot be imported here).

Read in huggingface/open-r1 at commit OPEN_R1_COMMIT: src/open_r1/grpo.py parses a recipe with
TRL's parser into (GRPOScriptArguments, GRPOConfig, ModelConfig); GRPOScriptArguments extends
TRL's ScriptArguments with the fields named in OPEN_R1_SCRIPT_FIELDS (src/open_r1/configs.py),
and `get_reward_funcs` (src/open_r1/rewards.py) accepts the names in OPEN_R1_REWARD_FUNCS.
`check_recipe` holds a recipe to that: every key a field of one of the three dataclasses (TRL's
own, imported for real), every reward function a registered name.
"""

from __future__ import annotations

import dataclasses
from typing import Any

OPEN_R1_COMMIT = "1416fa0cf21595d2083b399a2a0bbddd7f6e9563"
OPEN_R1_SCRIPT_FIELDS = frozenset(
    {
        "dataset_name", "dataset_mixture", "reward_funcs", "cosine_min_value_wrong", "cosine_max_value_wrong",
        "cosine_min_value_correct", "cosine_max_value_correct", "cosine_max_len", "repetition_n_grams",
        "repetition_max_penalty", "code_language", "code_eval_test_batch_size", "code_eval_scoring_mode",
        "parallel_code_exec_per_proc", "dataset_prompt_column", "e2b_router_url", "morph_router_url",
        "code_provider", "ioi_provider", "max_completion_len", "soft_punish_cache",
    }
)  # fmt: skip
OPEN_R1_CONFIG_FIELDS = frozenset(
    {
        "benchmarks", "callbacks", "chat_template", "hub_model_revision", "num_completions_to_print",
        "overwrite_hub_revision", "push_to_hub_revision", "system_prompt", "wandb_log_unique_prompts",
        "wandb_entity", "wandb_project", "wandb_run_group",
    }
)  # fmt: skip
OPEN_R1_REWARD_FUNCS = frozenset(
    {
        "accuracy", "format", "reasoning_steps", "cosine", "repetition_penalty", "length", "code",
        "binary_code", "ioi_code", "cf_code", "code_format", "tag_count", "soft_overlong_punishment",
    }
)  # fmt: skip
OPEN_R1_CODE_PROVIDERS = frozenset({"e2b", "morph", "local"})


def check_recipe(recipe: dict[str, Any]) -> list[str]:
    """What in ``recipe`` open-r1's GRPO script would refuse (an empty list: it parses)."""
    import trl

    known = set(OPEN_R1_SCRIPT_FIELDS) | OPEN_R1_CONFIG_FIELDS
    for cls in (trl.ScriptArguments, trl.GRPOConfig, trl.ModelConfig):
        known |= {f.name for f in dataclasses.fields(cls)}
    problems = [f"unknown key {key!r}" for key in recipe if key not in known]
    funcs = recipe.get("reward_funcs", [])
    problems += [f"unknown reward function {name!r}" for name in funcs if name not in OPEN_R1_REWARD_FUNCS]
    provider = recipe.get("code_provider")
    if provider is not None and provider not in OPEN_R1_CODE_PROVIDERS:
        problems.append(f"unknown code provider {provider!r}")
    return problems
