"""`csj worker`, `csj scheduler`, `csj log`, `csj counts`, `csj post retry|cancel`."""

from __future__ import annotations

import csv
import json
import signal
import sys
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import click

from bot import ZONE, logs
from bot.config import Config
from syndication import actions, records, runtime, services
from syndication.articles import ArticleError
from syndication.scheduler import main as scheduler_main
from syndication.worker import Worker


def process_redis(config: Config) -> Any:
    """Redis for a long-running process or a command: patient with blocking stream reads."""
    return services.redis_client(config, runtime.process_redis_config(config))


@click.command("worker")
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Publish tasks in flight at once in this process.",
)
@click.pass_obj
def worker_command(obj: Any, threads: int) -> None:
    """Take publish tasks from Redis and publish through the WeChat API (any number of these)."""
    logs.configure(obj.config.logging.level)
    with process_redis(obj.config) as redis:
        worker = Worker(runtime.make_context(obj.config, redis), threads=threads)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        worker.run()


@click.command("scheduler")
@click.pass_obj
def scheduler_command(obj: Any) -> None:
    """Start due articles, wake waiting ones, read WeChat's results (one leads; others stand by)."""
    logs.configure(obj.config.logging.level)
    with process_redis(obj.config) as redis:
        ctx = runtime.make_context(obj.config, redis)
        scheduler_main(obj.config, redis, runtime.scheduler_jobs(ctx))


@click.command("log")
@click.option("--account", default="", help="Only this account id.")
@click.option("--article", default="", help="Only this article id (e.g. A3).")
@click.option("--status", type=click.Choice(["ok", "error"]), help="Only successes or failures.")
@click.option("--errcode", type=int, help="Only this errcode (-3 timeout, -4 not sent).")
@click.option("--since", help="From this date (YYYY-MM-DD, Asia/Shanghai).")
@click.option("--until", help="Before the end of this date (YYYY-MM-DD).")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.pass_obj
def log_command(
    obj: Any, fmt: str, limit: int, since: str | None, until: str | None, **filters: Any
) -> None:
    """Show the WeChat API calls made for syndication, newest first."""
    unknown = (
        [filters["account"]]
        if filters["account"] and filters["account"] not in obj.config.accounts
        else []
    )
    if unknown:
        raise click.BadParameter(f"unknown account {unknown[0]!r}", param_hint="--account")
    where = records.LogFilter(
        account=filters["account"],
        article=filters["article"],
        status=filters["status"] or "",
        errcode=filters["errcode"],
        since=_day(since, "--since"),
        until=_day(until, "--until", 1) if until else float("inf"),
    )
    with process_redis(obj.config) as redis:
        entries = records.log_entries(redis, where, limit=limit)
    _print_log(entries, fmt)


def _day(text: str | None, option: str, plus: int = 0) -> float:
    if not text:
        return 0.0
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=ZONE)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date like 2026-12-01", param_hint=option
        ) from None
    return (day + timedelta(days=plus)).timestamp()


def _print_log(entries: list[records.LogEntry], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(
            ["time", "account", "article", "step", "errcode", "errmsg", "attempt", "latency_ms"]
        )
        for e in entries:
            writer.writerow(
                [
                    _time(e.at),
                    e.account,
                    e.article,
                    e.step,
                    e.errcode,
                    e.errmsg,
                    e.attempt,
                    e.latency_ms,
                ]
            )
        return
    for e in entries:
        mark = "ok " if e.ok else f"{e.errcode}"
        click.echo(
            f"{_time(e.at)}  {e.account:<6} {e.article:<6} {e.step:<24} {mark:<6} "
            f"{e.latency_ms:>7.1f} ms  #{e.attempt}  {'' if e.ok else e.errmsg}"
        )
    if not entries:
        click.echo("（没有符合条件的记录）")


def _time(at: float) -> str:
    return datetime.fromtimestamp(at, ZONE).strftime("%Y-%m-%d %H:%M:%S")


@click.command("counts")
@click.option(
    "--days",
    default=7,
    show_default=True,
    type=click.IntRange(1, 366),
    help="Per-day figures for this many days up to today.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--reads", is_flag=True, help="Readers and shares per article and account instead.")
@click.pass_obj
def counts_command(obj: Any, days: int, as_json: bool, reads: bool) -> None:
    """The column's running totals per account, the newest articles' outcomes, per day."""
    if reads:
        from syndication.cli_reads import print_reads

        with process_redis(obj.config) as redis:
            print_reads(redis, obj.config, as_json)
        return
    today = datetime.now(ZONE).date()
    day_list = [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
    with process_redis(obj.config) as redis:
        found = records.counts(redis, obj.config, day_list)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "published": found.published,
                    "per_day": found.per_day,
                    "by_state": {a: dict(c) for a, c in found.by_state.items()},
                    "articles": found.articles,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    for account_id, total in found.published.items():
        name = obj.config.accounts[account_id].name
        states = "，".join(
            f"{_state(s)} {n}" for s, n in sorted(found.by_state[account_id].items())
        )
        click.echo(
            f"{account_id:<6} {name}：已累计发布 {total} 篇" + (f"（{states}）" if states else "")
        )
    click.echo("每日发布：" + "  ".join(f"{d[5:]} {n}" for d, n in found.per_day.items()))


def _state(state: str) -> str:
    from syndication.publications import STATE_NAMES

    return STATE_NAMES.get(state, state)


@click.command("retry")
@click.argument("article_id")
@click.option("--account", "accounts", multiple=True, help="Only this account (repeatable).")
@click.option(
    "--force",
    is_flag=True,
    help="Also retry an unconfirmed one (only after checking it was NOT published).",
)
@click.option("--by", envvar="CSJ_USER", required=True, help="Who is acting (or CSJ_USER).")
@click.pass_obj
def retry_command(
    obj: Any, article_id: str, accounts: tuple[str, ...], force: bool, by: str
) -> None:
    """Queue an article's failed (or cancelled) publications again."""
    with process_redis(obj.config) as redis:
        _report(lambda: actions.retry(redis, article_id, by, time.time(), accounts, force))


@click.command("cancel")
@click.argument("article_id")
@click.option("--account", "accounts", multiple=True, help="Only this account (repeatable).")
@click.option("--by", envvar="CSJ_USER", required=True, help="Who is acting (or CSJ_USER).")
@click.pass_obj
def cancel_command(obj: Any, article_id: str, accounts: tuple[str, ...], by: str) -> None:
    """Cancel an article, or some of its accounts, before it is submitted."""
    with process_redis(obj.config) as redis:
        _report(lambda: actions.cancel(redis, article_id, by, time.time(), accounts))


def _report(action: Any) -> None:
    try:
        outcome = action()
    except ArticleError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    for account, text in outcome.items():
        click.echo(f"{account}: {text}")
