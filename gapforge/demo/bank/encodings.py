"""Encodings and representations: number bases, run-length coding, Roman numerals, dates."""

from __future__ import annotations

from gapforge.demo.bank.schema import cases, ex, family, fn, io, missed_edge, off_by_one, too_slow

BASES = family(
    "base_conversion",
    "Number bases",
    "encodings",
    ("base", "bases", "binary", "conversion", "encoding", "encodings", "number systems", "negabinary"),
    io(
        "Decimal To Binary",
        "easy",
        contract="""
        Input: a line with Q (1 <= Q <= 10**4), then Q lines each with an integer n,
        |n| <= 10**18. Output: Q lines, the binary representation of each n without leading zeros
        (0 is "0"; negative numbers get a leading "-").
        """,
        statement="""
        Print the base-2 representation of each given integer.
        """,
        reference=r"""
        import sys

        data = sys.stdin.read().split()
        q = int(data[0])
        out = []
        for tok in data[1:q + 1]:
            n = int(tok)
            out.append(("-" if n < 0 else "") + format(abs(n), "b"))
        print("\n".join(out))
        """,
        tests=cases(
            ("3\n5\n0\n8\n", "101\n0\n1000\n"),
            ("1\n-6\n", "-110\n"),
            (
                "2\n1\n1000000000000000000\n",
                "1\n110111100000101101101011001110100111011001000000000000000000\n",
            ),
            ("1\n0\n", "0\n"),
            ("4\n-1\n2\n3\n-1024\n", "-1\n10\n11\n-10000000000\n"),
        ),
        examples=(ex("3\n5\n0\n8", "101\n0\n1000"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                q = int(data[0])
                for tok in data[1:q + 1]:
                    n = abs(int(tok))
                    digits = ""
                    while n:
                        digits = str(n % 2) + digits
                        n //= 2
                    print(("-" if tok.startswith("-") else "") + digits)
                """,
                "zero prints an empty line",
            ),
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                q = int(data[0])
                for tok in data[1:q + 1]:
                    print(bin(int(tok))[2:])
                """,
                "negative numbers come out as 'b...'",
            ),
        ),
    ),
    io(
        "Convert Between Bases",
        "medium",
        contract="""
        Input: a line with Q (1 <= Q <= 1000), then Q lines "digits from to" where 2 <= from, to
        <= 36 and digits is a non-negative number in base `from` with up to 100 digits from
        0-9 and letters A-Z (either case; A = 10). Output: Q lines, the number in base `to` using
        upper-case letters and no leading zeros (0 is "0").
        """,
        statement="""
        Convert each number from one base to another.
        """,
        reference=r"""
        import sys

        DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        data = sys.stdin.read().split()
        q = int(data[0])
        out = []
        for i in range(q):
            s, a, b = data[1 + 3 * i], int(data[2 + 3 * i]), int(data[3 + 3 * i])
            n = int(s, a)
            if n == 0:
                out.append("0")
                continue
            res = []
            while n:
                n, r = divmod(n, b)
                res.append(DIGITS[r])
            out.append("".join(reversed(res)))
        print("\n".join(out))
        """,
        tests=cases(
            ("2\nFF 16 2\n777 8 10\n", "11111111\n511\n"),
            ("1\nff 16 10\n", "255\n"),
            ("1\n0 10 36\n", "0\n"),
            ("1\n000101 2 10\n", "5\n"),
            ("1\nZZ 36 10\n", "1295\n"),
            (
                "1\n123456789012345678901234567890 10 36\n",
                "BYW97UM9S91DLZ68TSI\n",
            ),
        ),
        examples=(ex("2\nFF 16 2\n777 8 10", "11111111\n511"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                data = sys.stdin.read().split()
                q = int(data[0])
                for i in range(q):
                    s, a, b = data[1 + 3 * i], int(data[2 + 3 * i]), int(data[3 + 3 * i])
                    n = 0
                    for c in s:
                        n = n * a + DIGITS.index(c)
                    res = ""
                    while n:
                        n, r = divmod(n, b)
                        res = DIGITS[r] + res
                    print(res or "0")
                """,
                "lower-case digits are not accepted",
            ),
            missed_edge(
                r"""
                import sys

                DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                data = sys.stdin.read().split()
                q = int(data[0])
                for i in range(q):
                    s, a, b = data[1 + 3 * i], int(data[2 + 3 * i]), int(data[3 + 3 * i])
                    n = int(s, a)
                    res = ""
                    while n:
                        n, r = divmod(n, b)
                        res = DIGITS[r] + res
                    print(res)
                """,
                "zero prints an empty line",
            ),
        ),
    ),
    io(
        "Add Negabinary Numbers",
        "hard",
        contract="""
        Input: a line with Q (1 <= Q <= 1000), then Q lines "a b" where a and b are numbers written
        in base -2 (digits 0/1, most significant first, no leading zeros except the number "0"),
        each at most 64 digits. Output: Q lines, a + b written in base -2 the same way.
        """,
        statement="""
        In base -2 the digit at position i is worth (-2)**i, so "110" is 4 - 2 = 2 and "11" is -1.
        Every integer has exactly one such representation. Add the pairs.
        """,
        reference=r"""
        import sys


        def value(s):
            v = 0
            for c in s:
                v = v * -2 + int(c)
            return v


        def encode(n):
            if n == 0:
                return "0"
            digits = []
            while n:
                r = n % 2
                digits.append(str(r))
                n = (n - r) // -2
            return "".join(reversed(digits))


        data = sys.stdin.read().split()
        q = int(data[0])
        print("\n".join(encode(value(data[1 + 2 * i]) + value(data[2 + 2 * i])) for i in range(q)))
        """,
        tests=cases(
            ("2\n110 1\n11 1\n", "111\n0\n"),
            ("1\n0 0\n", "0\n"),
            ("1\n1 1\n", "110\n"),
            ("1\n11 11\n", "10\n"),
            ("3\n1101 10\n101 11111\n10 10\n", "1111\n10000\n1100\n"),
            (
                "1\n1" + "0" * 63 + " 1" + "0" * 62 + "\n",
                "11" + "0" * 62 + "\n",
            ),
        ),
        examples=(ex("2\n110 1\n11 1", "111\n0", "2 + 1 = 3 and -1 + 1 = 0."),),
        bugs=(
            missed_edge(
                r"""
                import sys


                def value(s):
                    v = 0
                    for c in s:
                        v = v * -2 + int(c)
                    return v


                def encode(n):
                    digits = []
                    while n:
                        r = n % 2
                        digits.append(str(r))
                        n = (n - r) // -2
                    return "".join(reversed(digits))


                data = sys.stdin.read().split()
                q = int(data[0])
                print("\n".join(encode(value(data[1 + 2 * i]) + value(data[2 + 2 * i])) for i in range(q)))
                """,
                "a zero sum prints nothing",
            ),
            missed_edge(
                r"""
                import sys


                def value(s):
                    v = 0
                    for c in s:
                        v = v * -2 + int(c)
                    return v


                def encode(n):
                    if n == 0:
                        return "0"
                    digits = []
                    while n:
                        r = n % -2
                        digits.append(str(abs(r)))
                        n //= -2
                    return "".join(reversed(digits))


                data = sys.stdin.read().split()
                q = int(data[0])
                print("\n".join(encode(value(data[1 + 2 * i]) + value(data[2 + 2 * i])) for i in range(q)))
                """,
                "Python's remainder with a negative divisor is not a digit",
            ),
        ),
    ),
)


def _rle_case() -> tuple[str, str]:
    runs = [((i * 7919) % 997 + 1, "abcdefghij"[i % 10]) for i in range(12)]
    encoded = "".join(f"{n}{c}" for n, c in runs)
    return encoded + "\n", "".join(c * n for n, c in runs) + "\n"


RUN_LENGTH = family(
    "run_length",
    "Run-length coding",
    "encodings",
    ("run length", "compression", "encoding", "encodings", "decoding", "strings", "stack"),
    io(
        "Run-Length Encode",
        "easy",
        contract="""
        Input: one line with a string s of lowercase letters (0 <= len(s) <= 10**5; the line may be
        empty). Output: one line with the encoding: for each maximal run, its length followed by
        the letter (the empty string encodes to an empty line).
        """,
        statement="""
        Run-length encode a string: "aaabcc" becomes "3a1b2c".
        """,
        reference=r"""
        import sys

        s = sys.stdin.readline().strip()
        out = []
        i = 0
        while i < len(s):
            j = i
            while j < len(s) and s[j] == s[i]:
                j += 1
            out.append(f"{j - i}{s[i]}")
            i = j
        print("".join(out))
        """,
        tests=cases(
            ("aaabcc\n", "3a1b2c\n"),
            ("\n", "\n"),
            ("z\n", "1z\n"),
            ("abab\n", "1a1b1a1b\n"),
            ("qqqqqqqqqqqq\n", "12q\n"),
        ),
        examples=(ex("aaabcc", "3a1b2c"),),
        bugs=(
            off_by_one(
                r"""
                import sys

                s = sys.stdin.readline().strip()
                out = []
                count = 1
                for i in range(1, len(s)):
                    if s[i] == s[i - 1]:
                        count += 1
                    else:
                        out.append(f"{count}{s[i - 1]}")
                        count = 1
                print("".join(out))
                """,
                "never flushes the last run",
            ),
            missed_edge(
                r"""
                import sys

                s = sys.stdin.readline().strip()
                out = []
                prev, count = s[0], 0
                for c in s:
                    if c == prev:
                        count += 1
                    else:
                        out.append(f"{count}{prev}")
                        prev, count = c, 1
                out.append(f"{count}{prev}")
                print("".join(out))
                """,
                "crashes on the empty string",
            ),
        ),
    ),
    io(
        "Run-Length Decode",
        "medium",
        contract="""
        Input: one line with an encoding made of pairs "count letter" where count is a decimal
        number between 1 and 10**5 (possibly several digits) and letter is lowercase. The decoded
        length is at most 10**6. Output: the decoded string on one line.
        """,
        statement="""
        Decode a run-length encoding: "12a3b" becomes twelve a's followed by three b's.
        """,
        reference=r"""
        import sys

        s = sys.stdin.readline().strip()
        out = []
        num = 0
        for c in s:
            if c.isdigit():
                num = num * 10 + int(c)
            else:
                out.append(c * num)
                num = 0
        print("".join(out))
        """,
        tests=cases(
            ("3a1b2c\n", "aaabcc\n"),
            ("12a3b\n", "aaaaaaaaaaaabbb\n"),
            ("1z\n", "z\n"),
            ("10x1y10x\n", "xxxxxxxxxxyxxxxxxxxxx\n"),
            ("1000q\n", "q" * 1000 + "\n"),
            _rle_case(),
        ),
        examples=(ex("12a3b", "aaaaaaaaaaaabbb"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                s = sys.stdin.readline().strip()
                out = []
                for i in range(0, len(s), 2):
                    out.append(s[i + 1] * int(s[i]))
                print("".join(out))
                """,
                "assumes one-digit counts",
            ),
            off_by_one(
                r"""
                import sys

                s = sys.stdin.readline().strip()
                out = []
                num = 0
                for c in s:
                    if c.isdigit():
                        num = num * 10 + int(c)
                    else:
                        out.append(c * (num - 1) if num > 1 else c)
                        num = 0
                print("".join(out))
                """,
                "repeats one time too few",
            ),
        ),
    ),
    io(
        "Index Into A Nested Repetition",
        "hard",
        contract="""
        Input: line 1 is an encoded string over lowercase letters, digits and brackets, up to
        10**5 characters, where `k[X]` means X repeated k times (1 <= k <= 10**9, possibly several
        digits) and brackets nest. Line 2 has Q (1 <= Q <= 1000); the next Q lines each hold an
        index i (0-based). Output: first a line with the decoded length L, then for every query
        the character at position i, or "-" if i >= L. L can be as large as 10**18 and beyond.
        """,
        statement="""
        Do not build the decoded string: "3[a2[bc]]" decodes to "abcbcabcbcabcbc" (length 15), and
        real inputs decode to far more characters than fit in memory.
        """,
        expert=True,
        reference=r"""
        import bisect
        import sys

        lines = sys.stdin.read().split("\n")
        text = lines[0].strip()
        q = int(lines[1])
        queries = [int(x) for x in lines[2:2 + q]]

        # node = [items, prefix_lengths]; item = (literal_str, None, 0) or (None, child, times)
        root = [[], []]
        stack = []
        node = root
        i = 0
        while i < len(text):
            c = text[i]
            if c.isdigit():
                j = i
                while text[j].isdigit():
                    j += 1
                times = int(text[i:j])
                child = [[], []]
                node[0].append((None, child, times))
                stack.append(node)
                node = child
                i = j + 1
                continue
            if c == "]":
                node = stack.pop()
            else:
                j = i
                while j < len(text) and text[j].isalpha():
                    j += 1
                node[0].append((text[i:j], None, 0))
                i = j
                continue
            i += 1

        # lengths bottom-up without recursion
        order = []
        todo = [root]
        while todo:
            n = todo.pop()
            order.append(n)
            for lit, child, _ in n[0]:
                if child is not None:
                    todo.append(child)
        length = {}
        for n in reversed(order):
            acc = 0
            pre = []
            for lit, child, times in n[0]:
                acc += len(lit) if child is None else length[id(child)] * times
                pre.append(acc)
            n[1] = pre
            length[id(n)] = acc

        total = length[id(root)]
        out = [str(total)]
        for k in queries:
            if k >= total:
                out.append("-")
                continue
            n = root
            while True:
                pos = bisect.bisect_right(n[1], k)
                before = n[1][pos - 1] if pos else 0
                k -= before
                lit, child, times = n[0][pos]
                if child is None:
                    out.append(lit[k])
                    break
                k %= length[id(child)]
                n = child
        print("\n".join(out))
        """,
        tests=cases(
            ("3[a2[bc]]\n3\n0\n2\n14\n", "15\na\nc\nc\n"),
            ("ab2[c]d\n2\n4\n5\n", "5\nd\n-\n"),
            ("12[x]y\n2\n11\n12\n", "13\nx\ny\n"),
            ("2[a]2[b]\n4\n0\n1\n2\n3\n", "4\na\na\nb\nb\n"),
            (
                "1000000000[1000000000[ab]c]d\n3\n1999999999\n2000000000\n2000000001000000000\n",
                "2000000001000000001\nb\nc\nd\n",
            ),
            (
                "abc" + "9[" * 18 + "x" + "]" * 18 + "z\n2\n3\n150094635296999124\n",
                "150094635296999125\nx\nz\n",
            ),
        ),
        examples=(ex("3[a2[bc]]\n3\n0\n2\n14", "15\na\nc\nc"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                lines = sys.stdin.read().split("\n")
                text = lines[0].strip()
                q = int(lines[1])
                queries = [int(x) for x in lines[2:2 + q]]


                def parse(i):
                    items = []
                    while i < len(text) and text[i] != "]":
                        c = text[i]
                        if c.isdigit():
                            times = int(c)
                            child, i = parse(i + 2)
                            items.append((None, child, times))
                            i += 1
                        else:
                            items.append((c, None, 0))
                            i += 1
                    return items, i


                def size(items):
                    return sum(1 if child is None else size(child) * t for lit, child, t in items)


                def at(items, k):
                    for lit, child, t in items:
                        if child is None:
                            if k == 0:
                                return lit
                            k -= 1
                        else:
                            s = size(child)
                            if k < s * t:
                                return at(child, k % s)
                            k -= s * t
                    return "-"


                root, _ = parse(0)
                total = size(root)
                print(total)
                for k in queries:
                    print(at(root, k) if k < total else "-")
                """,
                "repeat counts are read as a single digit",
            ),
            too_slow(
                r"""
                import itertools
                import sys

                lines = sys.stdin.read().split("\n")
                text = lines[0].strip()
                q = int(lines[1])
                queries = [int(x) for x in lines[2:2 + q]]


                def parse(i):
                    items = []
                    while i < len(text) and text[i] != "]":
                        if text[i].isdigit():
                            j = i
                            while text[j].isdigit():
                                j += 1
                            child, end = parse(j + 1)
                            items.append(("rep", (int(text[i:j]), child)))
                            i = end + 1
                        else:
                            items.append(("lit", text[i]))
                            i += 1
                    return items, i


                def stream(items):
                    for kind, val in items:
                        if kind == "lit":
                            yield val
                        else:
                            times, child = val
                            for _ in range(times):
                                yield from stream(child)


                root, _ = parse(0)
                total = sum(1 for _ in stream(root))
                print(total)
                for k in queries:
                    print(next(itertools.islice(stream(root), k, k + 1), "-"))
                """,
                "walks the decoded stream character by character",
            ),
        ),
    ),
)

ROMAN = family(
    "roman_numerals",
    "Roman numerals",
    "encodings",
    ("roman", "numerals", "conversion", "encoding", "encodings", "strings", "parsing", "validation"),
    fn(
        "Roman Numeral To Integer",
        "easy",
        entry="roman_to_int",
        signature="def roman_to_int(s: str) -> int: ...",
        statement="""
        Convert a valid Roman numeral (value 1 to 3999, symbols I V X L C D M) to an integer.
        A smaller symbol placed before a larger one is subtracted (IV = 4, XC = 90, CM = 900).
        """,
        reference=r"""
        def roman_to_int(s):
            val = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
            total = 0
            for i, c in enumerate(s):
                v = val[c]
                if i + 1 < len(s) and val[s[i + 1]] > v:
                    total -= v
                else:
                    total += v
            return total
        """,
        tests=r"""
        from solution import roman_to_int


        def test_example():
            assert roman_to_int("MCMXCIV") == 1994


        def test_subtractive():
            assert roman_to_int("IV") == 4
            assert roman_to_int("XL") == 40
            assert roman_to_int("CD") == 400


        def test_additive():
            assert roman_to_int("VIII") == 8
            assert roman_to_int("MMM") == 3000


        def test_single():
            assert roman_to_int("I") == 1


        def test_max():
            assert roman_to_int("MMMCMXCIX") == 3999
        """,
        examples=(ex('s = "MCMXCIV"', "1994"),),
        bugs=(
            missed_edge(
                r"""
                def roman_to_int(s):
                    val = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
                    return sum(val[c] for c in s)
                """,
                "ignores subtractive notation",
            ),
            off_by_one(
                r"""
                def roman_to_int(s):
                    val = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
                    total = 0
                    for i in range(len(s) - 1):
                        if val[s[i + 1]] > val[s[i]]:
                            total -= val[s[i]]
                        else:
                            total += val[s[i]]
                    return total
                """,
                "drops the last symbol",
            ),
        ),
    ),
    fn(
        "Integer To Roman Numeral",
        "medium",
        entry="int_to_roman",
        signature="def int_to_roman(n: int) -> str: ...",
        statement="""
        Write `n` (1 <= n <= 3999) as a standard Roman numeral, using the subtractive forms IV,
        IX, XL, XC, CD and CM and never four identical symbols in a row.
        """,
        reference=r"""
        def int_to_roman(n):
            table = [
                (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
            ]
            out = []
            for v, sym in table:
                while n >= v:
                    out.append(sym)
                    n -= v
            return "".join(out)
        """,
        tests=r"""
        from solution import int_to_roman


        def test_example():
            assert int_to_roman(1994) == "MCMXCIV"


        def test_fours_and_nines():
            assert int_to_roman(4) == "IV"
            assert int_to_roman(9) == "IX"
            assert int_to_roman(40) == "XL"
            assert int_to_roman(90) == "XC"
            assert int_to_roman(400) == "CD"
            assert int_to_roman(900) == "CM"


        def test_simple():
            assert int_to_roman(3) == "III"
            assert int_to_roman(58) == "LVIII"


        def test_max():
            assert int_to_roman(3999) == "MMMCMXCIX"


        def test_round_trip_lengths():
            assert sum(len(int_to_roman(n)) for n in range(1, 4000)) == 30000
        """,
        examples=(ex("n = 1994", '"MCMXCIV"'),),
        bugs=(
            missed_edge(
                r"""
                def int_to_roman(n):
                    table = [(1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I")]
                    out = []
                    for v, sym in table:
                        while n >= v:
                            out.append(sym)
                            n -= v
                    return "".join(out)
                """,
                "no subtractive forms",
            ),
            missed_edge(
                r"""
                def int_to_roman(n):
                    table = [
                        (1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (9, "IX"),
                        (5, "V"), (4, "IV"), (1, "I"),
                    ]
                    out = []
                    for v, sym in table:
                        while n >= v:
                            out.append(sym)
                            n -= v
                    return "".join(out)
                """,
                "only IV and IX",
            ),
        ),
    ),
    fn(
        "Validate A Roman Numeral",
        "hard",
        entry="parse_roman",
        signature="def parse_roman(s: str) -> int: ...",
        statement="""
        Return the value of `s` if it is a valid Roman numeral, otherwise -1. Use the symbols
        I V X L C D M with their usual values and subtractive notation. `0 <= len(s) <= 20`.
        """,
        ambiguity=(
            "'Valid' is not defined: the tests accept only the canonical form (values 1..3999, no "
            "IIII, no IL or IC, no empty string), but clock faces use IIII and medieval texts use "
            "other subtractive pairs, so other readings are reasonable."
        ),
        reference=r"""
        def parse_roman(s):
            table = [
                (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
            ]
            val = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
            if not s or any(c not in val for c in s):
                return -1
            total = 0
            for i, c in enumerate(s):
                v = val[c]
                total += -v if i + 1 < len(s) and val[s[i + 1]] > v else v
            if not 1 <= total <= 3999:
                return -1
            n, out = total, []
            for v, sym in table:
                while n >= v:
                    out.append(sym)
                    n -= v
            return total if "".join(out) == s else -1
        """,
        tests=r"""
        from solution import parse_roman


        def test_example():
            assert parse_roman("MCMXCIV") == 1994
            assert parse_roman("IIII") == -1


        def test_invalid_subtractive_pairs():
            assert parse_roman("IL") == -1
            assert parse_roman("IC") == -1
            assert parse_roman("VX") == -1


        def test_bad_input():
            assert parse_roman("") == -1
            assert parse_roman("ABC") == -1
            assert parse_roman("MMMM") == -1


        def test_valid():
            assert parse_roman("XLII") == 42
            assert parse_roman("MMMCMXCIX") == 3999


        def test_repetition_rules():
            assert parse_roman("XXX") == 30
            assert parse_roman("VV") == -1
            assert parse_roman("IXI") == -1
        """,
        examples=(ex('s = "MCMXCIV"', "1994"), ex('s = "IIII"', "-1")),
        bugs=(
            missed_edge(
                r"""
                import re


                def parse_roman(s):
                    val = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
                    if not s or not re.fullmatch(r"[IVXLCDM]+", s) or re.search(r"(.)\1\1\1", s):
                        return -1
                    total = 0
                    for i, c in enumerate(s):
                        v = val[c]
                        total += -v if i + 1 < len(s) and val[s[i + 1]] > v else v
                    return total if 1 <= total <= 3999 else -1
                """,
                "accepts IL, VV and other non-canonical forms",
            ),
            missed_edge(
                r"""
                def parse_roman(s):
                    val = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
                    if not s or any(c not in val for c in s):
                        return -1
                    total = 0
                    for i, c in enumerate(s):
                        v = val[c]
                        total += -v if i + 1 < len(s) and val[s[i + 1]] > v else v
                    return total
                """,
                "no validation beyond the alphabet",
            ),
        ),
    ),
)

DATES = family(
    "dates",
    "Dates and calendars",
    "dates",
    ("date", "dates", "calendar", "calendars", "leap year", "weekday", "time"),
    fn(
        "Day Of The Year",
        "easy",
        entry="day_of_year",
        signature="def day_of_year(date: str) -> int: ...",
        statement="""
        `date` is "YYYY-MM-DD" in the Gregorian calendar (years 1..9999). Return its day number
        within its year (January 1st is 1). A year is a leap year when it is divisible by 4,
        except years divisible by 100 that are not divisible by 400.
        """,
        reference=r"""
        def day_of_year(date):
            y, m, d = map(int, date.split("-"))
            leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
            days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            return sum(days[:m - 1]) + d
        """,
        tests=r"""
        from solution import day_of_year


        def test_example():
            assert day_of_year("2019-02-10") == 41


        def test_leap_years():
            assert day_of_year("2020-03-01") == 61
            assert day_of_year("2000-12-31") == 366


        def test_century_non_leap():
            assert day_of_year("1900-03-01") == 60


        def test_first_day():
            assert day_of_year("0001-01-01") == 1


        def test_end_of_year():
            assert day_of_year("2023-12-31") == 365
        """,
        examples=(ex('date = "2019-02-10"', "41"),),
        bugs=(
            missed_edge(
                r"""
                def day_of_year(date):
                    y, m, d = map(int, date.split("-"))
                    days = [31, 29 if y % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
                    return sum(days[:m - 1]) + d
                """,
                "every fourth year is leap",
            ),
            off_by_one(
                r"""
                def day_of_year(date):
                    y, m, d = map(int, date.split("-"))
                    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
                    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
                    return sum(days[:m - 1]) + d - 1
                """,
                "counts from zero",
            ),
        ),
    ),
    fn(
        "Days Between Two Dates",
        "medium",
        entry="days_between",
        signature="def days_between(a: str, b: str) -> int: ...",
        statement="""
        Return the absolute number of days between two Gregorian dates "YYYY-MM-DD" (years 1..9999):
        0 for the same date, 1 for consecutive days.
        """,
        reference=r"""
        def _ordinal(s):
            y, m, d = map(int, s.split("-"))
            yy = y - 1
            days = yy * 365 + yy // 4 - yy // 100 + yy // 400
            leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
            month = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            return days + sum(month[:m - 1]) + d


        def days_between(a, b):
            return abs(_ordinal(a) - _ordinal(b))
        """,
        tests=r"""
        import datetime
        import random

        from solution import days_between


        def test_example():
            assert days_between("2020-01-15", "2019-12-31") == 15


        def test_same_day():
            assert days_between("2021-06-01", "2021-06-01") == 0


        def test_leap_century():
            assert days_between("1900-02-28", "1900-03-01") == 1
            assert days_between("2000-02-28", "2000-03-01") == 2


        def test_extremes():
            assert days_between("0001-01-01", "9999-12-31") == 3652058


        def test_random_against_datetime():
            rng = random.Random(81)
            for _ in range(300):
                a = datetime.date.fromordinal(rng.randint(1, 3652059))
                b = datetime.date.fromordinal(rng.randint(1, 3652059))
                fa, fb = a.strftime("%Y-%m-%d").zfill(10), b.strftime("%Y-%m-%d").zfill(10)
                assert days_between(fa, fb) == abs((a - b).days)
        """,
        examples=(ex('a = "2020-01-15", b = "2019-12-31"', "15"),),
        bugs=(
            missed_edge(
                r"""
                def _ordinal(s):
                    y, m, d = map(int, s.split("-"))
                    yy = y - 1
                    days = yy * 365 + yy // 4
                    month = [31, 29 if y % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
                    return days + sum(month[:m - 1]) + d


                def days_between(a, b):
                    return abs(_ordinal(a) - _ordinal(b))
                """,
                "Julian leap rule",
            ),
            off_by_one(
                r"""
                import datetime


                def days_between(a, b):
                    da = datetime.date(*map(int, a.split("-")))
                    db = datetime.date(*map(int, b.split("-")))
                    return abs((da - db).days) + 1
                """,
                "counts both end points",
            ),
        ),
    ),
    fn(
        "Count Friday The Thirteenths",
        "hard",
        entry="count_friday_13",
        signature="def count_friday_13(start: str, end: str) -> int: ...",
        statement="""
        Count the dates that are a Friday and the 13th day of their month, between `start` and `end`
        inclusive ("YYYY-MM-DD", proleptic Gregorian calendar, years 1..9999, start <= end).
        0001-01-01 was a Monday.
        """,
        reference=r"""
        def count_friday_13(start, end):
            def ordinal(y, m, d):
                yy = y - 1
                leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
                month = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
                return yy * 365 + yy // 4 - yy // 100 + yy // 400 + sum(month[:m - 1]) + d

            sy, sm, sd = map(int, start.split("-"))
            ey, em, ed = map(int, end.split("-"))
            lo, hi = ordinal(sy, sm, sd), ordinal(ey, em, ed)
            count = 0
            for y in range(sy, ey + 1):
                for m in range(1, 13):
                    o = ordinal(y, m, 13)
                    # ordinal 1 is a Monday, so ordinal % 7 == 5 is a Friday
                    if lo <= o <= hi and o % 7 == 5:
                        count += 1
            return count
        """,
        tests=r"""
        import datetime
        import random

        from solution import count_friday_13


        def brute(a, b):
            lo = datetime.date(*map(int, a.split("-"))).toordinal()
            hi = datetime.date(*map(int, b.split("-"))).toordinal()
            n = 0
            for o in range(lo, hi + 1):
                d = datetime.date.fromordinal(o)
                if d.day == 13 and d.weekday() == 4:
                    n += 1
            return n


        def test_example():
            assert count_friday_13("2015-01-01", "2015-12-31") == 3


        def test_inclusive_bounds():
            assert count_friday_13("2015-02-13", "2015-02-13") == 1
            assert count_friday_13("2015-02-14", "2015-03-12") == 0


        def test_leap_century():
            assert count_friday_13("1900-01-01", "1900-12-31") == brute("1900-01-01", "1900-12-31")
            assert count_friday_13("2000-01-01", "2000-12-31") == brute("2000-01-01", "2000-12-31")


        def test_random_ranges():
            rng = random.Random(82)
            for _ in range(20):
                a = rng.randint(1, 3650000)
                b = a + rng.randint(0, 2000)
                fa = datetime.date.fromordinal(a).strftime("%Y-%m-%d").zfill(10)
                fb = datetime.date.fromordinal(b).strftime("%Y-%m-%d").zfill(10)
                assert count_friday_13(fa, fb) == brute(fa, fb)


        def test_whole_calendar():
            assert count_friday_13("0001-01-01", "9999-12-31") == 17199
        """,
        examples=(ex('start = "2015-01-01", end = "2015-12-31"', "3", "February, March and November."),),
        bugs=(
            off_by_one(
                r"""
                import datetime


                def count_friday_13(start, end):
                    a = datetime.date(*map(int, start.split("-")))
                    b = datetime.date(*map(int, end.split("-")))
                    count = 0
                    for y in range(a.year, b.year + 1):
                        for m in range(1, 13):
                            d = datetime.date(y, m, 13)
                            if a <= d < b and d.weekday() == 4:
                                count += 1
                    return count
                """,
                "excludes the end date",
            ),
            missed_edge(
                r"""
                def count_friday_13(start, end):
                    def weekday(y, m, d):
                        # Zeller's congruence without moving January and February to the previous year
                        k, j = y % 100, y // 100
                        h = (d + 13 * (m + 1) // 5 + k + k // 4 + j // 4 + 5 * j) % 7
                        return (h + 5) % 7

                    sy, sm, sd = map(int, start.split("-"))
                    ey, em, ed = map(int, end.split("-"))
                    count = 0
                    for y in range(sy, ey + 1):
                        for m in range(1, 13):
                            if (y, m, 13) < (sy, sm, sd) or (y, m, 13) > (ey, em, ed):
                                continue
                            if weekday(y, m, 13) == 4:
                                count += 1
                    return count
                """,
                "Zeller's formula misapplied to January and February",
            ),
        ),
    ),
)

FAMILIES = (BASES, RUN_LENGTH, ROMAN, DATES)
