"""Binary search, searching on the answer, sorting-based counting, increasing subsequences."""

from __future__ import annotations

from gapforge.demo.bank.schema import ex, family, fn, missed_edge, off_by_one, too_slow

SORTED_SEARCH = family(
    "sorted_search",
    "Searching sorted data",
    "binary search",
    ("binary search", "search", "sorted", "bisect", "median"),
    fn(
        "First Occurrence In A Sorted List",
        "easy",
        entry="first_index",
        signature="def first_index(nums: list[int], target: int) -> int: ...",
        statement="""
        `nums` is sorted in non-decreasing order and may contain duplicates. Return the smallest
        index `i` with `nums[i] == target`, or `-1` when `target` does not occur.
        `0 <= len(nums) <= 10**6`.
        """,
        reference=r"""
        import bisect


        def first_index(nums, target):
            i = bisect.bisect_left(nums, target)
            return i if i < len(nums) and nums[i] == target else -1
        """,
        tests=r"""
        import random

        from solution import first_index


        def test_example():
            assert first_index([1, 2, 2, 2, 3], 2) == 1


        def test_absent():
            assert first_index([1, 3, 5], 4) == -1
            assert first_index([], 1) == -1
            assert first_index([1, 3, 5], 9) == -1


        def test_last_position():
            assert first_index([1, 3, 5], 5) == 2


        def test_all_equal():
            assert first_index([7] * 50, 7) == 0


        def test_random():
            rng = random.Random(21)
            for _ in range(300):
                a = sorted(rng.randint(0, 6) for _ in range(rng.randint(0, 15)))
                t = rng.randint(-1, 7)
                want = a.index(t) if t in a else -1
                assert first_index(a, t) == want
        """,
        examples=(ex("nums = [1, 2, 2, 2, 3], target = 2", "1"),),
        bugs=(
            missed_edge(
                r"""
                def first_index(nums, target):
                    lo, hi = 0, len(nums) - 1
                    while lo <= hi:
                        mid = (lo + hi) // 2
                        if nums[mid] == target:
                            return mid
                        if nums[mid] < target:
                            lo = mid + 1
                        else:
                            hi = mid - 1
                    return -1
                """,
                "returns any occurrence, not the first",
            ),
            off_by_one(
                r"""
                def first_index(nums, target):
                    lo, hi = 0, len(nums) - 1
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if nums[mid] < target:
                            lo = mid + 1
                        else:
                            hi = mid
                    if nums and lo < len(nums) - 1 and nums[lo] == target:
                        return lo
                    return -1
                """,
                "never reports the last index",
            ),
        ),
    ),
    fn(
        "Search A Rotated Sorted List",
        "medium",
        entry="rotated_search",
        signature="def rotated_search(nums: list[int], target: int) -> int: ...",
        statement="""
        `nums` holds distinct integers that were sorted ascending and then rotated by an unknown
        amount (possibly zero), e.g. `[4, 5, 6, 7, 0, 1, 2]`. Return the index of `target` or `-1`.
        `0 <= len(nums) <= 10**5`. Use O(log n) comparisons.
        """,
        reference=r"""
        def rotated_search(nums, target):
            lo, hi = 0, len(nums) - 1
            while lo <= hi:
                mid = (lo + hi) // 2
                if nums[mid] == target:
                    return mid
                if nums[lo] <= nums[mid]:
                    if nums[lo] <= target < nums[mid]:
                        hi = mid - 1
                    else:
                        lo = mid + 1
                else:
                    if nums[mid] < target <= nums[hi]:
                        lo = mid + 1
                    else:
                        hi = mid - 1
            return -1
        """,
        tests=r"""
        import random

        from solution import rotated_search


        def test_example():
            assert rotated_search([4, 5, 6, 7, 0, 1, 2], 0) == 4
            assert rotated_search([4, 5, 6, 7, 0, 1, 2], 3) == -1


        def test_not_rotated():
            assert rotated_search([1, 2, 3, 4, 5], 5) == 4
            assert rotated_search([1, 2, 3, 4, 5], 1) == 0


        def test_tiny():
            assert rotated_search([], 3) == -1
            assert rotated_search([3], 3) == 0
            assert rotated_search([3, 1], 1) == 1
            assert rotated_search([3, 1], 3) == 0


        def test_every_rotation():
            base = list(range(0, 40, 3))
            for r in range(len(base)):
                a = base[r:] + base[:r]
                for t in range(-1, 41):
                    want = a.index(t) if t in a else -1
                    assert rotated_search(a, t) == want


        def test_random():
            rng = random.Random(22)
            for _ in range(200):
                base = sorted(rng.sample(range(100), rng.randint(1, 20)))
                r = rng.randrange(len(base))
                a = base[r:] + base[:r]
                t = rng.choice(a + [101, -5])
                want = a.index(t) if t in a else -1
                assert rotated_search(a, t) == want
        """,
        examples=(ex("nums = [4, 5, 6, 7, 0, 1, 2], target = 0", "4"),),
        bugs=(
            missed_edge(
                r"""
                def rotated_search(nums, target):
                    lo, hi = 0, len(nums) - 1
                    while lo <= hi:
                        mid = (lo + hi) // 2
                        if nums[mid] == target:
                            return mid
                        if nums[lo] < nums[mid]:
                            if nums[lo] <= target < nums[mid]:
                                hi = mid - 1
                            else:
                                lo = mid + 1
                        else:
                            if nums[mid] < target <= nums[hi]:
                                lo = mid + 1
                            else:
                                hi = mid - 1
                    return -1
                """,
                "strict < when lo == mid",
            ),
            off_by_one(
                r"""
                def rotated_search(nums, target):
                    lo, hi = 0, len(nums) - 1
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if nums[mid] == target:
                            return mid
                        if nums[lo] <= nums[mid]:
                            if nums[lo] <= target < nums[mid]:
                                hi = mid - 1
                            else:
                                lo = mid + 1
                        else:
                            if nums[mid] < target <= nums[hi]:
                                lo = mid + 1
                            else:
                                hi = mid - 1
                    return -1
                """,
                "loop stops before checking the last candidate",
            ),
        ),
    ),
    fn(
        "Median Of Two Sorted Lists",
        "hard",
        entry="median_two_sorted",
        signature="def median_two_sorted(a: list[int], b: list[int]) -> float: ...",
        statement="""
        `a` and `b` are sorted ascending (either may be empty, not both). Return the median of all
        their elements together as a float: the middle element for an odd total, the mean of the two
        middle elements for an even total. `len(a) + len(b) <= 2 * 10**6`. Do not merge the lists;
        aim for O(log(len(a) + len(b))).
        """,
        reference=r"""
        def median_two_sorted(a, b):
            if len(a) > len(b):
                a, b = b, a
            m, n = len(a), len(b)
            half = (m + n + 1) // 2
            lo, hi = 0, m
            neg, pos = float("-inf"), float("inf")
            while True:
                i = (lo + hi) // 2
                j = half - i
                a_left = a[i - 1] if i > 0 else neg
                a_right = a[i] if i < m else pos
                b_left = b[j - 1] if j > 0 else neg
                b_right = b[j] if j < n else pos
                if a_left <= b_right and b_left <= a_right:
                    left = max(a_left, b_left)
                    if (m + n) % 2:
                        return float(left)
                    return (left + min(a_right, b_right)) / 2
                if a_left > b_right:
                    hi = i - 1
                else:
                    lo = i + 1
        """,
        tests=r"""
        import random

        from solution import median_two_sorted


        def brute(a, b):
            c = sorted(a + b)
            n = len(c)
            return float(c[n // 2]) if n % 2 else (c[n // 2 - 1] + c[n // 2]) / 2


        def test_example():
            assert median_two_sorted([1, 3], [2]) == 2.0
            assert median_two_sorted([1, 2], [3, 4]) == 2.5


        def test_one_empty():
            assert median_two_sorted([], [5]) == 5.0
            assert median_two_sorted([1, 2, 3, 4], []) == 2.5


        def test_negative_even():
            assert median_two_sorted([-5, -3], [-4, -1]) == -3.5


        def test_disjoint_ranges():
            assert median_two_sorted([1, 2, 3], [10, 11, 12, 13]) == 10.0


        def test_random_against_brute_force():
            rng = random.Random(23)
            for _ in range(400):
                a = sorted(rng.randint(-20, 20) for _ in range(rng.randint(0, 8)))
                b = sorted(rng.randint(-20, 20) for _ in range(rng.randint(0 if a else 1, 8)))
                assert median_two_sorted(a, b) == brute(a, b)
        """,
        examples=(ex("a = [1, 2], b = [3, 4]", "2.5"),),
        bugs=(
            off_by_one(
                r"""
                def median_two_sorted(a, b):
                    i = j = 0
                    merged = []
                    while i < len(a) and j < len(b):
                        if a[i] <= b[j]:
                            merged.append(a[i])
                            i += 1
                        else:
                            merged.append(b[j])
                            j += 1
                    merged += a[i:] + b[j:]
                    n = len(merged)
                    if n % 2:
                        return float(merged[n // 2])
                    return (merged[n // 2] + merged[n // 2 + 1]) / 2 if n > 2 else sum(merged) / 2
                """,
                "even case uses the wrong middle pair",
            ),
            missed_edge(
                r"""
                def median_two_sorted(a, b):
                    if len(a) > len(b):
                        a, b = b, a
                    m, n = len(a), len(b)
                    half = (m + n + 1) // 2
                    lo, hi = 0, m
                    while lo <= hi:
                        i = (lo + hi) // 2
                        j = half - i
                        if i < m and j > 0 and b[j - 1] > a[i]:
                            lo = i + 1
                        elif i > 0 and j < n and a[i - 1] > b[j]:
                            hi = i - 1
                        else:
                            left = max(a[i - 1], b[j - 1])
                            if (m + n) % 2:
                                return float(left)
                            return (left + min(a[i], b[j])) / 2
                    return 0.0
                """,
                "indexes past the ends when a partition side is empty",
            ),
        ),
    ),
)

SEARCH_ANSWER = family(
    "search_answer",
    "Binary search on the answer",
    "binary search",
    ("binary search", "search on the answer", "greedy", "capacity", "square root", "optimization"),
    fn(
        "Exact Integer Square Root",
        "easy",
        entry="isqrt_floor",
        signature="def isqrt_floor(n: int) -> int: ...",
        statement="""
        Return the largest integer `r` with `r * r <= n`, for `0 <= n <= 10**30`. Results must be
        exact for every input (floating point is not precise enough at this size).
        """,
        reference=r"""
        def isqrt_floor(n):
            lo, hi = 0, 1
            while hi * hi <= n:
                hi *= 2
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if mid * mid <= n:
                    lo = mid
                else:
                    hi = mid - 1
            return lo
        """,
        tests=r"""
        import random

        from solution import isqrt_floor


        def test_example():
            assert isqrt_floor(17) == 4


        def test_small():
            assert [isqrt_floor(i) for i in range(10)] == [0, 1, 1, 1, 2, 2, 2, 2, 2, 3]


        def test_perfect_squares():
            for r in (12, 999, 10**9 + 7):
                assert isqrt_floor(r * r) == r
                assert isqrt_floor(r * r - 1) == r - 1


        def test_huge():
            r = 10**15 - 1
            assert isqrt_floor(r * r + 2 * r) == r
            assert isqrt_floor(10**30) == 10**15


        def test_random():
            rng = random.Random(31)
            for _ in range(300):
                r = rng.randint(0, 10**14)
                d = rng.randint(0, 2 * r)
                assert isqrt_floor(r * r + d) == r
        """,
        examples=(ex("n = 17", "4"),),
        bugs=(
            missed_edge(
                r"""
                def isqrt_floor(n):
                    return int(n ** 0.5)
                """,
                "floating point loses precision",
            ),
            off_by_one(
                r"""
                def isqrt_floor(n):
                    lo, hi = 0, n + 1
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if mid * mid < n:
                            lo = mid + 1
                        else:
                            hi = mid
                    return lo
                """,
                "lower bound of the wrong predicate: rounds up",
            ),
        ),
    ),
    fn(
        "Minimum Ship Capacity",
        "medium",
        entry="min_capacity",
        signature="def min_capacity(weights: list[int], days: int) -> int: ...",
        statement="""
        Packages with the given `weights` must be shipped in order within `days` days. Each day the
        ship loads consecutive packages (in order) as long as their total does not exceed its
        capacity. Return the smallest capacity that ships everything within `days` days.
        `1 <= days <= len(weights) <= 5 * 10**4`, `1 <= weights[i] <= 10**4`.
        """,
        reference=r"""
        def min_capacity(weights, days):
            def needed(cap):
                d, cur = 1, 0
                for w in weights:
                    if cur + w > cap:
                        d += 1
                        cur = 0
                    cur += w
                return d

            lo, hi = max(weights), sum(weights)
            while lo < hi:
                mid = (lo + hi) // 2
                if needed(mid) <= days:
                    hi = mid
                else:
                    lo = mid + 1
            return lo
        """,
        tests=r"""
        import random

        from solution import min_capacity


        def brute(w, days):
            cap = max(w)
            while True:
                d, cur = 1, 0
                for x in w:
                    if cur + x > cap:
                        d += 1
                        cur = 0
                    cur += x
                if d <= days:
                    return cap
                cap += 1


        def test_example():
            assert min_capacity([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5) == 15


        def test_one_day():
            assert min_capacity([3, 2, 2, 4, 1, 4], 1) == 16


        def test_heavy_package_dominates():
            assert min_capacity([1, 1, 10, 1], 4) == 10
            assert min_capacity([1, 1, 10, 1], 3) == 10


        def test_days_equals_len():
            assert min_capacity([5, 2, 8], 3) == 8


        def test_random_against_brute_force():
            rng = random.Random(32)
            for _ in range(150):
                w = [rng.randint(1, 9) for _ in range(rng.randint(1, 9))]
                d = rng.randint(1, len(w))
                assert min_capacity(w, d) == brute(w, d)


        def test_large():
            w = [(i * 7919) % 10000 + 1 for i in range(50000)]
            assert min_capacity(w, 1) == sum(w)
            assert min_capacity(w, 50000) == max(w)
            assert min_capacity(w, 7) == 35721900
        """,
        examples=(ex("weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], days = 5", "15"),),
        bugs=(
            missed_edge(
                r"""
                def min_capacity(weights, days):
                    def needed(cap):
                        d, cur = 1, 0
                        for w in weights:
                            if cur + w > cap:
                                d += 1
                                cur = 0
                            cur += w
                        return d

                    lo, hi = 1, sum(weights)
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if needed(mid) <= days:
                            hi = mid
                        else:
                            lo = mid + 1
                    return lo
                """,
                "capacity below the heaviest package looks feasible",
            ),
            off_by_one(
                r"""
                def min_capacity(weights, days):
                    def needed(cap):
                        d, cur = 1, 0
                        for w in weights:
                            if cur + w >= cap:
                                d += 1
                                cur = 0
                            cur += w
                        return d

                    lo, hi = max(weights), sum(weights)
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if needed(mid) <= days:
                            hi = mid
                        else:
                            lo = mid + 1
                    return lo
                """,
                "a load exactly equal to the capacity starts a new day",
            ),
            too_slow(
                r"""
                def min_capacity(weights, days):
                    cap = max(weights)
                    while True:
                        d, cur = 1, 0
                        for w in weights:
                            if cur + w > cap:
                                d += 1
                                cur = 0
                            cur += w
                        if d <= days:
                            return cap
                        cap += 1
                """,
                "linear scan over capacities",
            ),
        ),
    ),
    fn(
        "Spread Out The Sensors",
        "hard",
        entry="max_min_gap",
        signature="def max_min_gap(positions: list[int], k: int) -> int: ...",
        statement="""
        Sensors can be installed at the given distinct integer `positions` (in any order). Install
        exactly `k` of them so that the smallest distance between two installed sensors is as large
        as possible, and return that distance. `2 <= k <= len(positions) <= 10**5`,
        `0 <= positions[i] <= 10**9`.
        """,
        reference=r"""
        def max_min_gap(positions, k):
            p = sorted(positions)

            def fits(gap):
                count, last = 1, p[0]
                for x in p[1:]:
                    if x - last >= gap:
                        count += 1
                        last = x
                return count >= k

            # any k sensors are at least the smallest neighbour gap apart
            lo = min(b - a for a, b in zip(p, p[1:]))
            hi = p[-1] - p[0]
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if fits(mid):
                    lo = mid
                else:
                    hi = mid - 1
            return lo
        """,
        tests=r"""
        import itertools
        import random

        from solution import max_min_gap


        def brute(p, k):
            best = 0
            for combo in itertools.combinations(sorted(p), k):
                best = max(best, min(b - a for a, b in zip(combo, combo[1:])))
            return best


        def test_example():
            assert max_min_gap([1, 2, 8, 4, 9], 3) == 3


        def test_two_sensors_use_extremes():
            assert max_min_gap([10, 1, 5], 2) == 9


        def test_all_sensors():
            assert max_min_gap([1, 2, 3, 100], 4) == 1


        def test_unsorted_input():
            assert max_min_gap([9, 1, 8, 4, 2], 3) == 3


        def test_random_against_brute_force():
            rng = random.Random(33)
            for _ in range(150):
                p = rng.sample(range(40), rng.randint(2, 8))
                k = rng.randint(2, len(p))
                assert max_min_gap(list(p), k) == brute(p, k)


        def test_large():
            p = [i * 10000 + (i * 7) % 13 for i in range(100000)]
            assert max_min_gap(p, 2) == p[-1] - p[0]
            assert max_min_gap(p, 100000) == min(b - a for a, b in zip(p, p[1:]))
            assert max_min_gap(p, 1000) == 999998
        """,
        examples=(ex("positions = [1, 2, 8, 4, 9], k = 3", "3", "Install at 1, 4 and 8 (or 9)."),),
        bugs=(
            missed_edge(
                r"""
                def max_min_gap(positions, k):
                    p = positions

                    def fits(gap):
                        count, last = 1, p[0]
                        for x in p[1:]:
                            if x - last >= gap:
                                count += 1
                                last = x
                        return count >= k

                    lo, hi = 1, max(p) - min(p)
                    while lo < hi:
                        mid = (lo + hi + 1) // 2
                        if fits(mid):
                            lo = mid
                        else:
                            hi = mid - 1
                    return lo
                """,
                "forgets to sort the positions",
            ),
            off_by_one(
                r"""
                def max_min_gap(positions, k):
                    p = sorted(positions)

                    def fits(gap):
                        count, last = 1, p[0]
                        for x in p[1:]:
                            if x - last > gap:
                                count += 1
                                last = x
                        return count >= k

                    lo, hi = 1, p[-1] - p[0]
                    while lo < hi:
                        mid = (lo + hi + 1) // 2
                        if fits(mid):
                            lo = mid
                        else:
                            hi = mid - 1
                    return lo
                """,
                "requires gaps strictly larger than the candidate",
            ),
            too_slow(
                r"""
                def max_min_gap(positions, k):
                    p = sorted(positions)
                    best = 0
                    gap = 1
                    while gap <= p[-1] - p[0]:
                        count, last = 1, p[0]
                        for x in p[1:]:
                            if x - last >= gap:
                                count += 1
                                last = x
                        if count < k:
                            break
                        best = gap
                        gap += 1
                    return best
                """,
                "tries every gap in turn",
            ),
        ),
    ),
)

INVERSIONS = family(
    "inversions",
    "Counting inversions",
    "sorting",
    ("sorting", "merge sort", "inversions", "divide and conquer", "counting", "binary search"),
    fn(
        "Count Inversions In A Short List",
        "easy",
        entry="count_inversions",
        signature="def count_inversions(nums: list[int]) -> int: ...",
        statement="""
        Return the number of index pairs `i < j` with `nums[i] > nums[j]` (strictly greater; equal
        values are not an inversion). `0 <= len(nums) <= 500`.
        """,
        reference=r"""
        def count_inversions(nums):
            n = len(nums)
            return sum(1 for i in range(n) for j in range(i + 1, n) if nums[i] > nums[j])
        """,
        tests=r"""
        import random

        from solution import count_inversions


        def test_example():
            assert count_inversions([2, 4, 1, 3, 5]) == 3


        def test_sorted_and_empty():
            assert count_inversions([]) == 0
            assert count_inversions([1, 2, 3]) == 0


        def test_equal_values_are_not_inversions():
            assert count_inversions([2, 2, 2]) == 0
            assert count_inversions([3, 3, 1]) == 2


        def test_reversed():
            assert count_inversions([5, 4, 3, 2, 1]) == 10


        def test_inversion_with_last():
            assert count_inversions([1, 2, 3, 0]) == 3


        def test_random():
            rng = random.Random(41)
            for _ in range(100):
                a = [rng.randint(0, 5) for _ in range(rng.randint(0, 12))]
                want = sum(1 for i in range(len(a)) for j in range(i + 1, len(a)) if a[i] > a[j])
                assert count_inversions(a) == want
        """,
        examples=(ex("nums = [2, 4, 1, 3, 5]", "3", "(2, 1), (4, 1), (4, 3)."),),
        bugs=(
            missed_edge(
                r"""
                def count_inversions(nums):
                    n = len(nums)
                    return sum(1 for i in range(n) for j in range(i + 1, n) if nums[i] >= nums[j])
                """,
                "counts equal values",
            ),
            off_by_one(
                r"""
                def count_inversions(nums):
                    n = len(nums)
                    return sum(1 for i in range(n) for j in range(i + 1, n - 1) if nums[i] > nums[j])
                """,
                "never pairs with the last element",
            ),
        ),
    ),
    fn(
        "Count Inversions At Scale",
        "medium",
        entry="count_inversions_fast",
        signature="def count_inversions_fast(nums: list[int]) -> int: ...",
        statement="""
        Return the number of index pairs `i < j` with `nums[i] > nums[j]`.
        `0 <= len(nums) <= 10**5`, `|nums[i]| <= 10**9`. A quadratic algorithm is too slow.
        """,
        reference=r"""
        def count_inversions_fast(nums):
            def sort(a):
                if len(a) <= 1:
                    return a, 0
                mid = len(a) // 2
                left, x = sort(a[:mid])
                right, y = sort(a[mid:])
                merged = []
                inv = x + y
                i = j = 0
                while i < len(left) and j < len(right):
                    if left[i] <= right[j]:
                        merged.append(left[i])
                        i += 1
                    else:
                        merged.append(right[j])
                        inv += len(left) - i
                        j += 1
                merged.extend(left[i:])
                merged.extend(right[j:])
                return merged, inv

            return sort(list(nums))[1]
        """,
        tests=r"""
        import random

        from solution import count_inversions_fast


        def brute(a):
            return sum(1 for i in range(len(a)) for j in range(i + 1, len(a)) if a[i] > a[j])


        def test_example():
            assert count_inversions_fast([2, 4, 1, 3, 5]) == 3


        def test_duplicates():
            assert count_inversions_fast([1, 1, 1]) == 0
            assert count_inversions_fast([2, 1, 2, 1]) == 3


        def test_empty():
            assert count_inversions_fast([]) == 0


        def test_random_against_brute_force():
            rng = random.Random(42)
            for _ in range(200):
                a = [rng.randint(-4, 4) for _ in range(rng.randint(0, 14))]
                assert count_inversions_fast(list(a)) == brute(a)


        def test_large_reversed():
            n = 100000
            assert count_inversions_fast(list(range(n, 0, -1))) == n * (n - 1) // 2


        def test_large_mixed():
            a = [(i * 7919) % 100003 for i in range(100000)]
            assert count_inversions_fast(a) == 2500038684
        """,
        examples=(ex("nums = [2, 4, 1, 3, 5]", "3"),),
        bugs=(
            missed_edge(
                r"""
                def count_inversions_fast(nums):
                    def sort(a):
                        if len(a) <= 1:
                            return a, 0
                        mid = len(a) // 2
                        left, x = sort(a[:mid])
                        right, y = sort(a[mid:])
                        merged = []
                        inv = x + y
                        i = j = 0
                        while i < len(left) and j < len(right):
                            if left[i] < right[j]:
                                merged.append(left[i])
                                i += 1
                            else:
                                merged.append(right[j])
                                inv += len(left) - i
                                j += 1
                        merged.extend(left[i:])
                        merged.extend(right[j:])
                        return merged, inv

                    return sort(list(nums))[1]
                """,
                "equal values counted as inversions",
            ),
            too_slow(
                r"""
                def count_inversions_fast(nums):
                    n = len(nums)
                    total = 0
                    for i in range(n):
                        x = nums[i]
                        for j in range(i + 1, n):
                            if x > nums[j]:
                                total += 1
                    return total
                """,
                "quadratic",
            ),
        ),
    ),
    fn(
        "Count Important Reverse Pairs",
        "hard",
        entry="reverse_pairs",
        signature="def reverse_pairs(nums: list[int]) -> int: ...",
        statement="""
        Return the number of index pairs `i < j` with `nums[i] > 2 * nums[j]`. Values can be
        negative. `0 <= len(nums) <= 5 * 10**4`, `|nums[i]| <= 2**31`.
        """,
        reference=r"""
        def reverse_pairs(nums):
            def sort(a):
                if len(a) <= 1:
                    return a, 0
                mid = len(a) // 2
                left, x = sort(a[:mid])
                right, y = sort(a[mid:])
                count = x + y
                j = 0
                for v in left:
                    while j < len(right) and v > 2 * right[j]:
                        j += 1
                    count += j
                return sorted(left + right), count

            return sort(list(nums))[1]
        """,
        tests=r"""
        import random

        from solution import reverse_pairs


        def brute(a):
            return sum(1 for i in range(len(a)) for j in range(i + 1, len(a)) if a[i] > 2 * a[j])


        def test_example():
            assert reverse_pairs([1, 3, 2, 3, 1]) == 2


        def test_negatives():
            assert reverse_pairs([-5, -5]) == 1
            assert reverse_pairs([-3, -2]) == 1


        def test_odd_values():
            assert reverse_pairs([3, 1]) == 1
            assert reverse_pairs([2, 1]) == 0


        def test_empty():
            assert reverse_pairs([]) == 0


        def test_random_against_brute_force():
            rng = random.Random(43)
            for _ in range(250):
                a = [rng.randint(-9, 9) for _ in range(rng.randint(0, 12))]
                assert reverse_pairs(list(a)) == brute(a)


        def test_large():
            n = 50000
            a = list(range(n, 0, -1))
            assert reverse_pairs(a) == sum(max(0, (v - 1) // 2) for v in range(1, n + 1))
        """,
        examples=(ex("nums = [1, 3, 2, 3, 1]", "2", "(3, 1) at indices (1, 4) and (3, 4)."),),
        bugs=(
            missed_edge(
                r"""
                def reverse_pairs(nums):
                    def sort(a):
                        if len(a) <= 1:
                            return a, 0
                        mid = len(a) // 2
                        left, x = sort(a[:mid])
                        right, y = sort(a[mid:])
                        count = x + y
                        j = 0
                        for v in left:
                            while j < len(right) and v // 2 > right[j]:
                                j += 1
                            count += j
                        return sorted(left + right), count

                    return sort(list(nums))[1]
                """,
                "integer halving breaks for odd and negative values",
            ),
            too_slow(
                r"""
                def reverse_pairs(nums):
                    n = len(nums)
                    total = 0
                    for i in range(n):
                        for j in range(i + 1, n):
                            if nums[i] > 2 * nums[j]:
                                total += 1
                    return total
                """,
                "quadratic",
            ),
        ),
    ),
)

INCREASING = family(
    "increasing_subsequences",
    "Increasing subsequences",
    "dynamic programming",
    ("subsequence", "increasing", "lis", "dynamic programming", "binary search", "patience sorting"),
    fn(
        "Longest Increasing Subsequence",
        "easy",
        entry="lis_length",
        signature="def lis_length(nums: list[int]) -> int: ...",
        statement="""
        Return the length of the longest strictly increasing subsequence of `nums` (not necessarily
        contiguous). `0 <= len(nums) <= 1000`.
        """,
        reference=r"""
        import bisect


        def lis_length(nums):
            tails = []
            for x in nums:
                i = bisect.bisect_left(tails, x)
                if i == len(tails):
                    tails.append(x)
                else:
                    tails[i] = x
            return len(tails)
        """,
        tests=r"""
        import random

        from solution import lis_length


        def brute(a):
            best = [1] * len(a)
            for i in range(len(a)):
                for j in range(i):
                    if a[j] < a[i]:
                        best[i] = max(best[i], best[j] + 1)
            return max(best, default=0)


        def test_example():
            assert lis_length([10, 9, 2, 5, 3, 7, 101, 18]) == 4


        def test_strictly_increasing_only():
            assert lis_length([7, 7, 7, 7]) == 1
            assert lis_length([1, 2, 2, 3]) == 3


        def test_empty():
            assert lis_length([]) == 0


        def test_decreasing():
            assert lis_length([5, 4, 3, 2, 1]) == 1


        def test_random_against_brute_force():
            rng = random.Random(51)
            for _ in range(200):
                a = [rng.randint(0, 9) for _ in range(rng.randint(0, 15))]
                assert lis_length(list(a)) == brute(a)
        """,
        examples=(ex("nums = [10, 9, 2, 5, 3, 7, 101, 18]", "4", "[2, 3, 7, 18]."),),
        bugs=(
            missed_edge(
                r"""
                import bisect


                def lis_length(nums):
                    tails = []
                    for x in nums:
                        i = bisect.bisect_right(tails, x)
                        if i == len(tails):
                            tails.append(x)
                        else:
                            tails[i] = x
                    return len(tails)
                """,
                "non-decreasing instead of strictly increasing",
            ),
            off_by_one(
                r"""
                def lis_length(nums):
                    if not nums:
                        return 0
                    best = [1] * len(nums)
                    for i in range(1, len(nums)):
                        for j in range(i - 1):
                            if nums[j] < nums[i]:
                                best[i] = max(best[i], best[j] + 1)
                    return max(best)
                """,
                "never extends from the immediately preceding element",
            ),
        ),
    ),
    fn(
        "Longest Increasing Subsequence At Scale",
        "medium",
        entry="lis_length_fast",
        signature="def lis_length_fast(nums: list[int]) -> int: ...",
        statement="""
        Return the length of the longest strictly increasing subsequence of `nums`.
        `0 <= len(nums) <= 2 * 10**5`, `|nums[i]| <= 10**9`. Quadratic algorithms are too slow.
        """,
        reference=r"""
        import bisect


        def lis_length_fast(nums):
            tails = []
            for x in nums:
                i = bisect.bisect_left(tails, x)
                if i == len(tails):
                    tails.append(x)
                else:
                    tails[i] = x
            return len(tails)
        """,
        tests=r"""
        import random

        from solution import lis_length_fast


        def brute(a):
            best = [1] * len(a)
            for i in range(len(a)):
                for j in range(i):
                    if a[j] < a[i]:
                        best[i] = max(best[i], best[j] + 1)
            return max(best, default=0)


        def test_example():
            assert lis_length_fast([0, 1, 0, 3, 2, 3]) == 4


        def test_duplicates():
            assert lis_length_fast([2, 2, 3, 3, 4, 4]) == 3


        def test_empty():
            assert lis_length_fast([]) == 0


        def test_random_against_brute_force():
            rng = random.Random(52)
            for _ in range(200):
                a = [rng.randint(-5, 5) for _ in range(rng.randint(0, 15))]
                assert lis_length_fast(list(a)) == brute(a)


        def test_large_increasing():
            assert lis_length_fast(list(range(200000))) == 200000


        def test_large_mixed():
            a = [(i * 7919) % 100003 for i in range(100000)]
            assert lis_length_fast(a) == 306
        """,
        examples=(ex("nums = [0, 1, 0, 3, 2, 3]", "4"),),
        bugs=(
            missed_edge(
                r"""
                import bisect


                def lis_length_fast(nums):
                    tails = []
                    for x in nums:
                        i = bisect.bisect_right(tails, x)
                        if i == len(tails):
                            tails.append(x)
                        else:
                            tails[i] = x
                    return len(tails)
                """,
                "non-decreasing",
            ),
            too_slow(
                r"""
                def lis_length_fast(nums):
                    best = [1] * len(nums)
                    for i in range(len(nums)):
                        x = nums[i]
                        for j in range(i):
                            if nums[j] < x and best[j] + 1 > best[i]:
                                best[i] = best[j] + 1
                    return max(best, default=0)
                """,
                "quadratic DP",
            ),
        ),
    ),
    fn(
        "Nesting Envelopes",
        "hard",
        entry="max_nested",
        signature="def max_nested(envelopes: list[tuple[int, int]]) -> int: ...",
        statement="""
        Each envelope is `(width, height)`. Envelope A fits into B when both A's width and A's height
        are strictly smaller than B's. Return the maximum number of envelopes in a chain where each
        fits into the next (rotation is not allowed). `1 <= len(envelopes) <= 10**5`, sides up to
        `10**9`.
        """,
        reference=r"""
        import bisect


        def max_nested(envelopes):
            order = sorted(envelopes, key=lambda e: (e[0], -e[1]))
            tails = []
            for _, h in order:
                i = bisect.bisect_left(tails, h)
                if i == len(tails):
                    tails.append(h)
                else:
                    tails[i] = h
            return len(tails)
        """,
        tests=r"""
        import random

        from solution import max_nested


        def brute(env):
            env = sorted(env)
            best = [1] * len(env)
            for i in range(len(env)):
                for j in range(i):
                    if env[j][0] < env[i][0] and env[j][1] < env[i][1]:
                        best[i] = max(best[i], best[j] + 1)
            return max(best)


        def test_example():
            assert max_nested([(5, 4), (6, 4), (6, 7), (2, 3)]) == 3


        def test_equal_widths_do_not_nest():
            assert max_nested([(1, 1), (1, 2), (1, 3)]) == 1


        def test_equal_heights_do_not_nest():
            assert max_nested([(1, 5), (2, 5), (3, 5)]) == 1


        def test_single():
            assert max_nested([(4, 4)]) == 1


        def test_random_against_brute_force():
            rng = random.Random(53)
            for _ in range(200):
                env = [(rng.randint(1, 6), rng.randint(1, 6)) for _ in range(rng.randint(1, 10))]
                assert max_nested(list(env)) == brute(env)


        def test_large():
            env = [(i, i) for i in range(1, 100001)]
            assert max_nested(env) == 100000
            rng = random.Random(54)
            env2 = [(rng.randint(1, 10**9), rng.randint(1, 10**9)) for _ in range(100000)]
            assert max_nested(env2) == 614
        """,
        examples=(ex("envelopes = [(5, 4), (6, 4), (6, 7), (2, 3)]", "3", "(2,3) -> (5,4) -> (6,7)."),),
        bugs=(
            missed_edge(
                r"""
                import bisect


                def max_nested(envelopes):
                    order = sorted(envelopes)
                    tails = []
                    for _, h in order:
                        i = bisect.bisect_left(tails, h)
                        if i == len(tails):
                            tails.append(h)
                        else:
                            tails[i] = h
                    return len(tails)
                """,
                "equal widths can chain when heights are sorted ascending",
            ),
            too_slow(
                r"""
                def max_nested(envelopes):
                    env = sorted(envelopes)
                    best = [1] * len(env)
                    for i in range(len(env)):
                        w, h = env[i]
                        for j in range(i):
                            if env[j][0] < w and env[j][1] < h and best[j] + 1 > best[i]:
                                best[i] = best[j] + 1
                    return max(best)
                """,
                "quadratic DP",
            ),
        ),
    ),
)

FAMILIES = (SORTED_SEARCH, SEARCH_ANSWER, INVERSIONS, INCREASING)
