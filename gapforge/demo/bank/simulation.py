"""Simulation: robots on grids, cellular automata, elimination games."""

from __future__ import annotations

from gapforge.demo.bank.schema import cases, ex, family, fn, io, missed_edge, off_by_one, too_slow


def _spiral_commands(n: int) -> str:
    # a walk that never revisits a cell until the very end, then steps back onto the start
    out: list[str] = []
    length = 1
    d = 0
    while len(out) < n:
        for _ in range(2):
            out.extend("RDLU"[d % 4] * length)
            d += 1
        length += 1
    return "".join(out[:n])


ROBOTS = family(
    "robots",
    "Robot simulation",
    "simulation",
    ("robot", "robots", "simulation", "grid", "commands", "cycle detection", "walk"),
    io(
        "Robot In A Walled Room",
        "easy",
        contract="""
        Input: a line "R C" (1 <= R, C <= 100), R lines of C characters ('.' free, '#' wall, one
        'R' marking the robot's free start cell), then a line of commands (U, D, L, R; possibly
        empty). Output: "row col" of the final cell (0-based).
        """,
        statement="""
        The robot executes the commands in order. U decreases the row, D increases it, L decreases
        the column, R increases it. A move into a wall or off the grid is skipped.
        """,
        reference=r"""
        import sys

        lines = sys.stdin.read().split("\n")
        rows, cols = map(int, lines[0].split())
        grid = lines[1:1 + rows]
        cmds = lines[1 + rows].strip() if len(lines) > 1 + rows else ""
        r, c = next((i, row.index("R")) for i, row in enumerate(grid) if "R" in row)
        moves = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
        for ch in cmds:
            dr, dc = moves[ch]
            nr, nc = r + dr, c + dc
            if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] != "#":
                r, c = nr, nc
        print(r, c)
        """,
        tests=cases(
            ("3 3\nR..\n.#.\n...\nRRDD\n", "2 2\n"),
            ("2 2\n.R\n..\nRRRR\n", "0 1\n"),
            ("3 3\n...\n.R.\n...\n\n", "1 1\n"),
            ("3 4\n....\nR#..\n....\nRRUUU\n", "0 0\n"),
            ("1 5\n..R..\nLLLLLLRR\n", "0 2\n"),
            ("4 4\n....\n.##.\n.#R.\n....\nULLDDLL\n", "3 0\n"),
        ),
        examples=(ex("3 3\nR..\n.#.\n...\nRRDD", "2 2"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                lines = sys.stdin.read().split("\n")
                rows, cols = map(int, lines[0].split())
                grid = lines[1:1 + rows]
                cmds = lines[1 + rows].strip() if len(lines) > 1 + rows else ""
                r, c = next((i, row.index("R")) for i, row in enumerate(grid) if "R" in row)
                moves = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
                for ch in cmds:
                    dr, dc = moves[ch]
                    nr, nc = r + dr, c + dc
                    if grid[nr % rows][nc % cols] != "#":
                        r, c = nr, nc
                print(r, c)
                """,
                "never checks the grid border",
            ),
            off_by_one(
                r"""
                import sys

                lines = sys.stdin.read().split("\n")
                rows, cols = map(int, lines[0].split())
                grid = lines[1:1 + rows]
                cmds = lines[1 + rows].strip() if len(lines) > 1 + rows else ""
                r, c = next((i, row.index("R")) for i, row in enumerate(grid) if "R" in row)
                moves = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
                for ch in cmds:
                    dr, dc = moves[ch]
                    nr, nc = r + dr, c + dc
                    if 0 <= nr <= rows and 0 <= nc <= cols and grid[nr][nc] != "#":
                        r, c = nr, nc
                print(r, c)
                """,
                "inclusive bounds check runs off the bottom and right edges",
            ),
        ),
    ),
    io(
        "First Revisited Cell",
        "medium",
        contract="""
        Input: one line of commands (U, D, L, R), length 1 to 2 * 10**5. Output: the 1-based
        number of the first move after which the robot stands on a cell it has occupied before
        (the start cell counts as occupied), or -1 if it never does.
        """,
        statement="""
        A robot walks on an infinite grid starting at (0, 0), one cell per command.
        """,
        reference=r"""
        import sys

        cmds = sys.stdin.readline().strip()
        x = y = 0
        seen = {(0, 0)}
        answer = -1
        for i, ch in enumerate(cmds, 1):
            if ch == "U":
                y += 1
            elif ch == "D":
                y -= 1
            elif ch == "L":
                x -= 1
            else:
                x += 1
            if (x, y) in seen:
                answer = i
                break
            seen.add((x, y))
        print(answer)
        """,
        tests=cases(
            ("URDL\n", "4\n"),
            ("UD\n", "2\n"),
            ("UUUU\n", "-1\n"),
            ("RRULLDDR\n", "6\n"),
            ("RURDDL\n", "-1\n"),
            (_spiral_commands(3000) + "\n", "-1\n"),
        ),
        examples=(ex("URDL", "4"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                cmds = sys.stdin.readline().strip()
                x = y = 0
                seen = set()
                answer = -1
                for i, ch in enumerate(cmds, 1):
                    if ch == "U":
                        y += 1
                    elif ch == "D":
                        y -= 1
                    elif ch == "L":
                        x -= 1
                    else:
                        x += 1
                    if (x, y) in seen:
                        answer = i
                        break
                    seen.add((x, y))
                print(answer)
                """,
                "the start cell is not counted as visited",
            ),
            off_by_one(
                r"""
                import sys

                cmds = sys.stdin.readline().strip()
                x = y = 0
                seen = {(0, 0)}
                answer = -1
                for i, ch in enumerate(cmds):
                    if ch == "U":
                        y += 1
                    elif ch == "D":
                        y -= 1
                    elif ch == "L":
                        x -= 1
                    else:
                        x += 1
                    if (x, y) in seen:
                        answer = i
                        break
                    seen.add((x, y))
                print(answer)
                """,
                "reports a 0-based move number",
            ),
        ),
    ),
    io(
        "Robot On A Torus After K Rounds",
        "hard",
        contract="""
        Input: a line "R C K" (1 <= R, C <= 20, 1 <= K <= 10**18), R lines of C characters ('.'
        free, '#' wall, one 'R' for the robot's start), then a line with the program: 1 to 200
        commands from U, D, L, R. Output: "row col" after the robot runs the whole program K times.
        """,
        statement="""
        The grid wraps around on both axes (moving up from row 0 enters row R - 1, and so on).
        A move into a wall is skipped. U decreases the row, D increases it, L decreases the
        column, R increases it.
        """,
        expert=True,
        reference=r"""
        import sys

        lines = sys.stdin.read().split("\n")
        rows, cols, k = map(int, lines[0].split())
        grid = lines[1:1 + rows]
        prog = lines[1 + rows].strip()
        moves = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}


        def run_once(r, c):
            for ch in prog:
                dr, dc = moves[ch]
                nr, nc = (r + dr) % rows, (c + dc) % cols
                if grid[nr][nc] != "#":
                    r, c = nr, nc
            return r, c


        pos = next((i, row.index("R")) for i, row in enumerate(grid) if "R" in row)
        first_seen = {}
        history = []
        step = 0
        while pos not in first_seen and step < k:
            first_seen[pos] = step
            history.append(pos)
            pos = run_once(*pos)
            step += 1
        if step == k:
            print(*pos)
        else:
            start = first_seen[pos]
            period = step - start
            print(*history[start + (k - start) % period])
        """,
        tests=cases(
            ("2 3 1\nR..\n...\nR\n", "0 1\n"),
            ("2 3 4\nR..\n...\nR\n", "0 1\n"),
            ("3 3 1000000000000000000\nR#.\n...\n...\nDR\n", "1 1\n"),
            ("3 4 5\nR.#.\n....\n..#.\nRRD\n", "2 3\n"),
            ("4 4 999999999999999999\n.#..\n.R..\n..#.\n....\nRRDLU\n", "1 1\n"),
            ("1 1 123456789\nR\nUDLR\n", "0 0\n"),
            ("1 4 1000000000000000000\nR.#.\nR\n", "0 1\n"),
        ),
        examples=(ex("2 3 4\nR..\n...\nR", "0 1", "Four moves right on a width-3 torus."),),
        bugs=(
            missed_edge(
                r"""
                import sys

                lines = sys.stdin.read().split("\n")
                rows, cols, k = map(int, lines[0].split())
                grid = lines[1:1 + rows]
                prog = lines[1 + rows].strip()
                moves = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}


                def run_once(r, c):
                    for ch in prog:
                        dr, dc = moves[ch]
                        nr, nc = (r + dr) % rows, (c + dc) % cols
                        if grid[nr][nc] != "#":
                            r, c = nr, nc
                    return r, c


                pos = next((i, row.index("R")) for i, row in enumerate(grid) if "R" in row)
                seen = set()
                history = []
                while pos not in seen:
                    seen.add(pos)
                    history.append(pos)
                    pos = run_once(*pos)
                print(*history[k % len(history)])
                """,
                "treats the whole history as the cycle, ignoring the lead-in",
            ),
            too_slow(
                r"""
                import sys

                lines = sys.stdin.read().split("\n")
                rows, cols, k = map(int, lines[0].split())
                grid = lines[1:1 + rows]
                prog = lines[1 + rows].strip()
                moves = {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}
                r, c = next((i, row.index("R")) for i, row in enumerate(grid) if "R" in row)
                for _ in range(k):
                    for ch in prog:
                        dr, dc = moves[ch]
                        nr, nc = (r + dr) % rows, (c + dc) % cols
                        if grid[nr][nc] != "#":
                            r, c = nr, nc
                print(r, c)
                """,
                "simulates all K rounds",
            ),
        ),
    ),
)

LIFE = family(
    "life",
    "Cellular automata",
    "simulation",
    ("game of life", "cellular automaton", "simulation", "grid", "matrix", "cycle detection", "life"),
    fn(
        "One Step Of The Game Of Life",
        "easy",
        entry="life_step",
        signature="def life_step(grid: list[list[int]]) -> list[list[int]]: ...",
        statement="""
        Return the next generation of Conway's Game of Life (1 = alive, 0 = dead) as a new grid.
        A live cell with 2 or 3 live neighbours survives; a dead cell with exactly 3 live neighbours
        becomes alive; every other cell is dead next. Cells outside the grid are dead. Neighbours
        are the 8 surrounding cells. The grid is at most 100 x 100 and not empty.
        """,
        reference=r"""
        def life_step(grid):
            rows, cols = len(grid), len(grid[0])
            out = [[0] * cols for _ in range(rows)]
            for r in range(rows):
                for c in range(cols):
                    n = 0
                    for dr in (-1, 0, 1):
                        for dc in (-1, 0, 1):
                            if (dr or dc) and 0 <= r + dr < rows and 0 <= c + dc < cols:
                                n += grid[r + dr][c + dc]
                    out[r][c] = 1 if n == 3 or (n == 2 and grid[r][c]) else 0
            return out
        """,
        tests=r"""
        from solution import life_step


        def test_example_blinker():
            assert life_step([[0, 1, 0], [0, 1, 0], [0, 1, 0]]) == [[0, 0, 0], [1, 1, 1], [0, 0, 0]]


        def test_block_is_still():
            g = [[1, 1], [1, 1]]
            assert life_step(g) == [[1, 1], [1, 1]]


        def test_input_not_modified():
            g = [[0, 1, 0], [0, 1, 0], [0, 1, 0]]
            life_step(g)
            assert g == [[0, 1, 0], [0, 1, 0], [0, 1, 0]]


        def test_corner_births():
            assert life_step([[0, 1], [1, 1]]) == [[1, 1], [1, 1]]


        def test_glider():
            g = [[0, 1, 0, 0], [0, 0, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]]
            assert life_step(g) == [[0, 0, 0, 0], [1, 0, 1, 0], [0, 1, 1, 0], [0, 1, 0, 0]]
        """,
        examples=(ex("grid = [[0, 1, 0], [0, 1, 0], [0, 1, 0]]", "[[0, 0, 0], [1, 1, 1], [0, 0, 0]]"),),
        bugs=(
            missed_edge(
                r"""
                def life_step(grid):
                    rows, cols = len(grid), len(grid[0])
                    for r in range(rows):
                        for c in range(cols):
                            n = 0
                            for dr in (-1, 0, 1):
                                for dc in (-1, 0, 1):
                                    if (dr or dc) and 0 <= r + dr < rows and 0 <= c + dc < cols:
                                        n += grid[r + dr][c + dc]
                            grid[r][c] = 1 if n == 3 or (n == 2 and grid[r][c]) else 0
                    return grid
                """,
                "updates in place, so later cells see new values",
            ),
            off_by_one(
                r"""
                def life_step(grid):
                    rows, cols = len(grid), len(grid[0])
                    out = [[0] * cols for _ in range(rows)]
                    for r in range(rows):
                        for c in range(cols):
                            n = 0
                            for rr in range(max(0, r - 1), min(rows - 1, r + 1)):
                                for cc in range(max(0, c - 1), min(cols - 1, c + 1) + 1):
                                    if (rr, cc) != (r, c):
                                        n += grid[rr][cc]
                            out[r][c] = 1 if n == 3 or (n == 2 and grid[r][c]) else 0
                    return out
                """,
                "neighbour rows stop one short",
            ),
        ),
    ),
    fn(
        "Game Of Life On A Torus",
        "medium",
        entry="life_torus",
        signature="def life_torus(grid: list[list[int]], steps: int) -> list[list[int]]: ...",
        statement="""
        Run Conway's Game of Life for `steps` generations on a torus: the grid wraps around, so the
        neighbours of an edge cell include cells on the opposite edge. Return the final grid (do
        not modify the input). `0 <= steps <= 100`, grid at most 30 x 30, at least 3 x 3.
        """,
        reference=r"""
        def life_torus(grid, steps):
            rows, cols = len(grid), len(grid[0])
            g = [row[:] for row in grid]
            for _ in range(steps):
                new = [[0] * cols for _ in range(rows)]
                for r in range(rows):
                    up, down = g[r - 1], g[(r + 1) % rows]
                    row = g[r]
                    for c in range(cols):
                        left, right = c - 1, (c + 1) % cols
                        n = up[left] + up[c] + up[right] + row[left] + row[right] + down[left] + down[c] + down[right]
                        new[r][c] = 1 if n == 3 or (n == 2 and row[c]) else 0
                g = new
            return g
        """,
        tests=r"""
        from solution import life_torus


        def glider(n):
            g = [[0] * n for _ in range(n)]
            for r, c in ((0, 1), (1, 2), (2, 0), (2, 1), (2, 2)):
                g[r][c] = 1
            return g


        def test_example_blinker_wraps():
            g = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 1]]
            assert life_torus(g, 1) == [[1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]]


        def test_zero_steps():
            g = glider(5)
            assert life_torus(g, 0) == glider(5)


        def test_glider_returns_after_full_lap():
            assert life_torus(glider(8), 32) == glider(8)


        def test_glider_half_lap():
            g = life_torus(glider(8), 16)
            assert sum(map(sum, g)) == 5
            assert g != glider(8)


        def test_input_untouched():
            g = glider(6)
            life_torus(g, 3)
            assert g == glider(6)


        def test_big_run():
            g = [[int((r * 7 + c * 3) % 4 == 0) for c in range(30)] for r in range(30)]
            assert sum(map(sum, life_torus(g, 100))) == 38
        """,
        examples=(
            ex(
                "grid = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 1]], steps = 1",
                "[[1, 0, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]]",
            ),
        ),
        bugs=(
            missed_edge(
                r"""
                def life_torus(grid, steps):
                    rows, cols = len(grid), len(grid[0])
                    g = [row[:] for row in grid]
                    for _ in range(steps):
                        new = [[0] * cols for _ in range(rows)]
                        for r in range(rows):
                            for c in range(cols):
                                n = 0
                                for dr in (-1, 0, 1):
                                    for dc in (-1, 0, 1):
                                        if (dr or dc) and 0 <= r + dr < rows and 0 <= c + dc < cols:
                                            n += g[r + dr][c + dc]
                                new[r][c] = 1 if n == 3 or (n == 2 and g[r][c]) else 0
                        g = new
                    return g
                """,
                "edges do not wrap",
            ),
            off_by_one(
                r"""
                def life_torus(grid, steps):
                    rows, cols = len(grid), len(grid[0])
                    g = [row[:] for row in grid]
                    for _ in range(max(0, steps - 1)):
                        new = [[0] * cols for _ in range(rows)]
                        for r in range(rows):
                            up, down = g[r - 1], g[(r + 1) % rows]
                            row = g[r]
                            for c in range(cols):
                                left, right = c - 1, (c + 1) % cols
                                n = up[left] + up[c] + up[right] + row[left] + row[right] + down[left] + down[c] + down[right]
                                new[r][c] = 1 if n == 3 or (n == 2 and row[c]) else 0
                        g = new
                    return g
                """,
                "runs one generation too few",
            ),
        ),
    ),
    fn(
        "Game Of Life After A Billion Steps",
        "hard",
        entry="life_after",
        signature="def life_after(grid: list[list[int]], steps: int) -> list[list[int]]: ...",
        statement="""
        Run Conway's Game of Life on a torus (edges wrap) for `steps` generations and return the
        final grid. The grid is at most 8 x 8 (at least 3 x 3) and `0 <= steps <= 10**12`; the
        sequence of states eventually repeats, possibly after a lead-in of several generations.
        """,
        reference=r"""
        def life_after(grid, steps):
            rows, cols = len(grid), len(grid[0])

            def step(g):
                new = []
                for r in range(rows):
                    up, row, down = g[r - 1], g[r], g[(r + 1) % rows]
                    line = []
                    for c in range(cols):
                        left, right = c - 1, (c + 1) % cols
                        n = up[left] + up[c] + up[right] + row[left] + row[right] + down[left] + down[c] + down[right]
                        line.append(1 if n == 3 or (n == 2 and row[c]) else 0)
                    new.append(tuple(line))
                return tuple(new)

            state = tuple(tuple(r) for r in grid)
            seen = {}
            history = []
            t = 0
            while t < steps and state not in seen:
                seen[state] = t
                history.append(state)
                state = step(state)
                t += 1
            if t < steps:
                start = seen[state]
                state = history[start + (steps - start) % (t - start)]
            return [list(r) for r in state]
        """,
        tests=r"""
        from solution import life_after


        def step(g):
            rows, cols = len(g), len(g[0])
            out = [[0] * cols for _ in range(rows)]
            for r in range(rows):
                for c in range(cols):
                    n = sum(g[(r + dr) % rows][(c + dc) % cols] for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc)
                    out[r][c] = 1 if n == 3 or (n == 2 and g[r][c]) else 0
            return out


        def slow(g, k):
            for _ in range(k):
                g = step(g)
            return g


        def glider(n):
            g = [[0] * n for _ in range(n)]
            for r, c in ((0, 1), (1, 2), (2, 0), (2, 1), (2, 2)):
                g[r][c] = 1
            return g


        def test_example():
            assert life_after(glider(6), 24 * 10**9) == glider(6)


        def test_small_steps_match_simulation():
            g = [[1, 0, 1, 1, 0], [0, 1, 1, 0, 0], [1, 1, 0, 0, 1], [0, 0, 1, 0, 1], [1, 0, 0, 1, 0]]
            for k in range(0, 40):
                assert life_after([row[:] for row in g], k) == slow(g, k)


        def test_lead_in_before_cycle():
            g = [[0, 0, 0, 0, 0], [0, 1, 1, 1, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0]]
            assert life_after([row[:] for row in g], 10**12) == slow(g, 8)
            assert life_after([row[:] for row in g], 7) == slow(g, 7)


        def test_lead_in_then_oscillation():
            g = [[0] * 6 for _ in range(6)]
            g[1][1] = g[1][2] = g[1][3] = 1
            g[4][5] = 1
            assert life_after([row[:] for row in g], 10**12) == slow(g, 2)
            assert life_after([row[:] for row in g], 10**12 + 1) == slow(g, 1)


        def test_blinker_parity():
            g = [[0, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
            assert life_after(g, 10**12 + 1) == slow(g, 1)


        def test_huge_dense():
            g = [[int((r * 5 + c * 3 + r * c) % 3 == 0) for c in range(8)] for r in range(8)]
            assert life_after([row[:] for row in g], 10**12) == slow(g, 1)
            assert life_after([row[:] for row in g], 777) == slow(g, 777)
        """,
        examples=(
            ex(
                "grid = [[0, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]], steps = 1000000000001",
                "[[0, 1, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]]",
                "A blinker flips every generation, so an odd number of steps leaves it vertical.",
            ),
        ),
        bugs=(
            missed_edge(
                r"""
                def life_after(grid, steps):
                    rows, cols = len(grid), len(grid[0])

                    def step(g):
                        new = []
                        for r in range(rows):
                            up, row, down = g[r - 1], g[r], g[(r + 1) % rows]
                            line = []
                            for c in range(cols):
                                left, right = c - 1, (c + 1) % cols
                                n = up[left] + up[c] + up[right] + row[left] + row[right] + down[left] + down[c] + down[right]
                                line.append(1 if n == 3 or (n == 2 and row[c]) else 0)
                            new.append(tuple(line))
                        return tuple(new)

                    state = tuple(tuple(r) for r in grid)
                    seen = set()
                    history = []
                    while state not in seen:
                        seen.add(state)
                        history.append(state)
                        state = step(state)
                    return [list(r) for r in history[steps % len(history)]]
                """,
                "treats the whole history as the cycle, ignoring the lead-in",
            ),
            too_slow(
                r"""
                def life_after(grid, steps):
                    rows, cols = len(grid), len(grid[0])
                    g = [row[:] for row in grid]
                    for _ in range(steps):
                        new = [[0] * cols for _ in range(rows)]
                        for r in range(rows):
                            for c in range(cols):
                                n = sum(
                                    g[(r + dr) % rows][(c + dc) % cols]
                                    for dr in (-1, 0, 1)
                                    for dc in (-1, 0, 1)
                                    if dr or dc
                                )
                                new[r][c] = 1 if n == 3 or (n == 2 and g[r][c]) else 0
                        g = new
                    return g
                """,
                "simulates every generation",
            ),
        ),
    ),
)

JOSEPHUS = family(
    "josephus",
    "Elimination games",
    "simulation",
    ("josephus", "elimination", "circle", "simulation", "recurrence", "math", "queue"),
    fn(
        "Last Person Standing",
        "easy",
        entry="survivor",
        signature="def survivor(n: int, k: int) -> int: ...",
        statement="""
        People numbered 1..n stand in a circle. Starting from person 1, count k people clockwise
        (person 1 counts as 1); the k-th is removed and counting restarts from the next person.
        Return the number of the last person left. `1 <= n <= 1000`, `1 <= k <= 10**4`.
        """,
        reference=r"""
        def survivor(n, k):
            people = list(range(1, n + 1))
            i = 0
            while len(people) > 1:
                i = (i + k - 1) % len(people)
                people.pop(i)
            return people[0]
        """,
        tests=r"""
        from solution import survivor


        def test_example():
            assert survivor(7, 3) == 4


        def test_k_one():
            assert survivor(5, 1) == 5


        def test_single_person():
            assert survivor(1, 9) == 1


        def test_k_larger_than_n():
            assert survivor(3, 10) == 2
            assert survivor(4, 7) == 2


        def test_known_values():
            assert survivor(41, 3) == 31
            assert survivor(1000, 2) == 977
        """,
        examples=(ex("n = 7, k = 3", "4", "Removed in order: 3, 6, 2, 7, 5, 1."),),
        bugs=(
            off_by_one(
                r"""
                def survivor(n, k):
                    people = list(range(1, n + 1))
                    i = 0
                    while len(people) > 1:
                        i = (i + k) % len(people)
                        people.pop(i)
                    return people[0]
                """,
                "skips one person too many",
            ),
            missed_edge(
                r"""
                def survivor(n, k):
                    people = list(range(1, n + 1))
                    i = 0
                    while len(people) > 1:
                        i = i + k - 1
                        if i >= len(people):
                            i -= len(people)
                        people.pop(i)
                    return people[0]
                """,
                "wraps around only once when k exceeds the circle",
            ),
        ),
    ),
    fn(
        "Last Person Standing In A Large Circle",
        "medium",
        entry="survivor_fast",
        signature="def survivor_fast(n: int, k: int) -> int: ...",
        statement="""
        Same elimination game as the classic Josephus problem: people 1..n in a circle, every k-th
        person (counting from person 1 inclusive) is removed. Return the survivor's number.
        `1 <= n <= 10**6`, `1 <= k <= 10**6`.
        """,
        reference=r"""
        def survivor_fast(n, k):
            res = 0
            for m in range(2, n + 1):
                res = (res + k) % m
            return res + 1
        """,
        tests=r"""
        from solution import survivor_fast


        def simulate(n, k):
            people = list(range(1, n + 1))
            i = 0
            while len(people) > 1:
                i = (i + k - 1) % len(people)
                people.pop(i)
            return people[0]


        def test_example():
            assert survivor_fast(7, 3) == 4


        def test_small_against_simulation():
            for n in range(1, 40):
                for k in (1, 2, 3, 7, 50):
                    assert survivor_fast(n, k) == simulate(n, k)


        def test_single():
            assert survivor_fast(1, 1000000) == 1


        def test_large_k_two():
            assert survivor_fast(10**6, 2) == 951425


        def test_large():
            assert survivor_fast(10**6, 999983) == 833617
        """,
        examples=(ex("n = 7, k = 3", "4"),),
        bugs=(
            off_by_one(
                r"""
                def survivor_fast(n, k):
                    res = 0
                    for m in range(2, n + 1):
                        res = (res + k) % m
                    return res
                """,
                "returns the 0-based position",
            ),
            too_slow(
                r"""
                def survivor_fast(n, k):
                    people = list(range(1, n + 1))
                    i = 0
                    while len(people) > 1:
                        i = (i + k - 1) % len(people)
                        del people[i]
                    return people[0]
                """,
                "simulates the circle with list deletions",
            ),
        ),
    ),
    fn(
        "Josephus With Astronomical N",
        "hard",
        entry="survivor_huge",
        signature="def survivor_huge(n: int, k: int) -> int: ...",
        statement="""
        People 1..n stand in a circle and every k-th person (counting from person 1 inclusive) is
        removed. Return the survivor's number. `1 <= n <= 10**18`, `1 <= k <= 1000`. An O(n)
        recurrence is far too slow.
        """,
        expert=True,
        reference=r"""
        def survivor_huge(n, k):
            if k == 1:
                return n
            stack = []
            while n >= k:
                stack.append(n)
                n -= n // k
            res = 0
            for m in range(2, n + 1):
                res = (res + k) % m
            while stack:
                m = stack.pop()
                res -= m % k
                if res < 0:
                    res += m
                else:
                    res += res // (k - 1)
            return res + 1
        """,
        tests=r"""
        from solution import survivor_huge


        def linear(n, k):
            res = 0
            for m in range(2, n + 1):
                res = (res + k) % m
            return res + 1


        def test_example():
            assert survivor_huge(7, 3) == 4


        def test_k_one():
            assert survivor_huge(10**18, 1) == 10**18


        def test_against_linear():
            for n in list(range(1, 60)) + [999, 1000, 1001, 54321]:
                for k in (2, 3, 5, 17, 1000):
                    assert survivor_huge(n, k) == linear(n, k)


        def test_k_two_closed_form():
            n = 10**18
            assert survivor_huge(n, 2) == 2 * (n - 2 ** (n.bit_length() - 1)) + 1


        def test_huge():
            assert survivor_huge(10**18, 3) == 774011304974515843
            assert survivor_huge(10**18, 1000) == 618618709399940089
        """,
        examples=(ex("n = 7, k = 3", "4"),),
        bugs=(
            missed_edge(
                r"""
                def survivor_huge(n, k):
                    stack = []
                    while n >= k:
                        stack.append(n)
                        n -= n // k
                    res = 0
                    for m in range(2, n + 1):
                        res = (res + k) % m
                    while stack:
                        m = stack.pop()
                        res -= m % k
                        if res < 0:
                            res += m
                        else:
                            res += res // (k - 1)
                    return res + 1
                """,
                "k = 1 divides by zero",
            ),
            off_by_one(
                r"""
                def survivor_huge(n, k):
                    if k == 1:
                        return n
                    stack = []
                    while n > k:
                        stack.append(n)
                        n -= n // k
                    res = 0
                    for m in range(2, n + 1):
                        res = (res + k) % m
                    while stack:
                        m = stack.pop()
                        res -= m % k
                        if res < 0:
                            res += m
                        else:
                            res += res // k
                    return res + 1
                """,
                "re-spacing divides by k instead of k - 1",
            ),
            too_slow(
                r"""
                def survivor_huge(n, k):
                    res = 0
                    for m in range(2, n + 1):
                        res = (res + k) % m
                    return res + 1
                """,
                "the O(n) recurrence",
            ),
        ),
    ),
)

FAMILIES = (ROBOTS, LIFE, JOSEPHUS)
