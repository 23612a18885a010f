"""Parsing: arithmetic expressions, CSV, configuration files, logs."""

from __future__ import annotations

from gapforge.demo.bank.schema import cases, ex, family, fn, io, missed_edge, off_by_one

EXPRESSIONS = family(
    "expressions",
    "Expression evaluation",
    "parsing",
    ("expression", "calculator", "parsing", "parser", "arithmetic", "stack", "tokenizer"),
    fn(
        "Evaluate A Sum Expression",
        "easy",
        entry="eval_sum",
        signature="def eval_sum(expr: str) -> int: ...",
        statement="""
        `expr` contains non-negative integers (possibly with several digits), the binary operators
        `+` and `-`, and spaces anywhere. Evaluate it left to right and return the result.
        `1 <= len(expr) <= 10**5`; the expression is always well formed.
        """,
        reference=r"""
        def eval_sum(expr):
            total = 0
            sign = 1
            num = 0
            for c in expr:
                if c.isdigit():
                    num = num * 10 + int(c)
                elif c in "+-":
                    total += sign * num
                    num = 0
                    sign = 1 if c == "+" else -1
            return total + sign * num
        """,
        tests=r"""
        from solution import eval_sum


        def test_example():
            assert eval_sum("12 + 3 - 4") == 11


        def test_multi_digit():
            assert eval_sum("100-1") == 99


        def test_single_number():
            assert eval_sum(" 42 ") == 42


        def test_negative_result():
            assert eval_sum("1 - 2 - 3") == -4


        def test_spaces_inside():
            assert eval_sum("1 0 + 5") == 15


        def test_long():
            assert eval_sum("+".join(["7"] * 10000)) == 70000
        """,
        examples=(ex('expr = "12 + 3 - 4"', "11"),),
        bugs=(
            missed_edge(
                r"""
                def eval_sum(expr):
                    total = 0
                    sign = 1
                    for c in expr:
                        if c.isdigit():
                            total += sign * int(c)
                        elif c in "+-":
                            sign = 1 if c == "+" else -1
                    return total
                """,
                "treats every digit as its own number",
            ),
            off_by_one(
                r"""
                def eval_sum(expr):
                    total = 0
                    sign = 1
                    num = 0
                    for c in expr:
                        if c.isdigit():
                            num = num * 10 + int(c)
                        elif c in "+-":
                            total += sign * num
                            num = 0
                            sign = 1 if c == "+" else -1
                    return total
                """,
                "forgets to add the final number",
            ),
        ),
    ),
    fn(
        "Calculator With Precedence",
        "medium",
        entry="calculate",
        signature="def calculate(expr: str) -> int: ...",
        statement="""
        Evaluate `expr`, made of non-negative integers, the binary operators `+ - * /` and spaces.
        `*` and `/` bind tighter than `+` and `-`; operators of equal precedence associate left.
        Division is integer division that truncates toward zero (`-7 / 2 == -3`); there is no
        division by zero and no parenthesis or unary minus. `1 <= len(expr) <= 10**5`.
        """,
        reference=r"""
        def calculate(expr):
            stack = []
            num = 0
            op = "+"
            s = expr.replace(" ", "") + "+"
            for c in s:
                if c.isdigit():
                    num = num * 10 + int(c)
                    continue
                if op == "+":
                    stack.append(num)
                elif op == "-":
                    stack.append(-num)
                elif op == "*":
                    stack.append(stack.pop() * num)
                else:
                    a = stack.pop()
                    q = abs(a) // num
                    stack.append(q if a >= 0 else -q)
                op = c
                num = 0
            return sum(stack)
        """,
        tests=r"""
        from solution import calculate


        def test_example():
            assert calculate("3+2*2") == 7


        def test_truncating_division():
            assert calculate("14-3/2") == 13
            assert calculate("0-7/2") == -3


        def test_left_associative():
            assert calculate("8/2/2") == 2
            assert calculate("10-2-3") == 5


        def test_spaces():
            assert calculate(" 3 / 2 ") == 1


        def test_mixed():
            assert calculate("2*3+4*5-6/3") == 24
            assert calculate("1-5*2*3/4") == -6


        def test_long():
            assert calculate("+".join(["2*3"] * 5000)) == 30000
        """,
        examples=(ex('expr = "3+2*2"', "7"), ex('expr = "14-3/2"', "13")),
        bugs=(
            missed_edge(
                r"""
                def calculate(expr):
                    stack = []
                    num = 0
                    op = "+"
                    for c in expr.replace(" ", "") + "+":
                        if c.isdigit():
                            num = num * 10 + int(c)
                            continue
                        if op == "+":
                            stack.append(num)
                        elif op == "-":
                            stack.append(-num)
                        elif op == "*":
                            stack.append(stack.pop() * num)
                        else:
                            stack.append(stack.pop() // num)
                        op = c
                        num = 0
                    return sum(stack)
                """,
                "floor division of negative terms",
            ),
            off_by_one(
                r"""
                def calculate(expr):
                    stack = []
                    num = 0
                    op = "+"
                    for c in expr.replace(" ", ""):
                        if c.isdigit():
                            num = num * 10 + int(c)
                            continue
                        if op == "+":
                            stack.append(num)
                        elif op == "-":
                            stack.append(-num)
                        elif op == "*":
                            stack.append(stack.pop() * num)
                        else:
                            a = stack.pop()
                            q = abs(a) // num
                            stack.append(q if a >= 0 else -q)
                        op = c
                        num = 0
                    stack.append(num if op == "+" else -num)
                    return sum(stack)
                """,
                "the last term is applied only for + and -",
            ),
        ),
    ),
    fn(
        "Calculator With Parentheses And Unary Minus",
        "hard",
        entry="evaluate",
        signature="def evaluate(expr: str) -> int: ...",
        statement="""
        Evaluate `expr`, made of non-negative integers, `+ - * /`, parentheses and spaces. A `-` is
        unary when it starts the expression or follows `(` or another operator (so `2*-3` and
        `-(1+2)` are valid). `*` and `/` bind tighter than binary `+`/`-`; equal precedence
        associates left. Division truncates toward zero and never divides by zero.
        `1 <= len(expr) <= 2 * 10**5`; parentheses may nest up to 10**4 levels deep.
        """,
        reference=r"""
        def evaluate(expr):
            prec = {"+": 1, "-": 1, "*": 2, "/": 2, "u": 3}
            nums = []
            ops = []

            def apply():
                op = ops.pop()
                if op == "u":
                    nums.append(-nums.pop())
                    return
                b = nums.pop()
                a = nums.pop()
                if op == "+":
                    nums.append(a + b)
                elif op == "-":
                    nums.append(a - b)
                elif op == "*":
                    nums.append(a * b)
                else:
                    q = abs(a) // abs(b)
                    nums.append(q if (a < 0) == (b < 0) else -q)

            prev = "start"
            i = 0
            s = expr
            while i < len(s):
                c = s[i]
                if c == " ":
                    i += 1
                    continue
                if c.isdigit():
                    j = i
                    while j < len(s) and s[j].isdigit():
                        j += 1
                    nums.append(int(s[i:j]))
                    i = j
                    prev = "num"
                    continue
                if c == "(":
                    ops.append("(")
                    prev = "("
                elif c == ")":
                    while ops[-1] != "(":
                        apply()
                    ops.pop()
                    prev = "num"
                elif c == "-" and prev in ("start", "op", "("):
                    ops.append("u")
                    prev = "op"
                else:
                    while ops and ops[-1] != "(" and prec[ops[-1]] >= prec[c]:
                        apply()
                    ops.append(c)
                    prev = "op"
                i += 1
            while ops:
                apply()
            return nums[-1]
        """,
        tests=r"""
        from solution import evaluate


        def test_example():
            assert evaluate("2*(3+4)") == 14


        def test_unary_minus():
            assert evaluate("-(1+2)") == -3
            assert evaluate("2*-3") == -6
            assert evaluate("--4") == 4
            assert evaluate("1 - -1") == 2


        def test_truncation():
            assert evaluate("(0-7)/2") == -3
            assert evaluate("-7/2") == -3
            assert evaluate("7/-2") == -3


        def test_precedence_and_associativity():
            assert evaluate("2+3*4-5") == 9
            assert evaluate("100/10/5") == 2
            assert evaluate("(1+2)*(3+4)/(2-9)") == -3


        def test_deep_nesting():
            depth = 5000
            assert evaluate("(" * depth + "1+2" + ")" * depth) == 3
            assert evaluate("-(" * depth + "7" + ")" * depth) == 7 * (-1) ** depth


        def test_long_flat():
            assert evaluate("-".join(["(2*3)"] * 20000)) == 6 - 6 * 19999
        """,
        examples=(ex('expr = "2*(3+4)"', "14"), ex('expr = "-(1+2)*2"', "-6")),
        bugs=(
            missed_edge(
                r"""
                def evaluate(expr):
                    s = expr.replace(" ", "")
                    pos = 0

                    def number():
                        nonlocal pos
                        j = pos
                        while j < len(s) and s[j].isdigit():
                            j += 1
                        v = int(s[pos:j])
                        pos = j
                        return v

                    def factor():
                        nonlocal pos
                        if s[pos] == "-":
                            pos += 1
                            return -factor()
                        if s[pos] == "(":
                            pos += 1
                            v = expression()
                            pos += 1
                            return v
                        return number()

                    def term():
                        nonlocal pos
                        v = factor()
                        while pos < len(s) and s[pos] in "*/":
                            op = s[pos]
                            pos += 1
                            w = factor()
                            if op == "*":
                                v *= w
                            else:
                                q = abs(v) // abs(w)
                                v = q if (v < 0) == (w < 0) else -q
                        return v

                    def expression():
                        nonlocal pos
                        v = term()
                        while pos < len(s) and s[pos] in "+-":
                            op = s[pos]
                            pos += 1
                            w = term()
                            v = v + w if op == "+" else v - w
                        return v

                    return expression()
                """,
                "recursive descent overflows the stack on deep nesting",
            ),
            missed_edge(
                r"""
                def evaluate(expr):
                    s = expr.replace(" ", "")
                    if s.startswith("-"):
                        s = "0" + s
                    s = s.replace("(-", "(0-")
                    prec = {"+": 1, "-": 1, "*": 2, "/": 2}
                    nums, ops = [], []

                    def apply():
                        op = ops.pop()
                        b = nums.pop()
                        a = nums.pop()
                        if op == "+":
                            nums.append(a + b)
                        elif op == "-":
                            nums.append(a - b)
                        elif op == "*":
                            nums.append(a * b)
                        else:
                            q = abs(a) // abs(b)
                            nums.append(q if (a < 0) == (b < 0) else -q)

                    i = 0
                    while i < len(s):
                        c = s[i]
                        if c.isdigit():
                            j = i
                            while j < len(s) and s[j].isdigit():
                                j += 1
                            nums.append(int(s[i:j]))
                            i = j
                            continue
                        if c == "(":
                            ops.append(c)
                        elif c == ")":
                            while ops[-1] != "(":
                                apply()
                            ops.pop()
                        else:
                            while ops and ops[-1] != "(" and prec[ops[-1]] >= prec[c]:
                                apply()
                            ops.append(c)
                        i += 1
                    while ops:
                        apply()
                    return nums[-1]
                """,
                "unary minus only at the start or after '('",
            ),
        ),
    ),
)

CSV = family(
    "csv_fields",
    "CSV parsing",
    "parsing",
    ("csv", "parsing", "parser", "quotes", "text", "text processing", "strings"),
    fn(
        "Split A Simple CSV Line",
        "easy",
        entry="split_fields",
        signature="def split_fields(line: str) -> list[str]: ...",
        statement="""
        Split `line` on commas and strip leading and trailing spaces from every field. There are no
        quotes. A line with `k` commas always has `k + 1` fields, so the empty line has one empty
        field. `0 <= len(line) <= 10**5`.
        """,
        reference=r"""
        def split_fields(line):
            return [f.strip(" ") for f in line.split(",")]
        """,
        tests=r"""
        from solution import split_fields


        def test_example():
            assert split_fields(" a, b ,c ") == ["a", "b", "c"]


        def test_empty_line():
            assert split_fields("") == [""]


        def test_empty_fields():
            assert split_fields(",x,") == ["", "x", ""]


        def test_inner_spaces_kept():
            assert split_fields("New York , Paris") == ["New York", "Paris"]


        def test_single():
            assert split_fields("solo") == ["solo"]
        """,
        examples=(ex('line = " a, b ,c "', '["a", "b", "c"]'),),
        bugs=(
            missed_edge(
                r"""
                def split_fields(line):
                    if not line:
                        return []
                    return [f.strip() for f in line.split(",")]
                """,
                "the empty line has no fields",
            ),
            missed_edge(
                r"""
                def split_fields(line):
                    return [f.strip() for f in line.split(",") if f.strip()]
                """,
                "drops empty fields",
            ),
        ),
    ),
    fn(
        "CSV Line With Quoted Fields",
        "medium",
        entry="parse_csv_line",
        signature="def parse_csv_line(line: str) -> list[str]: ...",
        statement="""
        Parse one CSV line. Fields are separated by commas. A field that starts with a double quote
        is quoted: it ends at the matching closing quote, may contain commas, and `""` inside it
        stands for one literal `"`. Unquoted fields never contain quotes. No whitespace is trimmed.
        A line with a trailing comma ends with an empty field. `0 <= len(line) <= 10**5`; the line
        is always well formed.
        """,
        reference=r"""
        def parse_csv_line(line):
            fields = []
            i = 0
            n = len(line)
            while True:
                if i < n and line[i] == '"':
                    i += 1
                    buf = []
                    while True:
                        if line[i] == '"':
                            if i + 1 < n and line[i + 1] == '"':
                                buf.append('"')
                                i += 2
                                continue
                            i += 1
                            break
                        buf.append(line[i])
                        i += 1
                    fields.append("".join(buf))
                else:
                    j = line.find(",", i)
                    j = n if j == -1 else j
                    fields.append(line[i:j])
                    i = j
                if i >= n:
                    return fields
                i += 1
                if i == n:
                    fields.append("")
                    return fields
        """,
        tests=r'''
        from solution import parse_csv_line


        def test_example():
            assert parse_csv_line('a,"b,c",d') == ["a", "b,c", "d"]


        def test_escaped_quotes():
            assert parse_csv_line('"say ""hi""",x') == ['say "hi"', "x"]


        def test_trailing_comma():
            assert parse_csv_line("a,b,") == ["a", "b", ""]


        def test_empty_quoted_and_plain():
            assert parse_csv_line('"",,""') == ["", "", ""]


        def test_spaces_are_kept():
            assert parse_csv_line(' a ," b "') == [" a ", " b "]


        def test_empty_line():
            assert parse_csv_line("") == [""]
        ''',
        examples=(ex("line = 'a,\"b,c\",d'", '["a", "b,c", "d"]'),),
        bugs=(
            missed_edge(
                r"""
                def parse_csv_line(line):
                    fields = []
                    buf = []
                    quoted = False
                    for c in line:
                        if c == '"':
                            quoted = not quoted
                        elif c == "," and not quoted:
                            fields.append("".join(buf))
                            buf = []
                        else:
                            buf.append(c)
                    fields.append("".join(buf))
                    return fields
                """,
                "doubled quotes vanish instead of becoming one quote",
            ),
            off_by_one(
                r"""
                def parse_csv_line(line):
                    fields = []
                    buf = []
                    quoted = False
                    i = 0
                    while i < len(line):
                        c = line[i]
                        if quoted:
                            if c == '"' and i + 1 < len(line) and line[i + 1] == '"':
                                buf.append('"')
                                i += 1
                            elif c == '"':
                                quoted = False
                            else:
                                buf.append(c)
                        elif c == '"':
                            quoted = True
                        elif c == ",":
                            fields.append("".join(buf))
                            buf = []
                        else:
                            buf.append(c)
                        i += 1
                    if buf or not fields:
                        fields.append("".join(buf))
                    return fields
                """,
                "loses the empty last field",
            ),
        ),
    ),
    fn(
        "Parse A CSV Document",
        "hard",
        entry="parse_csv",
        signature="def parse_csv(text: str) -> list[list[str]]: ...",
        statement="""
        Parse a CSV document into records (lists of fields). Records are separated by newlines.
        Fields are separated by commas; a quoted field starts with `"`, ends at the matching quote,
        may contain commas and newlines, and `""` inside it is a literal quote. No whitespace is
        trimmed. `0 <= len(text) <= 10**5`.
        """,
        ambiguity=(
            "The statement does not say whether a newline at the very end of the document starts "
            "an empty final record, nor what an empty document is; the tests expect no extra record "
            "and [] for the empty document. A careful reader can reasonably choose either."
        ),
        reference=r"""
        def parse_csv(text):
            records = []
            record = []
            buf = []
            i = 0
            n = len(text)
            quoted = False
            while i < n:
                c = text[i]
                if quoted:
                    if c == '"':
                        if i + 1 < n and text[i + 1] == '"':
                            buf.append('"')
                            i += 1
                        else:
                            quoted = False
                    else:
                        buf.append(c)
                elif c == '"':
                    quoted = True
                elif c == ",":
                    record.append("".join(buf))
                    buf = []
                elif c == "\n":
                    record.append("".join(buf))
                    records.append(record)
                    record, buf = [], []
                else:
                    buf.append(c)
                i += 1
            if buf or record or (n and text[-1] != "\n"):
                record.append("".join(buf))
                records.append(record)
            return records
        """,
        tests=r'''
        from solution import parse_csv


        def test_example():
            assert parse_csv('a,b\n"x\ny",z') == [["a", "b"], ["x\ny", "z"]]


        def test_trailing_newline():
            assert parse_csv("a,b\nc,d\n") == [["a", "b"], ["c", "d"]]


        def test_empty_document():
            assert parse_csv("") == []


        def test_escaped_quote_and_comma():
            assert parse_csv('"he said ""go, now""",1') == [['he said "go, now"', "1"]]


        def test_blank_line_is_a_record():
            assert parse_csv("a\n\nb") == [["a"], [""], ["b"]]


        def test_trailing_empty_field():
            assert parse_csv("a,\nb,") == [["a", ""], ["b", ""]]
        ''',
        examples=(ex("text = 'a,b\\n\"x\\ny\",z'", '[["a", "b"], ["x\\ny", "z"]]'),),
        bugs=(
            missed_edge(
                r"""
                def parse_csv(text):
                    if not text:
                        return []
                    out = []
                    for line in text.rstrip("\n").split("\n"):
                        fields, buf, quoted, i = [], [], False, 0
                        while i < len(line):
                            c = line[i]
                            if quoted and c == '"' and i + 1 < len(line) and line[i + 1] == '"':
                                buf.append('"')
                                i += 1
                            elif c == '"':
                                quoted = not quoted
                            elif c == "," and not quoted:
                                fields.append("".join(buf))
                                buf = []
                            else:
                                buf.append(c)
                            i += 1
                        fields.append("".join(buf))
                        out.append(fields)
                    return out
                """,
                "splits lines before honouring quotes",
            ),
            off_by_one(
                r"""
                def parse_csv(text):
                    records, record, buf = [], [], []
                    quoted = False
                    i = 0
                    while i < len(text):
                        c = text[i]
                        if quoted:
                            if c == '"' and i + 1 < len(text) and text[i + 1] == '"':
                                buf.append('"')
                                i += 1
                            elif c == '"':
                                quoted = False
                            else:
                                buf.append(c)
                        elif c == '"':
                            quoted = True
                        elif c == ",":
                            record.append("".join(buf))
                            buf = []
                        elif c == "\n":
                            record.append("".join(buf))
                            records.append(record)
                            record, buf = [], []
                        else:
                            buf.append(c)
                        i += 1
                    record.append("".join(buf))
                    records.append(record)
                    return records
                """,
                "a final newline yields an extra empty record",
            ),
        ),
    ),
)

CONFIG = family(
    "config_files",
    "Configuration files",
    "parsing",
    ("config", "configuration", "ini", "parsing", "key value", "interpolation", "text processing"),
    fn(
        "Parse Key-Value Config",
        "easy",
        entry="parse_config",
        signature="def parse_config(text: str) -> dict[str, str]: ...",
        statement="""
        Each line of `text` is either blank, a comment (its first non-space character is `#`), or
        `key = value`. Split a setting at its FIRST `=`; strip spaces around key and value; a later
        setting of the same key wins. Return the settings as a dict. `0 <= len(text) <= 10**5`.
        """,
        reference=r"""
        def parse_config(text):
            out = {}
            for line in text.split("\n"):
                s = line.strip()
                if not s or s.startswith("#"):
                    continue
                key, _, value = s.partition("=")
                out[key.strip()] = value.strip()
            return out
        """,
        tests=r"""
        from solution import parse_config


        def test_example():
            assert parse_config("host = example\nport=80\n") == {"host": "example", "port": "80"}


        def test_value_with_equals():
            assert parse_config("url = a=b=c") == {"url": "a=b=c"}


        def test_indented_comment():
            assert parse_config("   # note = x\nk=v") == {"k": "v"}


        def test_last_wins():
            assert parse_config("a=1\na=2") == {"a": "2"}


        def test_blank_and_empty_value():
            assert parse_config("\n\nempty =\n") == {"empty": ""}
        """,
        examples=(ex('text = "host = example\\nport=80\\n"', '{"host": "example", "port": "80"}'),),
        bugs=(
            missed_edge(
                r"""
                def parse_config(text):
                    out = {}
                    for line in text.split("\n"):
                        s = line.strip()
                        if not s or s.startswith("#"):
                            continue
                        parts = s.split("=")
                        out[parts[0].strip()] = parts[-1].strip()
                    return out
                """,
                "splits at the last '='",
            ),
            missed_edge(
                r"""
                def parse_config(text):
                    out = {}
                    for line in text.split("\n"):
                        if not line.strip() or line.startswith("#"):
                            continue
                        key, _, value = line.partition("=")
                        out[key.strip()] = value.strip()
                    return out
                """,
                "indented comments are parsed as settings",
            ),
        ),
    ),
    fn(
        "Parse INI Sections",
        "medium",
        entry="parse_ini",
        signature="def parse_ini(text: str) -> dict[str, dict[str, str]]: ...",
        statement="""
        Parse an INI document. Lines are blank, comments (first non-space character `#` or `;`),
        section headers `[name]` (the name is stripped), or `key = value` settings split at the
        first `=` with spaces stripped. Settings before the first header belong to the section
        named `""`. A section header may appear more than once; its settings merge, later values
        winning. Return `{section: {key: value}}` including every section that has a header, even
        an empty one; include `""` only if it has settings.
        """,
        reference=r"""
        def parse_ini(text):
            out = {}
            current = ""
            for line in text.split("\n"):
                s = line.strip()
                if not s or s[0] in "#;":
                    continue
                if s.startswith("[") and s.endswith("]"):
                    current = s[1:-1].strip()
                    out.setdefault(current, {})
                    continue
                key, _, value = s.partition("=")
                out.setdefault(current, {})[key.strip()] = value.strip()
            return out
        """,
        tests=r"""
        from solution import parse_ini


        def test_example():
            text = "[db]\nhost = x\nport=5432\n[web]\nport = 80"
            assert parse_ini(text) == {"db": {"host": "x", "port": "5432"}, "web": {"port": "80"}}


        def test_global_settings():
            assert parse_ini("debug=1\n[a]\nk=v") == {"": {"debug": "1"}, "a": {"k": "v"}}


        def test_repeated_section_merges():
            assert parse_ini("[a]\nx=1\nz=9\n[b]\n[a]\ny=2\nx=3") == {"a": {"x": "3", "y": "2", "z": "9"}, "b": {}}


        def test_comments():
            assert parse_ini("; c\n  # d\n[ s ]\nk = v = w") == {"s": {"k": "v = w"}}


        def test_empty():
            assert parse_ini("") == {}
        """,
        examples=(
            ex(
                'text = "[db]\\nhost = x\\nport=5432\\n[web]\\nport = 80"',
                '{"db": {"host": "x", "port": "5432"}, "web": {"port": "80"}}',
            ),
        ),
        bugs=(
            missed_edge(
                r"""
                def parse_ini(text):
                    out = {}
                    current = ""
                    for line in text.split("\n"):
                        s = line.strip()
                        if not s or s[0] in "#;":
                            continue
                        if s.startswith("[") and s.endswith("]"):
                            current = s[1:-1].strip()
                            out[current] = {}
                            continue
                        key, _, value = s.partition("=")
                        out.setdefault(current, {})[key.strip()] = value.strip()
                    return out
                """,
                "a repeated header wipes the section",
            ),
            missed_edge(
                r"""
                def parse_ini(text):
                    out = {}
                    current = None
                    for line in text.split("\n"):
                        s = line.strip()
                        if not s or s[0] in "#;":
                            continue
                        if s.startswith("[") and s.endswith("]"):
                            current = s[1:-1].strip()
                            out.setdefault(current, {})
                            continue
                        if current is None:
                            continue
                        key, _, value = s.partition("=")
                        out[current][key.strip()] = value.strip()
                    return out
                """,
                "drops settings before the first header",
            ),
        ),
    ),
    fn(
        "Resolve Config Interpolation",
        "hard",
        entry="resolve",
        signature="def resolve(config: dict[str, str]) -> dict[str, str]: ...",
        statement="""
        Values may reference other keys as `${name}`; `$$` stands for a literal `$`. Return a new
        dict where every reference is replaced, recursively, by the fully resolved value of the
        referenced key. Raise `KeyError` if any value references a key that does not exist;
        otherwise raise `ValueError` if references form a cycle (including a key referencing
        itself). Chains of references can be up to 10**4 keys long.
        """,
        reference=r"""
        import re
        from collections import deque

        TOKEN = re.compile(r"\$\$|\$\{([^}]*)\}")


        def resolve(config):
            parts = {}
            for key, value in config.items():
                items = []
                pos = 0
                for m in TOKEN.finditer(value):
                    items.append((False, value[pos:m.start()]))
                    if m.group(0) == "$$":
                        items.append((False, "$"))
                    else:
                        name = m.group(1)
                        if name not in config:
                            raise KeyError(name)
                        items.append((True, name))
                    pos = m.end()
                items.append((False, value[pos:]))
                parts[key] = items
            waiting = {k: {x for ref, x in items if ref} for k, items in parts.items()}
            users = {k: [] for k in config}
            for k, deps in waiting.items():
                for d in deps:
                    users[d].append(k)
            ready = deque(k for k, deps in waiting.items() if not deps)
            done = {}
            while ready:
                k = ready.popleft()
                done[k] = "".join(done[x] if ref else x for ref, x in parts[k])
                for u in users[k]:
                    waiting[u].discard(k)
                    if not waiting[u]:
                        ready.append(u)
            if len(done) != len(config):
                raise ValueError("cyclic reference")
            return {k: done[k] for k in config}
        """,
        tests=r"""
        import pytest

        from solution import resolve


        def test_example():
            cfg = {"home": "/srv", "data": "${home}/data", "logs": "${data}/logs"}
            assert resolve(cfg) == {"home": "/srv", "data": "/srv/data", "logs": "/srv/data/logs"}


        def test_dollar_escape():
            assert resolve({"price": "$$5", "x": "${price}!"}) == {"price": "$5", "x": "$5!"}


        def test_unknown_key():
            with pytest.raises(KeyError):
                resolve({"a": "${missing}"})


        def test_cycle():
            with pytest.raises(ValueError):
                resolve({"a": "${b}", "b": "${a}", "c": "ok"})
            with pytest.raises(ValueError):
                resolve({"self": "x${self}"})


        def test_repeated_reference():
            assert resolve({"a": "1", "b": "${a}${a}-${a}"}) == {"a": "1", "b": "11-1"}


        def test_long_chain():
            n = 10000
            cfg = {"k0": "x"}
            for i in range(1, n):
                cfg["k%d" % i] = "${k%d}" % (i - 1)
            out = resolve(cfg)
            assert out["k%d" % (n - 1)] == "x"
            assert len(out) == n
        """,
        examples=(
            ex(
                'config = {"home": "/srv", "data": "${home}/data"}',
                '{"home": "/srv", "data": "/srv/data"}',
            ),
        ),
        bugs=(
            missed_edge(
                r"""
                import re


                def resolve(config):
                    cache = {}

                    def get(key):
                        if key in cache:
                            return cache[key]
                        value = config[key]

                        def sub(m):
                            if m.group(0) == "$$":
                                return "$"
                            return get(m.group(1))

                        cache[key] = re.sub(r"\$\$|\$\{([^}]*)\}", sub, value)
                        return cache[key]

                    return {k: get(k) for k in config}
                """,
                "no cycle detection and recursion depth limited",
            ),
            missed_edge(
                r"""
                import re


                def resolve(config):
                    out = {}
                    for key, value in config.items():

                        def sub(m):
                            if m.group(0) == "$$":
                                return "$"
                            name = m.group(1)
                            if name == key:
                                raise ValueError("cycle")
                            return config[name]

                        out[key] = re.sub(r"\$\$|\$\{([^}]*)\}", sub, value)
                    return out
                """,
                "substitutes one level only",
            ),
        ),
    ),
)


def _session_log(n: int) -> str:
    lines = [f"{n}"]
    for i in range(n):
        start = (i * 7919) % 1000000
        lines.append(f"{start} {start + 1 + (i * 104729) % 5000}")
    return "\n".join(lines) + "\n"


LOGS = family(
    "log_analysis",
    "Log analysis",
    "parsing",
    ("logs", "log", "parsing", "counting", "sessions", "text processing", "sweep line"),
    io(
        "Log Level Counts",
        "easy",
        contract="""
        Input: a line with N (0 <= N <= 10**5), then N lines "LEVEL message..." where LEVEL is an
        upper-case word. Output: one line "LEVEL count" per level that occurs, by decreasing count,
        ties by level name in ascending order. Nothing is printed when N is 0.
        """,
        statement="""
        Count how many log lines each level has and print the levels by frequency.
        """,
        reference=r"""
        import sys

        data = sys.stdin.read().split("\n")
        n = int(data[0])
        counts = {}
        for line in data[1:n + 1]:
            level = line.split(" ", 1)[0]
            counts[level] = counts.get(level, 0) + 1
        for level, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            print(level, c)
        """,
        tests=cases(
            ("4\nINFO start\nWARN disk\nINFO ok\nERROR boom\n", "INFO 2\nERROR 1\nWARN 1\n"),
            ("0\n", ""),
            ("1\nDEBUG x y z\n", "DEBUG 1\n"),
            ("3\nWARN a\nERROR b\nWARN c\n", "WARN 2\nERROR 1\n"),
            ("5\nB x\nA x\nC x\nB y\nC y\n", "B 2\nC 2\nA 1\n"),
            ("2\nZ only\nZ again\n", "Z 2\n"),
        ),
        examples=(ex("4\nINFO start\nWARN disk\nINFO ok\nERROR boom", "INFO 2\nERROR 1\nWARN 1"),),
        bugs=(
            off_by_one(
                r"""
                import sys

                data = sys.stdin.read().split("\n")
                n = int(data[0])
                counts = {}
                for line in data[1:n]:
                    level = line.split(" ", 1)[0]
                    counts[level] = counts.get(level, 0) + 1
                for level, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                    print(level, c)
                """,
                "reads one line too few",
            ),
            missed_edge(
                r"""
                import sys
                from collections import Counter

                data = sys.stdin.read().split("\n")
                n = int(data[0])
                counts = Counter(line.split(" ", 1)[0] for line in data[1:n + 1])
                for level, c in counts.most_common():
                    print(level, c)
                """,
                "ties keep first-seen order",
            ),
        ),
    ),
    io(
        "Session Time Per User",
        "medium",
        contract="""
        Input: a line "N T", then N lines "time user action" with non-decreasing integer times
        (0 <= time <= T <= 10**9), user a lowercase word, action "login" or "logout".
        Output: for every user that appears, sorted by name, a line "user total" with the total
        logged-in time.
        """,
        statement="""
        Compute each user's total logged-in time. A login while already logged in is ignored, as is
        a logout while logged out. Sessions still open after the last event end at time T.
        """,
        reference=r"""
        import sys

        data = sys.stdin.read().split()
        n, end = int(data[0]), int(data[1])
        since = {}
        total = {}
        for i in range(n):
            t, user, action = int(data[2 + 3 * i]), data[3 + 3 * i], data[4 + 3 * i]
            total.setdefault(user, 0)
            if action == "login":
                since.setdefault(user, t)
            elif user in since:
                total[user] += t - since.pop(user)
        for user, t in since.items():
            total[user] += end - t
        for user in sorted(total):
            print(user, total[user])
        """,
        tests=cases(
            ("4 100\n1 ann login\n5 bob login\n10 ann logout\n20 bob logout\n", "ann 9\nbob 15\n"),
            ("2 50\n10 ann login\n20 ann login\n", "ann 40\n"),
            ("2 50\n5 zed logout\n6 zed login\n", "zed 44\n"),
            ("3 30\n0 amy login\n10 amy logout\n10 amy logout\n", "amy 10\n"),
            ("1 10\n10 kim login\n", "kim 0\n"),
            (
                "6 100\n1 b login\n2 a login\n3 b logout\n50 b login\n60 a logout\n70 b logout\n",
                "a 58\nb 22\n",
            ),
        ),
        examples=(ex("4 100\n1 ann login\n5 bob login\n10 ann logout\n20 bob logout", "ann 9\nbob 15"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                n = int(data[0])
                since = {}
                total = {}
                for i in range(n):
                    t, user, action = int(data[2 + 3 * i]), data[3 + 3 * i], data[4 + 3 * i]
                    total.setdefault(user, 0)
                    if action == "login":
                        since.setdefault(user, t)
                    elif user in since:
                        total[user] += t - since.pop(user)
                for user in sorted(total):
                    print(user, total[user])
                """,
                "open sessions are not closed at T",
            ),
            missed_edge(
                r"""
                import sys

                data = sys.stdin.read().split()
                n, end = int(data[0]), int(data[1])
                since = {}
                total = {}
                for i in range(n):
                    t, user, action = int(data[2 + 3 * i]), data[3 + 3 * i], data[4 + 3 * i]
                    total.setdefault(user, 0)
                    if action == "login":
                        since[user] = t
                    elif user in since:
                        total[user] += t - since.pop(user)
                for user, t in since.items():
                    total[user] += end - t
                for user in sorted(total):
                    print(user, total[user])
                """,
                "a repeated login restarts the session",
            ),
        ),
    ),
    io(
        "Peak Concurrent Sessions",
        "hard",
        contract="""
        Input: a line N (1 <= N <= 10**5), then N lines "start end" with 0 <= start < end <= 10**9.
        Output: one line "peak time": the largest number of sessions open at the same moment and
        the earliest moment at which that many are open.
        """,
        statement="""
        Each session is open on the half-open interval [start, end): a session ending at time t is
        no longer open at t, so it does not overlap one starting at t. Find the peak number of
        simultaneously open sessions and when it first occurs.
        """,
        reference=r"""
        import sys

        data = sys.stdin.buffer.read().split()
        n = int(data[0])
        events = []
        for i in range(n):
            s, e = int(data[1 + 2 * i]), int(data[2 + 2 * i])
            events.append((s, 1))
        for i in range(n):
            events.append((int(data[2 + 2 * i]), -1))
        events.sort()
        cur = best = 0
        when = 0
        for t, d in events:
            cur += d
            if cur > best:
                best, when = cur, t
        print(best, when)
        """,
        tests=cases(
            ("3\n1 5\n2 6\n5 7\n", "2 2\n"),
            ("2\n0 10\n10 20\n", "1 0\n"),
            ("1\n3 4\n", "1 3\n"),
            ("4\n5 9\n1 3\n2 8\n6 7\n", "3 6\n"),
            ("3\n0 5\n5 10\n5 6\n", "2 5\n"),
            (_session_log(300), "3 55433\n"),
        ),
        examples=(ex("3\n1 5\n2 6\n5 7", "2 2"),),
        bugs=(
            missed_edge(
                r"""
                import sys

                data = sys.stdin.buffer.read().split()
                n = int(data[0])
                events = []
                for i in range(n):
                    events.append((int(data[1 + 2 * i]), 0, 1))
                    events.append((int(data[2 + 2 * i]), 1, -1))
                events.sort()
                cur = best = 0
                when = 0
                for t, _, d in events:
                    cur += d
                    if cur > best:
                        best, when = cur, t
                print(best, when)
                """,
                "treats sessions as closed intervals",
            ),
            off_by_one(
                r"""
                import sys

                data = sys.stdin.buffer.read().split()
                n = int(data[0])
                events = []
                for i in range(n):
                    events.append((int(data[1 + 2 * i]), 1))
                    events.append((int(data[2 + 2 * i]), -1))
                events.sort()
                cur = best = 0
                when = 0
                for t, d in events:
                    cur += d
                    if cur >= best:
                        best, when = cur, t
                print(best, when)
                """,
                "reports the last moment the peak is reached, not the first",
            ),
        ),
    ),
)

FAMILIES = (EXPRESSIONS, CSV, CONFIG, LOGS)
