"""`csj post import-history`, `csj reads backfill`, and what `csj counts --reads` prints."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from bot import ZONE
from bot.config import Config
from syndication import datacube, history, reads, runtime
from syndication.articles import ArticleError
from syndication.cli_publish import process_redis
from syndication.history_file import read_history_file

MAX_BACKFILL_DAYS = 366


@click.command("import-history")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", envvar="CSJ_USER", help="Who is importing (姓名), for the audit trail.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
@click.pass_obj
def import_history_command(obj: Any, file: Path, by: str | None, as_json: bool) -> None:
    """Import the column's back catalogue: CSV `title,date,<account>…` (URLs) or the same JSON."""
    try:
        if not (by or "").strip():
            raise ArticleError(["请用 --by 姓名 写明操作人（或设置环境变量 CSJ_USER）"])
        rows = read_history_file(file, obj.config, datetime.fromtimestamp(obj.clock(), ZONE).date())
        with process_redis(obj.config) as redis:
            outcome = history.import_history(redis, obj.config, rows, str(by).strip(), obj.clock())
    except ArticleError as exc:
        if as_json:
            click.echo(json.dumps({"errors": exc.problems}, ensure_ascii=False))
        else:
            for problem in exc.problems:
                click.echo(problem, err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(asdict(outcome), ensure_ascii=False))
        return
    if outcome.added:
        click.echo(
            f"已导入 {len(outcome.added)} 篇往期文章（{outcome.added[0]}–{outcome.added[-1]}）"
        )
    else:
        click.echo(f"没有变化：文件中的 {outcome.unchanged} 篇均已导入")
    if outcome.renumbered:
        click.echo(f"期数随日期顺延：{'、'.join(outcome.renumbered)}")
    click.echo(f"往期共 {outcome.total} 篇；下一篇发布的文章为第{outcome.next_number}期")


@click.group("reads")
def reads_group() -> None:
    """Reading and follower figures from WeChat (datacube)."""


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date like 2026-12-01", param_hint=option
        ) from None


@reads_group.command("backfill")
@click.option("--from", "start", required=True, help="First day (YYYY-MM-DD, Beijing time).")
@click.option("--to", "end", help="Last day (default: yesterday, the latest WeChat has).")
@click.pass_obj
def backfill_command(obj: Any, start: str, end: str | None) -> None:
    """Fetch the figures of a range of days not fetched yet (days already there: no call)."""
    now = obj.clock()
    first = _date(start, "--from")
    last = _date(end, "--to") if end else datacube.yesterday(now)
    if first > last:
        raise click.BadParameter("--from must not be after --to", param_hint="--from")
    if (last - first).days >= MAX_BACKFILL_DAYS:
        raise click.BadParameter(f"at most {MAX_BACKFILL_DAYS} days at once", param_hint="--to")
    if last > datacube.yesterday(now):
        click.echo(f"WeChat has figures up to yesterday ({datacube.yesterday(now)}) only", err=True)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    with process_redis(obj.config) as redis:
        report = datacube.pull(runtime.make_context(obj.config, redis), days, now)
    _print_report(report)
    if report.failed or report.parked:
        sys.exit(1)


def _print_report(report: datacube.Report) -> None:
    click.echo(f"调用 {report.calls} 次")
    for label, lines in (("数据尚未生成，稍后再取", report.not_ready), ("失败", report.failed)):
        for line in lines:
            click.echo(f"{label}：{line}")
    for account in report.parked:
        click.echo(f"{account}：今日接口调用次数已用完（45009），零点后再取")
    for account in report.busy:
        click.echo(f"{account}：另一个进程正在拉取，已跳过")


def print_reads(redis: Any, config: Config, as_json: bool) -> None:
    """Per article and account: readers, shares; then the column's totals per account."""
    summaries = reads.article_summary(redis, config)
    totals = reads.column_totals(summaries)
    if as_json:
        click.echo(json.dumps(_reads_json(summaries, totals), ensure_ascii=False, indent=1))
        return
    if not summaries:
        click.echo("专栏还没有已发布的文章")
    for summary in summaries:
        click.echo(f"第{summary.number}期 {summary.day} {summary.title}")
        for account, figures in summary.accounts.items():
            if figures.readers is None:
                click.echo(f"  {account:<6} 暂无数据")
            else:
                click.echo(
                    f"  {account:<6} 阅读 {figures.readers} 人，分享 {figures.shares} 人"
                    f"（截至 {figures.stat_date}）"
                )
        click.echo(f"  合计   阅读 {summary.readers} 人，分享 {summary.shares} 人")
    click.echo("专栏合计：")
    for account, (readers, shares) in totals.items():
        click.echo(
            f"  {account:<6} {config.accounts[account].name}：阅读 {readers} 人，分享 {shares} 人"
        )
    all_readers, all_shares = (sum(t[i] for t in totals.values()) for i in (0, 1))
    click.echo(f"  全部   阅读 {all_readers} 人，分享 {all_shares} 人")


def _reads_json(summaries: list[reads.ArticleReads], totals: dict[str, tuple[int, int]]) -> dict:
    return {
        "articles": [
            {
                "article": s.article,
                "number": s.number,
                "title": s.title,
                "date": s.day,
                "accounts": {a: asdict(f) for a, f in s.accounts.items()},
                "readers": s.readers,
                "shares": s.shares,
            }
            for s in summaries
        ],
        "totals": {a: {"readers": r, "shares": s} for a, (r, s) in totals.items()},
    }
