"""Air-quality forecast answers: questions in words, the "一图可见" picture, LOCATION."""

from __future__ import annotations

import logging
from datetime import date

from bot.answers.menu import Menu
from bot.forecast.media import ensure_media, media_id
from bot.forecast.model import ForecastIssue
from bot.forecast.repo import ForecastRepo
from bot.forecast.text import NO_FORECAST, Ask, compose, not_covered
from bot.forecast.understand import default_day
from bot.places import MAX_NEAREST_KM, nearest_city, provinces
from bot.questions import is_card_request
from bot.router import Incoming, Router
from bot.wechat.messages import shared_location
from bot.wechat.replies import ImageReply, Reply, TextReply

log = logging.getLogger("csj.forecast")

CARD_KEY = "FORECAST_CARD"
TODAY_KEY = "AIR_TODAY"  # the menu button: today's forecast for the account's own region
PREPARING = "预报图正在准备中，请稍后再回复「一图可见」。"
PREPARING_DAYS = 3  # the words that stand in for the picture: the next three days, all four regions


def register(router: Router, menu: Menu) -> None:
    """Wire the picture keywords, the menu key and LOCATION messages (questions in words:
    bot.answers.questions, registered before this module)."""
    menu.add("一图可见", "：长三角未来7天空气质量预报图")
    menu.add("明天南京空气", "：查询某地某天的空气质量预报")
    router.on_click(CARD_KEY, card_answer)
    router.on_click(TODAY_KEY, today_answer)
    router.on_text(is_card_request, card_answer)
    router.on_type("location", location_answer)


def card_answer(incoming: Incoming) -> Reply:
    """The picture when its media_id is ready; otherwise the forecast in words and a note."""
    issue = ForecastRepo(incoming.redis).latest()
    if issue is None:
        return TextReply(NO_FORECAST)
    ready = media_id(incoming.redis, incoming.account.id, issue.id, incoming.now) or _upload_now(
        incoming, issue
    )
    if ready:
        return ImageReply(ready)
    today = incoming.now.date()
    days = tuple(d for d in issue.days if d >= today)[:PREPARING_DAYS]
    return TextReply(compose(issue, Ask(provinces(), days, today)) + "\n" + PREPARING)


def _upload_now(incoming: Incoming, issue) -> str | None:
    """No fresh media_id (expired, or the upload at import failed): try once within the budget."""
    if incoming.uploader is None:
        return None
    try:
        return ensure_media(
            incoming.redis, incoming.account, issue, incoming.uploader, incoming.now
        )
    except Exception:
        log.exception(
            "forecast picture upload failed", extra={"fields": {"account": incoming.account.id}}
        )
        return None


def today_answer(incoming: Incoming) -> Reply:
    """The menu button: the account's own region, today (or tomorrow after the cut-over)."""
    issue = ForecastRepo(incoming.redis).latest()
    ask = Ask((incoming.account.region,), (day_for(issue, incoming),), incoming.now.date())
    return TextReply(compose(issue, ask))


def day_for(issue: ForecastIssue | None, incoming: Incoming) -> date:
    """The day a question naming none is about: today, or tomorrow after the evening cut-over;
    and if the newest issue starts later (issued this afternoon from tomorrow on), its first day,
    rather than telling the follower that the forecast just published does not cover them."""
    day = default_day(incoming.now)
    if issue is None or day in issue.days:
        return day
    return next((d for d in issue.days if d > day), day)


def location_answer(incoming: Incoming) -> Reply:
    """A shared location: the forecast for the nearest of the 41 cities."""
    point = shared_location(incoming.message)
    if point is None:
        return TextReply("抱歉，没有读到您的位置。可以直接发送城市名，例如「明天南京空气」。")
    city, km = nearest_city(*point)
    if km > MAX_NEAREST_KM:
        return TextReply(not_covered(("您所在的位置",)))
    issue = ForecastRepo(incoming.redis).latest()
    ask = Ask((city.name,), (day_for(issue, incoming),), incoming.now.date())
    return TextReply(f"离您最近的城市：{city.name}\n" + compose(issue, ask))
