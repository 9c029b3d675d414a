"""The scheduler's jobs: start due articles, wake waiting publications, read WeChat's results.

Each job is a plain function of (context, now) and safe to run twice at once: a second
scheduler that briefly believes it leads changes nothing (creation is set-if-absent, waking is
one script, results are settled through the state machine's expected states).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.store import Keys, SynKeys
from syndication import articles, results, tasks
from syndication import publications as pubs
from syndication.publications import Conflict, Publication
from syndication.steps import Context

log = logging.getLogger("csj.syndication")
EVENTS_BATCH = 100

# Mark an article started only if it is still scheduled (a cancel may have come first).
_START = """
if redis.call('HGET', KEYS[1], 'state') ~= 'scheduled' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'started', 'updated_at', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""


def start_due(ctx: Context, now: float) -> list[str]:
    """Create the publications of articles whose preparation time has come; return their ids."""
    horizon = now + ctx.config.syndication.prepare_ahead
    due = [i.decode() for i in ctx.redis.zrangebyscore(SynKeys.DUE, "-inf", horizon)]
    started = []
    for article_id in due:
        article = articles.load(ctx.redis, article_id)
        if article is None or article.state != articles.SCHEDULED:
            ctx.redis.zrem(SynKeys.DUE, article_id)
            continue
        # Publications first, then the article's state: a crash in between repeats creation,
        # which is set-if-absent, and loses nothing.
        for account in article.accounts:
            mode = ctx.config.accounts[account].publish_mode
            pubs.create(ctx.redis, article_id, account, mode, now)
        if ctx.redis.eval(_START, 2, SynKeys.article(article_id), SynKeys.DUE, article_id, now):
            started.append(article_id)
    return started


def wake(ctx: Context, now: float) -> int:
    """Enqueue the publications whose time has come."""
    return tasks.wake(ctx.redis, now, ctx.config.syndication.task_lease)


def intake_events(ctx: Context, now: float) -> int:
    """Settle publications from the PUBLISHJOBFINISH / MASSSENDJOBFINISH the webhook stored."""
    cursor = (ctx.redis.get(SynKeys.EVENTS_CURSOR) or b"0-0").decode()
    answer = ctx.redis.xread({Keys.PUBLISH_EVENTS: cursor}, count=EVENTS_BATCH)
    entries = answer[0][1] if answer else []
    for entry_id, fields in entries:
        event = {k.decode(): v.decode() for k, v in fields.items()}
        try:
            apply_event(ctx, event)
        except Exception:  # one bad event must not block the ones after it
            log.exception("publish event %s could not be applied", entry_id.decode())
        ctx.redis.set(SynKeys.EVENTS_CURSOR, entry_id)
    return len(entries)


def apply_event(ctx: Context, event: dict[str, str], depth: int = 0) -> Publication | None:
    """Settle the publication a job-finished event is about (found by its job id or title)."""
    account = event["account"]
    mass = event["type"] == "masssendjobfinish"
    job_id = f"mass:{event['msg_id']}" if mass else event["publish_id"]
    article_id = ctx.redis.get(SynKeys.publish_id(account, job_id))
    found = _known(ctx, article_id.decode(), account) if article_id else None
    if found is None and not mass:
        found = results.match_unknown_job(
            ctx, account, event.get("article_id", ""), _waiting(ctx, account)
        )
    if found is None:
        log.warning("publish event for a job csj did not make: %s %s", account, job_id)
        return None
    pub, article = found
    if pub.state not in (pubs.SUBMITTED, pubs.UNCONFIRMED, pubs.DRAFTED):
        log.info("publish event for %s:%s, already %s", pub.article, account, pub.state)
        return pub
    status = _mass_status(event) if mass else int(event["publish_status"])
    urls = json.loads(event.get("article_urls") or "[]")
    fail_idx = json.loads(event.get("fail_idx") or "[]")
    wx_id = event.get("article_id", "")
    try:
        settled = results.settle(
            ctx, pub, article, status, urls[0] if urls else "", wx_id, fail_idx
        )
    except Conflict:  # a worker moved it meanwhile (it found the result itself): look again
        return apply_event(ctx, event, depth + 1) if depth < 3 else None
    log.info("publish event for %s:%s: %s -> %s", pub.article, account, pub.state, settled.state)
    return settled


def _known(ctx: Context, article_id: str, account: str) -> Any:
    pub = pubs.load(ctx.redis, article_id, account)
    article = articles.load(ctx.redis, article_id)
    return (pub, article) if pub and article else None


def _waiting(ctx: Context, account: str) -> list[tuple[Publication, Any]]:
    """The account's publications whose submit may have happened without our knowing."""
    out = []
    for member in ctx.redis.zrange(SynKeys.WAKE, 0, -1):
        article_id, _, acct = member.decode().partition(":")
        if acct != account:
            continue
        found = _known(ctx, article_id, account)
        if (
            found
            and found[0].submit_intent_at
            and found[0].state
            in (
                pubs.DRAFTED,
                pubs.UNCONFIRMED,
            )
        ):
            out.append(found)
    return out


def _mass_status(event: dict[str, str]) -> int:
    """MASSSENDJOBFINISH Status ("send success", "send fail", "err(num)") as a publish_status."""
    return 0 if event.get("status", "") == "send success" else 3


def trim_log(ctx: Context, now: float) -> int:
    """Drop API-call log entries older than the retention (by stream id: Redis's clock)."""
    seconds, _micros = ctx.redis.time()
    cutoff_ms = seconds * 1000 - ctx.config.syndication.log_retention_days * 86_400_000
    # Exact, not "~": once a day, and an approximate trim keeps whole old blocks of entries.
    return int(ctx.redis.xtrim(SynKeys.LOG, minid=f"{max(cutoff_ms, 0)}-0", approximate=False))
