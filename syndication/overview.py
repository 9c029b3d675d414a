"""The figures of the admin dashboard: this week's articles, what needs a person, per day."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import ZONE
from bot.config import Config
from bot.store import SynKeys
from syndication import articles
from syndication import publications as pubs

#: The newest articles the dashboard looks at (a column has a few a week).
RECENT = 200
#: A failure older than this has been seen (or given up on): it leaves the dashboard.
FAILED_WINDOW = 30 * 86400


#: The article fields the dashboard shows (not the body: a page reads a few hundred articles).
BRIEF_FIELDS = ("id", "title", "state", "accounts", "publish_at", "created_at", "updated_at")


@dataclass(frozen=True)
class Brief:
    """What the dashboard needs of an article."""

    id: str
    title: str
    state: str
    accounts: tuple[str, ...]
    publish_at: float | None
    created_at: float
    updated_at: float

    @classmethod
    def decode(cls, values: list[bytes | None]) -> Brief | None:
        """From HMGET of BRIEF_FIELDS (None when the article is gone)."""
        if values[0] is None:
            return None
        f = dict(zip(BRIEF_FIELDS, (v.decode() if v else "" for v in values), strict=True))
        return cls(
            f["id"],
            f["title"],
            f["state"],
            tuple(json.loads(f["accounts"] or "[]")),
            float(f["publish_at"]) if f["publish_at"] else None,
            float(f["created_at"] or 0),
            float(f["updated_at"] or 0),
        )


@dataclass(frozen=True)
class Row:
    """An article with its publications on each account (those that exist yet)."""

    article: Brief
    pubs: dict[str, pubs.Publication]

    @property
    def when(self) -> float:
        """When it went (or goes) out: first publication, else its time, else its creation."""
        done = [p.published_at for p in self.pubs.values() if p.published_at]
        if done:
            return min(done)
        return self.article.publish_at or self.article.created_at

    @property
    def overall(self) -> tuple[str, str]:
        """The article in a word, by how its accounts stand: (state for colour, label)."""
        return overall(self.article.state, [p.state for p in self.pubs.values()])


def overall(article_state: str, states: list[str]) -> tuple[str, str]:
    """An article's state in a word; a started one by its publications' states."""
    if article_state != articles.STARTED:
        return article_state, articles.STATE_NAMES[article_state]
    if states and all(s == pubs.PUBLISHED for s in states):
        return pubs.PUBLISHED, "全部已发布"
    if any(s in (pubs.FAILED, pubs.UNCONFIRMED) for s in states):
        return pubs.FAILED, "需处理"
    return articles.STARTED, "发布中"


@dataclass(frozen=True)
class Attention:
    """Something a person should look at: an article, maybe one account of it."""

    article: str
    title: str
    account: str  # "" for the whole article
    kind: str  # awaiting | failed | unconfirmed
    reason: str
    at: float


def published_totals(redis: Any, config: Config) -> dict[str, int]:
    """Per account id: the column's running total (已累计发布N篇)."""
    pipe = redis.pipeline(transaction=False)
    for account in config.accounts:
        pipe.scard(SynKeys.published(account))
    return dict(zip(config.accounts, pipe.execute(), strict=True))


def recent_rows(redis: Any, limit: int = RECENT) -> list[Row]:
    """The newest articles and their publications, in two round trips."""
    ids = articles.list_ids(redis, limit=limit)
    pipe = redis.pipeline(transaction=False)
    for article_id in ids:
        pipe.hmget(SynKeys.article(article_id), BRIEF_FIELDS)
    found = [b for b in map(Brief.decode, pipe.execute()) if b is not None]
    pipe = redis.pipeline(transaction=False)
    for article in found:
        for account in article.accounts:
            pipe.hgetall(SynKeys.publication(article.id, account))
    answers = iter(pipe.execute())
    rows = []
    for article in found:
        decoded = {a: pubs.decode(next(answers)) for a in article.accounts}
        rows.append(Row(article, {a: p for a, p in decoded.items() if p is not None}))
    return rows


def week_start(now: float) -> float:
    """Monday 00:00 Asia/Shanghai of the week `now` is in."""
    today = datetime.fromtimestamp(now, ZONE).date()
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, datetime.min.time(), ZONE).timestamp()


def this_week(rows: list[Row], now: float) -> list[Row]:
    """The articles that go out (or went out) this week, in time order (cancelled ones too)."""
    start = week_start(now)
    end = start + 7 * 86400
    return sorted((r for r in rows if start <= r.when < end), key=lambda r: r.when)


def attention(rows: list[Row], now: float) -> list[Attention]:
    """Articles awaiting approval, publications unconfirmed, and recent failures; oldest first."""
    out = []
    for row in rows:
        article = row.article
        if article.state == articles.AWAITING:
            out.append(
                Attention(article.id, article.title, "", "awaiting", "等待审核", article.updated_at)
            )
        for account, pub in row.pubs.items():
            recent = now - pub.updated_at <= FAILED_WINDOW
            if pub.state == pubs.UNCONFIRMED or (pub.state == pubs.FAILED and recent):
                reason = pub.reason or pub.state_name
                out.append(
                    Attention(article.id, article.title, account, pub.state, reason, pub.updated_at)
                )
    return sorted(out, key=lambda a: a.at)


def last_days(now: float, count: int = 30) -> list[str]:
    """The `count` days up to today (Asia/Shanghai), oldest first, as YYYY-MM-DD."""
    today = datetime.fromtimestamp(now, ZONE).date()
    return [(today - timedelta(days=n)).isoformat() for n in range(count - 1, -1, -1)]


def published_per_day(redis: Any, config: Config, days: list[str]) -> dict[str, dict[str, int]]:
    """Publications per account name and day: {account name: {day: count}}."""
    pipe = redis.pipeline(transaction=False)
    for day in days:
        pipe.smembers(SynKeys.published_day(day))
    series: dict[str, dict[str, int]] = {a.name: {} for a in config.accounts.values()}
    for day, members in zip(days, pipe.execute(), strict=True):
        for member in members:
            account = config.account(member.decode().rpartition(":")[2])
            if account is not None:
                series[account.name][day] = series[account.name].get(day, 0) + 1
    return series
