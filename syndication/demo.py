"""Demo data for `make run`: a forecast starting today and the sample column article, each
loaded only into a store that has none."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from bot.config import Config
from bot.events import import_events, signup
from bot.events.model import Event
from bot.events.repo import EventRepo
from bot.forecast.demo import shift_by, shift_to
from bot.forecast.repo import ForecastRepo
from bot.forecast.service import ImportResult, import_forecast
from bot.wechat.client import image_uploader
from syndication import articles, review, sources
from syndication.articles import Article
from syndication.forecast_uploads import record_import

DEMO_EDITOR = "demo"
#: The demo's sign-in for the admin app (`make run` only: printed, and in the README).
DEMO_PASSWORD = "meili-changsanjiao"
#: The day the demo events file is written for; it is moved to today when loaded.
DEMO_EVENTS_DAY = date(2026, 11, 24)
DEMO_USERS = (("demo-editor", "editor"), ("demo-reviewer", "reviewer"), ("demo-admin", "admin"))
#: Sign-ups the demo makes to the first event open now (half as many to the second).
DEMO_SIGNUPS = 8
DEMO_ACCOUNTS = ("sh", "js", "zj", "ah")


def load_demo_forecast(config: Config, redis: Any, now: datetime) -> ImportResult | None:
    """Import the sample forecast, dated from today, unless any forecast is stored already."""
    if ForecastRepo(redis).latest_id() is not None:
        return None  # a real (or earlier demo) forecast answers: never overwrite it
    sample = resources.files("syndication").joinpath("data/demo_forecast.csv").read_bytes()
    result = import_forecast(
        redis,
        shift_to(sample, now.date()),
        now,
        filename="demo_forecast.csv",
        accounts=config.accounts.values(),
        uploader=image_uploader(config, redis),
    )
    # The forecast page says who imported the current forecast: here, the demo.
    record_import(
        redis, DEMO_EDITOR, result.issue, now.timestamp(), via="demo", filename="demo_forecast.csv"
    )
    return result


def load_demo_article(config: Config, redis: Any, now: float) -> Article | None:
    """Queue the sample column article for now, unless any article is stored already."""
    if articles.list_ids(redis, limit=1):
        return None
    with resources.as_file(resources.files("syndication").joinpath("data")) as folder:
        data = sources.read_markdown_file(folder / "column-sample.md")
    return review.create(redis, config, data, DEMO_EDITOR, now)


def load_demo_users(redis: Any, now: float) -> list[str]:
    """An editor, a reviewer and an admin for the demo, unless any user exists already."""
    from syndication.admin import users

    if users.list_users(redis):
        return []
    for name, role in DEMO_USERS:
        users.add(redis, name, role, DEMO_PASSWORD, now)
    return [name for name, _ in DEMO_USERS]


def load_demo_events(redis: Any, now: datetime) -> list[Event]:
    """The sample events, moved to start in the coming days, unless any event is stored."""
    if EventRepo(redis).all():
        return []
    sample = resources.files("syndication").joinpath("data/demo_events.csv").read_bytes()
    shifted = shift_by(sample, timedelta(days=(now.date() - DEMO_EVENTS_DAY).days))
    events = import_events(redis, shifted, now, filename="demo_events.csv")
    load_demo_signups(redis, events, now)
    return events


def load_demo_signups(redis: Any, events: list[Event], now: datetime) -> int:
    """Followers of the four accounts signed up for the first two events open now, over the last
    hours (the admin's 活动 page shows who is coming); return how many sign-ups were made."""
    made = 0
    for rank, event in enumerate([e for e in events if e.signup_state(now) == "open"][:2]):
        count = DEMO_SIGNUPS // (rank + 1)
        for n in range(count):
            at = max(now.timestamp() - (count - n) * 1700, event.signup_opens.timestamp())
            account = DEMO_ACCOUNTS[n % len(DEMO_ACCOUNTS)]
            openid = f"oDemo{account}follower{n:04d}"
            signup.sign_up(redis, event.number, account, openid, at, f"demo-{event.number}-{n}")
            made += 1
    return made


def load_demo_checks(config: Config, redis: Any, now: float) -> list[str]:
    """Check each account's token once against the sandbox, so the accounts page and the
    dashboard's health show a real answer; return the accounts whose check succeeded."""
    from syndication import account_actions, account_status, audit

    passed = []
    for account in config.accounts.values():
        if "check" in account_status.remembered(redis, account.id):
            continue  # checked before (maybe by a person since): leave it
        result = account_actions.check_token(config, redis, account, lambda: now)
        audit.record(
            redis, DEMO_EDITOR, "account-check", "", now, account=account.id, ok=result["ok"]
        )
        if result["ok"]:
            passed.append(account.id)
    return passed
