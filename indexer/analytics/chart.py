"""The trends chart as an SVG string drawn on the server (no JavaScript, no external files).

A line per series over the years, y = the chosen measure (by default 每千条款命中数, the rate
that discounts the collection's growth). Every point is a link (`<a href>`) to the search that
produced it; the URL comes from the caller's `link_for(query, year, key)`, so URL building
stays with the web layer. Each point carries a `<title>` (shown on hover, read by screen
readers) with the year, the series and both the count and the rate. All text is XML-escaped.
The drawing uses a viewBox and no fixed width, so it scales down to a 375 px phone; labels are
Chinese and the font stack names common CJK fonts; at 480 units wide with 14-unit type the
labels stay about 11 px tall on a 375 px phone.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from indexer.analytics.trends import TrendPoint, TrendSeries

MEASURES = {"clauses_per_1000": "每千条款命中数", "clauses": "命中条款数",
            "documents_per_100": "每百文件命中数", "documents": "命中文件数"}
COLOURS = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b8860b")
# 480 units wide at 14-unit type: on a 375 px phone the type is still 11 px.
WIDTH, PLOT_HEIGHT = 480, 280
LEFT, RIGHT, TOP, BOTTOM = 52, 28, 30, 46     # room for the first and last year label
LEGEND_ROW = 22
LEGEND_CHARS = 13        # a legend entry is cut to fit half the width
FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"

LinkFor = Callable[[str, int, str | None], str]


def trends_svg(series: Sequence[TrendSeries], link_for: LinkFor,
               measure: str = "clauses_per_1000", title: str = "检索词年度趋势") -> str:
    """The chart of `series` (see the module docstring)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; one of {', '.join(MEASURES)}")
    years = sorted({p.year for s in series for p in s.points})
    top = _nice_max(max((getattr(p, measure) for s in series for p in s.points), default=0))
    height = PLOT_HEIGHT + LEGEND_ROW * math.ceil(len(series) / 2) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-label="{escape(title)}" font-family="{escape(FONT)}" font-size="14">',
             f"<title>{escape(title)}</title>",
             f'<text x="{LEFT}" y="18">{escape(MEASURES[measure])}</text>']
    parts += _axes(years, top)
    for i, s in enumerate(series):
        parts += _line(s, i, years, top, measure, link_for)
    parts += _legend(series)
    parts.append("</svg>")
    return "\n".join(parts)


def _nice_max(value: float) -> float:
    """A round upper bound for the y axis (1, 2, 2.5, 5 × 10^n) at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value)


def _x(year: int, years: list[int]) -> float:
    span = WIDTH - LEFT - RIGHT
    if len(years) < 2:
        return LEFT + span / 2
    return LEFT + span * (year - years[0]) / (years[-1] - years[0])


def _y(value: float, top: float) -> float:
    return TOP + (PLOT_HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _axes(years: list[int], top: float) -> list[str]:
    bottom = PLOT_HEIGHT - BOTTOM
    out = [f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#555"/>']
    for k in range(5):
        value = top * k / 4
        y = _y(value, top)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(value)}</text>')
    step = max(1, math.ceil(len(years) / 8))       # at most 8 year labels
    for year in years[::step]:
        out.append(f'<text x="{_x(year, years):.1f}" y="{bottom + 18}" text-anchor="middle">{year}</text>')
    out.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{PLOT_HEIGHT - 6}" '
               f'text-anchor="middle">年份</text>')
    return out


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}".rstrip("0")


def _name(s: TrendSeries) -> str:
    return f"{s.query} · {s.key}" if s.key is not None else s.query


def _line(s: TrendSeries, i: int, years: list[int], top: float, measure: str,
          link_for: LinkFor) -> list[str]:
    colour = COLOURS[i % len(COLOURS)]
    coords = [(_x(p.year, years), _y(getattr(p, measure), top), p) for p in s.points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords)
    out = [f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>']
    for x, y, p in coords:
        out.append(f'<a href="{escape(link_for(s.query, p.year, s.key))}">'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}">'
                   f"<title>{escape(_point_label(s, p))}</title></circle></a>")
    return out


def _point_label(s: TrendSeries, p: TrendPoint) -> str:
    return (f"{p.year}年 {_name(s)}：{p.clauses} 条款（每千条 {p.clauses_per_1000}），"
            f"{p.documents} 件文件（每百件 {p.documents_per_100}）")


def _legend(series: Sequence[TrendSeries]) -> list[str]:
    out = []
    for i, s in enumerate(series):
        x = LEFT + (i % 2) * (WIDTH - LEFT - RIGHT) / 2
        y = PLOT_HEIGHT + 8 + LEGEND_ROW * (i // 2)
        colour = COLOURS[i % len(COLOURS)]
        out.append(f'<rect x="{x:.1f}" y="{y}" width="14" height="4" fill="{colour}"/>')
        name = _name(s)
        name = name if len(name) <= LEGEND_CHARS else name[:LEGEND_CHARS - 1] + "…"
        out.append(f'<text x="{x + 20:.1f}" y="{y + 7}">{escape(name)}</text>')
    return out
