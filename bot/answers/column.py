"""The 美丽长三角 column: the newest articles published on this account, as a news reply.

Syndication writes the column into Redis (bot.store.SynKeys.column / column_item); the bot only
reads it, in two round trips: ZREVRANGE + ZCARD (pipelined), then one MGET.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.answers.menu import Menu
from bot.router import Incoming, Router
from bot.store import SynKeys
from bot.wechat.replies import Article, NewsReply, Reply, TextReply

log = logging.getLogger("csj.column")

COLUMN_KEY = "COLUMN"  # the menu button
# Passive news replies (ArticleCount): "当用户发送文本、图片、视频、图文、地理位置这五种消息时，
# 开发者只能回复1条图文消息；其余场景最多可回复8条图文消息"; "如果图文数超过限制，
# 则将只发限制内的条数". So a typed keyword shows the first (newest) item, which carries the
# total; the menu click (an event) shows all 8.
MAX_ITEMS = 8
EMPTY = "「美丽长三角」专栏在本号还没有文章，敬请期待。"
UNREADABLE = "「美丽长三角」专栏在本号已累计发布{total}篇，文章列表暂时无法显示，请稍后再试。"

# The column's name wins over the region group 长三角 it contains: "美丽长三角" is the column,
# "长三角空气" stays a forecast question. Text arrives normalised (traditional → simplified,
# punctuation folded), so 美麗長三角 and 《美丽长三角》 match too.
_HEADS = ("美丽长三角", "美丽长三角专栏", "专栏", "")
_TAILS = ("", "往期", "往期文章", "往期回顾", "最新文章", "文章", "历史文章")
COLUMN_WORDS = frozenset(h + t for h in _HEADS for t in _TAILS) - {"", "文章"}


def register(router: Router, menu: Menu) -> None:
    """Wire the column keywords and the COLUMN menu key (before the forecast's catch-all)."""
    menu.add("美丽长三角", "：本号「美丽长三角」专栏的最新文章")
    router.on_click(COLUMN_KEY, column_answer)
    router.on_text(is_column_request, column_answer)


def is_column_request(text: str) -> bool:
    """'美丽长三角', '专栏', '往期', '美丽长三角专栏', '往期文章', '最新文章' …"""
    return text.replace(" ", "") in COLUMN_WORDS


def column_answer(incoming: Incoming) -> Reply:
    """The newest column articles on this account, newest first, with the running total."""
    entries, total = _latest(incoming.redis, incoming.account.id)
    if total == 0:
        return TextReply(EMPTY)
    if not entries:
        return TextReply(UNREADABLE.format(total=total))
    articles = [_article(item) for item in entries]
    first = articles[0]
    lead = f"「美丽长三角」专栏本号已累计发布{total}篇"
    articles[0] = Article(
        first.title, f"{lead}\n{first.description}".rstrip(), first.url, first.pic_url
    )
    return NewsReply(tuple(articles))


def _latest(redis: Any, account: str) -> tuple[list[dict[str, Any]], int]:
    """(the newest readable items, newest first; the running total)."""
    key = SynKeys.column(account)
    pipe = redis.pipeline(transaction=False)
    pipe.zrevrange(key, 0, MAX_ITEMS - 1, withscores=True)
    pipe.zcard(key)
    ranked, total = pipe.execute()
    if not ranked:
        return [], int(total)
    ids = [_str(member) for member, _ in ranked]
    raws = redis.mget([SynKeys.column_item(account, article_id) for article_id in ids])
    items = []
    for article_id, (_, score), raw in zip(ids, ranked, raws, strict=True):
        item = _parse(account, article_id, raw)
        if item is not None:
            items.append((float(score), item))
    # Same publish time: the higher column number is the newer (ids sort as text, A10 < A9).
    items.sort(key=lambda pair: (pair[0], pair[1]["number"]), reverse=True)
    return [item for _, item in items], int(total)


def _parse(account: str, article_id: str, raw: Any) -> dict[str, Any] | None:
    """One column item, or None (logged) if it is missing or not the shape syndication writes."""
    try:
        item = json.loads(raw) if raw is not None else None
    except ValueError:
        item = None
    ok = (
        isinstance(item, dict)
        and isinstance(item.get("title"), str)
        and isinstance(item.get("url"), str)
        and item["url"]
    )
    if not ok:
        log.warning(
            "column item unreadable",
            extra={"fields": {"account": account, "article": article_id}},
        )
        return None
    number = item.get("number")
    item["number"] = number if isinstance(number, int) and not isinstance(number, bool) else 0
    return item


def _article(item: dict[str, Any]) -> Article:
    title = f"第{item['number']}期 {item['title']}" if item["number"] > 0 else item["title"]
    return Article(
        title=title,
        description=_text(item.get("digest")),
        url=item["url"],
        pic_url=_text(item.get("cover_url")),
    )


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
