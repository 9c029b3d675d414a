"""The day-before reminders: a customer-service message to each follower with a place.

WeChat allows a customer-service message only within 48 hours of the follower's last message
(and 5 per window); outside it the API answers 45015 (45047 when the 5 are used). Each
reminder is claimed in Redis before it is sent, so two schedulers, or a rerun, never send it
twice; every follower not reminded is listed with the reason, never silently skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from wechatpy.exceptions import WeChatClientException

from bot.config import Config
from bot.events.model import ZONE, Event
from bot.events.repo import EventRepo
from bot.events.signup import mask
from bot.store import EventKeys
from bot.wechat.client import client_for

log = logging.getLogger("csj.reminders")

REASONS = {
    "": "尚未提醒",
    "sent": "已提醒",
    "outside_window": "未提醒：超出48小时客服消息窗口（关注者48小时内没有发消息）",
    "quota": "未提醒：本窗口的客服消息条数已用完",
    "unknown_account": "未提醒：公众号已不在配置中",
    "failed": "未提醒：发送失败",
    "unknown": "结果未知：发送时进程中断，请人工确认",
}
OUTCOME_OF = {45015: "outside_window", 45047: "quota"}


@dataclass(frozen=True)
class Reminder:
    """One follower's reminder for one event, as editors see it."""

    number: int
    follower: str  # masked
    outcome: str  # a key of REASONS
    detail: str = ""

    @property
    def reminded(self) -> bool:
        return self.outcome == "sent"

    def describe(self) -> str:
        extra = f"（{self.detail}）" if self.detail else ""
        return f"#{self.number} {self.follower} {REASONS[self.outcome]}{extra}"


def reminder_text(event: Event, code: str) -> str:
    """The reminder itself (well inside the 2048-byte text limit)."""
    return (
        f"【活动提醒】您报名的 #{event.number} {event.title} 将于明天 {event.when()} 开始。\n"
        f"地点：{event.region}·{event.place}\n签到码：{code}\n"
        f"如不能参加，请回复「取消报名 {event.number}」，把名额让给候补的朋友。"
    )


def due_tomorrow(redis: Any, now: datetime) -> list[Event]:
    """Open events starting on the day after `now` (Asia/Shanghai)."""
    tomorrow = now.astimezone(ZONE).date() + timedelta(days=1)
    listed = EventRepo(redis).upcoming(now)
    return [i.event for i in listed if i.event.start.astimezone(ZONE).date() == tomorrow]


def remind_due(
    config: Config, redis: Any, now: datetime, client: Callable[..., Any] | None = None
) -> list[Reminder]:
    """Remind everyone with a place at an event starting tomorrow; return every outcome."""
    client = client or (lambda account: client_for(config, account, redis))
    results = []
    for event in due_tomorrow(redis, now):
        results.extend(_remind_event(config, redis, event, now, client))
    not_reminded = [r for r in results if not r.reminded]
    for reminder in not_reminded:
        log.warning("not reminded: %s", reminder.describe())
    log.info("reminders: %d sent, %d not", len(results) - len(not_reminded), len(not_reminded))
    return results


def _remind_event(
    config: Config, redis: Any, event: Event, now: datetime, client: Callable[..., Any]
) -> list[Reminder]:
    results = []
    key = EventKeys.reminders(event.number)
    for follower, record in EventRepo(redis).registrations(event.number):
        if record["status"] != "confirmed":
            continue
        claimed = redis.hsetnx(
            key, follower, json.dumps({"outcome": "unknown", "at": now.timestamp()})
        )
        if not claimed:
            results.append(stored(redis, event.number, follower, record["openid"]))
            continue
        outcome, detail = _send(config, event, record, client)
        redis.hset(
            key, follower, json.dumps({"outcome": outcome, "detail": detail, "at": now.timestamp()})
        )
        results.append(Reminder(event.number, mask(record["openid"]), outcome, detail))
    return results


def _send(
    config: Config, event: Event, record: dict[str, Any], client: Callable[..., Any]
) -> tuple[str, str]:
    account = config.account(record["account"])
    if account is None:
        return "unknown_account", record["account"]
    try:
        client(account).message.send_text(record["openid"], reminder_text(event, record["code"]))
    except WeChatClientException as exc:
        return OUTCOME_OF.get(exc.errcode, "failed"), f"errcode {exc.errcode}"
    except Exception as exc:  # a timeout or a refused connection: reported, the others go on
        return "failed", type(exc).__name__
    return "sent", ""


def stored(redis: Any, number: int, follower: str, openid: str) -> Reminder:
    """The recorded reminder outcome of one follower ("" outcome if none was tried)."""
    raw = redis.hget(EventKeys.reminders(number), follower)
    if raw is None:
        return Reminder(number, mask(openid), "")
    data = json.loads(raw)
    return Reminder(number, mask(openid), data["outcome"], data.get("detail", ""))
