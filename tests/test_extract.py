"""Parsing of model output: code blocks, problem JSON, reviewer verdicts."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gapforge.errors import MalformedOutput
from gapforge.extract import Review, extract_code, parse_problem, parse_review
from gapforge.llm import raw_text
from gapforge.models import Problem

SOLUTION = "def add(a, b):\n    return a + b\n"
STDIO = 'import sys\n\ndef main():\n    print(sum(map(int, sys.stdin.read().split())))\n\nif __name__ == "__main__":\n    main()\n'
T3 = "```"


# (name, completion, entry_point, expected code or None)
CODE_CASES: list[tuple[str, str, str | None, str | None]] = [
    ("python fence", f"{T3}python\n{SOLUTION}{T3}", None, SOLUTION),
    ("py fence", f"{T3}py\n{SOLUTION}{T3}\n", None, SOLUTION),
    ("Python3 fence", f"{T3}Python3\n{SOLUTION}{T3}", None, SOLUTION),
    ("bare fence", f"{T3}\n{SOLUTION}{T3}", None, SOLUTION),
    ("tilde fence", f"~~~python\n{SOLUTION}~~~", None, SOLUTION),
    ("four backticks", f"````python\n{SOLUTION}```\nstill code\n````", None, SOLUTION + "```\nstill code\n"),
    (
        "prose around",
        f"Sure! Here is an efficient solution.\n\n{T3}python\n{SOLUTION}{T3}\n\nThis runs in O(1) time.",
        None,
        SOLUTION,
    ),
    ("crlf", f"Here:\r\n{T3}python\r\ndef add(a, b):\r\n    return a + b\r\n{T3}\r\n", None, SOLUTION),
    ("unterminated fence", f"Solution:\n{T3}python\n{SOLUTION}", None, SOLUTION),
    ("main driver kept", f"{T3}python\n{STDIO}{T3}", None, STDIO),
    ("no fence, pure code", SOLUTION, None, SOLUTION),
    ("no fence, stdio program", STDIO, None, STDIO),
    ("no fence, prose then code", f"Here is my solution:\n\n{SOLUTION}", None, SOLUTION),
    ("no fence, prose code prose", f"Here is my solution:\n{SOLUTION}\nThat is all.", None, SOLUTION),
    ("plain prose", "I am sorry, but I cannot help with that request.", None, None),
    ("single word", "Done", None, None),
    ("empty", "", None, None),
    ("whitespace", "  \n\t\n", None, None),
    ("only json block", f'{T3}json\n{{"a": 1}}\n{T3}', None, None),
    ("only output block", f"Output:\n{T3}\n3\n5\n{T3}", None, None),
    ("empty python block", f"{T3}python\n\n{T3}", None, None),
    (
        "solution then usage example: longest wins",
        f"{T3}python\n{SOLUTION}\n\ndef helper(x):\n    return x\n{T3}\nUsage:\n{T3}python\nprint(add(1, 2))\n{T3}",
        None,
        SOLUTION + "\n\ndef helper(x):\n    return x\n",
    ),
    (
        "draft then fix: last block defining the entry point",
        f"First try:\n{T3}python\ndef add(a, b):\n    # long draft with a bug\n    return a - b\n{T3}\n"
        f"Fixed:\n{T3}python\n{SOLUTION}{T3}\nTest:\n{T3}python\nassert add(1, 2) == 3\n{T3}",
        "add",
        SOLUTION,
    ),
    (
        "entry point missing everywhere: longest",
        f"{T3}python\nx = 1\n{T3}\n{T3}python\n{SOLUTION}{T3}",
        "multiply",
        SOLUTION,
    ),
    (
        "bash and python blocks",
        f"Run:\n{T3}bash\npip install numpy\n{T3}\nCode:\n{T3}python\n{SOLUTION}{T3}",
        None,
        SOLUTION,
    ),
    (
        "indented fence in a list item",
        "1. The code:\n   ```python\n   def add(a, b):\n       return a + b\n   ```\n",
        "add",
        SOLUTION,
    ),
    (
        "think block ignored",
        f"<think>maybe\n{T3}python\ndef add(a, b):\n    return 0\n{T3}\n</think>\n{T3}python\n{SOLUTION}{T3}",
        "add",
        SOLUTION,
    ),
    (
        "only closing think tag",
        f"reasoning about add... def add(a, b): return 0\n</think>\n\n{T3}python\n{SOLUTION}{T3}",
        "add",
        SOLUTION,
    ),
    ("codellama tags", f"[PYTHON]\n{SOLUTION}[/PYTHON]", None, SOLUTION),
    (
        "syntax error in a python block is still the answer",
        f"{T3}python\ndef add(a, b)\n    return a + b\n{T3}",
        "add",
        "def add(a, b)\n    return a + b\n",
    ),
    (
        "invalid escape in a regex string is still code",
        f'{T3}\nimport re\nPAT = re.compile("\\d+")\n{T3}',
        None,
        'import re\nPAT = re.compile("\\d+")\n',
    ),
    (
        "bare fence with prose is not code",
        f"{T3}\nThe answer depends on the input size.\n{T3}",
        None,
        None,
    ),
    (
        "entry point defined by assignment",
        f"{T3}python\nadd = lambda a, b: a + b\n{T3}\n{T3}python\nprint('unrelated code that is longer')\n{T3}",
        "add",
        "add = lambda a, b: a + b\n",
    ),
    # Decoded with skip_special_tokens=False (OpenRLHF): the end-of-turn token follows the fence.
    *[
        (
            f"end-of-turn token {tok} after the closing fence",
            f"Here:\n{T3}python\ndef add(a, b):\n    return a + b\n{T3}{tok}",
            "add",
            "def add(a, b):\n    return a + b\n",
        )
        for tok in (
            "<|im_end|>",
            "<|eot_id|>",
            "</s>",
            "<|endoftext|>",
            "<|im_end|><|endoftext|><|endoftext|>",
        )
    ],
    (
        "prose on the closing fence's line",
        f"{T3}python\ndef add(a, b):\n    return a + b\n{T3} Hope this helps!\nMore prose.",
        "add",
        "def add(a, b):\n    return a + b\n",
    ),
    (
        "unterminated block ending in an end-of-turn token",
        f"{T3}python\ndef add(a, b):\n    return a + b\n<|im_end|>",
        "add",
        "def add(a, b):\n    return a + b\n",
    ),
    (
        "unfenced code ending in an end-of-turn token",
        "def add(a, b):\n    return a + b\n</s>",
        "add",
        "def add(a, b):\n    return a + b\n",
    ),
    (
        "a special token inside the code is code",
        f'{T3}python\nTAG = "</s>"\nprint(TAG)\n{T3}<|im_end|>',
        None,
        'TAG = "</s>"\nprint(TAG)\n',
    ),
]


@pytest.mark.parametrize(
    ("completion", "entry_point", "expected"),
    [c[1:] for c in CODE_CASES],
    ids=[c[0] for c in CODE_CASES],
)
def test_extract_code(completion: str, entry_point: str | None, expected: str | None) -> None:
    assert extract_code(completion, entry_point=entry_point) == expected


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_extract_code_never_raises_on_arbitrary_text(text: str) -> None:
    code = extract_code(text, entry_point="f")
    assert code is None or (code.strip() and code.endswith("\n"))


_PIECES = st.sampled_from(
    [
        T3,
        f"{T3}python",
        f"{T3}py",
        "~~~",
        "```json",
        "def f(x):",
        "    return x",
        "import sys",
        "print(1)",
        "Here is the code:",
        "</think>",
        "<think>",
        "[PYTHON]",
        "[/PYTHON]",
        "{",
        "}",
        "((((",
        "\x00",
        "\\d",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=30))
def test_extract_code_never_raises_on_markdown_like_text(pieces: list[str]) -> None:
    text = "\n".join(pieces)
    code = extract_code(text, entry_point="f")
    assert code is None or code.endswith("\n")
    assert extract_code(text) is None or isinstance(extract_code(text), str)


def test_extract_code_survives_deep_nesting() -> None:
    assert extract_code("(" * 100_000) is None
    assert extract_code(f"{T3}python\n" + "[" * 50_000 + f"\n{T3}") is not None  # a python block is kept


# ---------------------------------------------------------------------------------------------


def problem_dict(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Sum of two integers",
        "statement": "Write a function add(a, b) that returns the sum of two integers a and b.",
        "kind": "function",
        "entry_point": "add",
        "signature": "def add(a: int, b: int) -> int:",
        "io_contract": None,
        "reference_solution": SOLUTION,
        "tests": "from solution import add\n\ndef test_small():\n    assert add(1, 2) == 3\n",
        "examples": [{"input": "add(1, 2)", "output": "3", "explanation": "1 + 2 = 3"}],
        "tags": ["math"],
        "difficulty": "easy",
    }
    return base | over


def test_parse_problem_plain_json() -> None:
    p = parse_problem(json.dumps(problem_dict()))
    assert p.entry_point == "add"
    assert p.reference_solution == SOLUTION
    assert p.examples[0].output == "3"
    assert p.tags == ("math",)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda j: f"{T3}json\n{j}\n{T3}",
        lambda j: f"Here is the problem:\n\n{T3}json\n{j}\n{T3}\n\nLet me know if you need changes {{ok}}.",
        lambda j: f"Here is the problem: {j} Hope this helps! {{:)}}",
        lambda j: f'<think>I need a JSON like {{"title": ...}}</think>\n{j}',
        lambda j: f"{T3}\n{j}\n{T3}",
        lambda j: f"[{j}]",
    ],
    ids=["fenced", "fenced-with-prose", "prose-around-unfenced", "think", "bare-fence", "one-element-list"],
)
def test_parse_problem_finds_the_object(wrap: Any) -> None:
    p = parse_problem(wrap(json.dumps(problem_dict(), indent=2)))
    assert p.title == "Sum of two integers"


def test_parse_problem_accepts_raw_newlines_in_strings() -> None:
    text = json.dumps(problem_dict()).replace("\\n", "\n")  # literal newlines inside the strings
    assert parse_problem(text).reference_solution == SOLUTION


def test_parse_problem_forgives_harmless_deviations() -> None:
    cases = [{"input": "1 2\n", "output": "3\n"}] * 5
    obj = problem_dict(
        kind="STDIO",
        entry_point=None,
        io_contract="Two integers on one line; print their sum.",
        tests=cases,  # a JSON array instead of a JSON string
        difficulty="Medium",
        examples=[{"input": [1, 2], "output": 3, "explanation": None, "note": "extra"}],
        tags=None,
        notes="an unknown extra key",
    )
    p = parse_problem(json.dumps(obj))
    assert p.kind == "stdio"
    assert json.loads(p.tests) == cases
    assert p.difficulty == "medium"
    assert p.examples[0].input == "[1, 2]"
    assert p.examples[0].output == "3"
    assert p.tags == ()


GENERATOR = "def generate(rng):\n    return (rng.randint(-9, 9), rng.randint(-9, 9))\n"
VALIDATOR = (
    "def validate(a, b):\n    if not (type(a) is int and type(b) is int):\n        raise ValueError('ints')\n"
)
CHECKER = "def check(args, expected, got):\n    return got == expected\n"


def test_parse_problem_reads_the_oracle_sources() -> None:
    p = parse_problem(
        json.dumps(problem_dict(input_generator=GENERATOR, input_validator=VALIDATOR, checker=CHECKER))
    )
    assert (p.input_generator, p.input_validator, p.checker) == (GENERATOR, VALIDATOR, CHECKER)
    plain = parse_problem(json.dumps(problem_dict()))
    assert plain.input_generator is None and plain.checker is None
    assert p.id != plain.id


@pytest.mark.parametrize("absent", [None, "", "  \n"])
def test_parse_problem_reads_an_empty_checker_as_none(absent: str | None) -> None:
    p = parse_problem(
        json.dumps(problem_dict(input_generator=GENERATOR, input_validator=VALIDATOR, checker=absent))
    )
    assert p.checker is None and p.input_generator == GENERATOR
    # an absent checker leaves the problem's JSON (and id) as if the field did not exist
    assert "checker" not in p.model_dump(mode="json")


def test_the_challenger_is_asked_for_every_field_parse_problem_reads() -> None:
    from gapforge.prompts import load

    prompt = load("challenger_user")
    schema = prompt[prompt.index("Answer with a single JSON object") :]
    asked = set(re.findall(r'"(\w+)":', schema)) - {"input", "output", "explanation"}
    assert asked == set(Problem.model_fields)
    for contract in ("generate(rng)", "validate(*args)", "validate(text)", "check(args, expected, got)"):
        assert contract in prompt
    # the prompt's example sources are valid JSON strings whose code does what the contract says
    found: dict[str, Any] = {}
    for key, fn in (("input_generator", "generate"), ("input_validator", "validate")):
        line = next(s for s in prompt.splitlines() if s.strip().startswith(f'"{key}": "def'))
        ns: dict[str, Any] = {}
        exec(json.loads("{" + line.strip() + "}")[key], ns)
        found[fn] = ns[fn]
    for seed in range(20):
        found["validate"](*found["generate"](random.Random(seed)))
    with pytest.raises(ValueError):
        found["validate"]([10**10], 0)


def test_parse_problem_python_literal() -> None:
    text = repr(problem_dict(io_contract=None))  # None / single quotes: a Python dict
    assert parse_problem(text).entry_point == "add"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the reply is empty"),
        ("I could not come up with a problem.", "no JSON object"),
        ('{"title": "x", "statement": }', "invalid JSON at line 1 column 29"),
        (
            '{\n  "title": "Sum",\n  "statement": "a"\n  "kind": "function"\n}',
            "invalid JSON at line 4 column 3",
        ),
        (json.dumps({k: v for k, v in problem_dict().items() if k != "tests"}), "missing field 'tests'"),
        (json.dumps(problem_dict(kind="cli")), "field 'kind'"),
        (json.dumps(problem_dict(title=["a", "list"])), "field 'title'"),
        (json.dumps(problem_dict(entry_point=None)), "needs an entry_point"),
        (
            json.dumps(problem_dict(entry_point="not an identifier")),
            "entry_point must be a Python identifier",
        ),
        (json.dumps(problem_dict(statement="short")), "field 'statement'"),
        ("[1, 2, 3]", "no JSON object"),
    ],
)
def test_parse_problem_errors_are_precise(text: str, reason: str) -> None:
    with pytest.raises(MalformedOutput) as info:
        parse_problem(text)
    assert reason in str(info.value)
    assert raw_text(info.value) == text


def _outcome(text: str) -> Problem | MalformedOutput:
    try:
        return parse_problem(text)
    except MalformedOutput as exc:
        return exc


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_problem_only_raises_malformed_output(text: str) -> None:
    result = _outcome(text)
    assert isinstance(result, Problem) or raw_text(result) == text


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
)


@settings(max_examples=200, deadline=None)
@given(_JSON)
def test_parse_problem_on_arbitrary_json(value: object) -> None:
    text = json.dumps(value)
    result = _outcome(text)
    assert isinstance(result, Problem) or raw_text(result) == text


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"ambiguous": true, "reason": "unclear tie-breaking"}',
            Review(ambiguous=True, reason="unclear tie-breaking"),
        ),
        (
            '{"ambiguous": false, "reason": "off-by-one errors"}',
            Review(ambiguous=False, reason="off-by-one errors"),
        ),
        (
            f'Verdict:\n{T3}json\n{{"ambiguous": "yes", "reason": "x"}}\n{T3}',
            Review(ambiguous=True, reason="x"),
        ),
        ('{"ambiguous": false}', Review(ambiguous=False, reason="")),
        (
            '{"ambiguous": 0, "reason": ["a", "b"], "confidence": 0.9}',
            Review(ambiguous=False, reason='["a", "b"]'),
        ),
    ],
)
def test_parse_review(text: str, expected: Review) -> None:
    assert parse_review(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"reason": "x"}', "missing field 'ambiguous'"),
        ('{"ambiguous": "perhaps"}', "field 'ambiguous'"),
        ("The statement is ambiguous.", "no JSON object"),
    ],
)
def test_parse_review_errors(text: str, reason: str) -> None:
    with pytest.raises(MalformedOutput) as info:
        parse_review(text)
    assert reason in str(info.value)
    assert raw_text(info.value) == text
