"""The "一图可见" picture: 7 days × the four regions in HJ 633 colours, drawn once per issue.

Pollutants are written in ASCII (PM2.5, O3): Pillow has no font fallback and CJK fonts lack the
subscript digits, so "PM₂.₅" would come out as boxes.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from PIL import Image, ImageDraw

from bot.forecast import fonts
from bot.forecast.levels import LEVELS, POLLUTANTS, Level, level
from bot.forecast.model import ForecastIssue, PlaceDay
from bot.forecast.text import WEEKDAYS
from bot.places import provinces

WIDTH = 1080
MARGIN = 40
LABEL_W = 120
GAP = 6
HEADER_H = 84
ROW_H = 176
DAYS = 7
BACKGROUND = (246, 248, 250)
INK = (34, 34, 34)
MUTED = (110, 116, 124)
EMPTY = (221, 224, 228)
CELL_PAD = 4
MAX_SUMMARY_LINES = 3
MIN_SIZE = 12
TITLE = "长三角区域空气质量预报"
NOTE = "「趋势」为趋势预报，只有等级，暂无AQI数值"
POLLUTANT_NOTE = "首要污染物 " + " ".join(POLLUTANTS)
DIGITS = "0123456789-–—/:.·…年月日（）()「」、，：周 " + "".join(POLLUTANTS) + WEEKDAYS


def fixed_strings() -> list[str]:
    """Every string the picture draws that does not come from the forecast file."""
    legend = [f"{lv.name} {lv.word} {_band(lv)}" for lv in LEVELS]
    cells = [f"{lv.name}至{lv.short}至" for lv in LEVELS] + [
        "趋势",
        "无预报",
        "未来7天",
        "发布",
        "来源",
        "依据",
    ]
    return [TITLE, NOTE, POLLUTANT_NOTE, DIGITS, *provinces(), *legend, *cells]


def issue_strings(issue: ForecastIssue) -> list[str]:
    """The strings an issue adds: its source, standard and summary."""
    return [issue.source, issue.standard, issue.summary]


def render(issue: ForecastIssue, fmt: str = "PNG") -> bytes:
    """Draw the issue's picture; raise fonts.FontError rather than draw a glyph the font lacks."""
    choice = fonts.resolve("".join(fixed_strings()))
    lacking = fonts.missing(choice, "".join(issue_strings(issue)))
    if lacking:
        raise fonts.FontError(f"the font cannot draw {lacking!r} from the forecast's texts")
    days = columns(issue)
    summary = _wrap(issue.summary, choice, 26, WIDTH - 2 * MARGIN) if issue.summary else []
    grid_top = 180 + 40 * len(summary)
    height = grid_top + HEADER_H + len(provinces()) * (ROW_H + GAP) + 250
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _title(draw, choice, days, summary)
    _header(draw, choice, days, grid_top)
    for r, place in enumerate(provinces()):
        top = grid_top + HEADER_H + r * (ROW_H + GAP)
        draw.text(
            (MARGIN + LABEL_W / 2, top + ROW_H / 2), place, INK, fonts.font(choice, 36), anchor="mm"
        )
        for c, day in enumerate(days):
            _cell(draw, choice, issue.row(place, day), _column_x(c), top)
    _legend(draw, choice, height - 230)
    _footer(draw, choice, issue, height - 110)
    out = io.BytesIO()
    # zlib level 6 without optimize: 3x faster to draw, ~4% larger.
    image.save(out, fmt, compress_level=6) if fmt == "PNG" else image.save(out, fmt, quality=90)
    return out.getvalue()


def columns(issue: ForecastIssue) -> tuple[date, ...]:
    """Up to seven calendar days from the first: a day with no rows is a column of 无预报, not
    skipped (skipping would put 11/26 under the place of 11/25)."""
    if not issue.days:
        return ()
    first, last = issue.days[0], issue.days[-1]
    return tuple(first + timedelta(days=i) for i in range(min(DAYS, (last - first).days + 1)))


def _band(lv: Level) -> str:
    return (
        f">{lv.aqi_lo - 1}"
        if lv.number == len(LEVELS)
        else f"{lv.aqi_lo if lv.number > 1 else 0}–{lv.aqi_hi}"
    )


def _column_x(column: int) -> float:
    width = (WIDTH - 2 * MARGIN - LABEL_W - (DAYS - 1) * GAP) / DAYS
    return MARGIN + LABEL_W + column * (width + GAP)


def _column_w() -> float:
    return (WIDTH - 2 * MARGIN - LABEL_W - (DAYS - 1) * GAP) / DAYS


def _title(
    draw: ImageDraw.ImageDraw, choice: fonts.FontChoice, days: tuple[date, ...], summary: list[str]
) -> None:
    draw.text((WIDTH / 2, 70), TITLE, INK, fonts.font(choice, 52), anchor="mm")
    if days:
        draw.text((WIDTH / 2, 132), span_label(days), MUTED, fonts.font(choice, 28), anchor="mm")
    for i, line in enumerate(summary):
        draw.text((MARGIN, 172 + 40 * i), line, INK, fonts.font(choice, 26))


def span_label(days: tuple[date, ...]) -> str:
    """'未来7天 · 11月24日—11月30日'; an issue of three days says 3, not 7."""
    return f"未来{len(days)}天 · {_md(days[0])}—{_md(days[-1])}"


def _md(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _header(
    draw: ImageDraw.ImageDraw, choice: fonts.FontChoice, days: tuple[date, ...], top: int
) -> None:
    for c, day in enumerate(days):
        x = _column_x(c) + _column_w() / 2
        draw.text((x, top + 24), f"{day.month}/{day.day}", INK, fonts.font(choice, 30), anchor="mm")
        draw.text(
            (x, top + 60),
            f"周{WEEKDAYS[day.weekday()]}",
            MUTED,
            fonts.font(choice, 24),
            anchor="mm",
        )


def _cell(
    draw: ImageDraw.ImageDraw, choice: fonts.FontChoice, row: PlaceDay | None, x: float, top: int
) -> None:
    box = (x, top, x + _column_w(), top + ROW_H)
    if row is None:
        draw.rounded_rectangle(box, 14, EMPTY)
        draw.text(
            (x + _column_w() / 2, top + ROW_H / 2),
            "无预报",
            MUTED,
            fonts.font(choice, 24),
            anchor="mm",
        )
        return
    worse = level(row.level_hi)
    draw.rounded_rectangle(box, 14, worse.rgb)
    if row.level_lo != row.level_hi:
        # A range shows both colours: the better level as a band across the top.
        draw.rounded_rectangle(
            (x, top, x + _column_w(), top + 22),
            14,
            level(row.level_lo).rgb,
            corners=(True, True, False, False),
        )
    lines = cell_layout(choice, row)
    y = top + ROW_H / 2 - (len(lines) - 1) * 17 + 8
    for line, size in lines:
        draw.text(
            (x + _column_w() / 2, y), line, _ink(worse), fonts.font(choice, size), anchor="mm"
        )
        y += 34


def _cell_lines(row: PlaceDay) -> list[tuple[str, int]]:
    """(text, size) per line: the level (or a range's two ends), AQI range, pollutants."""
    first, last = level(row.level_lo), level(row.level_hi)
    # 轻度污染至中度污染 does not fit a column: CNEMC's compressed 轻至中度污染 does.
    start = first.short if last.name.endswith("度污染") else first.name
    names = [first.name] if first == last else [f"{start}至", last.name]
    numbers = "趋势" if row.is_trend else f"{row.aqi_min}–{row.aqi_max}"
    # Up to three pollutants on a line; six would run into the neighbouring columns.
    chunks = [row.pollutants[i : i + 3] for i in range(0, len(row.pollutants), 3)] or [()]
    return [*((n, 28) for n in names), (numbers, 26), *(("/".join(c), 22) for c in chunks)]


def cell_layout(choice: fonts.FontChoice, row: PlaceDay) -> list[tuple[str, int]]:
    """The cell's lines, each at the largest size (up to its own) that fits the column."""
    room = _column_w() - 2 * CELL_PAD
    fitted = []
    for text, size in _cell_lines(row):
        while size > MIN_SIZE and fonts.font(choice, size).getlength(text) > room:
            size -= 1
        fitted.append((text, size))
    return fitted


def _ink(lv: Level) -> tuple[int, int, int]:
    """Dark text on green, yellow and orange; white on red, purple and maroon."""
    return INK if lv.number <= 3 else (255, 255, 255)


def _legend(draw: ImageDraw.ImageDraw, choice: fonts.FontChoice, top: int) -> None:
    step = (WIDTH - 2 * MARGIN) / len(LEVELS)
    for i, lv in enumerate(LEVELS):
        x = MARGIN + i * step
        draw.rounded_rectangle((x, top, x + 30, top + 30), 6, lv.rgb, outline=(200, 200, 200))
        draw.text((x + 40, top + 15), lv.name, INK, fonts.font(choice, 24), anchor="lm")
        draw.text(
            (x + 40, top + 50), f"{lv.word} {_band(lv)}", MUTED, fonts.font(choice, 20), anchor="lm"
        )
    draw.text((MARGIN, top + 90), NOTE, MUTED, fonts.font(choice, 22))


def _footer(
    draw: ImageDraw.ImageDraw, choice: fonts.FontChoice, issue: ForecastIssue, top: int
) -> None:
    at = issue.issued_at
    draw.text(
        (MARGIN, top),
        f"发布：{at.year}年{at.month}月{at.day}日 {at:%H:%M}　来源：{issue.source}",
        INK,
        fonts.font(choice, 24),
    )
    draw.text(
        (MARGIN, top + 40),
        f"依据 {issue.standard} · {POLLUTANT_NOTE}",
        MUTED,
        fonts.font(choice, 22),
    )


def _wrap(text: str, choice: fonts.FontChoice, size: int, width: float) -> list[str]:
    """Break a summary into lines that fit, never inside a Latin word or number; at most three."""
    lines, current = [], ""
    for token in re.findall(r"[A-Za-z0-9.]+|.", text):
        if current and fonts.font(choice, size).getlength(current + token) > width:
            lines.append(current)
            current = ""
        current += token
    lines = [*lines, current] if current or lines else []
    if len(lines) > MAX_SUMMARY_LINES:  # say it was cut rather than stop mid-word
        lines = [*lines[: MAX_SUMMARY_LINES - 1], lines[MAX_SUMMARY_LINES - 1][:-1] + "…"]
    return lines
