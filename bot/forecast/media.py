"""The picture per issue (drawn once, cached in Redis) and its WeChat media_id per account.

Temporary media lives 3 days; a media_id is reused until REFRESH_MARGIN before that, so a follower
never gets an id WeChat has already dropped. Uploading is someone else's network call: it comes in
as an `Uploader`, called at import time and by the periodic refresh, never in the reply path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from bot.config import Account
from bot.forecast import card
from bot.forecast.model import ForecastIssue
from bot.store import Keys

log = logging.getLogger("csj.forecast")

MEDIA_LIFETIME = timedelta(days=3)
REFRESH_MARGIN = timedelta(hours=12)
UPLOAD_LOCK_SECONDS = 120
CARD_FILENAME = "yrd-air-forecast.png"

# (account, image bytes, file name) -> media_id; raises on failure.
Uploader = Callable[[Account, bytes, str], str]


def card_bytes(redis: Any, issue: ForecastIssue) -> bytes:
    """The issue's picture: from Redis, or drawn now and stored for every other process."""
    cached = redis.get(Keys.forecast_card(issue.id))
    if cached is not None:
        return cached
    png = _render(issue)
    redis.set(Keys.forecast_card(issue.id), png, nx=True)
    return redis.get(Keys.forecast_card(issue.id)) or png


@lru_cache(maxsize=4)
def _render(issue: ForecastIssue) -> bytes:
    """Draw once per process too: an import and its uploads ask for the same picture."""
    return card.render(issue)


def media_id(redis: Any, account_id: str, issue_id: str, now: datetime) -> str | None:
    """A media_id for the issue's picture that is still good for a while, or None."""
    raw = redis.get(Keys.forecast_media(account_id, issue_id))
    if raw is None:
        return None
    record = json.loads(raw)
    uploaded = datetime.fromisoformat(record["uploaded_at"])
    return record["media_id"] if now < uploaded + MEDIA_LIFETIME - REFRESH_MARGIN else None


def ensure_media(
    redis: Any, account: Account, issue: ForecastIssue, uploader: Uploader, now: datetime
) -> str | None:
    """Upload the picture for one account unless a fresh media_id exists; None if another
    process is uploading it right now."""
    existing = media_id(redis, account.id, issue.id, now)
    if existing:
        return existing
    lock = Keys.forecast_media_lock(account.id, issue.id)
    if not redis.set(lock, "1", nx=True, ex=UPLOAD_LOCK_SECONDS):
        return None
    try:
        new_id = uploader(account, card_bytes(redis, issue), CARD_FILENAME)
        record = json.dumps({"media_id": new_id, "uploaded_at": now.isoformat()})
        redis.set(
            Keys.forecast_media(account.id, issue.id),
            record,
            ex=int(MEDIA_LIFETIME.total_seconds()),
        )
        return new_id
    finally:
        redis.delete(lock)


def prepare(
    redis: Any,
    accounts: Iterable[Account],
    issue: ForecastIssue,
    uploader: Uploader | None,
    now: datetime,
) -> dict[str, str]:
    """Draw the picture and upload it for every account; failures are logged, not raised, so one
    account's outage does not stop the others (the reply path falls back to text)."""
    card_bytes(redis, issue)
    done: dict[str, str] = {}
    if uploader is None:
        return done
    for account in accounts:
        try:
            got = ensure_media(redis, account, issue, uploader, now)
        except Exception:
            log.exception(
                "forecast picture upload failed", extra={"fields": {"account": account.id}}
            )
            continue
        if got:
            done[account.id] = got
    return done
