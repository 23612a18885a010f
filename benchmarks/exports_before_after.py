"""The failures of issue 12, measured on a run directory with whichever gapforge is importable.

    python benchmarks/exports_before_after.py RUN_DIR OUT_DIR

Run it once with the current source and once with an older one on ``PYTHONPATH`` (e.g. a
``git archive`` of an earlier commit) to compare. It prints:

1. code extraction of a fenced answer followed by an end-of-turn token;
2. OpenRLHF: ``openrlhf_reward_func`` on queries shaped as OpenRLHF sends them (ChatML prompt +
   the reference solution + ``<|im_end|>``, decoded with special tokens);
3. open-r1: open-r1's stock ``code`` reward loop (each case as stdin -> stdout of the program,
   stripped lines compared) on the open-r1 export, references only, per problem kind;
4. whether the open-r1 export records the CPU limit, and what gapforge's reward gives a correct
   solution that spends 2 s of CPU on problems whose recorded limit is 1 s.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

import gapforge
from gapforge.dataset.export import export
from gapforge.dataset.publish import read_published
from gapforge.extract import extract_code
from gapforge.reward import SandboxRewarder, openrlhf_reward_func, reward_func, set_default_rewarder

FENCE = "`" * 3
BURN = "import time\n_t = time.process_time()\nwhile time.process_time() - _t < 2:\n    pass\n\n"


def rewarder() -> SandboxRewarder:
    # older versions have no host_slots parameter
    extra = {"host_slots": None} if "host_slots" in inspect.signature(SandboxRewarder).parameters else {}
    return SandboxRewarder("pool", max_concurrency=2, run_id="bench-exports", **extra)  # type: ignore[arg-type]


def stock_open_r1(code: str, cases: list[dict[str, str]]) -> float:
    passed = 0
    for case in cases:
        proc = subprocess.run(
            [sys.executable, "-c", code], input=case["input"], text=True, capture_output=True, timeout=60
        )
        lines = zip(proc.stdout.strip().split("\n"), case["output"].split("\n"), strict=False)
        passed += proc.returncode == 0 and all(a.strip() == b.strip() for a, b in lines)
    return passed / len(cases)


def main(run: Path, out: Path) -> None:
    print("gapforge from", Path(gapforge.__file__).parent.parent)
    problems = {p["problem_id"]: p for p in read_published(run / "published")["problems"]}
    code = "def add(a, b):\n    return a + b\n"
    for tok in ("<|im_end|>", "<|eot_id|>", "</s>", "<|endoftext|>"):
        text = f"{FENCE}python\n{code}{FENCE}{tok}"
        print(f"1. extract_code, fence + {tok}: {extract_code(text, 'add') == code}")

    set_default_rewarder(rewarder())
    path = export(run, "openrlhf", out / "openrlhf").path
    queries, prompts, labels = [], [], []
    for line in path.read_text().splitlines():
        row = json.loads(line)
        prompt = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in row["input"])
        prompt += "<|im_start|>assistant\n"
        ref = problems[row["problem_id"]]["reference_solution"].rstrip()
        queries.append(f"{prompt}Here it is.\n{FENCE}python\n{ref}\n{FENCE}<|im_end|>")
        prompts.append(prompt)
        labels.append(row["label"])
    start = time.monotonic()
    rewards = openrlhf_reward_func(queries, prompts, labels)["rewards"]
    print(f"2. OpenRLHF, references: {[float(x) for x in rewards]} ({time.monotonic() - start:.1f} s)")

    rows = pq.read_table(export(run, "open-r1", out / "open-r1").path).to_pylist()
    per_kind: dict[str, list[float]] = {}
    for row in rows:
        ref = problems[row["problem_id"]]["reference_solution"].rstrip() + "\n"
        if "exec(sys.stdin.read())" in row["problem"]:  # what the prompt asks the program to end with
            ref += "\nimport sys\nexec(sys.stdin.read())\n"
        per_kind.setdefault(row["kind"], []).append(
            stock_open_r1(ref, row["verification_info"]["test_cases"])
        )
    summary = {k: f"{sum(v == 1.0 for v in vs)}/{len(vs)}" for k, vs in per_kind.items()}
    print(f"3. open-r1 stock code reward, references scoring 1.0: {summary}")

    info = rows[0]["verification_info"]
    print(f"4. open-r1 verification_info records cpu_limit_s: {'cpu_limit_s' in info}")
    scores = []
    for row in rows:
        p = problems[row["problem_id"]]
        if p["kind"] == "function" and p["validity"].get("cpu_limit_s") == 1.0 and len(scores) < 3:
            answer = f"{FENCE}python\n{BURN}{p['reference_solution']}{FENCE}"
            scores.append(
                reward_func(
                    prompts=["p"], completions=[answer], verification_info=[row["verification_info"]]
                )[0]
            )
    print(f"   correct solution + 2 s of CPU, recorded limit 1 s, reward from verification_info: {scores}")
    set_default_rewarder(None)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
