"""Graphs: breadth-first search on grids, weighted shortest paths, DAGs, trees."""

from __future__ import annotations

from gapforge.demo.bank.schema import cases, ex, family, fn, io, missed_edge, off_by_one, too_slow


def _grid(rows: int, cols: int, seed: int, walls: int) -> list[list[str]]:
    g = [["."] * cols for _ in range(rows)]
    x = seed
    for _ in range(walls):
        x = (x * 1103515245 + 12345) % 2**31
        r, c = (x >> 8) % rows, (x >> 3) % cols
        g[r][c] = "#"
    return g


def _maze_input(rows: int, cols: int, seed: int, walls: int) -> str:
    g = _grid(rows, cols, seed, walls)
    g[0][0], g[rows - 1][cols - 1] = "S", "E"
    return f"{rows} {cols}\n" + "\n".join("".join(r) for r in g) + "\n"


def _serpentine(rows: int, cols: int) -> str:
    # walls on every other row with a gap alternating sides: the only route snakes through the grid
    g = [["."] * cols for _ in range(rows)]
    for r in range(1, rows, 2):
        for c in range(cols):
            g[r][c] = "#"
        g[r][cols - 1 if (r // 2) % 2 == 0 else 0] = "."
    g[0][0], g[rows - 1][cols - 1] = "S", "E"
    return f"{rows} {cols}\n" + "\n".join("".join(r) for r in g) + "\n"


GRID_BFS = family(
    "grid_bfs",
    "Grid search",
    "graphs",
    (
        "bfs",
        "breadth first search",
        "grid",
        "maze",
        "shortest path",
        "graphs",
        "graph",
        "search",
        "connectivity",
    ),
    io(
        "Shortest Path Through A Maze",
        "easy",
        contract="""
        Input: a line "R C" (1 <= R, C <= 200), then R lines of C characters: '.' open, '#' wall,
        one 'S' (start) and one 'E' (exit), both open cells. Output: one line with the minimum
        number of moves from S to E (moving up, down, left or right), or -1 if E is unreachable.
        """,
        statement="""
        Find the length of the shortest route through the maze.
        """,
        reference=r"""
        import sys
        from collections import deque

        data = sys.stdin.read().split()
        rows, cols = int(data[0]), int(data[1])
        g = data[2:2 + rows]
        for r in range(rows):
            for c in range(cols):
                if g[r][c] == "S":
                    start = (r, c)
        dist = {start: 0}
        q = deque([start])
        answer = -1
        while q:
            r, c = q.popleft()
            if g[r][c] == "E":
                answer = dist[(r, c)]
                break
            for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if 0 <= nr < rows and 0 <= nc < cols and g[nr][nc] != "#" and (nr, nc) not in dist:
                    dist[(nr, nc)] = dist[(r, c)] + 1
                    q.append((nr, nc))
        print(answer)
        """,
        tests=cases(
            ("3 4\nS..#\n.#..\n...E\n", "5\n"),
            ("2 2\nS#\n#E\n", "-1\n"),
            ("1 2\nSE\n", "1\n"),
            ("3 3\nS#E\n.#.\n...\n", "6\n"),
            ("1 5\nE...S\n", "4\n"),
            (_serpentine(41, 50), "1069\n"),
        ),
        examples=(ex("3 4\nS..#\n.#..\n...E", "5"),),
        bugs=(
            off_by_one(
                r"""
                import sys
                from collections import deque

                data = sys.stdin.read().split()
                rows, cols = int(data[0]), int(data[1])
                g = data[2:2 + rows]
                start = next((r, c) for r in range(rows) for c in range(cols) if g[r][c] == "S")
                seen = {start}
                q = deque([(start, 1)])
                answer = -1
                while q:
                    (r, c), d = q.popleft()
                    if g[r][c] == "E":
                        answer = d
                        break
                    for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                        if 0 <= nr < rows and 0 <= nc < cols and g[nr][nc] != "#" and (nr, nc) not in seen:
                            seen.add((nr, nc))
                            q.append(((nr, nc), d + 1))
                print(answer)
                """,
                "counts cells instead of moves",
            ),
            missed_edge(
                r"""
                import sys
                from collections import deque

                data = sys.stdin.read().split()
                rows, cols = int(data[0]), int(data[1])
                g = data[2:2 + rows]
                seen = {(0, 0)}
                q = deque([((0, 0), 0)])
                answer = -1
                while q:
                    (r, c), d = q.popleft()
                    if g[r][c] == "E":
                        answer = d
                        break
                    for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                        if 0 <= nr < rows and 0 <= nc < cols and g[nr][nc] != "#" and (nr, nc) not in seen:
                            seen.add((nr, nc))
                            q.append(((nr, nc), d + 1))
                print(answer)
                """,
                "assumes S is the top-left cell",
            ),
        ),
    ),
    io(
        "Maze With One Wall Break",
        "medium",
        contract="""
        Input: a line "R C" (1 <= R, C <= 300), then R lines of C characters: '.' open, '#' wall,
        one 'S' and one 'E'. Output: the minimum number of moves from S to E if you may walk
        through at most one wall cell along the way, or -1.
        """,
        statement="""
        Moves go up, down, left or right. Entering a wall cell uses up your single wall break;
        after that you may only enter open cells.
        """,
        reference=r"""
        import sys
        from collections import deque

        data = sys.stdin.read().split()
        rows, cols = int(data[0]), int(data[1])
        g = data[2:2 + rows]
        start = next((r, c) for r in range(rows) for c in range(cols) if g[r][c] == "S")
        dist = [[[-1, -1] for _ in range(cols)] for _ in range(rows)]
        dist[start[0]][start[1]][0] = 0
        q = deque([(start[0], start[1], 0)])
        answer = -1
        while q:
            r, c, used = q.popleft()
            d = dist[r][c][used]
            if g[r][c] == "E":
                answer = d
                break
            for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if not (0 <= nr < rows and 0 <= nc < cols):
                    continue
                nu = used + (g[nr][nc] == "#")
                if nu <= 1 and dist[nr][nc][nu] < 0:
                    dist[nr][nc][nu] = d + 1
                    q.append((nr, nc, nu))
        print(answer)
        """,
        tests=cases(
            ("3 3\nS#E\n.#.\n...\n", "2\n"),
            ("2 3\nS##\n##E\n", "-1\n"),
            ("1 2\nSE\n", "1\n"),
            ("3 5\nS.#..\n###.#\n..#.E\n", "6\n"),
            ("5 5\nS#...\n.#.#.\n.#.#.\n...#.\n####E\n", "8\n"),
            (_maze_input(60, 60, 4, 1400), "118\n"),
        ),
        examples=(ex("3 3\nS#E\n.#.\n...", "2"),),
        bugs=(
            missed_edge(
                r"""
                import sys
                from collections import deque

                data = sys.stdin.read().split()
                rows, cols = int(data[0]), int(data[1])
                g = data[2:2 + rows]
                start = next((r, c) for r in range(rows) for c in range(cols) if g[r][c] == "S")
                seen = {start}
                q = deque([(start[0], start[1], 0, 0)])
                answer = -1
                while q:
                    r, c, used, d = q.popleft()
                    if g[r][c] == "E":
                        answer = d
                        break
                    for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                        if 0 <= nr < rows and 0 <= nc < cols and (nr, nc) not in seen:
                            nu = used + (g[nr][nc] == "#")
                            if nu <= 1:
                                seen.add((nr, nc))
                                q.append((nr, nc, nu, d + 1))
                print(answer)
                """,
                "visited set ignores whether the break was used",
            ),
            off_by_one(
                r"""
                import sys
                from collections import deque

                data = sys.stdin.read().split()
                rows, cols = int(data[0]), int(data[1])
                g = data[2:2 + rows]
                start = next((r, c) for r in range(rows) for c in range(cols) if g[r][c] == "S")
                dist = {(start[0], start[1], 0): 0}
                q = deque([(start[0], start[1], 0)])
                answer = -1
                while q:
                    r, c, used = q.popleft()
                    d = dist[(r, c, used)]
                    if g[r][c] == "E":
                        answer = d
                        break
                    for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                        if not (0 <= nr < rows and 0 <= nc < cols):
                            continue
                        nu = used + (g[nr][nc] == "#")
                        if nu <= 2 and (nr, nc, nu) not in dist:
                            dist[(nr, nc, nu)] = d + 1
                            q.append((nr, nc, nu))
                print(answer)
                """,
                "allows two wall breaks",
            ),
        ),
    ),
    io(
        "Collect Keys Open Doors",
        "hard",
        contract="""
        Input: a line "R C" (1 <= R, C <= 60), then R lines of C characters: '.' open, '#' wall,
        'S' start, 'X' exit, keys 'a'-'f' and doors 'A'-'F'. Output: the minimum number of moves
        from S to X, or -1.
        """,
        statement="""
        Moves go up, down, left or right. Stepping on a key picks it up for good. A door can be
        entered only while holding its key (door 'B' needs key 'b'); keys are never used up. You may
        revisit cells. Find the shortest route from S to X.
        """,
        reference=r"""
        import sys
        from collections import deque

        data = sys.stdin.read().split()
        rows, cols = int(data[0]), int(data[1])
        g = data[2:2 + rows]
        start = next((r, c) for r in range(rows) for c in range(cols) if g[r][c] == "S")
        seen = {(start[0], start[1], 0)}
        q = deque([(start[0], start[1], 0, 0)])
        answer = -1
        while q:
            r, c, keys, d = q.popleft()
            if g[r][c] == "X":
                answer = d
                break
            for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if not (0 <= nr < rows and 0 <= nc < cols):
                    continue
                ch = g[nr][nc]
                if ch == "#":
                    continue
                if "A" <= ch <= "F" and not keys >> (ord(ch) - 65) & 1:
                    continue
                nk = keys | (1 << (ord(ch) - 97)) if "a" <= ch <= "f" else keys
                if (nr, nc, nk) not in seen:
                    seen.add((nr, nc, nk))
                    q.append((nr, nc, nk, d + 1))
        print(answer)
        """,
        tests=cases(
            ("3 5\nS.#.X\n.a#A#\n.....\n", "8\n"),
            ("1 4\nSA.X\n", "-1\n"),
            ("1 5\naSB.X\n", "-1\n"),
            ("3 3\nSaA\n#.A\n#.X\n", "4\n"),
            ("3 7\nb.S.A.X\n###.###\na..B...\n", "18\n"),
            ("5 6\nS.a.b.\n#####.\nX.BA..\n######\n......\n", "12\n"),
        ),
        examples=(ex("3 5\nS.#.X\n.a#A#\n.....", "8"),),
        bugs=(
            missed_edge(
                r"""
                import sys
                from collections import deque

                data = sys.stdin.read().split()
                rows, cols = int(data[0]), int(data[1])
                g = data[2:2 + rows]
                start = next((r, c) for r in range(rows) for c in range(cols) if g[r][c] == "S")
                seen = {start}
                q = deque([(start[0], start[1], 0, 0)])
                answer = -1
                while q:
                    r, c, keys, d = q.popleft()
                    if g[r][c] == "X":
                        answer = d
                        break
                    for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                        if not (0 <= nr < rows and 0 <= nc < cols) or (nr, nc) in seen:
                            continue
                        ch = g[nr][nc]
                        if ch == "#" or ("A" <= ch <= "F" and not keys >> (ord(ch) - 65) & 1):
                            continue
                        nk = keys | (1 << (ord(ch) - 97)) if "a" <= ch <= "f" else keys
                        seen.add((nr, nc))
                        q.append((nr, nc, nk, d + 1))
                print(answer)
                """,
                "cells are visited once regardless of the keys held",
            ),
            missed_edge(
                r"""
                import sys
                from collections import deque

                data = sys.stdin.read().split()
                rows, cols = int(data[0]), int(data[1])
                g = data[2:2 + rows]
                start = next((r, c) for r in range(rows) for c in range(cols) if g[r][c] == "S")
                seen = {(start[0], start[1], 0)}
                q = deque([(start[0], start[1], 0, 0)])
                answer = -1
                while q:
                    r, c, keys, d = q.popleft()
                    if g[r][c] == "X":
                        answer = d
                        break
                    for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                        if not (0 <= nr < rows and 0 <= nc < cols):
                            continue
                        ch = g[nr][nc]
                        if ch == "#":
                            continue
                        nk = keys | (1 << (ord(ch) - 97)) if "a" <= ch <= "f" else keys
                        if "A" <= ch <= "F" and not nk >> (ord(ch) - 65) & 1 and keys == 0:
                            continue
                        if (nr, nc, nk) not in seen:
                            seen.add((nr, nc, nk))
                            q.append((nr, nc, nk, d + 1))
                print(answer)
                """,
                "any key opens any door",
            ),
        ),
    ),
)


def _layered_graph(layers: int, width: int) -> str:
    n = layers * width + 2
    edges = []
    for v in range(width):
        edges.append((1, 2 + v, 1 + v % 3))
    for layer in range(layers - 1):
        for a in range(width):
            for b in range(width):
                if (a + b + layer) % 3 != 2:
                    edges.append(
                        (2 + layer * width + a, 2 + (layer + 1) * width + b, 1 + (a * b + layer) % 3)
                    )
    for v in range(width):
        edges.append((2 + (layers - 1) * width + v, n, 1 + (v + 1) % 3))
    return f"{n} {len(edges)}\n" + "\n".join(f"{a} {b} {w}" for a, b, w in edges) + "\n"


def _random_graph(n: int, m: int, seed: int) -> str:
    x = seed
    edges = []
    for i in range(2, n + 1):
        x = (x * 1103515245 + 12345) % 2**31
        edges.append((1 + x % (i - 1), i, 1 + (x >> 7) % 1000))
    while len(edges) < m:
        x = (x * 1103515245 + 12345) % 2**31
        a = 1 + x % n
        x = (x * 1103515245 + 12345) % 2**31
        b = 1 + x % n
        edges.append((a, b, 1 + (x >> 9) % 1000))
    return f"{n} {m}\n" + "\n".join(f"{a} {b} {w}" for a, b, w in edges) + "\n"


WEIGHTED = family(
    "weighted_paths",
    "Shortest paths",
    "graphs",
    ("shortest path", "shortest paths", "dijkstra", "graphs", "graph", "bfs", "weighted", "routes"),
    io(
        "Fewest Flights",
        "easy",
        contract="""
        Input: a line "N M" (2 <= N <= 10**4, 0 <= M <= 2 * 10**4), then M lines "a b" meaning a
        one-way flight from city a to city b (1-based). Output: the minimum number of flights from
        city 1 to city N, or -1 if N cannot be reached.
        """,
        statement="""
        Flights are one-way. Find the fewest flights needed to get from city 1 to city N.
        """,
        reference=r"""
        import sys
        from collections import deque

        data = sys.stdin.read().split()
        n, m = int(data[0]), int(data[1])
        adj = [[] for _ in range(n + 1)]
        for i in range(m):
            adj[int(data[2 + 2 * i])].append(int(data[3 + 2 * i]))
        dist = [-1] * (n + 1)
        dist[1] = 0
        q = deque([1])
        while q:
            v = q.popleft()
            for w in adj[v]:
                if dist[w] < 0:
                    dist[w] = dist[v] + 1
                    q.append(w)
        print(dist[n])
        """,
        tests=cases(
            ("4 4\n1 2\n2 3\n3 4\n1 3\n", "2\n"),
            ("3 1\n3 1\n", "-1\n"),
            ("2 1\n1 2\n", "1\n"),
            ("5 5\n1 2\n2 5\n1 3\n3 4\n4 5\n", "2\n"),
            ("4 3\n2 1\n3 2\n4 3\n", "-1\n"),
            ("3 3\n1 1\n1 2\n2 3\n", "2\n"),
        ),
        examples=(ex("4 4\n1 2\n2 3\n3 4\n1 3", "2"),),
        bugs=(
            missed_edge(
                r"""
                import sys
                from collections import deque

                data = sys.stdin.read().split()
                n, m = int(data[0]), int(data[1])
                adj = [[] for _ in range(n + 1)]
                for i in range(m):
                    a, b = int(data[2 + 2 * i]), int(data[3 + 2 * i])
                    adj[a].append(b)
                    adj[b].append(a)
                dist = [-1] * (n + 1)
                dist[1] = 0
                q = deque([1])
                while q:
                    v = q.popleft()
                    for w in adj[v]:
                        if dist[w] < 0:
                            dist[w] = dist[v] + 1
                            q.append(w)
                print(dist[n])
                """,
                "treats flights as two-way",
            ),
            off_by_one(
                r"""
                import sys
                from collections import deque

                data = sys.stdin.read().split()
                n, m = int(data[0]), int(data[1])
                adj = [[] for _ in range(n + 1)]
                for i in range(m):
                    adj[int(data[2 + 2 * i])].append(int(data[3 + 2 * i]))
                dist = [-1] * (n + 1)
                dist[1] = 0
                q = deque([1])
                while q:
                    v = q.popleft()
                    for w in adj[v]:
                        if dist[w] < 0:
                            dist[w] = dist[v] + 1
                            q.append(w)
                print(dist[n - 1] if n > 2 else dist[n])
                """,
                "reports city N - 1",
            ),
        ),
    ),
    io(
        "Cheapest Routes From The Capital",
        "medium",
        contract="""
        Input: a line "N M" (1 <= N <= 2 * 10**4, 0 <= M <= 5 * 10**4), then M lines "a b w": a
        one-way road from a to b (1-based) with cost 1 <= w <= 1000, then a line with Q
        (1 <= Q <= N) and a line with Q node numbers. Output: one line with Q numbers: the cheapest
        cost from node 1 to each queried node, or -1 when it is unreachable.
        """,
        statement="""
        Compute single-source cheapest route costs from node 1. Parallel roads and self-loops can
        occur. The largest inputs need an O(M log N) algorithm.
        """,
        reference=r"""
        import heapq
        import sys

        data = sys.stdin.buffer.read().split()
        n, m = int(data[0]), int(data[1])
        adj = [[] for _ in range(n + 1)]
        for i in range(m):
            a, b, w = int(data[2 + 3 * i]), int(data[3 + 3 * i]), int(data[4 + 3 * i])
            adj[a].append((b, w))
        dist = [-1] * (n + 1)
        heap = [(0, 1)]
        while heap:
            d, v = heapq.heappop(heap)
            if dist[v] >= 0:
                continue
            dist[v] = d
            for w, c in adj[v]:
                if dist[w] < 0:
                    heapq.heappush(heap, (d + c, w))
        rest = data[2 + 3 * m:]
        print(" ".join(str(dist[int(x)]) for x in rest[1:1 + int(rest[0])]))
        """,
        tests=cases(
            ("4 5\n1 2 4\n1 3 1\n3 2 2\n2 4 1\n3 4 7\n4\n1 2 3 4\n", "0 3 1 4\n"),
            ("3 1\n2 3 5\n2\n3 1\n", "-1 0\n"),
            ("1 0\n1\n1\n", "0\n"),
            ("3 3\n1 2 5\n1 2 2\n2 2 1\n3\n1 2 3\n", "0 2 -1\n"),
            ("5 6\n1 2 1\n2 3 1\n3 4 1\n4 5 1\n1 5 10\n1 4 2\n2\n5 4\n", "3 2\n"),
            (_random_graph(300, 800, 3) + "5\n2 77 150 299 300\n", "520 1882 1768 976 3724\n"),
        ),
        examples=(ex("4 5\n1 2 4\n1 3 1\n3 2 2\n2 4 1\n3 4 7\n4\n1 2 3 4", "0 3 1 4"),),
        bugs=(
            missed_edge(
                r"""
                import heapq
                import sys

                data = sys.stdin.buffer.read().split()
                n, m = int(data[0]), int(data[1])
                adj = [[] for _ in range(n + 1)]
                for i in range(m):
                    a, b, w = int(data[2 + 3 * i]), int(data[3 + 3 * i]), int(data[4 + 3 * i])
                    adj[a].append((b, w))
                dist = [-1] * (n + 1)
                dist[1] = 0
                heap = [(0, 1)]
                while heap:
                    d, v = heapq.heappop(heap)
                    for w, c in adj[v]:
                        if dist[w] < 0:
                            dist[w] = d + c
                            heapq.heappush(heap, (d + c, w))
                rest = data[2 + 3 * m:]
                print(" ".join(str(dist[int(x)]) for x in rest[1:1 + int(rest[0])]))
                """,
                "fixes a distance the first time a node is seen",
            ),
            off_by_one(
                r"""
                import heapq
                import sys

                data = sys.stdin.buffer.read().split()
                n, m = int(data[0]), int(data[1])
                adj = [[] for _ in range(n + 1)]
                for i in range(m):
                    a, b, w = int(data[2 + 3 * i]), int(data[3 + 3 * i]), int(data[4 + 3 * i])
                    adj[a].append((b, w))
                dist = [-1] * (n + 1)
                heap = [(0, 1)]
                while heap:
                    d, v = heapq.heappop(heap)
                    if dist[v] >= 0:
                        continue
                    dist[v] = d
                    for w, c in adj[v]:
                        if dist[w] < 0:
                            heapq.heappush(heap, (d + c, w))
                rest = data[2 + 3 * m:]
                print(" ".join(str(dist[int(x) - 1]) for x in rest[1:1 + int(rest[0])]))
                """,
                "looks up node x - 1",
            ),
        ),
    ),
    io(
        "Count The Cheapest Routes",
        "hard",
        contract="""
        Input: a line "N M" (2 <= N <= 10**4, 1 <= M <= 5 * 10**4), then M lines "a b w": a one-way
        road from a to b with cost 1 <= w <= 100. Output: one line "cost count": the cheapest cost
        from node 1 to node N and the number of distinct cheapest routes modulo 1000000007
        (routes are sequences of roads; parallel roads give different routes), or "-1 0".
        """,
        statement="""
        Find the cheapest route from 1 to N and count how many routes achieve that cost.
        """,
        reference=r"""
        import heapq
        import sys

        MOD = 1_000_000_007
        data = sys.stdin.buffer.read().split()
        n, m = int(data[0]), int(data[1])
        adj = [[] for _ in range(n + 1)]
        for i in range(m):
            adj[int(data[2 + 3 * i])].append((int(data[3 + 3 * i]), int(data[4 + 3 * i])))
        inf = float("inf")
        dist = [inf] * (n + 1)
        ways = [0] * (n + 1)
        done = [False] * (n + 1)
        dist[1], ways[1] = 0, 1
        heap = [(0, 1)]
        while heap:
            d, v = heapq.heappop(heap)
            if done[v]:
                continue
            done[v] = True
            for w, c in adj[v]:
                nd = d + c
                if nd < dist[w]:
                    dist[w], ways[w] = nd, ways[v]
                    heapq.heappush(heap, (nd, w))
                elif nd == dist[w]:
                    ways[w] = (ways[w] + ways[v]) % MOD
        print(f"{dist[n]} {ways[n]}" if dist[n] < inf else "-1 0")
        """,
        tests=cases(
            ("4 4\n1 2 1\n1 3 1\n2 4 1\n3 4 1\n", "2 2\n"),
            ("3 1\n1 2 1\n", "-1 0\n"),
            ("2 2\n1 2 3\n1 2 3\n", "3 2\n"),
            ("4 5\n1 2 1\n2 3 1\n1 3 2\n3 4 1\n1 4 5\n", "3 2\n"),
            ("5 6\n1 2 2\n1 3 1\n3 2 1\n2 4 1\n4 5 1\n3 5 4\n", "4 2\n"),
            (_layered_graph(20, 6), "27 1048576\n"),
        ),
        examples=(ex("4 4\n1 2 1\n1 3 1\n2 4 1\n3 4 1", "2 2"),),
        bugs=(
            missed_edge(
                r"""
                import heapq
                import sys

                MOD = 1_000_000_007
                data = sys.stdin.buffer.read().split()
                n, m = int(data[0]), int(data[1])
                adj = [[] for _ in range(n + 1)]
                for i in range(m):
                    adj[int(data[2 + 3 * i])].append((int(data[3 + 3 * i]), int(data[4 + 3 * i])))
                inf = float("inf")
                dist = [inf] * (n + 1)
                ways = [0] * (n + 1)
                done = [False] * (n + 1)
                dist[1], ways[1] = 0, 1
                heap = [(0, 1)]
                while heap:
                    d, v = heapq.heappop(heap)
                    if done[v]:
                        continue
                    done[v] = True
                    for w, c in adj[v]:
                        nd = d + c
                        if nd <= dist[w]:
                            dist[w] = nd
                            ways[w] = (ways[w] + ways[v]) % MOD
                            heapq.heappush(heap, (nd, w))
                print(f"{dist[n]} {ways[n]}" if dist[n] < inf else "-1 0")
                """,
                "keeps counts from costlier routes when a cheaper one appears",
            ),
            too_slow(
                r"""
                import sys

                data = sys.stdin.buffer.read().split()
                n, m = int(data[0]), int(data[1])
                adj = [[] for _ in range(n + 1)]
                for i in range(m):
                    adj[int(data[2 + 3 * i])].append((int(data[3 + 3 * i]), int(data[4 + 3 * i])))
                best = [float("inf"), 0]
                stack = [(1, 0, frozenset([1]))]
                while stack:
                    v, cost, seen = stack.pop()
                    if cost > best[0]:
                        continue
                    if v == n:
                        if cost < best[0]:
                            best = [cost, 1]
                        else:
                            best[1] += 1
                        continue
                    for w, c in adj[v]:
                        if w not in seen:
                            stack.append((w, cost + c, seen | {w}))
                print(f"{best[0]} {best[1] % 1_000_000_007}" if best[1] else "-1 0")
                """,
                "enumerates every simple route",
            ),
        ),
    ),
)

DAGS = family(
    "dag_order",
    "Directed acyclic graphs",
    "graphs",
    ("dag", "topological sort", "topological", "cycle", "dependencies", "graphs", "graph", "connectivity"),
    fn(
        "Detect A Dependency Cycle",
        "easy",
        entry="has_cycle",
        signature="def has_cycle(n: int, edges: list[tuple[int, int]]) -> bool: ...",
        statement="""
        A directed graph has nodes `0 .. n-1` and edges `(a, b)` meaning a -> b. Return True when it
        contains a directed cycle (a self-loop is a cycle). `1 <= n <= 10**4`,
        `0 <= len(edges) <= 2 * 10**4`.
        """,
        reference=r"""
        from collections import deque


        def has_cycle(n, edges):
            indeg = [0] * n
            adj = [[] for _ in range(n)]
            for a, b in edges:
                adj[a].append(b)
                indeg[b] += 1
            q = deque(i for i in range(n) if indeg[i] == 0)
            seen = 0
            while q:
                v = q.popleft()
                seen += 1
                for w in adj[v]:
                    indeg[w] -= 1
                    if indeg[w] == 0:
                        q.append(w)
            return seen < n
        """,
        tests=r"""
        from solution import has_cycle


        def test_example():
            assert has_cycle(3, [(0, 1), (1, 2), (2, 0)]) is True


        def test_diamond_is_acyclic():
            assert has_cycle(4, [(0, 1), (0, 2), (1, 3), (2, 3)]) is False


        def test_self_loop():
            assert has_cycle(2, [(1, 1)]) is True


        def test_no_edges():
            assert has_cycle(5, []) is False


        def test_long_chain():
            n = 10000
            chain = [(i, i + 1) for i in range(n - 1)]
            assert has_cycle(n, chain) is False
            assert has_cycle(n, chain + [(n - 1, 0)]) is True
        """,
        examples=(ex("n = 3, edges = [(0, 1), (1, 2), (2, 0)]", "True"),),
        bugs=(
            missed_edge(
                r"""
                def has_cycle(n, edges):
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                    seen = set()
                    for s in range(n):
                        if s in seen:
                            continue
                        stack = [s]
                        while stack:
                            v = stack.pop()
                            if v in seen:
                                return True
                            seen.add(v)
                            stack.extend(adj[v])
                    return False
                """,
                "any already-visited node counts as a cycle",
            ),
            missed_edge(
                r"""
                def has_cycle(n, edges):
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                    state = [0] * n

                    def visit(v):
                        state[v] = 1
                        for w in adj[v]:
                            if state[w] == 1 or (state[w] == 0 and visit(w)):
                                return True
                        state[v] = 2
                        return False

                    return any(state[v] == 0 and visit(v) for v in range(n))
                """,
                "recursive DFS overflows on long chains",
            ),
        ),
    ),
    fn(
        "Smallest Topological Order",
        "medium",
        entry="smallest_order",
        signature="def smallest_order(n: int, edges: list[tuple[int, int]]) -> list[int]: ...",
        statement="""
        Nodes are `0 .. n-1`; an edge `(a, b)` means a must come before b. Return the
        lexicographically smallest order of all nodes that respects every edge, or `[]` if no order
        exists. `1 <= n <= 10**5`, `0 <= len(edges) <= 2 * 10**5`.
        """,
        reference=r"""
        import heapq


        def smallest_order(n, edges):
            indeg = [0] * n
            adj = [[] for _ in range(n)]
            for a, b in edges:
                adj[a].append(b)
                indeg[b] += 1
            heap = [i for i in range(n) if indeg[i] == 0]
            heapq.heapify(heap)
            out = []
            while heap:
                v = heapq.heappop(heap)
                out.append(v)
                for w in adj[v]:
                    indeg[w] -= 1
                    if indeg[w] == 0:
                        heapq.heappush(heap, w)
            return out if len(out) == n else []
        """,
        tests=r"""
        from solution import smallest_order


        def test_example():
            assert smallest_order(4, [(3, 0), (1, 0)]) == [1, 2, 3, 0]


        def test_cycle():
            assert smallest_order(3, [(0, 1), (1, 0)]) == []


        def test_newly_freed_small_node_goes_first():
            assert smallest_order(4, [(2, 0), (3, 1)]) == [2, 0, 3, 1]


        def test_no_edges():
            assert smallest_order(3, []) == [0, 1, 2]


        def test_large():
            n = 100000
            edges = [(i + 1, i) for i in range(n - 1)]
            assert smallest_order(n, edges) == list(range(n - 1, -1, -1))
        """,
        examples=(ex("n = 4, edges = [(3, 0), (1, 0)]", "[1, 2, 3, 0]"),),
        bugs=(
            missed_edge(
                r"""
                from collections import deque


                def smallest_order(n, edges):
                    indeg = [0] * n
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                        indeg[b] += 1
                    q = deque(i for i in range(n) if indeg[i] == 0)
                    out = []
                    while q:
                        v = q.popleft()
                        out.append(v)
                        for w in sorted(adj[v]):
                            indeg[w] -= 1
                            if indeg[w] == 0:
                                q.append(w)
                    return out if len(out) == n else []
                """,
                "FIFO queue instead of a min-heap",
            ),
            missed_edge(
                r"""
                import heapq


                def smallest_order(n, edges):
                    indeg = [0] * n
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                        indeg[b] += 1
                    heap = [i for i in range(n) if indeg[i] == 0]
                    heapq.heapify(heap)
                    out = []
                    while heap:
                        v = heapq.heappop(heap)
                        out.append(v)
                        for w in adj[v]:
                            indeg[w] -= 1
                            if indeg[w] == 0:
                                heapq.heappush(heap, w)
                    return out
                """,
                "returns a partial order when there is a cycle",
            ),
        ),
    ),
    fn(
        "Count Routes In A DAG",
        "hard",
        entry="count_dag_paths",
        signature="def count_dag_paths(n: int, edges: list[tuple[int, int]], source: int, target: int) -> int: ...",
        statement="""
        A directed acyclic graph has nodes `0 .. n-1`; parallel edges count as different routes.
        Return the number of directed paths from `source` to `target` modulo `1_000_000_007`
        (the empty path counts when `source == target`). `1 <= n <= 10**5`,
        `0 <= len(edges) <= 2 * 10**5`.
        """,
        reference=r"""
        from collections import deque


        def count_dag_paths(n, edges, source, target):
            mod = 1_000_000_007
            indeg = [0] * n
            adj = [[] for _ in range(n)]
            for a, b in edges:
                adj[a].append(b)
                indeg[b] += 1
            ways = [0] * n
            ways[source] = 1
            q = deque(i for i in range(n) if indeg[i] == 0)
            while q:
                v = q.popleft()
                for w in adj[v]:
                    ways[w] = (ways[w] + ways[v]) % mod
                    indeg[w] -= 1
                    if indeg[w] == 0:
                        q.append(w)
            return ways[target]
        """,
        tests=r"""
        from solution import count_dag_paths


        def test_example():
            assert count_dag_paths(4, [(0, 1), (0, 2), (1, 3), (2, 3)], 0, 3) == 2


        def test_parallel_edges():
            assert count_dag_paths(2, [(0, 1), (0, 1)], 0, 1) == 2


        def test_same_node():
            assert count_dag_paths(3, [(0, 1)], 2, 2) == 1


        def test_unreachable():
            assert count_dag_paths(3, [(1, 0), (1, 2)], 0, 2) == 0


        def test_exponential_count():
            layers = 60
            edges = []
            for i in range(layers):
                edges += [(2 * i, 2 * i + 2), (2 * i, 2 * i + 3), (2 * i + 1, 2 * i + 2), (2 * i + 1, 2 * i + 3)]
            assert count_dag_paths(2 * layers + 2, edges, 0, 2 * layers) == pow(2, layers - 1, 1_000_000_007)


        def test_long_chain():
            n = 100000
            edges = [(i, i + 1) for i in range(n - 1)]
            assert count_dag_paths(n, edges, 0, n - 1) == 1
        """,
        examples=(ex("n = 4, edges = [(0, 1), (0, 2), (1, 3), (2, 3)], source = 0, target = 3", "2"),),
        bugs=(
            missed_edge(
                r"""
                from collections import deque


                def count_dag_paths(n, edges, source, target):
                    mod = 1_000_000_007
                    edges = set(edges)
                    indeg = [0] * n
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                        indeg[b] += 1
                    ways = [0] * n
                    ways[source] = 1
                    q = deque(i for i in range(n) if indeg[i] == 0)
                    while q:
                        v = q.popleft()
                        for w in adj[v]:
                            ways[w] = (ways[w] + ways[v]) % mod
                            indeg[w] -= 1
                            if indeg[w] == 0:
                                q.append(w)
                    return ways[target]
                """,
                "deduplicates parallel edges",
            ),
            missed_edge(
                r"""
                from functools import lru_cache


                def count_dag_paths(n, edges, source, target):
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)

                    @lru_cache(maxsize=None)
                    def go(v):
                        if v == target:
                            return 1
                        return sum(go(w) for w in adj[v]) % 1_000_000_007

                    return go(source)
                """,
                "memoised recursion overflows on long chains",
            ),
            too_slow(
                r"""
                def count_dag_paths(n, edges, source, target):
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                    count = 0
                    stack = [source]
                    while stack:
                        v = stack.pop()
                        if v == target:
                            count += 1
                        stack.extend(adj[v])
                    return count % 1_000_000_007
                """,
                "enumerates every path",
            ),
        ),
    ),
)

TREES = family(
    "trees",
    "Tree algorithms",
    "trees",
    ("tree", "trees", "diameter", "depth", "rerooting", "dfs", "graphs", "graph"),
    fn(
        "Height Of A Rooted Tree",
        "easy",
        entry="tree_height",
        signature="def tree_height(parent: list[int]) -> int: ...",
        statement="""
        `parent[i]` is the parent of node `i`, or -1 for the single root (which need not be node 0).
        Return the height: the number of nodes on the longest path from the root down to a leaf.
        `1 <= len(parent) <= 10**5`.
        """,
        reference=r"""
        def tree_height(parent):
            n = len(parent)
            depth = [0] * n
            for v in range(n):
                path = []
                u = v
                while u != -1 and depth[u] == 0:
                    path.append(u)
                    u = parent[u]
                d = depth[u] if u != -1 else 0
                for x in reversed(path):
                    d += 1
                    depth[x] = d
            return max(depth)
        """,
        tests=r"""
        from solution import tree_height


        def test_example():
            assert tree_height([-1, 0, 0, 1]) == 3


        def test_single():
            assert tree_height([-1]) == 1


        def test_root_not_zero():
            assert tree_height([2, 2, -1]) == 2


        def test_chain_reversed():
            assert tree_height([1, 2, 3, -1]) == 4


        def test_long_chain():
            n = 100000
            assert tree_height([-1] + list(range(n - 1))) == n
        """,
        examples=(ex("parent = [-1, 0, 0, 1]", "3"),),
        bugs=(
            off_by_one(
                r"""
                def tree_height(parent):
                    best = 0
                    memo = {}
                    for v in range(len(parent)):
                        d = 0
                        u = v
                        stack = []
                        while parent[u] != -1 and u not in memo:
                            stack.append(u)
                            u = parent[u]
                        d = memo.get(u, 0)
                        for x in reversed(stack):
                            d += 1
                            memo[x] = d
                        best = max(best, d)
                    return best
                """,
                "counts edges instead of nodes",
            ),
            missed_edge(
                r"""
                def tree_height(parent):
                    children = [[] for _ in parent]
                    for v, p in enumerate(parent):
                        if p >= 0:
                            children[p].append(v)
                    best = 0
                    stack = [(0, 1)]
                    while stack:
                        v, d = stack.pop()
                        best = max(best, d)
                        for c in children[v]:
                            stack.append((c, d + 1))
                    return best
                """,
                "assumes node 0 is the root",
            ),
        ),
    ),
    fn(
        "Diameter Of A Tree",
        "medium",
        entry="tree_diameter",
        signature="def tree_diameter(n: int, edges: list[tuple[int, int]]) -> int: ...",
        statement="""
        An undirected tree has nodes `0 .. n-1` and `n - 1` edges. Return the number of edges on its
        longest simple path. `1 <= n <= 2 * 10**5`.
        """,
        reference=r"""
        def tree_diameter(n, edges):
            adj = [[] for _ in range(n)]
            for a, b in edges:
                adj[a].append(b)
                adj[b].append(a)

            def farthest(s):
                dist = [-1] * n
                dist[s] = 0
                stack = [s]
                while stack:
                    v = stack.pop()
                    for w in adj[v]:
                        if dist[w] < 0:
                            dist[w] = dist[v] + 1
                            stack.append(w)
                far = max(range(n), key=dist.__getitem__)
                return far, dist[far]

            a, _ = farthest(0)
            return farthest(a)[1]
        """,
        tests=r"""
        import random

        from solution import tree_diameter


        def brute(n, edges):
            adj = [[] for _ in range(n)]
            for a, b in edges:
                adj[a].append(b)
                adj[b].append(a)
            best = 0
            for s in range(n):
                dist = {s: 0}
                stack = [s]
                while stack:
                    v = stack.pop()
                    for w in adj[v]:
                        if w not in dist:
                            dist[w] = dist[v] + 1
                            stack.append(w)
                best = max(best, max(dist.values()))
            return best


        def test_example():
            assert tree_diameter(5, [(0, 1), (1, 2), (1, 3), (3, 4)]) == 3


        def test_single_node():
            assert tree_diameter(1, []) == 0


        def test_longest_path_avoids_node_zero():
            assert tree_diameter(6, [(0, 1), (1, 2), (2, 3), (1, 4), (4, 5)]) == 4


        def test_random_against_brute_force():
            rng = random.Random(101)
            for _ in range(100):
                n = rng.randint(1, 12)
                edges = [(rng.randrange(i), i) for i in range(1, n)]
                assert tree_diameter(n, edges) == brute(n, edges)


        def test_long_path():
            n = 200000
            assert tree_diameter(n, [(i, i + 1) for i in range(n - 1)]) == n - 1
        """,
        examples=(ex("n = 5, edges = [(0, 1), (1, 2), (1, 3), (3, 4)]", "3"),),
        bugs=(
            missed_edge(
                r"""
                def tree_diameter(n, edges):
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                        adj[b].append(a)
                    dist = [-1] * n
                    dist[0] = 0
                    stack = [0]
                    while stack:
                        v = stack.pop()
                        for w in adj[v]:
                            if dist[w] < 0:
                                dist[w] = dist[v] + 1
                                stack.append(w)
                    return max(dist)
                """,
                "one search from node 0 only",
            ),
            missed_edge(
                r"""
                def tree_diameter(n, edges):
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                        adj[b].append(a)
                    best = 0

                    def height(v, parent):
                        nonlocal best
                        top = [0, 0]
                        for w in adj[v]:
                            if w != parent:
                                h = height(w, v) + 1
                                top = sorted(top + [h])[-2:]
                        best = max(best, top[0] + top[1])
                        return top[1]

                    height(0, -1)
                    return best
                """,
                "recursion overflows on long paths",
            ),
        ),
    ),
    fn(
        "Sum Of Distances From Every Node",
        "hard",
        entry="distance_sums",
        signature="def distance_sums(n: int, edges: list[tuple[int, int]]) -> list[int]: ...",
        statement="""
        An undirected tree has nodes `0 .. n-1`. For every node return the sum of its distances (in
        edges) to all other nodes. `1 <= n <= 10**5`.
        """,
        reference=r"""
        def distance_sums(n, edges):
            adj = [[] for _ in range(n)]
            for a, b in edges:
                adj[a].append(b)
                adj[b].append(a)
            parent = [-1] * n
            order = [0]
            seen = [False] * n
            seen[0] = True
            for v in order:
                for w in adj[v]:
                    if not seen[w]:
                        seen[w] = True
                        parent[w] = v
                        order.append(w)
            size = [1] * n
            down = [0] * n
            for v in reversed(order):
                p = parent[v]
                if p >= 0:
                    size[p] += size[v]
                    down[p] += down[v] + size[v]
            ans = [0] * n
            ans[0] = down[0]
            for v in order[1:]:
                ans[v] = ans[parent[v]] - size[v] + (n - size[v])
            return ans
        """,
        tests=r"""
        import random

        from solution import distance_sums


        def brute(n, edges):
            adj = [[] for _ in range(n)]
            for a, b in edges:
                adj[a].append(b)
                adj[b].append(a)
            out = []
            for s in range(n):
                dist = {s: 0}
                stack = [s]
                while stack:
                    v = stack.pop()
                    for w in adj[v]:
                        if w not in dist:
                            dist[w] = dist[v] + 1
                            stack.append(w)
                out.append(sum(dist.values()))
            return out


        def test_example():
            assert distance_sums(6, [(0, 1), (0, 2), (2, 3), (2, 4), (2, 5)]) == [8, 12, 6, 10, 10, 10]


        def test_single():
            assert distance_sums(1, []) == [0]


        def test_pair():
            assert distance_sums(2, [(1, 0)]) == [1, 1]


        def test_random_against_brute_force():
            rng = random.Random(102)
            for _ in range(80):
                n = rng.randint(1, 14)
                edges = [(rng.randrange(i), i) for i in range(1, n)]
                rng.shuffle(edges)
                assert distance_sums(n, edges) == brute(n, edges)


        def test_large_path():
            n = 100000
            got = distance_sums(n, [(i, i + 1) for i in range(n - 1)])
            assert got[0] == n * (n - 1) // 2
            assert got[n // 2] == (n // 2) * (n // 2 + 1) // 2 + (n - n // 2 - 1) * (n - n // 2) // 2
        """,
        examples=(ex("n = 6, edges = [(0, 1), (0, 2), (2, 3), (2, 4), (2, 5)]", "[8, 12, 6, 10, 10, 10]"),),
        bugs=(
            off_by_one(
                r"""
                def distance_sums(n, edges):
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                        adj[b].append(a)
                    parent = [-1] * n
                    order = [0]
                    seen = [False] * n
                    seen[0] = True
                    for v in order:
                        for w in adj[v]:
                            if not seen[w]:
                                seen[w] = True
                                parent[w] = v
                                order.append(w)
                    size = [1] * n
                    down = [0] * n
                    for v in reversed(order):
                        p = parent[v]
                        if p >= 0:
                            size[p] += size[v]
                            down[p] += down[v] + size[v]
                    ans = [0] * n
                    ans[0] = down[0]
                    for v in order[1:]:
                        ans[v] = ans[parent[v]] - size[v] + (n - size[v] - 1)
                    return ans
                """,
                "rerooting formula off by one per step",
            ),
            too_slow(
                r"""
                def distance_sums(n, edges):
                    adj = [[] for _ in range(n)]
                    for a, b in edges:
                        adj[a].append(b)
                        adj[b].append(a)
                    out = []
                    for s in range(n):
                        dist = [-1] * n
                        dist[s] = 0
                        stack = [s]
                        total = 0
                        while stack:
                            v = stack.pop()
                            total += dist[v]
                            for w in adj[v]:
                                if dist[w] < 0:
                                    dist[w] = dist[v] + 1
                                    stack.append(w)
                        out.append(total)
                    return out
                """,
                "a full search from every node",
            ),
        ),
    ),
)

FAMILIES = (GRID_BFS, WEIGHTED, DAGS, TREES)
