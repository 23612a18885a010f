"""Arrays, two pointers and prefix sums."""

from __future__ import annotations

from gapforge.demo.bank.schema import ex, family, fn, missed_edge, off_by_one, too_slow

PAIR_SUMS = family(
    "pair_sums",
    "Pair sums",
    "arrays",
    ("array", "arrays", "two pointers", "pairs", "sum", "sorting", "pointer"),
    fn(
        "Count Target Pairs",
        "easy",
        entry="count_pairs",
        signature="def count_pairs(nums: list[int], target: int) -> int: ...",
        statement="""
        Given a list of integers `nums` and an integer `target`, return the number of index pairs
        `(i, j)` with `i < j` and `nums[i] + nums[j] == target`. Equal values at different indices
        are different elements. `0 <= len(nums) <= 10**5`, values fit in 32 bits.
        """,
        reference=r"""
        def count_pairs(nums, target):
            seen = {}
            total = 0
            for x in nums:
                total += seen.get(target - x, 0)
                seen[x] = seen.get(x, 0) + 1
            return total
        """,
        tests=r"""
        import random

        from solution import count_pairs


        def brute(nums, t):
            return sum(1 for i in range(len(nums)) for j in range(i + 1, len(nums)) if nums[i] + nums[j] == t)


        def test_example():
            assert count_pairs([1, 5, 7, -1, 5], 6) == 3


        def test_duplicates():
            assert count_pairs([2, 2, 2, 2], 4) == 6


        def test_empty_and_single():
            assert count_pairs([], 3) == 0
            assert count_pairs([3], 6) == 0


        def test_pair_uses_last_element():
            assert count_pairs([1, 2, 3, 9], 12) == 1


        def test_negatives_and_zero():
            assert count_pairs([-3, 3, 0, 0], 0) == 2


        def test_random_against_brute_force():
            rng = random.Random(11)
            for _ in range(300):
                nums = [rng.randint(-5, 5) for _ in range(rng.randint(0, 12))]
                t = rng.randint(-6, 6)
                assert count_pairs(list(nums), t) == brute(nums, t)
        """,
        examples=(ex("nums = [1, 5, 7, -1, 5], target = 6", "3", "1+5 (twice) and 7+(-1)."),),
        bugs=(
            off_by_one(
                r"""
                def count_pairs(nums, target):
                    total = 0
                    for i in range(len(nums)):
                        for j in range(i + 1, len(nums) - 1):
                            if nums[i] + nums[j] == target:
                                total += 1
                    return total
                """,
                "inner loop stops one element early",
            ),
            missed_edge(
                r"""
                def count_pairs(nums, target):
                    values = set(nums)
                    total = 0
                    for x in values:
                        if target - x in values and x < target - x:
                            total += 1
                    return total
                """,
                "counts distinct values, loses duplicates",
            ),
        ),
    ),
    fn(
        "Pairs With Sum At Most K",
        "medium",
        entry="count_pairs_at_most",
        signature="def count_pairs_at_most(nums: list[int], limit: int) -> int: ...",
        statement="""
        Return the number of index pairs `(i, j)`, `i < j`, with `nums[i] + nums[j] <= limit`.
        `0 <= len(nums) <= 2 * 10**5`; values and `limit` are between `-10**9` and `10**9`.
        The answer must be computed in well under a second for the largest inputs.
        """,
        reference=r"""
        def count_pairs_at_most(nums, limit):
            a = sorted(nums)
            i, j = 0, len(a) - 1
            total = 0
            while i < j:
                if a[i] + a[j] <= limit:
                    total += j - i
                    i += 1
                else:
                    j -= 1
            return total
        """,
        tests=r"""
        import random

        from solution import count_pairs_at_most


        def brute(nums, t):
            return sum(1 for i in range(len(nums)) for j in range(i + 1, len(nums)) if nums[i] + nums[j] <= t)


        def test_example():
            assert count_pairs_at_most([3, 1, 4, 1, 5], 5) == 5


        def test_boundary_is_inclusive():
            assert count_pairs_at_most([2, 3], 5) == 1
            assert count_pairs_at_most([2, 3], 4) == 0


        def test_small():
            assert count_pairs_at_most([], 0) == 0
            assert count_pairs_at_most([7], 100) == 0


        def test_unsorted_negatives():
            assert count_pairs_at_most([5, -2, 9, -7, 0], 0) == 4


        def test_random_against_brute_force():
            rng = random.Random(5)
            for _ in range(300):
                nums = [rng.randint(-9, 9) for _ in range(rng.randint(0, 14))]
                t = rng.randint(-10, 10)
                assert count_pairs_at_most(list(nums), t) == brute(nums, t)


        def test_large_input():
            nums = [(i * 7919) % 100003 - 50000 for i in range(200000)]
            n = len(nums)
            assert count_pairs_at_most(nums, 10**9) == n * (n - 1) // 2
            assert count_pairs_at_most(nums, -10**9) == 0
        """,
        examples=(ex("nums = [3, 1, 4, 1, 5], limit = 5", "5"),),
        bugs=(
            off_by_one(
                r"""
                def count_pairs_at_most(nums, limit):
                    a = sorted(nums)
                    i, j = 0, len(a) - 1
                    total = 0
                    while i < j:
                        if a[i] + a[j] < limit:
                            total += j - i
                            i += 1
                        else:
                            j -= 1
                    return total
                """,
                "strict comparison",
            ),
            missed_edge(
                r"""
                def count_pairs_at_most(nums, limit):
                    a = nums
                    i, j = 0, len(a) - 1
                    total = 0
                    while i < j:
                        if a[i] + a[j] <= limit:
                            total += j - i
                            i += 1
                        else:
                            j -= 1
                    return total
                """,
                "assumes the input is sorted",
            ),
            too_slow(
                r"""
                def count_pairs_at_most(nums, limit):
                    total = 0
                    n = len(nums)
                    for i in range(n):
                        for j in range(i + 1, n):
                            if nums[i] + nums[j] <= limit:
                                total += 1
                    return total
                """,
                "quadratic",
            ),
        ),
    ),
    fn(
        "K-th Smallest Pair Distance",
        "hard",
        entry="kth_pair_distance",
        signature="def kth_pair_distance(nums: list[int], k: int) -> int: ...",
        statement="""
        The distance of a pair of indices `i < j` is `abs(nums[i] - nums[j])`. Return the `k`-th
        smallest distance among all `n * (n - 1) / 2` pairs (1-based `k`). `2 <= n <= 5 * 10**4`,
        `0 <= nums[i] <= 10**6`, `1 <= k <= n * (n - 1) / 2`. Equal values give distance 0.
        """,
        reference=r"""
        def kth_pair_distance(nums, k):
            a = sorted(nums)
            n = len(a)

            def count(d):
                total = 0
                j = 0
                for i in range(n):
                    while a[i] - a[j] > d:
                        j += 1
                    total += i - j
                return total

            lo, hi = 0, a[-1] - a[0]
            while lo < hi:
                mid = (lo + hi) // 2
                if count(mid) >= k:
                    hi = mid
                else:
                    lo = mid + 1
            return lo
        """,
        tests=r"""
        import random

        from solution import kth_pair_distance


        def brute(nums, k):
            d = sorted(abs(nums[i] - nums[j]) for i in range(len(nums)) for j in range(i + 1, len(nums)))
            return d[k - 1]


        def test_example():
            assert kth_pair_distance([1, 3, 1], 1) == 0
            assert kth_pair_distance([1, 3, 1], 3) == 2


        def test_duplicates_give_zero():
            assert kth_pair_distance([5, 5, 5, 9], 3) == 0
            assert kth_pair_distance([5, 5, 5, 9], 4) == 4


        def test_two_elements():
            assert kth_pair_distance([10, 3], 1) == 7


        def test_last_pair():
            assert kth_pair_distance([1, 6, 1], 3) == 5


        def test_random_against_brute_force():
            rng = random.Random(3)
            for _ in range(200):
                nums = [rng.randint(0, 20) for _ in range(rng.randint(2, 10))]
                k = rng.randint(1, len(nums) * (len(nums) - 1) // 2)
                assert kth_pair_distance(list(nums), k) == brute(nums, k)


        def test_large():
            nums = [(i * 37) % 50000 * 20 for i in range(30000)]
            assert kth_pair_distance(nums, 1) == 20
            assert kth_pair_distance(nums, 30000 * 29999 // 2) == 999980
        """,
        examples=(ex("nums = [1, 3, 1], k = 1", "0", "Pairs have distances 2, 0, 2."),),
        bugs=(
            off_by_one(
                r"""
                def kth_pair_distance(nums, k):
                    a = sorted(nums)
                    n = len(a)

                    def count(d):
                        total = 0
                        j = 0
                        for i in range(n):
                            while a[i] - a[j] > d:
                                j += 1
                            total += i - j
                        return total

                    lo, hi = 0, a[-1] - a[0]
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if count(mid) > k:
                            hi = mid
                        else:
                            lo = mid + 1
                    return lo
                """,
                "uses > k in the count test",
            ),
            missed_edge(
                r"""
                def kth_pair_distance(nums, k):
                    a = sorted(set(nums))
                    n = len(a)
                    if n == 1:
                        return 0

                    def count(d):
                        total = 0
                        j = 0
                        for i in range(n):
                            while a[i] - a[j] > d:
                                j += 1
                            total += i - j
                        return total

                    lo, hi = 1, a[-1] - a[0]
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if count(mid) >= k:
                            hi = mid
                        else:
                            lo = mid + 1
                    return lo
                """,
                "drops duplicates, never returns 0",
            ),
            too_slow(
                r"""
                def kth_pair_distance(nums, k):
                    n = len(nums)
                    lo, hi = 0, max(nums) - min(nums)
                    while lo < hi:
                        mid = (lo + hi) // 2
                        c = 0
                        for i in range(n):
                            for j in range(i + 1, n):
                                if abs(nums[i] - nums[j]) <= mid:
                                    c += 1
                        if c >= k:
                            hi = mid
                        else:
                            lo = mid + 1
                    return lo
                """,
                "quadratic counting inside the binary search",
            ),
        ),
    ),
)

MAX_SUBARRAY = family(
    "max_subarray",
    "Maximum subarray",
    "arrays",
    ("subarray", "kadane", "array", "arrays", "maximum", "dynamic programming"),
    fn(
        "Maximum Subarray Sum",
        "easy",
        entry="max_subarray",
        signature="def max_subarray(nums: list[int]) -> int: ...",
        statement="""
        Return the largest sum of a non-empty contiguous subarray of `nums`.
        `1 <= len(nums) <= 10**5`; values may be negative.
        """,
        reference=r"""
        def max_subarray(nums):
            best = cur = nums[0]
            for x in nums[1:]:
                cur = max(x, cur + x)
                best = max(best, cur)
            return best
        """,
        tests=r"""
        import random

        from solution import max_subarray


        def brute(a):
            return max(sum(a[i:j]) for i in range(len(a)) for j in range(i + 1, len(a) + 1))


        def test_example():
            assert max_subarray([-2, 1, -3, 4, -1, 2, 1, -5, 4]) == 6


        def test_all_negative():
            assert max_subarray([-3, -1, -2]) == -1


        def test_single():
            assert max_subarray([7]) == 7


        def test_best_ends_at_last_element():
            assert max_subarray([-1, -1, 5]) == 5


        def test_random_against_brute_force():
            rng = random.Random(2)
            for _ in range(300):
                a = [rng.randint(-10, 10) for _ in range(rng.randint(1, 10))]
                assert max_subarray(list(a)) == brute(a)
        """,
        examples=(ex("nums = [-2, 1, -3, 4, -1, 2, 1, -5, 4]", "6", "[4, -1, 2, 1] sums to 6."),),
        bugs=(
            missed_edge(
                r"""
                def max_subarray(nums):
                    best = cur = 0
                    for x in nums:
                        cur = max(0, cur + x)
                        best = max(best, cur)
                    return best
                """,
                "returns 0 for all-negative input",
            ),
            off_by_one(
                r"""
                def max_subarray(nums):
                    best = cur = nums[0]
                    for i in range(1, len(nums) - 1):
                        cur = max(nums[i], cur + nums[i])
                        best = max(best, cur)
                    return best
                """,
                "skips the last element",
            ),
        ),
    ),
    fn(
        "Maximum Subarray Sum With One Deletion",
        "medium",
        entry="max_sum_one_deletion",
        signature="def max_sum_one_deletion(nums: list[int]) -> int: ...",
        statement="""
        Choose a non-empty contiguous subarray of `nums` and optionally delete at most one element
        from it; the remaining part must still be non-empty. Return the largest possible sum of the
        remaining elements. `1 <= len(nums) <= 10**5`, `-10**4 <= nums[i] <= 10**4`.
        """,
        reference=r"""
        def max_sum_one_deletion(nums):
            keep = nums[0]
            drop = float("-inf")
            best = nums[0]
            for x in nums[1:]:
                drop = max(drop + x, keep)
                keep = max(keep + x, x)
                best = max(best, keep, drop)
            return int(best)
        """,
        tests=r"""
        import random

        from solution import max_sum_one_deletion


        def brute(a):
            best = None
            n = len(a)
            for i in range(n):
                for j in range(i + 1, n + 1):
                    s = a[i:j]
                    cands = [sum(s)] + [sum(s) - s[k] for k in range(len(s)) if len(s) > 1]
                    m = max(cands)
                    best = m if best is None else max(best, m)
            return best


        def test_example():
            assert max_sum_one_deletion([1, -2, 0, 3]) == 4


        def test_all_negative_keeps_one():
            assert max_sum_one_deletion([-1, -1, -1, -1]) == -1
            assert max_sum_one_deletion([-5]) == -5


        def test_delete_middle():
            assert max_sum_one_deletion([1, -2, -2, 3]) == 3
            assert max_sum_one_deletion([2, -10, 3]) == 5


        def test_no_deletion_needed():
            assert max_sum_one_deletion([1, 2, 3]) == 6


        def test_random_against_brute_force():
            rng = random.Random(8)
            for _ in range(250):
                a = [rng.randint(-6, 6) for _ in range(rng.randint(1, 9))]
                assert max_sum_one_deletion(list(a)) == brute(a)


        def test_large():
            a = [(-1) ** i * ((i * 31) % 100) for i in range(100000)]
            a[50000] = -10**4
            assert max_sum_one_deletion(a) == 313
        """,
        examples=(ex("nums = [1, -2, 0, 3]", "4", "Take [1, -2, 0, 3] and delete -2."),),
        bugs=(
            missed_edge(
                r"""
                def max_sum_one_deletion(nums):
                    keep = nums[0]
                    drop = 0
                    best = nums[0]
                    for x in nums[1:]:
                        drop = max(drop + x, keep)
                        keep = max(keep + x, x)
                        best = max(best, keep, drop)
                    return max(best, 0)
                """,
                "assumes deleting one element can always reach 0 (wrong when everything is negative)",
            ),
            too_slow(
                r"""
                def max_sum_one_deletion(nums):
                    def kadane(a):
                        best = cur = a[0]
                        for x in a[1:]:
                            cur = max(x, cur + x)
                            best = max(best, cur)
                        return best

                    best = kadane(nums)
                    for k in range(len(nums)):
                        rest = nums[:k] + nums[k + 1:]
                        if rest:
                            best = max(best, kadane(rest))
                    return best
                """,
                "Kadane once per deleted index; also wrong in subtle ways but mostly too slow",
            ),
        ),
    ),
    fn(
        "Best Subarray With Bounded Length",
        "hard",
        entry="best_bounded_subarray",
        signature="def best_bounded_subarray(nums: list[int], min_len: int, max_len: int) -> int: ...",
        statement="""
        Return the largest sum of a contiguous subarray of `nums` whose length `L` satisfies
        `min_len <= L <= max_len`. `1 <= min_len <= max_len <= len(nums) <= 2 * 10**5`,
        `|nums[i]| <= 10**9`.
        """,
        reference=r"""
        from collections import deque


        def best_bounded_subarray(nums, min_len, max_len):
            n = len(nums)
            pre = [0] * (n + 1)
            for i, x in enumerate(nums):
                pre[i + 1] = pre[i] + x
            best = None
            dq = deque()
            for j in range(min_len, n + 1):
                i = j - min_len
                while dq and pre[dq[-1]] >= pre[i]:
                    dq.pop()
                dq.append(i)
                while dq[0] < j - max_len:
                    dq.popleft()
                cand = pre[j] - pre[dq[0]]
                if best is None or cand > best:
                    best = cand
            return best
        """,
        tests=r"""
        import random

        from solution import best_bounded_subarray


        def brute(a, lo, hi):
            return max(sum(a[i:j]) for i in range(len(a)) for j in range(i + lo, min(len(a), i + hi) + 1))


        def test_example():
            assert best_bounded_subarray([1, -2, 3, 4, -1], 2, 3) == 7


        def test_exact_length():
            assert best_bounded_subarray([5, -1, 5, -10, 9], 1, 1) == 9
            assert best_bounded_subarray([5, -1, 5, -10, 9], 5, 5) == 8


        def test_all_negative():
            assert best_bounded_subarray([-4, -2, -7], 2, 3) == -6


        def test_max_len_binds():
            assert best_bounded_subarray([3, 3, 3, 3], 1, 2) == 6


        def test_random_against_brute_force():
            rng = random.Random(4)
            for _ in range(300):
                n = rng.randint(1, 10)
                a = [rng.randint(-8, 8) for _ in range(n)]
                lo = rng.randint(1, n)
                hi = rng.randint(lo, n)
                assert best_bounded_subarray(list(a), lo, hi) == brute(a, lo, hi)


        def test_large():
            n = 200000
            a = [((i * 7919) % 2001) - 1000 for i in range(n)]
            assert best_bounded_subarray(a, 1000, 100000) == 8302
        """,
        examples=(ex("nums = [1, -2, 3, 4, -1], min_len = 2, max_len = 3", "7", "[3, 4]."),),
        bugs=(
            off_by_one(
                r"""
                from collections import deque


                def best_bounded_subarray(nums, min_len, max_len):
                    n = len(nums)
                    pre = [0] * (n + 1)
                    for i, x in enumerate(nums):
                        pre[i + 1] = pre[i] + x
                    best = None
                    dq = deque()
                    for j in range(min_len, n + 1):
                        i = j - min_len
                        while dq and pre[dq[-1]] >= pre[i]:
                            dq.pop()
                        dq.append(i)
                        while dq[0] <= j - max_len:
                            dq.popleft()
                        cand = pre[j] - pre[dq[0]]
                        if best is None or cand > best:
                            best = cand
                    return best
                """,
                "evicts windows of exactly max_len",
            ),
            missed_edge(
                r"""
                from collections import deque


                def best_bounded_subarray(nums, min_len, max_len):
                    n = len(nums)
                    pre = [0] * (n + 1)
                    for i, x in enumerate(nums):
                        pre[i + 1] = pre[i] + x
                    best = 0
                    dq = deque()
                    for j in range(min_len, n + 1):
                        i = j - min_len
                        while dq and pre[dq[-1]] >= pre[i]:
                            dq.pop()
                        dq.append(i)
                        while dq[0] < j - max_len:
                            dq.popleft()
                        best = max(best, pre[j] - pre[dq[0]])
                    return best
                """,
                "best starts at 0",
            ),
            too_slow(
                r"""
                def best_bounded_subarray(nums, min_len, max_len):
                    n = len(nums)
                    pre = [0] * (n + 1)
                    for i, x in enumerate(nums):
                        pre[i + 1] = pre[i] + x
                    best = None
                    for i in range(n):
                        for j in range(i + min_len, min(n, i + max_len) + 1):
                            s = pre[j] - pre[i]
                            if best is None or s > best:
                                best = s
                    return best
                """,
                "O(n * max_len)",
            ),
        ),
    ),
)

PREFIX_SUMS = family(
    "prefix_sums",
    "Prefix sums",
    "arrays",
    ("prefix", "prefix sums", "subarray", "range", "queries", "array", "arrays", "hashing"),
    fn(
        "Range Sum Queries",
        "easy",
        entry="range_sums",
        signature="def range_sums(nums: list[int], queries: list[tuple[int, int]]) -> list[int]: ...",
        statement="""
        For each query `(l, r)` return the sum of `nums[min(l, r)] ... nums[max(l, r)]` (both ends
        inclusive, 0-based). A query may list its ends in either order. `1 <= len(nums) <= 10**5`,
        up to `10**5` queries, all indices valid.
        """,
        reference=r"""
        def range_sums(nums, queries):
            pre = [0]
            for x in nums:
                pre.append(pre[-1] + x)
            out = []
            for l, r in queries:
                lo, hi = sorted((l, r))
                out.append(pre[hi + 1] - pre[lo])
            return out
        """,
        tests=r"""
        import random

        from solution import range_sums


        def test_example():
            assert range_sums([1, 2, 3, 4], [(0, 1), (1, 3), (2, 2)]) == [3, 9, 3]


        def test_reversed_query():
            assert range_sums([5, -1, 2], [(2, 0)]) == [6]


        def test_whole_array():
            assert range_sums([4, 4, 4], [(0, 2)]) == [12]


        def test_no_queries():
            assert range_sums([1], []) == []


        def test_random():
            rng = random.Random(9)
            for _ in range(100):
                a = [rng.randint(-9, 9) for _ in range(rng.randint(1, 12))]
                qs = [(rng.randrange(len(a)), rng.randrange(len(a))) for _ in range(5)]
                want = [sum(a[min(l, r): max(l, r) + 1]) for l, r in qs]
                assert range_sums(list(a), qs) == want


        def test_large():
            a = list(range(100000))
            qs = [(i, 99999 - i) for i in range(0, 100000, 7)]
            got = range_sums(a, qs)
            assert got[0] == 99999 * 100000 // 2
            assert len(got) == len(qs)
        """,
        examples=(ex("nums = [1, 2, 3, 4], queries = [(0, 1), (1, 3), (2, 2)]", "[3, 9, 3]"),),
        bugs=(
            off_by_one(
                r"""
                def range_sums(nums, queries):
                    pre = [0]
                    for x in nums:
                        pre.append(pre[-1] + x)
                    out = []
                    for l, r in queries:
                        if l > r:
                            l, r = r, l
                        out.append(pre[r] - pre[l])
                    return out
                """,
                "treats r as exclusive",
            ),
            missed_edge(
                r"""
                def range_sums(nums, queries):
                    pre = [0]
                    for x in nums:
                        pre.append(pre[-1] + x)
                    return [pre[r + 1] - pre[l] for l, r in queries]
                """,
                "ignores reversed queries",
            ),
        ),
    ),
    fn(
        "Subarrays Summing To K",
        "medium",
        entry="count_subarrays_sum",
        signature="def count_subarrays_sum(nums: list[int], k: int) -> int: ...",
        statement="""
        Return the number of non-empty contiguous subarrays of `nums` whose sum equals `k`.
        Values can be negative. `1 <= len(nums) <= 2 * 10**5`, `|nums[i]| <= 1000`, `|k| <= 10**7`.
        """,
        reference=r"""
        def count_subarrays_sum(nums, k):
            seen = {0: 1}
            s = 0
            total = 0
            for x in nums:
                s += x
                total += seen.get(s - k, 0)
                seen[s] = seen.get(s, 0) + 1
            return total
        """,
        tests=r"""
        import random

        from solution import count_subarrays_sum


        def brute(a, k):
            return sum(1 for i in range(len(a)) for j in range(i + 1, len(a) + 1) if sum(a[i:j]) == k)


        def test_example():
            assert count_subarrays_sum([1, 1, 1], 2) == 2


        def test_prefix_itself():
            assert count_subarrays_sum([3, 4, 7], 7) == 2


        def test_negatives():
            assert count_subarrays_sum([1, -1, 1, -1], 0) == 4


        def test_zero_k_zeros():
            assert count_subarrays_sum([0, 0, 0], 0) == 6


        def test_random_against_brute_force():
            rng = random.Random(6)
            for _ in range(250):
                a = [rng.randint(-3, 3) for _ in range(rng.randint(1, 12))]
                k = rng.randint(-4, 4)
                assert count_subarrays_sum(list(a), k) == brute(a, k)


        def test_large():
            a = [1, -1] * 100000
            assert count_subarrays_sum(a, 0) == 100000 * 100000
        """,
        examples=(ex("nums = [1, 1, 1], k = 2", "2"),),
        bugs=(
            off_by_one(
                r"""
                def count_subarrays_sum(nums, k):
                    seen = {}
                    s = 0
                    total = 0
                    for x in nums:
                        s += x
                        total += seen.get(s - k, 0)
                        seen[s] = seen.get(s, 0) + 1
                    return total
                """,
                "forgets the empty prefix",
            ),
            missed_edge(
                r"""
                def count_subarrays_sum(nums, k):
                    total = 0
                    left = 0
                    s = 0
                    for right, x in enumerate(nums):
                        s += x
                        while s > k and left <= right:
                            s -= nums[left]
                            left += 1
                        if s == k and left <= right:
                            total += 1
                    return total
                """,
                "sliding window assumes non-negative values",
            ),
            too_slow(
                r"""
                def count_subarrays_sum(nums, k):
                    total = 0
                    n = len(nums)
                    for i in range(n):
                        s = 0
                        for j in range(i, n):
                            s += nums[j]
                            if s == k:
                                total += 1
                    return total
                """,
                "quadratic",
            ),
        ),
    ),
    fn(
        "Subarrays With Sum In Range",
        "hard",
        entry="count_range_sums",
        signature="def count_range_sums(nums: list[int], lower: int, upper: int) -> int: ...",
        statement="""
        Return how many non-empty contiguous subarrays of `nums` have a sum `s` with
        `lower <= s <= upper`. `1 <= len(nums) <= 5 * 10**4`, `|nums[i]| <= 10**9`,
        `lower <= upper`.
        """,
        reference=r"""
        def count_range_sums(nums, lower, upper):
            pre = [0]
            for x in nums:
                pre.append(pre[-1] + x)

            def sort_count(a):
                if len(a) <= 1:
                    return a, 0
                mid = len(a) // 2
                left, c1 = sort_count(a[:mid])
                right, c2 = sort_count(a[mid:])
                count = c1 + c2
                lo = hi = 0
                for x in left:
                    while lo < len(right) and right[lo] - x < lower:
                        lo += 1
                    while hi < len(right) and right[hi] - x <= upper:
                        hi += 1
                    count += hi - lo
                merged = []
                i = j = 0
                while i < len(left) and j < len(right):
                    if left[i] <= right[j]:
                        merged.append(left[i])
                        i += 1
                    else:
                        merged.append(right[j])
                        j += 1
                merged.extend(left[i:])
                merged.extend(right[j:])
                return merged, count

            return sort_count(pre)[1]
        """,
        tests=r"""
        import random

        from solution import count_range_sums


        def brute(a, lo, hi):
            return sum(1 for i in range(len(a)) for j in range(i + 1, len(a) + 1) if lo <= sum(a[i:j]) <= hi)


        def test_example():
            assert count_range_sums([-2, 5, -1], -2, 2) == 3


        def test_single():
            assert count_range_sums([0], 0, 0) == 1
            assert count_range_sums([5], 6, 9) == 0


        def test_bounds_inclusive():
            assert count_range_sums([1, 2, 3], 3, 3) == 2
            assert count_range_sums([1, 2, 3], 6, 6) == 1


        def test_random_against_brute_force():
            rng = random.Random(10)
            for _ in range(250):
                a = [rng.randint(-5, 5) for _ in range(rng.randint(1, 11))]
                lo = rng.randint(-6, 6)
                hi = rng.randint(lo, 8)
                assert count_range_sums(list(a), lo, hi) == brute(a, lo, hi)


        def test_large_values():
            assert count_range_sums([10**9, 10**9, -10**9], 10**9, 2 * 10**9) == 4


        def test_large():
            n = 30000
            a = [1] * n
            assert count_range_sums(a, 1, n) == n * (n + 1) // 2
            assert count_range_sums(a, 10, 20) == sum(n - L + 1 for L in range(10, 21))
        """,
        examples=(ex("nums = [-2, 5, -1], lower = -2, upper = 2", "3", "[-2], [-1] and [-2, 5, -1]."),),
        bugs=(
            off_by_one(
                r"""
                def count_range_sums(nums, lower, upper):
                    pre = [0]
                    for x in nums:
                        pre.append(pre[-1] + x)
                    import bisect

                    seen = []
                    total = 0
                    for p in pre:
                        total += bisect.bisect_left(seen, p - lower) - bisect.bisect_left(seen, p - upper)
                        bisect.insort(seen, p)
                    return total
                """,
                "excludes sums equal to lower",
            ),
            missed_edge(
                r"""
                def count_range_sums(nums, lower, upper):
                    total = 0
                    for i in range(len(nums)):
                        if lower <= nums[i] <= upper:
                            total += 1
                    s = sum(nums)
                    if len(nums) > 1 and lower <= s <= upper:
                        total += 1
                    return total
                """,
                "only single elements and the whole array",
            ),
            too_slow(
                r"""
                def count_range_sums(nums, lower, upper):
                    total = 0
                    n = len(nums)
                    for i in range(n):
                        s = 0
                        for j in range(i, n):
                            s += nums[j]
                            if lower <= s <= upper:
                                total += 1
                    return total
                """,
                "quadratic",
            ),
        ),
    ),
)

FAMILIES = (PAIR_SUMS, MAX_SUBARRAY, PREFIX_SUMS)
