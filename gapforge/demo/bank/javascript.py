"""JavaScript families: palindromes and spreadsheet-style number bases, as stdio programs (node).

Their bugs are the ones JavaScript code really has: ``parseInt`` losing digits past 2**53, a
case-sensitive comparison, a loop bound one off, a brute force that is far too slow. The expected
outputs of the tests come from a Python twin of each problem (:data:`TWINS`, keyed by title), so
the JavaScript reference is checked against an independent implementation whenever the bank's
tests run it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from gapforge.demo.bank.schema import cases, ex, family, io, missed_edge, off_by_one, too_slow

Twin = Callable[[str], str]


def _lcg_text(seed: int, n: int, alphabet: str) -> str:
    out: list[str] = []
    x = seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(alphabet[(x >> 4) % len(alphabet)])
    return "".join(out)


def _twin_cases(twin: Twin, *inputs: str) -> str:
    return cases(*((i, twin(i)) for i in inputs))


# --------------------------------------------------------------------------- twins


def _manacher(s: str) -> list[int]:
    """Palindrome radii over ``s`` interleaved with separators (an independent O(n) method)."""
    t = "^#" + "#".join(s) + "#$"
    p = [0] * len(t)
    c = r = 0
    for i in range(1, len(t) - 1):
        if i < r:
            p[i] = min(r - i, p[2 * c - i])
        while t[i + p[i] + 1] == t[i - p[i] - 1]:
            p[i] += 1
        if i + p[i] > r:
            c, r = i, i + p[i]
    return p


def _sentence(text: str) -> str:
    line = text.split("\n")[0]
    s = "".join(ch.lower() for ch in line if ch.isascii() and ch.isalnum())
    return "YES\n" if s == s[::-1] else "NO\n"


def _longest(text: str) -> str:
    return f"{max(_manacher(text.strip()))}\n"


def _count(text: str) -> str:
    return f"{sum((v + 1) // 2 for v in _manacher(text.strip()))}\n"


def _binary(text: str) -> str:
    return f"{int(text.strip(), 2)}\n"


def _column_number(text: str) -> str:
    n = 0
    for ch in text.strip():
        n = n * 26 + ord(ch) - ord("A") + 1
    return f"{n}\n"


def _title(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def _column_titles(text: str) -> str:
    rows = text.split()
    return "".join(_title(int(x)) + "\n" for x in rows[1 : 1 + int(rows[0])])


# --------------------------------------------------------------------------- palindromes

_MIRROR = _lcg_text(21, 900, "abc,. !?XYZ")
_SENTENCE_BIG = _MIRROR + "Q" + _MIRROR[::-1].swapcase()

JS_PALINDROMES = family(
    "js_palindromes",
    "Palindromes in JavaScript",
    "strings",
    ("palindrome", "palindromes", "string", "strings", "substring", "centers", "mirror"),
    io(
        "Sentence Palindrome Check",
        "easy",
        language="javascript",
        contract="""
        Input: one line of 0 to 10**5 printable ASCII characters (codes 32 to 126), then a
        newline. Output: YES if the line reads the same forwards and backwards once every
        character that is not a letter or a digit is removed, comparing letters without regard to
        case; otherwise NO.
        """,
        statement="""
        Decide whether a sentence is a palindrome, ignoring punctuation, spaces and case.
        """,
        reference=r"""
        const line = require('fs').readFileSync(0, 'utf8').split('\n')[0];
        const s = line.toLowerCase().replace(/[^a-z0-9]/g, '');
        let ok = true;
        for (let i = 0, j = s.length - 1; i < j; i++, j--) {
          if (s[i] !== s[j]) {
            ok = false;
            break;
          }
        }
        console.log(ok ? 'YES' : 'NO');
        """,
        tests=_twin_cases(
            _sentence,
            "A man, a plan, a canal: Panama\n",
            "race a car\n",
            "\n",
            "ab\n",
            "Aa\n",
            ".,!\n",
            "No 'x' in Nixon\n",
            "abca\n",
            "0P\n",
            _SENTENCE_BIG + "\n",
        ),
        examples=(ex("A man, a plan, a canal: Panama", "YES"), ex("race a car", "NO")),
        bugs=(
            missed_edge(
                r"""
                const line = require('fs').readFileSync(0, 'utf8').split('\n')[0];
                const s = line.replace(/[^A-Za-z0-9]/g, '');
                let ok = true;
                for (let i = 0, j = s.length - 1; i < j; i++, j--) {
                  if (s[i] !== s[j]) {
                    ok = false;
                    break;
                  }
                }
                console.log(ok ? 'YES' : 'NO');
                """,
                "compares letters case-sensitively",
            ),
            off_by_one(
                r"""
                const line = require('fs').readFileSync(0, 'utf8').split('\n')[0];
                const s = line.toLowerCase().replace(/[^a-z0-9]/g, '');
                let ok = true;
                for (let i = 0; i < Math.floor(s.length / 2) - 1; i++) {
                  if (s[i] !== s[s.length - 1 - i]) ok = false;
                }
                console.log(ok ? 'YES' : 'NO');
                """,
                "stops one pair short of the middle",
            ),
        ),
    ),
    io(
        "Longest Mirrored Stretch",
        "medium",
        language="javascript",
        contract="""
        Input: one line of 1 to 3000 lowercase letters. Output: the length of its longest
        palindromic substring (a contiguous block that reads the same both ways).
        """,
        statement="""
        Find how long the longest palindromic block of the string is. Palindromes of even length
        count too.
        """,
        reference=r"""
        const s = require('fs').readFileSync(0, 'utf8').trim();
        let best = 0;
        for (let c = 0; c < 2 * s.length - 1; c++) {
          let l = Math.floor(c / 2);
          let r = l + (c % 2);
          while (l >= 0 && r < s.length && s[l] === s[r]) {
            l--;
            r++;
          }
          best = Math.max(best, r - l - 1);
        }
        console.log(best);
        """,
        tests=_twin_cases(
            _longest,
            "babad\n",
            "cbbd\n",
            "a\n",
            "abba\n",
            "abcde\n",
            "aaaa\n",
            "forgeeksskeegfor\n",
            _lcg_text(4, 3000, "ab") + "\n",
        ),
        examples=(ex("babad", "3", "bab (or aba)."), ex("cbbd", "2")),
        bugs=(
            missed_edge(
                r"""
                const s = require('fs').readFileSync(0, 'utf8').trim();
                let best = 0;
                for (let i = 0; i < s.length; i++) {
                  let l = i;
                  let r = i;
                  while (l >= 0 && r < s.length && s[l] === s[r]) {
                    l--;
                    r++;
                  }
                  best = Math.max(best, r - l - 1);
                }
                console.log(best);
                """,
                "only odd-length centres: misses even palindromes",
            ),
            off_by_one(
                r"""
                const s = require('fs').readFileSync(0, 'utf8').trim();
                let best = 0;
                for (let c = 0; c < 2 * s.length - 1; c++) {
                  let l = Math.floor(c / 2);
                  let r = l + (c % 2);
                  while (l >= 0 && r < s.length && s[l] === s[r]) {
                    l--;
                    r++;
                  }
                  best = Math.max(best, r - l);
                }
                console.log(best);
                """,
                "measures the expanded window one too wide",
            ),
        ),
    ),
    io(
        "Count Mirrored Substrings",
        "hard",
        language="javascript",
        contract="""
        Input: one line of 1 to 5000 lowercase letters. Output: the number of (start, end)
        positions whose substring is a palindrome; equal substrings at different positions count
        separately.
        """,
        statement="""
        Count every palindromic substring occurrence. The answer for 5000 equal letters is over
        twelve million, and a cubic algorithm is far too slow for it.
        """,
        reference=r"""
        const s = require('fs').readFileSync(0, 'utf8').trim();
        let count = 0;
        for (let c = 0; c < 2 * s.length - 1; c++) {
          let l = Math.floor(c / 2);
          let r = l + (c % 2);
          while (l >= 0 && r < s.length && s[l] === s[r]) {
            count++;
            l--;
            r++;
          }
        }
        console.log(count);
        """,
        tests=_twin_cases(
            _count,
            "abc\n",
            "aaa\n",
            "abba\n",
            "a\n",
            "racecar\n",
            "a" * 5000 + "\n",
            _lcg_text(8, 4000, "ab") + "\n",
        ),
        examples=(ex("aaa", "6", "a three times, aa twice, aaa once."),),
        bugs=(
            missed_edge(
                r"""
                const s = require('fs').readFileSync(0, 'utf8').trim();
                let count = 0;
                for (let i = 0; i < s.length; i++) {
                  let l = i;
                  let r = i;
                  while (l >= 0 && r < s.length && s[l] === s[r]) {
                    count++;
                    l--;
                    r++;
                  }
                }
                console.log(count);
                """,
                "only odd-length centres: misses even palindromes",
            ),
            too_slow(
                r"""
                const s = require('fs').readFileSync(0, 'utf8').trim();
                let count = 0;
                for (let i = 0; i < s.length; i++) {
                  for (let j = i; j < s.length; j++) {
                    let a = i;
                    let b = j;
                    while (a < b && s[a] === s[b]) {
                      a++;
                      b--;
                    }
                    if (a >= b) count++;
                  }
                }
                console.log(count);
                """,
                "checks every substring separately: cubic",
            ),
        ),
    ),
)


# --------------------------------------------------------------------------- number bases

JS_COLUMNS = family(
    "js_columns",
    "Spreadsheet bases in JavaScript",
    "encodings",
    ("base", "bases", "number bases", "encoding", "encodings", "conversion", "binary", "bigint", "columns"),
    io(
        "Big Binary To Decimal",
        "easy",
        language="javascript",
        contract="""
        Input: one line holding a binary number: "0", or a 1 followed by at most 62 binary digits.
        Output: its value in decimal.
        """,
        statement="""
        Convert a binary number of up to 63 bits to decimal, exactly.
        """,
        reference=r"""
        const s = require('fs').readFileSync(0, 'utf8').trim();
        let v = 0n;
        for (const ch of s) v = v * 2n + (ch === '1' ? 1n : 0n);
        console.log(v.toString());
        """,
        tests=_twin_cases(
            _binary,
            "0\n",
            "1\n",
            "1010\n",
            "11111111\n",
            "1" * 53 + "\n",
            "1" + "0" * 62 + "\n",
            "1" * 63 + "\n",
            "1011" * 15 + "101\n",
        ),
        examples=(ex("1010", "10"),),
        bugs=(
            missed_edge(
                r"""
                const s = require('fs').readFileSync(0, 'utf8').trim();
                console.log(String(parseInt(s, 2)));
                """,
                "parseInt returns a double: digits are lost past 2**53",
            ),
            off_by_one(
                r"""
                const s = require('fs').readFileSync(0, 'utf8').trim();
                let v = 0n;
                for (let i = 1; i < s.length; i++) v = v * 2n + (s[i] === '1' ? 1n : 0n);
                console.log(v.toString());
                """,
                "the loop starts at index 1 and drops the leading bit",
            ),
        ),
    ),
    io(
        "Spreadsheet Column Number",
        "medium",
        language="javascript",
        contract="""
        Input: one line, a column title of 1 to 10 uppercase letters. Output: its column number,
        where A is 1, Z is 26, AA is 27, AZ is 52 and ZZ is 702.
        """,
        statement="""
        Spreadsheet columns are named A..Z, then AA..AZ, BA..ZZ, AAA and so on. Give the number of
        a named column.
        """,
        reference=r"""
        const s = require('fs').readFileSync(0, 'utf8').trim();
        let n = 0;
        for (const ch of s) n = n * 26 + (ch.charCodeAt(0) - 64);
        console.log(String(n));
        """,
        tests=_twin_cases(
            _column_number,
            "A\n",
            "Z\n",
            "AA\n",
            "AZ\n",
            "ZY\n",
            "FXSHRXW\n",
            "ZZZZZZZZZZ\n",
            "QWERTYUIOP\n",
        ),
        examples=(ex("AB", "28"),),
        bugs=(
            off_by_one(
                r"""
                const s = require('fs').readFileSync(0, 'utf8').trim();
                let n = 0;
                for (const ch of s) n = n * 26 + (ch.charCodeAt(0) - 65);
                console.log(String(n));
                """,
                "counts A as 0",
            ),
            missed_edge(
                r"""
                const s = require('fs').readFileSync(0, 'utf8').trim();
                let n = 0;
                for (const ch of s) n = n * 26 + (ch.charCodeAt(0) - 65);
                console.log(String(n + 1));
                """,
                "plain base 26 plus one: right for single letters only",
            ),
        ),
    ),
    io(
        "Spreadsheet Column Titles",
        "hard",
        language="javascript",
        contract="""
        Input: a line Q (1 <= Q <= 1000), then Q lines each holding an integer N
        (1 <= N <= 10**15). Output: Q lines, the column title of each N, where 1 is A, 26 is Z,
        27 is AA, 52 is AZ and 702 is ZZ.
        """,
        statement="""
        Spreadsheet columns are named A..Z, then AA..AZ, BA..ZZ, AAA and so on. Name the columns
        with the given numbers; there is no zero digit in this system.
        """,
        reference=r"""
        const lines = require('fs').readFileSync(0, 'utf8').split('\n');
        const q = Number(lines[0]);
        const out = [];
        for (let i = 1; i <= q; i++) {
          let n = Number(lines[i]);
          let title = '';
          while (n > 0) {
            n -= 1;
            title = String.fromCharCode(65 + (n % 26)) + title;
            n = Math.floor(n / 26);
          }
          out.push(title);
        }
        console.log(out.join('\n'));
        """,
        tests=_twin_cases(
            _column_titles,
            "3\n1\n26\n27\n",
            "2\n52\n702\n",
            "1\n703\n",
            "2\n2147483647\n18278\n",
            "1\n1000000000000000\n",
            "4\n676\n677\n17576\n475254\n",
        ),
        examples=(ex("3\n1\n28\n701", "A\nAB\nZY"),),
        bugs=(
            missed_edge(
                r"""
                const lines = require('fs').readFileSync(0, 'utf8').split('\n');
                const q = Number(lines[0]);
                const out = [];
                for (let i = 1; i <= q; i++) {
                  let n = Number(lines[i]);
                  let title = '';
                  while (n > 0) {
                    const r = n % 26;
                    title = (r === 0 ? 'Z' : String.fromCharCode(64 + r)) + title;
                    n = Math.floor(n / 26);
                  }
                  out.push(title);
                }
                console.log(out.join('\n'));
                """,
                "maps a zero remainder to Z without borrowing from the next digit",
            ),
            off_by_one(
                r"""
                const lines = require('fs').readFileSync(0, 'utf8').split('\n');
                const q = Number(lines[0]);
                const out = [];
                for (let i = 1; i <= q; i++) {
                  let n = Number(lines[i]);
                  let title = '';
                  while (n > 0) {
                    title = String.fromCharCode(65 + (n % 26)) + title;
                    n = Math.floor(n / 26);
                  }
                  out.push(title);
                }
                console.log(out.join('\n'));
                """,
                "treats the digits as 0-based: every letter is one too far",
            ),
            too_slow(
                r"""
                const lines = require('fs').readFileSync(0, 'utf8').split('\n');
                const q = Number(lines[0]);
                const out = [];
                for (let i = 1; i <= q; i++) {
                  const n = Number(lines[i]);
                  const digits = [0];  // the title as letter indexes, counted up one column at a time
                  for (let k = 1; k < n; k++) {
                    let p = digits.length - 1;
                    while (p >= 0 && digits[p] === 25) {
                      digits[p] = 0;
                      p--;
                    }
                    if (p < 0) digits.unshift(0);
                    else digits[p]++;
                  }
                  out.push(digits.map((d) => String.fromCharCode(65 + d)).join(''));
                }
                console.log(out.join('\n'));
                """,
                "counts up column by column",
            ),
        ),
    ),
)

FAMILIES = (JS_PALINDROMES, JS_COLUMNS)

TWINS: Mapping[str, Twin] = MappingProxyType(
    {
        "Sentence Palindrome Check": _sentence,
        "Longest Mirrored Stretch": _longest,
        "Count Mirrored Substrings": _count,
        "Big Binary To Decimal": _binary,
        "Spreadsheet Column Number": _column_number,
        "Spreadsheet Column Titles": _column_titles,
    }
)
