"""message/custom/send: customer-service messages within WeChat's windows (facts doc §1.4)."""

from __future__ import annotations

import json
from typing import Any

from syndication.sandbox import media
from syndication.sandbox.errors import ApiError, ok
from syndication.sandbox.registry import Call, Endpoint, field_str
from syndication.sandbox.state import RETENTION, Keys, State

# What a follower did -> (seconds the window stays open, messages allowed in it).
WINDOWS = {"message": (48 * 3600, 5), "click": (60, 3), "subscribe": (60, 3), "scan": (60, 3)}
MSGTYPES = (
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "mpnews",
    "mpnewsarticle",
    "msgmenu",
    "wxcard",
    "miniprogrampage",
)
TEXT_BYTES = 2048
KEEP = 200  # messages shown on the account's page


def record_interaction(state: State, account: str, openid: str, kind: str, now: float) -> None:
    """A follower wrote, clicked, followed or scanned: a fresh window of that kind. Windows of
    other kinds stay open (a menu click does not end the 48 h window of an earlier message)."""
    if kind not in WINDOWS:
        raise ValueError(f"kind must be one of {', '.join(WINDOWS)}")
    key = Keys.interaction(account, openid)
    windows = _windows(state, key)
    windows[kind] = {"at": now, "used": 0}
    state.set_json(key, windows)


def _windows(state: State, key: str) -> dict[str, dict[str, Any]]:
    """kind -> {at, used}; a record from before windows were kept per kind holds just one."""
    raw = state.get_json(key) or {}
    return {raw["kind"]: {"at": raw["at"], "used": raw["used"]}} if "kind" in raw else raw


def _use_window(call: Call, openid: str) -> None:
    """Spend one message of an open window (the one closing first); 45015 none open, 45047 all
    used up."""
    key = Keys.interaction(call.acct.id, openid)
    windows = _windows(call.state, key)
    is_open = {k: w for k, w in windows.items() if call.now - w["at"] <= WINDOWS[k][0]}
    if not is_open:
        raise ApiError(45015)
    usable = [k for k, w in is_open.items() if w["used"] < WINDOWS[k][1]]
    if not usable:
        raise ApiError(45047)
    kind = min(usable, key=lambda k: is_open[k]["at"] + WINDOWS[k][0])
    windows[kind]["used"] += 1
    call.state.set_json(key, windows)


def _check_payload(call: Call, msgtype: str, payload: Any) -> None:
    if not isinstance(payload, dict):
        raise ApiError(47001, f"{msgtype} must be an object")
    if msgtype == "text":
        content = field_str(payload, "content", missing=44004)
        if len(content.encode()) > TEXT_BYTES:
            raise ApiError(45002, f"text at most {TEXT_BYTES} bytes")
    elif msgtype in ("image", "voice", "video"):
        record = media.load(call.state, field_str(payload, "media_id", missing=40007), call.now)
        if record is None or record["account"] != call.acct.id:
            raise ApiError(40007)
    elif msgtype == "news" and not payload.get("articles"):
        raise ApiError(44003)
    elif msgtype == "mpnewsarticle":
        article = call.state.get_json(Keys.article(field_str(payload, "article_id", missing=53600)))
        if article is None or article["account"] != call.acct.id:
            raise ApiError(53600)


def send(call: Call) -> dict:
    """message/custom/send {touser, msgtype, <msgtype>: {...}}."""
    data = call.json()
    openid = field_str(data, "touser", missing=40003)
    msgtype = field_str(data, "msgtype")
    if msgtype not in MSGTYPES:
        raise ApiError(40008)
    _check_payload(call, msgtype, data.get(msgtype))
    _use_window(call, openid)
    entry = {"touser": openid, "msgtype": msgtype, "payload": data[msgtype], "at": call.now}
    key = Keys.custom(call.acct.id)
    call.state.redis.lpush(key, json.dumps(entry, ensure_ascii=False))
    call.state.redis.ltrim(key, 0, KEEP - 1)
    call.state.redis.expire(key, RETENTION)
    return ok()


def received(
    state: State, account: str, openid: str = "", after: float = 0
) -> list[dict[str, Any]]:
    """Custom messages sent (to one follower, newer than `after`, if given), oldest first."""
    entries = [json.loads(raw) for raw in state.redis.lrange(Keys.custom(account), 0, KEEP - 1)]
    return [
        e for e in reversed(entries) if (not openid or e["touser"] == openid) and e["at"] > after
    ]


ENDPOINTS = [Endpoint("message/custom/send", "POST", send)]
