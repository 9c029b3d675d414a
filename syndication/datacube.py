"""Pulling reading and follower figures from WeChat's datacube: the daily job and back-fill.

Per account and day: getarticleread (1 day a call), getusercumulate and getusersummary (up to 7
days a call), and getarticletotaldetail once per publish day of the column's articles (their
30-day window). A day fetched is marked in ReadKeys.fetched and never asked again, so a re-run or
a second scheduler makes no call and changes nothing; each answer is kept as it came
(ReadKeys.raw). 61503 (not ready) and other failures leave the day unmarked for a later run;
45009 parks the account until Beijing midnight. Every call goes through the Recorder (`csj log`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from bot import ZONE
from bot.store import ReadKeys
from syndication import reads
from syndication.calls import CallFailed, NotSent, OutcomeUnknown, Where
from syndication.datacube_rows import Request, save
from syndication.reads import ColumnEntry
from syndication.steps import Context

log = logging.getLogger("csj.reads")

#: Longest span (days) each endpoint accepts in one call (wechat-datacube.md §3–5).
SPANS = {"getarticleread": 1, "getarticletotaldetail": 1, "getusercumulate": 7, "getusersummary": 7}
ARTICLE_DATA_START = date(2025, 11, 1)  # the new article endpoints have nothing earlier
STAT_WINDOW_DAYS = 30  # getarticletotaldetail covers an article this long from its publish day
READY_HOUR = 8  # yesterday's data is there after 08:00 Beijing time
LOOKBACK_DAYS = 7  # the daily job also fetches days of the past week still missing
LOCK_SECONDS = 600
NOT_READY, QUOTA_USED = 61503, 45009


@dataclass
class Report:
    """What a pull did: calls made, and what is left for later."""

    calls: int = 0
    not_ready: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # another process was pulling the account


class _Parked(Exception):
    """The account's datacube quota is used up for the day."""


def yesterday(now: float) -> date:
    return datetime.fromtimestamp(now, ZONE).date() - timedelta(days=1)


def datacube_url(api_base_url: str, endpoint: str) -> str:
    """…/cgi-bin/ -> …/datacube/<endpoint> (the sandbox serves both, as WeChat does)."""
    return urljoin(api_base_url, "../datacube/") + endpoint


def daily(ctx: Context, now: float) -> Report:
    """The scheduler's job: from 08:00 Beijing time, fetch the past week's missing days."""
    if datetime.fromtimestamp(now, ZONE).hour < READY_HOUR:
        return Report()
    last = yesterday(now)
    return pull(ctx, [last - timedelta(days=i) for i in range(LOOKBACK_DAYS)], now)


def pull(ctx: Context, days: list[date], now: float) -> Report:
    """Fetch every figure of these days not fetched yet (days after yesterday are dropped)."""
    wanted = sorted({d for d in days if d <= yesterday(now)})
    report = Report()
    for account in reads.column_accounts(ctx.config):
        if float(ctx.redis.get(ReadKeys.parked(account)) or 0) > now:
            report.parked.append(account)
            continue
        lock = ctx.redis.lock(ReadKeys.lock(account), timeout=LOCK_SECONDS, blocking=False)
        if not lock.acquire():
            report.busy.append(account)
            continue
        try:
            _pull_account(ctx, account, wanted, now, report)
        except _Parked:
            _park(ctx.redis, account, now)
            report.parked.append(account)
        finally:
            lock.release()
    return report


def _park(redis: Any, account: str, now: float) -> None:
    """No more datacube calls for the account until the quota resets at Beijing midnight."""
    today = datetime.fromtimestamp(now, ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    until = (today + timedelta(days=1)).timestamp()
    # The time is compared with the caller's clock; the TTL only tidies up.
    redis.set(ReadKeys.parked(account), repr(until), ex=2 * 86400)


def _pull_account(ctx: Context, account: str, days: list[date], now: float, report: Report) -> None:
    entries = reads.column_entries(ctx.redis, account)
    for endpoint in ("getusercumulate", "getusersummary"):
        for chunk in _chunks(_missing(ctx.redis, account, endpoint, days), SPANS[endpoint]):
            _fetch(ctx, Request(account, endpoint, chunk), entries, now, report)
    article_days = [d for d in days if d >= ARTICLE_DATA_START]
    for day in _missing(ctx.redis, account, "getarticleread", article_days):
        _fetch(ctx, Request(account, "getarticleread", [day]), entries, now, report)
    for request in _totals_due(ctx.redis, account, days, entries):
        _fetch(ctx, request, entries, now, report)


def _missing(redis: Any, account: str, endpoint: str, days: list[date]) -> list[date]:
    if not days:
        return []
    done = redis.hmget(ReadKeys.fetched(account), [f"{endpoint}:{d}" for d in days])
    return [d for d, mark in zip(days, done, strict=True) if mark is None]


def _chunks(days: list[date], span: int) -> Iterator[list[date]]:
    """Runs of consecutive days, each at most `span` long."""
    run: list[date] = []
    for day in days:
        if run and ((day - run[-1]).days != 1 or len(run) == span):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def _totals_due(
    redis: Any, account: str, days: list[date], entries: list[ColumnEntry]
) -> Iterator[Request]:
    """One getarticletotaldetail per publish day whose window holds a wanted day not yet asked."""
    fetched = redis.hgetall(ReadKeys.fetched(account))
    for day in sorted({e.day for e in entries if e.day >= ARTICLE_DATA_START}):
        window = [d for d in days if day <= d < day + timedelta(days=STAT_WINDOW_DAYS)]
        done = fetched.get(f"getarticletotaldetail:{day}".encode())
        if window and (done is None or date.fromisoformat(done.decode()) < max(window)):
            article = next(e.article for e in entries if e.day == day)
            yield Request(account, "getarticletotaldetail", [day], max(window), article)


def _fetch(
    ctx: Context, request: Request, entries: list[ColumnEntry], now: float, report: Report
) -> None:
    """Make one call through the Recorder; store its answer, or note why not."""
    client = ctx.client(ctx.config.accounts[request.account])
    url = datacube_url(ctx.config.wechat.api_base_url, request.endpoint)
    body = {"begin_date": request.days[0].isoformat(), "end_date": request.days[-1].isoformat()}
    where = Where(request.article, request.account, 1)
    what = f"{request.account} {request.endpoint} {request.label}"
    try:
        answer = ctx.recorder.call(
            where, f"datacube/{request.endpoint}", lambda: client.post(url, data=body)
        )
    except CallFailed as exc:
        if exc.errcode == QUOTA_USED:
            raise _Parked from exc
        (report.not_ready if exc.errcode == NOT_READY else report.failed).append(
            f"{what}: {exc.errcode} {exc.errmsg}"
        )
        return
    except (NotSent, OutcomeUnknown) as exc:
        report.failed.append(f"{what}: {exc}")
        return
    report.calls += 1
    if answer.get("is_delay"):
        report.not_ready.append(f"{what}: is_delay")
    save(ctx.redis, request, answer, entries, now)
