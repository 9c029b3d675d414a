"""Each account's health from what csj already knows (Redis, the call log): no network call.

The token comes from the shared token store (its remaining lifetime is the key's TTL), the
quota left today from the calls csj logged since midnight (Asia/Shanghai), the last error from
the newest failed call, and the last check and menu push an admin made from the accounts page.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import ZONE
from bot.config import Account, Config
from bot.store import AdminKeys, SynKeys
from bot.wechat.client import EARLY_REFRESH, client_for
from syndication import records

#: Daily limits of the calls publishing makes, for a new account (wechat-api.md §2.7).
DAILY_LIMITS = {
    "draft/add": 1000,
    "freepublish/submit": 100,
    "freepublish/get": 100,
    "message/mass/sendall": 100,
}
#: What each of those calls is, for a person.
QUOTA_NAMES = {
    "draft/add": "新建草稿",
    "freepublish/submit": "发布",
    "freepublish/get": "发布状态查询",
    "message/mass/sendall": "群发接口",
}
#: The calls that use up each publish mode's quota, in the order they are shown.
MODE_CALLS = {
    "freepublish": ("freepublish/submit", "freepublish/get", "draft/add"),
    "masssend": ("message/mass/sendall", "draft/add"),
    "draft": ("draft/add",),
}
#: How far back the dashboard looks for an account's last error.
ERROR_LOOKBACK = 30 * 86400
#: At most this many log entries are read per page (a busy month is far fewer).
LOG_SCAN_LIMIT = 20_000


@dataclass(frozen=True)
class Token:
    """The account's shared access token as stored: present, and seconds until it expires."""

    present: bool
    expires_in: int  # seconds; 0 when absent

    @property
    def renewing(self) -> bool:
        """Within the window in which the next call fetches a new one."""
        return self.present and self.expires_in <= EARLY_REFRESH


@dataclass(frozen=True)
class Quota:
    """One API's calls today: how many csj made, of the daily limit."""

    call: str
    used: int
    limit: int

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)


@dataclass(frozen=True)
class Health:
    account: Account
    token: Token
    quotas: tuple[Quota, ...]
    mass_today: str  # the article that used today's one mass send ("" none; masssend only)
    last_error: records.LogEntry | None
    last_check: dict[str, Any] | None  # the last token check from the accounts page
    last_menu: dict[str, Any] | None  # the last menu push
    check_failed: bool  # the last check failed and no call has succeeded since

    @property
    def status(self) -> str:
        """ok | bad | unknown: a failed check or no token is what an admin must see."""
        if self.check_failed:
            return "bad"
        return "ok" if self.token.present else "unknown"


def token_of(redis: Any, config: Config, account: Account) -> Token:
    """The stored token's presence and remaining lifetime (wechatpy's key, with its TTL)."""
    client = client_for(config, account, redis)  # builds no connection: only the key's name
    ttl = redis.ttl(client.session.key_name(client.access_token_key))
    if ttl == -2:  # no such key
        return Token(False, 0)
    return Token(True, max(0, ttl))


def midnight(now: float) -> float:
    """00:00 Asia/Shanghai of the day `now` is in: when WeChat's daily quotas restart."""
    day = datetime.fromtimestamp(now, ZONE).date()
    return datetime.combine(day, datetime.min.time(), ZONE).timestamp()


def recent_calls(redis: Any, now: float) -> list[records.LogEntry]:
    """The logged calls of the lookback window, newest first."""
    where = records.LogFilter(since=now - ERROR_LOOKBACK)
    return records.log_entries(redis, where, limit=LOG_SCAN_LIMIT)


def quotas(account: Account, calls: list[records.LogEntry], now: float) -> tuple[Quota, ...]:
    """The publish mode's daily quotas, with the calls csj made since midnight."""
    start = midnight(now)
    used = Counter(e.step for e in calls if e.account == account.id and e.at >= start)
    names = MODE_CALLS.get(account.publish_mode, ())
    return tuple(Quota(name, used[name], DAILY_LIMITS[name]) for name in names)


def last_error(account: Account, calls: list[records.LogEntry]) -> records.LogEntry | None:
    """The newest failed call for the account in `calls` (newest first)."""
    return next((e for e in calls if e.account == account.id and not e.ok), None)


def still_failing(check: dict[str, Any] | None, account: Account, calls: list) -> bool:
    """The check failed, and no call for the account has succeeded since (the fix shows)."""
    if check is None or check["ok"]:
        return False
    return not any(e.account == account.id and e.ok and e.at > check["at"] for e in calls)


def remembered(redis: Any, account_id: str) -> dict[str, dict[str, Any]]:
    """The last check and menu push of an account ({"check": …, "menu": …}, each if any)."""
    raw = redis.hgetall(AdminKeys.account_actions(account_id))
    return {k.decode(): json.loads(v) for k, v in raw.items()}


def remember(redis: Any, account_id: str, kind: str, result: dict[str, Any]) -> None:
    """Keep the outcome of an admin's check or menu push, for the pages to show."""
    redis.hset(AdminKeys.account_actions(account_id), kind, json.dumps(result, ensure_ascii=False))


def health(redis: Any, config: Config, now: float) -> list[Health]:
    """Every configured account's health, in config order (one read of the log for all)."""
    calls = recent_calls(redis, now)
    day = datetime.fromtimestamp(now, ZONE).strftime("%Y-%m-%d")
    out = []
    for account in config.accounts.values():
        mass = redis.get(SynKeys.mass_day(account.id, day))
        kept = remembered(redis, account.id)
        out.append(
            Health(
                account=account,
                token=token_of(redis, config, account),
                quotas=quotas(account, calls, now),
                mass_today=mass.decode() if mass and account.publish_mode == "masssend" else "",
                last_error=last_error(account, calls),
                last_check=kept.get("check"),
                last_menu=kept.get("menu"),
                check_failed=still_failing(kept.get("check"), account, calls),
            )
        )
    return out
