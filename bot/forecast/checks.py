"""Checks of one forecast row's cells; each reports problems through `bad(column, message)`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from bot.forecast import levels
from bot.places import provinces, region_names
from bot.text import compact

MAX_DAYS_AHEAD = 14
Bad = Callable[[str, str], None]


def date_cell(value: str, issued_at: datetime, bad: Bad) -> date | None:
    """A real date, from the issue day to MAX_DAYS_AHEAD days after it."""
    try:
        day = _parse_date(value)
    except ValueError:
        shape = (
            len(value.replace("/", "-").split("-")) == 3
            and value.replace("/", "").replace("-", "").isdigit()
        )
        bad("date", f"日期「{value}」不存在" if shape else f"日期「{value}」应为 YYYY-MM-DD")
        return None
    first = issued_at.date()
    if day < first:
        bad("date", f"日期 {day} 早于发布日期 {first}")
    elif day > first + timedelta(days=MAX_DAYS_AHEAD):
        bad("date", f"日期 {day} 超出发布日期后 {MAX_DAYS_AHEAD} 天")
    return day


def _parse_date(value: str) -> date:
    """2026-11-05, and 2026/11/5 as spreadsheets write it (fromisoformat wants two digits)."""
    parts = value.replace("/", "-").split("-")
    if len(parts) == 3 and all(p.isdecimal() for p in parts) and len(parts[0]) == 4:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    return date.fromisoformat(value)


def place_cell(value: str, bad: Bad) -> str | None:
    """A province or one of the 41 cities; 江苏省, 上海市 and traditional forms too."""
    name = compact(value)
    for suffix in ("省", "市"):
        if name.endswith(suffix) and name[: -len(suffix)] in region_names():
            name = name[: -len(suffix)]
    if name in region_names():
        return name
    bad("region", f"未知地区「{value}」，应为{'/'.join(provinces())}或长三角41个城市之一")
    return None


def aqi_cells(lo: str, hi: str, bad: Bad) -> tuple[int, int] | None:
    """Both AQI ends (0-500, min <= max), or neither for a trend day."""
    if not lo and not hi:
        return None  # a trend day: levels only
    values = []
    for column, value in (("aqi_min", lo), ("aqi_max", hi)):
        if not value:
            bad(column, "另一端 AQI 已填写，此处不能为空（趋势预报两端都留空）")
        elif not value.isdecimal() or int(value) > levels.AQI_MAX:
            bad(column, f"AQI「{value}」应为 0–{levels.AQI_MAX} 的整数")
        else:
            values.append(int(value))
    if len(values) != 2:
        return None
    if values[0] > values[1]:
        bad("aqi_min", f"aqi_min {values[0]} 大于 aqi_max {values[1]}")
        return None
    return values[0], values[1]


def level_cell(value: str, aqi: tuple[int, int] | None, bad: Bad) -> tuple[int, int] | None:
    """A level or range, matching the AQI range when there is one."""
    try:
        lo_hi = levels.parse_level(value)
    except ValueError:
        names = "/".join(lv.name for lv in levels.LEVELS)
        bad("level", f"等级「{value}」无法识别，应为 {names} 之一或范围（如 良至轻度污染）")
        return None
    if aqi is not None:
        expected = (levels.level_for_aqi(aqi[0]).number, levels.level_for_aqi(aqi[1]).number)
        if lo_hi != expected:
            bad(
                "level",
                f"等级「{value}」与 AQI {aqi[0]}–{aqi[1]} 不符，"
                f"应为「{levels.level_text(*expected)}」",
            )
    return lo_hi


def pollutant_cell(
    value: str, aqi: tuple[int, int] | None, lo_hi: tuple[int, int] | None, bad: Bad
) -> tuple[str, ...]:
    """Known pollutants, and none when the AQI is at most 50 (HJ 633)."""
    try:
        found = levels.parse_pollutants(value)
    except ValueError as exc:
        bad(
            "primary_pollutant",
            f"未知污染物「{exc}」，应为 {'/'.join(levels.POLLUTANTS)}，无则留空",
        )
        return ()
    clean = (aqi is not None and aqi[1] <= 50) or (aqi is None and lo_hi == (1, 1))
    if found and clean:
        bad("primary_pollutant", "AQI 不超过 50（优）时没有首要污染物，请留空")
    return found
