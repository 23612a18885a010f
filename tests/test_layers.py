"""Imports point down (docs/architecture.md draws the map). Checked on the source: every import
statement of the package, nested and lazy ones too, against one table of layers. A module may
import its own component, any component of its own layer, and anything below; never above."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import gapforge

PACKAGE = Path(gapforge.__file__).parent

# bottom first; a component is a subpackage (gapforge/x/) or a module (gapforge/x.py)
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("sandbox", "images"),
    ("models", "extract", "prompts"),
    ("verifiers",),
    ("config",),
    ("dataset", "reward", "llm"),
    ("generators", "demo"),
    ("optimize", "distributed"),  # both drive the loop
    ("api", "cli", "cli_progress", "serve", "__main__"),
)
RANK = {name: level for level, names in enumerate(LAYERS) for name in names}


def imports_of(path: Path, root: Path = PACKAGE) -> set[str]:
    """Every module name an import statement of this file names (absolute or relative)."""
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def component(dotted: str) -> str | None:
    """gapforge.dataset.store -> dataset; gapforge.__version__ -> None (the lazy root facade);
    other packages -> None."""
    parts = dotted.split(".")
    if parts[0] != "gapforge" or len(parts) < 2 or parts[1].startswith("__"):
        return None
    return parts[1]


def uphill(root: Path = PACKAGE) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "__init__.py":
            continue  # the root facade: lazy re-exports of the public API, checked below
        here = rel.parts[0].removesuffix(".py")
        assert here in RANK, f"{rel}: add its component {here!r} to LAYERS (and docs/architecture.md)"
        reported: set[str] = set()
        for name in sorted(imports_of(path, root)):
            there = component(name)
            if there is None or there == here or there in reported:
                continue
            reported.add(there)
            assert there in RANK, f"{rel} imports {name}: {there!r} is not in LAYERS"
            if RANK[there] > RANK[here]:
                out.append(f"gapforge/{rel} ({here}) imports {name} ({there}, a higher layer)")
    return out


def test_every_import_points_down() -> None:
    assert uphill() == []


def test_the_dataset_layer_imports_nothing_from_the_generators() -> None:
    # the published data cannot depend on how the loop builds messages today
    bad = [v for v in uphill() if v.startswith("gapforge/dataset/")]
    assert bad == []
    assert RANK["dataset"] < RANK["generators"] and RANK["prompts"] < RANK["dataset"]


def test_importing_the_package_or_the_rewards_stays_light() -> None:
    # `import gapforge` is a lazy facade; scoring a completion loads no model client, no run config,
    # no mutation engine and no Docker SDK until a sandbox is opened
    code = (
        "import sys, gapforge, gapforge.reward\n"
        "heavy = ['openai', 'docker', 'typer', 'rich', 'ray', 'gapforge.llm', 'gapforge.config',\n"
        "         'gapforge.generators', 'gapforge.verifiers.mutation', 'gapforge.dataset']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_check_sees_violations(tmp_path: Path) -> None:
    fake = tmp_path / "gapforge"
    for rel, text in {
        "__init__.py": "",
        "dataset/__init__.py": "",
        "dataset/tables.py": "def f():\n    from gapforge.generators.solver import draft\n",
        "sandbox/__init__.py": "from ..reward import score\n",
        "generators/__init__.py": "from gapforge.dataset import tables\nfrom gapforge import __version__\n",
    }.items():
        (fake / rel).parent.mkdir(parents=True, exist_ok=True)
        (fake / rel).write_text(text)
    found = uphill(fake)
    assert len(found) == 2, found  # a nested import and a relative one; the downhill ones pass
    assert any("dataset/tables.py" in v and "gapforge.generators.solver" in v for v in found)
    assert any("sandbox/__init__.py" in v and "gapforge.reward" in v for v in found)
