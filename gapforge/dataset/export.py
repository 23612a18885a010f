"""Trainer formats with the exact field names each trainer consumes (see docs/exports.md).

=========  ===============  ==================================================================
format     file             rows
=========  ===============  ==================================================================
verl       train.parquet    data_source, prompt (chat), ability, reward_model {style, ground_truth},
                            extra_info {split, index, problem_id, ...}; + gapforge_reward.py
trl        train.parquet    prompt (chat) + the reward function's columns: kind, tests,
                            entry_point, reference_cpu_s, cpu_limit_s, hidden_suites, problem_id,
                            language
openrlhf   train.jsonl      input (chat), label (JSON ground truth); + reward_func.py
open-r1    train.parquet    problem (text), verification_info {language, test_cases[{input,
                            output, type, fn_name}], float_tolerance, cpu_limit_s}; function
                            problems as one self-checking stdin -> stdout case; + kind, tests, ...
sft        train.jsonl      messages: problem -> passing solution, and repair transcripts
dpo        train.jsonl      prompt (chat), chosen, rejected (assistant messages)
=========  ===============  ==================================================================

RL formats (verl, trl, openrlhf, open-r1) take the accepted problems; sft and dpo take the
trajectories and preference pairs of accepted problems (``accepted_only=False``: of every
usable round). The source may be a run directory or a published dataset.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from gapforge.dataset.publish import load_rows
from gapforge.dataset.schemas import MESSAGES
from gapforge.dataset.tables import Row, problem_from_struct, prompt_messages
from gapforge.errors import ConfigError
from gapforge.sandbox import Kind

Format = Literal["verl", "trl", "openrlhf", "open-r1", "sft", "dpo"]
FORMATS: tuple[str, ...] = get_args(Format)
RL_FORMATS = frozenset({"verl", "trl", "openrlhf", "open-r1"})
PARQUET_FORMATS = frozenset({"verl", "trl", "open-r1"})
DATA_SOURCE = "gapforge"

VERL_SCHEMA = pa.schema(
    [
        ("data_source", pa.string()),
        ("prompt", MESSAGES),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
        (
            "extra_info",
            pa.struct(
                [
                    ("split", pa.string()),
                    ("index", pa.int64()),
                    ("problem_id", pa.string()),
                    ("title", pa.string()),
                    ("kind", pa.string()),
                    ("language", pa.string()),
                    ("difficulty", pa.string()),
                    ("weak_pass_rate", pa.float64()),
                    ("strong_pass_rate", pa.float64()),
                ]
            ),
        ),
    ]
)
TRL_SCHEMA = pa.schema(
    [
        ("prompt", MESSAGES),
        ("problem_id", pa.string()),
        ("kind", pa.string()),
        ("tests", pa.string()),
        ("entry_point", pa.string()),
        ("reference_cpu_s", pa.float64()),
        ("cpu_limit_s", pa.float64()),
        # JSON list of the oracle's extra suites ({name, kind, tests, cpu_limit_s}); null: none
        ("hidden_suites", pa.string()),
        ("title", pa.string()),
        # the language completions are written and run in (python, cpp, rust, go, java, javascript)
        ("language", pa.string()),
    ]
)
OPEN_R1_SCHEMA = pa.schema(
    [
        ("problem", pa.string()),
        (
            "verification_info",
            pa.struct(
                [
                    ("language", pa.string()),
                    (
                        "test_cases",
                        pa.list_(
                            pa.struct(
                                [
                                    ("input", pa.string()),
                                    ("output", pa.string()),
                                    ("type", pa.string()),
                                    ("fn_name", pa.string()),
                                ]
                            )
                        ),
                    ),
                    ("float_tolerance", pa.float64()),
                    ("cpu_limit_s", pa.float64()),
                    ("reference_cpu_s", pa.float64()),
                ]
            ),
        ),
        ("problem_id", pa.string()),
        ("kind", pa.string()),
        ("source", pa.string()),
        # what gapforge's reward functions judge by: the hidden tests as generation ran them
        ("tests", pa.string()),
        ("entry_point", pa.string()),
        ("reference_cpu_s", pa.float64()),
        ("cpu_limit_s", pa.float64()),
        ("language", pa.string()),
    ]
)
SCHEMAS = {"verl": VERL_SCHEMA, "trl": TRL_SCHEMA, "open-r1": OPEN_R1_SCHEMA}

VERL_SHIM = '''"""verl custom reward for a gapforge export:
custom_reward_function.path=<this file> custom_reward_function.name=compute_score
(verl's default `naive` reward manager calls it once per response)."""

from gapforge.reward import compute_score, compute_score_batch

__all__ = ["compute_score", "compute_score_batch"]
'''
OPENRLHF_SHIM = '''"""OpenRLHF custom reward for a gapforge export: --reward.remote_url <this file> --data.label_key label."""

from gapforge.reward import openrlhf_reward_func as reward_func

__all__ = ["reward_func"]
'''


class ExportResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: str
    path: Path  # the data file
    rows: int
    extra_files: tuple[Path, ...] = ()  # reward shims written next to it
    # problems left out because the format's trainer could not judge them, with why
    left_out: int = 0
    note: str = ""


def extra_suites(row: Row) -> list[dict[str, Any]]:
    """The test oracle's extra hidden suites of a published problem (empty: judged on ``tests``)."""
    oracle = row.get("oracle") or {}
    return [dict(s) for s in oracle.get("suites") or []]


def language_of(row: Row) -> str:
    """A published problem's language (rows published before languages existed are Python)."""
    return str(row.get("language") or "python")


def ground_truth(row: Row) -> dict[str, Any]:
    """What the reward functions need to judge a completion of this problem: the final hidden
    tests (``tests`` and, for problems with a test oracle, ``suites``), the CPU limits and the
    language the completion is run in."""
    validity = row.get("validity") or {}
    truth = {
        "kind": row["kind"],
        "language": language_of(row),
        "tests": row["tests"],
        "entry_point": row.get("entry_point"),
        "problem_id": row["problem_id"],
        "reference_cpu_s": validity.get("reference_cpu_s"),
        "cpu_limit_s": validity.get("cpu_limit_s"),
    }
    suites = extra_suites(row)
    return truth | {"suites": suites} if suites else truth


def _messages(row: Row, system_prompt: bool) -> list[Row]:
    # The solver prompt the problem's pass rates were measured with, as recorded; rebuilt only for
    # datasets published before prompts were recorded.
    msgs = [dict(m) for m in row.get("prompt") or prompt_messages(problem_from_struct(row))]
    return msgs if system_prompt else [m for m in msgs if m["role"] != "system"]


def verl_rows(problems: Sequence[Row], *, split: str, data_source: str, system_prompt: bool) -> list[Row]:
    return [
        {
            "data_source": data_source,
            "prompt": _messages(p, system_prompt),
            "ability": "code",
            "reward_model": {
                "style": "rule",
                "ground_truth": json.dumps(ground_truth(p), ensure_ascii=False),
            },
            "extra_info": {
                "split": split,
                "index": i,
                "problem_id": p["problem_id"],
                "title": p["title"],
                "kind": p["kind"],
                "language": language_of(p),
                "difficulty": p.get("difficulty"),
                "weak_pass_rate": p.get("weak_pass_rate"),
                "strong_pass_rate": p.get("strong_pass_rate"),
            },
        }
        for i, p in enumerate(problems)
    ]


def trl_rows(problems: Sequence[Row], *, system_prompt: bool) -> list[Row]:
    return [
        {
            "prompt": _messages(p, system_prompt),
            "problem_id": p["problem_id"],
            "kind": p["kind"],
            "tests": p["tests"],
            "entry_point": p.get("entry_point"),
            "reference_cpu_s": (p.get("validity") or {}).get("reference_cpu_s"),
            "cpu_limit_s": (p.get("validity") or {}).get("cpu_limit_s"),
            "hidden_suites": json.dumps(extra_suites(p), ensure_ascii=False) if extra_suites(p) else None,
            "title": p["title"],
            "language": language_of(p),
        }
        for p in problems
    ]


def openrlhf_rows(problems: Sequence[Row], *, data_source: str, system_prompt: bool) -> list[Row]:
    return [
        {
            "input": _messages(p, system_prompt),
            "label": json.dumps(ground_truth(p), ensure_ascii=False),
            "problem_id": p["problem_id"],
            "datasource": data_source,
        }
        for p in problems
    ]


def verification_info(row: Row) -> dict[str, Any]:
    """open-r1's verification_info, judged by open-r1's stock ``code`` reward: every case is
    ``stdin_stdout`` (the completion's program runs with ``input`` on stdin; its stripped output
    lines must equal ``output``'s). stdio cases map one to one. A function problem's pytest module
    cannot be split into input/output pairs, so it becomes one self-checking case: the input is
    a script that runs the hidden tests against the program (which the prompt asks to end with
    ``exec(sys.stdin.read())``) and prints a per-problem token only when all of them pass."""
    validity = row.get("validity") or {}
    limits = {"cpu_limit_s": validity.get("cpu_limit_s"), "reference_cpu_s": validity.get("reference_cpu_s")}
    if row["kind"] == "stdio":
        data = json.loads(row["tests"])
        tol = None
        if isinstance(data, dict):
            tol = data.get("float_tolerance")
            data = data.get("cases", [])
        cases = [
            {"input": c["input"], "output": c["output"], "type": "stdin_stdout", "fn_name": None}
            for c in data
        ]
        return {"language": language_of(row), "test_cases": cases, "float_tolerance": tol, **limits}
    script, token = self_check_script(row["tests"], row["problem_id"], limits["cpu_limit_s"])
    case = {"input": script, "output": token, "type": "stdin_stdout", "fn_name": row.get("entry_point")}
    return {"language": "python", "test_cases": [case], "float_tolerance": None, **limits}


# Appended to a function problem's prompt in the open-r1 export: open-r1 runs the program alone
# (``python3 -c``), so the program itself must pull in the tests.
SELF_CHECK_INSTRUCTION = (
    "Your program is checked by running it with a test script on standard input. "
    "Print nothing, and end your program with these two top-level lines:\n\n"
    "```python\nimport sys\nexec(sys.stdin.read())\n```"
)

SELF_CHECK_STARTUP_S = 1.0  # pytest's own start-up, which the sandbox's pre-warmed harness does not pay
_SELF_CHECK = """# gapforge self-check: the hidden tests of one problem, run against the program that exec()s this.
import contextlib as _gf_contextlib, hashlib as _gf_hashlib, os as _gf_os, sys as _gf_sys, tempfile as _gf_tempfile
_gf_sys.modules["solution"] = _gf_sys.modules["__main__"]
_GF_CPU_LIMIT_S = {cpu_limit!r}
_GF_TESTS = {tests!r}
try:
    from hypothesis import HealthCheck as _gf_hc, settings as _gf_settings
    _gf_settings.register_profile("gapforge", derandomize=True, database=None, deadline=None, print_blob=False, suppress_health_check=list(_gf_hc))
    _gf_settings.load_profile("gapforge")
except ImportError:
    pass
try:
    import pytest as _gf_pytest
except ImportError:
    _gf_sys.stderr.write("gapforge self-check: pytest is not installed where this runs; install pytest (and hypothesis)\\n")
    _gf_sys.exit(3)
if _GF_CPU_LIMIT_S:
    # the CPU limit of generation, counted from here, plus {startup_s} s for pytest's start-up
    import math as _gf_math, resource as _gf_resource
    _gf_used = _gf_resource.getrusage(_gf_resource.RUSAGE_SELF)
    _gf_soft = _gf_math.ceil(_gf_used.ru_utime + _gf_used.ru_stime + _GF_CPU_LIMIT_S + {startup_s})
    _gf_hard = _gf_resource.getrlimit(_gf_resource.RLIMIT_CPU)[1]
    _gf_resource.setrlimit(_gf_resource.RLIMIT_CPU, (_gf_soft, _gf_hard if _gf_hard == _gf_resource.RLIM_INFINITY else max(_gf_soft, _gf_hard)))
_gf_dir = _gf_tempfile.mkdtemp(prefix="gapforge-check-")
with open(_gf_os.path.join(_gf_dir, "test_solution.py"), "w", encoding="utf-8") as _gf_fh:
    _gf_fh.write(_GF_TESTS)
_gf_out = _gf_os.dup(1)
_gf_null = _gf_os.open(_gf_os.devnull, _gf_os.O_WRONLY)
_gf_sys.stdout.flush()
_gf_os.dup2(_gf_null, 1)
try:
    with open(_gf_os.devnull, "w") as _gf_sink, _gf_contextlib.redirect_stdout(_gf_sink):
        _gf_ok = _gf_pytest.main([_gf_os.path.join(_gf_dir, "test_solution.py"), "-q", "-p", "no:cacheprovider", "--rootdir", _gf_dir]) == 0
finally:
    _gf_sys.stdout.flush()
    _gf_os.dup2(_gf_out, 1)
if _gf_ok:
    print(_gf_hashlib.sha256({nonce!r}.encode()).hexdigest()[:16])
else:
    print("failed")
    _gf_sys.exit(1)
"""


def self_check_script(tests: str, problem_id: str, cpu_limit_s: float | None) -> tuple[str, str]:
    """A function problem as a stdin -> stdout case: the script (stdin of the completion's program)
    runs the hidden pytest module against that program under the recorded CPU limit; it prints a
    token derived from the problem only when every test passes. Returns (script, token)."""
    nonce = f"gapforge-self-check:{problem_id}"
    token = hashlib.sha256(nonce.encode()).hexdigest()[:16]
    script = _SELF_CHECK.format(
        cpu_limit=cpu_limit_s, tests=tests, nonce=nonce, startup_s=SELF_CHECK_STARTUP_S
    )
    return script, token


def open_r1_rows(problems: Sequence[Row], *, data_source: str) -> list[Row]:
    rows = []
    for p in problems:
        text = _messages(p, system_prompt=False)[-1]["content"]
        if p["kind"] == "function":
            text = f"{text}\n\n{SELF_CHECK_INSTRUCTION}"
        validity = p.get("validity") or {}
        rows.append(
            {
                "problem": text,
                "verification_info": verification_info(p),
                "problem_id": p["problem_id"],
                "kind": p["kind"],
                "source": data_source,
                "tests": p["tests"],
                "entry_point": p.get("entry_point"),
                "reference_cpu_s": validity.get("reference_cpu_s"),
                "cpu_limit_s": validity.get("cpu_limit_s"),
                "language": language_of(p),
            }
        )
    return rows


def sft_rows(trajectories: Sequence[Row], *, system_prompt: bool) -> list[Row]:
    out = []
    for t in trajectories:
        if t["label"] != "positive":
            continue
        msgs = list(t["messages"])
        if not system_prompt:
            msgs = [m for m in msgs if m["role"] != "system"]
        out.append(
            {
                "messages": msgs,
                "problem_id": t["problem_id"],
                "source": "repair" if t["turns"] > 1 else "solution",
                "model": t["model"],
                "trajectory_id": t["trajectory_id"],
            }
        )
    return out


def dpo_rows(pairs: Sequence[Row], *, system_prompt: bool) -> list[Row]:
    return [
        {
            "prompt": list(p["prompt"])
            if system_prompt
            else [m for m in p["prompt"] if m["role"] != "system"],
            "chosen": list(p["chosen"]),
            "rejected": list(p["rejected"]),
            "problem_id": p["problem_id"],
            "chosen_source": p["chosen_source"],
            "rejected_status": p["rejected_status"],
            "pair_id": p["pair_id"],
        }
        for p in pairs
    ]


# --------------------------------------------------------------------------- writing


def _target(fmt: str, out: Path, split: str) -> Path:
    suffix = ".parquet" if fmt in PARQUET_FORMATS else ".jsonl"
    if out.suffix in (".parquet", ".jsonl"):
        if out.suffix != suffix:
            raise ConfigError(
                f"the {fmt} export is a {suffix} file; name the output *{suffix} or give a directory"
            )
        return out
    return out / f"{split}{suffix}"


def _write_parquet(path: Path, rows: list[Row], schema: pa.Schema) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp, compression="zstd")
    os.replace(tmp, path)


def _write_jsonl(path: Path, rows: list[Row]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def export(
    source: str | Path,
    fmt: str,
    out: str | Path,
    *,
    split: str = "train",
    data_source: str = DATA_SOURCE,
    accepted_only: bool = True,
    drop_flagged: bool = False,
    kinds: Iterable[str] | None = None,
    system_prompt: bool = True,
    benchmark_files: Iterable[str | Path] = (),
    humaneval: bool = True,
) -> ExportResult:
    """Write ``source`` (a run directory or a published dataset) in trainer format ``fmt``.

    ``out`` is a directory (the file is ``<split>.parquet`` or ``<split>.jsonl`` in it) or a file
    name with that suffix. ``accepted_only`` (default) limits sft/dpo to accepted problems;
    False takes every usable round. ``drop_flagged`` leaves out problems with quality flags;
    ``kinds`` (RL formats) keeps only those problem kinds, e.g. ``{"stdio"}`` for open-r1's
    stock executor; ``system_prompt=False`` drops the solver system message.
    """
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if not data_source.startswith(DATA_SOURCE):
        raise ConfigError(f"data_source must start with {DATA_SOURCE!r} (the reward functions route on it)")
    wanted_kinds = set(kinds) if kinds is not None else None
    if wanted_kinds is not None and not wanted_kinds <= set(get_args(Kind)):
        raise ConfigError(
            f"unknown problem kind(s) {', '.join(sorted(wanted_kinds - set(get_args(Kind))))}; "
            f"choose from: {', '.join(get_args(Kind))}"
        )
    if wanted_kinds is not None and fmt not in RL_FORMATS:
        raise ConfigError(
            f"kinds filters problems of the RL formats ({', '.join(sorted(RL_FORMATS))}), not {fmt}"
        )
    tables = ["problems"] + (["trajectories"] if fmt == "sft" else ["preferences"] if fmt == "dpo" else [])
    rows = load_rows(source, tables, benchmark_files=benchmark_files, humaneval=humaneval)
    problems = rows["problems"]
    flagged = {p["problem_id"] for p in problems if p.get("flags")}
    accepted = {p["problem_id"] for p in problems}
    if drop_flagged:
        problems = [p for p in problems if p["problem_id"] not in flagged]
    if wanted_kinds is not None:
        problems = [p for p in problems if p["kind"] in wanted_kinds]
    left_out, note = 0, ""
    if fmt == "open-r1":
        # open-r1's stock code reward runs every program with python3: a C++ reference would score
        # 0 there, a wrong reward, so other languages stay out of this export
        others = [p for p in problems if language_of(p) != "python"]
        if others:
            problems = [p for p in problems if language_of(p) == "python"]
            langs = ", ".join(sorted({language_of(p) for p in others}))
            left_out = len(others)
            note = (
                f"left out {left_out} problem(s) in {langs}: open-r1's stock code reward runs Python only; "
                "export them for verl, trl or openrlhf, whose gapforge reward runs every language"
            )

    def keep(r: Row) -> bool:
        if accepted_only and r["problem_id"] not in accepted:
            return False
        return not (drop_flagged and r["problem_id"] in flagged)

    out_rows: list[Row]
    if fmt == "verl":
        out_rows = verl_rows(problems, split=split, data_source=data_source, system_prompt=system_prompt)
    elif fmt == "trl":
        out_rows = trl_rows(problems, system_prompt=system_prompt)
    elif fmt == "openrlhf":
        out_rows = openrlhf_rows(problems, data_source=data_source, system_prompt=system_prompt)
    elif fmt == "open-r1":
        out_rows = open_r1_rows(problems, data_source=data_source)
    elif fmt == "sft":
        out_rows = sft_rows([t for t in rows["trajectories"] if keep(t)], system_prompt=system_prompt)
    else:
        out_rows = dpo_rows([p for p in rows["preferences"] if keep(p)], system_prompt=system_prompt)

    path = _target(fmt, Path(out), split)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in PARQUET_FORMATS:
        _write_parquet(path, out_rows, SCHEMAS[fmt])
    else:
        _write_jsonl(path, out_rows)
    extra: list[Path] = []
    shim = {"verl": ("gapforge_reward.py", VERL_SHIM), "openrlhf": ("reward_func.py", OPENRLHF_SHIM)}.get(fmt)
    if shim is not None:
        shim_path = path.parent / shim[0]
        shim_path.write_text(shim[1], encoding="utf-8")
        extra.append(shim_path)
    return ExportResult(
        format=fmt, path=path, rows=len(out_rows), extra_files=tuple(extra), left_out=left_out, note=note
    )
