"""access_token and stable_token with WeChat's semantics (facts doc §1.4, §2.6).

- cgi-bin/token: each call issues a new 7200 s token; the previous one stays valid for 5 more
  minutes ("在5分钟内，新老access_token都可用"), the one before it ends at once.
- cgi-bin/stable_token: a separate pool. Normal mode returns the same token while it has more
  than 5 minutes left; force_refresh ends the previous one, at most 20 a day, 30 s apart.
"""

from __future__ import annotations

import hmac

from redis.lock import Lock

from bot.config import Account
from syndication.sandbox.errors import ApiError
from syndication.sandbox.registry import Call, Endpoint, field_str
from syndication.sandbox.state import Keys, State, random_id

LIFETIME = 7200
OVERLAP = 300  # the old token's grace period, and stable_token's early renewal
FORCE_PER_DAY = 20
FORCE_INTERVAL = 30


def check_token(call: Call, token: str) -> Account:
    """Return the account an access_token belongs to; 41001/40001/42001 otherwise."""
    if not token:
        raise ApiError(41001)
    record = call.state.get_json(Keys.token(token))
    account = call.config.account(record["account"]) if record else None
    if record is None or account is None:
        raise ApiError(40001)
    if call.now >= record["ends_at"]:
        # Ended early by a newer token: "not latest"; at its natural end: expired.
        raise ApiError(42001 if record["ends_at"] >= record["expires_at"] else 40001)
    return account


def issue(state: State, account: str, kind: str, now: float, overlap: float = OVERLAP) -> str:
    """Issue a new token; the current one ends after `overlap` seconds, any older one now."""
    slots = Keys.token_slots(account, kind)
    current, previous = (
        v.decode() if v else "" for v in state.redis.hmget(slots, "current", "previous")
    )
    if previous:
        _cut(state, previous, now)
    if current:
        _cut(state, current, now + overlap)
    token = random_id(length=128)
    state.set_json(
        Keys.token(token),
        {"account": account, "kind": kind, "expires_at": now + LIFETIME, "ends_at": now + LIFETIME},
    )
    state.redis.hset(slots, mapping={"current": token, "previous": current})
    return token


def _cut(state: State, token: str, ends_at: float) -> None:
    record = state.get_json(Keys.token(token))
    if record and ends_at < record["ends_at"]:
        record["ends_at"] = ends_at
        state.set_json(Keys.token(token), record)


def remaining(state: State, token: str, now: float) -> float:
    record = state.get_json(Keys.token(token)) if token else None
    return record["ends_at"] - now if record else 0.0


def account_by_appid(call: Call, data: dict) -> Account:
    """Find the account of a token request: grant_type, then appid (40002, 41002, 40013)."""
    if data.get("grant_type") != "client_credential":
        raise ApiError(40002)
    appid = field_str(data, "appid", missing=41002)
    for account in call.config.accounts.values():
        if account.appid == appid:
            return account
    raise ApiError(40013)


def _check_secret(account: Account, data: dict) -> None:
    secret = field_str(data, "secret", missing=41004)
    if not hmac.compare_digest(secret.encode(), account.secret.encode()):
        raise ApiError(40125)


def get_token(call: Call) -> dict:
    """GET cgi-bin/token?grant_type=client_credential&appid=…&secret=…"""
    _check_secret(call.acct, dict(call.args))
    with _serialised(call, "token"):
        return {
            "access_token": issue(call.state, call.acct.id, "token", call.now),
            "expires_in": LIFETIME,
        }


def stable_token(call: Call) -> dict:
    """POST cgi-bin/stable_token {grant_type, appid, secret, force_refresh}."""
    data = call.json()
    _check_secret(call.acct, data)
    force = data.get("force_refresh", False)
    if not isinstance(force, bool):
        raise ApiError(47001, "force_refresh must be true or false")
    with _serialised(call, "stable"):
        return _stable(call, force)


def _stable(call: Call, force: bool) -> dict:
    if force:
        _count_force(call)
        token = issue(call.state, call.acct.id, "stable", call.now, overlap=0)
        return {"access_token": token, "expires_in": LIFETIME}
    slots = Keys.token_slots(call.acct.id, "stable")
    token = (call.state.redis.hget(slots, "current") or b"").decode()
    left = remaining(call.state, token, call.now)
    if left <= OVERLAP:  # renewed 5 minutes early, so a token handed out has ≥ 5 minutes left
        token, left = issue(call.state, call.acct.id, "stable", call.now), LIFETIME
    return {"access_token": token, "expires_in": int(left)}


def _serialised(call: Call, kind: str) -> Lock:
    """One issuer at a time per account and kind, as on WeChat's side: two concurrent refreshes
    must leave exactly one current token, so a caller's own locking can be tested against it."""
    return call.state.redis.lock(Keys.token_slots(call.acct.id, kind) + ":lock", timeout=10)


def _count_force(call: Call) -> None:
    slots = Keys.token_slots(call.acct.id, "stable")
    last = float(call.state.redis.hget(slots, "forced_at") or 0)
    if last and call.now - last < FORCE_INTERVAL:
        raise ApiError(45011, f"force_refresh at most every {FORCE_INTERVAL} s")
    forced = call.state.redis.hincrby(
        Keys.quota(call.acct.id, call.day), "stable_token#force_refresh", 1
    )
    if forced > FORCE_PER_DAY:
        raise ApiError(45009, f"force_refresh at most {FORCE_PER_DAY} times a day")
    call.state.redis.hset(slots, "forced_at", call.now)


ENDPOINTS = [
    Endpoint(
        "token", "GET", get_token, account_from=lambda call: account_by_appid(call, dict(call.args))
    ),
    Endpoint(
        "stable_token",
        "POST",
        stable_token,
        account_from=lambda call: account_by_appid(call, call.json()),
    ),
]
