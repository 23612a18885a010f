"""Token-level mutation for C++, Rust, Go, Java and JavaScript: one token per mutant, never inside
a literal or a comment, no generics or stream operators, deterministic selection."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gapforge.verifiers.mutation import MutationOperator
from gapforge.verifiers.token_mutation import (
    TOKEN_LANGUAGES,
    generate_token_mutants,
    token_mutation_sites,
    tokenize,
)

CPP = r"""#include <bits/stdc++.h>
using namespace std;
// a < b in a comment stays
int main() {
    long long n; cin >> n;
    vector<int> xs(n);
    const char* s = "x < y && 1 + 2";
    auto raw = R"(a < b)";
    char c = '<';
    double big = 1e9;
    long long total = 0LL;
    for (int i = 0; i < n; i++) { total += xs[i] * 2; }
    if (n >= 3 && total != -1) cout << total - 1 << "\n";
    return -1;
}
"""

RUST = r"""use std::io::Read;
fn pick<'a>(xs: &'a Vec<Vec<i64>>) -> &'a Vec<i64> { &xs[0] }
fn main() {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let r = r#"a < b "quoted" == c"#;
    let ch = 'x';
    let n: usize = s.trim().parse().unwrap();
    /* outer /* nested < */ still comment == */
    if n > 1 || n == 0 { println!("{}", n + 1usize); }
}
"""

GO = """package main
import "fmt"
func main() {
    var n int
    fmt.Scan(&n)
    s := `raw < string == x`
    if n <= 10 && s != "" { fmt.Println(n * 3) }
}
"""

JAVA = """import java.util.*;
public class Main {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        List<Integer> xs = new ArrayList<>();
        int n = in.nextInt();
        int m = n >>> 1;
        if (n % 2 == 0) System.out.println(n / 2 + m);
    }
}
"""

JS = """const lines = require('fs').readFileSync(0, 'utf8').split('\\n');
const n = Number(lines[0]);
const msg = `value < ${n} === x`;
if (n === 0 || n > 5) console.log(n - 1); else console.log(-n);
"""

SAMPLES = {"cpp": CPP, "rust": RUST, "go": GO, "java": JAVA, "javascript": JS}


@pytest.mark.parametrize("language", TOKEN_LANGUAGES)
def test_tokens_concatenate_back_to_the_source(language: str) -> None:
    src = SAMPLES[language]
    assert "".join(t.text for t in tokenize(src, language)) == src  # type: ignore[arg-type]


def _changed_span(a: str, b: str) -> tuple[int, str, str]:
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[len(a) - 1 - j] == b[len(b) - 1 - j]:
        j += 1
    return i, a[i : len(a) - j], b[i : len(b) - j]


@pytest.mark.parametrize("language", TOKEN_LANGUAGES)
def test_every_mutant_changes_one_token_outside_literals_and_comments(language: str) -> None:
    src = SAMPLES[language]
    tokens = tokenize(src, language)  # type: ignore[arg-type]
    protected = [(t.start, t.end) for t in tokens if t.kind in ("string", "comment")]
    mutants = generate_token_mutants(src, language)  # type: ignore[arg-type]
    assert len(mutants) == token_mutation_sites(src, language) > 3  # type: ignore[arg-type]
    assert len({m.source for m in mutants}) == len(mutants)
    for m in mutants:
        pos, old, new = _changed_span(src, m.source)
        assert old != new and "\n" not in old + new
        assert not any(a <= pos < b for a, b in protected), f"{m.description} edits a literal or comment"
        assert m.description.startswith(f"line {m.lineno}:")


def test_cpp_sites_skip_generics_streams_increments_and_unary_minus() -> None:
    described = {m.description for m in generate_token_mutants(CPP, "cpp")}
    # comparisons with spaces, the logical and, binary arithmetic, integer constants
    assert "line 12: `<` -> `<=`" in described
    assert "line 13: `>=` -> `>`" in described
    assert "line 13: `&&` -> `||`" in described
    assert "line 13: `!=` -> `==`" in described
    assert "line 13: `-` -> `+`" in described  # total - 1: binary
    assert "line 12: `*` -> `/`" in described
    assert "line 11: `0LL` -> `1LL`" in described
    lines = {m.lineno for m in generate_token_mutants(CPP, "cpp") if m.operator is MutationOperator.BOUNDARY}
    assert 1 not in lines and 6 not in lines  # #include <...> and vector<int>
    for m in generate_token_mutants(CPP, "cpp"):
        assert "<<" not in m.description and ">>" not in m.description and "++" not in m.description
        assert m.description != "line 14: `-` -> `+`"  # return -1: unary
        assert "1e9" not in m.description


def test_rust_lifetimes_chars_raw_strings_and_nested_comments() -> None:
    mutants = generate_token_mutants(RUST, "rust")
    described = {m.description for m in mutants}
    assert "line 10: `>` -> `>=`" in described and "line 10: `||` -> `&&`" in described
    assert "line 10: `1usize` -> `2usize`" in described
    # line 2: lifetimes and nested generics, only the index constant; 6, 7, 9: literals and comments
    assert {m.description for m in mutants if m.lineno == 2} == {"line 2: `0` -> `1`"}
    assert all(m.lineno not in (6, 7, 9) for m in mutants), described


def test_go_java_and_javascript_operators() -> None:
    go = {m.description for m in generate_token_mutants(GO, "go")}
    assert {"line 7: `<=` -> `<`", "line 7: `&&` -> `||`", "line 7: `*` -> `/`"} <= go
    java = {m.description for m in generate_token_mutants(JAVA, "java")}
    assert {"line 8: `==` -> `!=`", "line 8: `/` -> `*`", "line 8: `+` -> `-`"} <= java
    assert all(m.lineno != 5 for m in generate_token_mutants(JAVA, "java"))  # List<Integer>
    js = {m.description for m in generate_token_mutants(JS, "javascript")}
    assert {"line 4: `===` -> `!==`", "line 4: `>` -> `>=`", "line 4: `-` -> `+`"} <= js
    assert all(m.lineno != 3 for m in generate_token_mutants(JS, "javascript"))  # template literal


def test_selection_is_bounded_spread_and_deterministic() -> None:
    everything = generate_token_mutants(CPP, "cpp")
    few = generate_token_mutants(CPP, "cpp", max_mutants=4, seed=7)
    assert len(few) == 4
    assert few == generate_token_mutants(CPP, "cpp", max_mutants=4, seed=7)
    assert {m.source for m in few} <= {m.source for m in everything}
    assert [m.lineno for m in few] == sorted(m.lineno for m in few)


def test_python_is_not_a_token_language() -> None:
    with pytest.raises(ValueError, match="token mutation covers"):
        generate_token_mutants("x = 1 + 2", "python")  # type: ignore[arg-type]


_fragment = st.sampled_from(
    [
        "a < b",
        "x == y",
        "p && q",
        "n + 1",
        "m * 2",
        '"s < t == u"',
        "'c'",
        "// c < d\n",
        "/* e == f */",
        "vector<int>",
        "cout << k",
        "i++",
        "-1",
        "1e9",
        "(a) - (b)",
        "\n",
        " ",
        ";",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_fragment, max_size=20), st.sampled_from(TOKEN_LANGUAGES))
def test_random_programs_round_trip_and_mutate_one_token(parts: list[str], language: str) -> None:
    src = " ".join(parts)
    tokens = tokenize(src, language)  # type: ignore[arg-type]
    assert "".join(t.text for t in tokens) == src
    protected = [(t.start, t.end) for t in tokens if t.kind in ("string", "comment")]
    for m in generate_token_mutants(src, language):  # type: ignore[arg-type]
        pos, old, new = _changed_span(src, m.source)
        assert old != new
        assert not any(a <= pos < b for a, b in protected)
