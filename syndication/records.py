"""Reading the record: the API-call log (`csj log`) and the counts (`csj counts`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
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
    redis: Any, where: LogFilter | None = None, limit: int = 1000, **fields: Any
) -> list[LogEntry]:
    """Log entries, newest first, that match (read in chunks, stopping at `limit`)."""
    where = where or LogFilter(**fields)
    out: list[LogEntry] = []
    upper = "+"
    while len(out) < limit:
        chunk = redis.xrevrange(SynKeys.LOG, max=upper, count=SCAN_CHUNK)
        for entry_id, raw in chunk:
            entry = _entry(entry_id, raw)
            if entry.at < where.since:
                return out
            if where.matches(entry):
                out.append(entry)
                if len(out) >= limit:
                    break
        if len(chunk) < SCAN_CHUNK:
            break
        upper = "(" + chunk[-1][0].decode()
    return out


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
