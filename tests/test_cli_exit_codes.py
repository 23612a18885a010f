"""The exit-code table in `gapforge.cli`'s docstring is true: one decorator maps gapforge's errors
for every command, and publish/export/report/verify exit 3 (not 2) when the work itself fails."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.main import get_command

from gapforge import cli
from gapforge.errors import (
    ConfigError,
    DockerUnavailable,
    GapforgeError,
    MalformedOutput,
    ModelError,
    RunStoreError,
    SandboxError,
    SeedAborted,
)

FIXTURE_RUN = Path(__file__).parent / "fixtures" / "run-v1"


def commands(group: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group (typer ships its own click classes)
            yield from commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def test_every_command_goes_through_the_one_decorator() -> None:
    found = dict(commands(get_command(cli.app)))
    assert {
        "generate",
        "demo",
        "publish",
        "export",
        "verify",
        "report",
        "sandbox run",
        "images build",
    } <= set(found)
    missing = [name for name, c in found.items() if not getattr(c.callback, cli.EXIT_CODES_MARK, False)]
    assert missing == [], f"commands without @exit_codes: {missing}"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError("bad [roles.weak] table"), 2),
        (SandboxError("sandbox broke"), 3),
        (DockerUnavailable("no engine"), 3),
        (ModelError("endpoint down"), 3),
        (MalformedOutput("unparseable"), 3),
        (RunStoreError("run.json is corrupt"), 3),
        (SeedAborted("challenger endpoint failed"), 3),
        (OSError(28, "No space left on device", "/x/records/attempts.jsonl"), 3),
    ],
)
def test_the_table(error: Exception, code: int, capsys: pytest.CaptureFixture[str]) -> None:
    @cli.exit_codes
    def command() -> None:
        raise error

    with pytest.raises(typer.Exit) as info:
        command()
    assert info.value.exit_code == code
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    if isinstance(error, GapforgeError):
        assert str(error) in err  # printed as is: "[roles.weak]" stays


def test_seed_aborted_is_in_the_tree_and_where_the_loop_raises_it() -> None:
    from gapforge.generators import loop

    assert issubclass(SeedAborted, GapforgeError)
    assert loop.SeedAborted is SeedAborted
    assert issubclass(loop.EngineInterrupted, SeedAborted)


def test_the_docstring_states_the_codes_the_decorator_uses() -> None:
    doc = cli.__doc__ or ""
    for code, meaning in ((cli.EXIT_BAD_INPUT, "ConfigError"), (cli.EXIT_INFRA, "GapforgeError")):
        line = next(ln for ln in doc.splitlines() if ln.strip().startswith(str(code)))
        assert meaning in line, line


def gapforge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gapforge", *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def corrupt_run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(FIXTURE_RUN, run)
    (run / "run.json").write_text("{ not json")
    return run


@pytest.mark.parametrize(
    "args",
    [
        ["publish", "{run}"],
        ["export", "{run}", "--format", "verl", "--out", "{tmp}/verl"],
        ["report", "{run}", "--out", "{tmp}/r.html"],
    ],
    ids=["publish", "export", "report"],
)
def test_a_corrupt_run_is_exit_3_not_bad_input(corrupt_run: Path, tmp_path: Path, args: list[str]) -> None:
    proc = gapforge(*[a.format(run=corrupt_run, tmp=tmp_path) for a in args])
    assert proc.returncode == 3, proc.stderr
    assert "run.json is corrupt" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_options_stay_exit_2(tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(FIXTURE_RUN, run)
    proc = gapforge("publish", str(run), "--test-fraction", "2")
    assert proc.returncode == 2 and "--test-fraction" in proc.stderr, proc.stderr
    proc = gapforge(
        "export", str(run), "--format", "verl", "--out", str(tmp_path / "o"), "--data-source", "x"
    )
    assert proc.returncode == 2 and "data_source" in proc.stderr, proc.stderr
    proc = gapforge("report", str(tmp_path / "missing"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr, proc.stderr


def test_sandbox_run_defaults_to_the_pool_backend() -> None:
    proc = gapforge("sandbox", "run", "--help")
    assert proc.returncode == 0
    assert "[default: pool]" in proc.stdout, proc.stdout


def test_demo_languages_are_checked_before_anything_runs(tmp_path: Path) -> None:
    # an unknown or Python-less language list, and a language the local backend cannot run, are
    # bad input (exit 2) that say what to do, before a model server or a sandbox starts
    proc = gapforge("demo", "--out", str(tmp_path / "a"), "--languages", "python,cobol", "--no-progress")
    assert proc.returncode == 2 and "--languages must name python" in proc.stderr, proc.stderr
    proc = gapforge("demo", "--out", str(tmp_path / "b"), "--languages", "cpp", "--no-progress")
    assert proc.returncode == 2 and "--languages must name python" in proc.stderr, proc.stderr
    proc = gapforge(
        "demo", "--out", str(tmp_path / "c"), "--languages", "python,cpp", "--backend", "local", "--seeds", "1",
        "--no-progress",
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "local backend does not run" in proc.stderr and "cpp" in proc.stderr, proc.stderr
    assert not (tmp_path / "c" / "records").exists(), "nothing ran"
