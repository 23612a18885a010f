"""The demo bank's C++ and JavaScript families are honest, and adding them changed nothing Python.

In the real sandbox, in each family's language: every reference passes its tests (whose expected
outputs come from an independent Python twin) and answers the oracle generator's inputs as the
twin does; every bug fails (a timeout for too_slow, at least one failing case for the others,
never a compile error); the flawed drafts have their flaws. Without Docker: the shape of the
families, the oracles, the challenger's choice of language and a pin of the Python demo's answers.
Each language's sandbox tests need its runner image (skipped when missing unless
GAPFORGE_REQUIRE_LANGUAGES=1, see test_sandbox_languages.py)."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import open_pool
from test_sandbox_languages import need

from gapforge.demo.bank import (
    ALL_FAMILIES,
    BANK_LANGUAGES,
    FAMILIES,
    FLAW_KINDS,
    TOPIC_FAMILIES,
    Variant,
    all_variants,
    families,
    family_by_key,
    flawed_draft,
    problem_json,
    to_problem,
    variant_by_title,
)
from gapforge.demo.bank import cpp as cpp_bank
from gapforge.demo.bank import javascript as js_bank
from gapforge.demo.script import FENCES, Message, Policy, Tuning, choose_round, family_order, reply
from gapforge.models import Problem
from gapforge.sandbox import ExecutionResult, Limits, Program, Status
from gapforge.sandbox.base import CompileLimits
from gapforge.verifiers.oracle.inputs import stdio_inputs_in

OTHER = tuple(f for f in ALL_FAMILIES if f.language != "python")
TWINS = {**cpp_bank.TWINS, **js_bank.TWINS}
# the whole bank's budget (tests/test_demo_bank.py): too_slow bugs must blow it, references not
LIMITS = Limits(cpu_seconds=2.0, wall_seconds=30)
COMPILE = CompileLimits(cpu_seconds=20, wall_seconds=60)
GENERATED = 25  # oracle inputs per variant answered in the sandbox
INFRA_RETRIES = 2
FENCE = re.compile(r"```([a-z]*)\n(.*?)```", re.DOTALL)
NO_FLAWS = Tuning(flaw_p=0.0)  # every draft parses

# python_demo_digest() on main before the bank had other languages: the Python demo's answers
PYTHON_DEMO_DIGEST = "c1786c0c12ad486f7d08d1afa5ee1e7bf93852051fb49b54ed73dbac1f78d72e"


def python_demo_digest(language_line: str = "") -> str:
    """A digest of the scripted roles' answers to Python prompts: default and keyword topics over
    several rounds, with and without feedback, both solvers on many variants, every flawed draft."""
    import hashlib

    from gapforge.demo.bank import DEFAULT_TOPICS, FLAW_KINDS, all_variants, flawed_draft
    from gapforge.demo.script import Message, reply

    h = hashlib.sha256()
    topics = (*DEFAULT_TOPICS, "a maze on a grid", "binary search", "something else entirely")
    for topic in topics:
        for round_no in (1, 2, 3, 7):
            for request_seed in (None, 3):
                prompt = f"Seed topic: {topic}\n{language_line}Round: {round_no} of 10\n"
                h.update(
                    reply("demo-challenger", [Message("user", prompt)], request_seed=request_seed).encode()
                )
        feedback = (
            f"Seed topic: {topic}\n{language_line}Round: 3 of 10\nFeedback:\n"
            '- [TOO EASY] "Count Target Pairs": weak 4/4\n'
            '- [FAILED ON STRONG] "Classic Knapsack": strong 1/4\n'
        )
        for server_seed in (0, 5):
            h.update(reply("demo-challenger", [Message("user", feedback)], server_seed=server_seed).encode())
    for v in all_variants()[::3]:
        for model in ("demo-weak", "demo-strong"):
            for seed in (0, 1):
                h.update(
                    reply(
                        model, [Message("user", f"# {v.title}\n\n{v.statement}")], request_seed=seed
                    ).encode()
                )
    for v in all_variants():
        for kind in FLAW_KINDS:
            d = flawed_draft(v, kind, salt=7)
            h.update(f"{d.text}|{d.witness}|{d.flaky_test}".encode())
    return h.hexdigest()


def _load(source: str, name: str) -> Any:
    ns: dict[str, Any] = {}
    exec(compile(source, name, "exec"), ns)  # the bank's own code, reviewed like the package
    return ns[name]


def _cases(v: Variant) -> list[dict[str, str]]:
    cases: list[dict[str, str]] = json.loads(v.tests)
    return cases


def _challenger(prompt: str, **kw: Any) -> str:
    return reply("demo-challenger", [Message("user", prompt)], **kw)


def _problem_of(answer: str) -> Problem:
    blocks = FENCE.findall(answer)
    return Problem.model_validate_json(blocks[-1][1] if blocks else answer)


# --------------------------------------------------------------------------- static shape


def test_other_language_families_are_complete_stdio_problems() -> None:
    assert {"cpp", "javascript"} <= set(BANK_LANGUAGES) and BANK_LANGUAGES[0] == "python"
    for language in ("cpp", "javascript"):
        assert len(families(language)) >= 2
    assert families("python") == FAMILIES and all_variants() == all_variants("python")
    assert families("rust") == ()
    titles = [v.title for v in all_variants(None)]
    assert len(set(titles)) == len(titles), "titles must be unique across every language"
    assert len({f.key for f in ALL_FAMILIES}) == len(ALL_FAMILIES)
    for fam in OTHER:
        assert family_by_key(fam.key) is fam
        assert [v.difficulty for v in fam.variants] == ["easy", "medium", "hard"], fam.key
        assert fam.key in {k for keys in TOPIC_FAMILIES.values() for k in keys}, fam.key
        for v in fam.variants:
            assert v.language == fam.language and v.kind == "stdio" and v.family == fam.key
            assert variant_by_title(v.title) is v and v.title in TWINS
            assert v.io_contract and 1 <= len(v.examples) <= 3 and len(_cases(v)) >= 5, v.title
            assert len(v.bugs) >= 2 and any(b.label != "too_slow" for b in v.bugs), v.title
            assert len({b.code for b in v.bugs} | {v.reference}) == len(v.bugs) + 1, v.title
            p = to_problem(v)
            assert p.language == fam.language and p.program("x").language == fam.language
            assert json.loads(problem_json(p))["language"] == fam.language
            assert Problem.model_validate_json(problem_json(p)) == p
            assert v.reference.strip() not in p.solver_view()
    # a Python problem's JSON (and so its id) has no language
    assert "language" not in json.loads(problem_json(to_problem(FAMILIES[0].variants[0])))


def test_examples_agree_with_the_twins() -> None:
    for fam in OTHER:
        for v in fam.variants:
            for e in v.examples:
                assert TWINS[v.title](e.input + "\n").strip() == e.output.strip(), v.title


def test_oracles_draw_valid_inputs_and_accept_the_tests() -> None:
    for fam in OTHER:
        for v in fam.variants:
            assert v.input_generator and v.input_validator, v.title
            generate = _load(v.input_generator, "generate")
            validate = _load(v.input_validator, "validate")
            for i in range(60):
                x = generate(random.Random(f"bank:{i}"))
                assert isinstance(x, str), v.title
                validate(x)
                TWINS[v.title](x)  # the twin answers it too
            for text in stdio_inputs_in(to_problem(v)):
                validate(text)


def test_validators_reject_what_the_statements_rule_out() -> None:
    def rejects(key: str, difficulty: str, text: str) -> bool:
        validate = _load(family_by_key(key).variant(difficulty).input_validator or "", "validate")
        try:
            validate(text)
        except Exception:
            return True
        return False

    assert rejects("cpp_prefix_sums", "easy", "2 1\n1 2\n2 1\n")  # l > r
    assert rejects("cpp_prefix_sums", "medium", "2\n1 2000000000\n")  # value too large
    assert rejects("cpp_sequence_dp", "easy", "0\n")
    assert rejects("js_palindromes", "medium", "abcA\n")  # not lowercase
    assert rejects("js_columns", "easy", "0101\n")  # leading zero
    assert rejects("js_columns", "hard", "2\n5\n")  # Q lines announced, 1 given
    assert not rejects("js_palindromes", "easy", "\n")  # an empty sentence is a palindrome


def test_flawed_drafts_of_other_languages_have_their_flaw() -> None:
    for fam in OTHER:
        for v in fam.variants:
            for salt, kind in enumerate(FLAW_KINDS):
                d = flawed_draft(v, kind, salt=salt)
                if d.problem is None:
                    continue
                assert d.problem.language == v.language
                if kind == "flaky_test":
                    assert "random" in d.problem.reference_solution.lower()
                    assert d.problem.reference_solution.endswith(v.reference)
                elif kind == "weak_tests":
                    assert d.witness is not None and "import sys" not in d.witness
                elif kind == "wrong_reference":
                    assert d.problem.reference_solution in {b.code for b in v.bugs}


# --------------------------------------------------------------------------- the scripted roles


def test_the_challenger_picks_families_of_the_prompts_language() -> None:
    for topic in ("arrays and two pointers", "graph search and shortest paths", "a maze on a grid"):
        for round_no in range(1, 8):
            base = f"Seed topic: {topic}\nRound: {round_no} of 10\n"
            for language in ("cpp", "javascript"):
                prompt = f"Seed topic: {topic}\nLanguage: {language}\nRound: {round_no} of 10\n"
                p = _problem_of(_challenger(prompt, request_seed=round_no, tuning=NO_FLAWS))
                v = variant_by_title(p.title)
                assert v is not None and v.language == language and p.language == language, (topic, p.title)
                assert p.kind == "stdio"
            plain = _problem_of(_challenger(base, request_seed=round_no, tuning=NO_FLAWS))
            assert plain.language == "python"
            # "Language: python" is the same request as no line at all
            stated = _challenger(base.replace("Round:", "Language: python\nRound:"), request_seed=round_no)
            assert stated == _challenger(base, request_seed=round_no)
    # a default topic opens with its own family of that language
    first = choose_round("arrays and two pointers", 1, Counter(), Policy(), language="cpp")
    assert first.family.key == "cpp_prefix_sums" and first.variant.difficulty == "easy"
    assert family_order("dynamic programming on sequences", 0, "cpp")[0].key == "cpp_sequence_dp"
    assert family_order("string algorithms and palindromes", 0, "javascript")[0].key == "js_palindromes"
    assert {f.language for f in family_order("arrays and two pointers")} == {"python"}


def test_a_language_the_bank_lacks_gets_a_prose_answer() -> None:
    answer = _challenger("Seed topic: arrays and two pointers\nLanguage: rust\nRound: 1 of 10\n")
    assert "rust" in answer and "{" not in answer and "```" not in answer


def test_solvers_answer_in_the_variants_language() -> None:
    for fam in OTHER:
        for v in fam.variants:
            codes = {v.reference, *(b.code for b in v.bugs)}
            for seed in range(6):
                for model in ("demo-weak", "demo-strong"):
                    answer = reply(
                        model, [Message("user", f"# {v.title}\n\n{v.statement}")], request_seed=seed
                    )
                    blocks = FENCE.findall(answer)
                    assert blocks and blocks[-1][1] in codes, (v.title, answer[:200])
                    assert {tag for tag, _ in blocks} <= {"", FENCES[v.language]}
                    assert "```python" not in answer


def test_the_python_demo_answers_exactly_as_before() -> None:
    assert python_demo_digest() == PYTHON_DEMO_DIGEST
    assert python_demo_digest("Language: python\n") == PYTHON_DEMO_DIGEST


# --------------------------------------------------------------------------- in the sandbox


@pytest.fixture(scope="module")
def pool(event_loop_runner: Any) -> Iterator[Any]:
    # two containers per language, so two cases run at once: node starts anew in every JavaScript case
    yield from open_pool(event_loop_runner, LIMITS, size=2, compile_limits=COMPILE)


@dataclass(frozen=True)
class Job:
    what: str
    program: Program


async def _run(sb: Any, program: Program) -> ExecutionResult:
    result: ExecutionResult = await sb.run(program, LIMITS)
    for _ in range(INFRA_RETRIES):  # infrastructure hiccups are retried, never judged
        if not result.status.is_infrastructure:
            break
        result = await sb.run(program, LIMITS)
    return result


async def _run_all(sb: Any, jobs: list[Job]) -> list[ExecutionResult]:
    return await asyncio.gather(*(_run(sb, j.program) for j in jobs))


def _jobs(v: Variant) -> list[Job]:
    def prog(solution: str, tests: str) -> Program:
        return Program(kind="stdio", language=v.language, solution=solution, tests=tests)

    jobs = [Job("reference", prog(v.reference, v.tests))]
    jobs += [Job(f"bug{i}:{b.label}", prog(b.code, v.tests)) for i, b in enumerate(v.bugs)]
    weak = flawed_draft(v, "weak_tests")
    flaky = flawed_draft(v, "flaky_test")
    assert weak.problem is not None and weak.witness is not None and flaky.problem is not None
    jobs.append(Job("trivial", prog(weak.witness, v.tests)))
    jobs.append(Job("weak_tests", weak.problem.program(weak.witness)))
    jobs.append(Job("flaky", flaky.problem.program(flaky.problem.reference_solution)))
    generate = _load(v.input_generator or "", "generate")
    drawn = dict.fromkeys(generate(random.Random(f"bank-sandbox:{i}")) for i in range(GENERATED))
    generated = json.dumps([{"input": x, "output": TWINS[v.title](x)} for x in drawn])
    jobs.append(Job("generated", prog(v.reference, generated)))
    return jobs


def _failing(r: ExecutionResult) -> str:
    bad = [f"{t.name}={t.status.value}: {t.message[:160]}" for t in r.tests if t.status is not Status.PASSED]
    return f"{r.status.value} ({r.message[:200]}) {'; '.join(bad[:3])}"


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("key", [f.key for f in OTHER])
def test_a_familys_references_pass_and_bugs_fail_in_its_language(key: str, run: Any, pool: Any) -> None:
    fam = family_by_key(key)
    need(fam.language)
    problems: list[str] = []
    for v in fam.variants:
        jobs = _jobs(v)
        results = run(_run_all(pool, jobs))
        got = {j.what: r for j, r in zip(jobs, results, strict=True)}
        tag = f"{key}/{v.difficulty}"
        ref = got["reference"]
        if ref.status is not Status.PASSED:
            problems.append(f"{tag}/reference: want passed, got {_failing(ref)}")
        elif [t.name for t in ref.tests] != [f"case_{i}" for i in range(len(_cases(v)))]:
            problems.append(f"{tag}/reference: reported {[t.name for t in ref.tests]}")
        elif ref.cpu_s / len(ref.tests) >= LIMITS.cpu_seconds / 2:
            # the limit is per case (one process each): a case's mean stays far below it
            problems.append(f"{tag}/reference: {ref.cpu_s:.2f} s CPU over {len(ref.tests)} cases")
        if got["generated"].status is not Status.PASSED:
            problems.append(
                f"{tag}/generated inputs: the reference disagrees with the twin: {_failing(got['generated'])}"
            )
        for i, b in enumerate(v.bugs):
            r = got[f"bug{i}:{b.label}"]
            if b.label == "too_slow":
                if r.status is not Status.TIMEOUT:
                    problems.append(f"{tag}/bug{i}:{b.label}: want timeout, got {_failing(r)}")
            elif r.status is not Status.FAILED or not any(t.status is Status.FAILED for t in r.tests):
                # a wrong answer on some case: not a crash, not a compile error, not a timeout
                problems.append(f"{tag}/bug{i}:{b.label}: want a failing case, got {_failing(r)}")
        if got["trivial"].status is Status.PASSED:
            problems.append(f"{tag}/trivial: the weak-tests witness passes the real tests")
        if got["weak_tests"].status is not Status.PASSED:
            problems.append(
                f"{tag}/weak_tests: the witness fails its weak tests: {_failing(got['weak_tests'])}"
            )
        flaky = got["flaky"]
        if flaky.status not in (Status.PASSED, Status.FAILED):
            problems.append(f"{tag}/flaky: want passed or failed, got {_failing(flaky)}")
    assert not problems, "\n".join(problems)


def test_every_variant_fits_the_demo_challengers_token_budget() -> None:
    # The demo server cuts an answer longer than max_tokens (about 4 characters a token): a problem
    # whose JSON is longer can never be drafted, and every round of its seed is malformed.
    from gapforge.config import demo_config
    from gapforge.demo.bank import ALL_FAMILIES, problem_json, to_problem
    from gapforge.demo.server import _tokens

    budget = demo_config("http://127.0.0.1:1/v1").roles.challenger.max_tokens
    sizes = {v.title: _tokens(problem_json(to_problem(v))) for f in ALL_FAMILIES for v in f.variants}
    too_long = {t: n for t, n in sizes.items() if n > budget // 2}
    assert not too_long, f"problem JSON over half the challenger's {budget} tokens: {too_long}"
