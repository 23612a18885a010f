"""Static checks on a drafted problem, before anything is executed.

Each failed check adds one concrete reason to :class:`StaticReport.problems`; every check runs,
so the challenger hears about all of them at once.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
from collections.abc import Iterator, Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from gapforge.extract import top_level_names
from gapforge.models import Problem

T = TypeVar("T")

_TOKEN = re.compile(r"\w+|[^\w\s]")
# prompts and list markers that wrap code pasted into prose
_LINE_PREFIX = re.compile(r"^\s*(?:>>>|\.\.\.(?=\s)|\$|[-*]\s|\d+[.)]\s)\s*")
_HEADER = re.compile(r"^(?:async\s+def|def|class|import|from)\b|^@")


class StaticReport(BaseModel):
    """``ok`` is true exactly when ``problems`` is empty."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: bool
    problems: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> StaticReport:
        if self.ok == bool(self.problems):
            raise ValueError("ok must be true exactly when there are no problems")
        return self

    @classmethod
    def of(cls, problems: Sequence[str]) -> StaticReport:
        return cls(ok=not problems, problems=tuple(problems))


def check_static(
    problem: Problem,
    *,
    min_tests: int = 3,
    leak_min_lines: int = 3,
    leak_min_tokens: int = 24,
    leak_min_body_tokens: int = 8,
) -> StaticReport:
    """Every static check on ``problem``.

    Leak detection compares the reference (docstrings and comments removed, headers such as
    ``def`` lines skipped, tokens normalised) with everything a solver sees: it flags
    ``leak_min_lines`` consecutive significant lines, ``leak_min_tokens`` consecutive tokens, or the
    entry point's whole body (when it has at least ``leak_min_body_tokens`` tokens).
    """
    problems: list[str] = []
    if problem.language != "python":
        # Nothing parses other languages here: the sandbox's compile step judges the reference
        # (compile_error makes it invalid), and the leak check compares lines and tokens as text.
        n = _check_stdio_tests(problem, problems)
        if n is not None and n < min_tests:
            problems.append(f"the tests have {n} test cases; at least {min_tests} are required")
        problems += _check_examples(problem)
        problems += _check_oracle_sources(problem)
        problems += _check_text_leak(problem, min_lines=leak_min_lines, min_tokens=leak_min_tokens)
        return StaticReport.of(problems)
    ref_tree = _parse(problem.reference_solution, "the reference solution", problems)
    if problem.kind == "function":
        n_tests = _check_function_tests(problem, ref_tree, problems)
    else:
        n_tests = _check_stdio_tests(problem, problems)
    if n_tests is not None and n_tests < min_tests:
        unit = "test_* functions" if problem.kind == "function" else "test cases"
        problems.append(f"the tests have {n_tests} {unit}; at least {min_tests} are required")
    problems += _check_examples(problem)
    problems += _check_oracle_sources(problem)
    if ref_tree is not None:
        problems += _check_leak(
            problem,
            ref_tree,
            min_lines=leak_min_lines,
            min_tokens=leak_min_tokens,
            min_body_tokens=leak_min_body_tokens,
        )
    return StaticReport.of(problems)


def check_program(
    kind: str,
    solution: str,
    tests: str,
    *,
    solution_label: str = "the solution",
    tests_label: str = "the test file",
) -> StaticReport:
    """Checks on a program and its tests given by hand (``gapforge sandbox run``), before running.

    Only what would make the run meaningless is checked: an empty solution, tests that do not
    parse or hold no test. A solution that does not parse is left to the sandbox, where it is a
    program failure (status ``error``) like any other. The labels name the inputs in messages.
    """
    problems: list[str] = []
    if not solution.strip():
        problems.append(f"{solution_label} is empty: there is nothing to run")
    if not tests.strip():
        problems.append(f"{tests_label} is empty: give at least one test")
    elif kind == "function":
        tree = _parse(tests, tests_label, problems)
        if tree is not None and count_tests(tree) == 0:
            problems.append(f"{tests_label} defines no test_* function")
    else:
        try:
            parse_stdio_cases(tests)
        except ValueError as exc:
            problems.append(f"{tests_label} holds no usable stdio cases: {exc}")
    return StaticReport.of(problems)


def _parse(source: str, what: str, problems: list[str], verb: str = "does") -> ast.Module | None:
    try:
        tree = ast.parse(source)
        compile(tree, "<static-check>", "exec")
    except SyntaxError as exc:
        problems.append(f"{what} {verb} not parse: line {exc.lineno}: {exc.msg}")
        return None
    except ValueError as exc:  # e.g. null bytes in the source
        problems.append(f"{what} cannot be compiled: {exc}")
        return None
    return tree


# --------------------------------------------------------------------------- function problems


def count_tests(tree: ast.Module) -> int:
    """``test*`` functions at top level and in ``Test*`` classes; a literal ``parametrize`` list
    counts each case."""
    total = 0
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            total += _cases(node)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test"):
                    total += _cases(item)
    return total


def _cases(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    n = 1
    for dec in fn.decorator_list:
        if (
            isinstance(dec, ast.Call)
            and isinstance(dec.func, ast.Attribute)
            and dec.func.attr == "parametrize"
            and len(dec.args) >= 2
            and isinstance(dec.args[1], ast.List | ast.Tuple)
        ):
            n *= max(1, len(dec.args[1].elts))
    return n


def _check_function_tests(problem: Problem, ref_tree: ast.Module | None, problems: list[str]) -> int | None:
    entry = problem.entry_point or ""
    if ref_tree is not None and entry not in top_level_names(ref_tree):
        problems.append(f"the reference solution does not define the entry point `{entry}` at module level")
    if (
        problem.signature
        and (m := re.search(r"\bdef\s+(\w+)\s*\(", problem.signature))
        and m.group(1) != entry
    ):
        problems.append(f"the signature defines `{m.group(1)}` but the entry point is `{entry}`")
    tests_tree = _parse(problem.tests, "the tests", problems, verb="do")
    if tests_tree is None:
        return None
    imports = [n for n in ast.walk(tests_tree) if isinstance(n, ast.ImportFrom) and n.module == "solution"]
    if not any(a.name in (entry, "*") for n in imports for a in n.names):
        problems.append(
            f"the tests never do `from solution import {entry}`; they must import the entry point"
        )
    return count_tests(tests_tree)


# --------------------------------------------------------------------------- stdio problems


def parse_stdio_cases(text: str) -> list[tuple[str, str]]:
    """The (input, output) cases of stdio tests, validated the way the sandbox harness reads them.

    Raises ValueError with a reason when the JSON is not a usable list of cases.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"they are not valid JSON: line {exc.lineno}: {exc.msg}") from None
    if isinstance(data, dict):
        tol = data.get("float_tolerance", 1e-6)
        if isinstance(tol, bool) or not isinstance(tol, int | float) or tol < 0:
            raise ValueError("float_tolerance must be a non-negative number")
        data = data.get("cases")
    if not isinstance(data, list) or not data:
        raise ValueError('they must be a non-empty JSON list of {"input": str, "output": str} objects')
    cases = []
    for i, case in enumerate(data):
        if not (
            isinstance(case, dict)
            and isinstance(case.get("input"), str)
            and isinstance(case.get("output"), str)
        ):
            raise ValueError(f'case {i} must be an object with string fields "input" and "output"')
        cases.append((case["input"], case["output"]))
    return cases


def _check_stdio_tests(problem: Problem, problems: list[str]) -> int | None:
    if not (problem.io_contract or "").strip():
        problems.append("a stdio problem must state its input/output formats in io_contract")
    try:
        cases = parse_stdio_cases(problem.tests)
    except ValueError as exc:
        problems.append(f"the stdio tests are invalid: {exc}")
        return None
    if problem.examples:
        shown = {(_norm_output(e.input), _norm_output(e.output)) for e in problem.examples}
        if all((_norm_output(i), _norm_output(o)) in shown for i, o in cases):
            problems.append(
                "every hidden test case is also a visible example; a solution could hard-code them"
            )
    return len(cases)


def _norm_output(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


# --------------------------------------------------------------------------- oracle sources

# (field, what it is called in messages, the function it must define)
_ORACLE_SOURCES = (
    ("input_generator", "the input generator", "generate"),
    ("input_validator", "the input validator", "validate"),
    ("checker", "the checker", "check"),
)


def _check_oracle_sources(problem: Problem) -> list[str]:
    """The optional generator, validator and checker parse and define their function."""
    found: list[str] = []
    for field, what, name in _ORACLE_SOURCES:
        source = getattr(problem, field)
        if source is None:
            continue
        tree = _parse(source, what, found)
        if tree is None:
            continue
        defined = any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body)
        if not defined:
            found.append(f"{what} must define a top-level function `{name}`")
    return found


# --------------------------------------------------------------------------- examples


def _check_examples(problem: Problem) -> list[str]:
    found = []
    for i, ex in enumerate(problem.examples, 1):
        call = _as_call(ex.input)
        if problem.kind == "function":
            if not _parses_as_arguments(ex.input):
                found.append(
                    f"example {i} input is not a Python expression or argument list for "
                    f"`{problem.entry_point}`: {ex.input[:80]!r}"
                )
            elif call is not None and call != problem.entry_point and not hasattr(builtins, call):
                found.append(f"example {i} calls `{call}` but the entry point is `{problem.entry_point}`")
            if not _parses_as_value(ex.output):
                found.append(f"example {i} output is not a Python value: {ex.output[:80]!r}")
        elif call is not None and call == problem.entry_point:
            found.append(
                f"example {i} input calls `{call}`, but this is a stdio problem: solvers read standard input"
            )
    return found


def _as_call(text: str) -> str | None:
    """The called name when ``text`` is a single call expression ``name(...)``."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _parses_as_arguments(text: str) -> bool:
    """A call ``f(...)``, a value, or arguments ``1, [2]`` / ``xs = [1], k = 2`` (one per line allowed)."""
    body = text.strip()
    if not body:
        return False
    candidates = [body, f"_f({body})", "_f(" + ", ".join(body.splitlines()) + ")"]
    for src in candidates:
        try:
            ast.parse(src, mode="eval")
        except SyntaxError:
            continue
        return True
    return False


def _parses_as_value(text: str) -> bool:
    body = text.strip()
    if not body:
        return False
    try:
        ast.parse(body, mode="eval")
    except SyntaxError:
        # Exception outputs are commonly written as "raises ValueError" or "ValueError: ..."
        return bool(re.match(r"^(?:raises\s+)?\w*(?:Error|Exception)\b", body))
    return True


# --------------------------------------------------------------------------- leak detection


def _strip_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            first = body[0] if body else None
            if isinstance(first, ast.Expr) and isinstance(getattr(first.value, "value", None), str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _tokens(line: str) -> list[str]:
    return _TOKEN.findall(line)


def _significant_lines(code: str, texts: dict[tuple[str, ...], str] | None = None) -> list[tuple[str, ...]]:
    """Token tuples of the lines that carry logic (not headers, not bare keywords); ``texts``
    collects each tuple's source line for messages."""
    out = []
    for raw in code.splitlines():
        line = raw.strip()
        if not line or _HEADER.match(line):
            continue
        toks = tuple(_tokens(line))
        if len(toks) >= 3:
            out.append(toks)
            if texts is not None:
                texts.setdefault(toks, line)
    return out


def _visible_lines(text: str) -> list[tuple[str, ...]]:
    out = []
    for raw in text.splitlines():
        line = _LINE_PREFIX.sub("", raw.strip().strip("`").strip())
        toks = tuple(_tokens(line))
        if len(toks) >= 3:
            out.append(toks)
    return out


def _windows(seq: Sequence[T], n: int) -> Iterator[tuple[T, ...]]:
    for i in range(len(seq) - n + 1):
        yield tuple(seq[i : i + n])


def _check_leak(
    problem: Problem, ref_tree: ast.Module, *, min_lines: int, min_tokens: int, min_body_tokens: int
) -> list[str]:
    visible_text = problem.solver_view()
    code = ast.unparse(_strip_docstrings(_without_scaffolding(ref_tree, problem, visible_text)))
    texts: dict[tuple[str, ...], str] = {}
    ref_lines = _significant_lines(code, texts)
    seen_lines = _visible_lines(visible_text)
    found: list[str] = []

    def show(lines: Sequence[tuple[str, ...]]) -> str:
        return " / ".join(texts.get(t, " ".join(t)) for t in lines)[:160]

    if len(ref_lines) >= min_lines:
        shown = set(_windows(seen_lines, min_lines))
        for window in _windows(ref_lines, min_lines):
            if window in shown:
                found.append(
                    f"the statement reveals the solution: {min_lines} consecutive lines of the reference "
                    f"appear in what solvers see ({show(window)})"
                )
                return found

    seen_tokens = _tokens(visible_text)
    body = _entry_body_lines(problem, ref_tree)
    body_tokens = [t for line in body for t in line]
    if len(body_tokens) >= min_body_tokens and _contains(seen_tokens, body_tokens):
        found.append(
            f"the statement reveals the solution: the whole body of `{problem.entry_point}` appears in "
            f"what solvers see ({show(body)})"
        )
        return found

    ref_tokens = [t for line in ref_lines for t in line]
    if len(ref_tokens) >= min_tokens:
        shown_tokens = set(_windows(seen_tokens, min_tokens))
        for run in _windows(ref_tokens, min_tokens):
            if run in shown_tokens:
                found.append(
                    f"the statement reveals the solution: {min_tokens} consecutive tokens of the reference "
                    f"appear in what solvers see ({' '.join(run)[:160]})"
                )
                break
    return found


# Lines of another language's program that any program has (includes, imports, packages).
_OTHER_HEADER = re.compile(
    r"^(?:#\s*include|using\s+namespace|import\b|package\b|use\s|extern\s+crate|const\s+\w+\s*=\s*require\b)"
)
_LINE_COMMENT = re.compile(r"//.*$")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def _check_text_leak(problem: Problem, *, min_lines: int, min_tokens: int) -> list[str]:
    """The leak check for a reference in another language than Python: comments removed, header
    lines (includes, imports) skipped, then the same line and token windows as for Python."""
    visible_text = problem.solver_view()
    code = _BLOCK_COMMENT.sub("", problem.reference_solution)
    kept = [_LINE_COMMENT.sub("", line).strip() for line in code.splitlines()]
    code = "\n".join(line for line in kept if line and not _OTHER_HEADER.match(line))
    texts: dict[tuple[str, ...], str] = {}
    ref_lines = _significant_lines(code, texts)
    seen_lines = _visible_lines(visible_text)
    if len(ref_lines) >= min_lines:
        shown = set(_windows(seen_lines, min_lines))
        for window in _windows(ref_lines, min_lines):
            if window in shown:
                lines = " / ".join(texts.get(t, " ".join(t)) for t in window)[:160]
                return [
                    f"the statement reveals the solution: {min_lines} consecutive lines of the reference "
                    f"appear in what solvers see ({lines})"
                ]
    ref_tokens = [t for line in ref_lines for t in line]
    if len(ref_tokens) >= min_tokens:
        shown_tokens = set(_windows(_tokens(visible_text), min_tokens))
        for run in _windows(ref_tokens, min_tokens):
            if run in shown_tokens:
                return [
                    f"the statement reveals the solution: {min_tokens} consecutive tokens of the reference "
                    f"appear in what solvers see ({' '.join(run)[:160]})"
                ]
    return []


def _without_scaffolding(tree: ast.Module, problem: Problem, visible: str) -> ast.Module:
    """A copy without the helper classes and functions the statement itself defines (e.g. a given
    ``ListNode``): showing those is not a leak."""
    keep: list[ast.stmt] = []
    for node in tree.body:
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name != problem.entry_point
            and re.search(rf"\b(?:class|def)\s+{re.escape(node.name)}\b", visible)
        ):
            continue
        keep.append(node)
    return ast.Module(body=keep, type_ignores=[])


def _entry_body_lines(problem: Problem, tree: ast.Module) -> list[tuple[str, ...]]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == problem.entry_point:
            return _significant_lines("\n".join(ast.unparse(stmt) for stmt in node.body))
    return []


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i : i + n]) == tuple(needle) for i in range(len(haystack) - n + 1))
