"""The WeChat side of publishing one (article, account): each function is one step.

Every step follows one rhythm: record the intent, call WeChat, record the result, and only then
go on. A process that dies anywhere leaves a state from which the next worker either repeats a
harmless step (an upload, a draft it can find again) or reconciles (a submit is never repeated
blindly: it is looked up, and if it can't be found the publication is flagged for a person).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.config import Account, Config
from bot.store import SynKeys
from syndication import articles, content, policy
from syndication import publications as pubs
from syndication.articles import Article
from syndication.calls import CallFailed, Recorder, Where
from syndication.publications import Move, Publication

FIRST_POLL = 120.0  # seconds: the PUBLISHJOBFINISH push usually comes first; poll sparingly
MAX_POLL_GAP = 3600.0
#: Unconfirmed submits: look again after these gaps (about a day in all), then leave it to a person.
RECHECK_GAPS = (30.0, 120.0, 600.0, 1800.0, 3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0)
LOOKBACK = 20  # how many of the newest drafts or publications a reconciliation reads


@dataclass
class Context:
    """What a step needs: config, Redis, an API client per account, the clock, the recorder."""

    config: Config
    redis: Any
    client: Callable[[Account], Any]
    clock: Callable[[], float]
    recorder: Recorder
    token: str = ""  # the worker's lock token for this (article, account)

    def where(self, pub: Publication) -> Where:
        return Where(pub.article, pub.account, pub.attempts + 1)

    def call(self, pub: Publication, step: str, fn: Callable[[Any], Any]) -> Any:
        """One API call for this publication, with the account's client."""
        account = self.config.accounts[pub.account]
        client = self.client(account)
        return self.recorder.call(self.where(pub), step, lambda: fn(client))

    def move(self, pub: Publication, expected: tuple[str, ...], **changes: Any) -> Publication:
        """Record a change (fenced by the worker's lock) and return the new state."""
        pubs.move(
            self.redis, pub.article, pub.account, Move(expected, changes, self.token), self.clock()
        )
        return _replace(pub, changes)

    def publish(self, pub: Publication, article: Article, **changes: Any) -> Publication:
        """Record the publication as published: counted, numbered and listed in the column."""
        now = self.clock()
        changes = {"state": pubs.PUBLISHED, "published_at": now, "next_at": 0, **changes}
        item = {
            "title": article.title,
            "digest": article.digest,
            "url": changes.get("url", pub.url),
            "cover_url": _cached(self.redis, pub.account, "cover", article.cover).get("url", ""),
            "published_at": now,
        }
        move = Move((pub.state,), changes, self.token, day=policy.day_of(now), column_item=item)
        pubs.move(self.redis, pub.article, pub.account, move, now)
        return _replace(pub, changes)


def _replace(pub: Publication, changes: dict[str, Any]) -> Publication:
    return replace(pub, **changes)


def cached_cover(redis: Any, account: str, digest: str) -> dict[str, Any]:
    """The account's permanent material for this cover ({media_id, url}), or {}."""
    return _cached(redis, account, "cover", digest)


def _cached(redis: Any, account: str, kind: str, digest: str) -> dict[str, Any]:
    raw = redis.get(SynKeys.media_cache(account, kind, digest))
    return json.loads(raw) if raw else {}


# ---- prepare: cover, body images, draft -------------------------------------------------


def prepare(ctx: Context, pub: Publication, article: Article) -> Publication:
    """Upload what the account lacks and put the article in its draft box."""
    if pub.state == pubs.QUEUED:
        pub = ctx.move(pub, (pubs.QUEUED,), state=pubs.PREPARING)
    cover = _cover(ctx, pub, article)
    html = content.swap_images(article.html, lambda sha: _body_image(ctx, pub, sha))
    draft = _draft_payload(article, html, cover["media_id"])
    media_id = _find_draft(ctx, pub, draft) if pub.draft_intent_at else ""
    if not media_id:
        pub = ctx.move(pub, (pubs.PREPARING,), draft_intent_at=ctx.clock())
        media_id = ctx.call(pub, "draft/add", lambda c: c.draft.add([draft]))["media_id"]
    return ctx.move(
        pub,
        (pubs.PREPARING,),
        state=pubs.DRAFTED,
        draft_media_id=media_id,
        draft_version=article.version,
        next_at=_after_draft(ctx, pub, article),
        errcode="",
        reason="已存入草稿箱，请在公众平台手动发表" if pub.mode == "draft" else "",
    )


def _after_draft(ctx: Context, pub: Publication, article: Article) -> float:
    """When to look again: never in draft mode (a person publishes), else at publish time."""
    if pub.mode == "draft":
        return 0
    return max(article.publish_at or 0, ctx.clock())


def _cover(ctx: Context, pub: Publication, article: Article) -> dict[str, Any]:
    """The cover as the account's permanent image material (media_id and url), cached."""
    found = _cached(ctx.redis, pub.account, "cover", article.cover)
    if found:
        return found
    data = articles.blob(ctx.redis, article.cover)
    result = ctx.call(
        pub, "material/add_material", lambda c: c.material.add("image", ("cover.jpg", data))
    )
    found = {"media_id": result["media_id"], "url": result.get("url", "")}
    ctx.redis.set(SynKeys.media_cache(pub.account, "cover", article.cover), json.dumps(found))
    return found


def _body_image(ctx: Context, pub: Publication, sha: str) -> str:
    """A body image's URL on WeChat's image host for this account (uploadimg), cached."""
    key = SynKeys.media_cache(pub.account, "img", sha)
    url = ctx.redis.get(key)
    if url:
        return url.decode()
    data = articles.blob(ctx.redis, sha)
    name = "image.png" if data.startswith(b"\x89PNG") else "image.jpg"
    url = ctx.call(pub, "media/uploadimg", lambda c: c.media.upload_image((name, data)))
    url = url if isinstance(url, str) else url["url"]
    ctx.redis.set(key, url)
    return url


def _draft_payload(article: Article, html: str, thumb: str) -> dict[str, Any]:
    return {
        "title": article.title,
        "author": article.author,
        "digest": article.digest,
        "content": html,
        "content_source_url": article.source_url,
        "thumb_media_id": thumb,
        "need_open_comment": 0,
        "only_fans_can_comment": 0,
    }


def _find_draft(ctx: Context, pub: Publication, draft: dict[str, Any]) -> str:
    """A draft an earlier attempt made (same title and cover, made since it tried), or ""."""
    found = ctx.call(pub, "draft/batchget", lambda c: c.draft.batchget(0, LOOKBACK, 1))
    for item in found.get("item", []):
        news = item.get("content", {}).get("news_item", [])
        if (
            news
            and news[0].get("title") == draft["title"]
            and news[0].get("thumb_media_id") == draft["thumb_media_id"]
            and float(item.get("update_time", 0)) >= pub.draft_intent_at - 5
        ):
            return item["media_id"]
    return ""


# ---- submit: freepublish or mass send ---------------------------------------------------


def submit(ctx: Context, pub: Publication, article: Article) -> Publication:
    """Hand the draft to WeChat: freepublish/submit, or a mass send (one a day)."""
    if pub.mode == "masssend":
        return _send_mass(ctx, pub)
    pub = ctx.move(pub, (pubs.DRAFTED,), submit_intent_at=ctx.clock())
    result = ctx.call(pub, "freepublish/submit", lambda c: c.freepublish.submit(pub.draft_media_id))
    publish_id = str(result["publish_id"])
    ctx.redis.set(SynKeys.publish_id(pub.account, publish_id), pub.article)
    return ctx.move(
        pub,
        (pubs.DRAFTED,),
        state=pubs.SUBMITTED,
        publish_id=publish_id,
        msg_data_id=str(result.get("msg_data_id", "")),
        next_at=ctx.clock() + FIRST_POLL,
        attempts=0,
        errcode="",
        reason="",
    )


def _send_mass(ctx: Context, pub: Publication) -> Publication:
    """mass/sendall with a clientmsgid: a repeat is answered 45065 with the first msg_id."""
    day_key = SynKeys.mass_day(pub.account, policy.day_of(ctx.clock()))
    ctx.redis.set(day_key, pub.article, nx=True, ex=2 * 86400)
    holder = ctx.redis.get(day_key)
    if holder and holder.decode() != pub.article:
        raise CallFailed(
            "mass/sendall",
            45028,
            f"today's mass send went to {holder.decode()}",
            policy.Decision(policy.PARK, "今日群发次数已用于另一篇文章，零点后自动继续"),
        )
    if not pub.submit_intent_at:
        pub = ctx.move(pub, (pubs.DRAFTED,), submit_intent_at=ctx.clock())
    try:
        result = ctx.call(pub, "message/mass/sendall", lambda c: _sendall(c, pub))
    except CallFailed as failed:
        if failed.errcode != 45065:
            raise
        result = {"msg_id": _msg_id_of(failed), "msg_data_id": ""}
    ctx.redis.set(SynKeys.publish_id(pub.account, f"mass:{result['msg_id']}"), pub.article)
    return ctx.move(
        pub,
        (pubs.DRAFTED,),
        state=pubs.SUBMITTED,
        msg_id=str(result["msg_id"]),
        msg_data_id=str(result.get("msg_data_id", "")),
        next_at=ctx.clock() + FIRST_POLL,
        attempts=0,
        errcode="",
        reason="",
    )


def _sendall(client: Any, pub: Publication) -> dict[str, Any]:
    return client.message.send_mass_article(
        pub.draft_media_id, None, is_to_all=True, client_msg_id=clientmsgid(pub)
    )


def clientmsgid(pub: Publication) -> str:
    """Stable per (article, account): WeChat refuses a second send with it (≤ 64 bytes)."""
    return f"csj-{pub.article}-{pub.account}"[:64]


def _msg_id_of(failed: CallFailed) -> str:
    """45065 carries the msg_id of the send that already happened."""
    cause = failed.__cause__
    response = getattr(cause, "response", None)
    try:
        return str(response.json()["msg_id"])
    except (AttributeError, KeyError, ValueError):
        return ""
