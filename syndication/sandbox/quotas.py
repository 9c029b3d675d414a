"""Daily API quotas per account (facts doc §2.7): 45009 past them, quota/get, clear_quota."""

from __future__ import annotations

from datetime import datetime

from syndication.sandbox.errors import ApiError, ok
from syndication.sandbox.registry import ZONE, Call, Endpoint, field_str
from syndication.sandbox.state import RETENTION, Keys, State

# cgi path -> calls a day, new-account defaults from API_Call_Limits.
DAILY_LIMITS = {
    "/cgi-bin/token": 2000,
    "/cgi-bin/stable_token": 500_000,
    "/cgi-bin/media/upload": 100_000,
    "/cgi-bin/media/uploadimg": 100_000,
    "/cgi-bin/media/get": 100_000,
    "/cgi-bin/material/add_material": 100_000,
    "/cgi-bin/message/mass/sendall": 100,
    "/cgi-bin/message/mass/get": 100_000,
    "/cgi-bin/message/custom/send": 500_000,
    "/cgi-bin/draft/add": 1000,
    "/cgi-bin/draft/get": 500,
    "/cgi-bin/draft/delete": 1000,
    "/cgi-bin/draft/update": 1000,
    "/cgi-bin/draft/count": 1000,
    "/cgi-bin/draft/batchget": 1000,
    "/cgi-bin/freepublish/submit": 100,
    "/cgi-bin/freepublish/get": 100,
    "/cgi-bin/freepublish/delete": 10,
    "/cgi-bin/freepublish/getarticle": 100,
    "/cgi-bin/freepublish/batchget": 100,
    "/cgi-bin/menu/create": 1000,
    "/cgi-bin/menu/get": 10_000,
    "/cgi-bin/menu/delete": 1000,
    "/cgi-bin/openapi/quota/get": 100,
    "/cgi-bin/clear_quota": 100,
}
CLEARS_PER_MONTH = 10


def cgi_path(path: str) -> str:
    return "/cgi-bin/" + path


def limit(state: State, account: str, path: str, default: int | None = None) -> int:
    """The limit in force: an override from the control API, else the default."""
    override = state.redis.hget(Keys.quota_limits(account), path)
    if override is not None:
        return int(override)
    return default if default is not None else DAILY_LIMITS.get(path, 100_000)


def count(state: State, account: str, path: str, day: str) -> None:
    """Count one call; past the daily limit raise 45009 (the call is counted, as WeChat does)."""
    key = Keys.quota(account, day)
    used = state.redis.hincrby(key, path, 1)
    state.redis.expire(key, 3 * 86400)
    if used > limit(state, account, path):
        raise ApiError(45009)


def set_limit(state: State, account: str, path: str, daily_limit: int | None) -> None:
    """Override (or, with None, restore) an API's daily limit for an account."""
    if daily_limit is None:
        state.redis.hdel(Keys.quota_limits(account), path)
    else:
        state.redis.hset(Keys.quota_limits(account), path, daily_limit)


def quota_get(call: Call) -> dict:
    """openapi/quota/get: the live quota of one API."""
    path = field_str(call.json(), "cgi_path", missing=76021)
    if path not in DAILY_LIMITS:
        raise ApiError(76021)
    daily = limit(call.state, call.acct.id, path)
    used = int(call.state.redis.hget(Keys.quota(call.acct.id, call.day), path) or 0)
    return ok(quota={"daily_limit": daily, "used": used, "remain": max(0, daily - used)})


def clear_quota(call: Call) -> dict:
    """clear_quota: reset today's counts; 10 times a natural month, then 48006."""
    appid = field_str(call.json(), "appid", missing=41002)
    if appid != call.acct.appid:
        raise ApiError(40013)
    month = datetime.fromtimestamp(call.now, ZONE).strftime("%Y%m")
    monthly = Keys.monthly(call.acct.id, month)
    if call.state.redis.hincrby(monthly, "clear_quota", 1) > CLEARS_PER_MONTH:
        raise ApiError(48006)
    call.state.redis.expire(monthly, RETENTION)
    # Only the API call counts: the mass-send allowance (1 to all a day) and the 20 daily
    # force_refreshes of stable_token are other limits, which clear_quota does not give back.
    key = Keys.quota(call.acct.id, call.day)
    paths = [f for f in call.state.redis.hkeys(key) if f.startswith(b"/cgi-bin/")]
    if paths:
        call.state.redis.hdel(key, *paths)
    return ok()


ENDPOINTS = [
    Endpoint("openapi/quota/get", "POST", quota_get),
    Endpoint("clear_quota", "POST", clear_quota),
]
