"""What a follower's text asks: knowledge, an activity, a forecast, or a follow-up of the last one.

Pure: the previous question is fetched through `recall` only when the message could be a
follow-up, so most messages cost no Redis round trip here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot import knowledge
from bot.activities import Activity, read_activity
from bot.conversation import Previous, has_marker
from bot.forecast.text import RELATIVE
from bot.forecast.understand import Understood, understand, understand_on
from bot.places import GROUPS
from bot.text import memo_short

# Without an air word, a message is taken as a forecast question only if little else is in it.
MAX_RESIDUE = 2
CARD_WORDS = ("一图可见", "预报图", "空气质量预报图", "一图", "七天预报", "7天预报", "预报图片")
MAX_CARD_REQUEST = 12
# "Why" asks for an explanation even beside a time of day: 为什么下午臭氧高.
WHY = ("为什么", "为啥")
# Readings kept per process, as bot.forecast.understand keeps understandings (same key, bound).
READINGS_CACHED = 4096


@dataclass(frozen=True)
class Reading:
    """How a message is read; kind "" means it is not a question these answers take."""

    kind: str  # knowledge, activity, forecast, card, ""
    asked: Understood
    entry: knowledge.Entry | None = None
    activity: Activity | None = None
    from_previous: tuple[str, ...] = ()  # which parts came from the previous question: places, days


def read(text: str, now: datetime, recall: Callable[[], Previous | None]) -> Reading:
    """Read a normalised message; `recall` returns the follower's previous question, if any."""
    alone, may_follow = _read_alone(text, now.date())
    if may_follow:
        previous = recall()
        if previous is not None:
            return _follow(alone.asked, alone.activity, previous)
    return alone


@memo_short(READINGS_CACHED)
def _read_alone(text: str, today: date) -> tuple[Reading, bool]:
    """How a message reads without the previous question, and whether it may lean on it.

    A pure function of the text and the day (the word tables are fixed for the process):
    memoised, and the Reading is frozen, so sharing it is safe."""
    asked = understand_on(text, today)
    entry = knowledge.match(text, with_days_only=not _may_be_knowledge(text, asked))
    if entry is not None:
        return Reading("knowledge", asked, entry=entry), False
    activity = read_activity(text)
    if activity is None and is_card_request(text):
        return Reading("card", asked), False
    may_follow = _may_follow(text, asked, activity)
    if activity is not None:
        return Reading("activity", asked, activity=activity), may_follow
    return Reading("forecast" if _is_forecast_question(asked) else "", asked), may_follow


def is_card_request(text: str) -> bool:
    """'一图可见', '空气质量预报图', '发个预报图' …"""
    compact = text.replace(" ", "")
    return any(word in compact for word in CARD_WORDS) and len(compact) <= MAX_CARD_REQUEST


def _may_be_knowledge(text: str, asked: Understood) -> bool:
    """A question about a day (今天PM2.5是多少) or a city is a forecast question, unless it asks
    why; the region as a whole (长三角空气质量预报是谁发布的) may still be a knowledge question."""
    if (asked.days and not any(word in text for word in WHY)) or asked.guessed:
        return False
    return not asked.places or any(word in text for word in GROUPS)


def _is_forecast_question(asked: Understood) -> bool:
    if asked.asks_air:
        return True
    residue = asked.residue
    for word in (*asked.unknown, *(typed for typed, _ in asked.ambiguous)):
        residue = residue.replace(word, "")
    return asked.names_place and len(residue) <= MAX_RESIDUE


def _may_follow(text: str, asked: Understood, activity: Activity | None) -> bool:
    """Half a question (a place, a day or an activity, not all) that leans on the last one."""
    if asked.names_place and asked.names_day:
        return False
    if not (asked.names_place or asked.names_day):
        return activity is not None  # 能跑步吗, right after 明天南京空气: about 南京, tomorrow
    bare = not asked.asks_air and len(asked.residue.strip("那呢么还有再")) <= 1
    return has_marker(text) or bare


def _follow(asked: Understood, activity: Activity | None, previous: Previous) -> Reading:
    """Take the missing places or days from the previous question; never fill a part the
    follower did name but we could not read (黄冈呢 is reported, not answered for 南京)."""
    taken: list[str] = []
    changes: dict = {}
    if not asked.names_place:
        changes["places"] = previous.places
        taken.append("places")
    if not asked.names_day:
        changes["days"] = previous.days
        taken.append("days")
    followed = replace(asked, **changes)
    activity = activity or previous.activity
    kind = "activity" if activity else "forecast"
    return Reading(kind, followed, activity=activity, from_previous=tuple(taken))


# Topics a message may touch without matching an entry: the guess points to a question that works.
_TOPIC_HINTS = (
    (("pm2.5", "pm25", "pm10", "臭氧", "o3", "二氧化", "一氧化碳", "污染物"), "PM2.5是什么"),
    (("aqi", "指数", "等级", "级别", "颜色"), "AQI是什么"),
    (("净化器", "空调", "新风"), "空气净化器有用吗"),
    (("口罩", "开窗", "跑步", "锻炼", "运动", "孩子", "老人"), "明天能跑步吗"),
    (("雾", "霾"), "雾和霾有什么区别"),
    (("预报", "发布"), "一图可见"),
)
GENERAL_GUESS = "您可能想问：「今天空气怎么样」「明天能跑步吗」「PM2.5是什么」。"


def guess(text: str, now: datetime) -> str:
    """One line guessing what a message nothing understood may want, with words that work."""
    asked = understand(text, now)
    if asked.days and not asked.places:
        first = asked.days[0]
        word = RELATIVE.get((first - now.date()).days) or f"{first.month}月{first.day}日"
        return f"您是想查{first.month}月{first.day}日的空气质量吗？可以回复「{word}空气」。"
    if asked.places:
        return f"您是想查{asked.places[0]}的空气质量吗？可以回复「明天{asked.places[0]}空气」。"
    compact = text.replace(" ", "")
    for words, example in _TOPIC_HINTS:
        if any(word in compact for word in words):
            return f"您是不是想问「{example}」？可以直接回复这句话。"
    return GENERAL_GUESS
