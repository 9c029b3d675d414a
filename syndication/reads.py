"""Reading figures as stored: the column's articles on each account, readers and shares.

syndication.datacube pulls the figures from WeChat; this module reads them back for
`csj counts --reads`, and for the web app's dashboard (`daily_readers`). An article's readers
are the latest cumulative `read_user` of getarticletotaldetail (people, counted once over the
article's 30-day window), never a sum of daily figures (the datacube doc, §6).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot import ZONE
from bot.config import Config
from bot.store import ReadKeys, SynKeys
from syndication import publications as pubs

HISTORY_MODE = "history"  # the publication mode of an imported back-catalogue article


@dataclass(frozen=True)
class ColumnEntry:
    """One column article as published on one account."""

    article: str
    account: str
    number: int
    title: str
    url: str
    day: date  # publish day, Beijing time
    msgid: str  # datacube's "<msg_data_id>_<idx>"; "" until known


@dataclass(frozen=True)
class AccountReads:
    """One article's figures on one account (None: no figures yet)."""

    readers: int | None = None
    shares: int | None = None
    stat_date: str = ""  # the totals cover the publish day to this day


@dataclass(frozen=True)
class ArticleReads:
    """One column article across its accounts."""

    article: str
    number: int
    title: str
    day: str
    accounts: dict[str, AccountReads] = field(default_factory=dict)

    @property
    def readers(self) -> int:
        return sum(a.readers or 0 for a in self.accounts.values())

    @property
    def shares(self) -> int:
        return sum(a.shares or 0 for a in self.accounts.values())


def column_accounts(config: Config) -> list[str]:
    """The accounts that carry the column, whose figures csj pulls."""
    return [a.id for a in config.accounts.values() if a.column]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def msgid_from_url(url: str) -> str:
    """ "<mid>_<idx>" from a long mp.weixin.qq.com link (mid is the msg_data_id), else ""."""
    query = parse_qs(urlsplit(url).query)
    mid, idx = query.get("mid", [""])[0], query.get("idx", [""])[0]
    return f"{mid}_{idx}" if mid.isdigit() and idx.isdigit() else ""


def column_entries(redis: Any, account: str) -> list[ColumnEntry]:
    """The column on an account, oldest first, each with its msgid where one is known."""
    ranked = redis.zrange(SynKeys.column(account), 0, -1, withscores=True)
    ids = [_text(member) for member, _ in ranked]
    if not ids:
        return []
    items = redis.mget([SynKeys.column_item(account, i) for i in ids])
    pipe = redis.pipeline(transaction=False)
    for article in ids:
        pipe.hgetall(SynKeys.publication(article, account))
    publications = dict(zip(ids, map(pubs.decode, pipe.execute()), strict=True))
    learned = {_text(v): _text(k) for k, v in redis.hgetall(ReadKeys.msgids(account)).items()}
    out = []
    for article, (_, score), raw in zip(ids, ranked, items, strict=True):
        item = json.loads(raw) if raw else {}
        pub = publications.get(article)
        out.append(
            ColumnEntry(
                article=article,
                account=account,
                number=int(item.get("number") or 0),
                title=str(item.get("title", "")),
                url=str(item.get("url", "")),
                day=datetime.fromtimestamp(score, ZONE).date(),
                msgid=_msgid(pub, str(item.get("url", ""))) or learned.get(article, ""),
            )
        )
    return out


def _msgid(pub: pubs.Publication | None, url: str) -> str:
    """A csj-published article is the only one of its message (idx 1); history: from its URL."""
    if pub is not None and pub.mode != HISTORY_MODE and pub.msg_data_id:
        return f"{pub.msg_data_id}_1"
    return msgid_from_url(url)


def latest_totals(redis: Any, account: str, msgid: str) -> AccountReads:
    """The newest cumulative figures of one article on one account."""
    raw = redis.hgetall(ReadKeys.totals(account, msgid)) if msgid else {}
    stored = {_text(k): v for k, v in raw.items()}
    if not stored:
        return AccountReads()
    stat_date = max(stored)
    detail = json.loads(stored[stat_date])
    return AccountReads(detail.get("read_user"), detail.get("share_user"), stat_date)


def article_summary(redis: Any, config: Config, limit: int | None = None) -> list[ArticleReads]:
    """Every column article (newest first, at most `limit`): readers and shares per account."""
    found: dict[str, ArticleReads] = {}
    for account in column_accounts(config):
        for entry in column_entries(redis, account):
            summary = found.setdefault(
                entry.article,
                ArticleReads(entry.article, entry.number, entry.title, entry.day.isoformat()),
            )
            summary.accounts[account] = latest_totals(redis, account, entry.msgid)
    ordered = sorted(found.values(), key=lambda a: (a.number, a.day), reverse=True)
    return ordered[:limit] if limit is not None else ordered


def for_article(redis: Any, config: Config, article: str) -> dict[str, AccountReads]:
    """One article's newest figures on each column account that carries it."""
    out: dict[str, AccountReads] = {}
    for account in column_accounts(config):
        entry = next((e for e in column_entries(redis, account) if e.article == article), None)
        if entry is not None:
            out[account] = latest_totals(redis, account, entry.msgid)
    return out


def column_totals(summaries: list[ArticleReads]) -> dict[str, tuple[int, int]]:
    """Per account: (readers, shares) summed over the column's articles."""
    out: dict[str, tuple[int, int]] = {}
    for summary in summaries:
        for account, figures in summary.accounts.items():
            readers, shares = out.get(account, (0, 0))
            out[account] = (readers + (figures.readers or 0), shares + (figures.shares or 0))
    return out


def daily_readers(redis: Any, config: Config, start: date, end: date) -> dict[str, dict[str, int]]:
    """Account id -> ISO day -> readers of the column's articles that day (getarticleread).

    Only days already fetched are present: a missing day means "no figures yet", not 0.
    """
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    out: dict[str, dict[str, int]] = {}
    for account in column_accounts(config):
        msgids = {e.msgid for e in column_entries(redis, account) if e.msgid}
        fetched = redis.hmget(ReadKeys.fetched(account), [f"getarticleread:{d}" for d in days])
        pipe = redis.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(ReadKeys.day_readers(account, day.isoformat()))
        per_day = {}
        for day, done, rows in zip(days, fetched, pipe.execute(), strict=True):
            if done is not None:
                per_day[day.isoformat()] = sum(
                    int(v) for k, v in rows.items() if _text(k) in msgids
                )
        out[account] = per_day
    return out
