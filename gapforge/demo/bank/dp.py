"""Dynamic programming: coins, knapsacks, grid paths, edit distances."""

from __future__ import annotations

from gapforge.demo.bank.schema import cases, ex, family, fn, io, missed_edge, off_by_one, too_slow

COINS = family(
    "coin_change",
    "Coin change",
    "dynamic programming",
    ("coins", "coin change", "dynamic programming", "dp", "counting", "knapsack", "change"),
    fn(
        "Fewest Coins",
        "easy",
        entry="min_coins",
        signature="def min_coins(coins: list[int], amount: int) -> int: ...",
        statement="""
        Using unlimited coins of the given positive denominations, return the fewest coins that sum
        to exactly `amount`, or -1 if it cannot be done. `0 <= amount <= 10**4`,
        `1 <= len(coins) <= 50`.
        """,
        reference=r"""
        def min_coins(coins, amount):
            inf = amount + 1
            best = [0] + [inf] * amount
            for a in range(1, amount + 1):
                for c in coins:
                    if c <= a and best[a - c] + 1 < best[a]:
                        best[a] = best[a - c] + 1
            return best[amount] if best[amount] < inf else -1
        """,
        tests=r"""
        from solution import min_coins


        def test_example():
            assert min_coins([1, 2, 5], 11) == 3


        def test_greedy_fails():
            assert min_coins([1, 3, 4], 6) == 2


        def test_impossible():
            assert min_coins([2], 3) == -1


        def test_zero_amount():
            assert min_coins([7], 0) == 0


        def test_large():
            assert min_coins([7, 11, 13], 10000) == 770
        """,
        examples=(ex("coins = [1, 2, 5], amount = 11", "3", "5 + 5 + 1."),),
        bugs=(
            missed_edge(
                r"""
                def min_coins(coins, amount):
                    count = 0
                    for c in sorted(coins, reverse=True):
                        count += amount // c
                        amount %= c
                    return count if amount == 0 else -1
                """,
                "greedy largest-coin-first",
            ),
            off_by_one(
                r"""
                def min_coins(coins, amount):
                    inf = amount + 1
                    best = [0] + [inf] * amount
                    for a in range(1, amount):
                        for c in coins:
                            if c <= a and best[a - c] + 1 < best[a]:
                                best[a] = best[a - c] + 1
                    return best[amount] if best[amount] < inf else -1
                """,
                "never fills the entry for amount itself",
            ),
        ),
    ),
    fn(
        "Ways To Make Change",
        "medium",
        entry="count_change",
        signature="def count_change(coins: list[int], amount: int) -> int: ...",
        statement="""
        Return the number of multisets of coins (unlimited supply of each distinct positive
        denomination in `coins`) that sum to `amount`, modulo `1_000_000_007`. Order does not
        matter: 1+2 and 2+1 are the same way. `0 <= amount <= 2 * 10**4`, up to 50 denominations.
        """,
        reference=r"""
        def count_change(coins, amount):
            mod = 1_000_000_007
            ways = [1] + [0] * amount
            for c in coins:
                for a in range(c, amount + 1):
                    ways[a] = (ways[a] + ways[a - c]) % mod
            return ways[amount]
        """,
        tests=r"""
        from solution import count_change


        def test_example():
            assert count_change([1, 2, 5], 5) == 4


        def test_order_does_not_matter():
            assert count_change([1, 2], 3) == 2


        def test_zero():
            assert count_change([3], 0) == 1


        def test_impossible():
            assert count_change([4, 6], 7) == 0


        def test_exact_small():
            assert count_change([2, 3, 7], 30) == 16


        def test_large():
            assert count_change(list(range(1, 51)), 20000) == 949975112
        """,
        examples=(ex("coins = [1, 2, 5], amount = 5", "4"),),
        bugs=(
            missed_edge(
                r"""
                def count_change(coins, amount):
                    mod = 1_000_000_007
                    ways = [1] + [0] * amount
                    for a in range(1, amount + 1):
                        for c in coins:
                            if c <= a:
                                ways[a] = (ways[a] + ways[a - c]) % mod
                    return ways[amount]
                """,
                "counts ordered sequences, not multisets",
            ),
            off_by_one(
                r"""
                def count_change(coins, amount):
                    mod = 1_000_000_007
                    ways = [1] + [0] * amount
                    for c in coins:
                        for a in range(c, amount):
                            ways[a] = (ways[a] + ways[a - c]) % mod
                    return ways[amount]
                """,
                "the inner loop stops before amount",
            ),
        ),
    ),
    fn(
        "Fewest Coins From A Limited Purse",
        "hard",
        entry="min_coins_limited",
        signature="def min_coins_limited(coins: list[int], counts: list[int], amount: int) -> int: ...",
        statement="""
        You have `counts[i]` coins of value `coins[i]` (distinct positive values). Return the fewest
        coins that sum to exactly `amount`, or -1. `0 <= amount <= 2 * 10**4`, at most 10 coin
        types, `1 <= counts[i] <= 2000`.
        """,
        reference=r"""
        def min_coins_limited(coins, counts, amount):
            inf = float("inf")
            best = [0] + [inf] * amount
            for c, k in zip(coins, counts):
                part = 1
                while k > 0:
                    take = min(part, k)
                    k -= take
                    value, weight = c * take, take
                    for a in range(amount, value - 1, -1):
                        if best[a - value] + weight < best[a]:
                            best[a] = best[a - value] + weight
                    part *= 2
            return best[amount] if best[amount] < inf else -1
        """,
        tests=r"""
        from solution import min_coins_limited


        def test_example():
            assert min_coins_limited([1, 5], [3, 1], 8) == 4


        def test_limit_binds():
            assert min_coins_limited([5, 1], [1, 10], 10) == 6


        def test_impossible():
            assert min_coins_limited([2, 5], [1, 1], 6) == -1


        def test_remainder_chunk():
            assert min_coins_limited([3], [6], 18) == 6
            assert min_coins_limited([3, 1], [5, 3], 18) == 8


        def test_zero():
            assert min_coins_limited([4], [1], 0) == 0


        def test_large():
            coins = [1, 7, 29, 97, 331, 997, 1999, 3001, 4999, 7919]
            counts = [2000, 1500, 1000, 800, 30, 2, 3, 1, 1, 1]
            assert min_coins_limited(coins, counts, 20000) == 10
            assert min_coins_limited([7], [2000], 13999) == -1
        """,
        examples=(ex("coins = [1, 5], counts = [3, 1], amount = 8", "4", "5 + 1 + 1 + 1."),),
        bugs=(
            missed_edge(
                r"""
                def min_coins_limited(coins, counts, amount):
                    inf = float("inf")
                    best = [0] + [inf] * amount
                    for a in range(1, amount + 1):
                        for c in coins:
                            if c <= a and best[a - c] + 1 < best[a]:
                                best[a] = best[a - c] + 1
                    return best[amount] if best[amount] < inf else -1
                """,
                "ignores the coin counts",
            ),
            off_by_one(
                r"""
                def min_coins_limited(coins, counts, amount):
                    inf = float("inf")
                    best = [0] + [inf] * amount
                    for c, k in zip(coins, counts):
                        part = 1
                        while part <= k:
                            value, weight = c * part, part
                            for a in range(amount, value - 1, -1):
                                if best[a - value] + weight < best[a]:
                                    best[a] = best[a - value] + weight
                            k -= part
                            part *= 2
                    return best[amount] if best[amount] < inf else -1
                """,
                "binary splitting drops the remainder chunk",
            ),
            too_slow(
                r"""
                def min_coins_limited(coins, counts, amount):
                    inf = float("inf")
                    best = [0] + [inf] * amount
                    for c, k in zip(coins, counts):
                        for _ in range(k):
                            for a in range(amount, c - 1, -1):
                                if best[a - c] + 1 < best[a]:
                                    best[a] = best[a - c] + 1
                    return best[amount] if best[amount] < inf else -1
                """,
                "one 0/1 pass per physical coin",
            ),
        ),
    ),
)


def _items(n: int, seed: int, wmax: int, vmax: int) -> list[tuple[int, int]]:
    x = seed
    out = []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        w = 1 + (x >> 4) % wmax
        x = (x * 1103515245 + 12345) % 2**31
        out.append((w, 1 + (x >> 4) % vmax))
    return out


def _knap_input(cap: int, items: list[tuple[int, int]]) -> str:
    return f"{len(items)} {cap}\n" + "\n".join(f"{w} {v}" for w, v in items) + "\n"


KNAPSACK = family(
    "knapsack",
    "Knapsack",
    "dynamic programming",
    ("knapsack", "dynamic programming", "dp", "subset sum", "optimization", "packing"),
    io(
        "Classic Knapsack",
        "easy",
        contract="""
        Input: a line "N W" (1 <= N <= 100, 0 <= W <= 1000), then N lines "weight value" with
        1 <= weight <= 1000 and 0 <= value <= 10**6. Output: the largest total value of a subset of
        items with total weight at most W.
        """,
        statement="""
        Each item can be taken at most once.
        """,
        reference=r"""
        import sys

        data = sys.stdin.read().split()
        n, cap = int(data[0]), int(data[1])
        best = [0] * (cap + 1)
        for i in range(n):
            w, v = int(data[2 + 2 * i]), int(data[3 + 2 * i])
            for c in range(cap, w - 1, -1):
                if best[c - w] + v > best[c]:
                    best[c] = best[c - w] + v
        print(best[cap])
        """,
        tests=cases(
            ("3 50\n10 60\n20 100\n30 120\n", "220\n"),
            ("1 5\n6 100\n", "0\n"),
            ("2 4\n2 3\n2 3\n", "6\n"),
            ("1 3\n3 7\n", "7\n"),
            ("3 0\n1 5\n1 5\n1 5\n", "0\n"),
            ("4 10\n5 10\n4 40\n6 30\n3 50\n", "90\n"),
        ),
        examples=(ex("3 50\n10 60\n20 100\n30 120", "220"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                n, cap = int(data[0]), int(data[1])
                best = [0] * (cap + 1)
                for i in range(n):
                    w, v = int(data[2 + 2 * i]), int(data[3 + 2 * i])
                    for c in range(w, cap + 1):
                        if best[c - w] + v > best[c]:
                            best[c] = best[c - w] + v
                print(best[cap])
                """,
                "forward loop reuses an item",
            ),
            off_by_one(
                r"""
                import sys

                data = sys.stdin.read().split()
                n, cap = int(data[0]), int(data[1])
                best = [0] * (cap + 1)
                for i in range(n):
                    w, v = int(data[2 + 2 * i]), int(data[3 + 2 * i])
                    for c in range(cap - 1, w - 1, -1):
                        if best[c - w] + v > best[c]:
                            best[c] = best[c - w] + v
                print(max(best[:cap]) if cap else 0)
                """,
                "treats the capacity as exclusive",
            ),
        ),
    ),
    io(
        "Fill The Bag Exactly",
        "medium",
        contract="""
        Input: a line "N W" (1 <= N <= 100, 0 <= W <= 10**4), then a line with N item weights
        (1 <= weight <= 10**4). Output: the minimum number of items whose weights sum to exactly W
        (each item used at most once), or -1 if impossible.
        """,
        statement="""
        Choose as few items as possible that fill the bag exactly.
        """,
        reference=r"""
        import sys

        data = sys.stdin.read().split()
        n, cap = int(data[0]), int(data[1])
        inf = n + 1
        best = [0] + [inf] * cap
        for w in map(int, data[2:2 + n]):
            for c in range(cap, w - 1, -1):
                if best[c - w] + 1 < best[c]:
                    best[c] = best[c - w] + 1
        print(best[cap] if best[cap] < inf else -1)
        """,
        tests=cases(
            ("4 10\n5 5 3 7\n", "2\n"),
            ("2 7\n3 3\n", "-1\n"),
            ("3 6\n3 1 1\n", "-1\n"),
            ("1 0\n5\n", "0\n"),
            ("5 9\n2 2 2 2 1\n", "5\n"),
            (
                "100 9973\n" + " ".join(str(97 + (i * 37) % 300) for i in range(100)) + "\n",
                "29\n",
            ),
        ),
        examples=(ex("4 10\n5 5 3 7", "2"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                n, cap = int(data[0]), int(data[1])
                inf = 10**9
                best = [0] + [inf] * cap
                for w in map(int, data[2:2 + n]):
                    for c in range(w, cap + 1):
                        if best[c - w] + 1 < best[c]:
                            best[c] = best[c - w] + 1
                print(best[cap] if best[cap] < inf else -1)
                """,
                "items can be reused",
            ),
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                n, cap = int(data[0]), int(data[1])
                weights = sorted(map(int, data[2:2 + n]), reverse=True)
                count = 0
                for w in weights:
                    if w <= cap:
                        cap -= w
                        count += 1
                print(count if cap == 0 else -1)
                """,
                "greedy heaviest-first",
            ),
        ),
    ),
    io(
        "Knapsack With A Huge Capacity",
        "hard",
        contract="""
        Input: a line "N W" (1 <= N <= 100, 1 <= W <= 2 * 10**9), then N lines "weight value" with
        1 <= weight <= 10**9 and 1 <= value <= 100. Output: the largest total value of a subset of
        items with total weight at most W.
        """,
        statement="""
        Each item can be taken at most once. The capacity is far too large for a table indexed by
        weight.
        """,
        reference=r"""
        import sys

        data = sys.stdin.read().split()
        n, cap = int(data[0]), int(data[1])
        items = [(int(data[2 + 2 * i]), int(data[3 + 2 * i])) for i in range(n)]
        total = sum(v for _, v in items)
        inf = float("inf")
        lightest = [0] + [inf] * total
        for w, v in items:
            for s in range(total, v - 1, -1):
                cand = lightest[s - v] + w
                if cand < lightest[s]:
                    lightest[s] = cand
        print(max(s for s in range(total + 1) if lightest[s] <= cap))
        """,
        tests=cases(
            ("3 8\n3 30\n4 50\n5 60\n", "90\n"),
            ("1 1\n2 10\n", "0\n"),
            ("3 1000000000\n1000000000 5\n1 1\n999999999 4\n", "5\n"),
            ("4 10\n5 10\n4 40\n6 30\n3 50\n", "90\n"),
            ("3 6\n3 5\n3 5\n4 9\n", "10\n"),
            (_knap_input(1234567890, _items(40, 5, 10**8, 100)), "2020\n"),
        ),
        examples=(ex("3 8\n3 30\n4 50\n5 60", "90"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                n, cap = int(data[0]), int(data[1])
                items = [(int(data[2 + 2 * i]), int(data[3 + 2 * i])) for i in range(n)]
                items.sort(key=lambda it: it[1] / it[0], reverse=True)
                total = 0
                for w, v in items:
                    if w <= cap:
                        cap -= w
                        total += v
                print(total)
                """,
                "greedy by value density",
            ),
            too_slow(
                r"""
                import sys

                data = sys.stdin.read().split()
                n, cap = int(data[0]), int(data[1])
                items = [(int(data[2 + 2 * i]), int(data[3 + 2 * i])) for i in range(n)]
                best = 0
                stack = [(0, 0, 0)]
                while stack:
                    i, w, v = stack.pop()
                    if i == n:
                        best = max(best, v)
                        continue
                    stack.append((i + 1, w, v))
                    if w + items[i][0] <= cap:
                        stack.append((i + 1, w + items[i][0], v + items[i][1]))
                print(best)
                """,
                "tries every subset",
            ),
        ),
    ),
)

GRID_PATHS = family(
    "grid_paths",
    "Grid path DP",
    "dynamic programming",
    ("grid", "paths", "dynamic programming", "dp", "matrix", "obstacles", "counting"),
    fn(
        "Paths Around Obstacles",
        "easy",
        entry="count_grid_paths",
        signature="def count_grid_paths(grid: list[list[int]]) -> int: ...",
        statement="""
        `grid` has 0 for free cells and 1 for obstacles. Count the paths from the top-left to the
        bottom-right cell that move only right or down and never touch an obstacle (0 if either end
        is an obstacle). Exact integer answer; the grid is at most 30 x 30.
        """,
        reference=r"""
        def count_grid_paths(grid):
            rows, cols = len(grid), len(grid[0])
            ways = [[0] * cols for _ in range(rows)]
            for r in range(rows):
                for c in range(cols):
                    if grid[r][c]:
                        continue
                    if r == 0 and c == 0:
                        ways[r][c] = 1
                    else:
                        ways[r][c] = (ways[r - 1][c] if r else 0) + (ways[r][c - 1] if c else 0)
            return ways[-1][-1]
        """,
        tests=r"""
        from solution import count_grid_paths


        def test_example():
            assert count_grid_paths([[0, 0, 0], [0, 1, 0], [0, 0, 0]]) == 2


        def test_obstacle_in_first_row():
            assert count_grid_paths([[0, 1, 0], [0, 0, 0]]) == 1


        def test_blocked_start():
            assert count_grid_paths([[1, 0], [0, 0]]) == 0


        def test_single_cell():
            assert count_grid_paths([[0]]) == 1


        def test_big_open_grid():
            assert count_grid_paths([[0] * 30 for _ in range(30)]) == 30067266499541040
        """,
        examples=(ex("grid = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]", "2"),),
        bugs=(
            off_by_one(
                r"""
                def count_grid_paths(grid):
                    rows, cols = len(grid), len(grid[0])
                    if grid[0][0]:
                        return 0
                    ways = [[0] * cols for _ in range(rows)]
                    for r in range(rows):
                        ways[r][0] = 0 if grid[r][0] else 1
                    for c in range(cols):
                        ways[0][c] = 0 if grid[0][c] else 1
                    for r in range(1, rows):
                        for c in range(1, cols):
                            if not grid[r][c]:
                                ways[r][c] = ways[r - 1][c] + ways[r][c - 1]
                    return ways[-1][-1]
                """,
                "cells past an obstacle in the first row or column stay reachable",
            ),
            missed_edge(
                r"""
                def count_grid_paths(grid):
                    rows, cols = len(grid), len(grid[0])
                    ways = [[0] * cols for _ in range(rows)]
                    ways[0][0] = 1
                    for r in range(rows):
                        for c in range(cols):
                            if (r or c) and not grid[r][c]:
                                ways[r][c] = (ways[r - 1][c] if r else 0) + (ways[r][c - 1] if c else 0)
                    return ways[-1][-1]
                """,
                "a blocked start still counts",
            ),
        ),
    ),
    fn(
        "Cheapest Path Down And Right",
        "medium",
        entry="min_path_sum",
        signature="def min_path_sum(grid: list[list[int]]) -> int: ...",
        statement="""
        Move from the top-left to the bottom-right cell of `grid`, only right or down. Return the
        smallest possible sum of the cells visited (both ends included). Values are non-negative;
        the grid is at most 500 x 500.
        """,
        reference=r"""
        def min_path_sum(grid):
            cols = len(grid[0])
            row = [0] * cols
            for r, line in enumerate(grid):
                for c, x in enumerate(line):
                    if r == 0 and c == 0:
                        row[c] = x
                    elif r == 0:
                        row[c] = row[c - 1] + x
                    elif c == 0:
                        row[c] = row[c] + x
                    else:
                        row[c] = min(row[c], row[c - 1]) + x
            return row[-1]
        """,
        tests=r"""
        import random

        from solution import min_path_sum


        def brute(g):
            rows, cols = len(g), len(g[0])
            best = None
            for mask in range(1 << (rows + cols - 2)):
                if bin(mask).count("1") != rows - 1:
                    continue
                r = c = 0
                s = g[0][0]
                for k in range(rows + cols - 2):
                    if mask >> k & 1:
                        r += 1
                    else:
                        c += 1
                    s += g[r][c]
                best = s if best is None else min(best, s)
            return best


        def test_example():
            assert min_path_sum([[1, 3, 1], [1, 5, 1], [4, 2, 1]]) == 7


        def test_single_row_and_column():
            assert min_path_sum([[1, 2, 3]]) == 6
            assert min_path_sum([[4], [5]]) == 9


        def test_greedy_trap():
            assert min_path_sum([[1, 2, 9], [5, 9, 9], [1, 1, 1]]) == 9


        def test_random_against_brute_force():
            rng = random.Random(111)
            for _ in range(80):
                g = [[rng.randint(0, 9) for _ in range(rng.randint(1, 5))]]
                g += [[rng.randint(0, 9) for _ in range(len(g[0]))] for _ in range(rng.randint(0, 4))]
                assert min_path_sum(g) == brute(g)


        def test_large():
            g = [[(r * 31 + c * 17) % 10 for c in range(500)] for r in range(500)]
            assert min_path_sum(g) == 2297
        """,
        examples=(ex("grid = [[1, 3, 1], [1, 5, 1], [4, 2, 1]]", "7"),),
        bugs=(
            missed_edge(
                r"""
                def min_path_sum(grid):
                    rows, cols = len(grid), len(grid[0])
                    r = c = 0
                    total = grid[0][0]
                    while (r, c) != (rows - 1, cols - 1):
                        if r == rows - 1:
                            c += 1
                        elif c == cols - 1:
                            r += 1
                        elif grid[r + 1][c] <= grid[r][c + 1]:
                            r += 1
                        else:
                            c += 1
                        total += grid[r][c]
                    return total
                """,
                "greedy step to the cheaper neighbour",
            ),
            off_by_one(
                r"""
                def min_path_sum(grid):
                    rows, cols = len(grid), len(grid[0])
                    best = [[0] * cols for _ in range(rows)]
                    for r in range(rows):
                        for c in range(cols):
                            if r == 0 and c == 0:
                                best[r][c] = 0
                            elif r == 0:
                                best[r][c] = best[r][c - 1] + grid[r][c]
                            elif c == 0:
                                best[r][c] = best[r - 1][c] + grid[r][c]
                            else:
                                best[r][c] = min(best[r - 1][c], best[r][c - 1]) + grid[r][c]
                    return best[-1][-1]
                """,
                "leaves out the starting cell",
            ),
        ),
    ),
    fn(
        "Two Walkers Picking Cherries",
        "hard",
        entry="cherry_pickup",
        signature="def cherry_pickup(grid: list[list[int]]) -> int: ...",
        statement="""
        `grid` is n x n with 0 (empty), 1 (a cherry) or -1 (a thorn, impassable). Walk from the
        top-left to the bottom-right moving right/down, then back to the top-left moving left/up,
        picking every cherry on the way (a picked cell becomes empty). Return the maximum number of
        cherries, or 0 if no such round trip exists. `1 <= n <= 50`; the corners are never thorns.
        """,
        expert=True,
        reference=r"""
        def cherry_pickup(grid):
            n = len(grid)
            neg = float("-inf")
            # dp[r1][r2]: both walkers after k steps at rows r1, r2 (columns k - r)
            dp = [[neg] * n for _ in range(n)]
            dp[0][0] = grid[0][0]
            for k in range(1, 2 * n - 1):
                new = [[neg] * n for _ in range(n)]
                lo, hi = max(0, k - n + 1), min(n - 1, k)
                for r1 in range(lo, hi + 1):
                    c1 = k - r1
                    if grid[r1][c1] == -1:
                        continue
                    for r2 in range(r1, hi + 1):
                        c2 = k - r2
                        if grid[r2][c2] == -1:
                            continue
                        prev = max(
                            dp[r1][r2],
                            dp[r1 - 1][r2] if r1 else neg,
                            dp[r1][r2 - 1] if r2 else neg,
                            dp[r1 - 1][r2 - 1] if r1 and r2 else neg,
                        )
                        if prev == neg:
                            continue
                        gain = grid[r1][c1] + (grid[r2][c2] if r1 != r2 else 0)
                        new[r1][r2] = prev + gain
                dp = new
            return max(0, dp[n - 1][n - 1])
        """,
        tests=r"""
        import itertools
        import random

        from solution import cherry_pickup


        def brute(g):
            n = len(g)
            paths = []
            for downs in itertools.combinations(range(2 * n - 2), n - 1):
                r = c = 0
                cells = [(0, 0)]
                ok = True
                for k in range(2 * n - 2):
                    if k in downs:
                        r += 1
                    else:
                        c += 1
                    if g[r][c] == -1:
                        ok = False
                        break
                    cells.append((r, c))
                if ok:
                    paths.append(cells)
            best = 0
            for a in paths:
                for b in paths:
                    best = max(best, sum(g[r][c] for r, c in set(a) | set(b)))
            return best


        def test_example():
            assert cherry_pickup([[0, 1, -1], [1, 0, -1], [1, 1, 1]]) == 5


        def test_no_round_trip():
            assert cherry_pickup([[1, 1, -1], [1, -1, 1], [-1, 1, 1]]) == 0


        def test_single_cell():
            assert cherry_pickup([[1]]) == 1


        def test_greedy_two_passes_fail():
            g = [
                [1, 1, 1, 1, 0, 0, 0],
                [0, 0, 0, 1, 0, 0, 0],
                [0, 0, 0, 1, 0, 0, 1],
                [1, 0, 0, 1, 0, 0, 0],
                [0, 0, 0, 1, 0, 0, 0],
                [0, 0, 0, 1, 0, 0, 0],
                [0, 0, 0, 1, 1, 1, 1],
            ]
            assert cherry_pickup(g) == 15


        def test_random_against_brute_force():
            rng = random.Random(112)
            for _ in range(40):
                n = rng.randint(1, 4)
                g = [[rng.choice([0, 1, 1, -1]) for _ in range(n)] for _ in range(n)]
                g[0][0] = g[n - 1][n - 1] = 0
                assert cherry_pickup(g) == brute(g)


        def test_large():
            n = 50
            g = [[1 if (r * 7 + c * 3) % 5 else 0 for c in range(n)] for r in range(n)]
            g[20][20] = -1
            assert cherry_pickup(g) == 194
        """,
        examples=(ex("grid = [[0, 1, -1], [1, 0, -1], [1, 1, 1]]", "5"),),
        bugs=(
            missed_edge(
                r"""
                def cherry_pickup(grid):
                    n = len(grid)
                    g = [row[:] for row in grid]
                    neg = float("-inf")

                    def best_path():
                        dp = [[neg] * n for _ in range(n)]
                        for r in range(n):
                            for c in range(n):
                                if g[r][c] == -1:
                                    continue
                                if r == 0 and c == 0:
                                    dp[r][c] = g[r][c]
                                    continue
                                p = max(dp[r - 1][c] if r else neg, dp[r][c - 1] if c else neg)
                                if p != neg:
                                    dp[r][c] = p + g[r][c]
                        if dp[n - 1][n - 1] == neg:
                            return None
                        r, c = n - 1, n - 1
                        path = [(r, c)]
                        while (r, c) != (0, 0):
                            if r and dp[r - 1][c] != neg and (c == 0 or dp[r - 1][c] >= dp[r][c - 1]):
                                r -= 1
                            else:
                                c -= 1
                            path.append((r, c))
                        return dp[n - 1][n - 1], path

                    first = best_path()
                    if first is None:
                        return 0
                    total, path = first
                    for r, c in path:
                        g[r][c] = 0
                    second = best_path()
                    return total + (second[0] if second else 0)
                """,
                "two greedy best passes",
            ),
            off_by_one(
                r"""
                def cherry_pickup(grid):
                    n = len(grid)
                    neg = float("-inf")
                    dp = [[neg] * n for _ in range(n)]
                    dp[0][0] = grid[0][0]
                    for k in range(1, 2 * n - 1):
                        new = [[neg] * n for _ in range(n)]
                        lo, hi = max(0, k - n + 1), min(n - 1, k)
                        for r1 in range(lo, hi + 1):
                            c1 = k - r1
                            if grid[r1][c1] == -1:
                                continue
                            for r2 in range(r1, hi + 1):
                                c2 = k - r2
                                if grid[r2][c2] == -1:
                                    continue
                                prev = max(
                                    dp[r1][r2],
                                    dp[r1 - 1][r2] if r1 else neg,
                                    dp[r1][r2 - 1] if r2 else neg,
                                    dp[r1 - 1][r2 - 1] if r1 and r2 else neg,
                                )
                                if prev == neg:
                                    continue
                                new[r1][r2] = prev + grid[r1][c1] + grid[r2][c2]
                        dp = new
                    return max(0, dp[n - 1][n - 1])
                """,
                "a shared cell's cherry is counted twice",
            ),
            too_slow(
                r"""
                def cherry_pickup(grid):
                    n = len(grid)

                    def paths(r, c):
                        if grid[r][c] == -1:
                            return []
                        if (r, c) == (n - 1, n - 1):
                            return [((r, c),)]
                        out = []
                        if r + 1 < n:
                            out += [((r, c),) + p for p in paths(r + 1, c)]
                        if c + 1 < n:
                            out += [((r, c),) + p for p in paths(r, c + 1)]
                        return out

                    every = paths(0, 0)
                    best = 0
                    for a in every:
                        for b in every:
                            best = max(best, sum(grid[r][c] for r, c in set(a) | set(b)))
                    return best
                """,
                "all pairs of paths",
            ),
        ),
    ),
)

EDITS = family(
    "edit_distance",
    "Edit distance",
    "dynamic programming",
    ("edit distance", "levenshtein", "strings", "dynamic programming", "dp", "alignment", "diff"),
    fn(
        "One Edit Away",
        "easy",
        entry="one_edit_away",
        signature="def one_edit_away(a: str, b: str) -> bool: ...",
        statement="""
        Return True when `a` can be turned into `b` with at most one edit: inserting one character,
        deleting one character, or replacing one character. `0 <= len(a), len(b) <= 10**5`.
        """,
        reference=r"""
        def one_edit_away(a, b):
            if abs(len(a) - len(b)) > 1:
                return False
            if len(a) > len(b):
                a, b = b, a
            i = 0
            while i < len(a) and a[i] == b[i]:
                i += 1
            if len(a) == len(b):
                return a[i + 1:] == b[i + 1:]
            return a[i:] == b[i + 1:]
        """,
        tests=r"""
        from solution import one_edit_away


        def test_example():
            assert one_edit_away("pale", "ple") is True
            assert one_edit_away("pale", "bake") is False


        def test_insert_and_replace():
            assert one_edit_away("abc", "abxc") is True
            assert one_edit_away("abc", "abd") is True


        def test_identical_and_empty():
            assert one_edit_away("same", "same") is True
            assert one_edit_away("", "a") is True
            assert one_edit_away("", "") is True


        def test_two_length_difference():
            assert one_edit_away("a", "abc") is False


        def test_two_replacements():
            assert one_edit_away("abcd", "xbcy") is False
            assert one_edit_away("abcd", "abdc") is False
        """,
        examples=(ex('a = "pale", b = "ple"', "True"),),
        bugs=(
            missed_edge(
                r"""
                def one_edit_away(a, b):
                    if len(a) != len(b):
                        return abs(len(a) - len(b)) == 1 and (a in b or b in a)
                    return sum(x != y for x, y in zip(a, b)) <= 1
                """,
                "insertions only at the ends",
            ),
            off_by_one(
                r"""
                def one_edit_away(a, b):
                    if abs(len(a) - len(b)) > 2:
                        return False
                    if len(a) > len(b):
                        a, b = b, a
                    i = 0
                    while i < len(a) and a[i] == b[i]:
                        i += 1
                    if len(a) == len(b):
                        return a[i + 1:] == b[i + 1:]
                    return a[i:] == b[i + len(b) - len(a):]
                """,
                "allows a length difference of two",
            ),
        ),
    ),
    fn(
        "Levenshtein Distance",
        "medium",
        entry="edit_distance",
        signature="def edit_distance(a: str, b: str) -> int: ...",
        statement="""
        Return the minimum number of single-character insertions, deletions and replacements that
        turn `a` into `b`. `0 <= len(a), len(b) <= 600`.
        """,
        reference=r"""
        def edit_distance(a, b):
            prev = list(range(len(b) + 1))
            for i, ca in enumerate(a, 1):
                cur = [i] + [0] * len(b)
                for j, cb in enumerate(b, 1):
                    cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
                prev = cur
            return prev[-1]
        """,
        tests=r"""
        from solution import edit_distance


        def test_example():
            assert edit_distance("horse", "ros") == 3


        def test_replacement_beats_insert_delete():
            assert edit_distance("abc", "axc") == 1


        def test_empty():
            assert edit_distance("", "abc") == 3
            assert edit_distance("", "") == 0


        def test_medium_strings():
            assert edit_distance("intention" * 2 + "ab", "execution" * 2 + "ba") == 12


        def test_long():
            a = "".join("abcde"[(i * 7) % 5] for i in range(600))
            b = "".join("abcde"[(i * 3) % 5] for i in range(600))
            assert edit_distance(a, b) == 480
        """,
        examples=(ex('a = "horse", b = "ros"', "3"),),
        bugs=(
            missed_edge(
                r"""
                def edit_distance(a, b):
                    prev = [0] * (len(b) + 1)
                    for ca in a:
                        cur = [0]
                        for j, cb in enumerate(b, 1):
                            cur.append(prev[j - 1] + 1 if ca == cb else max(prev[j], cur[j - 1]))
                        prev = cur
                    return len(a) + len(b) - 2 * prev[-1]
                """,
                "insert/delete only: replacements cost two",
            ),
            too_slow(
                r"""
                def edit_distance(a, b):
                    if not a:
                        return len(b)
                    if not b:
                        return len(a)
                    if a[0] == b[0]:
                        return edit_distance(a[1:], b[1:])
                    return 1 + min(edit_distance(a[1:], b), edit_distance(a, b[1:]), edit_distance(a[1:], b[1:]))
                """,
                "plain recursion",
            ),
        ),
    ),
    fn(
        "Edit Distance With Adjacent Swaps",
        "hard",
        entry="swap_edit_distance",
        signature="def swap_edit_distance(a: str, b: str) -> int: ...",
        statement="""
        Return the minimum number of operations turning `a` into `b`, where an operation inserts,
        deletes or replaces one character, or swaps two adjacent characters; no substring is edited
        more than once (the "optimal string alignment" distance). `0 <= len(a), len(b) <= 500`.
        """,
        reference=r"""
        def swap_edit_distance(a, b):
            n, m = len(a), len(b)
            before = None
            prev = list(range(m + 1))
            for i in range(1, n + 1):
                cur = [i]
                for j in range(1, m + 1):
                    v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
                    if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                        v = min(v, before[j - 2] + 1)
                    cur.append(v)
                before, prev = prev, cur
            return prev[m]
        """,
        tests=r"""
        from solution import swap_edit_distance


        def test_example():
            assert swap_edit_distance("abcd", "acbd") == 1


        def test_plain_edits():
            assert swap_edit_distance("kitten", "sitting") == 3


        def test_optimal_string_alignment():
            assert swap_edit_distance("ca", "abc") == 3


        def test_empty_and_equal():
            assert swap_edit_distance("", "ab") == 2
            assert swap_edit_distance("ab", "ab") == 0


        def test_swap_needs_both_letters():
            assert swap_edit_distance("ab", "ba") == 1
            assert swap_edit_distance("ab", "bb") == 1
            assert swap_edit_distance("abc", "bca") == 2


        def test_medium_strings():
            assert swap_edit_distance("badcfehgjilkonmp" * 2, "abcdefghijklmnop" * 2) == 16


        def test_long():
            a = "".join("abcd"[(i * 5) % 4] for i in range(500))
            b = "".join("abcd"[(i * 5 + 1) % 4] for i in range(500))
            assert swap_edit_distance(a, b) == 2
        """,
        examples=(ex('a = "abcd", b = "acbd"', "1"),),
        bugs=(
            missed_edge(
                r"""
                def swap_edit_distance(a, b):
                    prev = list(range(len(b) + 1))
                    for i, ca in enumerate(a, 1):
                        cur = [i] + [0] * len(b)
                        for j, cb in enumerate(b, 1):
                            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
                        prev = cur
                    return prev[-1]
                """,
                "plain Levenshtein: a swap costs two",
            ),
            off_by_one(
                r"""
                def swap_edit_distance(a, b):
                    n, m = len(a), len(b)
                    d = [[0] * (m + 1) for _ in range(n + 1)]
                    for i in range(n + 1):
                        d[i][0] = i
                    for j in range(m + 1):
                        d[0][j] = j
                    for i in range(1, n + 1):
                        for j in range(1, m + 1):
                            cost = a[i - 1] != b[j - 1]
                            v = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                            if i > 1 and j > 1 and a[i - 1] == b[j - 2]:
                                v = min(v, d[i - 2][j - 2] + 1)
                            d[i][j] = v
                    return d[n][m]
                """,
                "checks only one side of the swap",
            ),
            too_slow(
                r"""
                def swap_edit_distance(a, b):
                    if not a or not b:
                        return len(a) + len(b)
                    best = 1 + min(swap_edit_distance(a[1:], b), swap_edit_distance(a, b[1:]))
                    best = min(best, swap_edit_distance(a[1:], b[1:]) + (a[0] != b[0]))
                    if len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0]:
                        best = min(best, 1 + swap_edit_distance(a[2:], b[2:]))
                    return best
                """,
                "plain recursion",
            ),
        ),
    ),
)

FAMILIES = (COINS, KNAPSACK, GRID_PATHS, EDITS)
