"""A static, offline HTML report of a run: one file, inline SVG plots, no scripts, no downloads.

Plots: weak vs strong pass rate of every measured round (with the gate's thresholds), rounds per
seed, rejection reasons, tokens and cost per accepted problem, acceptance by topic. Hovering a
mark shows its numbers (SVG ``<title>``).
"""

from __future__ import annotations

import hashlib
import html
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from gapforge import __version__
from gapforge.dataset.records import RoundRecord, utcnow
from gapforge.dataset.tables import RunData, load_run
from gapforge.models import TokenUsage, Verdict

VERDICT_COLORS = {
    Verdict.ACCEPTED.value: "#2e7d32",
    Verdict.TOO_EASY.value: "#90a4ae",
    Verdict.FAILED_ON_STRONG.value: "#e65100",
    Verdict.INVALID.value: "#c62828",
    Verdict.MALFORMED.value: "#6a1b9a",
    Verdict.AMBIGUOUS.value: "#f9a825",
    Verdict.INFRA.value: "#455a64",
}
ROLE_COLORS = {"challenger": "#5c6bc0", "weak": "#90a4ae", "strong": "#e65100", "reviewer": "#f9a825"}
ACCEPTED_COLOR = "#2e7d32"
REJECTED_COLOR = "#cfd8dc"
FONT = "font-family='system-ui,sans-serif' font-size='11'"
MAX_TOPICS = 25


class ReportResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Path
    accepted: int
    rounds: int
    seeds: int


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _fmt(x: float) -> str:
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.2f}" if abs(x) >= 1 else f"{x:.3g}"


def _ticks(vmax: float, *, integer: bool, most: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``vmax``: steps of 1, 2, 2.5 or 5 x 10^k (integer axes
    never step by fractions), at most ``most`` intervals."""
    vmax = max(vmax, 1.0 if integer else 1e-9)
    exp = 10 ** math.floor(math.log10(vmax / most)) if vmax / most > 0 else 1
    for m in (1, 2, 2.5, 5, 10, 20, 25, 50):
        step = m * exp
        if integer and (step < 1 or step != int(step)):
            continue
        if vmax / step <= most:
            n = math.ceil(vmax / step - 1e-9)
            return [step * i for i in range(n + 1)]
    return [0.0, vmax]


# --------------------------------------------------------------------------- SVG primitives


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{_e(label)}'>" + "".join(body) + "</svg>"
    )


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    out = []
    for i, (name, color) in enumerate(items):
        yy = y + i * 16
        out.append(f"<rect x='{x}' y='{yy - 9}' width='10' height='10' fill='{color}'/>")
        out.append(f"<text x='{x + 14}' y='{yy}' {FONT}>{_e(name)}</text>")
    return out


def scatter_svg(
    points: Sequence[tuple[float, float, str, str]],
    *,
    x_label: str,
    y_label: str,
    vlines: Sequence[tuple[float, str]] = (),
    hlines: Sequence[tuple[float, str]] = (),
    legend: Sequence[tuple[str, str]] = (),
    width: int = 560,
    height: int = 420,
) -> str:
    """Points (x, y in [0, 1], color, tooltip) with dashed threshold lines."""
    left, top, right, bottom = 52, 16, 150, 44
    pw, ph = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + x * pw

    def py(y: float) -> float:
        return top + (1 - y) * ph

    body = [f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fafafa' stroke='#bbb'/>"]
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        body.append(f"<line x1='{px(t)}' y1='{top}' x2='{px(t)}' y2='{top + ph}' stroke='#eee'/>")
        body.append(f"<line x1='{left}' y1='{py(t)}' x2='{left + pw}' y2='{py(t)}' stroke='#eee'/>")
        body.append(f"<text x='{px(t)}' y='{top + ph + 14}' text-anchor='middle' {FONT}>{t:g}</text>")
        body.append(f"<text x='{left - 6}' y='{py(t) + 4}' text-anchor='end' {FONT}>{t:g}</text>")
    for v, name in vlines:
        body.append(
            f"<line x1='{px(v)}' y1='{top}' x2='{px(v)}' y2='{top + ph}' stroke='#555' stroke-dasharray='4 3'>"
            f"<title>{_e(name)}</title></line>"
        )
    for h, name in hlines:
        body.append(
            f"<line x1='{left}' y1='{py(h)}' x2='{left + pw}' y2='{py(h)}' stroke='#555' stroke-dasharray='4 3'>"
            f"<title>{_e(name)}</title></line>"
        )
    for x, y, color, tip in points:
        body.append(
            f"<circle cx='{px(x):.1f}' cy='{py(y):.1f}' r='4' fill='{color}' fill-opacity='0.7' stroke='#fff' "
            f"stroke-width='0.5'><title>{_e(tip)}</title></circle>"
        )
    body.append(
        f"<text x='{left + pw / 2}' y='{height - 8}' text-anchor='middle' {FONT}>{_e(x_label)}</text>"
    )
    body.append(
        f"<text x='14' y='{top + ph / 2}' text-anchor='middle' transform='rotate(-90 14 {top + ph / 2})' "
        f"{FONT}>{_e(y_label)}</text>"
    )
    body += _legend(legend, left + pw + 16, top + 12)
    return _svg(width, height, body, f"{y_label} against {x_label}")


def columns_svg(
    categories: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    *,
    x_label: str,
    y_label: str,
    width: int = 560,
    height: int = 300,
) -> str:
    """Vertical stacked columns: one per category, one stacked segment per series."""
    left, top, right, bottom = 52, 16, 150, 44
    pw, ph = width - left - right, height - top - bottom
    totals = [sum(s[2][i] for s in series) for i in range(len(categories))]
    ticks = _ticks(max(totals, default=0), integer=all(float(t).is_integer() for t in totals))
    ymax = ticks[-1]
    body = [f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fafafa' stroke='#bbb'/>"]
    for v in ticks:
        y = top + ph - ph * v / ymax
        body.append(f"<line x1='{left}' y1='{y:.1f}' x2='{left + pw}' y2='{y:.1f}' stroke='#eee'/>")
        body.append(f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end' {FONT}>{_fmt(v)}</text>")
    n = max(len(categories), 1)
    slot = pw / n
    bar = max(min(slot * 0.7, 48), 2)
    for i, cat in enumerate(categories):
        x = left + i * slot + (slot - bar) / 2
        y = top + ph
        for name, color, values in series:
            v = values[i]
            if v <= 0:
                continue
            h = ph * v / ymax
            y -= h
            body.append(
                f"<rect x='{x:.1f}' y='{y:.1f}' width='{bar:.1f}' height='{h:.1f}' fill='{color}'>"
                f"<title>{_e(cat)}: {_e(name)} {_fmt(v)}</title></rect>"
            )
        if n <= 30 or i % max(n // 15, 1) == 0:
            body.append(
                f"<text x='{x + bar / 2:.1f}' y='{top + ph + 14}' text-anchor='middle' {FONT}>{_e(cat)}</text>"
            )
    body.append(
        f"<text x='{left + pw / 2}' y='{height - 8}' text-anchor='middle' {FONT}>{_e(x_label)}</text>"
    )
    body.append(
        f"<text x='14' y='{top + ph / 2}' text-anchor='middle' transform='rotate(-90 14 {top + ph / 2})' "
        f"{FONT}>{_e(y_label)}</text>"
    )
    body += _legend([(s[0], s[1]) for s in series], left + pw + 16, top + 12)
    return _svg(width, height, body, f"{y_label} by {x_label}")


def bars_svg(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    *,
    value_label: str,
    width: int = 640,
    label_width: int = 200,
) -> str:
    """Horizontal stacked bars, one row per label (long labels are cut, the tooltip has them whole)."""
    row_h, top, bottom = 22, 8, 40
    right = 150 if len(series) > 1 else 60
    pw = width - label_width - right
    height = top + bottom + row_h * max(len(labels), 1)
    totals = [sum(s[2][i] for s in series) for i in range(len(labels))]
    ticks = _ticks(max(totals, default=0), integer=all(float(t).is_integer() for t in totals))
    xmax = ticks[-1]
    body = []
    for v in ticks:
        x = label_width + pw * v / xmax
        body.append(f"<line x1='{x:.1f}' y1='{top}' x2='{x:.1f}' y2='{height - bottom}' stroke='#eee'/>")
        body.append(
            f"<text x='{x:.1f}' y='{height - bottom + 14}' text-anchor='middle' {FONT}>{_fmt(v)}</text>"
        )
    for i, label in enumerate(labels):
        y = top + i * row_h
        short = label if len(label) <= 32 else label[:31] + "…"
        body.append(
            f"<text x='{label_width - 6}' y='{y + 15}' text-anchor='end' {FONT}><title>{_e(label)}</title>"
            f"{_e(short)}</text>"
        )
        x = float(label_width)
        for name, color, values in series:
            v = values[i]
            if v <= 0:
                continue
            w = pw * v / xmax
            body.append(
                f"<rect x='{x:.1f}' y='{y + 3}' width='{w:.1f}' height='{row_h - 6}' fill='{color}'>"
                f"<title>{_e(label)}: {_e(name)} {_fmt(v)}</title></rect>"
            )
            x += w
        body.append(f"<text x='{x + 4:.1f}' y='{y + 15}' {FONT}>{_fmt(totals[i])}</text>")
    body.append(
        f"<text x='{label_width + pw / 2}' y='{height - 8}' text-anchor='middle' {FONT}>{_e(value_label)}</text>"
    )
    if len(series) > 1:
        body += _legend([(s[0], s[1]) for s in series], label_width + pw + 40, top + 12)
    return _svg(width, height, body, value_label)


# --------------------------------------------------------------------------- the numbers


def _mean(scores: Sequence[float | None]) -> float | None:
    measured = [s for s in scores if s is not None]
    return sum(measured) / len(measured) if measured else None


def _jitter(key: str, amount: float = 0.012) -> float:
    # Rollout means take few distinct values; a stable jitter keeps overlapping rounds visible.
    h = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=2).digest(), "big")
    return (h / 65535 - 0.5) * 2 * amount


def _gate_lines(cfg: Mapping[str, Any]) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    gate = cfg.get("gate")
    if not isinstance(gate, dict):
        return [], []
    v: list[tuple[float, str]] = []
    h: list[tuple[float, str]] = []
    if isinstance(gate.get("weak_max_mean"), int | float):
        v.append((float(gate["weak_max_mean"]), f"weak mean bound {gate['weak_max_mean']}"))
    if isinstance(gate.get("strong_min_mean"), int | float):
        h.append((float(gate["strong_min_mean"]), f"strong mean floor {gate['strong_min_mean']}"))
    if isinstance(gate.get("strong_max_mean"), int | float) and gate["strong_max_mean"] <= 1:
        h.append((float(gate["strong_max_mean"]), f"strong mean ceiling {gate['strong_max_mean']}"))
    k = gate.get("k")
    if isinstance(k, int) and k > 0:
        if isinstance(gate.get("weak_max_passes"), int):
            v.append((gate["weak_max_passes"] / k, f"weak passes <= {gate['weak_max_passes']} of {k}"))
        if isinstance(gate.get("strong_min_passes"), int):
            h.append((gate["strong_min_passes"] / k, f"strong passes >= {gate['strong_min_passes']} of {k}"))
    return v, h


@dataclass(frozen=True)
class _Costs:
    tokens: dict[str, TokenUsage]
    cost: dict[str, float]
    priced: bool


def _costs(data: RunData) -> _Costs:
    tokens: dict[str, TokenUsage] = {}
    for s in data.seeds:
        for role, u in s.usage.items():
            tokens[role] = tokens.get(role, TokenUsage()) + u
    roles = data.config.get("roles") if isinstance(data.config.get("roles"), dict) else {}
    assert isinstance(roles, dict)
    cost: dict[str, float] = {}
    priced = False
    for role, u in tokens.items():
        rc = roles.get(role) if isinstance(roles.get(role), dict) else {}
        assert isinstance(rc, dict)
        pp = float(rc.get("price_per_1k_prompt") or 0.0)
        pc = float(rc.get("price_per_1k_completion") or 0.0)
        priced = priced or pp > 0 or pc > 0
        cost[role] = u.prompt_tokens / 1000 * pp + u.completion_tokens / 1000 * pc
    return _Costs(tokens, cost, priced)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --------------------------------------------------------------------------- sections


def _scatter_section(data: RunData) -> str:
    points = []
    seen: set[str] = set()
    for r in data.rounds:
        w, s = _mean(r.weak_scores), _mean(r.strong_scores)
        if w is None or s is None:
            continue
        key = f"{r.seed_id}/{r.round}"
        title = r.problem.title if r.problem else "?"
        x = min(max(w + _jitter(key + "x"), 0.0), 1.0)
        y = min(max(s + _jitter(key + "y"), 0.0), 1.0)
        color = VERDICT_COLORS.get(r.verdict.value, "#000")
        points.append((x, y, color, f"{title}: weak {w:.2f}, strong {s:.2f} ({r.verdict.value})"))
        seen.add(r.verdict.value)
    only_weak = sum(1 for r in data.rounds if r.weak_scores and not r.strong_scores)
    v, h = _gate_lines(data.config)
    legend = [(name, VERDICT_COLORS[name]) for name in VERDICT_COLORS if name in seen]
    svg = scatter_svg(
        points, x_label="weak pass rate", y_label="strong pass rate", vlines=v, hlines=h, legend=legend
    )
    note = (
        f"{len(points)} rounds where both solvers ran; {only_weak} more stopped after the weak solver "
        "(too easy) and are not shown. Dashed lines: the gate's thresholds."
    )
    return _figure("Weak vs strong pass rate", svg, note)


def _rounds_section(data: RunData) -> str:
    acc: Counter[int] = Counter(s.rounds for s in data.seeds if s.accepted)
    rej: Counter[int] = Counter(s.rounds for s in data.seeds if not s.accepted)
    top = max([*acc, *rej], default=0)
    cats = [str(i) for i in range(1, top + 1)]
    svg = columns_svg(
        cats,
        [
            ("accepted", ACCEPTED_COLOR, [acc.get(i, 0) for i in range(1, top + 1)]),
            ("no problem accepted", REJECTED_COLOR, [rej.get(i, 0) for i in range(1, top + 1)]),
        ],
        x_label="rounds used by the seed",
        y_label="seeds",
    )
    used = [p.rounds_used for p in data.problems]
    note = (
        f"mean rounds per accepted problem: {sum(used) / len(used):.2f}"
        if used
        else "no accepted problems yet"
    )
    return _figure("Rounds per seed", svg, note)


def _rejections_section(data: RunData) -> str:
    verdicts = Counter(r.verdict.value for r in data.rounds if r.verdict is not Verdict.ACCEPTED)
    reasons: Counter[str] = Counter()
    for r in data.rounds:
        reasons[_reason_class(r)] += 1 if r.verdict is not Verdict.ACCEPTED else 0
    labels = [v for v, _ in verdicts.most_common()]
    svg = bars_svg(
        labels,
        [("rounds", "#78909c", [verdicts[v] for v in labels])],
        value_label="rejected rounds",
    )
    detail = [(k, n) for k, n in reasons.most_common() if n]
    return _figure(
        "Rejection reasons",
        svg + _table(["reason", "rounds"], detail),
        f"{sum(verdicts.values())} of {len(data.rounds)} rounds rejected",
    )


def _reason_class(r: RoundRecord) -> str:
    if r.verdict is Verdict.INVALID:
        if r.static_problems:
            return "invalid: static checks"
        check = r.validity.failed_check if r.validity else None
        return f"invalid: {check or 'validity'}"
    return r.verdict.value.replace("_", " ")


def _cost_section(data: RunData) -> str:
    c = _costs(data)
    n = len(data.problems)
    roles = [r for r in ("challenger", "weak", "strong", "reviewer") if r in c.tokens] + sorted(
        r for r in c.tokens if r not in ROLE_COLORS
    )
    if not roles or not n:
        return _figure(
            "Tokens and cost per accepted problem",
            "<p>no accepted problems or no token usage recorded</p>",
            "",
        )
    series = [
        ("prompt", "#90caf9", [c.tokens[r].prompt_tokens / n for r in roles]),
        ("completion", "#1e88e5", [c.tokens[r].completion_tokens / n for r in roles]),
    ]
    svg = bars_svg(roles, series, value_label="tokens per accepted problem (all rounds' spend / accepted)")
    total_cost = sum(c.cost.values())
    rows = [
        (
            r,
            _fmt(c.tokens[r].total),
            _fmt(c.tokens[r].total / n),
            f"${c.cost[r]:.4f}",
            f"${c.cost[r] / n:.4f}",
        )
        for r in roles
    ]
    rows.append(
        (
            "total",
            _fmt(sum(u.total for u in c.tokens.values())),
            _fmt(sum(u.total for u in c.tokens.values()) / n),
            f"${total_cost:.4f}",
            f"${total_cost / n:.4f}",
        )
    )
    note = "" if c.priced else "No prices configured (roles.*.price_per_1k_*): costs show as $0."
    table = _table(["role", "tokens", "tokens / accepted", "cost", "cost / accepted"], rows)
    return _figure("Tokens and cost per accepted problem", svg + table, note)


def _topics_section(data: RunData) -> str:
    seeds: Counter[str] = Counter(s.seed.topic for s in data.seeds)
    acc: Counter[str] = Counter(s.seed.topic for s in data.seeds if s.accepted)
    topics = [t for t, _ in sorted(seeds.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TOPICS]]
    svg = bars_svg(
        topics,
        [
            ("accepted", ACCEPTED_COLOR, [acc[t] for t in topics]),
            ("not accepted", REJECTED_COLOR, [seeds[t] - acc[t] for t in topics]),
        ],
        value_label="seeds",
    )
    more = f" ({len(seeds) - MAX_TOPICS} more topics not shown)" if len(seeds) > MAX_TOPICS else ""
    rate = f"{sum(acc.values()) / sum(seeds.values()):.0%}" if seeds else "-"
    return _figure("Acceptance by topic", svg, f"acceptance over all seeds: {rate}{more}")


def _figure(title: str, content: str, note: str) -> str:
    return f"<section><h2>{_e(title)}</h2><figure>{content}<figcaption>{_e(note)}</figcaption></figure></section>"


CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:980px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
.cards{display:flex;flex-wrap:wrap;gap:.75rem}.card{border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem}
.card b{display:block;font-size:1.3rem}figure{margin:0}figcaption{color:#555;font-size:.85rem;margin-top:.3rem}
table{border-collapse:collapse;margin-top:.6rem;font-size:.85rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
"""


def render_report(data: RunData) -> str:
    n_acc = len(data.problems)
    n_rounds = len(data.rounds)
    c = _costs(data)
    cards = [
        ("accepted problems", _fmt(n_acc)),
        ("finished seeds", _fmt(len(data.seeds))),
        ("rounds", _fmt(n_rounds)),
        ("acceptance per round", f"{n_acc / n_rounds:.1%}" if n_rounds else "-"),
        ("solver attempts", _fmt(len(data.attempts))),
        ("tokens", _fmt(sum(u.total for u in c.tokens.values()))),
    ]
    cards_html = "".join(f"<div class='card'><b>{_e(v)}</b>{_e(k)}</div>" for k, v in cards)
    name = str(data.config.get("name") or "gapforge run")
    sections = [
        _scatter_section(data),
        _rounds_section(data),
        _rejections_section(data),
        _cost_section(data),
        _topics_section(data),
    ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(name)} · gapforge report</title><style>{CSS}</style></head><body>"
        f"<h1>{_e(name)}</h1><p>run <code>{_e(data.meta.get('run_id', ''))}</code>, config hash "
        f"<code>{_e(data.meta.get('config_hash', ''))}</code>; finished seeds only; generated {_e(utcnow())} "
        f"by gapforge {_e(__version__)}</p><div class='cards'>{cards_html}</div>"
        + "".join(sections)
        + "</body></html>\n"
    )


def report(run_dir: str | Path, out_html: str | Path) -> ReportResult:
    """Write the HTML report of ``run_dir`` to ``out_html``."""
    data = load_run(run_dir)
    out = Path(out_html)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render_report(data), encoding="utf-8")
    tmp.replace(out)
    return ReportResult(path=out, accepted=len(data.problems), rounds=len(data.rounds), seeds=len(data.seeds))
