"""Moving one (article, account) forward, and deciding what happens when a step fails.

`advance` is what a worker runs for a task; `next_step` says which step a state needs now.
Retries, parking and stopping live here, around the steps (policy.py has the table).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from syndication import articles, policy, results, steps
from syndication import publications as pubs
from syndication.articles import Article
from syndication.calls import CallFailed, NotSent, OutcomeUnknown
from syndication.publications import Conflict, Publication
from syndication.steps import Context

log = logging.getLogger("csj.syndication")
Step = Callable[[Context, Publication, Article], Publication]


def next_step(pub: Publication, article: Article, now: float) -> Step | None:
    """The step this publication needs now, or None when it waits (or is done)."""
    if pub.state in pubs.SETTLED or article.state == articles.CANCELLED:
        return None
    if pub.state in (pubs.QUEUED, pubs.PREPARING):
        return steps.prepare
    if pub.state == pubs.DRAFTED:
        return _drafted_step(pub, article, now)
    if pub.next_at > now:
        return None
    return results.poll if pub.state == pubs.SUBMITTED else results.reconcile


def _drafted_step(pub: Publication, article: Article, now: float) -> Step | None:
    if pub.mode == "draft" or pub.next_at > now or (article.publish_at or 0) > now:
        return None
    if pub.submit_intent_at and pub.mode == "freepublish":
        return results.reconcile  # a submit may have gone out: look, don't resend
    return steps.submit  # a mass send is resent with the same clientmsgid: WeChat dedupes


def advance(ctx: Context, article_id: str, account: str) -> Publication | None:
    """Run every step that is due for this (article, account), until it waits or ends."""
    for _ in range(8):  # prepare, submit, maybe a reconcile: never loop unbounded
        pub = pubs.load(ctx.redis, article_id, account)
        article = articles.load(ctx.redis, article_id)
        if pub is None or article is None:
            return None
        if article.state == articles.CANCELLED and pub.state not in pubs.SETTLED:
            return _cancel_one(ctx, pub)
        step = next_step(pub, article, ctx.clock())
        if step is None:
            return pub
        if not run_step(ctx, step, pub, article):
            return pubs.load(ctx.redis, article_id, account)
    return pubs.load(ctx.redis, article_id, account)


def run_step(ctx: Context, step: Step, pub: Publication, article: Article) -> bool:
    """Run one step; on failure record what happens next. True if the step succeeded."""
    try:
        step(ctx, pub, article)
        return True
    except Conflict as conflict:
        log.info("publication moved meanwhile: %s", conflict)
    except CallFailed as failed:
        # WeChat answered: the call was not carried out, so a submit may be made again.
        _after_failure(ctx, pub, failed.decision, str(failed.errcode), not_done=True)
    except NotSent:
        decision = policy.Decision(policy.RETRY, "无法连接微信服务器")
        _after_failure(ctx, pub, decision, "net", not_done=True)
    except OutcomeUnknown:
        _after_unknown(ctx, pub)
    return False


def _after_failure(
    ctx: Context, pub: Publication, decision: policy.Decision, code: str, not_done: bool = False
) -> None:
    """Back off, park until the quota resets, or stop: as the errcode's class says."""
    current = pubs.load(ctx.redis, pub.article, pub.account) or pub
    now = ctx.clock()
    attempts = current.attempts + 1
    if decision.kind == policy.PARK:
        changes = dict(next_at=policy.next_midnight(now), reason=decision.reason, errcode=code)
    elif decision.kind == policy.RETRY and attempts < ctx.config.syndication.max_attempts:
        delay = policy.backoff(attempts, int(code) if code.lstrip("-").isdigit() else None)
        changes = dict(
            attempts=attempts,
            next_at=now + delay,
            errcode=code,
            reason=f"{decision.reason}（第 {attempts} 次，{delay:.0f} 秒后重试）",
        )
    else:
        changes = dict(
            state=pubs.FAILED, attempts=attempts, next_at=0, errcode=code, reason=decision.reason
        )
    if not_done and current.submit_intent_at and current.mode == "freepublish":
        changes["submit_intent_at"] = 0.0  # the refused submit happened not at all
    _record(ctx, current, changes)


def _after_unknown(ctx: Context, pub: Publication) -> None:
    """A call whose outcome is unknown: a submit is reconciled, anything else retried."""
    current = pubs.load(ctx.redis, pub.article, pub.account) or pub
    if current.state == pubs.DRAFTED and current.submit_intent_at:
        wait = 61.0 if current.mode == "masssend" else 5.0  # 45066: same clientmsgid, 1 min
        changes = dict(
            next_at=ctx.clock() + wait, errcode="unknown", reason=results.UNCONFIRMED_REASON
        )
        _record(ctx, current, changes)
        return
    _after_failure(ctx, current, policy.Decision(policy.RETRY, "微信服务器无回应"), "timeout")


def _record(ctx: Context, pub: Publication, changes: dict) -> None:
    try:
        ctx.move(pub, (pub.state,), **changes)
    except Conflict as conflict:
        log.info("publication moved meanwhile: %s", conflict)


def _cancel_one(ctx: Context, pub: Publication) -> Publication | None:
    """Cancel a publication whose article was cancelled, if it has not been submitted."""
    if pub.state in (pubs.QUEUED, pubs.PREPARING, pubs.DRAFTED) and not pub.submit_intent_at:
        _record(ctx, pub, dict(state=pubs.CANCELLED, next_at=0, reason="已取消"))
        if pub.draft_media_id:
            _delete_draft(ctx, pub)
    return pubs.load(ctx.redis, pub.article, pub.account)


def _delete_draft(ctx: Context, pub: Publication) -> None:
    """Best effort: a cancelled article's draft should not linger in the draft box."""
    try:
        ctx.call(pub, "draft/delete", lambda c: c.draft.delete(pub.draft_media_id))
    except (CallFailed, NotSent, OutcomeUnknown) as exc:
        log.warning("could not delete draft of %s:%s: %s", pub.article, pub.account, exc)


def with_token(ctx: Context, token: str) -> Context:
    """The same context, fenced by a worker's lock token."""
    return replace(ctx, token=token)
