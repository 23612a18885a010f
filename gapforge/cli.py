"""gapforge command line: a thin typer app over library functions.

Every command goes through :func:`exit_codes`, the one place errors become exit codes; every
error a user can cause is printed as one clear line (no traceback)::

    exit  when
    0     the command did its work (`sandbox run`: the program ran, whatever its verdict)
    1     `verify` found drift, `doctor` found a failing check
    2     bad input: a ConfigError (config file, options, a path that is not what the command needs)
    3     the work could not be done: any other GapforgeError (sandbox, Docker engine, model
          endpoint, a run directory that is corrupt, locked or from another config) or an OSError
          (a full or unwritable disk)
    130   stopped by SIGINT (143: SIGTERM); what was finished is kept and a rerun resumes
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from gapforge import __version__
from gapforge.errors import ConfigError, GapforgeError
from gapforge.sandbox import BACKENDS, ExecutionResult, Limits, Program, Status, open_sandbox
from gapforge.sandbox.base import LANGUAGES

if TYPE_CHECKING:
    from gapforge.config import RunConfig
    from gapforge.dataset.records import Seed
    from gapforge.generators.run import Runner, RunSummary
    from gapforge.optimize import Policy

app = typer.Typer(
    name="gapforge",
    help="Verified coding-RL data: challenger problems, sandboxed weak/strong solver gaps, trajectories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sandbox_app = typer.Typer(help="Run programs in the sandbox.", no_args_is_help=True)
images_app = typer.Typer(help="Build the sandbox images.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(images_app, name="images")

console = Console(stderr=True)
out = Console()
T = TypeVar("T")
P = ParamSpec("P")

EXIT_BAD_INPUT = 2
EXIT_INFRA = 3
EXIT_CODES_MARK = "__gapforge_exit_codes__"


def _say(label: str, style: str, message: str) -> None:
    """A label and a message printed as is: no markup, no highlighting ("[roles.weak]" stays)."""
    console.print(Text.assemble((label, style), " ", message), highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> typer.Exit:
    _say("error:", "bold red", message)
    return typer.Exit(code)


def os_error_line(exc: OSError) -> str:
    """One line for a failed file operation: the path and the problem, and what to do."""
    where = exc.filename if exc.filename is not None else "a file"
    what = exc.strerror or str(exc) or type(exc).__name__
    fix = (
        "free some space" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "fix the path or its permissions"
    )
    return f"could not write or read {where}: {what}; {fix} and rerun the same command"


def exit_codes(command: Callable[P, T]) -> Callable[P, T]:
    """Run a command with gapforge's errors mapped to the exit codes of the module's table."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            raise _fail(str(exc), EXIT_BAD_INPUT) from None
        except GapforgeError as exc:
            raise _fail(str(exc), EXIT_INFRA) from None
        except OSError as exc:
            raise _fail(os_error_line(exc), EXIT_INFRA) from None

    setattr(wrapper, EXIT_CODES_MARK, True)
    return wrapper


def _run_async(
    factory: Callable[[], Coroutine[Any, Any, T]], on_stop: Callable[[str], str] | None = None
) -> T:
    """The one asyncio.run at the CLI edge (errors are left to the command's :func:`exit_codes`).

    SIGINT and SIGTERM cancel the work: every ``async with`` unwinds (the run's containers are
    removed, the run store is closed), then ``on_stop(signal name)`` is printed as one line and the
    exit code is 128 + the signal number. A second signal quits at once.
    """
    stopped: list[signal.Signals] = []

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_signal(sig: signal.Signals) -> None:
            if stopped:
                _say("stopped:", "bold red", f"second {sig.name}: quitting at once without cleaning up; "
                     "`gapforge cleanup` removes containers left behind")  # fmt: skip
                os._exit(128 + sig)
            stopped.append(sig)
            task.cancel(f"stopped by {sig.name}")

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            return await factory()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    def stop_line() -> typer.Exit:
        sig = stopped[0]
        line = on_stop(sig.name) if on_stop is not None else f"stopped by {sig.name}"
        _say("stopped:", "yellow", line)
        return typer.Exit(128 + sig)

    try:
        result = asyncio.run(main())
    except asyncio.CancelledError:
        if not stopped:
            raise
        raise stop_line() from None
    if stopped:  # the signal came as the work was ending
        raise stop_line()
    return result


def _kept(out_dir: Path, seeds: list[Any]) -> Callable[[str], str]:
    """What a stopped generation kept, read back from its run store, and how to resume."""

    def line(signame: str) -> str:
        from gapforge.dataset.records import SeedRecord
        from gapforge.dataset.store import read_table

        try:
            done = {s.seed.id for s in read_table(out_dir, "seeds", SeedRecord)}
        except GapforgeError:
            done = set()
        finished = sum(1 for s in seeds if s.id in done)
        return (
            f"stopped by {signame}: {finished} of {len(seeds)} seeds are finished and kept in {out_dir}; "
            f"the other {len(seeds) - finished} (those in flight included) are redone when you rerun "
            "the same command to resume"
        )

    return line


def _read_text(path: Path, what: str) -> str:
    if not path.exists():
        raise _fail(f"{what} file {path} does not exist", EXIT_BAD_INPUT)
    if not path.is_file():
        raise _fail(f"{what} path {path} is not a file", EXIT_BAD_INPUT)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _fail(f"{what} file {path} is not UTF-8 text", EXIT_BAD_INPUT) from None


def _check_program_input(solution: str, tests: str, kind: str, solution_path: Path, tests_path: Path) -> None:
    from gapforge.verifiers.static import check_program

    report = check_program(
        kind,
        solution,
        tests,
        solution_label=f"the solution file {solution_path}",
        tests_label=f"the {'stdio ' if kind == 'stdio' else ''}tests file {tests_path}",
    )
    if not report.ok:
        raise ConfigError("; ".join(report.problems))


def _print_result(result: ExecutionResult) -> None:
    colour = {"passed": "green", "failed": "red", "sandbox_error": "magenta"}.get(
        result.status.value, "yellow"
    )
    table = Table(title=f"[{colour}]{result.status.value}[/]  {result.message}", title_justify="left")
    table.add_column("test")
    table.add_column("status")
    table.add_column("message", overflow="fold")
    for t in result.tests:
        table.add_row(
            t.name, t.status.value, t.message.strip().splitlines()[0][:160] if t.message.strip() else ""
        )
    out.print(table)
    out.print(
        f"cpu {result.cpu_s:.2f} s, wall {result.wall_s:.2f} s, backend {result.backend}"
        + (", output truncated" if result.truncated else "")
    )


@sandbox_app.command("run")
@exit_codes
def sandbox_run(
    solution: Annotated[
        Path, typer.Option("--solution", "-s", help="The candidate program (Python, or --language's source).")
    ],
    tests: Annotated[
        Path, typer.Option("--tests", "-t", help="pytest module (function) or JSON cases (stdio).")
    ],
    kind: Annotated[str, typer.Option(help="function | stdio")] = "function",
    backend: Annotated[
        str,
        typer.Option(
            help="pool (warm hardened containers) | docker (a fresh container per run) | local (weaker: subprocess)"
        ),
    ] = "pool",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    cpu: Annotated[float, typer.Option(help="CPU seconds for the run.")] = Limits().cpu_seconds,
    memory: Annotated[int, typer.Option(help="Memory limit in MB.")] = Limits().memory_mb,
    wall: Annotated[float, typer.Option(help="Wall-clock backstop in seconds.")] = Limits().wall_seconds,
    language: Annotated[
        str, typer.Option(help="python | cpp | rust | go | java | javascript (not python: --kind stdio only)")
    ] = "python",
) -> None:
    """Run one solution with its tests in the sandbox.

    Exit code 0 whenever the program ran, whatever the verdict; 2 for bad input; 3 when the
    sandbox itself could not run.

    Examples:
      gapforge sandbox run --solution sol.py --tests test_sol.py --json
      gapforge sandbox run -s prog.py -t cases.json --kind stdio
      gapforge sandbox run -s main.cpp -t cases.json --kind stdio --language cpp
    """
    if language not in LANGUAGES:
        raise _fail(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}", EXIT_BAD_INPUT)
    if kind not in ("function", "stdio"):
        raise _fail(f"unknown kind {kind!r}: use --kind function or --kind stdio", EXIT_BAD_INPUT)
    if backend not in BACKENDS:
        raise _fail(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}", EXIT_BAD_INPUT)
    sol_text = _read_text(solution, "solution")
    tests_text = _read_text(tests, "tests")
    if language == "python":
        _check_program_input(sol_text, tests_text, kind, solution, tests)
    elif kind != "stdio":
        raise _fail(f"{language} programs run as stdio problems only: add --kind stdio", EXIT_BAD_INPUT)
    elif not sol_text.strip():
        raise _fail(f"the solution file {solution} is empty", EXIT_BAD_INPUT)
    else:  # the tests are the same JSON cases as for Python; only the solution is another language
        _check_program_input("pass\n", tests_text, kind, solution, tests)
    try:
        limits = Limits(cpu_seconds=cpu, memory_mb=memory, wall_seconds=max(wall, cpu + 5))
    except ValueError as exc:
        raise _fail(f"invalid limits: {exc}", EXIT_BAD_INPUT) from None
    program = Program(kind=kind, solution=sol_text, tests=tests_text, language=language)
    if backend == "local":
        _say("warning:", "yellow", "the local backend is weaker isolation than Docker (see README)")

    async def go() -> ExecutionResult:
        async with open_sandbox(backend, limits=limits) as sb:
            return await sb.run(program, limits)

    result = _run_async(go)
    if as_json:
        out.print_json(result.model_dump_json())
    else:
        _print_result(result)
    if result.status is Status.SANDBOX_ERROR:
        _say("error:", "bold red", f"the sandbox could not run the program: {result.message}")
        raise typer.Exit(EXIT_INFRA)


@images_app.command("build")
@exit_codes
def images_build(
    base: Annotated[
        str, typer.Option(help="auto | registry (FROM python:3.12-slim) | debootstrap (no registry)")
    ] = "auto",
    offline: Annotated[bool, typer.Option("--offline", help="Same as --base debootstrap.")] = False,
    force: Annotated[bool, typer.Option(help="Rebuild even when the tag exists.")] = False,
    language: Annotated[
        str,
        typer.Option(
            help="Comma-separated runner languages: python, cpp, rust, go, java, javascript "
            "(the others are built from a debootstrap base with Debian's toolchain packages)."
        ),
    ] = "python",
) -> None:
    """Build the sandbox runner images (tag = content hash of their inputs; reused when present).

    Examples:
      gapforge images build            # registry when reachable, else offline
      gapforge images build --offline  # debootstrap base + host-downloaded wheels
      gapforge images build --base debootstrap --language cpp,rust,go,java,javascript
    """
    from gapforge.images.build import build_images, check_language
    from gapforge.sandbox.docker import connect

    mode = "debootstrap" if offline else base
    if mode not in ("auto", "registry", "debootstrap"):
        raise _fail(f"unknown base {base!r}: use auto, registry or debootstrap", EXIT_BAD_INPUT)
    languages = tuple(dict.fromkeys(part.strip() for part in language.split(",") if part.strip()))
    if not languages:
        raise _fail("--language names no language: give e.g. --language cpp,go", EXIT_BAD_INPUT)
    for name in languages:
        check_language(name)  # before any engine call: a typo is bad input, exit 2
    show = lambda m: console.print(f"  {m}", markup=False)  # noqa: E731
    for tag in build_images(connect(), mode, languages, log=show, force=force):  # type: ignore[arg-type]
        out.print(tag)


@app.command()
@exit_codes
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Check the Docker engine, the image, the sandbox limits (live attacks) and free disk.

    Example:
      gapforge doctor
    """
    from gapforge.sandbox.selftest import run_doctor

    checks = asyncio.run(run_doctor())
    if as_json:
        out.print_json(json.dumps([c.__dict__ for c in checks]))
    else:
        table = Table(title="gapforge doctor", title_justify="left")
        table.add_column("check")
        table.add_column("result")
        table.add_column("detail / fix", overflow="fold")
        for c in checks:
            table.add_row(c.name, "[green]ok[/]" if c.ok else "[red]FAIL[/]", c.detail)
        out.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@app.command()
@exit_codes
def cleanup(
    all_: Annotated[
        bool, typer.Option("--all", help="Also remove containers of gapforge runs still alive.")
    ] = False,
) -> None:
    """Remove gapforge-labelled containers left behind by runs that are gone.

    Containers of runs still alive on this machine (a warm pool, say) are kept unless --all.

    Examples:
      gapforge cleanup
      gapforge cleanup --all
    """
    from gapforge.sandbox.docker import connect, sweep

    n = sweep(connect(), stale_only=not all_)
    out.print(f"removed {n} container(s)")


@app.command()
@exit_codes
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default 127.0.0.1; any other needs a token).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8080).")] = None,
    backend: Annotated[str | None, typer.Option(help="Sandbox backend: pool (warm containers).")] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="TOML file; its `serve` table sets the limits (flags override it)."
        ),
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Warm containers (default one per core).")] = None,
    max_queue: Annotated[
        int | None, typer.Option(help="Requests that may wait for a container; more get 429 (default 64).")
    ] = None,
    max_cpu: Annotated[
        float | None, typer.Option("--max-cpu", help="Cap on a request's CPU seconds (default 30).")
    ] = None,
    memory: Annotated[
        int | None, typer.Option(help="Container memory in MB, the cap of memory_limit_MB (default 1024).")
    ] = None,
) -> None:
    """Serve the sandbox over HTTP: gapforge's API and SandboxFusion's run_code (Python).

    Endpoints: POST /v1/run, POST /v1/score, POST /run_code, POST /submit, GET /health,
    GET /metrics. verl: sandbox_fusion.url=http://127.0.0.1:PORT/run_code. A bind beyond this
    machine needs GAPFORGE_SERVE_TOKEN set; clients then send "Authorization: Bearer <token>".
    SIGINT/SIGTERM stop it after in-flight requests finish.

    Examples:
      gapforge serve --port 8080
      GAPFORGE_SERVE_TOKEN=secret gapforge serve --host 0.0.0.0 --port 8080 --workers 8
    """
    from gapforge.serve import Server, load_serve_config

    cfg = load_serve_config(
        config,
        host=host,
        port=port,
        backend=backend,
        workers=workers,
        max_queue=max_queue,
        max_cpu_s=max_cpu,
        memory_mb=memory,
    )
    server = Server(cfg, log_level="warning")

    def ready() -> None:
        auth = "bearer token required" if server.token else "no token (loopback only)"
        _say(
            "serving:",
            "bold green",
            f"http://{cfg.host}:{cfg.port} ({server.service.pool.size} warm containers, {auth}); "
            "Ctrl-C stops after in-flight requests",
        )

    asyncio.run(server.serve(on_ready=ready))
    if server.stopped_by:
        sig = signal.Signals(server.stopped_by[0])
        _say("stopped:", "yellow", f"{sig.name}: in-flight requests finished, containers removed")
        raise typer.Exit(128 + sig)


def _print_summary(summary: Any) -> None:
    for line in summary.lines():
        out.print(line, highlight=False)


@app.command()
@exit_codes
def generate(
    config: Annotated[Path, typer.Option("--config", "-c", help="TOML run config (see examples/configs/).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Run directory (created, or resumed).")],
    seeds: Annotated[int | None, typer.Option(help="Use only the first N seeds.")] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Seeds worked on at once (default 4; with --ray: 2 per node CPU).")
    ] = None,
    force_new: Annotated[
        bool, typer.Option("--force-new", help="Start over in a run dir made by another config.")
    ] = False,
    policy: Annotated[
        Path | None, typer.Option(help="Challenger policy file from `gapforge optimize`.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show the live progress display.")] = True,
    ray: Annotated[
        str | None,
        typer.Option("--ray", help="Run on a Ray cluster: auto | HOST:PORT | local (needs the ray extra)."),
    ] = None,
) -> None:
    """Generate problems from seeds with the challenger, weak and strong solvers and the sandbox.

    Re-running with the same --out resumes: finished seeds are not redone, nothing is duplicated.

    Examples:
      gapforge generate --config examples/configs/openai.toml --out runs/first
      gapforge generate -c vllm.toml -o runs/big --seeds 1000 --concurrency 16
    """
    from gapforge.config import load_config, validate_environment
    from gapforge.generators.seeds import load_seeds

    cfg = load_config(config)
    validate_environment(cfg, source=str(config))
    seed_list = load_seeds(cfg.seeds, limit=seeds)
    # A policy carries the challenger's rules and knobs only; nothing that decides acceptance.
    pol = _load_policy(policy)
    _generate(
        cfg, seed_list, out_dir, _runner(ray, concurrency), force_new=force_new, progress=progress, policy=pol
    )


def _runner(ray: str | None, concurrency: int | None, demo_latency_s: float | None = None) -> Runner:
    """This machine, or a Ray cluster: the one place the CLI chooses a runner."""
    if ray is None:
        from gapforge.generators.run import LocalRunner

        return LocalRunner(concurrency=4 if concurrency is None else concurrency)
    from gapforge.distributed import RayRunner

    return RayRunner(address=ray, concurrency=concurrency, demo_latency_s=demo_latency_s)


def _generate(
    cfg: RunConfig,
    seed_list: list[Seed],
    out_dir: Path,
    runner: Runner,
    *,
    force_new: bool,
    progress: bool,
    policy: Policy | None = None,
) -> RunSummary:
    """One run with the live display, its summary printed; a signal stops it with a resume line."""
    from gapforge.api import generate as run_generate
    from gapforge.cli_progress import ProgressDisplay

    _check_language_runners(cfg, seed_list)

    display = ProgressDisplay(console, enabled=progress)
    with display.shown():
        summary = _run_async(
            lambda: run_generate(
                cfg, out_dir, seeds=seed_list, runner=runner, policy=policy, force_new=force_new,
                on_progress=display,
            ),
            _kept(out_dir, seed_list),
        )  # fmt: skip
    _print_summary(summary)
    return summary


def _check_language_runners(cfg: RunConfig, seed_list: list[Seed]) -> None:
    """Before the first seed: every language the seeds use has a runner the backend can start, so
    a missing image is one clear error now, not each such seed failing later as infrastructure."""
    langs = sorted({s.language for s in seed_list} - {"python"})
    if not langs:
        return
    if cfg.sandbox.backend == "local":
        raise ConfigError(
            f"the seeds use {', '.join(langs)}, which the local backend does not run; "
            "use the pool or docker backend (a Docker engine and each language's runner image)"
        )
    from gapforge.images.build import resolve_runner_image
    from gapforge.sandbox.docker import connect

    try:
        client = connect()
    except GapforgeError:
        return  # no engine: the run itself says so, with what to do
    try:
        for lang in langs:
            resolve_runner_image(client, lang)
    finally:
        client.close()


def _load_policy(path: Path | None) -> Policy | None:
    if path is None:
        return None
    from gapforge.optimize import load_policy

    return load_policy(path)


@app.command()
@exit_codes
def optimize(
    config: Annotated[
        Path,
        typer.Option(
            "--config", "-c", help="TOML run config; it needs roles.analyzer and roles.editor tables."
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Optimizer directory (created, or resumed).")],
    iterations: Annotated[
        int, typer.Option(help="Total iterations; a resumed run continues up to this number.")
    ] = 10,
    train: Annotated[int, typer.Option("--train", help="Training seeds (minibatches come from them).")] = 12,
    validation: Annotated[int, typer.Option("--validation", help="Held-out validation seeds.")] = 6,
    minibatch: Annotated[int, typer.Option(help="Training seeds per iteration.")] = 4,
    temperature: Annotated[
        float, typer.Option(help="Boltzmann temperature T: parents drawn with P ~ exp(score / T).")
    ] = 0.1,
    metric: Annotated[
        str, typer.Option(help="Score: per-round (accepted per round) or per-1k-tokens.")
    ] = "per-round",
    policy: Annotated[Path | None, typer.Option(help="Starting policy file (default: no rules).")] = None,
    concurrency: Annotated[int, typer.Option(help="Seeds worked on at once per evaluation.")] = 4,
    seed: Annotated[int, typer.Option(help="Seed for parent selection, minibatches and the split.")] = 0,
) -> None:
    """Improve the challenger's policy with the real loop, under a frozen gate, solver prompt and sandbox.

    Each iteration picks a parent policy, runs it on training seeds, has the analyzer explain the
    rejections and the editor propose a revision, and keeps the child only if it strictly beats
    its parent on held-out validation seeds. Proposals touching the frozen core are refused and
    logged. Everything is in OUT/audit.jsonl; re-running the same command resumes.

    Examples:
      gapforge optimize --config vllm.toml --out runs/opt --iterations 20
      gapforge generate --config vllm.toml --out runs/data --policy runs/opt/best_policy.json
    """
    from rich.markup import escape

    from gapforge.config import load_config, validate_environment
    from gapforge.generators.seeds import load_seeds
    from gapforge.optimize import BEST_FILE, OptimizerSettings, meta_role, split_seeds
    from gapforge.optimize import optimize as run_optimize

    metrics = {"per-round": "per_round", "per-1k-tokens": "per_1k_tokens"}
    if metric not in metrics:
        raise _fail(f"unknown metric {metric!r}: use per-round or per-1k-tokens", EXIT_BAD_INPUT)
    try:
        cfg = load_config(config)
        validate_environment(cfg, source=str(config))
        for role in ("analyzer", "editor"):
            meta_role(cfg, role)
        train_seeds, val_seeds = split_seeds(load_seeds(cfg.seeds), train, validation, salt=seed)
        start = _load_policy(policy)
        settings = OptimizerSettings(
            iterations=iterations, temperature=temperature, minibatch=minibatch,
            metric=metrics[metric], concurrency=concurrency, seed=seed,
        )  # fmt: skip
    except ConfigError as exc:
        raise _fail(str(exc), EXIT_BAD_INPUT) from None
    except ValueError as exc:  # pydantic's ValidationError: an option out of range
        raise _fail(f"invalid option: {exc}", EXIT_BAD_INPUT) from None

    def show(e: Any) -> None:
        child = f" -> {e.child_id} ({e.child_score:.4f})" if e.child_score is not None else ""
        parent = f" ({e.parent_score:.4f})" if e.parent_score is not None else ""
        console.print(
            f"iteration {e.iteration}: {e.parent_id}{parent}{child}: [bold]{e.decision}[/] - "
            + escape(e.reason[:300]),
            highlight=False,
            soft_wrap=True,
        )

    result = _run_async(
        lambda: run_optimize(
            cfg, train_seeds, val_seeds, out_dir, settings=settings, start=start, on_entry=show
        )
    )
    verb = "improved on" if result.improved else "did not beat"
    out.print(
        f"best policy {result.best.id}: validation score {result.best.score:.4f} over "
        f"{len(result.best.scores)} evaluation(s); it {verb} the starting policy ({result.start.score:.4f})",
        highlight=False,
    )
    out.print(f"written to {out_dir / BEST_FILE}; audit log {out_dir / 'audit.jsonl'}", highlight=False)
    out.print(
        f"use it: gapforge generate --config {config} --out RUN_DIR --policy {out_dir / BEST_FILE}",
        highlight=False,
    )


@app.command()
@exit_codes
def demo(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Run directory.")] = Path("demo-out"),
    seeds: Annotated[int, typer.Option(help="How many of the bundled topics to use.")] = 14,
    languages: Annotated[
        str,
        typer.Option(
            help="Comma-separated: python plus other languages of the bank (cpp, javascript); each "
            "other language adds one seed per bank family written in it."
        ),
    ] = "python,cpp",
    backend: Annotated[str, typer.Option(help="pool | docker | local")] = "pool",
    concurrency: Annotated[
        int | None, typer.Option(help="Seeds worked on at once (default 4; with --ray: 2 per node CPU).")
    ] = None,
    latency: Annotated[float, typer.Option(help="Seconds the offline model server waits per call.")] = 0.0,
    force_new: Annotated[
        bool, typer.Option("--force-new", help="Start over in a run dir made by another config.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show the live progress display.")] = True,
    ray: Annotated[
        str | None,
        typer.Option("--ray", help="Run on a Ray cluster: auto | HOST:PORT | local (needs the ray extra)."),
    ] = None,
    engine_wait: Annotated[
        float, typer.Option(help="Seconds to wait for a lost Docker engine before stopping (exit 3).")
    ] = 600.0,
    min_free_mb: Annotated[
        int, typer.Option(help="Stop cleanly (resumable) when the output's filesystem has less free MiB.")
    ] = 256,
) -> None:
    """Run the whole loop offline: a bundled OpenAI-compatible model server and the real sandbox.

    Examples:
      gapforge demo --out demo-out
      gapforge demo --out /tmp/d --seeds 4 --backend docker --languages python
    """
    from gapforge.config import demo_config
    from gapforge.dataset.records import Seed
    from gapforge.demo.bank import BANK_LANGUAGES, DEFAULT_TOPICS, TOPIC_FAMILIES, families
    from gapforge.demo.server import DemoServer
    from gapforge.generators.seeds import with_language
    from gapforge.models import content_hash

    if backend not in BACKENDS:
        raise _fail(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}", EXIT_BAD_INPUT)
    if seeds < 1:
        raise _fail("--seeds must be at least 1", EXIT_BAD_INPUT)
    if engine_wait < 0 or min_free_mb < 0:
        raise _fail("--engine-wait and --min-free-mb must be >= 0", EXIT_BAD_INPUT)

    def demo_cfg(base_url: str) -> RunConfig:
        cfg = demo_config(base_url)
        return cfg.model_copy(
            update={
                "sandbox": cfg.sandbox.model_copy(update={"backend": backend, "engine_wait_s": engine_wait}),
                "output": cfg.output.model_copy(update={"min_free_mb": min_free_mb}),
            }
        )

    wanted = [x.strip() for x in languages.split(",") if x.strip()]
    unknown = [x for x in wanted if x not in BANK_LANGUAGES]
    if unknown or "python" not in wanted:
        raise _fail(
            f"--languages must name python and any of {', '.join(BANK_LANGUAGES)} (the demo bank's "
            f"languages); got {languages!r}",
            EXIT_BAD_INPUT,
        )

    def builtin(topic: str) -> Seed:
        return Seed(
            id="s-" + content_hash({"topic": topic, "context": ""}, 12), topic=topic, source="builtin"
        )

    topics = list(DEFAULT_TOPICS)[:seeds]
    seed_list = [builtin(t) for t in topics]
    for lang in BANK_LANGUAGES:
        if lang == "python" or lang not in wanted:
            continue
        # one seed per family of the language, on the topic that family belongs to
        for fam in families(lang):
            topic = next(t for t, keys in TOPIC_FAMILIES.items() if fam.key in keys)
            seed_list.append(with_language(builtin(topic), lang))
    runner = _runner(ray, concurrency, demo_latency_s=latency)
    # On Ray every node serves the demo models itself: the driver's URL only fixes the config.
    with DemoServer(latency_s=latency) if ray is None else contextlib.nullcontext() as server:
        cfg = demo_cfg(server.base_url if server is not None else "http://127.0.0.1:1/v1")
        where = f"offline model server at {server.base_url}" if server is not None else f"Ray cluster {ray}"
        console.print(f"{where}; {len(seed_list)} seeds; sandbox {backend}", markup=False)
        summary = _generate(cfg, seed_list, out_dir, runner, force_new=force_new, progress=progress)
    _publish_demo(out_dir, summary.stats.accepted)


def _publish_demo(out_dir: Path, accepted: int) -> None:
    """The demo ends with the published dataset and the HTML report, as a user would make them."""
    if not accepted:
        return
    from gapforge.dataset.publish import publish as do_publish
    from gapforge.dataset.report import report as do_report

    try:
        pub = do_publish(out_dir)
        rep = do_report(out_dir, out_dir / "report.html")
    except OSError as exc:  # the writers do not always say which file failed
        what = exc.strerror or str(exc)
        raise _fail(
            f"could not write the dataset and report into {out_dir}: {what}; fix that (free some space) "
            f"and rerun `gapforge publish {out_dir}` (the run itself is complete)",
            EXIT_INFRA,
        ) from None
    out.print(f"dataset: {pub.out_dir} (card {pub.card.name}); report: {rep.path}", highlight=False)


EXPORT_FORMATS = ("verl", "trl", "openrlhf", "open-r1", "sft", "dpo")


@app.command()
@exit_codes
def publish(
    run_dir: Annotated[Path, typer.Argument(help="A run directory from generate/demo.")],
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Default: RUN_DIR/published.")] = None,
    license_: Annotated[
        str | None,
        typer.Option(
            "--license", help="Licence id for the dataset card (default: the config's license, else other)."
        ),
    ] = None,
    benchmark: Annotated[
        list[Path] | None, typer.Option(help="Extra benchmark jsonl files to check contamination against.")
    ] = None,
    test_fraction: Annotated[
        float,
        typer.Option(
            "--test-fraction",
            help="Hold out this share of problems as a test split (deterministic, by problem).",
        ),
    ] = 0.0,
) -> None:
    """Publish a run as a Hugging Face dataset: Parquet shards per table plus a dataset card.

    Examples:
      gapforge publish demo-out
      gapforge publish runs/big --out hub/my-dataset --license apache-2.0 --test-fraction 0.1
    """
    from gapforge.dataset.publish import publish as do_publish

    _check_dir(run_dir)
    res = do_publish(
        run_dir, out_dir, license=license_, benchmark_files=benchmark or (), test_fraction=test_fraction
    )
    rows = ", ".join(f"{k} {v}" for k, v in res.rows.items())
    out.print(f"published {res.out_dir}: {rows}; card {res.card}", highlight=False)


@app.command()
@exit_codes
def export(
    source: Annotated[Path, typer.Argument(help="A run directory or a published dataset.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="verl | trl | openrlhf | open-r1 | sft | dpo")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Output directory (or file).")],
    split: Annotated[str, typer.Option(help="Split name for the file.")] = "train",
    drop_flagged: Annotated[
        bool, typer.Option(help="Leave out problems flagged as duplicates or contaminated.")
    ] = False,
    kinds: Annotated[
        list[str] | None,
        typer.Option(
            "--kind", help="Keep only this problem kind (function | stdio; repeatable; RL formats)."
        ),
    ] = None,
    accepted_only: Annotated[
        bool,
        typer.Option(help="sft/dpo: only accepted problems; --no-accepted-only takes every usable round."),
    ] = True,
    system_prompt: Annotated[
        bool, typer.Option(help="Keep the solver system message in the prompt (--no-system-prompt drops it).")
    ] = True,
    data_source: Annotated[
        str, typer.Option(help="verl data_source / OpenRLHF datasource; must start with 'gapforge'.")
    ] = "gapforge",
) -> None:
    """Write a run in the exact format a trainer consumes (see docs/exports.md).

    Examples:
      gapforge export demo-out --format verl --out exports/verl
      gapforge export demo-out -f trl -o exports/trl
      gapforge export demo-out -f open-r1 -o exports/open-r1 --kind stdio
      gapforge export demo-out -f sft -o exports/sft --no-accepted-only --no-system-prompt
    """
    from gapforge.dataset.export import export as do_export

    if fmt not in EXPORT_FORMATS:
        raise _fail(f"unknown format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}", EXIT_BAD_INPUT)
    _check_dir(source)
    res = do_export(
        source,
        fmt,
        out_path,
        split=split,
        drop_flagged=drop_flagged,
        kinds=set(kinds) if kinds else None,
        accepted_only=accepted_only,
        system_prompt=system_prompt,
        data_source=data_source,
    )
    out.print(f"{res.format}: {res.rows} rows -> {res.path}", highlight=False)
    if res.note:
        console.print(f"note: {res.note}", markup=False)


@app.command()
@exit_codes
def verify(
    source: Annotated[Path, typer.Argument(help="A run directory or a published dataset.")],
    backend: Annotated[str, typer.Option(help="pool | docker | local")] = "pool",
) -> None:
    """Re-execute every accepted problem's reference and recorded solutions; recompute the gate.

    Exit code 1 when anything drifted.

    Example:
      gapforge verify demo-out
    """
    from gapforge.dataset.verify import verify as do_verify

    if backend not in BACKENDS:
        raise _fail(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}", EXIT_BAD_INPUT)
    _check_dir(source)
    rep = do_verify(source, backend=backend)
    out.print(rep.summary(), highlight=False)
    if not rep.ok:
        raise typer.Exit(1)


@app.command()
@exit_codes
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
    out_html: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path("report.html"),
) -> None:
    """Write a static, offline HTML report with plots of a run.

    Example:
      gapforge report demo-out --out report.html
    """
    from gapforge.dataset.report import report as do_report

    _check_dir(run_dir)
    res = do_report(run_dir, out_html)
    out.print(
        f"report {res.path}: {res.accepted} accepted, {res.rounds} rounds, {res.seeds} seeds", highlight=False
    )


def _check_dir(path: Path) -> None:
    if not path.exists():
        raise _fail(f"{path} does not exist", EXIT_BAD_INPUT)
    if not path.is_dir():
        raise _fail(f"{path} is not a directory (expected a run directory)", EXIT_BAD_INPUT)


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"gapforge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """gapforge: verified coding-RL data."""


def main() -> None:
    try:
        app()
    except GapforgeError as exc:  # a library error that escaped a command: still one clear line
        _say("error:", "bold red", str(exc))
        sys.exit(EXIT_INFRA)
    except OSError as exc:  # a disk or a path failed outside the run store: still one clear line
        _say("error:", "bold red", os_error_line(exc))
        sys.exit(EXIT_INFRA)
