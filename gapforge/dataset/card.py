"""The dataset card (README.md): a YAML header the Hugging Face Hub reads, then the governance
section a reviewer needs: sources, models, prompt hashes, gate and thresholds, rejection
statistics, leakage and contamination checks, licence, known limitations.

Everything here is computed from the run's records and run.json; nothing is hand-entered, and no
machine path is written (the card travels with the data).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from gapforge import __version__
from gapforge.dataset.quality import QualityReport
from gapforge.dataset.records import RoundRecord
from gapforge.dataset.schemas import DATASET_SCHEMA_VERSION, SCHEMAS, TABLE_NAMES, column_docs
from gapforge.dataset.tables import LANGUAGE, USABLE_VERDICTS, Row, RunData
from gapforge.errors import ConfigError
from gapforge.models import TokenUsage, Verdict
from gapforge.prompts import prompt_hashes
from gapforge.sandbox.metered import is_oracle_work

# The offline demo server answers with this system fingerprint prefix: its problems are variants
# from gapforge's bundled, hand-written bank, not model-written.
DEMO_FINGERPRINT = "gapforge-demo"

TABLE_DOCS = {
    "problems": "accepted problems: statement, signature or I/O contract, hidden tests, reference "
    "solution, weak/strong pass rates, gate decision, validity checks, quality flags",
    "rounds": "every challenger draft with its verdict (accepted, too_easy, failed_on_strong, invalid, "
    "malformed, ambiguous, infra) and the reason",
    "attempts": "every solver rollout and repair turn: the prompt it was sent, completion, extracted code, "
    "sandbox verdict, the feedback a repair turn was shown, per-test detail for analysts, capped "
    "stdout/stderr, tokens",
    "trajectories": "chat transcripts problem -> attempt -> execution feedback -> fix, exactly as sent, "
    "labelled `positive` (ends in a pass) or `negative`",
    "preferences": "DPO pairs: a passing (chosen) and a failing (rejected) solution of the same problem, "
    "with the rejected one's verdict and error output",
}


def size_category(n: int) -> str:
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")]
    for bound, label in bounds:
        if n < bound:
            return label
    return "1M<n<10M"


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def yaml_header(
    *,
    license: str,
    pretty_name: str,
    n_problems: int,
    files: Mapping[str, Sequence[str]],
    languages: Sequence[str] = (LANGUAGE,),
) -> str:
    """The Hub's metadata. ``files`` lists each table's shards (``data/<table>/<split>-….parquet``);
    every split that has shards becomes a data file of the table's config."""
    lines = [
        "---",
        f"license: {_q(license)}",
        f"pretty_name: {_q(pretty_name)}",
        "language:",
        "- en",
        "task_categories:",
        "- text-generation",
        "tags:",
        *[
            f"- {t}"
            for t in (
                "code",
                *languages,
                "synthetic",
                "reinforcement-learning",
                "verifiable-rewards",
                "gapforge",
            )
        ],
        "size_categories:",
        f"- {size_category(n_problems)}",
    ]
    first = True
    for table in TABLE_NAMES:
        if not files.get(table):
            continue  # an empty table has no shard, so no config (datasets cannot load 0-row files)
        if first:
            lines.append("configs:")
        lines += [f"- config_name: {table}", "  data_files:"]
        for split in splits_of(files.get(table, ())):
            lines += [f"  - split: {split}", f"    path: {_q(f'data/{table}/{split}-*.parquet')}"]
        if first:
            lines.append("  default: true")
            first = False
    lines.append("---")
    return "\n".join(lines) + "\n"


def splits_of(shards: Sequence[str]) -> list[str]:
    """The splits a table's shard paths hold, train first."""
    found = {path.rsplit("/", 1)[-1].split("-", 1)[0] for path in shards}
    return sorted(found, key=lambda s: (s != "train", s))


def _md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    def cell(v: object) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return out


def _gate_rule(cfg: Mapping[str, Any]) -> str:
    gate = cfg.get("gate")
    if not isinstance(gate, dict) or "preset" not in gate:
        return "(the run's config does not record the gate)"
    from gapforge.verifiers.gates import make_gate

    settings = {k: v for k, v in gate.items() if k != "preset"}
    try:
        return make_gate(gate["preset"], **settings).describe()
    except ConfigError as exc:
        return f"(unreadable gate settings: {exc})"


def render_card(
    data: RunData,
    rows: Mapping[str, Sequence[Row]],
    quality: QualityReport,
    files: Mapping[str, Sequence[str]],
    *,
    license: str,
    pretty_name: str | None = None,
) -> str:
    cfg = data.config
    name = pretty_name or str(cfg.get("name") or "gapforge dataset")
    counts = {t: len(rows.get(t, ())) for t in TABLE_NAMES}
    by_language = Counter(str(r.get("language") or LANGUAGE) for r in rows.get("problems", ()))
    seed_languages: Counter[str] = Counter(str(s.seed.language) for s in data.seeds)
    languages = sorted({*by_language, *seed_languages} or {LANGUAGE}, key=lambda x: (x != LANGUAGE, x))
    out: list[str] = [
        yaml_header(
            license=license, pretty_name=name, n_problems=counts["problems"], files=files, languages=languages
        )
    ]
    verdicts = Counter(r.verdict.value for r in data.rounds)
    n_rounds = sum(verdicts.values())
    labels = Counter(r["label"] for r in rows.get("trajectories", ()))

    out += [
        f"# {name}",
        "",
        "Verified coding problems made by gapforge (Agentic Self-Instruct for code): "
        "a challenger model writes a problem with hidden tests and a reference solution; the tests and "
        "the reference are checked in a sandbox; a weak and a strong solver are run against the tests; "
        "a gap gate keeps only problems the strong solver solves and the weak one does not. Every step "
        "(drafts, rejections, failing attempts and their error output, repairs) is kept.",
        "",
        f"- accepted problems: **{counts['problems']}** from {len(data.seeds)} finished seeds and "
        f"{n_rounds} challenger rounds",
        "- languages: "
        + ", ".join(
            f"{lang} {by_language.get(lang, 0)} accepted of {seed_languages.get(lang, 0)} seeds"
            for lang in languages
        )
        + " (the reference and the solutions are in the problem's `language`; input generators, "
        "validators and checkers are Python)",
        f"- solver attempts: {counts['attempts']}; trajectories: {counts['trajectories']} "
        f"({labels.get('positive', 0)} positive, {labels.get('negative', 0)} negative); "
        f"preference pairs: {counts['preferences']}",
        f"- run `{data.meta.get('run_id', '')}`, config hash `{data.meta.get('config_hash', '')}`, "
        f"published with gapforge {__version__}, table schema version {DATASET_SCHEMA_VERSION}",
        "",
        "## Tables",
        "",
    ]
    out += _md_table(
        ["config", "rows", "shards", "contents"],
        [(t, counts[t], len(files.get(t, ())), TABLE_DOCS[t]) for t in TABLE_NAMES],
    )
    out += [
        "",
        "Empty tables have no shard and no config. Column types are fixed by explicit Arrow schemas "
        "(the Parquet metadata carries `gapforge.schema_version`); scores are 1.0 when every hidden "
        "test passed and 0.0 otherwise, and `null` means *unmeasured* (an infrastructure failure), "
        "never a 0.",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        'problems = load_dataset("path/or/hub-id", "problems", split="train")',
        'pairs = load_dataset("path/or/hub-id", "preferences", split="train")',
        "```",
        "",
        "Trainer formats (verl, TRL, OpenRLHF, open-r1, SFT, DPO): `gapforge export DIR --format FMT --out OUT`.",
        "",
        "## Governance",
        "",
    ]
    out += _sources(data)
    out += _provenance(data)
    out += _models(data)
    out += _gate(data, cfg)
    out += _rejections(data, verdicts)
    out += _oracle(data)
    out += _leakage(quality, counts["problems"])
    out += _tokens(data)
    out += _licence(data, license, bool(quality.benchmarks))
    out += _limitations(data, cfg)
    out += _columns()
    return "\n".join(out).rstrip() + "\n"


def problem_source(data: RunData) -> str:
    """``demo-bank``, ``model`` or ``unrecorded``, from the challenger calls the run recorded."""
    calls = [c for c in data.all_calls if c.role == "challenger" and c.error is None]
    if not calls:
        return "unrecorded"
    if all((c.system_fingerprint or "").startswith(DEMO_FINGERPRINT) for c in calls):
        return "demo-bank"
    return "model"


def _endpoint(url: object) -> str:
    """An endpoint as the card may show it: scheme, host, port and path; never credentials or a
    query string (keys are sometimes passed there)."""
    if not isinstance(url, str):
        return "(unknown)"
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else "(unknown)"


def _provenance(data: RunData) -> list[str]:
    source = problem_source(data)
    served: dict[str, set[str]] = {}
    for c in data.all_calls:
        if c.error is None:
            served.setdefault(c.role, set()).add(c.served_model or c.model)
    if source == "demo-bank":
        origin = (
            "The problems come from gapforge's bundled demo bank: hand-written problems, served by the "
            "offline demo model server in the role of the challenger (its answers carry the system "
            f"fingerprint `{DEMO_FINGERPRINT}-…`). The solvers' answers are the demo server's scripted "
            "ones. This is a demonstration dataset, not model-written data."
        )
    elif source == "model":
        origin = "The problems were written by the challenger model(s) listed below, as recorded per call."
    else:
        origin = (
            "This run was written before gapforge recorded model calls, so who wrote the problems is "
            "known only from the run's configuration (below)."
        )
    roles = data.config.get("roles") if isinstance(data.config.get("roles"), dict) else {}
    assert isinstance(roles, dict)
    rows = []
    for role, rc in sorted(roles.items()):
        if isinstance(rc, dict):
            answered = ", ".join(sorted(served.get(role, ()))) or "(not recorded)"
            rows.append((role, rc.get("model", "?"), answered, _endpoint(rc.get("base_url"))))
    out = ["### Provenance", "", origin, ""]
    out += _md_table(["role", "model asked for", "model that answered", "endpoint"], rows)
    out += [
        "",
        f"Messages: {'recorded as sent' if data.messages_recorded else 'rebuilt at publication'}; "
        f"{len(data.all_calls)} model calls recorded. API keys are never recorded.",
        "",
    ]
    return out


def _tokens(data: RunData) -> list[str]:
    stored: dict[str, TokenUsage] = {}
    unstored: dict[str, TokenUsage] = {}
    for c in data.all_calls:
        stored[c.role] = stored.get(c.role, TokenUsage()) + (c.usage - c.unstored_usage)
        unstored[c.role] = unstored.get(c.role, TokenUsage()) + c.unstored_usage
    if not stored:
        return []
    rows = [
        (
            role,
            f"{stored[role].total:,}",
            f"{unstored[role].total:,}",
            f"{(stored[role] + unstored[role]).total:,}",
        )
        for role in sorted(stored)
    ]
    total_s = sum((u.total for u in stored.values()), 0)
    total_u = sum((u.total for u in unstored.values()), 0)
    rows.append(("total", f"{total_s:,}", f"{total_u:,}", f"{total_s + total_u:,}"))
    out = [
        "### Tokens",
        "",
        "Every call of the run, seeds redone after an interruption included. *Unstored*: answers "
        "the client discarded and retried (empty or cut off at max_tokens); billed, but kept nowhere.",
        "",
    ]
    out += _md_table(["role", "tokens of stored answers", "tokens of unstored answers", "billed"], rows)
    out.append("")
    return out


def _licence(data: RunData, license: str, benchmarks: bool) -> list[str]:
    source = problem_source(data)
    if source == "demo-bank":
        text = (
            f"Released under `{license}`. The problems, tests and solutions are gapforge's own bundled "
            "demo bank, under gapforge's licence."
        )
    else:
        text = (
            f"Released under `{license}`. The problems, tests and solutions were written by the models "
            "listed above; check that their terms of use allow your use of generated data."
        )
    if license == "other":
        text += " No licence was set: set `license` in the run config or pass `gapforge publish --license`."
    if benchmarks:
        text += " The benchmark data used for the contamination check is not redistributed here."
    return ["### Licence", "", text, ""]


def _columns() -> list[str]:
    out = ["## Columns", ""]
    for table in TABLE_NAMES:
        out += [f"### `{table}`", ""]
        out += _md_table(
            ["column", "type", "meaning"], [(f"`{n}`", f"`{t}`", d) for n, t, d in column_docs(table)]
        )
        out.append("")
    return out


def _sources(data: RunData) -> list[str]:
    by_source = Counter(s.seed.source for s in data.seeds)
    topics = Counter(s.seed.topic for s in data.seeds)
    accepted = Counter(s.seed.topic for s in data.seeds if s.accepted)
    out = [
        "### Sources",
        "",
        "Each problem grows from one seed (a topic, optionally grounded in a source text). Seed sources: "
        + (", ".join(f"{src} ({n})" for src, n in sorted(by_source.items())) or "none")
        + f"; {len(topics)} distinct topics.",
        "",
    ]
    if topics:
        out += _md_table(
            ["topic", "seeds", "accepted"],
            [
                (t, n, accepted.get(t, 0))
                for t, n in sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
            ],
        )
        if len(topics) > 25:
            out.append(f"| … {len(topics) - 25} more | | |")
        out.append("")
    return out


def _models(data: RunData) -> list[str]:
    models: dict[str, set[str]] = {}
    prompts: dict[str, set[str]] = {}
    images: set[str] = set()
    backends: set[str] = set()
    versions: set[str] = set()
    provenances = [r.provenance for r in data.rounds] + [r.provenance for r in data.problems]
    for p in provenances:
        for role, model in p.models.items():
            models.setdefault(role, set()).add(model)
        for pname, h in p.prompt_hashes.items():
            prompts.setdefault(pname, set()).add(h)
        images.add(p.sandbox_image or "(unknown)")
        backends.add(p.sandbox_backend)
        versions.add(p.gapforge_version)
    current = prompt_hashes()
    out = ["### Models and prompts", ""]
    out += _md_table(["role", "model"], [(r, ", ".join(sorted(m))) for r, m in sorted(models.items())])
    out += ["", "Prompt templates (sha256 prefix of the exact text; solvers share one neutral prompt):", ""]
    out += _md_table(
        ["prompt", "hash used", "same as this gapforge"],
        [
            (n, ", ".join(sorted(h)), "yes" if h == {current.get(n)} else "no")
            for n, h in sorted(prompts.items())
        ],
    )
    out += [
        "",
        f"Sandbox image(s): {', '.join(f'`{i}`' for i in sorted(images)) or '(none recorded)'}; "
        f"backend(s): {', '.join(sorted(backends)) or '(none)'}; gapforge version(s) that generated "
        f"the data: {', '.join(sorted(versions)) or '(none)'}.",
        "",
    ]
    return out


def _gate(data: RunData, cfg: Mapping[str, Any]) -> list[str]:
    roles = cfg.get("roles") if isinstance(cfg.get("roles"), dict) else {}
    loop = cfg.get("loop") if isinstance(cfg.get("loop"), dict) else {}
    assert isinstance(roles, dict)
    assert isinstance(loop, dict)

    def samples(role: str) -> object:
        rc = roles.get(role)
        return rc.get("samples", "?") if isinstance(rc, dict) else "?"

    return [
        "### Gate and thresholds",
        "",
        f"- gate: `{_gate_rule(cfg)}` (settings: `{json.dumps(cfg.get('gate', {}), sort_keys=True)}`)",
        f"- samples per problem: weak {samples('weak')}, strong {samples('strong')}; the weak solver runs "
        "first and the strong one only when the weak side of the gate holds",
        f"- validity: the reference must pass every test {loop.get('validity_runs', '?')} times with "
        "identical results; trivial solutions (pass, return None, echo input) must fail; the tests must "
        f"kill at least {loop.get('mutation_threshold', '?')} of up to {loop.get('max_mutants', '?')} "
        "mutants of the reference",
        f"- at least {loop.get('min_tests', '?')} hidden tests; up to {loop.get('max_rounds', '?')} rounds "
        f"per seed; {loop.get('repair_turns', 0)} repair turn(s) with execution feedback",
        "- acceptance is recomputed from raw execution results (`gapforge verify DIR` re-runs them)",
        "",
    ]


def _rejections(data: RunData, verdicts: Counter[str]) -> list[str]:
    total = sum(verdicts.values())
    rejected = total - verdicts.get(Verdict.ACCEPTED.value, 0)
    out = [
        "### Rejection statistics",
        "",
        f"{total} rounds, {rejected} rejected. Verdicts:",
        "",
    ]
    out += _md_table(
        ["verdict", "rounds", "share"],
        [(v, n, f"{n / total:.1%}" if total else "-") for v, n in verdicts.most_common()],
    )
    checks = Counter(_failed_check(r) for r in data.rounds if r.verdict is Verdict.INVALID)
    if checks:
        out += [
            "",
            "Invalid drafts by failed check: " + ", ".join(f"{c} {n}" for c, n in checks.most_common()) + ".",
        ]
    rounds_used = [p.rounds_used for p in data.problems]
    if rounds_used:
        out += [
            "",
            f"Rounds per accepted problem: mean {sum(rounds_used) / len(rounds_used):.2f}, "
            f"max {max(rounds_used)}.",
        ]
    out += [
        "",
        "Trajectories and preference pairs come only from rounds whose problem passed validity and was "
        f"not found ambiguous (verdicts {', '.join(sorted(v.value for v in USABLE_VERDICTS))}).",
        "",
    ]
    return out


def _failed_check(r: RoundRecord) -> str:
    if r.validity and r.validity.failed_check:
        return r.validity.failed_check
    if r.oracle is not None and r.oracle.defects:
        return "oracle"
    if r.oracle is not None and r.oracle.false_passes:
        return "known_wrong"
    return "static"


def _oracle(data: RunData) -> list[str]:
    """Totals of the test oracle (problems with an input generator): how much the final hidden
    tests add to the challenger's, and what they caught."""
    out = ["### Test oracle", ""]
    measured = [p for p in data.problems if p.oracle is not None and p.oracle.measures is not None]
    rejected = Counter(_failed_check(r) for r in data.rounds if r.verdict is Verdict.INVALID)
    if not measured and not (rejected["oracle"] or rejected["known_wrong"]):
        return [
            *out,
            "No accepted problem carries an input generator: every problem is judged on its "
            "challenger's tests alone (`oracle` is null).",
            "",
        ]
    ms = [p.oracle.measures for p in measured if p.oracle is not None and p.oracle.measures is not None]
    changed = sum(len(p.oracle.verdict_changed) for p in measured if p.oracle is not None)
    rounds = {(p.seed_id, p.epoch, p.round) for p in measured}
    oracle_attempts = sum(1 for a in data.attempts if (a.seed_id, a.epoch, a.round) in rounds)
    inputs = sum(m.inputs_kept for m in ms)
    out += [
        f"{len(measured)} of {len(data.problems)} accepted problems carry an input generator. Their "
        "final hidden tests are the challenger's tests plus a differential suite (inputs drawn by the "
        "generator, boundary variants and mutations of the tests' inputs that the input validator "
        "accepts, answered by the reference); rewards and `gapforge verify` judge on the final tests.",
        "",
    ]
    out += _md_table(
        ["measure", "total"],
        [
            ("differential inputs (cases in the final tests)", inputs),
            ("inputs drawn or mutated", sum(m.inputs_drawn for m in ms)),
            ("inputs the validator rejected", sum(m.rejected_by_validator for m in ms)),
            ("surviving mutants killed by hardening", sum(m.mutants_killed_by_hardening for m in ms)),
            ("surviving mutants probably equivalent", sum(m.probably_equivalent for m in ms)),
            (
                "solver attempts that pass the challenger's tests but fail the final ones",
                f"{changed} of {oracle_attempts}",
            ),
            (
                "known-wrong programs (failures recorded on the final tests; a few rerun)",
                sum(m.known_wrong_checked for m in ms),
            ),
            ("known-wrong programs that pass them (accepted problems)", sum(m.false_passes for m in ms)),
            ("drafts rejected: the oracle found the problem defective", rejected["oracle"]),
            ("drafts rejected: a known-wrong program passes the final tests", rejected["known_wrong"]),
        ],
    )
    out += _oracle_share(data)
    out += [
        "",
        "A problem is accepted only when none of its known-wrong programs (mutants its tests killed "
        "by a wrong answer, failing solver attempts) passes its final hidden tests. Per problem: "
        "`differential_inputs`, `mutants_killed_by_hardening`, `probably_equivalent_mutants`, "
        "`attempt_false_passes` and the `oracle` struct.",
        "",
    ]
    return out


def oracle_shares(rounds: list[RoundRecord], *, judging: bool = True) -> dict[str, float]:
    """Per seed, the oracle's share of the sandbox CPU seconds of all its rounds (seeds whose
    rounds recorded their sandbox work): its own phases and, with ``judging``, the runs of its
    suites that judge rollouts and repairs."""
    cpu: dict[str, float] = {}
    oracle: dict[str, float] = {}
    for r in rounds:
        for t in r.sandbox:
            cpu[r.seed_id] = cpu.get(r.seed_id, 0.0) + t.cpu_s
            if is_oracle_work(t.phase, judging=judging):
                oracle[r.seed_id] = oracle.get(r.seed_id, 0.0) + t.cpu_s
    return {seed: oracle.get(seed, 0.0) / total for seed, total in cpu.items() if total > 0}


def _oracle_share(data: RunData) -> list[str]:
    if not oracle_shares(data.rounds):
        return []
    total = sum(t.cpu_s for r in data.rounds for t in r.sandbox)
    rows = []
    for judging, what in (
        (False, "its own work (drawing and answering inputs, hardening, rechecking known-wrong programs)"),
        (True, "with judging rollouts and repairs on its suites"),
    ):
        shares = sorted(oracle_shares(data.rounds, judging=judging).values())
        ours = sum(
            t.cpu_s for r in data.rounds for t in r.sandbox if is_oracle_work(t.phase, judging=judging)
        )
        rows.append(
            (what, _pct(ours, total), f"{100 * shares[len(shares) // 2]:.1f}%", f"{100 * shares[-1]:.1f}%")
        )
    return [
        "",
        "The oracle's share of the sandbox CPU time (`rounds.sandbox`: each round's work by phase):",
        "",
        *_md_table(["oracle work", "of the run", "per seed, median", "per seed, max"], rows),
    ]


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole > 0 else "0%"


def _leakage(quality: QualityReport, n_problems: int) -> list[str]:
    by_source = quality.by_source()
    bench = ", ".join(f"{s} ({n} items)" for s, n in sorted(quality.benchmarks.items())) or "none"
    out = [
        "### Leakage and contamination checks",
        "",
        "- solution leakage: every draft was checked statically before execution; a statement, "
        "signature or example that contains the reference's code is rejected (`invalid`)",
        f"- near-duplicates within the dataset: word {quality.shingle_words}-gram shingles, Jaccard >= "
        f"{quality.duplicate_threshold}; **{quality.count('near_duplicate')}** of {n_problems} problems "
        "flagged (the later of each pair; `flags` contains `near_duplicate`)",
        f"- contamination: compared with {bench}; overlap coefficient >= {quality.contamination_threshold} "
        f"with at least {quality.min_shared} shared shingles; **{quality.count('contamination')}** problems "
        "flagged"
        + (
            " (" + ", ".join(f"{s}: {n}" for s, n in sorted(by_source.items()) if s != "dataset") + ")"
            if any(s != "dataset" for s in by_source)
            else ""
        ),
    ]
    for missing in quality.missing_benchmarks:
        out.append(f"- not checked: {missing}")
    out += [
        "- flagged rows are kept: filter on the `flags` column (`flag_details` names the match and score)",
        "",
    ]
    return out


def _limitations(data: RunData, cfg: Mapping[str, Any]) -> list[str]:
    out = [
        "### Known limitations",
        "",
        "- Problems are model-written: a statement can be ambiguous in ways the tests do not reveal, and "
        "tests can miss wrong solutions (mutation testing bounds, not removes, this).",
        '- Difficulty is relative to the two solver models used: "the weak model fails" does not make a '
        "problem hard for every model.",
        "- Pass rates are measured with a few samples per model (see the gate section); they are noisy.",
        "- Python only. Function problems are judged by pytest-style tests, stdio problems by output "
        "comparison with the rules stated in each problem's `io_contract`.",
        "- Contamination checks are lexical (shingle overlap); a paraphrased benchmark problem can pass them.",
        "- stdout/stderr in `attempts` keep their last 8000 characters (`output_capped`).",
        "- Timeouts: a solution is judged under the CPU limit stated in its prompt (max(rollout floor, "
        "4x the reference's CPU time), recorded as `validity.cpu_limit_s`); one that exceeds it is "
        "labelled `timeout` and scores 0, like a wrong answer.",
        "- `attempts.hidden_test_results` quotes hidden tests (inputs, expected values): it is for "
        "analysts. The texts models train on (`trajectories`, `preferences`) show hidden tests only as "
        "counts and error classes.",
    ]
    gate = cfg.get("gate")
    if isinstance(gate, dict) and gate.get("preset") == "deployed":
        out.append(
            "- The `deployed` gate's strong-mean ceiling rejects problems a strong solver always solves, "
            "since an execution score of a correct program is 1.0."
        )
    if not data.messages_recorded:
        out.append(
            "- This run was written before gapforge recorded the messages its models were sent: the "
            "`messages`/`prompt` columns are rebuilt with the publishing version's solver prompt "
            "(`messages_source = rebuilt`), and repair feedback with only the hidden tests' counts "
            "and error classes."
        )
    out.append("")
    return out


def schema_summary() -> dict[str, list[str]]:
    """Column names per table (for the manifest)."""
    return {t: list(SCHEMAS[t].names) for t in TABLE_NAMES}
