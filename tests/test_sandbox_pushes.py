"""Job-finished pushes: signed and encrypted as WeChat does them; csj's webhook records them."""

from __future__ import annotations

import json

import pytest

from bot.store import Keys as BotKeys
from bot.wechat.crypto import MessageCipher, sign
from bot.wechat.xml import parse
from syndication.sandbox.state import Settings
from tests.sandbox_support import article, upload


@pytest.fixture
def hooked(make_sandbox, serve, app):
    """A sandbox whose push_url is a live csj webhook (bot.create_app over real HTTP)."""
    hook = serve(app)

    def start(settings: Settings | None = None):
        return make_sandbox(settings, push_url=f"{hook}/wechat/{{account}}")

    return start


def _publish(sandbox, account: str = "sh", articles: int = 1) -> str:
    wx = sandbox.client(account)
    thumb = upload(wx)
    media_id = wx.draft.add([article(thumb, title=f"第{i}篇") for i in range(articles)])["media_id"]
    return wx.freepublish.submit(media_id)["publish_id"]


def _events(redis) -> list[dict[str, str]]:
    return [
        {k.decode(): v.decode() for k, v in fields.items()}
        for _, fields in redis.xrange(BotKeys.PUBLISH_EVENTS)
    ]


def test_publishjobfinish_reaches_the_webhook_in_safe_mode(hooked, redis, clock):
    sandbox = hooked()
    assert sandbox.config.accounts["sh"].require_encryption  # safe mode: plaintext would be refused
    publish_id = _publish(sandbox, articles=2)
    assert sandbox.deliver() == []  # not due yet
    clock.advance(5)
    [delivery] = sandbox.deliver()
    assert (delivery.status, delivery.reply, delivery.event) == (200, "success", "PUBLISHJOBFINISH")
    [event] = _events(redis)
    assert event["type"] == "publishjobfinish" and event["account"] == "sh"
    assert event["publish_id"] == publish_id and event["publish_status"] == "0"
    urls = json.loads(event["article_urls"])
    assert len(urls) == 2 and urls[0].startswith(sandbox.url + "/_sandbox/sh/articles/")
    assert sandbox.deliver() == []  # delivered once


def test_failed_publish_event_carries_fail_idx(hooked, redis, clock):
    sandbox = hooked(Settings(publish_status=2, fail_idx=(1, 2)))
    _publish(sandbox, "js", articles=2)
    clock.advance(5)
    assert sandbox.deliver()[0].status == 200
    [event] = _events(redis)
    assert event["publish_status"] == "2" and json.loads(event["fail_idx"]) == [1, 2]
    assert json.loads(event["article_urls"]) == []


def test_masssendjobfinish_reaches_the_webhook(hooked, redis, clock):
    sandbox = hooked()
    wx = sandbox.client("ah")  # compatible mode: the push is encrypted too
    media_id = wx.draft.add([article(upload(wx))])["media_id"]
    msg_id = wx.message.send_mass_article(media_id, is_to_all=True)["msg_id"]
    clock.advance(5)
    [delivery] = sandbox.deliver()
    assert delivery.status == 200 and delivery.event == "MASSSENDJOBFINISH"
    [event] = _events(redis)
    assert event["type"] == "masssendjobfinish" and event["msg_id"] == str(msg_id)
    assert event["status"] == "send success" and event["sent_count"] == "1000"
    assert len(json.loads(event["article_urls"])) == 1


def test_push_is_signed_and_encrypted_like_wechat(make_sandbox, serve, clock):
    """Capture the raw push and check it by hand: URL signature, msg_signature, AES body, appid."""
    from flask import Flask, request

    seen = []
    catcher = Flask("catcher")
    catcher.add_url_rule(
        "/wechat/<account>",
        "hook",
        lambda account: seen.append((account, dict(request.args), request.get_data())) or "success",
        methods=["POST"],
    )
    sandbox = make_sandbox(push_url=f"{serve(catcher)}/wechat/{{account}}")
    _publish(sandbox, "zj")
    clock.advance(5)
    sandbox.deliver()
    [(account_id, query, body)] = seen
    account = sandbox.config.accounts[account_id]
    assert query["timestamp"] == str(int(clock())) and query["encrypt_type"] == "aes"
    assert query["signature"] == sign(account.token, query["timestamp"], query["nonce"])
    encrypted = parse(body)["Encrypt"]
    assert query["msg_signature"] == sign(
        account.token, query["timestamp"], query["nonce"], encrypted
    )
    inner = parse(MessageCipher(account.encoding_aes_key, account.appid).decrypt(encrypted))
    assert inner["FromUserName"] == "mphelper" and inner["Event"] == "PUBLISHJOBFINISH"
    assert inner["PublishEventInfo"]["publish_status"] == "0"


def test_compatible_mode_push_carries_plaintext_and_ciphertext(make_sandbox, serve, clock):
    from flask import Flask, request

    bodies = []
    catcher = Flask("catcher")
    catcher.add_url_rule(
        "/wechat/<account>",
        "hook",
        lambda account: bodies.append(request.get_data()) or "success",
        methods=["POST"],
    )
    sandbox = make_sandbox(push_url=f"{serve(catcher)}/wechat/{{account}}")
    _publish(sandbox, "ah")  # ah: an EncodingAESKey without require_encryption (兼容模式)
    clock.advance(5)
    sandbox.deliver()
    outer = parse(bodies[0])
    assert outer["Event"] == "PUBLISHJOBFINISH" and outer["Encrypt"]


def test_unreachable_webhook_is_retried_three_times(make_sandbox, clock):
    sandbox = make_sandbox(
        push_url="http://127.0.0.1:9/wechat/{account}"
    )  # nothing listens on port 9
    _publish(sandbox)
    attempts = []
    for _ in range(5):
        clock.advance(5)
        attempts += sandbox.deliver()
    assert [d.attempt for d in attempts] == [1, 2, 3]
    assert all(d.status is None and d.error for d in attempts)


def test_retried_push_is_answered_once_by_the_webhook(hooked, redis, clock):
    """WeChat's retry of the same event (same CreateTime) is deduplicated by the webhook."""
    from syndication.sandbox import pusher
    from syndication.sandbox.state import Keys

    sandbox = hooked()
    publish_id = _publish(sandbox)
    clock.advance(5)
    sandbox.deliver()
    job = sandbox.state.get_json(Keys.job(publish_id))
    clock.advance(1)
    again = pusher.push(
        sandbox.state,
        sandbox.config,
        f"publish:{publish_id}",
        job,
        clock(),
        __import__("requests").Session(),
    )
    assert again.status == 200 and len(_events(redis)) == 1
