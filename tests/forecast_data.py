"""Forecast test data: the sample file, a newer issue made from it, the test clock's date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from bot import ZONE
from tests.conftest import NOW

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "forecast_sample.csv"
NOW_DT = datetime.fromtimestamp(NOW, ZONE)  # Tue 2026-11-24 10:40
TODAY = NOW_DT.date()


def day(offset: int) -> date:
    """The date `offset` days after the test clock's today."""
    return TODAY + timedelta(days=offset)


def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


def newer_bytes() -> bytes:
    """The sample issued the next morning, with Shanghai's day 2 revised up to 轻度污染."""
    text = SAMPLE.read_text("utf-8").replace("2026-11-23 16:00", "2026-11-24 07:00")
    return text.replace(
        "2026-11-25,上海,70,95,良,PM2.5", "2026-11-25,上海,105,135,轻度污染,PM2.5"
    ).encode()
