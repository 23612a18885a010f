"""Robust parsing of model output: code blocks, problem JSON, reviewer verdicts.

``extract_code`` never raises: a reply without code is ``None`` (the attempt is then scored as
the solver's failure, not an infrastructure one). ``parse_problem`` and ``parse_review`` raise
:class:`~gapforge.errors.MalformedOutput` with a precise reason and the raw text (``exc.raw``), so
:func:`gapforge.llm.complete_json` can ask again and the run store can keep what the model said.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from gapforge.errors import MalformedOutput
from gapforge.models import Example, Problem
from gapforge.sandbox.base import Language

_PY_LANGS = frozenset({"python", "py", "python3", "py3", "python2", "ipython3", "sage"})
# Fence tags that name each other language's code (a bare fence counts for every language).
_FENCE_ALIASES: dict[str, frozenset[str]] = {
    "cpp": frozenset({"cpp", "c++", "cc", "cxx", "hpp"}),
    "rust": frozenset({"rust", "rs"}),
    "go": frozenset({"go", "golang"}),
    "java": frozenset({"java"}),
    "javascript": frozenset({"javascript", "js", "node", "nodejs", "mjs"}),
}
# How a challenger may name a language in its JSON ("C++" for cpp, ...).
_LANGUAGE_ALIASES = {
    **{alias: lang for lang, aliases in _FENCE_ALIASES.items() for alias in aliases},
    "python": "python",
    "py": "python",
    "python3": "python",
}
_JSON_LANGS = frozenset({"json", "jsonc", "json5", "javascript", "js"})
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*?)[ \t]*$")
_LANG = re.compile(r"[{.\s]*([A-Za-z0-9_+#-]*)")
_THINK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.IGNORECASE)
# End-of-turn and padding tokens a trainer leaves in decoded text (OpenRLHF decodes with
# skip_special_tokens=False): ChatML/Qwen <|im_end|> <|endoftext|>, Llama 3 <|eot_id|>, Llama 2 and
# Mistral </s>, Gemma <end_of_turn> <eos>.
_SPECIAL = r"(?:<\|[A-Za-z0-9_.:-]{1,40}\|>|</s>|<eos>|<end_of_turn>)"
_SPECIAL_TOKEN = re.compile(_SPECIAL)
_TRAILING_SPECIAL = re.compile(rf"(?:\s*{_SPECIAL})+\s*\Z")
_BARE_WORD = re.compile(r"[A-Za-z0-9_+#.-]+")
_PYTHON_TAG = re.compile(r"\[PYTHON\]\n?(.*?)(?:\[/PYTHON\]|\Z)", re.DOTALL)
_CODE_START = re.compile(
    r"(?:async\s+)?def\s|class\s|import\s|from\s+[\w.]+\s+import\s|@\w|if\s+__name__"
    r"|[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*\s*=[^=]"
)
_STATEMENTS = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Import,
    ast.ImportFrom,
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.For,
    ast.While,
    ast.If,
    ast.With,
    ast.Try,
    ast.Return,
)
_SALVAGE_STARTS = 5
_SALVAGE_TRIMS = 12
_EXCERPT = 160


# ---------------------------------------------------------------------------------------------
# Code


@dataclass(frozen=True)
class _Block:
    lang: str
    code: str
    start: int  # line index of the opening fence, for ordering

    @cached_property
    def tree(self) -> ast.Module | None:
        return _parse(self.code)

    @property
    def is_python(self) -> bool:
        return self.lang in _PY_LANGS

    def defines(self, name: str) -> bool:
        if self.tree is not None:
            return name in top_level_names(self.tree)
        # A block with a syntax error still counts when it visibly defines the name.
        return (
            re.search(rf"^(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b", self.code, re.MULTILINE)
            is not None
        )


def extract_code(text: str, entry_point: str | None = None, language: Language = "python") -> str | None:
    """The ``language`` program in a model's reply, or None when it has none.

    Other languages than Python: the last longest fenced block tagged with the language (```cpp,
    ```c++, ```cc, ```cxx; ```rust, ```rs; ```go, ```golang; ```java; ```javascript, ```js,
    ```node), else the longest bare fenced block; nothing is parsed, and a reply without such a
    fence has no program. Python:

    Prefers fenced blocks (```python, ```py, bare ``` or ~~~; an unterminated fence runs to the
    end). With several blocks: the last one that defines ``entry_point`` when given, else the
    longest. Without fences the whole reply counts only if it parses as Python and is code, not
    prose; failing that, a program after a line of prose is salvaged. ``if __name__ == "__main__"``
    drivers are kept: stdio programs need them.
    """
    try:
        if language != "python":
            return _extract_other(text, language)
        return _extract_code(text, entry_point)
    except RecursionError:  # pathological nesting: treat as no code rather than crash the loop
        return None


def _extract_code(text: str, entry_point: str | None) -> str | None:
    body = _strip_think(text.replace("\r\n", "\n").replace("\r", "\n"))
    body = _TRAILING_SPECIAL.sub("", body)
    blocks = [b for b in _fenced_blocks(body) if b.code.strip()]
    if not blocks:
        blocks = [_Block("python", m.group(1), 0) for m in _PYTHON_TAG.finditer(body) if m.group(1).strip()]
    candidates = [b for b in blocks if b.is_python or (b.lang == "" and _is_code(b.tree))]
    if candidates:
        return _clean(_choose(candidates, entry_point).code)
    if blocks:
        # Only non-Python blocks (json, text, output): there is no program in this reply.
        return None
    if _is_code(_parse(body)):
        return _clean(body)
    return _salvage(body)


def _extract_other(text: str, language: Language) -> str | None:
    body = _strip_think(text.replace("\r\n", "\n").replace("\r", "\n"))
    body = _TRAILING_SPECIAL.sub("", body)
    blocks = [b for b in _fenced_blocks(body) if b.code.strip()]
    aliases = _FENCE_ALIASES[language]
    tagged = [b for b in blocks if b.lang in aliases]
    candidates = tagged or [b for b in blocks if b.lang == ""]
    if not candidates:
        return None
    return _clean(max(reversed(candidates), key=lambda b: len(b.code.strip())).code)


def _choose(candidates: list[_Block], entry_point: str | None) -> _Block:
    if entry_point:
        defining = [b for b in candidates if b.defines(entry_point)]
        if defining:
            return defining[-1]
    # max() keeps the first of equals; reversed order makes the last of equal length win.
    return max(reversed(candidates), key=lambda b: len(b.code.strip()))


def _fenced_blocks(text: str) -> list[_Block]:
    lines = text.split("\n")
    blocks: list[_Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None or (m.group("fence")[0] == "`" and "`" in m.group("info")):
            i += 1
            continue
        fence, indent = m.group("fence"), len(m.group("indent").expandtabs())
        lang_match = _LANG.match(m.group("info"))
        lang = (lang_match.group(1) if lang_match else "").lower()
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            if _closes(lines[j], fence):
                break
            body.append(lines[j])
            j += 1
        blocks.append(_Block(lang, _dedent(body, indent), i))
        i = j + 1
    return blocks


def _closes(line: str, fence: str) -> bool:
    """A closing fence: the fence's characters, at least as many, then nothing but end-of-turn
    tokens or prose ("```<|im_end|>", "``` Hope this helps"). A bare word after them ("```python")
    is an opening fence, not a close."""
    stripped = line.strip()
    run = len(stripped) - len(stripped.lstrip(fence[0]))
    if run < len(fence):
        return False
    rest = _SPECIAL_TOKEN.sub("", stripped[run:]).strip()
    return not rest or (fence[0] not in rest and _BARE_WORD.fullmatch(rest) is None)


def _dedent(lines: list[str], indent: int) -> str:
    """Remove the fence's own indentation (blocks inside list items are indented)."""
    if indent == 0:
        return "\n".join(lines)
    out = []
    for line in lines:
        expanded = line.expandtabs()
        lead = len(expanded) - len(expanded.lstrip(" "))
        out.append(expanded[min(lead, indent) :])
    return "\n".join(out)


def _strip_think(text: str) -> str:
    text = _THINK.sub("", text)
    # Some chat templates put the opening tag in the prompt, so only the closing one is output.
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    return text


def _parse(code: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences in strings are legal code; their warnings must not reject it.
            warnings.simplefilter("ignore")
            return ast.parse(code)
    except Exception:  # SyntaxError, ValueError (NUL bytes), RecursionError, MemoryError
        return None


def _is_code(tree: ast.Module | None) -> bool:
    """Parsed and does something: a bare name or constant (a word, a sample output) is not code."""
    if tree is None or not tree.body:
        return False
    for node in tree.body:
        if isinstance(node, _STATEMENTS):
            return True
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call | ast.Await):
            return True
    return False


def top_level_names(tree: ast.Module) -> set[str]:
    """Names a module defines at its top level (functions, classes, assignments, imports)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _salvage(text: str) -> str | None:
    """Code after a line of prose ("Here is my solution:") in a reply without fences."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _CODE_START.match(line)][:_SALVAGE_STARTS]
    for start in starts:
        end = len(lines)
        for _ in range(_SALVAGE_TRIMS):
            while end > start and not lines[end - 1].strip():
                end -= 1
            if end <= start:
                break
            code = "\n".join(lines[start:end])
            if _is_code(_parse(code)):
                return _clean(code)
            end -= 1
            # Only trailing prose may be cut: stop at indented code, which belongs to the program.
            if lines[end][:1].isspace():
                break
    return None


def _clean(code: str) -> str | None:
    lines = code.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    cleaned = "\n".join(line.rstrip() for line in lines).rstrip()
    return cleaned + "\n" if cleaned else None


# ---------------------------------------------------------------------------------------------
# JSON: problems and reviews


class Review(BaseModel):
    """The reviewer's verdict on a problem whose strong solutions fail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ambiguous: bool
    reason: str = ""


def parse_problem(text: str, language: Language | None = None) -> Problem:
    """A challenger reply -> Problem, or MalformedOutput saying exactly what is wrong.

    ``language``: the language the problem was asked in. A reply that names none is taken to be
    in it; one that names another is malformed. None: a reply without ``language`` is Python."""
    obj = _json_object(text, "problem")
    data = _normalize_problem(obj)
    if language is not None:
        named = data.setdefault("language", language)
        if named != language:
            raise MalformedOutput(
                f"the problem is written in {named!r} but this seed asks for {language!r}; "
                f'write the reference solution in {language} and set "language": "{language}"',
                raw=text,
            )
    try:
        return Problem.model_validate(data)
    except ValidationError as exc:
        raise MalformedOutput(
            f"the problem JSON is not a valid problem: {_describe(exc)}", raw=text
        ) from None


def parse_review(text: str) -> Review:
    """A reviewer reply -> Review, or MalformedOutput."""
    obj = _json_object(text, "review")
    data = {k: obj[k] for k in ("ambiguous", "reason") if k in obj}
    if isinstance(data.get("reason"), list | dict):
        data["reason"] = json.dumps(data["reason"])
    try:
        return Review.model_validate(data)
    except ValidationError as exc:
        raise MalformedOutput(f"the review JSON is not a valid review: {_describe(exc)}", raw=text) from None


def _json_object(text: str, what: str) -> dict[str, Any]:
    body = _strip_think(text).strip()
    if not body:
        raise MalformedOutput(f"the reply is empty; expected a JSON {what} object", raw=text)
    candidates = [
        b.code
        for b in _fenced_blocks(body)
        if b.lang in _JSON_LANGS or (b.lang == "" and b.code.lstrip().startswith("{"))
    ]
    candidates.append(body)
    first_error: str | None = None
    for cand in candidates:
        obj, err = _decode(cand)
        if isinstance(obj, dict):
            return obj
        if isinstance(obj, list) and len(obj) == 1 and isinstance(obj[0], dict):
            return obj[0]
        if obj is not None:
            err = f"expected a JSON object, got a JSON {type(obj).__name__}"
        first_error = first_error or err
    reason = first_error or "no JSON object in the reply"
    raise MalformedOutput(
        f"{reason}; expected one JSON {what} object (reply starts: {_excerpt(body)})", raw=text
    )


def _decode(text: str) -> tuple[object | None, str | None]:
    start = text.find("{")
    if start < 0:
        return None, None
    end = text.rfind("}")
    span = text[start : end + 1]
    try:
        return json.loads(span, strict=False), None
    except (json.JSONDecodeError, RecursionError):
        pass
    try:
        # The object followed by prose that itself contains a "}".
        obj, _ = json.JSONDecoder(strict=False).raw_decode(text, start)
        return obj, None
    except json.JSONDecodeError as exc:
        near = text[max(0, exc.pos - 40) : exc.pos + 40]
        error = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg} (near {near!r})"
    except RecursionError:
        error = "invalid JSON: nested too deeply"
    # Models sometimes answer with a Python dict literal (True/None, single quotes).
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            literal = ast.literal_eval(span)
    except Exception:  # any failure means "not a literal either"; report the JSON error
        return None, error
    return (literal, None) if isinstance(literal, dict) else (None, error)


def _normalize_problem(obj: dict[str, Any]) -> dict[str, Any]:
    """Forgive harmless deviations (extra keys, a JSON array of stdio cases, "Medium", an empty
    checker) before validating."""
    fields = Problem.model_fields
    data = {k: v for k, v in obj.items() if k in fields}
    for key in ("kind", "difficulty"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip().lower()
    if isinstance(data.get("language"), str):
        data["language"] = _LANGUAGE_ALIASES.get(
            data["language"].strip().lower(), data["language"].strip().lower()
        )
    elif "language" in data and data["language"] is None:
        del data["language"]
    tests = data.get("tests")
    if isinstance(tests, list | dict):
        if data.get("kind") == "stdio" or not all(isinstance(t, str) for t in tests):
            data["tests"] = json.dumps(tests, ensure_ascii=False)
        else:
            data["tests"] = "\n\n".join(str(t) for t in tests)
    for key in ("examples", "tags"):
        if data.get(key) is None and key in data:
            data[key] = ()
    for key in ("input_generator", "input_validator", "checker"):
        if isinstance(data.get(key), str) and not data[key].strip():
            data[key] = None  # "" for "no checker" means null
    if isinstance(data.get("tags"), str):
        data["tags"] = [data["tags"]]
    examples = data.get("examples")
    if isinstance(examples, list):
        data["examples"] = [_normalize_example(e) for e in examples]
    return data


def _normalize_example(ex: object) -> object:
    if not isinstance(ex, dict):
        return ex
    keep = {k: v for k, v in ex.items() if k in Example.model_fields}
    for key in ("input", "output", "explanation"):
        value = keep.get(key)
        if value is None and key == "explanation":
            keep.pop(key, None)
        elif value is not None and not isinstance(value, str):
            keep[key] = json.dumps(value, ensure_ascii=False)
    return keep


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        path = ".".join(str(p) for p in err["loc"])
        if err["type"] == "missing":
            parts.append(f"missing field {path!r}")
        elif path:
            parts.append(f"field {path!r}: {err['msg']} (got {_excerpt(repr(err.get('input')))})")
        else:
            parts.append(err["msg"].removeprefix("Value error, "))
    more = len(exc.errors()) - 5
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= _EXCERPT else flat[: _EXCERPT - 3] + "...")
