"""The generation loop, the data and the rewards per language (issue 17): problems, seeds, prompts,
extraction, validity, feedback, tables, exports and reward tasks in C++, Rust, Go, Java and
JavaScript, with Python unchanged. Unit tests run without Docker; the tests marked ``docker`` run
a small C++ problem's validity for real."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _problems import KADANE_CASES, function_problem, stdio_problem, stdio_tests
from pydantic import ValidationError

from gapforge.config import SeedsConfig
from gapforge.dataset.records import Seed
from gapforge.errors import ConfigError, MalformedOutput
from gapforge.extract import extract_code, parse_problem
from gapforge.generators.challenger import challenger_messages
from gapforge.generators.seeds import load_seeds, with_language
from gapforge.models import Problem, final_suites
from gapforge.prompts import load, repair_message, solver_messages
from gapforge.prompts.feedback import example_program, hidden_summary
from gapforge.sandbox.base import ExecutionResult, Limits, Program, Status
from gapforge.sandbox.scripted import Scripted, ScriptedSandbox
from gapforge.verifiers.mutation import mutation_score
from gapforge.verifiers.static import check_static
from gapforge.verifiers.validity import trivial_solutions

KADANE_CPP = """\
#include <algorithm>
#include <iostream>

int main() {
    int n;
    std::cin >> n;
    long long best = 0, cur = 0;
    for (int i = 0; i < n; i++) {
        long long x;
        std::cin >> x;
        cur = i == 0 ? x : std::max(x, cur + x);
        best = i == 0 ? cur : std::max(best, cur);
    }
    std::cout << best << std::endl;
    return 0;
}
"""
WRONG_CPP = KADANE_CPP.replace("std::max(x, cur + x)", "cur + x")


def cpp_problem(**changes: Any) -> Problem:
    return stdio_problem(language="cpp", reference_solution=KADANE_CPP, **changes)


# --------------------------------------------------------------------------- the problem


def test_python_problem_ids_do_not_change() -> None:
    # ids computed before problems had a language: a Python problem's JSON has no "language" key
    assert function_problem().id == "p-39ec636f9c2f4777"
    assert stdio_problem().id == "p-9bfac4dea83151dc"
    gen = "def generate(rng):\n    return ([1],)\n"
    assert function_problem(input_generator=gen).id == "p-0b24c8d2dd202a9c"
    assert "language" not in stdio_problem().model_dump(mode="json")
    assert stdio_problem(language="python").id == stdio_problem().id


def test_a_problem_in_another_language_has_its_own_id_and_round_trips() -> None:
    p = cpp_problem()
    assert p.model_dump(mode="json")["language"] == "cpp"
    assert p.id != stdio_problem(reference_solution=KADANE_CPP).id
    assert Problem.model_validate_json(p.model_dump_json()) == p


def test_other_languages_are_stdio_only() -> None:
    with pytest.raises(ValidationError, match="must be kind 'stdio'"):
        function_problem(language="rust")
    with pytest.raises(ValidationError):
        stdio_problem(language="cobol")


def test_programs_and_hidden_suites_run_in_the_problems_language() -> None:
    p = cpp_problem()
    assert p.program("x").language == "cpp"
    suites = final_suites(p)
    assert [s.program("x").language for s in suites] == ["cpp"]
    assert "language" not in final_suites(stdio_problem())[0].model_dump(mode="json")
    program = example_program(p, "x")
    assert program is not None and program.language == "cpp"


@pytest.mark.parametrize(
    ("language", "line", "note"),
    [
        (
            "cpp",
            "Write a complete C++17 program that reads standard input and writes standard output.",
            "g++",
        ),
        (
            "java",
            "Write a complete Java program that reads standard input and writes standard output.",
            "Main",
        ),
        ("rust", "Write a complete Rust program", "rustc"),
        ("go", "Write a complete Go program", "package main"),
        ("javascript", "Write a complete JavaScript program", "Node.js"),
    ],
)
def test_the_solver_view_names_the_language(language: str, line: str, note: str) -> None:
    view = stdio_problem(language=language).solver_view()
    assert line in view and note in view
    assert "Python" not in view


def test_the_python_solver_view_is_unchanged() -> None:
    view = stdio_problem().solver_view()
    assert "Write a complete Python program that reads standard input and writes standard output.\n" in view


# --------------------------------------------------------------------------- seeds and config


def test_languages_config_defaults_validates_and_dedupes() -> None:
    assert SeedsConfig().languages == ("python",)
    assert SeedsConfig(languages=["cpp", "CPP", "Go"]).languages == ("cpp", "go")
    assert SeedsConfig.model_validate({"languages": "rust"}).languages == ("rust",)
    with pytest.raises(ValidationError, match="unknown language 'cobol'; use one of python, cpp"):
        SeedsConfig(languages=["python", "cobol"])
    with pytest.raises(ValidationError, match="the language list is empty"):
        SeedsConfig(languages=[])


def test_seeds_get_languages_round_robin_and_python_seeds_keep_their_ids() -> None:
    topics = ("a", "b", "c", "d", "e")
    plain = load_seeds(SeedsConfig(topics=topics))
    mixed = load_seeds(SeedsConfig(topics=topics, languages=["python", "cpp"]))
    assert [s.language for s in plain] == ["python"] * 5
    assert [s.language for s in mixed] == ["python", "cpp", "python", "cpp", "python"]
    # a Python seed's id is what it was before languages; one in another language has its own
    assert [s.id for s in mixed[::2]] == [s.id for s in plain[::2]]
    assert mixed[1].id != plain[1].id and mixed[1].topic == plain[1].topic
    # reproducible: the same list gives the same seeds (so a rerun resumes them)
    assert load_seeds(SeedsConfig(topics=topics, languages=["python", "cpp"])) == mixed
    assert with_language(plain[1], "cpp") == mixed[1]


def test_a_seed_dataset_row_may_name_its_language(tmp_path: Any) -> None:
    path = tmp_path / "seeds.jsonl"
    rows = [
        {"seed": "a", "language": "rust"},
        {"seed": "b"},
        {"seed": "c"},
        {"seed": "a", "language": "Java"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    seeds = load_seeds(SeedsConfig(dataset=path, languages=["go", "python"]))
    assert [(s.topic, s.language) for s in seeds] == [
        ("a", "rust"),
        ("b", "go"),
        ("c", "python"),
        ("a", "java"),
    ]
    path.write_text(json.dumps({"seed": "a", "language": "cobol"}) + "\n")
    with pytest.raises(ConfigError, match="has \"language\": 'cobol'"):
        load_seeds(SeedsConfig(dataset=path))


def test_a_seed_recorded_before_languages_is_python() -> None:
    old = Seed.model_validate_json('{"id": "s-1", "topic": "t", "context": "", "source": "topics"}')
    assert old.language == "python"
    assert "language" not in old.model_dump(mode="json")
    assert Seed(id="s-2", topic="t", language="go").model_dump(mode="json")["language"] == "go"


# --------------------------------------------------------------------------- prompts


def _user(language: str) -> str:
    seed = with_language(Seed(id="s-1", topic="prefix sums"), language)  # type: ignore[arg-type]
    return challenger_messages(seed, 1, 3, [], min_tests=5)[1].content


def test_the_challenger_prompt_names_the_language_on_its_own_line() -> None:
    for language in ("python", "cpp", "rust", "go", "java", "javascript"):
        assert f"\nLanguage: {language}\n" in _user(language)
    py = _user("python")
    assert (
        "Write ONE new, self-contained Python coding problem grounded in the seed topic.\n\nRequirements:"
        in py
    )
    cpp = _user("cpp")
    assert "self-contained C++17 coding problem" in cpp
    assert 'kind must be "stdio"' in cpp and '"language": "cpp"' in cpp
    assert "`input_generator`, `input_validator` and `checker` stay Python sources" in cpp


@pytest.mark.parametrize(
    ("language", "fence"),
    [("cpp", "cpp"), ("rust", "rust"), ("java", "java"), ("javascript", "javascript"), ("go", "go")],
)
def test_solver_and_repair_prompts_ask_for_the_language_in_its_fence(language: str, fence: str) -> None:
    p = stdio_problem(language=language)
    system, user = solver_messages(p, Limits())
    assert f"```{fence} code block" in system.content and "```python" not in system.content
    assert f"in one ```{fence} code block" in user.content and "Python" not in user.content
    repair = repair_message("failed", "1 of 3 hidden test cases failed", language)  # type: ignore[arg-type]
    assert f"```{fence} code block" in repair.content and "Python" not in repair.content


def test_python_solver_and_repair_prompts_are_the_files() -> None:
    system, user = solver_messages(stdio_problem())
    assert system.content == load("solver_system")
    assert user.content == load("solver_user").format(problem=stdio_problem().solver_view(), limits="")
    assert repair_message("failed", "x").content == load("repair_user").format(status="failed", failures="x")


# --------------------------------------------------------------------------- extraction


@pytest.mark.parametrize(
    ("language", "tags"),
    [
        ("cpp", ("cpp", "c++", "cc", "cxx", "C++")),
        ("rust", ("rust", "rs")),
        ("go", ("go", "golang")),
        ("java", ("java",)),
        ("javascript", ("javascript", "js", "node")),
    ],
)
def test_code_in_another_language_comes_from_its_fences(language: str, tags: tuple[str, ...]) -> None:
    for tag in tags:
        reply = f"Here it is:\n```{tag}\nint main() {{ return 0; }}\n```\nDone."
        assert extract_code(reply, language=language) == "int main() { return 0; }\n"  # type: ignore[arg-type]
    bare = "```\nfn main() {}\n```"
    assert extract_code(bare, language=language) == "fn main() {}\n"  # type: ignore[arg-type]


def test_extraction_prefers_the_languages_fence_and_wants_one() -> None:
    reply = "```\n5\n```\n\n```cpp\nint main() {}\n```\n\n```python\nprint(1)\n```"
    assert extract_code(reply, language="cpp") == "int main() {}\n"
    assert extract_code("```python\nprint(1)\n```", language="cpp") is None
    assert extract_code("int main() { return 0; }", language="cpp") is None  # no fence, no program
    assert extract_code("<think>```cpp\nbad\n```</think>```cpp\ngood();\n```", language="cpp") == "good();\n"
    # Python is unchanged: fences, then bare code
    assert extract_code("```python\nprint(1)\n```") == "print(1)\n"
    assert extract_code("x = 1\nprint(x)") == "x = 1\nprint(x)\n"


def _draft(**changes: Any) -> str:
    data = json.loads(cpp_problem().model_dump_json())
    data.update(changes)
    return json.dumps({k: v for k, v in data.items() if v is not None})


def test_parse_problem_takes_the_seeds_language() -> None:
    no_language = json.loads(_draft())
    del no_language["language"]
    assert parse_problem(json.dumps(no_language), language="cpp").language == "cpp"
    assert parse_problem(json.dumps(no_language)).language == "python"
    assert parse_problem(_draft(language="C++"), language="cpp").language == "cpp"
    with pytest.raises(MalformedOutput, match="written in 'rust' but this seed asks for 'cpp'"):
        parse_problem(_draft(language="rust"), language="cpp")
    with pytest.raises(MalformedOutput, match="must be kind 'stdio'"):
        parse_problem(_draft(kind="function", entry_point="f"), language="cpp")


# --------------------------------------------------------------------------- static checks, feedback


def test_static_checks_do_not_parse_other_languages_as_python() -> None:
    assert check_static(cpp_problem(), min_tests=5).ok
    report = check_static(cpp_problem(tests=stdio_tests(KADANE_CASES[:2])), min_tests=5)
    assert report.problems == ("the tests have 2 test cases; at least 5 are required",)
    leaked = cpp_problem(statement="Solve it like this:\n" + KADANE_CPP)
    assert any("reveals the solution" in p for p in check_static(leaked).problems)
    bad_generator = cpp_problem(input_generator="def generate(rng:\n")
    assert any("input generator" in p for p in check_static(bad_generator).problems)


def test_a_compile_error_is_its_own_feedback_class() -> None:
    result = ExecutionResult(
        status=Status.COMPILE_ERROR,
        message="/tmp/gf-job-1/main.cpp:3:5: error: 'foo' was not declared in this scope\n    3 | foo();",
    )
    text = hidden_summary(result, "stdio")
    assert "did not compile (compile error)" in text
    assert "'foo' was not declared" in text and "/tmp" not in text


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize("language", ["cpp", "rust", "go", "java", "javascript"])
def test_trivial_programs_are_in_the_problems_language(language: str) -> None:
    trivials = trivial_solutions(stdio_problem(language=language))
    assert [t.name for t in trivials] == ["prints nothing", "echoes its input", "prints 0"]
    assert all("sys.stdin" not in t.source for t in trivials)


def test_mutants_that_do_not_compile_are_dropped(run: Any) -> None:
    p = cpp_problem()

    def script(program: Any) -> Scripted:
        assert program.language == "cpp"
        if "<=" in program.solution:  # say: this mutant did not compile
            return Scripted(Status.COMPILE_ERROR)
        return Scripted(Status.FAILED, failing=("case_0",))

    async def go() -> Any:
        async with ScriptedSandbox(script) as sb:
            return await mutation_score(sb, p, Limits(), max_mutants=50)

    report = run(go())
    assert report.uncompiled >= 1
    assert report.total == len(report.killed) > 0 and report.score == 1.0
    assert all(r.status is not Status.COMPILE_ERROR for r in report.killed)


# --------------------------------------------------------------------------- data and rewards


def _record(problem: Problem) -> Any:
    from gapforge.dataset.records import GateSummary, ProblemRecord, Provenance, ValiditySummary

    return ProblemRecord(
        run_id="run-1", epoch=1, seed_id="s-1", seed_topic="t", round=1, problem_id=problem.id,
        problem=problem, weak_pass_rate=0.0, strong_pass_rate=1.0, weak_scores=(0.0,), strong_scores=(1.0,),
        gate=GateSummary(preset="prose", outcome="accepted", reason="ok"),
        validity=ValiditySummary(valid=True, cpu_limit_s=1.5, mutants_uncompiled=2), rounds_used=1,
        provenance=Provenance(
            gapforge_version="0", config_hash="h", models={}, prompt_hashes={}, sandbox_image="i",
            sandbox_backend="pool",
        ),
    )  # fmt: skip


def test_the_problems_table_carries_the_language_and_reads_it_back() -> None:
    from gapforge.dataset.schemas import to_table
    from gapforge.dataset.tables import problem_record_from_row, problem_row

    for problem in (cpp_problem(), stdio_problem()):
        rec = _record(problem)
        row = to_table("problems", [problem_row(rec)]).to_pylist()[0]
        assert row["language"] == problem.language
        back = problem_record_from_row(row)
        assert back.problem == problem and back.problem.id == problem.id
        assert back.validity.mutants_uncompiled == 2
    old = problem_row(_record(stdio_problem()))
    del old["language"]  # a row published before the column existed
    assert problem_record_from_row(old).problem.language == "python"


def test_rounds_and_attempts_tables_carry_the_language() -> None:
    from gapforge.dataset.records import AttemptRecord, RoundRecord
    from gapforge.dataset.schemas import to_table
    from gapforge.dataset.tables import attempt_row, round_record_from_row, round_row
    from gapforge.models import Attempt, Verdict

    prov = _record(stdio_problem()).provenance
    drafted = RoundRecord(
        run_id="r", epoch=1, seed_id="s", round=1, verdict=Verdict.INVALID, reason="x",
        problem=cpp_problem(), provenance=prov, started_at="t0", finished_at="t1",
    )  # fmt: skip
    malformed = drafted.model_copy(update={"problem": None, "verdict": Verdict.MALFORMED})
    rows = to_table(
        "rounds", [round_row(drafted), round_row(malformed, None, "rust"), round_row(malformed)]
    ).to_pylist()
    assert [r["language"] for r in rows] == ["cpp", "rust", "python"]
    assert rows[0]["problem"]["language"] == "cpp"
    assert round_record_from_row(rows[0]).problem == cpp_problem()
    attempt = Attempt(problem_id="p", role="weak", model="m", sample=0, completion="c", code=None)
    arec = AttemptRecord(run_id="r", epoch=1, seed_id="s", round=1, attempt=attempt, provenance=prov)
    assert (
        to_table("attempts", [attempt_row(arec, kind="stdio", language="go")]).to_pylist()[0]["language"]
        == "go"
    )


def _published_row(problem: Problem) -> dict[str, Any]:
    from gapforge.dataset.tables import problem_row

    row = problem_row(_record(problem))
    row["validity"] = _record(problem).validity.model_dump(mode="json")
    return row


def test_exports_carry_the_language_the_reward_needs() -> None:
    from gapforge.dataset.export import ground_truth, open_r1_rows, trl_rows, verification_info, verl_rows
    from gapforge.reward import RewardTask, judged_runs, tasks_from_columns

    cpp, py = _published_row(cpp_problem()), _published_row(stdio_problem())
    assert ground_truth(cpp)["language"] == "cpp" and ground_truth(py)["language"] == "python"
    assert verification_info(cpp)["language"] == "cpp" and verification_info(py)["language"] == "python"
    assert open_r1_rows([cpp], data_source="x")[0]["verification_info"]["language"] == "cpp"
    assert (
        verl_rows([cpp], split="train", data_source="x", system_prompt=True)[0]["extra_info"]["language"]
        == "cpp"
    )
    trl = trl_rows([cpp, py], system_prompt=True)
    assert [r["language"] for r in trl] == ["cpp", "python"]

    completion = f"```cpp\n{KADANE_CPP}```"
    for task in (
        RewardTask.from_ground_truth(json.dumps(ground_truth(cpp))),
        RewardTask.from_verification_info(verification_info(cpp)),
        tasks_from_columns(1, {k: [trl[0][k]] for k in ("kind", "tests", "entry_point", "language")})[0],
    ):
        assert task.language == "cpp"
        runs = judged_runs(completion, task, Limits())
        assert runs is not None and [p.language for _, p, _ in runs] == ["cpp"]
        assert runs[0][1].solution == KADANE_CPP
    # a ground truth or a column from before languages is Python
    legacy = {k: v for k, v in ground_truth(py).items() if k != "language"}
    assert RewardTask.from_ground_truth(legacy).language == "python"
    assert (
        tasks_from_columns(1, {"kind": ["stdio"], "tests": [py["tests"]], "language": [None]})[0].language
        == "python"
    )
    with pytest.raises(ConfigError):
        RewardTask.from_ground_truth({"kind": "function", "tests": "x", "language": "cpp"})


def test_the_card_header_lists_the_languages() -> None:
    from gapforge.dataset.card import yaml_header

    header = yaml_header(license="mit", pretty_name="x", n_problems=3, files={}, languages=["python", "cpp"])
    assert "- python\n- cpp\n" in header
    assert "- python\n" in yaml_header(license="mit", pretty_name="x", n_problems=3, files={})


# --------------------------------------------------------------------------- in the sandbox


@pytest.fixture(scope="module")
def pool_sandbox(event_loop_runner: Any) -> Iterator[Any]:
    """This module's own pool: its per-language containers go when the module ends, not kept
    warm for the session beside the Python pool (the attack suite counts what is left)."""
    from conftest import open_pool

    yield from open_pool(event_loop_runner, None)


@pytest.mark.docker
def test_validity_of_a_cpp_problem_in_the_sandbox(pool_sandbox: Any, run: Any) -> None:
    from test_sandbox_languages import need

    from gapforge.verifiers.validity import check_validity

    need("cpp")
    p = cpp_problem()
    report = run(check_validity(pool_sandbox, p, Limits(cpu_seconds=2), runs=2, max_mutants=12))
    assert report.valid, report.reason
    assert report.mutation is not None and report.mutation.total > 0
    assert all(r.status is not Status.COMPILE_ERROR for r in report.mutation.killed)
    wrong = run(pool_sandbox.run(p.program(WRONG_CPP), Limits(cpu_seconds=2)))
    assert wrong.status is Status.FAILED
    broken = run(pool_sandbox.run(p.program("int main( {"), Limits(cpu_seconds=2)))
    assert broken.status is Status.COMPILE_ERROR


@pytest.mark.docker
@pytest.mark.parametrize("language", ["cpp", "rust", "go", "java", "javascript"])
def test_trivial_programs_run_and_do_what_they_say(pool_sandbox: Any, run: Any, language: str) -> None:
    from test_sandbox_languages import need

    need(language)
    p = stdio_problem(language=language)
    nothing, echo, zero = trivial_solutions(p)
    cases = json.dumps([{"input": "3 4\n", "output": "3 4\n"}, {"input": "7\n", "output": "0\n"}])
    limits = Limits(cpu_seconds=3)
    programs = [
        Program(kind="stdio", language=language, solution=t.source, tests=cases)
        for t in (nothing, echo, zero)
    ]  # type: ignore[arg-type]
    results = [run(pool_sandbox.run(prog, limits)) for prog in programs]
    assert [r.tests[0].status for r in results] == [Status.FAILED, Status.PASSED, Status.FAILED], results
    assert [r.tests[1].status for r in results] == [Status.FAILED, Status.FAILED, Status.PASSED], results


GENERATOR = (
    "def generate(rng):\n"
    "    n = rng.randint(1, 6)\n"
    "    return '%d\\n%s\\n' % (n, ' '.join(str(rng.randint(-9, 9)) for _ in range(n)))\n"
)
VALIDATOR = (
    "def validate(text):\n"
    "    t = text.split()\n"
    "    if not t or not 1 <= int(t[0]) <= 10**5 or len(t) != int(t[0]) + 1:\n"
    "        raise ValueError('n and then n integers')\n"
)


def _kadane(text: str) -> str:
    xs = [int(t) for t in text.split()[1:]]
    best = cur = xs[0]
    for x in xs[1:]:
        cur = max(x, cur + x)
        best = max(best, cur)
    return f"{best}\n"


@pytest.mark.docker
def test_the_oracle_answers_inputs_with_the_cpp_reference(pool_sandbox: Any, run: Any) -> None:
    from test_sandbox_languages import need

    from gapforge.verifiers.oracle import OracleConfig, build_differential_suite

    need("cpp")
    p = cpp_problem(input_generator=GENERATOR, input_validator=VALIDATOR)
    config = OracleConfig(n_inputs=6, max_mutations=6)
    built = run(build_differential_suite(pool_sandbox, p, config, Limits(cpu_seconds=2)))
    assert not built.generator_errors and not built.reference_failures, built
    assert built.suite is not None and built.suite.kind == "stdio" and built.suite.language == "cpp"
    assert len(built.cases) >= 6
    for case in built.cases:  # every answer is the C++ reference's, which is right
        assert case.expected == _kadane(case.input), case
    passed = run(pool_sandbox.run(built.suite.program(KADANE_CPP), Limits(cpu_seconds=2)))
    assert passed.passed, passed
    with pytest.raises(ConfigError, match="with a checker"):
        run(
            build_differential_suite(
                pool_sandbox,
                cpp_problem(input_generator=GENERATOR, checker="def check(t, e, g):\n    return True\n"),
                config,
            )
        )


# --------------------------------------------------------------------------- a whole round in C++


@dataclasses.dataclass
class _Scripted:
    """A chat model that answers from a function of the last message (and records what it got)."""

    answer: Callable[[str], str]
    seen: list[str] = dataclasses.field(default_factory=list)

    async def complete(self, messages: Any, *, seed: int | None = None) -> Any:
        from gapforge.llm import Completion

        self.seen.append(messages[-1].content)
        return Completion(
            text=self.answer(messages[-1].content), finish_reason="stop", model="m", latency_s=0.0
        )


@pytest.mark.docker
def test_a_cpp_seed_goes_through_the_whole_round(pool_sandbox: Any, run: Any, tmp_path: Any) -> None:
    from test_sandbox_languages import need

    from gapforge.config import demo_config
    from gapforge.dataset.records import AttemptRecord, ProblemRecord, RoundRecord
    from gapforge.dataset.store import RunStore, read_table
    from gapforge.generators.loop import Generator, Models

    need("cpp")
    draft = json.loads(cpp_problem(input_generator=GENERATOR, input_validator=VALIDATOR).model_dump_json())
    challenger = _Scripted(lambda _: "```json\n" + json.dumps(draft) + "\n```")
    weak = _Scripted(lambda _: "```cpp\n" + WRONG_CPP + "```")
    strong = _Scripted(lambda _: "Here:\n```c++\n" + KADANE_CPP + "```")
    cfg = demo_config("http://127.0.0.1:9")
    cfg = cfg.model_copy(
        update={
            "loop": cfg.loop.model_copy(
                update={"max_rounds": 1, "max_mutants": 8, "validity_runs": 2, "repair_turns": 0}
            ),
            "oracle": cfg.oracle.model_copy(update={"n_inputs": 8, "max_mutations": 8}),
        }
    )
    seed = with_language(Seed(id="s-x", topic="maximum subarray"), "cpp")

    async def go() -> Any:
        store = RunStore.open(tmp_path, config_hash=cfg.config_hash, config=cfg.model_dump(mode="json"))
        try:
            gen = Generator(cfg, Models(challenger, weak, strong), pool_sandbox, store)
            return await gen.run([seed], concurrency=1)
        finally:
            store.close()

    stats = run(go())
    (rnd,) = read_table(tmp_path, "rounds", RoundRecord)
    assert rnd.verdict.value == "accepted", (rnd.reason, stats.errors)
    (problem,) = read_table(tmp_path, "problems", ProblemRecord)
    assert problem.problem.language == "cpp"
    assert problem.oracle is not None and problem.oracle.suites and problem.oracle.suites[0].language == "cpp"
    assert "\nLanguage: cpp\n" in challenger.seen[0]
    assert "```cpp code block" in weak.seen[0] and "C++17" in strong.seen[0]
    attempts = read_table(tmp_path, "attempts", AttemptRecord)
    assert {a.attempt.code for a in attempts if a.attempt.role == "strong"} == {KADANE_CPP}
    assert {a.attempt.score for a in attempts if a.attempt.role == "weak"} == {0.0}
