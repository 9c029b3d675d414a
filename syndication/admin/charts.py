"""Charts drawn by the app as inline SVG: no script, no library, no CDN.

`stacked_bars` takes any series {label: {day: value}} (publications per account, readers per
account, …) and returns a <figure>: the SVG (role="img", a title and a summary for screen
readers, each bar with its value in a tooltip and data-* attributes), a legend in HTML, and the
figures as a table behind a 查看数据 toggle. The SVG scales to its box; its text is sized for a
phone's width.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Okabe–Ito: colours told apart with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999933", "#000000")
Series = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class Frame:
    """The drawing's geometry, in SVG units (the viewBox)."""

    width: float = 420  # narrow, so the text stays ~11 px on a phone's 340 px
    height: float = 240
    left: float = 36  # room for the y labels
    right: float = 22  # room for the last day's label, centred under the last bar
    top: float = 30  # room for the unit above the top value
    bottom: float = 26  # room for the x labels
    font: float = 14

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


FRAME = Frame()


def nice_top(value: float, max_ticks: int = 5) -> tuple[float, float]:
    """The axis top and tick step: 1, 2 or 5 × 10ⁿ steps, at most `max_ticks` above zero."""
    if value <= 0:
        return 1.0, 1.0
    magnitude = 10 ** math.floor(math.log10(value / max_ticks)) if value >= max_ticks else 1
    for factor in (1, 2, 5, 10):
        step = factor * magnitude
        if math.ceil(value / step) <= max_ticks:
            return math.ceil(value / step) * step, step
    raise AssertionError("unreachable: a step of 10ⁿ⁺¹ always fits")


def bar_height(value: float, top: float, frame: Frame = FRAME) -> float:
    """The drawn height of a value on an axis that ends at `top`."""
    return round(value / top * frame.plot_height, 2)


def fmt(value: float) -> str:
    """A value as people read it: whole numbers without decimals."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def day_label(day: str) -> str:
    """YYYY-MM-DD as M/D (x axis)."""
    _, month, date = day.split("-")
    return f"{int(month)}/{int(date)}"


def colours(labels: Sequence[str]) -> dict[str, str]:
    """One palette colour per label, in order."""
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}


def stacked_bars(
    series: Series, days: Sequence[str], *, title: str, unit: str, chart_id: str
) -> Markup:
    """A stacked bar per day (one segment per series), with legend, summary and data table."""
    labels = list(series)
    colour = colours(labels)
    totals = [sum(series[label].get(day, 0) for label in labels) for day in days]
    top, step = nice_top(max(totals, default=0))
    svg = "".join(
        (
            _open(chart_id, title, _summary(series, labels, unit)),
            _grid(top, step, unit),
            _bars(series, labels, days, top, colour, unit),
            _x_labels(days),
            "</svg>",
        )
    )
    return Markup(
        f'<figure class="chart" id="{escape(chart_id)}"><figcaption>{escape(title)}</figcaption>'
        f"{svg}{_legend(labels, colour)}{_table(series, labels, days, unit)}</figure>"
    )


def _open(chart_id: str, title: str, summary: str, frame: Frame = FRAME) -> str:
    cid = escape(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width:g} {frame.height:g}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" font-size="{frame.font:g}">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(summary)}</desc>'
    )


def _summary(series: Series, labels: list[str], unit: str) -> str:
    parts = [f"{label} {fmt(sum(series[label].values()))} {unit}" for label in labels]
    return "合计：" + "，".join(parts) if parts else "没有数据"


def _grid(top: float, step: float, unit: str, frame: Frame = FRAME) -> str:
    """Horizontal lines with their values, and the unit above the axis."""
    out = []
    for i in range(round(top / step) + 1):
        value = i * step
        y = frame.top + frame.plot_height - bar_height(value, top)
        out.append(
            f'<line x1="{frame.left:g}" x2="{frame.width - frame.right:g}" y1="{y:g}" y2="{y:g}" '
            f'stroke="{"#8a96a3" if i == 0 else "#e3e8ee"}"/>'
            f'<text x="{frame.left - 6:g}" y="{y + 5:g}" text-anchor="end" fill="#4a5663">'
            f"{fmt(value)}</text>"
        )
    out.append(
        f'<text x="{frame.left - 6:g}" y="{frame.top - 14:g}" text-anchor="end" '
        f'fill="#4a5663">{escape(unit)}</text>'
    )
    return "".join(out)


def _bars(
    series: Series,
    labels: list[str],
    days: Sequence[str],
    top: float,
    colour: dict[str, str],
    unit: str,
    frame: Frame = FRAME,
) -> str:
    slot = frame.plot_width / max(len(days), 1)
    width = round(max(slot * 0.7, 1), 2)
    out = []
    for i, day in enumerate(days):
        x = round(frame.left + i * slot + (slot - width) / 2, 2)
        base = frame.top + frame.plot_height
        for label in labels:
            value = series[label].get(day, 0)
            if not value:
                continue
            height = bar_height(value, top)
            base = round(base - height, 2)
            out.append(
                f'<rect class="bar" x="{x:g}" y="{base:g}" width="{width:g}" height="{height:g}" '
                f'fill="{colour[label]}" data-series="{escape(label)}" data-day="{day}" '
                f'data-value="{fmt(value)}"><title>{escape(label)} · {day_label(day)}：'
                f"{fmt(value)} {escape(unit)}</title></rect>"
            )
    return "".join(out)


def _x_labels(days: Sequence[str], frame: Frame = FRAME, most: int = 6) -> str:
    """A few day labels under the bars, always including the last (today)."""
    if not days:
        return ""
    every = max(1, math.ceil(len(days) / most))
    slot = frame.plot_width / len(days)
    y = frame.height - 6
    shown = [i for i in range(len(days) - 1, -1, -every)]
    return "".join(
        f'<text x="{frame.left + (i + 0.5) * slot:.2f}" y="{y:g}" text-anchor="middle" '
        f'fill="#4a5663">{day_label(days[i])}</text>'
        for i in sorted(shown)
    )


def _legend(labels: list[str], colour: dict[str, str]) -> str:
    items = "".join(
        f'<li><span class="swatch" style="background:{colour[label]}"></span>{escape(label)}</li>'
        for label in labels
    )
    return f'<ul class="legend">{items}</ul>'


def _table(series: Series, labels: list[str], days: Sequence[str], unit: str) -> str:
    """The same figures as a table, for reading exact values (days with any value only)."""
    head = "".join(f"<th scope='col'>{escape(label)}</th>" for label in labels)
    rows = "".join(
        f"<tr><th scope='row'>{day}</th>"
        + "".join(f"<td>{fmt(series[label].get(day, 0))}</td>" for label in labels)
        + "</tr>"
        for day in days
        if any(series[label].get(day, 0) for label in labels)
    )
    body = rows or f"<tr><td colspan='{len(labels) + 1}'>这段时间没有数据</td></tr>"
    return (
        f"<details><summary>查看数据（{escape(unit)}）</summary><table class='data'>"
        f"<tr><th scope='col'>日期</th>{head}</tr>{body}</table></details>"
    )
