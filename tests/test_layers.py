"""Imports point down: the dataset layer reads records and never reaches up into the generators
(so what is published cannot depend on how the loop happens to build messages today), and the
prompt texts sit below both. Checked on the source, every import statement, nested ones too."""

from __future__ import annotations

import ast
from pathlib import Path

import gapforge

PACKAGE = Path(gapforge.__file__).parent


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def offenders(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in imports_of(path):
            if name.startswith(forbidden):
                out.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return out


def test_the_dataset_layer_imports_nothing_from_the_generators() -> None:
    assert offenders("dataset", ("gapforge.generators", "gapforge.distributed", "gapforge.cli")) == []


def test_prompts_sit_below_generators_and_dataset() -> None:
    assert (
        offenders(
            "prompts",
            ("gapforge.generators", "gapforge.dataset", "gapforge.llm", "gapforge.config", "gapforge.cli"),
        )
        == []
    )


def test_only_the_cli_sits_above_the_optimizer() -> None:
    """The optimizer drives the loop; nothing the loop (or anything else below the CLI) is made of
    may import it back."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("optimize", "cli.py"):
            continue
        out += [
            f"gapforge/{rel} imports {name}"
            for name in imports_of(path)
            if name.startswith("gapforge.optimize")
        ]
    assert out == []
    assert offenders("optimize", ("gapforge.cli", "gapforge.distributed", "gapforge.demo")) == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "m.py"
    bad.write_text("def f():\n    from gapforge.generators.solver import draft\n")
    assert "gapforge.generators.solver" in imports_of(bad)
