"""Days in a follower's words: 今天, 后天, 周六, 下周三, 这周末, 25号, 11月25日, 未来三天, 一周 …

All relative to `today` (Asia/Shanghai, from the injected clock). Each rule blanks the words it
read, so later rules (and place matching) do not read them again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

# From this time of day a question with no day is about tomorrow: today is nearly over.
EVENING_CUTOVER = time(20, 0)
WEEK_DAYS = 7
BLANK = "\x00"

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
# A number as people write it: 25, 二十五, 十, 两, or two neighbours for a range (三四天 → 4).
NUM = r"(\d{1,2}|[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九]{1,2})"
# Monday is 0; 日, 天 and 7 are Sunday.
_WEEKDAY = (
    {c: i for i, c in enumerate("一二三四五六日")}
    | {"天": 6, "七": 6}
    | {str(i + 1): i for i in range(7)}
)


def default_day(now: datetime) -> date:
    """The day a question with no day is about: today, or tomorrow from the evening on."""
    return now.date() + timedelta(days=1 if now.time() >= EVENING_CUTOVER else 0)


def cn_number(text: str) -> int:
    """'25' → 25, '二十五' → 25, '十' → 10, '两' → 2, '三四' (三四天) → 4, the wider reading."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return max(_CN_DIGITS[c] for c in text)


DayRule = tuple[re.Pattern[str], Callable[[re.Match[str], date], list[date]]]


def _span(today: date, first: int, count: int) -> list[date]:
    return [today + timedelta(days=first + i) for i in range(count)]


def _month_day(month: int, day: int, today: date) -> list[date]:
    """M月N日 in the year that puts it nearest to today (late December asks about January)."""
    for year in (today.year, today.year + 1, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 2月29日 exists only in leap years; 13月 in none
        if abs((candidate - today).days) <= 183:
            return [candidate]
    return []


def _day_of_month(day: int, today: date) -> list[date]:
    """N号: this month's if it has not passed, else next month's."""
    month, year = (
        (today.month, today.year)
        if day >= today.day
        else (today.month % 12 + 1, today.year + (today.month == 12))
    )
    try:
        return [date(year, month, day)]
    except ValueError:
        return []


def _month_end(today: date) -> date:
    """月底: the last day of this month (today, on that day)."""
    first_of_next = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _weekday(m: re.Match[str], today: date) -> list[date]:
    """周X: the next one (today included); 下周X: next week's; 这周X: this week's, even if past."""
    prefix, which = m.group(1) or "", m.group(2)
    monday = today - timedelta(days=today.weekday())
    weeks = {"下下": 2, "下": 1, "这": 0, "本": 0, "上": -1}.get(prefix)
    if which == "末":
        start = monday + timedelta(weeks=weeks or 0)
        return [
            d for d in (start + timedelta(days=5), start + timedelta(days=6)) if weeks or d >= today
        ]
    wanted = _WEEKDAY[which]
    if weeks is None:
        return [today + timedelta(days=(wanted - today.weekday()) % 7)]
    return [monday + timedelta(weeks=weeks, days=wanted)]


def _whole_week(m: re.Match[str], today: date) -> list[date]:
    """这周/本周 without a day: today to Sunday; 下周: next Monday to Sunday."""
    if m.group(1) == "下":
        return _span(today, 7 - today.weekday(), 7)
    return _span(today, 0, 7 - today.weekday())


DAY_RULES: list[DayRule] = [
    (
        re.compile(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})[日号]?"),
        lambda m, t: _exact(int(m.group(1)), int(m.group(2)), int(m.group(3))),
    ),
    (
        re.compile(NUM + r"月" + NUM + r"[日号]?"),
        lambda m, t: _month_day(cn_number(m.group(1)), cn_number(m.group(2)), t),
    ),
    (
        re.compile(r"(?<![\d.])(\d{1,2})[-/](\d{1,2})(?![\d.])"),
        lambda m, t: _month_day(int(m.group(1)), int(m.group(2)), t),
    ),
    (
        # 11.25 and 12.4; not the 2.5 of pm2.5 (also written "pm 2.5"), nor a decimal like 1.5.3.
        re.compile(r"(?<!pm)(?<!pm )(?<![\da-z.])(\d{1,2})\.(\d{1,2})(?![\d.])"),
        lambda m, t: _month_day(int(m.group(1)), int(m.group(2)), t),
    ),
    (re.compile(r"(?:这个|本|这)?月(?:底|末)"), lambda m, t: [_month_end(t)]),
    (
        re.compile(r"(?:未来|接下来|最近|今后|往后|近)" + NUM + r"(?:天|日)"),
        lambda m, t: _span(t, 0, cn_number(m.group(1))),
    ),
    (re.compile(NUM + r"天(?:内|之内|以内)"), lambda m, t: _span(t, 0, cn_number(m.group(1)))),
    (
        # Not the 一周 of 周一周二 or of 下一周 (next week, below).
        re.compile(
            r"(?:未来|接下来|最近|近)?(?<![周期拜下])(?:一周|七天|7天|1周|一星期|一个星期|几天|这几天)"
        ),
        lambda m, t: _span(t, 0, WEEK_DAYS),
    ),
    # 周天 is Sunday, but 这周天气 is this week's weather.
    (
        re.compile(r"(下下|下|这|本|上)?个?(?:周|星期|礼拜)(末|[一二三四五六日七1-7]|天(?!气))"),
        _weekday,
    ),
    (re.compile(r"(下|这|本)[个一]?(?:周|星期|礼拜)"), _whole_week),
    (re.compile(NUM + r"天(?:后|以后|之后)"), lambda m, t: _span(t, cn_number(m.group(1)), 1)),
    (re.compile(r"明后天|明后两天"), lambda m, t: _span(t, 1, 2)),
    (re.compile(r"这两天|这两日|这俩天"), lambda m, t: _span(t, 0, 2)),
    (re.compile(r"大后天"), lambda m, t: _span(t, 3, 1)),
    (re.compile(r"后天"), lambda m, t: _span(t, 2, 1)),
    (re.compile(r"明天|明日|明儿|明早|明晚|明白天|tomorrow"), lambda m, t: _span(t, 1, 1)),
    (
        re.compile(r"今天|今日|今儿|今晚|今早|今夜|今明|现在|当前|目前|此刻|实时|today|tonight"),
        lambda m, t: _span(t, 0, 1),
    ),
    (re.compile(r"大前天"), lambda m, t: _span(t, -3, 1)),
    (re.compile(r"前天"), lambda m, t: _span(t, -2, 1)),
    (re.compile(r"昨天|昨日|昨晚"), lambda m, t: _span(t, -1, 1)),
    (re.compile(NUM + r"(?:号|日)"), lambda m, t: _day_of_month(cn_number(m.group(1)), t)),
]


# A part of the day alone is about today; after a day word (明天下午, 周六上午) it only refines it.
PART_OF_DAY = re.compile(r"早上(?!海)|早晨|凌晨|上午|中午|下午|傍晚|晚上(?!海)|夜间|白天|夜里")


def _exact(year: int, month: int, day: int) -> list[date]:
    try:
        return [date(year, month, day)]
    except ValueError:
        return []


def take_days(text: str, today: date) -> tuple[str, list[date], list[str]]:
    """Every day named in the text, the text with those words blanked, and the date words
    that name no real day (11月31日, 2月30号), so the answer can say so instead of guessing."""
    days: list[date] = []
    impossible: list[str] = []
    for pattern, resolve in DAY_RULES:
        if not pattern.search(text):
            continue  # most texts name one day or none: skip the rest cheaply (issue 13)
        for m in pattern.finditer(text):
            found = resolve(m, today)
            days.extend(found)
            if not found:
                impossible.append(m.group(0))
            if m.group(0) == "今明":
                days.extend(_span(today, 1, 1))
        text = pattern.sub(lambda m: BLANK * len(m.group(0)), text)
    if PART_OF_DAY.search(text) and not days:
        days.append(today)
    text = PART_OF_DAY.sub(lambda m: BLANK * len(m.group(0)), text)
    return text, days, impossible
