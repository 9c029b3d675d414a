"""A follower's previous question, for follow-ups: 「那明天呢」「苏州呢」「周末呢」.

Kept in Redis for a few minutes only (bot.store.Keys.follow_up): the places, days and activity
last answered, never the message itself. The time it was asked is stored too and checked against
the injected clock, so a follow-up after the window is a new question even if Redis has not yet
dropped the key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.activities import Activity
from bot.store import Keys

# Built once: json.dumps with options builds an encoder per call, and this runs per question.
_ENCODER = json.JSONEncoder(ensure_ascii=False)

FOLLOW_UP_SECONDS = 300
# 那明天呢, 苏州呢, 还有后天, 换成周末: words that say "the same question, but …".
_MARKERS = re.compile(r"呢|^(?:那么|那|还有|再|换成|改成|如果是|要是)")


@dataclass(frozen=True)
class Previous:
    """What the last answer was about."""

    places: tuple[str, ...]
    days: tuple[date, ...]
    activity: Activity | None
    at: float  # epoch seconds, from the injected clock


def remember(account: str, openid: str, previous: Previous) -> tuple[str, str, int]:
    """The write (key, value, seconds) that keeps the question just answered for
    FOLLOW_UP_SECONDS; the webhook makes it together with storing the reply."""
    activity = previous.activity
    value = {
        "places": list(previous.places),
        "days": [d.isoformat() for d in previous.days],
        "activity": activity.__dict__ if activity else None,
        "at": previous.at,
    }
    return (
        Keys.follow_up(account, openid),
        _ENCODER.encode(value),
        FOLLOW_UP_SECONDS,
    )


def recall(redis: Any, account: str, openid: str, now: datetime) -> Previous | None:
    """The follower's previous question if it was asked within FOLLOW_UP_SECONDS, else None."""
    raw = redis.get(Keys.follow_up(account, openid))
    if raw is None:
        return None
    try:
        value = json.loads(raw)
        previous = Previous(
            tuple(value["places"]),
            tuple(date.fromisoformat(d) for d in value["days"]),
            Activity(**value["activity"]) if value["activity"] else None,
            float(value["at"]),
        )
    except (ValueError, KeyError, TypeError):
        return None  # written by another version: treat as no context rather than fail
    if not 0 <= now.timestamp() - previous.at <= FOLLOW_UP_SECONDS:
        return None
    return previous


def has_marker(text: str) -> bool:
    """'那明天呢', '苏州呢', '还有后天': the message leans on the one before."""
    return bool(_MARKERS.search(text.replace(" ", "")))
