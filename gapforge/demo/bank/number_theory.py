"""Number theory and counting: primes, gcd/lcm, Fibonacci, digits, binomial coefficients."""

from __future__ import annotations

from gapforge.demo.bank.schema import ex, family, fn, missed_edge, off_by_one, too_slow

PRIMES = family(
    "primes",
    "Primes",
    "number theory",
    ("prime", "primes", "sieve", "number theory", "math", "divisibility"),
    fn(
        "Primality Test",
        "easy",
        entry="is_prime",
        signature="def is_prime(n: int) -> bool: ...",
        statement="""
        Return True when `n` is a prime number. `0 <= n <= 10**12`; each call must finish in well
        under a second.
        """,
        reference=r"""
        def is_prime(n):
            if n < 2:
                return False
            if n % 2 == 0:
                return n == 2
            d = 3
            while d * d <= n:
                if n % d == 0:
                    return False
                d += 2
            return True
        """,
        tests=r"""
        from solution import is_prime


        def test_example():
            assert is_prime(7) is True
            assert is_prime(9) is False


        def test_small_values():
            assert [n for n in range(30) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]


        def test_squares_of_primes():
            for p in (2, 3, 5, 7, 101, 997):
                assert is_prime(p * p) is False


        def test_large_prime():
            assert is_prime(999999999989) is True


        def test_large_composite():
            assert is_prime(999999999989 * 1 + 2) is False
            assert is_prime(999983 * 999979) is False
        """,
        examples=(ex("n = 7", "True"), ex("n = 9", "False")),
        bugs=(
            missed_edge(
                r"""
                def is_prime(n):
                    if n % 2 == 0:
                        return n == 2
                    d = 3
                    while d * d <= n:
                        if n % d == 0:
                            return False
                        d += 2
                    return True
                """,
                "0 and 1 are reported prime",
            ),
            off_by_one(
                r"""
                def is_prime(n):
                    if n < 2:
                        return False
                    for d in range(2, int(n ** 0.5)):
                        if n % d == 0:
                            return False
                    return True
                """,
                "stops before the square root: squares of primes pass",
            ),
        ),
    ),
    fn(
        "Count Primes Below N",
        "medium",
        entry="count_primes",
        signature="def count_primes(n: int) -> int: ...",
        statement="""
        Return the number of primes strictly less than `n`. `0 <= n <= 5 * 10**6`.
        """,
        reference=r"""
        def count_primes(n):
            if n < 3:
                return 0
            sieve = bytearray([1]) * n
            sieve[0] = sieve[1] = 0
            i = 2
            while i * i < n:
                if sieve[i]:
                    sieve[i * i::i] = bytes(len(range(i * i, n, i)))
                i += 1
            return sum(sieve)
        """,
        tests=r"""
        from solution import count_primes


        def test_example():
            assert count_primes(10) == 4


        def test_strictly_below():
            assert count_primes(11) == 4
            assert count_primes(12) == 5


        def test_tiny():
            assert count_primes(0) == 0
            assert count_primes(1) == 0
            assert count_primes(2) == 0
            assert count_primes(3) == 1


        def test_medium():
            assert count_primes(1000) == 168


        def test_large():
            assert count_primes(5 * 10**6) == 348513
        """,
        examples=(ex("n = 10", "4", "2, 3, 5 and 7."),),
        bugs=(
            off_by_one(
                r"""
                def count_primes(n):
                    if n < 2:
                        return 0
                    sieve = bytearray([1]) * (n + 1)
                    sieve[0] = sieve[1] = 0
                    i = 2
                    while i * i <= n:
                        if sieve[i]:
                            sieve[i * i::i] = bytes(len(range(i * i, n + 1, i)))
                        i += 1
                    return sum(sieve)
                """,
                "counts primes up to and including n",
            ),
            too_slow(
                r"""
                def count_primes(n):
                    count = 0
                    for m in range(2, n):
                        d = 2
                        prime = True
                        while d * d <= m:
                            if m % d == 0:
                                prime = False
                                break
                            d += 1
                        count += prime
                    return count
                """,
                "trial division of every number",
            ),
            missed_edge(
                r"""
                def count_primes(n):
                    sieve = bytearray([1]) * n
                    sieve[0] = sieve[1] = 0
                    i = 2
                    while i * i < n:
                        if sieve[i]:
                            sieve[i * i::i] = bytes(len(range(i * i, n, i)))
                        i += 1
                    return sum(sieve)
                """,
                "crashes for n < 2",
            ),
        ),
    ),
    fn(
        "Primes In A Far Range",
        "hard",
        entry="primes_in_range",
        signature="def primes_in_range(lo: int, hi: int) -> int: ...",
        statement="""
        Return how many primes `p` satisfy `lo <= p <= hi`. `1 <= lo <= hi <= 10**12` and
        `hi - lo <= 10**6`.
        """,
        reference=r"""
        import math


        def primes_in_range(lo, hi):
            limit = math.isqrt(hi)
            base = bytearray([1]) * (limit + 1)
            base[0:2] = b"\x00\x00"
            for i in range(2, math.isqrt(limit) + 1):
                if base[i]:
                    base[i * i::i] = bytes(len(range(i * i, limit + 1, i)))
            # primes up to sqrt(hi) come straight from the base sieve
            small = sum(base[lo:limit + 1]) if lo <= limit else 0
            start = max(lo, limit + 1)
            if start > hi:
                return small
            seg = bytearray([1]) * (hi - start + 1)
            for p in range(2, limit + 1):
                if base[p]:
                    first = (start + p - 1) // p * p
                    seg[first - start::p] = bytes(len(range(first - start, hi - start + 1, p)))
            return small + sum(seg)
        """,
        tests=r"""
        from solution import primes_in_range


        def test_example():
            assert primes_in_range(10, 20) == 4


        def test_from_one():
            assert primes_in_range(1, 10) == 4
            assert primes_in_range(1, 1) == 0


        def test_small_primes_in_range():
            assert primes_in_range(2, 3) == 2
            assert primes_in_range(2, 2) == 1


        def test_bounds_inclusive():
            assert primes_in_range(999999999989, 999999999989) == 1
            assert primes_in_range(999999999938, 999999999960) == 1


        def test_first_million():
            assert primes_in_range(1, 10**6) == 78498


        def test_far_segment():
            assert primes_in_range(10**12 - 10**6, 10**12) == 36400
        """,
        examples=(ex("lo = 10, hi = 20", "4", "11, 13, 17, 19."),),
        bugs=(
            missed_edge(
                r"""
                def primes_in_range(lo, hi):
                    limit = int(hi ** 0.5) + 1
                    base = bytearray([1]) * (limit + 1)
                    base[0:2] = b"\x00\x00"
                    for i in range(2, int(limit ** 0.5) + 1):
                        if base[i]:
                            base[i * i::i] = bytes(len(range(i * i, limit + 1, i)))
                    seg = bytearray([1]) * (hi - lo + 1)
                    for p in range(2, limit + 1):
                        if base[p]:
                            start = (lo + p - 1) // p * p
                            seg[start - lo::p] = bytes(len(range(start - lo, hi - lo + 1, p)))
                    if lo == 1:
                        seg[0] = 0
                    return sum(seg)
                """,
                "crosses out small primes that lie inside the range",
            ),
            off_by_one(
                r"""
                def primes_in_range(lo, hi):
                    limit = int(hi ** 0.5) + 1
                    base = bytearray([1]) * (limit + 1)
                    base[0:2] = b"\x00\x00"
                    for i in range(2, int(limit ** 0.5) + 1):
                        if base[i]:
                            base[i * i::i] = bytes(len(range(i * i, limit + 1, i)))
                    seg = bytearray([1]) * (hi - lo)
                    for p in range(2, limit + 1):
                        if base[p]:
                            start = max(p * p, (lo + p - 1) // p * p)
                            seg[start - lo::p] = bytes(len(range(start - lo, hi - lo, p)))
                    if lo == 1 and seg:
                        seg[0] = 0
                    return sum(seg)
                """,
                "excludes hi",
            ),
            too_slow(
                r"""
                def primes_in_range(lo, hi):
                    count = 0
                    for n in range(max(lo, 2), hi + 1):
                        d = 2
                        while d * d <= n:
                            if n % d == 0:
                                break
                            d += 1
                        else:
                            count += 1
                    return count
                """,
                "trial division over the whole range",
            ),
        ),
    ),
)

GCD_LCM = family(
    "gcd_lcm",
    "GCD and LCM",
    "number theory",
    ("gcd", "lcm", "number theory", "math", "euclid", "coprime", "totient", "modular arithmetic"),
    fn(
        "GCD Of A List",
        "easy",
        entry="list_gcd",
        signature="def list_gcd(nums: list[int]) -> int: ...",
        statement="""
        Return the greatest common divisor of all numbers in `nums` as a non-negative integer.
        Numbers can be negative or zero; the gcd of all zeros is 0. `1 <= len(nums) <= 10**5`,
        `|nums[i]| <= 10**18`.
        """,
        reference=r"""
        import math


        def list_gcd(nums):
            g = 0
            for x in nums:
                g = math.gcd(g, x)
            return g
        """,
        tests=r"""
        from solution import list_gcd


        def test_example():
            assert list_gcd([12, 18, 24]) == 6


        def test_negatives():
            assert list_gcd([4, -6]) == 2
            assert list_gcd([-9]) == 9


        def test_zeros():
            assert list_gcd([0, 0]) == 0
            assert list_gcd([0, 5]) == 5


        def test_last_element_matters():
            assert list_gcd([8, 16, 4, 6]) == 2


        def test_large():
            assert list_gcd([10**18, 10**17 * 5, 2 * 10**9]) == 2 * 10**9
        """,
        examples=(ex("nums = [12, 18, 24]", "6"),),
        bugs=(
            missed_edge(
                r"""
                def list_gcd(nums):
                    g = nums[0]
                    for x in nums[1:]:
                        a, b = g, x
                        while b:
                            a, b = b, a % b
                        g = a
                    return g
                """,
                "negative inputs give negative results",
            ),
            off_by_one(
                r"""
                import math


                def list_gcd(nums):
                    g = abs(nums[0])
                    for x in nums[1:-1]:
                        g = math.gcd(g, x)
                    return g
                """,
                "skips the last number",
            ),
        ),
    ),
    fn(
        "LCM Of One Through N",
        "medium",
        entry="lcm_upto",
        signature="def lcm_upto(n: int) -> int: ...",
        statement="""
        Return `lcm(1, 2, ..., n)` modulo `1_000_000_007`. `1 <= n <= 10**6`.
        """,
        reference=r"""
        def lcm_upto(n):
            mod = 1_000_000_007
            sieve = bytearray([1]) * (n + 1)
            result = 1
            for p in range(2, n + 1):
                if sieve[p]:
                    sieve[p * p::p] = bytes(len(range(p * p, n + 1, p)))
                    q = p
                    while q * p <= n:
                        q *= p
                    result = result * q % mod
            return result
        """,
        tests=r"""
        from solution import lcm_upto


        def test_example():
            assert lcm_upto(6) == 60


        def test_prime_powers():
            assert lcm_upto(4) == 12
            assert lcm_upto(8) == 840
            assert lcm_upto(9) == 2520


        def test_one():
            assert lcm_upto(1) == 1


        def test_exact_small():
            import math

            v = 1
            for i in range(1, 41):
                v = v * i // math.gcd(v, i)
            assert lcm_upto(40) == v % 1_000_000_007


        def test_large():
            assert lcm_upto(10**6) == 814048721
        """,
        examples=(ex("n = 6", "60"),),
        bugs=(
            missed_edge(
                r"""
                def lcm_upto(n):
                    mod = 1_000_000_007
                    sieve = bytearray([1]) * (n + 1)
                    result = 1
                    for p in range(2, n + 1):
                        if sieve[p]:
                            sieve[p * p::p] = bytes(len(range(p * p, n + 1, p)))
                            result = result * p % mod
                    return result
                """,
                "multiplies primes, forgets prime powers",
            ),
            off_by_one(
                r"""
                def lcm_upto(n):
                    mod = 1_000_000_007
                    sieve = bytearray([1]) * (n + 1)
                    result = 1
                    for p in range(2, n):
                        if sieve[p]:
                            sieve[p * p::p] = bytes(len(range(p * p, n + 1, p)))
                            q = p
                            while q * p < n:
                                q *= p
                            result = result * q % mod
                    return result
                """,
                "excludes n itself",
            ),
            too_slow(
                r"""
                import math


                def lcm_upto(n):
                    v = 1
                    for i in range(2, n + 1):
                        v = v * i // math.gcd(v, i)
                    return v % 1_000_000_007
                """,
                "exact big-integer LCM",
            ),
        ),
    ),
    fn(
        "Count Coprime Pairs",
        "hard",
        entry="coprime_pairs",
        signature="def coprime_pairs(n: int) -> int: ...",
        statement="""
        Return the number of pairs `(i, j)` with `1 <= i < j <= n` and `gcd(i, j) == 1`.
        `1 <= n <= 3 * 10**5`.
        """,
        reference=r"""
        def coprime_pairs(n):
            phi = list(range(n + 1))
            for p in range(2, n + 1):
                if phi[p] == p:
                    for m in range(p, n + 1, p):
                        phi[m] -= phi[m] // p
            return sum(phi[2:])
        """,
        tests=r"""
        import math

        from solution import coprime_pairs


        def brute(n):
            return sum(1 for i in range(1, n + 1) for j in range(i + 1, n + 1) if math.gcd(i, j) == 1)


        def test_example():
            assert coprime_pairs(5) == 9


        def test_one_and_two():
            assert coprime_pairs(1) == 0
            assert coprime_pairs(2) == 1


        def test_against_brute_force():
            for n in range(1, 60):
                assert coprime_pairs(n) == brute(n)


        def test_large_prime_factors():
            assert coprime_pairs(1000) == 304191


        def test_large():
            assert coprime_pairs(3 * 10**5) == 27356748483
        """,
        examples=(ex("n = 5", "9", "All pairs except (2, 4)."),),
        bugs=(
            off_by_one(
                r"""
                def coprime_pairs(n):
                    phi = list(range(n + 1))
                    for p in range(2, n + 1):
                        if phi[p] == p:
                            for m in range(p, n + 1, p):
                                phi[m] -= phi[m] // p
                    return sum(phi[1:])
                """,
                "counts the pair (1, 1)",
            ),
            missed_edge(
                r"""
                def coprime_pairs(n):
                    phi = list(range(n + 1))
                    p = 2
                    while p * p <= n:
                        if phi[p] == p:
                            for m in range(p, n + 1, p):
                                phi[m] -= phi[m] // p
                        p += 1
                    return sum(phi[2:])
                """,
                "only sieves primes up to sqrt(n): large prime factors are missed",
            ),
            too_slow(
                r"""
                import math


                def coprime_pairs(n):
                    return sum(1 for i in range(1, n + 1) for j in range(i + 1, n + 1) if math.gcd(i, j) == 1)
                """,
                "quadratic",
            ),
        ),
    ),
)

FIBONACCI = family(
    "fibonacci",
    "Fibonacci numbers",
    "number theory",
    ("fibonacci", "recurrence", "matrix exponentiation", "modular arithmetic", "math", "dynamic programming"),
    fn(
        "Nth Fibonacci Number",
        "easy",
        entry="fib",
        signature="def fib(n: int) -> int: ...",
        statement="""
        Return the `n`-th Fibonacci number, where `fib(0) = 0`, `fib(1) = 1` and
        `fib(n) = fib(n - 1) + fib(n - 2)`. `0 <= n <= 90`; return the exact integer.
        """,
        reference=r"""
        def fib(n):
            a, b = 0, 1
            for _ in range(n):
                a, b = b, a + b
            return a
        """,
        tests=r"""
        from solution import fib


        def test_example():
            assert fib(10) == 55


        def test_base_cases():
            assert fib(0) == 0
            assert fib(1) == 1
            assert fib(2) == 1


        def test_sequence():
            assert [fib(i) for i in range(12)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]


        def test_big():
            assert fib(90) == 2880067194370816120


        def test_eighty():
            assert fib(80) == 23416728348467685
        """,
        examples=(ex("n = 10", "55"),),
        bugs=(
            off_by_one(
                r"""
                def fib(n):
                    a, b = 1, 1
                    for _ in range(n - 1):
                        a, b = b, a + b
                    return a
                """,
                "sequence starts 1, 1",
            ),
            too_slow(
                r"""
                def fib(n):
                    if n < 2:
                        return n
                    return fib(n - 1) + fib(n - 2)
                """,
                "exponential recursion",
            ),
        ),
    ),
    fn(
        "Huge Fibonacci Modulo A Prime",
        "medium",
        entry="fib_mod",
        signature="def fib_mod(n: int) -> int: ...",
        statement="""
        Return `fib(n) mod 1_000_000_007` with `fib(0) = 0`, `fib(1) = 1`.
        `0 <= n <= 10**18`.
        """,
        reference=r"""
        def fib_mod(n):
            mod = 1_000_000_007

            def pair(k):
                if k == 0:
                    return 0, 1
                a, b = pair(k >> 1)
                c = a * ((2 * b - a) % mod) % mod
                d = (a * a + b * b) % mod
                return (d, (c + d) % mod) if k & 1 else (c, d)

            return pair(n)[0]
        """,
        tests=r"""
        from solution import fib_mod


        def test_example():
            assert fib_mod(10) == 55


        def test_small():
            assert [fib_mod(i) for i in range(8)] == [0, 1, 1, 2, 3, 5, 8, 13]


        def test_wraps_modulus():
            assert fib_mod(100) == 687995182


        def test_huge():
            assert fib_mod(10**18) == 209783453


        def test_consistency():
            for n in (12345, 10**9, 10**15 + 7):
                assert fib_mod(n + 2) == (fib_mod(n + 1) + fib_mod(n)) % 1_000_000_007
        """,
        examples=(ex("n = 10", "55"),),
        bugs=(
            off_by_one(
                r"""
                def fib_mod(n):
                    mod = 1_000_000_007

                    def mul(x, y):
                        return [
                            [(x[0][0] * y[0][0] + x[0][1] * y[1][0]) % mod, (x[0][0] * y[0][1] + x[0][1] * y[1][1]) % mod],
                            [(x[1][0] * y[0][0] + x[1][1] * y[1][0]) % mod, (x[1][0] * y[0][1] + x[1][1] * y[1][1]) % mod],
                        ]

                    result = [[1, 0], [0, 1]]
                    m = [[1, 1], [1, 0]]
                    k = n
                    while k:
                        if k & 1:
                            result = mul(result, m)
                        m = mul(m, m)
                        k >>= 1
                    return result[0][0]
                """,
                "top-left entry of M^n is fib(n + 1)",
            ),
            too_slow(
                r"""
                def fib_mod(n):
                    a, b = 0, 1
                    for _ in range(n):
                        a, b = b, (a + b) % 1_000_000_007
                    return a
                """,
                "linear in n",
            ),
        ),
    ),
    fn(
        "Sum Of A Fibonacci Range",
        "hard",
        entry="fib_range_sum",
        signature="def fib_range_sum(lo: int, hi: int) -> int: ...",
        statement="""
        Return `(fib(lo) + fib(lo + 1) + ... + fib(hi)) mod 1_000_000_007`, with `fib(0) = 0`,
        `fib(1) = 1`. `0 <= lo <= hi <= 10**18`. The result is in `[0, 1_000_000_007)`.
        """,
        reference=r"""
        MOD = 1_000_000_007


        def _fib(k):
            if k == 0:
                return 0, 1
            a, b = _fib(k >> 1)
            c = a * ((2 * b - a) % MOD) % MOD
            d = (a * a + b * b) % MOD
            return (d, (c + d) % MOD) if k & 1 else (c, d)


        def fib_range_sum(lo, hi):
            # sum_{i<=n} fib(i) = fib(n + 2) - 1
            return (_fib(hi + 2)[0] - _fib(lo + 1)[0]) % MOD
        """,
        tests=r"""
        from solution import fib_range_sum

        MOD = 1_000_000_007


        def fibs(n):
            out = [0, 1]
            while len(out) <= n:
                out.append(out[-1] + out[-2])
            return out


        def test_example():
            assert fib_range_sum(3, 5) == 10


        def test_from_zero():
            assert fib_range_sum(0, 0) == 0
            assert fib_range_sum(0, 10) == 143


        def test_single_term():
            assert fib_range_sum(7, 7) == 13


        def test_small_brute_force():
            f = fibs(200)
            for lo in range(0, 200, 7):
                for hi in range(lo, 200, 13):
                    assert fib_range_sum(lo, hi) == sum(f[lo:hi + 1]) % MOD


        def test_never_negative():
            for lo, hi in ((10**17, 10**18), (5 * 10**17, 5 * 10**17 + 3), (123456789, 987654321)):
                r = fib_range_sum(lo, hi)
                assert 0 <= r < MOD


        def test_huge():
            assert fib_range_sum(10**18 - 5, 10**18) == 881095765
        """,
        examples=(ex("lo = 3, hi = 5", "10", "2 + 3 + 5."),),
        bugs=(
            off_by_one(
                r"""
                MOD = 1_000_000_007


                def _fib(k):
                    if k == 0:
                        return 0, 1
                    a, b = _fib(k >> 1)
                    c = a * ((2 * b - a) % MOD) % MOD
                    d = (a * a + b * b) % MOD
                    return (d, (c + d) % MOD) if k & 1 else (c, d)


                def fib_range_sum(lo, hi):
                    return (_fib(hi + 2)[0] - _fib(lo + 2)[0]) % MOD
                """,
                "excludes fib(lo)",
            ),
            missed_edge(
                r"""
                MOD = 1_000_000_007


                def _fib(k):
                    if k == 0:
                        return 0, 1
                    a, b = _fib(k >> 1)
                    c = a * ((2 * b - a) % MOD) % MOD
                    d = (a * a + b * b) % MOD
                    return (d, (c + d) % MOD) if k & 1 else (c, d)


                def fib_range_sum(lo, hi):
                    return _fib(hi + 2)[0] - _fib(lo + 1)[0]
                """,
                "difference of residues can be negative",
            ),
            too_slow(
                r"""
                def fib_range_sum(lo, hi):
                    mod = 1_000_000_007
                    a, b = 0, 1
                    total = 0
                    for i in range(hi + 1):
                        if i >= lo:
                            total = (total + a) % mod
                        a, b = b, (a + b) % mod
                    return total
                """,
                "linear in hi",
            ),
        ),
    ),
)

DIGITS = family(
    "digits",
    "Digit arithmetic",
    "number theory",
    ("digits", "digit dp", "counting", "math", "number theory", "combinatorics"),
    fn(
        "Digital Root",
        "easy",
        entry="digital_root",
        signature="def digital_root(n: int) -> int: ...",
        statement="""
        Repeatedly replace `n` by the sum of its decimal digits until a single digit remains, and
        return it. `0 <= n <= 10**18`.
        """,
        reference=r"""
        def digital_root(n):
            while n >= 10:
                n = sum(int(c) for c in str(n))
            return n
        """,
        tests=r"""
        from solution import digital_root


        def test_example():
            assert digital_root(38) == 2


        def test_zero():
            assert digital_root(0) == 0


        def test_multiples_of_nine():
            assert digital_root(9) == 9
            assert digital_root(999999999999999999) == 9


        def test_single_digit():
            assert digital_root(7) == 7


        def test_various():
            assert [digital_root(n) for n in (10, 19, 123456789, 10**18)] == [1, 1, 9, 1]
        """,
        examples=(ex("n = 38", "2", "3 + 8 = 11, 1 + 1 = 2."),),
        bugs=(
            missed_edge(
                r"""
                def digital_root(n):
                    return 1 + (n - 1) % 9
                """,
                "n = 0 gives 9",
            ),
            off_by_one(
                r"""
                def digital_root(n):
                    return n % 9
                """,
                "multiples of nine give 0",
            ),
        ),
    ),
    fn(
        "Sum Of All Digits Up To N",
        "medium",
        entry="digit_sum_upto",
        signature="def digit_sum_upto(n: int) -> int: ...",
        statement="""
        Return the total of the decimal digit sums of all integers from 0 to `n` inclusive.
        `0 <= n <= 10**15`.
        """,
        reference=r"""
        def digit_sum_upto(n):
            total = 0
            p = 1
            while p <= n:
                high, cur, low = n // (p * 10), (n // p) % 10, n % p
                total += high * 45 * p
                total += cur * (cur - 1) // 2 * p
                total += cur * (low + 1)
                p *= 10
            return total
        """,
        tests=r"""
        from solution import digit_sum_upto


        def brute(n):
            return sum(sum(map(int, str(k))) for k in range(n + 1))


        def test_example():
            assert digit_sum_upto(12) == 51


        def test_small():
            assert digit_sum_upto(0) == 0
            assert digit_sum_upto(9) == 45
            assert digit_sum_upto(10) == 46


        def test_against_brute_force():
            for n in list(range(0, 400)) + [999, 1000, 1001, 4321]:
                assert digit_sum_upto(n) == brute(n)


        def test_power_of_ten():
            assert digit_sum_upto(10**6) == 27000001


        def test_huge():
            assert digit_sum_upto(10**15) == 67500000000000001
        """,
        examples=(ex("n = 12", "51"),),
        bugs=(
            off_by_one(
                r"""
                def digit_sum_upto(n):
                    n -= 1
                    total = 0
                    p = 1
                    while p <= n:
                        high, cur, low = n // (p * 10), (n // p) % 10, n % p
                        total += high * 45 * p
                        total += cur * (cur - 1) // 2 * p
                        total += cur * (low + 1)
                        p *= 10
                    return total
                """,
                "stops at n - 1",
            ),
            too_slow(
                r"""
                def digit_sum_upto(n):
                    return sum(sum(map(int, str(k))) for k in range(n + 1))
                """,
                "enumerates every number",
            ),
        ),
    ),
    fn(
        "Numbers Without Repeated Neighbour Digits",
        "hard",
        entry="count_no_repeat",
        signature="def count_no_repeat(lo: int, hi: int) -> int: ...",
        statement="""
        Count the integers `x` with `lo <= x <= hi` whose decimal representation (without leading
        zeros; 0 is written "0") has no two adjacent equal digits. `0 <= lo <= hi <= 10**18`.
        """,
        expert=True,
        reference=r"""
        def _upto(n):
            if n < 0:
                return 0
            s = str(n)
            length = len(s)
            if length == 1:
                return n + 1
            total = 10
            for k in range(2, length):
                total += 9 ** k
            prev = -1
            for i, ch in enumerate(s):
                d = int(ch)
                for x in range(1 if i == 0 else 0, d):
                    if x != prev:
                        total += 9 ** (length - i - 1)
                if d == prev:
                    return total
                prev = d
            return total + 1


        def count_no_repeat(lo, hi):
            return _upto(hi) - _upto(lo - 1)
        """,
        tests=r"""
        from solution import count_no_repeat


        def ok(x):
            s = str(x)
            return all(a != b for a, b in zip(s, s[1:]))


        def test_example():
            assert count_no_repeat(10, 22) == 11


        def test_zero_counts():
            assert count_no_repeat(0, 0) == 1
            assert count_no_repeat(0, 9) == 10


        def test_bounds_inclusive():
            assert count_no_repeat(11, 11) == 0
            assert count_no_repeat(12, 12) == 1


        def test_against_brute_force():
            for lo in range(0, 1300, 37):
                for hi in range(lo, 1300, 91):
                    assert count_no_repeat(lo, hi) == sum(ok(x) for x in range(lo, hi + 1))


        def test_huge():
            assert count_no_repeat(0, 10**18) == 1 + sum(9 ** k for k in range(1, 19))
            assert count_no_repeat(123456789012, 987654321098765) == 231230357138885
        """,
        examples=(ex("lo = 10, hi = 22", "11", "All of 10..22 except 11 and 22."),),
        bugs=(
            off_by_one(
                r"""
                def _upto(n):
                    if n < 0:
                        return 0
                    s = str(n)
                    length = len(s)
                    if length == 1:
                        return n + 1
                    total = 10
                    for k in range(2, length):
                        total += 9 ** k
                    prev = -1
                    for i, ch in enumerate(s):
                        d = int(ch)
                        for x in range(1 if i == 0 else 0, d):
                            if x != prev:
                                total += 9 ** (length - i - 1)
                        if d == prev:
                            return total
                        prev = d
                    return total + 1


                def count_no_repeat(lo, hi):
                    return _upto(hi) - _upto(lo)
                """,
                "excludes lo",
            ),
            missed_edge(
                r"""
                def _upto(n):
                    s = str(n).zfill(19)
                    total = 0
                    prev = -1
                    for i, ch in enumerate(s):
                        d = int(ch)
                        for x in range(d):
                            if x != prev:
                                total += 9 ** (len(s) - i - 1)
                        if d == prev:
                            return total
                        prev = d
                    return total + 1


                def count_no_repeat(lo, hi):
                    return _upto(hi) - (_upto(lo - 1) if lo else 0)
                """,
                "pads with leading zeros, so short numbers are miscounted",
            ),
            too_slow(
                r"""
                def count_no_repeat(lo, hi):
                    count = 0
                    for x in range(lo, hi + 1):
                        s = str(x)
                        if all(a != b for a, b in zip(s, s[1:])):
                            count += 1
                    return count
                """,
                "enumerates the range",
            ),
        ),
    ),
)

BINOMIALS = family(
    "binomials",
    "Binomial coefficients",
    "combinatorics",
    ("binomial", "combinatorics", "counting", "pascal", "modular arithmetic", "lattice paths", "math"),
    fn(
        "Row Of Pascal's Triangle",
        "easy",
        entry="pascal_row",
        signature="def pascal_row(n: int) -> list[int]: ...",
        statement="""
        Return row `n` of Pascal's triangle, i.e. `[C(n, 0), C(n, 1), ..., C(n, n)]`, with exact
        integers. Row 0 is `[1]`. `0 <= n <= 60`.
        """,
        reference=r"""
        def pascal_row(n):
            row = [1]
            for _ in range(n):
                row = [1] + [a + b for a, b in zip(row, row[1:])] + [1]
            return row
        """,
        tests=r"""
        import math

        from solution import pascal_row


        def test_example():
            assert pascal_row(4) == [1, 4, 6, 4, 1]


        def test_row_zero():
            assert pascal_row(0) == [1]


        def test_row_one():
            assert pascal_row(1) == [1, 1]


        def test_symmetric_and_sum():
            r = pascal_row(30)
            assert r == r[::-1]
            assert sum(r) == 2 ** 30


        def test_big_row():
            assert pascal_row(60) == [math.comb(60, k) for k in range(61)]
        """,
        examples=(ex("n = 4", "[1, 4, 6, 4, 1]"),),
        bugs=(
            off_by_one(
                r"""
                def pascal_row(n):
                    row = [1]
                    for _ in range(n - 1):
                        row = [1] + [a + b for a, b in zip(row, row[1:])] + [1]
                    return row
                """,
                "returns row n - 1",
            ),
            missed_edge(
                r"""
                def pascal_row(n):
                    row = [1, 1]
                    for _ in range(n - 1):
                        row = [1] + [a + b for a, b in zip(row, row[1:])] + [1]
                    return row
                """,
                "row 0 comes out as [1, 1]",
            ),
        ),
    ),
    fn(
        "Binomial Queries Modulo A Prime",
        "medium",
        entry="binomials_mod",
        signature="def binomials_mod(queries: list[tuple[int, int]]) -> list[int]: ...",
        statement="""
        For each query `(n, k)` return `C(n, k) mod 1_000_000_007`, where `C(n, k) = 0` when
        `k < 0` or `k > n`. `0 <= n <= 2 * 10**5`, `|k| <= 3 * 10**5`, up to `10**5` queries.
        """,
        reference=r"""
        def binomials_mod(queries):
            mod = 1_000_000_007
            top = max((n for n, _ in queries), default=0)
            fact = [1] * (top + 1)
            for i in range(1, top + 1):
                fact[i] = fact[i - 1] * i % mod
            inv = [1] * (top + 1)
            inv[top] = pow(fact[top], mod - 2, mod)
            for i in range(top, 0, -1):
                inv[i - 1] = inv[i] * i % mod
            out = []
            for n, k in queries:
                if k < 0 or k > n:
                    out.append(0)
                else:
                    out.append(fact[n] * inv[k] % mod * inv[n - k] % mod)
            return out
        """,
        tests=r"""
        import math

        from solution import binomials_mod

        MOD = 1_000_000_007


        def test_example():
            assert binomials_mod([(5, 2), (10, 0), (3, 4)]) == [10, 1, 0]


        def test_out_of_range_k():
            assert binomials_mod([(4, -1), (4, 5), (0, 0)]) == [0, 0, 1]


        def test_exact_small():
            qs = [(n, k) for n in range(0, 40) for k in range(-1, n + 2)]
            assert binomials_mod(qs) == [math.comb(n, k) % MOD if 0 <= k <= n else 0 for n, k in qs]


        def test_empty():
            assert binomials_mod([]) == []


        def test_many_large():
            qs = [(200000 - i, 100000 - (i * 7) % 1000) for i in range(50000)]
            got = binomials_mod(qs)
            assert len(got) == 50000
            assert got[0] == math.comb(200000, 100000) % MOD
            assert got[-1] == math.comb(qs[-1][0], qs[-1][1]) % MOD
        """,
        examples=(ex("queries = [(5, 2), (10, 0), (3, 4)]", "[10, 1, 0]"),),
        bugs=(
            missed_edge(
                r"""
                def binomials_mod(queries):
                    mod = 1_000_000_007
                    top = max((n for n, _ in queries), default=0)
                    fact = [1] * (top + 1)
                    for i in range(1, top + 1):
                        fact[i] = fact[i - 1] * i % mod
                    inv = [pow(f, mod - 2, mod) for f in fact] if top < 50 else None
                    if inv is None:
                        inv = [1] * (top + 1)
                        inv[top] = pow(fact[top], mod - 2, mod)
                        for i in range(top, 0, -1):
                            inv[i - 1] = inv[i] * i % mod
                    return [fact[n] * inv[k] % mod * inv[n - k] % mod for n, k in queries]
                """,
                "k outside [0, n] wraps around the tables",
            ),
            too_slow(
                r"""
                import math


                def binomials_mod(queries):
                    out = []
                    for n, k in queries:
                        out.append(math.comb(n, k) % 1_000_000_007 if 0 <= k <= n else 0)
                    return out
                """,
                "exact big-integer binomials per query",
            ),
        ),
    ),
    fn(
        "Lattice Paths Around Blocked Cells",
        "hard",
        entry="count_paths",
        signature="def count_paths(h: int, w: int, blocked: list[tuple[int, int]]) -> int: ...",
        statement="""
        A grid has `h` rows and `w` columns. Walk from the top-left cell `(0, 0)` to the bottom-right
        cell `(h - 1, w - 1)`, each step moving one cell down or right, never entering a blocked cell
        `(row, col)`. Return the number of such walks modulo `1_000_000_007` (0 if the start or end
        is blocked). `1 <= h, w <= 10**5`, at most 300 distinct blocked cells, given in any order.
        """,
        expert=True,
        reference=r"""
        def count_paths(h, w, blocked):
            mod = 1_000_000_007
            top = h + w
            fact = [1] * (top + 1)
            for i in range(1, top + 1):
                fact[i] = fact[i - 1] * i % mod
            inv = [1] * (top + 1)
            inv[top] = pow(fact[top], mod - 2, mod)
            for i in range(top, 0, -1):
                inv[i - 1] = inv[i] * i % mod

            def ways(r1, c1, r2, c2):
                dr, dc = r2 - r1, c2 - c1
                if dr < 0 or dc < 0:
                    return 0
                return fact[dr + dc] * inv[dr] % mod * inv[dc] % mod

            cells = sorted(set(blocked))
            if (0, 0) in cells or (h - 1, w - 1) in cells:
                return 0
            bad = []
            for i, (r, c) in enumerate(cells):
                v = ways(0, 0, r, c)
                for j in range(i):
                    rj, cj = cells[j]
                    if rj <= r and cj <= c:
                        v -= bad[j] * ways(rj, cj, r, c)
                bad.append(v % mod)
            total = ways(0, 0, h - 1, w - 1)
            for (r, c), b in zip(cells, bad):
                total -= b * ways(r, c, h - 1, w - 1)
            return total % mod
        """,
        tests=r"""
        import random

        from solution import count_paths

        MOD = 1_000_000_007


        def brute(h, w, blocked):
            bad = set(blocked)
            dp = [[0] * w for _ in range(h)]
            for r in range(h):
                for c in range(w):
                    if (r, c) in bad:
                        continue
                    if r == 0 and c == 0:
                        dp[r][c] = 1
                        continue
                    dp[r][c] = ((dp[r - 1][c] if r else 0) + (dp[r][c - 1] if c else 0)) % MOD
            return dp[h - 1][w - 1]


        def test_example():
            assert count_paths(3, 3, [(1, 1)]) == 2


        def test_no_blocks():
            assert count_paths(3, 4, []) == 10
            assert count_paths(1, 1, []) == 1


        def test_blocked_corner():
            assert count_paths(2, 2, [(1, 1)]) == 0
            assert count_paths(2, 2, [(0, 0)]) == 0


        def test_unsorted_and_duplicates():
            assert count_paths(4, 4, [(2, 1), (1, 2), (2, 1)]) == brute(4, 4, [(2, 1), (1, 2)])


        def test_random_against_brute_force():
            rng = random.Random(71)
            for _ in range(120):
                h, w = rng.randint(1, 7), rng.randint(1, 7)
                blocked = [(rng.randrange(h), rng.randrange(w)) for _ in range(rng.randint(0, 6))]
                assert count_paths(h, w, blocked) == brute(h, w, blocked)


        def test_large():
            blocked = [((i * 7919) % 100000, (i * 104729) % 100000) for i in range(1, 301)]
            assert count_paths(100000, 100000, blocked) == 432278302
        """,
        examples=(ex("h = 3, w = 3, blocked = [(1, 1)]", "2"),),
        bugs=(
            missed_edge(
                r"""
                def count_paths(h, w, blocked):
                    mod = 1_000_000_007
                    top = h + w
                    fact = [1] * (top + 1)
                    for i in range(1, top + 1):
                        fact[i] = fact[i - 1] * i % mod
                    inv = [1] * (top + 1)
                    inv[top] = pow(fact[top], mod - 2, mod)
                    for i in range(top, 0, -1):
                        inv[i - 1] = inv[i] * i % mod

                    def ways(r1, c1, r2, c2):
                        dr, dc = r2 - r1, c2 - c1
                        if dr < 0 or dc < 0:
                            return 0
                        return fact[dr + dc] * inv[dr] % mod * inv[dc] % mod

                    cells = list(blocked)
                    if (0, 0) in cells or (h - 1, w - 1) in cells:
                        return 0
                    bad = []
                    for i, (r, c) in enumerate(cells):
                        v = ways(0, 0, r, c)
                        for j in range(i):
                            rj, cj = cells[j]
                            v -= bad[j] * ways(rj, cj, r, c)
                        bad.append(v % mod)
                    total = ways(0, 0, h - 1, w - 1)
                    for (r, c), b in zip(cells, bad):
                        total -= b * ways(r, c, h - 1, w - 1)
                    return total % mod
                """,
                "does not sort or deduplicate the blocked cells",
            ),
            off_by_one(
                r"""
                def count_paths(h, w, blocked):
                    mod = 1_000_000_007
                    top = h + w + 1
                    fact = [1] * (top + 1)
                    for i in range(1, top + 1):
                        fact[i] = fact[i - 1] * i % mod
                    inv = [1] * (top + 1)
                    inv[top] = pow(fact[top], mod - 2, mod)
                    for i in range(top, 0, -1):
                        inv[i - 1] = inv[i] * i % mod

                    def ways(r1, c1, r2, c2):
                        dr, dc = r2 - r1, c2 - c1
                        if dr < 0 or dc < 0:
                            return 0
                        return fact[dr + dc + 1] * inv[dr] % mod * inv[dc + 1] % mod

                    cells = sorted(set(blocked))
                    if (0, 0) in cells or (h - 1, w - 1) in cells:
                        return 0
                    bad = []
                    for i, (r, c) in enumerate(cells):
                        v = ways(0, 0, r, c)
                        for j in range(i):
                            rj, cj = cells[j]
                            v -= bad[j] * ways(rj, cj, r, c)
                        bad.append(v % mod)
                    total = ways(0, 0, h - 1, w - 1)
                    for (r, c), b in zip(cells, bad):
                        total -= b * ways(r, c, h - 1, w - 1)
                    return total % mod
                """,
                "counts paths of one extra step",
            ),
            too_slow(
                r"""
                def count_paths(h, w, blocked):
                    mod = 1_000_000_007
                    bad = set(blocked)
                    prev = [0] * w
                    for r in range(h):
                        cur = [0] * w
                        for c in range(w):
                            if (r, c) in bad:
                                continue
                            if r == 0 and c == 0:
                                cur[c] = 1
                            else:
                                cur[c] = (prev[c] + (cur[c - 1] if c else 0)) % mod
                        prev = cur
                    return prev[w - 1]
                """,
                "grid DP over h * w cells",
            ),
        ),
    ),
)

FAMILIES = (PRIMES, GCD_LCM, FIBONACCI, DIGITS, BINOMIALS)
