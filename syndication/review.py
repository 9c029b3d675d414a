"""An article's life before publishing: create, edit, review (三审三校), cancel.

Each function checks everything first and raises ArticleError listing every problem; only then
does it store, in one transaction with its audit entry (articles.store_new / save_change).
Approvals count for one version: an edit makes a new version, so earlier approvals stop counting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot import ZONE
from bot.config import Config
from syndication import articles, checks, content, images
from syndication.articles import (
    AWAITING,
    CANCELLED,
    EDITABLE,
    SCHEDULED,
    STARTED,
    STATE_NAMES,
    Approval,
    Article,
    ArticleError,
)
from syndication.sources import ArticleInput

#: What an edit may change (names of ArticleInput's fields).
TEXT_FIELDS = ("title", "author", "digest", "source_url")
EDITABLE_FIELDS = frozenset(
    (*TEXT_FIELDS, "body", "body_format", "images", "cover", "cover_name", "accounts", "publish_at")
)
#: Fields whose old and new values go into an edit's audit entry (the others are long).
SHORT_FIELDS = (*TEXT_FIELDS, "accounts", "publish_at")
#: Stored fields compared to tell what an edit changed.
COMPARED = (*SHORT_FIELDS, "body", "body_format", "html", "images", "cover")
MAX_NAME = 64


def create(redis: Any, config: Config, data: ArticleInput, by: str, now: float) -> Article:
    """Check, render and store a new article; SCHEDULED at once when no approvals are needed."""
    by = _person(by)
    problems: list[str] = []
    html, blobs, body_warnings = _render(data.body, data.body_format, data.images, problems)
    cover, cover_blob, cover_warnings = _cover(data.cover_name, data.cover, problems)
    accounts = articles.default_accounts(config) if data.accounts is None else data.accounts
    problems += articles.check_accounts(config, tuple(accounts))
    problems += checks.check_fields(data.title, data.author, data.digest, data.source_url, html)
    if problems:
        raise ArticleError(problems)
    article = Article(
        id="",
        **{n: getattr(data, n) for n in (*TEXT_FIELDS, "body", "body_format", "publish_at")},
        html=html,
        cover=cover,
        images=tuple(blobs),
        accounts=tuple(accounts),
        created_by=by,
        created_at=now,
        updated_at=now,
        state=SCHEDULED if config.syndication.approvals == 0 else AWAITING,
        extra={"body_warnings": body_warnings, "cover_warnings": cover_warnings},
    )
    article = replace(article, warnings=_warnings(config, article, now))
    return articles.store_new(redis, article, {**blobs, **cover_blob}, by, now)


def _render(
    body: str, body_format: str, refs: Mapping[str, bytes], problems: list[str]
) -> tuple[str, dict[str, bytes], list[str]]:
    """The body as WeChat HTML, its prepared images by sha256, and its warnings."""
    rendered = content.render(body, body_format, refs)
    problems += rendered.problems
    return rendered.html, dict(rendered.images), list(rendered.warnings)


def _cover(
    name: str, data: bytes | None, problems: list[str]
) -> tuple[str, dict[str, bytes], list[str]]:
    """The prepared cover's sha256, {sha: bytes}, and its warnings."""
    if not data:
        problems.append("缺少封面图片")
        return "", {}, []
    try:
        prepared = images.prepare_cover(data)
    except images.ImageError as exc:
        problems.append(f"封面图片{' ' + name if name else ''}：{exc}")
        return "", {}, []
    sha = articles.digest_of(prepared)
    return sha, {sha: prepared}, list(images.cover_warnings(data))


def _warnings(config: Config, article: Article, now: float) -> tuple[str, ...]:
    """What is worth a look but does not block: body, cover, wording, a time already past."""
    found = [*article.extra.get("body_warnings", []), *article.extra.get("cover_warnings", [])]
    found += checks.lint(
        article.title,
        article.author,
        article.digest,
        article.body,
        article.html,
        body_format=article.body_format,
    )
    if article.publish_at is not None and article.publish_at < now - 60:
        when = "审核通过后" if config.syndication.approvals else "保存后"
        found.append(f"发布时间 {format_time(article.publish_at)} 已过，{when}将立即发布")
    return tuple(dict.fromkeys(found))


def edit(
    redis: Any, config: Config, article_id: str, changes: Mapping[str, Any], by: str, now: float
) -> Article:
    """Change an article not yet started: a new version, whose approvals start again."""
    by = _person(by)
    before = articles.require(redis, article_id)
    _refuse_unless_editable(before, "修改")
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ArticleError([f"不能修改的字段：{'、'.join(unknown)}"])
    problems: list[str] = []
    after, blobs = _apply(config, before, changes, problems)
    problems += checks.check_fields(
        after.title, after.author, after.digest, after.source_url, after.html
    )
    if problems:
        raise ArticleError(problems)
    names = [n for n in COMPARED if getattr(before, n) != getattr(after, n)]
    if not names:
        raise ArticleError(["内容与当前版本相同，没有需要保存的修改"])
    after = _new_version(config, after, by, now)
    shown = {n: [_plain(n, before), _plain(n, after)] for n in SHORT_FIELDS}
    return articles.save_change(
        redis,
        before,
        after,
        blobs,
        by,
        "edit",
        now,
        version=after.version,
        fields=names,
        **{n: v for n, v in shown.items() if n in names},
    )


def _apply(
    config: Config, before: Article, changes: Mapping[str, Any], problems: list[str]
) -> tuple[Article, dict[str, bytes]]:
    """The article with `changes` applied (same version still), and any new image bytes."""
    after = before
    for name in TEXT_FIELDS:
        if name in changes and not isinstance(changes[name], str):
            problems.append(f"{name} 应为一段文字")
        elif name in changes:
            after = replace(after, **{name: changes[name].strip()})
    if "accounts" in changes:
        accounts = changes["accounts"]
        accounts = articles.default_accounts(config) if accounts is None else tuple(accounts)
        problems += articles.check_accounts(config, accounts)
        after = replace(after, accounts=accounts)
    if "publish_at" in changes:
        when = changes["publish_at"]
        if when is not None and not isinstance(when, int | float):
            problems.append("publish_at 应为时间（或 None：立即）")
        else:
            after = replace(after, publish_at=None if when is None else float(when))
    return _apply_content(after, changes, problems)


def _apply_content(
    after: Article, changes: Mapping[str, Any], problems: list[str]
) -> tuple[Article, dict[str, bytes]]:
    """Render the body again if it or its images changed; prepare a new cover if given."""
    blobs: dict[str, bytes] = {}
    extra = dict(after.extra)
    if {"body", "body_format", "images"} & set(changes):
        body = changes.get("body", after.body)
        body_format = changes.get("body_format", after.body_format)
        html, blobs, extra["body_warnings"] = _render(
            body, body_format, changes.get("images", {}), problems
        )
        after = replace(after, body=body, body_format=body_format, html=html, images=tuple(blobs))
    if "cover" in changes:
        cover, cover_blob, extra["cover_warnings"] = _cover(
            changes.get("cover_name", ""), changes["cover"], problems
        )
        after, blobs = replace(after, cover=cover), {**blobs, **cover_blob}
    return replace(after, extra=extra), blobs


def _new_version(config: Config, article: Article, by: str, now: float) -> Article:
    """Next version: earlier approvals no longer count, so it waits for review again."""
    extra = {**article.extra, "edited_by": by}
    article = replace(article, version=article.version + 1, updated_at=now, extra=extra)
    article = replace(article, state=_state(config, article))
    return replace(article, warnings=_warnings(config, article, now))


def _state(config: Config, article: Article) -> str:
    enough = len(article.current_approvals()) >= config.syndication.approvals
    return SCHEDULED if enough else AWAITING


def approve(redis: Any, config: Config, article_id: str, by: str, now: float) -> Article:
    """Record `by`'s approval of the current version; SCHEDULED once there are enough."""
    by = _person(by)
    article = articles.require(redis, article_id)
    _refuse_unless_editable(article, "审核")
    if by in (article.created_by, article.extra.get("edited_by")):
        who = "作者" if by == article.created_by else "修改了当前版本的人"
        raise ArticleError([f"{who}不能审核自己的文章：需要其他人审核（{by}）"])
    if any(a.by == by for a in article.current_approvals()):
        raise ArticleError([f"{by} 已经审核通过第 {article.version} 版，不能重复审核"])
    after = replace(article, approvals=(*article.approvals, Approval(by, now, article.version)))
    after = replace(after, state=_state(config, after), updated_at=now)
    count, needed = len(after.current_approvals()), config.syndication.approvals
    detail = {"version": article.version, "count": count, "needed": needed}
    return articles.save_change(redis, article, after, {}, by, "approve", now, **detail)


def request_changes(
    redis: Any, config: Config, article_id: str, by: str, note: str, now: float
) -> Article:
    """Keep a reviewer's note on the current version (the article's state is unchanged)."""
    by, note = _person(by), note.strip()
    if not note:
        raise ArticleError(["请写明需要修改的地方"])
    article = articles.require(redis, article_id)
    _refuse_unless_editable(article, "提修改意见")
    entry = {"by": by, "at": now, "version": article.version, "note": note}
    notes = [*article.extra.get("review_notes", []), entry]
    after = replace(article, extra={**article.extra, "review_notes": notes}, updated_at=now)
    return articles.save_change(
        redis, article, after, {}, by, "request_changes", now, version=article.version, note=note
    )


def cancel_unstarted(redis: Any, article_id: str, by: str, now: float) -> Article:
    """Cancel an article the engine has not started (started ones are the engine's to stop)."""
    by = _person(by)
    article = articles.require(redis, article_id)
    _refuse_unless_editable(article, "取消")
    after = replace(article, state=CANCELLED, updated_at=now)
    return articles.save_change(redis, article, after, {}, by, "cancel", now, state=article.state)


def _refuse_unless_editable(article: Article, doing: str) -> None:
    if article.state == STARTED:
        raise ArticleError([f"文章 {article.id} 已开始发布，不能再{doing}"])
    if article.state == CANCELLED:
        raise ArticleError([f"文章 {article.id} 已取消，不能再{doing}"])
    if article.state not in EDITABLE:
        raise ArticleError([f"文章 {article.id} 的状态（{article.state}）不能{doing}"])


def _person(by: str | None) -> str:
    """The name of the person acting: required, so the audit trail can say who."""
    name = (by or "").strip()
    if not name:
        raise ArticleError(["缺少操作人：请写明是谁在操作（姓名）"])
    if len(name) > MAX_NAME or not name.isprintable():
        raise ArticleError([f"操作人姓名不合适（最多 {MAX_NAME} 个字，不能有换行等控制字符）"])
    return name


def _plain(name: str, article: Article) -> Any:
    """A field as the audit trail shows it (lists, times as text)."""
    value = getattr(article, name)
    if name == "publish_at":
        return format_time(value)
    return list(value) if isinstance(value, tuple) else value


def format_time(ts: float | None) -> str:
    """ "YYYY-MM-DD HH:MM" in Asia/Shanghai, or "立即" for None."""
    return "立即" if ts is None else datetime.fromtimestamp(ts, ZONE).strftime("%Y-%m-%d %H:%M")


def iso_time(ts: float | None) -> str | None:
    """ISO 8601 with the Shanghai offset, for JSON."""
    return None if ts is None else datetime.fromtimestamp(ts, ZONE).isoformat(timespec="seconds")


def as_dict(article: Article, config: Config, *, full: bool = False) -> dict[str, Any]:
    """The article for JSON (CLI --json, the API); `full` adds the body and its HTML."""
    out = {
        "id": article.id,
        "title": article.title,
        "author": article.author,
        "digest": article.digest,
        "source_url": article.source_url,
        "accounts": list(article.accounts),
        "publish_at": iso_time(article.publish_at),
        "state": article.state,
        "state_name": STATE_NAMES.get(article.state, article.state),
        "version": article.version,
        "number": article.number,
        "approvals": [{"by": a.by, "at": iso_time(a.at)} for a in article.current_approvals()],
        "approvals_needed": config.syndication.approvals,
        "created_by": article.created_by,
        "created_at": iso_time(article.created_at),
        "updated_at": iso_time(article.updated_at),
        "warnings": list(article.warnings),
        "review_notes": list(article.extra.get("review_notes", [])),
        "cover": article.cover,
        "images": list(article.images),
    }
    if full:
        out |= {"body": article.body, "body_format": article.body_format, "html": article.html}
    return out


def newest(redis: Any, state: str | None = None, limit: int = 50) -> list[Article]:
    """Up to `limit` articles in `state` (any when None), newest first."""
    found: list[Article] = []
    offset, page = 0, max(limit, 100)
    while len(found) < limit:
        ids = articles.list_ids(redis, page, offset)
        loaded = (articles.load(redis, i) for i in ids)
        found += [a for a in loaded if a is not None and state in (None, a.state)]
        if len(ids) < page:
            break
        offset += page
    return found[:limit]
