"""C++, Rust, Go, Java and JavaScript stdio programs in the real sandbox: verdicts, the limits that
differ per language (fork bomb, memory bomb, endless output, compile bomb), isolation, determinism
and the warm pool's compile cache. Each language's tests need its runner image
(`gapforge images build --base debootstrap --language L`): without it they skip, or fail under
GAPFORGE_REQUIRE_LANGUAGES=1 (as Docker tests do under GAPFORGE_REQUIRE_DOCKER=1)."""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import RUN_ID, leftovers, open_pool

from gapforge.sandbox import ExecutionResult, Limits, Program, Status
from gapforge.sandbox.base import CompileLimits

REQUIRE_LANGUAGES = os.environ.get("GAPFORGE_REQUIRE_LANGUAGES") == "1"
LANGS = ("cpp", "rust", "go", "java", "javascript")
COMPILED = ("cpp", "rust", "go", "java")
LIMITS = Limits(cpu_seconds=2, wall_seconds=10, memory_mb=256, pids=64, output_bytes=200_000, disk_mb=64)
COMPILE = CompileLimits(cpu_seconds=8, wall_seconds=30)
SUM_CASES = json.dumps(
    [
        {"input": "1 2\n", "output": "3\n"},
        {"input": "40 2\n", "output": "42\n"},
        {"input": "5 0\n", "output": "5"},
    ]
)

# a + b, right and wrong (a - b), in every language
SUM = {
    "cpp": "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a{op}b<<'\\n';}\n",
    "rust": (
        "use std::io::Read;\nfn main(){let mut s=String::new();std::io::stdin().read_to_string(&mut s).unwrap();"
        'let v:Vec<i64>=s.split_whitespace().map(|x|x.parse().unwrap()).collect();println!("{}",v[0]{op}v[1]);}\n'
    ),
    "go": 'package main\nimport "fmt"\nfunc main(){var a,b int64\nfmt.Scan(&a,&b)\nfmt.Println(a{op}b)}\n',
    "java": (
        "import java.util.*;\npublic class Main{public static void main(String[] x){Scanner s=new Scanner(System.in);"
        "long a=s.nextLong(),b=s.nextLong();System.out.println(a{op}b);}}\n"
    ),
    "javascript": (
        "const v=require('fs').readFileSync(0,'utf8').trim().split(/\\s+/).map(Number);console.log(v[0]{op}v[1]);\n"
    ),
}
CRASH = {
    "cpp": "#include <cstdlib>\nint main(){std::abort();}\n",
    "rust": 'fn main(){let v: Vec<i32> = Vec::new(); let i = std::env::args().count() + 5; println!("{}", v[i]);}\n',
    "go": 'package main\nfunc main(){panic("boom")}\n',
    "java": 'public class Main{public static void main(String[] a){throw new RuntimeException("boom");}}\n',
    "javascript": "throw new Error('boom');\n",
}
BROKEN = {
    "cpp": "int main(){ return undefined_name; }\n",
    "rust": 'fn main(){ let x: i32 = "no"; }\n',
    "go": "package main\nfunc main(){ x := 1 }\n",
    "java": 'public class Main{public static void main(String[] a){int x = "no";}}\n',
}
SPIN = {
    "cpp": "int main(){volatile unsigned long x=0;for(;;)x++;}\n",
    "rust": "fn main(){let mut x:u64=0;loop{unsafe{std::ptr::write_volatile(&mut x,std::ptr::read_volatile(&x)+1);}}}\n",
    "go": "package main\nvar x uint64\nfunc main(){for{x++}}\n",
    "java": "public class Main{static volatile long x;public static void main(String[] a){for(;;)x++;}}\n",
    "javascript": "let x=0;for(;;){x++;}\n",
}


def sum_program(language: str, op: str = "+") -> Program:
    return Program(
        kind="stdio", language=language, solution=SUM[language].replace("{op}", op), tests=SUM_CASES
    )


def program(language: str, source: str, cases: str = '[{"input": "", "output": "x"}]') -> Program:
    return Program(kind="stdio", language=language, solution=source, tests=cases)


_IMAGE_PROBLEMS: dict[str, str | None] = {}


def language_problem(language: str) -> str | None:
    if language not in _IMAGE_PROBLEMS:
        try:
            from gapforge.images.build import resolve_runner_image
            from gapforge.sandbox.docker import connect

            resolve_runner_image(connect(), language)
            _IMAGE_PROBLEMS[language] = None
        except Exception as exc:  # any reason this language's image cannot be used
            _IMAGE_PROBLEMS[language] = str(exc)
    return _IMAGE_PROBLEMS[language]


def need(language: str) -> None:
    """Skip (or fail, under GAPFORGE_REQUIRE_LANGUAGES=1) when the language's image is missing."""
    problem = language_problem(language)
    if problem is None:
        return
    if REQUIRE_LANGUAGES:
        pytest.fail(
            f"GAPFORGE_REQUIRE_LANGUAGES=1 but the {language} runner is not usable: {problem}", pytrace=False
        )
    pytest.skip(f"the {language} runner image is not built here: {problem}")


@pytest.fixture(scope="module")
def pool(event_loop_runner: Any) -> Iterator[Any]:
    """One pool (Python image); each language's containers start on its first program."""
    yield from open_pool(event_loop_runner, LIMITS, size=1, compile_limits=COMPILE)


@pytest.fixture
def execute(pool: Any, run: Callable[..., Any]) -> Iterator[Callable[[Program], ExecutionResult]]:
    def go(p: Program) -> ExecutionResult:
        need(p.language)
        result: ExecutionResult = run(pool.run(p, LIMITS))
        assert result.backend == "pool", result
        return result

    yield go
    left = leftovers()
    assert left["containers"] == [] and left["job_dirs"] == [], left


# ---------------------------------------------------------------------------------- without Docker


def test_python_programs_keep_their_ids() -> None:
    p = Program(kind="stdio", solution="print(1)", tests='[{"input": "", "output": "1"}]')
    assert "language" not in p.model_dump() and "language" not in p.model_dump_json()
    assert p.digest == Program(kind="stdio", solution="print(1)", tests=p.tests, language="python").digest
    cpp = Program(kind="stdio", solution="print(1)", tests=p.tests, language="cpp")
    assert cpp.digest != p.digest and cpp.model_dump()["language"] == "cpp"
    assert Program.model_validate_json(cpp.model_dump_json()) == cpp


def test_other_languages_are_stdio_only() -> None:
    with pytest.raises(ValueError, match="stdio problems only"):
        Program(kind="function", solution="int main(){}", tests="def test_x(): pass", language="cpp")
    with pytest.raises(ValueError):
        Program(kind="stdio", solution="x", tests="[]", language="cobol")  # type: ignore[arg-type]


def test_compile_cache_is_a_byte_bounded_lru() -> None:
    from gapforge.sandbox.harness import harness

    cache = harness.ArtifactCache(10)
    cache.put("a", b"1234")
    cache.put("b", b"5678")
    assert cache.get("a") == b"1234"  # a is now the most recent
    cache.put("c", b"90ab")  # over 10 bytes: b goes first
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.get("c") == b"90ab"
    cache.put("huge", b"x" * 11)  # bigger than the whole cache: never kept
    assert cache.get("huge") is None and cache.size == 8


def test_language_images_have_their_own_tags() -> None:
    from gapforge.errors import ConfigError
    from gapforge.images.build import debootstrap_recipe_text, recipe

    tags = {lang: recipe("debootstrap", lang).tag for lang in ("python", *LANGS)}
    assert len(set(tags.values())) == 6
    assert tags["cpp"].startswith("gapforge-runner-cpp:") and tags["python"].startswith("gapforge-runner:")
    assert "g++" in debootstrap_recipe_text("cpp") and "g++" not in debootstrap_recipe_text()
    with pytest.raises(ConfigError, match="debootstrap"):
        recipe("registry", "go")
    with pytest.raises(ConfigError, match="unknown language"):
        recipe("debootstrap", "cobol")


def test_every_layer_names_the_same_languages() -> None:
    from gapforge.images.build import ALL_LANGUAGES
    from gapforge.sandbox.base import LANGUAGES
    from gapforge.sandbox.harness import harness

    assert tuple(LANGUAGES) == ALL_LANGUAGES == ("python", *LANGS)
    assert set(harness.LANGS) == set(LANGS)
    assert {lang for lang, spec in harness.LANGS.items() if spec["compile"]} == set(COMPILED)


def test_python_job_limits_are_unchanged() -> None:
    from gapforge.sandbox.job import compile_limit_fields, host_wall_s

    p = Program(kind="stdio", solution="print(1)", tests='[{"input": "", "output": "1"}]')
    assert compile_limit_fields(p, COMPILE) == {} and host_wall_s(p, LIMITS, COMPILE) == LIMITS.wall_seconds
    cpp = p.model_copy(update={"language": "cpp"})
    assert compile_limit_fields(cpp, COMPILE)["compile_cpu_seconds"] == 8
    assert host_wall_s(cpp, LIMITS, COMPILE) == LIMITS.wall_seconds + COMPILE.wall_seconds


def test_admission_across_languages_goes_by_priority(run: Callable[..., Any]) -> None:
    import asyncio

    from gapforge.sandbox.pool import _Admission

    async def scenario() -> list[str]:
        admission = _Admission(1)
        order: list[str] = []
        await admission.acquire()

        async def job(name: str, priority: int) -> None:
            await admission.acquire(priority)
            order.append(name)
            admission.release()

        tasks = [asyncio.create_task(job("low", 0)), asyncio.create_task(job("high", 1))]
        cancelled = asyncio.create_task(job("cancelled", 5))
        await asyncio.sleep(0.01)
        cancelled.cancel()
        await asyncio.sleep(0.01)
        admission.release()
        await asyncio.gather(*tasks)
        return order

    assert run(scenario()) == ["high", "low"]


# ---------------------------------------------------------------------------------- verdicts


@pytest.mark.docker
def test_language_pools_share_one_admission_bound(
    execute: Callable[[Program], ExecutionResult], pool: Any
) -> None:
    assert execute(sum_program("cpp")).status is Status.PASSED
    assert pool._admission is not None  # jobs of every language together stay within `size`
    assert pool._by_language["cpp"]._admission is pool._admission
    assert pool._by_language["cpp"].image.startswith("gapforge-runner-cpp:")
    # `docker ps` tells an operator which language each warm container serves
    from gapforge.sandbox.docker import connect

    labelled = connect().containers.list(filters={"label": [f"gapforge.run={RUN_ID}", "gapforge.mode=pool"]})
    assert {(c.labels or {}).get("gapforge.language") for c in labelled} >= {"python", "cpp"}


@pytest.mark.docker
@pytest.mark.parametrize("language", LANGS)
def test_right_and_wrong_answers(execute: Callable[[Program], ExecutionResult], language: str) -> None:
    right = execute(sum_program(language))
    assert right.status is Status.PASSED, right
    assert [t.status for t in right.tests] == [Status.PASSED] * 3
    wrong = execute(sum_program(language, "-"))
    assert wrong.status is Status.FAILED, wrong
    assert (
        wrong.tests[0].status is Status.FAILED and wrong.tests[2].status is Status.PASSED
    )  # 1-2 != 3; 5-0 == 5


@pytest.mark.docker
@pytest.mark.parametrize("language", LANGS)
def test_runtime_error_is_error(execute: Callable[[Program], ExecutionResult], language: str) -> None:
    r = execute(program(language, CRASH[language]))
    assert r.status is Status.ERROR, r
    assert r.tests[0].status is Status.ERROR


@pytest.mark.docker
@pytest.mark.parametrize("language", COMPILED)
def test_compile_error_is_its_own_verdict(
    execute: Callable[[Program], ExecutionResult], language: str
) -> None:
    r = execute(program(language, BROKEN[language]))
    assert r.status is Status.COMPILE_ERROR, r
    assert not r.status.is_infrastructure
    assert r.message.strip() and r.tests == ()
    assert r.compile_cached is False


@pytest.mark.docker
def test_javascript_syntax_error_is_an_error(execute: Callable[[Program], ExecutionResult]) -> None:
    r = execute(program("javascript", "function ( {\n"))
    assert r.status is Status.ERROR, r
    assert "SyntaxError" in r.tests[0].message


# ---------------------------------------------------------------------------------- attacks


@pytest.mark.docker
@pytest.mark.parametrize("language", LANGS)
def test_cpu_loop_times_out(execute: Callable[[Program], ExecutionResult], language: str) -> None:
    r = execute(program(language, SPIN[language]))
    assert r.status is Status.TIMEOUT, r
    # stopped by the CPU limit (the kernel's count and rusage's differ a little under a CPU quota)
    assert r.cpu_s >= LIMITS.cpu_seconds * 0.75 or r.wall_s >= LIMITS.wall_seconds, r
    assert "time limit exceeded" in r.message


@pytest.mark.docker
def test_cpp_fork_bomb_is_contained(execute: Callable[[Program], ExecutionResult]) -> None:
    from test_sandbox_attacks import host_processes_matching

    marker = "gfcbomb" + secrets.token_hex(4)
    src = (
        "#include <unistd.h>\n#include <cstring>\n"
        'int main(int argc, char** argv){ (void)argc; std::strncpy(argv[0], "' + marker + '", 15);'
        " for(;;){ fork(); } }\n"
    )
    t0 = time.monotonic()
    r = execute(program("cpp", src))
    assert r.status in (Status.TIMEOUT, Status.ERROR, Status.MEMORY_EXCEEDED), r
    assert time.monotonic() - t0 < LIMITS.wall_seconds + COMPILE.wall_seconds
    time.sleep(0.5)
    assert host_processes_matching(marker) == []
    assert execute(sum_program("cpp")).status is Status.PASSED  # the pool is fine afterwards


@pytest.mark.docker
@pytest.mark.parametrize("language", ["go", "rust"])
def test_memory_bomb_reports_memory_exceeded(
    execute: Callable[[Program], ExecutionResult], language: str
) -> None:
    src = {
        "go": 'package main\nimport "fmt"\nfunc main(){ var keep [][]byte\n for { b := make([]byte, 8<<20)\n'
        " for i := range b { b[i] = 1 }\n keep = append(keep, b) }\n fmt.Println(len(keep)) }\n",
        "rust": "fn main(){ let mut keep: Vec<Vec<u8>> = Vec::new(); loop { keep.push(vec![1u8; 8 << 20]);"
        ' if keep.len() == usize::MAX { break; } } println!("{}", keep.len()); }\n',
    }[language]
    r = execute(program(language, src))
    assert r.status is Status.MEMORY_EXCEEDED, r
    assert "memory limit" in r.message


@pytest.mark.docker
@pytest.mark.parametrize("language", ["java", "javascript", "cpp"])
def test_heap_exhaustion_is_memory_exceeded(
    execute: Callable[[Program], ExecutionResult], language: str
) -> None:
    # the runtime's own out-of-memory failure (a JVM/V8 heap cap, std::bad_alloc or the cgroup's kill)
    src = {
        "java": "import java.util.*;\npublic class Main{public static void main(String[] a){List<long[]> k=new ArrayList<>();"
        "for(;;){k.add(new long[1<<20]);}}}\n",
        "javascript": "const k=[];for(;;){k.push(new Array(1<<20).fill(1.5));}\n",
        "cpp": "#include <vector>\n#include <cstring>\nint main(){std::vector<char*> k;for(;;){char* p=new char[8<<20];"
        "std::memset(p,1,8<<20);k.push_back(p);}}\n",
    }[language]
    r = execute(program(language, src))
    assert r.status is Status.MEMORY_EXCEEDED, r


@pytest.mark.docker
def test_java_endless_output_is_capped(execute: Callable[[Program], ExecutionResult]) -> None:
    src = (
        'public class Main{public static void main(String[] a){String s="x".repeat(10000);'
        "for(;;){System.out.println(s);}}}\n"
    )
    t0 = time.monotonic()
    r = execute(program("java", src))
    assert r.status is Status.OUTPUT_EXCEEDED, r
    assert r.truncated and len(r.stdout) + len(r.stderr) <= LIMITS.output_bytes
    assert time.monotonic() - t0 < LIMITS.wall_seconds + COMPILE.wall_seconds


@pytest.mark.docker
def test_cpp_compile_bomb_is_stopped_by_the_compile_limits(
    execute: Callable[[Program], ExecutionResult],
) -> None:
    # 2^28 distinct template instantiations: no compiler finishes this within the limits
    src = (
        "template<int N, int M> struct B { static constexpr long v = B<N-1, 2*M>::v + B<N-1, 2*M+1>::v; };\n"
        "template<int M> struct B<0, M> { static constexpr long v = M; };\n"
        "int main(){ return (int)B<28, 1>::v; }\n"
    )
    t0 = time.monotonic()
    r = execute(program("cpp", src))
    assert r.status is Status.COMPILE_ERROR, r
    assert r.message.startswith("compilation stopped:"), r.message[:300]
    assert time.monotonic() - t0 < COMPILE.wall_seconds + 10
    assert execute(sum_program("cpp")).status is Status.PASSED  # the pool is fine afterwards


@pytest.mark.docker
def test_network_is_unreachable_from_cpp(execute: Callable[[Program], ExecutionResult]) -> None:
    src = r"""
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdio>
int main(){
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{}; a.sin_family = AF_INET; a.sin_port = htons(53); inet_pton(AF_INET, "1.1.1.1", &a.sin_addr);
  bool reached = s >= 0 && connect(s, (sockaddr*)&a, sizeof a) == 0;
  addrinfo* res = nullptr;
  bool dns = getaddrinfo("example.com", "80", nullptr, &res) == 0;
  std::printf("%s %s\n", reached ? "reached" : "blocked", dns ? "dns" : "nodns");
}
"""
    r = execute(program("cpp", src, '[{"input": "", "output": "blocked nodns"}]'))
    assert r.status is Status.PASSED, r


@pytest.mark.docker
def test_writes_outside_the_work_dir_fail_from_cpp(execute: Callable[[Program], ExecutionResult]) -> None:
    src = r"""
#include <cstdio>
int main(){
  const char* paths[] = {"/job/x", "/opt/gapforge/harness.py", "/etc/passwd", "/usr/evil", "/evil", "/var/tmp/x",
                         "/usr/bin/g++", "/proc/self/exe"};
  int ok = 0;
  for (const char* p : paths) { FILE* f = std::fopen(p, "a"); if (f) { ok++; std::fclose(f); } }
  std::printf("%d\n", ok);
}
"""
    r = execute(program("cpp", src, '[{"input": "", "output": "0"}]'))
    assert r.status is Status.PASSED, r


# ---------------------------------------------------------------------------------- determinism


@pytest.mark.docker
@pytest.mark.parametrize("language", LANGS)
def test_same_program_same_verdict_20_times(
    execute: Callable[[Program], ExecutionResult], language: str
) -> None:
    mixed = sum_program(language, "*")  # 1*2 != 3, 40*2 != 42, 5*0 != 5: a stable wrong answer
    keys = {execute(mixed).verdict_key() for _ in range(20)}
    assert len(keys) == 1, keys
    assert next(iter(keys))[0] == "failed"


@pytest.mark.docker
def test_fresh_container_backend_runs_languages(docker_sandbox: Any, run: Callable[..., Any]) -> None:
    need("cpp")
    results = [run(docker_sandbox.run(sum_program("cpp"), LIMITS)) for _ in range(3)]
    assert {r.status for r in results} == {Status.PASSED}, results
    assert all(r.compile_cached is False for r in results)  # no cache in fresh containers
    broken = run(docker_sandbox.run(program("cpp", BROKEN["cpp"]), LIMITS))
    assert broken.status is Status.COMPILE_ERROR, broken


# ---------------------------------------------------------------------------------- compile cache


@pytest.mark.docker
def test_second_run_of_the_same_cpp_source_hits_the_cache(
    execute: Callable[[Program], ExecutionResult],
) -> None:
    p = sum_program("cpp", "+0*" + str(secrets.randbelow(10**9)) + "+")  # a source no earlier test compiled
    first = execute(p)
    second = execute(p)
    assert first.status is second.status is Status.PASSED, (first, second)
    assert first.compile_cached is False and first.compile_s is not None and first.compile_s > 0
    assert second.compile_cached is True and second.compile_s == 0
    assert second.wall_s < first.wall_s, (first.wall_s, second.wall_s)


@pytest.mark.docker
def test_a_candidate_cannot_poison_the_cache(execute: Callable[[Program], ExecutionResult]) -> None:
    tag = secrets.token_hex(4)
    genuine_src = (
        "#include <cstdio>\n#include <cstring>\n"
        'int main(){ FILE* f = std::fopen("/proc/self/exe", "r+"); if (f) { std::fputs("evil", f); std::fclose(f); }'
        ' std::printf("genuine ' + tag + '\\n"); }\n'
    )
    genuine = program("cpp", genuine_src, json.dumps([{"input": "", "output": f"genuine {tag}"}]))
    assert execute(genuine).status is Status.PASSED
    # another program writes an impostor to every place an artifact could be read from (files left
    # outside its work dir would recycle the container, cache and all: that defence is not the one
    # under test here, so it stays inside)
    attacker = r"""
#include <cstdio>
#include <string>
#include <dirent.h>
#include <sys/stat.h>
static void plant(const std::string& p) {
  FILE* f = std::fopen(p.c_str(), "w");
  if (f) { std::fputs("#!/bin/sh\necho impostor\n", f); std::fclose(f); chmod(p.c_str(), 0755); }
}
int main(){
  const char* names[] = {"main", "a.out", "main.cpp", "classes", "Main.class"};
  for (const char* n : names) plant(n);  // its own work dir: the job's paths a next job would use
  for (int fd = 0; fd < 64; fd++) plant("/proc/self/fd/" + std::to_string(fd));
  for (int fd = 0; fd < 64; fd++) plant("/proc/1/fd/" + std::to_string(fd));
  std::printf("x\n");
}
"""
    execute(program("cpp", attacker))
    again = execute(genuine)
    assert again.status is Status.PASSED, again
    assert again.compile_cached is True
    assert again.stdout.strip() == f"genuine {tag}"


# ---------------------------------------------------------------------------------- command line


def _cli(*args: str) -> Any:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "gapforge", *args], capture_output=True, text=True, timeout=180, check=False
    )


def test_cli_rejects_bad_language_input(tmp_path: Any) -> None:
    (tmp_path / "main.cpp").write_text("int main(){}\n")
    (tmp_path / "cases.json").write_text('[{"input": "", "output": ""}]')
    run = ["sandbox", "run", "-s", str(tmp_path / "main.cpp"), "-t", str(tmp_path / "cases.json")]
    for extra, needle in (
        (["--kind", "stdio", "--language", "cobol"], "unknown language 'cobol'"),
        (["--language", "cpp"], "stdio problems only"),
        (
            ["--kind", "stdio", "--language", "cpp", "--backend", "local"],
            "local backend runs Python programs only",
        ),
    ):
        proc = _cli(*run, *extra)
        assert proc.returncode == 2, (extra, proc.stderr)
        assert needle in proc.stderr, proc.stderr
    proc = _cli("images", "build", "--language", "cpp,cobol")
    assert proc.returncode == 2 and "unknown language 'cobol'" in proc.stderr, proc.stderr


@pytest.mark.docker
def test_cli_runs_a_cpp_program(tmp_path: Any) -> None:
    need("cpp")
    (tmp_path / "main.cpp").write_text(SUM["cpp"].replace("{op}", "+"))
    (tmp_path / "cases.json").write_text(SUM_CASES)
    proc = _cli(
        "sandbox", "run", "-s", str(tmp_path / "main.cpp"), "-t", str(tmp_path / "cases.json"),
        "--kind", "stdio", "--language", "cpp", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == "passed" and result["compile_cached"] is False, result
