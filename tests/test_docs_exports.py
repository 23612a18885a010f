"""docs/exports.md holds only commands and snippets that tests/test_trainers.py runs."""

from __future__ import annotations

import re

from test_trainers import DOC, doc_blocks, doc_commands

RUN = (
    ["gapforge", "export"],  # run as written in the trainers tests' work dir
    ["python3", "-m", "verl.trainer.main_ppo"],  # overrides composed by Hydra with verl's config
    ["python3", "-m", "openrlhf.cli.train_ppo_ray"],  # flags checked against its parser, then used
)


def test_every_block_of_the_doc_is_one_the_trainer_tests_run() -> None:
    """A new command or snippet in docs/exports.md must get a test: this fails until it does."""
    langs = [
        m.group(1) for m in re.finditer(r"^```(\w*)\n.*?^```", DOC.read_text(), re.DOTALL | re.MULTILINE)
    ]
    assert sorted(set(langs)) == ["bash", "python", "yaml"], langs
    for cmd in doc_commands():
        assert any(cmd[: len(k)] == k for k in RUN), cmd
    exports = {c[c.index("--format") + 1] for c in doc_commands() if c[:2] == ["gapforge", "export"]}
    assert exports == {"verl", "trl", "openrlhf", "open-r1", "sft", "dpo"}
    # test_doc_python_snippets_run runs one per trainer; test_doc_open_r1_recipe_parses... the yaml
    assert sorted(
        next(t for t in ("GRPOTrainer", "SFTTrainer", "DPOTrainer") if f"{t}(" in b)
        for b in doc_blocks("python")
    ) == [
        "DPOTrainer",
        "GRPOTrainer",
        "SFTTrainer",
    ]
    assert len(doc_blocks("yaml")) == 1
