"""`csj post add|list|show|edit|approve|request-changes`: column articles from the command line.

What editors read is in Chinese; --json prints the same for scripts. A refused change exits 1
with every problem on its own line (stderr, or {"errors": [...]} on stdout with --json).
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from bot.config import Config
from syndication import actions, articles, audit, review, sources
from syndication.articles import STATE_NAMES, Article, ArticleError
from syndication.cli_forecast import _redis

BY = click.option(
    "--by", envvar="CSJ_USER", help="Who is acting (姓名), for the audit trail. Default: $CSJ_USER."
)
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
PUBLISH_AT = click.option("--publish-at", help='"YYYY-MM-DD HH:MM" (Beijing time) or "now".')
ACCOUNTS = click.option(
    "--accounts", help="Target accounts, comma-separated (default: every column account)."
)
ARTICLE_FILE = click.Path(dir_okay=False, path_type=Path)
#: Audit actions as editors say them (others, such as the engine's, are shown as recorded).
ACTION_NAMES = {
    "create": "创建",
    "edit": "修改",
    "approve": "审核通过",
    "request_changes": "提修改意见",
    "cancel": "取消",
}


@click.group("post")
def post() -> None:
    """Column articles (美丽长三角): add, review, edit, list."""


def _refusals(func: Callable[..., None]) -> Callable[..., None]:
    """Turn an ArticleError into exit code 1 with every problem on its own line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except ArticleError as exc:
            if kwargs.get("as_json"):
                click.echo(json.dumps({"errors": exc.problems}, ensure_ascii=False))
            else:
                for problem in exc.problems:
                    click.echo(problem, err=True)
            sys.exit(1)

    return wrapper


def _person(by: str | None) -> str:
    if not (by or "").strip():
        raise ArticleError(["请用 --by 姓名 写明操作人（或设置环境变量 CSJ_USER）"])
    return str(by).strip()


@post.command("add")
@click.argument("file", type=ARTICLE_FILE)
@BY
@PUBLISH_AT
@ACCOUNTS
@JSON
@click.pass_obj
@_refusals
def add(
    obj: Any,
    file: Path,
    by: str | None,
    publish_at: str | None,
    accounts: str | None,
    as_json: bool,
) -> None:
    """Queue the article in FILE (.md or .html with front matter; images beside it)."""
    by = _person(by)
    data = sources.read_markdown_file(file)
    data = replace(data, **_options(publish_at, accounts))
    with _redis(obj) as redis:
        article = review.create(redis, obj.config, data, by, time.time())
    _report(article, obj.config, as_json, "已创建")


def _options(publish_at: str | None, accounts: str | None) -> dict[str, Any]:
    """--publish-at and --accounts as ArticleInput fields (only those given)."""
    out: dict[str, Any] = {}
    problems = []
    if publish_at is not None:
        try:
            out["publish_at"] = sources.parse_publish_at(publish_at)
        except ValueError as exc:
            problems.append(f"--publish-at：{exc}")
    if accounts is not None:
        out["accounts"] = sources.parse_accounts(accounts)
    if problems:
        raise ArticleError(problems)
    return out


def _report(article: Article, config: Config, as_json: bool, done: str) -> None:
    """One article after a change: what happened and what happens next."""
    if as_json:
        click.echo(json.dumps(review.as_dict(article, config), ensure_ascii=False))
        return
    click.echo(f"{done} {article.id}《{article.title}》（第 {article.version} 版）")
    click.echo(f"状态：{_state_line(article, config)}")
    click.echo(f"发布账号：{'、'.join(article.accounts)}")
    for warning in article.warnings:
        click.echo(f"提醒：{warning}")


def _state_line(article: Article, config: Config) -> str:
    name = STATE_NAMES.get(article.state, article.state)
    if article.state == articles.AWAITING:
        have, need = len(article.current_approvals()), config.syndication.approvals
        return f"{name}（已有 {have} 人审核通过，还需 {max(need - have, 0)} 人）"
    if article.state == articles.SCHEDULED:
        return f"{name}，发布时间：{review.format_time(article.publish_at)}"
    return name


@post.command("list")
@click.option("--state", type=click.Choice(list(STATE_NAMES)), help="Only articles in this state.")
@click.option("--limit", default=50, show_default=True, help="At most this many (newest first).")
@JSON
@click.pass_obj
def list_command(obj: Any, state: str | None, limit: int, as_json: bool) -> None:
    """List articles, newest first."""
    with _redis(obj) as redis:
        found = review.newest(redis, state, limit)
        started = {a.id: actions.progress(redis, a) for a in found if a.state == articles.STARTED}
    if as_json:
        click.echo(json.dumps([review.as_dict(a, obj.config) for a in found], ensure_ascii=False))
        return
    for article in found:
        click.echo(_list_line(article, obj.config, started.get(article.id)))
    if not found:
        click.echo("没有文章")


def _list_line(article: Article, config: Config, progress: str | None = None) -> str:
    state = progress or STATE_NAMES.get(article.state, article.state)
    review_count = f"审核 {len(article.current_approvals())}/{config.syndication.approvals}"
    when = review.format_time(article.publish_at)
    return f"{article.id}\t{state}\t{review_count}\t{when}\t{article.title}"


@post.command("show")
@click.argument("article_id")
@JSON
@click.pass_obj
@_refusals
def show(obj: Any, article_id: str, as_json: bool) -> None:
    """Show an article: fields, approvals, warnings, review notes and its audit trail."""
    with _redis(obj) as redis:
        article = articles.require(redis, article_id)
        trail = audit.entries(redis, article=article_id)
        accounts = actions.publications_dict(redis, article)
        progress = actions.progress(redis, article) if article.state == articles.STARTED else ""
    if as_json:
        data = review.as_dict(article, obj.config, full=True)
        data["audit"] = [_entry_dict(e) for e in trail]
        data["publications"] = accounts
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    _show_fields(article, obj.config, progress)
    _show_review(article)
    _show_publications(accounts, obj.config)
    click.echo("操作记录：")
    for entry in trail:
        action = ACTION_NAMES.get(entry.action, entry.action)
        click.echo(f"  {review.format_time(entry.at)} {entry.by} {action} {_detail(entry)}")


def _show_fields(article: Article, config: Config, progress: str = "") -> None:
    click.echo(f"{article.id}《{article.title}》 第 {article.version} 版")
    if article.number:
        click.echo(f"期数：第 {article.number} 期")
    click.echo(f"状态：{progress or _state_line(article, config)}")
    click.echo(f"作者：{article.author}")
    click.echo(f"摘要：{article.digest}")
    click.echo(f"原文链接：{article.source_url or '（无）'}")
    click.echo(f"发布账号：{'、'.join(article.accounts)}")
    click.echo(f"正文：{article.body_format}，{len(article.body)} 字，{len(article.images)} 张图片")
    click.echo(f"创建：{article.created_by}，{review.format_time(article.created_at)}")


def _show_review(article: Article) -> None:
    for approval in article.current_approvals():
        click.echo(f"审核通过：{approval.by}，{review.format_time(approval.at)}")
    for note in article.extra.get("review_notes", []):
        when = review.format_time(note["at"])
        click.echo(f"修改意见（第 {note['version']} 版，{note['by']}，{when}）：{note['note']}")
    for warning in article.warnings:
        click.echo(f"提醒：{warning}")


def _show_publications(accounts: dict[str, dict[str, Any]], config: Config) -> None:
    """Each account: what happened, the article's real URL, or why not and what next."""
    if not accounts:
        return
    click.echo("各账号：")
    for account_id, pub in accounts.items():
        name = config.accounts[account_id].name if account_id in config.accounts else ""
        detail = pub["url"] or pub["reason"]
        click.echo(
            f"  {account_id} {name}：{pub['state_name']}" + (f"  {detail}" if detail else "")
        )


def _detail(entry: audit.Entry) -> str:
    return json.dumps(entry.detail, ensure_ascii=False) if entry.detail else ""


def _entry_dict(entry: audit.Entry) -> dict[str, Any]:
    when = review.iso_time(entry.at)
    return {"at": when, "by": entry.by, "action": entry.action, "detail": entry.detail}


@post.command("edit")
@click.argument("article_id")
@click.option("--title", help="New title (标题).")
@click.option("--author", help="New author (作者).")
@click.option("--digest", help="New digest (摘要).")
@click.option("--source-url", help="New 阅读原文 URL.")
@click.option(
    "--file",
    "file",
    type=ARTICLE_FILE,
    help="Take body, images, cover and the fields it names from this article file.",
)
@PUBLISH_AT
@ACCOUNTS
@BY
@JSON
@click.pass_obj
@_refusals
def edit(obj: Any, article_id: str, file: Path | None, by: str | None, **options: Any) -> None:
    """Change an article not yet being published; earlier approvals stop counting."""
    by, as_json = _person(by), options.pop("as_json")
    changes = _file_changes(file) if file is not None else {}
    changes |= _options(options.pop("publish_at"), options.pop("accounts"))
    changes |= {name: value for name, value in options.items() if value is not None}
    with _redis(obj) as redis:
        article = review.edit(redis, obj.config, article_id, changes, by, time.time())
    _report(article, obj.config, as_json, "已修改")


def _file_changes(file: Path) -> dict[str, Any]:
    """What an article file changes: body, images, cover, and the fields it names."""
    data = sources.read_markdown_file(file)
    named = ("title", "author", "digest", "source_url", "accounts", "publish_at")
    changes = {n: getattr(data, n) for n in named if n in data.given}
    content = ("body", "body_format", "images", "cover", "cover_name")
    return changes | {n: getattr(data, n) for n in content}


@post.command("approve")
@click.argument("article_id")
@BY
@JSON
@click.pass_obj
@_refusals
def approve(obj: Any, article_id: str, by: str | None, as_json: bool) -> None:
    """Approve the article's current version (as someone other than its author)."""
    by = _person(by)
    with _redis(obj) as redis:
        article = review.approve(redis, obj.config, article_id, by, time.time())
    _report(article, obj.config, as_json, "已审核通过")


@post.command("request-changes")
@click.argument("article_id")
@BY
@click.option("--note", required=True, help="What should change (shown to the author).")
@JSON
@click.pass_obj
@_refusals
def request_changes(obj: Any, article_id: str, by: str | None, note: str, as_json: bool) -> None:
    """Leave a reviewer's note on the article (it stays as it is until someone edits it)."""
    by = _person(by)
    with _redis(obj) as redis:
        article = review.request_changes(redis, obj.config, article_id, by, note, time.time())
    _report(article, obj.config, as_json, "已记录修改意见：")
