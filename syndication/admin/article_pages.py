"""What the article pages show, from Redis: the status grid, the week, the accounts' timelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot import ZONE
from bot.config import Config
from syndication import actions, audit, overview, records, review
from syndication import publications as pubs
from syndication.articles import AWAITING, CANCELLED, Article

#: A grid cell for an account whose publication does not exist yet, by the article's state.
NOT_STARTED = {AWAITING: ("awaiting", "待审核"), CANCELLED: ("cancelled", "已取消")}
SCHEDULED_CELL = ("scheduled", "已排期")
#: The API calls as an editor reads them.
STEP_NAMES = {
    "material/add_material": "上传封面",
    "media/uploadimg": "上传正文图片",
    "draft/add": "存草稿",
    "draft/batchget": "查找草稿",
    "draft/delete": "删除旧草稿",
    "freepublish/submit": "提交发表",
    "freepublish/get": "查询发表结果",
    "freepublish/batchget": "核对已发表文章",
    "message/mass/sendall": "群发",
    "message/mass/get": "查询群发结果",
}
#: What a person did, as the audit trail records it.
ACTION_NAMES = {
    "create": "创建",
    "edit": "修改",
    "approve": "审核通过",
    "request_changes": "提出修改意见",
    "cancel": "取消",
    "retry": "重试",
}
WEEK_LIMIT = 500  # articles looked at for a week (newest first)


@dataclass(frozen=True)
class Cell:
    state: str  # a publication state, or awaiting/scheduled/cancelled/none: the cell's colour
    label: str


@dataclass(frozen=True)
class Row:
    article: Article
    cells: dict[str, Cell]  # account id -> its cell, for every configured account

    @property
    def status(self) -> Cell:
        return status(self.article, self.cells)


def grid(redis: Any, config: Config, state: str | None, limit: int) -> list[Row]:
    """The newest articles (in `state`), each with a cell per configured account."""
    return [row(redis, config, article) for article in review.newest(redis, state, limit)]


def row(redis: Any, config: Config, article: Article) -> Row:
    """One article with its cells."""
    return Row(article, _cells(config, article, actions.publications(redis, article)))


def _cells(config: Config, article: Article, found: dict[str, pubs.Publication]) -> dict[str, Cell]:
    cells = {}
    for account in config.accounts:
        if account in found:
            cells[account] = Cell(found[account].state, found[account].state_name)
        elif account in article.accounts:
            cells[account] = Cell(*NOT_STARTED.get(article.state, SCHEDULED_CELL))
        else:
            cells[account] = Cell("none", "不发")
    return cells


@dataclass(frozen=True)
class Day:
    day: date
    items: list[tuple[str, Article, Cell]]  # ("HH:MM", article, how it stands), by time
    today: bool = False


def week_start(text: str, now: float) -> date:
    """The Monday of the week `text` (YYYY-MM-DD) falls in, else of this week (Shanghai)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = datetime.fromtimestamp(now, ZONE).date()
    return day - timedelta(days=day.weekday())


def week(redis: Any, monday: date, now: float) -> list[Day]:
    """The seven days from `monday`, each with the articles due (or queued, if "now") that day."""
    days = {monday + timedelta(days=i): [] for i in range(7)}
    for article in review.newest(redis, None, WEEK_LIMIT):
        moment = datetime.fromtimestamp(article.publish_at or article.created_at, ZONE)
        if moment.date() in days:
            states = [p.state for p in actions.publications(redis, article).values()]
            cell = Cell(*overview.overall(article.state, states))
            days[moment.date()].append((moment.strftime("%H:%M"), article, cell))
    today = datetime.fromtimestamp(now, ZONE).date()
    return [
        Day(day, sorted(items, key=lambda item: item[0]), day == today)
        for day, items in days.items()
    ]


@dataclass(frozen=True)
class Step:
    """One line of an account's timeline."""

    at: float
    text: str
    kind: str  # "call" (ok), "error" (a call that failed), "state", "person"
    detail: str = ""


def timelines(redis: Any, article: Article) -> dict[str, list[Step]]:
    """Per account: its publication's start, every API call, people's retries and cancels, now."""
    found = actions.publications(redis, article)
    calls = list(reversed(records.log_entries(redis, article=article.id)))  # oldest first
    trail = [e for e in history(redis, article) if "accounts" in e.detail]
    out = {}
    for account in article.accounts:
        pub = found.get(account)
        begun, now = _states(pub) if pub else ([], [])
        steps = begun + [_call(e) for e in calls if e.account == account]
        steps += [_person(e, account) for e in trail if account in e.detail["accounts"]]
        # A stable sort: within one second, the order above (begun, calls, people, now) holds.
        out[account] = sorted(steps + now, key=lambda s: s.at)
    return out


def _call(entry: records.LogEntry) -> Step:
    name = STEP_NAMES.get(entry.step, entry.step)
    text = f"{name}（{entry.step}）"
    latency = f"{entry.latency_ms:.0f} ms，第 {entry.attempt} 次"
    if entry.ok:
        return Step(entry.at, text, "call", f"成功，{latency}")
    return Step(entry.at, text, "error", f"errcode {entry.errcode}：{entry.errmsg}，{latency}")


def _person(entry: audit.Entry, account: str) -> Step:
    action = ACTION_NAMES.get(entry.action, entry.action)
    forced = "（已核对，强制）" if entry.detail.get("force") else ""
    text = f"{entry.by} {action}{forced}"
    return Step(entry.at, text, "person", str(entry.detail["accounts"][account]))


def _states(pub: pubs.Publication) -> tuple[list[Step], list[Step]]:
    """What the publication's record itself tells: when it began, and where it stands now."""
    begun = [Step(pub.created_at, "开始发布", "state", "排队等待处理")]
    if pub.state == pubs.PUBLISHED:
        return begun, [Step(pub.published_at or pub.updated_at, "已发布", "state", pub.url)]
    detail = pub.reason or (f"errcode {pub.errcode}" if pub.errcode else "")
    return begun, [Step(pub.updated_at, f"当前：{pub.state_name}", "state", detail)]


def status(article: Article, cells: dict[str, Cell]) -> Cell:
    """The article's state in a word; a started one by how its accounts stand."""
    return Cell(
        *overview.overall(article.state, [c.state for c in cells.values() if c.state != "none"])
    )


def history(redis: Any, article: Article) -> list[audit.Entry]:
    """The article's audit trail, oldest first (who created, edited, reviewed, retried it)."""
    return list(reversed(audit.entries(redis, article=article.id)))


def describe(entry: audit.Entry) -> str:
    """One audit entry's detail, in a line: the version, the note, what changed."""
    d = entry.detail
    parts = [f"第 {d['version']} 版" if "version" in d else ""]
    if entry.action == "approve":
        parts.append(f"已有 {d.get('count')}/{d.get('needed')} 个审核通过")
    if "note" in d:
        parts.append(f"意见：{d['note']}")
    if "fields" in d:
        parts.append("改了 " + "、".join(d["fields"]))
    if "accounts" in d:
        parts.append("；".join(f"{a}：{v}" for a, v in d["accounts"].items()))
    if "title" in d and entry.action == "create":
        parts.append(d["title"])
    return "，".join(p for p in parts if p)
