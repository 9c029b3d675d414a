"""Event test data and helpers: the sample file (dated around the test clock), a follower's ask."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.events import import_events
from bot.events.model import Event
from bot.forecast.demo import shift_by
from syndication.sandbox.pushes import text_xml
from tests.forecast_data import NOW_DT
from tests.test_webhook import decrypt_reply

SAMPLE = Path(__file__).resolve().parent.parent / "syndication" / "data" / "demo_events.csv"
# The sample's events by number once imported into an empty store.
NANJING, SHANGHAI, HANGZHOU, HEFEI_NOT_OPEN, JIANGSU_ONLINE, SUZHOU_CLOSED = range(1, 7)


def import_sample(redis) -> list[Event]:
    return import_events(redis, SAMPLE.read_bytes(), NOW_DT, filename=SAMPLE.name)


def say(wechat, config, openid: str, text: str, account: str = "sh", **options) -> str:
    """Send a text as a follower through the webhook (safe mode); return the reply's text."""
    xml = text_xml(config.accounts[account], openid, text, **options)
    response = wechat.send(account, xml)
    assert response.status_code == 200, response.data
    reply = decrypt_reply(config, account, response.data)
    return reply.get("Content", "")


def shifted_sample(now) -> bytes:
    """The sample moved by whole days so it sits around `now` as it sits around the test clock
    (for commands and servers that run on the real clock)."""
    return shift_by(SAMPLE.read_bytes(), timedelta(days=(now.date() - NOW_DT.date()).days))
