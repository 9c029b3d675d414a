"""Forecast answers in words, short enough for a phone screen and WeChat's 2048-byte text limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.forecast.levels import level, pollutant_names
from bot.forecast.model import ForecastIssue, PlaceDay
from bot.places import cities, provinces

WEEKDAYS = "一二三四五六日"
RELATIVE = {0: "今天", 1: "明天", 2: "后天"}
MAX_BYTES = 1900  # WeChat cuts passive text replies at 2048 bytes; room for one more line
CARD_HINT = "回复「一图可见」查看未来7天预报图"
NO_FORECAST = "暂时还没有空气质量预报，请稍后再来查询。"
# Composed answers kept with each forecast issue (bot.forecast.model.ForecastIssue.memo).
COMPOSED_PER_ISSUE = 1024


@dataclass(frozen=True)
class Ask:
    """A question, resolved: places to answer, days, and how they were named."""

    places: tuple[str, ...]
    days: tuple[date, ...]
    today: date
    via: tuple[tuple[str, str], ...] = ()


def day_label(day: date, today: date) -> str:
    """'11月25日（周三，明天）'."""
    relative = RELATIVE.get((day - today).days)
    relative_part = f"，{relative}" if relative else ""
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}{relative_part}）"


def short_day(day: date) -> str:
    """'11/25 周三'."""
    return f"{day.month}/{day.day} 周{WEEKDAYS[day.weekday()]}"


def aqi_text(row: PlaceDay) -> str:
    return "趋势预报，暂无具体数值" if row.is_trend else f"{row.aqi_min}–{row.aqi_max}"


def pollutant_text(row: PlaceDay) -> str:
    return pollutant_names(row.pollutants) if row.pollutants else "无"


def not_covered(outside: tuple[str, ...]) -> str:
    """The answer for places outside the region: what is covered instead, never numbers."""
    names = "、".join(outside)
    return (
        f"抱歉，{names}不在本预报范围内。\n"
        f"本预报覆盖长三角三省一市（{'、'.join(provinces())}）及{len(cities())}个地级及以上城市，"
        f"例如：明天南京空气、杭州后天、上海周六。\n{CARD_HINT}"
    )


def footer(issue: ForecastIssue) -> str:
    at = issue.issued_at
    return f"发布：{at.month}月{at.day}日 {at:%H:%M} · {issue.source}"


def compose(
    issue: ForecastIssue | None, ask: Ask, *, shortened: bool = False, budget: int = MAX_BYTES
) -> str:
    """The whole answer for the asked places and days; too long for WeChat (or for the `budget`
    bytes a caller leaves it), fewer days and a pointer to the picture."""
    if issue is None:
        return NO_FORECAST
    memo = issue.memo()
    key = ("compose", ask, shortened, budget)  # `ask` holds today: a new day composes afresh
    text = memo.get(key)
    if text is None:
        if len(memo) >= COMPOSED_PER_ISSUE:
            memo.popitem(last=False)  # the oldest out: bounded per issue
        text = memo[key] = _compose(issue, ask, shortened, budget)
    return text


def _compose(issue: ForecastIssue, ask: Ask, shortened: bool, budget: int) -> str:
    covered = [d for d in ask.days if d in issue.days]
    notes = _range_notes(issue, ask, covered)
    if not covered:
        return "\n".join([*notes, f"本期预报覆盖{_span(issue)}。", CARD_HINT, footer(issue)])
    blocks, shown, fallbacks = _blocks(issue, ask, covered)
    lines = [*blocks, *fallbacks, *notes, *_advice(issue, shown), footer(issue)]
    if shortened:
        lines.append(CARD_HINT)
    text = "\n".join(lines)
    if len(text.encode()) <= budget:
        return text
    if len(covered) > 1:
        fewer = Ask(ask.places, tuple(covered[: len(covered) // 2]), ask.today, ask.via)
        return compose(issue, fewer, shortened=True, budget=budget)
    if len(ask.places) > 1:  # one day, but too many places for one message
        kept = ask.places[: len(ask.places) // 2]
        via = tuple(v for v in ask.via if v[1] in kept)
        return compose(
            issue, Ask(kept, tuple(covered), ask.today, via), shortened=True, budget=budget
        )
    return text


def _span(issue: ForecastIssue) -> str:
    first, last = issue.days[0], issue.days[-1]
    return f"{first.month}月{first.day}日至{last.month}月{last.day}日"


def _range_notes(issue: ForecastIssue, ask: Ask, covered: list[date]) -> list[str]:
    past = [d for d in ask.days if d < ask.today]
    beyond = [d for d in ask.days if d not in covered and d >= ask.today]
    notes = []
    if past:
        notes.append(f"{_dates(past)}已经过去，这里只有预报。")
    if beyond:
        notes.append(f"{_dates(beyond)}超出本期预报范围，新一期发布后再来查询。")
    return notes


def _dates(days: list[date]) -> str:
    shown = "、".join(f"{d.month}月{d.day}日" for d in days[:3])
    return shown + ("等" if len(days) > 3 else "")


def _blocks(
    issue: ForecastIssue, ask: Ask, days: list[date]
) -> tuple[list[str], list[PlaceDay], list[str]]:
    """Text per place; the rows shown (for the advice); notes on places answered by another."""
    blocks: list[str] = []
    shown: list[PlaceDay] = []
    fallbacks = [f"{typed}按{place}全市预报。" for typed, place in ask.via]
    detailed = len(ask.places) == 1 and len(days) == 1
    for place in ask.places:
        rows = [r for r in (issue.answer(place, d) for d in days) if r is not None]
        if not rows:
            fallbacks.append(f"本期暂无{place}的预报。")
            continue
        fallbacks.extend(_borrowed_note(place, rows))
        shown.extend(rows)
        blocks.append(
            _detail(place, rows[0], ask.today) if detailed else _compact(place, rows, len(days))
        )
    if any(r.is_trend for r in shown) and not detailed:
        fallbacks.append("注：「趋势」表示趋势预报，只有等级，暂无AQI数值。")
    return blocks, shown, fallbacks


def _borrowed_note(place: str, rows: list[PlaceDay]) -> list[str]:
    """Say when a city is answered with its province's forecast, and for which days."""
    borrowed = [r for r in rows if r.place != place]
    if not borrowed:
        return []
    days = "" if len(borrowed) == len(rows) else _dates([r.day for r in borrowed])
    return [f"{place}{days}暂无单独预报，以上为{borrowed[0].place}全省预报。"]


def _detail(label: str, row: PlaceDay, today: date) -> str:
    return "\n".join(
        [
            f"【{label}】{day_label(row.day, today)}",
            f"空气质量：{row.level_text}",
            f"AQI：{aqi_text(row)}",
            f"首要污染物：{pollutant_text(row)}",
        ]
    )


def _compact(label: str, rows: list[PlaceDay], asked: int) -> str:
    if asked == 1 and rows:
        return f"【{label}】{_line(rows[0])}"
    return "\n".join(
        [f"【{label}】", *(_line(r) for r in rows)] if rows else [f"【{label}】暂无这几天的预报"]
    )


def _line(row: PlaceDay) -> str:
    numbers = "趋势" if row.is_trend else f"AQI {row.aqi_min}–{row.aqi_max}"
    pollutants = f" {'/'.join(row.pollutants)}" if row.pollutants else ""
    return f"{short_day(row.day)} {row.level_text} {numbers}{pollutants}"


def _advice(issue: ForecastIssue, rows: list[PlaceDay]) -> list[str]:
    """The worse level's advice (the conservative choice), and the forecasters' own tip if any."""
    if not rows:
        return []
    worst = level(max(r.level_hi for r in rows))
    lines = [f"健康提示（{worst.name}）：{worst.advice}。"]
    if issue.health_tip:
        lines.append(issue.health_tip)
    return lines
