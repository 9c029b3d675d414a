"""What an admin does to an account through the WeChat API: check its token, push its menu.

Each call goes through the account's shared client and the call log (like publishing's calls),
and its outcome is remembered (account_status.remember) for the pages to show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from bot.answers.column import COLUMN_KEY
from bot.answers.forecast import CARD_KEY, TODAY_KEY
from bot.answers.menu import HELP_KEY
from bot.config import Account, Config
from bot.wechat.client import client_for
from syndication import account_status
from syndication.calls import CallFailed, NotSent, OutcomeUnknown, Recorder, Where

#: The custom menu every account gets: each click key is one the bot answers.
MENU: dict[str, Any] = {
    "button": [
        {"type": "click", "name": "空气质量", "key": TODAY_KEY},
        {"type": "click", "name": "一图可见", "key": CARD_KEY},
        {
            "name": "更多",
            "sub_button": [
                # A click is an event: its news reply shows up to 8 articles, a typed keyword 1.
                {"type": "click", "name": "美丽长三角", "key": COLUMN_KEY},
                {"type": "click", "name": "使用帮助", "key": HELP_KEY},
                {"type": "view", "name": "生态环境部", "url": "https://www.mee.gov.cn/"},
            ],
        },
    ]
}
#: Not for an article: how these calls appear in the call log.
LOG_ARTICLE = ""


def check_token(config: Config, redis: Any, account: Account, clock: Callable[[], float]) -> dict:
    """Ask WeChat for the token with the configured secret, then use it: today's live quota."""
    client = client_for(config, account, redis)
    recorder = Recorder(redis, clock)
    where = Where(LOG_ARTICLE, account.id, 1)
    path = "/cgi-bin/" + account_status.MODE_CALLS[account.publish_mode][0]
    try:
        recorder.call(where, "stable_token", client.verify_credentials)
        answer = recorder.call(
            where,
            "openapi/quota/get",
            lambda: client.post("openapi/quota/get", data={"cgi_path": path}),
        )
    except (CallFailed, NotSent, OutcomeUnknown, requests.RequestException) as exc:
        return _remember(redis, account, "check", _failure(exc, clock()))
    quota = {"cgi_path": path, **answer.get("quota", {})}
    return _remember(redis, account, "check", {"ok": True, "at": clock(), "quota": quota})


def push_menu(config: Config, redis: Any, account: Account, clock: Callable[[], float]) -> dict:
    """Replace the account's custom menu with MENU (menu/create)."""
    client = client_for(config, account, redis)
    where = Where(LOG_ARTICLE, account.id, 1)
    try:
        Recorder(redis, clock).call(where, "menu/create", lambda: client.menu.create(MENU))
    except (CallFailed, NotSent, OutcomeUnknown, requests.RequestException) as exc:
        return _remember(redis, account, "menu", _failure(exc, clock()))
    return _remember(redis, account, "menu", {"ok": True, "at": clock()})


def _failure(exc: Exception, now: float) -> dict:
    """What went wrong, with WeChat's errcode/errmsg and what it means for a person."""
    if isinstance(exc, CallFailed):
        return {
            "ok": False,
            "at": now,
            "errcode": exc.errcode,
            "errmsg": exc.errmsg,
            "reason": exc.decision.reason,
        }
    if isinstance(exc, requests.HTTPError):  # the token call's own HTTP error
        status = exc.response.status_code if exc.response is not None else "错误"
        reason = f"微信接口 HTTP {status}"
    else:
        reason = "连不上微信接口" if isinstance(exc, NotSent) else "微信接口没有应答（超时）"
    return {"ok": False, "at": now, "errcode": None, "errmsg": str(exc), "reason": reason}


def _remember(redis: Any, account: Account, kind: str, result: dict) -> dict:
    account_status.remember(redis, account.id, kind, result)
    return result


def describe(result: dict) -> str:
    """One line for a person: what the outcome was."""
    if result["ok"]:
        return "正常"
    code = f"（errcode {result['errcode']}：{result['errmsg']}）" if result["errcode"] else ""
    return f"{result['reason']}{code}"
