"""The picture through the WeChat sandbox over real HTTP: uploaded at import, sent by media_id.

The uploader here is wechatpy's media/upload aimed at the sandbox: the shape the production
uploader takes once the per-account API client (token in Redis) is wired in.
"""

from __future__ import annotations

import io

import pytest

from bot.forecast.importer import ImportRejected
from bot.forecast.service import import_forecast
from tests.forecast_data import NOW_DT, newer_bytes, sample_bytes
from tests.sandbox_support import make_sandbox, serve  # noqa: F401  (fixtures)
from tests.test_forecast_webhook import ask


@pytest.fixture
def box(make_sandbox):  # noqa: F811  (the imported fixture)
    """The WeChat API stand-in, over real HTTP on a free port."""
    return make_sandbox()


@pytest.fixture
def uploader(box):
    clients = {}

    def upload(account, data: bytes, filename: str) -> str:
        client = clients.setdefault(account.id, box.client(account.id))
        return client.media.upload("image", (filename, io.BytesIO(data)))["media_id"]

    return upload


def test_image_reply_carries_a_media_id_the_sandbox_knows(wechat, config, redis, box, uploader):
    accounts = config.accounts.values()
    first = import_forecast(redis, sample_bytes(), NOW_DT, accounts=accounts, uploader=uploader)
    reply = ask(wechat, config, "一图可见")
    media_id = reply["Image"]["MediaId"]
    assert reply["MsgType"] == "image" and media_id == first.media["sh"]
    stored = box.client("sh").media.download(media_id)
    assert stored.content[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ImportRejected):
        import_forecast(redis, b"date,region\n", NOW_DT, accounts=accounts, uploader=uploader)
    assert ask(wechat, config, "一图可见")["Image"]["MediaId"] == media_id
    second = import_forecast(redis, newer_bytes(), NOW_DT, accounts=accounts, uploader=uploader)
    assert ask(wechat, config, "一图可见")["Image"]["MediaId"] == second.media["sh"] != media_id
    assert "AQI：105–135" in ask(wechat, config, "明天上海空气")["Content"]
