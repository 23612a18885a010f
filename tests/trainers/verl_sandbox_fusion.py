"""verl's own SandboxFusion client against a `gapforge serve` URL, run with the trainers
environment's Python: ``python verl_sandbox_fusion.py URL``. Prints one JSON line: for each case,
what verl's ``check_correctness`` returned per test case and the metadata status it derived, and
the score verl's ``compute_score`` gave. tests/test_serve.py asserts them."""

from __future__ import annotations

import json
import sys
import threading

from verl.utils.reward_score.sandbox_fusion import compute_score
from verl.utils.reward_score.sandbox_fusion.utils import check_correctness

SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
STDIO = {"inputs": ["1 2\n", "10 20\n"], "outputs": ["3\n", "30\n"]}

CASES: dict[str, tuple[str, dict[str, object], dict[str, int]]] = {
    "stdio_pass": (SUM, STDIO, {}),
    "stdio_wrong_answer": ("a, b = map(int, input().split())\nprint(a - b)\n", STDIO, {}),
    "stdio_runtime_error": ("raise ValueError('boom')\n", STDIO, {}),
    "stdio_timeout": ("while True:\n    pass\n", {"inputs": ["1 2\n"], "outputs": ["3\n"]}, {"timeout": 1}),
    "stdio_memory": (
        "x = bytearray(512 * 1024 * 1024)\nprint(3)\n",
        {"inputs": ["1 2\n"], "outputs": ["3\n"]},
        {"memory_limit_mb": 128},
    ),
    "fn_pass": (
        "def add(a, b):\n    return a + b\n",
        {"inputs": ["1\n2", "3\n4"], "outputs": ["3", "7"], "fn_name": "add"},
        {},
    ),
    "fn_solution_class_pass": (
        "from typing import List\n\nclass Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
        "        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:\n"
        "                return [seen[target - x], i]\n            seen[x] = i\n",
        {"inputs": ["[2, 7, 11, 15]\n9"], "outputs": ["[0, 1]"], "fn_name": "twoSum"},
        {},
    ),
    "fn_wrong_answer": (
        "def add(a, b):\n    return a * b\n",
        {"inputs": ["1\n2"], "outputs": ["3"], "fn_name": "add"},
        {},
    ),
    "fn_runtime_error": (
        "def add(a, b):\n    return a + undefined\n",
        {"inputs": ["1\n2"], "outputs": ["3"], "fn_name": "add"},
        {},
    ),
    "fn_timeout": (
        "def add(a, b):\n    while True:\n        pass\n",
        {"inputs": ["1\n2"], "outputs": ["3"], "fn_name": "add"},
        {"timeout": 1},
    ),
}


def main(url: str) -> None:
    out: dict[str, object] = {}
    semaphore = threading.Semaphore(4)
    for name, (code, in_outs, extra) in CASES.items():
        results, metadata = check_correctness(
            sandbox_fusion_url=url,
            in_outs=dict(in_outs),
            generation=code,
            timeout=extra.get("timeout", 10),
            memory_limit_mb=extra.get("memory_limit_mb", 1024),
            language="python",
            concurrent_semaphore=semaphore,
        )
        out[name] = {
            "results": results,
            "statuses": [m.get("status") for m in metadata],
            "api_errors": [m.get("api_request_error") for m in metadata],
        }
    score, _ = compute_score(url, semaphore, 1024, "Sure:\n```python\n" + SUM + "```", json.dumps(STDIO))
    half = {"inputs": ["1 2\n", "1 2\n"], "outputs": ["3\n", "4\n"]}
    partial, _ = compute_score(url, semaphore, 1024, "```python\n" + SUM + "```", half)
    out["compute_score"] = {"pass": score, "half": partial}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
