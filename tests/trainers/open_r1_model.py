"""A faithful stand-in for open-r1's `code` reward, written for these tests (open-r1 is not on
PyPI and its executors, E2B and Morph, are remote services, so its own code cannot run here).

What it models, as read in huggingface/open-r1 at commit OPEN_R1_COMMIT (src/open_r1/rewards.py,
`code_reward`, `binary_code_reward`, `extract_code`) — behaviour, not text:

* the code is the last fenced block that opens with exactly "```python" and a newline, taken from
  the content of the completion's last message; no such block gives the empty program;
* each test case of `verification_info["test_cases"]` runs the code as `python3 -c CODE` with the
  case's `input` on stdin, a 5 s wall timeout and no other limit;
* a case passes when the process exits 0 and its stripped stdout, split on newlines, matches the
  case's `output` split on newlines line by line after stripping each line; the comparison walks
  the two lists together and stops at the shorter one (open-r1 uses `zip`), so a correct prefix
  of the expected lines passes — modelled as it is;
* the reward is passed / total; `binary_code` turns it into 1.0 above 0.99 and 0.0 otherwise;
* the evaluation script runs in the executor; a case that times out raises inside it, the script
  has no value, and the default E2B provider (src/open_r1/utils/code_providers.py) then scores
  the completion 0.0 (its router variant reports None).

Re-read open-r1 and update this model when its reward changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

OPEN_R1_COMMIT = "1416fa0cf21595d2083b399a2a0bbddd7f6e9563"
EXEC_TIMEOUT_S = 5
BINARY_THRESHOLD = 0.99
_FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def last_python_block(text: str) -> str:
    blocks = _FENCE.findall(text)
    return blocks[-1] if blocks else ""


def _case_passes(code: str, case: dict[str, Any]) -> bool:
    proc = subprocess.run(
        [sys.executable, "-c", code],
        input=case["input"],
        text=True,
        capture_output=True,
        timeout=EXEC_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        return False
    got = proc.stdout.strip().split("\n")
    want = str(case["output"]).split("\n")
    return all(g.strip() == w.strip() for g, w in zip(got, want, strict=False))


def code_reward(completion_text: str, verification_info: dict[str, Any]) -> float:
    """open-r1's `code` reward for one completion (see the module docstring)."""
    code = last_python_block(completion_text)
    cases = verification_info["test_cases"]
    try:
        passed = sum(1 for case in cases if _case_passes(code, case))
    except subprocess.TimeoutExpired:
        return 0.0
    return passed / len(cases)


def binary_code_reward(completion_text: str, verification_info: dict[str, Any]) -> float:
    return 1.0 if code_reward(completion_text, verification_info) > BINARY_THRESHOLD else 0.0
