"""Strings: palindromes, pattern matching, brackets, anagrams."""

from __future__ import annotations

from gapforge.demo.bank.schema import ex, family, fn, missed_edge, off_by_one, too_slow

PALINDROMES = family(
    "palindromes",
    "Palindromes",
    "strings",
    ("palindrome", "palindromes", "strings", "string", "manacher", "text"),
    fn(
        "Palindrome After Cleaning",
        "easy",
        entry="is_clean_palindrome",
        signature="def is_clean_palindrome(s: str) -> bool: ...",
        statement="""
        Remove every character of `s` that is not an ASCII letter or digit, lowercase the letters,
        and report whether the result reads the same forwards and backwards. The empty result counts
        as a palindrome. `0 <= len(s) <= 10**5`.
        """,
        reference=r"""
        def is_clean_palindrome(s):
            kept = [c.lower() for c in s if c.isascii() and c.isalnum()]
            return kept == kept[::-1]
        """,
        tests=r"""
        from solution import is_clean_palindrome


        def test_example():
            assert is_clean_palindrome("A man, a plan, a canal: Panama") is True


        def test_not_palindrome():
            assert is_clean_palindrome("race a car") is False


        def test_digits_count():
            assert is_clean_palindrome("1a2") is False
            assert is_clean_palindrome("12 21") is True


        def test_empty_after_cleaning():
            assert is_clean_palindrome(".,!") is True
            assert is_clean_palindrome("") is True


        def test_case_insensitive():
            assert is_clean_palindrome("No lemon, no meloN") is True
            assert is_clean_palindrome("Ab") is False


        def test_non_ascii_letters_are_removed():
            assert is_clean_palindrome("aé a") is True
        """,
        examples=(ex('s = "A man, a plan, a canal: Panama"', "True"),),
        bugs=(
            missed_edge(
                r"""
                def is_clean_palindrome(s):
                    kept = [c for c in s if c.isalnum()]
                    return kept == kept[::-1]
                """,
                "case-sensitive and keeps non-ASCII letters",
            ),
            missed_edge(
                r"""
                def is_clean_palindrome(s):
                    kept = [c.lower() for c in s if c.isascii() and c.isalpha()]
                    return kept == kept[::-1]
                """,
                "drops digits",
            ),
        ),
    ),
    fn(
        "Longest Palindromic Substring",
        "medium",
        entry="longest_palindrome",
        signature="def longest_palindrome(s: str) -> str: ...",
        statement="""
        Return the longest substring of `s` that is a palindrome. If several have the maximum
        length, return the one that starts first. `1 <= len(s) <= 1000`.
        """,
        reference=r"""
        def longest_palindrome(s):
            best_lo, best_hi = 0, 1
            n = len(s)
            for center in range(2 * n - 1):
                lo = center // 2
                hi = lo + center % 2
                while lo >= 0 and hi < n and s[lo] == s[hi]:
                    lo -= 1
                    hi += 1
                lo += 1
                if hi - lo > best_hi - best_lo or (hi - lo == best_hi - best_lo and lo < best_lo):
                    best_lo, best_hi = lo, hi
            return s[best_lo:best_hi]
        """,
        tests=r"""
        import random

        from solution import longest_palindrome


        def brute(s):
            best = s[0]
            for i in range(len(s)):
                for j in range(i + 1, len(s) + 1):
                    t = s[i:j]
                    if t == t[::-1] and len(t) > len(best):
                        best = t
            return best


        def test_example():
            assert longest_palindrome("babad") == "bab"


        def test_even_length():
            assert longest_palindrome("cbbd") == "bb"
            assert longest_palindrome("abccba") == "abccba"


        def test_single_char():
            assert longest_palindrome("z") == "z"


        def test_leftmost_tie():
            assert longest_palindrome("abcd") == "a"
            assert longest_palindrome("xaaybb") == "aa"


        def test_random_against_brute_force():
            rng = random.Random(61)
            for _ in range(300):
                s = "".join(rng.choice("ab") for _ in range(rng.randint(1, 12)))
                assert longest_palindrome(s) == brute(s)


        def test_long():
            s = "ab" * 250 + "c" + "ba" * 250
            assert longest_palindrome(s) == s
        """,
        examples=(ex('s = "babad"', '"bab"', '"aba" is also a palindrome but starts later.'),),
        bugs=(
            missed_edge(
                r"""
                def longest_palindrome(s):
                    best = s[0]
                    for c in range(len(s)):
                        lo = hi = c
                        while lo >= 0 and hi < len(s) and s[lo] == s[hi]:
                            lo -= 1
                            hi += 1
                        if hi - lo - 1 > len(best):
                            best = s[lo + 1:hi]
                    return best
                """,
                "odd-length centres only",
            ),
            off_by_one(
                r"""
                def longest_palindrome(s):
                    best_lo, best_hi = 0, 1
                    n = len(s)
                    for center in range(2 * n - 1):
                        lo = center // 2
                        hi = lo + center % 2
                        while lo >= 0 and hi < n and s[lo] == s[hi]:
                            lo -= 1
                            hi += 1
                        lo += 1
                        if hi - lo >= best_hi - best_lo:
                            best_lo, best_hi = lo, hi
                    return s[best_lo:best_hi]
                """,
                "ties keep the last palindrome instead of the first",
            ),
        ),
    ),
    fn(
        "Count Palindromic Substrings",
        "hard",
        entry="count_palindromes",
        signature="def count_palindromes(s: str) -> int: ...",
        statement="""
        Return the number of non-empty substrings of `s` that are palindromes; substrings at
        different positions count separately. `1 <= len(s) <= 10**5`. A quadratic algorithm is too
        slow for the largest inputs.
        """,
        reference=r"""
        def count_palindromes(s):
            t = "^#" + "#".join(s) + "#$"
            n = len(t)
            p = [0] * n
            center = right = 0
            for i in range(1, n - 1):
                if i < right:
                    p[i] = min(right - i, p[2 * center - i])
                while t[i + p[i] + 1] == t[i - p[i] - 1]:
                    p[i] += 1
                if i + p[i] > right:
                    center, right = i, i + p[i]
            return sum((v + 1) // 2 for v in p)
        """,
        tests=r"""
        import random

        from solution import count_palindromes


        def brute(s):
            return sum(1 for i in range(len(s)) for j in range(i + 1, len(s) + 1) if s[i:j] == s[i:j][::-1])


        def test_example():
            assert count_palindromes("aaa") == 6


        def test_distinct_letters():
            assert count_palindromes("abc") == 3


        def test_even_palindromes():
            assert count_palindromes("abba") == 6


        def test_single():
            assert count_palindromes("x") == 1


        def test_random_against_brute_force():
            rng = random.Random(62)
            for _ in range(300):
                s = "".join(rng.choice("ab") for _ in range(rng.randint(1, 14)))
                assert count_palindromes(s) == brute(s)


        def test_large_uniform():
            n = 100000
            assert count_palindromes("a" * n) == n * (n + 1) // 2
        """,
        examples=(ex('s = "aaa"', "6", '"a" three times, "aa" twice, "aaa" once.'),),
        bugs=(
            missed_edge(
                r"""
                def count_palindromes(s):
                    n = len(s)
                    d = [0] * n
                    left, right = 0, -1
                    for i in range(n):
                        k = 1 if i > right else min(d[left + right - i], right - i + 1)
                        while i - k >= 0 and i + k < n and s[i - k] == s[i + k]:
                            k += 1
                        d[i] = k
                        if i + k - 1 > right:
                            left, right = i - k + 1, i + k - 1
                    return sum(d)
                """,
                "odd-length palindromes only",
            ),
            off_by_one(
                r"""
                def count_palindromes(s):
                    t = "^#" + "#".join(s) + "#$"
                    n = len(t)
                    p = [0] * n
                    center = right = 0
                    for i in range(1, n - 1):
                        if i < right:
                            p[i] = min(right - i, p[2 * center - i])
                        while t[i + p[i] + 1] == t[i - p[i] - 1]:
                            p[i] += 1
                        if i + p[i] > right:
                            center, right = i, i + p[i]
                    return sum(v // 2 for v in p)
                """,
                "rounds the radius down: loses the odd centres",
            ),
            too_slow(
                r"""
                def count_palindromes(s):
                    total = 0
                    n = len(s)
                    for c in range(2 * n - 1):
                        lo = c // 2
                        hi = lo + c % 2
                        while lo >= 0 and hi < n and s[lo] == s[hi]:
                            total += 1
                            lo -= 1
                            hi += 1
                    return total
                """,
                "expand around every centre: quadratic on uniform strings",
            ),
        ),
    ),
)

PATTERNS = family(
    "pattern_matching",
    "Pattern matching",
    "strings",
    ("pattern", "matching", "kmp", "prefix function", "strings", "string", "period", "border", "text"),
    fn(
        "Count Overlapping Occurrences",
        "easy",
        entry="count_occurrences",
        signature="def count_occurrences(text: str, pattern: str) -> int: ...",
        statement="""
        Return how many times `pattern` occurs in `text`, counting overlapping occurrences
        (`"aa"` occurs twice in `"aaa"`). An empty pattern occurs 0 times by definition.
        `0 <= len(text), len(pattern) <= 10**4`.
        """,
        reference=r"""
        def count_occurrences(text, pattern):
            if not pattern:
                return 0
            return sum(1 for i in range(len(text) - len(pattern) + 1) if text.startswith(pattern, i))
        """,
        tests=r"""
        from solution import count_occurrences


        def test_example():
            assert count_occurrences("aaa", "aa") == 2


        def test_overlaps():
            assert count_occurrences("abababa", "aba") == 3


        def test_at_the_end():
            assert count_occurrences("xxab", "ab") == 1


        def test_empty_pattern():
            assert count_occurrences("abc", "") == 0


        def test_longer_pattern():
            assert count_occurrences("ab", "abc") == 0
            assert count_occurrences("", "a") == 0


        def test_whole_text():
            assert count_occurrences("hello", "hello") == 1
        """,
        examples=(ex('text = "aaa", pattern = "aa"', "2"),),
        bugs=(
            missed_edge(
                r"""
                def count_occurrences(text, pattern):
                    if not pattern:
                        return 0
                    return text.count(pattern)
                """,
                "str.count skips overlaps",
            ),
            off_by_one(
                r"""
                def count_occurrences(text, pattern):
                    if not pattern:
                        return 0
                    return sum(1 for i in range(len(text) - len(pattern)) if text[i:i + len(pattern)] == pattern)
                """,
                "misses an occurrence at the very end",
            ),
        ),
    ),
    fn(
        "Shortest Period Of A String",
        "medium",
        entry="shortest_period",
        signature="def shortest_period(s: str) -> int: ...",
        statement="""
        A period of `s` is an integer `p` with `1 <= p <= len(s)` such that `s[i] == s[i + p]` for
        every valid `i`. Return the smallest period. The period need not divide `len(s)`: `"abcab"`
        has period 3. `1 <= len(s) <= 2 * 10**5`.
        """,
        reference=r"""
        def shortest_period(s):
            n = len(s)
            pi = [0] * n
            for i in range(1, n):
                k = pi[i - 1]
                while k and s[i] != s[k]:
                    k = pi[k - 1]
                if s[i] == s[k]:
                    k += 1
                pi[i] = k
            return n - pi[-1]
        """,
        tests=r"""
        import random

        from solution import shortest_period


        def brute(s):
            n = len(s)
            for p in range(1, n + 1):
                if all(s[i] == s[i + p] for i in range(n - p)):
                    return p


        def test_example():
            assert shortest_period("abcab") == 3


        def test_full_repetition():
            assert shortest_period("abababab") == 2


        def test_no_shorter_period():
            assert shortest_period("abcd") == 4
            assert shortest_period("z") == 1


        def test_period_not_dividing_length():
            assert shortest_period("aabaa") == 3


        def test_random_against_brute_force():
            rng = random.Random(63)
            for _ in range(300):
                s = "".join(rng.choice("ab") for _ in range(rng.randint(1, 12)))
                assert shortest_period(s) == brute(s)


        def test_large():
            n = 200000
            assert shortest_period("a" * (n - 1) + "b") == n
            assert shortest_period("abc" * (n // 3) + "ab") == 3
        """,
        examples=(ex('s = "abcab"', "3"),),
        bugs=(
            missed_edge(
                r"""
                def shortest_period(s):
                    n = len(s)
                    for p in range(1, n + 1):
                        if n % p == 0 and s[:p] * (n // p) == s:
                            return p
                    return n
                """,
                "only considers periods dividing len(s)",
            ),
            off_by_one(
                r"""
                def shortest_period(s):
                    n = len(s)
                    pi = [0] * n
                    for i in range(1, n):
                        k = pi[i - 1]
                        while k and s[i] != s[k]:
                            k = pi[k - 1]
                        if s[i] == s[k]:
                            k += 1
                        pi[i] = k
                    return n - pi[-2] if n > 1 else 1
                """,
                "reads the prefix function one position early",
            ),
            too_slow(
                r"""
                def shortest_period(s):
                    n = len(s)
                    for p in range(1, n + 1):
                        ok = True
                        for i in range(n - p):
                            if s[i] != s[i + p]:
                                ok = False
                                break
                        if ok:
                            return p
                    return n
                """,
                "quadratic on strings like aaaa...ab",
            ),
        ),
    ),
    fn(
        "Border Seen Three Times",
        "hard",
        entry="triple_border",
        signature="def triple_border(s: str) -> str: ...",
        statement="""
        Find the longest string `t` that is a prefix of `s`, a suffix of `s`, and also occurs
        somewhere strictly inside `s` (starting after index 0 and ending before the last index).
        `t` must be non-empty and shorter than `s`. Return `t`, or `""` when there is no such string.
        `1 <= len(s) <= 10**5`.
        """,
        reference=r"""
        def triple_border(s):
            n = len(s)
            if n < 3:
                return ""
            pi = [0] * n
            for i in range(1, n):
                k = pi[i - 1]
                while k and s[i] != s[k]:
                    k = pi[k - 1]
                if s[i] == s[k]:
                    k += 1
                pi[i] = k
            k = pi[-1]
            if k == 0:
                return ""
            if max(pi[1:n - 1]) >= k:
                return s[:k]
            return s[:pi[k - 1]]
        """,
        tests=r"""
        import random

        from solution import triple_border


        def brute(s):
            n = len(s)
            for k in range(n - 1, 0, -1):
                t = s[:k]
                if s.endswith(t) and s.find(t, 1, n - 1) != -1:
                    return t
            return ""


        def test_example():
            assert triple_border("fixprefixsuffix") == "fix"


        def test_none():
            assert triple_border("abcdabc") == ""


        def test_uniform():
            assert triple_border("aaaa") == "aa"


        def test_short():
            assert triple_border("a") == ""
            assert triple_border("aa") == ""
            assert triple_border("aaa") == "a"


        def test_random_against_brute_force():
            rng = random.Random(64)
            for _ in range(400):
                s = "".join(rng.choice("ab") for _ in range(rng.randint(1, 14)))
                assert triple_border(s) == brute(s)


        def test_large():
            s = "ab" * 50000
            assert triple_border(s) == "ab" * 49998
            u = "a" * 100000
            assert triple_border(u) == "a" * 99998
            w = "a" * 50000 + "b" + "a" * 50000
            assert triple_border(w) == "a" * 49999
        """,
        examples=(ex('s = "fixprefixsuffix"', '"fix"'),),
        bugs=(
            missed_edge(
                r"""
                def triple_border(s):
                    n = len(s)
                    pi = [0] * n
                    for i in range(1, n):
                        k = pi[i - 1]
                        while k and s[i] != s[k]:
                            k = pi[k - 1]
                        if s[i] == s[k]:
                            k += 1
                        pi[i] = k
                    k = pi[-1] if n else 0
                    return s[:k] if k and n > 2 and max(pi[1:n - 1]) >= k else ""
                """,
                "only tries the longest border, never shorter ones",
            ),
            off_by_one(
                r"""
                def triple_border(s):
                    n = len(s)
                    pi = [0] * n
                    for i in range(1, n):
                        k = pi[i - 1]
                        while k and s[i] != s[k]:
                            k = pi[k - 1]
                        if s[i] == s[k]:
                            k += 1
                        pi[i] = k
                    if n < 2:
                        return ""
                    k = pi[-1]
                    if k == 0:
                        return ""
                    if max(pi[1:n]) >= k:
                        return s[:k]
                    return s[:pi[k - 1]]
                """,
                "lets the inner occurrence be the suffix itself",
            ),
            too_slow(
                r"""
                def triple_border(s):
                    n = len(s)
                    for k in range(n - 1, 0, -1):
                        if s[:k] != s[n - k:]:
                            continue
                        for start in range(1, n - k):
                            if all(s[start + t] == s[t] for t in range(k)):
                                return s[:k]
                    return ""
                """,
                "cubic-ish scan of every border and start",
            ),
        ),
    ),
)

BRACKETS = family(
    "brackets",
    "Bracket sequences",
    "strings",
    ("brackets", "parentheses", "stack", "balanced", "strings", "parsing"),
    fn(
        "Balanced Brackets",
        "easy",
        entry="is_balanced",
        signature="def is_balanced(s: str) -> bool: ...",
        statement="""
        `s` consists only of the characters `()[]{}`. Return True when every bracket is closed by a
        bracket of the same type in the correct order, otherwise False. The empty string is
        balanced. `0 <= len(s) <= 10**5`.
        """,
        reference=r"""
        def is_balanced(s):
            pairs = {")": "(", "]": "[", "}": "{"}
            stack = []
            for c in s:
                if c in pairs:
                    if not stack or stack.pop() != pairs[c]:
                        return False
                else:
                    stack.append(c)
            return not stack
        """,
        tests=r"""
        from solution import is_balanced


        def test_example():
            assert is_balanced("([]{})") is True


        def test_wrong_order():
            assert is_balanced("([)]") is False


        def test_unclosed():
            assert is_balanced("((") is False
            assert is_balanced("{[]") is False


        def test_extra_closer():
            assert is_balanced("())") is False
            assert is_balanced("]") is False


        def test_empty():
            assert is_balanced("") is True


        def test_deep():
            assert is_balanced("(" * 50000 + ")" * 50000) is True
        """,
        examples=(ex('s = "([]{})"', "True"), ex('s = "([)]"', "False")),
        bugs=(
            missed_edge(
                r"""
                def is_balanced(s):
                    pairs = {")": "(", "]": "[", "}": "{"}
                    stack = []
                    for c in s:
                        if c in pairs:
                            if not stack or stack.pop() != pairs[c]:
                                return False
                        else:
                            stack.append(c)
                    return True
                """,
                "unclosed openers are accepted",
            ),
            missed_edge(
                r"""
                def is_balanced(s):
                    depth = 0
                    for c in s:
                        depth += 1 if c in "([{" else -1
                        if depth < 0:
                            return False
                    return depth == 0
                """,
                "ignores bracket types",
            ),
        ),
    ),
    fn(
        "Minimum Insertions To Balance",
        "medium",
        entry="min_insertions",
        signature="def min_insertions(s: str) -> int: ...",
        statement="""
        `s` consists of `(` and `)` only. Return the minimum number of parentheses that must be
        inserted (anywhere) to make it balanced. `0 <= len(s) <= 10**5`.
        """,
        reference=r"""
        def min_insertions(s):
            open_count = 0
            added = 0
            for c in s:
                if c == "(":
                    open_count += 1
                elif open_count:
                    open_count -= 1
                else:
                    added += 1
            return added + open_count
        """,
        tests=r"""
        import random

        from solution import min_insertions


        def brute(s):
            # the deepest dip needs that many "(" and the final surplus that many ")"
            bal = low = 0
            for c in s:
                bal += 1 if c == "(" else -1
                low = min(low, bal)
            return -low + (bal - low)


        def test_example():
            assert min_insertions("())") == 1


        def test_closers_first():
            assert min_insertions(")(") == 2
            assert min_insertions(")))(((") == 6


        def test_balanced():
            assert min_insertions("(()())") == 0
            assert min_insertions("") == 0


        def test_only_openers():
            assert min_insertions("(((") == 3


        def test_random():
            rng = random.Random(65)
            for _ in range(300):
                s = "".join(rng.choice("()") for _ in range(rng.randint(0, 16)))
                assert min_insertions(s) == brute(s)
        """,
        examples=(ex('s = "())"', "1"), ex('s = ")("', "2")),
        bugs=(
            missed_edge(
                r"""
                def min_insertions(s):
                    return abs(s.count("(") - s.count(")"))
                """,
                "only compares totals",
            ),
            off_by_one(
                r"""
                def min_insertions(s):
                    open_count = 0
                    added = 0
                    for c in s[:-1]:
                        if c == "(":
                            open_count += 1
                        elif open_count:
                            open_count -= 1
                        else:
                            added += 1
                    if s and s[-1] == ")":
                        open_count = max(0, open_count - 1)
                    return added + open_count
                """,
                "special-cases the last character wrongly",
            ),
        ),
    ),
    fn(
        "Longest Valid Parentheses Substring",
        "hard",
        entry="longest_valid",
        signature="def longest_valid(s: str) -> int: ...",
        statement="""
        `s` consists of `(` and `)`. Return the length of the longest substring that is a balanced
        parentheses sequence. `0 <= len(s) <= 2 * 10**5`.
        """,
        reference=r"""
        def longest_valid(s):
            stack = [-1]
            best = 0
            for i, c in enumerate(s):
                if c == "(":
                    stack.append(i)
                else:
                    stack.pop()
                    if not stack:
                        stack.append(i)
                    else:
                        best = max(best, i - stack[-1])
            return best
        """,
        tests=r"""
        import random

        from solution import longest_valid


        def valid(t):
            d = 0
            for c in t:
                d += 1 if c == "(" else -1
                if d < 0:
                    return False
            return d == 0


        def brute(s):
            return max((j - i for i in range(len(s)) for j in range(i, len(s) + 1) if valid(s[i:j])), default=0)


        def test_example():
            assert longest_valid(")()())") == 4


        def test_open_prefix():
            assert longest_valid("(()") == 2
            assert longest_valid("((()") == 2


        def test_empty():
            assert longest_valid("") == 0
            assert longest_valid(")(") == 0


        def test_concatenated():
            assert longest_valid("()(())") == 6


        def test_random_against_brute_force():
            rng = random.Random(66)
            for _ in range(300):
                s = "".join(rng.choice("()") for _ in range(rng.randint(0, 14)))
                assert longest_valid(s) == brute(s)


        def test_large():
            s = "(" * 100000 + ")" * 99999
            assert longest_valid(s) == 199998
            assert longest_valid("()" * 100000) == 200000
        """,
        examples=(ex('s = ")()())"', "4"),),
        bugs=(
            missed_edge(
                r"""
                def longest_valid(s):
                    best = open_ = close = 0
                    for c in s:
                        if c == "(":
                            open_ += 1
                        else:
                            close += 1
                        if open_ == close:
                            best = max(best, 2 * close)
                        elif close > open_:
                            open_ = close = 0
                    return best
                """,
                "single left-to-right pass misses open prefixes",
            ),
            missed_edge(
                r"""
                def longest_valid(s):
                    n = len(s)
                    dp = [0] * n
                    for i in range(1, n):
                        if s[i] != ")":
                            continue
                        if s[i - 1] == "(":
                            dp[i] = (dp[i - 2] if i >= 2 else 0) + 2
                        else:
                            j = i - dp[i - 1] - 1
                            if j >= 0 and s[j] == "(":
                                dp[i] = dp[i - 1] + 2
                    return max(dp, default=0)
                """,
                "forgets to join with the valid block before the match",
            ),
            too_slow(
                r"""
                def longest_valid(s):
                    best = 0
                    n = len(s)
                    for i in range(n):
                        d = 0
                        for j in range(i, n):
                            d += 1 if s[j] == "(" else -1
                            if d < 0:
                                break
                            if d == 0:
                                best = max(best, j - i + 1)
                    return best
                """,
                "quadratic",
            ),
        ),
    ),
)

ANAGRAMS = family(
    "anagrams",
    "Anagrams",
    "strings",
    ("anagram", "anagrams", "counting", "hashing", "strings", "sliding window", "frequency"),
    fn(
        "Anagram Check",
        "easy",
        entry="are_anagrams",
        signature="def are_anagrams(a: str, b: str) -> bool: ...",
        statement="""
        Two phrases are anagrams when, after removing spaces and lowercasing, they contain exactly
        the same characters with the same multiplicities. Return True when `a` and `b` are anagrams.
        `0 <= len(a), len(b) <= 10**5`.
        """,
        ambiguity=(
            "Whether punctuation is ignored like spaces is not said; the tests count it. Everyday "
            "anagram puzzles ignore punctuation, so either reading is reasonable."
        ),
        reference=r"""
        from collections import Counter


        def are_anagrams(a, b):
            def norm(s):
                return Counter(s.replace(" ", "").lower())

            return norm(a) == norm(b)
        """,
        tests=r"""
        from solution import are_anagrams


        def test_example():
            assert are_anagrams("Dormitory", "dirty room") is True


        def test_multiplicity():
            assert are_anagrams("aab", "abb") is False


        def test_spaces_ignored():
            assert are_anagrams("a b c", "cba") is True


        def test_punctuation_counts():
            assert are_anagrams("ab!", "ba") is False


        def test_empty():
            assert are_anagrams("", "   ") is True
            assert are_anagrams("", "a") is False
        """,
        examples=(ex('a = "Dormitory", b = "dirty room"', "True"),),
        bugs=(
            missed_edge(
                r"""
                def are_anagrams(a, b):
                    return set(a.replace(" ", "").lower()) == set(b.replace(" ", "").lower())
                """,
                "sets lose multiplicity",
            ),
            missed_edge(
                r"""
                def are_anagrams(a, b):
                    return sorted(a.lower()) == sorted(b.lower())
                """,
                "spaces are not removed",
            ),
        ),
    ),
    fn(
        "Find Anagram Positions",
        "medium",
        entry="anagram_positions",
        signature="def anagram_positions(s: str, p: str) -> list[int]: ...",
        statement="""
        Return, in increasing order, every index `i` such that `s[i:i + len(p)]` is a rearrangement
        of `p`. `1 <= len(p)`, `0 <= len(s) <= 2 * 10**5`, lowercase letters only.
        """,
        reference=r"""
        def anagram_positions(s, p):
            m = len(p)
            if m > len(s):
                return []
            need = [0] * 26
            have = [0] * 26
            for c in p:
                need[ord(c) - 97] += 1
            out = []
            for i, c in enumerate(s):
                have[ord(c) - 97] += 1
                if i >= m:
                    have[ord(s[i - m]) - 97] -= 1
                if i >= m - 1 and have == need:
                    out.append(i - m + 1)
            return out
        """,
        tests=r"""
        import random

        from solution import anagram_positions


        def brute(s, p):
            return [i for i in range(len(s) - len(p) + 1) if sorted(s[i:i + len(p)]) == sorted(p)]


        def test_example():
            assert anagram_positions("cbaebabacd", "abc") == [0, 6]


        def test_overlapping():
            assert anagram_positions("abab", "ab") == [0, 1, 2]


        def test_last_window():
            assert anagram_positions("zzab", "ba") == [2]


        def test_pattern_longer():
            assert anagram_positions("ab", "abc") == []


        def test_random_against_brute_force():
            rng = random.Random(67)
            for _ in range(200):
                s = "".join(rng.choice("abc") for _ in range(rng.randint(0, 14)))
                p = "".join(rng.choice("abc") for _ in range(rng.randint(1, 4)))
                assert anagram_positions(s, p) == brute(s, p)


        def test_large():
            s = "ab" * 100000
            p = "ab" * 20000
            assert len(anagram_positions(s, p)) == 200000 - 40000 + 1
        """,
        examples=(ex('s = "cbaebabacd", p = "abc"', "[0, 6]"),),
        bugs=(
            off_by_one(
                r"""
                def anagram_positions(s, p):
                    m = len(p)
                    if m > len(s):
                        return []
                    need = [0] * 26
                    have = [0] * 26
                    for c in p:
                        need[ord(c) - 97] += 1
                    out = []
                    for i, c in enumerate(s):
                        have[ord(c) - 97] += 1
                        if i >= m:
                            have[ord(s[i - m]) - 97] -= 1
                        if i > m - 1 and have == need:
                            out.append(i - m + 1)
                    return out
                """,
                "never reports the first window",
            ),
            too_slow(
                r"""
                def anagram_positions(s, p):
                    m = len(p)
                    key = sorted(p)
                    return [i for i in range(len(s) - m + 1) if sorted(s[i:i + m]) == key]
                """,
                "sorts every window",
            ),
        ),
    ),
    fn(
        "Count Anagrammatic Substring Pairs",
        "hard",
        entry="anagram_pairs",
        signature="def anagram_pairs(s: str) -> int: ...",
        statement="""
        Count unordered pairs of substrings of `s` that are anagrams of each other. The two
        substrings of a pair must start at different positions (they have the same length, so they
        are different occurrences). `1 <= len(s) <= 300`, lowercase letters.
        """,
        reference=r"""
        def anagram_pairs(s):
            n = len(s)
            total = 0
            for length in range(1, n):
                seen = {}
                counts = [0] * 26
                for c in s[:length]:
                    counts[ord(c) - 97] += 1
                key = tuple(counts)
                seen[key] = 1
                for i in range(length, n):
                    counts[ord(s[i]) - 97] += 1
                    counts[ord(s[i - length]) - 97] -= 1
                    key = tuple(counts)
                    c = seen.get(key, 0)
                    total += c
                    seen[key] = c + 1
            return total
        """,
        tests=r"""
        import random

        from solution import anagram_pairs


        def brute(s):
            n = len(s)
            total = 0
            for L in range(1, n + 1):
                subs = [sorted(s[i:i + L]) for i in range(n - L + 1)]
                for i in range(len(subs)):
                    for j in range(i + 1, len(subs)):
                        if subs[i] == subs[j]:
                            total += 1
            return total


        def test_example():
            assert anagram_pairs("abba") == 4


        def test_no_pairs():
            assert anagram_pairs("abcd") == 0


        def test_uniform():
            assert anagram_pairs("aaa") == 4


        def test_single():
            assert anagram_pairs("z") == 0


        def test_random_against_brute_force():
            rng = random.Random(68)
            for _ in range(60):
                s = "".join(rng.choice("abc") for _ in range(rng.randint(1, 10)))
                assert anagram_pairs(s) == brute(s)


        def test_large():
            assert anagram_pairs("a" * 300) == sum((300 - L + 1) * (300 - L) // 2 for L in range(1, 301))
            assert anagram_pairs("ab" * 150) == 3363675
        """,
        examples=(ex('s = "abba"', "4", '("a","a"), ("b","b"), ("ab","ba"), ("abb","bba").'),),
        bugs=(
            off_by_one(
                r"""
                def anagram_pairs(s):
                    n = len(s)
                    total = 0
                    for length in range(1, n - 1):
                        seen = {}
                        for i in range(n - length + 1):
                            key = "".join(sorted(s[i:i + length]))
                            total += seen.get(key, 0)
                            seen[key] = seen.get(key, 0) + 1
                    return total
                """,
                "skips the longest lengths",
            ),
            too_slow(
                r"""
                def anagram_pairs(s):
                    n = len(s)
                    subs = [(j - i, sorted(s[i:j])) for i in range(n) for j in range(i + 1, n + 1)]
                    total = 0
                    for a in range(len(subs)):
                        la, ka = subs[a]
                        for b in range(a + 1, len(subs)):
                            if subs[b][0] == la and subs[b][1] == ka:
                                total += 1
                    return total
                """,
                "compares every pair of substrings",
            ),
        ),
    ),
)

FAMILIES = (PALINDROMES, PATTERNS, BRACKETS, ANAGRAMS)
