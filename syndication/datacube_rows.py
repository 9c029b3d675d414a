"""Storing a datacube answer: the raw JSON, its rows keyed by what they mean, the fetched mark.

Rows are upserted by (account, msgid, day), (account, msgid, stat_date) and (account, day), so
a late revision overwrites and a repeat changes nothing. Raw answer, rows and mark go in one
transaction: a crash leaves the day unmarked, to be fetched again, never half-stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.store import ReadKeys
from syndication.reads import ColumnEntry

#: The cumulative figures kept per (article, stat_date); the raw answer keeps the rest.
TOTAL_FIELDS = (
    "read_user",
    "share_user",
    "zaikan_user",
    "like_user",
    "comment_count",
    "collection_user",
)


@dataclass(frozen=True)
class Request:
    """One datacube call: an endpoint, an account and its consecutive days."""

    account: str
    endpoint: str
    days: list[date]
    through: date | None = None  # getarticletotaldetail: figures wanted up to this day
    article: str = ""  # for the log: the column article it is about

    @property
    def label(self) -> str:
        span = f"{self.days[0]}:{self.days[-1]}"
        return span + (f"@{self.through}" if self.through else "")


def save(
    redis: Any, request: Request, answer: dict[str, Any], entries: list[ColumnEntry], now: float
) -> None:
    """Store one answer; mark its days fetched unless WeChat says the data is delayed."""
    rows = answer.get("list") or []
    account, endpoint = request.account, request.endpoint
    pipe = redis.pipeline(transaction=True)
    pipe.hset(
        ReadKeys.raw(account, endpoint),
        request.label,
        json.dumps(answer, ensure_ascii=False, sort_keys=True),
    )
    SAVERS[endpoint](pipe, account, rows, request, entries)
    if not answer.get("is_delay"):
        if request.through is not None:
            pipe.hset(
                ReadKeys.fetched(account), f"{endpoint}:{request.days[0]}", str(request.through)
            )
        else:
            marks = {f"{endpoint}:{d}": repr(now) for d in request.days}
            pipe.hset(ReadKeys.fetched(account), mapping=marks)
    pipe.execute()


def _article_read(
    pipe: Any, account: str, rows: list[dict], request: Request, entries: Any
) -> None:
    for row in rows:
        readers = int(row.get("detail", {}).get("read_user", 0))
        pipe.hset(ReadKeys.day_readers(account, row["ref_date"]), row["msgid"], readers)


def _article_totals(
    pipe: Any, account: str, rows: list[dict], request: Request, entries: list[ColumnEntry]
) -> None:
    for row in rows:
        msgid = row["msgid"]
        for detail in row.get("detail_list") or []:
            kept = {name: detail[name] for name in TOTAL_FIELDS if name in detail}
            pipe.hset(
                ReadKeys.totals(account, msgid),
                detail["stat_date"],
                json.dumps(kept, sort_keys=True),
            )
        article = match(row, entries)
        if article:
            pipe.hset(ReadKeys.msgids(account), msgid, article)


def match(row: dict[str, Any], entries: list[ColumnEntry]) -> str:
    """The column article a getarticletotaldetail row is about: by msgid, else by URL or title.

    The URL and title fallbacks cover articles whose msg_data_id csj never saw (published by
    hand, or a submit reconciled without its answer); content_url == article_url is unconfirmed.
    """
    for entry in entries:
        if entry.msgid and entry.msgid == row.get("msgid"):
            return entry.article
    for entry in entries:
        if entry.msgid:
            continue
        same_url = bool(entry.url) and entry.url == row.get("content_url")
        same_title = entry.title == row.get("title") and str(entry.day) == row.get("ref_date")
        if same_url or same_title:
            return entry.article
    return ""


def _cumulate(pipe: Any, account: str, rows: list[dict], request: Request, entries: Any) -> None:
    for row in rows:
        pipe.hset(ReadKeys.followers(account), row["ref_date"], int(row["cumulate_user"]))


def _summary(pipe: Any, account: str, rows: list[dict], request: Request, entries: Any) -> None:
    days = {str(d): {"new_user": 0, "cancel_user": 0, "by_source": {}} for d in request.days}
    for row in rows:
        day = days.setdefault(row["ref_date"], {"new_user": 0, "cancel_user": 0, "by_source": {}})
        new, cancel = int(row.get("new_user", 0)), int(row.get("cancel_user", 0))
        day["new_user"] += new
        day["cancel_user"] += cancel
        day["by_source"][str(row.get("user_source", 0))] = [new, cancel]
    for day, figures in days.items():
        pipe.hset(ReadKeys.follower_changes(account), day, json.dumps(figures, sort_keys=True))


SAVERS: dict[str, Callable[..., None]] = {
    "getarticleread": _article_read,
    "getarticletotaldetail": _article_totals,
    "getusercumulate": _cumulate,
    "getusersummary": _summary,
}
