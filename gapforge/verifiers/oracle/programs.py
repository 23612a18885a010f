"""The programs the oracle runs in the sandbox, written as pytest modules (function kind), and the
hidden test suites it emits.

Two runs build a differential suite: the *draw* run calls the challenger's generator and validator
(their code never runs on the host), the *reference* run validates the mutated inputs and calls
the reference on every input, twice, each call under its own CPU timer. Both report one JSON
record per line on stdout behind a per-run mark; :func:`parse_records` reads them back.

Everything inside the string templates runs in the sandbox image's Python with the standard
library only.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any

from gapforge.verifiers.oracle.inputs import MAX_VALUE_CHARS, Args, args_expr

_RUNTIME = r'''
import ast as _ast
import copy as _copy
import json as _json
import os as _os
import random as _random
import resource as _resource
import signal as _signal
import subprocess as _subprocess
import sys as _sys

_MARK = {mark!r}
_CPU = {cpu!r}
_MAXC = {maxc!r}


class _OracleTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _OracleTimeout()


def _cpu():
    """CPU seconds of this process and its finished children (stdio answers run as children)."""
    me = _resource.getrusage(_resource.RUSAGE_SELF)
    kids = _resource.getrusage(_resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(fn, *args):
    _signal.signal(_signal.SIGVTALRM, _alarm)
    _signal.setitimer(_signal.ITIMER_VIRTUAL, _CPU)
    try:
        return fn(*args)
    finally:
        _signal.setitimer(_signal.ITIMER_VIRTUAL, 0)


def _enc(v):
    try:
        t = repr(v)
        if len(t) <= _MAXC:
            b = _ast.literal_eval(t)
            if b == v and repr(b) == t:
                return ["repr", t]
    except Exception:
        pass
    try:
        t = _json.dumps(v, allow_nan=True)
        b = _json.loads(t)
        if len(t) <= _MAXC and b == v and repr(b) == repr(v):
            return ["json", t]
    except Exception:
        pass
    return None


def _emit(rec):
    _sys.stdout.write("\n" + _MARK + " " + _json.dumps(rec) + "\n")
    _sys.stdout.flush()


def _err(e):
    return (type(e).__name__ + ": " + str(e))[:300]


def _load(src, name):
    if src is None:
        return None
    ns = {{"__name__": "gapforge_" + name}}
    exec(compile(src, name, "exec"), ns)
    return ns


def _run_stdio(text):
    """Run solution.py as the stdio harness does; ("ok", stdout) or (status, message)."""
    cap = int(_CPU + 0.999)

    def limit():
        _resource.setrlimit(_resource.RLIMIT_CPU, (cap, cap + 1))

    try:
        p = _subprocess.run(
            [_sys.executable, "-B", "-s", _os.path.join(_os.getcwd(), "solution.py")],
            input=text.encode(),
            capture_output=True,
            timeout=3 * _CPU + 2,
            preexec_fn=limit,
        )
    except _subprocess.TimeoutExpired:
        return "timeout", "no answer within %g s" % (3 * _CPU + 2)
    if p.returncode in (-_signal.SIGXCPU, -_signal.SIGKILL):
        return "timeout", "over %g s CPU" % _CPU
    if p.returncode != 0:
        return "error", "exit code %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-300:])
    return "ok", p.stdout.decode("utf-8", "replace")


_VAL = _load({validator!r}, "input_validator")
_CHK = _load({checker!r}, "checker")
_KIND = {kind!r}


def _invalid(x):
    """None when the validator accepts x (or there is none), else why not."""
    if _VAL is None:
        return None
    try:
        if _KIND == "function":
            _timed(_VAL["validate"], *_copy.deepcopy(x))
        else:
            _timed(_VAL["validate"], x)
    except _OracleTimeout:
        return "the validator ran out of time"
    except Exception as e:
        return _err(e) or "rejected"
    return None
'''

_DRAW = r"""

_GEN = _load({generator!r}, "input_generator")
_GIVEN = [
{given}]


def test_draw():
    for i in range({n}):
        rng = _random.Random("%s:%d" % ({seed!r}, i))
        _random.seed("%s:%d:global" % ({seed!r}, i))
        try:
            x = _timed(_GEN["generate"], rng)
        except _OracleTimeout:
            _emit({{"k": "gen", "i": i, "err": "generate ran out of time"}})
            continue
        except Exception as e:
            _emit({{"k": "gen", "i": i, "err": _err(e)}})
            continue
        if _KIND == "function":
            if not isinstance(x, tuple):
                _emit({{"k": "gen", "i": i, "err": "generate must return a tuple of arguments, "
                       "got %s" % type(x).__name__}})
                continue
            enc = [_enc(a) for a in x]
            if any(e is None for e in enc):
                _emit({{"k": "gen", "i": i, "err": "an argument is neither a Python literal nor JSON"}})
                continue
        elif not isinstance(x, str):
            _emit({{"k": "gen", "i": i, "err": "generate must return a str, got %s" % type(x).__name__}})
            continue
        else:
            enc = x
        _emit({{"k": "gen", "i": i, "x": enc, "bad": _invalid(x)}})
    for j, x in enumerate(_GIVEN):
        _emit({{"k": "given", "i": j, "bad": _invalid(x)}})
"""

_REFERENCE = r"""

{import_line}
_INPUTS = [
{inputs}]


def _answer(x):
    if _KIND == "function":
        try:
            got = _timed(_ref, *_copy.deepcopy(x))
        except _OracleTimeout:
            return "timeout", "over %g s CPU" % _CPU, None
        except Exception as e:
            return "error", _err(e), None
        enc = _enc(got)
        if enc is None:
            return "unserializable", "the answer is neither a Python literal nor JSON", None
        return "ok", enc, got
    status, out = _run_stdio(x)
    return status, out, out


def test_reference():
    for i, (x, check) in enumerate(_INPUTS):
        _emit({{"k": "start", "i": i}})
        bad = _invalid(x) if check else None
        if bad is not None:
            _emit({{"k": "out", "i": i, "s": "invalid", "m": bad}})
            continue
        t0 = _cpu()
        status, first, got = _answer(x)
        spent = round(_cpu() - t0, 6)
        if status == "ok":
            for _ in range({repeats} - 1):
                again = _answer(x)
                if again[0] != "ok" or again[1] != first:
                    status, first = "nondeterministic", "two calls gave different answers"
                    break
        if status == "ok" and _CHK is not None:
            try:
                fine = _timed(_CHK["check"], _copy.deepcopy(x), _copy.deepcopy(got), got) is True
            except BaseException as e:
                fine = False
            if not fine:
                status, first = "checker", "the checker rejects the reference's own answer"
        if status == "ok":
            _emit({{"k": "out", "i": i, "s": "ok", "y": first, "c": spent}})
        else:
            _emit({{"k": "out", "i": i, "s": status, "m": first}})
"""


_VALIDATE = r"""

_INPUTS = [
{inputs}]


def test_validate():
    for i, x in enumerate(_INPUTS):
        _emit({{"k": "val", "i": i, "bad": _invalid(x)}})
"""


def new_mark() -> str:
    return "@@ORACLE-" + secrets.token_hex(8) + "@@"


def _runtime(mark: str, cpu_s: float, kind: str, validator: str | None, checker: str | None = None) -> str:
    return _RUNTIME.format(
        mark=mark, cpu=float(cpu_s), maxc=MAX_VALUE_CHARS, validator=validator, checker=checker, kind=kind
    )


def _input_expr(x: Args | str) -> str:
    return repr(x) if isinstance(x, str) else args_expr(x)


def draw_program(
    *,
    mark: str,
    kind: str,
    generator: str,
    validator: str | None,
    given: Sequence[Args | str],
    n: int,
    seed: int,
    cpu_s: float,
) -> str:
    """Tests that draw ``n`` inputs and validate them and the ``given`` ones; records ``gen``
    (``x`` encoded input or ``err``; ``bad`` validator message) and ``given`` (``bad``)."""
    rows = "".join(f"    {_input_expr(x)},\n" for x in given)
    return _runtime(mark, cpu_s, kind, validator) + _DRAW.format(
        generator=generator, given=rows, n=n, seed=seed
    )


def reference_program(
    *,
    mark: str,
    kind: str,
    entry_point: str | None,
    validator: str | None,
    checker: str | None,
    inputs: Sequence[tuple[Args | str, bool]],
    cpu_s: float,
    repeats: int,
) -> str:
    """Tests that call the reference on every input ``repeats`` times (validating first when the
    flag says so); records ``start`` and ``out`` (``s`` status, ``y`` answer or ``m`` message)."""
    rows = "".join(f"    ({_input_expr(x)}, {check!r}),\n" for x, check in inputs)
    line = f"from solution import {entry_point} as _ref" if kind == "function" else ""
    return _runtime(mark, cpu_s, kind, validator, checker) + _REFERENCE.format(
        import_line=line, inputs=rows, repeats=max(1, repeats)
    )


def validate_program(
    *, mark: str, kind: str, validator: str, inputs: Sequence[Args | str], cpu_s: float
) -> str:
    """Tests that run the validator on every input (a reference in another language than Python
    answers in runs of its own, so validating is a run of its own too); records ``val`` (``i``,
    ``bad``: the validator's message, None when it accepts the input)."""
    rows = "".join(f"    {_input_expr(x)},\n" for x in inputs)
    return _runtime(mark, cpu_s, kind, validator) + _VALIDATE.format(inputs=rows)


def parse_records(stdout: str, mark: str) -> list[dict[str, Any]]:
    """The records a run printed behind ``mark``; torn or foreign lines are skipped."""
    out = []
    for line in stdout.splitlines():
        if not line.startswith(mark + " "):
            continue
        try:
            rec = json.loads(line[len(mark) + 1 :])
        except ValueError:
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


# --------------------------------------------------------------------------- emitted suites

_SAME = r'''
def _same(got, want):
    """``==``, except that floats match within the tolerance, as the stdio rules say."""
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        if want != want or want in (float("inf"), float("-inf")):
            return got == want or (got != got and want != want)
        return abs(got - want) <= _TOL * max(1.0, abs(want))
    if isinstance(want, (list, tuple)):
        return (
            type(got) is type(want)
            and len(got) == len(want)
            and all(_same(g, w) for g, w in zip(got, want))
        )
    if isinstance(want, dict):
        return (
            isinstance(got, dict)
            and got.keys() == want.keys()
            and all(_same(got[k], want[k]) for k in want)
        )
    return got == want
'''


def function_suite(
    entry_point: str, cases: Sequence[tuple[str, str, str]], tol: float, checker: str | None
) -> str:
    """A pytest module with one ``test_<name>`` per (name, args expression, expected expression)."""
    head = [
        '"""Differential tests: inputs drawn and mutated by gapforge, answers from the reference."""',
        "",
        "import copy as _copy",
        "import json as _json",
        "",
        f"from solution import {entry_point}",
        "",
        f"_TOL = {tol!r}",
    ]
    if checker is None:
        body = [
            _SAME,
            "def _check(args, want):",
            f"    got = {entry_point}(*_copy.deepcopy(args))",
            '    assert _same(got, want), "wrong answer"',
        ]
    else:
        body = [
            f"_CHECKER = {{}}\nexec(compile({checker!r}, 'checker', 'exec'), _CHECKER)",
            "",
            "",
            "def _check(args, want):",
            f"    got = {entry_point}(*_copy.deepcopy(args))",
            '    assert _CHECKER["check"](_copy.deepcopy(args), want, got) is True, "wrong answer"',
        ]
    tests = [f"\n\ndef test_{name}():\n    _check({x}, {y})" for name, x, y in cases]
    return "\n".join(head) + "\n\n" + "\n".join(body) + "\n" + "".join(tests) + "\n"


def stdio_checker_suite(cases: Sequence[tuple[str, str, str]], checker: str, cpu_s: float) -> str:
    """Stdio cases judged by a checker: a pytest module that runs solution.py per case, each case
    under ``cpu_s`` seconds of CPU (the judging limits still bound the whole run)."""
    runtime = _runtime("", cpu_s, "stdio", None, checker)
    body = [
        runtime,
        "",
        "def _check(text, want):",
        "    status, got = _run_stdio(text)",
        '    assert status == "ok", status + ": " + got',
        '    assert _CHK["check"](text, want, got) is True, "wrong answer"',
    ]
    tests = [f"\n\ndef test_{name}():\n    _check({x!r}, {y!r})" for name, x, y in cases]
    return "\n".join(body) + "\n" + "".join(tests) + "\n"


def stdio_suite(cases: Sequence[tuple[str, str, str]], tol: float) -> str:
    """Stdio cases as the harness reads them (its comparison rules and ``tol`` apply)."""
    rows = [{"name": name, "input": x, "output": y} for name, x, y in cases]
    return json.dumps({"cases": rows, "float_tolerance": tol}, ensure_ascii=False, indent=1)
