"""Failed sign-ins: 5 in 15 minutes lock that user name or client address for 15 minutes."""

from __future__ import annotations

import secrets
from typing import Any

from bot.store import AdminKeys

MAX_FAILURES = 5
WINDOW = 15 * 60  # seconds in which MAX_FAILURES lock
LOCK = 15 * 60  # seconds a lock lasts
# Real TTLs only clean up: the decisions use the injected clock, so tests move time by hand.
_TTL = WINDOW + LOCK


def locked_for(redis: Any, subjects: list[tuple[str, str]], now: float) -> float:
    """Seconds until every one of these (kind, who) may try again; 0 if none is locked."""
    until = [float(v) for v in redis.mget([AdminKeys.locked(k, w) for k, w in subjects]) if v]
    return max([u - now for u in until] + [0.0])


def fail(redis: Any, subjects: list[tuple[str, str]], now: float) -> float:
    """Count one failure for each subject; return the lock (seconds) it caused, or 0."""
    locked = 0.0
    for kind, who in subjects:
        key = AdminKeys.failures(kind, who)
        pipe = redis.pipeline()
        pipe.zremrangebyscore(key, "-inf", now - WINDOW)
        pipe.zadd(key, {f"{now!r}:{secrets.token_hex(4)}": now})
        pipe.zcard(key)
        pipe.expire(key, _TTL)
        count = pipe.execute()[2]
        if count >= MAX_FAILURES:
            redis.set(AdminKeys.locked(kind, who), repr(now + LOCK), ex=_TTL)
            redis.delete(key)
            locked = float(LOCK)
    return locked


def clear(redis: Any, kind: str, who: str) -> None:
    """Forget the failures of one subject (a user after a good sign-in)."""
    redis.delete(AdminKeys.failures(kind, who))
