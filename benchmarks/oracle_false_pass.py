"""How many known-wrong programs pass a problem's hidden tests, with and without the test oracle,
and what the oracle costs in sandbox time. On the demo bank, in the real sandbox, no model calls.

    python benchmarks/oracle_false_pass.py [--families pair_sums,knapsack] [--out-dir DIR]

For every variant of every (chosen) family:

- *own tests*: the challenger's hidden tests (the bank's);
- *final tests*: own tests + the differential suite (``build_differential_suite``, default config,
  seed 0) + the hardening suite (``harden`` on the own tests' surviving mutants);
- *known-wrong programs*: the bank's labelled wrong solutions (``off_by_one``,
  ``missed_edge_case``; ``too_slow`` ones are correct) and the reference's mutants (the loop's
  default 20) that some valid input tells apart from the reference: they fail the own tests, or
  the differential suite, or an *independent judge* suite (another differential suite: seed 1,
  100 drawn inputs, never part of the final tests). A mutant nothing kills is probably equivalent
  and not counted.
- a *false pass* is a known-wrong program that passes every suite of the tests in question.

Sandbox time is CPU seconds as the sandbox reports them: the oracle's work (drawing and answering
inputs, hardening) against what a problem costs without it (validity: 5 reference runs and 20
mutants on the own tests) plus 8 rollouts (4 weak, 4 strong, modelled as reference runs on the
final tests). Results: ``oracle_false_pass-<time>.json`` and ``.md`` in ``--out-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from gapforge.demo.bank import FAMILIES, Variant, to_problem
from gapforge.models import Problem
from gapforge.sandbox import ExecutionResult, Limits, Program
from gapforge.sandbox.pool import PoolSandbox
from gapforge.verifiers.budgets import mutant_limits
from gapforge.verifiers.mutation import generate_mutants, mutation_score
from gapforge.verifiers.oracle import (
    HiddenSuite,
    OracleConfig,
    build_differential_suite,
    harden,
    surviving_mutants,
)

HERE = Path(__file__).resolve().parent
SCHEMA = "gapforge.benchmarks.oracle_false_pass/1"
BASE = Limits()
MAX_MUTANTS = 20  # LoopConfig.max_mutants
VALIDITY_RUNS = 5  # LoopConfig.validity_runs
ROLLOUTS = 8  # 4 weak + 4 strong samples
JUDGE = OracleConfig(seed=1, n_inputs=100)


class Metered:
    """The pool, counting the CPU seconds and executions of everything run through it."""

    name = "pool"

    def __init__(self, inner: PoolSandbox) -> None:
        self.inner = inner
        self.cpu_s = 0.0
        self.runs = 0

    async def __aenter__(self) -> Metered:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def run(self, program: Program, limits: Limits | None = None) -> ExecutionResult:
        result = await self.inner.run(program, limits)
        for _ in range(2):  # a fork failing under load is retried, never judged
            if not result.status.is_infrastructure:
                break
            result = await self.inner.run(program, limits)
        self.cpu_s += result.cpu_s
        self.runs += 1
        return result


async def passes(sb: Metered, suites: list[HiddenSuite], source: str, limits: Limits) -> bool:
    for s in suites:
        if not (await sb.run(s.program(source), limits)).passed:
            return False
    return True


async def one_problem(pool: PoolSandbox, tag: str, v: Variant) -> dict[str, Any]:
    problem: Problem = to_problem(v)
    own = HiddenSuite.of(problem)
    sb = Metered(pool)

    # what the problem costs without the oracle: validity's reference runs and mutants
    start = sb.cpu_s
    refs = [await sb.run(own.program(problem.reference_solution), BASE) for _ in range(VALIDITY_RUNS)]
    own_cpu = refs[0].cpu_s
    report = await mutation_score(sb, problem, mutant_limits(BASE, own_cpu), MAX_MUTANTS)
    validity_cpu = sb.cpu_s - start

    # the oracle's work: the differential suite and hardening
    start, wall = sb.cpu_s, time.monotonic()
    built = await build_differential_suite(sb, problem)
    survivors = surviving_mutants(problem, report, max_mutants=MAX_MUTANTS)
    hardened = await harden(sb, problem, built, survivors)
    oracle_cpu, oracle_wall = sb.cpu_s - start, time.monotonic() - wall
    final = [own, *(s for s in (built.suite, hardened.suite) if s is not None)]

    # rollouts, modelled as reference runs on the final tests
    start = sb.cpu_s
    ref_final = 0.0
    for s in final:
        ref_final += (await sb.run(s.program(problem.reference_solution), BASE)).cpu_s
    rollout_cpu = ROLLOUTS * ref_final
    sb.cpu_s = start  # not run 8 times: counted as 8 x the one run above

    # the independent judge, outside the final tests
    judge = await build_differential_suite(sb, problem, JUDGE)
    judge_suites = [judge.suite] if judge.suite is not None else []
    mutant_lim = mutant_limits(BASE, ref_final)

    mutants = generate_mutants(
        problem.reference_solution, max_mutants=MAX_MUTANTS, skip_main_guard=problem.kind == "function"
    )
    killed_by_own = {r.description for r in report.killed}
    killed_by_hardening = {m.description for m in hardened.killed}
    rows = []
    for m in mutants:
        if m.description in killed_by_own:
            rows.append(
                {"program": m.description, "kind": "mutant", "wrong": True, "own": False, "final": False}
            )
        elif m.description in killed_by_hardening:
            rows.append(
                {"program": m.description, "kind": "mutant", "wrong": True, "own": True, "final": False}
            )
        else:  # passes the final tests: wrong only if the judge tells it apart
            wrong = not await passes(sb, judge_suites, m.source, mutant_lim)
            rows.append(
                {"program": m.description, "kind": "mutant", "wrong": wrong, "own": True, "final": True}
            )
    for i, bug in enumerate(v.bugs):
        if bug.label == "too_slow":
            continue
        on_own = await passes(sb, [own], bug.code, mutant_lim)
        on_final = on_own and await passes(sb, final[1:], bug.code, mutant_lim)
        rows.append(
            {"program": f"bug{i}:{bug.label}", "kind": "bug", "wrong": True, "own": on_own, "final": on_final}
        )

    wrong = [r for r in rows if r["wrong"]]
    return {
        "problem": tag,
        "kind": problem.kind,
        "differential_cases": len(built.cases),
        "hardening_cases": len(hardened.cases),
        "defects": list(built.defects()),
        "known_wrong": len(wrong),
        "false_pass_own": sum(r["own"] for r in wrong),
        "false_pass_final": sum(r["final"] for r in wrong),
        "probably_equivalent": sum(not r["wrong"] for r in rows),
        "escaped": [r["program"] for r in wrong if r["final"]],
        "cpu_s": {
            "validity": round(validity_cpu, 4),
            "oracle": round(oracle_cpu, 4),
            "rollouts": round(rollout_cpu, 4),
        },
        "oracle_wall_s": round(oracle_wall, 3),
        "oracle_share": round(oracle_cpu / max(1e-9, oracle_cpu + validity_cpu + rollout_cpu), 4),
    }


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.2f}%" if b else "n/a"


def render_markdown(rep: dict[str, Any]) -> str:
    rows = rep["problems"]
    t = rep["totals"]
    m = rep["machine"]
    out = [
        f"# Oracle false-pass benchmark, {rep['started_at']}",
        "",
        f"Machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gib']} GiB, kernel {m['kernel']}, "
        f"Docker {m['docker_version']}, Python {m['python_version']}, gapforge {m['gapforge_commit']}.",
        f"Load average (1 min) before/after: {rep['load_average']['before'][0]:.2f}/"
        f"{rep['load_average']['after'][0]:.2f}. Wall time {rep['wall_s']:.0f} s.",
        f"Command: `{rep['command']}`",
        "",
        "| tests | known-wrong programs | passing | false-pass rate |",
        "|---|---:|---:|---:|",
        f"| own tests alone | {t['known_wrong']} | {t['false_pass_own']} | "
        f"{_pct(t['false_pass_own'], t['known_wrong'])} |",
        f"| own + differential + hardening | {t['known_wrong']} | {t['false_pass_final']} | "
        f"{_pct(t['false_pass_final'], t['known_wrong'])} |",
        "",
        f"Problems: {len(rows)}; probably-equivalent mutants (no suite, judge included, tells them "
        f"apart): {t['probably_equivalent']}; problems with differential-suite defects: "
        f"{t['problems_with_defects']}.",
        f"Oracle share of sandbox CPU per problem: median {t['oracle_share_median']:.1%}, max "
        f"{t['oracle_share_max']:.1%} ({t['oracle_share_max_problem']}); over all problems "
        f"{t['oracle_share_total']:.1%}.",
        "",
        "| problem | kind | diff cases | hardening cases | known wrong | pass own | pass final | oracle CPU s | oracle share |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r['problem']} | {r['kind']} | {r['differential_cases']} | {r['hardening_cases']} | "
            f"{r['known_wrong']} | {r['false_pass_own']} | {r['false_pass_final']} | "
            f"{r['cpu_s']['oracle']:.2f} | {r['oracle_share']:.1%} |"
        )
    escaped = [f"{r['problem']}: {', '.join(r['escaped'])}" for r in rows if r["escaped"]]
    if escaped:
        out += ["", "Known-wrong programs that pass the final tests:", "", *(f"- {e}" for e in escaped)]
    return "\n".join(out) + "\n"


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    shares = sorted(r["oracle_share"] for r in rows)
    worst = max(rows, key=lambda r: r["oracle_share"])
    cpu = {k: sum(r["cpu_s"][k] for r in rows) for k in ("validity", "oracle", "rollouts")}
    return {
        "known_wrong": sum(r["known_wrong"] for r in rows),
        "false_pass_own": sum(r["false_pass_own"] for r in rows),
        "false_pass_final": sum(r["false_pass_final"] for r in rows),
        "probably_equivalent": sum(r["probably_equivalent"] for r in rows),
        "problems_with_defects": sum(bool(r["defects"]) for r in rows),
        "oracle_share_median": shares[len(shares) // 2],
        "oracle_share_max": worst["oracle_share"],
        "oracle_share_max_problem": worst["problem"],
        "oracle_share_total": cpu["oracle"] / max(1e-9, sum(cpu.values())),
        "cpu_s": {k: round(v, 2) for k, v in cpu.items()},
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    wanted = set(args.families.split(",")) if args.families else None
    chosen = [
        (f"{f.key}/{v.difficulty}", v)
        for f in FAMILIES
        if wanted is None or f.key in wanted
        for v in f.variants
    ]
    rows = []
    async with PoolSandbox(run_id="bench-oracle", size=2) as pool:
        for tag, v in chosen:
            row = await one_problem(pool, tag, v)
            print(
                f"{tag}: known wrong {row['known_wrong']}, pass own {row['false_pass_own']}, "
                f"pass final {row['false_pass_final']}, oracle share {row['oracle_share']:.1%}",
                file=sys.stderr,
            )
            rows.append(row)
    return {"problems": rows, "totals": totals(rows)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--families", default="", help="comma-separated family keys (default: all)")
    p.add_argument("--out-dir", type=Path, default=HERE / "results")
    args = p.parse_args(argv)

    sys.path.insert(0, str(HERE))
    from sandbox_throughput import machine_description

    from gapforge.images.build import resolve_runner_image
    from gapforge.sandbox.docker import connect

    started = dt.datetime.now(dt.UTC)
    command = "python benchmarks/oracle_false_pass.py" + (
        f" --families {args.families}" if args.families else ""
    )
    load_before = list(os.getloadavg())
    t0 = time.monotonic()
    result = asyncio.run(run(args))
    rep = {
        "schema": SCHEMA,
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": command,
        "machine": machine_description(resolve_runner_image(connect())),
        "load_average": {"before": load_before, "after": list(os.getloadavg())},
        "wall_s": time.monotonic() - t0,
        "settings": {
            "max_mutants": MAX_MUTANTS,
            "validity_runs": VALIDITY_RUNS,
            "rollouts": ROLLOUTS,
            "oracle": OracleConfig().model_dump(),
            "judge": JUDGE.model_dump(),
        },
        **result,
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"oracle_false_pass-{started.strftime('%Y%m%dT%H%M%SZ')}"
    stem.with_suffix(".json").write_text(json.dumps(rep, indent=2) + "\n")
    md = render_markdown(rep)
    stem.with_suffix(".md").write_text(md)
    print(md)
    print(f"results: {stem}.json, {stem}.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
