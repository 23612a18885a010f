"""Test oracles for the bank: an input generator and an input validator for every variant (and a
checker where a problem has several right answers; none of the bank's problems has, so far).

The validators encode the statements' constraints, strictly: a differential suite's mutated
inputs are kept only when the validator accepts them, so anything the statement rules out must be
rejected here. The generators keep inputs small, so the reference answers ~100 of them (twice)
within the sandbox's CPU budget; the hidden tests already hold the large inputs.

Every source is self-contained (standard library only): validators start with :data:`PRELUDE`, a
handful of strict checkers for ints, lists, strings and stdin lines.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from gapforge.demo.bank.schema import Family, code

PRELUDE = code(
    r'''
    import re as _re

    _NUM = _re.compile(r"-?\d+")


    def _need(ok, why):
        if not ok:
            raise ValueError(why)


    def _int(x, lo, hi, what):
        _need(type(x) is int and lo <= x <= hi, "%s must be an int in [%d, %d]" % (what, lo, hi))


    def _len(xs, typ, lo, hi, what):
        _need(type(xs) is typ, "%s must be a %s" % (what, typ.__name__))
        _need(lo <= len(xs) <= hi, "%s must have length %d..%d" % (what, lo, hi))


    def _ints(xs, nlo, nhi, lo, hi, what):
        _len(xs, list, nlo, nhi, what)
        for x in xs:
            _int(x, lo, hi, what + " item")


    def _str(s, nlo, nhi, what, chars=None):
        _len(s, str, nlo, nhi, what)
        if chars is not None:
            _need(all(c in chars for c in s), "%s may only use %r" % (what, chars))


    def _tuples(xs, nlo, nhi, width, lo, hi, what):
        _len(xs, list, nlo, nhi, what)
        for t in xs:
            _need(type(t) is tuple and len(t) == width, "%s items must be %d-tuples" % (what, width))
            for v in t:
                _int(v, lo, hi, what + " item")


    def _lines(text):
        """The lines of a stdin text (one final newline optional)."""
        _need(type(text) is str and text != "", "the input must be non-empty text")
        body = text[:-1] if text.endswith("\n") else text
        _need("\r" not in body, "the input must not contain carriage returns")
        return body.split("\n")


    def _nums(line, count, lo, hi, what):
        """``count`` (None: any number of) integers separated by single spaces, in [lo, hi]."""
        parts = line.split(" ")
        _need(count is None or len(parts) == count, "%s must hold %s integers" % (what, count))
        out = []
        for p in parts:
            _need(_NUM.fullmatch(p) is not None, "%s: %r is not an integer" % (what, p))
            v = int(p)
            _need(lo <= v <= hi, "%s: %d is outside [%d, %d]" % (what, v, lo, hi))
            out.append(v)
        return out


    def _count(rows, n, what):
        _need(len(rows) == n, "%s: expected %d lines, got %d" % (what, n, len(rows)))
    '''
)


@dataclass(frozen=True)
class Oracle:
    generator: str
    validator: str
    checker: str | None = None


ORACLES: dict[tuple[str, str], Oracle] = {}


def _add(key: str, difficulty: str, gen: str, val: str, checker: str | None = None) -> None:
    assert (key, difficulty) not in ORACLES, (key, difficulty)
    ORACLES[(key, difficulty)] = Oracle(code(gen), PRELUDE + "\n\n" + code(val), checker and code(checker))


def attach(fam: Family) -> Family:
    """``fam`` with every variant's oracle sources filled in."""
    variants = []
    for v in fam.variants:
        o = ORACLES[(fam.key, v.difficulty)]
        variants.append(
            replace(v, input_generator=o.generator, input_validator=o.validator, checker=o.checker)
        )
    return replace(fam, variants=tuple(variants))


# --------------------------------------------------------------------------- arrays

_add(
    "pair_sums",
    "easy",
    """
    def generate(rng):
        nums = [rng.randint(-10, 10) for _ in range(rng.randint(0, 30))]
        return (nums, rng.randint(-20, 20))
    """,
    """
    def validate(nums, target):
        _ints(nums, 0, 10**5, -2**31, 2**31 - 1, "nums")
        _int(target, -2**32, 2**32, "target")
    """,
)
_add(
    "pair_sums",
    "medium",
    """
    def generate(rng):
        span = rng.choice([5, 100, 10**9])
        nums = [rng.randint(-span, span) for _ in range(rng.randint(0, 40))]
        return (nums, rng.randint(-2 * span, 2 * span) if span < 10**9 else rng.randint(-span, span))
    """,
    """
    def validate(nums, limit):
        _ints(nums, 0, 2 * 10**5, -10**9, 10**9, "nums")
        _int(limit, -10**9, 10**9, "limit")
    """,
)
_add(
    "pair_sums",
    "hard",
    """
    def generate(rng):
        top = rng.choice([5, 50, 10**6])
        nums = [rng.randint(0, top) for _ in range(rng.randint(2, 40))]
        n = len(nums)
        return (nums, rng.randint(1, n * (n - 1) // 2))
    """,
    """
    def validate(nums, k):
        _ints(nums, 2, 5 * 10**4, 0, 10**6, "nums")
        n = len(nums)
        _int(k, 1, n * (n - 1) // 2, "k")
    """,
)
_add(
    "max_subarray",
    "easy",
    """
    def generate(rng):
        return ([rng.randint(-20, 20) for _ in range(rng.randint(1, 30))],)
    """,
    """
    def validate(nums):
        _ints(nums, 1, 10**5, -10**18, 10**18, "nums")
    """,
)
_add(
    "max_subarray",
    "medium",
    """
    def generate(rng):
        top = rng.choice([3, 20, 10**4])
        return ([rng.randint(-top, top) for _ in range(rng.randint(1, 30))],)
    """,
    """
    def validate(nums):
        _ints(nums, 1, 10**5, -10**4, 10**4, "nums")
    """,
)
_add(
    "max_subarray",
    "hard",
    """
    def generate(rng):
        top = rng.choice([5, 100, 10**9])
        nums = [rng.randint(-top, top) for _ in range(rng.randint(1, 30))]
        lo = rng.randint(1, len(nums))
        return (nums, lo, rng.randint(lo, len(nums)))
    """,
    """
    def validate(nums, min_len, max_len):
        _ints(nums, 1, 2 * 10**5, -10**9, 10**9, "nums")
        _int(min_len, 1, len(nums), "min_len")
        _int(max_len, min_len, len(nums), "max_len")
    """,
)
_add(
    "prefix_sums",
    "easy",
    """
    def generate(rng):
        nums = [rng.randint(-50, 50) for _ in range(rng.randint(1, 25))]
        n = len(nums)
        queries = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 10))]
        return (nums, queries)
    """,
    """
    def validate(nums, queries):
        _ints(nums, 1, 10**5, -10**18, 10**18, "nums")
        _tuples(queries, 0, 10**5, 2, 0, len(nums) - 1, "queries")
    """,
)
_add(
    "prefix_sums",
    "medium",
    """
    def generate(rng):
        top = rng.choice([2, 10, 1000])
        nums = [rng.randint(-top, top) for _ in range(rng.randint(1, 40))]
        return (nums, rng.randint(-2 * top, 2 * top))
    """,
    """
    def validate(nums, k):
        _ints(nums, 1, 2 * 10**5, -1000, 1000, "nums")
        _int(k, -10**7, 10**7, "k")
    """,
)
_add(
    "prefix_sums",
    "hard",
    """
    def generate(rng):
        top = rng.choice([3, 50, 10**9])
        nums = [rng.randint(-top, top) for _ in range(rng.randint(1, 30))]
        a, b = sorted(rng.randint(-3 * top, 3 * top) for _ in range(2))
        return (nums, a, b)
    """,
    """
    def validate(nums, lower, upper):
        _ints(nums, 1, 5 * 10**4, -10**9, 10**9, "nums")
        _int(lower, -10**18, 10**18, "lower")
        _int(upper, lower, 10**18, "upper")
    """,
)

# --------------------------------------------------------------------------- windows

_add(
    "sliding_window",
    "easy",
    """
    def generate(rng):
        nums = [rng.randint(-20, 20) for _ in range(rng.randint(1, 30))]
        return (nums, rng.randint(1, len(nums)))
    """,
    """
    def validate(nums, k):
        _ints(nums, 1, 10**5, -10**18, 10**18, "nums")
        _int(k, 1, len(nums), "k")
    """,
)
_add(
    "sliding_window",
    "medium",
    """
    def generate(rng):
        chars = rng.choice(["ab", "abc", "abcdef", "ab !", "xyzXYZ01"])
        return ("".join(rng.choice(chars) for _ in range(rng.randint(0, 30))),)
    """,
    """
    def validate(s):
        _str(s, 0, 2 * 10**5, "s")
    """,
)
_add(
    "sliding_window",
    "hard",
    """
    def generate(rng):
        chars = rng.choice(["ab", "abc", "ABCabc"])
        s = "".join(rng.choice(chars) for _ in range(rng.randint(0, 30)))
        t = "".join(rng.choice(chars) for _ in range(rng.randint(0, 4)))
        return (s, t)
    """,
    """
    def validate(s, t):
        _str(s, 0, 2 * 10**5, "s")
        _str(t, 0, 2 * 10**5, "t")
    """,
)
_add(
    "window_extremes",
    "easy",
    """
    def generate(rng):
        nums = [rng.randint(-20, 20) for _ in range(rng.randint(0, 25))]
        return (nums, rng.randint(1, len(nums) + 2))
    """,
    """
    def validate(nums, k):
        _ints(nums, 0, 1000, -10**18, 10**18, "nums")
        _int(k, 1, 10**18, "k")
    """,
)
_add(
    "window_extremes",
    "medium",
    """
    def generate(rng):
        nums = [rng.randint(-30, 30) for _ in range(rng.randint(1, 30))]
        return (nums, rng.randint(1, len(nums)))
    """,
    """
    def validate(nums, k):
        _ints(nums, 1, 2 * 10**5, -10**18, 10**18, "nums")
        _int(k, 1, len(nums), "k")
    """,
)
_add(
    "window_extremes",
    "hard",
    """
    def generate(rng):
        top = rng.choice([5, 100, 10**5])
        nums = [rng.randint(-top, top) for _ in range(rng.randint(1, 30))]
        return (nums, rng.randint(1, 3 * top))
    """,
    """
    def validate(nums, k):
        _ints(nums, 1, 10**5, -10**5, 10**5, "nums")
        _int(k, 1, 10**9, "k")
    """,
)
_add(
    "anagrams",
    "easy",
    """
    def generate(rng):
        a = "".join(rng.choice("abcAB  !") for _ in range(rng.randint(0, 12)))
        b = list(a.lower().replace(" ", "")) + [" "] * rng.randint(0, 2)
        rng.shuffle(b)
        if rng.random() < 0.4:
            b.append(rng.choice("abc"))
        return (a, "".join(b))
    """,
    """
    def validate(a, b):
        _str(a, 0, 10**5, "a")
        _str(b, 0, 10**5, "b")
    """,
)
_add(
    "anagrams",
    "medium",
    """
    def generate(rng):
        chars = rng.choice(["ab", "abc", "abcd"])
        s = "".join(rng.choice(chars) for _ in range(rng.randint(0, 30)))
        p = "".join(rng.choice(chars) for _ in range(rng.randint(1, 4)))
        return (s, p)
    """,
    """
    def validate(s, p):
        lower = "abcdefghijklmnopqrstuvwxyz"
        _str(s, 0, 2 * 10**5, "s", lower)
        _str(p, 1, 2 * 10**5, "p", lower)
    """,
)
_add(
    "anagrams",
    "hard",
    """
    def generate(rng):
        chars = rng.choice(["ab", "abc", "abcdz"])
        return ("".join(rng.choice(chars) for _ in range(rng.randint(1, 25))),)
    """,
    """
    def validate(s):
        _str(s, 1, 300, "s", "abcdefghijklmnopqrstuvwxyz")
    """,
)

# --------------------------------------------------------------------------- search

_add(
    "sorted_search",
    "easy",
    """
    def generate(rng):
        nums = sorted(rng.randint(-5, 10) for _ in range(rng.randint(0, 25)))
        return (nums, rng.randint(-6, 11))
    """,
    """
    def validate(nums, target):
        _ints(nums, 0, 10**6, -10**18, 10**18, "nums")
        _need(all(a <= b for a, b in zip(nums, nums[1:])), "nums must be sorted")
        _int(target, -10**18, 10**18, "target")
    """,
)
_add(
    "sorted_search",
    "medium",
    """
    def generate(rng):
        nums = sorted(rng.sample(range(-30, 30), rng.randint(0, 20)))
        r = rng.randint(0, len(nums))
        nums = nums[r:] + nums[:r]
        target = rng.choice(nums) if nums and rng.random() < 0.7 else rng.randint(-31, 31)
        return (nums, target)
    """,
    """
    def validate(nums, target):
        _ints(nums, 0, 10**5, -10**18, 10**18, "nums")
        _need(len(set(nums)) == len(nums), "nums must be distinct")
        drops = sum(a > b for a, b in zip(nums, nums[1:]))
        _need(drops == 0 or (drops == 1 and nums[-1] < nums[0]), "nums must be a rotated sorted list")
        _int(target, -10**18, 10**18, "target")
    """,
)
_add(
    "sorted_search",
    "hard",
    """
    def generate(rng):
        a = sorted(rng.randint(-20, 20) for _ in range(rng.randint(0, 12)))
        b = sorted(rng.randint(-20, 20) for _ in range(rng.randint(0 if a else 1, 12)))
        return (a, b)
    """,
    """
    def validate(a, b):
        for name, xs in (("a", a), ("b", b)):
            _ints(xs, 0, 2 * 10**6, -10**18, 10**18, name)
            _need(all(x <= y for x, y in zip(xs, xs[1:])), name + " must be sorted")
        _need(0 < len(a) + len(b) <= 2 * 10**6, "a and b together hold 1..2*10**6 values")
    """,
)
_add(
    "search_answer",
    "easy",
    """
    def generate(rng):
        r = rng.randint(0, rng.choice([10, 10**6, 10**15]))
        return (max(0, min(10**30, r * r + rng.randint(-1, 2 * r + 1))),)
    """,
    """
    def validate(n):
        _int(n, 0, 10**30, "n")
    """,
)
_add(
    "search_answer",
    "medium",
    """
    def generate(rng):
        top = rng.choice([5, 100, 10**4])
        weights = [rng.randint(1, top) for _ in range(rng.randint(1, 30))]
        return (weights, rng.randint(1, len(weights)))
    """,
    """
    def validate(weights, days):
        _ints(weights, 1, 5 * 10**4, 1, 10**4, "weights")
        _int(days, 1, len(weights), "days")
    """,
)
_add(
    "search_answer",
    "hard",
    """
    def generate(rng):
        top = rng.choice([30, 1000, 10**9])
        positions = rng.sample(range(0, top + 1), rng.randint(2, 25))
        return (positions, rng.randint(2, len(positions)))
    """,
    """
    def validate(positions, k):
        _ints(positions, 2, 10**5, 0, 10**9, "positions")
        _need(len(set(positions)) == len(positions), "positions must be distinct")
        _int(k, 2, len(positions), "k")
    """,
)
_add(
    "inversions",
    "easy",
    """
    def generate(rng):
        return ([rng.randint(-5, 5) for _ in range(rng.randint(0, 30))],)
    """,
    """
    def validate(nums):
        _ints(nums, 0, 500, -10**18, 10**18, "nums")
    """,
)
_add(
    "inversions",
    "medium",
    """
    def generate(rng):
        top = rng.choice([3, 100, 10**9])
        return ([rng.randint(-top, top) for _ in range(rng.randint(0, 40))],)
    """,
    """
    def validate(nums):
        _ints(nums, 0, 10**5, -10**9, 10**9, "nums")
    """,
)
_add(
    "inversions",
    "hard",
    """
    def generate(rng):
        top = rng.choice([4, 100, 2**31])
        return ([rng.randint(-top, top) for _ in range(rng.randint(0, 40))],)
    """,
    """
    def validate(nums):
        _ints(nums, 0, 5 * 10**4, -2**31, 2**31, "nums")
    """,
)
_add(
    "increasing_subsequences",
    "easy",
    """
    def generate(rng):
        return ([rng.randint(-10, 10) for _ in range(rng.randint(0, 30))],)
    """,
    """
    def validate(nums):
        _ints(nums, 0, 1000, -10**18, 10**18, "nums")
    """,
)
_add(
    "increasing_subsequences",
    "medium",
    """
    def generate(rng):
        top = rng.choice([3, 50, 10**9])
        return ([rng.randint(-top, top) for _ in range(rng.randint(0, 40))],)
    """,
    """
    def validate(nums):
        _ints(nums, 0, 2 * 10**5, -10**9, 10**9, "nums")
    """,
)
_add(
    "increasing_subsequences",
    "hard",
    """
    def generate(rng):
        top = rng.choice([3, 10, 10**9])
        n = rng.randint(1, 25)
        return ([(rng.randint(1, top), rng.randint(1, top)) for _ in range(n)],)
    """,
    """
    def validate(envelopes):
        _tuples(envelopes, 1, 10**5, 2, 1, 10**9, "envelopes")
    """,
)

# --------------------------------------------------------------------------- strings

_add(
    "palindromes",
    "easy",
    """
    def generate(rng):
        half = "".join(rng.choice("abAB1 ,.") for _ in range(rng.randint(0, 8)))
        s = half + rng.choice(["", "x", "!"]) + half[::-1]
        if rng.random() < 0.4:
            s = "".join(rng.choice("abAB1 ,.") for _ in range(rng.randint(0, 12)))
        return (s,)
    """,
    """
    def validate(s):
        _str(s, 0, 10**5, "s")
    """,
)
_add(
    "palindromes",
    "medium",
    """
    def generate(rng):
        chars = rng.choice(["ab", "abc", "abcdxyz"])
        return ("".join(rng.choice(chars) for _ in range(rng.randint(1, 30))),)
    """,
    """
    def validate(s):
        _str(s, 1, 1000, "s")
    """,
)
_add(
    "palindromes",
    "hard",
    """
    def generate(rng):
        chars = rng.choice(["a", "ab", "abc"])
        return ("".join(rng.choice(chars) for _ in range(rng.randint(1, 40))),)
    """,
    """
    def validate(s):
        _str(s, 1, 10**5, "s")
    """,
)
_add(
    "pattern_matching",
    "easy",
    """
    def generate(rng):
        chars = rng.choice(["a", "ab", "abc"])
        text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 30)))
        pattern = "".join(rng.choice(chars) for _ in range(rng.randint(0, 4)))
        return (text, pattern)
    """,
    """
    def validate(text, pattern):
        _str(text, 0, 10**4, "text")
        _str(pattern, 0, 10**4, "pattern")
    """,
)
_add(
    "pattern_matching",
    "medium",
    """
    def generate(rng):
        unit = "".join(rng.choice("ab") for _ in range(rng.randint(1, 5)))
        s = (unit * 10)[: rng.randint(1, 30)]
        if rng.random() < 0.3:
            s = "".join(rng.choice("abc") for _ in range(rng.randint(1, 20)))
        return (s,)
    """,
    """
    def validate(s):
        _str(s, 1, 2 * 10**5, "s")
    """,
)
_add(
    "pattern_matching",
    "hard",
    """
    def generate(rng):
        unit = "".join(rng.choice("ab") for _ in range(rng.randint(1, 4)))
        s = (unit * 12)[: rng.randint(1, 30)]
        if rng.random() < 0.3:
            s = "".join(rng.choice("abx") for _ in range(rng.randint(1, 20)))
        return (s,)
    """,
    """
    def validate(s):
        _str(s, 1, 10**5, "s")
    """,
)
_add(
    "brackets",
    "easy",
    """
    def generate(rng):
        return ("".join(rng.choice("()[]{}") for _ in range(rng.choice([0, 2, 4, 6, 9, 12]))),)
    """,
    """
    def validate(s):
        _str(s, 0, 10**5, "s", "()[]{}")
    """,
)
_add(
    "brackets",
    "medium",
    """
    def generate(rng):
        return ("".join(rng.choice("()") for _ in range(rng.randint(0, 30))),)
    """,
    """
    def validate(s):
        _str(s, 0, 10**5, "s", "()")
    """,
)
_add(
    "brackets",
    "hard",
    """
    def generate(rng):
        return ("".join(rng.choice("(()") for _ in range(rng.randint(0, 30))),)
    """,
    """
    def validate(s):
        _str(s, 0, 2 * 10**5, "s", "()")
    """,
)
_add(
    "edit_distance",
    "easy",
    """
    def generate(rng):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(0, 8)))
        b = list(a)
        for _ in range(rng.randint(0, 2)):
            op = rng.randrange(3)
            i = rng.randint(0, len(b))
            if op == 0:
                b.insert(i, rng.choice("abcd"))
            elif b and i < len(b):
                if op == 1:
                    del b[i]
                else:
                    b[i] = rng.choice("abcd")
        return (a, "".join(b))
    """,
    """
    def validate(a, b):
        _str(a, 0, 10**5, "a")
        _str(b, 0, 10**5, "b")
    """,
)
_add(
    "edit_distance",
    "medium",
    """
    def generate(rng):
        chars = rng.choice(["ab", "abc", "abcdef"])
        return tuple("".join(rng.choice(chars) for _ in range(rng.randint(0, 12))) for _ in range(2))
    """,
    """
    def validate(a, b):
        _str(a, 0, 600, "a")
        _str(b, 0, 600, "b")
    """,
)
_add(
    "edit_distance",
    "hard",
    """
    def generate(rng):
        chars = rng.choice(["ab", "abc", "xyz"])
        a = "".join(rng.choice(chars) for _ in range(rng.randint(0, 10)))
        b = list(a)
        for _ in range(rng.randint(0, 3)):
            if len(b) >= 2 and rng.random() < 0.5:
                i = rng.randrange(len(b) - 1)
                b[i], b[i + 1] = b[i + 1], b[i]
            else:
                b.insert(rng.randint(0, len(b)), rng.choice(chars))
        return (a, "".join(b))
    """,
    """
    def validate(a, b):
        _str(a, 0, 500, "a")
        _str(b, 0, 500, "b")
    """,
)

# --------------------------------------------------------------------------- parsing

_add(
    "expressions",
    "easy",
    """
    def generate(rng):
        parts = [str(rng.randint(0, rng.choice([9, 999])))]
        for _ in range(rng.randint(0, 6)):
            parts += [rng.choice("+-"), str(rng.randint(0, rng.choice([9, 999])))]
        return ("".join(p + " " * rng.choice([0, 0, 1]) for p in parts),)
    """,
    """
    def validate(expr):
        _str(expr, 1, 10**5, "expr", "0123456789+- ")
        _need(_re.fullmatch(r"\\d+(?:[+-]\\d+)*", expr.replace(" ", "")) is not None,
              "expr must be numbers joined by + and -")
    """,
)
_add(
    "expressions",
    "medium",
    """
    def generate(rng):
        parts = [str(rng.randint(0, 50))]
        for _ in range(rng.randint(0, 6)):
            op = rng.choice("+-*/")
            parts += [op, str(rng.randint(1 if op == "/" else 0, 50))]
        return ((" " if rng.random() < 0.5 else "").join(parts),)
    """,
    """
    def validate(expr):
        _str(expr, 1, 10**5, "expr", "0123456789+-*/ ")
        tokens = _re.findall(r"\\d+|[-+*/]", expr)
        _need("".join(tokens) == expr.replace(" ", ""), "unexpected characters")
        _need(_re.fullmatch(r"\\d+(?: ?[-+*/] ?\\d+)*", " ".join(tokens)) is not None
              and len(tokens) % 2 == 1, "expr must be numbers joined by binary operators")
        _need(all(int(tokens[i + 1]) != 0 for i in range(len(tokens) - 1) if tokens[i] == "/"),
              "no division by zero")
    """,
)
_add(
    "expressions",
    "hard",
    """
    def generate(rng):
        def expr(depth):
            if depth == 0 or rng.random() < 0.3:
                return rng.choice(["", "", "-"]) + str(rng.randint(0, 20))
            if rng.random() < 0.25:
                return rng.choice(["(", "-("]) + expr(depth - 1) + ")"
            op = rng.choice("+-*/")
            # a divisor is a positive literal, so nothing ever divides by zero
            right = str(rng.randint(1, 9)) if op == "/" else expr(depth - 1)
            return expr(depth - 1) + op + right

        return (expr(rng.randint(1, 4)),)
    """,
    """
    def _truncdiv(a, b):
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b > 0) else -q


    def validate(expr):
        _str(expr, 1, 2 * 10**5, "expr", "0123456789+-*/() ")
        toks = _re.findall(r"\\d+|[-+*/()]", expr)
        _need("".join(toks) == expr.replace(" ", ""), "unexpected characters")
        vals, ops = [], []
        prec = {"+": 1, "-": 1, "*": 2, "/": 2, "u": 3}

        def apply():
            op = ops.pop()
            if op == "u":
                vals.append(-vals.pop())
                return
            b, a = vals.pop(), vals.pop()
            _need(not (op == "/" and b == 0), "division by zero")
            vals.append(a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else _truncdiv(a, b))

        operand = True
        for t in toks:
            if operand:
                if t.isdigit():
                    vals.append(int(t))
                    operand = False
                elif t == "-":
                    ops.append("u")
                elif t == "(":
                    ops.append("(")
                else:
                    raise ValueError("an operand was expected before %r" % t)
            elif t == ")":
                while ops and ops[-1] != "(":
                    apply()
                _need(bool(ops), "unbalanced parentheses")
                ops.pop()
            else:
                _need(t in "+-*/", "an operator was expected before %r" % t)
                while ops and ops[-1] != "(" and prec[ops[-1]] >= prec[t]:
                    apply()
                ops.append(t)
                operand = True
        _need(not operand and "(" not in ops, "the expression is incomplete or unbalanced")
        while ops:
            apply()
    """,
)
_add(
    "csv_fields",
    "easy",
    """
    def generate(rng):
        fields = ["".join(rng.choice("ab ") for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(1, 5))]
        return (",".join(fields),)
    """,
    """
    def validate(line):
        _str(line, 0, 10**5, "line")
        _need('"' not in line and "\\n" not in line, "no quotes and no newlines in the line")
    """,
)
_add(
    "csv_fields",
    "medium",
    """
    def generate(rng):
        fields = []
        for _ in range(rng.randint(1, 5)):
            if rng.random() < 0.5:
                inner = "".join(rng.choice(['a', ',', ' ', '""']) for _ in range(rng.randint(0, 4)))
                fields.append('"' + inner + '"')
            else:
                fields.append("".join(rng.choice("ab ") for _ in range(rng.randint(0, 3))))
        return (",".join(fields),)
    """,
    """
    _FIELD = r'(?:"(?:[^"\\n]|"")*"|[^",\\n]*)'


    def validate(line):
        _str(line, 0, 10**5, "line")
        _need(_re.fullmatch(_FIELD + "(?:," + _FIELD + ")*", line) is not None, "the line is not well formed")
    """,
)
_add(
    "csv_fields",
    "hard",
    """
    def generate(rng):
        records = []
        for _ in range(rng.randint(1, 4)):
            fields = []
            for _ in range(rng.randint(1, 3)):
                if rng.random() < 0.4:
                    inner = "".join(rng.choice(['a', ',', '\\n', '""']) for _ in range(rng.randint(0, 3)))
                    fields.append('"' + inner + '"')
                else:
                    fields.append("".join(rng.choice("ab ") for _ in range(rng.randint(0, 3))))
            records.append(",".join(fields))
        return ("\\n".join(records) + ("\\n" if rng.random() < 0.3 else ""),)
    """,
    """
    _FIELD = r'(?:"(?:[^"]|"")*"|[^",\\n]*)'
    _RECORD = _FIELD + "(?:," + _FIELD + ")*"


    def validate(text):
        _str(text, 0, 10**5, "text")
        _need(_re.fullmatch(_RECORD + "(?:\\n" + _RECORD + ")*", text) is not None, "the text is not well formed")
    """,
)
_add(
    "config_files",
    "easy",
    """
    def generate(rng):
        lines = []
        for _ in range(rng.randint(0, 6)):
            r = rng.random()
            if r < 0.15:
                lines.append(" " * rng.randint(0, 2))
            elif r < 0.3:
                lines.append(" " * rng.randint(0, 2) + "# note = " + rng.choice("xy"))
            else:
                key = rng.choice(["a", "b", "host", "k"])
                lines.append(key + " " * rng.randint(0, 1) + "=" + " " * rng.randint(0, 1) + rng.choice(["", "1", "v", "a=b"]))
        return ("\\n".join(lines),)
    """,
    """
    def validate(text):
        _str(text, 0, 10**5, "text")
        _need("\\r" not in text, "no carriage returns")
        for line in text.split("\\n"):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            _need("=" in s and s.split("=", 1)[0].strip() != "", "a setting must be key = value: %r" % line)
    """,
)
_add(
    "config_files",
    "medium",
    """
    def generate(rng):
        lines = []
        for _ in range(rng.randint(0, 7)):
            r = rng.random()
            if r < 0.1:
                lines.append("")
            elif r < 0.2:
                lines.append(rng.choice(["#", ";", "  #"]) + " c")
            elif r < 0.45:
                lines.append("[" + rng.choice(["a", "b", " s "]) + "]")
            else:
                lines.append(rng.choice("xyz") + rng.choice(["=", " = "]) + rng.choice(["1", "2", "v = w", ""]))
        return ("\\n".join(lines),)
    """,
    """
    def validate(text):
        _str(text, 0, 10**5, "text")
        _need("\\r" not in text, "no carriage returns")
        for line in text.split("\\n"):
            s = line.strip()
            if not s or s[0] in "#;" or (s.startswith("[") and s.endswith("]")):
                continue
            _need("=" in s and s.split("=", 1)[0].strip() != "", "a setting must be key = value: %r" % line)
    """,
)
_add(
    "config_files",
    "hard",
    """
    def generate(rng):
        keys = ["a", "b", "c", "d"][: rng.randint(1, 4)]
        config = {}
        for i, k in enumerate(keys):
            parts = []
            for _ in range(rng.randint(0, 3)):
                r = rng.random()
                if r < 0.35 and i + 1 < len(keys):
                    parts.append("${" + rng.choice(keys[i + 1 :]) + "}")
                elif r < 0.5:
                    parts.append("$$")
                else:
                    parts.append(rng.choice(["x", "1", "-", "!"]))
            config[k] = "".join(parts)
        return (config,)
    """,
    """
    def validate(config):
        _need(type(config) is dict, "config must be a dict")
        for k, v in config.items():
            _need(type(k) is str and type(v) is str, "keys and values must be strings")
            i = 0
            while i < len(v):
                if v[i] == "$":
                    _need(i + 1 < len(v) and v[i + 1] in "${", "a lone $ in %r" % k)
                    if v[i + 1] == "{":
                        j = v.find("}", i)
                        _need(j > i + 1, "an unterminated or empty reference in %r" % k)
                        i = j
                    else:
                        i += 1
                i += 1
    """,
)
_add(
    "log_analysis",
    "easy",
    """
    def generate(rng):
        n = rng.randint(0, 12)
        lines = [rng.choice(["INFO", "WARN", "ERROR", "A", "B"]) + " " + rng.choice(["x", "ok", "disk full"]) for _ in range(n)]
        return "\\n".join([str(n), *lines]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n = _nums(rows[0], 1, 0, 10**5, "N")[0]
        _count(rows, n + 1, "N log lines")
        for row in rows[1:]:
            _need(_re.fullmatch(r"[A-Z]+ .*", row) is not None, "a log line is LEVEL message: %r" % row)
    """,
)
_add(
    "log_analysis",
    "medium",
    """
    def generate(rng):
        n = rng.randint(1, 10)
        t = rng.randint(0, 50)
        times = sorted(rng.randint(0, t) for _ in range(n))
        rows = ["%d %s %s" % (x, rng.choice(["ann", "bob", "cy"]), rng.choice(["login", "logout"])) for x in times]
        return "\\n".join(["%d %d" % (n, t), *rows]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n, t = _nums(rows[0], 2, 0, 10**9, "N T")
        _need(n <= 10**5, "N is at most 10**5")
        _count(rows, n + 1, "N events")
        last = 0
        for row in rows[1:]:
            parts = row.split(" ")
            _need(len(parts) == 3 and _re.fullmatch(r"[a-z]+", parts[1]) is not None
                  and parts[2] in ("login", "logout"), "an event is time user login|logout: %r" % row)
            time = _nums(parts[0], 1, last, t, "time")[0]
            last = time
    """,
)
_add(
    "log_analysis",
    "hard",
    """
    def generate(rng):
        n = rng.randint(1, 10)
        top = rng.choice([10, 10**9])
        rows = []
        for _ in range(n):
            a = rng.randint(0, top - 1)
            rows.append("%d %d" % (a, rng.randint(a + 1, min(top, a + rng.choice([1, 3, top])))))
        return "\\n".join([str(n), *rows]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n = _nums(rows[0], 1, 1, 10**5, "N")[0]
        _count(rows, n + 1, "N sessions")
        for row in rows[1:]:
            a, b = _nums(row, 2, 0, 10**9, "a session")
            _need(a < b, "a session needs start < end")
    """,
)

# --------------------------------------------------------------------------- number theory

_add(
    "primes",
    "easy",
    """
    def generate(rng):
        return (rng.choice([rng.randint(0, 100), rng.randint(0, 10**6), rng.randint(10**12 - 1000, 10**12)]),)
    """,
    """
    def validate(n):
        _int(n, 0, 10**12, "n")
    """,
)
_add(
    "primes",
    "medium",
    """
    def generate(rng):
        return (rng.choice([rng.randint(0, 30), rng.randint(0, 1000), rng.randint(0, 10**5)]),)
    """,
    """
    def validate(n):
        _int(n, 0, 5 * 10**6, "n")
    """,
)
_add(
    "primes",
    "hard",
    """
    def generate(rng):
        lo = rng.choice([rng.randint(1, 50), rng.randint(1, 10**6), rng.randint(10**12 - 10**4, 10**12)])
        return (lo, min(10**12, lo + rng.randint(0, rng.choice([5, 100, 2000]))))
    """,
    """
    def validate(lo, hi):
        _int(lo, 1, 10**12, "lo")
        _int(hi, lo, min(10**12, lo + 10**6), "hi")
    """,
)
_add(
    "gcd_lcm",
    "easy",
    """
    def generate(rng):
        g = rng.choice([0, 1, 2, 6, 10**9])
        nums = [g * rng.randint(-5, 5) for _ in range(rng.randint(1, 8))]
        if rng.random() < 0.3:
            nums.append(rng.randint(-10**18, 10**18))
        return (nums,)
    """,
    """
    def validate(nums):
        _ints(nums, 1, 10**5, -10**18, 10**18, "nums")
    """,
)
_add(
    "gcd_lcm",
    "medium",
    """
    def generate(rng):
        return (rng.choice([rng.randint(1, 50), rng.randint(1, 10**4)]),)
    """,
    """
    def validate(n):
        _int(n, 1, 10**6, "n")
    """,
)
_add(
    "gcd_lcm",
    "hard",
    """
    def generate(rng):
        return (rng.choice([rng.randint(1, 30), rng.randint(1, 3000)]),)
    """,
    """
    def validate(n):
        _int(n, 1, 3 * 10**5, "n")
    """,
)
_add(
    "fibonacci",
    "easy",
    """
    def generate(rng):
        return (rng.randint(0, 90),)
    """,
    """
    def validate(n):
        _int(n, 0, 90, "n")
    """,
)
_add(
    "fibonacci",
    "medium",
    """
    def generate(rng):
        return (rng.choice([rng.randint(0, 100), rng.randint(0, 10**18)]),)
    """,
    """
    def validate(n):
        _int(n, 0, 10**18, "n")
    """,
)
_add(
    "fibonacci",
    "hard",
    """
    def generate(rng):
        top = rng.choice([20, 10**18])
        lo = rng.randint(0, top)
        return (lo, rng.randint(lo, min(10**18, lo + rng.choice([0, 5, top]))))
    """,
    """
    def validate(lo, hi):
        _int(lo, 0, 10**18, "lo")
        _int(hi, lo, 10**18, "hi")
    """,
)
_add(
    "digits",
    "easy",
    """
    def generate(rng):
        return (rng.randint(0, rng.choice([9, 1000, 10**18])),)
    """,
    """
    def validate(n):
        _int(n, 0, 10**18, "n")
    """,
)
_add(
    "digits",
    "medium",
    """
    def generate(rng):
        return (rng.randint(0, rng.choice([20, 1000, 10**15])),)
    """,
    """
    def validate(n):
        _int(n, 0, 10**15, "n")
    """,
)
_add(
    "digits",
    "hard",
    """
    def generate(rng):
        top = rng.choice([30, 1000, 10**18])
        lo = rng.randint(0, top)
        return (lo, rng.randint(lo, top))
    """,
    """
    def validate(lo, hi):
        _int(lo, 0, 10**18, "lo")
        _int(hi, lo, 10**18, "hi")
    """,
)
_add(
    "binomials",
    "easy",
    """
    def generate(rng):
        return (rng.randint(0, 60),)
    """,
    """
    def validate(n):
        _int(n, 0, 60, "n")
    """,
)
_add(
    "binomials",
    "medium",
    """
    def generate(rng):
        top = rng.choice([6, 2 * 10**5])
        queries = []
        for _ in range(rng.randint(0, 8)):
            n = rng.randint(0, top)
            queries.append((n, rng.randint(-2, n + 2)))
        return (queries,)
    """,
    """
    def validate(queries):
        _len(queries, list, 0, 10**5, "queries")
        for q in queries:
            _need(type(q) is tuple and len(q) == 2, "a query is a pair (n, k)")
            _int(q[0], 0, 2 * 10**5, "n")
            _int(q[1], -3 * 10**5, 3 * 10**5, "k")
    """,
)
_add(
    "binomials",
    "hard",
    """
    def generate(rng):
        top = rng.choice([4, 10, 10**5])
        h, w = rng.randint(1, top), rng.randint(1, top)
        blocked = [(rng.randrange(h), rng.randrange(w)) for _ in range(rng.randint(0, 6))]
        return (h, w, blocked)
    """,
    """
    def validate(h, w, blocked):
        _int(h, 1, 10**5, "h")
        _int(w, 1, 10**5, "w")
        _len(blocked, list, 0, 10**6, "blocked")
        for c in blocked:
            _need(type(c) is tuple and len(c) == 2, "a blocked cell is (row, col)")
            _int(c[0], 0, h - 1, "row")
            _int(c[1], 0, w - 1, "col")
        _need(len(set(blocked)) <= 300, "at most 300 distinct blocked cells")
    """,
)

# --------------------------------------------------------------------------- encodings

_add(
    "base_conversion",
    "easy",
    """
    def generate(rng):
        q = rng.randint(1, 8)
        nums = [rng.randint(-rng.choice([8, 10**18]), rng.choice([8, 10**18])) for _ in range(q)]
        return "\\n".join(map(str, [q, *nums])) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        q = _nums(rows[0], 1, 1, 10**4, "Q")[0]
        _count(rows, q + 1, "Q numbers")
        for row in rows[1:]:
            _nums(row, 1, -10**18, 10**18, "n")
    """,
)
_add(
    "base_conversion",
    "medium",
    """
    _DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


    def generate(rng):
        q = rng.randint(1, 6)
        rows = []
        for _ in range(q):
            b = rng.randint(2, 36)
            digits = "".join(rng.choice(_DIGITS[:b]) for _ in range(rng.randint(1, rng.choice([3, 30]))))
            if rng.random() < 0.3:
                digits = digits.lower()
            rows.append("%s %d %d" % (digits, b, rng.randint(2, 36)))
        return "\\n".join([str(q), *rows]) + "\\n"
    """,
    """
    _DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


    def validate(text):
        rows = _lines(text)
        q = _nums(rows[0], 1, 1, 1000, "Q")[0]
        _count(rows, q + 1, "Q conversions")
        for row in rows[1:]:
            parts = row.split(" ")
            _need(len(parts) == 3, "a conversion is: digits from to")
            b, _ = _nums(parts[1] + " " + parts[2], 2, 2, 36, "bases")
            _str(parts[0], 1, 100, "digits", _DIGITS[:b] + _DIGITS[10:b].lower())
    """,
)
_add(
    "base_conversion",
    "hard",
    """
    def _neg2(n):
        if n == 0:
            return "0"
        out = []
        while n:
            n, r = divmod(n, -2)
            if r:
                n, r = n + 1, 1
            out.append(str(r))
        return "".join(reversed(out))


    def generate(rng):
        q = rng.randint(1, 6)
        top = rng.choice([10, 10**6, 10**18])
        rows = ["%s %s" % (_neg2(rng.randint(-top, top)), _neg2(rng.randint(-top, top))) for _ in range(q)]
        return "\\n".join([str(q), *rows]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        q = _nums(rows[0], 1, 1, 1000, "Q")[0]
        _count(rows, q + 1, "Q pairs")
        for row in rows[1:]:
            parts = row.split(" ")
            _need(len(parts) == 2, "a pair is: a b")
            for p in parts:
                _need(_re.fullmatch(r"0|1[01]{0,63}", p) is not None, "not a base -2 number: %r" % p)
    """,
)
_add(
    "run_length",
    "easy",
    """
    def generate(rng):
        return "".join(rng.choice("abz") * rng.randint(1, 12) for _ in range(rng.randint(0, 5))) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 1, "the input")
        _str(rows[0], 0, 10**5, "s", "abcdefghijklmnopqrstuvwxyz")
    """,
)
_add(
    "run_length",
    "medium",
    """
    def generate(rng):
        pairs = [(rng.choice([1, 2, 9, 10, 12, 100, 999]), rng.choice("abcxyz")) for _ in range(rng.randint(1, 6))]
        return "".join("%d%s" % p for p in pairs) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 1, "the input")
        pairs = _re.findall(r"([1-9][0-9]*)([a-z])", rows[0])
        _need(pairs and "".join(c + l for c, l in pairs) == rows[0], "the encoding is count-letter pairs")
        _need(all(int(c) <= 10**5 for c, _ in pairs), "a count is at most 10**5")
        _need(sum(int(c) for c, _ in pairs) <= 10**6, "the decoded length is at most 10**6")
    """,
)
_add(
    "run_length",
    "hard",
    """
    def generate(rng):
        def seq(depth):
            out = []
            for _ in range(rng.randint(1, 3)):
                if depth and rng.random() < 0.4:
                    out.append("%d[%s]" % (rng.choice([1, 2, 3, 12, 10**9]), seq(depth - 1)))
                else:
                    out.append("".join(rng.choice("abc") for _ in range(rng.randint(1, 2))))
            return "".join(out)
        s = seq(3)
        q = rng.randint(1, 5)
        idx = [rng.choice([0, 1, 2, 5, 14, 10**9, 10**20]) for _ in range(q)]
        return "\\n".join([s, str(q), *map(str, idx)]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        _need(len(rows) >= 2, "the input has the encoded string and Q")
        s = rows[0]
        _str(s, 1, 10**5, "the encoded string", "abcdefghijklmnopqrstuvwxyz0123456789[]")
        depth = 0
        i = 0
        while i < len(s):
            c = s[i]
            if c.isdigit():
                j = i
                while j < len(s) and s[j].isdigit():
                    j += 1
                _need(s[i] != "0" and j < len(s) and s[j] == "[", "a count k is followed by [")
                _need(1 <= int(s[i:j]) <= 10**9, "1 <= k <= 10**9")
                _need(j + 1 < len(s) and s[j + 1] != "]", "brackets are not empty")
                depth += 1
                i = j + 1
                continue
            if c == "[":
                raise ValueError("a [ must follow a count")
            if c == "]":
                depth -= 1
                _need(depth >= 0, "unbalanced brackets")
            i += 1
        _need(depth == 0, "unbalanced brackets")
        q = _nums(rows[1], 1, 1, 1000, "Q")[0]
        _count(rows, q + 2, "Q queries")
        for row in rows[2:]:
            _nums(row, 1, 0, 10**40, "an index")
    """,
)
_add(
    "roman_numerals",
    "easy",
    """
    _TABLE = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
              (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


    def generate(rng):
        n = rng.choice([rng.randint(1, 50), rng.randint(1, 3999)])
        out = ""
        for v, s in _TABLE:
            while n >= v:
                out, n = out + s, n - v
        return (out,)
    """,
    """
    _TABLE = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
              (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


    def _roman(n):
        out = ""
        for v, s in _TABLE:
            while n >= v:
                out, n = out + s, n - v
        return out


    def validate(s):
        _str(s, 1, 20, "s", "IVXLCDM")
        _need(any(_roman(n) == s for n in range(1, 4000)), "not a valid Roman numeral for 1..3999")
    """,
)
_add(
    "roman_numerals",
    "medium",
    """
    def generate(rng):
        return (rng.choice([rng.randint(1, 50), rng.randint(1, 3999)]),)
    """,
    """
    def validate(n):
        _int(n, 1, 3999, "n")
    """,
)
_add(
    "roman_numerals",
    "hard",
    """
    def generate(rng):
        return ("".join(rng.choice("IVXLCDMMI") for _ in range(rng.randint(0, 7))),)
    """,
    """
    def validate(s):
        _str(s, 0, 20, "s")
    """,
)
_add(
    "dates",
    "easy",
    """
    def generate(rng):
        y = rng.choice([rng.randint(1, 9999), 1900, 2000, 2024, 2023])
        m = rng.randint(1, 12)
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return ("%04d-%02d-%02d" % (y, m, rng.randint(1, days)),)
    """,
    """
    def _date(s, what):
        _str(s, 10, 10, what)
        m = _re.fullmatch(r"(\\d{4})-(\\d{2})-(\\d{2})", s)
        _need(m is not None, "%s must be YYYY-MM-DD" % what)
        y, mo, d = map(int, m.groups())
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        _need(1 <= y <= 9999 and 1 <= mo <= 12, "%s: year 1..9999, month 1..12" % what)
        days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
        _need(1 <= d <= days, "%s: no such day" % what)


    def validate(date):
        _date(date, "date")
    """,
)
_add(
    "dates",
    "medium",
    """
    def _one(rng):
        y = rng.choice([rng.randint(1, 9999), 1900, 2000, 2024])
        m = rng.randint(1, 12)
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return "%04d-%02d-%02d" % (y, m, rng.randint(1, days))


    def generate(rng):
        return (_one(rng), _one(rng))
    """,
    """
    def _date(s, what):
        _str(s, 10, 10, what)
        m = _re.fullmatch(r"(\\d{4})-(\\d{2})-(\\d{2})", s)
        _need(m is not None, "%s must be YYYY-MM-DD" % what)
        y, mo, d = map(int, m.groups())
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        _need(1 <= y <= 9999 and 1 <= mo <= 12, "%s: year 1..9999, month 1..12" % what)
        days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
        _need(1 <= d <= days, "%s: no such day" % what)


    def validate(a, b):
        _date(a, "a")
        _date(b, "b")
    """,
)
_add(
    "dates",
    "hard",
    """
    def _one(rng, y):
        m = rng.randint(1, 12)
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return "%04d-%02d-%02d" % (y, m, rng.randint(1, days))


    def generate(rng):
        y = rng.randint(1, 9999)
        a = _one(rng, y)
        b = _one(rng, min(9999, y + rng.choice([0, 0, 1, 30, 9999])))
        return (min(a, b), max(a, b))
    """,
    """
    def _date(s, what):
        _str(s, 10, 10, what)
        m = _re.fullmatch(r"(\\d{4})-(\\d{2})-(\\d{2})", s)
        _need(m is not None, "%s must be YYYY-MM-DD" % what)
        y, mo, d = map(int, m.groups())
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        _need(1 <= y <= 9999 and 1 <= mo <= 12, "%s: year 1..9999, month 1..12" % what)
        days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
        _need(1 <= d <= days, "%s: no such day" % what)


    def validate(start, end):
        _date(start, "start")
        _date(end, "end")
        _need(start <= end, "start <= end")
    """,
)

# --------------------------------------------------------------------------- structures

_add(
    "stacks",
    "easy",
    """
    def generate(rng):
        def expr(depth):
            if depth == 0 or rng.random() < 0.3:
                return [str(rng.randint(-9, 9))]
            op = rng.choice("+-*/")
            right = [str(rng.choice([-3, -2, -1, 1, 2, 3, 7]))] if op == "/" else expr(depth - 1)
            return expr(depth - 1) + right + [op]

        return (expr(rng.randint(0, 4)),)
    """,
    """
    def validate(tokens):
        _len(tokens, list, 1, 10**4, "tokens")
        stack = []
        for t in tokens:
            _need(type(t) is str, "tokens are strings")
            if t in ("+", "-", "*", "/"):
                _need(len(stack) >= 2, "an operator needs two operands")
                b, a = stack.pop(), stack.pop()
                _need(not (t == "/" and b == 0), "division by zero")
                if t == "/":
                    q = abs(a) // abs(b)
                    stack.append(q if (a >= 0) == (b > 0) else -q)
                else:
                    stack.append(a + b if t == "+" else a - b if t == "-" else a * b)
            else:
                _need(_NUM.fullmatch(t) is not None, "not an integer token: %r" % t)
                stack.append(int(t))
        _need(len(stack) == 1, "the expression must leave exactly one value")
    """,
)
_add(
    "stacks",
    "medium",
    """
    def generate(rng):
        return ([rng.randint(0, rng.choice([3, 50])) for _ in range(rng.randint(0, 30))],)
    """,
    """
    def validate(nums):
        _ints(nums, 0, 2 * 10**5, -10**18, 10**18, "nums")
    """,
)
_add(
    "stacks",
    "hard",
    """
    def generate(rng):
        top = rng.choice([3, 20, 10**9])
        return ([rng.randint(0, top) for _ in range(rng.randint(1, 30))],)
    """,
    """
    def validate(heights):
        _ints(heights, 1, 2 * 10**5, 0, 10**9, "heights")
    """,
)
_add(
    "heaps",
    "easy",
    """
    def generate(rng):
        nums = [rng.randint(-10, 10) for _ in range(rng.randint(0, 20))]
        return (nums, rng.randint(0, len(nums) + 2))
    """,
    """
    def validate(nums, k):
        _ints(nums, 0, 10**5, -10**18, 10**18, "nums")
        _int(k, 0, 10**18, "k")
    """,
)
_add(
    "heaps",
    "medium",
    """
    def generate(rng):
        lists = [sorted(rng.randint(-10, 10) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(0, 5))]
        return (lists,)
    """,
    """
    def validate(lists):
        _len(lists, list, 0, 2 * 10**4, "lists")
        total = 0
        for xs in lists:
            _ints(xs, 0, 2 * 10**5, -10**18, 10**18, "a list")
            _need(all(a <= b for a, b in zip(xs, xs[1:])), "every list must be sorted")
            total += len(xs)
        _need(total <= 2 * 10**5, "at most 2 * 10**5 values in total")
    """,
)
_add(
    "heaps",
    "hard",
    """
    def generate(rng):
        top = rng.choice([5, 100, 10**9])
        return ([rng.randint(-top, top) for _ in range(rng.randint(1, 30))],)
    """,
    """
    def validate(stream):
        _ints(stream, 1, 2 * 10**5, -10**9, 10**9, "stream")
    """,
)
_add(
    "caches",
    "easy",
    """
    def generate(rng):
        c, n = rng.randint(0, 4), rng.randint(1, 15)
        keys = [rng.randint(1, rng.choice([3, 6, 10])) for _ in range(n)]
        return "%d %d\\n%s\\n" % (c, n, " ".join(map(str, keys)))
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 2, "the input")
        c, n = _nums(rows[0], 2, 0, 10**4, "C N")
        _need(c <= 1000 and n >= 1, "0 <= C <= 1000, 1 <= N <= 10**4")
        _nums(rows[1], n, -10**18, 10**18, "keys")
    """,
)
_add(
    "caches",
    "medium",
    """
    def generate(rng):
        c, n = rng.randint(1, 4), rng.randint(1, 15)
        keys = [rng.randint(1, rng.choice([3, 6, 10])) for _ in range(n)]
        return "%d %d\\n%s\\n" % (c, n, " ".join(map(str, keys)))
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 2, "the input")
        c, n = _nums(rows[0], 2, 1, 10**5, "C N")
        _nums(rows[1], n, -10**18, 10**18, "keys")
    """,
)
_add(
    "caches",
    "hard",
    """
    def generate(rng):
        c, n = rng.randint(1, 4), rng.randint(1, 15)
        keys = [rng.randint(1, rng.choice([3, 6, 10])) for _ in range(n)]
        return "%d %d\\n%s\\n" % (c, n, " ".join(map(str, keys)))
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 2, "the input")
        c, n = _nums(rows[0], 2, 1, 10**5, "C N")
        _nums(rows[1], n, -10**18, 10**18, "keys")
    """,
)
_add(
    "union_find",
    "easy",
    """
    def generate(rng):
        n = rng.randint(1, 10)
        return (n, [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 10))])
    """,
    """
    def validate(n, edges):
        _int(n, 1, 10**4, "n")
        _tuples(edges, 0, 10**4, 2, 0, n - 1, "edges")
    """,
)
_add(
    "union_find",
    "medium",
    """
    def generate(rng):
        n = rng.randint(1, 10)
        return (n, [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 10))])
    """,
    """
    def validate(n, edges):
        _int(n, 1, 10**5, "n")
        _tuples(edges, 0, 2 * 10**5, 2, 0, n - 1, "edges")
    """,
)
_add(
    "union_find",
    "hard",
    """
    def generate(rng):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        cells = [(rng.randrange(rows), rng.randrange(cols)) for _ in range(rng.randint(1, 15))]
        return (rows, cols, cells)
    """,
    """
    def validate(rows, cols, cells):
        _int(rows, 1, 10**4, "rows")
        _int(cols, 1, 10**4, "cols")
        _len(cells, list, 1, 10**5, "cells")
        for c in cells:
            _need(type(c) is tuple and len(c) == 2, "a cell is (row, col)")
            _int(c[0], 0, rows - 1, "row")
            _int(c[1], 0, cols - 1, "col")
    """,
)

# --------------------------------------------------------------------------- graphs

_add(
    "grid_bfs",
    "easy",
    """
    def generate(rng):
        r, c = rng.randint(1, 8), rng.randint(1, 8)
        if r * c < 2:
            c = 2
        g = [[rng.choice("..#") for _ in range(c)] for _ in range(r)]
        s, e = rng.sample(range(r * c), 2)
        g[s // c][s % c], g[e // c][e % c] = "S", "E"
        return "%d %d\\n%s\\n" % (r, c, "\\n".join("".join(row) for row in g))
    """,
    """
    def validate(text):
        rows = _lines(text)
        r, c = _nums(rows[0], 2, 1, 200, "R C")
        _count(rows, r + 1, "R grid rows")
        for row in rows[1:]:
            _str(row, c, c, "a grid row", ".#SE")
        body = "".join(rows[1:])
        _need(body.count("S") == 1 and body.count("E") == 1, "exactly one S and one E")
    """,
)
_add(
    "grid_bfs",
    "medium",
    """
    def generate(rng):
        r, c = rng.randint(1, 8), rng.randint(1, 8)
        if r * c < 2:
            c = 2
        g = [[rng.choice(".#") for _ in range(c)] for _ in range(r)]
        s, e = rng.sample(range(r * c), 2)
        g[s // c][s % c], g[e // c][e % c] = "S", "E"
        return "%d %d\\n%s\\n" % (r, c, "\\n".join("".join(row) for row in g))
    """,
    """
    def validate(text):
        rows = _lines(text)
        r, c = _nums(rows[0], 2, 1, 300, "R C")
        _count(rows, r + 1, "R grid rows")
        for row in rows[1:]:
            _str(row, c, c, "a grid row", ".#SE")
        body = "".join(rows[1:])
        _need(body.count("S") == 1 and body.count("E") == 1, "exactly one S and one E")
    """,
)
_add(
    "grid_bfs",
    "hard",
    """
    def generate(rng):
        r, c = rng.randint(1, 7), rng.randint(2, 7)
        g = [[rng.choice("...#aAbB") for _ in range(c)] for _ in range(r)]
        s, e = rng.sample(range(r * c), 2)
        g[s // c][s % c], g[e // c][e % c] = "S", "X"
        return "%d %d\\n%s\\n" % (r, c, "\\n".join("".join(row) for row in g))
    """,
    """
    def validate(text):
        rows = _lines(text)
        r, c = _nums(rows[0], 2, 1, 60, "R C")
        _count(rows, r + 1, "R grid rows")
        for row in rows[1:]:
            _str(row, c, c, "a grid row", ".#SXabcdefABCDEF")
        body = "".join(rows[1:])
        _need(body.count("S") == 1 and body.count("X") == 1, "exactly one S and one X")
    """,
)
_add(
    "weighted_paths",
    "easy",
    """
    def generate(rng):
        n = rng.randint(2, 8)
        m = rng.randint(0, 12)
        edges = ["%d %d" % (rng.randint(1, n), rng.randint(1, n)) for _ in range(m)]
        return "\\n".join(["%d %d" % (n, m), *edges]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n, m = _nums(rows[0], 2, 0, 2 * 10**4, "N M")
        _need(2 <= n <= 10**4, "2 <= N <= 10**4")
        _count(rows, m + 1, "M flights")
        for row in rows[1:]:
            _nums(row, 2, 1, n, "a flight")
    """,
)
_add(
    "weighted_paths",
    "medium",
    """
    def generate(rng):
        n = rng.randint(1, 8)
        m = rng.randint(0, 12)
        edges = ["%d %d %d" % (rng.randint(1, n), rng.randint(1, n), rng.randint(1, 20)) for _ in range(m)]
        q = rng.randint(1, n)
        nodes = " ".join(str(rng.randint(1, n)) for _ in range(q))
        return "\\n".join(["%d %d" % (n, m), *edges, str(q), nodes]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n, m = _nums(rows[0], 2, 0, 5 * 10**4, "N M")
        _need(1 <= n <= 2 * 10**4, "1 <= N <= 2 * 10**4")
        _count(rows, m + 3, "M roads, Q and the queries")
        for row in rows[1 : m + 1]:
            a, b, w = _nums(row, 3, 1, 1000, "a road")
            _need(a <= n and b <= n, "a road joins nodes 1..N")
        q = _nums(rows[m + 1], 1, 1, n, "Q")[0]
        _nums(rows[m + 2], q, 1, n, "the queried nodes")
    """,
)
_add(
    "weighted_paths",
    "hard",
    """
    def generate(rng):
        n = rng.randint(2, 8)
        m = rng.randint(1, 14)
        edges = ["%d %d %d" % (rng.randint(1, n), rng.randint(1, n), rng.randint(1, 3)) for _ in range(m)]
        return "\\n".join(["%d %d" % (n, m), *edges]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n, m = _nums(rows[0], 2, 1, 5 * 10**4, "N M")
        _need(2 <= n <= 10**4, "2 <= N <= 10**4")
        _count(rows, m + 1, "M roads")
        for row in rows[1:]:
            a, b, w = _nums(row, 3, 1, 10**4, "a road")
            _need(a <= n and b <= n and w <= 100, "a road joins nodes 1..N with cost 1..100")
    """,
)
_add(
    "dag_order",
    "easy",
    """
    def generate(rng):
        n = rng.randint(1, 8)
        return (n, [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 10))])
    """,
    """
    def validate(n, edges):
        _int(n, 1, 10**4, "n")
        _tuples(edges, 0, 2 * 10**4, 2, 0, n - 1, "edges")
    """,
)
_add(
    "dag_order",
    "medium",
    """
    def generate(rng):
        n = rng.randint(1, 8)
        order = list(range(n))
        rng.shuffle(order)
        edges = []
        for _ in range(rng.randint(0, 8)):
            i, j = sorted(rng.sample(range(n), 2)) if n > 1 else (0, 0)
            edges.append((order[i], order[j]))
        if rng.random() < 0.2:
            edges.append((rng.randrange(n), rng.randrange(n)))
        return (n, edges)
    """,
    """
    def validate(n, edges):
        _int(n, 1, 10**5, "n")
        _tuples(edges, 0, 2 * 10**5, 2, 0, n - 1, "edges")
    """,
)
_add(
    "dag_order",
    "hard",
    """
    def generate(rng):
        n = rng.randint(1, 8)
        order = list(range(n))
        rng.shuffle(order)
        edges = []
        for _ in range(rng.randint(0, 12)):
            if n > 1:
                i, j = sorted(rng.sample(range(n), 2))
                edges.append((order[i], order[j]))
        return (n, edges, rng.randrange(n), rng.randrange(n))
    """,
    """
    def validate(n, edges, source, target):
        _int(n, 1, 10**5, "n")
        _tuples(edges, 0, 2 * 10**5, 2, 0, n - 1, "edges")
        _int(source, 0, n - 1, "source")
        _int(target, 0, n - 1, "target")
        indeg = [0] * n
        out = [[] for _ in range(n)]
        for a, b in edges:
            out[a].append(b)
            indeg[b] += 1
        todo = [v for v in range(n) if indeg[v] == 0]
        seen = 0
        while todo:
            v = todo.pop()
            seen += 1
            for w in out[v]:
                indeg[w] -= 1
                if indeg[w] == 0:
                    todo.append(w)
        _need(seen == n, "the graph must be acyclic")
    """,
)
_add(
    "trees",
    "easy",
    """
    def generate(rng):
        n = rng.randint(1, 12)
        labels = list(range(n))
        rng.shuffle(labels)
        parent = [0] * n
        parent[labels[0]] = -1
        for i in range(1, n):
            parent[labels[i]] = labels[rng.randrange(i)]
        return (parent,)
    """,
    """
    def validate(parent):
        n = len(parent)
        _ints(parent, 1, 10**5, -1, n - 1, "parent")
        _need(parent.count(-1) == 1, "exactly one root")
        state = [0] * n  # 0 unknown, 1 on the current walk, 2 reaches the root
        for v in range(n):
            walk = []
            while v != -1 and state[v] == 0:
                state[v] = 1
                walk.append(v)
                v = parent[v]
            _need(v == -1 or state[v] == 2, "the parents form a cycle")
            for w in walk:
                state[w] = 2
    """,
)
_add(
    "trees",
    "medium",
    """
    def generate(rng):
        n = rng.randint(1, 12)
        labels = list(range(n))
        rng.shuffle(labels)
        edges = [(labels[i], labels[rng.randrange(i)]) for i in range(1, n)]
        rng.shuffle(edges)
        return (n, [e if rng.random() < 0.5 else (e[1], e[0]) for e in edges])
    """,
    """
    def validate(n, edges):
        _int(n, 1, 2 * 10**5, "n")
        _tuples(edges, n - 1, n - 1, 2, 0, n - 1, "edges")
        root = list(range(n))

        def find(v):
            while root[v] != v:
                root[v] = root[root[v]]
                v = root[v]
            return v

        for a, b in edges:
            ra, rb = find(a), find(b)
            _need(ra != rb, "the edges must form a tree")
            root[ra] = rb
    """,
)
_add(
    "trees",
    "hard",
    """
    def generate(rng):
        n = rng.randint(1, 12)
        labels = list(range(n))
        rng.shuffle(labels)
        edges = [(labels[i], labels[rng.randrange(i)]) for i in range(1, n)]
        rng.shuffle(edges)
        return (n, [e if rng.random() < 0.5 else (e[1], e[0]) for e in edges])
    """,
    """
    def validate(n, edges):
        _int(n, 1, 10**5, "n")
        _tuples(edges, n - 1, n - 1, 2, 0, n - 1, "edges")
        root = list(range(n))

        def find(v):
            while root[v] != v:
                root[v] = root[root[v]]
                v = root[v]
            return v

        for a, b in edges:
            ra, rb = find(a), find(b)
            _need(ra != rb, "the edges must form a tree")
            root[ra] = rb
    """,
)

# --------------------------------------------------------------------------- dynamic programming

_add(
    "coin_change",
    "easy",
    """
    def generate(rng):
        coins = [rng.randint(1, rng.choice([5, 20, 100])) for _ in range(rng.randint(1, 4))]
        return (coins, rng.choice([0, rng.randint(0, 50), rng.randint(0, 10**4)]))
    """,
    """
    def validate(coins, amount):
        _ints(coins, 1, 50, 1, 10**9, "coins")
        _int(amount, 0, 10**4, "amount")
    """,
)
_add(
    "coin_change",
    "medium",
    """
    def generate(rng):
        coins = rng.sample(range(1, rng.choice([6, 30])), rng.randint(1, 4))
        return (coins, rng.choice([0, rng.randint(0, 60), rng.randint(0, 2 * 10**4)]))
    """,
    """
    def validate(coins, amount):
        _ints(coins, 1, 50, 1, 10**9, "coins")
        _need(len(set(coins)) == len(coins), "the denominations are distinct")
        _int(amount, 0, 2 * 10**4, "amount")
    """,
)
_add(
    "coin_change",
    "hard",
    """
    def generate(rng):
        coins = rng.sample(range(1, rng.choice([6, 30])), rng.randint(1, 4))
        counts = [rng.randint(1, rng.choice([3, 2000])) for _ in coins]
        return (coins, counts, rng.choice([0, rng.randint(0, 60), rng.randint(0, 2 * 10**4)]))
    """,
    """
    def validate(coins, counts, amount):
        _ints(coins, 1, 10, 1, 10**9, "coins")
        _need(len(set(coins)) == len(coins), "the coin values are distinct")
        _ints(counts, len(coins), len(coins), 1, 2000, "counts")
        _int(amount, 0, 2 * 10**4, "amount")
    """,
)
_add(
    "knapsack",
    "easy",
    """
    def generate(rng):
        n, w = rng.randint(1, 8), rng.randint(0, 30)
        items = ["%d %d" % (rng.randint(1, 15), rng.randint(0, 100)) for _ in range(n)]
        return "\\n".join(["%d %d" % (n, w), *items]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n, w = _nums(rows[0], 2, 0, 1000, "N W")
        _need(1 <= n <= 100, "1 <= N <= 100")
        _count(rows, n + 1, "N items")
        for row in rows[1:]:
            weight, value = _nums(row, 2, 0, 10**6, "an item")
            _need(1 <= weight <= 1000, "1 <= weight <= 1000")
    """,
)
_add(
    "knapsack",
    "medium",
    """
    def generate(rng):
        n, w = rng.randint(1, 10), rng.randint(0, 40)
        return "%d %d\\n%s\\n" % (n, w, " ".join(str(rng.randint(1, 15)) for _ in range(n)))
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 2, "the input")
        n, w = _nums(rows[0], 2, 0, 10**4, "N W")
        _need(1 <= n <= 100, "1 <= N <= 100")
        _nums(rows[1], n, 1, 10**4, "the weights")
    """,
)
_add(
    "knapsack",
    "hard",
    """
    def generate(rng):
        n, top = rng.randint(1, 10), rng.choice([20, 10**9])
        items = ["%d %d" % (rng.randint(1, top), rng.randint(1, 100)) for _ in range(n)]
        return "\\n".join(["%d %d" % (n, rng.randint(1, top * 2 if top < 100 else top)), *items]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n, w = _nums(rows[0], 2, 1, 2 * 10**9, "N W")
        _need(n <= 100, "1 <= N <= 100")
        _count(rows, n + 1, "N items")
        for row in rows[1:]:
            weight, value = _nums(row, 2, 1, 10**9, "an item")
            _need(value <= 100, "1 <= value <= 100")
    """,
)
_add(
    "grid_paths",
    "easy",
    """
    def generate(rng):
        r, c = rng.randint(1, 6), rng.randint(1, 6)
        return ([[1 if rng.random() < 0.2 else 0 for _ in range(c)] for _ in range(r)],)
    """,
    """
    def validate(grid):
        _len(grid, list, 1, 30, "grid")
        for row in grid:
            _ints(row, len(grid[0]), len(grid[0]), 0, 1, "a row")
        _need(len(grid[0]) >= 1, "the grid is not empty")
        _need(len(grid[0]) <= 30, "the grid is at most 30 x 30")
    """,
)
_add(
    "grid_paths",
    "medium",
    """
    def generate(rng):
        r, c = rng.randint(1, 7), rng.randint(1, 7)
        top = rng.choice([0, 9, 1000])
        return ([[rng.randint(0, top) for _ in range(c)] for _ in range(r)],)
    """,
    """
    def validate(grid):
        _len(grid, list, 1, 500, "grid")
        for row in grid:
            _ints(row, len(grid[0]), len(grid[0]), 0, 10**18, "a row")
        _need(1 <= len(grid[0]) <= 500, "the grid is at most 500 x 500 and not empty")
    """,
)
_add(
    "grid_paths",
    "hard",
    """
    def generate(rng):
        n = rng.randint(1, 6)
        grid = [[rng.choice([0, 1, 1, -1]) for _ in range(n)] for _ in range(n)]
        grid[0][0] = rng.choice([0, 1])
        grid[-1][-1] = rng.choice([0, 1])
        return (grid,)
    """,
    """
    def validate(grid):
        n = len(grid)
        _len(grid, list, 1, 50, "grid")
        for row in grid:
            _ints(row, n, n, -1, 1, "a row")
        _need(grid[0][0] != -1 and grid[-1][-1] != -1, "the corners are never thorns")
    """,
)

# --------------------------------------------------------------------------- intervals

_add(
    "merge_intervals",
    "easy",
    """
    def generate(rng):
        out = []
        for _ in range(rng.randint(0, 8)):
            a = rng.randint(0, 20)
            out.append((a, a + rng.randint(0, 5)))
        return (out,)
    """,
    """
    def validate(intervals):
        _tuples(intervals, 0, 10**5, 2, -10**18, 10**18, "intervals")
        _need(all(a <= b for a, b in intervals), "an interval (a, b) has a <= b")
    """,
)
_add(
    "merge_intervals",
    "medium",
    """
    def generate(rng):
        out, x = [], rng.randint(-3, 3)
        for _ in range(rng.randint(0, 6)):
            a = x + rng.randint(1, 3)
            b = a + rng.randint(0, 3)
            out.append((a, b))
            x = b + 1
        a = rng.randint(-4, x + 2)
        return (out, (a, a + rng.randint(0, 6)))
    """,
    """
    def validate(intervals, new):
        _tuples(intervals, 0, 10**5, 2, -10**18, 10**18, "intervals")
        _need(all(a <= b for a, b in intervals), "an interval (a, b) has a <= b")
        _need(all(p[1] < q[0] for p, q in zip(intervals, intervals[1:])), "sorted and separated")
        _need(type(new) is tuple and len(new) == 2, "new is a pair")
        _int(new[0], -10**18, 10**18, "new start")
        _int(new[1], new[0], 10**18, "new end")
    """,
)
_add(
    "merge_intervals",
    "hard",
    """
    def generate(rng):
        top = rng.choice([20, 10**9])
        people = []
        for _ in range(rng.randint(1, 4)):
            busy = []
            for _ in range(rng.randint(0, 4)):
                s = rng.randint(0, top - 1)
                busy.append((s, rng.randint(s + 1, min(top, s + max(1, top // 5)))))
            people.append(busy)
        if not any(people):
            people[0].append((1, 2))
        return (people,)
    """,
    """
    def validate(schedules):
        _len(schedules, list, 1, 2 * 10**5, "schedules")
        total = 0
        for busy in schedules:
            _tuples(busy, 0, 2 * 10**5, 2, 0, 10**9, "a schedule")
            _need(all(s < e for s, e in busy), "a busy interval [s, e) has s < e")
            total += len(busy)
        _need(1 <= total <= 2 * 10**5, "1 to 2 * 10**5 intervals in total")
    """,
)
_add(
    "interval_scheduling",
    "easy",
    """
    def generate(rng):
        out = []
        for _ in range(rng.randint(0, 10)):
            s = rng.randint(0, 20)
            out.append((s, s + rng.randint(1, 6)))
        return (out,)
    """,
    """
    def validate(talks):
        _tuples(talks, 0, 10**5, 2, -10**18, 10**18, "talks")
        _need(all(s < e for s, e in talks), "a talk has start < end")
    """,
)
_add(
    "interval_scheduling",
    "medium",
    """
    def generate(rng):
        out = []
        for _ in range(rng.randint(0, 10)):
            s = rng.randint(0, 20)
            out.append((s, s + rng.randint(1, 6)))
        return (out,)
    """,
    """
    def validate(meetings):
        _tuples(meetings, 0, 2 * 10**5, 2, -10**18, 10**18, "meetings")
        _need(all(s < e for s, e in meetings), "a meeting has start < end")
    """,
)
_add(
    "interval_scheduling",
    "hard",
    """
    def generate(rng):
        out = []
        for _ in range(rng.randint(0, 10)):
            s = rng.randint(0, 20)
            out.append((s, s + rng.randint(1, 6), rng.randint(1, rng.choice([5, 10**4]))))
        return (out,)
    """,
    """
    def validate(jobs):
        _tuples(jobs, 0, 10**5, 3, 0, 10**9, "jobs")
        _need(all(s < e and 1 <= p <= 10**4 for s, e, p in jobs), "a job has start < end, profit 1..10**4")
    """,
)
_add(
    "coverage",
    "easy",
    """
    def generate(rng):
        n, top = rng.randint(1, 8), rng.choice([10, 10**9])
        rows = []
        for _ in range(n):
            a = rng.randint(-top, top)
            rows.append("%d %d" % (a, rng.randint(a, min(top, a + top // 3))))
        return "\\n".join([str(n), *rows]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n = _nums(rows[0], 1, 1, 10**5, "N")[0]
        _count(rows, n + 1, "N segments")
        for row in rows[1:]:
            l, r = _nums(row, 2, -10**9, 10**9, "a segment")
            _need(l <= r, "a segment has l <= r")
    """,
)
_add(
    "coverage",
    "medium",
    """
    def generate(rng):
        n, top = rng.randint(1, 8), rng.choice([10, 10**18])
        rows = []
        for _ in range(n):
            a = rng.randint(0, top)
            rows.append("%d %d" % (a, rng.randint(a, min(top, a + top // 3))))
        return "\\n".join([str(n), *rows]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n = _nums(rows[0], 1, 1, 2 * 10**5, "N")[0]
        _count(rows, n + 1, "N segments")
        for row in rows[1:]:
            l, r = _nums(row, 2, 0, 10**18, "a segment")
            _need(l <= r, "a segment has l <= r")
    """,
)
_add(
    "coverage",
    "hard",
    """
    def generate(rng):
        n, top = rng.randint(1, 6), rng.choice([10, 10**9])
        rows = []
        for _ in range(n):
            x1, y1 = rng.randint(0, top - 1), rng.randint(0, top - 1)
            rows.append("%d %d %d %d" % (x1, y1, rng.randint(x1 + 1, top), rng.randint(y1 + 1, top)))
        return "\\n".join([str(n), *rows]) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n = _nums(rows[0], 1, 1, 300, "N")[0]
        _count(rows, n + 1, "N rectangles")
        for row in rows[1:]:
            x1, y1, x2, y2 = _nums(row, 4, 0, 10**9, "a rectangle")
            _need(x1 < x2 and y1 < y2, "a rectangle has x1 < x2 and y1 < y2")
    """,
)

# --------------------------------------------------------------------------- simulation

_add(
    "robots",
    "easy",
    """
    def generate(rng):
        r, c = rng.randint(1, 6), rng.randint(1, 6)
        g = [[rng.choice("..#") for _ in range(c)] for _ in range(r)]
        s = rng.randrange(r * c)
        g[s // c][s % c] = "R"
        cmds = "".join(rng.choice("UDLR") for _ in range(rng.randint(0, 12)))
        return "%d %d\\n%s\\n%s\\n" % (r, c, "\\n".join("".join(row) for row in g), cmds)
    """,
    """
    def validate(text):
        rows = _lines(text)
        r, c = _nums(rows[0], 2, 1, 100, "R C")
        _count(rows, r + 2, "R grid rows and the commands")
        for row in rows[1 : r + 1]:
            _str(row, c, c, "a grid row", ".#R")
        _need("".join(rows[1 : r + 1]).count("R") == 1, "exactly one R")
        _str(rows[-1], 0, 10**6, "the commands", "UDLR")
    """,
)
_add(
    "robots",
    "medium",
    """
    def generate(rng):
        return "".join(rng.choice(rng.choice(["UDLR", "UR", "URRDL"])) for _ in range(rng.randint(1, 20))) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 1, "the input")
        _str(rows[0], 1, 2 * 10**5, "the commands", "UDLR")
    """,
)
_add(
    "robots",
    "hard",
    """
    def generate(rng):
        r, c = rng.randint(1, 5), rng.randint(1, 5)
        g = [[rng.choice("..#") for _ in range(c)] for _ in range(r)]
        s = rng.randrange(r * c)
        g[s // c][s % c] = "R"
        k = rng.choice([1, 2, rng.randint(1, 100), rng.randint(1, 10**18)])
        cmds = "".join(rng.choice("UDLR") for _ in range(rng.randint(1, 8)))
        return "%d %d %d\\n%s\\n%s\\n" % (r, c, k, "\\n".join("".join(row) for row in g), cmds)
    """,
    """
    def validate(text):
        rows = _lines(text)
        r, c, k = _nums(rows[0], 3, 1, 10**18, "R C K")
        _need(r <= 20 and c <= 20, "1 <= R, C <= 20")
        _count(rows, r + 2, "R grid rows and the program")
        for row in rows[1 : r + 1]:
            _str(row, c, c, "a grid row", ".#R")
        _need("".join(rows[1 : r + 1]).count("R") == 1, "exactly one R")
        _str(rows[-1], 1, 200, "the program", "UDLR")
    """,
)
_add(
    "life",
    "easy",
    """
    def generate(rng):
        r, c = rng.randint(1, 7), rng.randint(1, 7)
        p = rng.choice([0.2, 0.4, 0.6])
        return ([[1 if rng.random() < p else 0 for _ in range(c)] for _ in range(r)],)
    """,
    """
    def validate(grid):
        _len(grid, list, 1, 100, "grid")
        for row in grid:
            _ints(row, len(grid[0]), len(grid[0]), 0, 1, "a row")
        _need(1 <= len(grid[0]) <= 100, "the grid is at most 100 x 100 and not empty")
    """,
)
_add(
    "life",
    "medium",
    """
    def generate(rng):
        r, c = rng.randint(3, 7), rng.randint(3, 7)
        p = rng.choice([0.2, 0.4])
        return ([[1 if rng.random() < p else 0 for _ in range(c)] for _ in range(r)], rng.randint(0, 12))
    """,
    """
    def validate(grid, steps):
        _len(grid, list, 3, 30, "grid")
        for row in grid:
            _ints(row, len(grid[0]), len(grid[0]), 0, 1, "a row")
        _need(3 <= len(grid[0]) <= 30, "the grid is 3 x 3 to 30 x 30")
        _int(steps, 0, 100, "steps")
    """,
)
_add(
    "life",
    "hard",
    """
    def generate(rng):
        r, c = rng.randint(3, 6), rng.randint(3, 6)
        p = rng.choice([0.2, 0.4])
        grid = [[1 if rng.random() < p else 0 for _ in range(c)] for _ in range(r)]
        return (grid, rng.choice([0, 1, rng.randint(0, 50), rng.randint(0, 10**12)]))
    """,
    """
    def validate(grid, steps):
        _len(grid, list, 3, 8, "grid")
        for row in grid:
            _ints(row, len(grid[0]), len(grid[0]), 0, 1, "a row")
        _need(3 <= len(grid[0]) <= 8, "the grid is 3 x 3 to 8 x 8")
        _int(steps, 0, 10**12, "steps")
    """,
)
_add(
    "josephus",
    "easy",
    """
    def generate(rng):
        return (rng.randint(1, rng.choice([10, 1000])), rng.randint(1, rng.choice([10, 10**4])))
    """,
    """
    def validate(n, k):
        _int(n, 1, 1000, "n")
        _int(k, 1, 10**4, "k")
    """,
)
_add(
    "josephus",
    "medium",
    """
    def generate(rng):
        return (rng.randint(1, rng.choice([10, 10**4])), rng.randint(1, rng.choice([10, 10**6])))
    """,
    """
    def validate(n, k):
        _int(n, 1, 10**6, "n")
        _int(k, 1, 10**6, "k")
    """,
)
_add(
    "josephus",
    "hard",
    """
    def generate(rng):
        return (rng.randint(1, rng.choice([10, 10**6, 10**18])), rng.randint(1, rng.choice([5, 1000])))
    """,
    """
    def validate(n, k):
        _int(n, 1, 10**18, "n")
        _int(k, 1, 1000, "k")
    """,
)


# --------------------------------------------------------------------------- other languages
# The C++ and JavaScript families' oracles are Python like every other: the generator draws a
# stdin text, the validator checks it, and the reference (in its own language) answers it.

_add(
    "cpp_prefix_sums",
    "easy",
    """
    def generate(rng):
        n, q, top = rng.randint(1, 12), rng.randint(1, 10), rng.choice([10, 10**9])
        rows = ["%d %d" % (n, q), " ".join(str(rng.randint(-top, top)) for _ in range(n))]
        for _ in range(q):
            l = rng.randint(1, n)
            rows.append("%d %d" % (l, rng.randint(l, n)))
        return "\\n".join(rows) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        n, q = _nums(rows[0], 2, 1, 2 * 10**5, "N Q")
        _count(rows, q + 2, "N Q, the values and Q queries")
        _nums(rows[1], n, -10**9, 10**9, "the values")
        for row in rows[2:]:
            l, r = _nums(row, 2, 1, n, "a query")
            _need(l <= r, "a query needs l <= r")
    """,
)
_add(
    "cpp_prefix_sums",
    "medium",
    """
    def generate(rng):
        n, top = rng.randint(1, 15), rng.choice([5, 100, 10**9])
        return "%d\\n%s\\n" % (n, " ".join(str(rng.randint(-top, top)) for _ in range(n)))
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 2, "the input")
        (n,) = _nums(rows[0], 1, 1, 2 * 10**5, "N")
        _nums(rows[1], n, -10**9, 10**9, "the values")
    """,
)
_add(
    "cpp_prefix_sums",
    "hard",
    """
    def generate(rng):
        n, top = rng.randint(1, 15), rng.choice([2, 10, 10**9])
        values = [rng.randint(-top, top) for _ in range(n)]
        i = rng.randint(0, n - 1)
        k = sum(values[i : rng.randint(i + 1, n)]) if rng.random() < 0.7 else rng.randint(-3 * top, 3 * top)
        return "%d %d\\n%s\\n" % (n, k, " ".join(map(str, values)))
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 2, "the input")
        n, k = _nums(rows[0], 2, -10**15, 10**15, "N K")
        _need(1 <= n <= 2 * 10**5, "1 <= N <= 2 * 10**5")
        _nums(rows[1], n, -10**9, 10**9, "the values")
    """,
)
_add(
    "cpp_sequence_dp",
    "easy",
    """
    def generate(rng):
        return "%d\\n" % rng.randint(1, rng.choice([6, 100, 5000]))
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 1, "the input")
        _nums(rows[0], 1, 1, 10**6, "N")
    """,
)
_add(
    "cpp_sequence_dp",
    "medium",
    """
    def generate(rng):
        n, top = rng.randint(1, 15), rng.choice([3, 50, 10**9])
        return "%d\\n%s\\n" % (n, " ".join(str(rng.randint(-top, top)) for _ in range(n)))
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 2, "the input")
        (n,) = _nums(rows[0], 1, 1, 2 * 10**5, "N")
        _nums(rows[1], n, -10**9, 10**9, "the values")
    """,
)
_add(
    "cpp_sequence_dp",
    "hard",
    """
    def generate(rng):
        n, top = rng.randint(1, 15), rng.choice([5, 100, 10**9])
        return "%d\\n%s\\n" % (n, " ".join(str(rng.randint(-top, top)) for _ in range(n)))
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 2, "the input")
        (n,) = _nums(rows[0], 1, 1, 2 * 10**5, "N")
        _nums(rows[1], n, -10**9, 10**9, "the values")
    """,
)
_add(
    "js_palindromes",
    "easy",
    """
    def generate(rng):
        half = "".join(rng.choice("abAB1 ,.!") for _ in range(rng.randint(0, 12)))
        mirrored = half + rng.choice(["", "x", "?"]) + half[::-1].swapcase()
        line = mirrored if rng.random() < 0.5 else "".join(rng.choice("abAB1 ,.!") for _ in range(rng.randint(0, 20)))
        return line + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 1, "the input")
        _str(rows[0], 0, 10**5, "the line", "".join(chr(c) for c in range(32, 127)))
    """,
)
_add(
    "js_palindromes",
    "medium",
    """
    def generate(rng):
        return "".join(rng.choice(rng.choice(["ab", "abc", "xyz"])) for _ in range(rng.randint(1, 30))) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 1, "the input")
        _str(rows[0], 1, 3000, "the string", "abcdefghijklmnopqrstuvwxyz")
    """,
)
_add(
    "js_palindromes",
    "hard",
    """
    def generate(rng):
        return "".join(rng.choice(rng.choice(["a", "ab", "abc"])) for _ in range(rng.randint(1, 30))) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 1, "the input")
        _str(rows[0], 1, 5000, "the string", "abcdefghijklmnopqrstuvwxyz")
    """,
)
_add(
    "js_columns",
    "easy",
    """
    def generate(rng):
        n = rng.randint(0, 63)
        return ("1" + "".join(rng.choice("01") for _ in range(n - 1)) if n else "0") + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 1, "the input")
        s = rows[0]
        _str(s, 1, 63, "the binary number", "01")
        _need(s == "0" or s[0] == "1", "no leading zeros")
    """,
)
_add(
    "js_columns",
    "medium",
    """
    def generate(rng):
        return "".join(rng.choice("ABCXYZ") for _ in range(rng.randint(1, 10))) + "\\n"
    """,
    """
    def validate(text):
        rows = _lines(text)
        _count(rows, 1, "the input")
        _str(rows[0], 1, 10, "the title", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    """,
)
_add(
    "js_columns",
    "hard",
    """
    def generate(rng):
        q = rng.randint(1, 8)
        return "%d\\n%s\\n" % (q, "\\n".join(str(rng.randint(1, rng.choice([30, 1000, 10**15]))) for _ in range(q)))
    """,
    """
    def validate(text):
        rows = _lines(text)
        (q,) = _nums(rows[0], 1, 1, 1000, "Q")
        _count(rows, q + 1, "Q and Q numbers")
        for row in rows[1:]:
            _nums(row, 1, 1, 10**15, "N")
    """,
)
