"""Test inputs as data, on the host: how values travel, where inputs are found, how they mutate.

Nothing here executes problem code: generators, validators and references only ever run in the
sandbox (:mod:`gapforge.verifiers.oracle_harness`). What comes back is text, read with
:func:`ast.literal_eval` or :func:`json.loads`, and mutated here as plain values.

A function problem's input is a tuple of encoded call arguments; a stdio problem's input is the
text fed to standard input. Mutations follow EvalPlus's type-aware idea: integers move by one, to
zero and to their negation; strings and lists shrink, grow, reverse and lose an element;
everything is seeded, so the same inputs and seed always give the same mutations.
"""

from __future__ import annotations

import ast
import json
import math
import random
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from gapforge.models import Problem
from gapforge.verifiers.static import parse_stdio_cases

T = TypeVar("T")

MAX_VALUE_CHARS = 100_000  # a value longer than this as text is not worth a literal in a test file


@dataclass(frozen=True)
class Encoded:
    """One value as text: a Python literal (``repr``) when it round-trips, else JSON."""

    fmt: Literal["repr", "json"]
    text: str

    def expr(self) -> str:
        """Python source that rebuilds the value (test modules import ``json`` as ``_json``)."""
        return self.text if self.fmt == "repr" else f"_json.loads({self.text!r})"

    def value(self) -> object:
        """The value itself; raises ValueError when the text is not what its format says."""
        if self.fmt == "json":
            try:
                return json.loads(self.text)
            except RecursionError:
                raise ValueError("JSON nested too deeply") from None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escape sequences in a generated literal
            try:
                return ast.literal_eval(self.text)
            except (SyntaxError, MemoryError, RecursionError) as exc:
                raise ValueError(f"not a Python literal: {exc}") from None


def encode(value: object) -> Encoded | None:
    """``value`` as text that gives it back exactly (type and all), or None when neither a Python
    literal nor JSON does. The sandbox runtime applies the same rule to what it sends back."""
    try:
        text = repr(value)
        if len(text) <= MAX_VALUE_CHARS:
            back = Encoded("repr", text).value()
            if back == value and repr(back) == text:
                return Encoded("repr", text)
    except (ValueError, TypeError, RecursionError):
        pass
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return None
    back = json.loads(text)
    if len(text) > MAX_VALUE_CHARS or back != value or repr(back) != repr(value):
        return None
    return Encoded("json", text)


Args = tuple[Encoded, ...]  # a function problem's input: its encoded call arguments


def encode_args(values: Sequence[object]) -> Args | None:
    out = []
    for v in values:
        enc = encode(v)
        if enc is None:
            return None
        out.append(enc)
    return tuple(out)


def args_expr(args: Args) -> str:
    """A tuple expression of the arguments: ``("ab", 3)``."""
    inner = ", ".join(a.expr() for a in args)
    return f"({inner},)" if len(args) == 1 else f"({inner})"


# --------------------------------------------------------------------------- inputs already given


def function_inputs_in(problem: Problem) -> list[Args]:
    """Literal argument tuples of every ``entry_point(...)`` call in the hidden tests and of every
    example, in order, without duplicates. Calls with keywords or computed arguments are skipped."""
    found: list[Args] = []
    sources = [problem.tests]
    for ex in problem.examples:
        body = ex.input.strip()
        sources.append(
            body if body.startswith(f"{problem.entry_point}(") else f"{problem.entry_point}({body})"
        )
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == problem.entry_point
                and not node.keywords
            ):
                continue
            try:
                values = [ast.literal_eval(a) for a in node.args]
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue
            args = encode_args(values)
            if args is not None and args not in found:
                found.append(args)
    return found


def stdio_inputs_in(problem: Problem) -> list[str]:
    """The input texts of the hidden cases and of the examples, without duplicates."""
    try:
        texts = [given for given, _ in parse_stdio_cases(problem.tests)]
    except ValueError:
        texts = []
    texts += [ex.input for ex in problem.examples]
    return list(dict.fromkeys(texts))


# --------------------------------------------------------------------------- mutations


def value_variants(value: object, rng: random.Random) -> list[object]:
    """Type-aware neighbours of one value (boundaries first), never the value itself."""
    out: list[object] = []
    if isinstance(value, bool):
        out = [not value]
    elif isinstance(value, int):
        out = [0, 1, -1, value + 1, value - 1, -value]
    elif isinstance(value, float) and math.isfinite(value):
        out = [0.0, value + 1.0, value - 1.0, -value, value / 2]
    elif isinstance(value, str):
        out = ["", value[:1], value[1:], value[:-1], value + value[-1:], value[::-1]]
        if value:
            i = rng.randrange(len(value))
            out.append(value[:i] + rng.choice(value) + value[i + 1 :])
            out.append(value[:i] + value[i + 1 :])
    elif isinstance(value, list | tuple):
        items = list(value)
        shapes: list[list[object]] = [[], items[:1], items[1:], items[:-1], items + items[-1:], items[::-1]]
        if items:
            i = rng.randrange(len(items))
            shapes.append(items[:i] + items[i + 1 :])
            inner = value_variants(items[i], rng)
            if inner:
                shapes.append([*items[:i], rng.choice(inner), *items[i + 1 :]])
        out = [type(value)(s) if isinstance(value, tuple) else s for s in shapes]
    elif isinstance(value, dict) and value:
        key = rng.choice(sorted(value, key=repr))
        out = [{}, {k: v for k, v in value.items() if k != key}]
    return _distinct(value, out)


def _distinct(value: object, variants: Sequence[object]) -> list[object]:
    seen = {repr(value)}
    out = []
    for v in variants:
        if repr(v) not in seen and type(v) is type(value):
            seen.add(repr(v))
            out.append(v)
    return out


def mutate_args(args: Args, rng: random.Random) -> Iterator[Args]:
    """Argument tuples that differ from ``args`` in one position: each argument's variants in turn."""
    values = [a.value() for a in args]
    for pos, v in enumerate(values):
        for variant in value_variants(v, rng):
            out = encode_args([*values[:pos], variant, *values[pos + 1 :]])
            if out is not None:
                yield out


_INT = re.compile(r"(?<![\w.])-?\d+(?![\w.])")


def mutate_text(text: str, rng: random.Random) -> Iterator[str]:
    """Stdin texts near ``text``: each integer token moved by one, to 0 and negated (at most 8
    tokens, chosen by ``rng``), the last line dropped or repeated."""
    matches = list(_INT.finditer(text))
    if len(matches) > 8:
        matches = sorted(rng.sample(matches, 8), key=lambda m: m.start())
    for m in matches:
        n = int(m.group())
        for variant in (n + 1, n - 1, 0, -n):
            if variant != n:
                yield text[: m.start()] + str(variant) + text[m.end() :]
    lines = text.rstrip("\n").split("\n")
    if len(lines) > 1:
        yield "\n".join(lines[:-1]) + "\n"
    yield "\n".join([*lines, lines[-1]]) + "\n"


def pick(candidates: Sequence[T], limit: int, rng: random.Random) -> list[T]:
    """Up to ``limit`` distinct ``candidates``: the first ``limit // 2``, then a seeded sample of
    the rest, kept in their original order."""
    unique = list(dict.fromkeys(candidates))
    if len(unique) <= limit:
        return unique
    head = unique[: limit // 2]
    tail = rng.sample(unique[limit // 2 :], limit - len(head))
    order = {c: i for i, c in enumerate(unique)}
    return sorted([*head, *tail], key=order.__getitem__)
