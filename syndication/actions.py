"""What a person can do to a started article: cancel or retry, per account or for all."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from syndication import articles, audit, tasks
from syndication import publications as pubs
from syndication.articles import Article, ArticleError
from syndication.publications import Conflict, Move, Publication

CANCELLABLE = (pubs.QUEUED, pubs.PREPARING, pubs.DRAFTED)
RETRYABLE = (pubs.FAILED, pubs.CANCELLED)


def cancel(
    redis: Any, article_id: str, by: str, now: float, accounts: tuple[str, ...] = ()
) -> dict[str, str]:
    """Cancel an article (or some of its accounts); returns what happened per account."""
    article = articles.require(redis, article_id)
    if article.state in articles.EDITABLE and not accounts:
        after = replace(article, state=articles.CANCELLED, updated_at=now)
        articles.save_change(redis, article, after, {}, by, "cancel", now)
        return {a: "已取消" for a in article.accounts}
    if article.state == articles.CANCELLED:
        raise ArticleError([f"文章 {article_id} 已经取消"])
    outcome = {a: _cancel_one(redis, article, a, now) for a in _targets(article, accounts)}
    audit.record(redis, by, "cancel", article_id, now, accounts=outcome)
    return outcome


def _cancel_one(redis: Any, article: Article, account: str, now: float) -> str:
    pub = pubs.load(redis, article.id, account)
    if pub is None:
        return "尚未开始"
    if pub.state not in CANCELLABLE or pub.submit_intent_at:
        return f"无法取消：{pub.state_name}"
    try:
        pubs.move(
            redis,
            article.id,
            account,
            Move((pub.state,), {"state": pubs.CANCELLED, "next_at": 0, "reason": "已由人工取消"}),
            now,
        )
    except Conflict:
        return "无法取消：状态刚刚变化，请刷新"
    return "已取消"


def retry(
    redis: Any,
    article_id: str,
    by: str,
    now: float,
    accounts: tuple[str, ...] = (),
    force: bool = False,
) -> dict[str, str]:
    """Queue failed (or cancelled) publications again; unconfirmed ones only with force."""
    article = articles.require(redis, article_id)
    if article.state == articles.CANCELLED:
        raise ArticleError([f"文章 {article_id} 已取消，不能重试"])
    outcome = {a: _retry_one(redis, article, a, now, force) for a in _targets(article, accounts)}
    audit.record(redis, by, "retry", article_id, now, accounts=outcome, force=force)
    return outcome


def _retry_one(redis: Any, article: Article, account: str, now: float, force: bool) -> str:
    pub = pubs.load(redis, article.id, account)
    if pub is None:
        return "尚未开始"
    allowed = RETRYABLE + ((pubs.UNCONFIRMED,) if force else ())
    if pub.state not in allowed:
        if pub.state == pubs.UNCONFIRMED:
            return "结果未知：请先在公众平台核对确未发布，再加 --force 重试"
        return f"无需重试：{pub.state_name}"
    try:
        pubs.move(redis, article.id, account, Move((pub.state,), _fresh(now)), now)
    except Conflict:
        return "无法重试：状态刚刚变化，请刷新"
    tasks.enqueue(redis, article.id, account)
    return "已重新排队"


def _fresh(now: float) -> dict[str, Any]:
    """A publication back at the start: a new draft, no job, no error, attempts reset."""
    return {
        "state": pubs.QUEUED,
        "attempts": 0,
        "errcode": "",
        "reason": "",
        "polls": 0,
        "draft_media_id": "",
        "draft_intent_at": 0.0,
        "submit_intent_at": 0.0,
        "publish_id": "",
        "msg_id": "",
        "msg_data_id": "",
        "next_at": now,
    }


def _targets(article: Article, accounts: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [a for a in accounts if a not in article.accounts]
    if unknown:
        raise ArticleError([f"文章 {article.id} 没有发往这些账号：{'、'.join(unknown)}"])
    return accounts or article.accounts


def progress(redis: Any, article: Article) -> str:
    """A started article in one line for an editor: "已发布 3，失败 1（共 4 个账号）"."""
    found = Counter(p.state for p in publications(redis, article).values())
    order = [s for s in pubs.STATE_NAMES if found[s]]
    parts = "，".join(f"{pubs.STATE_NAMES[s]} {found[s]}" for s in order) or "尚未开始"
    return f"{parts}（共 {len(article.accounts)} 个账号）"


def publications(redis: Any, article: Article) -> dict[str, Publication]:
    """Each account's publication of an article (those that exist)."""
    return pubs.load_all(redis, article.id, article.accounts)


def publications_dict(redis: Any, article: Article) -> dict[str, dict[str, Any]]:
    """Each account's publication as JSON: state, reason, URL, job ids, times."""
    return {
        account: {
            "state": pub.state,
            "state_name": pub.state_name,
            "reason": pub.reason,
            "errcode": pub.errcode,
            "attempts": pub.attempts,
            "url": pub.url,
            "publish_id": pub.publish_id,
            "msg_id": pub.msg_id,
            "msg_data_id": pub.msg_data_id,
            "article_id": pub.wx_article_id,
            "published_at": pub.published_at or None,
            "next_at": pub.next_at or None,
            "updated_at": pub.updated_at,
        }
        for account, pub in publications(redis, article).items()
    }
