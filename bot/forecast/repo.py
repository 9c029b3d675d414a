"""Forecast issues in Redis: each kept by id, one pointer to the newest, swapped atomically."""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from typing import Any

from bot.effects import unwrapped
from bot.forecast.model import ForecastIssue
from bot.store import Keys

# Store the issue, index it, and move the pointer only if it is at least as new as the current one,
# all in one step: a reader sees the old issue or the new one, never a half-written state.
_SAVE = """
redis.call('SET', KEYS[3], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then
  local score = redis.call('ZSCORE', KEYS[2], current)
  if score and tonumber(score) > tonumber(ARGV[3]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""

_PARSED_MAX = 8
# Which issue answers changes once a week; reading the pointer at most once a second per process
# saves a Redis round trip on most forecast questions. An import in this process clears it at once.
_LATEST_FOR = 1.0
_latest: weakref.WeakKeyDictionary[Any, tuple[str | None, float]] = weakref.WeakKeyDictionary()
_parsed: OrderedDict[str, ForecastIssue] = OrderedDict()
_parsed_lock = threading.Lock()


class ForecastRepo:
    """Save and load forecast issues; the newest by issue time answers followers."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    def save(self, issue: ForecastIssue) -> bool:
        """Store an issue; return True if it is now the one that answers."""
        keys = [Keys.FORECAST_LATEST, Keys.FORECAST_ISSUES, Keys.forecast_issue(issue.id)]
        args = [issue.id, issue.to_json(), issue.issued_at.timestamp()]
        saved = bool(self.redis.eval(_SAVE, len(keys), *keys, *args))
        _latest.pop(self.redis, None)
        return saved

    def latest_id(self) -> str | None:
        """The id of the issue that answers, or None before the first import."""
        client = unwrapped(self.redis)  # the webhook's read-only view shares the client's cache
        cached = _latest.get(client)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        value = self.redis.get(Keys.FORECAST_LATEST)
        issue_id = value.decode() if value else None
        _latest[client] = (issue_id, time.monotonic() + _LATEST_FOR)
        return issue_id

    def latest(self) -> ForecastIssue | None:
        """The issue that answers, or None before the first import."""
        issue_id = self.latest_id()
        return self.get(issue_id) if issue_id else None

    def get(self, issue_id: str) -> ForecastIssue | None:
        """One issue by id; parsed issues are memoised, since an id names fixed content."""
        with _parsed_lock:
            if issue_id in _parsed:
                _parsed.move_to_end(issue_id)
                return _parsed[issue_id]
        raw = self.redis.get(Keys.forecast_issue(issue_id))
        if raw is None:
            return None
        issue = ForecastIssue.from_json(raw)
        with _parsed_lock:
            _parsed[issue_id] = issue
            while len(_parsed) > _PARSED_MAX:
                _parsed.popitem(last=False)
        return issue

    def history(self, limit: int = 20) -> list[str]:
        """Ids of the newest issues first."""
        return [i.decode() for i in self.redis.zrevrange(Keys.FORECAST_ISSUES, 0, limit - 1)]
