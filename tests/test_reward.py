"""Reward functions against a real sandbox: TRL's calling convention, verl and OpenRLHF shapes,
fraction scoring, batching, and infrastructure failures scored None (never 0)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _dataset_runs import (
    PAIRS_BUG,
    PAIRS_REF,
    SECOND_BUG,
    SECOND_REF,
    completion,
    pairs_problem,
    second_problem,
)
from conftest import RUN_ID

from gapforge.errors import ConfigError, RewardsUnmeasured
from gapforge.models import Problem
from gapforge.reward import (
    RewardTask,
    SandboxRewarder,
    completion_text,
    compute_score,
    compute_score_batch,
    default_rewarder,
    make_reward_func,
    openrlhf_reward_func,
    response_of,
    reward_func,
    set_default_rewarder,
)
from gapforge.sandbox.docker import DockerSandbox
from gapforge.sandbox.slots import HostSlots

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def rewarder() -> Iterator[SandboxRewarder]:
    r = SandboxRewarder("pool", max_concurrency=2, run_id=RUN_ID)
    set_default_rewarder(r)
    yield r
    set_default_rewarder(None)  # closes it


def columns(problems: list[Problem]) -> dict[str, list[Any]]:
    """The dataset columns a TRL batch hands the reward function, one value per completion."""
    return {
        "problem_id": [p.id for p in problems],
        "kind": [p.kind for p in problems],
        "tests": [p.tests for p in problems],
        "entry_point": [p.entry_point for p in problems],
    }


def chat(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def test_trl_reward_func_called_exactly_like_grpo_trainer(rewarder: SandboxRewarder) -> None:
    second, pairs = second_problem(), pairs_problem()
    problems = [second, second, pairs, pairs]
    prompts = [[{"role": "user", "content": p.solver_view()}] for p in problems]
    completions = [
        chat(completion(SECOND_REF)),
        chat(completion(SECOND_BUG)),
        chat(completion(PAIRS_REF)),
        chat(completion(PAIRS_BUG)),
    ]
    # GRPOTrainer: reward_func(prompts=..., completions=..., completion_ids=..., **reward_kwargs),
    # reward_kwargs = every other dataset column (a list per column) plus trainer_state.
    out = reward_func(
        prompts=prompts,
        completions=completions,
        completion_ids=[[1, 2, 3]] * 4,
        trainer_state=object(),
        **columns(problems),
    )
    assert out == [1.0, 0.0, 1.0, 0.0]


def test_string_completions_and_a_completion_without_code(rewarder: SandboxRewarder) -> None:
    p = second_problem()
    out = reward_func(
        prompts=["p"] * 3,
        completions=[completion(SECOND_REF), "I do not know.", ""],
        **columns([p] * 3),
    )
    assert out == [1.0, 0.0, 0.0]  # no code is the policy's failure, scored 0


def test_rewards_use_the_cpu_limit_recorded_with_the_problem(rewarder: SandboxRewarder) -> None:
    # a correct solution that burns ~0.7 s of CPU: within the 4 s legacy floor, over a recorded 0.3 s
    p = second_problem()
    slow = completion(
        "import time\n_t = time.process_time()\nwhile time.process_time() - _t < 0.7:\n    pass\n"
        + SECOND_REF
    )
    cols = columns([p] * 2) | {"reference_cpu_s": [0.01, 0.01], "cpu_limit_s": [0.3, None]}
    out = reward_func(prompts=["p"] * 2, completions=[slow, slow], **cols)
    assert out == [0.0, 1.0]


def test_fraction_scoring_counts_passed_tests(rewarder: SandboxRewarder) -> None:
    p = second_problem()
    func = make_reward_func(rewarder, fraction=True, name="tests_passed")
    assert func.__name__ == "tests_passed"  # what TRL logs
    out = func(
        prompts=["p", "p"], completions=[completion(SECOND_REF), completion(SECOND_BUG)], **columns([p, p])
    )
    assert out[0] == 1.0
    assert out[1] == pytest.approx(4 / 6)  # the bug fails 2 of 6 tests


def test_identical_programs_in_a_batch_run_once(rewarder: SandboxRewarder) -> None:
    p = pairs_problem()
    code = completion(PAIRS_REF.replace("print(", "print( "))  # not run by any other test
    before = rewarder.stats.executions
    out = reward_func(prompts=["p"] * 6, completions=[code] * 6, **columns([p] * 6))
    assert out == [1.0] * 6
    assert rewarder.stats.executions == before + 1


def test_unavailable_sandbox_scores_none_not_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 1: the Docker host does not exist. (A missing unix socket path would
    # also do, but docker-py leaks the socket object on that path, which the suite turns into an error.)
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    p = second_problem()
    with SandboxRewarder("pool", max_concurrency=1) as broken:
        func = make_reward_func(broken)
        out = func(
            prompts=["p", "p", "p"],
            completions=[chat(completion(SECOND_REF)), chat(completion(SECOND_BUG)), chat("no code")],
            completion_ids=None,
            trainer_state=None,
            **columns([p] * 3),
        )
        assert out == [None, None, 0.0]  # a completion without code needs no sandbox to be wrong
        assert broken.stats.unmeasured == 2
        assert "DockerUnavailable" in (broken.stats.last_error or "")


def test_a_sandbox_failing_at_run_time_scores_none_after_retries() -> None:
    p = second_problem()
    missing = "gapforge-runner:does-not-exist-" + RUN_ID
    factory = lambda: DockerSandbox(image=missing, max_concurrency=1, run_id=RUN_ID)  # noqa: E731
    with SandboxRewarder(sandbox_factory=factory, retries=1) as r:
        assert r.score_batch([completion(SECOND_REF)], [RewardTask(kind="function", tests=p.tests)]) == [None]
        assert "vanished" in (r.stats.last_error or "")


def test_verl_compute_score_and_batch(rewarder: SandboxRewarder) -> None:
    p = pairs_problem()
    gt = json.dumps({"kind": p.kind, "tests": p.tests, "entry_point": None})
    assert compute_score("gapforge", completion(PAIRS_REF), gt, {"split": "train", "index": 0}) == 1.0
    assert compute_score("gapforge", completion(PAIRS_BUG), gt, {"split": "train", "index": 0}) == 0.0
    out = compute_score_batch(
        ["gapforge"] * 2, [completion(PAIRS_REF), completion(PAIRS_BUG)], [gt, gt], [None, None]
    )
    assert out == [1.0, 0.0]


def test_openrlhf_reward_func_strips_the_prompt(rewarder: SandboxRewarder) -> None:
    p = second_problem()
    label = json.dumps({"kind": p.kind, "tests": p.tests, "entry_point": p.entry_point})
    # The prompt shows the signature in a code block; only the response must be judged.
    prompt = f"<|user|>\n{p.solver_view()}\n<|assistant|>\n"
    queries = [prompt + completion(SECOND_REF), prompt + "Not sure."]
    out = openrlhf_reward_func(queries, [prompt, prompt], [label, label])
    assert out["rewards"] == [1.0, 0.0]
    assert out["scores"] == [1.0, 0.0]
    assert out["extra_logs"]["gapforge_unmeasured"] == 0


@pytest.mark.slow
def test_bank_references_score_one_and_their_bugs_zero(rewarder: SandboxRewarder) -> None:
    bank = pytest.importorskip("gapforge.demo.bank")
    variants = list(bank.all_variants())
    texts: list[str] = []
    tasks: list[RewardTask] = []
    expected: list[float] = []
    for v in variants:
        problem = bank.to_problem(v)
        task = RewardTask(kind=problem.kind, tests=problem.tests, entry_point=problem.entry_point)
        texts.append(completion(problem.reference_solution))
        tasks.append(task)
        expected.append(1.0)
        for bug in v.bugs:
            if bug.label != "too_slow":  # too slow ones are correct, only slow on large inputs
                texts.append(completion(bug.code))
                tasks.append(task)
                expected.append(0.0)
    got = rewarder.score_batch(texts, tasks)
    wrong = [(t[:80], e, g) for t, e, g in zip(texts, expected, got, strict=True) if e != g]
    assert not wrong, wrong[:5]


# ----------------------------------------------------------------------------- no sandbox needed


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        ([{"role": "assistant", "content": "a"}], "a"),
        (
            [
                {"role": "user", "content": "u"},
                {"role": "assistant", "content": "x"},
                {"role": "assistant", "content": "y"},
            ],
            "y",
        ),
        (
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "p1"}, {"type": "text", "text": "p2"}],
            },
            "p1p2",
        ),
        (None, ""),
    ],
)
def test_completion_text(value: Any, text: str) -> None:
    assert completion_text(value) == text


def test_response_of_a_query_whose_prompt_was_re_spaced() -> None:
    prompt = "Question:\n```python\ndef f(x):\n```\nAnswer:"
    assert response_of(prompt + " ok", prompt) == " ok"
    assert response_of("<s> " + prompt.replace("\n", "\n") + "RESP", " " + prompt + " ") == "RESP"


def test_missing_columns_are_a_setup_error_not_a_zero() -> None:
    with pytest.raises(ConfigError, match="needs the problem's tests"):
        reward_func(prompts=["p"], completions=["c"], problem_id=["x"])
    with pytest.raises(ConfigError, match="must align"):
        reward_func(prompts=["p"], completions=["c", "d"], kind=["function"], tests=["t"])
    with pytest.raises(ConfigError, match="ground truth"):
        RewardTask.from_ground_truth("not json")


def test_a_forked_worker_gets_its_own_loop_and_sandbox() -> None:
    """Dataloader/Ray workers fork: the parent's loop thread does not exist in the child, so the
    child must start its own instead of waiting forever on a dead loop."""
    import os

    p = second_problem()
    task = RewardTask(kind=p.kind, tests=p.tests, entry_point=p.entry_point)
    with SandboxRewarder("local", max_concurrency=1) as r:
        assert r.score_batch([completion(SECOND_REF)], [task]) == [1.0]  # the parent's loop is running
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: score, report through the pipe, leave without running atexit
            code = 1
            try:
                out = r.score_batch([completion(SECOND_REF), completion(SECOND_BUG)], [task, task])
                os.write(write, json.dumps(out).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        _, status = os.waitpid(pid, 0)
        got = os.read(read, 1000)
        os.close(read)
        assert os.WEXITSTATUS(status) == 0
        assert json.loads(got) == [1.0, 0.0]
        assert r.score_batch([completion(SECOND_BUG)], [task]) == [0.0]  # the parent's still works


# ----------------------------------------------------------------------------- fail fast


def test_consecutive_unmeasured_completions_stop_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")  # no Docker engine there
    p = second_problem()
    task = RewardTask(kind="function", tests=p.tests)
    with SandboxRewarder("pool", max_concurrency=1, max_unmeasured=3, host_slots=None) as broken:
        assert broken.score_batch([completion(SECOND_REF), "no code"], [task, task]) == [None, 0.0]
        assert broken.score_batch([completion(SECOND_BUG)], [task]) == [None]
        with pytest.raises(
            RewardsUnmeasured, match=r"could not measure 3 completions in a row .*DockerUnavailable"
        ):
            broken.score_batch([completion(SECOND_REF + "\n")], [task])
    with SandboxRewarder("pool", max_concurrency=1, max_unmeasured=None, host_slots=None) as tolerant:
        for _ in range(4):
            assert tolerant.score_batch([completion(SECOND_REF)] * 3, [task] * 3) == [None, None, None]
        assert tolerant.stats.consecutive_unmeasured == 12


def test_a_measured_result_resets_the_count(rewarder: SandboxRewarder) -> None:
    p = second_problem()
    task = RewardTask(kind="function", tests=p.tests)
    flaky = SandboxRewarder(
        sandbox_factory=lambda: DockerSandbox(image="gapforge-runner:missing-" + RUN_ID, run_id=RUN_ID),
        retries=0,
        max_unmeasured=2,
        host_slots=None,
    )
    with flaky:
        assert flaky.score_batch([completion(SECOND_REF)], [task]) == [None]
        assert flaky.stats.consecutive_unmeasured == 1
    assert rewarder.score_batch([completion(SECOND_REF)], [task]) == [1.0]
    assert rewarder.stats.consecutive_unmeasured == 0


@pytest.mark.parametrize(("raw", "expected"), [("0", None), ("5", 5), (None, 32)])
def test_max_unmeasured_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: int | None
) -> None:
    if raw is None:
        monkeypatch.delenv("GAPFORGE_REWARD_MAX_UNMEASURED", raising=False)
    else:
        monkeypatch.setenv("GAPFORGE_REWARD_MAX_UNMEASURED", raw)
    set_default_rewarder(None)
    try:
        assert default_rewarder().max_unmeasured == expected
    finally:
        set_default_rewarder(None)
    monkeypatch.setenv("GAPFORGE_REWARD_MAX_UNMEASURED", "many")
    with pytest.raises(ConfigError, match="GAPFORGE_REWARD_MAX_UNMEASURED must be an integer"):
        default_rewarder()


# ----------------------------------------------------------------------------- host-wide slots


def test_host_slots_are_shared_between_processes(tmp_path: Path) -> None:
    mine = HostSlots(2, tmp_path)
    assert mine.acquire(5, timeout_s=1) == 2
    probe = (
        "import sys\n"
        "from gapforge.sandbox.slots import HostSlots\n"
        "from gapforge.errors import SandboxError\n"
        f"s = HostSlots(2, {str(tmp_path)!r})\n"
        "try:\n"
        "    print(s.acquire(1, timeout_s=float(sys.argv[1])))\n"
        "except SandboxError as exc:\n"
        "    print('timeout', exc)\n"
    )
    full = subprocess.run([sys.executable, "-c", probe, "0.3"], capture_output=True, text=True, check=True)
    assert full.stdout.startswith("timeout no host-wide sandbox slot came free in 0 s (2 slots")
    waiter = subprocess.Popen([sys.executable, "-c", probe, "30"], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not mine.others_waiting():
        assert time.monotonic() < deadline, "the waiting process never showed"
        time.sleep(0.05)
    mine.release()
    out, _ = waiter.communicate(timeout=30)
    assert out.strip() == "1"
    assert not mine.others_waiting()


REWARDER_PROCESS = """
import json, sys, time
from gapforge.reward import RewardTask, SandboxRewarder
task = RewardTask.model_validate_json(sys.argv[2])
good, bad = sys.argv[3], sys.argv[4]
with SandboxRewarder("pool", max_concurrency=2, run_id=sys.argv[1], host_slots="env") as r:
    scores = []
    for i in range(3):
        scores += r.score_batch([good + "\\n" * i, bad + "\\n" * i], [task, task])
        time.sleep(0.5)
print(json.dumps(scores))
"""


def test_rewarder_processes_never_exceed_the_host_bound(tmp_path: Path) -> None:
    """Four rewarder processes, each asking for 2 containers, on a 2-slot host: at no moment do
    their pool containers together exceed 2, and every completion is scored right."""
    from gapforge.sandbox.docker import connect

    prefix = f"{RUN_ID}-slots"
    p = second_problem()
    task = RewardTask(kind="function", tests=p.tests).model_dump_json()
    env = {**os.environ, "GAPFORGE_HOST_SLOTS": "2", "GAPFORGE_HOST_SLOTS_DIR": str(tmp_path / "slots")}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                REWARDER_PROCESS,
                f"{prefix}-{i}",
                task,
                completion(SECOND_REF),
                completion(SECOND_BUG),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(4)
    ]
    client = connect()
    peak, seen_runs = 0, set()
    deadline = time.monotonic() + 300
    while any(proc.poll() is None for proc in procs):
        assert time.monotonic() < deadline, "the rewarder processes did not finish"
        # the low-level listing carries the labels: no per-container inspect that races removal
        found = [
            labels["gapforge.run"]
            for c in client.api.containers(all=True, filters={"label": "gapforge.mode=pool"})
            if (labels := c.get("Labels") or {}).get("gapforge.run", "").startswith(prefix)
        ]
        peak = max(peak, len(found))
        seen_runs |= set(found)
        time.sleep(0.1)
    for proc in procs:
        out, err = proc.communicate()
        assert proc.returncode == 0, err[-2000:]
        assert json.loads(out) == [1.0, 0.0] * 3
    assert 1 <= peak <= 2, peak
    assert len(seen_runs) >= 2  # the slots went round: more than one process had containers
