"""Data structures: stacks, heaps, caches, union-find."""

from __future__ import annotations

from gapforge.demo.bank.schema import cases, ex, family, fn, io, missed_edge, off_by_one, too_slow

STACKS = family(
    "stacks",
    "Stacks and monotonic stacks",
    "data structures",
    ("stack", "stacks", "monotonic", "monotonic stack", "data structures", "histogram", "rpn"),
    fn(
        "Evaluate Reverse Polish Notation",
        "easy",
        entry="eval_rpn",
        signature="def eval_rpn(tokens: list[str]) -> int: ...",
        statement="""
        Evaluate an expression in reverse Polish notation. Tokens are integers (possibly negative,
        like "-3") or one of `+ - * /`. Division truncates toward zero. The expression is valid and
        never divides by zero. `1 <= len(tokens) <= 10**4`.
        """,
        reference=r"""
        def eval_rpn(tokens):
            stack = []
            for t in tokens:
                if t in ("+", "-", "*", "/"):
                    b = stack.pop()
                    a = stack.pop()
                    if t == "+":
                        stack.append(a + b)
                    elif t == "-":
                        stack.append(a - b)
                    elif t == "*":
                        stack.append(a * b)
                    else:
                        q = abs(a) // abs(b)
                        stack.append(q if (a < 0) == (b < 0) else -q)
                else:
                    stack.append(int(t))
            return stack[-1]
        """,
        tests=r"""
        from solution import eval_rpn


        def test_example():
            assert eval_rpn(["2", "1", "+", "3", "*"]) == 9


        def test_truncating_division():
            assert eval_rpn(["4", "13", "5", "/", "+"]) == 6
            assert eval_rpn(["-7", "2", "/"]) == -3


        def test_negative_operands():
            assert eval_rpn(["-3", "4", "*"]) == -12


        def test_single_number():
            assert eval_rpn(["42"]) == 42


        def test_long():
            assert eval_rpn(["1"] + ["1", "+"] * 5000) == 5001
        """,
        examples=(ex('tokens = ["2", "1", "+", "3", "*"]', "9"),),
        bugs=(
            missed_edge(
                r"""
                def eval_rpn(tokens):
                    stack = []
                    for t in tokens:
                        if t.isdigit():
                            stack.append(int(t))
                            continue
                        b = stack.pop()
                        a = stack.pop()
                        if t == "+":
                            stack.append(a + b)
                        elif t == "-":
                            stack.append(a - b)
                        elif t == "*":
                            stack.append(a * b)
                        else:
                            stack.append(int(a / b))
                    return stack[-1]
                """,
                "negative numbers are taken for operators",
            ),
            missed_edge(
                r"""
                def eval_rpn(tokens):
                    stack = []
                    for t in tokens:
                        if t in ("+", "-", "*", "/"):
                            b = stack.pop()
                            a = stack.pop()
                            stack.append({"+": a + b, "-": a - b, "*": a * b, "/": a // b if b else 0}[t])
                        else:
                            stack.append(int(t))
                    return stack[-1]
                """,
                "floor division",
            ),
        ),
    ),
    fn(
        "Next Greater Element",
        "medium",
        entry="next_greater",
        signature="def next_greater(nums: list[int]) -> list[int]: ...",
        statement="""
        For every position `i` return the first value to the right of `nums[i]` that is strictly
        greater than it, or -1 if there is none. `0 <= len(nums) <= 2 * 10**5`.
        """,
        reference=r"""
        def next_greater(nums):
            out = [-1] * len(nums)
            stack = []
            for i, x in enumerate(nums):
                while stack and nums[stack[-1]] < x:
                    out[stack.pop()] = x
                stack.append(i)
            return out
        """,
        tests=r"""
        import random

        from solution import next_greater


        def brute(a):
            out = []
            for i in range(len(a)):
                out.append(next((a[j] for j in range(i + 1, len(a)) if a[j] > a[i]), -1))
            return out


        def test_example():
            assert next_greater([2, 1, 2, 4, 3]) == [4, 2, 4, -1, -1]


        def test_equal_values_are_not_greater():
            assert next_greater([5, 5, 6]) == [6, 6, -1]
            assert next_greater([3, 3]) == [-1, -1]


        def test_empty():
            assert next_greater([]) == []


        def test_random_against_brute_force():
            rng = random.Random(91)
            for _ in range(300):
                a = [rng.randint(0, 6) for _ in range(rng.randint(0, 12))]
                assert next_greater(list(a)) == brute(a)


        def test_large_decreasing():
            n = 200000
            a = list(range(n, 0, -1))
            assert next_greater(a) == [-1] * n
            assert next_greater(a + [n + 1]) == [n + 1] * n + [-1]
        """,
        examples=(ex("nums = [2, 1, 2, 4, 3]", "[4, 2, 4, -1, -1]"),),
        bugs=(
            missed_edge(
                r"""
                def next_greater(nums):
                    out = [-1] * len(nums)
                    stack = []
                    for i, x in enumerate(nums):
                        while stack and nums[stack[-1]] <= x:
                            out[stack.pop()] = x
                        stack.append(i)
                    return out
                """,
                "equal values count as greater",
            ),
            too_slow(
                r"""
                def next_greater(nums):
                    out = []
                    n = len(nums)
                    for i in range(n):
                        found = -1
                        for j in range(i + 1, n):
                            if nums[j] > nums[i]:
                                found = nums[j]
                                break
                        out.append(found)
                    return out
                """,
                "quadratic on decreasing input",
            ),
        ),
    ),
    fn(
        "Largest Rectangle In A Histogram",
        "hard",
        entry="largest_rectangle",
        signature="def largest_rectangle(heights: list[int]) -> int: ...",
        statement="""
        Bars of width 1 have the given non-negative `heights`. Return the area of the largest
        axis-aligned rectangle that fits under the bars. `1 <= len(heights) <= 2 * 10**5`,
        heights up to `10**9`.
        """,
        reference=r"""
        def largest_rectangle(heights):
            stack = []
            best = 0
            for i, h in enumerate(list(heights) + [0]):
                start = i
                while stack and stack[-1][1] >= h:
                    start, top = stack.pop()
                    best = max(best, top * (i - start))
                stack.append((start, h))
            return best
        """,
        tests=r"""
        import random

        from solution import largest_rectangle


        def brute(h):
            best = 0
            for i in range(len(h)):
                low = h[i]
                for j in range(i, len(h)):
                    low = min(low, h[j])
                    best = max(best, low * (j - i + 1))
            return best


        def test_example():
            assert largest_rectangle([2, 1, 5, 6, 2, 3]) == 10


        def test_increasing():
            assert largest_rectangle([1, 2, 3, 4, 5]) == 9


        def test_single_and_zero():
            assert largest_rectangle([7]) == 7
            assert largest_rectangle([0, 0]) == 0


        def test_equal_heights():
            assert largest_rectangle([3, 3, 3]) == 9


        def test_random_against_brute_force():
            rng = random.Random(92)
            for _ in range(300):
                h = [rng.randint(0, 6) for _ in range(rng.randint(1, 12))]
                assert largest_rectangle(list(h)) == brute(h)


        def test_large():
            n = 200000
            assert largest_rectangle([1] * n) == n
            assert largest_rectangle(list(range(1, n + 1))) == (n // 2) * (n - n // 2 + 1)
        """,
        examples=(ex("heights = [2, 1, 5, 6, 2, 3]", "10", "Heights 5 and 6 give a 5 x 2 rectangle."),),
        bugs=(
            missed_edge(
                r"""
                def largest_rectangle(heights):
                    stack = []
                    best = 0
                    for i, h in enumerate(heights):
                        start = i
                        while stack and stack[-1][1] >= h:
                            start, top = stack.pop()
                            best = max(best, top * (i - start))
                        stack.append((start, h))
                    return best
                """,
                "never flushes the bars left on the stack",
            ),
            off_by_one(
                r"""
                def largest_rectangle(heights):
                    stack = [-1]
                    best = 0
                    h = list(heights) + [0]
                    for i, x in enumerate(h):
                        while stack[-1] != -1 and h[stack[-1]] >= x:
                            top = h[stack.pop()]
                            best = max(best, top * (i - stack[-1]))
                        stack.append(i)
                    return best
                """,
                "width is one too large",
            ),
            too_slow(
                r"""
                def largest_rectangle(heights):
                    best = 0
                    n = len(heights)
                    for i in range(n):
                        low = heights[i]
                        for j in range(i, n):
                            if heights[j] < low:
                                low = heights[j]
                            if low * (j - i + 1) > best:
                                best = low * (j - i + 1)
                    return best
                """,
                "quadratic",
            ),
        ),
    ),
)

HEAPS = family(
    "heaps",
    "Heaps and priority queues",
    "heaps",
    ("heap", "heaps", "priority queue", "priority queues", "median", "merge", "top k", "data structures"),
    fn(
        "K Largest Values",
        "easy",
        entry="k_largest",
        signature="def k_largest(nums: list[int], k: int) -> list[int]: ...",
        statement="""
        Return the `k` largest values of `nums` in descending order (duplicates count separately).
        If `k` exceeds `len(nums)` return all values in descending order; `k = 0` gives `[]`.
        `0 <= k`, `0 <= len(nums) <= 10**5`.
        """,
        reference=r"""
        import heapq


        def k_largest(nums, k):
            return heapq.nlargest(k, nums)
        """,
        tests=r"""
        from solution import k_largest


        def test_example():
            assert k_largest([3, 1, 5, 12, 2, 11], 3) == [12, 11, 5]


        def test_k_zero():
            assert k_largest([1, 2, 3], 0) == []


        def test_k_too_large():
            assert k_largest([2, 9], 5) == [9, 2]


        def test_duplicates():
            assert k_largest([4, 4, 1, 4], 2) == [4, 4]


        def test_k_equals_len():
            assert k_largest([1, -1, 0], 3) == [1, 0, -1]
        """,
        examples=(ex("nums = [3, 1, 5, 12, 2, 11], k = 3", "[12, 11, 5]"),),
        bugs=(
            missed_edge(
                r"""
                def k_largest(nums, k):
                    return sorted(nums)[-k:][::-1]
                """,
                "k = 0 returns everything",
            ),
            off_by_one(
                r"""
                def k_largest(nums, k):
                    out = sorted(nums, reverse=True)
                    return out[:min(k, len(out) - 1)] if k else []
                """,
                "caps k at len(nums) - 1",
            ),
        ),
    ),
    fn(
        "Merge K Sorted Lists",
        "medium",
        entry="merge_sorted",
        signature="def merge_sorted(lists: list[list[int]]) -> list[int]: ...",
        statement="""
        Merge the sorted lists into one sorted list. Some lists may be empty. Up to `2 * 10**4`
        lists with `2 * 10**5` values in total.
        """,
        reference=r"""
        import heapq


        def merge_sorted(lists):
            heap = [(lst[0], i, 0) for i, lst in enumerate(lists) if lst]
            heapq.heapify(heap)
            out = []
            while heap:
                v, i, j = heapq.heappop(heap)
                out.append(v)
                if j + 1 < len(lists[i]):
                    heapq.heappush(heap, (lists[i][j + 1], i, j + 1))
            return out
        """,
        tests=r"""
        import random

        from solution import merge_sorted


        def test_example():
            assert merge_sorted([[1, 4, 5], [1, 3, 4], [2, 6]]) == [1, 1, 2, 3, 4, 4, 5, 6]


        def test_empty_lists():
            assert merge_sorted([[], [3], []]) == [3]
            assert merge_sorted([]) == []
            assert merge_sorted([[]]) == []


        def test_negative_and_duplicates():
            assert merge_sorted([[-2, -2], [-3, 0]]) == [-3, -2, -2, 0]


        def test_random():
            rng = random.Random(93)
            for _ in range(100):
                lists = [sorted(rng.randint(-9, 9) for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(0, 6))]
                assert merge_sorted([list(x) for x in lists]) == sorted(v for x in lists for v in x)


        def test_many_lists():
            lists = [list(range(i, 200000, 20000)) for i in range(20000)]
            assert merge_sorted(lists) == list(range(200000))
        """,
        examples=(ex("lists = [[1, 4, 5], [1, 3, 4], [2, 6]]", "[1, 1, 2, 3, 4, 4, 5, 6]"),),
        bugs=(
            missed_edge(
                r"""
                import heapq


                def merge_sorted(lists):
                    heap = [(lst[0], i, 0) for i, lst in enumerate(lists)]
                    heapq.heapify(heap)
                    out = []
                    while heap:
                        v, i, j = heapq.heappop(heap)
                        out.append(v)
                        if j + 1 < len(lists[i]):
                            heapq.heappush(heap, (lists[i][j + 1], i, j + 1))
                    return out
                """,
                "crashes on empty lists",
            ),
            too_slow(
                r"""
                def merge_sorted(lists):
                    pos = [0] * len(lists)
                    out = []
                    while True:
                        best = -1
                        for i, lst in enumerate(lists):
                            if pos[i] < len(lst) and (best < 0 or lst[pos[i]] < lists[best][pos[best]]):
                                best = i
                        if best < 0:
                            return out
                        out.append(lists[best][pos[best]])
                        pos[best] += 1
                """,
                "scans every list head for every output value",
            ),
        ),
    ),
    fn(
        "Running Median",
        "hard",
        entry="running_medians",
        signature="def running_medians(stream: list[int]) -> list[float]: ...",
        statement="""
        Values arrive one by one. After each arrival report the median of all values so far as a
        float: the middle value for an odd count, the mean of the two middle values for an even
        count (e.g. 2.5). `1 <= len(stream) <= 2 * 10**5`, `|value| <= 10**9`.
        """,
        reference=r"""
        import heapq


        def running_medians(stream):
            low, high = [], []
            out = []
            for x in stream:
                if low and x > -low[0]:
                    heapq.heappush(high, x)
                else:
                    heapq.heappush(low, -x)
                if len(low) > len(high) + 1:
                    heapq.heappush(high, -heapq.heappop(low))
                elif len(high) > len(low):
                    heapq.heappush(low, -heapq.heappop(high))
                if len(low) > len(high):
                    out.append(float(-low[0]))
                else:
                    out.append((-low[0] + high[0]) / 2)
            return out
        """,
        tests=r"""
        import random
        import statistics

        from solution import running_medians


        def test_example():
            assert running_medians([5, 15, 1, 3]) == [5.0, 10.0, 5.0, 4.0]


        def test_half_values():
            assert running_medians([1, 2]) == [1.0, 1.5]


        def test_negatives():
            assert running_medians([-5, -2, -9]) == [-5.0, -3.5, -5.0]


        def test_duplicates():
            assert running_medians([4, 4, 4, 1]) == [4.0, 4.0, 4.0, 4.0]


        def test_random_against_statistics():
            rng = random.Random(94)
            for _ in range(50):
                s = [rng.randint(-20, 20) for _ in range(rng.randint(1, 25))]
                want = [float(statistics.median(s[:i + 1])) for i in range(len(s))]
                assert running_medians(list(s)) == want


        def test_large():
            n = 200000
            s = [(i * 7919) % 100003 for i in range(n)]
            got = running_medians(s)
            assert len(got) == n
            assert got[-1] == float(statistics.median(s))
        """,
        examples=(ex("stream = [5, 15, 1, 3]", "[5.0, 10.0, 5.0, 4.0]"),),
        bugs=(
            missed_edge(
                r"""
                import heapq


                def running_medians(stream):
                    low, high = [], []
                    out = []
                    for x in stream:
                        if low and x > -low[0]:
                            heapq.heappush(high, x)
                        else:
                            heapq.heappush(low, -x)
                        if len(low) > len(high) + 1:
                            heapq.heappush(high, -heapq.heappop(low))
                        elif len(high) > len(low):
                            heapq.heappush(low, -heapq.heappop(high))
                        if len(low) > len(high):
                            out.append(float(-low[0]))
                        else:
                            out.append(float((-low[0] + high[0]) // 2))
                    return out
                """,
                "integer division for even counts",
            ),
            too_slow(
                r"""
                def running_medians(stream):
                    seen = []
                    out = []
                    for x in stream:
                        seen.append(x)
                        s = sorted(seen)
                        n = len(s)
                        out.append(float(s[n // 2]) if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2)
                    return out
                """,
                "sorts everything after each arrival",
            ),
        ),
    ),
)


def _requests(n: int, distinct: int, seed: int) -> list[int]:
    out = []
    x = seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(x % distinct)
    return out


def _cache_input(capacity: int, reqs: list[int]) -> str:
    return f"{capacity} {len(reqs)}\n" + " ".join(map(str, reqs)) + "\n"


CACHES = family(
    "caches",
    "Cache simulation",
    "simulation",
    ("cache", "caches", "lru", "eviction", "simulation", "queue", "data structures", "heaps", "heap"),
    io(
        "FIFO Cache Misses",
        "easy",
        contract="""
        Input: a line "C N" (0 <= C <= 1000, 1 <= N <= 10**4), then a line with N integer keys.
        Output: one line with the number of misses.
        """,
        statement="""
        A cache holds at most C keys. A request for a key in the cache is a hit and changes nothing.
        Otherwise it is a miss and the key is inserted; if the cache was full, first the key that was
        inserted earliest is evicted. With C = 0 nothing is ever stored.
        """,
        reference=r"""
        import sys
        from collections import deque

        data = sys.stdin.read().split()
        cap, n = int(data[0]), int(data[1])
        order = deque()
        inside = set()
        misses = 0
        for tok in data[2:2 + n]:
            k = int(tok)
            if k in inside:
                continue
            misses += 1
            if cap == 0:
                continue
            if len(order) == cap:
                inside.discard(order.popleft())
            order.append(k)
            inside.add(k)
        print(misses)
        """,
        tests=cases(
            ("2 5\n1 2 1 3 1\n", "4\n"),
            ("0 3\n1 1 1\n", "3\n"),
            ("1 4\n7 7 8 7\n", "3\n"),
            ("3 6\n1 2 3 4 1 2\n", "6\n"),
            ("3 7\n1 2 3 1 2 3 4\n", "4\n"),
            ("2 6\n5 6 5 7 5 6\n", "5\n"),
        ),
        examples=(ex("2 5\n1 2 1 3 1", "4"),),
        bugs=(
            off_by_one(
                r"""
                import sys

                data = sys.stdin.read().split()
                cap, n = int(data[0]), int(data[1])
                order = []
                misses = 0
                for tok in data[2:2 + n]:
                    k = int(tok)
                    if k in order:
                        continue
                    misses += 1
                    order.append(k)
                    if len(order) > cap + 1:
                        order.pop(0)
                print(misses)
                """,
                "holds one key too many",
            ),
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                cap, n = int(data[0]), int(data[1])
                order = []
                misses = 0
                for tok in data[2:2 + n]:
                    k = int(tok)
                    if k in order:
                        continue
                    misses += 1
                    if len(order) == cap:
                        order.pop(0)
                    order.append(k)
                print(misses)
                """,
                "capacity 0 still stores a key",
            ),
        ),
    ),
    io(
        "LRU Cache Misses",
        "medium",
        contract="""
        Input: a line "C N" (1 <= C <= 10**5, 1 <= N <= 10**5), then a line with N integer keys.
        Output: one line with the number of misses.
        """,
        statement="""
        A least-recently-used cache holds at most C keys. A hit makes the key the most recently
        used. A miss inserts the key as most recently used, evicting the least recently used key if
        the cache was full. Count the misses; the solution must handle the largest inputs quickly.
        """,
        reference=r"""
        import sys
        from collections import OrderedDict

        data = sys.stdin.read().split()
        cap, n = int(data[0]), int(data[1])
        cache = OrderedDict()
        misses = 0
        for tok in data[2:2 + n]:
            if tok in cache:
                cache.move_to_end(tok)
                continue
            misses += 1
            if len(cache) == cap:
                cache.popitem(last=False)
            cache[tok] = None
        print(misses)
        """,
        tests=cases(
            ("2 5\n1 2 1 3 1\n", "3\n"),
            ("1 4\n7 7 8 7\n", "3\n"),
            ("2 6\n1 2 1 3 2 1\n", "5\n"),
            ("3 7\n1 2 3 1 4 1 2\n", "5\n"),
            ("2 6\n5 6 5 7 5 6\n", "4\n"),
            (_cache_input(300, _requests(2000, 450, 7)), "802\n"),
        ),
        examples=(ex("2 5\n1 2 1 3 1", "3"),),
        bugs=(
            missed_edge(
                r"""
                import sys
                from collections import OrderedDict

                data = sys.stdin.read().split()
                cap, n = int(data[0]), int(data[1])
                cache = OrderedDict()
                misses = 0
                for tok in data[2:2 + n]:
                    if tok in cache:
                        continue
                    misses += 1
                    if len(cache) == cap:
                        cache.popitem(last=False)
                    cache[tok] = None
                print(misses)
                """,
                "hits do not refresh recency (this is FIFO)",
            ),
            off_by_one(
                r"""
                import sys
                from collections import OrderedDict

                data = sys.stdin.read().split()
                cap, n = int(data[0]), int(data[1])
                cache = OrderedDict()
                misses = 0
                for tok in data[2:2 + n]:
                    if tok in cache:
                        cache.move_to_end(tok)
                        continue
                    misses += 1
                    cache[tok] = None
                    if len(cache) > cap + 1:
                        cache.popitem(last=False)
                print(misses)
                """,
                "evicts only above capacity + 1",
            ),
        ),
    ),
    io(
        "Optimal Offline Cache",
        "hard",
        contract="""
        Input: a line "C N" (1 <= C <= 10**5, 1 <= N <= 10**5), then a line with N integer keys.
        Output: one line with the minimum possible number of misses.
        """,
        statement="""
        The whole request sequence is known in advance. A cache holds at most C keys; a request
        for a cached key is a hit, otherwise a miss that brings the key into the cache, and you may
        choose which key to evict when the cache is full. Return the smallest number of misses any
        eviction strategy achieves.
        """,
        expert=True,
        reference=r"""
        import heapq
        import sys

        data = sys.stdin.read().split()
        cap, n = int(data[0]), int(data[1])
        reqs = data[2:2 + n]
        nxt = [0] * n
        last = {}
        for i in range(n - 1, -1, -1):
            nxt[i] = last.get(reqs[i], n + i)
            last[reqs[i]] = i
        cached = {}
        heap = []
        misses = 0
        for i, k in enumerate(reqs):
            if k in cached:
                cached[k] = nxt[i]
                heapq.heappush(heap, (-nxt[i], k))
                continue
            misses += 1
            if len(cached) == cap:
                while True:
                    neg, victim = heapq.heappop(heap)
                    if cached.get(victim) == -neg:
                        del cached[victim]
                        break
            cached[k] = nxt[i]
            heapq.heappush(heap, (-nxt[i], k))
        print(misses)
        """,
        tests=cases(
            ("2 6\n1 2 3 1 2 3\n", "4\n"),
            ("1 4\n7 7 8 7\n", "3\n"),
            ("3 8\n1 2 3 4 1 2 3 4\n", "5\n"),
            ("2 7\n1 2 1 3 1 2 1\n", "4\n"),
            ("3 10\n1 2 3 4 1 2 5 1 2 3\n", "6\n"),
            (_cache_input(200, _requests(2000, 300, 11)), "409\n"),
        ),
        examples=(ex("2 6\n1 2 3 1 2 3", "4"),),
        bugs=(
            missed_edge(
                r"""
                import heapq
                import sys

                data = sys.stdin.read().split()
                cap, n = int(data[0]), int(data[1])
                reqs = data[2:2 + n]
                nxt = [0] * n
                last = {}
                for i in range(n - 1, -1, -1):
                    nxt[i] = last.get(reqs[i], n + i)
                    last[reqs[i]] = i
                cached = set()
                heap = []
                misses = 0
                for i, k in enumerate(reqs):
                    if k in cached:
                        continue
                    misses += 1
                    if len(cached) == cap:
                        neg, victim = heapq.heappop(heap)
                        cached.discard(victim)
                    cached.add(k)
                    heapq.heappush(heap, (-nxt[i], k))
                print(misses)
                """,
                "a hit does not update the key's next use",
            ),
            off_by_one(
                r"""
                import heapq
                import sys

                data = sys.stdin.read().split()
                cap, n = int(data[0]), int(data[1])
                reqs = data[2:2 + n]
                nxt = [0] * n
                last = {}
                for i in range(n - 1, -1, -1):
                    nxt[i] = last.get(reqs[i], n + i)
                    last[reqs[i]] = i
                cached = {}
                heap = []
                misses = 0
                for i, k in enumerate(reqs):
                    if k in cached:
                        cached[k] = nxt[i]
                        heapq.heappush(heap, (-nxt[i], k))
                        continue
                    misses += 1
                    if cached and len(cached) >= cap - 1:
                        while True:
                            neg, victim = heapq.heappop(heap)
                            if cached.get(victim) == -neg:
                                del cached[victim]
                                break
                    cached[k] = nxt[i]
                    heapq.heappush(heap, (-nxt[i], k))
                print(misses)
                """,
                "evicts one step early: holds only C - 1 keys",
            ),
        ),
    ),
)

UNION_FIND = family(
    "union_find",
    "Union-find",
    "graphs",
    ("union find", "union-find", "disjoint set", "connectivity", "components", "graphs", "graph", "islands"),
    fn(
        "Count Connected Components",
        "easy",
        entry="count_components",
        signature="def count_components(n: int, edges: list[tuple[int, int]]) -> int: ...",
        statement="""
        An undirected graph has nodes `0 .. n-1` and the given edges (self-loops and repeated edges
        may appear). Return its number of connected components; an isolated node is a component.
        `1 <= n <= 10**4`, `0 <= len(edges) <= 10**4`.
        """,
        reference=r"""
        def count_components(n, edges):
            parent = list(range(n))

            def find(x):
                while parent[x] != x:
                    parent[x] = parent[parent[x]]
                    x = parent[x]
                return x

            count = n
            for a, b in edges:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[ra] = rb
                    count -= 1
            return count
        """,
        tests=r"""
        from solution import count_components


        def test_example():
            assert count_components(5, [(0, 1), (1, 2), (3, 4)]) == 2


        def test_isolated_nodes():
            assert count_components(4, []) == 4
            assert count_components(3, [(0, 1)]) == 2


        def test_loops_and_repeats():
            assert count_components(3, [(0, 0), (1, 2), (2, 1)]) == 2


        def test_last_node():
            assert count_components(3, [(1, 2)]) == 2
            assert count_components(2, [(0, 1)]) == 1


        def test_chain():
            assert count_components(10000, [(i, i + 1) for i in range(9999)]) == 1
        """,
        examples=(ex("n = 5, edges = [(0, 1), (1, 2), (3, 4)]", "2"),),
        bugs=(
            missed_edge(
                r"""
                def count_components(n, edges):
                    parent = {}

                    def find(x):
                        parent.setdefault(x, x)
                        while parent[x] != x:
                            x = parent[x]
                        return x

                    for a, b in edges:
                        ra, rb = find(a), find(b)
                        if ra != rb:
                            parent[ra] = rb
                    return len({find(x) for x in list(parent)})
                """,
                "nodes without edges are not counted",
            ),
            off_by_one(
                r"""
                def count_components(n, edges):
                    parent = list(range(n))

                    def find(x):
                        while parent[x] != x:
                            x = parent[x]
                        return x

                    for a, b in edges:
                        ra, rb = find(a), find(b)
                        if ra != rb:
                            parent[ra] = rb
                    return len({find(x) for x in range(1, n)})
                """,
                "skips node 0",
            ),
        ),
    ),
    fn(
        "First Redundant Connection",
        "medium",
        entry="first_redundant",
        signature="def first_redundant(n: int, edges: list[tuple[int, int]]) -> tuple[int, int] | None: ...",
        statement="""
        Undirected edges between nodes `0 .. n-1` are added in the given order. Return the first edge
        whose endpoints are already connected when it is added (a self-loop counts), or None if no
        edge is redundant. `1 <= n <= 10**5`, `0 <= len(edges) <= 2 * 10**5`.
        """,
        reference=r"""
        def first_redundant(n, edges):
            parent = list(range(n))

            def find(x):
                while parent[x] != x:
                    parent[x] = parent[parent[x]]
                    x = parent[x]
                return x

            for a, b in edges:
                ra, rb = find(a), find(b)
                if ra == rb:
                    return (a, b)
                parent[ra] = rb
            return None
        """,
        tests=r"""
        from solution import first_redundant


        def test_example():
            assert first_redundant(4, [(0, 1), (1, 2), (2, 0), (2, 3)]) == (2, 0)


        def test_none():
            assert first_redundant(3, [(0, 1), (1, 2)]) is None
            assert first_redundant(1, []) is None


        def test_self_loop():
            assert first_redundant(2, [(1, 1), (0, 1)]) == (1, 1)


        def test_transitive():
            assert first_redundant(5, [(0, 1), (2, 3), (1, 2), (3, 0), (4, 4)]) == (3, 0)
            assert first_redundant(4, [(0, 1), (2, 3), (0, 2), (1, 3)]) == (1, 3)


        def test_large():
            n = 100000
            edges = [(i, i + 1) for i in range(n - 1)] + [(n - 1, 0)]
            assert first_redundant(n, edges) == (n - 1, 0)
        """,
        examples=(ex("n = 4, edges = [(0, 1), (1, 2), (2, 0), (2, 3)]", "(2, 0)"),),
        bugs=(
            missed_edge(
                r"""
                def first_redundant(n, edges):
                    parent = list(range(n))
                    for a, b in edges:
                        if parent[a] == parent[b]:
                            return (a, b)
                        old = parent[a]
                        parent[a] = parent[b]
                        if old != a:
                            parent[old] = parent[b]
                    return None
                """,
                "unions without finding roots",
            ),
            too_slow(
                r"""
                def first_redundant(n, edges):
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        seen = {a}
                        stack = [a]
                        while stack:
                            x = stack.pop()
                            for y in adj[x]:
                                if y not in seen:
                                    seen.add(y)
                                    stack.append(y)
                        if b in seen:
                            return (a, b)
                        adj[a].append(b)
                        adj[b].append(a)
                    return None
                """,
                "a graph search per edge",
            ),
        ),
    ),
    fn(
        "Islands After Each Addition",
        "hard",
        entry="islands_after",
        signature="def islands_after(rows: int, cols: int, cells: list[tuple[int, int]]) -> list[int]: ...",
        statement="""
        A `rows x cols` grid starts as water. Cells are turned into land one at a time (a cell may be
        listed again; it simply stays land). After each step report the number of islands: groups
        of land cells connected horizontally or vertically. `1 <= rows, cols <= 10**4`,
        `1 <= len(cells) <= 10**5`.
        """,
        reference=r"""
        def islands_after(rows, cols, cells):
            parent = {}

            def find(x):
                while parent[x] != x:
                    parent[x] = parent[parent[x]]
                    x = parent[x]
                return x

            count = 0
            out = []
            for r, c in cells:
                key = r * cols + c
                if key not in parent:
                    parent[key] = key
                    count += 1
                    for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                        nr, nc = r + dr, c + dc
                        if 0 <= nr < rows and 0 <= nc < cols and nr * cols + nc in parent:
                            a, b = find(key), find(nr * cols + nc)
                            if a != b:
                                parent[a] = b
                                count -= 1
                out.append(count)
            return out
        """,
        tests=r"""
        import random

        from solution import islands_after


        def brute(rows, cols, cells):
            land = set()
            out = []
            for cell in cells:
                land.add(tuple(cell))
                seen = set()
                n = 0
                for start in land:
                    if start in seen:
                        continue
                    n += 1
                    stack = [start]
                    seen.add(start)
                    while stack:
                        r, c = stack.pop()
                        for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                            if nb in land and nb not in seen:
                                seen.add(nb)
                                stack.append(nb)
                out.append(n)
            return out


        def test_example():
            assert islands_after(3, 3, [(0, 0), (0, 1), (1, 2), (2, 1)]) == [1, 1, 2, 3]


        def test_repeated_cell():
            assert islands_after(2, 2, [(0, 0), (0, 0), (1, 1)]) == [1, 1, 2]


        def test_no_wrap_between_rows():
            assert islands_after(2, 3, [(0, 2), (1, 0)]) == [1, 2]


        def test_merge_many():
            assert islands_after(3, 3, [(0, 1), (1, 0), (1, 2), (2, 1), (1, 1)]) == [1, 2, 3, 4, 1]


        def test_random_against_brute_force():
            rng = random.Random(95)
            for _ in range(60):
                rows, cols = rng.randint(1, 5), rng.randint(1, 5)
                cells = [(rng.randrange(rows), rng.randrange(cols)) for _ in range(rng.randint(1, 15))]
                assert islands_after(rows, cols, cells) == brute(rows, cols, cells)


        def test_large():
            cells = [(r, c) for r in range(300) for c in range(300) if (r + c) % 2 == 0]
            cells += [(r, c) for r in range(300) for c in range(300) if (r + c) % 2 == 1]
            out = islands_after(300, 300, cells[:100000])
            assert out[44999] == 45000
            assert out[-1] == 1
        """,
        examples=(ex("rows = 3, cols = 3, cells = [(0, 0), (0, 1), (1, 2), (2, 1)]", "[1, 1, 2, 3]"),),
        bugs=(
            missed_edge(
                r"""
                def islands_after(rows, cols, cells):
                    parent = {}

                    def find(x):
                        while parent[x] != x:
                            x = parent[x]
                        return x

                    count = 0
                    out = []
                    for r, c in cells:
                        key = r * cols + c
                        parent[key] = key
                        count += 1
                        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                            nr, nc = r + dr, c + dc
                            if 0 <= nr < rows and 0 <= nc < cols and nr * cols + nc in parent:
                                a, b = find(key), find(nr * cols + nc)
                                if a != b:
                                    parent[a] = b
                                    count -= 1
                        out.append(count)
                    return out
                """,
                "a repeated cell is counted as a new island",
            ),
            off_by_one(
                r"""
                def islands_after(rows, cols, cells):
                    parent = {}

                    def find(x):
                        while parent[x] != x:
                            parent[x] = parent[parent[x]]
                            x = parent[x]
                        return x

                    count = 0
                    out = []
                    for r, c in cells:
                        key = r * cols + c
                        if key not in parent:
                            parent[key] = key
                            count += 1
                            for d in (cols, -cols, 1, -1):
                                nb = key + d
                                if 0 <= nb <= rows * cols and nb in parent:
                                    a, b = find(key), find(nb)
                                    if a != b:
                                        parent[a] = b
                                        count -= 1
                        out.append(count)
                    return out
                """,
                "linear neighbours wrap from the end of one row to the next",
            ),
            too_slow(
                r"""
                def islands_after(rows, cols, cells):
                    land = set()
                    out = []
                    for cell in cells:
                        land.add(tuple(cell))
                        seen = set()
                        n = 0
                        for start in land:
                            if start in seen:
                                continue
                            n += 1
                            stack = [start]
                            seen.add(start)
                            while stack:
                                r, c = stack.pop()
                                for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                                    if nb in land and nb not in seen:
                                        seen.add(nb)
                                        stack.append(nb)
                        out.append(n)
                    return out
                """,
                "recounts every island after every step",
            ),
        ),
    ),
)

FAMILIES = (STACKS, HEAPS, CACHES, UNION_FIND)
