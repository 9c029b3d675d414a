"""Read events from a CSV or JSON file (UTF-8), or from `csj events add`: all of them, or none.

Every problem is listed with its line (CSV) or item (JSON) and column, as the forecast import
does, so an editor fixes the file in one go.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

# The decoder, the CSV reader and the problem vocabulary are the forecast import's: one voice
# for editors, one reader that copes with what spreadsheets write.
from bot.events.model import KINDS, ZONE, Event
from bot.forecast import importer as forecast_importer
from bot.forecast.checks import place_cell
from bot.forecast.importer import ImportRejected, Problem, _decode, parse_datetime

COLUMNS = (
    "title",
    "kind",
    "region",
    "place",
    "start",
    "end",
    "capacity",
    "signup_opens",
    "signup_closes",
    "description",
    "link",
)
OPTIONAL = ("lat", "lng", "waitlist")
MAX_TITLE = 40
MAX_PLACE = 60
MAX_DESCRIPTION = 300
MAX_CAPACITY = 100_000
MAX_AHEAD = timedelta(days=400)
Bad = Callable[[str, str], None]

__all__ = ["COLUMNS", "ImportRejected", "Problem", "check_event", "read_events"]


def read_events(
    data: bytes, now: datetime, *, filename: str = "", known: Iterable[Event] = ()
) -> list[Event]:
    """Parse and check a whole file; raise ImportRejected listing every problem."""
    text = _decode(data)
    is_json = filename.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{")
    unit = "条" if is_json else "行"
    problems: list[Problem] = []
    rows = (_json_rows if is_json else _csv_rows)(text, problems)
    if not problems and not rows:
        problems.append(Problem(None, None, "没有活动行", unit))
    seen = {(e.title, e.start): f"已有活动 #{e.number} " for e in known}
    events = []
    for line, values in rows:
        event = _checked_row(line, values, now, problems, unit)
        if event is None:
            continue
        twin = seen.get((event.title, event.start))
        if twin:
            problems.append(Problem(line, "title,start", f"与{twin}重复（同名同时间）", unit))
            continue
        seen[(event.title, event.start)] = f"第{line}{unit}"
        events.append(event)
    if problems:
        raise ImportRejected(problems)
    return events


def _checked_row(
    line: int, values: dict[str, str], now: datetime, problems: list[Problem], unit: str
) -> Event | None:
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(Problem(line, column, message, unit))

    event = check_event(values, now, bad)
    return event if len(problems) == before else None


def _csv_rows(text: str, problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    def check(header: list[str], line: int | None, found: list[Problem]) -> bool:
        return _columns_ok(header, line, found, "行")

    _, rows = forecast_importer._csv_rows(text, problems, check)
    return [(row.line, row.values) for row in rows]


def _json_rows(text: str, problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        problems.append(
            Problem(None, None, f"不是有效的 JSON：{getattr(exc, 'msg', '嵌套过深')}", "条")
        )
        return []
    if isinstance(raw, dict):
        raw = raw.get("events")
    if not isinstance(raw, list):
        problems.append(
            Problem(None, None, "JSON 应为活动对象的数组，或含 events 数组的对象", "条")
        )
        return []
    rows = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(number, None, "应为一个对象", "条"))
        elif _columns_ok([str(k).lower() for k in item], number, problems, "条"):
            rows.append((number, {str(k).lower(): _cell(v) for k, v in item.items()}))
    return rows


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _columns_ok(header: list[str], line: int | None, problems: list[Problem], unit: str) -> bool:
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS + OPTIONAL]
    doubled = sorted({c for c in header if header.count(c) > 1})
    for wrong, text in ((missing, "缺少列"), (unknown, "未知列"), (doubled, "重复的列")):
        if wrong:
            problems.append(Problem(line, None, f"{text}：{', '.join(wrong)}", unit))
    if missing:
        problems.append(Problem(line, None, f"表头应为 {','.join(COLUMNS)}", unit))
    return not (missing or unknown or doubled)


def check_event(values: dict[str, str], now: datetime, bad: Bad) -> Event | None:
    """Check one event's fields (strings, as a file or the command line gives them)."""
    title = _text(values, "title", MAX_TITLE, bad, required=True)
    kind = values.get("kind", "").strip()
    if kind not in KINDS:
        bad("kind", f"类型「{kind}」应为 {'/'.join(KINDS)} 之一")
    region = place_cell(values.get("region", ""), bad)
    place = _text(values, "place", MAX_PLACE, bad, required=True)
    start, end = _time(values, "start", bad), _time(values, "end", bad)
    opens = _time(values, "signup_opens", bad, default=now.astimezone(ZONE))
    closes = _time(values, "signup_closes", bad, default=start)
    capacity = _int(values, "capacity", 1, MAX_CAPACITY, bad)
    waitlist = _int(values, "waitlist", 0, MAX_CAPACITY, bad) if values.get("waitlist") else None
    description = _text(values, "description", MAX_DESCRIPTION, bad)
    link = _link(values.get("link", ""), bad)
    lat_lng = _coordinates(values, bad)
    _check_times(start, end, opens, closes, now, bad)
    if None in (title, region, place, start, end, opens, closes, capacity) or kind not in KINDS:
        return None
    return Event(
        title, kind, region, place, start, end, capacity, opens, closes,
        description or "", link or "", *(lat_lng or (None, None)), waitlist,
    )  # fmt: skip


def _text(
    values: dict[str, str], name: str, limit: int, bad: Bad, required: bool = False
) -> str | None:
    value = " ".join(values.get(name, "").split())
    if required and not value:
        bad(name, "不能为空")
        return None
    if len(value) > limit:
        bad(name, f"最多 {limit} 个字（现有 {len(value)} 个）")
        return None
    return value


def _time(
    values: dict[str, str], name: str, bad: Bad, default: datetime | None = None
) -> datetime | None:
    value = values.get(name, "").strip()
    if not value and default is not None:
        return default
    try:
        return parse_datetime(value)
    except ValueError:
        bad(name, f"时间「{value}」应为 YYYY-MM-DD HH:MM（北京时间）")
        return None


def _int(values: dict[str, str], name: str, low: int, high: int, bad: Bad) -> int | None:
    value = values.get(name, "").strip()
    if not value.isdecimal() or not low <= int(value) <= high:
        bad(name, f"「{value}」应为 {low}–{high} 的整数")
        return None
    return int(value)


def _link(value: str, bad: Bad) -> str | None:
    value = value.strip()
    parsed = urlparse(value)
    if value and (parsed.scheme not in ("http", "https") or not parsed.netloc):
        bad("link", f"链接「{value}」应以 http:// 或 https:// 开头")
        return None
    return value


def _coordinates(values: dict[str, str], bad: Bad) -> tuple[float, float] | None:
    lat, lng = values.get("lat", "").strip(), values.get("lng", "").strip()
    if not lat and not lng:
        return None
    try:
        point = float(lat), float(lng)
    except ValueError:
        bad("lat,lng", f"坐标「{lat},{lng}」应为两个数（纬度、经度），或都留空")
        return None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        bad("lat,lng", f"坐标「{lat},{lng}」超出范围")
        return None
    return point


def _check_times(
    start: datetime | None,
    end: datetime | None,
    opens: datetime | None,
    closes: datetime | None,
    now: datetime,
    bad: Bad,
) -> None:
    """The order the times must follow: now < start < end, opens < closes <= start."""
    if start and start <= now:
        bad("start", f"开始时间 {start:%Y-%m-%d %H:%M} 已经过去")
    if start and start > now + MAX_AHEAD:
        bad("start", f"开始时间 {start:%Y-%m-%d %H:%M} 超过一年以后")
    if start and end and end <= start:
        bad("end", f"结束时间 {end:%Y-%m-%d %H:%M} 应晚于开始时间")
    if opens and closes and closes <= opens:
        bad(
            "signup_closes",
            f"报名截止 {closes:%Y-%m-%d %H:%M} 应晚于报名开始 {opens:%Y-%m-%d %H:%M}",
        )
    if closes and start and closes > start:
        bad("signup_closes", f"报名截止 {closes:%Y-%m-%d %H:%M} 不能晚于活动开始")
