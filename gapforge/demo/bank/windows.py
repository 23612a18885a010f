"""Sliding windows and monotonic deques."""

from __future__ import annotations

from gapforge.demo.bank.schema import ex, family, fn, missed_edge, off_by_one, too_slow

SLIDING_WINDOW = family(
    "sliding_window",
    "Sliding windows",
    "sliding windows",
    ("sliding window", "window", "substring", "two pointers", "strings", "hashing"),
    fn(
        "Maximum Sum Of K Consecutive Elements",
        "easy",
        entry="max_window_sum",
        signature="def max_window_sum(nums: list[int], k: int) -> int: ...",
        statement="""
        Return the largest sum of `k` consecutive elements of `nums`.
        `1 <= k <= len(nums) <= 10**5`; values may be negative.
        """,
        reference=r"""
        def max_window_sum(nums, k):
            s = sum(nums[:k])
            best = s
            for i in range(k, len(nums)):
                s += nums[i] - nums[i - k]
                best = max(best, s)
            return best
        """,
        tests=r"""
        import random

        from solution import max_window_sum


        def test_example():
            assert max_window_sum([1, 4, 2, 10, 2, 3, 1, 0, 20], 4) == 24


        def test_last_window():
            assert max_window_sum([1, 1, 1, 9], 2) == 10


        def test_all_negative():
            assert max_window_sum([-5, -2, -3], 2) == -5


        def test_k_equals_n():
            assert max_window_sum([3, -1, 4], 3) == 6


        def test_random():
            rng = random.Random(12)
            for _ in range(200):
                a = [rng.randint(-9, 9) for _ in range(rng.randint(1, 12))]
                k = rng.randint(1, len(a))
                want = max(sum(a[i:i + k]) for i in range(len(a) - k + 1))
                assert max_window_sum(list(a), k) == want
        """,
        examples=(ex("nums = [1, 4, 2, 10, 2, 3, 1, 0, 20], k = 4", "24", "[3, 1, 0, 20]."),),
        bugs=(
            off_by_one(
                r"""
                def max_window_sum(nums, k):
                    best = None
                    for i in range(len(nums) - k):
                        s = sum(nums[i:i + k])
                        if best is None or s > best:
                            best = s
                    return best if best is not None else sum(nums)
                """,
                "misses the last window",
            ),
            missed_edge(
                r"""
                def max_window_sum(nums, k):
                    s = sum(nums[:k])
                    best = 0
                    for i in range(k, len(nums)):
                        s += nums[i] - nums[i - k]
                        best = max(best, s)
                    return max(best, sum(nums[:k]))
                """,
                "best starts at 0",
            ),
        ),
    ),
    fn(
        "Longest Substring Without Repeats",
        "medium",
        entry="longest_unique_substring",
        signature="def longest_unique_substring(s: str) -> int: ...",
        statement="""
        Return the length of the longest substring of `s` in which no character appears twice.
        `0 <= len(s) <= 2 * 10**5`; `s` may contain any characters.
        """,
        reference=r"""
        def longest_unique_substring(s):
            last = {}
            start = 0
            best = 0
            for i, ch in enumerate(s):
                if ch in last and last[ch] >= start:
                    start = last[ch] + 1
                last[ch] = i
                best = max(best, i - start + 1)
            return best
        """,
        tests=r"""
        import random

        from solution import longest_unique_substring


        def brute(s):
            best = 0
            for i in range(len(s)):
                for j in range(i, len(s) + 1):
                    if len(set(s[i:j])) == j - i:
                        best = max(best, j - i)
            return best


        def test_example():
            assert longest_unique_substring("abcabcbb") == 3


        def test_empty():
            assert longest_unique_substring("") == 0


        def test_window_start_never_moves_back():
            assert longest_unique_substring("abba") == 2
            assert longest_unique_substring("tmmzuxt") == 5


        def test_spaces_and_symbols():
            assert longest_unique_substring("ab a!") == 4


        def test_random_against_brute_force():
            rng = random.Random(13)
            for _ in range(300):
                s = "".join(rng.choice("abcd") for _ in range(rng.randint(0, 12)))
                assert longest_unique_substring(s) == brute(s)


        def test_large():
            s = "ab" * 100000
            assert longest_unique_substring(s) == 2
            t = "".join(chr(0x4E00 + i) for i in range(50000))
            assert longest_unique_substring(t + t) == 50000
        """,
        examples=(ex('s = "abcabcbb"', "3", '"abc".'),),
        bugs=(
            missed_edge(
                r"""
                def longest_unique_substring(s):
                    last = {}
                    start = 0
                    best = 0
                    for i, ch in enumerate(s):
                        if ch in last:
                            start = last[ch] + 1
                        last[ch] = i
                        best = max(best, i - start + 1)
                    return best
                """,
                "window start can move backwards (abba)",
            ),
            too_slow(
                r"""
                def longest_unique_substring(s):
                    best = 0
                    n = len(s)
                    for i in range(n):
                        seen = set()
                        for j in range(i, n):
                            if s[j] in seen:
                                break
                            seen.add(s[j])
                        best = max(best, len(seen))
                    return best
                """,
                "quadratic on long distinct stretches",
            ),
        ),
    ),
    fn(
        "Shortest Window Covering A Multiset",
        "hard",
        entry="min_window",
        signature="def min_window(s: str, t: str) -> str: ...",
        statement="""
        Return the shortest substring of `s` that contains every character of `t` at least as many
        times as it occurs in `t`. If several shortest substrings exist return the leftmost; if
        none exists (or `t` is empty) return `""`. `0 <= len(s), len(t) <= 2 * 10**5`.
        """,
        reference=r"""
        from collections import Counter


        def min_window(s, t):
            if not t:
                return ""
            need = Counter(t)
            missing = len(t)
            left = 0
            best = (0, 0)
            for right, ch in enumerate(s, 1):
                if need[ch] > 0:
                    missing -= 1
                need[ch] -= 1
                if missing == 0:
                    while need[s[left]] < 0:
                        need[s[left]] += 1
                        left += 1
                    if best == (0, 0) or right - left < best[1] - best[0]:
                        best = (left, right)
                    need[s[left]] += 1
                    missing += 1
                    left += 1
            return s[best[0]:best[1]]
        """,
        tests=r"""
        import random
        from collections import Counter

        from solution import min_window


        def brute(s, t):
            if not t:
                return ""
            need = Counter(t)
            for length in range(len(t), len(s) + 1):
                for i in range(len(s) - length + 1):
                    c = Counter(s[i:i + length])
                    if all(c[ch] >= k for ch, k in need.items()):
                        return s[i:i + length]
            return ""


        def test_example():
            assert min_window("ADOBECODEBANC", "ABC") == "BANC"


        def test_multiplicity():
            assert min_window("aab", "aa") == "aa"
            assert min_window("abcab", "aab") == "abca"


        def test_impossible():
            assert min_window("a", "aa") == ""
            assert min_window("", "a") == ""
            assert min_window("abc", "") == ""


        def test_leftmost_tie():
            assert min_window("abxba", "ab") == "ab"


        def test_random_against_brute_force():
            rng = random.Random(14)
            for _ in range(200):
                s = "".join(rng.choice("abc") for _ in range(rng.randint(0, 10)))
                t = "".join(rng.choice("abc") for _ in range(rng.randint(1, 3)))
                assert min_window(s, t) == brute(s, t)


        def test_large():
            s = "a" * 100000 + "b" + "a" * 100000 + "c"
            assert min_window(s, "bc") == s[100000:]
            assert min_window(s, "ab") == "ab"
        """,
        examples=(ex('s = "ADOBECODEBANC", t = "ABC"', '"BANC"'),),
        bugs=(
            missed_edge(
                r"""
                def min_window(s, t):
                    need = set(t)
                    if not need:
                        return ""
                    best = ""
                    count = {}
                    left = 0
                    for right, ch in enumerate(s):
                        count[ch] = count.get(ch, 0) + 1
                        while all(count.get(c, 0) > 0 for c in need):
                            if not best or right - left + 1 < len(best):
                                best = s[left:right + 1]
                            count[s[left]] -= 1
                            left += 1
                    return best
                """,
                "ignores multiplicity in t",
            ),
            off_by_one(
                r"""
                from collections import Counter


                def min_window(s, t):
                    if not t:
                        return ""
                    need = Counter(t)
                    missing = len(t)
                    left = 0
                    best = (0, 0)
                    for right, ch in enumerate(s, 1):
                        if need[ch] > 0:
                            missing -= 1
                        need[ch] -= 1
                        if missing == 0:
                            while need[s[left]] < 0:
                                need[s[left]] += 1
                                left += 1
                            if best == (0, 0) or right - left <= best[1] - best[0]:
                                best = (left, right)
                            need[s[left]] += 1
                            missing += 1
                            left += 1
                    return s[best[0]:best[1]]
                """,
                "ties pick the rightmost window",
            ),
            too_slow(
                r"""
                from collections import Counter


                def min_window(s, t):
                    if not t:
                        return ""
                    need = Counter(t)
                    best = ""
                    for i in range(len(s)):
                        c = Counter()
                        for j in range(i, len(s)):
                            c[s[j]] += 1
                            if best and j - i + 1 >= len(best):
                                break
                            if all(c[ch] >= k for ch, k in need.items()):
                                best = s[i:j + 1]
                                break
                    return best
                """,
                "quadratic scan from every start",
            ),
        ),
    ),
)

WINDOW_EXTREMES = family(
    "window_extremes",
    "Monotonic deques",
    "sliding windows",
    ("deque", "monotonic", "sliding window", "window", "maximum", "queue"),
    fn(
        "Sliding Window Maximum",
        "easy",
        entry="window_maxima",
        signature="def window_maxima(nums: list[int], k: int) -> list[int]: ...",
        statement="""
        Return the maximum of every window of `k` consecutive elements of `nums`, from left to
        right. If `k > len(nums)` return an empty list. `1 <= k`, `0 <= len(nums) <= 1000`.
        """,
        reference=r"""
        def window_maxima(nums, k):
            return [max(nums[i:i + k]) for i in range(len(nums) - k + 1)]
        """,
        tests=r"""
        from solution import window_maxima


        def test_example():
            assert window_maxima([1, 3, -1, -3, 5, 3, 6, 7], 3) == [3, 3, 5, 5, 6, 7]


        def test_k_one():
            assert window_maxima([4, 2, 9], 1) == [4, 2, 9]


        def test_k_too_large():
            assert window_maxima([1, 2], 3) == []
            assert window_maxima([], 1) == []


        def test_k_equals_len():
            assert window_maxima([2, 8, 1], 3) == [8]


        def test_decreasing():
            assert window_maxima([9, 7, 5, 3, 1], 2) == [9, 7, 5, 3]
        """,
        examples=(ex("nums = [1, 3, -1, -3, 5, 3, 6, 7], k = 3", "[3, 3, 5, 5, 6, 7]"),),
        bugs=(
            off_by_one(
                r"""
                def window_maxima(nums, k):
                    return [max(nums[i:i + k]) for i in range(len(nums) - k)]
                """,
                "misses the last window",
            ),
            missed_edge(
                r"""
                def window_maxima(nums, k):
                    if not nums:
                        return []
                    k = min(k, len(nums))
                    return [max(nums[i:i + k]) for i in range(len(nums) - k + 1)]
                """,
                "clamps k instead of returning []",
            ),
        ),
    ),
    fn(
        "Window Spread",
        "medium",
        entry="window_spread",
        signature="def window_spread(nums: list[int], k: int) -> list[int]: ...",
        statement="""
        For every window of `k` consecutive elements of `nums` (left to right) return
        `max(window) - min(window)`. `1 <= k <= len(nums) <= 2 * 10**5`. Aim for linear time.
        """,
        reference=r"""
        from collections import deque


        def window_spread(nums, k):
            hi, lo = deque(), deque()
            out = []
            for i, x in enumerate(nums):
                while hi and nums[hi[-1]] <= x:
                    hi.pop()
                hi.append(i)
                while lo and nums[lo[-1]] >= x:
                    lo.pop()
                lo.append(i)
                if hi[0] <= i - k:
                    hi.popleft()
                if lo[0] <= i - k:
                    lo.popleft()
                if i >= k - 1:
                    out.append(nums[hi[0]] - nums[lo[0]])
            return out
        """,
        tests=r"""
        import random

        from solution import window_spread


        def test_example():
            assert window_spread([4, 2, 12, 3, 8], 3) == [10, 10, 9]


        def test_k_one():
            assert window_spread([5, 1, 7], 1) == [0, 0, 0]


        def test_expiry():
            assert window_spread([10, 1, 2, 3], 2) == [9, 1, 1]


        def test_equal_values():
            assert window_spread([3, 3, 3, 3], 2) == [0, 0, 0]


        def test_random():
            rng = random.Random(15)
            for _ in range(200):
                a = [rng.randint(-9, 9) for _ in range(rng.randint(1, 12))]
                k = rng.randint(1, len(a))
                want = [max(a[i:i + k]) - min(a[i:i + k]) for i in range(len(a) - k + 1)]
                assert window_spread(list(a), k) == want


        def test_large():
            n = 200000
            a = [(i * 7919) % 100000 for i in range(n)]
            got = window_spread(a, n // 2)
            assert len(got) == n // 2 + 1
            assert got[0] == 99999
        """,
        examples=(ex("nums = [4, 2, 12, 3, 8], k = 3", "[10, 10, 9]"),),
        bugs=(
            off_by_one(
                r"""
                from collections import deque


                def window_spread(nums, k):
                    hi, lo = deque(), deque()
                    out = []
                    for i, x in enumerate(nums):
                        while hi and nums[hi[-1]] <= x:
                            hi.pop()
                        hi.append(i)
                        while lo and nums[lo[-1]] >= x:
                            lo.pop()
                        lo.append(i)
                        if hi[0] < i - k:
                            hi.popleft()
                        if lo[0] < i - k:
                            lo.popleft()
                        if i >= k - 1:
                            out.append(nums[hi[0]] - nums[lo[0]])
                    return out
                """,
                "expired index stays one step too long",
            ),
            too_slow(
                r"""
                def window_spread(nums, k):
                    out = []
                    for i in range(len(nums) - k + 1):
                        w = nums[i:i + k]
                        out.append(max(w) - min(w))
                    return out
                """,
                "O(n * k)",
            ),
        ),
    ),
    fn(
        "Shortest Subarray With Sum At Least K",
        "hard",
        entry="shortest_subarray_at_least",
        signature="def shortest_subarray_at_least(nums: list[int], k: int) -> int: ...",
        statement="""
        Return the length of the shortest non-empty contiguous subarray of `nums` with sum at least
        `k`, or `-1` if there is none. Values can be negative. `1 <= len(nums) <= 10**5`,
        `|nums[i]| <= 10**5`, `1 <= k <= 10**9`.
        """,
        reference=r"""
        from collections import deque


        def shortest_subarray_at_least(nums, k):
            pre = [0]
            for x in nums:
                pre.append(pre[-1] + x)
            best = len(nums) + 1
            dq = deque()
            for j, p in enumerate(pre):
                while dq and p - pre[dq[0]] >= k:
                    best = min(best, j - dq.popleft())
                while dq and pre[dq[-1]] >= p:
                    dq.pop()
                dq.append(j)
            return best if best <= len(nums) else -1
        """,
        tests=r"""
        import random

        from solution import shortest_subarray_at_least


        def brute(a, k):
            best = -1
            for i in range(len(a)):
                for j in range(i + 1, len(a) + 1):
                    if sum(a[i:j]) >= k and (best == -1 or j - i < best):
                        best = j - i
            return best


        def test_example():
            assert shortest_subarray_at_least([2, -1, 2], 3) == 3


        def test_none():
            assert shortest_subarray_at_least([1, 2], 4) == -1


        def test_single():
            assert shortest_subarray_at_least([1], 1) == 1


        def test_negatives_in_between():
            assert shortest_subarray_at_least([84, -37, 32, 40, 95], 167) == 3


        def test_random_against_brute_force():
            rng = random.Random(16)
            for _ in range(300):
                a = [rng.randint(-5, 8) for _ in range(rng.randint(1, 10))]
                k = rng.randint(1, 15)
                assert shortest_subarray_at_least(list(a), k) == brute(a, k)


        def test_large():
            n = 100000
            a = [1, -1] * (n // 2)
            a[-1] = 5
            assert shortest_subarray_at_least(a, 5) == 1
            assert shortest_subarray_at_least(a, 6) == 2
            assert shortest_subarray_at_least(a, 7) == -1
        """,
        examples=(ex("nums = [2, -1, 2], k = 3", "3"),),
        bugs=(
            missed_edge(
                r"""
                def shortest_subarray_at_least(nums, k):
                    best = -1
                    s = 0
                    left = 0
                    for right, x in enumerate(nums):
                        s += x
                        while s >= k and left <= right:
                            if best == -1 or right - left + 1 < best:
                                best = right - left + 1
                            s -= nums[left]
                            left += 1
                    return best
                """,
                "sliding window assumes non-negative values",
            ),
            off_by_one(
                r"""
                from collections import deque


                def shortest_subarray_at_least(nums, k):
                    pre = [0]
                    for x in nums:
                        pre.append(pre[-1] + x)
                    best = len(nums) + 1
                    dq = deque()
                    for j, p in enumerate(pre):
                        while dq and p - pre[dq[0]] > k:
                            best = min(best, j - dq.popleft())
                        while dq and pre[dq[-1]] >= p:
                            dq.pop()
                        dq.append(j)
                    return best if best <= len(nums) else -1
                """,
                "strict comparison with k",
            ),
            too_slow(
                r"""
                def shortest_subarray_at_least(nums, k):
                    best = -1
                    n = len(nums)
                    for i in range(n):
                        s = 0
                        for j in range(i, n):
                            s += nums[j]
                            if s >= k:
                                if best == -1 or j - i + 1 < best:
                                    best = j - i + 1
                                break
                    return best
                """,
                "quadratic",
            ),
        ),
    ),
)

FAMILIES = (SLIDING_WINDOW, WINDOW_EXTREMES)
