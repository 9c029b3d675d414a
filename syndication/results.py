"""How a submitted (article, account) ends: results pushed, polled, or reconciled.

Results arrive three ways, all ending in `settle`: the PUBLISHJOBFINISH / MASSSENDJOBFINISH
push (read from the webhook's stream), sparse polling (freepublish/get, message/mass/get: the
polling quota is 100 a day), and, for a submit whose answer was lost, a look in the account's
published list (freepublish/batchget). A lost submit is never sent again by itself.
"""

from __future__ import annotations

from typing import Any

from syndication import policy, steps
from syndication import publications as pubs
from syndication.articles import Article
from syndication.publications import Publication
from syndication.steps import FIRST_POLL, LOOKBACK, MAX_POLL_GAP, RECHECK_GAPS, Context

WAITING = 1  # publish_status: still publishing
UNCONFIRMED_REASON = "提交后未收到微信的回应，正在核对是否已发布"
FLAGGED_REASON = (
    "无法确认是否已发布：请在公众平台“发表记录”中核对；未发布可点“重试”，已发布请勿重试"
)


def settle(
    ctx: Context,
    pub: Publication,
    article: Article,
    status: int,
    url: str,
    wx_id: str,
    fail_idx: Any = (),
) -> Publication:
    """Record a publish_status (freepublish's numbering; mass sends are mapped onto it)."""
    if status == 0:
        return ctx.publish(pub, article, url=url, wx_article_id=wx_id, errcode="", reason="")
    if status == WAITING:
        gap = min(FIRST_POLL * 2**pub.polls, MAX_POLL_GAP)
        return ctx.move(pub, (pub.state,), polls=pub.polls + 1, next_at=ctx.clock() + gap)
    reason = policy.PUBLISH_FAILURES.get(status, f"发布失败（状态 {status}）")
    if fail_idx:
        reason += f"（第 {','.join(map(str, fail_idx))} 篇）"
    return ctx.move(
        pub, (pub.state,), state=pubs.FAILED, errcode=f"status:{status}", reason=reason, next_at=0
    )


def poll(ctx: Context, pub: Publication, article: Article) -> Publication:
    """Ask WeChat how a submitted job ended (sparingly: the quota is 100 a day)."""
    if pub.mode == "masssend":
        return _poll_mass(ctx, pub, article)
    found = ctx.call(pub, "freepublish/get", lambda c: c.freepublish.get(pub.publish_id))
    urls = [i.get("article_url", "") for i in found.get("article_detail", {}).get("item", [])]
    return settle(
        ctx,
        pub,
        article,
        int(found.get("publish_status", WAITING)),
        urls[0] if urls else "",
        str(found.get("article_id", "")),
        found.get("fail_idx") or (),
    )


_MASS_STATUS = {"SEND_SUCCESS": 0, "SENDING": WAITING, "SEND_FAIL": 3, "DELETE": 5}


def _poll_mass(ctx: Context, pub: Publication, article: Article) -> Publication:
    found = ctx.call(pub, "message/mass/get", lambda c: c.message.get_mass(pub.msg_id))
    status = _MASS_STATUS.get(str(found.get("msg_status", "")), WAITING)
    return settle(ctx, pub, article, status, pub.url, pub.wx_article_id)


def reconcile(ctx: Context, pub: Publication, article: Article) -> Publication:
    """A submit may have happened: find it among the account's publications, never resend."""
    match = _find_published(ctx, pub, article)
    if match is not None:
        wx_id, url = match
        return ctx.publish(pub, article, url=url, wx_article_id=wx_id, errcode="", reason="")
    checks = pub.polls if pub.state == pubs.UNCONFIRMED else 0
    # Look again ever more slowly, then stop (batchget's quota is 100 a day); a late
    # PUBLISHJOBFINISH can still settle it, and a person is asked to check.
    gap = RECHECK_GAPS[checks] if checks < len(RECHECK_GAPS) else 0
    return ctx.move(
        pub,
        (pub.state,),
        state=pubs.UNCONFIRMED,
        polls=checks + 1,
        next_at=ctx.clock() + gap if gap else 0,
        reason=UNCONFIRMED_REASON if checks < 2 else FLAGGED_REASON,
    )


def _find_published(ctx: Context, pub: Publication, article: Article) -> tuple[str, str] | None:
    """(article_id, url) of a publication of this title made since the submit was tried."""
    found = ctx.call(pub, "freepublish/batchget", lambda c: c.freepublish.batchget(0, LOOKBACK, 1))
    cover = steps.cached_cover(ctx.redis, pub.account, article.cover).get("media_id")
    for item in found.get("item", []):
        news = item.get("content", {}).get("news_item", [])
        if (
            news
            and news[0].get("title") == article.title
            and (not cover or news[0].get("thumb_media_id", cover) == cover)  # its cover
            and float(item.get("update_time", 0)) >= pub.submit_intent_at - 5
        ):
            return str(item["article_id"]), news[0].get("url", "")
    return None


def match_unknown_job(
    ctx: Context, account: str, wx_article_id: str, candidates: list[tuple[Publication, Article]]
) -> tuple[Publication, Article] | None:
    """A finished job we have no publish_id for: the candidate whose title it carries."""
    if not candidates:
        return None
    pub = candidates[0][0]
    found = ctx.call(
        pub, "freepublish/getarticle", lambda c: c.freepublish.getarticle(wx_article_id)
    )
    titles = {n.get("title") for n in found.get("news_item", [])}
    for candidate, article in candidates:
        if article.title in titles and candidate.account == account:
            return candidate, article
    return None
