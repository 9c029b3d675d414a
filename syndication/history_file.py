"""Reading a back-catalogue file for `csj post import-history`: every problem, with its place.

CSV (UTF-8, an Excel BOM is fine): the header `title,date` then one column per account id; each
row is one article, each account cell its URL on that account, empty where it did not carry it.
JSON: a list of objects with the same keys. Nothing is stored from here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import Config
from syndication.articles import ArticleError

TITLE_CHARS = 64
URL_BYTES = 2048


@dataclass(frozen=True)
class HistoryRow:
    """One back-catalogue article: where it is in the file, and its URL per account."""

    place: str  # "第3行" (CSV) or "第3条" (JSON), for messages
    title: str
    day: date
    urls: dict[str, str]


def read_history_file(path: Path, config: Config, today: date) -> list[HistoryRow]:
    """Read and check a CSV or JSON history file; raise ArticleError listing every problem."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ArticleError([f"无法读取文件 {path}：{exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise ArticleError([f"{path.name}：不是 UTF-8 编码的文本"]) from None
    if path.suffix.lower() == ".json":
        cells = _json_cells(text, config)
    else:
        cells = _csv_cells(text, config)
    return check_rows(cells, config, today)


Cells = list[tuple[str, dict[str, tuple[str, str]]]]  # (place, name -> (place of cell, value))


def _csv_cells(text: str, config: Config) -> Cells:
    rows = [
        (n, r) for n, r in enumerate(csv.reader(io.StringIO(text)), 1) if any(c.strip() for c in r)
    ]
    if not rows:
        raise ArticleError(["文件是空的：第一行应为表头 title,date,账号…"])
    line, header = rows[0]
    names = [h.strip() for h in header]
    problems = _header_problems(names, config, lambda i: f"第{line}行第{i + 1}列")
    out: Cells = []
    for number, row in rows[1:]:
        if len(row) != len(names):
            problems.append(f"第{number}行：有 {len(row)} 列，表头有 {len(names)} 列")
            continue
        out.append(
            (
                f"第{number}行",
                {
                    n: (f"第{number}行第{i + 1}列（{n}）", v.strip())
                    for i, (n, v) in enumerate(zip(names, row, strict=True))
                },
            )
        )
    if problems:
        raise ArticleError(problems)
    return out


def _header_problems(names: list[str], config: Config, where: Any) -> list[str]:
    if names[:2] != ["title", "date"]:
        return [f"{where(0)}：表头应以 title,date 开头，后面每列一个账号 id"]
    problems = []
    for i, name in enumerate(names[2:], 2):
        if name not in config.accounts:
            known = "、".join(config.accounts)
            problems.append(f"{where(i)}：未知的账号 {name or '（空）'}（可选：{known}）")
        elif names.index(name) != i:
            problems.append(f"{where(i)}：账号 {name} 的列重复")
    if len(names) == 2:
        problems.append(f"{where(1)}：表头没有账号列（title,date 之后每列一个账号 id）")
    return problems


def _json_cells(text: str, config: Config) -> Cells:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ArticleError([f"JSON 格式错误：{exc}"]) from None
    if not isinstance(data, list) or not data:
        raise ArticleError(["JSON 应为一个非空列表，每项一篇文章：{title, date, 账号: 链接…}"])
    problems, out = [], []
    for number, item in enumerate(data, 1):
        place = f"第{number}条"
        if not isinstance(item, dict):
            problems.append(f"{place}：应为一个对象")
            continue
        keys = [str(k) for k in item]
        for key in keys:
            if key not in ("title", "date") and key not in config.accounts:
                problems.append(
                    f"{place}（{key}）：未知的账号 {key}（可选：{'、'.join(config.accounts)}）"
                )
        values = {
            k: (f"{place}（{k}）", "" if v is None else str(v).strip()) for k, v in item.items()
        }
        out.append((place, values))
    if problems:
        raise ArticleError(problems)
    return out


def check_rows(cells: Cells, config: Config, today: date) -> list[HistoryRow]:
    """Each row checked, then the file as a whole (duplicates); raise with every problem."""
    problems: list[str] = []
    rows = [row for place, values in cells if (row := _row(place, values, config, today, problems))]
    seen: dict[tuple[date, str], str] = {}
    used: dict[tuple[str, str], str] = {}
    for row in rows:
        first = seen.setdefault((row.day, row.title), row.place)
        if first != row.place:
            problems.append(f"{row.place}：与{first}重复（同一标题和日期）")
        for account, url in row.urls.items():
            earlier = used.setdefault((account, url), row.place)
            if earlier != row.place:
                problems.append(f"{row.place}：账号 {account} 的链接与{earlier}相同")
    if not cells:
        problems.append("文件里没有文章（表头之后每行一篇）")
    if problems:
        raise ArticleError(problems)
    return rows


def _row(
    place: str, values: dict[str, tuple[str, str]], config: Config, today: date, problems: list[str]
) -> HistoryRow | None:
    before = len(problems)
    title_at, title = values.get("title", (f"{place}（title）", ""))
    if not title:
        problems.append(f"{title_at}：标题为空")
    elif len(title) > TITLE_CHARS:
        problems.append(f"{title_at}：标题过长（{len(title)} 字，最多 {TITLE_CHARS} 字）")
    day = _day(values.get("date", (f"{place}（date）", "")), today, problems)
    urls = {}
    for name, (where, value) in values.items():
        if name in config.accounts and value:
            if _url_ok(value):
                urls[name] = value
            else:
                problems.append(f"{where}：链接 {value[:80]} 不是有效的 http(s) 地址")
    if not urls and len(problems) == before:
        problems.append(f"{place}：没有任何账号的链接（至少一个账号发布过才算往期文章）")
    if len(problems) > before or day is None:
        return None
    return HistoryRow(place, title, day, urls)


def _day(cell: tuple[str, str], today: date, problems: list[str]) -> date | None:
    where, text = cell
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        problems.append(f"{where}：日期 {text or '（空）'} 不是 YYYY-MM-DD 格式")
        return None
    if day > today:
        problems.append(f"{where}：日期 {text} 在今天之后，往期文章应已发布")
        return None
    return day


def _url_ok(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() for c in url)
        and len(url.encode()) <= URL_BYTES
    )
