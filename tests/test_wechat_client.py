"""The per-account API client: one token per account shared through Redis, over the sandbox."""

from __future__ import annotations

import dataclasses

import pytest

from bot.store import Keys
from bot.wechat.client import AccountClient, client_for, image_uploader
from tests.sandbox_support import PNG, make_sandbox, serve  # noqa: F401  (fixtures)


@pytest.fixture
def box(make_sandbox):  # noqa: F811
    return make_sandbox()


@pytest.fixture
def api_config(config, box):
    return dataclasses.replace(
        config, wechat=dataclasses.replace(config.wechat, api_base_url=box.api)
    )


class Counting(AccountClient):
    """Counts the stable_token calls of every instance."""

    fetched = 0

    def _stable_token(self):
        Counting.fetched += 1
        return super()._stable_token()


def _client(api_config, redis, account_id="sh") -> Counting:
    return Counting(api_config.accounts[account_id], redis, api_config.wechat.api_base_url, 5)


def test_processes_share_one_token_through_redis(api_config, redis):
    Counting.fetched = 0
    first, second = _client(api_config, redis), _client(api_config, redis)
    assert "media_id" in first.media.upload("image", ("a.png", PNG, "image/png"))
    assert second.access_token == first.access_token
    assert Counting.fetched == 1
    assert redis.exists(
        f"{Keys.wechatpy_session('sh')}:{api_config.accounts['sh'].appid}_access_token"
    )


def test_each_account_has_its_own_token(api_config, redis):
    assert (
        _client(api_config, redis, "sh").access_token
        != _client(api_config, redis, "js").access_token
    )


def test_a_refused_token_is_replaced_and_the_call_retried(api_config, redis):
    client = _client(api_config, redis)
    client.session.set(client.access_token_key, "revoked-token", 7200)
    client.expires_at = 4102444800  # far future: only WeChat's 40001 can tell it is bad
    Counting.fetched = 0
    assert "media_id" in client.media.upload("image", ("a.png", PNG, "image/png"))
    assert Counting.fetched == 1 and client.access_token != "revoked-token"


def test_a_newer_token_from_another_process_is_used_not_refetched(api_config, redis):
    first, second = _client(api_config, redis), _client(api_config, redis)
    old = first.access_token
    Counting.fetched = 0
    second.session.set(second.access_token_key, "newer-from-elsewhere", 7200)
    assert first.fetch_access_token()["access_token"] == "newer-from-elsewhere"
    assert Counting.fetched == 0 and old != "newer-from-elsewhere"


def test_wrong_secret_is_a_clear_error(api_config, redis):
    from wechatpy.exceptions import WeChatClientException

    bad = dataclasses.replace(api_config.accounts["sh"], secret="wrong")
    with pytest.raises(WeChatClientException) as caught:
        _ = AccountClient(bad, redis, api_config.wechat.api_base_url, 5).access_token
    assert caught.value.errcode == 40125


def test_image_uploader_returns_a_media_id_the_sandbox_serves(api_config, redis, box):
    media_id = image_uploader(api_config, redis)(api_config.accounts["zj"], PNG, "card.png")
    assert box.client("zj").media.download(media_id).content == PNG


def test_client_for_uses_the_configured_base_url(api_config, redis):
    assert (
        client_for(api_config, api_config.accounts["ah"], redis).API_BASE_URL
        == api_config.wechat.api_base_url
    )
