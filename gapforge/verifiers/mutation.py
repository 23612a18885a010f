"""Mutation testing: small AST edits of the reference solution that the hidden tests should reject.

A mutant is killed when its run does not pass (a wrong answer, a crash, a timeout, a blown
limit); it survives when every hidden test passes. Surviving mutants name the wrong programs the
tests let through. Some survivors are equivalent to the reference (no test could kill them); the
cheap cases we can spot statically are reported as ``equivalent_suspects`` with the reason.
"""

from __future__ import annotations

import ast
import asyncio
import difflib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from gapforge.models import Problem
from gapforge.sandbox.base import Limits, Sandbox, Status

MAX_SITES = 5000  # a pathological reference must not make generation itself slow


class MutationOperator(StrEnum):
    ARITHMETIC = "arithmetic"  # + <-> -, * -> /, ...
    COMPARISON = "comparison"  # < -> >, == -> !=, in -> not in
    BOUNDARY = "boundary"  # < -> <=, >= -> >
    CONSTANT = "constant"  # integer +-1, True <-> False
    NEGATION = "negation"  # if c -> if not c
    RETURN = "return"  # return x -> return None / 0 / empty
    REMOVE_BRANCH = "remove_branch"  # drop an if body or its else
    SLICE = "slice"  # xs[a:b] -> xs[a+1:b], xs[a-1:b], ...
    LOGICAL = "logical"  # and <-> or


@dataclass(frozen=True)
class Mutant:
    """One compiled, distinct mutant of a source module."""

    operator: MutationOperator
    description: str  # "line 3: `a < b` -> `a <= b`"
    lineno: int
    source: str
    diff: str  # the changed lines, "-old" / "+new"
    equivalence_hint: str | None = None  # why it might be equivalent to the original


_ARITH: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitAnd,
}
_BOUNDARY: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
}
_FLIP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.Gt,
    ast.LtE: ast.GtE,
    ast.Gt: ast.Lt,
    ast.GtE: ast.LtE,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_SKIPPED_FIELDS = frozenset({"annotation", "returns", "type_comment", "type_params"})
_SETUP_CALLS = frozenset({"setrecursionlimit", "stack_size", "set_int_max_str_digits", "setswitchinterval"})
_TERMINAL = (ast.Return, ast.Raise, ast.Break, ast.Continue)

# An edit mutates the node at the same position in a fresh parse and says what it did.
_Edit = Callable[[ast.AST], str]


@dataclass(frozen=True)
class _Site:
    operator: MutationOperator
    edit: _Edit
    hint: str | None


def _short(node: ast.AST, limit: int = 60) -> str:
    text = next(iter(ast.unparse(node).splitlines()), "")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    parts = [node.test.left, *node.test.comparators]
    names = {p.id for p in parts if isinstance(p, ast.Name)}
    consts = {p.value for p in parts if isinstance(p, ast.Constant)}
    return names == {"__name__"} and consts == {"__main__"}


_Path = tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class _Visit:
    node: ast.AST
    dead: bool  # statically unreachable (after a return/raise/break/continue in the same block)
    loop_tail: bool  # an `if` that is the last statement of a loop body
    lineno: int  # the node's line, or its nearest ancestor's (comprehensions have none)
    path: _Path  # how to reach the node from the module: (field, index in a list field or None)


def _walk(tree: ast.Module, skip_main_guard: bool) -> Iterator[_Visit]:
    """Pre-order, source-ordered, skipping annotations (and the main guard when imported)."""

    def visit(node: ast.AST, dead: bool, loop_tail: bool, lineno: int, path: _Path) -> Iterator[_Visit]:
        lineno = getattr(node, "lineno", lineno)
        yield _Visit(node, dead, loop_tail, lineno, path)
        if _is_setup_call(node):
            return
        for field, value in ast.iter_fields(node):
            if field in _SKIPPED_FIELDS:
                continue
            if isinstance(value, list):
                is_loop_body = field == "body" and isinstance(node, ast.For | ast.AsyncFor | ast.While)
                block_dead = dead
                for i, item in enumerate(value):
                    if not isinstance(item, ast.AST):
                        continue
                    if (
                        skip_main_guard
                        and node is tree
                        and isinstance(item, ast.stmt)
                        and _is_main_guard(item)
                    ):
                        continue
                    tail = is_loop_body and i == len(value) - 1
                    yield from visit(item, block_dead, tail, lineno, (*path, (field, i)))
                    if isinstance(item, _TERMINAL):
                        block_dead = True
            elif isinstance(value, ast.AST):
                yield from visit(value, dead, False, lineno, (*path, (field, None)))

    return visit(tree, False, False, 0, ())


def _is_setup_call(node: ast.AST) -> bool:
    """Interpreter set-up such as ``sys.setrecursionlimit(10**6)``: its mutants only survive."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in _SETUP_CALLS


def _int_const(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return None


def _shifted(bound: ast.expr, delta: int) -> ast.expr:
    value = _int_const(bound)
    if value is not None:
        v = value + delta
        return ast.Constant(v) if v >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-v))
    return ast.BinOp(bound, ast.Add() if delta > 0 else ast.Sub(), ast.Constant(abs(delta)))


def _empty_like(value: ast.expr) -> ast.expr:
    """A constant of the same shape as the returned expression: [] for lists, 0 for numbers, ..."""
    if isinstance(value, ast.List | ast.ListComp):
        return ast.List([], ast.Load())
    if isinstance(value, ast.Dict | ast.DictComp):
        return ast.Dict([], [])
    if isinstance(value, ast.Set | ast.SetComp):
        return ast.Call(ast.Name("set", ast.Load()), [], [])
    if isinstance(value, ast.Tuple):
        return ast.Tuple([], ast.Load())
    if isinstance(value, ast.JoinedStr) or (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return ast.Constant("")
    if isinstance(value, ast.Constant) and type(value.value) in (int, float):
        return ast.Constant(1 if value.value == 0 else 0)
    if isinstance(value, ast.Compare) or (isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)):
        return ast.Constant(False)
    return ast.Constant(None)


def _sites_for(visit: _Visit) -> Iterator[_Site]:
    node = visit.node
    dead_hint = "mutates unreachable code" if visit.dead else None

    def site(op: MutationOperator, edit: _Edit, hint: str | None = None) -> _Site:
        return _Site(op, edit, dead_hint or hint)

    if isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in _ARITH:
        new_op = _ARITH[type(node.op)]
        zero = isinstance(node.op, ast.Add | ast.Sub) and any(
            _int_const(side) == 0
            for side in ((node.left, node.right) if isinstance(node, ast.BinOp) else (node.value,))
        )

        def arith(n: ast.AST, new_op: type[ast.operator] = new_op) -> str:
            assert isinstance(n, ast.BinOp | ast.AugAssign)
            before = _short(n)
            n.op = new_op()
            return f"`{before}` -> `{_short(n)}`"

        yield site(MutationOperator.ARITHMETIC, arith, "adds or subtracts 0" if zero else None)

    if isinstance(node, ast.Compare):
        for k, cmp in enumerate(node.ops):
            for table, op in ((_BOUNDARY, MutationOperator.BOUNDARY), (_FLIP, MutationOperator.COMPARISON)):
                new_cmp = table.get(type(cmp))
                if new_cmp is None:
                    continue

                def compare(n: ast.AST, k: int = k, new: type[ast.cmpop] = new_cmp) -> str:
                    assert isinstance(n, ast.Compare)
                    before = _short(n)
                    n.ops[k] = new()
                    return f"`{before}` -> `{_short(n)}`"

                yield site(op, compare)

    if isinstance(node, ast.Constant) and type(node.value) is int:
        for delta in (1, -1):

            def constant(n: ast.AST, delta: int = delta) -> str:
                assert isinstance(n, ast.Constant)
                assert type(n.value) is int
                before = n.value
                n.value = before + delta
                return f"constant {before} -> {before + delta}"

            yield site(MutationOperator.CONSTANT, constant)

    if isinstance(node, ast.Constant) and isinstance(node.value, bool):

        def boolean(n: ast.AST) -> str:
            assert isinstance(n, ast.Constant)
            before = bool(n.value)
            n.value = not before
            return f"`{before}` -> `{not before}`"

        yield site(MutationOperator.CONSTANT, boolean)

    tests: list[tuple[str, ast.expr]] = []
    if isinstance(node, ast.If | ast.While | ast.IfExp):
        tests.append(("test", node.test))
    if isinstance(node, ast.comprehension):
        tests += [(f"ifs.{i}", cond) for i, cond in enumerate(node.ifs)]
    for path, cond in tests:
        if isinstance(cond, ast.Constant):
            continue  # `while True` is covered by the constant flip

        def negate(n: ast.AST, path: str = path) -> str:
            field, _, pos = path.partition(".")
            holder: list[ast.expr] | None = getattr(n, field) if pos else None
            cond = holder[int(pos)] if holder is not None else getattr(n, field)
            before = _short(cond)
            new: ast.expr
            if isinstance(cond, ast.UnaryOp) and isinstance(cond.op, ast.Not):
                new = cond.operand
            else:
                new = ast.UnaryOp(ast.Not(), cond)
            if holder is not None:
                holder[int(pos)] = new
            else:
                setattr(n, field, new)
            return f"condition `{before}` -> `{_short(new)}`"

        yield site(MutationOperator.NEGATION, negate)

    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):

        def drop_not(n: ast.AST) -> str:
            # `not not x` is `bool(x)`: the negation undone, in place
            assert isinstance(n, ast.UnaryOp)
            before = _short(n)
            n.operand = ast.UnaryOp(ast.Not(), n.operand)
            return f"`{before}` -> `{_short(n)}`"

        yield site(MutationOperator.NEGATION, drop_not)

    if isinstance(node, ast.Return) and node.value is not None:
        value = node.value
        if not (isinstance(value, ast.Constant) and value.value is None):
            replacement = _empty_like(value)
            if ast.unparse(replacement) == ast.unparse(value):
                replacement = ast.Constant(None)

            def ret(n: ast.AST, replacement: ast.expr = replacement) -> str:
                assert isinstance(n, ast.Return)
                before = _short(n)
                n.value = replacement
                return f"`{before}` -> `{_short(n)}`"

            yield site(MutationOperator.RETURN, ret)

    if isinstance(node, ast.If):
        only_pass = all(isinstance(s, ast.Pass) for s in node.body)
        if not only_pass:
            hint = None
            if (
                visit.loop_tail
                and all(isinstance(s, ast.Continue | ast.Pass) for s in node.body)
                and not node.orelse
            ):
                hint = "removes a `continue` at the end of a loop body"

            def drop_body(n: ast.AST) -> str:
                assert isinstance(n, ast.If)
                n.body = [ast.Pass()]
                return f"body of `if {_short(n.test)}:` removed"

            yield site(MutationOperator.REMOVE_BRANCH, drop_body, hint)
        if node.orelse:

            def drop_else(n: ast.AST) -> str:
                assert isinstance(n, ast.If)
                n.orelse = []
                return f"else branch of `if {_short(n.test)}:` removed"

            yield site(MutationOperator.REMOVE_BRANCH, drop_else)

    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        sliced = ast.unparse(node.value)
        for bound_name in ("lower", "upper"):
            bound = getattr(node.slice, bound_name)
            if bound is None:
                continue
            for delta in (1, -1):
                hint = None
                if (
                    bound_name == "upper"
                    and delta > 0
                    and isinstance(bound, ast.Call)
                    and isinstance(bound.func, ast.Name)
                    and bound.func.id == "len"
                    and len(bound.args) == 1
                    and ast.unparse(bound.args[0]) == sliced
                ):
                    hint = "moves a slice's end past the end of the sequence"

                def slice_bound(n: ast.AST, bound_name: str = bound_name, delta: int = delta) -> str:
                    assert isinstance(n, ast.Subscript)
                    assert isinstance(n.slice, ast.Slice)
                    before = _short(n)
                    setattr(n.slice, bound_name, _shifted(getattr(n.slice, bound_name), delta))
                    return f"`{before}` -> `{_short(n)}`"

                yield site(MutationOperator.SLICE, slice_bound, hint)

    if isinstance(node, ast.BoolOp):

        def logical(n: ast.AST) -> str:
            assert isinstance(n, ast.BoolOp)
            before = _short(n)
            n.op = ast.Or() if isinstance(n.op, ast.And) else ast.And()
            return f"`{before}` -> `{_short(n)}`"

        yield site(MutationOperator.LOGICAL, logical)


def _diff(before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return "\n".join(line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---"))


def _node_at(tree: ast.AST, path: _Path) -> ast.AST:
    node = tree
    for field, index in path:
        value = getattr(node, field)
        node = value[index] if index is not None else value
    return node


@dataclass(frozen=True)
class _Candidate:
    visit: _Visit
    site: _Site


def _candidates(tree: ast.Module, skip_main_guard: bool) -> list[_Candidate]:
    visits = list(_walk(tree, skip_main_guard))
    return [_Candidate(v, s) for v in visits for s in _sites_for(v)][:MAX_SITES]


def _build(source: str, original: str, cand: _Candidate) -> Mutant | None:
    """The mutant ``cand`` describes, or None when it does not compile."""
    fresh = ast.parse(source)
    what = cand.site.edit(_node_at(fresh, cand.visit.path))
    ast.fix_missing_locations(fresh)
    try:
        text = ast.unparse(fresh)
        compile(text, "<mutant>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return None
    return Mutant(
        operator=cand.site.operator,
        description=f"line {cand.visit.lineno}: {what}",
        lineno=cand.visit.lineno,
        source=text,
        diff=_diff(original, text),
        equivalence_hint=cand.site.hint,
    )


def mutation_sites(source: str, *, skip_main_guard: bool = True) -> int:
    """How many mutations :func:`generate_mutants` can choose from (some may not compile)."""
    try:
        return len(_candidates(ast.parse(source), skip_main_guard))
    except RecursionError:
        return 0


def pick_sites(n: int, max_mutants: int | None, rng: random.Random) -> list[list[int]]:
    """Which of ``n`` sites to try, in groups: every site alone when they are at most
    ``max_mutants``; else ``max_mutants`` equal slices in source order, each shuffled by ``rng``
    (the caller takes the first site of a group that gives a usable, new mutant)."""
    if max_mutants is None or n <= max_mutants:
        return [[i] for i in range(n)]
    groups = []
    for k in range(max_mutants):
        group = list(range(k * n // max_mutants, (k + 1) * n // max_mutants))
        rng.shuffle(group)
        groups.append(group)
    return groups


def generate_mutants(
    source: str, *, max_mutants: int | None = None, seed: int = 0, skip_main_guard: bool = True
) -> tuple[Mutant, ...]:
    """Distinct, compiling mutants of ``source`` in source order.

    With more mutation sites than ``max_mutants``, the sites are cut into ``max_mutants`` equal
    slices in source order and each slice contributes one site picked by a ``seed``-ed shuffle (the
    next one if that mutant does not compile or duplicates another), so only the chosen mutants
    are ever built. ``skip_main_guard`` leaves ``if __name__ == "__main__":`` alone: an imported
    module never runs it, so its mutants always survive. Raises SyntaxError when ``source`` does
    not parse; a reference too deeply nested to walk gets no mutants.
    """
    try:
        tree = ast.parse(source)
        original = ast.unparse(tree)
        cands = _candidates(tree, skip_main_guard)
    except RecursionError:
        return ()
    mutants: list[Mutant] = []
    seen = {original}
    for group in pick_sites(len(cands), max_mutants, random.Random(seed)):
        for i in group:
            try:
                m = _build(source, original, cands[i])
            except RecursionError:
                m = None
            if m is not None and m.source not in seen:
                seen.add(m.source)
                mutants.append(m)
                break
    return tuple(mutants)


def all_mutants(source: str, *, skip_main_guard: bool = True) -> tuple[Mutant, ...]:
    """Every distinct, compiling mutant of ``source``, in source order."""
    return generate_mutants(source, skip_main_guard=skip_main_guard)


# --------------------------------------------------------------------------- scoring


class MutantRecord(BaseModel):
    """A mutant's identity and what the tests did to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operator: MutationOperator
    description: str
    diff: str
    status: Status
    message: str = ""
    equivalence_hint: str | None = None


class MutationReport(BaseModel):
    """``score`` = killed / (killed + survived + equivalent_suspects); 1.0 when no mutant exists.

    ``equivalent_suspects`` are survivors that may be equivalent to the reference (see their
    hint); ``unmeasured`` mutants hit a sandbox failure and count nowhere.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sites: int  # mutation sites in the reference (before the cap; a few may not compile)
    killed: tuple[MutantRecord, ...] = ()
    survived: tuple[MutantRecord, ...] = ()
    equivalent_suspects: tuple[MutantRecord, ...] = ()
    unmeasured: tuple[MutantRecord, ...] = ()
    # token mutants (other languages than Python) that did not compile: dropped, neither killed
    # nor survived (a Python mutant is only ever built when it compiles)
    uncompiled: int = 0

    @property
    def total(self) -> int:
        return len(self.killed) + len(self.survived) + len(self.equivalent_suspects)

    @property
    def score(self) -> float:
        return len(self.killed) / self.total if self.total else 1.0

    def summary(self, limit: int = 5) -> str:
        """One line per surviving mutant (likely test gaps first), at most ``limit``."""
        rows = [*self.survived, *self.equivalent_suspects]
        lines = [
            f"{r.description} [{r.operator}]"
            + (f" (maybe equivalent: {r.equivalence_hint})" if r.equivalence_hint else "")
            for r in rows[:limit]
        ]
        if len(rows) > limit:
            lines.append(f"... and {len(rows) - limit} more")
        return "\n".join(lines)


def reference_mutants(
    problem: Problem, max_mutants: int | None, *, seed: int = 0
) -> tuple[tuple[Mutant, ...], int]:
    """The mutants of ``problem``'s reference :func:`mutation_score` runs, and the number of
    mutation sites: AST mutants for Python, token mutants for the other languages (not compiled
    here: the sandbox's ``compile_error`` drops those that do not compile)."""
    if problem.language == "python":
        main = problem.kind == "function"
        mutants = generate_mutants(
            problem.reference_solution, max_mutants=max_mutants, seed=seed, skip_main_guard=main
        )
        return mutants, mutation_sites(problem.reference_solution, skip_main_guard=main)
    # token_mutation builds on this module, so it is imported here rather than at the top
    from gapforge.verifiers.token_mutation import (
        TOKEN_LANGUAGES,
        generate_token_mutants,
        token_mutation_sites,
    )

    language = next(lang for lang in TOKEN_LANGUAGES if lang == problem.language)
    mutants = generate_token_mutants(problem.reference_solution, language, max_mutants=max_mutants, seed=seed)
    return mutants, token_mutation_sites(problem.reference_solution, language)


async def mutation_score(
    sandbox: Sandbox,
    problem: Problem,
    limits: Limits | None = None,
    max_mutants: int = 30,
    *,
    seed: int = 0,
) -> MutationReport:
    """Run up to ``max_mutants`` mutants of the reference against the hidden tests, concurrently
    (the sandbox bounds its own concurrency). A timeout kills a mutant; a ``sandbox_error``
    leaves it unmeasured. Raises what the sandbox raises (infrastructure)."""
    mutants, sites = reference_mutants(problem, max_mutants, seed=seed)
    outcomes = await asyncio.gather(
        *(sandbox.run(problem.program(m.source), limits) for m in mutants), return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    killed: list[MutantRecord] = []
    survived: list[MutantRecord] = []
    suspects: list[MutantRecord] = []
    unmeasured: list[MutantRecord] = []
    uncompiled = 0
    for mutant, result in zip(mutants, outcomes, strict=True):
        assert not isinstance(result, BaseException)
        if result.status is Status.COMPILE_ERROR:
            uncompiled += 1  # a token edit that is not a program: says nothing about the tests
            continue
        failing = next((t for t in result.tests if t.status is not Status.PASSED), None)
        record = MutantRecord(
            operator=mutant.operator,
            description=mutant.description,
            diff=mutant.diff,
            status=result.status,
            message=(f"{failing.name}: {failing.message}" if failing else result.message)[:500],
            equivalence_hint=mutant.equivalence_hint,
        )
        if result.status.is_infrastructure:
            unmeasured.append(record)
        elif not result.passed:
            killed.append(record)
        elif mutant.equivalence_hint:
            suspects.append(record)
        else:
            survived.append(record)
    return MutationReport(
        sites=sites,
        killed=tuple(killed),
        survived=tuple(survived),
        equivalent_suspects=tuple(suspects),
        unmeasured=tuple(unmeasured),
        uncompiled=uncompiled,
    )
