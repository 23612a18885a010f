"""C++ families: prefix sums and DP on sequences, as stdio programs.

Their bugs are the ones C++ code really has: sums kept in ``int`` that overflow (the inputs go up
to 10**9 per value), an index one off, a missed edge case. The expected outputs of the tests come
from a Python twin of each problem (:data:`TWINS`, keyed by title), so the C++ reference is checked
against an independent implementation whenever the bank's tests run it.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from types import MappingProxyType

from gapforge.demo.bank.schema import cases, ex, family, io, missed_edge, off_by_one

Twin = Callable[[str], str]


def _lcg(seed: int, n: int, lo: int, hi: int) -> list[int]:
    """``n`` values spread over [lo, hi] (a fixed generator: the tests never change with Python)."""
    out: list[int] = []
    x = seed
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        out.append(lo + (x >> 16) % (hi - lo + 1))
    return out


def _row(values: list[int]) -> str:
    return " ".join(map(str, values))


def _twin_cases(twin: Twin, *inputs: str) -> str:
    return cases(*((i, twin(i)) for i in inputs))


# --------------------------------------------------------------------------- twins


def _range_sums(text: str) -> str:
    data = text.split()
    n, q = int(data[0]), int(data[1])
    pre = [0]
    for x in data[2 : 2 + n]:
        pre.append(pre[-1] + int(x))
    rest = data[2 + n :]
    return "".join(f"{pre[int(rest[2 * k + 1])] - pre[int(rest[2 * k]) - 1]}\n" for k in range(q))


def _best_stretch(text: str) -> str:
    data = text.split()
    a = [int(x) for x in data[1 : 1 + int(data[0])]]
    best = cur = a[0]
    for x in a[1:]:
        cur = max(x, cur + x)
        best = max(best, cur)
    return f"{best}\n"


def _sum_to_k(text: str) -> str:
    data = text.split()
    n, k = int(data[0]), int(data[1])
    seen: dict[int, int] = {0: 1}
    total = count = 0
    for x in data[2 : 2 + n]:
        total += int(x)
        count += seen.get(total - k, 0)
        seen[total] = seen.get(total, 0) + 1
    return f"{count}\n"


def _staircase(text: str) -> str:
    n = int(text.split()[0])
    a, b, c = 1, 1, 2  # ways to reach steps 0, 1, 2
    if n < 3:
        return f"{(a, b, c)[n]}\n"
    for _ in range(3, n + 1):
        a, b, c = b, c, (a + b + c) % 1_000_000_007
    return f"{c}\n"


def _rising(text: str) -> str:
    data = text.split()
    tails: list[int] = []
    for x in map(int, data[1 : 1 + int(data[0])]):
        i = bisect.bisect_left(tails, x)
        tails[i : i + 1] = [x]
    return f"{len(tails)}\n"


def _houses(text: str) -> str:
    data = text.split()
    take, skip = 0, 0
    for v in map(int, data[1 : 1 + int(data[0])]):
        take, skip = skip + v, max(skip, take)
    return f"{max(take, skip)}\n"


# --------------------------------------------------------------------------- prefix sums

_BIG = _lcg(7, 200, -(10**9), 10**9)
_QUERIES = _lcg(11, 100, 1, 200)
_RANGE_BIG = (
    "200 50\n"
    + _row(_BIG)
    + "\n"
    + "".join(f"{min(a, b)} {max(a, b)}\n" for a, b in zip(_QUERIES[::2], _QUERIES[1::2], strict=True))
)

CPP_PREFIX_SUMS = family(
    "cpp_prefix_sums",
    "Prefix sums in C++",
    "arrays",
    ("array", "arrays", "prefix sums", "prefix", "subarray", "sum", "range queries", "overflow"),
    io(
        "Static Range Sums",
        "easy",
        language="cpp",
        contract="""
        Input: a line "N Q" (1 <= N, Q <= 2 * 10**5), then a line of N integers a_1 .. a_N with
        |a_i| <= 10**9, then Q lines "l r" with 1 <= l <= r <= N. Output: Q lines, the i-th holding
        a_l + ... + a_r for the i-th query.
        """,
        statement="""
        Answer range-sum queries over a fixed array. Mind the size of the sums.
        """,
        reference=r"""
        #include <cstdio>
        #include <vector>

        int main() {
            int n, q;
            if (std::scanf("%d %d", &n, &q) != 2) return 0;
            std::vector<long long> pre(n + 1, 0);
            for (int i = 1; i <= n; ++i) {
                long long x;
                std::scanf("%lld", &x);
                pre[i] = pre[i - 1] + x;
            }
            for (int k = 0; k < q; ++k) {
                int l, r;
                std::scanf("%d %d", &l, &r);
                std::printf("%lld\n", pre[r] - pre[l - 1]);
            }
            return 0;
        }
        """,
        tests=_twin_cases(
            _range_sums,
            "5 3\n1 2 3 4 5\n1 5\n2 4\n3 3\n",
            "1 1\n-7\n1 1\n",
            "3 2\n1000000000 1000000000 1000000000\n1 3\n2 3\n",
            "4 2\n-1000000000 -1000000000 -1000000000 5\n1 3\n1 4\n",
            "6 4\n3 -1 4 -1 5 -9\n1 1\n6 6\n1 6\n2 5\n",
            _RANGE_BIG,
        ),
        examples=(ex("5 3\n1 2 3 4 5\n1 5\n2 4\n3 3", "15\n9\n3"),),
        bugs=(
            missed_edge(
                r"""
                #include <cstdio>
                #include <vector>

                int main() {
                    int n, q;
                    if (std::scanf("%d %d", &n, &q) != 2) return 0;
                    std::vector<int> pre(n + 1, 0);
                    for (int i = 1; i <= n; ++i) {
                        int x;
                        std::scanf("%d", &x);
                        pre[i] = pre[i - 1] + x;
                    }
                    for (int k = 0; k < q; ++k) {
                        int l, r;
                        std::scanf("%d %d", &l, &r);
                        std::printf("%d\n", pre[r] - pre[l - 1]);
                    }
                    return 0;
                }
                """,
                "prefix sums in int overflow past 2**31",
            ),
            off_by_one(
                r"""
                #include <cstdio>
                #include <vector>

                int main() {
                    int n, q;
                    if (std::scanf("%d %d", &n, &q) != 2) return 0;
                    std::vector<long long> pre(n + 1, 0);
                    for (int i = 1; i <= n; ++i) {
                        long long x;
                        std::scanf("%lld", &x);
                        pre[i] = pre[i - 1] + x;
                    }
                    for (int k = 0; k < q; ++k) {
                        int l, r;
                        std::scanf("%d %d", &l, &r);
                        std::printf("%lld\n", pre[r] - pre[l]);
                    }
                    return 0;
                }
                """,
                "subtracts pre[l] instead of pre[l - 1], dropping a_l",
            ),
        ),
    ),
    io(
        "Best Contiguous Stretch",
        "medium",
        language="cpp",
        contract="""
        Input: a line N (1 <= N <= 2 * 10**5), then a line of N integers a_i with |a_i| <= 10**9.
        Output: the largest sum of a non-empty block of consecutive values.
        """,
        statement="""
        Find the best non-empty run of consecutive values. All values may be negative.
        """,
        reference=r"""
        #include <algorithm>
        #include <cstdio>

        int main() {
            int n;
            if (std::scanf("%d", &n) != 1) return 0;
            long long best = 0, cur = 0;
            for (int i = 0; i < n; ++i) {
                long long x;
                std::scanf("%lld", &x);
                cur = i == 0 ? x : std::max(x, cur + x);
                best = i == 0 ? cur : std::max(best, cur);
            }
            std::printf("%lld\n", best);
            return 0;
        }
        """,
        tests=_twin_cases(
            _best_stretch,
            "8\n-2 1 -3 4 -1 2 1 -5\n",
            "3\n-5 -2 -9\n",
            "1\n7\n",
            "3\n5 -10 1\n",
            "3\n1000000000 1000000000 1000000000\n",
            "1\n-1000000000\n",
            "200\n" + _row(_BIG) + "\n",
        ),
        examples=(ex("8\n-2 1 -3 4 -1 2 1 -5", "6", "The block 4 -1 2 1."),),
        bugs=(
            missed_edge(
                r"""
                #include <algorithm>
                #include <cstdio>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    long long best = 0, cur = 0;
                    for (int i = 0; i < n; ++i) {
                        long long x;
                        std::scanf("%lld", &x);
                        cur = std::max(0LL, cur + x);
                        best = std::max(best, cur);
                    }
                    std::printf("%lld\n", best);
                    return 0;
                }
                """,
                "answers 0 when every value is negative (the empty block is not allowed)",
            ),
            off_by_one(
                r"""
                #include <algorithm>
                #include <climits>
                #include <cstdio>
                #include <vector>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    std::vector<long long> a(n);
                    for (auto& x : a) std::scanf("%lld", &x);
                    long long best = LLONG_MIN, cur = 0;
                    for (int i = 1; i < n; ++i) {
                        cur = std::max(a[i], cur + a[i]);
                        best = std::max(best, cur);
                    }
                    std::printf("%lld\n", best);
                    return 0;
                }
                """,
                "the loop starts at index 1 and never sees the first value",
            ),
            missed_edge(
                r"""
                #include <algorithm>
                #include <cstdio>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    int best = 0, cur = 0;
                    for (int i = 0; i < n; ++i) {
                        int x;
                        std::scanf("%d", &x);
                        cur = i == 0 ? x : std::max(x, cur + x);
                        best = i == 0 ? cur : std::max(best, cur);
                    }
                    std::printf("%d\n", best);
                    return 0;
                }
                """,
                "sums in int overflow past 2**31",
            ),
        ),
    ),
    io(
        "Stretches That Sum To K",
        "hard",
        language="cpp",
        contract="""
        Input: a line "N K" (1 <= N <= 2 * 10**5, |K| <= 10**15), then a line of N integers a_i
        with |a_i| <= 10**9. Output: the number of pairs (l, r), 1 <= l <= r <= N, with
        a_l + ... + a_r = K.
        """,
        statement="""
        Count the blocks of consecutive values that sum to exactly K. Values may be negative or
        zero, and the count can exceed 2**31.
        """,
        reference=r"""
        #include <cstdio>
        #include <map>

        int main() {
            int n;
            long long k;
            if (std::scanf("%d %lld", &n, &k) != 2) return 0;
            std::map<long long, long long> seen;
            seen[0] = 1;
            long long sum = 0, count = 0;
            for (int i = 0; i < n; ++i) {
                long long x;
                std::scanf("%lld", &x);
                sum += x;
                auto it = seen.find(sum - k);
                if (it != seen.end()) count += it->second;
                ++seen[sum];
            }
            std::printf("%lld\n", count);
            return 0;
        }
        """,
        tests=_twin_cases(
            _sum_to_k,
            "5 3\n1 2 1 2 1\n",
            "3 0\n0 0 0\n",
            "4 0\n1 -1 1 -1\n",
            "1 5\n5\n",
            "2 2000000000\n1000000000 1000000000\n",
            "5 0\n1000000000 1000000000 1000000000 1000000000 294967296\n",
            "3 -1000000000000000\n-1000000000 5 3\n",
            "3000 1\n" + _row(_lcg(5, 3000, -2, 2)) + "\n",
        ),
        examples=(ex("5 3\n1 2 1 2 1", "4"),),
        bugs=(
            missed_edge(
                r"""
                #include <cstdio>
                #include <map>

                int main() {
                    int n;
                    long long k;
                    if (std::scanf("%d %lld", &n, &k) != 2) return 0;
                    std::map<long long, long long> seen;
                    long long sum = 0, count = 0;
                    for (int i = 0; i < n; ++i) {
                        long long x;
                        std::scanf("%lld", &x);
                        sum += x;
                        auto it = seen.find(sum - k);
                        if (it != seen.end()) count += it->second;
                        ++seen[sum];
                    }
                    std::printf("%lld\n", count);
                    return 0;
                }
                """,
                "never counts the empty prefix, so blocks starting at the first value are missed",
            ),
            missed_edge(
                r"""
                #include <cstdio>
                #include <vector>

                int main() {
                    int n;
                    long long k;
                    if (std::scanf("%d %lld", &n, &k) != 2) return 0;
                    std::vector<long long> a(n);
                    for (auto& x : a) std::scanf("%lld", &x);
                    long long sum = 0, count = 0;
                    int l = 0;
                    for (int r = 0; r < n; ++r) {
                        sum += a[r];
                        while (l <= r && sum > k) sum -= a[l++];
                        if (l <= r && sum == k) ++count;
                    }
                    std::printf("%lld\n", count);
                    return 0;
                }
                """,
                "a sliding window: right only for positive values",
            ),
            missed_edge(
                r"""
                #include <cstdio>
                #include <map>

                int main() {
                    int n;
                    long long k;
                    if (std::scanf("%d %lld", &n, &k) != 2) return 0;
                    std::map<int, int> seen;
                    seen[0] = 1;
                    int sum = 0;
                    long long count = 0;
                    for (int i = 0; i < n; ++i) {
                        int x;
                        std::scanf("%d", &x);
                        sum += x;
                        auto it = seen.find(sum - k);
                        if (it != seen.end()) count += it->second;
                        ++seen[sum];
                    }
                    std::printf("%lld\n", count);
                    return 0;
                }
                """,
                "prefix sums kept in int wrap around: sums 2**32 apart look equal",
            ),
        ),
    ),
)


# --------------------------------------------------------------------------- DP on sequences

_SEQ = _lcg(3, 300, -(10**9), 10**9)
_SMALL_SEQ = _lcg(9, 300, 0, 200)

CPP_SEQUENCE_DP = family(
    "cpp_sequence_dp",
    "Sequence DP in C++",
    "dynamic programming",
    ("dynamic programming", "dp", "sequence", "sequences", "subsequence", "staircase", "counting", "modulo"),
    io(
        "Staircase With Three Step Sizes",
        "easy",
        language="cpp",
        contract="""
        Input: one line with N (1 <= N <= 10**6). Output: the number of ways to climb a staircase
        of N steps taking 1, 2 or 3 steps at a time, modulo 1000000007.
        """,
        statement="""
        Count the ways up the stairs. The order of the moves matters: 1+2 and 2+1 are different.
        """,
        reference=r"""
        #include <cstdio>
        #include <vector>

        int main() {
            int n;
            if (std::scanf("%d", &n) != 1) return 0;
            const long long mod = 1000000007LL;
            std::vector<long long> ways(n + 1, 0);
            ways[0] = 1;
            for (int i = 1; i <= n; ++i) {
                long long w = ways[i - 1];
                if (i >= 2) w += ways[i - 2];
                if (i >= 3) w += ways[i - 3];
                ways[i] = w % mod;
            }
            std::printf("%lld\n", ways[n]);
            return 0;
        }
        """,
        tests=_twin_cases(_staircase, "1\n", "2\n", "3\n", "4\n", "10\n", "50\n", "1000\n", "100000\n"),
        examples=(ex("4", "7"),),
        bugs=(
            missed_edge(
                r"""
                #include <cstdio>
                #include <vector>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    const int mod = 1000000007;
                    std::vector<int> ways(n + 1, 0);
                    ways[0] = 1;
                    for (int i = 1; i <= n; ++i) {
                        int w = ways[i - 1];
                        if (i >= 2) w += ways[i - 2];
                        if (i >= 3) w += ways[i - 3];
                        ways[i] = w % mod;
                    }
                    std::printf("%d\n", ways[n]);
                    return 0;
                }
                """,
                "the sum of three residues overflows int before the modulo",
            ),
            off_by_one(
                r"""
                #include <cstdio>
                #include <vector>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    const long long mod = 1000000007LL;
                    std::vector<long long> ways(n + 1, 0);
                    ways[0] = 1;
                    for (int i = 1; i < n; ++i) {
                        long long w = ways[i - 1];
                        if (i >= 2) w += ways[i - 2];
                        if (i >= 3) w += ways[i - 3];
                        ways[i] = w % mod;
                    }
                    std::printf("%lld\n", ways[n]);
                    return 0;
                }
                """,
                "the loop stops before step N",
            ),
        ),
    ),
    io(
        "Longest Strictly Rising Picks",
        "medium",
        language="cpp",
        contract="""
        Input: a line N (1 <= N <= 2 * 10**5), then a line of N integers a_i with
        |a_i| <= 10**9. Output: the length of the longest strictly increasing subsequence.
        """,
        statement="""
        Pick values left to right, each strictly larger than the one before; keep as many as
        possible. Equal values cannot both be picked. The solution must be well under O(N**2).
        """,
        reference=r"""
        #include <algorithm>
        #include <cstdio>
        #include <vector>

        int main() {
            int n;
            if (std::scanf("%d", &n) != 1) return 0;
            std::vector<long long> tails;
            for (int i = 0; i < n; ++i) {
                long long x;
                std::scanf("%lld", &x);
                auto it = std::lower_bound(tails.begin(), tails.end(), x);
                if (it == tails.end()) tails.push_back(x);
                else *it = x;
            }
            std::printf("%zu\n", tails.size());
            return 0;
        }
        """,
        tests=_twin_cases(
            _rising,
            "8\n10 9 2 5 3 7 101 18\n",
            "5\n2 2 2 2 2\n",
            "1\n-5\n",
            "6\n1 2 3 4 5 6\n",
            "6\n6 5 4 3 2 1\n",
            "7\n1 3 3 2 4 4 5\n",
            "300\n" + _row(_SMALL_SEQ) + "\n",
        ),
        examples=(ex("8\n10 9 2 5 3 7 101 18", "4", "For example 2 3 7 18."),),
        bugs=(
            missed_edge(
                r"""
                #include <algorithm>
                #include <cstdio>
                #include <vector>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    std::vector<long long> tails;
                    for (int i = 0; i < n; ++i) {
                        long long x;
                        std::scanf("%lld", &x);
                        auto it = std::upper_bound(tails.begin(), tails.end(), x);
                        if (it == tails.end()) tails.push_back(x);
                        else *it = x;
                    }
                    std::printf("%zu\n", tails.size());
                    return 0;
                }
                """,
                "upper_bound counts equal values: non-decreasing instead of strictly increasing",
            ),
            off_by_one(
                r"""
                #include <algorithm>
                #include <cstdio>
                #include <vector>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    std::vector<long long> a(n);
                    for (auto& x : a) std::scanf("%lld", &x);
                    std::vector<int> len(n, 1);
                    int best = 0;
                    for (int i = 0; i < n; ++i) {
                        for (int j = 0; j < i - 1; ++j)
                            if (a[j] < a[i]) len[i] = std::max(len[i], len[j] + 1);
                        best = std::max(best, len[i]);
                    }
                    std::printf("%d\n", best);
                    return 0;
                }
                """,
                "the inner loop never looks at the immediate predecessor",
            ),
        ),
    ),
    io(
        "Street Of Houses With Debts",
        "hard",
        language="cpp",
        contract="""
        Input: a line N (1 <= N <= 2 * 10**5), then a line of N integers v_i with |v_i| <= 10**9
        (a negative value is a debt). Output: the largest total of a set of houses no two of which
        are adjacent; the empty set (total 0) is allowed.
        """,
        statement="""
        Choose houses along a street, never two neighbours, to maximise the total value. Some
        houses carry debts, and taking nothing at all is a valid choice.
        """,
        reference=r"""
        #include <algorithm>
        #include <cstdio>

        int main() {
            int n;
            if (std::scanf("%d", &n) != 1) return 0;
            long long take = 0, skip = 0;  // best total with the previous house taken / not taken
            for (int i = 0; i < n; ++i) {
                long long v;
                std::scanf("%lld", &v);
                long long t = skip + v;
                skip = std::max(skip, take);
                take = t;
            }
            std::printf("%lld\n", std::max(take, skip));
            return 0;
        }
        """,
        tests=_twin_cases(
            _houses,
            "4\n1 2 3 1\n",
            "5\n2 7 9 3 1\n",
            "1\n-5\n",
            "3\n-1 -2 -3\n",
            "2\n5 1\n",
            "5\n1000000000 -1 1000000000 -1 1000000000\n",
            "3\n-1000000000 5 -1000000000\n",
            "300\n" + _row(_SEQ) + "\n",
        ),
        examples=(ex("5\n2 7 9 3 1", "12", "Houses 1, 3 and 5."),),
        bugs=(
            missed_edge(
                r"""
                #include <algorithm>
                #include <cstdio>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    int take = 0, skip = 0;
                    for (int i = 0; i < n; ++i) {
                        int v;
                        std::scanf("%d", &v);
                        int t = skip + v;
                        skip = std::max(skip, take);
                        take = t;
                    }
                    std::printf("%d\n", std::max(take, skip));
                    return 0;
                }
                """,
                "totals in int overflow past 2**31",
            ),
            missed_edge(
                r"""
                #include <algorithm>
                #include <cstdio>
                #include <vector>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    std::vector<long long> a(n), best(n);
                    for (auto& x : a) std::scanf("%lld", &x);
                    best[0] = a[0];
                    if (n > 1) best[1] = std::max(a[0], a[1]);
                    for (int i = 2; i < n; ++i) best[i] = std::max(best[i - 1], best[i - 2] + a[i]);
                    std::printf("%lld\n", best[n - 1]);
                    return 0;
                }
                """,
                "always takes a house: wrong when every choice is a debt",
            ),
            off_by_one(
                r"""
                #include <algorithm>
                #include <cstdio>
                #include <vector>

                int main() {
                    int n;
                    if (std::scanf("%d", &n) != 1) return 0;
                    std::vector<long long> a(n), best(n);
                    for (auto& x : a) std::scanf("%lld", &x);
                    best[0] = std::max(0LL, a[0]);
                    if (n > 1) best[1] = std::max(0LL, a[1]);
                    for (int i = 2; i < n; ++i) best[i] = std::max(best[i - 1], best[i - 2] + a[i]);
                    std::printf("%lld\n", best[n - 1]);
                    return 0;
                }
                """,
                "best[1] forgets the first house",
            ),
        ),
    ),
)

FAMILIES = (CPP_PREFIX_SUMS, CPP_SEQUENCE_DP)

TWINS: Mapping[str, Twin] = MappingProxyType(
    {
        "Static Range Sums": _range_sums,
        "Best Contiguous Stretch": _best_stretch,
        "Stretches That Sum To K": _sum_to_k,
        "Staircase With Three Step Sizes": _staircase,
        "Longest Strictly Rising Picks": _rising,
        "Street Of Houses With Debts": _houses,
    }
)
