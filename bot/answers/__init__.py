"""The answers the bot gives, one module per kind, wired into one router."""

from __future__ import annotations

from bot.answers import column, events, forecast, jobs, menu, questions
from bot.router import Router


def build_router() -> Router:
    """Return the router with every answer registered."""
    entries = menu.Menu()
    router = Router(fallback=lambda incoming: menu.not_understood(incoming, entries))
    jobs.register(router)
    menu.register(router, entries)
    column.register(router, entries)  # before the forecast: 美丽长三角 is the column, not 长三角
    events.register(router, entries)  # before the forecast: 南京有什么活动 is not about the air
    questions.register(router, entries)  # before the forecast: 一图可见是什么 is a question
    forecast.register(router, entries)
    router.on_type("location", events.location_or(forecast.location_answer))
    return router
