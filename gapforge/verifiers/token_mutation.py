"""Token-level mutation for the C family of languages (C++, Rust, Go, Java, JavaScript).

Python references get AST mutants (:mod:`gapforge.verifiers.mutation`); the other languages get
the same operators applied to tokens. A small scanner splits the source into comments, string and
character literals, numbers, identifiers and operators, so nothing inside a literal or a comment
is ever changed, and each mutant changes exactly one token:

* ``boundary``: ``<`` <-> ``<=``, ``>`` <-> ``>=``. A bare ``<`` or ``>`` is mutated only with
  white space on both sides (``a < b``), never in ``vector<int>`` or ``Vec<Vec<i64>>``;
* ``comparison``: ``==`` <-> ``!=``, ``===`` <-> ``!==``;
* ``logical``: ``&&`` <-> ``||``;
* ``arithmetic``: binary ``+`` <-> ``-``, ``*`` <-> ``/`` (binary: after an operand, so never a
  unary minus, a dereference or a pointer type after a keyword);
* ``constant``: a decimal integer literal +1 and -1 (its type suffix kept: ``1LL``, ``0usize``).

Shifts (``cout << x``), increments and compound assignments are left alone: their mutants are
mostly stream syntax or endless loops. A mutant may still fail to compile (a ``<`` in an
unusual place); the caller drops those (``compile_error``) instead of counting them as killed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Literal

from gapforge.verifiers.mutation import Mutant, MutationOperator, pick_sites

TokenLanguage = Literal["cpp", "rust", "go", "java", "javascript"]
TOKEN_LANGUAGES: tuple[TokenLanguage, ...] = ("cpp", "rust", "go", "java", "javascript")

# longest first: the scanner takes the first that matches
_OPERATORS = sorted(
    (
        ">>>=",
        "<<=",
        ">>=",
        ">>>",
        "===",
        "!==",
        "<=>",
        "...",
        "->",
        "=>",
        "::",
        "==",
        "!=",
        "<=",
        ">=",
        "&&",
        "||",
        "++",
        "--",
        "+=",
        "-=",
        "*=",
        "/=",
        "%=",
        "&=",
        "|=",
        "^=",
        "<<",
        ">>",
        ":=",
        "..",
    ),
    key=len,
    reverse=True,
)
_NUMBER = re.compile(
    r"0[xXbBoO][0-9a-fA-F_']+[a-zA-Z0-9]*|(?:\d[\d_']*)?\.?\d[\d_']*(?:[eE][+-]?\d+)?[a-zA-Z0-9]*"
)
# a decimal integer and its type suffix, if any: C++ (1LL, 2u), Rust (0usize, 1i64), Java (1L), JS (1n)
_PLAIN_INT = re.compile(r"(\d+)([uUlLzZ]{1,3}|[iu](?:8|16|32|64|128|size)|n)?")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# identifiers after which a + - * / is unary or part of a type, not a binary operator
_NOT_OPERANDS = frozenset(
    {
        "return",
        "case",
        "in",
        "of",
        "typeof",
        "throw",
        "yield",
        "await",
        "else",
        "do",
        "new",
        "delete",
        "const",
        "mut",
        "let",
        "var",
        "auto",
        "int",
        "long",
        "char",
        "void",
        "unsigned",
        "signed",
        "short",
        "double",
        "float",
        "bool",
        "dyn",
        "impl",
        "as",
    }
)
_SWAPS: dict[str, tuple[MutationOperator, str]] = {
    "<=": (MutationOperator.BOUNDARY, "<"),
    ">=": (MutationOperator.BOUNDARY, ">"),
    "<": (MutationOperator.BOUNDARY, "<="),
    ">": (MutationOperator.BOUNDARY, ">="),
    "==": (MutationOperator.COMPARISON, "!="),
    "!=": (MutationOperator.COMPARISON, "=="),
    "===": (MutationOperator.COMPARISON, "!=="),
    "!==": (MutationOperator.COMPARISON, "==="),
    "&&": (MutationOperator.LOGICAL, "||"),
    "||": (MutationOperator.LOGICAL, "&&"),
    "+": (MutationOperator.ARITHMETIC, "-"),
    "-": (MutationOperator.ARITHMETIC, "+"),
    "*": (MutationOperator.ARITHMETIC, "/"),
    "/": (MutationOperator.ARITHMETIC, "*"),
}
_BINARY_ONLY = frozenset({"+", "-", "*", "/", "&&", "||"})
_SPACED_ONLY = frozenset({"<", ">"})


@dataclass(frozen=True)
class Token:
    kind: Literal["space", "comment", "string", "number", "ident", "op"]
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _string_end(src: str, i: int, quote: str) -> int:
    """End (exclusive) of the escaped literal opening with ``quote`` at ``i``; the end of the line
    (or source) when it never closes."""
    j = i + 1
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == quote:
            return j + 1
        if c == "\n" and quote != "`":
            return j
        j += 1
    return len(src)


def _block_comment_end(src: str, i: int, nested: bool) -> int:
    depth, j = 1, i + 2
    while j < len(src) and depth:
        if src.startswith("*/", j):
            depth, j = depth - 1, j + 2
        elif nested and src.startswith("/*", j):
            depth, j = depth + 1, j + 2
        else:
            j += 1
    return j


def _raw_string_end(src: str, i: int, language: TokenLanguage) -> int | None:
    """End of a raw string starting at ``i`` (C++ ``R"d(...)d"``, Rust ``r#"..."#``/``br"..."``),
    or None when there is none."""
    if language == "cpp" and src.startswith('R"', i):
        open_paren = src.find("(", i + 2)
        if open_paren < 0 or open_paren - (i + 2) > 16:
            return None
        closing = ")" + src[i + 2 : open_paren] + '"'
        end = src.find(closing, open_paren + 1)
        return len(src) if end < 0 else end + len(closing)
    if language == "rust":
        m = re.compile(r"b?r(#*)\"").match(src, i)
        if m is None:
            return None
        closing = '"' + m.group(1)
        end = src.find(closing, m.end())
        return len(src) if end < 0 else end + len(closing)
    return None


def tokenize(src: str, language: TokenLanguage) -> list[Token]:
    """The source as tokens whose texts concatenate back to ``src`` exactly."""
    out: list[Token] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            j = i
            while j < n and src[j].isspace():
                j += 1
            out.append(Token("space", src[i:j], i))
            i = j
            continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(Token("comment", src[i:j], i))
            i = j
            continue
        if src.startswith("/*", i):
            j = _block_comment_end(src, i, nested=language == "rust")
            out.append(Token("comment", src[i:j], i))
            i = j
            continue
        raw = _raw_string_end(src, i, language) if c in "Rrb" else None
        if raw is not None:
            out.append(Token("string", src[i:raw], i))
            i = raw
            continue
        if language == "rust" and c == "b" and i + 1 < n and src[i + 1] in "\"'":
            j = _string_end(src, i + 1, src[i + 1])
            out.append(Token("string", src[i:j], i))
            i = j
            continue
        if c == '"' or (c == "`" and language in ("go", "javascript")):
            j = _string_end(src, i, c) if not (c == "`" and language == "go") else src.find("`", i + 1) + 1
            j = n if j <= i else j
            out.append(Token("string", src[i:j], i))
            i = j
            continue
        if c == "'":
            if language == "rust":
                # a lifetime ('a, 'static) has no closing quote; a char literal ('a', '\n') has
                m = _IDENT.match(src, i + 1)
                if m is not None and not src.startswith("'", m.end()):
                    out.append(Token("ident", src[i : m.end()], i))
                    i = m.end()
                    continue
            j = _string_end(src, i, "'")
            out.append(Token("string", src[i:j], i))
            i = j
            continue
        if c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            m = _NUMBER.match(src, i)
            j = m.end() if m and m.end() > i else i + 1
            out.append(Token("number", src[i:j], i))
            i = j
            continue
        m = _IDENT.match(src, i)
        if m is not None:
            out.append(Token("ident", m.group(), i))
            i = m.end()
            continue
        op = next((o for o in _OPERATORS if src.startswith(o, i)), c)
        out.append(Token("op", op, i))
        i += len(op)
    return out


def _is_operand(tok: Token | None) -> bool:
    if tok is None:
        return False
    if tok.kind in ("number", "string"):
        return True
    if tok.kind == "ident":
        return tok.text not in _NOT_OPERANDS
    return tok.text in (")", "]")


@dataclass(frozen=True)
class _Site:
    start: int
    end: int
    new: str
    operator: MutationOperator


def _sites(src: str, language: TokenLanguage) -> list[_Site]:
    tokens = tokenize(src, language)
    significant = [t for t in tokens if t.kind not in ("space", "comment")]
    sites: list[_Site] = []
    for k, tok in enumerate(significant):
        prev = significant[k - 1] if k else None
        if tok.kind == "number":
            m = _PLAIN_INT.fullmatch(tok.text)
            if m is None or len(m.group(1)) > 18 or (len(m.group(1)) > 1 and m.group(1).startswith("0")):
                continue  # floats, hex, separators, octal-looking literals, huge values
            value, suffix = int(m.group(1)), m.group(2) or ""
            sites.append(_Site(tok.start, tok.end, f"{value + 1}{suffix}", MutationOperator.CONSTANT))
            if value > 0:
                sites.append(_Site(tok.start, tok.end, f"{value - 1}{suffix}", MutationOperator.CONSTANT))
            continue
        if tok.kind != "op" or tok.text not in _SWAPS:
            continue
        if tok.text in _BINARY_ONLY and not _is_operand(prev):
            continue
        if tok.text in _SPACED_ONLY:
            before = src[tok.start - 1] if tok.start else ""
            after = src[tok.end] if tok.end < len(src) else ""
            if not (before.isspace() and after.isspace()):
                continue
        operator, new = _SWAPS[tok.text]
        sites.append(_Site(tok.start, tok.end, new, operator))
    return sites


def _line_of(src: str, pos: int) -> tuple[int, str]:
    lineno = src.count("\n", 0, pos) + 1
    begin = src.rfind("\n", 0, pos) + 1
    end = src.find("\n", pos)
    return lineno, src[begin : len(src) if end < 0 else end]


def _build(src: str, site: _Site) -> Mutant:
    mutated = src[: site.start] + site.new + src[site.end :]
    lineno, old_line = _line_of(src, site.start)
    _, new_line = _line_of(mutated, site.start)
    old = src[site.start : site.end]
    return Mutant(
        operator=site.operator,
        description=f"line {lineno}: `{old}` -> `{site.new}`",
        lineno=lineno,
        source=mutated,
        diff=f"-{old_line.strip()}\n+{new_line.strip()}",
    )


def token_mutation_sites(source: str, language: TokenLanguage) -> int:
    """How many mutations :func:`generate_token_mutants` can choose from."""
    return len(_sites(source, language))


def generate_token_mutants(
    source: str, language: TokenLanguage, *, max_mutants: int | None = None, seed: int = 0
) -> tuple[Mutant, ...]:
    """Distinct one-token mutants of ``source`` in source order, chosen as
    :func:`~gapforge.verifiers.mutation.generate_mutants` chooses (equal slices of the sites, one
    ``seed``-ed pick per slice). They are not compiled here: the sandbox does that."""
    if language not in TOKEN_LANGUAGES:
        raise ValueError(f"token mutation covers {', '.join(TOKEN_LANGUAGES)}, not {language!r}")
    sites = _sites(source, language)
    mutants: list[Mutant] = []
    seen = {source}
    for group in pick_sites(len(sites), max_mutants, random.Random(seed)):
        for i in group:
            m = _build(source, sites[i])
            if m.source not in seen:
                seen.add(m.source)
                mutants.append(m)
                break
    return tuple(mutants)
