"""Wiring for the long-running processes: the engine context, the scheduler's job list."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot import ZONE
from bot.config import Config
from bot.wechat.client import client_for
from syndication import datacube, dispatch, reminders
from syndication.calls import Recorder
from syndication.scheduler import Job
from syndication.steps import Context

#: Blocking stream reads need a socket timeout longer than the block (the webhook's is 0.5 s).
PROCESS_SOCKET_TIMEOUT = 5.0


def process_redis_config(config: Config) -> Any:
    """The Redis settings for a worker or scheduler: patient where the webhook must be quick."""
    return dataclasses.replace(
        config.redis, socket_timeout=max(config.redis.socket_timeout, PROCESS_SOCKET_TIMEOUT)
    )


def make_context(config: Config, redis: Any, clock: Callable[[], float] = time.time) -> Context:
    """The engine's context: API clients share each account's token through Redis."""
    return Context(
        config=config,
        redis=redis,
        client=lambda account: client_for(config, account, redis),
        clock=clock,
        recorder=Recorder(redis, clock),
    )


def scheduler_jobs(ctx: Context) -> list[Job]:
    """What the leading scheduler runs, and how often."""
    tick = ctx.config.syndication.tick

    def now() -> float:
        return ctx.clock()

    return [
        Job.every("start-due", lambda: dispatch.start_due(ctx, now()), tick),
        Job.every("wake", lambda: dispatch.wake(ctx, now()), tick),
        Job.every("publish-events", lambda: dispatch.intake_events(ctx, now()), 1.0),
        Job.cron("trim-log", lambda: dispatch.trim_log(ctx, now()), hour=3, minute=17),
        # Yesterday's figures are ready after 08:00; later runs pick up a day not ready before.
        Job.cron("reads", lambda: datacube.daily(ctx, now()), hour="8-23", minute=20),
        # Hourly in the day: a reminder is claimed once, so later runs only pick up late sign-ups.
        Job.cron(
            "event-reminders",
            lambda: reminders.remind_due(
                ctx.config, ctx.redis, datetime.fromtimestamp(now(), ZONE), ctx.client
            ),
            hour="9-20",
            minute=5,
        ),
    ]
