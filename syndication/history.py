"""The back catalogue: articles published by hand before csj, stored as if csj had published them.

Each imported article becomes an article (state `history`, its column number) with one
`published` publication per account that carried it, so it counts in `csj counts`, is listed in
the account's column for the bot ("往期"), and its reading figures are matched like any other.
Numbers run 1…N by date (file order within a day); COLUMN_SEQ is set to N, so the next article
csj publishes is 第N+1期. An import is all or nothing: it is checked whole against what is
stored, then written in one transaction (WATCH on the history index and the column counter).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from redis.exceptions import WatchError

from bot import ZONE
from bot.config import Config
from bot.store import SynKeys
from syndication import articles, audit
from syndication import publications as pubs
from syndication.articles import Article, ArticleError
from syndication.history_file import HistoryRow
from syndication.reads import HISTORY_MODE

PUBLISH_HOUR = 12  # the hour is unknown: noon keeps the day right in any timezone near ours


@dataclass
class Outcome:
    """What an import did."""

    added: list[str] = field(default_factory=list)  # new article ids
    unchanged: int = 0  # rows already imported, identical
    renumbered: list[str] = field(default_factory=list)  # stored articles whose number moved
    total: int = 0  # back-catalogue articles now stored
    next_number: int = 0  # the number the next article csj publishes will get


@dataclass(frozen=True)
class Stored:
    """A back-catalogue article already imported."""

    article: Article
    urls: dict[str, str]


def publish_time(day: date) -> float:
    return datetime.combine(day, time(PUBLISH_HOUR), ZONE).timestamp()


def key_of(day: date, title: str) -> str:
    return f"{day.isoformat()}|{title}"


def import_history(
    redis: Any, config: Config, rows: list[HistoryRow], by: str, now: float
) -> Outcome:
    """Store the back catalogue in one transaction; raise ArticleError listing every conflict."""
    for _ in range(3):
        try:
            return _attempt(redis, config, rows, by, now)
        except WatchError:
            continue  # someone imported or published meanwhile: check again against that
    raise ArticleError(["导入时数据正在被修改（有人同时导入或发布），请稍后重试"])


def _attempt(redis: Any, config: Config, rows: list[HistoryRow], by: str, now: float) -> Outcome:
    with redis.pipeline(transaction=True) as pipe:
        pipe.watch(SynKeys.HISTORY, SynKeys.COLUMN_SEQ)
        stored = _stored(pipe)
        seq = int(pipe.get(SynKeys.COLUMN_SEQ) or 0)
        new = [r for r in rows if key_of(r.day, r.title) not in stored]
        problems = _conflicts(pipe, config, rows, stored, new, seq)
        if problems:
            raise ArticleError(problems)
        total = len(stored) + len(new)
        outcome = Outcome(
            unchanged=len(rows) - len(new), total=total, next_number=max(seq, total) + 1
        )
        if not new:
            return outcome
        numbers = _numbering(stored, new)
        first_id = int(pipe.incrby(SynKeys.ARTICLE_SEQ, len(new))) - len(new) + 1
        pipe.multi()
        for offset, row in enumerate(new):
            article = _article(
                row, f"A{first_id + offset}", numbers[key_of(row.day, row.title)], by, now
            )
            _write_new(pipe, config, article, row.urls, now)
            outcome.added.append(article.id)
        for key, entry in stored.items():
            if numbers[key] != entry.article.number:
                _renumber(pipe, entry, numbers[key])
                outcome.renumbered.append(entry.article.id)
        pipe.set(SynKeys.COLUMN_SEQ, outcome.total)
        audit.record_in(pipe, by, "import_history", "", now, added=outcome.added)
        pipe.execute()
    return outcome


def _stored(redis: Any) -> dict[str, Stored]:
    """The back catalogue already imported, by "day|title"."""
    out = {}
    for key, article_id in redis.hgetall(SynKeys.HISTORY).items():
        article = articles.load(redis, article_id.decode())
        if article is not None:
            out[key.decode()] = Stored(article, dict(article.extra.get("history_urls", {})))
    return out


def _conflicts(
    redis: Any,
    config: Config,
    rows: list[HistoryRow],
    stored: dict[str, Stored],
    new: list[HistoryRow],
    seq: int,
) -> list[str]:
    """Why this file cannot be stored beside what is: changed rows, numbers taken, URLs reused."""
    problems = []
    for row in rows:
        entry = stored.get(key_of(row.day, row.title))
        if entry is not None and entry.urls != row.urls:
            problems.append(
                f"{row.place}：《{row.title}》（{row.day}）已导入为 {entry.article.id}，"
                f"但各账号链接与已导入的不同（已导入：{_urls(entry.urls)}）"
            )
    if new and seq > len(stored):
        problems.append(
            f"csj 已发布过第 {len(stored) + 1} 至 {seq} 期，不能再插入往期文章："
            f"往期须在 csj 第一次发布前导入（新文章：{'、'.join(r.place for r in new)}）"
        )
    problems += _reused_urls(redis, config, new)
    return problems


def _urls(urls: dict[str, str]) -> str:
    return "，".join(f"{a} {u}" for a, u in urls.items())


def _reused_urls(redis: Any, config: Config, new: list[HistoryRow]) -> list[str]:
    """A link already in an account's column belongs to another article."""
    problems = []
    for account in {a for row in new for a in row.urls}:
        ids = [m.decode() for m in redis.zrange(SynKeys.column(account), 0, -1)]
        items = redis.mget([SynKeys.column_item(account, i) for i in ids]) if ids else []
        taken = {json.loads(raw).get("url"): i for i, raw in zip(ids, items, strict=True) if raw}
        for row in new:
            url = row.urls.get(account)
            if url in taken:
                problems.append(f"{row.place}：账号 {account} 的链接已属于文章 {taken[url]}")
    return problems


def _numbering(stored: dict[str, Stored], new: list[HistoryRow]) -> dict[str, int]:
    """Column numbers 1…N by date; within a day, stored ones first, then file order."""
    ordered = [(e.article.publish_at or 0, 0, e.article.number or 0, k) for k, e in stored.items()]
    ordered += [(publish_time(r.day), 1, i, key_of(r.day, r.title)) for i, r in enumerate(new)]
    return {key: n for n, (*_, key) in enumerate(sorted(ordered), 1)}


def _article(row: HistoryRow, article_id: str, number: int, by: str, now: float) -> Article:
    return Article(
        id=article_id,
        title=row.title,
        author="",
        digest="",
        body="",
        body_format="html",
        html="",
        cover="",
        images=(),
        source_url="",
        accounts=tuple(row.urls),
        publish_at=publish_time(row.day),
        created_by=by,
        created_at=now,
        updated_at=now,
        state=articles.HISTORY,
        number=number,
        extra={"history_urls": row.urls},
    )


def _write_new(
    pipe: Any, config: Config, article: Article, urls: dict[str, str], now: float
) -> None:
    """The article, its publications, counts and column entries: as publishing would leave them."""
    at = article.publish_at or now
    day = datetime.fromtimestamp(at, ZONE).date()
    pipe.hset(SynKeys.article(article.id), mapping=articles.to_hash(article))
    pipe.zadd(SynKeys.ARTICLES, {article.id: at})
    pipe.hset(SynKeys.HISTORY, key_of(day, article.title), article.id)
    for account, url in urls.items():
        pub = pubs.Publication(
            article.id,
            account,
            HISTORY_MODE,
            state=pubs.PUBLISHED,
            url=url,
            created_at=now,
            updated_at=now,
            published_at=at,
        )
        pipe.hset(SynKeys.publication(article.id, account), mapping=pubs.as_mapping(pub))
        pipe.sadd(SynKeys.published(account), article.id)
        pipe.sadd(SynKeys.published_day(day.isoformat()), f"{article.id}:{account}")
        pipe.zadd(SynKeys.column(account), {article.id: at})
        pipe.set(SynKeys.column_item(account, article.id), _item(article, url))


def _item(article: Article, url: str) -> str:
    """The bot's column entry (SynKeys.column_item); a hand-published article has no cover here."""
    item = {
        "number": article.number,
        "title": article.title,
        "digest": "",
        "url": url,
        "cover_url": "",
        "published_at": article.publish_at,
    }
    return json.dumps(item, ensure_ascii=False)


def _renumber(pipe: Any, entry: Stored, number: int) -> None:
    """A stored back-catalogue article moves to its new place (only before csj's first issue)."""
    article = replace(entry.article, number=number)
    pipe.hset(SynKeys.article(article.id), "number", number)
    for account, url in entry.urls.items():
        pipe.set(SynKeys.column_item(account, article.id), _item(article, url))
