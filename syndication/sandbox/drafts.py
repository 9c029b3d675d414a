"""The draft box: draft/add|get|update|delete|count|batchget, WeChat's limits (facts doc §2.1)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from syndication.sandbox import media
from syndication.sandbox.content import clean_for_draft, text_of
from syndication.sandbox.errors import ApiError, ok
from syndication.sandbox.registry import Call, Endpoint, field_int, field_str
from syndication.sandbox.state import Keys, State, random_id

MAX_ARTICLES = 8
TITLE_CHARS, AUTHOR_CHARS, DIGEST_CHARS = 32, 16, 128
CONTENT_CHARS, CONTENT_BYTES = 20_000, 1024 * 1024  # "必须少于2万字符,小于1M"
SOURCE_URL_BYTES = 1024
DEFAULT_DIGEST_CHARS = 54
_MEDIA_TAG = re.compile(r"<\s*(audio|video)\b", re.IGNORECASE)  # not allowed in draft content
_OWN_IMAGE = re.compile(r"/_sandbox/media/([A-Za-z0-9_-]+)$")


def _text_field(article: dict[str, Any], name: str, limit: int, errcode: int, idx: int) -> str:
    value = field_str(article, name, required=False)
    if len(value) > limit:
        raise ApiError(errcode, f"article {idx}: {name} longer than {limit} characters")
    return value


def _flag(article: dict[str, Any], name: str) -> int:
    value = article.get(name, 0)
    if value not in (0, 1) or isinstance(value, float):
        raise ApiError(47001, f"{name} must be 0 or 1")
    return int(value)


def _image_kept(call: Call) -> Any:
    """An <img> survives only if it came from uploadimg (this sandbox) or WeChat's image host."""

    def keep(src: str) -> bool:
        parts = urlsplit(src)
        if parts.hostname and parts.hostname.endswith(("qpic.cn", "qlogo.cn")):
            return True
        found = _OWN_IMAGE.search(parts.path)
        record = media.load(call.state, found.group(1), call.now) if found else None
        return bool(record and record["kind"] == "img" and record["account"] == call.acct.id)

    return keep


def check_article(call: Call, article: Any, idx: int, single: bool) -> dict[str, Any]:
    """Validate one article as draft/add does; return it as WeChat stores it."""
    if not isinstance(article, dict):
        raise ApiError(47001, f"article {idx} must be an object")
    article_type = article.get("article_type", "news") or "news"
    if article_type not in ("news", "newspic"):
        raise ApiError(47001, f"article {idx}: article_type must be news or newspic")
    title = _text_field(article, "title", TITLE_CHARS, 45003, idx)
    if not title.strip():
        raise ApiError(44004, f"article {idx}: title missing")
    author = _text_field(article, "author", AUTHOR_CHARS, 45110, idx)
    digest = _text_field(article, "digest", DIGEST_CHARS, 45004, idx)
    content = field_str(article, "content", required=False)
    if not content.strip():
        raise ApiError(44004, f"article {idx}: content missing")
    if len(content) >= CONTENT_CHARS or len(content.encode()) >= CONTENT_BYTES:
        raise ApiError(
            45002, f"article {idx}: content must be under {CONTENT_CHARS} characters and 1 MB"
        )
    source_url = field_str(article, "content_source_url", required=False)
    if len(source_url.encode()) > SOURCE_URL_BYTES:
        raise ApiError(45005, f"article {idx}: content_source_url over 1 KB")
    thumb_id, thumb_url = _thumb(call, article, idx, article_type)
    if _MEDIA_TAG.search(content):
        raise ApiError(45166, f"article {idx}: content may not contain audio or video")
    cleaned = clean_for_draft(content, _image_kept(call))
    return {
        "article_type": article_type,
        "title": title,
        "author": author,
        "digest": (digest or text_of(cleaned)[:DEFAULT_DIGEST_CHARS]) if single else "",
        "content": cleaned,
        "content_source_url": source_url,
        "thumb_media_id": thumb_id,
        "thumb_url": thumb_url,
        "need_open_comment": _flag(article, "need_open_comment"),
        "only_fans_can_comment": _flag(article, "only_fans_can_comment"),
    }


def _thumb(call: Call, article: dict[str, Any], idx: int, article_type: str) -> tuple[str, str]:
    thumb_id = field_str(article, "thumb_media_id", required=article_type == "news", missing=40007)
    if not thumb_id:
        return "", ""
    if media.permanent_image(call.state, call.acct.id, thumb_id, call.now) is None:
        raise ApiError(
            40007, f"article {idx}: thumb_media_id must be a permanent image of this account"
        )
    return thumb_id, media.media_url(call.base_url, thumb_id)


def load(state: State, account: str, media_id: str) -> dict[str, Any] | None:
    """A draft of this account, or None."""
    draft = state.get_json(Keys.draft(media_id)) if media_id else None
    return draft if draft and draft["account"] == account else None


def remove(state: State, account: str, media_id: str) -> None:
    """Take a draft out of the box (deleted, or published / mass-sent, as WeChat does)."""
    state.redis.delete(Keys.draft(media_id), Keys.draft_publishing(media_id))
    state.redis.zrem(Keys.drafts(account), media_id)


def add(call: Call) -> dict:
    """draft/add {articles: [...]} -> {media_id}."""
    articles = call.json().get("articles")
    if articles is None or articles == []:
        raise ApiError(44003)
    if not isinstance(articles, list):
        raise ApiError(47001, "articles must be a list")
    if len(articles) > MAX_ARTICLES:
        raise ApiError(45008, f"at most {MAX_ARTICLES} articles")
    checked = [check_article(call, a, i, len(articles) == 1) for i, a in enumerate(articles, 1)]
    media_id = random_id(length=64)
    call.state.set_json(
        Keys.draft(media_id),
        {
            "account": call.acct.id,
            "articles": checked,
            "create_time": int(call.now),
            "update_time": int(call.now),
        },
    )
    call.state.redis.zadd(Keys.drafts(call.acct.id), {media_id: call.state.newest(call.now)})
    return {"media_id": media_id}


def update(call: Call) -> dict:
    """draft/update {media_id, index, articles: {...}}: replace one article (index from 0)."""
    data = call.json()
    media_id, draft = _draft_of(call)
    index = field_int(data, "index", 0)
    if not 0 <= index < len(draft["articles"]):
        raise ApiError(40035, f"index must be 0 to {len(draft['articles']) - 1}")
    single = len(draft["articles"]) == 1
    draft["articles"][index] = check_article(call, data.get("articles"), index + 1, single)
    draft["update_time"] = int(call.now)
    call.state.set_json(Keys.draft(media_id), draft)
    call.state.redis.zadd(Keys.drafts(call.acct.id), {media_id: call.state.newest(call.now)})
    return ok()


def _draft_of(call: Call) -> tuple[str, dict[str, Any]]:
    media_id = field_str(call.json(), "media_id", missing=40007)
    draft = load(call.state, call.acct.id, media_id)
    if draft is None:
        raise ApiError(40007)
    return media_id, draft


def news_items(articles: list[dict[str, Any]], no_content: bool = False) -> list[dict[str, Any]]:
    """Articles as the API returns them (content left out on request)."""
    return [
        {**a, "content": "" if no_content else a["content"], "url": a.get("url", "")}
        for a in articles
    ]


def get(call: Call) -> dict:
    """draft/get {media_id} -> {news_item: [...]}."""
    _, draft = _draft_of(call)
    return {"news_item": news_items(draft["articles"])}


def delete(call: Call) -> dict:
    """draft/delete {media_id}."""
    media_id, _ = _draft_of(call)
    remove(call.state, call.acct.id, media_id)
    return ok()


def count(call: Call) -> dict:
    """draft/count -> {total_count}."""
    return {"total_count": call.state.redis.zcard(Keys.drafts(call.acct.id))}


def page_args(call: Call) -> tuple[int, int, bool]:
    """offset ≥ 0, count 1–20, no_content 0/1 (batchget of drafts and of publications)."""
    data = call.json()
    offset, number = field_int(data, "offset", 0), field_int(data, "count", 20)
    no_content = field_int(data, "no_content", 0)
    if offset < 0 or not 1 <= number <= 20 or no_content not in (0, 1):
        raise ApiError(40035, "offset ≥ 0, count 1-20, no_content 0 or 1")
    return offset, number, bool(no_content)


def batchget(call: Call) -> dict:
    """draft/batchget {offset, count, no_content}: newest first."""
    offset, number, no_content = page_args(call)
    key = Keys.drafts(call.acct.id)
    items = []
    for media_id in call.state.redis.zrevrange(key, offset, offset + number - 1):
        draft = call.state.get_json(Keys.draft(media_id.decode()))
        if draft:
            items.append(
                {
                    "media_id": media_id.decode(),
                    "update_time": draft["update_time"],
                    "content": {
                        "news_item": news_items(draft["articles"], no_content),
                        "create_time": draft["create_time"],
                        "update_time": draft["update_time"],
                    },
                }
            )
    return {"total_count": call.state.redis.zcard(key), "item_count": len(items), "item": items}


ENDPOINTS = [
    Endpoint("draft/add", "POST", add),
    Endpoint("draft/get", "POST", get),
    Endpoint("draft/delete", "POST", delete),
    Endpoint("draft/update", "POST", update),
    Endpoint("draft/count", "GET", count),
    Endpoint("draft/batchget", "POST", batchget),
]
