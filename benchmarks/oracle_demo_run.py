"""The test oracle on a demo run: how many known-wrong programs pass an accepted problem's
challenger tests alone vs its final hidden tests, the oracle's share of each seed's sandbox time,
and whether any differential test is flaky over repeated builds.

    python benchmarks/oracle_demo_run.py [--run DIR | --seeds N] [--repeats 5] [--out-dir DIR]

Without ``--run`` it first runs ``gapforge demo --seeds N`` (the offline demo, the real sandbox).

For every accepted problem of the run:

- *own tests*: the challenger's hidden tests; *final tests*: own tests plus the oracle's suites
  exactly as the run stored and published them;
- *known-wrong programs*: the recorded solver attempts and repair turns that failed (their code
  as the run stored it) and the reference's mutants (the loop's 20), each counted only when some
  valid input tells it apart from the reference: it fails the own tests, or the final tests, or an
  *independent judge* (another differential suite: seed 1, 100 drawn inputs, never part of the
  final tests). A mutant nothing tells apart is probably equivalent and not counted;
- a *false pass* is a known-wrong program that passes every suite of the tests in question;
- *oracle share*: per seed, the oracle phase's sandbox CPU seconds over all the seed's rounds'
  sandbox CPU seconds (``rounds.sandbox``, recorded by the run itself);
- *flaky differential tests*: the differential suite is built again ``--repeats`` times as the loop
  built it (the run's oracle settings, cut keeping the stored hardening cases): a build that
  differs from the stored one counts its differing case lines as flaky, and the reference is run
  on the stored final tests each time (a run that does not pass counts too).

Results: ``oracle_demo_run-<time>.json`` and ``.md`` in ``--out-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gapforge.config import RunConfig
from gapforge.dataset.card import oracle_shares
from gapforge.dataset.records import ProblemRecord
from gapforge.dataset.tables import RunData, load_run
from gapforge.models import HiddenSuite, final_suites
from gapforge.sandbox import Limits
from gapforge.sandbox.metered import is_oracle_work
from gapforge.sandbox.pool import PoolSandbox
from gapforge.verifiers.mutation import generate_mutants
from gapforge.verifiers.oracle import OracleConfig, build_differential_suite, trim_suite

HERE = Path(__file__).resolve().parent
SCHEMA = "gapforge.benchmarks.oracle_demo_run/1"
MAX_MUTANTS = 20  # LoopConfig.max_mutants
JUDGE = OracleConfig(seed=1, n_inputs=100)


async def passes(pool: PoolSandbox, suites: list[HiddenSuite], source: str, limits: Limits) -> bool:
    """Judged as the loop judges: suite by suite, each under its own CPU limit when it has one."""
    for s in suites:
        lim = limits.with_cpu(s.cpu_limit_s) if s.cpu_limit_s else limits
        r = await pool.run(s.program(source), lim)
        for _ in range(2):  # an infrastructure failure is retried, never judged
            if not r.status.is_infrastructure:
                break
            r = await pool.run(s.program(source), lim)
        if not r.passed:
            return False
    return True


async def one_problem(
    pool: PoolSandbox, data: RunData, rec: ProblemRecord, oracle: OracleConfig, repeats: int
) -> dict[str, Any]:
    problem = rec.problem
    extra = rec.oracle.suites if rec.oracle is not None else ()
    own = [HiddenSuite.of(problem)]
    final = list(final_suites(problem, extra))
    limits = Limits().with_cpu(rec.validity.cpu_limit_s or Limits().cpu_seconds)
    judge = await build_differential_suite(pool, problem, JUDGE)
    judge_suites = [judge.suite] if judge.suite is not None else []

    programs: list[tuple[str, str, str]] = []  # (label, kind, source)
    for a in data.attempts:
        at = a.attempt
        if at.problem_id == problem.id and at.score == 0.0 and at.code:
            programs.append((f"{at.role}/{at.sample}/{at.turn}", "attempt", at.code))
    for m in generate_mutants(
        problem.reference_solution, max_mutants=MAX_MUTANTS, skip_main_guard=problem.kind == "function"
    ):
        programs.append((f"mutant: {m.description}", "mutant", m.source))

    rows = []
    for label, kind, source in programs:
        on_own = await passes(pool, own, source, limits)
        on_final = on_own and await passes(pool, final[1:], source, limits) if len(final) > 1 else on_own
        wrong = not on_final or not await passes(pool, judge_suites, source, limits)
        rows.append({"program": label, "kind": kind, "wrong": wrong, "own": on_own, "final": on_final})

    flaky_cases = 0
    flaky_runs = 0
    stored = extra[0].tests if extra else None
    keep = rec.oracle.hardening_cases if rec.oracle is not None else ()
    for _ in range(repeats):
        # rebuilt as the loop built it: the same inputs answered, cut keeping the same hardening
        again = await build_differential_suite(
            pool, problem, oracle, max_answers=oracle.max_answers(problem.kind)
        )
        again = trim_suite(problem, again, keep, oracle)
        rebuilt = again.suite.tests if again.suite is not None else None
        if rebuilt != stored:
            old = set((stored or "").splitlines())
            flaky_cases += sum(1 for ln in (rebuilt or "").splitlines() if ln not in old)
        if not await passes(pool, final, problem.reference_solution, limits):
            flaky_runs += 1

    wrong = [r for r in rows if r["wrong"]]
    return {
        "problem_id": problem.id,
        "seed_id": rec.seed_id,
        "title": problem.title,
        "kind": problem.kind,
        "differential_cases": rec.oracle.measures.inputs_kept if rec.oracle and rec.oracle.measures else 0,
        "known_wrong": len(wrong),
        "known_wrong_attempts": sum(r["kind"] == "attempt" for r in wrong),
        "false_pass_own": sum(r["own"] for r in wrong),
        "false_pass_final": sum(r["final"] for r in wrong),
        "probably_equivalent": sum(not r["wrong"] for r in rows),
        "escaped": [r["program"] for r in wrong if r["final"]],
        "caught_by_oracle": [r["program"] for r in wrong if r["own"] and not r["final"]],
        "flaky_case_lines": flaky_cases,
        "reference_failed_final": flaky_runs,
    }


def _pct(a: float, b: float) -> str:
    return f"{100 * a / b:.2f}%" if b else "n/a"


def render_markdown(rep: dict[str, Any]) -> str:
    from sandbox_throughput import machine_line  # beside this script (main puts it on sys.path)

    t = rep["totals"]
    m = rep["machine"]
    shares = rep["oracle_share_by_seed"]
    out = [
        f"# Test oracle on a demo run, {rep['started_at']}",
        "",
        machine_line(m),
        f"Load average (1 min) before/after: {rep['load_average']['before'][0]:.2f}/"
        f"{rep['load_average']['after'][0]:.2f}. Wall time {rep['wall_s']:.0f} s"
        + (f" (the demo run itself: {rep['demo_wall_s']:.0f} s)." if rep.get("demo_wall_s") else "."),
        f"Command: `{rep['command']}`",
        "",
        "| tests | known-wrong programs | passing | false-pass rate |",
        "|---|---:|---:|---:|",
        f"| challenger's tests alone | {t['known_wrong']} | {t['false_pass_own']} | "
        f"{_pct(t['false_pass_own'], t['known_wrong'])} |",
        f"| final hidden tests (+ differential suite) | {t['known_wrong']} | {t['false_pass_final']} | "
        f"{_pct(t['false_pass_final'], t['known_wrong'])} |",
        "",
        f"Known-wrong programs: {t['known_wrong']} ({t['known_wrong_attempts']} recorded failing solver "
        f"attempts, the rest mutants); probably-equivalent mutants: {t['probably_equivalent']}.",
        "Oracle share of each seed's sandbox CPU time (from the run's `rounds.sandbox`):",
        "",
        "| oracle work | of the run | per seed, median | per seed, max |",
        "|---|---:|---:|---:|",
        f"| its own (build, hardening, known-wrong rechecks) | {t['own_share_run']:.1%} | "
        f"{t['own_share_median']:.1%} | {t['own_share_max']:.1%} |",
        f"| with judging rollouts and repairs on its suites | {t['share_run']:.1%} | "
        f"{t['share_median']:.1%} | {t['share_max']:.1%} |",
        "",
        f"Flaky differential tests over {rep['repeats']} rebuilds: {t['flaky_case_lines']} differing "
        f"case lines; reference runs on the final tests that failed: {t['reference_failed_final']} of "
        f"{rep['repeats'] * len(rep['problems'])}.",
        "",
        "| problem | kind | diff cases | known wrong | pass own | pass final | oracle share of its seed (with judging) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rep["problems"]:
        share = shares.get(r["seed_id"])
        out.append(
            f"| {r['title']} | {r['kind']} | {r['differential_cases']} | {r['known_wrong']} | "
            f"{r['false_pass_own']} | {r['false_pass_final']} | "
            + (f"{share:.1%}" if share is not None else "n/a")
            + " |"
        )
    escaped = [f"{r['title']}: {', '.join(r['escaped'])}" for r in rep["problems"] if r["escaped"]]
    if escaped:
        out += ["", "Known-wrong programs that pass the final tests:", "", *(f"- {e}" for e in escaped)]
    return "\n".join(out) + "\n"


def totals(rows: list[dict[str, Any]], data: RunData) -> dict[str, Any]:
    shares = sorted(oracle_shares(data.rounds).values())
    own = sorted(oracle_shares(data.rounds, judging=False).values())
    cpu = sum(t.cpu_s for r in data.rounds for t in r.sandbox)
    ours = sum(t.cpu_s for r in data.rounds for t in r.sandbox if is_oracle_work(t.phase))
    ours_own = sum(t.cpu_s for r in data.rounds for t in r.sandbox if is_oracle_work(t.phase, judging=False))
    keys = (
        "known_wrong", "known_wrong_attempts", "false_pass_own", "false_pass_final",
        "probably_equivalent", "flaky_case_lines", "reference_failed_final",
    )  # fmt: skip
    return {
        **{k: sum(r[k] for r in rows) for k in keys},
        "share_median": shares[len(shares) // 2] if shares else 0.0,
        "share_max": shares[-1] if shares else 0.0,
        "share_run": ours / cpu if cpu else 0.0,
        "own_share_median": own[len(own) // 2] if own else 0.0,
        "own_share_max": own[-1] if own else 0.0,
        "own_share_run": ours_own / cpu if cpu else 0.0,
    }


async def run(data: RunData, repeats: int) -> list[dict[str, Any]]:
    cfg = RunConfig.model_validate(data.config)
    oracle = cfg.oracle.oracle_config()
    rows = []
    async with PoolSandbox(run_id="bench-oracle-run", size=2) as pool:
        for rec in data.problems:
            row = await one_problem(pool, data, rec, oracle, repeats)
            print(
                f"{rec.problem.title}: known wrong {row['known_wrong']}, pass own {row['false_pass_own']}, "
                f"pass final {row['false_pass_final']}, flaky {row['flaky_case_lines']}",
                file=sys.stderr,
            )
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", type=Path, help="a finished run directory (default: run the demo first)")
    p.add_argument("--seeds", type=int, default=14, help="demo seeds when --run is not given")
    p.add_argument("--repeats", type=int, default=5, help="rebuilds of each differential suite")
    p.add_argument("--out-dir", type=Path, default=HERE / "results")
    args = p.parse_args(argv)

    sys.path.insert(0, str(HERE))
    from sandbox_throughput import machine_description

    from gapforge.images.build import resolve_runner_image
    from gapforge.sandbox.docker import connect

    started = dt.datetime.now(dt.UTC)
    load_before = list(os.getloadavg())
    t0 = time.monotonic()
    demo_wall = None
    with tempfile.TemporaryDirectory(prefix="gapforge-oracle-bench-") as tmp:
        run_dir = args.run
        if run_dir is None:
            run_dir = Path(tmp) / "demo"
            cmd = [
                sys.executable,
                "-m",
                "gapforge",
                "demo",
                "--out",
                str(run_dir),
                "--seeds",
                str(args.seeds),
            ]
            subprocess.run([*cmd, "--no-progress"], check=True)
            demo_wall = time.monotonic() - t0
        data = load_run(run_dir)
        rows = asyncio.run(run(data, args.repeats))
        rep = {
            "schema": SCHEMA,
            "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": "python benchmarks/oracle_demo_run.py"
            + (" --run RUN" if args.run else f" --seeds {args.seeds}")
            + f" --repeats {args.repeats}",
            "machine": machine_description(resolve_runner_image(connect())),
            "load_average": {"before": load_before, "after": list(os.getloadavg())},
            "wall_s": time.monotonic() - t0,
            "demo_wall_s": demo_wall,
            "repeats": args.repeats,
            "judge": JUDGE.model_dump(),
            "oracle_share_by_seed": oracle_shares(data.rounds),
            "problems": rows,
            "totals": totals(rows, data),
        }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"oracle_demo_run-{started.strftime('%Y%m%dT%H%M%SZ')}"
    stem.with_suffix(".json").write_text(json.dumps(rep, indent=2) + "\n")
    stem.with_suffix(".md").write_text(render_markdown(rep))
    print(render_markdown(rep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
