"""Intervals: merging, scheduling, coverage."""

from __future__ import annotations

from gapforge.demo.bank.schema import cases, ex, family, fn, io, missed_edge, off_by_one, too_slow

MERGING = family(
    "merge_intervals",
    "Merging intervals",
    "intervals",
    ("intervals", "interval", "merge", "calendar", "free time", "sorting", "sweep line"),
    fn(
        "Merge Overlapping Intervals",
        "easy",
        entry="merge_intervals",
        signature="def merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]: ...",
        statement="""
        Intervals are closed, `(a, b)` with `a <= b`, given in any order. Merge every group of
        intervals that overlap or touch (`(1, 2)` and `(2, 3)` merge into `(1, 3)`) and return the
        result sorted by start. `0 <= len(intervals) <= 10**5`.
        """,
        reference=r"""
        def merge_intervals(intervals):
            out = []
            for a, b in sorted(intervals):
                if out and a <= out[-1][1]:
                    out[-1] = (out[-1][0], max(out[-1][1], b))
                else:
                    out.append((a, b))
            return out
        """,
        tests=r"""
        import random

        from solution import merge_intervals


        def brute(iv):
            cells = set()
            for a, b in iv:
                cells.update(range(2 * a, 2 * b + 1))
            out = []
            for x in sorted(cells):
                if out and x == out[-1][1] + 1:
                    out[-1][1] = x
                else:
                    out.append([x, x])
            return [(a // 2, b // 2) for a, b in out]


        def test_example():
            assert merge_intervals([(1, 3), (2, 6), (8, 10), (15, 18)]) == [(1, 6), (8, 10), (15, 18)]


        def test_touching():
            assert merge_intervals([(1, 2), (2, 3)]) == [(1, 3)]


        def test_unsorted_and_nested():
            assert merge_intervals([(5, 6), (1, 10), (2, 3)]) == [(1, 10)]


        def test_empty_and_points():
            assert merge_intervals([]) == []
            assert merge_intervals([(4, 4), (4, 4)]) == [(4, 4)]


        def test_random_against_brute_force():
            rng = random.Random(121)
            for _ in range(200):
                iv = []
                for _ in range(rng.randint(0, 6)):
                    a = rng.randint(0, 15)
                    iv.append((a, a + rng.randint(0, 4)))
                assert merge_intervals(list(iv)) == brute(iv)
        """,
        examples=(ex("intervals = [(1, 3), (2, 6), (8, 10), (15, 18)]", "[(1, 6), (8, 10), (15, 18)]"),),
        bugs=(
            missed_edge(
                r"""
                def merge_intervals(intervals):
                    out = []
                    for a, b in intervals:
                        if out and a <= out[-1][1]:
                            out[-1] = (out[-1][0], max(out[-1][1], b))
                        else:
                            out.append((a, b))
                    return out
                """,
                "does not sort first",
            ),
            off_by_one(
                r"""
                def merge_intervals(intervals):
                    out = []
                    for a, b in sorted(intervals):
                        if out and a < out[-1][1]:
                            out[-1] = (out[-1][0], max(out[-1][1], b))
                        else:
                            out.append((a, b))
                    return out
                """,
                "touching intervals stay apart",
            ),
        ),
    ),
    fn(
        "Insert Into A Schedule",
        "medium",
        entry="insert_interval",
        signature=(
            "def insert_interval(intervals: list[tuple[int, int]], new: tuple[int, int]) -> list[tuple[int, int]]: ..."
        ),
        statement="""
        `intervals` are closed, sorted by start and pairwise separated (no overlap, no touching).
        Insert the closed interval `new`, merging wherever it overlaps or touches, and return the
        sorted, separated result. `0 <= len(intervals) <= 10**5`.
        """,
        reference=r"""
        def insert_interval(intervals, new):
            a, b = new
            out = []
            i = 0
            n = len(intervals)
            while i < n and intervals[i][1] < a:
                out.append(intervals[i])
                i += 1
            while i < n and intervals[i][0] <= b:
                a = min(a, intervals[i][0])
                b = max(b, intervals[i][1])
                i += 1
            out.append((a, b))
            out.extend(intervals[i:])
            return out
        """,
        tests=r"""
        from solution import insert_interval


        def test_example():
            assert insert_interval([(1, 2), (3, 5), (6, 7), (8, 10), (12, 16)], (4, 8)) == [(1, 2), (3, 10), (12, 16)]


        def test_before_all_and_after_all():
            assert insert_interval([(5, 6)], (1, 2)) == [(1, 2), (5, 6)]
            assert insert_interval([(5, 6)], (8, 9)) == [(5, 6), (8, 9)]


        def test_touching_merges():
            assert insert_interval([(1, 2), (6, 7)], (2, 6)) == [(1, 7)]


        def test_empty():
            assert insert_interval([], (3, 4)) == [(3, 4)]


        def test_covers_everything():
            assert insert_interval([(2, 3), (5, 6)], (0, 10)) == [(0, 10)]


        def test_large():
            iv = [(3 * i, 3 * i + 1) for i in range(100000)]
            out = insert_interval(iv, (30, 60))
            assert len(out) == 100000 - 10
            assert out[10] == (30, 61)
        """,
        examples=(
            ex(
                "intervals = [(1, 2), (3, 5), (6, 7), (8, 10), (12, 16)], new = (4, 8)",
                "[(1, 2), (3, 10), (12, 16)]",
            ),
        ),
        bugs=(
            missed_edge(
                r"""
                def insert_interval(intervals, new):
                    a, b = new
                    out = []
                    placed = False
                    for s, e in intervals:
                        if e < a:
                            out.append((s, e))
                        elif s > b:
                            if not placed:
                                out.append((a, b))
                                placed = True
                            out.append((s, e))
                        else:
                            a, b = min(a, s), max(b, e)
                    return out
                """,
                "never places an interval that goes after everything",
            ),
            off_by_one(
                r"""
                def insert_interval(intervals, new):
                    a, b = new
                    out = []
                    i = 0
                    n = len(intervals)
                    while i < n and intervals[i][1] <= a:
                        out.append(intervals[i])
                        i += 1
                    while i < n and intervals[i][0] < b:
                        a = min(a, intervals[i][0])
                        b = max(b, intervals[i][1])
                        i += 1
                    out.append((a, b))
                    out.extend(intervals[i:])
                    return out
                """,
                "touching intervals are not merged",
            ),
        ),
    ),
    fn(
        "Common Free Time",
        "hard",
        entry="common_free_time",
        signature="def common_free_time(schedules: list[list[tuple[int, int]]]) -> list[tuple[int, int]]: ...",
        statement="""
        Each person's schedule is a list of busy half-open intervals `[start, end)` (unsorted, may
        overlap). Return, sorted, the maximal intervals `[s, e)` with `s < e` during which nobody is
        busy, lying strictly between the earliest start and the latest end over all schedules.
        Times are integers in `[0, 10**9]`; up to `2 * 10**5` intervals in total, at least one.
        """,
        reference=r"""
        def common_free_time(schedules):
            busy = sorted(iv for person in schedules for iv in person)
            out = []
            end = busy[0][1]
            for s, e in busy[1:]:
                if s > end:
                    out.append((end, s))
                end = max(end, e)
            return out
        """,
        tests=r"""
        import random

        from solution import common_free_time


        def brute(schedules):
            busy = [iv for p in schedules for iv in p]
            lo, hi = min(s for s, _ in busy), max(e for _, e in busy)
            free = [t for t in range(lo, hi) if not any(s <= t < e for s, e in busy)]
            out = []
            for t in free:
                if out and out[-1][1] == t:
                    out[-1] = (out[-1][0], t + 1)
                else:
                    out.append((t, t + 1))
            return out


        def test_example():
            assert common_free_time([[(1, 3), (6, 7)], [(2, 4)], [(2, 5), (9, 12)]]) == [(5, 6), (7, 9)]


        def test_touching_is_not_free():
            assert common_free_time([[(1, 3)], [(3, 5)]]) == []


        def test_nested_busy():
            assert common_free_time([[(1, 10)], [(2, 3), (12, 13)]]) == [(10, 12)]


        def test_single_interval():
            assert common_free_time([[(4, 8)]]) == []


        def test_random_against_brute_force():
            rng = random.Random(122)
            for _ in range(150):
                sched = []
                for _ in range(rng.randint(1, 3)):
                    person = []
                    for _ in range(rng.randint(1, 3)):
                        s = rng.randint(0, 20)
                        person.append((s, s + rng.randint(1, 5)))
                    sched.append(person)
                assert common_free_time([list(p) for p in sched]) == brute(sched)


        def test_large():
            sched = [[(10 * i, 10 * i + 7) for i in range(100000)], [(10**9 - 5, 10**9)]]
            out = common_free_time(sched)
            assert len(out) == 100000
            assert out[0] == (7, 10)
            assert out[-1] == (999997, 10**9 - 5)
        """,
        examples=(ex("schedules = [[(1, 3), (6, 7)], [(2, 4)], [(2, 5), (9, 12)]]", "[(5, 6), (7, 9)]"),),
        bugs=(
            missed_edge(
                r"""
                def common_free_time(schedules):
                    busy = sorted(iv for person in schedules for iv in person)
                    out = []
                    end = busy[0][1]
                    for s, e in busy[1:]:
                        if s >= end:
                            out.append((end, s))
                        end = max(end, e)
                    return out
                """,
                "reports empty gaps between touching intervals",
            ),
            off_by_one(
                r"""
                def common_free_time(schedules):
                    busy = sorted(iv for person in schedules for iv in person)
                    out = []
                    for (s1, e1), (s2, e2) in zip(busy, busy[1:]):
                        if s2 > e1:
                            out.append((e1, s2))
                    return out
                """,
                "compares neighbours only, forgetting the running end",
            ),
            too_slow(
                r"""
                def common_free_time(schedules):
                    busy = [iv for person in schedules for iv in person]
                    lo = min(s for s, _ in busy)
                    hi = max(e for _, e in busy)
                    events = {}
                    for s, e in busy:
                        events[s] = events.get(s, 0) + 1
                        events[e] = events.get(e, 0) - 1
                    out = []
                    depth = 0
                    start = None
                    for t in range(lo, hi):
                        depth += events.get(t, 0)
                        if depth == 0 and start is None:
                            start = t
                        elif depth > 0 and start is not None:
                            out.append((start, t))
                            start = None
                    return out
                """,
                "walks every time unit",
            ),
        ),
    ),
)

SCHEDULING = family(
    "interval_scheduling",
    "Interval scheduling",
    "intervals",
    ("scheduling", "intervals", "interval", "greedy", "meetings", "rooms", "weighted", "dynamic programming"),
    fn(
        "Most Non-Overlapping Talks",
        "easy",
        entry="max_talks",
        signature="def max_talks(talks: list[tuple[int, int]]) -> int: ...",
        statement="""
        Each talk occupies the half-open interval `[start, end)` with `start < end`. Return the
        maximum number of talks one person can attend fully (a talk ending at t and one starting at
        t are compatible). `0 <= len(talks) <= 10**5`.
        """,
        reference=r"""
        def max_talks(talks):
            count = 0
            free_at = None
            for s, e in sorted(talks, key=lambda t: t[1]):
                if free_at is None or s >= free_at:
                    count += 1
                    free_at = e
            return count
        """,
        tests=r"""
        import itertools
        import random

        from solution import max_talks


        def brute(talks):
            for k in range(len(talks), 0, -1):
                for combo in itertools.combinations(sorted(talks), k):
                    if all(a[1] <= b[0] for a, b in zip(combo, combo[1:])):
                        return k
            return 0


        def test_example():
            assert max_talks([(1, 4), (3, 5), (0, 6), (5, 7), (8, 9), (5, 9)]) == 3


        def test_touching_is_compatible():
            assert max_talks([(1, 2), (2, 3), (3, 4)]) == 3


        def test_long_early_talk():
            assert max_talks([(0, 100), (1, 2), (2, 3)]) == 2


        def test_empty():
            assert max_talks([]) == 0


        def test_random_against_brute_force():
            rng = random.Random(123)
            for _ in range(150):
                talks = []
                for _ in range(rng.randint(0, 7)):
                    s = rng.randint(0, 12)
                    talks.append((s, s + rng.randint(1, 5)))
                assert max_talks(list(talks)) == brute(talks)
        """,
        examples=(ex("talks = [(1, 4), (3, 5), (0, 6), (5, 7), (8, 9), (5, 9)]", "3"),),
        bugs=(
            missed_edge(
                r"""
                def max_talks(talks):
                    count = 0
                    free_at = None
                    for s, e in sorted(talks):
                        if free_at is None or s >= free_at:
                            count += 1
                            free_at = e
                    return count
                """,
                "greedy by start time",
            ),
            off_by_one(
                r"""
                def max_talks(talks):
                    count = 0
                    free_at = None
                    for s, e in sorted(talks, key=lambda t: t[1]):
                        if free_at is None or s > free_at:
                            count += 1
                            free_at = e
                    return count
                """,
                "touching talks are treated as overlapping",
            ),
        ),
    ),
    fn(
        "Minimum Meeting Rooms",
        "medium",
        entry="min_rooms",
        signature="def min_rooms(meetings: list[tuple[int, int]]) -> int: ...",
        statement="""
        Meetings occupy half-open intervals `[start, end)`. Return the minimum number of rooms so
        that no two meetings in the same room overlap (a meeting may start in a room at the moment
        another one ends there). `0 <= len(meetings) <= 2 * 10**5`.
        """,
        reference=r"""
        def min_rooms(meetings):
            events = []
            for s, e in meetings:
                events.append((s, 1))
                events.append((e, -1))
            events.sort()
            cur = best = 0
            for _, d in events:
                cur += d
                best = max(best, cur)
            return best
        """,
        tests=r"""
        import random

        from solution import min_rooms


        def brute(m):
            return max((sum(1 for s, e in m if s <= t < e) for t in range(0, 40)), default=0)


        def test_example():
            assert min_rooms([(0, 30), (5, 10), (15, 20)]) == 2


        def test_back_to_back():
            assert min_rooms([(1, 5), (5, 10), (10, 15)]) == 1


        def test_empty():
            assert min_rooms([]) == 0


        def test_all_overlap():
            assert min_rooms([(1, 10)] * 4) == 4


        def test_random_against_brute_force():
            rng = random.Random(124)
            for _ in range(200):
                m = []
                for _ in range(rng.randint(0, 8)):
                    s = rng.randint(0, 30)
                    m.append((s, s + rng.randint(1, 8)))
                assert min_rooms(list(m)) == brute(m)


        def test_large():
            m = [(i, i + 1000) for i in range(200000)]
            assert min_rooms(m) == 1000
        """,
        examples=(ex("meetings = [(0, 30), (5, 10), (15, 20)]", "2"),),
        bugs=(
            off_by_one(
                r"""
                def min_rooms(meetings):
                    events = []
                    for s, e in meetings:
                        events.append((s, 0, 1))
                        events.append((e, 1, -1))
                    events.sort()
                    cur = best = 0
                    for _, _, d in events:
                        cur += d
                        best = max(best, cur)
                    return best
                """,
                "a meeting ending at t still blocks one starting at t",
            ),
            too_slow(
                r"""
                def min_rooms(meetings):
                    best = 0
                    for s, _ in meetings:
                        c = 0
                        for a, b in meetings:
                            if a <= s < b:
                                c += 1
                        best = max(best, c)
                    return best
                """,
                "counts overlaps at every start: quadratic",
            ),
        ),
    ),
    fn(
        "Most Profitable Job Schedule",
        "hard",
        entry="max_profit_schedule",
        signature="def max_profit_schedule(jobs: list[tuple[int, int, int]]) -> int: ...",
        statement="""
        Each job is `(start, end, profit)` and occupies `[start, end)`. Choose pairwise
        non-overlapping jobs (touching is allowed) with the largest total profit and return it.
        `0 <= len(jobs) <= 10**5`, `1 <= profit <= 10**4`, times up to `10**9`.
        """,
        reference=r"""
        import bisect


        def max_profit_schedule(jobs):
            jobs = sorted(jobs, key=lambda j: j[1])
            ends = [j[1] for j in jobs]
            best = [0] * (len(jobs) + 1)
            for i, (s, e, p) in enumerate(jobs):
                k = bisect.bisect_right(ends, s, 0, i)
                best[i + 1] = max(best[i], best[k] + p)
            return best[-1]
        """,
        tests=r"""
        import itertools
        import random

        from solution import max_profit_schedule


        def brute(jobs):
            best = 0
            for k in range(len(jobs) + 1):
                for combo in itertools.combinations(sorted(jobs), k):
                    if all(a[1] <= b[0] for a, b in zip(combo, combo[1:])):
                        best = max(best, sum(j[2] for j in combo))
            return best


        def test_example():
            assert max_profit_schedule([(1, 3, 50), (2, 4, 10), (3, 5, 40), (3, 6, 70)]) == 120


        def test_touching_allowed():
            assert max_profit_schedule([(1, 2, 5), (2, 3, 5)]) == 10


        def test_one_big_job():
            assert max_profit_schedule([(1, 10, 100), (1, 2, 30), (3, 4, 30), (5, 6, 30)]) == 100


        def test_empty():
            assert max_profit_schedule([]) == 0


        def test_random_against_brute_force():
            rng = random.Random(125)
            for _ in range(150):
                jobs = []
                for _ in range(rng.randint(0, 7)):
                    s = rng.randint(0, 10)
                    jobs.append((s, s + rng.randint(1, 4), rng.randint(1, 20)))
                assert max_profit_schedule(list(jobs)) == brute(jobs)


        def test_large():
            jobs = [(i, i + 2, 1 + i % 3) for i in range(100000)]
            assert max_profit_schedule(jobs) == 100000
        """,
        examples=(ex("jobs = [(1, 3, 50), (2, 4, 10), (3, 5, 40), (3, 6, 70)]", "120", "Jobs 1 and 4."),),
        bugs=(
            missed_edge(
                r"""
                import bisect


                def max_profit_schedule(jobs):
                    starts, ends, total = [], [], 0
                    for s, e, p in sorted(jobs, key=lambda j: -j[2]):
                        i = bisect.bisect_right(starts, s)
                        if (i == 0 or ends[i - 1] <= s) and (i == len(starts) or starts[i] >= e):
                            starts.insert(i, s)
                            ends.insert(i, e)
                            total += p
                    return total
                """,
                "greedy by profit",
            ),
            off_by_one(
                r"""
                import bisect


                def max_profit_schedule(jobs):
                    jobs = sorted(jobs, key=lambda j: j[1])
                    ends = [j[1] for j in jobs]
                    best = [0] * (len(jobs) + 1)
                    for i, (s, e, p) in enumerate(jobs):
                        k = bisect.bisect_left(ends, s, 0, i)
                        best[i + 1] = max(best[i], best[k] + p)
                    return best[-1]
                """,
                "touching jobs cannot be combined",
            ),
            too_slow(
                r"""
                def max_profit_schedule(jobs):
                    jobs = sorted(jobs, key=lambda j: j[1])
                    best = [0] * (len(jobs) + 1)
                    for i, (s, e, p) in enumerate(jobs):
                        k = 0
                        for j in range(i):
                            if jobs[j][1] <= s:
                                k = j + 1
                        best[i + 1] = max(best[i], best[k] + p)
                    return best[-1]
                """,
                "linear scan for the previous compatible job",
            ),
        ),
    ),
)

COVERAGE = family(
    "coverage",
    "Coverage and union",
    "intervals",
    ("coverage", "segments", "rectangles", "sweep line", "intervals", "geometry", "area"),
    io(
        "Total Covered Length",
        "easy",
        contract="""
        Input: a line N (1 <= N <= 10**5), then N lines "l r" with -10**9 <= l <= r <= 10**9.
        Output: the total length of the union of the segments [l, r].
        """,
        statement="""
        Segments on a line may overlap or nest. Report the length of the part of the line covered
        by at least one segment (a segment [l, r] has length r - l).
        """,
        reference=r"""
        import sys

        data = sys.stdin.read().split()
        n = int(data[0])
        segs = sorted((int(data[1 + 2 * i]), int(data[2 + 2 * i])) for i in range(n))
        total = 0
        cur_l, cur_r = segs[0]
        for l, r in segs[1:]:
            if l > cur_r:
                total += cur_r - cur_l
                cur_l, cur_r = l, r
            else:
                cur_r = max(cur_r, r)
        print(total + cur_r - cur_l)
        """,
        tests=cases(
            ("3\n1 4\n2 6\n8 10\n", "7\n"),
            ("2\n0 10\n2 3\n", "10\n"),
            ("1\n5 5\n", "0\n"),
            ("3\n-5 -1\n-3 2\n4 4\n", "7\n"),
            ("4\n1 3\n1 2\n2 5\n7 9\n", "6\n"),
            ("2\n-1000000000 1000000000\n0 1\n", "2000000000\n"),
        ),
        examples=(ex("3\n1 4\n2 6\n8 10", "7"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                n = int(data[0])
                print(sum(int(data[2 + 2 * i]) - int(data[1 + 2 * i]) for i in range(n)))
                """,
                "sums lengths, double counting overlaps",
            ),
            off_by_one(
                r"""
                import sys

                data = sys.stdin.read().split()
                n = int(data[0])
                segs = sorted((int(data[1 + 2 * i]), int(data[2 + 2 * i])) for i in range(n))
                total = 0
                cur_l, cur_r = segs[0]
                for l, r in segs[1:]:
                    if l > cur_r:
                        total += cur_r - cur_l
                        cur_l, cur_r = l, r
                    else:
                        cur_r = r
                print(total + cur_r - cur_l)
                """,
                "a nested segment shrinks the current run",
            ),
        ),
    ),
    io(
        "Points Covered Exactly K Times",
        "medium",
        contract="""
        Input: a line N (1 <= N <= 2 * 10**5), then N lines "l r" with 0 <= l <= r <= 10**18.
        Output: one line with N numbers: for k = 1..N, how many integer points are covered by
        exactly k of the segments.
        """,
        statement="""
        Segments are closed: [l, r] contains both l and r. Coordinates are far too large to
        enumerate points.
        """,
        reference=r"""
        import sys

        data = sys.stdin.buffer.read().split()
        n = int(data[0])
        events = {}
        for i in range(n):
            l, r = int(data[1 + 2 * i]), int(data[2 + 2 * i])
            events[l] = events.get(l, 0) + 1
            events[r + 1] = events.get(r + 1, 0) - 1
        count = [0] * (n + 1)
        cur = 0
        prev = None
        for x in sorted(events):
            if prev is not None and cur:
                count[cur] += x - prev
            cur += events[x]
            prev = x
        print(" ".join(map(str, count[1:])))
        """,
        tests=cases(
            ("3\n0 3\n1 3\n3 8\n", "6 2 1\n"),
            ("1\n5 5\n", "1\n"),
            ("2\n1 2\n3 4\n", "4 0\n"),
            ("3\n1 3\n2 4\n5 7\n", "5 2 0\n"),
            ("2\n0 1000000000000000000\n0 1000000000000000000\n", "0 1000000000000000001\n"),
            (
                "3\n0 999999999999999999\n5 5\n999999999999999999 999999999999999999\n",
                "999999999999999998 2 0\n",
            ),
        ),
        examples=(ex("3\n0 3\n1 3\n3 8", "6 2 1"),),
        bugs=(
            off_by_one(
                r"""
                import sys

                data = sys.stdin.buffer.read().split()
                n = int(data[0])
                events = {}
                for i in range(n):
                    l, r = int(data[1 + 2 * i]), int(data[2 + 2 * i])
                    events[l] = events.get(l, 0) + 1
                    events[r] = events.get(r, 0) - 1
                count = [0] * (n + 1)
                cur = 0
                prev = None
                for x in sorted(events):
                    if prev is not None and cur:
                        count[cur] += x - prev
                    cur += events[x]
                    prev = x
                print(" ".join(map(str, count[1:])))
                """,
                "treats segments as half-open",
            ),
            too_slow(
                r"""
                import sys

                data = sys.stdin.buffer.read().split()
                n = int(data[0])
                segs = [(int(data[1 + 2 * i]), int(data[2 + 2 * i])) for i in range(n)]
                count = [0] * (n + 1)
                lo = min(l for l, _ in segs)
                hi = max(r for _, r in segs)
                for x in range(lo, hi + 1):
                    c = 0
                    for l, r in segs:
                        if l <= x <= r:
                            c += 1
                    count[c] += 1
                print(" ".join(map(str, count[1:])))
                """,
                "enumerates every point",
            ),
        ),
    ),
    io(
        "Area Of Overlapping Rectangles",
        "hard",
        contract="""
        Input: a line N (1 <= N <= 300), then N lines "x1 y1 x2 y2" with 0 <= x1 < x2 <= 10**9 and
        0 <= y1 < y2 <= 10**9. Output: the exact area of the union of the rectangles.
        """,
        statement="""
        Rectangles are axis-aligned and may overlap in any way. Report the total area covered by at
        least one rectangle.
        """,
        reference=r"""
        import sys

        data = sys.stdin.read().split()
        n = int(data[0])
        rects = [tuple(int(v) for v in data[1 + 4 * i:5 + 4 * i]) for i in range(n)]
        xs = sorted({x for r in rects for x in (r[0], r[2])})
        area = 0
        for xa, xb in zip(xs, xs[1:]):
            spans = sorted((y1, y2) for x1, y1, x2, y2 in rects if x1 <= xa and xb <= x2)
            covered = 0
            cur_lo = cur_hi = None
            for lo, hi in spans:
                if cur_hi is None or lo > cur_hi:
                    if cur_hi is not None:
                        covered += cur_hi - cur_lo
                    cur_lo, cur_hi = lo, hi
                else:
                    cur_hi = max(cur_hi, hi)
            if cur_hi is not None:
                covered += cur_hi - cur_lo
            area += covered * (xb - xa)
        print(area)
        """,
        tests=cases(
            ("2\n0 0 2 2\n1 1 3 3\n", "7\n"),
            ("1\n0 0 1000000000 1000000000\n", "1000000000000000000\n"),
            ("3\n0 0 4 4\n1 1 3 3\n2 2 5 5\n", "21\n"),
            ("3\n0 0 2 1\n1 0 3 1\n0 0 3 1\n", "3\n"),
            ("2\n0 0 1 1\n2 2 3 3\n", "2\n"),
            ("3\n0 0 10 10\n5 5 15 15\n0 5 15 6\n", "175\n"),
        ),
        examples=(ex("2\n0 0 2 2\n1 1 3 3", "7"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                n = int(data[0])
                rects = [tuple(int(v) for v in data[1 + 4 * i:5 + 4 * i]) for i in range(n)]
                area = sum((x2 - x1) * (y2 - y1) for x1, y1, x2, y2 in rects)
                for i in range(n):
                    for j in range(i + 1, n):
                        a, b = rects[i], rects[j]
                        w = min(a[2], b[2]) - max(a[0], b[0])
                        h = min(a[3], b[3]) - max(a[1], b[1])
                        if w > 0 and h > 0:
                            area -= w * h
                print(area)
                """,
                "pairwise inclusion-exclusion only: triple overlaps go wrong",
            ),
            too_slow(
                r"""
                import sys

                data = sys.stdin.read().split()
                n = int(data[0])
                rects = [tuple(int(v) for v in data[1 + 4 * i:5 + 4 * i]) for i in range(n)]
                area = 0
                for x in range(min(r[0] for r in rects), max(r[2] for r in rects)):
                    for y in range(min(r[1] for r in rects), max(r[3] for r in rects)):
                        if any(x1 <= x < x2 and y1 <= y < y2 for x1, y1, x2, y2 in rects):
                            area += 1
                print(area)
                """,
                "counts unit cells",
            ),
        ),
    ),
)

FAMILIES = (MERGING, SCHEDULING, COVERAGE)
