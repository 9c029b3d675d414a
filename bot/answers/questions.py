"""Questions in words: knowledge, activities and health, forecasts, and follow-ups of the last one.

Every place or date word the follower typed is accounted for in the answer: read by its sound
(「杭洲」按「杭州」理解), taken from the previous question (接上一个问题), or said to be not
understood. A default (the account's region, today) only fills a part the follower left out.
"""

from __future__ import annotations

from bot import activities
from bot.activities import Activity
from bot.answers.forecast import day_for
from bot.answers.menu import Menu
from bot.conversation import Previous, recall, remember
from bot.forecast.levels import level
from bot.forecast.model import ForecastIssue
from bot.forecast.repo import ForecastRepo
from bot.forecast.text import MAX_BYTES, NO_FORECAST, Ask, compose, not_covered
from bot.forecast.understand import Understood
from bot.places import cities, provinces
from bot.questions import Reading, read
from bot.router import Incoming, Router
from bot.wechat.replies import Reply, TextReply

EXAMPLES = "可以这样问：「明天南京空气」「杭州后天」「周六上海」「11.28合肥」。"


def register(router: Router, menu: Menu) -> None:
    """Wire the text questions; before the forecast module, whose picture keywords come after."""
    menu.add("明天能跑步吗", "：运动、出行、开窗、口罩、净化器等建议")
    menu.add("PM2.5是什么", "：空气质量小知识")
    router.on_text(lambda text: True, answer)


def answer(incoming: Incoming) -> Reply | None:
    """Answer a question in words; None (pass it on) if the text is not one."""
    reading = read(incoming.text, incoming.now, lambda: _recall(incoming))
    if reading.kind == "knowledge" and reading.entry is not None:
        return TextReply(reading.entry.text())
    if reading.kind in ("forecast", "activity"):
        return TextReply(_forecast_text(incoming, reading))
    return None


def _recall(incoming: Incoming) -> Previous | None:
    message = incoming.message
    return recall(incoming.redis, incoming.account.id, message.from_user, incoming.now)


def _forecast_text(incoming: Incoming, reading: Reading) -> str:
    asked = reading.asked
    unanswerable = _unanswerable(asked)
    if unanswerable:
        return unanswerable
    issue = ForecastRepo(incoming.redis).latest()
    ask = Ask(
        asked.places or (incoming.account.region,),
        asked.days or (day_for(issue, incoming),),
        incoming.now.date(),
        asked.via,
    )
    lead, tail = _lead(reading, ask), _tail(asked)
    budget = MAX_BYTES - len("\n".join([*lead, *tail]).encode())
    if reading.activity is not None:
        body = activity_text(issue, ask, reading.activity, budget)
    else:
        body = compose(issue, ask, budget=budget)
    previous = Previous(ask.places, ask.days, reading.activity, incoming.now.timestamp())
    incoming.writes.append(remember(incoming.account.id, incoming.message.from_user, previous))
    return "\n".join([*lead, body, *tail])


def _unanswerable(asked: Understood) -> str:
    """A question whose only place or only date could not be read: say so, answer nothing."""
    if not asked.places and (asked.ambiguous or asked.unknown):
        lines = [_which(word, places) for word, places in asked.ambiguous]
        if asked.unknown:
            lines.append(f"抱歉，没有认出「{'、'.join(asked.unknown)}」这个地点。")
            lines.append(
                f"本预报覆盖长三角三省一市（{'、'.join(provinces())}）"
                f"及{len(cities())}个地级及以上城市。"
            )
        if asked.outside:
            lines.append(f"{'、'.join(asked.outside)}不在本预报范围内。")
        return "\n".join([*lines, EXAMPLES])
    if not asked.places and asked.outside:
        return not_covered(asked.outside)
    if not asked.days and asked.impossible:
        return f"日历上没有「{'、'.join(asked.impossible)}」这一天，请检查日期。\n{EXAMPLES}"
    if not asked.days and asked.unread_days:
        return f"抱歉，没有看懂「{'、'.join(asked.unread_days)}」是哪一天。\n{EXAMPLES}"
    return ""


def _which(word: str, places: tuple[str, ...]) -> str:
    return f"「{word}」是指{'还是'.join(places)}？请回复完整的城市名，例如「明天{places[0]}空气」。"


def _lead(reading: Reading, ask: Ask) -> list[str]:
    lines = [f"「{typed}」按「{place}」理解。" for typed, place in reading.asked.guessed]
    taken = []
    if "places" in reading.from_previous:
        taken.append("、".join(ask.places))
    if "days" in reading.from_previous:
        taken.append("、".join(f"{d.month}月{d.day}日" for d in ask.days[:3]))
    if taken:
        lines.append(f"（接上一个问题：{'，'.join(taken)}）")
    return lines


def _tail(asked: Understood) -> list[str]:
    lines = []
    if asked.outside:
        lines.append(f"（{'、'.join(asked.outside)}不在本预报范围内。）")
    if asked.impossible:
        lines.append(f"（没有{'、'.join(asked.impossible)}这一天。）")
    lines.extend(f"（{_which(word, places)}）" for word, places in asked.ambiguous)
    if asked.unknown:
        lines.append(f"（没有认出「{'、'.join(asked.unknown)}」，以上只含认出的地点。）")
    if asked.unread_days:
        lines.append(f"（没有看懂「{'、'.join(asked.unread_days)}」，以上只含认出的日期。）")
    return lines


def activity_text(issue: ForecastIssue | None, ask: Ask, activity: Activity, budget: int) -> str:
    """The advice for the activity at the worst level asked about, then the forecast itself."""
    if issue is None:
        return NO_FORECAST
    rows = [r for p in ask.places for d in ask.days if (r := issue.answer(p, d)) is not None]
    if not rows:
        return compose(issue, ask, budget=budget)
    worst = max(r.level_hi for r in rows)
    ozone = any("O3" in r.pollutants for r in rows if r.level_hi == worst)
    head = [f"【{activities.label(activity)}】{activities.advice(activity, worst, ozone)}"]
    if len(rows) > 1:
        head.append(f"（按所问地点和日期中最差的「{level(worst).name}」给出建议）")
    foot = f"建议依据：{activities.source(activity)}"
    used = len("\n".join([*head, foot]).encode()) + 2
    return "\n".join([*head, compose(issue, ask, budget=budget - used), foot])
