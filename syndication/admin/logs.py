"""The syndication log (/log, /log.csv) and the counts (/log/counts): any signed-in user."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context

from bot import ZONE
from bot.config import Config
from syndication import policy, records
from syndication.admin.auth import login_required

bp = Blueprint("logs", __name__)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
#: The export's cap: a year of a busy matrix is well under it, and a spreadsheet opens it quickly.
#: Past it the file ends with a row saying so (narrow the dates to get the rest).
CSV_MAX_ROWS = 100_000
COUNT_DAYS = 14
MAX_COUNT_DAYS = 92
FILTERS = ("account", "article", "status", "errcode", "since", "until")
STATUS_NAMES = {"": "全部", "ok": "成功", "error": "失败"}
#: The WeChat API calls syndication makes (syndication/steps.py, results.py), for editors.
STEP_NAMES = {
    "material/add_material": "上传封面",
    "media/uploadimg": "上传正文图片",
    "draft/add": "新建草稿",
    "draft/delete": "删除草稿",
    "draft/batchget": "核对草稿",
    "freepublish/submit": "提交发布",
    "freepublish/get": "查询发布结果",
    "freepublish/batchget": "核对已发布文章",
    "freepublish/getarticle": "获取文章链接",
    "message/mass/sendall": "群发",
    "message/mass/get": "查询群发结果",
}
_CURSOR = re.compile(r"\d{1,20}-\d{1,20}")
_ARTICLE = re.compile(r"[A-Za-z0-9_-]{1,32}")
#: Cells a spreadsheet would read as a formula (CSV injection): written with a leading '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = (
    "时间",
    "账号",
    "账号名称",
    "文章",
    "步骤",
    "错误码",
    "含义",
    "微信返回",
    "第几次",
    "耗时(毫秒)",
)


def _ext() -> dict[str, Any]:
    return current_app.extensions["csj_admin"]


@dataclass
class LogQuery:
    """The log page's query string, checked: the filter, paging, and what was wrong with it."""

    form: dict[str, str]
    where: records.LogFilter = field(default_factory=records.LogFilter)
    size: int = PAGE_SIZE
    before: str | None = None
    after: str | None = None
    errors: list[str] = field(default_factory=list)


def parse_query(args: Mapping[str, str], config: Config) -> LogQuery:
    """Read the filters and cursors; every bad value becomes one message in `errors`."""
    form = {name: args.get(name, "").strip() for name in FILTERS}
    query = LogQuery(form)
    since, until = _day(form["since"], "开始日期", query), _day(form["until"], "结束日期", query)
    if since and until and until < since:
        query.errors.append(f"结束日期 {until} 早于开始日期 {since}")
    query.where = records.LogFilter(
        account=_account(form["account"], config, query),
        article=_article(form["article"], query),
        status=_status(form["status"], query),
        errcode=_errcode(form["errcode"], query),
        since=_start(since),
        until=_start(until + timedelta(days=1)) if until else float("inf"),
    )
    query.size = _size(args.get("size", ""), query)
    query.before = _cursor(args.get("before", ""), query)
    query.after = _cursor(args.get("after", ""), query)
    return query


def _account(value: str, config: Config, query: LogQuery) -> str:
    if value and value not in config.accounts:
        query.errors.append(f"没有账号「{value}」")
    return value


def _article(value: str, query: LogQuery) -> str:
    if value and not _ARTICLE.fullmatch(value):
        query.errors.append(f"文章编号「{value}」不正确，应形如 A3")
    return value


def _status(value: str, query: LogQuery) -> str:
    if value not in STATUS_NAMES:
        query.errors.append(f"状态「{value}」不正确，应为 ok（成功）或 error（失败）")
        return ""
    return value


def _errcode(value: str, query: LogQuery) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        query.errors.append(f"错误码「{value}」应为整数，如 45009 或 -3")
        return None


def _day(value: str, label: str, query: LogQuery) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        query.errors.append(f"{label}「{value}」应为 YYYY-MM-DD 格式的日期，如 2026-12-01")
        return None


def _start(day: date | None) -> float:
    """The first second of the day in Asia/Shanghai (0 for no day)."""
    return datetime.combine(day, datetime.min.time(), ZONE).timestamp() if day else 0.0


def _size(value: str, query: LogQuery) -> int:
    if not value:
        return PAGE_SIZE
    if value.isdecimal() and 1 <= int(value) <= MAX_PAGE_SIZE:
        return int(value)
    query.errors.append(f"每页条数「{value}」应为 1 到 {MAX_PAGE_SIZE} 的整数")
    return PAGE_SIZE


def _cursor(value: str, query: LogQuery) -> str | None:
    if value and not _CURSOR.fullmatch(value):
        query.errors.append("翻页参数不正确：请回到第一页重新翻页")
        return None
    return value or None


def row(entry: records.LogEntry, config: Config) -> dict[str, Any]:
    """One log entry as the page and the export show it."""
    account = config.accounts.get(entry.account)
    return {
        "id": entry.id,
        "time": datetime.fromtimestamp(entry.at, ZONE).strftime("%Y-%m-%d %H:%M:%S"),
        "account": entry.account,
        "account_name": account.name if account else entry.account,
        "article": entry.article,
        "step": entry.step,
        "step_name": STEP_NAMES.get(entry.step, ""),
        "ok": entry.ok,
        "errcode": entry.errcode,
        "meaning": policy.meaning(entry.errcode),
        "errmsg": "" if entry.ok else entry.errmsg,
        "attempt": entry.attempt,
        "latency_ms": entry.latency_ms,
    }


@bp.get("/log")
@login_required
def log_page() -> tuple[str, int]:
    """The API calls made for syndication, newest first, filtered and paged by stream id."""
    ext = _ext()
    config = ext["config"]
    query = parse_query(request.args, config)
    page = None
    if not query.errors:
        page = records.log_page(ext["redis"], query.where, query.size, query.before, query.after)
    rows = [row(e, config) for e in page.entries] if page else []
    return render_template(
        "log.html",
        query=query,
        page=page,
        rows=rows,
        accounts=config.accounts,
        status_names=STATUS_NAMES,
        filters=_filter_args(query),
        csv_max_rows=CSV_MAX_ROWS,
        default_size=PAGE_SIZE,
    ), (400 if query.errors else 200)


def _filter_args(query: LogQuery) -> dict[str, str]:
    """The non-empty filters (and a non-default page size), for links that keep them."""
    kept = {k: v for k, v in query.form.items() if v}
    if query.size != PAGE_SIZE:
        kept["size"] = str(query.size)
    return kept


@bp.get("/log.csv")
@login_required
def log_csv() -> Response:
    """Every matching entry (up to CSV_MAX_ROWS) as CSV for Excel: UTF-8 with a BOM, streamed."""
    ext = _ext()
    config = ext["config"]
    query = parse_query(request.args, config)
    if query.errors:
        return Response("\n".join(query.errors), 400, mimetype="text/plain")
    entries = records.iter_log(ext["redis"], query.where)
    stamp = datetime.fromtimestamp(ext["clock"](), ZONE).strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(csv_lines(entries, config)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="csj-log-{stamp}.csv"'},
    )


def csv_lines(
    entries: Iterable[records.LogEntry], config: Config, cap: int = CSV_MAX_ROWS
) -> Iterator[str]:
    """The export, line by line: a BOM and the header, then at most `cap` entries."""
    yield "\ufeff" + _csv_line(CSV_HEADER)
    written = 0
    for entry in islice(entries, cap + 1):
        if written == cap:
            yield _csv_line([f"（已达导出上限 {cap} 行：请缩小日期范围后分段导出）"])
            return
        r = row(entry, config)
        yield _csv_line(
            [
                r["time"],
                r["account"],
                r["account_name"],
                r["article"],
                r["step"],
                r["errcode"],
                r["meaning"],
                r["errmsg"],
                r["attempt"],
                r["latency_ms"],
            ]
        )
        written += 1


def _csv_line(cells: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(c) for c in cells])
    return out.getvalue()


def safe_cell(value: Any) -> Any:
    """Numbers as they are; text that a spreadsheet would run as a formula, quoted with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@bp.get("/log/counts")
@login_required
def counts_page() -> tuple[str, int]:
    """Each account's column total and publications by state, and publications per day."""
    ext = _ext()
    config, redis = ext["config"], ext["redis"]
    raw = request.args.get("days", "").strip()
    days_back = int(raw) if raw.isdecimal() and 1 <= int(raw) <= MAX_COUNT_DAYS else None
    error = "" if days_back or not raw else f"天数「{raw}」应为 1 到 {MAX_COUNT_DAYS} 的整数"
    today = datetime.fromtimestamp(ext["clock"](), ZONE).date()
    day_list = [(today - timedelta(days=i)).isoformat() for i in range(days_back or COUNT_DAYS)]
    found = records.counts(redis, config)
    per_day = records.published_by_day(redis, day_list)
    peak = max([sum(c.values()) for c in per_day.values()] + [1])
    return render_template(
        "log_counts.html",
        counts=found,
        per_day=per_day,
        peak=peak,
        accounts=config.accounts,
        days=days_back or COUNT_DAYS,
        error=error,
    ), (400 if error else 200)
