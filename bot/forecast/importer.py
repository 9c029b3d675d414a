"""Read a forecast file (CSV or JSON, UTF-8) into a ForecastIssue: all of it, or nothing.

Every problem is collected, with its line (CSV) or item (JSON) and column, so an editor fixes a
file in one go instead of one error per upload.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from bot.forecast import checks
from bot.forecast.model import DEFAULT_SOURCE, ZONE, ForecastIssue, PlaceDay

REQUIRED = ("date", "region", "aqi_min", "aqi_max", "level", "primary_pollutant")
OPTIONAL = ("issued_at",)
META = ("issued_at", "source", "standard", "summary", "health_tip")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; line is the CSV line or the JSON item number."""

    line: int | None
    column: str | None
    message: str
    unit: str = "行"

    def __str__(self) -> str:
        where = f"第{self.line}{self.unit}" if self.line else "文件"
        return f"{where}{' ' + self.column if self.column else ''}：{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "text": str(self),
        }


class ImportRejected(ValueError):
    """The file was refused; `problems` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


@dataclass
class _Row:
    line: int
    values: dict[str, str]


def read_forecast(
    data: bytes, now: datetime, *, filename: str = "", source: str = ""
) -> ForecastIssue:
    """Parse and check a whole file; raise ImportRejected listing every problem."""
    text = _decode(data)
    unit = "条" if _is_json(text, filename) else "行"
    problems: list[Problem] = []
    meta, rows = (_json_rows if unit == "条" else _csv_rows)(text, problems)
    if not problems and not rows:
        problems.append(Problem(None, None, "没有数据行"))
    issued_at = _issued_at(meta, rows, now, problems, unit)
    place_days = _check_rows(rows, issued_at, problems, unit)
    if problems:
        raise ImportRejected([replace(p, unit=unit) for p in problems])
    return ForecastIssue(
        issued_at,
        tuple(place_days),
        source or meta.get("source") or DEFAULT_SOURCE,
        meta.get("standard", ""),
        meta.get("summary", ""),
        meta.get("health_tip", ""),
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = "，看起来是 GBK/GB18030，请另存为 UTF-8" if _is_gb(data) else ""
        raise ImportRejected([Problem(line, None, f"文件不是 UTF-8 编码{hint}")]) from None


def _is_gb(data: bytes) -> bool:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def _is_json(text: str, filename: str) -> bool:
    return filename.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{")


ColumnCheck = Callable[[list[str], int | None, list[Problem]], bool]


def _csv_rows(
    text: str, problems: list[Problem], check: ColumnCheck | None = None
) -> tuple[dict[str, str], list[_Row]]:
    """The rows of a CSV text under its header; `check` judges the header (events reuse this)."""
    # newline=None: old Mac files end lines with a bare CR, which csv refuses mid-field.
    reader = csv.reader(io.StringIO(text, newline=None))
    try:
        return {}, _csv_body(reader, problems, check or _check_columns)
    except csv.Error as exc:  # a NUL byte, an unterminated quote …
        problems.append(Problem(reader.line_num, None, f"CSV 格式错误：{exc}"))
        return {}, []


def _csv_body(reader: Any, problems: list[Problem], check: ColumnCheck) -> list[_Row]:
    cells = next(reader, [])
    while cells is not None and not any(c.strip() for c in cells):
        cells = next(reader, None)  # blank lines before the header
    header = [h.strip().lower() for h in cells or []]
    # Spreadsheets add unnamed trailing columns ("…,issued_at,"): fine while they stay empty.
    unnamed = {i for i, h in enumerate(header) if not h}
    if not check([h for h in header if h], reader.line_num, problems):
        return []
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(reader.line_num, None, f"有 {len(cells)} 列，表头有 {len(header)} 列")
            )
            continue
        if any(cells[i].strip() for i in unnamed):
            problems.append(Problem(reader.line_num, None, "没有列名的列里有内容"))
            continue
        values = {h: c.strip() for h, c in zip(header, cells, strict=True) if h}
        rows.append(_Row(reader.line_num, values))
    return rows


def _check_columns(header: list[str], line: int | None, problems: list[Problem]) -> bool:
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing:
        problems.append(
            Problem(line, None, f"缺少列：{', '.join(missing)}（应有 {','.join(REQUIRED)}）")
        )
    if unknown:
        problems.append(Problem(line, None, f"未知列：{', '.join(unknown)}"))
    doubled = sorted({c for c in header if header.count(c) > 1})
    if doubled:
        problems.append(Problem(line, None, f"重复的列：{', '.join(doubled)}"))
    return not (missing or unknown or doubled)


def _json_rows(text: str, problems: list[Problem]) -> tuple[dict[str, str], list[_Row]]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(exc.lineno, None, f"不是有效的 JSON：{exc.msg}"))
        return {}, []
    except RecursionError:
        problems.append(Problem(None, None, "不是有效的 JSON：嵌套过深"))
        return {}, []
    meta: dict[str, str] = {}
    if isinstance(raw, dict):
        meta = {k: _cell(raw[k]) for k in META if k in raw}
        raw = raw.get("rows")
    if not isinstance(raw, list):
        problems.append(Problem(None, None, "JSON 应为数据行的数组，或含 rows 数组的对象"))
        return meta, []
    return meta, list(_json_items(raw, problems))


def _json_items(items: list[Any], problems: list[Problem]) -> Iterator[_Row]:
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(number, None, "应为一个对象"))
        elif _check_columns([k.lower() for k in item], number, problems):
            yield _Row(number, {k.lower(): _cell(v) for k, v in item.items()})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "/".join(map(str, value))
    return str(value).strip()


def _issued_at(
    meta: dict[str, str], rows: list[_Row], now: datetime, problems: list[Problem], unit: str
) -> datetime:
    """From the file's issued_at (one value for the whole file), else the import time."""
    seen: dict[str, int | None] = {}
    given: list[tuple[str, int | None]] = [(meta.get("issued_at", ""), None)] + [
        (r.values.get("issued_at", ""), r.line) for r in rows
    ]
    for value, line in given:
        if value:  # the same time may be written two ways: 16:00 and 16:00:00+08:00
            seen.setdefault(_same_time(value), line)
    if len(seen) > 1:
        lines = "、".join(f"第{n}{unit}" for n in seen.values() if n)
        problems.append(Problem(None, "issued_at", f"同一文件的发布时间应一致（{lines}各不相同）"))
    if not seen:
        return now.astimezone(ZONE)
    value, line = next(iter(seen.items()))
    try:
        return parse_datetime(value)
    except ValueError:
        problems.append(
            Problem(line, "issued_at", f"发布时间「{value}」无法识别，应为 YYYY-MM-DD HH:MM")
        )
        return now.astimezone(ZONE)


def _same_time(value: str) -> str:
    """One spelling per instant, so equal times written differently do not count as two."""
    try:
        return parse_datetime(value).isoformat()
    except ValueError:
        return value


def parse_datetime(value: str) -> datetime:
    """'2026-11-23 16:00' or ISO 8601; naive times are Asia/Shanghai."""
    parsed = datetime.fromisoformat(value.strip().replace("/", "-"))
    return parsed.replace(tzinfo=ZONE) if parsed.tzinfo is None else parsed.astimezone(ZONE)


def _check_rows(
    rows: list[_Row], issued_at: datetime, problems: list[Problem], unit: str
) -> list[PlaceDay]:
    seen: dict[tuple[str, date], int] = {}
    result = []
    for row in rows:
        checked = _check_row(row, issued_at, problems)
        if checked is None:
            continue
        key = (checked.place, checked.day)
        if key in seen:
            problems.append(
                Problem(
                    row.line,
                    "date,region",
                    f"与第{seen[key]}{unit}重复（{checked.place} {checked.day:%Y-%m-%d}）",
                )
            )
            continue
        seen[key] = row.line
        result.append(checked)
    return result


def _check_row(row: _Row, issued_at: datetime, problems: list[Problem]) -> PlaceDay | None:
    """Check one row; record every problem in it, return it only if it has none."""
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(Problem(row.line, column, message))

    v = row.values
    day = checks.date_cell(v["date"], issued_at, bad)
    place = checks.place_cell(v["region"], bad)
    aqi = checks.aqi_cells(v["aqi_min"], v["aqi_max"], bad)
    lo_hi = checks.level_cell(v["level"], aqi, bad)
    pollutants = checks.pollutant_cell(v["primary_pollutant"], aqi, lo_hi, bad)
    if len(problems) > before or day is None or place is None or lo_hi is None:
        return None
    return PlaceDay(
        place, day, lo_hi[0], lo_hi[1], aqi[0] if aqi else None, aqi[1] if aqi else None, pollutants
    )
