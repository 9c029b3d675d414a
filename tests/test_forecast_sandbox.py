"""The picture through the WeChat sandbox over real HTTP: uploaded at import, sent by media_id.

The uploader is the production one (bot.wechat.client: wechatpy, token shared through Redis),
its API base URL pointed at the sandbox.
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.forecast.importer import ImportRejected
from bot.forecast.service import import_forecast
from bot.wechat.client import image_uploader
from tests.forecast_data import NOW_DT, newer_bytes, sample_bytes
from tests.sandbox_support import make_sandbox, serve  # noqa: F401  (fixtures)
from tests.test_forecast_webhook import ask


@pytest.fixture
def box(make_sandbox):  # noqa: F811  (the imported fixture)
    """The WeChat API stand-in, over real HTTP on a free port."""
    return make_sandbox()


@pytest.fixture
def uploader(box, config, redis):
    """The production uploader (bot.wechat.client), its API base URL on the sandbox."""
    api_config = dataclasses.replace(
        config, wechat=dataclasses.replace(config.wechat, api_base_url=box.api)
    )
    return image_uploader(api_config, redis)


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


def test_an_expired_or_missing_picture_is_uploaded_in_the_reply_path(
    config, redis, clock, runner, box
):
    """No media_id yet (the import could not upload): the reply uploads it within the budget."""
    from bot import create_app
    from tests.conftest import WeChat

    api_config = dataclasses.replace(
        config, wechat=dataclasses.replace(config.wechat, api_base_url=box.api)
    )
    import_forecast(
        redis, sample_bytes(), NOW_DT, accounts=api_config.accounts.values(), uploader=None
    )
    wechat = WeChat(
        create_app(api_config, redis=redis, clock=clock, runner=runner).test_client(),
        api_config,
        clock,
    )
    reply = ask(wechat, api_config, "一图可见", account="js")
    assert reply["MsgType"] == "image"
    assert box.client("js").media.download(reply["Image"]["MediaId"]).content[:4] == b"\x89PNG"
    assert (
        ask(wechat, api_config, "一图可见", account="js")["Image"]["MediaId"]
        == reply["Image"]["MediaId"]
    )
