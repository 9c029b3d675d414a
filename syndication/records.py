"""Reading the record: the API-call log (`csj log`) and the counts (`csj counts`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from bot.config import Config
from bot.store import SynKeys
from syndication import articles
from syndication import publications as pubs

SCAN_CHUNK = 500


@dataclass(frozen=True)
class LogEntry:
    id: str
    at: float
    account: str
    article: str
    step: str
    errcode: int
    errmsg: str
    attempt: int
    latency_ms: float

    @property
    def ok(self) -> bool:
        return self.errcode == 0


@dataclass(frozen=True)
class LogFilter:
    """What `csj log` and the admin page filter by; empty fields match everything."""

    account: str = ""
    article: str = ""
    status: str = ""  # "ok" | "error" | ""
    errcode: int | None = None
    since: float = 0.0
    until: float = float("inf")

    def matches(self, e: LogEntry) -> bool:
        return (
            (not self.account or e.account == self.account)
            and (not self.article or e.article == self.article)
            and (not self.status or (self.status == "ok") == e.ok)
            and (self.errcode is None or e.errcode == self.errcode)
            and self.since <= e.at < self.until
        )


def log_entries(
    redis: Any,
    where: LogFilter | None = None,
    limit: int = 1000,
    before: str | None = None,
    **fields: Any,
) -> list[LogEntry]:
    """Log entries, newest first, that match (read in chunks, stopping at `limit`); with
    `before` (a stream id), only entries older than that one."""
    return list(islice(iter_log(redis, where or LogFilter(**fields), before), limit))


def iter_log(redis: Any, where: LogFilter, before: str | None = None) -> Iterator[LogEntry]:
    """Matching entries newest first, older than `before` if given, read lazily in chunks."""
    return _scan(
        lambda bound: redis.xrevrange(SynKeys.LOG, max=bound, count=SCAN_CHUNK),
        f"({before}" if before else "+",
        lambda e: e.at < where.since,
        where,
    )


def iter_log_newer(redis: Any, where: LogFilter, after: str) -> Iterator[LogEntry]:
    """Matching entries newer than the stream id `after`, oldest first, read lazily."""
    return _scan(
        lambda bound: redis.xrange(SynKeys.LOG, min=bound, count=SCAN_CHUNK),
        f"({after}",
        lambda e: e.at >= where.until,
        where,
    )


def _scan(
    read: Callable[[str], list[Any]],
    bound: str,
    past_range: Callable[[LogEntry], bool],
    where: LogFilter,
) -> Iterator[LogEntry]:
    """Walk the stream a chunk at a time from `bound`, stopping once entries leave the dates."""
    while True:
        chunk = read(bound)
        for entry_id, raw in chunk:
            entry = _entry(entry_id, raw)
            if past_range(entry):
                return
            if where.matches(entry):
                yield entry
        if len(chunk) < SCAN_CHUNK:
            return
        bound = "(" + chunk[-1][0].decode()


@dataclass(frozen=True)
class LogPage:
    """One page of the log, newest first, with stream-id cursors to the pages either side.

    Cursors are stream ids, not offsets, so entries arriving meanwhile never shift a page.
    """

    entries: list[LogEntry]
    newer: str | None  # pass as `after` for the page of newer entries (None: this is the newest)
    older: str | None  # pass as `before` for the page of older entries (None: this is the oldest)


def log_page(
    redis: Any, where: LogFilter, size: int, before: str | None = None, after: str | None = None
) -> LogPage:
    """The page of `size` matching entries older than `before`, newer than `after`, or newest."""
    if after:
        ascending = list(islice(iter_log_newer(redis, where, after), size + 1))
        entries = ascending[:size][::-1]
        if not entries:  # nothing newer than the cursor: the newest page is the answer
            return log_page(redis, where, size)
        newer = entries[0].id if len(ascending) > size else None
        older = entries[-1].id if _any(iter_log(redis, where, entries[-1].id)) else None
        return LogPage(entries, newer, older)
    found = list(islice(iter_log(redis, where, before), size + 1))
    entries = found[:size]
    older = entries[-1].id if len(found) > size else None
    anchor = entries[0].id if entries else before
    newer = anchor if before and anchor and _any(iter_log_newer(redis, where, anchor)) else None
    return LogPage(entries, newer, older)


def _any(entries: Iterator[LogEntry]) -> bool:
    return next(entries, None) is not None


def _entry(entry_id: bytes, raw: dict[bytes, bytes]) -> LogEntry:
    f = {k.decode(): v.decode() for k, v in raw.items()}
    return LogEntry(
        entry_id.decode(),
        float(f["at"]),
        f["account"],
        f["article"],
        f["step"],
        int(f["errcode"]),
        f["errmsg"],
        int(f["attempt"]),
        float(f["latency_ms"]),
    )


@dataclass(frozen=True)
class Counts:
    published: dict[str, int]  # per account: the column's running total
    by_state: dict[str, Counter]  # per account: publications by state
    per_day: dict[str, int]  # YYYY-MM-DD -> publications that day (every account)
    articles: dict[str, dict[str, str]]  # article -> account -> state


def counts(redis: Any, config: Config, days: list[str] | None = None, recent: int = 50) -> Counts:
    """The running totals per account, the outcome of the newest articles, and per day."""
    pipe = redis.pipeline(transaction=False)
    for account in config.accounts:
        pipe.scard(SynKeys.published(account))
    for day in days or []:
        pipe.scard(SynKeys.published_day(day))
    answers = pipe.execute()
    published = dict(zip(config.accounts, answers[: len(config.accounts)], strict=True))
    per_day = dict(zip(days or [], answers[len(config.accounts) :], strict=True))
    by_state: dict[str, Counter] = {a: Counter() for a in config.accounts}
    outcome: dict[str, dict[str, str]] = {}
    for article_id in articles.list_ids(redis, limit=recent):
        article = articles.load(redis, article_id)
        found = pubs.load_all(redis, article_id, article.accounts) if article else {}
        outcome[article_id] = {a: p.state for a, p in found.items()}
        for account, pub in found.items():
            by_state.setdefault(account, Counter())[pub.state] += 1
    return Counts(published, by_state, per_day, outcome)


def published_by_day(redis: Any, days: list[str]) -> dict[str, Counter]:
    """Per day (YYYY-MM-DD), the publications per account that day."""
    pipe = redis.pipeline(transaction=False)
    for day in days:
        pipe.smembers(SynKeys.published_day(day))
    return {
        day: Counter(member.decode().rpartition(":")[2] for member in members)
        for day, members in zip(days, pipe.execute(), strict=True)
    }
