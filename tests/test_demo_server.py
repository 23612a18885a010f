"""The demo model server through the real openai client on loopback: roles, determinism, faults."""

from __future__ import annotations

import asyncio
import json
import math
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import openai
import pytest

import gapforge.prompts
from gapforge.demo.bank import DEFAULT_TOPICS, FAMILIES, Variant, all_variants, family_by_key, to_problem
from gapforge.demo.script import (
    DEFAULT_TUNING,
    MODEL_CHALLENGER,
    MODEL_REVIEWER,
    MODEL_STRONG,
    MODEL_WEAK,
    MODELS,
    Policy,
    Tuning,
    choose_round,
    parse_policy,
)
from gapforge.demo.server import DemoServer
from gapforge.models import Problem

PROMPTS = Path(gapforge.prompts.__file__).parent
FENCE = re.compile(r"```[a-zA-Z]*\n(.*?)```", re.DOTALL)


def prompt(name: str, **fields: object) -> str:
    # a Python seed's language fields, which the challenger prompt has since languages (issue 17)
    python = {"language": "python", "language_name": "Python", "language_rules": ""}
    return (PROMPTS / f"{name}.md").read_text().format(**(python | fields))


def challenger_messages(
    topic: str, round_no: int = 1, feedback: str = "", policy: str = ""
) -> list[dict[str, str]]:
    user = prompt(
        "challenger_user",
        seed=topic,
        round=round_no,
        max_rounds=10,
        seed_context="",
        min_tests=5,
        policy=policy,
        feedback=feedback,
    )
    return [{"role": "system", "content": prompt("challenger_system")}, {"role": "user", "content": user}]


def feedback_block(too_easy: int = 0, failed_on_strong: int = 0, invalid: int = 0) -> str:
    lines = [f"- [TOO EASY] problem {i}: weak solver passed 4/4" for i in range(too_easy)]
    lines += [f"- [FAILED ON STRONG] problem {i}: weak 0/4, strong 1/4" for i in range(failed_on_strong)]
    lines += [f"- [INVALID] problem {i}: the reference failed its own tests" for i in range(invalid)]
    return prompt("feedback", groups="\n".join(lines))


def solver_messages(v: Variant) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": prompt("solver_system")},
        {"role": "user", "content": prompt("solver_user", problem=to_problem(v).solver_view(), limits="")},
    ]


def parse_problem(text: str) -> Problem:
    blocks = FENCE.findall(text)
    return Problem.model_validate(json.loads(blocks[-1] if blocks else text))


def last_code(text: str) -> str:
    blocks = FENCE.findall(text)
    assert blocks, f"no fenced code block in: {text[:200]!r}"
    return str(blocks[-1])


def no_flaws() -> Tuning:
    return replace(DEFAULT_TUNING, flaw_p=0.0)


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with DemoServer(seed=0, tuning=no_flaws()) as s:
        yield s


@pytest.fixture(scope="module")
def client(server):  # type: ignore[no-untyped-def]
    with openai.OpenAI(base_url=server.base_url, api_key="demo", max_retries=0, timeout=30) as c:
        yield c


# --------------------------------------------------------------------------- challenger


def test_challenger_returns_a_problem_for_a_seed(client) -> None:  # type: ignore[no-untyped-def]
    r = client.chat.completions.create(
        model=MODEL_CHALLENGER, messages=challenger_messages("graph search and shortest paths")
    )
    assert r.model == MODEL_CHALLENGER and r.object == "chat.completion"
    assert r.choices[0].finish_reason == "stop" and r.choices[0].message.role == "assistant"
    problem = parse_problem(r.choices[0].message.content or "")
    v = next(v for v in all_variants() if v.title == problem.title)
    assert problem == to_problem(v)
    assert v.family == "weighted_paths" and v.difficulty == "easy"
    assert r.usage is not None and r.usage.completion_tokens > 100
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_challenger_escalates_deescalates_and_never_repeats(client) -> None:  # type: ignore[no-untyped-def]
    topic = "dynamic programming on sequences"

    def ask(round_no: int, **fb: int) -> Problem:
        msgs = challenger_messages(topic, round_no, feedback_block(**fb) if fb else "")
        r = client.chat.completions.create(model=MODEL_CHALLENGER, messages=msgs)
        return parse_problem(r.choices[0].message.content or "")

    first = ask(1)
    second = ask(2, too_easy=1)
    third = ask(3, too_easy=2)
    fourth = ask(4, too_easy=2, failed_on_strong=1)
    fifth = ask(5, too_easy=2, failed_on_strong=1, invalid=1)
    assert [p.difficulty for p in (first, second, third, fourth, fifth)] == [
        "easy",
        "medium",
        "hard",
        "medium",
        "medium",
    ]
    assert len({p.title for p in (first, second, third, fourth, fifth)}) == 5


def test_challenger_reads_the_titles_of_earlier_rounds(client) -> None:  # type: ignore[no-untyped-def]
    topic = "number theory and primes"
    history: list[tuple[str, str]] = []  # (group, title) as the loop's feedback lists them
    got = []
    for round_no in range(1, 6):
        groups = "\n".join(f'- [{g}] "{t}": weak 4/4' for g, t in history)
        msgs = challenger_messages(topic, round_no, prompt("feedback", groups=groups) if history else "")
        problem = parse_problem(
            client.chat.completions.create(model=MODEL_CHALLENGER, messages=msgs).choices[0].message.content
            or ""
        )
        v = next(x for x in all_variants() if x.title == problem.title)
        got.append((v.family, v.difficulty))
        history.append(("TOO EASY" if round_no != 3 else "FAILED ON STRONG", problem.title))
    # the topic's own families first, then its own families again at levels not tried yet
    assert got == [
        ("primes", "easy"),
        ("gcd_lcm", "medium"),
        ("fibonacci", "hard"),
        ("primes", "medium"),
        ("primes", "hard"),
    ]


def test_every_default_topic_gets_ten_distinct_rounds() -> None:
    for topic in DEFAULT_TOPICS:
        titles = [choose_round(topic, r, Counter(), Policy()).variant.title for r in range(1, 11)]
        assert len(set(titles)) == 10, topic


def test_challenger_emits_each_kind_of_flawed_draft() -> None:
    seen: Counter[str] = Counter()
    always = replace(DEFAULT_TUNING, flaw_p=1.0)
    with (
        DemoServer(tuning=always) as s,
        openai.OpenAI(base_url=s.base_url, api_key="demo", max_retries=0) as c,
    ):
        for round_no in range(1, 41):
            msgs = challenger_messages("parsing and text processing", round_no)
            text = (
                c.chat.completions.create(model=MODEL_CHALLENGER, messages=msgs).choices[0].message.content
                or ""
            )
            choice = choose_round("parsing and text processing", round_no, Counter(), Policy(), tuning=always)
            assert choice.flaw is not None
            seen[choice.flaw] += 1
            if choice.flaw in ("invalid_json", "prose_without_code"):
                with pytest.raises(ValueError):
                    parse_problem(text)
            else:
                problem = parse_problem(text)
                if choice.flaw == "leaked_solution":
                    assert problem.reference_solution in problem.statement
                if choice.flaw == "wrong_reference":
                    assert problem.reference_solution != choice.variant.reference
        # a retry turn after a broken answer gets a clean draft
        retry = [
            *msgs,
            {"role": "assistant", "content": text},
            {"role": "user", "content": "Answer with JSON."},
        ]
        clean = parse_problem(
            c.chat.completions.create(model=MODEL_CHALLENGER, messages=retry).choices[0].message.content or ""
        )
        assert clean == to_problem(
            choose_round("parsing and text processing", 40, Counter(), Policy()).variant
        )
    assert set(seen) == {
        "wrong_reference",
        "weak_tests",
        "flaky_test",
        "leaked_solution",
        "invalid_json",
        "prose_without_code",
    }


def test_policy_parsing() -> None:
    text = prompt(
        "challenger_user",
        seed="x",
        round=1,
        max_rounds=3,
        seed_context="",
        min_tests=5,
        policy="Policy instructions:\n- Prefer problems with harder edge cases.\n- Keep statements unambiguous.\n",
        feedback=feedback_block(too_easy=1),
    )
    p = parse_policy(text)
    assert p.level_shift == 1 and p.avoid_ambiguous and p.flaw_scale < 1
    assert (
        parse_policy(
            prompt(
                "challenger_user",
                seed="x",
                round=1,
                max_rounds=3,
                seed_context="",
                min_tests=5,
                policy="",
                feedback=feedback_block(too_easy=3),
            )
        )
        == Policy()
    )


def _accept_odds(v: Variant, tuning: Tuning, k: int = 4) -> tuple[float, float, float]:
    """P(too easy), P(accepted), P(failed on strong) under gate 'prose' with k samples each."""
    from gapforge.demo.script import _solve_odds

    def at_most(n: int, p: float) -> float:
        return sum(math.comb(k, i) * p**i * (1 - p) ** (k - i) for i in range(n + 1))

    weak_ok = at_most(k // 2 - 1 if k % 2 == 0 else k // 2, _solve_odds(MODEL_WEAK, v, tuning))  # mean < 0.5
    need = math.ceil(0.65 * k)
    strong_ok = 1 - at_most(need - 1, _solve_odds(MODEL_STRONG, v, tuning))
    return 1 - weak_ok, weak_ok * strong_ok, weak_ok * (1 - strong_ok)


def _expected_demo(
    topics: tuple[str, ...], policy: Policy, tuning: Tuning, max_rounds: int = 10
) -> Counter[str]:
    """Exact expected outcome counts of the default loop over the topics (solver draws are random)."""
    State = tuple[int, int, int, frozenset[str]]  # too easy, failed on strong, invalid, titles tried
    totals: Counter[str] = Counter()
    for topic in topics:
        states: dict[State, float] = {(0, 0, 0, frozenset()): 1.0}  # still running -> probability
        for round_no in range(1, max_rounds + 1):
            nxt: Counter[State] = Counter()
            for (te, fs, inv, used), p in states.items():
                counts = Counter({"TOO EASY": te, "FAILED ON STRONG": fs, "INVALID": inv})
                choice = choose_round(topic, round_no, counts, policy, used=used, tuning=tuning)
                used_now = used | {choice.variant.title}
                totals["rounds"] += p
                if choice.flaw is not None:
                    totals["invalid"] += p
                    nxt[(te, fs, inv + 1, used_now)] += p
                    continue
                easy, ok, hard = _accept_odds(choice.variant, tuning)
                totals["too_easy"] += p * easy
                totals["failed_on_strong"] += p * hard
                totals["accepted"] += p * ok
                totals["accept_rounds"] += p * ok * round_no
                nxt[(te + 1, fs, inv, used_now)] += p * easy
                nxt[(te, fs + 1, inv, used_now)] += p * hard
            states = dict(nxt)
    return totals


def test_default_demo_is_tuned_to_accept_enough_with_a_realistic_rejection_mix() -> None:
    for n_topics, want in ((12, 10), (16, 12)):
        t = _expected_demo(DEFAULT_TOPICS[:n_topics], Policy(), DEFAULT_TUNING)
        rejected = t["too_easy"] + t["failed_on_strong"] + t["invalid"]
        assert t["accepted"] >= want, t
        assert t["too_easy"] / rejected >= 0.6, t
        assert t["failed_on_strong"] / rejected >= 0.05, t
        assert t["invalid"] / rejected >= 0.03, t
        assert 2.0 <= t["accept_rounds"] / t["accepted"] <= 6.0, t


def test_harder_edge_cases_policy_raises_acceptance() -> None:
    policy = parse_policy("Policy instructions:\n- Aim for harder edge cases in every test.\n")
    base = _expected_demo(DEFAULT_TOPICS, Policy(), DEFAULT_TUNING, max_rounds=3)
    better = _expected_demo(DEFAULT_TOPICS, policy, DEFAULT_TUNING, max_rounds=3)
    assert better["accepted"] >= base["accepted"] + 2, (base, better)
    assert better["accepted"] / better["rounds"] > 1.3 * base["accepted"] / base["rounds"]


# --------------------------------------------------------------------------- solvers


def test_solver_answers_contain_python_code(client) -> None:  # type: ignore[no-untyped-def]
    for v in (family_by_key("pair_sums").variant("easy"), family_by_key("knapsack").variant("hard")):
        for model in (MODEL_WEAK, MODEL_STRONG):
            for seed in range(6):
                r = client.chat.completions.create(model=model, messages=solver_messages(v), seed=seed)
                code = last_code(r.choices[0].message.content or "")
                assert code in {v.reference} | {b.code for b in v.bugs}
                compile(code, "solution.py", "exec")


def test_same_request_and_seed_give_the_same_answer(client) -> None:  # type: ignore[no-untyped-def]
    v = family_by_key("primes").variant("medium")
    a = client.chat.completions.create(model=MODEL_WEAK, messages=solver_messages(v), seed=7)
    b = client.chat.completions.create(model=MODEL_WEAK, messages=solver_messages(v), seed=7)
    assert a.choices[0].message.content == b.choices[0].message.content
    with DemoServer(seed=0) as other, openai.OpenAI(base_url=other.base_url, api_key="demo") as c2:
        again = c2.chat.completions.create(model=MODEL_WEAK, messages=solver_messages(v), seed=7)
    assert again.choices[0].message.content == a.choices[0].message.content


def test_different_seeds_give_varied_answers(client) -> None:  # type: ignore[no-untyped-def]
    v = family_by_key("inversions").variant("medium")
    texts = [
        client.chat.completions.create(model=MODEL_WEAK, messages=solver_messages(v), seed=s)
        .choices[0]
        .message.content
        or ""
        for s in range(40)
    ]
    codes = [last_code(t) for t in texts]
    assert len(set(texts)) >= 10
    correct = sum(c == v.reference for c in codes)
    assert 5 <= correct <= 35  # weak on medium: a real mix of right and wrong answers
    assert any("```python" not in t for t in texts)  # sometimes an untagged fence
    assert any(len(FENCE.findall(t)) > 1 for t in texts)  # sometimes several blocks


def test_strong_beats_weak_on_hard_and_expert_problems_stump_both(client) -> None:  # type: ignore[no-untyped-def]
    def solved(model: str, v: Variant) -> int:
        return sum(
            last_code(
                client.chat.completions.create(model=model, messages=solver_messages(v), seed=s)
                .choices[0]
                .message.content
                or ""
            )
            == v.reference
            for s in range(20)
        )

    hard = family_by_key("stacks").variant("hard")
    assert solved(MODEL_STRONG, hard) >= 12 and solved(MODEL_WEAK, hard) <= 8
    expert = next(v for v in all_variants() if v.expert)
    assert solved(MODEL_STRONG, expert) <= 10


def test_repair_turn(client) -> None:  # type: ignore[no-untyped-def]
    v = family_by_key("brackets").variant("medium")
    bug = v.bugs[0].code
    fixed = 0
    for seed in range(20):
        msgs = [
            *solver_messages(v),
            {"role": "assistant", "content": f"```python\n{bug}```"},
            {
                "role": "user",
                "content": prompt("repair_user", status="failed", failures="test_example: assert 2 == 1"),
            },
        ]
        code = last_code(
            client.chat.completions.create(model=MODEL_STRONG, messages=msgs, seed=seed)
            .choices[0]
            .message.content
            or ""
        )
        fixed += code == v.reference
        assert code == v.reference or code in {b.code for b in v.bugs}
    assert 8 <= fixed <= 19


def test_unknown_problem_gets_a_stub(client) -> None:  # type: ignore[no-untyped-def]
    msgs = [
        {"role": "user", "content": "# Some Other Task\n\nWrite a Python module that defines `frobnicate`."}
    ]
    code = last_code(
        client.chat.completions.create(model=MODEL_WEAK, messages=msgs, seed=0).choices[0].message.content
        or ""
    )
    assert "def frobnicate(" in code


# --------------------------------------------------------------------------- reviewer


def test_reviewer_flags_exactly_the_ambiguous_variants(client) -> None:  # type: ignore[no-untyped-def]
    ambiguous = [v for v in all_variants() if v.ambiguous]
    clear = [family_by_key("primes").variant("hard"), family_by_key("csv_fields").variant("medium")]
    for v in ambiguous + clear:
        user = prompt(
            "reviewer_user",
            problem=to_problem(v).solver_view(),
            tests=v.tests[:500],
            failures="test_example: AssertionError",
        )
        r = client.chat.completions.create(model=MODEL_REVIEWER, messages=[{"role": "user", "content": user}])
        text = r.choices[0].message.content or ""
        blocks = FENCE.findall(text)
        verdict = json.loads(blocks[-1] if blocks else text)
        assert verdict["ambiguous"] is v.ambiguous, v.title
        assert isinstance(verdict["reason"], str) and verdict["reason"]


# --------------------------------------------------------------------------- protocol and faults


def test_models_list_and_unknown_model(client) -> None:  # type: ignore[no-untyped-def]
    assert [m.id for m in client.models.list()] == list(MODELS)
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="gpt-nonexistent", messages=[{"role": "user", "content": "hi"}])
    assert err.value.status_code == 404
    assert "does not exist" in str(err.value)


def test_bad_requests_get_400(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=MODEL_WEAK, messages=[])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model=MODEL_WEAK, messages=[{"role": "user", "content": "x"}], stream=True
        )


def test_max_tokens_cuts_the_answer(client) -> None:  # type: ignore[no-untyped-def]
    r = client.chat.completions.create(
        model=MODEL_CHALLENGER, messages=challenger_messages("heaps"), max_tokens=50
    )
    assert r.choices[0].finish_reason == "length"
    assert len(r.choices[0].message.content or "") <= 200


def test_each_fault_kind_is_visible_to_the_client() -> None:
    plan = ["429", "500", "503", "timeout", "empty", "truncated", "malformed", "disconnect"]
    v = family_by_key("digits").variant("easy")
    with DemoServer(faults={MODEL_WEAK: plan}, timeout_delay=2.0) as s:
        with openai.OpenAI(base_url=s.base_url, api_key="demo", max_retries=0, timeout=0.5) as c:

            def call():  # type: ignore[no-untyped-def]
                return c.chat.completions.create(model=MODEL_WEAK, messages=solver_messages(v), seed=1)

            with pytest.raises(openai.RateLimitError):
                call()
            with pytest.raises(openai.InternalServerError) as e500:
                call()
            assert e500.value.status_code == 500
            with pytest.raises(openai.InternalServerError) as e503:
                call()
            assert e503.value.status_code == 503
            started = time.monotonic()
            with pytest.raises(openai.APITimeoutError):
                call()
            assert time.monotonic() - started < 1.9
            empty = call()
            assert empty.choices[0].message.content == "" and empty.choices[0].finish_reason == "stop"
            cut = call()
            assert cut.choices[0].finish_reason == "length"
            malformed = call()
            assert "```" not in (malformed.choices[0].message.content or "")
            assert "{" not in (malformed.choices[0].message.content or "")
            with pytest.raises(openai.APIConnectionError):
                call()
            normal = call()
        assert normal.choices[0].finish_reason == "stop"
        full = normal.choices[0].message.content or ""
        assert full.startswith(cut.choices[0].message.content or "") and len(full) > len(
            cut.choices[0].message.content or ""
        )
        assert s.request_counts() == {MODEL_WEAK: len(plan) + 1}
        assert s.faults_served() == {MODEL_WEAK: len(plan)} and s.pending_faults(MODEL_WEAK) == ()
        # other models were never affected by the weak model's plan
        with openai.OpenAI(base_url=s.base_url, api_key="demo", max_retries=0) as c:
            ok = c.chat.completions.create(model=MODEL_STRONG, messages=solver_messages(v), seed=1)
        assert ok.choices[0].finish_reason == "stop"


def test_client_retries_recover_from_transient_faults() -> None:
    v = family_by_key("digits").variant("easy")
    with DemoServer(faults={MODEL_STRONG: ["429", "500"]}) as s:
        with openai.OpenAI(base_url=s.base_url, api_key="demo", max_retries=2) as c:
            r = c.chat.completions.create(model=MODEL_STRONG, messages=solver_messages(v), seed=0)
        assert r.choices[0].finish_reason == "stop"
        assert s.request_counts()[MODEL_STRONG] == 3


def test_unknown_fault_kind_is_a_config_error() -> None:
    from gapforge.errors import ConfigError

    with pytest.raises(ConfigError):
        DemoServer(faults={MODEL_WEAK: ["explode"]})
    with pytest.raises(ConfigError):
        DemoServer(faults={"gpt-4": ["429"]})


def test_async_client_and_latency(run) -> None:  # type: ignore[no-untyped-def]
    v = family_by_key("heaps").variant("hard")

    async def go() -> tuple[list[str], float]:
        async with (
            DemoServer(latency_s=0.3) as s,
            openai.AsyncOpenAI(base_url=s.base_url, api_key="demo", max_retries=0) as c,
        ):
            started = time.monotonic()
            rs = await asyncio.gather(
                *(
                    c.chat.completions.create(model=MODEL_WEAK, messages=solver_messages(v), seed=i)
                    for i in range(8)
                )
            )
            return [r.choices[0].message.content or "" for r in rs], time.monotonic() - started

    texts, elapsed = run(go())
    assert len(texts) == 8 and all("def running_medians" in t for t in texts)
    # latency is per call but calls overlap: well under 8 x 0.3 s
    assert 0.3 <= elapsed < 2.0


def test_module_main_serves_in_the_foreground() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gapforge.demo.server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
        assert url, line
        with openai.OpenAI(base_url=url.group(1), api_key="demo", max_retries=0) as c:
            assert [m.id for m in c.models.list()] == list(MODELS)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_every_family_is_reachable_from_some_topic() -> None:
    reached = {
        choose_round(t, r, Counter(), Policy()).family.key for t in DEFAULT_TOPICS for r in range(1, 11)
    }
    assert len(reached) >= 0.8 * len(FAMILIES)
