"""docs/api.md runs as written: every ```python block is executed, in order, in one namespace and
one working directory (later blocks use what earlier ones made, as a reader would). A block the
doc marks ``<!-- needs: docker -->`` is a docker test. Also: the public surface it documents is
what ``gapforge.__all__`` offers, and ``import gapforge`` imports none of it."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
BLOCK = re.compile(
    r"(?:^<!-- needs: (?P<needs>\w+) -->\n)?^```python\n(?P<code>.*?)^```", re.DOTALL | re.MULTILINE
)


def blocks() -> list[tuple[str, str | None]]:
    return [(m.group("code"), m.group("needs")) for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))]


def test_the_doc_has_the_examples_the_api_promises() -> None:
    found = blocks()
    assert len(found) == len(re.findall(r"^```python$", DOC.read_text(), re.MULTILINE)), "a block was missed"
    text = "\n".join(code for code, _ in found)
    for call in (
        "load_config(",
        "generate(",
        "on_progress",
        "open_sandbox(",
        "reward.",
        "publish(",
        "export(",
    ):
        assert call in text, f"docs/api.md has no runnable example of {call}"
    assert {needs for _, needs in found} <= {None, "docker"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api-doc")


NAMESPACE: dict[str, Any] = {"__name__": "__docs_api__"}


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(
            i, marks=[pytest.mark.docker, pytest.mark.slow] if needs == "docker" else [], id=f"block{i}"
        )
        for i, (_, needs) in enumerate(blocks())
    ],
)
def test_doc_block_runs(index: int, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _ = blocks()[index]
    monkeypatch.chdir(workdir)
    exec(compile(code, f"{DOC}:block{index}", "exec"), NAMESPACE)  # the doc's own code, run as a reader would


def test_import_gapforge_is_cheap_and_the_api_is_lazy() -> None:
    probe = (
        "import sys, gapforge\n"
        "heavy = [m for m in ('pydantic', 'docker', 'openai', 'rich', 'gapforge.config', 'gapforge.sandbox') "
        "if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert callable(gapforge.load_config) and 'gapforge.config' in sys.modules\n"
        "assert gapforge.reward.reward_func is not None\n"
        "print(gapforge.__version__)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "module",
    [
        "gapforge",
        "gapforge.config",
        "gapforge.errors",
        "gapforge.sandbox",
        "gapforge.reward",
        "gapforge.dataset",
        "gapforge.verifiers",
        "gapforge.generators.run",
        "gapforge.distributed",
        "gapforge.api",
    ],
)
def test_every_public_name_resolves(module: str) -> None:
    mod = importlib.import_module(module)
    names = mod.__all__
    assert names and len(names) == len(set(names)), module
    for name in names:
        assert not name.startswith("_") or name == "__version__", f"{module}.{name} is private"
        assert getattr(mod, name) is not None, f"{module}.{name}"
    with pytest.raises(AttributeError):
        mod.no_such_name  # noqa: B018
