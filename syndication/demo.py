"""Demo data for `make run`: a forecast starting today, loaded only into an empty store."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any

from bot.config import Config
from bot.forecast.demo import shift_to
from bot.forecast.repo import ForecastRepo
from bot.forecast.service import ImportResult, import_forecast
from bot.wechat.client import image_uploader


def load_demo_forecast(config: Config, redis: Any, now: datetime) -> ImportResult | None:
    """Import the sample forecast, dated from today, unless any forecast is stored already."""
    if ForecastRepo(redis).latest_id() is not None:
        return None  # a real (or earlier demo) forecast answers: never overwrite it
    sample = resources.files("syndication").joinpath("data/demo_forecast.csv").read_bytes()
    return import_forecast(
        redis,
        shift_to(sample, now.date()),
        now,
        filename="demo_forecast.csv",
        accounts=config.accounts.values(),
        uploader=image_uploader(config, redis),
    )
